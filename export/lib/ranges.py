"""HTTP byte ranges (RFC 9110 §14) for file downloads, so GDAL's /vsicurl/ can open a scene COG by its URL and read
only the blocks it needs (it refuses servers that answer a range request with the whole file). Pure: no Django."""
from __future__ import annotations

import re

_SPEC = re.compile(r"^bytes=(\d*)-(\d*)$")


class Unsatisfiable(ValueError):
    """The range lies past the end of the file (answer 416)."""


def parse_range(header: str | None, size: int) -> tuple[int, int] | None:
    """(start, stop) half-open of one `Range: bytes=a-b | a- | -n` against a file of `size` bytes.

    None: no range, or one this server answers with the whole file (several ranges, other units, malformed), which
    RFC 9110 allows. Unsatisfiable: a well-formed range that starts at or past the end.
    """
    match = _SPEC.match((header or "").strip())
    if not match or match.groups() == ("", ""):
        return None
    first, last = match.groups()
    if not first:  # suffix: the last n bytes
        n = int(last)
        if n == 0:
            raise Unsatisfiable("an empty suffix range")
        return max(size - n, 0), size
    start = int(first)
    stop = size if not last else min(int(last) + 1, size)
    if last and int(last) < start:
        return None  # invalid: ignored, the whole file is sent
    if start >= size:
        raise Unsatisfiable(f"range starts at {start}, the file has {size} bytes")
    return start, stop
