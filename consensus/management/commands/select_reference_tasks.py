"""python manage.py select_reference_tasks [--count N (default: the campaign's reference_tasks)] [--seed 0]"""
from django.core.management.base import BaseCommand
from tqdm import tqdm

from annotation.models import ReferenceTask
from lcnet_site.campaign import campaign

from consensus.reference_policy import reference_tasks_place


class Command(BaseCommand):
    help = ("Top reference tasks up to --count, given to experts in turn: a share on the chips of annotators whose "
            "accuracy is still uncertain, the rest stratified over tiles and chips (seeded).")

    def add_arguments(self, parser):
        parser.add_argument("--count", type=int, default=None,
                            help="total reference tasks wanted (default: the campaign's reference_tasks; paper: ~540)")
        parser.add_argument("--seed", type=int, default=0)

    def handle(self, *args, count, seed, **options):
        count = campaign().reference_tasks if count is None else count
        if count < 0:
            self.stderr.write("--count must be >= 0")
            raise SystemExit(2)
        created = reference_tasks_place(
            count=count, seed=seed, progress=lambda it: tqdm(it, desc="reference tasks", unit="task")
        )
        total = ReferenceTask.objects.count()
        self.stdout.write(f"created {len(created)} reference tasks; {total} in total (target {count})")
