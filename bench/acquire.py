"""Acquisition throughput and bytes per chip, against the minimum and against odc-stac, on loopback servers.

A real STAC API (`rustac serve`) holds the 100 real Planetary Computer Items of 13TDE (2024); a range-answering HTTP
server holds their COGs (real pixels, 512 px blocks like GDAL's COG default) over a 1024 × 1024 px area: 16 chips.
For each chip:

* ours — `imagery.lib.acquisition.acquire`: STAC search, SCL probe of every Item, the 24-scene rule, the chosen
  scenes' ten bands (SCL is kept from the probe): what acquire_chips does before it stores;
* the minimum — the bytes of the COG blocks that overlap the chip's window, over the chosen 24 scenes × 11 layers;
* odc-stac — `odc.stac.load` of the same 24 Items × 11 layers onto the chip's 10 m grid (nearest), same server,
  `configure_rio(cloud_defaults=True)`, the same number of threads (8).

Bytes are what the HTTP server sent (bodies). Ours is shown for the 24 × 11 layers of the chosen scenes (the target:
≤ 1.5 × the minimum) and for the probes of the other Items (the cost of choosing on the chip). Throughput is chips per
minute of the read stage (ours: the 24 × 11 reads; odc-stac: its load), each chip read cold (GDAL's cache cleared),
ours and odc-stac alternating; ours end to end (search + probes + reads) is printed too.

    .venv/bin/python bench/acquire.py [--chips 16] [--repeat 1]
"""
from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

AREA = (2560, 8192, 1024, 1024)  # 13TDE pixels: 4 × 4 chips across orbit 98's swath edge
BLOCK = 512
WORKERS = 8


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--chips", type=int, default=16)
    parser.add_argument("--repeat", type=int, default=1)
    args = parser.parse_args()

    import warnings

    import numpy as np
    import rasterio
    from rasterio.errors import NotGeoreferencedWarning

    warnings.filterwarnings("ignore", category=NotGeoreferencedWarning)  # raised inside odc-stac's reprojection
    from odc.geo.geobox import GeoBox
    from odc.stac import configure_rio, load
    import pystac

    from imagery.lib import acquisition, cog_remote
    from imagery.lib.domain import BANDS, CHIP_SIZE
    from imagery.lib.stac_catalog import LAYERS, catalog_from
    from lcnet_site.sample_data import shared_data_dir
    from tests.acquire import stac_data
    from tests.acquire.servers import RangeServer, RustacServer

    data = shared_data_dir()
    work = Path(tempfile.mkdtemp(prefix="lcnet-bench-acquire-"))
    holder = {}
    http = RangeServer(work, materialize=lambda rel: stac_data.write_cog(holder["b"], rel))
    built = holder["b"] = stac_data.build(data, work, http.url, block=BLOCK, area=AREA)
    items = {it["id"]: it for it in built.items}
    _, _, c0, _, _, f0 = built.area_transform10
    positions = [(r, c) for r in range(AREA[2] // CHIP_SIZE) for c in range(AREA[3] // CHIP_SIZE)][: args.chips]

    def bounds(pos):
        left, top = c0 + pos[1] * CHIP_SIZE * 10, f0 - pos[0] * CHIP_SIZE * 10
        return left, top - CHIP_SIZE * 10, left + CHIP_SIZE * 10, top

    def minimum(path: Path, chip_bounds) -> int:
        with rasterio.open(path) as src:
            factor = round(src.transform.a / 10)
            r, c, h, w, _, _ = cog_remote.chip_window(src.transform, chip_bounds, factor)
            bh, bw = src.block_shapes[0]
            total = 0
            for br in range(r // bh, (r + h - 1) // bh + 1):
                for bc in range(c // bw, (c + w - 1) // bw + 1):
                    total += int(src.get_tag_item(f"BLOCK_SIZE_{bc}_{br}", "TIFF", bidx=1) or 0)
            return total

    def sent(paths: set[str] | None = None, exclude: set[str] | None = None) -> int:
        return sum(r.sent for r in http.requests if (paths is None or r.path in paths)
                   and (exclude is None or r.path not in exclude))

    rows = []
    with http, RustacServer(built.items_file, log=work / "rustac.log") as stac:
        catalog = catalog_from("planetary-computer", url=stac.url)
        configure_rio(cloud_defaults=True)
        print(f"loopback servers up; {len(positions)} chips × 24 scenes × {len(LAYERS)} layers; warming the server's "
              "files (written on first request) ...", flush=True)
        chosen_by_chip = {}
        for pos in positions:  # warm-up: materialise every file either reader will ask for
            request = acquisition.chip_request(f"13TDE_{pos[0]}{pos[1]}", 32613, bounds(pos))
            acquired = acquisition.acquire(request, 2024, catalog, workers=WORKERS)
            chosen_by_chip[pos] = [p.candidate.item_id for p in acquired.selection.picks]
        for rep in range(args.repeat):
            for pos in positions:
                chip_bounds = bounds(pos)
                chosen = chosen_by_chip[pos]
                files = {f"/{i}/{layer}.tif" for i in chosen for layer in LAYERS}
                floor = sum(minimum(work / f.lstrip("/"), chip_bounds) for f in files)
                request = acquisition.chip_request(f"13TDE_{pos[0]}{pos[1]}", 32613, chip_bounds)

                cog_remote.forget(http.url + "/")
                http.clear()
                t0 = time.perf_counter()
                acquisition.acquire(request, 2024, catalog, workers=WORKERS)
                ours_total_s = time.perf_counter() - t0
                ours_layers, ours_probes = sent(files), sent(exclude=files)

                cog_remote.forget(http.url + "/")
                http.clear()
                reads = [cog_remote.LayerRead((i, layer), f"{http.url}/{i}/{layer}.tif") for i in chosen for layer in LAYERS]
                t0 = time.perf_counter()
                cog_remote.read_layers(reads, chip_bounds, workers=WORKERS)
                ours_read_s = time.perf_counter() - t0
                ours_read_bytes = sent()

                cog_remote.forget(http.url + "/")
                http.clear()
                gbox = GeoBox((CHIP_SIZE, CHIP_SIZE), rasterio.Affine(10, 0, chip_bounds[0], 0, -10, chip_bounds[3]),
                              "EPSG:32613")
                stac_items = [pystac.Item.from_dict(items[i]) for i in chosen]
                t0 = time.perf_counter()
                ds = load(stac_items, bands=list(LAYERS), geobox=gbox, resampling="nearest", pool=WORKERS,
                          groupby="id")
                stack = np.stack([ds[b].values for b in BANDS])
                odc_s = time.perf_counter() - t0
                odc_bytes = sent()
                assert stack.shape[1] == len(chosen)
                rows.append(dict(floor=floor, ours_layers=ours_layers, ours_probes=ours_probes, ours_read=ours_read_bytes,
                                 ours_total_s=ours_total_s, ours_read_s=ours_read_s, odc_s=odc_s, odc_bytes=odc_bytes,
                                 n=len(chosen)))
                print(f"  chip {pos}: {len(chosen)} scenes; minimum {floor / 2**20:.2f} MiB; ours {ours_read_bytes / 2**20:.2f} "
                      f"MiB in {ours_read_s:.2f} s (end to end {ours_total_s:.2f} s, probes of other Items "
                      f"{ours_probes / 2**20:.2f} MiB); odc-stac {odc_bytes / 2**20:.2f} MiB in {odc_s:.2f} s", flush=True)

    mib = lambda v: v / 2**20
    floor = statistics.mean(r["floor"] for r in rows)
    ours = statistics.mean(r["ours_read"] for r in rows)
    ours_in_acquire = statistics.mean(r["ours_layers"] for r in rows)
    probes = statistics.mean(r["ours_probes"] for r in rows)
    odc = statistics.mean(r["odc_bytes"] for r in rows)
    ours_cpm = 60 * len(rows) / sum(r["ours_read_s"] for r in rows)
    odc_cpm = 60 * len(rows) / sum(r["odc_s"] for r in rows)
    e2e_cpm = 60 * len(rows) / sum(r["ours_total_s"] for r in rows)
    print()
    print(f"bytes per chip (24 scenes × 11 layers): minimum {mib(floor):.2f} MiB; ours {mib(ours):.2f} MiB = "
          f"{ours / floor:.2f}× the minimum (target ≤ 1.5×); inside acquire {mib(ours_in_acquire):.2f} MiB = "
          f"{ours_in_acquire / floor:.2f}×; odc-stac {mib(odc):.2f} MiB = {odc / floor:.2f}×")
    print(f"choosing on the chip: SCL probes of the other Items {mib(probes):.2f} MiB per chip "
          f"({probes / floor:.2f}× the minimum)")
    print(f"throughput (read stage, {WORKERS} threads each, cold): ours {ours_cpm:.1f} chips/min, odc-stac "
          f"{odc_cpm:.1f} chips/min = {ours_cpm / odc_cpm:.2f}× odc-stac (target ≥ 1×); ours end to end "
          f"(search + probes + reads) {e2e_cpm:.1f} chips/min")


if __name__ == "__main__":
    main()
