"""lcnet_site.sql's binary COPY out gives what an ordinary fetch gives, whatever the rows' layouts."""
from datetime import datetime, timezone

import pytest
from django.db import connection

from lcnet_site import sql

pytestmark = pytest.mark.django_db

# rows of one layout (decoded by the per-layout struct), then rows that break it one way each: another bytea
# length, a NULL, a wider integer; then the first layout again
ROWS = [
    (1, 10, 1.5, b"\x00" * 1024),
    (2, 20, -2.25, b"\x01" * 1024),
    (3, 30, 0.0, b"\x02" * 1024),
    (4, 40, 7.0, b"ab"),
    (5, None, 8.0, b"\x03" * 1024),
    (6, 60, None, None),
    (2**40, 70, 9.0, b"\x04" * 1024),
    (8, 80, 10.0, b"\x05" * 1024),
    (9, 90, 11.0, b""),
]
QUERY = """SELECT a::bigint, b::int, c::float8, d::bytea FROM unnest(%s::bigint[], %s::int[], %s::float8[], %s::bytea[])
           AS t(a, b, c, d) ORDER BY a"""


def _params():
    return [[r[i] for r in ROWS] for i in range(4)]


def test_copy_out_rows_equal_an_ordinary_fetch_across_layout_changes():
    with connection.cursor() as cur:
        got = sql.copy_out(cur, QUERY, _params(), [sql.INT8, sql.INT8, sql.FLOAT8, sql.BYTEA])
        cur.execute(QUERY, _params())
        want = [tuple(bytes(v) if isinstance(v, memoryview) else v for v in row) for row in cur.fetchall()]
    assert got == want == sorted(ROWS)
    assert all(type(row) is tuple for row in got)


def test_copy_out_decodes_text_bool_time_and_small_integers():
    at = datetime(2024, 5, 17, 10, 30, 1, 250000, tzinfo=timezone.utc)
    with connection.cursor() as cur:
        got = sql.copy_out(cur, "SELECT %s::text, %s::bool, %s::timestamptz, %s::smallint FROM generate_series(1, 3)",
                           ["Crète", True, at, -3], [sql.TEXT, sql.BOOL, sql.TIMESTAMPTZ, sql.INT8])
    assert got == [("Crète", True, at, -3)] * 3


def test_copy_out_of_no_rows_is_empty():
    with connection.cursor() as cur:
        assert sql.copy_out(cur, "SELECT 1::bigint WHERE false", [], [sql.INT8]) == []
