"""The export tree, file by file: per chip `<item id>/labels.tif, source_dates.csv, stac.json`, then
`collection.json`, `summary.csv` and `_common/documentation.pdf`. The zip endpoint and `export_labels` both write
this tree from here.

Chips are read a block at a time, encoded a few ahead and the tree is yielded file by file, so memory does not grow
with the dataset beyond one deflated summary line per chip (and the zip's deflated central directory): a few tens
of bytes a chip.
"""
from __future__ import annotations

import csv
import io
import json
import zlib
from collections import deque
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime
from itertools import islice
from typing import Iterable, Iterator


from imagery.lib.domain import CLASS_NAMES

from export.lib import product as core
from export.lib.documentation import documentation_pdf
from export.lib.stats import DatasetStats
from export.lib.zipstream import Packed, ZipStream, pack
from export.scenes import scene_urls
from export.selectors import ChipExport, ExportFilters, chip_exports, export_run, exportable_chips
from lcnet_site.campaign import campaign

TIF, DATES, STAC, CONFIDENCE = "labels.tif", "source_dates.csv", "stac.json", "confidence.tif"
HASH_PROPERTY = "lcnet:content_hash"
BLOCK_CHIPS = 16  # chips read from the database together
# GeoTIFF encoders, and chips in flight: a block's worth, so the encoders keep busy while the next block is read
ENCODE_THREADS, LOOKAHEAD = 2, 16
RUN_PROPERTY = "lcnet:consensus_run"  # the consensus run the files come from (compute_consensus, admin › runs)


def collection_id() -> str:
    return campaign().export_collection_id


def chip_content_hash(ex: ChipExport, base: str) -> str:
    """Hash of everything the chip's files are made from: same hash, same files (used to resume).

    `base` is the origin of the scene links (a tree exported for another server must be rewritten)."""
    chip = ex.chip
    meta = json.dumps(
        [collection_id(), chip.id, chip.tile_id, chip.epsg, chip.transform, chip.bounds, ex.methods,
         ex.computed_at.isoformat() if ex.computed_at else None, [str(d) for d in ex.dates], ex.scene_files,
         ex.complete, base, ex.run_id],
        default=str,
    ).encode()
    confidence = b"" if ex.confidence is None else ex.confidence.tobytes()
    return core.content_hash(ex.label.tobytes(), ex.score.tobytes(), meta, confidence)


def chip_tif(ex: ChipExport) -> bytes:
    return core.labels_tif(ex.label, ex.score, epsg=ex.chip.epsg, transform=ex.chip.transform)


def chip_confidence_tif(ex: ChipExport) -> bytes | None:
    """confidence.tif (uint8 percent), or None when the run has no calibration yet."""
    if ex.confidence is None:
        return None
    return core.confidence_tif(ex.label, ex.confidence, epsg=ex.chip.epsg, transform=ex.chip.transform)


def chip_source_dates(ex: ChipExport) -> bytes:
    return core.source_dates_csv(ex.dates, ex.chip.tile_id).encode()


@dataclass(frozen=True)
class Encoded:
    """What a chip's folder needs beyond its metadata, all of it pure work on arrays and bytes (no database, safe
    in any thread): the GeoTIFFs (confidence None: no calibration), their sha2-256, the chip's counts
    (core.chip_counts), its content hash, and `packed`: what the GeoTIFFs become in the output (chip_folders)."""

    tif: bytes
    confidence: bytes | None
    counts: tuple
    content_hash: str
    digests: dict = field(default_factory=dict)
    packed: dict = field(default_factory=dict)


def encode_chip(ex: ChipExport, base: str, pack=None) -> Encoded:
    """The chip's Encoded (`pack`: see chip_folders)."""
    tif, confidence = chip_tif(ex), chip_confidence_tif(ex)
    rasters = {TIF: tif} if confidence is None else {TIF: tif, CONFIDENCE: confidence}
    return Encoded(
        tif=tif, confidence=confidence, counts=core.chip_counts(ex.label, ex.score),
        content_hash=chip_content_hash(ex, base),
        digests={name: core.content_hash_raw(data) for name, data in rasters.items()},
        packed={} if pack is None else {name: pack(data) for name, data in rasters.items()},
    )


def chip_stac(ex: ChipExport, *, base: str, encoded: Encoded | None = None) -> dict:
    """The chip's STAC Item; with its files (`encoded`), each GeoTIFF asset carries a sha2-256 `file:checksum`
    (multihash) and `file:size`.

    Links inside the export tree are relative; the `source` links leave it, so they are absolute URLs of the scene
    download (`base` is the server's origin, see export_scenes.base_url)."""
    chip = ex.chip
    item = core.stac_item(
        collection_id=collection_id(), chip_id=chip.id, epsg=chip.epsg, transform=chip.transform,
        bounds=chip.bounds, shape=(chip.height, chip.width),
        counts=encoded.counts[0] if encoded else core.class_counts(ex.label), dates=ex.dates,
        computed_at=ex.computed_at or datetime.now().astimezone(),
        source_links=list(zip(scene_urls(base, chip.id, ex.dates), (d.isoformat() for d in ex.dates))),
        extra_properties={
            "lcnet:complete": ex.complete, "lcnet:methods": ex.methods, "lcnet:tile": chip.tile_id,
            HASH_PROPERTY: encoded.content_hash if encoded else chip_content_hash(ex, base),
            RUN_PROPERTY: ex.run_id,
        },
    )
    item["properties"]["lcnet:calibrated"] = ex.confidence is not None
    if ex.confidence is not None:  # band 2 of labels.tif stays the paper's score; the probability is its own asset
        item["assets"]["confidence"] = dict(core.CONFIDENCE_ASSET)
    if encoded is not None:
        for name, asset, data in ((TIF, "labels", encoded.tif), (CONFIDENCE, "confidence", encoded.confidence)):
            if data is not None:
                item["assets"][asset]["file:checksum"] = "1220" + encoded.digests[name]
                item["assets"][asset]["file:size"] = len(data)
    return item


def chip_files(ex: ChipExport, base: str) -> dict[str, bytes]:
    """{file name: bytes} of one chip's folder, the STAC Item last (it names the others' checksums)."""
    return _folder(ex, base, encode_chip(ex, base))


def _folder(ex: ChipExport, base: str, encoded: Encoded) -> dict[str, bytes]:
    stac = json.dumps(chip_stac(ex, base=base, encoded=encoded), indent=2).encode()
    files = {TIF: encoded.tif, DATES: chip_source_dates(ex)}
    if encoded.confidence is not None:
        files[CONFIDENCE] = encoded.confidence
    return {**files, STAC: stac}


def chip_folders(exports: Iterable[ChipExport], base: str, *, pack=None
                 ) -> Iterator[tuple[ChipExport, dict, tuple]]:
    """(chip, chip_files, its counts) in order, the files' bytes made by ENCODE_THREADS threads a few chips ahead.

    Encoding and hashing are most of an export's time and GDAL's deflate, zlib and hashlib release the GIL, so
    they run beside the calling thread, which alone touches the database (reading the next block of chips) and
    writes the output. At most LOOKAHEAD chips are in flight: memory stays flat whatever the dataset's size.
    `pack(data)`: what the GeoTIFFs become in the output (the zip's deflate, zipstream.pack), made in those threads
    too; the STAC Item still names the files' own checksums."""
    pending: deque = deque()
    with ThreadPoolExecutor(ENCODE_THREADS, thread_name_prefix="lcnet-export") as pool:
        for ex in exports:
            pending.append((ex, pool.submit(encode_chip, ex, base, pack)))
            if len(pending) >= LOOKAHEAD:
                yield _ready(*pending.popleft(), base)
        while pending:
            yield _ready(*pending.popleft(), base)


def _ready(ex: ChipExport, future, base: str) -> tuple[ChipExport, dict, tuple]:
    encoded = future.result()
    return ex, {**_folder(ex, base, encoded), **encoded.packed}, encoded.counts


def chip_json(ex: ChipExport, *, with_annotators: bool) -> dict:
    """labels.json: the two bands as arrays (class codes `label`, score percent `score_pct`) and the chip's metadata."""
    chip = ex.chip
    out = {
        "chip_id": chip.id, "tile_id": chip.tile_id, "crs": f"EPSG:{chip.epsg}", "epsg": chip.epsg,
        "transform": chip.transform, "bounds": chip.bounds, "shape": [chip.height, chip.width],
        "complete": ex.complete, "methods": ex.methods, "consensus_run": ex.run_id,
        "computed_at": ex.computed_at.isoformat() if ex.computed_at else None,
        "source_dates": [d.isoformat() for d in ex.dates],
        "classes": {str(code): name for code, name in CLASS_NAMES.items()},
        "label": ex.label.tolist(),
        "score_pct": core.score_percent(ex.label, ex.score).tolist(),
    }
    if with_annotators:
        out["annotators"] = ex.annotator_ids
    return out


class DatasetIndex:
    """What the collection and summary need, kept small: one summary line per chip (deflated as it grows: it is
    the only part of the export that grows with the dataset), the bbox and the date range. Item ids come back from
    the summary's chip_id column at the end."""

    def __init__(self, run=None):
        self.run_id = run.pk if run is not None else None
        # the calibration the release's confidence.tif comes from, measured on held-out reference tasks
        self.calibration = {m: {k: f[k] for k in ("ece", "ece_uncalibrated", "n_reference_tasks", "n_pixels")}
                            for m, f in ((run.calibration or {}) if run is not None else {}).items()}
        self._packer = zlib.compressobj(6, zlib.DEFLATED, -15)
        self._summary = bytearray(self._packer.compress(core.csv_line(core.SUMMARY_FIELDS).encode()))
        self.bbox = None
        self.start = self.end = None
        self.stats, self.n_chips = DatasetStats(), 0  # for the documentation's figures: two small counters

    def add(self, ex: ChipExport, counts: tuple | None = None) -> None:
        """Count the chip in; `counts`: its core.chip_counts when known already."""
        chip = ex.chip
        counts = core.chip_counts(ex.label, ex.score) if counts is None else counts
        self.stats.add_counts(*counts)
        self.n_chips += 1
        row = core.summary_row(chip_id=chip.id, tile_id=chip.tile_id, complete=ex.complete, counts=counts)
        self._summary += self._packer.compress(core.csv_line(row.values()).encode())
        self.bbox = core.bbox_union(self.bbox, core.footprint_wgs84(chip.epsg, chip.bounds)[1])
        if ex.dates:
            self.start = min(self.start or ex.dates[0], ex.dates[0])
            self.end = max(self.end or ex.dates[-1], ex.dates[-1])

    def files(self) -> dict[str, bytes]:
        # the documentation first: matplotlib's transient memory must not stack on the collection's item list
        documentation = documentation_pdf(
            collection_id=collection_id(), run_id=self.run_id, n_chips=self.n_chips, interval=(self.start, self.end),
            license=campaign().export_license, calibration=self.calibration, stats=self.stats)
        summary = zlib.decompress(bytes(self._summary) + self._packer.flush(), -15)
        chip_ids = [row[0] for row in csv.reader(io.StringIO(summary.decode()))][1:]
        collection = core.stac_collection(
            collection_id=collection_id(), description="lcnet land-cover labels (LandCoverNet layout)",
            item_ids=(core.item_id(collection_id(), c) for c in chip_ids), bbox=self.bbox,
            interval=(self.start, self.end), license=campaign().export_license,
        )
        collection[RUN_PROPERTY] = self.run_id
        collection["lcnet:calibration"] = self.calibration
        return {"collection.json": json.dumps(collection, indent=2).encode(), "summary.csv": summary,
                core.DOCUMENTATION_PATH: documentation}


def iter_chip_exports(filters: ExportFilters, run=None) -> Iterator[ChipExport]:
    """The chips of `run` (the exported run: export_run()) in order, read BLOCK_CHIPS at a time."""
    chips = exportable_chips(filters, run)
    chips = iter(chips) if isinstance(chips, list) else chips.select_related("tile").iterator(chunk_size=BLOCK_CHIPS)
    while block := list(islice(chips, BLOCK_CHIPS)):
        # partial=True: the chips were selected already; a consensus changing meanwhile must not break a stream
        yield from chip_exports(block, partial=True, run=run)


def _pack_tif(data: bytes) -> Packed:
    """A GeoTIFF's zip member, deflated although its pixels are: most of a labels.tif is its colour map (65,536
    uint16 entries, 393 KB of nearly all zeros, stored raw as TIFF tags are), which deflates 413 → 29 KB.
    Level 1: as small as level 6 within 4 %, at half the time."""
    return pack(data, level=1)


def dataset_zip_chunks(filters: ExportFilters, base: str) -> Iterator[bytes]:
    """The whole dataset as a zip, one chunk per file: `<collection id>/<item id>/...`, collection, summary."""
    root, run = collection_id(), export_run()
    index, archive = DatasetIndex(run), ZipStream(mtime=datetime.now())
    for ex, files, counts in chip_folders(iter_chip_exports(filters, run), base, pack=_pack_tif):
        index.add(ex, counts)
        folder = core.item_id(root, ex.chip.id)
        for name, data in files.items():
            yield archive.add(f"{root}/{folder}/{name}", data)
    for name, data in index.files().items():
        yield archive.add(f"{root}/{name}", data, compress=not name.endswith(".pdf"))  # the PDF is deflated already
    yield archive.close()


def _write_atomic(path, data: bytes) -> None:
    tmp = path.with_name(path.name + ".part")
    tmp.write_bytes(data)
    tmp.replace(path)


def _already_written(folder, content_hash: str) -> bool:
    """The folder holds this chip's files for the same content: stac.json names the hash and the tif's checksum."""
    try:
        item = json.loads((folder / STAC).read_text())
        tif = (folder / TIF).read_bytes()
    except (OSError, ValueError):
        return False
    return (
        item.get("properties", {}).get(HASH_PROPERTY) == content_hash
        and item.get("assets", {}).get("labels", {}).get("file:checksum") == "1220" + core.content_hash_raw(tif)
        and (folder / DATES).is_file()
    )


def write_tree(out_dir, filters: ExportFilters, *, base: str, progress=None, run=None) -> dict:
    """Write the export tree into `out_dir` (resumable: chips whose files hold the same content are skipped).

    Each file is written to a temporary name and renamed; stac.json goes last, so an interrupted chip is redone.
    `base` is the origin of the scenes' `source` links; `progress` wraps the chip iterator (e.g. tqdm).
    `run`: the consensus run to write (default: the exported run). Returns counts of chips written and skipped.
    """
    from pathlib import Path

    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    run = run or export_run()
    index, written, skipped = DatasetIndex(run), 0, 0
    chips = iter_chip_exports(filters, run)

    def unwritten():  # chips already on disk with the same content are skipped before anything is encoded
        nonlocal skipped
        for ex in progress(chips) if progress else chips:
            index.add(ex)
            if _already_written(out / core.item_id(collection_id(), ex.chip.id), chip_content_hash(ex, base)):
                skipped += 1
            else:
                yield ex

    for ex, files, _ in chip_folders(unwritten(), base):
        folder = out / core.item_id(collection_id(), ex.chip.id)
        folder.mkdir(exist_ok=True)
        for name, data in files.items():  # stac.json is the last key
            _write_atomic(folder / name, data)
        written += 1
    for name, data in index.files().items():
        (out / name).parent.mkdir(exist_ok=True)  # _common/
        _write_atomic(out / name, data)
    return {"written": written, "skipped": skipped, "chips": written + skipped}
