"""python manage.py train_guess_labels [--tile T] [--sync] [--reference PATH [--mapping CSV]] [--seed N]"""
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from tqdm import tqdm

from guesslabels import selectors, services
from guesslabels.models import RunStatus
from lcnet_site.errors import AppError, command_error


class Command(BaseCommand):
    help = "Train each tile's guess-label model and predict its chips (one Celery task per tile, or --sync)."

    def add_arguments(self, parser):
        parser.add_argument("--tile", help="only this tile (default: every tile with a reference raster)")
        parser.add_argument("--sync", action="store_true", help="run here, with progress bars, instead of Celery")
        parser.add_argument("--reference", type=Path, help="register this land-cover raster for --tile first")
        parser.add_argument("--mapping", type=Path, help="CSV mapping its codes to LandCoverNet classes "
                            "(default: guesslabels/lib/mappings/globeland30.csv)")
        parser.add_argument("--seed", type=int, default=0, help="random seed of the split and the forest")
        parser.add_argument("--extra-chips", default="", help="comma-separated chips of other tiles that add "
                            "training pixels (their tiles need a reference raster too), e.g. 36SWF_00,36SWF_01")

    def handle(self, *args, **opts):
        quiet = opts["verbosity"] == 0
        if opts["mapping"] and not opts["reference"]:
            raise CommandError("--mapping goes with --reference")
        try:
            if opts["reference"]:
                if not opts["tile"]:
                    raise CommandError("--reference needs --tile")
                ref = services.reference_register(tile_id=opts["tile"], path=opts["reference"],
                                                  mapping_path=opts["mapping"])
                self.stdout.write(f"registered {ref.file.name} for tile {ref.tile_id} ({ref.mapping_name})")
            tiles = [opts["tile"]] if opts["tile"] else selectors.reference_tile_ids()
            if not tiles:
                raise CommandError("no tile has a reference raster; register one with --tile T --reference PATH")

            extra = [c.strip() for c in opts["extra_chips"].split(",") if c.strip()]

            def progress(items, label):
                return tqdm(items, desc=label, unit="chip", disable=quiet, file=self.stderr._out)

            failed = []
            bar = tqdm(tiles, desc="tiles", unit="tile", disable=quiet or len(tiles) == 1, file=self.stderr._out)
            for tile_id in bar:
                run = services.training_run_start(tile_id=tile_id, seed=opts["seed"], extra_chip_ids=extra,
                                                  sync=opts["sync"], progress=progress)
                self.stdout.write(self._describe(run))
                failed += [run] if run.status == RunStatus.FAILED else []
        except AppError as exc:
            raise command_error(exc, " — nothing was stored") from exc
        if failed:
            raise CommandError(f"{len(failed)} run(s) failed: " + "; ".join(f"{r.tile_id}: {r.error}" for r in failed))

    def _describe(self, run) -> str:
        if run.status == RunStatus.DONE:
            acc = run.metrics["overall_accuracy"]
            lines = [f"run {run.pk} tile {run.tile_id}: done, held-out accuracy {acc:.1%} "
                     f"(balanced {run.metrics['balanced_accuracy']:.1%}) on {run.metrics['n_test']} px, "
                     f"{run.metrics['n_chips']} chip(s) predicted; figure {run.plot_file.name}"]
            lines += [f"  notice: {n}" for n in run.notices]
            return "\n".join(lines)
        if run.status == RunStatus.FAILED:
            return f"run {run.pk} tile {run.tile_id}: failed: {run.error}"
        return f"run {run.pk} tile {run.tile_id}: {run.status} (Celery; watch it in the admin)"
