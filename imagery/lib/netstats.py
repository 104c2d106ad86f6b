"""Bytes GDAL moved over HTTP (/vsis3/, /vsicurl/): its network statistics, which rasterio does not expose.

GDAL counts every request and byte of its network file systems when CPL_VSIL_NETWORK_STATS_ENABLED is on; the
counters are read here from the libgdal that rasterio loaded (ctypes, same process, same library). Used by the S3
tests and bench/layers_s3.py to show how many bytes a window read moves.
"""

from __future__ import annotations

import ctypes
import glob
import json
import os
from contextlib import contextmanager
from dataclasses import dataclass
from functools import lru_cache

import rasterio


@lru_cache(maxsize=1)
def _libgdal() -> ctypes.CDLL:
    import rasterio._env  # noqa: F401  (loads libgdal into the process)

    here = os.path.dirname(rasterio.__file__)
    candidates = sorted(glob.glob(os.path.join(here, "..", "rasterio.libs", "libgdal*.so*")))
    lib = ctypes.CDLL(candidates[0] if candidates else "libgdal.so")  # wheel's bundled copy, else the system's
    lib.VSINetworkStatsGetAsSerializedJSON.restype = ctypes.c_void_p
    lib.VSINetworkStatsGetAsSerializedJSON.argtypes = [ctypes.c_void_p]
    lib.VSIFree.argtypes = [ctypes.c_void_p]
    return lib


@dataclass
class NetworkStats:
    requests: int = 0
    bytes: int = 0


def _read() -> NetworkStats:
    lib = _libgdal()
    ptr = lib.VSINetworkStatsGetAsSerializedJSON(None)
    try:
        stats = json.loads(ctypes.string_at(ptr).decode()) if ptr else {}
    finally:
        if ptr:
            lib.VSIFree(ptr)
    methods = stats.get("methods", {})
    return NetworkStats(sum(m.get("count", 0) for m in methods.values()),
                        sum(m.get("downloaded_bytes", 0) for m in methods.values()))


@contextmanager
def counting():
    """with counting() as stats: … — stats.requests and stats.bytes downloaded by GDAL inside the block."""
    lib = _libgdal()
    stats = NetworkStats()
    with rasterio.Env(CPL_VSIL_NETWORK_STATS_ENABLED="YES"):
        lib.VSINetworkStatsReset()
        try:
            yield stats
        finally:
            got = _read()
            stats.requests, stats.bytes = got.requests, got.bytes
