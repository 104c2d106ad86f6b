"""Writers of imagery rows and scene files (the only code that creates Tiles, Chips, Scenes and Tasks)."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass

import numpy as np
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import transaction

from imagery.lib import cog, geo
from imagery.lib.domain import TASKS_PER_SIDE
from imagery.lib.ingest import PreparedChip, plan_chips, prepare_chip
from imagery.models import Chip, ChipAcquisition, Scene, SceneAcquisition, Task, Tile
from imagery.lib.source_io import clear_read_cache
from imagery.lib.sources import SourceError, read_sources
from lcnet_site.errors import AppError


class IngestError(AppError):
    """Imagery that cannot be ingested as asked (bad option, unreadable or clashing source); nothing was stored."""

    code = "invalid_source"


@dataclass
class IngestResult:
    chip_id: str
    created: bool
    n_scenes: int
    n_tasks_with_data: int
    nbytes: int


def _same_place(chip: Chip, prepared: PreparedChip) -> bool:
    return chip.epsg == prepared.epsg and np.allclose(chip.transform, prepared.transform, rtol=0, atol=1e-6)


def _existing(prepared: PreparedChip) -> Chip | None:
    """The chip already ingested from this content; IngestError if the place or id holds other imagery."""
    same = Chip.objects.filter(fingerprint=prepared.fingerprint).first()
    if same is not None:
        return same
    clashes = [c for c in Chip.objects.filter(tile_id=prepared.tile, epsg=prepared.epsg) if _same_place(c, prepared)]
    if prepared.chip_id:
        clashes += list(Chip.objects.filter(id=prepared.chip_id))
    if clashes:
        raise IngestError(
            f"chip {clashes[0].id} already exists with different imagery (from {clashes[0].source or 'unknown'}); "
            "delete it first to ingest this source again"
        )
    return None


def _tile_lock(prepared: PreparedChip, continent: str | None) -> Tile:
    """Create and lock the chip's tile row: concurrent ingests of one tile then check and number chips in turn."""
    left, bottom, right, top = prepared.bounds
    lon, lat = geo.to_lonlat(prepared.epsg, (left + right) / 2, (bottom + top) / 2)
    tile_get_or_create(tile_id=prepared.tile, epsg=prepared.epsg, continent=continent or geo.continent(lon, lat))
    return Tile.objects.select_for_update().get(pk=prepared.tile)


def _next_chip_id(tile_id: str, taken: set[str]) -> str:
    used = set(Chip.objects.filter(tile_id=tile_id).values_list("id", flat=True)) | taken
    n = 0
    while f"{tile_id}_{n:02d}" in used:
        n += 1
    return f"{tile_id}_{n:02d}"


def tile_get_or_create(*, tile_id: str, epsg: int, continent: str) -> Tile:
    tile, _ = Tile.objects.get_or_create(id=tile_id, defaults={"epsg": epsg, "continent": continent})
    if tile.epsg != epsg:
        raise IngestError(f"tile {tile_id} is stored with EPSG:{tile.epsg}, the source is EPSG:{epsg}")
    return tile


def chip_create(*, prepared: PreparedChip, tile: Tile, chip_id: str, source: str, written: list[str]) -> Chip:
    """Rows and scene COGs of one new chip; every stored file name is appended to `written` (for cleanup)."""
    chip = Chip.objects.create(
        id=chip_id, tile=tile, epsg=prepared.epsg, transform=list(prepared.transform), bounds=list(prepared.bounds),
        stretch_low=prepared.stretch_low, stretch_high=prepared.stretch_high, source=source[:500],
        fingerprint=prepared.fingerprint,
    )
    scenes = []
    for i, day in enumerate(prepared.dates):
        data = cog.write_scene_cog(prepared.stack[i], prepared.epsg, prepared.transform, day.isoformat())
        name = default_storage.save(f"scenes/{tile.id}/{chip.id}/{day.isoformat()}.tif", ContentFile(data))
        written.append(name)
        scenes.append(Scene(chip=chip, date=day, cloud_fraction=prepared.cloud_fraction[i], file=name,
                            has_scl=prepared.has_scl[i], has_cloud_mask=prepared.has_cloud_mask[i]))
    Scene.objects.bulk_create(scenes)
    Task.objects.bulk_create(
        Task(chip=chip, row=r, col=c, has_data=bool(prepared.task_has_data[r, c]))
        for r in range(TASKS_PER_SIDE) for c in range(TASKS_PER_SIDE)
    )
    return chip


def chip_delete(*, chip: Chip) -> None:
    """Delete a chip with its scenes and tasks (and what cascades from them); its COGs go once committed."""
    names = list(chip.scenes.values_list("file", flat=True))
    with transaction.atomic():
        chip.delete()
        transaction.on_commit(lambda: [default_storage.delete(name) for name in names])


def chips_ingest(*, chips: Iterable[PreparedChip], continent: str | None = None,
                 on_chip: Callable[[IngestResult], None] | None = None,
                 on_created: Callable[[Chip, PreparedChip], None] | None = None) -> list[IngestResult]:
    """Store prepared chips all-or-nothing: one transaction, and written files removed if anything fails.

    `on_created(chip, prepared)` runs inside the transaction after a new chip is written (e.g. to store where its
    scenes came from), so its rows stand or fall with the chip's."""
    written: list[str] = []
    results: list[IngestResult] = []
    taken: set[str] = set()
    try:
        with transaction.atomic():
            for prepared in chips:
                tile = _tile_lock(prepared, continent)
                existing = _existing(prepared)
                if existing is None:
                    chip_id = prepared.chip_id or _next_chip_id(prepared.tile, taken)
                    taken.add(chip_id)
                    source = f"{prepared.source_name} #{prepared.index}"
                    chip = chip_create(prepared=prepared, tile=tile, chip_id=chip_id, source=source, written=written)
                    if on_created:
                        on_created(chip, prepared)
                else:
                    chip = existing
                result = IngestResult(chip.id, existing is None, len(prepared.dates),
                                      int(prepared.task_has_data.sum()), prepared.nbytes)
                results.append(result)
                if on_chip:
                    on_chip(result)
    except BaseException:
        for name in written:
            default_storage.delete(name)
        raise
    return results


def sources_ingest(*, paths: list, date=None, chip_id: str | None = None, tile: str | None = None,
                   chips: list[int] | None = None, max_chips: int | None = None, continent: str | None = None,
                   dn_offset: int = 0, progress: Callable[[str, int], Callable[[IngestResult], None]] | None = None,
                   ) -> tuple[list[IngestResult], list]:
    """Read, check and store every source under `paths`.

    Metadata, chip indexes and tiles are all checked before anything is written; then chips are read and written
    one at a time (a whole tile never sits in memory) inside one transaction, so a late pixel-read error still
    leaves nothing behind. `progress(label, total)` may return a per-chip callback (the command's tqdm bar).
    Returns (results, ignored files).
    """
    if max_chips is not None and max_chips < 1:
        raise IngestError(f"{{field}} must be at least 1 (got {max_chips})", field="max_chips")
    if chips is not None and not chips:
        raise IngestError("{field} names no chip index", field="chips")
    if tile:
        tile = _parse_tile(tile)
    if chip_id:
        chip_tile = _parse_chip_id(chip_id)
        if tile and tile != chip_tile:
            raise IngestError(f"{{field}} {chip_id} is not in tile {tile}", field="chip_id")
        tile = chip_tile
    try:  # the pure readers' SourceError (a file named, what is wrong with it) becomes the app's error
        sources, ignored = read_sources(paths, fallback_date=date)
        for source in sources:
            source.dn_offset = dn_offset
        plans = [(source, plan) for source in sources
                 for plan in plan_chips(source, chips=chips, max_chips=max_chips, tile=tile)]
        if chip_id:
            if len(plans) != 1:
                raise IngestError(f"{{field}} names one chip but the sources hold {len(plans)}", field="chip_id")
            sources[0].chip_id = chip_id
        prepared = (chip for source, plan in plans if (chip := prepare_chip(source, plan)) is not None)
        on_chip = progress("ingest", len(plans)) if progress else None
        try:
            return chips_ingest(chips=prepared, continent=continent, on_chip=on_chip), ignored
        finally:
            clear_read_cache()
    except SourceError as exc:
        raise IngestError(str(exc)) from exc


def _parse_tile(value: str, field: str = "tile") -> str:
    try:
        return geo.parse_tile_id(value)
    except geo.GeoError as exc:
        raise IngestError(str(exc), field=field) from exc


def _parse_chip_id(value: str) -> str:
    tile, _, number = value.partition("_")
    if not number.isdigit():
        raise IngestError(f"{{field}} {value!r} is not <tile>_<nn> (like 36SWF_00)", field="chip_id")
    return _parse_tile(tile, "chip_id")


# --- acquisition from a STAC catalog (acquire_chips; docs/acquisition.md) -----------------------------------------


@dataclass
class AcquireResult:
    chip_id: str
    state: str  # created | stored (already acquired: nothing read) | unchanged (same imagery under this id)
    n_scenes: int = 0
    n_month_picks: int = 0
    missing_months: list[int] | None = None
    short_by: int = 0
    notes: list[str] | None = None


def acquisition_rule():
    """The scene-selection thresholds of the campaign (lcnet_site.campaign)."""
    from imagery.lib.acquisition import Rule
    from lcnet_site.campaign import campaign

    c = campaign()
    return Rule(max_tile_cloud=c.acquire_max_tile_cloud_pct, max_nodata=c.acquire_max_chip_nodata_pct / 100,
                total=c.acquire_scenes_per_chip)


def _stored_acquisition(request, year: int) -> AcquireResult | None:
    """The chip when it is already stored for this year (a rerun reads nothing); AppError when the id is taken."""
    chip = Chip.objects.filter(id=request.chip_id).first()
    if chip is None:
        return None
    acquisition = ChipAcquisition.objects.filter(chip=chip).first()
    if acquisition is None or acquisition.year != year:
        origin = f"acquired for {acquisition.year}" if acquisition else f"ingested from {chip.source or 'files'}"
        raise AppError(f"chip {chip.id} already exists ({origin}); delete it first to acquire it for {year}",
                       code="exists", field="chip_id", status=409)
    return AcquireResult(chip.id, "stored", chip.scenes.count(), acquisition.scenes_month_picks(),
                         acquisition.missing_months, acquisition.short_by)


def chip_acquire(*, request, year: int, catalog, rule=None, workers: int | None = None, attempts: int | None = None,
                 backoff_s: float | None = None, on_layer=None) -> AcquireResult:
    """Search, select, read and store one chip's year of scenes, through the ingest write path (one transaction).

    Idempotent: a chip already acquired for `year` is reported as stored without any request to the catalog.
    Raises AppError (nothing stored) for bad input, an unreachable catalog or a layer unreadable after retries."""
    from imagery.lib import acquisition as core
    from imagery.lib.cog_remote import RemoteReadError
    from imagery.lib.scene_selection import MONTH_PICK
    from imagery.lib.stac_catalog import CatalogError

    stored = _stored_acquisition(request, year)
    if stored is not None:
        return stored
    options = {k: v for k, v in dict(workers=workers, attempts=attempts, backoff_s=backoff_s).items() if v is not None}
    try:
        acquired = core.acquire(request, year, catalog, rule=rule or acquisition_rule(), on_layer=on_layer, **options)
    except (CatalogError, RemoteReadError, core.AcquisitionError) as exc:
        raise AppError(f"{request.chip_id}: {exc}", code="acquire_failed", status=502) from exc
    selection = acquired.selection
    if acquired.source is None:
        raise AppError(f"{request.chip_id}: no usable scene in {year} among {selection.n_candidates} Item(s) "
                       f"({selection.n_probed} probed); nothing stored", code="no_scene", status=404)
    picks = {p.candidate.day: p for p in selection.picks}

    def record(chip: Chip, prepared: PreparedChip) -> None:
        ChipAcquisition.objects.create(
            chip=chip, catalog_url=catalog.url, collection=catalog.collection, year=year,
            n_items=selection.n_candidates, n_probed=selection.n_probed, n_usable=selection.n_usable,
            missing_months=selection.missing_months, short_by=selection.short_by)
        SceneAcquisition.objects.bulk_create(
            SceneAcquisition(scene=scene, item_id=pick.candidate.item_id, pick=pick.reason,
                             tile_cloud_pct=pick.candidate.tile_cloud, chip_cloud_pct=100 * pick.candidate.chip_cloud,
                             chip_nodata_pct=100 * pick.candidate.chip_nodata,
                             dn_offset=acquired.scenes[pick.candidate.item_id].dn_offset)
            for scene in chip.scenes.all() for pick in [picks[scene.date]])

    try:
        plans = plan_chips(acquired.source, chips=[0], tile=request.tile)
        prepared = prepare_chip(acquired.source, plans[0])
        if prepared is None:
            raise SourceError("every chosen scene is no data on the chip")
        result = chips_ingest(chips=[prepared], on_created=record)[0]
    except (SourceError, IngestError) as exc:
        raise AppError(f"{request.chip_id}: {exc}; nothing stored", code="invalid") from exc
    n_month = sum(p.reason == MONTH_PICK for p in selection.picks)
    return AcquireResult(result.chip_id, "created" if result.created else "unchanged", len(selection.picks), n_month,
                         selection.missing_months, selection.short_by, acquired.notes)
