"""python manage.py train_guess_labels [--map PATH ... [--mapping PRODUCT|CSV]] [--tile T] [--campaign] [--rules]
[--sync] [--seed N] [--extra-chips C,...]"""
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from tqdm import tqdm

from guesslabels import selectors, services
from guesslabels.models import RunStatus
from lcnet_site.errors import AppError, command_error


class Command(BaseCommand):
    help = ("Train guess-label models and predict chips: each tile's own model on its land-cover map (one Celery "
            "task per tile, or --sync), the campaign-wide model (--campaign), rule-based guesses where none (--rules).")

    def add_arguments(self, parser):
        parser.add_argument("--tile", action="append", help="only this tile (repeatable; default: every tile a "
                            "land-cover map covers)")
        parser.add_argument("--sync", action="store_true", help="run here, with progress bars, instead of Celery")
        parser.add_argument("--map", nargs="+", type=Path, help="register this land-cover map first: a GeoTIFF in any "
                            "CRS and resolution, several tiles of one map, or a VRT; it trains every tile it covers")
        parser.add_argument("--mapping", help="its mapping table: a product (globeland30, worldcover, esa_cci, "
                            "modis_igbp, dynamic_world, eolearn_lulc) or a CSV path (default: the campaign's)")
        parser.add_argument("--seed", type=int, default=0, help="random seed of the split and the forest")
        parser.add_argument("--extra-chips", default="", help="comma-separated chips of other tiles that add "
                            "training pixels (their tiles need a land-cover map too), e.g. 36SWF_00,36SWF_01")
        parser.add_argument("--campaign", action="store_true", help="then train the campaign-wide model for the "
                            "chips that have only a rule-based guess")
        parser.add_argument("--rules", action="store_true", help="only store rule-based guesses for chips without "
                            "any guess (no training)")

    def handle(self, *args, **opts):
        quiet = opts["verbosity"] == 0
        if opts["mapping"] and not opts["map"]:
            raise CommandError("--mapping goes with --map")

        def progress(items, label):
            return tqdm(items, desc=label, unit="chip", disable=quiet, file=self.stderr._out)

        failed = []
        try:
            if opts["rules"]:
                n = services.guess_rules_fill(progress=progress)
                self.stdout.write(f"rule-based guesses stored for {n} chip(s)")
                return
            tiles = opts["tile"]
            if opts["map"]:
                row = services.land_cover_map_register(paths=opts["map"], mapping=opts["mapping"], tile_ids=tiles)
                covered = sorted(t.pk for t in row.tiles.all())
                self.stdout.write(f"registered land-cover map {row.name} ({row.mapping_name}) for tile(s) "
                                  f"{', '.join(covered)}")
                tiles = tiles or covered
            if not opts["campaign"] or tiles or opts["map"]:
                tiles = tiles or selectors.land_cover_map_tile_ids()
                if not tiles:
                    raise CommandError("no tile has a land-cover map; register one with --map PATH [--mapping ...]")
                extra = [c.strip() for c in opts["extra_chips"].split(",") if c.strip()]
                bar = tqdm(tiles, desc="tiles", unit="tile", disable=quiet or len(tiles) == 1, file=self.stderr._out)
                for tile_id in bar:
                    run = services.training_run_start(tile_id=tile_id, seed=opts["seed"], extra_chip_ids=extra,
                                                      sync=opts["sync"], progress=progress)
                    self.stdout.write(self._describe(run))
                    failed += [run] if run.status == RunStatus.FAILED else []
            if opts["campaign"]:
                run = services.campaign_run_start(seed=opts["seed"], sync=opts["sync"], progress=progress)
                self.stdout.write(self._describe(run))
                failed += [run] if run.status == RunStatus.FAILED else []
        except AppError as exc:
            raise command_error(exc, " — nothing was stored") from exc
        if failed:
            raise CommandError(f"{len(failed)} run(s) failed: " + "; ".join(f"{r.tile_id or 'campaign'}: {r.error}"
                                                                          for r in failed))

    def _describe(self, run) -> str:
        who = f"tile {run.tile_id}" if run.tile_id else "campaign-wide model"
        if run.status == RunStatus.DONE:
            m = run.metrics
            random = (m.get("random_pixel") or {}).get("overall_accuracy")
            lines = [f"run {run.pk} {who} ({run.source}): done, held-out accuracy {m['overall_accuracy']:.1%} "
                     f"(spatial split; balanced {m['balanced_accuracy']:.1%}; random-pixel "
                     f"{'—' if random is None else f'{random:.1%}'}) on {m['n_test']} px, "
                     f"{len(run.guess_labels.all())} chip(s) predicted; figure {run.plot_file.name}"]
            lines += [f"  notice: {n}" for n in run.notices]
            return "\n".join(lines)
        if run.status == RunStatus.FAILED:
            return f"run {run.pk} {who}: failed: {run.error}"
        return f"run {run.pk} {who}: {run.status} (Celery; watch it in the admin)"
