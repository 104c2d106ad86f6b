"""Set-based helpers for writers and readers that handle thousands of rows at once (no Django model per row).

Postgres gets one array parameter instead of one placeholder per id, and COPY instead of a multi-row INSERT whose
text Postgres must parse; other databases (SQLite in the demo) get Django's plain forms, with the same results."""
from __future__ import annotations

import functools
import io
import struct
import weakref
from collections.abc import Iterable, Sequence
from datetime import datetime, timedelta, timezone

from django.db import connection
from django.db.models.expressions import RawSQL


def ids_in(ids: Iterable[int]):
    """The value of a `field__in=` filter over many integer ids: on Postgres one array parameter
    (`IN (SELECT unnest(%s::bigint[]))`: building and planning cost what one parameter costs, not thousands)."""
    ids = [int(i) for i in ids]
    if connection.vendor != "postgresql":
        return ids
    return RawSQL("SELECT unnest(%s::bigint[])", [ids])


_prepared: "weakref.WeakKeyDictionary[object, set[str]]" = weakref.WeakKeyDictionary()


def execute_prepared(cur, name: str, sql: str, params: dict, types: dict[str, str]) -> None:
    """Run `sql` (with %(name)s placeholders); on Postgres as prepared statement `name` of this connection, planned
    once: for the small queries of hot paths (a submit, a token check) planning costs more than running them."""
    if connection.vendor != "postgresql":
        cur.execute(sql, params)
        return
    names = list(types)
    done = _prepared.setdefault(connection.connection, set())
    if name not in done:
        numbered = sql
        for i, key in enumerate(names, start=1):
            numbered = numbered.replace(f"%({key})s", f"${i}")
        cur.execute(f"PREPARE {name} ({', '.join(types.values())}) AS {numbered}")
        done.add(name)
    cur.execute(f"EXECUTE {name} ({', '.join(['%s'] * len(names))})", [params[k] for k in names])


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


BOOL, TIMESTAMPTZ = "bool", "timestamptz"
_EPOCH = datetime(2000, 1, 1, tzinfo=timezone.utc)  # binary timestamptz: microseconds since then, UTC
_WIDTH_CODES = {2: "h", 4: "i", 8: "q"}  # a binary integer's struct code by its byte width
_INTEGERS = {size: struct.Struct("!" + code).unpack_from for size, code in _WIDTH_CODES.items()}
_FLOAT8 = struct.Struct("!d").unpack_from


def copy_out(cursor, query: str, params, kinds: Sequence[str]) -> list[tuple]:
    """Postgres only: the rows of `query` (with %s parameters) through one binary COPY, each value decoded by its
    kind (INT8: any integer column, FLOAT8, BYTEA as bytes, TEXT as str, BOOL, TIMESTAMPTZ as an aware datetime in
    UTC, as Django gives it; NULL is None). For thousands of rows
    with bytea columns: an ordinary fetch moves bytea as hex text, twice the bytes, encoded by the server and decoded
    here."""
    buf = io.BytesIO()
    cursor.copy_expert(cursor.mogrify(f"COPY ({query}) TO STDOUT WITH (FORMAT binary)", params).decode(), buf)
    raw = buf.getbuffer()
    pos = 19 + struct.unpack_from("!i", raw, 15)[0]  # signature, flags, header extension
    length = struct.Struct("!i").unpack_from
    rows = []
    fast, sizes, end = None, None, len(raw)
    while True:
        # a row laid out as the one before it (the same integer widths, no NULL, bytea of the same lengths: a
        # batch of labels) is decoded by one precompiled struct, not field by field
        if fast is not None and pos + fast.size <= end:
            values = fast.unpack_from(raw, pos)
            if values[0] == len(kinds) and values[1::2] == sizes:
                rows.append(values[2::2])
                pos += fast.size
                continue
        (n,) = struct.unpack_from("!h", raw, pos)
        pos += 2
        if n == -1:
            break
        row, lengths = [], []
        for kind in kinds:
            (size,) = length(raw, pos)
            pos += 4
            lengths.append(size)
            if size < 0:
                row.append(None)
                continue
            if kind == INT8:
                row.append(_INTEGERS[size](raw, pos)[0])
            elif kind == FLOAT8:
                row.append(_FLOAT8(raw, pos)[0])
            elif kind == BOOL:
                row.append(raw[pos] != 0)
            elif kind == TIMESTAMPTZ:
                row.append(_EPOCH + timedelta(microseconds=_INTEGERS[8](raw, pos)[0]))
            elif kind == TEXT:
                row.append(bytes(raw[pos : pos + size]).decode())
            else:
                row.append(bytes(raw[pos : pos + size]))
            pos += size
        rows.append(tuple(row))
        fast, sizes = _row_struct(tuple(kinds), tuple(lengths))
    return rows


@functools.lru_cache(maxsize=256)  # rows that break the layout (a NULL here and there) reuse their layout's struct
def _row_struct(kinds: tuple, lengths: tuple) -> tuple[struct.Struct | None, tuple | None]:
    """The struct that decodes a whole row of this layout (field count, then length and value of each field) and
    the lengths it expects; (None, None) when a value needs more than unpacking (NULL, text, bool, time)."""
    codes = []
    for kind, size in zip(kinds, lengths):
        if size < 0 or kind not in (INT8, FLOAT8, BYTEA) or (kind == INT8 and size not in _WIDTH_CODES) \
                or (kind == FLOAT8 and size != 8):
            return None, None
        codes.append("i" + (_WIDTH_CODES[size] if kind == INT8 else "d" if kind == FLOAT8 else f"{size}s"))
    return struct.Struct("!h" + "".join(codes)), lengths
