"""Set-based helpers for writers and readers that handle thousands of rows at once (no Django model per row).

Postgres gets one array parameter instead of one placeholder per id, and COPY instead of a multi-row INSERT whose
text Postgres must parse; other databases (SQLite in the demo) get Django's plain forms, with the same results."""
from __future__ import annotations

import io
import struct
from collections.abc import Iterable, Sequence

from django.db import connection
from django.db.models.expressions import RawSQL


def ids_in(ids: Iterable[int]):
    """The value of a `field__in=` filter over many integer ids: on Postgres one array parameter
    (`IN (SELECT unnest(%s::bigint[]))`: building and planning cost what one parameter costs, not thousands)."""
    ids = [int(i) for i in ids]
    if connection.vendor != "postgresql":
        return ids
    return RawSQL("SELECT unnest(%s::bigint[])", [ids])


# column kinds of copy_temp (binary COPY needs each value's exact wire type)
INT8, BYTEA, TEXT, FLOAT8 = "int8", "bytea", "text", "float8"
_NULL = struct.pack("!i", -1)


def copy_temp(cursor, name: str, columns: Sequence[tuple[str, str]], rows: Iterable[Sequence]) -> None:
    """Postgres only: create the temporary table `name` (dropped at commit; call inside a transaction) with these
    (column, kind) pairs and fill it with one binary COPY. Kinds: INT8, BYTEA, TEXT (str, sent as UTF-8), FLOAT8;
    None is NULL."""
    # lz4: the bytes are compressed once here and move to the target table as they are (pglz: 3× the COPY time)
    spec = ", ".join(f"{c} {k}{' COMPRESSION lz4' if k == BYTEA else ''}" for c, k in columns)
    cursor.execute(f"CREATE TEMP TABLE {name} ({spec}) ON COMMIT DROP")
    kinds = [k for _, k in columns]
    buf = io.BytesIO()
    buf.write(b"PGCOPY\n\xff\r\n\x00" + struct.pack("!ii", 0, 0))
    head = struct.pack("!h", len(kinds))
    for row in rows:
        buf.write(head)
        for kind, value in zip(kinds, row):
            if value is None:
                buf.write(_NULL)
            elif kind == INT8:
                buf.write(struct.pack("!iq", 8, value))
            elif kind == FLOAT8:
                buf.write(struct.pack("!id", 8, value))
            else:
                raw = value.encode() if kind == TEXT else bytes(value)
                buf.write(struct.pack("!i", len(raw)))
                buf.write(raw)
    buf.write(struct.pack("!h", -1))
    buf.seek(0)
    cursor.copy_expert(f"COPY {name} FROM STDIN WITH (FORMAT binary)", buf)
