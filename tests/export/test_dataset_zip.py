"""GET /api/export/dataset.zip: a zip streamed file by file, holding what the filters select."""
import csv
import hashlib
import io
import json
import struct
import zipfile
import zlib

import numpy as np
import pystac
from rasterio.io import MemoryFile

from consensus.selectors import chip_consensus

ROOT = "lcnet_labels"


def read_members_as_they_arrive(chunks):
    """Parse local file headers from the stream chunk by chunk: [(name, data, index of the chunk completing it)]."""
    buf, members = b"", []
    for i, chunk in enumerate(chunks):
        buf += chunk
        while len(buf) >= 30 and buf[:4] == b"PK\x03\x04":
            _, _, _, method, _, _, crc, csize, _, nlen, elen = struct.unpack("<IHHHHHIIIHH", buf[:30])
            end = 30 + nlen + elen + csize
            if len(buf) < end:
                break
            body = buf[30 + nlen + elen:end]
            data = zlib.decompress(body, -15) if method == 8 else body
            assert zlib.crc32(data) == crc
            members.append((buf[30:30 + nlen].decode(), data, i))
            buf = buf[end:]
    return members


def test_the_zip_streams_member_by_member_and_holds_every_selected_chip(make_export_chip, xena, api_as):
    chips = [make_export_chip("30PWT_00"), make_export_chip("30PWT_01", source="38KMA_00")]
    make_export_chip("30PWT_02", source="33LUD_00", missing=3)  # incomplete: left out
    response = api_as(xena).get("/api/export/dataset.zip")
    assert response.status_code == 200 and response.streaming and response["Content-Type"] == "application/zip"
    chunks = list(response.streaming_content)
    members = read_members_as_they_arrive(chunks)
    names = [name for name, _, _ in members]
    expected = [f"{ROOT}/{ROOT}_{c.id}/{f}" for c in chips for f in ("labels.tif", "source_dates.csv", "stac.json")]
    assert names == expected + [f"{ROOT}/collection.json", f"{ROOT}/summary.csv", f"{ROOT}/_common/documentation.pdf"]
    assert [i for _, _, i in members] == list(range(len(members)))  # each chunk completes exactly one member
    assert max(map(len, chunks)) < 600_000  # one file at a time, never the whole archive

    files = {name: data for name, data, _ in members}
    for chip in chips:
        label, _, _ = chip_consensus(chip)
        with MemoryFile(files[f"{ROOT}/{ROOT}_{chip.id}/labels.tif"]) as mem, mem.open() as src:
            np.testing.assert_array_equal(src.read(1), label)
        item = pystac.Item.from_dict(json.loads(files[f"{ROOT}/{ROOT}_{chip.id}/stac.json"]))
        assert item.properties["lcnet:complete"] is True
    collection = pystac.Collection.from_dict(json.loads(files[f"{ROOT}/collection.json"]))
    assert [link.target for link in collection.get_links("item")] == [f"{ROOT}_{c.id}/stac.json" for c in chips]
    summary = list(csv.DictReader(io.StringIO(files[f"{ROOT}/summary.csv"].decode())))
    assert [row["chip_id"] for row in summary] == [c.id for c in chips]
    assert zipfile.ZipFile(io.BytesIO(b"".join(chunks))).testzip() is None  # and a plain unzip reads it too


def test_filters_select_the_chips_of_the_zip(make_export_chip, xena, api_as):
    make_export_chip("30PWT_00")
    make_export_chip("36PYV_00")
    make_export_chip("36PYV_01", source="33LUD_00", missing=1)
    response = api_as(xena).get("/api/export/dataset.zip?tile=36PYV&partial=1")
    names = [name for name, _, _ in read_members_as_they_arrive(response.streaming_content)]
    assert {n.split("/")[1] for n in names if n.endswith("labels.tif")} == {f"{ROOT}_36PYV_00", f"{ROOT}_36PYV_01"}


def test_bad_filters_are_400_before_anything_streams(xena, api_as):
    for query in ("tile=nope", "min_score_pct=-1", "partial=perhaps", "chips=all"):
        response = api_as(xena).get(f"/api/export/dataset.zip?{query}")
        assert response.status_code == 400 and not response.streaming, query


def test_geotiffs_are_deflated_in_the_zip_and_named_by_their_own_checksums(make_export_chip, xena, api_as):
    """A labels.tif is mostly its 65,536-entry colour map, stored raw by TIFF: the zip deflates it, and the STAC
    Item's checksum and size are those of the file itself, not of its zip body."""
    chip = make_export_chip("30PWT_00")
    archive = zipfile.ZipFile(io.BytesIO(b"".join(api_as(xena).get("/api/export/dataset.zip").streaming_content)))
    info = archive.getinfo(f"{ROOT}/{ROOT}_{chip.id}/labels.tif")
    assert info.compress_type == zipfile.ZIP_DEFLATED and info.compress_size * 5 < info.file_size
    tif = archive.read(info)
    asset = json.loads(archive.read(f"{ROOT}/{ROOT}_{chip.id}/stac.json"))["assets"]["labels"]
    assert asset["file:checksum"] == "1220" + hashlib.sha256(tif).hexdigest() and asset["file:size"] == len(tif)
