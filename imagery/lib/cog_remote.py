"""Windowed reads of remote Cloud-Optimized GeoTIFFs over HTTP: only the blocks a chip's window touches (no Django).

GDAL reads a COG over HTTP with range requests: one for the header, then one per run of consecutive blocks the
window overlaps. The options below keep it to that: no directory listing next to the file (a real catalog has
thousands of siblings), only .tif/.tiff treated as files, a block cache per process. Retries are ours, not GDAL's
(`GDAL_HTTP_MAX_RETRY=0`), so every attempt is counted and the last error is reported per scene: timeouts,
connection errors and 5xx are retried with exponential backoff; a 4xx (a wrong href, an expired signature) is not.
GDAL remembers a failed file in its curl cache, so that entry is cleared before each retry.
"""

from __future__ import annotations

import ctypes
import glob
import os
import random
import re
import threading
import time
from collections.abc import Callable, Iterable
from concurrent.futures import FIRST_EXCEPTION, ThreadPoolExecutor, wait
from dataclasses import dataclass

import numpy as np
import rasterio
from rasterio.errors import RasterioError
from rasterio.windows import Window

from imagery.lib.domain import CHIP_SIZE, PIXEL_SIZE_M

GDAL_REMOTE_OPTIONS = {
    "GDAL_DISABLE_READDIR_ON_OPEN": "EMPTY_DIR",  # never list the folder of a remote file
    "CPL_VSIL_CURL_ALLOWED_EXTENSIONS": ".tif,.tiff,.TIF,.TIFF",
    "GDAL_CACHEMAX": 256,  # MB of decoded blocks, per process
    "VSI_CACHE": True,  # per-file cache of fetched byte ranges
    "VSI_CACHE_SIZE": 16 * 2**20,
    "GDAL_HTTP_MERGE_CONSECUTIVE_RANGES": True,  # one request for a run of adjacent blocks
    "GDAL_HTTP_MULTIPLEX": True,
    "GDAL_HTTP_VERSION": 2,  # HTTP/2 where the server offers it (one connection, many streams)
    "GDAL_HTTP_MAX_RETRY": 0,  # retries are ours (counted, with backoff): see `with_retries`
    "GDAL_HTTP_TIMEOUT": 60,
    "GDAL_HTTP_CONNECTTIMEOUT": 15,
    "GDAL_INGESTED_BYTES_AT_OPEN": 16384,  # a COG header fits; the rest comes by block
}
DEFAULT_ATTEMPTS = 4
DEFAULT_BACKOFF_S = 0.5  # first wait; doubles each retry, with jitter
DEFAULT_WORKERS = 8  # concurrent layer reads per chip (I/O bound: GDAL releases the GIL)
_NOT_RETRIED = re.compile(r"HTTP response code: 4(?!08|29)\d\d")


class RemoteReadError(RuntimeError):
    """A layer that could not be read after the last attempt; the message names it, its href and the cause."""


@dataclass(frozen=True)
class LayerRead:
    key: tuple  # the caller's key, e.g. (item id, layer)
    href: str
    native: bool = False  # True: the window at the asset's own resolution (SCL probe); False: on the 10 m chip grid


# --- GDAL's curl cache ------------------------------------------------------------------------------------------


def _gdal_library():
    for pattern in (os.path.join(os.path.dirname(rasterio.__file__) + ".libs", "libgdal*"),):
        found = sorted(glob.glob(pattern))
        if found:
            return ctypes.CDLL(found[0])
    try:  # rasterio built against a system GDAL
        return ctypes.CDLL("libgdal.so")
    except OSError:
        return None


_GDAL = _gdal_library()


def forget(href: str) -> None:
    """Drop what GDAL's curl layer remembers about `href` (a failed open is otherwise cached for the process)."""
    if _GDAL is not None and hasattr(_GDAL, "VSICurlPartialClearCache"):
        fn = _GDAL.VSICurlPartialClearCache
        fn.argtypes, fn.restype = [ctypes.c_char_p], None
        fn(f"/vsicurl/{href}".encode())


# --- one window ---------------------------------------------------------------------------------------------------


def chip_window(transform, bounds: tuple[float, float, float, float], factor: int) -> tuple[int, int, int, int, int, int]:
    """For an asset grid with pixels `factor`×10 m: (row, col, height, width) of the coarse pixels covering the chip,
    and the chip's (row, col) offset in 10 m pixels inside that coarse block."""
    left, _, _, top = bounds
    col10 = (left - transform.c) / PIXEL_SIZE_M
    row10 = (transform.f - top) / PIXEL_SIZE_M
    if abs(col10 - round(col10)) > 1e-3 or abs(row10 - round(row10)) > 1e-3:
        raise RemoteReadError(f"the chip at ({left}, {top}) is not on the asset's 10 m lattice "
                              f"(origin {transform.c}, {transform.f})")
    col10, row10 = round(col10), round(row10)
    r, c = row10 // factor, col10 // factor
    h = -(-(row10 + CHIP_SIZE) // factor) - r
    w = -(-(col10 + CHIP_SIZE) // factor) - c
    return r, c, h, w, row10 - r * factor, col10 - c * factor


def read_clipped(src, row: int, col: int, height: int, width: int) -> np.ndarray:
    """Band 1 in a window that may run past the raster's edge (outside = 0, no data)."""
    out = np.zeros((height, width), dtype=src.dtypes[0])
    r0, c0 = max(row, 0), max(col, 0)
    r1, c1 = min(row + height, src.height), min(col + width, src.width)
    if r1 > r0 and c1 > c0:
        out[r0 - row: r1 - row, c0 - col: c1 - col] = src.read(1, window=Window(c0, r0, c1 - c0, r1 - r0))
    return out


def read_chip_layer(href: str, bounds: tuple[float, float, float, float], *, native: bool = False) -> np.ndarray:
    """The chip's window of one single-band COG: 256×256 on the 10 m grid (coarser bands repeated: nearest
    neighbour, DNs unchanged), or with `native` the covering window at the asset's own resolution."""
    with rasterio.open(href) as src:
        size = src.transform.a
        factor = round(size / PIXEL_SIZE_M)
        if factor < 1 or abs(size - factor * PIXEL_SIZE_M) > 1e-6 or abs(src.transform.e + size) > 1e-6:
            raise RemoteReadError(f"{href}: {size:g} m pixels (or a rotated grid); expected 10, 20 or 60 m north-up")
        r, c, h, w, dr, dc = chip_window(src.transform, bounds, factor)
        coarse = read_clipped(src, r, c, h, w)
    if native:
        return coarse
    fine = np.repeat(np.repeat(coarse, factor, axis=0), factor, axis=1) if factor > 1 else coarse
    return fine[dr: dr + CHIP_SIZE, dc: dc + CHIP_SIZE]


# --- retries and concurrency ----------------------------------------------------------------------------------------


def with_retries(fn: Callable[[], np.ndarray], href: str, *, attempts: int = DEFAULT_ATTEMPTS,
                 backoff_s: float = DEFAULT_BACKOFF_S, sleep=time.sleep) -> np.ndarray:
    """Run `fn`; retry timeouts, connection errors and 5xx with exponential backoff; 4xx fails at once."""
    for attempt in range(1, attempts + 1):
        try:
            return fn()
        except (RasterioError, OSError) as exc:
            last = exc
            if _NOT_RETRIED.search(str(exc)) or attempt == attempts:
                break
            forget(href)
            sleep(backoff_s * 2 ** (attempt - 1) * (1 + random.random() / 4))
    tries = f"{attempt} attempt{'s' if attempt > 1 else ''}"
    raise RemoteReadError(f"{href}: unreadable after {tries} ({last})") from last


_env = threading.local()


def _in_gdal_env(fn: Callable[[], np.ndarray]) -> np.ndarray:
    """GDAL options are per thread in rasterio: each pool thread enters the remote-read environment once."""
    if getattr(_env, "entered", None) is None:
        _env.entered = rasterio.Env(**GDAL_REMOTE_OPTIONS)
        _env.entered.__enter__()
    return fn()


def read_layers(reads: Iterable[LayerRead], bounds: tuple[float, float, float, float], *,
                workers: int = DEFAULT_WORKERS, attempts: int = DEFAULT_ATTEMPTS,
                backoff_s: float = DEFAULT_BACKOFF_S, on_done: Callable[[LayerRead], None] | None = None,
                ) -> dict[tuple, np.ndarray]:
    """Read many layers of one chip concurrently; the first layer that fails for good stops the rest and raises."""
    reads = list(reads)

    def one(read: LayerRead) -> np.ndarray:
        return _in_gdal_env(lambda: with_retries(lambda: read_chip_layer(read.href, bounds, native=read.native),
                                                 read.href, attempts=attempts, backoff_s=backoff_s))

    out: dict[tuple, np.ndarray] = {}
    with ThreadPoolExecutor(max_workers=max(1, min(workers, len(reads) or 1)), thread_name_prefix="cog") as pool:
        futures = {pool.submit(one, read): read for read in reads}
        pending = set(futures)
        while pending:
            done, pending = wait(pending, return_when=FIRST_EXCEPTION)
            for future in done:
                read = futures[future]
                if future.exception() is not None:
                    for other in pending:
                        other.cancel()
                    exc = future.exception()
                    raise RemoteReadError(f"{read.key[0]} {read.key[1]}: {exc}") from exc
                out[read.key] = future.result()
                if on_done:
                    on_done(read)
    return out
