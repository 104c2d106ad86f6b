"""export.lib.ranges.parse_range: one byte range against a file size."""
import pytest

from export.lib.ranges import Unsatisfiable, parse_range


@pytest.mark.parametrize("header, want", [
    ("bytes=0-511", (0, 512)),
    ("bytes=100-", (100, 1000)),
    ("bytes=-300", (700, 1000)),
    ("bytes=-5000", (0, 1000)),  # a suffix longer than the file is the whole file
    ("bytes=990-5000", (990, 1000)),  # the end is clipped to the file
    (" bytes=5-5", (5, 6)),
])
def test_a_single_range_is_the_half_open_byte_span(header, want):
    assert parse_range(header, 1000) == want


@pytest.mark.parametrize("header", [None, "", "bytes=-", "bytes=0-1,5-9", "items=0-5", "bytes=9-3", "bytes=a-b"])
def test_no_several_or_malformed_ranges_mean_the_whole_file(header):
    assert parse_range(header, 1000) is None


@pytest.mark.parametrize("header", ["bytes=1000-", "bytes=2000-3000", "bytes=-0"])
def test_a_range_past_the_end_is_unsatisfiable(header):
    with pytest.raises(Unsatisfiable):
        parse_range(header, 1000)
