"""Writers of the guesslabels app: register land-cover maps, start and execute training runs (a tile's own model,
its retraining on consensus labels, the campaign-wide model), store rule-based guesses, keep started tasks' guesses.

Bad input raises lcnet_site.errors.AppError (code "guess_labels") before anything is written."""

from __future__ import annotations

import io
import logging
from collections.abc import Callable, Iterable
from contextlib import ExitStack
from pathlib import Path

import joblib
import numpy as np
from django.core.files.base import ContentFile, File
from django.core.files.storage import default_storage
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone

from imagery.lib.domain import N_CLASSES
from imagery.models import Chip, Tile
from imagery.stored_files import stored_raster
from lcnet_site.campaign import campaign
from lcnet_site.errors import AppError

from guesslabels import selectors
from guesslabels.lib import model, raster as core_raster
from guesslabels.lib.features import FEATURE_LAYOUT, MAPPINGS_DIR, ClassMapping, class_counts
from guesslabels.lib.pipeline import MAX_PIXELS_PER_CLASS, TrainingSample, keep_task_windows
from guesslabels.lib.plots import metrics_png
from guesslabels.lib.rules import rule_guess
from guesslabels.models import GuessLabel, GuessSource, KeptGuess, LandCoverMap, RunStatus, TrainingRun
from guesslabels.jobs import train_enqueue

log = logging.getLogger(__name__)

Progress = Callable[[Iterable, str], Iterable]  # wraps an iterable (the command passes tqdm)
CODE = "guess_labels"


def _error(message: str, field: str | None = None) -> AppError:
    return AppError(message, code=CODE, field=field)


def _no_progress(items, label):
    return items


# --- land-cover maps -------------------------------------------------------------------------------------------


def mapping_table(mapping: str | Path | None) -> ClassMapping:
    """A mapping table by product name (a CSV in guesslabels/lib/mappings, e.g. "worldcover") or by path; None: the
    campaign's default (guess_default_mapping)."""
    mapping = mapping or campaign().guess_default_mapping
    path = Path(mapping)
    if not path.suffix and not path.exists():
        path = MAPPINGS_DIR / f"{mapping}.csv"
        if not path.exists():
            known = ", ".join(sorted(p.stem for p in MAPPINGS_DIR.glob("*.csv")))
            raise _error(f"no mapping table {mapping!r}; shipped: {known}, or give a CSV path", field="mapping")
    try:
        return ClassMapping.from_csv(path)
    except ValueError as exc:
        raise _error(str(exc), field="mapping") from exc


def _map_files(paths: list[Path]) -> list[Path]:
    files = []
    for path in paths:
        if not path.exists():
            raise _error(f"land-cover map {path}: no such file", field="map")
        if path.suffix.lower() == ".vrt":  # stored as the files it mosaics: a VRT names them by path
            try:
                files += [p for p in core_raster.vrt_sources(path)]
            except (OSError, ValueError, SyntaxError) as exc:
                raise _error(f"land-cover map {path.name}: unreadable VRT ({exc})", field="map") from exc
        else:
            files.append(path)
    missing = [str(p) for p in files if not p.exists()]
    if missing:
        raise _error(f"land-cover map: missing file(s) {', '.join(missing)}", field="map")
    return list(dict.fromkeys(files))


def land_cover_map_register(*, paths: list[str | Path] | str | Path, mapping: str | Path | None = None,
                            tile_ids: list[str] | None = None) -> LandCoverMap:
    """Register a land-cover map (a GeoTIFF, several tiles of one map, or a VRT; any CRS and resolution) for every
    tile whose chips it covers (or only `tile_ids`). Each covered chip's pixels are warped onto its grid and checked
    against the mapping table; only then are the files copied to storage.

    Raises AppError (nothing stored) for unreadable files, a map covering no chip (or not a named tile) and codes
    the mapping table lacks."""
    paths = [Path(p) for p in ([paths] if isinstance(paths, (str, Path)) else paths)]
    if not paths:
        raise _error("no land-cover map file given", field="map")
    table = mapping_table(mapping)
    files = _map_files(paths)
    try:
        descriptions = [core_raster.describe_map(f) for f in files]
    except ValueError as exc:
        raise _error(str(exc), field="map") from exc
    chips = Chip.objects.order_by("id")
    if tile_ids:
        unknown = sorted(set(tile_ids) - set(Tile.objects.filter(pk__in=tile_ids).values_list("pk", flat=True)))
        if unknown:
            raise _error(f"no tile {', '.join(unknown)}; ingest its chips first", field="tile")
        chips = chips.filter(tile_id__in=tile_ids)
    covered: set[str] = set()
    for chip in chips:
        if not any(core_raster.covers(d, chip.epsg, chip.bounds) for d in descriptions):
            continue
        codes, inside = core_raster.warp_to_chip(files, chip.epsg, chip.transform, (chip.height, chip.width))
        if not inside.any():
            continue
        try:
            table.apply(codes[inside])
        except ValueError as exc:
            raise _error(f"land-cover map {paths[0].name}, chip {chip.id}: {exc}", field="mapping") from exc
        covered.add(chip.tile_id)
    for tile_id in tile_ids or []:
        if tile_id not in covered:
            raise _error(f"land-cover map {paths[0].name} does not cover any chip of tile {tile_id}", field="map")
    if not covered:
        raise _error(f"land-cover map {paths[0].name} covers no chip of any tile", field="map")
    pairs = {str(int(c)): int(t) for c, t in zip(table.source_codes, table.target_classes)}
    with transaction.atomic():
        row = LandCoverMap.objects.create(
            name=paths[0].name[:200], description=descriptions, source=", ".join(map(str, paths))[:1000],
            mapping_name=table.name, mapping=pairs,
        )
        stored = []
        for path in files:  # streamed: a map of many tiles can be large
            with path.open("rb") as fh:
                stored.append(default_storage.save(f"land_cover_maps/{row.pk}/{path.name}", File(fh)))
        row.files = stored
        row.save(update_fields=["files"])
        row.tiles.set(sorted(covered))
    return row


def _tile_map(tile_id: str) -> LandCoverMap | None:
    return LandCoverMap.objects.filter(tiles=tile_id).first()  # the latest registered


class _MapReader:
    """A land-cover map's files, readable by rasterio, and its table; warps them onto chips."""

    def __init__(self, row: LandCoverMap):
        self.row = row
        self.mapping = ClassMapping.from_pairs({int(k): v for k, v in row.mapping.items()}, row.mapping_name)

    def classes(self, chip: Chip) -> np.ndarray:
        """(N,) uint8 LandCoverNet classes of the map under the chip (0 outside it or at its nodata); on S3 only the
        blocks under the chip are read, however large the map."""
        with ExitStack() as opened:
            sources = [opened.enter_context(stored_raster(name)) for name in self.row.files]
            codes, inside = core_raster.warp_to_chip(sources, chip.epsg, chip.transform, (chip.height, chip.width))
        try:
            mapped = self.mapping.apply(np.where(inside, codes, self.mapping.source_codes[0]))
        except ValueError as exc:
            raise _error(f"chip {chip.id}: {exc}") from exc
        return np.where(inside, mapped, 0).astype(np.uint8).ravel()


# --- runs ------------------------------------------------------------------------------------------------------


def _create_run(tile: Tile | None, source: str, seed: int, **fields) -> TrainingRun:
    try:
        with transaction.atomic():
            return TrainingRun.objects.create(tile=tile, source=source, seed=seed, **fields)
    except IntegrityError:
        active = TrainingRun.objects.filter(tile=tile, status__in=[RunStatus.QUEUED, RunStatus.RUNNING])
        active = active.filter(tile__isnull=True) if tile is None else active
        active = active.first()
        who = f"tile {tile.pk}" if tile else "the campaign"
        raise _error(f"{who} already has run {active.pk if active else '?'} {active.status if active else 'active'}",
                     field="tile") from None


def _launch(run: TrainingRun, sync: bool, progress: Progress) -> TrainingRun:
    if sync:
        return training_run_execute(run_id=run.pk, progress=progress)
    train_enqueue(run.pk)  # an outbox job, handed to Celery after commit (eager: run here, then read back)
    run.refresh_from_db()
    return run


def training_run_start(*, tile_id: str, seed: int = 0, extra_chip_ids: list[str] | None = None, sync: bool = False,
                       progress: Progress = _no_progress) -> TrainingRun:
    """A tile's own model (the paper): trained on its land-cover map, predicting its chips. Queued on Celery (on
    commit), or executed here when sync. extra_chip_ids: chips of other tiles (each covered by a map) that add
    training pixels.

    Raises AppError when the tile is unknown, a tile has no land-cover map or a run is already active."""
    tile = Tile.objects.filter(pk=tile_id).first()
    if tile is None:
        raise _error(f"no tile {tile_id!r}", field="tile")
    extra = _extra_chips(tile_id, extra_chip_ids or [])
    for needed in [tile_id] + sorted({c.tile_id for c in extra}):
        if _tile_map(needed) is None:
            raise _error(f"tile {needed} has no land-cover map; register one: "
                         f"train_guess_labels --map PATH [--mapping PRODUCT|CSV] [--tile {needed}]", field="tile")
    run = _create_run(tile, GuessSource.TILE, seed, extra_chips=[c.pk for c in extra])
    return _launch(run, sync, progress)


def training_run_consensus(*, tile_id: str, labels: dict[str, np.ndarray], final_chip_ids: list[str] | None = None,
                           seed: int = 0, sync: bool = True, progress: Progress = _no_progress) -> TrainingRun:
    """Retrain a tile's model on the campaign's final labels (consensus; given by the layer that owns them) plus its
    land-cover map's filtered pixels where there is no final label yet, then replace the guess of every task nobody
    has started. labels: {chip id: (H, W) uint8 LandCoverNet classes, 0 where no final label}; final_chip_ids: the
chips among them whose labels are all final (recorded, so the caller knows what the next retraining adds).

    The labels are stored with the run (models/<tile>/<run>_consensus.npz), so a redelivered task redoes it."""
    tile = Tile.objects.filter(pk=tile_id).first()
    if tile is None:
        raise _error(f"no tile {tile_id!r}", field="tile")
    chips = {c.pk: c for c in Chip.objects.filter(tile=tile)}
    for chip_id, array in labels.items():
        chip = chips.get(chip_id)
        if chip is None:
            raise _error(f"chip {chip_id} is not a chip of tile {tile_id}", field="labels")
        array = np.asarray(array)
        if array.shape != (chip.height, chip.width) or array.dtype.kind not in "ui" or array.max(initial=0) >= N_CLASSES:
            raise _error(f"labels of chip {chip_id}: expected ({chip.height}, {chip.width}) integer classes 0..7",
                         field="labels")
    used = {k: np.asarray(v, np.uint8) for k, v in sorted(labels.items()) if np.asarray(v).any()}
    if not used:
        raise _error(f"tile {tile_id}: no final labels to learn from", field="labels")
    land_map = _tile_map(tile_id)
    sources = {"consensus_chips": sorted(used), "final_chips": sorted(final_chip_ids or []),
               "consensus_pixels": int(sum((v > 0).sum() for v in used.values())),
               "land_cover_map": land_map.name if land_map else None}
    run = _create_run(tile, GuessSource.CONSENSUS, seed, training_sources=sources)
    buf = io.BytesIO()
    np.savez_compressed(buf, **used)
    _overwrite(_consensus_file(run), buf.getvalue())
    return _launch(run, sync, progress)


def campaign_run_start(*, seed: int = 0, sync: bool = False, progress: Progress = _no_progress) -> TrainingRun:
    """The campaign-wide model: trained on every tile with a land-cover map (guess_campaign_chips_per_tile chips
    each), predicting the chips whose guess is only rule-based (or missing)."""
    if not LandCoverMap.objects.exists():
        raise _error("no land-cover map registered: the campaign-wide model has nothing to learn from")
    return _launch(_create_run(None, GuessSource.CAMPAIGN, seed), sync, progress)


def _consensus_file(run: TrainingRun) -> str:
    return f"models/{run.tile_id}/{run.pk}_consensus.npz"


def _extra_chips(tile_id: str, chip_ids: list[str]) -> list[Chip]:
    chips = list(Chip.objects.filter(pk__in=chip_ids).order_by("id"))
    missing = sorted(set(chip_ids) - {c.pk for c in chips})
    if missing:
        raise _error(f"no chip(s) {', '.join(missing)} for extra training", field="extra_chips")
    own = [c.pk for c in chips if c.tile_id == tile_id]
    if own:
        raise _error(f"{', '.join(own)} already belong to tile {tile_id}: every chip of a tile trains",
                     field="extra_chips")
    return chips


def training_run_execute(*, run_id: int, progress: Progress = _no_progress) -> TrainingRun:
    """Train, predict, store model, figure and guess rasters. Idempotent: a finished run is left as it is; a queued
    or interrupted one runs (again) from the start with the same seed.

    Bad input ends the run as failed with its message and writes nothing."""
    run = TrainingRun.objects.select_related("tile").get(pk=run_id)
    if run.status in (RunStatus.DONE, RunStatus.FAILED):
        return run
    TrainingRun.objects.filter(pk=run.pk).update(status=RunStatus.RUNNING, started_at=timezone.now(),
                                                 heartbeat_at=timezone.now())
    try:
        result = _train_and_predict(run, _beating(run, progress))
    except AppError as exc:
        return _finish(run, RunStatus.FAILED, error=exc.message)
    except Exception as exc:
        _finish(run, RunStatus.FAILED, error=f"unexpected error: {exc!r}")
        raise
    _store(run, *result)
    return _finish(run, RunStatus.DONE)


def _beating(run: TrainingRun, progress: Progress) -> Progress:
    """The caller's progress, plus the run's heartbeat at every step (at most every few seconds): the sweep requeues
    only runs that went quiet (guesslabels.jobs.stuck_runs_requeue)."""
    last = [timezone.now()]

    def wrapped(items, label):
        for item in progress(items, label):
            if (timezone.now() - last[0]).total_seconds() >= 5:
                last[0] = timezone.now()
                TrainingRun.objects.filter(pk=run.pk).update(heartbeat_at=last[0])
            yield item

    return wrapped


def _finish(run: TrainingRun, status: str, error: str = "") -> TrainingRun:
    TrainingRun.objects.filter(pk=run.pk).update(status=status, error=error, finished_at=timezone.now())
    if error:
        log.warning("guess-label run %s (%s) failed: %s", run.pk, run.tile_id or "campaign", error)
    run.refresh_from_db()
    return run


def _training_set(run: TrainingRun) -> tuple[list[Chip], list[Chip], dict[str, np.ndarray]]:
    """(chips that train, chips to predict, consensus labels by chip) for the run's source."""
    if run.source == GuessSource.CAMPAIGN:
        per_tile = campaign().guess_campaign_chips_per_tile
        train = []
        for tile in Tile.objects.filter(land_cover_maps__isnull=False).distinct().order_by("id"):
            chips = list(tile.chips.order_by("id"))
            step = max(len(chips) / per_tile, 1)
            train += [chips[int(i * step)] for i in range(min(per_tile, len(chips)))]  # spread over the tile
        ruled = GuessLabel.objects.filter(source__in=[GuessSource.CAMPAIGN, GuessSource.RULE]).values("chip_id")
        predict = list(Chip.objects.filter(Q(guess_label__isnull=True) | Q(pk__in=ruled)).order_by("id"))
        return train, predict, {}
    chips = list(Chip.objects.filter(tile=run.tile).order_by("id"))
    if not chips:
        raise _error(f"tile {run.tile_id} has no chips")
    if run.source == GuessSource.CONSENSUS:
        with default_storage.open(_consensus_file(run), "rb") as fh:
            stored = np.load(io.BytesIO(fh.read()))
            consensus = {k: stored[k] for k in stored.files}
        return chips, chips, consensus
    return chips + _extra_chips(run.tile_id, run.extra_chips), chips, {}


def _train_and_predict(run: TrainingRun, progress: Progress):
    """Everything that reads: (classifier, metrics, notices, chips, {chip: predicted (H, W) uint8}). Raises
    AppError on bad input before anything is written."""
    train_chips, predict_chips, consensus = _training_set(run)
    maps: dict[str, _MapReader | None] = {}
    sample = TrainingSample(MAX_PIXELS_PER_CLASS, seed=run.seed)
    chip_notes, max_gap = {}, campaign().guess_max_gap_days
    for chip in progress(train_chips, "features"):
        if chip.tile_id not in maps:
            row = _tile_map(chip.tile_id)
            maps[chip.tile_id] = _MapReader(row) if row else None
        reader = maps[chip.tile_id]
        if reader is None and chip.pk not in consensus:
            if run.source == GuessSource.CONSENSUS:
                continue  # a chip without final labels on a tile without a map adds nothing
            raise _error(f"tile {chip.tile_id} has no land-cover map")
        cf = _chip_features(chip)
        chip_notes[chip.pk] = {"quality": cf.quality, "gap": cf.gap_report(max_gap)}
        mapped = reader.classes(chip) if reader else np.zeros(chip.height * chip.width, np.uint8)
        sample.add(cf, mapped, consensus.get(chip.pk), width=chip.width)
    X, y, blocks = sample.arrays_with_blocks()
    if not len(y):
        raise _error("no training pixel left after filtering")
    try:
        clf, metrics = model.train(X, y, seed=run.seed, groups=blocks, human=_human(run))
    except ValueError as exc:
        raise _error(f"{run.tile_id or 'campaign'}: {exc}") from exc
    metrics["class_counts_before_filter"] = {str(k): v for k, v in sorted(sample.counts_before.items())}
    metrics["class_counts_after_filter"] = {str(k): v for k, v in sorted(sample.counts_after.items())}
    metrics["pixels_by_origin"] = sample.pixels_by_origin
    metrics["n_chips"] = len(predict_chips)
    metrics["n_extra_chips"] = len(run.extra_chips)
    metrics["n_training_chips"] = sample.chips

    predictions = {}
    for chip in progress(predict_chips, "predict"):
        cf = _chip_features(chip, required=False)
        if cf is None:
            continue  # no scene or no valid observation: nothing to predict (the rule guess stays)
        chip_notes.setdefault(chip.pk, {"quality": cf.quality, "gap": cf.gap_report(max_gap)})
        predictions[chip.id] = model.predict(clf, cf.features, cf.has_obs).reshape(chip.height, chip.width)
    metrics["chips"] = chip_notes
    run.training_sources = {**run.training_sources, **_sources(run, maps, sample)}
    return clf, metrics, _notices(run, sample, chip_notes, max_gap), predict_chips, predictions


def _human(run: TrainingRun) -> bool:
    """Does the run learn from people's labels (the forest for them, model.HUMAN_MODEL_PARAMS)?"""
    return run.source == GuessSource.CONSENSUS


def _sources(run: TrainingRun, maps: dict, sample: TrainingSample) -> dict:
    used_maps = sorted({f"{r.row.name} ({r.row.mapping_name})" for r in maps.values() if r})
    return {"land_cover_maps": used_maps, "tiles": sorted(maps), "map_pixels": sample.pixels_by_origin["map"],
            "consensus_pixels": sample.pixels_by_origin["consensus"]}


def _notices(run, sample: TrainingSample, chip_notes: dict, max_gap: int) -> list[str]:
    notices = []
    if sample.chips_without_scl:
        notices.append(f"{sample.chips_without_scl} of {sample.chips} chip(s) have no SCL (L1C): the cloud mask decided "
                       "validity and the SCL agreement filter was skipped for them")
    derived = sorted(c for c, n in chip_notes.items() if n["quality"]["derived"])
    if derived:
        notices.append(f"{len(derived)} chip(s) had scenes without any quality layer: cloud mask derived by rule "
                       f"(blue >= 0.25, NDSI < 0.4): {', '.join(derived[:10])}{' …' if len(derived) > 10 else ''}")
    for chip_id, note in sorted(chip_notes.items()):
        gap = note["gap"]
        if gap["over_limit"] > 0:
            notices.append(f"chip {chip_id}: {gap['over_limit']:.0%} of its observed pixels have a gap longer than "
                           f"{max_gap} days between valid observations (longest {gap['max_days']:.0f} days, median "
                           f"{gap['median_days']:.0f}): its features are interpolated across it")
    for n in notices:
        log.info("guess-label run %s: %s", run.pk, n)
    return notices


def _chip_features(chip: Chip, required: bool = True):
    cf = selectors.chip_features_of(chip)
    if cf is None or not cf.has_obs.any():
        if not required:
            return None
        if cf is None:
            raise _error(f"chip {chip.id} has no scenes")
        raise _error(f"chip {chip.id} has no valid observation on any of its {sum(cf.quality.values())} scene(s)")
    return cf


def _store(run: TrainingRun, clf, metrics: dict, notices: list, chips: list[Chip], predictions: dict) -> None:
    """Write model, figure and guess rasters, then the rows. Started tasks keep the guess they had."""
    folder = run.tile_id or "campaign"
    params = {**model.model_params(_human(run)), "seed": run.seed, "test_fraction": model.TEST_FRACTION,
              "max_pixels_per_class": MAX_PIXELS_PER_CLASS}
    buf = io.BytesIO()
    joblib.dump({"classifier": clf, "tile": run.tile_id, "run": run.pk, "source": run.source,
                 "features": FEATURE_LAYOUT, "params": params, "metrics": metrics,
                 "training_sources": run.training_sources, "extra_chips": run.extra_chips}, buf, compress=3)
    model_name = _overwrite(f"models/{folder}/{run.pk}.joblib", buf.getvalue())
    title = f"{'tile ' + run.tile_id if run.tile_id else 'campaign-wide model'}, run {run.pk} ({run.source})"
    plot_name = _overwrite(f"models/{folder}/{run.pk}_metrics.png", metrics_png(metrics, title))
    kept_ids = set(KeptGuess.objects.filter(task__chip__in=chips).values_list("task_id", flat=True))
    rows = []
    for chip in chips:
        if chip.id not in predictions:
            continue
        kept = [(t.row, t.col) for t in chip.tasks.all() if t.pk in kept_ids]
        old = selectors.chip_guess(chip) if kept else None
        labels = keep_task_windows(predictions[chip.id], old, kept)
        name = _overwrite(f"guess/{chip.tile_id}/{chip.id}.tif",
                          core_raster.write_label_tif(labels, chip.epsg, chip.transform))
        rows.append((chip, name, len(kept) if old is not None else 0, {str(k): v for k, v in class_counts(labels).items()}))
    with transaction.atomic():
        for chip, name, kept, counts in rows:
            GuessLabel.objects.update_or_create(chip=chip, defaults={
                "run": run, "source": run.source, "file": name, "kept_tasks": kept, "class_counts": counts})
        TrainingRun.objects.filter(pk=run.pk).update(
            model_file=model_name, plot_file=plot_name, metrics=metrics, notices=notices,
            training_sources=run.training_sources, params=params,
        )


def _overwrite(name: str, data: bytes) -> str:
    default_storage.delete(name)
    return default_storage.save(name, ContentFile(data))


# --- rule-based guesses ----------------------------------------------------------------------------------------


def guess_rules_fill(*, chip_ids: list[str] | None = None, progress: Progress = _no_progress) -> int:
    """Store the rule-based guess (guesslabels.lib.rules) of every chip (or of chip_ids) that has no guess yet, so
    that no task opens blank. Returns how many chips got one."""
    chips = Chip.objects.filter(guess_label__isnull=True).order_by("id")
    if chip_ids is not None:
        chips = chips.filter(pk__in=chip_ids)
    written = 0
    for chip in progress(list(chips), "rule guesses"):
        cf = selectors.chip_features_of(chip)
        if cf is None:
            continue  # no scene yet
        labels = rule_guess(cf).reshape(chip.height, chip.width)
        name = _overwrite(f"guess/{chip.tile_id}/{chip.id}.tif",
                          core_raster.write_label_tif(labels, chip.epsg, chip.transform))
        counts = {str(k): v for k, v in class_counts(labels).items()}
        _, created = GuessLabel.objects.get_or_create(chip=chip, defaults={
            "run": None, "source": GuessSource.RULE, "file": name, "class_counts": counts})
        written += created
    return written


# --- started tasks ---------------------------------------------------------------------------------------------


def guess_keep(*, task_id: int, source: str, run_id: int | None) -> None:
    """Keep this task's current guess (from `source`, run `run_id`, as task_guess_info reported it) through later
    runs (called by annotation on a task's first save, which has just read that guess)."""
    KeptGuess.objects.bulk_create([KeptGuess(task_id=task_id, source=source, run_id=run_id)], ignore_conflicts=True)
