"""Row ids read from a URL's query string: ASCII digits within bigint, or nothing.

str.isdigit also accepts "²" or "٣", which int() refuses or reads as another number, and Postgres refuses a bigint
beyond 2^63 - 1 with an error: both would be a 500 instead of "no such row".
"""
MAX_ID = 2**63 - 1


def parse_id(raw: str | None) -> int | None:
    """`raw` as a row id (1 … 2^63 - 1), or None when it is anything else."""
    if not raw or not (raw.isascii() and raw.isdigit()) or len(raw) > 19:
        return None
    value = int(raw)
    return value if 0 < value <= MAX_ID else None
