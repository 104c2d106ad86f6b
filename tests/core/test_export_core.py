"""The pure export writers against the real published LandCoverNet v1 label files."""
import csv
import io
import json
import struct
from datetime import date, datetime, timezone

import numpy as np
import pystac
import pytest
import rasterio
from pystac.extensions.label import LabelExtension, LabelType
from rasterio.enums import ColorInterp
from rasterio.io import MemoryFile

from export.lib import product as core
from imagery.lib.domain import CLASS_COLORS, CLASS_NAMES

REAL_CHIPS = ("30PWT_00", "33LUD_00", "36PYV_00", "38KMA_00")


@pytest.fixture(scope="module")
def labels_dir():
    from lcnet_site.sample_data import shared_data_dir

    return shared_data_dir() / "landcovernet_af_labels"


def read_real(labels_dir, chip):
    with rasterio.open(labels_dir / chip / "labels.tif") as src:
        return src.read(), src.crs.to_epsg(), tuple(src.transform)[:6], tuple(src.bounds)


def open_tif(data: bytes):
    mem = MemoryFile(data)
    return mem, mem.open()


def synthetic(seed=0):
    rng = np.random.default_rng(seed)
    label = rng.integers(0, 8, (256, 256), dtype=np.uint8)
    score = rng.choice(np.array([1 / 3, 0.62, 1.0], np.float32), (256, 256))
    return label, score


TRANSFORM = (10.0, 0.0, 554400.0, 0.0, -10.0, 1221920.0)


def test_labels_tif_reads_back_with_the_same_grid_bands_and_colormap():
    label, score = synthetic()
    mem, src = open_tif(core.labels_tif(label, score, epsg=32630, transform=TRANSFORM))
    with mem, src:
        assert src.crs.to_epsg() == 32630
        assert tuple(src.transform)[:6] == TRANSFORM
        assert (src.count, src.dtypes, src.nodata) == (2, ("uint16", "uint16"), 0)
        band1, band2 = src.read()
        np.testing.assert_array_equal(band1, label)
        np.testing.assert_array_equal(band2, core.score_percent(label, score))
        cmap = src.colormap(1)
        assert {code: cmap[code] for code in CLASS_COLORS} == CLASS_COLORS
        assert src.colorinterp[0] == ColorInterp.palette
        assert src.colorinterp[1] != ColorInterp.alpha  # an alpha band would mask the score in viewers
        assert src.descriptions == core.BAND_DESCRIPTIONS
        assert src.tags(1)["CLASS_5"] == CLASS_NAMES[5]
        assert src.tags(ns="IMAGE_STRUCTURE")["COMPRESSION"] == "DEFLATE"



def test_labels_tif_is_cloud_optimized_one_tile_with_the_header_before_the_pixels():
    label, score = synthetic()
    data = core.labels_tif(label, score, epsg=32630, transform=TRANSFORM)
    tags = tiff_tags(data)
    assert (tags[322], tags[323]) == (256, 256)  # TileWidth, TileLength: one 256 x 256 tile
    assert struct.unpack("<I", data[4:8])[0] == 8  # the first IFD follows the header
    assert tags[324] > 8 + 2 + 12 * len(tags)  # TileOffsets: pixel data after the IFD and its values
    assert tags[338] == 0  # ExtraSamples: band 2 is unspecified, not alpha


def tiff_tags(data: bytes) -> dict:
    """First-IFD tags of a little-endian classic TIFF whose value fits the entry (else the value's offset)."""
    offset = struct.unpack("<I", data[4:8])[0]
    (count,) = struct.unpack("<H", data[offset:offset + 2])
    tags = {}
    for i in range(count):
        tag, typ, n, value = struct.unpack("<HHII", data[offset + 2 + 12 * i: offset + 14 + 12 * i])
        tags[tag] = value & 0xFFFF if typ == 3 and n == 1 else value
    return tags


@pytest.mark.parametrize("chip", REAL_CHIPS)
def test_labels_tif_has_the_structure_of_the_published_file(labels_dir, chip):
    bands, epsg, transform, _ = read_real(labels_dir, chip)
    ours = core.labels_tif(bands[0].astype(np.uint8), bands[1] / 100.0, epsg=epsg, transform=transform)
    mem, src = open_tif(ours)
    with mem, src, rasterio.open(labels_dir / chip / "labels.tif") as real:
        assert (src.count, src.dtypes, src.nodata, src.shape) == (real.count, real.dtypes, real.nodata, real.shape)
        assert src.crs == real.crs and src.transform == real.transform
        assert src.colorinterp[0] == real.colorinterp[0] == ColorInterp.palette
        assert {k: src.colormap(1)[k] for k in range(8)} == {k: real.colormap(1)[k] for k in range(8)}
        assert src.compression == real.compression
        mine = src.read()
        np.testing.assert_array_equal(mine[0], bands[0])  # a LandCoverNet loader gets the same classes back
        labeled = bands[0] > 0
        np.testing.assert_array_equal(mine[1][labeled], bands[1][labeled])
        assert not mine[1][~labeled].any()  # ours: no score where there is no class


def test_labels_tif_rejects_codes_outside_the_taxonomy_and_mismatched_shapes():
    label, score = synthetic()
    with pytest.raises(ValueError, match="0..7"):
        core.labels_tif(label + 1, score, epsg=32630, transform=TRANSFORM)
    with pytest.raises(ValueError, match="shape"):
        core.labels_tif(label, score[:10], epsg=32630, transform=TRANSFORM)


def test_score_percent_is_nodata_exactly_where_the_class_is_no_data():
    label = np.array([[0, 1, 2, 3]], np.uint8)
    score = np.array([[0.9, 0.333, 1.0, 0.001]], np.float32)
    np.testing.assert_array_equal(core.score_percent(label, score), [[0, 33, 100, 1]])


@pytest.mark.parametrize("chip", REAL_CHIPS)
def test_source_dates_csv_matches_the_published_file_byte_for_byte(labels_dir, chip):
    text = (labels_dir / chip / "source_dates.csv").read_text()
    rows = list(csv.reader(io.StringIO(text)))
    dates = [datetime.strptime(d, "%Y%m%d").date() for _, d in rows[1:]]
    assert core.source_dates_csv(reversed(dates), rows[0][1]) == text


@pytest.mark.parametrize("chip", REAL_CHIPS)
def test_stac_item_matches_the_published_item_fields_counts_and_footprint(labels_dir, chip):
    real = json.loads((labels_dir / chip / "stac.json").read_text())
    bands, epsg, transform, bounds = read_real(labels_dir, chip)
    dates = [date(2018, 1, 5), date(2018, 12, 20)]
    item = core.stac_item(
        collection_id="ref_landcovernet_af_v1_labels", chip_id=chip, epsg=epsg, transform=transform,
        bounds=bounds, shape=(256, 256), counts=core.class_counts(bands[0]), dates=dates,
        computed_at=datetime(2026, 1, 2, tzinfo=timezone.utc),
        source_links=[("scenes/a.tif", "2018-01-05"), ("scenes/b.tif", "2018-12-20")],
    )
    assert item["id"] == real["id"]
    for key in ("label:type", "label:classes", "label:overviews", "label:description", "datetime"):
        assert item["properties"][key] == real["properties"][key], key
    np.testing.assert_allclose(item["bbox"], real["bbox"], atol=1e-9)
    np.testing.assert_allclose(item["geometry"]["coordinates"], real["geometry"]["coordinates"], atol=1e-9)
    assert item["assets"]["labels"]["file:values"] == real["assets"]["labels"]["file:values"]
    assert [link["rel"] for link in item["links"]][:4] == [link["rel"] for link in real["links"]][:4]

    loaded = pystac.Item.from_dict(json.loads(json.dumps(item)))
    label = LabelExtension.ext(loaded)
    assert label.label_type == LabelType.RASTER
    assert label.label_tasks == ["segmentation"]
    assert label.label_classes[0].classes == list(range(8))
    counts = {c.name: c.count for c in label.label_overviews[0].counts}
    assert counts == {d["name"]: d["count"] for d in real["properties"]["label:overviews"][0]["counts"]}
    assert [link.target for link in loaded.get_links("source")] == ["scenes/a.tif", "scenes/b.tif"]
    assert {link.media_type for link in loaded.get_links("source")} == {core.LABEL_MEDIA_TYPE}
    assert loaded.assets["labels"].href == "labels.tif"


def test_stac_collection_loads_with_pystac_and_links_every_item():
    coll = core.stac_collection(
        collection_id="lcnet_labels", description="d", item_ids=["lcnet_labels_A", "lcnet_labels_B"],
        bbox=[1.0, 2.0, 3.0, 4.0], interval=(date(2018, 1, 1), date(2018, 12, 31)),
    )
    loaded = pystac.Collection.from_dict(coll)
    assert [link.target for link in loaded.get_links("item")] == [
        "lcnet_labels_A/stac.json", "lcnet_labels_B/stac.json",
    ]
    assert loaded.extent.spatial.bboxes == [[1.0, 2.0, 3.0, 4.0]]
    assert loaded.extent.temporal.intervals[0][0].year == 2018


def test_summary_row_counts_classes_and_agreement_shares():
    label = np.array([[1, 1, 2, 0]], np.uint8)
    score = np.array([[1.0, 0.62, 0.34, 0.0]], np.float32)
    row = core.summary_row(chip_id="X_00", tile_id="X", complete=True, counts=core.chip_counts(label, score))
    assert row["labeled_pixels"] == 3 and row["count_1"] == 2 and row["count_2"] == 1
    assert row["share_100_pct"] == pytest.approx(33.33) and row["share_60_100_pct"] == pytest.approx(33.33)
    assert row["mean_score_pct"] == pytest.approx((100 + 62 + 34) / 3, abs=0.01)
    assert list(row) == list(core.SUMMARY_FIELDS)


def test_content_hash_depends_on_every_part_and_their_boundaries():
    assert core.content_hash(b"ab", b"c") != core.content_hash(b"a", b"bc")
    assert core.content_hash(b"ab", b"c") == core.content_hash(b"ab", b"c")
