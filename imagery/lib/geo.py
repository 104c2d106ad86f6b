"""Sentinel-2 grid geometry: MGRS tile ids, tile extents and continents (pure; no Django).

A Sentinel-2 tile is a 100 km MGRS square of its UTM zone, grown by 9.8 km to the east and south
(109.8 km a side), so neighbouring tiles overlap. A chip belongs to the tile whose 100 km square holds
its upper-left corner: that tile's overlap strip then holds the rest of the chip.
"""

from __future__ import annotations

import re
import threading

import numpy as np

from pyproj import Transformer

SQUARE_M = 100_000
TILE_OVERLAP_M = 9_800
# MGRS letters skip I and O.
_COLUMN_SETS = ("ABCDEFGH", "JKLMNPQR", "STUVWXYZ")  # easting letters, by zone % 3 (1, 2, 0)
_ROW_LETTERS = "ABCDEFGHJKLMNPQRSTUV"  # northing letters, 20 a cycle of 2,000 km
_BAND_LETTERS = "CDEFGHJKLMNPQRSTUVWX"  # 8 degree latitude bands from 80 S (X is 12 degrees)
TILE_ID_RE = re.compile(r"^(?P<zone>[0-9]{1,2})(?P<band>[C-HJ-NP-X])(?P<col>[A-HJ-NP-Z])(?P<row>[A-HJ-NP-V])$")
# What parse_tile_id accepts, as one regular expression an OpenAPI schema can carry (ECMA syntax: no named groups):
# optional spaces and "T", zone 1-60 (one leading zero allowed), band, column and row letters in either case.
TILE_ID_INPUT_PATTERN = (r"^\s*[Tt]?(0?[1-9]|[1-5][0-9]|60)[C-HJ-NP-Xc-hj-np-x][A-HJ-NP-Za-hj-np-z]"
                         r"[A-HJ-NP-Va-hj-np-v]\s*$")


class GeoError(ValueError):
    """Geometry that cannot be placed on the Sentinel-2 grid."""


def utm_zone(epsg: int) -> tuple[int, bool]:
    """(zone, northern) of a WGS 84 / UTM EPSG code (326zz north, 327zz south)."""
    if 32601 <= epsg <= 32660:
        return epsg - 32600, True
    if 32701 <= epsg <= 32760:
        return epsg - 32700, False
    raise GeoError(f"EPSG:{epsg} is not a WGS 84 / UTM zone; Sentinel-2 chips must be in UTM")


def utm_epsg(zone: int, northern: bool) -> int:
    """The WGS 84 / UTM EPSG code of a zone (the inverse of utm_zone)."""
    if not 1 <= zone <= 60:
        raise GeoError(f"UTM zone {zone} does not exist (1..60)")
    return (32600 if northern else 32700) + zone


def tile_epsg(tile: str) -> int:
    """The UTM EPSG code a tile id implies: its zone, north from latitude band N on."""
    tile = parse_tile_id(tile)
    return utm_epsg(int(tile[:-3]), tile[-3] >= "N")


_transformers = threading.local()  # pyproj's Transformer is not to be shared between threads


def to_lonlat(epsg: int, x, y):
    """Longitude and latitude (degrees) of points given in the EPSG's coordinates."""
    cache = _transformers.__dict__
    if epsg not in cache:  # building one costs about a millisecond: an export asks twice per chip
        cache[epsg] = Transformer.from_crs(epsg, 4326, always_xy=True)
    return cache[epsg].transform(x, y)


def latitude_band(lat: float) -> str:
    if not -80 <= lat <= 84:
        raise GeoError(f"latitude {lat:.3f} is outside the UTM/MGRS latitude bands")
    return _BAND_LETTERS[min(int((lat + 80) // 8), len(_BAND_LETTERS) - 1)]


def square_letters(zone: int, easting: float, northing: float) -> str:
    """The two 100 km square letters of a UTM point (northing includes the southern false northing)."""
    column = int(easting // SQUARE_M)
    if not 1 <= column <= 8:
        raise GeoError(f"easting {easting:.0f} is outside a UTM zone")
    col_letter = _COLUMN_SETS[(zone - 1) % 3][column - 1]
    row_offset = 5 if zone % 2 == 0 else 0  # even zones start their row letters at F
    row_letter = _ROW_LETTERS[(int(northing // SQUARE_M) + row_offset) % len(_ROW_LETTERS)]
    return col_letter + row_letter


def tile_id(epsg: int, centre_x: float, centre_y: float) -> str:
    """MGRS tile id (e.g. "52UEA") of a point given in its UTM coordinates."""
    zone, _ = utm_zone(epsg)
    _, lat = to_lonlat(epsg, centre_x, centre_y)
    return f"{zone:02d}{latitude_band(float(lat))}{square_letters(zone, centre_x, centre_y)}"


def tile_of_bounds(epsg: int, bounds: tuple[float, float, float, float]) -> str:
    """MGRS tile id of a chip: letters from its upper-left corner, latitude band from its centre."""
    left, bottom, right, top = bounds
    zone, _ = utm_zone(epsg)
    _, lat = to_lonlat(epsg, (left + right) / 2, (bottom + top) / 2)
    inset = 1e-3  # metres, so a corner on a square's edge belongs to the square it opens
    return f"{zone:02d}{latitude_band(float(lat))}{square_letters(zone, left + inset, top - inset)}"


def parse_tile_id(value: str) -> str:
    """Normalise "T33UUU" / "33uuu" / "4QFJ" to the canonical zero-padded id, or raise GeoError."""
    text = value.strip().upper().removeprefix("T")
    match = TILE_ID_RE.match(text)
    if not match or not 1 <= int(match["zone"]) <= 60:
        raise GeoError(f"{value!r} is not a Sentinel-2 MGRS tile id (like 32NLP)")
    return f"{int(match['zone']):02d}{match['band']}{match['col']}{match['row']}"


def tile_bounds(tile: str, epsg: int, near_northing: float) -> tuple[float, float, float, float]:
    """(left, bottom, right, top) of a tile in its UTM CRS.

    Row letters repeat every 2,000 km, so the square is taken from the cycle nearest `near_northing`.
    """
    tile = parse_tile_id(tile)
    zone, _ = utm_zone(epsg)
    if int(tile[:2]) != zone:
        raise GeoError(f"tile {tile} is in UTM zone {int(tile[:2])}, not in the zone of EPSG:{epsg} ({zone})")
    column = _COLUMN_SETS[(zone - 1) % 3].index(tile[3]) + 1
    row_offset = 5 if zone % 2 == 0 else 0
    row_mod = (_ROW_LETTERS.index(tile[4]) - row_offset) % len(_ROW_LETTERS)
    base = int(near_northing // SQUARE_M)
    row = base + ((row_mod - base + 10) % 20) - 10  # the nearest row index with this letter
    left, bottom = column * SQUARE_M, row * SQUARE_M
    return (left, bottom - TILE_OVERLAP_M, left + SQUARE_M + TILE_OVERLAP_M, bottom + SQUARE_M)


def check_in_tile(tile: str, epsg: int, bounds: tuple[float, float, float, float]) -> None:
    """Raise GeoError unless the chip bounds lie inside the tile (letters and latitude band both agree)."""
    left, bottom, right, top = bounds
    try:
        t_left, t_bottom, t_right, t_top = tile_bounds(tile, epsg, (bottom + top) / 2)
    except GeoError as exc:
        raise GeoError(f"chip lies outside tile {tile}: {exc}") from exc
    eps = 1e-6
    inside = left >= t_left - eps and right <= t_right + eps and bottom >= t_bottom - eps and top <= t_top + eps
    _, lats = to_lonlat(epsg, [left, left, right, right], [bottom, top, bottom, top])
    bands = {latitude_band(float(lat)) for lat in lats}
    if not inside or parse_tile_id(tile)[2] not in bands:
        raise GeoError(
            f"chip bounds {tuple(round(v, 1) for v in bounds)} (EPSG:{epsg}) lie outside tile {parse_tile_id(tile)}"
        )


def bounds_of(transform, height: int, width: int) -> tuple[float, float, float, float]:
    """(left, bottom, right, top) of a north-up grid given its affine transform (a, b, c, d, e, f)."""
    a, _, c, _, e, f = transform[:6]
    xs = (c, c + a * width)
    ys = (f, f + e * height)
    return (min(xs), min(ys), max(xs), max(ys))


# Coarse continent boxes (lon/lat degrees); good away from the boundaries, overridable by the caller.
def continent(lon, lat):
    """Continent name(s) of points; works on scalars and numpy arrays."""
    lon = np.asarray(lon, dtype=float)
    lat = np.asarray(lat, dtype=float)
    # The Red Sea / Suez line: Africa lies west of it (from 32.5 E at 30 N to 43.3 E at 12.6 N).
    red_sea_lon = 32.5 + (30 - lat) * (43.3 - 32.5) / (30 - 12.6)
    africa_north = np.where(lon < -1.5, 36.0, np.where(lon < 11.5, 37.5, 33.5))
    africa = (
        (lat >= -36) & (lat < africa_north) & (lon >= -20)
        & np.where(lat > 12.6, lon < np.minimum(red_sea_lon, 60), lon < 60)
    )
    anatolia_or_caucasus = ((lon > 26) & (lat < 42)) | ((lon > 36) & (lat < 44))
    europe = (lat >= 35) & (lat <= 82) & (lon >= -25) & (lon < 60) & ~anatolia_or_caucasus
    north_america = ((lon >= -170) & (lon < -50) & (lat >= 7.2)) | ((lon >= -73) & (lon < -12) & (lat >= 59))
    south_america = (lon >= -82) & (lon < -34) & (lat >= -56) & (lat < 13)
    australia = ((lon >= 112) & (lon <= 155) & (lat >= -45) & (lat <= -10)) | (
        (lon >= 165) & (lat >= -48) & (lat <= -34)
    )
    asia = ((lon >= 25) | (lon < -168)) & (lat >= -11)
    names = np.select(
        [lat < -60, africa, europe, north_america, south_america, australia, asia],
        ["Antarctica", "Africa", "Europe", "North America", "South America", "Australia", "Asia"],
        default="Other",
    )
    return names.item() if names.ndim == 0 else names
