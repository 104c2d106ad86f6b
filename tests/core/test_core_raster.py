"""guesslabels.lib.raster.warp_to_chip on a chip hanging over any edge of a land-cover map on its grid."""
import numpy as np
import pytest
import rasterio

from guesslabels.lib.raster import warp_to_chip

CHIP = [10.0, 0.0, 500000.0, 0.0, -10.0, 100000.0]
H, W = 100, 120


@pytest.mark.parametrize("row, col", [(-30, -40), (50, 100), (-30, 100), (60, -200), (0, 0)])
def test_the_chip_holds_the_map_where_they_overlap_and_nothing_elsewhere(tmp_path, row, col):
    codes = np.random.default_rng(0).integers(1, 9, (H, W)).astype(np.uint8)
    codes[5, 7] = 255  # nodata
    ref_transform = [10.0, 0.0, CHIP[2] - 10.0 * col, 0.0, -10.0, CHIP[5] + 10.0 * row]
    path = tmp_path / "ref.tif"
    with rasterio.open(path, "w", driver="GTiff", dtype="uint8", count=1, height=H, width=W, crs="EPSG:32632",
                       transform=rasterio.Affine(*ref_transform), nodata=255) as dst:
        dst.write(codes, 1)
    got, inside = warp_to_chip([path], 32632, CHIP, (256, 256))

    # the expected chip, written out: reference pixel (r, c) lands on chip pixel (r - row, c - col)
    padded = np.full((H + 512, W + 512), 255, np.int64)
    padded[256:256 + H, 256:256 + W] = codes
    want = padded[256 + row:512 + row, 256 + col:512 + col]
    np.testing.assert_array_equal(inside, want != 255)
    np.testing.assert_array_equal(got, np.where(want != 255, want, 0))
