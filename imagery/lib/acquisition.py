"""One chip's year of Sentinel-2 from a STAC catalog: search, probe, select, read (no Django).

1. Search the catalog for Items intersecting the chip in the year (pystac-client); keep those on the chip's UTM grid.
2. First filter on `eo:cloud_cover`, then read the chip's SCL window of each remaining Item (128×128 px at 20 m)
   and apply the 24-scene rule (imagery.lib.scene_selection).
3. Read the chip's window of the ten bands of each chosen scene (SCL comes from the probe), concurrently, and
   return it as an ordinary `Source` of one 256×256 chip, so it is stored by the same ingest path as files are.
"""

from __future__ import annotations

import csv
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from imagery.lib import cog_remote, geo, scene_selection
from imagery.lib.domain import BANDS, CHIP_SIZE, PIXEL_SIZE_M
from imagery.lib.ingest import harmonise
from imagery.lib.source_io import SceneData, Source, SourceScene
from imagery.lib.stac_catalog import SCL_LAYER, Catalog, CatalogError, ItemScene, item_scene, search_items, signer

CHIP_M = CHIP_SIZE * PIXEL_SIZE_M


class AcquisitionError(ValueError):
    """Input that names no chip, or a chip that cannot be acquired; nothing is stored for it."""


@dataclass(frozen=True)
class ChipRequest:
    chip_id: str
    tile: str
    epsg: int
    bounds: tuple[float, float, float, float]  # left, bottom, right, top; 2,560 m a side

    @property
    def transform(self) -> tuple[float, ...]:
        return (PIXEL_SIZE_M, 0.0, self.bounds[0], 0.0, -PIXEL_SIZE_M, self.bounds[3])

    def bbox_lonlat(self) -> tuple[float, float, float, float]:
        left, bottom, right, top = self.bounds
        lons, lats = geo.to_lonlat(self.epsg, [left, left, right, right], [bottom, top, bottom, top])
        return min(lons), min(lats), max(lons), max(lats)

    def as_dict(self) -> dict:
        return dict(chip_id=self.chip_id, tile=self.tile, epsg=self.epsg, bounds=list(self.bounds))

    @classmethod
    def from_dict(cls, data: dict) -> "ChipRequest":
        return cls(data["chip_id"], data["tile"], int(data["epsg"]), tuple(float(v) for v in data["bounds"]))


def chip_request(chip_id: str, epsg: int, bounds, tile: str | None = None) -> ChipRequest:
    """A checked request: a 256×256 window on the 10 m lattice, inside its MGRS tile."""
    try:
        left, bottom, right, top = (float(v) for v in bounds)
    except (TypeError, ValueError) as exc:
        raise AcquisitionError(f"{chip_id}: bounds must be four numbers minx,miny,maxx,maxy") from exc
    if abs(right - left - CHIP_M) > 1e-3 or abs(top - bottom - CHIP_M) > 1e-3:
        raise AcquisitionError(f"{chip_id}: bounds are {right - left:g} × {top - bottom:g} m; a chip is "
                               f"{CHIP_M:g} m a side (256 px at 10 m)")
    if any(abs(v / PIXEL_SIZE_M - round(v / PIXEL_SIZE_M)) > 1e-3 for v in (left, top)):
        raise AcquisitionError(f"{chip_id}: the corner ({left}, {top}) is not on the 10 m Sentinel-2 lattice")
    try:
        geo.utm_zone(epsg)
        tile = geo.parse_tile_id(tile) if tile else geo.tile_of_bounds(epsg, (left, bottom, right, top))
        geo.check_in_tile(tile, epsg, (left, bottom, right, top))
        if chip_id:
            prefix, _, number = chip_id.partition("_")
            if geo.parse_tile_id(prefix) != tile or not number.isdigit():
                raise AcquisitionError(f"chip id {chip_id!r} is not <tile>_<nn> of tile {tile}")
    except geo.GeoError as exc:
        raise AcquisitionError(f"{chip_id or 'chip'}: {exc}") from exc
    return ChipRequest(chip_id, tile, epsg, (left, bottom, right, top))


def chip_at_point(lon: float, lat: float, chip_id: str | None = None) -> ChipRequest:
    """The cell of the tile's 256 px grid (select_chips' and ingest's grid) holding a point."""
    try:
        zone = int((lon + 180) // 6) + 1
        epsg = geo.utm_epsg(min(zone, 60), lat >= 0)
        from pyproj import Transformer

        x, y = Transformer.from_crs(4326, epsg, always_xy=True).transform(lon, lat)
        tile = geo.tile_id(epsg, x, y)
        left, _, _, top = geo.tile_bounds(tile, epsg, y)
    except (geo.GeoError, ValueError) as exc:
        raise AcquisitionError(f"point {lon}, {lat}: {exc}") from exc
    col, row = int((x - left) // CHIP_M), int((top - y) // CHIP_M)
    x0, y0 = left + col * CHIP_M, top - row * CHIP_M
    return chip_request(chip_id or f"{tile}_00", epsg, (x0, y0 - CHIP_M, x0 + CHIP_M, y0), tile)


def chips_from_windows(path: Path) -> list[ChipRequest]:
    """select_chips' CSV: chip_id, tile_id, epsg and the window bounds minx, miny, maxx, maxy."""
    try:
        with open(path, newline="", encoding="utf-8-sig") as fh:
            reader = csv.DictReader(fh)
            missing = {"chip_id", "tile_id", "epsg", "minx", "miny", "maxx", "maxy"} - set(reader.fieldnames or [])
            if missing:
                raise AcquisitionError(f"{path}: missing columns {', '.join(sorted(missing))} (select_chips writes them)")
            rows = list(reader)
    except OSError as exc:
        raise AcquisitionError(f"{path}: {exc.strerror}") from exc
    out, bad = [], []
    for line, row in enumerate(rows, start=2):
        try:
            out.append(chip_request(row["chip_id"].strip(), int(row["epsg"]),
                                    (row["minx"], row["miny"], row["maxx"], row["maxy"]), row["tile_id"]))
        except (AcquisitionError, ValueError) as exc:
            bad.append(f"line {line}: {exc}")
    if bad:
        raise AcquisitionError(f"{path}: {'; '.join(bad[:10])}" + (f" and {len(bad) - 10} more" if len(bad) > 10 else ""))
    ids = [r.chip_id for r in out]
    if len(set(ids)) != len(ids):
        raise AcquisitionError(f"{path}: chip ids given twice: {sorted({i for i in ids if ids.count(i) > 1})}")
    if not out:
        raise AcquisitionError(f"{path}: no chip windows")
    return out


@dataclass(frozen=True)
class Rule:
    max_tile_cloud: float = 90.0
    max_nodata: float = 0.5
    total: int = scene_selection.SCENES_PER_YEAR


@dataclass
class Acquired:
    request: ChipRequest
    year: int
    catalog: Catalog
    selection: scene_selection.Selection
    scenes: dict[str, ItemScene]  # the chosen Items, by id
    source: Source | None  # None when no scene is usable
    notes: list[str] = field(default_factory=list)


def _scene_reader(bands: np.ndarray, scl: np.ndarray) -> Callable:
    def read(window):
        r, c, h, w = window
        return SceneData(bands[:, r: r + h, c: c + w], scl=scl[r: r + h, c: c + w])

    return read


def acquire(request: ChipRequest, year: int, catalog: Catalog, *, rule: Rule = Rule(),
            workers: int = cog_remote.DEFAULT_WORKERS, attempts: int = cog_remote.DEFAULT_ATTEMPTS,
            backoff_s: float = cog_remote.DEFAULT_BACKOFF_S, on_layer: Callable | None = None) -> Acquired:
    """Search, probe, select and read one chip. Raises CatalogError / RemoteReadError (nothing partial returned)."""
    items = search_items(catalog, request.bbox_lonlat(), year)
    notes, scenes = [], []
    for item in items:
        scene = item_scene(item, catalog)
        if scene.day.year != year:
            continue
        if scene.epsg is not None and scene.epsg != request.epsg:
            notes.append(f"{scene.item_id}: EPSG:{scene.epsg}, not the chip's EPSG:{request.epsg}; skipped")
            continue
        scenes.append(scene)
    by_id = {s.item_id: s for s in scenes}
    sign = signer(catalog)
    candidates = [scene_selection.Candidate(s.item_id, s.day, s.tile_cloud) for s in scenes]
    worthy = scene_selection.probe_worthy(candidates, rule.max_tile_cloud)
    probes = cog_remote.read_layers(
        [cog_remote.LayerRead((c.item_id, SCL_LAYER), sign(by_id[c.item_id].hrefs[SCL_LAYER]), native=True)
         for c in worthy], request.bounds, workers=workers, attempts=attempts, backoff_s=backoff_s, on_done=on_layer)
    probed = [scene_selection.probed(c, probes[(c.item_id, SCL_LAYER)]) for c in worthy]
    selection = scene_selection.select_scenes(probed, n_candidates=len(candidates), max_nodata=rule.max_nodata,
                                              total=rule.total)
    chosen = {p.candidate.item_id: by_id[p.candidate.item_id] for p in selection.picks}
    if not chosen:
        return Acquired(request, year, catalog, selection, {}, None, notes)
    layers = cog_remote.read_layers(
        [cog_remote.LayerRead((item_id, band), sign(scene.hrefs[band])) for item_id, scene in chosen.items()
         for band in BANDS], request.bounds, workers=workers, attempts=attempts, backoff_s=backoff_s,
        on_done=on_layer)
    source_scenes = []
    for pick in selection.picks:
        scene = chosen[pick.candidate.item_id]
        bands = np.stack([layers[(scene.item_id, band)] for band in BANDS]).astype(np.uint16)
        scl_native = probes[(scene.item_id, SCL_LAYER)]
        scl = _scl_to_10m(scl_native, request, scene, sign)
        source_scenes.append(SourceScene(scene.day, _scene_reader(harmonise(bands, scene.dn_offset), scl),
                                         CHIP_SIZE, CHIP_SIZE, has_scl=True, origin=scene.item_id))
    source = Source(name=f"{catalog.collection} {year} at {catalog.url}", layout="stac", epsg=request.epsg,
                    transform=request.transform, height=CHIP_SIZE, width=CHIP_SIZE, scenes=source_scenes,
                    chip_id=request.chip_id, tile=request.tile)
    return Acquired(request, year, catalog, selection, chosen, source, notes)


def _scl_to_10m(native: np.ndarray, request: ChipRequest, scene: ItemScene, sign) -> np.ndarray:
    """The probe's SCL window on the 10 m chip grid (nearest neighbour), without reading it again."""
    for factor in (1, 2, 6):
        if native.shape == (CHIP_SIZE // factor, CHIP_SIZE // factor) and CHIP_SIZE % factor == 0:
            return np.repeat(np.repeat(native, factor, axis=0), factor, axis=1).astype(np.uint8)
    # The chip straddles SCL pixels (an odd 10 m offset): read it again on the chip grid.
    key = (scene.item_id, SCL_LAYER)
    return cog_remote.read_layers([cog_remote.LayerRead(key, sign(scene.hrefs[SCL_LAYER]))], request.bounds,
                                  workers=1)[key].astype(np.uint8)


__all__ = ["AcquisitionError", "Acquired", "CatalogError", "ChipRequest", "Rule", "acquire", "chip_at_point",
           "chip_request", "chips_from_windows"]
