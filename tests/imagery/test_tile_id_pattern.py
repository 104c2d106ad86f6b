"""The schema's pattern for a tile id (geo.TILE_ID_INPUT_PATTERN) accepts exactly what parse_tile_id accepts."""
import re

import pytest

from imagery.lib.geo import TILE_ID_INPUT_PATTERN, GeoError, parse_tile_id


@pytest.mark.parametrize("value", ["32NLP", "t33uuu", "T4QFJ", "04QFJ", " 60XVV ", "1CAA", "32nlp",
                                   "0", "00", "00NLP", "61NLP", "32ILP", "32NIP", "32NLW", "132NLP", "32NL", "TT32NLP",
                                   "", "32NLP\n", "٣2NLP"])
def test_the_pattern_and_the_parser_agree(value):
    try:
        parse_tile_id(value)
        parsed = True
    except GeoError:
        parsed = False
    assert bool(re.fullmatch(TILE_ID_INPUT_PATTERN, value)) == parsed
