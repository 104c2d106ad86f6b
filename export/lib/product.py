"""The exported label product, in the layout of the published LandCoverNet v1 files (pure; no Django).

Per chip: `labels.tif` (2 bands uint16, nodata 0, deflate, COG; band 1 class with the LandCoverNet color map,
band 2 consensus score in percent), `source_dates.csv` and a STAC 1.0 Item with the label extension; per dataset a
STAC Collection and a CSV summary. The real files in ../shared/data/landcovernet_af_labels/ are the reference.
"""

from __future__ import annotations

import csv
import hashlib
import io
from datetime import date, datetime, timezone
from typing import Iterable, Sequence

import numpy as np
from affine import Affine
from rasterio.crs import CRS
from rasterio.io import MemoryFile

from imagery.lib.domain import CLASS_COLORS, CLASS_NAMES, N_CLASSES, NO_DATA
from imagery.lib.geo import to_lonlat

COG_BLOCK = 256
BAND_DESCRIPTIONS = ("land cover class", "consensus score (percent)")
LABEL_MEDIA_TYPE = "image/tiff; application=geotiff; profile=cloud-optimized"  # the labels and the source scenes
STAC_VERSION = "1.0.0"
LABEL_EXTENSION = "https://stac-extensions.github.io/label/v1.0.0/schema.json"
PROJECTION_EXTENSION = "https://stac-extensions.github.io/projection/v1.1.0/schema.json"
FILE_EXTENSION = "https://stac-extensions.github.io/file/v1.0.0/schema.json"  # file:values, as published
SCIENTIFIC_EXTENSION = "https://stac-extensions.github.io/scientific/v1.0.0/schema.json"
PROPERTY_KEY = "land_cover_type"  # the published label:overviews key
SUMMARY_FIELDS = (
    "chip_id", "tile_id", "complete", "labeled_pixels", "mean_score_pct", "share_100_pct", "share_60_100_pct",
) + tuple(f"count_{code}" for code in range(1, N_CLASSES))


# ---------------------------------------------------------------------------------------------- rasters


def score_percent(label: np.ndarray, score: np.ndarray) -> np.ndarray:
    """Consensus score 0..1 as uint16 percent; 0 (nodata) exactly where the class is no data.

    A labeled pixel keeps at least 1 % so that "nodata" in band 2 always means "no label" as in band 1.
    """
    pct = np.rint(np.clip(np.asarray(score, np.float32), 0, 1) * 100).astype(np.uint16)
    labeled = np.asarray(label) != NO_DATA
    return np.where(labeled, np.maximum(pct, 1), 0).astype(np.uint16)


def labels_tif(label: np.ndarray, score: np.ndarray, *, epsg: int, transform: Sequence[float]) -> bytes:
    """The chip's label GeoTIFF as bytes: LandCoverNet layout, Cloud-Optimized (one 256×256 tile, header first).

    `label` (h, w) uint8 codes 0..7, `score` (h, w) float 0..1, `transform` the six rasterio affine coefficients.
    """
    label = np.asarray(label)
    if label.ndim != 2 or np.shape(score) != label.shape:
        raise ValueError(f"label {label.shape} and score {np.shape(score)} must be the same 2-D shape")
    if label.size and (label.min() < 0 or label.max() >= N_CLASSES):
        raise ValueError(f"class codes must lie in 0..{N_CLASSES - 1}")
    bands = np.stack([label.astype(np.uint16), score_percent(label, score)])
    profile = dict(
        driver="GTiff", width=label.shape[1], height=label.shape[0], count=2, dtype="uint16", nodata=0,
        crs=CRS.from_epsg(epsg), transform=Affine(*transform[:6]),
        # deflate level 1: the file is 413 KB either way (its colour map alone is 393 KB), level 6 would save 9 KB
        # of it at three times the time, which is most of an export's time
        tiled=True, blockxsize=COG_BLOCK, blockysize=COG_BLOCK, compress="deflate", zlevel=1,
    )
    # Written directly, not through GDAL's COG driver: its copy step turns band 2 of a palette image into alpha,
    # which viewers and loaders would use to mask the score. A fresh GTiff puts the header, tags and color map
    # before the pixel data and a 256 px chip is one tile, which is the COG layout (no overviews below 512 px).
    with MemoryFile() as mem:
        with mem.open(**profile) as dst:
            dst.write_colormap(1, CLASS_COLORS)
            for i, text in enumerate(BAND_DESCRIPTIONS, start=1):
                dst.set_band_description(i, text)
            dst.update_tags(1, **{f"CLASS_{code}": name for code, name in CLASS_NAMES.items()})
            dst.update_tags(2, UNITS="percent", RANGE="1-100")
            dst.update_tags(CLASS_NAMES=";".join(f"{c}={n}" for c, n in CLASS_NAMES.items()))
            dst.write(bands)
        return mem.read()


CONFIDENCE_NODATA = 255


def confidence_percent(label: np.ndarray, probability: np.ndarray) -> np.ndarray:
    """Calibrated probability 0..1 as uint8 percent 0..100; 255 (nodata) exactly where the class is no data."""
    pct = np.rint(np.clip(np.asarray(probability, np.float64), 0, 1) * 100).astype(np.uint8)
    return np.where(np.asarray(label) == NO_DATA, CONFIDENCE_NODATA, pct).astype(np.uint8)


def confidence_tif(label: np.ndarray, probability: np.ndarray, *, epsg: int, transform: Sequence[float]) -> bytes:
    """`confidence.tif`: one band uint8, the calibrated probability that the chip's label is right, in percent
    (nodata 255 where there is no label); deflate, one 256 px tile (COG layout, as labels.tif)."""
    label = np.asarray(label)
    if np.shape(probability) != label.shape or label.ndim != 2:
        raise ValueError(f"label {label.shape} and probability {np.shape(probability)} must be the same 2-D shape")
    profile = dict(
        driver="GTiff", width=label.shape[1], height=label.shape[0], count=1, dtype="uint8",
        nodata=CONFIDENCE_NODATA, crs=CRS.from_epsg(epsg), transform=Affine(*transform[:6]),
        tiled=True, blockxsize=COG_BLOCK, blockysize=COG_BLOCK, compress="deflate",
    )
    with MemoryFile() as mem:
        with mem.open(**profile) as dst:
            dst.set_band_description(1, "calibrated probability that the label is right (percent)")
            dst.update_tags(1, UNITS="percent", RANGE="0-100")
            dst.write(confidence_percent(label, probability)[None])
        return mem.read()


DOCUMENTATION_PATH = "_common/documentation.pdf"  # relative to the collection root, as published
DOCUMENTATION_ASSET = {"href": f"../{DOCUMENTATION_PATH}", "type": "application/pdf",
                       "title": "Dataset documentation", "roles": ["metadata"]}
CONFIDENCE_ASSET = {
    "href": "confidence.tif", "type": LABEL_MEDIA_TYPE, "roles": ["data", "quality"],
    "title": "Calibrated confidence: probability that the label is right (percent, 255 = no label)",
}


def class_counts(label: np.ndarray) -> np.ndarray:
    """(8,) int64 pixel count per class code 0..7."""
    return np.bincount(np.asarray(label, np.uint8).ravel(), minlength=N_CLASSES)[:N_CLASSES]


def chip_counts(label: np.ndarray, score: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(pixels per class code 0..7, labeled pixels per integer score percent 0..100): every per-chip figure of the
    export (STAC counts, summary row, dataset statistics) derives from these two, counted once."""
    label = np.asarray(label, np.uint8)
    pct = score_percent(label, score)[label != NO_DATA]
    return class_counts(label), np.bincount(pct, minlength=101)[:101]


def source_dates_csv(dates: Iterable[date], tile_id: str) -> str:
    """The published `source_dates.csv`: a header ",<tile>" then "index,YYYYMMDD" per scene, in date order."""
    lines = [f",{tile_id}"] + [f"{i},{d:%Y%m%d}" for i, d in enumerate(sorted(dates))]
    return "\n".join(lines) + "\n"


def content_hash_raw(data: bytes) -> str:
    """sha256 hex of the bytes themselves (a file checksum)."""
    return hashlib.sha256(data).hexdigest()


def content_hash(*parts: bytes) -> str:
    """sha256 over the parts (length-prefixed, so ("ab", "c") and ("a", "bc") differ)."""
    h = hashlib.sha256()
    for part in parts:
        h.update(len(part).to_bytes(8, "little"))
        h.update(part)
    return h.hexdigest()


# ---------------------------------------------------------------------------------------------- STAC


def footprint_wgs84(epsg: int, bounds: Sequence[float]) -> tuple[dict, list[float]]:
    """GeoJSON Polygon and bbox in WGS84 of chip bounds (left, bottom, right, top) in its UTM CRS."""
    left, bottom, right, top = bounds
    xs, ys = [left, left, right, right, left], [bottom, top, top, bottom, bottom]
    lons, lats = to_lonlat(epsg, xs, ys)
    ring = [[float(x), float(y)] for x, y in zip(lons, lats)]
    bbox = [float(min(lons)), float(min(lats)), float(max(lons)), float(max(lats))]
    return {"type": "Polygon", "coordinates": [ring]}, bbox


def item_id(collection_id: str, chip_id: str) -> str:
    return f"{collection_id}_{chip_id}"


def _iso(moment: datetime | date) -> str:
    if not isinstance(moment, datetime):
        moment = datetime(moment.year, moment.month, moment.day, tzinfo=timezone.utc)
    return moment.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def stac_item(
    *,
    collection_id: str,
    chip_id: str,
    epsg: int,
    transform: Sequence[float],
    bounds: Sequence[float],
    shape: tuple[int, int],
    counts: Sequence[int],
    dates: Sequence[date],
    computed_at: datetime,
    source_links: Sequence[tuple[str, str]] = (),
    extra_properties: dict | None = None,
) -> dict:
    """STAC 1.0 Item shaped like the published LandCoverNet items (label extension, file:values, relative links).

    `counts` per class code 0..7 (label:overviews lists the classes present, by name, as published);
    `source_links` (href, title) per scene. The item datetime is 1 July of the scenes' year, as published.
    """
    geometry, bbox = footprint_wgs84(epsg, bounds)
    dates = sorted(dates)
    year = dates[len(dates) // 2].year if dates else computed_at.year
    properties = {
        "datetime": _iso(date(year, 7, 1)),
        "label:description": "Land Cover Type Classification",
        "label:type": "raster",
        "label:properties": None,
        "label:tasks": ["segmentation"],
        "label:classes": [{"name": None, "classes": list(range(N_CLASSES))}],
        "label:overviews": [{
            "property_key": PROPERTY_KEY,
            "counts": [
                {"name": CLASS_NAMES[code], "count": int(counts[code])}
                for code in range(1, N_CLASSES) if counts[code] > 0
            ],
        }],
        "proj:epsg": int(epsg),
        "proj:shape": [int(shape[0]), int(shape[1])],
        "proj:transform": [float(v) for v in transform[:6]],
        "created": _iso(computed_at),
    }
    if dates:
        properties["start_datetime"] = _iso(dates[0])
        properties["end_datetime"] = _iso(dates[-1])
    properties.update(extra_properties or {})
    links = [
        {"rel": "self", "href": "stac.json", "type": "application/json"},
        {"rel": "parent", "href": "../collection.json", "type": "application/json"},
        {"rel": "root", "href": "../collection.json", "type": "application/json"},
        {"rel": "collection", "href": "../collection.json", "type": "application/json"},
    ] + [{"rel": "source", "href": href, "type": LABEL_MEDIA_TYPE, "title": title} for href, title in source_links]
    return {
        "type": "Feature",
        "stac_version": STAC_VERSION,
        "stac_extensions": [LABEL_EXTENSION, PROJECTION_EXTENSION, FILE_EXTENSION],
        "id": item_id(collection_id, chip_id),
        "collection": collection_id,
        "properties": properties,
        "geometry": geometry,
        "bbox": bbox,
        "links": links,
        "assets": {
            "labels": {
                "href": "labels.tif",
                "type": LABEL_MEDIA_TYPE,
                "title": "Land Cover",
                "roles": ["labels", "data"],
                "file:values": [{"value": [code], "summary": name} for code, name in CLASS_NAMES.items()],
            },
            "source_dates": {"href": "source_dates.csv", "type": "text/csv", "title": "Source Imagery Dates"},
            "documentation": dict(DOCUMENTATION_ASSET),
        },
    }


def stac_collection(
    *,
    collection_id: str,
    description: str,
    item_ids: Iterable[str],
    bbox: Sequence[float] | None,
    interval: tuple[datetime | date | None, datetime | date | None],
    license: str = "CC-BY-4.0",
) -> dict:
    """STAC 1.0 Collection like the published `collection.json`: item links `<item id>/stac.json`."""
    start, end = interval
    return {
        "type": "Collection",
        "stac_version": STAC_VERSION,
        "stac_extensions": [],
        "id": collection_id,
        "description": description,
        "license": license,
        "extent": {
            "spatial": {"bbox": [list(bbox) if bbox else [-180.0, -90.0, 180.0, 90.0]]},
            "temporal": {"interval": [[_iso(start) if start else None, _iso(end) if end else None]]},
        },
        "links": [
            {"rel": "self", "href": "collection.json", "type": "application/json"},
            {"rel": "root", "href": "collection.json", "type": "application/json"},
        ] + [{"rel": "item", "href": f"{iid}/stac.json", "type": "application/json"} for iid in item_ids],
        "assets": {"documentation": {**DOCUMENTATION_ASSET, "href": DOCUMENTATION_PATH}},
    }


def bbox_union(a: Sequence[float] | None, b: Sequence[float]) -> list[float]:
    if a is None:
        return list(b)
    return [min(a[0], b[0]), min(a[1], b[1]), max(a[2], b[2]), max(a[3], b[3])]


# ---------------------------------------------------------------------------------------------- summary


def summary_row(*, chip_id: str, tile_id: str, complete: bool, counts: tuple[np.ndarray, np.ndarray]) -> dict:
    """One CSV summary row: labeled pixels, mean score and agreement shares (percent), pixels per class.
    `counts`: chip_counts of the chip's label and score."""
    classes, percents = counts
    n = int(percents.sum())
    share = (lambda k: round(100 * float(k) / n, 2) if n else "")
    row = {
        "chip_id": chip_id,
        "tile_id": tile_id,
        "complete": int(bool(complete)),
        "labeled_pixels": n,
        # the integer sum over the histogram is exact, as numpy's mean over the pixels was
        "mean_score_pct": round(float(int((percents * np.arange(101)).sum()) / n), 2) if n else "",
        "share_100_pct": share(percents[100]),
        "share_60_100_pct": share(percents[60:100].sum()),
    }
    row.update({f"count_{code}": int(classes[code]) for code in range(1, N_CLASSES)})
    return row


def csv_line(values: Iterable) -> str:
    buf = io.StringIO()
    csv.writer(buf, lineterminator="\n").writerow(list(values))
    return buf.getvalue()
