"""python manage.py compute_consensus [--method bayes|dawid-skene] [--tile T] [--full]"""
from django.core.management.base import BaseCommand, CommandError

from consensus import selectors, services
from consensus.models import Method
from imagery.models import Tile
from lcnet_site.errors import AppError, command_error


class Command(BaseCommand):
    help = ("Recompute annotator accuracies (re-weighing the tasks they change), then the consensus of every task "
            "with three submissions whose submissions changed since it was stored (--full: every one). Idempotent.")

    def add_arguments(self, parser):
        parser.add_argument("--method", choices=Method.values, help="default: the campaign's consensus_method")
        parser.add_argument("--tile", help="only this tile's tasks (e.g. 32NLP)")
        parser.add_argument("--full", action="store_true",
                            help="recompute every task, not only those whose submissions changed")

    def handle(self, *args, method=None, tile=None, full=False, **options):
        if tile is not None and not Tile.objects.filter(pk=tile).exists():
            raise CommandError(f"unknown tile {tile!r}")
        try:
            method = services.consensus_method(method)
        except AppError as exc:
            raise command_error(exc) from exc
        changed = services.annotator_accuracies_recompute()
        written = services.consensus_reweigh(changed) if method == Method.BAYES else 0
        written += services.consensus_recompute(method=method, tile_id=tile, progress=True, only_changed=not full)
        self.stdout.write(
            f"{method}: {len(changed)} annotator accuracies changed; {written} consensus labels written or removed; "
            f"{selectors.consensus_count(tile)} tasks have consensus"
        )
