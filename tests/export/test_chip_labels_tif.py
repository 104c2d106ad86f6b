"""GET /api/export/chips/{id}/labels.tif: the chip's consensus as a LandCoverNet label GeoTIFF."""
import numpy as np
import rasterio
from rasterio.enums import ColorInterp
from rasterio.io import MemoryFile

from consensus.selectors import chip_consensus
from imagery.lib.domain import CLASS_COLORS


def url(chip_id, query=""):
    return f"/api/export/chips/{chip_id}/labels.tif{query}"


def test_the_geotiff_matches_the_database_grid_bands_and_colormap(make_export_chip, xena, api_as):
    chip = make_export_chip("30PWT_00")
    response = api_as(xena).get(url(chip.id))
    assert response.status_code == 200 and response["Content-Type"] == "image/tiff"
    label, score, complete = chip_consensus(chip)
    assert complete
    with MemoryFile(response.content) as mem, mem.open() as src:
        assert src.crs.to_epsg() == chip.epsg
        assert list(src.transform)[:6] == chip.transform
        assert src.dtypes == ("uint16", "uint16") and src.nodata == 0
        band1, band2 = src.read()
        np.testing.assert_array_equal(band1, label)
        np.testing.assert_array_equal(band2, np.where(label > 0, np.maximum(np.rint(score * 100), 1), 0))
        assert {k: src.colormap(1)[k] for k in CLASS_COLORS} == CLASS_COLORS


def test_the_geotiff_has_the_structure_of_the_published_landcovernet_file(make_export_chip, xena, api_as, real_chip):
    chip = make_export_chip("33LUD_00")
    response = api_as(xena).get(url(chip.id))
    with MemoryFile(response.content) as mem, mem.open() as ours, rasterio.open(real_chip("33LUD_00")["path"]) as real:
        assert (ours.count, ours.dtypes, ours.nodata, ours.shape) == (real.count, real.dtypes, real.nodata, real.shape)
        assert (ours.crs, ours.transform, ours.compression) == (real.crs, real.transform, real.compression)
        assert ours.colorinterp[0] == real.colorinterp[0] == ColorInterp.palette
        assert {k: ours.colormap(1)[k] for k in range(8)} == {k: real.colormap(1)[k] for k in range(8)}
        np.testing.assert_array_equal(ours.read(1), real.read(1))  # a LandCoverNet loader gets the same classes


def test_an_incomplete_chip_is_404_unless_partial_and_then_missing_tasks_are_no_data(
    make_export_chip, xena, api_as, real_chip
):
    chip = make_export_chip("30PWT_00", missing=2)
    client = api_as(xena)
    refused = client.get(url(chip.id))
    assert refused.status_code == 404 and "partial=1" in refused.json()["detail"]
    response = client.get(url(chip.id, "?partial=1"))
    assert response.status_code == 200
    with MemoryFile(response.content) as mem, mem.open() as src:
        band1, band2 = src.read()
    assert not band1[224:, 192:].any() and not band2[224:, 192:].any()  # tasks (7, 6) and (7, 7)
    np.testing.assert_array_equal(band1[:224], real_chip("30PWT_00")["label"][:224])


def test_bad_parameters_are_400_and_unknown_chips_404(make_export_chip, xena, api_as):
    chip = make_export_chip("30PWT_00")
    client = api_as(xena)
    assert client.get(url(chip.id, "?partial=maybe")).status_code == 400
    assert client.get(url(chip.id, "?tile=30PWT")).status_code == 400  # not a per-chip parameter
    assert client.get(url("30PWT_99")).status_code == 404
