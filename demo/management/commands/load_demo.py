"""python manage.py load_demo — ingest all the shared real sample data, demo users, assignments, references, and
train the Slovenian tile's guess labels."""

from django.core.management.base import BaseCommand, CommandError
from tqdm import tqdm

from demo.setup import DEMO_SOURCES, demo_guess_labels_train, demo_users_ensure, demo_work_assign
from imagery.services import sources_ingest
from lcnet_site.errors import AppError, command_line_message
from lcnet_site.sample_data import SampleDataMissing, shared_data_dir


class Command(BaseCommand):
    help = "Load the real Sentinel-2 sample data of ../shared/data and demo users for each role. Idempotent."

    def handle(self, *args, **opts):
        try:
            root = shared_data_dir()
        except SampleDataMissing as exc:
            raise CommandError(str(exc)) from exc
        for folder, options in DEMO_SOURCES:
            self._ingest(root / folder, options, quiet=opts["verbosity"] == 0)
        self.stdout.write("Demo logins (password = username; local demo only):")
        for username, role, created in demo_users_ensure():
            note = "" if created else "  (existing user: password unchanged)"
            self.stdout.write(f"  {role:<10} {username} / {username}{note}")
        for line in demo_work_assign():
            self.stdout.write(line)
        quiet = opts["verbosity"] == 0

        def progress(items, label):
            return tqdm(items, desc=f"guess labels: {label}", unit="chip", disable=quiet)

        for line in demo_guess_labels_train(root, progress=progress):
            self.stdout.write(line)

    def _ingest(self, folder, options, quiet):
        bar = tqdm(desc=folder.name, unit="chip", disable=quiet)

        def progress(label, total):
            bar.reset(total=total)
            return lambda result: bar.update()

        try:
            results, _ = sources_ingest(paths=[folder], progress=progress, **options)
        except AppError as exc:
            raise CommandError(f"{folder.name}: {command_line_message(exc)}") from exc
        finally:
            bar.close()
        created = sum(r.created for r in results)
        self.stdout.write(f"{folder.name}: {created} chip(s) created, {len(results) - created} unchanged")
