"""Real STAC Items with COGs to read: the 13TDE Items' metadata, their hrefs pointed at COGs written here.

Each Item's COGs lie on the Item's own grid (`proj:transform`), cover a test area of the tile, and hold real pixel
values: the decimated 29RKH L2A scene (bands and SCL), a different sub-window for every Item, so every date has its
own clouds and the chip's cloud differs from the Item's tile cloud. Pixels outside the Item's real footprint (the
orbit's swath) are no data, so orbit 98 (75 % of the tile empty) misses the western chips. Reflectance is written
with the +1000 DN offset of processing baseline ≥ 04.00, as real 2024 L2A is.
"""
from __future__ import annotations

import copy
import json
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import rasterio
from rasterio.features import rasterize
from rasterio.warp import transform_geom

from imagery.lib.domain import BANDS, CHIP_SIZE
from imagery.lib.stac_catalog import EARTH_SEARCH_ASSETS, LAYERS

TENS = ("B02", "B03", "B04", "B08")
PC_FILE = "stac_s2l2a_13TDE_2024/pc_sentinel-2-l2a_13TDE_2024_100items.json"
ES_FILE = "stac_s2l2a_13TDE_2024/earthsearch_sentinel-2-c1-l2a_13TDE_10items.json"
SOURCE = "s2l2a_29RKH_20200219_decimated"
# The test area in 13TDE's 10 m grid: two chips side by side near the tile's top; the western one lies wholly
# outside orbit 98's swath, the eastern one straddles its edge (its no-data share differs from Item to Item).
AREA_ROW, AREA_COL, AREA_ROWS, AREA_COLS = 2560, 8448, 256, 512
OFFSET = 1000  # BOA_ADD_OFFSET of baseline >= 04.00


@dataclass
class SourcePixels:
    tens: dict[str, np.ndarray]  # 1098² "10 m" bands
    twenties: dict[str, np.ndarray]  # 549² "20 m" bands and SCL


def load_source(shared_data: Path) -> SourcePixels:
    folder = shared_data / SOURCE
    read = lambda name: rasterio.open(folder / f"{name}.tif").read(1)
    return SourcePixels({b: read(b) for b in TENS}, {b: read(b) for b in LAYERS if b not in TENS})


def window_of(index: int, rows: int = AREA_ROWS, cols: int = AREA_COLS) -> tuple[int, int, bool]:
    """The source sub-window (row, col in 20 m source pixels, mirrored?) of the index-th Item. The scene's clouds
    lie in its north-east corner: windows wander over it, and every other one is mirrored so both chips get some."""
    row_span, col_span = max(1, min(180, 549 - rows // 2)), max(1, 549 - cols // 2 - 200)
    return (index * 37) % row_span, min(200, 549 - cols // 2) + (index * 53) % col_span, index % 2 == 1


def expected_layers(src: SourcePixels, index: int, footprint10: np.ndarray, footprint20: np.ndarray) -> dict:
    """The true values of the test area for the index-th Item: reflectance without offset, SCL, at native resolution."""
    rows, cols = footprint10.shape
    r, c, mirrored = window_of(index, rows, cols)
    out = {}
    for layer in LAYERS:
        if layer in TENS:
            values = src.tens[layer][2 * r: 2 * r + rows, 2 * c: 2 * c + cols]
        else:
            values = src.twenties[layer][r: r + rows // 2, c: c + cols // 2]
        values = values[:, ::-1] if mirrored else values
        out[layer] = np.where(footprint10 if layer in TENS else footprint20, values, 0)
    return out


def _footprint(item: dict, transform, shape) -> np.ndarray:
    epsg = item["properties"].get("proj:epsg") or int(str(item["properties"]["proj:code"]).split(":")[1])
    geom = transform_geom("EPSG:4326", f"EPSG:{epsg}", item["geometry"])
    return rasterize([(geom, 1)], out_shape=shape, transform=transform, fill=0, dtype="uint8").astype(bool)


def _asset_key(layer: str, earth_search: bool) -> str:
    return EARTH_SEARCH_ASSETS[layer] if earth_search else layer


@dataclass
class BuiltCatalog:
    items_file: Path  # FeatureCollection for rustac, hrefs rewritten
    items: list[dict]
    truth: dict[str, dict]  # item id -> layer -> true native values over the test area
    area_transform10: tuple  # the test area's 10 m grid (a, b, c, d, e, f)
    folder: Path
    grids: dict  # item id -> (epsg, 10 m transform, 20 m transform)
    block: int


def build(shared_data: Path, out_dir: Path, base_url: str, *, earth_search: bool = False, block: int = 128,
          only: int | None = None, area: tuple[int, int, int, int] | None = None) -> BuiltCatalog:
    """The rewritten Items file, hrefs at base_url/<item id>/<layer>.tif; `write_cog` makes each file on demand."""
    src = load_source(shared_data)
    features = json.loads((shared_data / (ES_FILE if earth_search else PC_FILE)).read_text())["features"]
    features = features[:only] if only else features
    area_row, area_col, area_rows, area_cols = area or (AREA_ROW, AREA_COL, AREA_ROWS, AREA_COLS)
    out_dir.mkdir(parents=True, exist_ok=True)
    items, truth, grids = [], {}, {}
    for index, feature in enumerate(features):
        item = copy.deepcopy(feature)
        item.pop("links", None)
        red = item["assets"][_asset_key("B04", earth_search)]
        a, _, c, _, e, f = red["proj:transform"][:6]
        t10 = rasterio.Affine(10, 0, c + area_col * 10, 0, -10, f - area_row * 10)
        t20 = rasterio.Affine(20, 0, t10.c, 0, -20, t10.f)
        fp10 = _footprint(item, t10, (area_rows, area_cols))
        fp20 = _footprint(item, t20, (area_rows // 2, area_cols // 2))
        truth[item["id"]] = expected_layers(src, index, fp10, fp20)
        grids[item["id"]] = (_epsg(item), t10, t20)
        for layer in LAYERS:
            shape = (area_rows, area_cols) if layer in TENS else (area_rows // 2, area_cols // 2)
            asset = item["assets"][_asset_key(layer, earth_search)]
            asset["href"] = f"{base_url}/{item['id']}/{layer}.tif"
            asset["proj:shape"] = list(shape)
            asset["proj:transform"] = list(t10 if layer in TENS else t20)[:6]
        items.append(item)
    items_file = out_dir / "items.json"
    items_file.write_text(json.dumps({"type": "FeatureCollection", "features": items}))
    return BuiltCatalog(items_file, items, truth, tuple(grids[items[0]["id"]][1])[:6], out_dir, grids, block)


def write_cog(built: "BuiltCatalog", relative: str) -> bool:
    """Write <item id>/<layer>.tif (the RangeServer's `materialize`): reflectance with the +1000 offset, SCL as is."""
    item_id, _, name = relative.partition("/")
    layer = name.removesuffix(".tif")
    if item_id not in built.truth or layer not in LAYERS:
        return False
    epsg, t10, t20 = built.grids[item_id]
    data = built.truth[item_id][layer]
    if layer != "SCL":
        data = np.where(data > 0, data.astype(np.int32) + OFFSET, 0).astype(np.uint16)
    folder = built.folder / item_id
    folder.mkdir(exist_ok=True)
    tmp = folder / f".{layer}.tif"
    with rasterio.open(tmp, "w", driver="COG", width=data.shape[1], height=data.shape[0], count=1, dtype=data.dtype,
                       crs=f"EPSG:{epsg}", transform=t10 if layer in TENS else t20, nodata=0, blocksize=built.block,
                       compress="deflate", overviews="none") as dst:
        dst.write(data, 1)
    tmp.rename(folder / f"{layer}.tif")
    return True


def _epsg(item: dict) -> int:
    props = item["properties"]
    return int(props.get("proj:epsg") or str(props["proj:code"]).split(":")[1])


def area_chip_bounds(built: BuiltCatalog, row: int, col: int) -> tuple[float, float, float, float]:
    """Bounds of chip (row, col) of the 2 × 2 test area."""
    _, _, c, _, _, f = built.area_transform10
    left, top = c + col * CHIP_SIZE * 10, f - row * CHIP_SIZE * 10
    return left, top - CHIP_SIZE * 10, left + CHIP_SIZE * 10, top


def chip_truth(built: BuiltCatalog, item_id: str, row: int, col: int) -> tuple[np.ndarray, np.ndarray]:
    """(10 bands in BANDS order, SCL) of a chip of the test area on the 10 m grid, nearest from 20 m."""
    values = built.truth[item_id]
    r10, c10 = row * CHIP_SIZE, col * CHIP_SIZE
    layers = []
    for layer in (*BANDS, "SCL"):
        v = values[layer]
        if layer not in TENS:
            v = np.repeat(np.repeat(v, 2, axis=0), 2, axis=1)
        layers.append(v[r10: r10 + CHIP_SIZE, c10: c10 + CHIP_SIZE])
    return np.stack(layers[:-1]).astype(np.uint16), layers[-1].astype(np.uint8)


def chip_scl20(built: BuiltCatalog, item_id: str, row: int, col: int) -> np.ndarray:
    half = CHIP_SIZE // 2
    return built.truth[item_id]["SCL"][row * half: (row + 1) * half, col * half: (col + 1) * half]
