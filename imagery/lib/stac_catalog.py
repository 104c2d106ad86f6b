"""Sentinel-2 L2A from a STAC API: catalogs, their asset keys, the Items covering a chip, reflectance offsets (no Django).

A catalog is a STAC API URL, a collection and a mapping from lcnet's layer names (the ten `BANDS` + `SCL`) to the
catalog's asset keys. Earth Search v1 (asset keys `blue`, `nir08`, `scl`, …) and Microsoft Planetary Computer (asset
keys `B02`, `B8A`, `SCL`, …; hrefs need a SAS token, added by the `planetary-computer` package) are built in; any
other catalog needs only its mapping. Searches go through pystac-client, as users query these catalogs themselves.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import date, datetime

from imagery.lib.domain import BANDS, REFLECTANCE_SCALE

LAYERS = BANDS + ("SCL",)
SCL_LAYER = "SCL"
PAGE_SIZE = 100  # Items per search page


class CatalogError(ValueError):
    """A catalog that cannot be searched or an Item that cannot be read; the message says which and why."""


EARTH_SEARCH_ASSETS = {
    "B02": "blue", "B03": "green", "B04": "red", "B08": "nir", "B05": "rededge1", "B06": "rededge2",
    "B07": "rededge3", "B8A": "nir08", "B11": "swir16", "B12": "swir22", "SCL": "scl",
}
PLANETARY_COMPUTER_ASSETS = {layer: layer for layer in LAYERS}


@dataclass(frozen=True)
class Catalog:
    url: str
    collection: str
    assets: dict[str, str]  # lcnet layer name -> the catalog's asset key
    sign: str = ""  # "planetary-computer": hrefs are signed with the planetary-computer package before reading
    name: str = "custom"

    def as_dict(self) -> dict:
        return dict(url=self.url, collection=self.collection, assets=self.assets, sign=self.sign, name=self.name)

    @classmethod
    def from_dict(cls, data: dict) -> "Catalog":
        return cls(**data)


PRESETS = {
    "earth-search": Catalog("https://earth-search.aws.element84.com/v1", "sentinel-2-l2a", EARTH_SEARCH_ASSETS,
                            name="earth-search"),
    "planetary-computer": Catalog("https://planetarycomputer.microsoft.com/api/stac/v1", "sentinel-2-l2a",
                                  PLANETARY_COMPUTER_ASSETS, sign="planetary-computer", name="planetary-computer"),
}


def catalog_from(name_or_url: str, *, collection: str | None = None, asset_map: str | None = None,
                 url: str | None = None) -> Catalog:
    """A preset by name (optionally at another `url`/`collection`), or a STAC API URL with a mapping.

    `asset_map` is a preset name (`earth-search`, `planetary-computer`) or JSON {"B02": "blue", …}; a custom URL
    without one uses Earth Search's keys (the STAC common names).
    """
    preset = PRESETS.get(name_or_url)
    if preset is None and not name_or_url.startswith(("http://", "https://")):
        raise CatalogError(f"unknown catalog {name_or_url!r}: give {' or '.join(PRESETS)} or a STAC API URL")
    base = preset or Catalog(name_or_url, collection or "sentinel-2-l2a", EARTH_SEARCH_ASSETS)
    assets = base.assets
    if asset_map:
        if asset_map in PRESETS:
            assets = PRESETS[asset_map].assets
        else:
            try:
                assets = {**base.assets, **json.loads(asset_map)}
            except (json.JSONDecodeError, TypeError) as exc:
                raise CatalogError(f"--asset-map: not a preset name or JSON object ({exc})") from exc
            if not isinstance(assets, dict) or not all(isinstance(v, str) for v in assets.values()):
                raise CatalogError("--asset-map: map each layer to an asset key, like {\"B02\": \"blue\"}")
    unknown = set(assets) - set(LAYERS)
    if unknown:
        raise CatalogError(f"--asset-map: unknown layer(s) {sorted(unknown)}; layers are {', '.join(LAYERS)}")
    return Catalog(url or base.url, collection or base.collection, dict(assets), base.sign, base.name)


@dataclass
class ItemScene:
    """What acquisition needs from one Item: where each layer is and how to read its numbers."""

    item_id: str
    day: date
    tile_cloud: float | None  # eo:cloud_cover, percent of the tile
    epsg: int | None
    hrefs: dict[str, str]  # layer -> href
    dn_offset: int  # added to reflectance DNs so every stored DN is reflectance × 10000
    baseline: str = ""
    extra: dict = field(default_factory=dict)


def _epsg(props: dict, asset: dict) -> int | None:
    for source in (asset, props):
        if source.get("proj:epsg"):
            return int(source["proj:epsg"])
        code = str(source.get("proj:code") or "")
        if code.upper().startswith("EPSG:"):
            return int(code.split(":", 1)[1])
    return None


def reflectance_offset(props: dict, asset: dict) -> int:
    """DN offset that makes an Item's reflectance DNs mean reflectance × 10000 (the pre-2022 convention).

    From processing baseline 04.00 (25 January 2022) L2A DNs carry +1000 (BOA_ADD_OFFSET). In order:
    the catalog says it already removed it (`earthsearch:boa_offset_applied`) → 0; the asset's `raster:bands`
    offset/scale (Earth Search: scale 0.0001, offset -0.1) → offset / scale (-1000); else the baseline → -1000 or 0.
    """
    if props.get("earthsearch:boa_offset_applied") is True:
        return 0
    bands = asset.get("raster:bands") or []
    if bands and "offset" in bands[0] and abs(bands[0].get("scale", 0) * REFLECTANCE_SCALE - 1) < 1e-9:
        return round(bands[0]["offset"] * REFLECTANCE_SCALE)  # reflectance = DN × 1e-4 + offset
    baseline = str(props.get("s2:processing_baseline") or "")
    try:
        return -1000 if baseline and float(baseline) >= 4.0 else 0
    except ValueError:
        return 0


def item_scene(item: dict, catalog: Catalog) -> ItemScene:
    """An Item (a dict, as pystac's to_dict gives) as an ItemScene; CatalogError names a missing asset."""
    props, assets = item.get("properties", {}), item.get("assets", {})
    hrefs = {}
    for layer in LAYERS:
        key = catalog.assets.get(layer, layer)
        if key not in assets or "href" not in assets[key]:
            raise CatalogError(f"Item {item.get('id')}: no asset {key!r} for {layer} (catalog {catalog.url} "
                               f"{catalog.collection}); pass --asset-map with this catalog's asset keys")
        hrefs[layer] = assets[key]["href"]
    stamp = props.get("datetime") or props.get("start_datetime")
    if not stamp:
        raise CatalogError(f"Item {item.get('id')}: no datetime")
    day = datetime.fromisoformat(stamp.replace("Z", "+00:00")).date()
    red = assets[catalog.assets.get("B04", "B04")]
    return ItemScene(item_id=item["id"], day=day, tile_cloud=props.get("eo:cloud_cover"),
                     epsg=_epsg(props, red), hrefs=hrefs, dn_offset=reflectance_offset(props, red),
                     baseline=str(props.get("s2:processing_baseline") or ""))


def search_items(catalog: Catalog, bbox_lonlat: tuple[float, float, float, float], year: int) -> list[dict]:
    """Every Item of the collection intersecting the box in the year, as dicts (all pages)."""
    from pystac_client import Client
    from pystac_client.exceptions import APIError

    try:
        client = Client.open(catalog.url)
        search = client.search(collections=[catalog.collection], bbox=list(bbox_lonlat),
                               datetime=f"{year}-01-01T00:00:00Z/{year}-12-31T23:59:59Z", limit=PAGE_SIZE)
        return [item for page in search.pages_as_dicts() for item in page.get("features", [])]
    except (APIError, OSError, ValueError) as exc:
        raise CatalogError(f"STAC search at {catalog.url} ({catalog.collection}) failed: {exc}") from exc


def signer(catalog: Catalog):
    """href -> readable href (Planetary Computer SAS tokens; other catalogs' hrefs are read as they are)."""
    if catalog.sign == "planetary-computer":
        import planetary_computer

        return planetary_computer.sign
    return lambda href: href
