"""python manage.py acquire_chips WINDOWS.csv --year 2018 --catalog earth-search — a year of Sentinel-2 per chip
from a STAC API: the 24-scene selection on each chip's SCL window, windowed COG reads, stored by the ingest path.
Rules and options: docs/acquisition.md."""

from collections import defaultdict
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from tqdm import tqdm

from imagery import services
from imagery.lib import acquisition as core
from imagery.lib.domain import BANDS
from imagery.lib.stac_catalog import CatalogError, catalog_from
from lcnet_site.errors import AppError

MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


def _numbers(text: str, n: int, what: str) -> list[float]:
    try:
        values = [float(v) for v in text.split(",")]
    except ValueError:
        values = []
    if len(values) != n:
        raise CommandError(f"{what} takes {n} comma-separated numbers (got {text!r})")
    return values


class Command(BaseCommand):
    help = ("Acquire a year of Sentinel-2 L2A for chips from a STAC API (Earth Search, Planetary Computer or any "
            "catalog with an asset mapping): 24 scenes per chip chosen on the chip's own SCL window, only the "
            "chip's window of each COG read. Resumable: chips already acquired are skipped without any request.")

    def add_arguments(self, parser):
        parser.add_argument("windows", nargs="?", type=Path, help="chip windows CSV written by select_chips")
        parser.add_argument("--chip-id", help="one chip, <tile>_<nn>, with --bounds (or --point)")
        parser.add_argument("--bounds", help="minx,miny,maxx,maxy of one chip in --epsg metres (2560 m a side)")
        parser.add_argument("--epsg", type=int, help="UTM EPSG code of --bounds")
        parser.add_argument("--point", help="lon,lat: the chip of the tile's 256 px grid holding this point")
        parser.add_argument("--year", type=int, required=True)
        parser.add_argument("--catalog", default="earth-search",
                            help="earth-search (default), planetary-computer, or a STAC API URL")
        parser.add_argument("--stac-url", help="serve a preset's collection and asset keys from this URL instead")
        parser.add_argument("--collection", help="collection id (default: the preset's, else sentinel-2-l2a)")
        parser.add_argument("--asset-map", help='asset keys: a preset name or JSON like {"B02": "blue", "SCL": "scl"}')
        parser.add_argument("--background", action="store_true",
                            help="one Celery task per chip (a campaign spreads over the workers); waits for them")
        parser.add_argument("--no-wait", action="store_true", help="with --background: queue the tasks and return")
        parser.add_argument("--workers", type=int, help="concurrent layer reads per chip (default 8)")
        parser.add_argument("--attempts", type=int, help="tries per layer read before a chip fails (default 4)")

    def handle(self, *args, **opts):
        requests = self._requests(opts)
        try:
            catalog = catalog_from(opts["catalog"], collection=opts["collection"], asset_map=opts["asset_map"],
                                   url=opts["stac_url"])
        except CatalogError as exc:
            raise CommandError(str(exc)) from exc
        if opts["workers"] is not None and opts["workers"] < 1 or opts["attempts"] is not None and opts["attempts"] < 1:
            raise CommandError("--workers and --attempts must be at least 1")
        quiet = opts["verbosity"] == 0
        by_tile = defaultdict(list)
        for r in requests:
            by_tile[r.tile].append(r.chip_id)
        self.stdout.write(f"{len(requests)} chip(s) in {len(by_tile)} tile(s), {opts['year']}, "
                          f"{catalog.collection} at {catalog.url}")
        if opts["background"]:
            results = self._background(requests, opts["year"], catalog, opts["no_wait"], quiet)
            if results is None:
                return
        else:
            results = self._inline(requests, opts, catalog, quiet)
        self._report(results, by_tile)

    def _requests(self, opts) -> list[core.ChipRequest]:
        given = [opts["windows"] is not None, opts["bounds"] is not None, opts["point"] is not None]
        if sum(given) != 1:
            raise CommandError("give the chips one way: a windows CSV, --chip-id with --bounds and --epsg, or --point")
        try:
            if opts["windows"] is not None:
                return core.chips_from_windows(opts["windows"])
            if opts["bounds"] is not None:
                if not opts["chip_id"] or not opts["epsg"]:
                    raise CommandError("--bounds needs --chip-id and --epsg")
                return [core.chip_request(opts["chip_id"], opts["epsg"], _numbers(opts["bounds"], 4, "--bounds"))]
            lon, lat = _numbers(opts["point"], 2, "--point")
            return [core.chip_at_point(lon, lat, opts["chip_id"])]
        except core.AcquisitionError as exc:
            raise CommandError(f"{exc}; nothing stored") from exc

    def _inline(self, requests, opts, catalog, quiet) -> list[dict]:
        results = []
        layers = tqdm(desc="layers", unit="layer", disable=quiet, position=1, leave=False)
        for request in tqdm(requests, desc="chips", unit="chip", disable=quiet, position=0):
            layers.reset(total=None)
            layers.set_description(f"{request.chip_id} layers")
            try:
                result = services.chip_acquire(request=request, year=opts["year"], catalog=catalog,
                                               workers=opts["workers"], attempts=opts["attempts"],
                                               on_layer=lambda read: layers.update())
                results.append(vars(result) | {"tile": request.tile})
            except AppError as exc:
                results.append({"chip_id": request.chip_id, "tile": request.tile, "state": "failed",
                                "error": exc.message})
        layers.close()
        return results

    def _background(self, requests, year, catalog, no_wait, quiet) -> list[dict] | None:
        from celery.result import allow_join_result

        from imagery.tasks import chip_acquire

        pending = [chip_acquire.delay(r.as_dict(), year, catalog.as_dict()) for r in requests]
        if no_wait:
            self.stdout.write(self.style.SUCCESS(f"queued {len(pending)} chip task(s); rerun without --no-wait "
                                                 "(or with it again) to see what is stored"))
            return None
        results = []
        with allow_join_result():
            for task in tqdm(pending, desc="chips", unit="chip", disable=quiet):
                results.append(task.get())
        return results

    def _report(self, results: list[dict], by_tile: dict) -> None:
        done_by_tile = defaultdict(list)
        for r in results:
            done_by_tile[r["tile"]].append(r)
            if r["state"] == "failed":
                self.stderr.write(f"failed {r['chip_id']}: {r['error']}")
                continue
            missing = r.get("missing_months") or []
            lacks = []
            if missing:
                lacks.append("no usable scene in " + ", ".join(MONTHS[m - 1] for m in missing))
            if r.get("short_by"):
                lacks.append(f"{r['short_by']} scene(s) short of the rule's total")
            self.stdout.write(f"{r['state']} {r['chip_id']}: {r['n_scenes']} scene(s) ({r['n_month_picks']} month "
                              f"picks), {len(BANDS)} bands + SCL" + (f"; {'; '.join(lacks)}" if lacks else ""))
        for tile, chips in sorted(by_tile.items()):
            rs = done_by_tile[tile]
            states = defaultdict(int)
            for r in rs:
                states[r["state"]] += 1
            incomplete = sum(1 for r in rs if r["state"] != "failed" and (r.get("missing_months") or r.get("short_by")))
            self.stdout.write(f"tile {tile}: {len(chips)} chip(s): "
                              + ", ".join(f"{n} {state}" for state, n in sorted(states.items()))
                              + (f"; {incomplete} with missing months or scenes" if incomplete else ""))
        failed = [r["chip_id"] for r in results if r["state"] == "failed"]
        if failed:
            raise CommandError(f"{len(failed)} of {len(results)} chip(s) failed and stored nothing "
                               f"({', '.join(failed[:10])}{' …' if len(failed) > 10 else ''}); rerun to retry them")
        created = sum(r["state"] == "created" for r in results)
        self.stdout.write(self.style.SUCCESS(f"{created} chip(s) acquired, {len(results) - created} already stored"))
