"""python manage.py compute_consensus [--method bayes|dawid-skene] [--tile T] [--full] [--new-run [--note N]]
python manage.py compute_consensus --reproduce RUN"""
from django.core.management.base import BaseCommand, CommandError

from consensus import run_selectors, runs, selectors, services
from consensus.models import Method
from consensus.reproduce import run_reproduce
from imagery.models import Tile
from lcnet_site.errors import AppError, command_error


class Command(BaseCommand):
    help = ("Recompute annotator accuracies (re-weighing the tasks they change), then the consensus of every task "
            "with three submissions whose submissions changed since it was stored (--full: every one), in the live "
            "run (--new-run: in a new run; the live one is kept as it is). --reproduce RUN recomputes a run from what "
            "it recorded and compares bytes. Idempotent.")

    def add_arguments(self, parser):
        parser.add_argument("--method", choices=Method.values, help="default: the campaign's consensus_method")
        parser.add_argument("--tile", help="only this tile's tasks (e.g. 32NLP)")
        parser.add_argument("--full", action="store_true",
                            help="recompute every task, not only those whose submissions changed")
        parser.add_argument("--new-run", action="store_true", help="freeze the live run and compute into a new one")
        parser.add_argument("--note", default="", help="with --new-run: why (shown in the admin)")
        parser.add_argument("--reproduce", type=int, metavar="RUN",
                            help="recompute run RUN from its recorded inputs; fails unless every byte is identical")

    def handle(self, *args, method=None, tile=None, full=False, new_run=False, note="", reproduce=None, **options):
        if reproduce is not None:
            return self._reproduce(reproduce)
        if tile is not None and not Tile.objects.filter(pk=tile).exists():
            raise CommandError(f"unknown tile {tile!r}")
        try:
            method = services.consensus_method(method)
        except AppError as exc:
            raise command_error(exc) from exc
        if new_run:
            run = runs.consensus_run_start(method=method, note=note[:200])
            self.stdout.write(f"run {run.pk} started (parent {run.parent_id})")
        changed = services.annotator_accuracies_recompute()
        written = services.consensus_reweigh(changed) if method == Method.BAYES else 0
        written += services.consensus_recompute(method=method, tile_id=tile, progress=True, only_changed=not full)
        self.stdout.write(
            f"{method}: {len(changed)} annotator accuracies changed; {written} consensus labels written or removed; "
            f"{selectors.consensus_count(tile)} tasks have consensus"
        )
        fits = runs.run_calibrate()
        if not fits:
            self.stdout.write(f"calibration: fewer than {runs.MIN_CALIBRATION_TASKS} reference tasks with every "
                              "submission yet: no calibrated confidence")
        for name, fit in fits.items():
            self.stdout.write(f"calibration {name}: held-out ECE {fit['ece']:.4f} (score as it is: "
                              f"{fit['ece_uncalibrated']:.4f}) on {fit['n_reference_tasks']} reference tasks")

    def _reproduce(self, run_id):
        try:
            run = run_selectors.get_run(run_id)
        except AppError as exc:
            raise command_error(exc) from exc
        result = run_reproduce(run)
        if result["differ"]:
            raise CommandError(f"run {run.pk}: {len(result['differ'])} of {result['tasks']} tasks differ when "
                               f"recomputed from their recorded inputs (first: {result['differ'][:10]})")
        self.stdout.write(f"run {run.pk}: {result['tasks']} tasks recomputed from their recorded inputs: "
                          f"identical bytes")
