"""Render a scene window as an RGBA image and encode it as PNG (pure numpy + zlib, no Django).

Input everywhere: a scene window in the COG layout of `imagery.lib.domain` — an array (12, h, w) uint16 holding the ten
reflectance bands (DN = reflectance × 10000, 0 = no data), then SCL, then a binary cloud mask (ABSENT where the source
had none). The chip's display stretch is two length-10 sequences (low, high) in DN, one value per band.

Layers live in `LAYERS`: one small function per layer,
`(window, low, high) -> (rgb uint8 (h, w, 3), valid bool (h, w))`; adding a layer is one function and one
`@layer("name")` line.

Index colormaps (documented choice): NDVI uses ColorBrewer RdYlGn and NDWI uses ColorBrewer BrBG, each as its fixed
11 stops spread evenly over −1…1, interpolated once at import into a 256-entry lookup table; rendering quantises the
index to 0..255 and looks the colour up (no matplotlib at request time). NDVI: red/brown = bare, yellow ≈ 0.2, green
= dense vegetation. NDWI (McFeeters): brown = dry land, white ≈ 0, teal = open water.
"""

import struct
import zlib
from collections.abc import Callable, Sequence

import numpy as np

from imagery.lib.domain import BAND_INDEX, CLOUD_MASK_BAND, SCL_BAND
from imagery.lib.observations import cloudy, has_data as observed_data, usable

RENDER_VERSION = 1  # bump when the pixels a layer produces change, so cached ETags change too
CLOUD_STYLES = ("none", "tint", "hatch")
CLOUD_TINT_RGB = np.array([255, 0, 255], dtype=np.float32)  # magenta: never a natural colour in these views
CLOUD_TINT_ALPHA = 0.5
HATCH_PERIOD = 4  # one diagonal line every 4 ground pixels
DEFAULT_STRETCH = (0, 3000)  # DN; only for a chip stored without its own stretch (reflectance 0–0.3 covers land)

LayerFn = Callable[[np.ndarray, Sequence[float], Sequence[float]], tuple[np.ndarray, np.ndarray]]
LAYERS: dict[str, LayerFn] = {}


def layer(name: str) -> Callable[[LayerFn], LayerFn]:
    def register(fn: LayerFn) -> LayerFn:
        LAYERS[name] = fn
        return fn

    return register


def _lut(hex_stops: str) -> np.ndarray:
    """256×3 uint8 table interpolated from evenly spaced hex colour stops."""
    stops = np.array([[int(h[i : i + 2], 16) for i in (0, 2, 4)] for h in hex_stops.split()], dtype=np.float64)
    x = np.linspace(0, 255, len(stops))
    grid = np.arange(256)
    return np.stack([np.interp(grid, x, stops[:, c]) for c in range(3)], axis=1).round().astype(np.uint8)


# ColorBrewer 11-class RdYlGn and BrBG, low → high.
NDVI_STOPS = "a50026 d73027 f46d43 fdae61 fee08b ffffbf d9ef8b a6d96a 66bd63 1a9850 006837"
NDWI_STOPS = "543005 8c510a bf812d dfc27d f6e8c3 f5f5f5 c7eae5 80cdc1 35978f 01665e 003c30"
NDVI_LUT = _lut(NDVI_STOPS)
NDWI_LUT = _lut(NDWI_STOPS)

# What each layer shows, for the page's legend; the layers below are registered from these same tables.
COMPOSITE_BANDS = {"rgb": ("B04", "B03", "B02"), "false_color": ("B08", "B04", "B03"), "swir": ("B12", "B8A", "B04")}
# name: (band a, band b, hex stops, what −1 means, what 1 means); the index is (a − b) / (a + b).
INDEX_LAYERS = {
    "ndvi": ("B08", "B04", NDVI_STOPS, "bare ground, water", "dense vegetation"),
    "ndwi": ("B03", "B08", NDWI_STOPS, "dry land, vegetation", "open water"),
}


def has_data(window: np.ndarray) -> np.ndarray:
    """(h, w) bool: some reflectance is recorded and SCL (when present) does not say no data."""
    return observed_data(window[:SCL_BAND], window[SCL_BAND], band_axis=0)


def cloud_mask(window: np.ndarray) -> np.ndarray:
    """(h, w) bool cloudy (imagery.lib.observations.cloudy): drawn by the cloud styles; no data stays transparent."""
    return cloudy(window[SCL_BAND], window[CLOUD_MASK_BAND])


def valid_fraction(window: np.ndarray) -> float:
    """Share of the window's pixels that are usable (imagery.lib.observations.usable)."""
    valid = usable(window[:SCL_BAND], window[SCL_BAND], window[CLOUD_MASK_BAND], band_axis=0)
    return float(valid.mean()) if valid.size else 0.0


def stretch(bands: np.ndarray, low: Sequence[float], high: Sequence[float], gamma: float = 1.0) -> np.ndarray:
    """(k, h, w) DN → (h, w, k) uint8, linear between each band's low and high (clipped), optional gamma."""
    lo = np.asarray(low, dtype=np.float32)[:, None, None]
    span = np.maximum(np.asarray(high, dtype=np.float32)[:, None, None] - lo, 1.0)  # flat band: no division by 0
    x = np.clip((bands.astype(np.float32) - lo) / span, 0.0, 1.0)
    if gamma != 1.0:
        x = x ** np.float32(1.0 / gamma)
    return np.moveaxis((x * 255.0 + 0.5).astype(np.uint8), 0, -1)


def normalized_difference(a: np.ndarray, b: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(a − b)/(a + b) as float32 and a mask of where it is defined (a + b > 0); 0 elsewhere, never NaN."""
    a = a.astype(np.float32)
    b = b.astype(np.float32)
    total = a + b
    defined = total > 0
    index = np.divide(a - b, total, out=np.zeros_like(total), where=defined)
    return index, defined


def colorize(index: np.ndarray, lut: np.ndarray) -> np.ndarray:
    """Index in −1…1 → (h, w, 3) uint8 by table lookup."""
    level = ((np.clip(index, -1.0, 1.0) + 1.0) * 127.5 + 0.5).astype(np.uint8)
    return lut[level]


def _composite(names: Sequence[str]) -> LayerFn:
    picks = [BAND_INDEX[n] for n in names]

    def render(window, low, high):
        bands = window[picks]
        valid = (bands > 0).all(axis=0)
        return stretch(bands, [low[i] for i in picks], [high[i] for i in picks]), valid

    return render


def _index(a: str, b: str, lut: np.ndarray) -> LayerFn:
    def render(window, low, high):
        index, defined = normalized_difference(window[BAND_INDEX[a]], window[BAND_INDEX[b]])
        return colorize(index, lut), defined

    return render


layer("rgb")(_composite(COMPOSITE_BANDS["rgb"]))
layer("false_color")(_composite(COMPOSITE_BANDS["false_color"]))
layer("swir")(_composite(COMPOSITE_BANDS["swir"]))
layer("ndvi")(_index(*INDEX_LAYERS["ndvi"][:2], NDVI_LUT))
layer("ndwi")(_index(*INDEX_LAYERS["ndwi"][:2], NDWI_LUT))


def ndvi(window: np.ndarray) -> np.ndarray:
    return normalized_difference(window[BAND_INDEX["B08"]], window[BAND_INDEX["B04"]])[0]


def ndwi(window: np.ndarray) -> np.ndarray:
    return normalized_difference(window[BAND_INDEX["B03"]], window[BAND_INDEX["B08"]])[0]


def _draw_clouds(rgb: np.ndarray, cloudy: np.ndarray, style: str, origin: tuple[int, int]) -> np.ndarray:
    if style == "none" or not cloudy.any():
        return rgb
    if style == "tint":
        tinted = rgb.astype(np.float32) * (1 - CLOUD_TINT_ALPHA) + CLOUD_TINT_RGB * CLOUD_TINT_ALPHA
        return np.where(cloudy[..., None], tinted.astype(np.uint8), rgb)
    # Hatch lines are anchored to chip coordinates, so they line up across tasks and context sizes.
    h, w = cloudy.shape
    rows = np.arange(h)[:, None] + origin[0]
    cols = np.arange(w)[None, :] + origin[1]
    on_line = cloudy & ((rows + cols) % HATCH_PERIOD == 0)
    return np.where(on_line[..., None], CLOUD_TINT_RGB.astype(np.uint8), rgb)


def render(
    name: str,
    window: np.ndarray,
    low: Sequence[float],
    high: Sequence[float],
    *,
    cloud_style: str = "none",
    origin: tuple[int, int] = (0, 0),
) -> np.ndarray:
    """Render layer `name` of a (12, h, w) window as (h, w, 4) uint8 RGBA; no data is fully transparent (0,0,0,0).

    `origin` is the window's (row, col) in the chip, used to anchor the cloud hatch.
    """
    if name not in LAYERS:
        raise KeyError(f"unknown layer {name!r}; valid layers: {', '.join(LAYERS)}")
    if cloud_style not in CLOUD_STYLES:
        raise ValueError(f"unknown cloud style {cloud_style!r}; valid: {', '.join(CLOUD_STYLES)}")
    rgb, valid = LAYERS[name](window, low, high)
    valid = valid & has_data(window)
    rgb = _draw_clouds(rgb, cloud_mask(window), cloud_style, origin)
    rgba = np.zeros(rgb.shape[:2] + (4,), dtype=np.uint8)
    rgba[..., :3] = np.where(valid[..., None], rgb, 0)
    rgba[..., 3] = valid * np.uint8(255)
    return rgba


def _chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)


def encode_png(image: np.ndarray, level: int = 1) -> bytes:
    """(h, w, 4) or (h, w, 3) uint8 → PNG bytes. Fully opaque RGBA is written as RGB (smaller, same picture).

    Filter type 0 on every row and a fast zlib level: at task sizes encoding stays well under a millisecond.
    """
    if image.dtype != np.uint8 or image.ndim != 3 or image.shape[2] not in (3, 4):
        raise ValueError("encode_png expects an (h, w, 3|4) uint8 array")
    if image.shape[2] == 4 and image[..., 3].min() == 255:
        image = image[..., :3]
    h, w, channels = image.shape
    rows = np.zeros((h, w * channels + 1), dtype=np.uint8)  # first byte of each row: filter type 0
    rows[:, 1:] = image.reshape(h, w * channels)
    color_type = 6 if channels == 4 else 2
    header = struct.pack(">IIBBBBB", w, h, 8, color_type, 0, 0, 0)
    return b"".join(
        (
            b"\x89PNG\r\n\x1a\n",
            _chunk(b"IHDR", header),
            _chunk(b"IDAT", zlib.compress(rows.tobytes(), level)),
            _chunk(b"IEND", b""),
        )
    )
