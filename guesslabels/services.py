"""Writers of the guesslabels app: register a reference raster, start and execute a training run."""

from __future__ import annotations

import io
import logging
from collections.abc import Callable, Iterable
from pathlib import Path

import joblib
import numpy as np
from django.conf import settings
from django.core.files.base import ContentFile, File
from django.core.files.storage import default_storage
from django.db import IntegrityError, transaction
from django.utils import timezone

from imagery.models import Chip, Task, Tile
from imagery.selectors import read_chip_stack
from imagery.stored_files import stored_raster
from lcnet_site.errors import AppError

from guesslabels.lib import raster as core_raster, model
from guesslabels.lib.pipeline import MAX_PIXELS_PER_CLASS, TrainingSample, keep_task_windows
from guesslabels.lib.features import FEATURE_LAYOUT, ClassMapping, chip_features, class_counts
from guesslabels.models import GuessLabel, KeptGuess, ReferenceRaster, RunStatus, TrainingRun
from guesslabels.lib.plots import metrics_png
from guesslabels.selectors import read_guess
from guesslabels.tasks import train_guess_labels_task

log = logging.getLogger(__name__)

Progress = Callable[[Iterable, str], Iterable]  # wraps an iterable (the command passes tqdm)


class GuessLabelError(AppError, ValueError):
    """Bad input for a guess-label run: the message says what to fix. Nothing has been written.
    (A ValueError too: the checks that wrap the pure cores' ValueErrors also word this one with its context.)"""

    code = "invalid_guess_input"


def _no_progress(items, label):
    return items


# --- reference rasters -----------------------------------------------------------------------------------------


def reference_register(*, tile_id: str, path: str | Path, mapping_path: str | Path | None = None) -> ReferenceRaster:
    """Check a reference raster against the tile's chips and mapping table, then store it (replacing any earlier).

    Raises GuessLabelError (nothing stored) when the tile is unknown, the file unreadable, the grid or CRS differs
    from a chip's, or the raster holds codes the mapping table lacks."""
    tile = Tile.objects.filter(pk=tile_id).first()
    if tile is None:
        raise GuessLabelError(f"no tile {tile_id!r}; ingest its chips first")
    path = Path(path)
    mapping_path = Path(mapping_path) if mapping_path else None
    try:
        mapping = ClassMapping.from_csv(mapping_path or _default_mapping())
        ref = core_raster.describe_reference(path)
        chips = list(tile.chips.all())
        if not chips:
            raise GuessLabelError(f"tile {tile_id} has no chips")
        for chip in chips:
            codes, inside = _reference_codes(path, ref, chip)
            mapping.apply(codes[inside])
    except ValueError as exc:
        raise GuessLabelError(f"reference {path.name} for tile {tile_id}: {exc}") from exc
    name = f"references/{tile_id}/{path.name}"
    with transaction.atomic():
        old = ReferenceRaster.objects.select_for_update().filter(tile=tile).first()
        if old and old.file.name:
            default_storage.delete(old.file.name)
        default_storage.delete(name)
        with path.open("rb") as fh:  # streamed: a whole-tile reference can be large
            stored = default_storage.save(name, File(fh))
        pairs = {str(int(c)): int(t) for c, t in zip(mapping.source_codes, mapping.target_classes)}
        reference, _ = ReferenceRaster.objects.update_or_create(
            tile=tile, defaults={"file": stored, "source": str(path)[:500], "mapping_name": mapping.name,
                                 "mapping": pairs},
        )
    return reference


def _default_mapping() -> Path:
    from guesslabels.lib.features import DEFAULT_MAPPING

    return Path(settings.LCNET_GUESS_MAPPING or DEFAULT_MAPPING)


def _reference_codes(path, ref: dict, chip: Chip):
    try:
        return core_raster.read_reference_window(path, ref, chip.epsg, chip.transform, (chip.height, chip.width))
    except core_raster.GridMismatch as exc:
        raise GuessLabelError(f"chip {chip.id}: {exc}") from exc


# --- runs ------------------------------------------------------------------------------------------------------


def training_run_start(*, tile_id: str, seed: int = 0, extra_chip_ids: list[str] | None = None, sync: bool = False,
                       progress: Progress = _no_progress) -> TrainingRun:
    """Queue a run for a tile (Celery, started on commit), or execute it here when sync. extra_chip_ids: chips of
    other tiles (each tile with its reference raster) that add training pixels.

    Raises GuessLabelError when the tile is unknown, a tile has no reference raster or a run is already queued."""
    tile = Tile.objects.filter(pk=tile_id).first()
    if tile is None:
        raise GuessLabelError(f"no tile {tile_id!r}")
    extra = _extra_chips(tile_id, extra_chip_ids or [])
    for needed in [tile_id] + sorted({c.tile_id for c in extra}):
        if not ReferenceRaster.objects.filter(tile_id=needed).exists():
            raise GuessLabelError(
                f"tile {needed} has no reference raster; register one: "
                f"train_guess_labels --tile {needed} --reference PATH [--mapping CSV]"
            )
    try:
        with transaction.atomic():
            run = TrainingRun.objects.create(tile=tile, seed=seed, extra_chips=[c.pk for c in extra])
    except IntegrityError:
        active = TrainingRun.objects.filter(tile=tile, status__in=[RunStatus.QUEUED, RunStatus.RUNNING]).first()
        raise GuessLabelError(
            f"tile {tile_id} already has run {active.pk if active else '?'} {active.status if active else 'active'}"
        ) from None
    if sync:
        return training_run_execute(run_id=run.pk, progress=progress)

    transaction.on_commit(lambda: train_guess_labels_task.delay(run.pk))
    return run


def _extra_chips(tile_id: str, chip_ids: list[str]) -> list[Chip]:
    chips = list(Chip.objects.filter(pk__in=chip_ids).order_by("id"))
    missing = sorted(set(chip_ids) - {c.pk for c in chips})
    if missing:
        raise GuessLabelError(f"no chip(s) {', '.join(missing)} for extra training")
    own = [c.pk for c in chips if c.tile_id == tile_id]
    if own:
        raise GuessLabelError(f"{', '.join(own)} already belong to tile {tile_id}: every chip of a tile trains")
    return chips


def training_run_execute(*, run_id: int, progress: Progress = _no_progress) -> TrainingRun:
    """Train the tile's model, predict every chip, store model, figure and guess rasters. Idempotent: a finished
    run is left as it is; a queued or interrupted one runs (again) from the start with the same seed.

    Bad input ends the run as failed with its message and writes nothing."""
    run = TrainingRun.objects.select_related("tile").get(pk=run_id)
    if run.status in (RunStatus.DONE, RunStatus.FAILED):
        return run
    TrainingRun.objects.filter(pk=run.pk).update(status=RunStatus.RUNNING, started_at=timezone.now())
    try:
        result = _train_and_predict(run, progress)
    except GuessLabelError as exc:
        return _finish(run, RunStatus.FAILED, error=str(exc))
    except Exception as exc:
        _finish(run, RunStatus.FAILED, error=f"unexpected error: {exc!r}")
        raise
    _store(run, *result)
    return _finish(run, RunStatus.DONE)


def _finish(run: TrainingRun, status: str, error: str = "") -> TrainingRun:
    TrainingRun.objects.filter(pk=run.pk).update(status=status, error=error, finished_at=timezone.now())
    if error:
        log.warning("guess-label run %s of tile %s failed: %s", run.pk, run.tile_id, error)
    run.refresh_from_db()
    return run


def _train_and_predict(run: TrainingRun, progress: Progress):
    """Everything that reads: (classifier, metrics, notices, {chip: predicted (H, W) uint8}). Raises
    GuessLabelError on bad input before anything is written."""
    tile = run.tile
    chips = list(Chip.objects.filter(tile=tile).order_by("id"))
    if not chips:
        raise GuessLabelError(f"tile {tile.id} has no chips")
    extra = _extra_chips(tile.id, run.extra_chips)
    references = {}
    sample = TrainingSample(MAX_PIXELS_PER_CLASS, seed=run.seed)
    for chip in progress(chips + extra, "features"):
        if chip.tile_id not in references:
            references[chip.tile_id] = _reference(chip.tile_id)
        cf = _chip_features(chip)
        sample.add(cf, _mapped_reference(chip, *references[chip.tile_id]))
    run.reference_name = ", ".join(ref.file.name for ref, _, _, _ in references.values())
    notices = []
    if sample.chips_without_scl:
        notices.append(
            f"{sample.chips_without_scl} of {sample.chips} chip(s) have no SCL (L1C): the cloud mask decided "
            "validity and the SCL agreement filter was skipped for them"
        )
        log.info("guess-label run %s: %s", run.pk, notices[-1])
    X, y = sample.arrays()
    try:
        clf, metrics = model.train(X, y, seed=run.seed)
    except ValueError as exc:
        raise GuessLabelError(f"tile {tile.id}: {exc}") from exc
    metrics["class_counts_before_filter"] = {str(k): v for k, v in sorted(sample.counts_before.items())}
    metrics["class_counts_after_filter"] = {str(k): v for k, v in sorted(sample.counts_after.items())}
    metrics["n_chips"] = len(chips)
    metrics["n_extra_chips"] = len(extra)

    predictions = {}
    for chip in progress(chips, "predict"):
        cf = _chip_features(chip)
        predictions[chip.id] = model.predict(clf, cf.features, cf.has_obs).reshape(chip.height, chip.width)
    return clf, metrics, notices, chips, predictions


def _reference(tile_id: str):
    """(row, mapping, stored name, raster description) of a tile's reference raster."""
    reference = ReferenceRaster.objects.filter(tile_id=tile_id).first()
    if reference is None:
        raise GuessLabelError(f"tile {tile_id} has no reference raster")
    mapping = ClassMapping.from_pairs({int(k): v for k, v in reference.mapping.items()}, reference.mapping_name)
    try:
        with stored_raster(reference.file.name) as source:
            return reference, mapping, reference.file.name, core_raster.describe_reference(source)
    except ValueError as exc:
        raise GuessLabelError(str(exc)) from exc


def _mapped_reference(chip: Chip, reference, mapping: ClassMapping, name: str, ref: dict) -> np.ndarray:
    """(N,) uint8 LandCoverNet classes of the reference under the chip (0 outside it or at its nodata); on S3 only
    the blocks under the chip are read, however large the map."""
    with stored_raster(name) as source:
        codes, inside = _reference_codes(source, ref, chip)
    try:
        mapped = mapping.apply(np.where(inside, codes, mapping.source_codes[0]))
    except ValueError as exc:
        raise GuessLabelError(f"chip {chip.id}: {exc}") from exc
    return np.where(inside, mapped, 0).astype(np.uint8).ravel()


def _chip_features(chip: Chip):
    stack, dates = read_chip_stack(chip)
    if not dates:
        raise GuessLabelError(f"chip {chip.id} has no scenes")
    cf = chip_features(stack, dates)
    if not cf.has_obs.any():
        raise GuessLabelError(f"chip {chip.id} has no valid observation on any of its {len(dates)} scene(s)")
    return cf


def _store(run: TrainingRun, clf, metrics: dict, notices: list, chips: list[Chip], predictions: dict) -> None:
    """Write model, figure and guess rasters, then the rows. Edited tasks keep the guess they had."""
    tile_id = run.tile_id
    params = {**model.MODEL_PARAMS, "seed": run.seed, "test_fraction": model.TEST_FRACTION,
              "max_pixels_per_class": MAX_PIXELS_PER_CLASS}
    buf = io.BytesIO()
    joblib.dump({"classifier": clf, "tile": tile_id, "run": run.pk, "features": FEATURE_LAYOUT, "params": params,
                 "metrics": metrics, "reference": run.reference_name, "extra_chips": run.extra_chips}, buf, compress=3)
    model_name = _overwrite(f"models/{tile_id}/{run.pk}.joblib", buf.getvalue())
    plot_name = _overwrite(
        f"models/{tile_id}/{run.pk}_metrics.png", metrics_png(metrics, f"tile {tile_id}, run {run.pk}")
    )
    edited = _edited_task_ids(chips)
    rows = []
    for chip in chips:
        kept = [(t.row, t.col) for t in chip.tasks.all() if t.pk in edited]
        old = GuessLabel.objects.filter(chip=chip).first()
        labels = keep_task_windows(predictions[chip.id], read_guess(old) if (old and kept) else None, kept)
        name = _overwrite(f"guess/{tile_id}/{chip.id}.tif", core_raster.write_label_tif(labels, chip.epsg,
                                                                                       chip.transform))
        counts = {str(k): v for k, v in class_counts(labels).items()}
        rows.append((chip, name, len(kept) if old else 0, counts))
    with transaction.atomic():
        for chip, name, kept, counts in rows:
            GuessLabel.objects.update_or_create(
                chip=chip, defaults={"run": run, "file": name, "kept_tasks": kept, "class_counts": counts}
            )
        TrainingRun.objects.filter(pk=run.pk).update(
            model_file=model_name, plot_file=plot_name, metrics=metrics, notices=notices,
            reference_name=run.reference_name, params=params,
        )


def _overwrite(name: str, data: bytes) -> str:
    default_storage.delete(name)
    return default_storage.save(name, ContentFile(data))


def _edited_task_ids(chips: list[Chip]) -> set[int]:
    """Tasks someone started labeling (annotation told us through guess_keep): their guess stays."""
    return set(KeptGuess.objects.filter(task__chip__in=chips).values_list("task_id", flat=True))


def guess_keep(*, task_id: int) -> None:
    """Keep this task's current guess through later runs (called by annotation on a task's first save)."""
    KeptGuess.objects.bulk_create([KeptGuess(task_id=task_id)], ignore_conflicts=True)
