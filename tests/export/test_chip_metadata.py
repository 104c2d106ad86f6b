"""GET /api/export/chips/{id}/stac.json, labels.json and source_dates.csv."""
import numpy as np
import pystac
from pystac.extensions.label import LabelExtension, LabelType

from consensus.selectors import chip_consensus
from imagery.lib.domain import CLASS_NAMES


def test_the_stac_item_loads_with_pystac_and_carries_the_label_extension(make_export_chip, xena, api_as, real_chip):
    chip = make_export_chip("36PYV_00")
    response = api_as(xena).get(f"/api/export/chips/{chip.id}/stac.json")
    assert response.status_code == 200
    item = pystac.Item.from_dict(response.json())
    assert item.id == "lcnet_labels_36PYV_00" and item.collection_id == "lcnet_labels"
    label = LabelExtension.ext(item)
    assert label.label_type == LabelType.RASTER and label.label_tasks == ["segmentation"]
    counts = {c.name: c.count for c in label.label_overviews[0].counts}
    real = real_chip("36PYV_00")["label"]
    assert counts == {CLASS_NAMES[k]: int((real == k).sum()) for k in range(1, 8) if (real == k).any()}
    assert len(item.get_links("source")) == len(real_chip("36PYV_00")["dates"]) == 24
    assert item.assets["labels"].href == "labels.tif"
    west, south, east, north = item.bbox
    assert 35.5 < west < east < 35.6 and 12.9 < south < north < 13.0  # WGS84, not UTM


def test_labels_json_gives_both_bands_and_annotator_ids_to_admins_only(make_export_chip, admin_user, xena, alice, api_as):
    chip = make_export_chip("30PWT_00", annotators=[alice])
    label, score, _ = chip_consensus(chip)
    as_admin = api_as(admin_user).get(f"/api/export/chips/{chip.id}/labels.json").json()
    np.testing.assert_array_equal(np.array(as_admin["label"]), label)
    np.testing.assert_array_equal(np.array(as_admin["score_pct"]), np.where(label > 0, np.maximum(np.rint(score * 100), 1), 0))
    assert as_admin["crs"] == "EPSG:32630" and as_admin["transform"] == chip.transform
    assert as_admin["annotators"] == [alice.pk] and as_admin["methods"] == ["bayes"] and as_admin["computed_at"]
    as_exporter = api_as(xena).get(f"/api/export/chips/{chip.id}/labels.json").json()
    assert "annotators" not in as_exporter


def test_source_dates_csv_is_the_published_file(make_export_chip, xena, api_as, real_chip):
    chip = make_export_chip("38KMA_00")
    response = api_as(xena).get(f"/api/export/chips/{chip.id}/source_dates.csv")
    assert response.status_code == 200
    assert response.content.decode() == (real_chip("38KMA_00")["path"].parent / "source_dates.csv").read_text()
