"""GeoTIFF in and out for guess labels and reference land-cover rasters (rasterio + numpy, no Django)."""

from __future__ import annotations

import numpy as np
import rasterio
from rasterio.io import MemoryFile
from rasterio.windows import Window

from imagery.lib.domain import CLASS_COLORS, NO_DATA, TASK_SIZE

PIXEL_TOLERANCE = 0.01  # a chip must sit on the reference grid to a hundredth of a pixel


class GridMismatch(ValueError):
    """The reference raster is not on the chip's grid (CRS, pixel size or alignment)."""


def write_label_tif(labels: np.ndarray, epsg: int, transform) -> bytes:
    """A (H, W) uint8 class raster as a tiled, deflated GeoTIFF (nodata 0, LandCoverNet color map)."""
    height, width = labels.shape
    with MemoryFile() as memfile:
        with memfile.open(
            driver="GTiff", dtype="uint8", count=1, height=height, width=width, crs=f"EPSG:{epsg}",
            transform=rasterio.Affine(*transform[:6]), nodata=NO_DATA, compress="deflate", tiled=True,
            blockxsize=TASK_SIZE * 4, blockysize=TASK_SIZE * 4,
        ) as dst:
            dst.write_colormap(1, CLASS_COLORS)  # before the pixels: GDAL fixes the photometric tag on first write
            dst.write(labels.astype(np.uint8), 1)
        return memfile.read()


def read_label_tif(source, window: tuple[int, int, int, int] | None = None) -> np.ndarray:
    """(h, w) uint8 from a path, bytes or binary file; window is (row_off, col_off, height, width)."""
    win = None if window is None else Window(window[1], window[0], window[3], window[2])
    if isinstance(source, bytes):
        with MemoryFile(source) as memfile, memfile.open() as src:
            return src.read(1, window=win)
    with rasterio.open(source) as src:
        return src.read(1, window=win)


def describe_reference(path) -> dict:
    """CRS, transform, size and band count of a reference raster (ValueError when unreadable)."""
    try:
        with rasterio.open(path) as src:
            epsg = src.crs.to_epsg() if src.crs else None
            return {"epsg": epsg, "transform": list(src.transform)[:6], "height": src.height, "width": src.width,
                    "count": src.count, "dtype": src.dtypes[0], "nodata": src.nodata}
    except rasterio.errors.RasterioIOError as exc:
        raise ValueError(f"reference raster {path} is not readable: {exc}") from exc


def chip_offset(ref: dict, epsg: int, chip_transform) -> tuple[int, int]:
    """(row_off, col_off) of the chip's top-left pixel in the reference grid; GridMismatch when not aligned."""
    ra, rb, rc, rd, re, rf = ref["transform"]
    ca, cb, cc, cd, ce, cf = chip_transform[:6]
    if ref["epsg"] != epsg:
        raise GridMismatch(f"reference is in EPSG:{ref['epsg']}, the chip in EPSG:{epsg}; reproject it first")
    if rb or rd or cb or cd:
        raise GridMismatch("rotated grids are not supported")
    if abs(ra - ca) > 1e-6 * abs(ca) or abs(re - ce) > 1e-6 * abs(ce):
        raise GridMismatch(f"reference pixels are {ra:g}×{-re:g} m, the chip's {ca:g}×{-ce:g} m; resample it first")
    col, row = (cc - rc) / ra, (cf - rf) / re
    if abs(col - round(col)) > PIXEL_TOLERANCE or abs(row - round(row)) > PIXEL_TOLERANCE:
        raise GridMismatch(f"chip is offset by ({row:.3f}, {col:.3f}) reference pixels: not on the same grid")
    return int(round(row)), int(round(col))


def read_reference_window(path, ref: dict, epsg: int, chip_transform, shape: tuple[int, int]):
    """The reference codes under a chip: (codes (H, W) int64, inside (H, W) bool).

    Pixels outside the raster or equal to its nodata value are not `inside`; no overlap at all is an error."""
    row, col = chip_offset(ref, epsg, chip_transform)
    height, width = shape
    if row >= ref["height"] or col >= ref["width"] or row + height <= 0 or col + width <= 0:
        raise GridMismatch("reference does not cover the chip at all")
    codes, inside = np.zeros(shape, np.int64), np.zeros(shape, bool)
    with rasterio.open(path) as src:
        # Only the overlap, pasted into the chip: a boundless read would do the same through a VRT whose
        # window transform uses affine's deprecated `*`.
        r0, c0, r1, c1 = max(row, 0), max(col, 0), min(row + height, src.height), min(col + width, src.width)
        data = src.read(1, window=Window(c0, r0, c1 - c0, r1 - r0), masked=True)
    box = np.s_[r0 - row:r1 - row, c0 - col:c1 - col]
    codes[box], inside[box] = data.filled(0), ~np.ma.getmaskarray(data)
    return codes, inside
