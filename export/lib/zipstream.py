"""A zip archive written as a stream of byte chunks, one per member (pure; no Django).

Why not `zipfile` on a non-seekable stream: it keeps a ZipInfo object per member for the central directory
(hundreds of bytes each) and writes data descriptors. Here every member's bytes are known before it is written,
so local headers carry the CRC and sizes (readable front to back), and the central directory is kept as packed
bytes (~46 bytes + name per member), deflated as it grows: its records are near-identical, so it takes ~5-10x less
memory, which keeps memory close to flat for tens of thousands of members. Offsets past 4 GiB use Zip64 records.
"""

from __future__ import annotations

import struct
import zlib
from datetime import datetime
from typing import NamedTuple

_ZIP64_LIMIT = 0xFFFFFFFF  # offsets from here on need Zip64; module-level so tests can lower it
_MEMBER_LIMIT = 0xFFFFFFFF  # one member must fit the classic 32-bit size fields
_UTF8_NAMES = 0x0800
_VERSION_MADE_BY = (3 << 8) | 45  # Unix, spec 4.5
_UNIX_FILE_MODE = 0o100644 << 16


def _dos_time(moment: datetime) -> tuple[int, int]:
    moment = max(moment.replace(tzinfo=None), datetime(1980, 1, 1))
    return (
        (moment.hour << 11) | (moment.minute << 5) | (moment.second // 2),
        ((moment.year - 1980) << 9) | (moment.month << 5) | moment.day,
    )


class Packed(NamedTuple):
    """One member's data as the archive stores it: CRC-32 and size of the raw bytes, the body, the zip method."""

    crc: int
    size: int
    body: bytes
    method: int  # 8 deflate, 0 stored


def pack(data: bytes, *, compress: bool = True, level: int = 6) -> Packed:
    """A member's body, made apart from the archive (zlib releases the GIL: other threads may pack ahead)."""
    raw = memoryview(data)
    if not compress:
        return Packed(zlib.crc32(raw), len(raw), bytes(raw), 0)
    packer = zlib.compressobj(level, zlib.DEFLATED, -15)
    return Packed(zlib.crc32(raw), len(raw), packer.compress(raw) + packer.flush(), 8)


class ZipStream:
    """`chunk = z.add(name, data)` per member, then `z.close()` for the central directory; send the chunks in order."""

    def __init__(self, mtime: datetime | None = None):
        self._time, self._date = _dos_time(mtime or datetime(1980, 1, 1))
        self._offset = 0
        self._count = 0
        self._central = bytearray()  # deflated central directory records
        self._central_packer = zlib.compressobj(1, zlib.DEFLATED, -15)
        self._central_size = 0
        self.closed = False

    @property
    def size(self) -> int:
        """Bytes emitted so far."""
        return self._offset

    def add(self, name: str, data: bytes | Packed, *, compress: bool = True) -> bytes:
        """Local header + (deflated) data of one member: bytes, or a Packed body (pack) made beforehand.
        Already-compressed data (a PDF) is better stored."""
        if self.closed:
            raise ValueError("the archive is closed")
        if not name or name.startswith("/") or ".." in name.split("/"):
            raise ValueError(f"bad member name {name!r}")
        crc, size, body, method = data if isinstance(data, Packed) else pack(data, compress=compress)
        if size >= _MEMBER_LIMIT or len(body) >= _MEMBER_LIMIT:
            raise ValueError(f"member {name!r} is larger than 4 GiB")
        encoded = name.encode("utf-8")
        local = struct.pack(
            "<IHHHHHIIIHH", 0x04034B50, 20, _UTF8_NAMES, method, self._time, self._date,
            crc, len(body), size, len(encoded), 0,
        ) + encoded
        zip64 = self._offset >= _ZIP64_LIMIT
        extra = struct.pack("<HHQ", 0x0001, 8, self._offset) if zip64 else b""
        record = struct.pack(
            "<IHHHHHHIIIHHHHHII", 0x02014B50, _VERSION_MADE_BY, 45 if zip64 else 20, _UTF8_NAMES, method,
            self._time, self._date, crc, len(body), size, len(encoded), len(extra), 0, 0, 0,
            _UNIX_FILE_MODE, 0xFFFFFFFF if zip64 else self._offset,
        ) + encoded + extra
        self._central += self._central_packer.compress(record)
        self._central_size += len(record)
        self._count += 1
        chunk = local + body
        self._offset += len(chunk)
        return chunk

    def close(self) -> bytes:
        """Central directory and end records; the archive is complete after this chunk."""
        if self.closed:
            raise ValueError("the archive is closed")
        self.closed = True
        cd_offset, cd_size = self._offset, self._central_size
        tail = zlib.decompress(bytes(self._central) + self._central_packer.flush(), -15)
        self._central = bytearray()
        if self._count >= 0xFFFF or cd_offset >= _ZIP64_LIMIT or cd_size >= _ZIP64_LIMIT:
            eocd64_offset = cd_offset + cd_size
            tail += struct.pack(
                "<IQHHIIQQQQ", 0x06064B50, 44, _VERSION_MADE_BY, 45, 0, 0,
                self._count, self._count, cd_size, cd_offset,
            )
            tail += struct.pack("<IIQI", 0x07064B50, 0, eocd64_offset, 1)
            tail += struct.pack("<IHHHHIIH", 0x06054B50, 0, 0, 0xFFFF, 0xFFFF, 0xFFFFFFFF, 0xFFFFFFFF, 0)
        else:
            tail += struct.pack("<IHHHHIIH", 0x06054B50, 0, 0, self._count, self._count, cd_size, cd_offset, 0)
        self._offset += len(tail)
        return tail
