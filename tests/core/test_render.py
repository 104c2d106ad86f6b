"""imagery.lib.render on real Sentinel-2 L2A chips (../shared/data/landcovernet_s2_chips), no Django."""

import io
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import rasterio
from PIL import Image

from imagery.lib import render
from imagery.lib.domain import ABSENT, BAND_INDEX, CLOUD_MASK_BAND, SCENE_BAND_COUNT, SCL_BAND, SCL_CLOUDY, SCL_INVALID

REPO = Path(__file__).resolve().parents[2]
CHIPS = Path(os.environ.get("LCNET_SAMPLE_DATA", REPO.parent / "shared" / "data")) / "landcovernet_s2_chips"


def scene_array(chip: str, *, with_scl: bool = True) -> np.ndarray:
    """(12, 256, 256) uint16 in the scene COG layout, built from a real chip's bands (+ SCL or ABSENT)."""
    if not CHIPS.exists():
        pytest.fail(f"real sample data missing: {CHIPS}")
    out = np.full((SCENE_BAND_COUNT, 256, 256), ABSENT, dtype=np.uint16)
    with rasterio.open(CHIPS / f"{chip}_bands10.tif") as src:
        out[:SCL_BAND] = src.read()
    if with_scl:
        with rasterio.open(CHIPS / f"{chip}_SCL.tif") as src:
            out[SCL_BAND] = src.read(1)
    return out


@pytest.fixture(scope="module")
def chip_a():
    return scene_array("chipA_epsg32636")


@pytest.fixture(scope="module")
def stretch_a(chip_a):
    bands = chip_a[:SCL_BAND].reshape(10, -1).astype(np.float64)
    return np.percentile(bands, 2, axis=1), np.percentile(bands, 98, axis=1)


def decode(png: bytes) -> np.ndarray:
    image = Image.open(io.BytesIO(png))
    return np.asarray(image.convert("RGBA"))


def test_registry_holds_the_five_layers():
    assert set(render.LAYERS) == {"rgb", "false_color", "swir", "ndvi", "ndwi"}


def test_unknown_layer_names_the_valid_ones(chip_a, stretch_a):
    with pytest.raises(KeyError, match="rgb, false_color, swir, ndvi, ndwi"):
        render.render("evi", chip_a, *stretch_a)


def test_ndvi_of_a_real_pixel_equals_the_hand_computed_value_and_its_lut_colour(chip_a, stretch_a):
    r, c = 100, 37
    nir, red = float(chip_a[BAND_INDEX["B08"], r, c]), float(chip_a[BAND_INDEX["B04"], r, c])
    expected = (nir - red) / (nir + red)
    assert render.ndvi(chip_a)[r, c] == pytest.approx(expected, abs=1e-6)
    rgba = render.render("ndvi", chip_a, *stretch_a)
    level = int((expected + 1) * 127.5 + 0.5)
    assert tuple(rgba[r, c]) == (*render.NDVI_LUT[level], 255)


def test_ndwi_is_mcfeeters_green_minus_nir(chip_a):
    r, c = 200, 10
    green, nir = float(chip_a[BAND_INDEX["B03"], r, c]), float(chip_a[BAND_INDEX["B08"], r, c])
    assert render.ndwi(chip_a)[r, c] == pytest.approx((green - nir) / (green + nir), abs=1e-6)


def test_rgb_stretches_b04_b03_b02_with_the_chip_low_and_high(chip_a, stretch_a):
    low, high = stretch_a
    r, c = 64, 128
    rgba = render.render("rgb", chip_a, low, high)
    for channel, band in enumerate(("B04", "B03", "B02")):
        i = BAND_INDEX[band]
        x = (float(chip_a[i, r, c]) - low[i]) / (high[i] - low[i])
        assert rgba[r, c, channel] == int(np.clip(x, 0, 1) * 255 + 0.5)
    assert rgba[r, c, 3] == 255


@pytest.mark.parametrize("name", ["false_color", "swir"])
def test_other_composites_use_their_documented_bands(chip_a, stretch_a, name):
    bands = {"false_color": ("B08", "B04", "B03"), "swir": ("B12", "B8A", "B04")}[name]
    low, high = stretch_a
    idx = [BAND_INDEX[b] for b in bands]
    expected = render.stretch(chip_a[idx], low[idx], high[idx])
    np.testing.assert_array_equal(render.render(name, chip_a, low, high)[..., :3], expected)


def test_gamma_brightens_mid_tones():
    bands = np.array([[[500]]], dtype=np.uint16)
    assert render.stretch(bands, [0], [1000], gamma=2.0)[0, 0, 0] > render.stretch(bands, [0], [1000])[0, 0, 0]


@pytest.mark.parametrize("name", list(render.LAYERS))
def test_an_all_zero_window_is_fully_transparent(name, stretch_a):
    window = np.zeros((SCENE_BAND_COUNT, 32, 32), dtype=np.uint16)
    window[SCL_BAND:] = ABSENT
    rgba = render.render(name, window, *stretch_a)
    assert not rgba.any()


def test_zero_bands_make_no_nan_and_those_pixels_transparent(chip_a, stretch_a):
    window = chip_a[:, :32, :32].copy()
    window[BAND_INDEX["B08"], 0, 0] = window[BAND_INDEX["B04"], 0, 0] = 0
    assert np.isfinite(render.ndvi(window)).all()
    rgba = render.render("ndvi", window, *stretch_a)
    assert rgba[0, 0, 3] == 0 and rgba[0, 1, 3] == 255


def test_scl_no_data_is_transparent(chip_a, stretch_a):
    window = chip_a[:, :8, :8].copy()
    window[SCL_BAND, 3, 3] = 0
    assert render.render("rgb", window, *stretch_a)[3, 3, 3] == 0


def test_cloud_tint_marks_exactly_the_scl_cloud_pixels_of_a_real_chip(chip_a, stretch_a):
    plain = render.render("rgb", chip_a, *stretch_a)
    tinted = render.render("rgb", chip_a, *stretch_a, cloud_style="tint")
    cloudy = np.isin(chip_a[SCL_BAND], SCL_CLOUDY)
    assert cloudy.any() and (~cloudy).any()
    np.testing.assert_array_equal(tinted[~cloudy], plain[~cloudy])
    changed = (tinted[cloudy] != plain[cloudy]).any(axis=1)
    assert changed.mean() > 0.99  # every cloudy pixel moves toward magenta (pure magenta stays put)


def test_cloud_mask_is_used_when_scl_is_absent(stretch_a):
    window = scene_array("52UEA_08_20180720", with_scl=False)[:, :16, :16].copy()
    window[CLOUD_MASK_BAND] = 0
    window[CLOUD_MASK_BAND, 2, 5] = 1
    np.testing.assert_array_equal(np.argwhere(render.cloud_mask(window)), [[2, 5]])


def test_hatch_lines_are_anchored_to_chip_coordinates(stretch_a):
    full = scene_array("52UEA_08_20180720")  # fully cloudy scene: SCL 8/9/10 everywhere
    whole = render.render("rgb", full, *stretch_a, cloud_style="hatch")
    part = render.render("rgb", full[:, 33:65, 70:102], *stretch_a, cloud_style="hatch", origin=(33, 70))
    np.testing.assert_array_equal(part, whole[33:65, 70:102])
    magenta = (whole[..., :3] == (255, 0, 255)).all(axis=2)
    assert 0.2 < magenta.mean() < 0.3  # one diagonal in four


def test_valid_fraction_of_a_fully_cloudy_chip_is_zero_and_of_chip_a_counts_clear_scl(chip_a):
    assert render.valid_fraction(scene_array("52UEA_08_20180720")) == 0.0
    clear = ~np.isin(chip_a[SCL_BAND], SCL_INVALID)
    assert render.valid_fraction(chip_a) == pytest.approx(clear.mean())


def test_png_round_trips_rgba_with_transparency(chip_a, stretch_a):
    window = chip_a[:, :40, :40].copy()
    window[:SCL_BAND, :5] = 0
    rgba = render.render("false_color", window, *stretch_a)
    png = render.encode_png(rgba)
    assert png.startswith(b"\x89PNG\r\n\x1a\n")
    np.testing.assert_array_equal(decode(png), rgba)


def test_opaque_images_are_written_as_rgb(chip_a, stretch_a):
    rgba = render.render("rgb", chip_a[:, :32, :32], *stretch_a)
    image = Image.open(io.BytesIO(render.encode_png(rgba)))
    assert image.mode == "RGB" and image.size == (32, 32)
    np.testing.assert_array_equal(np.asarray(image), rgba[..., :3])


def test_encode_png_rejects_float_arrays():
    with pytest.raises(ValueError, match="uint8"):
        render.encode_png(np.zeros((4, 4, 3), dtype=np.float32))


def test_render_imports_no_django():
    code = "import sys, imagery.lib.render; sys.exit('django' in sys.modules)"
    assert subprocess.run([sys.executable, "-c", code], cwd=REPO).returncode == 0
