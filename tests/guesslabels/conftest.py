"""Guess-label fixtures: real chips ingested from ../shared/data, land-cover maps on their grid or not."""
from io import StringIO

import numpy as np
import pytest
import rasterio
from django.core.management import call_command

from guesslabels.lib.features import MAPPINGS_DIR

EOLEARN_MAPPING = MAPPINGS_DIR / "eolearn_lulc.csv"


def run_command(name, *args):
    out = StringIO()
    call_command(name, *[str(a) for a in args], stdout=out, stderr=StringIO())
    return out.getvalue()


@pytest.fixture
def slovenia(db, shared_data):
    """The eo-learn patch as chip 33TVL_00 (5 L1C dates, cloud masks, no SCL) with lulc.tif registered (it covers tile 33TVL) and trained."""
    from imagery.models import Chip

    run_command("ingest_chips", shared_data / "eolearn_testeopatch")
    patch = shared_data / "eolearn_testeopatch"
    run_command("train_guess_labels", "--map", patch / "lulc.tif", "--mapping", EOLEARN_MAPPING, "--sync")
    return Chip.objects.get(id="33TVL_00")


@pytest.fixture
def turkey_chip(db, shared_data):
    """LandCoverNet L2A chip 36SWF_00 (one date, with SCL: water, soil, clouds)."""
    from imagery.models import Chip

    run_command("ingest_chips", shared_data / "landcovernet_s2_chips", "--date", "2018-06-01")
    return Chip.objects.get(id="36SWF_00")


@pytest.fixture
def write_reference(tmp_path):
    """write_reference(chip, codes (H, W), epsg=None, shift=(0, 0), nodata=None) -> path of a GeoTIFF on the
    chip's grid (or another CRS / shifted by a fraction of a pixel, to test refusals)."""

    def write(chip, codes, epsg=None, shift=(0.0, 0.0), nodata=None, name="reference.tif"):
        a, b, c, d, e, f = chip.transform[:6]
        transform = rasterio.Affine(a, b, c + shift[1] * a, d, e, f + shift[0] * e)
        path = tmp_path / name
        codes = np.asarray(codes)
        with rasterio.open(path, "w", driver="GTiff", dtype=codes.dtype.name, count=1, height=codes.shape[0],
                           width=codes.shape[1], crs=f"EPSG:{epsg or chip.epsg}", transform=transform,
                           nodata=nodata) as dst:
            dst.write(codes, 1)
        return path

    return write


@pytest.fixture
def stored_files():
    """Names of the files written under a storage folder since the test began (to show a refusal wrote nothing).

    Earlier tests of the same run may have left files there (load_demo trains 33TVL), so those do not count."""
    from django.core.files.storage import default_storage

    def walk(folder):
        try:
            dirs, files = default_storage.listdir(folder)
        except FileNotFoundError:
            return []
        return [f"{folder}/{f}" for f in files] + [n for d in dirs for n in walk(f"{folder}/{d}")]

    before = {folder: set(walk(folder)) for folder in ("guess", "models", "land_cover_maps")}
    return lambda folder: [name for name in walk(folder) if name not in before.get(folder, ())]
