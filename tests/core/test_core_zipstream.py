"""The streaming zip writer: readable by zipfile, front to back from local headers, and past 4 GiB offsets."""
import io
import struct
import zipfile
import zlib
from datetime import datetime

import pytest

from export.lib import zipstream as core_zipstream
from export.lib.zipstream import ZipStream

MEMBERS = [("a/labels.tif", b"\x00" * 5000, False), ("a/stac.json", b'{"id": "a"}' * 50, True), ("summary.csv", b"x,y\n", True)]


def build(members=MEMBERS, **kw):
    z = ZipStream(**kw)
    chunks = [z.add(name, data, compress=compress) for name, data, compress in members]
    chunks.append(z.close())
    return chunks


def test_zipfile_reads_every_member_back_unchanged():
    archive = zipfile.ZipFile(io.BytesIO(b"".join(build())))
    assert archive.testzip() is None
    assert archive.namelist() == [name for name, _, _ in MEMBERS]
    for name, data, compress in MEMBERS:
        assert archive.read(name) == data
        assert archive.getinfo(name).compress_type == (zipfile.ZIP_DEFLATED if compress else zipfile.ZIP_STORED)


def test_each_member_can_be_read_from_its_local_header_alone():
    """A client can unpack the stream as it arrives: the local headers carry CRC and sizes."""
    first = build()[0]
    sig, _, flags, method, _, _, crc, csize, usize, nlen, elen = struct.unpack("<IHHHHHIIIHH", first[:30])
    assert sig == 0x04034B50 and not flags & 0x08  # no data descriptor needed
    name = first[30:30 + nlen].decode()
    body = first[30 + nlen + elen: 30 + nlen + elen + csize]
    assert (name, method, usize, zlib.crc32(body)) == ("a/labels.tif", 0, 5000, crc)


def test_offsets_past_the_zip64_limit_use_zip64_records(monkeypatch):
    monkeypatch.setattr(core_zipstream, "_ZIP64_LIMIT", 100)  # as if the archive were past 4 GiB
    archive = zipfile.ZipFile(io.BytesIO(b"".join(build())))
    assert [archive.read(name) for name, _, _ in MEMBERS] == [data for _, data, _ in MEMBERS]
    assert archive.getinfo("summary.csv").header_offset > 100


def test_many_members_keep_a_small_index_and_read_back():
    z = ZipStream()
    chunks = [z.add(f"lcnet_labels_32NLP_{i:04d}/stac.json", b"{}") for i in range(3000)]
    assert len(z._central) < 3000 * 20  # deflated: packed records are ~80 bytes each
    archive = zipfile.ZipFile(io.BytesIO(b"".join(chunks) + z.close()))
    assert len(archive.namelist()) == 3000 and archive.testzip() is None


def test_dates_are_stored_and_bad_names_are_refused():
    archive = zipfile.ZipFile(io.BytesIO(b"".join(build(mtime=datetime(2026, 3, 4, 5, 6, 8)))))
    assert archive.getinfo("summary.csv").date_time == (2026, 3, 4, 5, 6, 8)
    z = ZipStream()
    z.add("x", b"1")
    for bad in ("", "/etc/passwd", "a/../b"):
        with pytest.raises(ValueError):
            z.add(bad, b"2")
    z.close()
    with pytest.raises(ValueError, match="closed"):
        z.add("y", b"3")


def test_the_size_property_counts_every_emitted_byte():
    z = ZipStream()
    total = len(z.add("a", b"abc")) + len(z.close())
    assert z.size == total
