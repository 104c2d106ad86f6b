"""Choose N non-overlapping 256×256 chip windows per tile (rules: imagery/lib/chip_windows.py, docs/sampling.md)."""

import csv
from pathlib import Path

import rasterio
from django.core.management.base import BaseCommand, CommandError
from pyproj import Transformer
from rasterio.errors import RasterioError
from tqdm import tqdm

from imagery.lib import chip_windows as chips_core
from imagery.lib import geo, sampling
from imagery.lib.domain import PIXEL_SIZE_M
from imagery.lib.sampling_plot import plot_chip_windows

from imagery.management.commands._files import atomic_output, check_writable

MASK_MAX_SIDE = 2048  # no-data masks are read decimated to at most this many pixels a side (~54 m on a full tile)
PLOT_MAX_TILES = 8


class Command(BaseCommand):
    requires_system_checks = []  # works on files only: no models, no URLs
    help = (
        "Write chip windows (chip_id, tile_id, row_off, col_off, height, width, epsg, minx, miny, maxx, maxy, source) "
        "for each SOURCE: a tile CSV (tile_id, lat, lon; e.g. sample_tiles' output) places windows on the full "
        "10,980 px tile grid; a raster places them inside the raster and avoids its no-data pixels."
    )

    def add_arguments(self, parser):
        parser.add_argument("sources", nargs="+", help="tile CSV(s) and/or Sentinel-2 rasters (GeoTIFF/JP2)")
        parser.add_argument("--out", required=True, help="CSV of chip windows")
        parser.add_argument("--plot", help="PNG of the windows of the first tiles (default: OUT with .png)")
        parser.add_argument("--no-plot", action="store_true", help="skip the PNG")
        parser.add_argument("--chips", type=int, default=chips_core.DEFAULT_CHIPS_PER_TILE, help="windows per tile")
        parser.add_argument("--seed", type=int, default=0)
        parser.add_argument("--tile", help="tile id of a single raster source (default: from the raster's centre)")
        parser.add_argument("--max-nodata", type=float, default=0.0,
                            help="largest share of no-data pixels a window may hold (0..1, default 0)")

    def handle(self, *args, sources, out, plot, no_plot, chips, seed, tile, max_nodata, **options):
        out, plot = Path(out), Path(plot) if plot else Path(out).with_suffix(".png")
        check_writable(out, plot)
        if not 0 <= max_nodata <= 1:
            raise CommandError("--max-nodata must be between 0 and 1")
        if chips < 1:
            raise CommandError(f"--chips must be at least 1 (got {chips}); nothing written")
        if tile and len(sources) != 1:
            raise CommandError("--tile names the tile of a single raster source")
        grids = [g for source in sources for g in self._grids(Path(source), tile)]
        ids = [g["tile_id"] for g in grids]
        if len(set(ids)) != len(ids):
            dupes = sorted({t for t in ids if ids.count(t) > 1})
            raise CommandError(f"tiles given twice: {', '.join(dupes)}; nothing written")

        rows, layouts, hints = [], [], []
        for g in tqdm(grids, desc="tiles", unit="tile", disable=options["verbosity"] < 1):
            try:
                windows = chips_core.chip_windows(g["tile_id"], chips, seed=seed, tile_shape=g["shape"],
                                                nodata=g["nodata"], max_nodata_fraction=max_nodata,
                                                corner_box=g["corner_box"],
                                                keep=chips_core.centre_in_band(g["tile_id"], g["epsg"], g["origin"]))
            except sampling.SamplingInputError as exc:
                raise CommandError(f"{g['source'] + ': ' if g['source'] else ''}{exc}; nothing written") from exc
            bounds = chips_core.window_bounds(windows, g["origin"])
            tile_rows = chips_core.window_rows(g["tile_id"], windows, g["epsg"], bounds)
            rows += [r | {"source": g["source"]} for r in tile_rows]
            layouts.append((g["tile_id"], g["shape"], g["nodata"], windows))
            if g["source"]:
                hints.append(f"ingest_chips <imagery of {g['source']}> --tile {g['tile_id']} "
                             f"--chips {','.join(str(w.index) for w in windows)}")

        with atomic_output(out) as tmp_csv:
            sampling.write_csv(tmp_csv, [*chips_core.WINDOW_COLUMNS, "source"], rows)
            if not no_plot:
                with atomic_output(plot) as tmp_png:
                    plot_chip_windows(layouts[:PLOT_MAX_TILES], tmp_png)
        for tile_id, shape, nodata, windows in layouts[:PLOT_MAX_TILES]:
            share = "unknown" if nodata is None else f"{nodata.mean():.1%}"
            self.stdout.write(f"{tile_id}: {len(windows)} windows in {shape[0]}×{shape[1]} px, no data {share}")
        if len(layouts) > PLOT_MAX_TILES:
            self.stdout.write(f"... and {len(layouts) - PLOT_MAX_TILES} more tiles")
        for hint in hints:  # the raster's cut grid is ingest_chips' grid, so chip_index is its --chips index
            self.stdout.write(hint)
        self.stdout.write(self.style.SUCCESS(f"wrote {len(rows)} chip windows of {len(layouts)} tiles to {out}"
                                             + ("" if no_plot else f"; plot {plot}")))

    def _grids(self, path: Path, tile: str | None) -> list[dict]:
        if not path.is_file():
            raise CommandError(f"{path}: no such file; nothing written")
        return self._tiles_from_csv(path) if path.suffix.lower() == ".csv" else [self._raster_grid(path, tile)]

    @staticmethod
    def _tiles_from_csv(path: Path) -> list[dict]:
        """Full Sentinel-2 tile grids; EPSG from the tile id (zone, hemisphere from the latitude band)."""
        with open(path, newline="", encoding="utf-8-sig") as fh:
            reader = csv.DictReader(fh)
            missing = {"tile_id", "lat", "lon"} - set(reader.fieldnames or [])
            if missing:
                raise CommandError(f"{path}: missing columns: {', '.join(sorted(missing))}; nothing written")
            rows = list(reader)
        grids, bad = [], []
        for line, row in enumerate(rows, start=2):
            try:
                tile_id = geo.parse_tile_id(row["tile_id"])
                epsg = geo.tile_epsg(tile_id)
                x, y = Transformer.from_crs(4326, epsg, always_xy=True).transform(float(row["lon"]), float(row["lat"]))
                left, _, _, top = geo.tile_bounds(tile_id, epsg, y)
            except (geo.GeoError, ValueError) as exc:  # ValueError: lat/lon not numbers, or letters not of the zone
                why = exc if isinstance(exc, geo.GeoError) else "not an MGRS tile with numeric lat/lon"
                bad.append(f"line {line} ({row.get('tile_id') or '?'}): {why}")
                continue
            shape = (chips_core.TILE_SIZE_PX, chips_core.TILE_SIZE_PX)
            square = (0, 0, chips_core.SQUARE_PX, chips_core.SQUARE_PX)
            grids.append(dict(tile_id=tile_id, epsg=epsg, origin=(left, top), shape=shape, nodata=None, source="",
                              corner_box=square))
        if bad:
            raise CommandError(f"{path}: bad tiles: {'; '.join(bad[:10])}"
                               f"{f' and {len(bad) - 10} more' if len(bad) > 10 else ''}; nothing written")
        if not grids:
            raise CommandError(f"{path}: the table has no rows; nothing written")
        return grids

    @staticmethod
    def _raster_grid(path: Path, tile: str | None) -> dict:
        """The raster's own extent on the 10 m grid, with its no-data mask (nodata value, else Sentinel-2's 0)."""
        try:
            with rasterio.open(path) as src:
                t, epsg = src.transform, src.crs.to_epsg() if src.crs else None
                if epsg is None:
                    raise CommandError(f"{path}: the raster has no EPSG CRS; nothing written")
                if t.b != 0 or t.d != 0:
                    raise CommandError(f"{path}: the raster is not north-up; nothing written")
                shape = (round(src.height * abs(t.e) / PIXEL_SIZE_M), round(src.width * t.a / PIXEL_SIZE_M))
                scale = max(1, -(-max(src.height, src.width) // MASK_MAX_SIDE))
                band = src.read(1, out_shape=(-(-src.height // scale), -(-src.width // scale)))
                nodata = band == (src.nodata if src.nodata is not None else 0)
                bounds = src.bounds
        except RasterioError as exc:
            raise CommandError(f"{path}: unreadable raster ({exc}); nothing written") from exc
        try:
            geo.utm_zone(epsg)
            tile_id = geo.parse_tile_id(tile) if tile else geo.tile_id(
                epsg, (bounds.left + bounds.right) / 2, (bounds.bottom + bounds.top) / 2)
            left, _, _, top = geo.tile_bounds(tile_id, epsg, (bounds.bottom + bounds.top) / 2)
        except (geo.GeoError, ValueError) as exc:
            raise CommandError(f"{path}: {exc}; nothing written") from exc
        # the tile's own 100 km square in the raster's 10 m pixels (see chips_core.chip_windows)
        row0, col0 = round((top - t.f) / PIXEL_SIZE_M), round((t.c - left) / PIXEL_SIZE_M)
        square = (-row0, -col0, chips_core.SQUARE_PX - row0, chips_core.SQUARE_PX - col0)
        return dict(tile_id=tile_id, epsg=epsg, origin=(t.c, t.f), shape=shape, nodata=nodata, source=str(path),
                    corner_box=square)
