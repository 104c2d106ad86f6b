"""python manage.py tile_features MCD12Q1_LC_Type1.tif --out candidates.csv — the 19 sampling features of every
Sentinel-2 tile in a MODIS land-cover raster (rules: imagery/lib/tile_features.py, docs/sampling.md), ready for
sample_tiles."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from tqdm import tqdm

from imagery.lib import geo, sampling
from imagery.lib import tile_features as core

from imagery.management.commands._files import atomic_output, check_writable


class Command(BaseCommand):
    requires_system_checks = []  # works on files only: no models, no URLs
    help = ("Write one candidate row per MGRS tile of a MODIS MCD12Q1 LC_Type1 raster (GeoTIFF, any CRS): tile_id, "
            "continent, centroid lat/lon, the share of each of the 17 IGBP classes, modis_coverage_pct.")

    def add_arguments(self, parser):
        parser.add_argument("raster", type=Path, help="MODIS land-cover raster (IGBP classes 1–17; fill 0/255)")
        parser.add_argument("--out", type=Path, required=True, help="candidate CSV for sample_tiles")
        parser.add_argument("--tiles", help="only these tiles, comma-separated (default: every tile in the raster)")
        parser.add_argument("--min-coverage", type=float, default=50.0,
                            help="drop tiles with less of their area classified in the raster (percent, default 50)")

    def handle(self, *args, raster, out, tiles, min_coverage, **options):
        check_writable(out)
        if not raster.is_file():
            raise CommandError(f"{raster}: no such file; nothing written")
        if not 0 <= min_coverage <= 100:
            raise CommandError("--min-coverage is a percentage, 0–100")
        try:
            wanted = [t for t in tiles.split(",") if t.strip()] if tiles else None
            bar = lambda boxes: tqdm(boxes, desc="tiles", unit="tile", disable=options["verbosity"] < 1)
            rows = list(core.tile_rows(raster, tiles=wanted, min_coverage_pct=min_coverage, progress=bar))
        except (core.FeatureInputError, geo.GeoError) as exc:
            raise CommandError(f"{raster}: {exc}; nothing written") from exc
        if not rows:
            raise CommandError(f"{raster}: no tile has {min_coverage:g} % of its area classified; nothing written")
        with atomic_output(out) as tmp:
            sampling.write_csv(tmp, list(core.COLUMNS), rows)
        self.stdout.write(self.style.SUCCESS(f"wrote {len(rows)} tiles to {out}; next: sample_tiles {out} --out "
                                             "sampled.csv"))
