"""python manage.py export_labels OUT_DIR [--tile T] [--min-score-pct S] [--partial] [--base-url URL]"""
from urllib.parse import urlsplit

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from tqdm import tqdm

from export.files import write_tree
from consensus.run_selectors import get_run
from export.selectors import ExportFilters, export_run, exportable_chips
from lcnet_site.errors import AppError
from imagery.lib.geo import GeoError, parse_tile_id


class Command(BaseCommand):
    help = (
        "Write the final labels as LandCoverNet-style files: <item>/labels.tif, source_dates.csv, stac.json per "
        "chip, collection.json and summary.csv. Resumable: chips already written with the same content are skipped."
    )

    def add_arguments(self, parser):
        parser.add_argument("out_dir")
        parser.add_argument("--tile", help="only chips of this MGRS tile, e.g. 32NLP")
        parser.add_argument("--min-score-pct", type=float, help="minimum mean consensus score of a chip, percent 0-100")
        parser.add_argument("--partial", action="store_true", help="also chips whose consensus is not complete")
        parser.add_argument("--run", type=int, help="consensus run to export (default: the one chosen for export in "
                            "the admin, else the live run)")
        parser.add_argument(
            "--base-url", help="origin of this server, e.g. https://lcnet.example.org: the STAC source links download "
            "the scenes from there (default: setting LCNET_PUBLIC_URL)",
        )

    def handle(self, *args, out_dir, tile, min_score_pct, partial, base_url, run=None, **options):
        base = (base_url or settings.LCNET_PUBLIC_URL).rstrip("/")
        parts = urlsplit(base)
        if parts.scheme not in ("http", "https") or not parts.netloc or parts.query or parts.fragment:
            raise CommandError(
                "--base-url (or LCNET_PUBLIC_URL) must be the server's origin, e.g. https://lcnet.example.org: "
                "the STAC source links are absolute URLs of the scene downloads"
            )
        try:
            tile = parse_tile_id(tile) if tile else None
        except GeoError as exc:
            raise CommandError(f"--tile: {exc}") from None
        if min_score_pct is not None and not 0 <= min_score_pct <= 100:
            raise CommandError("--min-score-pct must lie between 0 and 100 (percent)")
        filters = ExportFilters(tile=tile, min_score_pct=min_score_pct, partial=partial)
        try:
            run = get_run(run) if run is not None else export_run()
        except AppError as exc:
            raise CommandError(str(exc)) from None
        chips = exportable_chips(filters, run)
        total = len(chips) if isinstance(chips, list) else chips.count()
        bar = lambda chips: tqdm(chips, total=total, unit="chip", disable=options["verbosity"] == 0)  # noqa: E731
        result = write_tree(out_dir, filters, base=base, progress=bar, run=run)
        self.stdout.write(
            f"{result['chips']} chips of consensus run {run.pk if run else '-'} in {out_dir}: {result['written']} written, "
            f"{result['skipped']} unchanged and skipped"
        )
