"""python manage.py compute_consensus [--method bayes|dawid-skene] [--tile T]"""
from django.core.management.base import BaseCommand, CommandError

from consensus import selectors, services
from consensus.models import Method
from imagery.models import Tile


class Command(BaseCommand):
    help = "Recompute annotator scores, then the consensus of every task with three submissions (idempotent)."

    def add_arguments(self, parser):
        parser.add_argument("--method", choices=Method.values, help="default: the campaign's consensus_method")
        parser.add_argument("--tile", help="only this tile's tasks (e.g. 32NLP)")

    def handle(self, *args, method=None, tile=None, **options):
        if tile is not None and not Tile.objects.filter(pk=tile).exists():
            raise CommandError(f"unknown tile {tile!r}")
        method = services.consensus_method(method)
        changed = services.annotator_accuracies_recompute()
        written = services.consensus_recompute(method=method, tile_id=tile, progress=True)
        self.stdout.write(
            f"{method}: {len(changed)} annotator accuracies changed; {written} consensus labels written or removed; "
            f"{selectors.consensus_count(tile)} tasks have consensus"
        )
