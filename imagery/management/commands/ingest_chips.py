"""python manage.py ingest_chips SOURCE... — real Sentinel-2 rasters to chips, scenes (COGs) and tasks."""

from argparse import ArgumentTypeError
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from tqdm import tqdm

from imagery.services import sources_ingest
from imagery.lib.sources import SourceError, parse_date
from lcnet_site.errors import AppError, command_error


def _indexes(text: str) -> list[int]:
    try:
        return [int(v) for v in text.split(",") if v.strip()]
    except ValueError as exc:  # argparse turns this into a usage error (a CommandError would print a traceback)
        raise ArgumentTypeError(f"--chips takes comma-separated chip indexes like 0,3 (got {text!r})") from exc


class Command(BaseCommand):
    help = "Ingest Sentinel-2 rasters (files or folders) as 256×256 chips; idempotent, all-or-nothing."

    def add_arguments(self, parser):
        parser.add_argument("sources", nargs="+", type=Path, help="files or folders (see docs/ingest.md)")
        parser.add_argument("--date", help="acquisition date for sources without one in name or tags (YYYY-MM-DD)")
        parser.add_argument("--chip-id", help="id for a single chip whose file name carries none, e.g. 36SWF_00")
        parser.add_argument("--tile", help="MGRS tile the chips must lie in, e.g. 36SWF (default: from the grid)")
        parser.add_argument("--chips", type=_indexes, help="only these chips of a cut raster, row-major: 0,3")
        parser.add_argument("--max-chips", type=int, help="at most N chips of each source")
        parser.add_argument("--continent", help="override the continent computed from the chip centre")
        parser.add_argument("--dn-offset", type=int, default=0,
                            help="add to reflectance DNs: -1000 for L2A from processing baseline 04.00 (2022 on)")

    def handle(self, *args, **opts):
        bars = []

        def progress(label, total):
            bars.append(tqdm(total=total, desc=label, unit="chip", disable=opts["verbosity"] == 0))
            return lambda result: bars[-1].update()

        try:
            day = parse_date(opts["date"], "--date") if opts["date"] else None
            results, ignored = sources_ingest(
                paths=opts["sources"], date=day, chip_id=opts["chip_id"], tile=opts["tile"], chips=opts["chips"],
                max_chips=opts["max_chips"], continent=opts["continent"], dn_offset=opts["dn_offset"],
                progress=progress,
            )
        except SourceError as exc:  # --date
            raise CommandError(f"{exc} — nothing was stored") from exc
        except AppError as exc:
            raise command_error(exc, " — nothing was stored") from exc
        finally:
            for bar in bars:
                bar.close()
        if opts["verbosity"] > 1:
            for path in ignored:
                self.stdout.write(f"ignored {path} (not imagery of a known layout)")
        for r in results:
            state = "created" if r.created else "unchanged"
            self.stdout.write(f"{state} {r.chip_id}: {r.n_scenes} scene(s), {r.n_tasks_with_data}/64 tasks with data")
        created = sum(r.created for r in results)
        self.stdout.write(self.style.SUCCESS(
            f"{created} chip(s) created, {len(results) - created} unchanged" if created else
            f"unchanged: all {len(results)} chip(s) were already ingested"))
