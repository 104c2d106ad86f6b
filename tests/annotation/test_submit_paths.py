"""The submit path's hand-written SQL (annotation/sql.py) and its ORM twin (LCNET_SUBMIT_SQL=false) answer alike."""
import pytest
from django.test import override_settings

from annotation.models import AnnotationRevision
from annotation.signals import annotation_submitted


def grid(value=1):
    return [[value] * 32 for _ in range(32)]


def run_scenario(api, chip, alice, bob, carol, dave, capture):
    """Saves, submits, a stale save, an outsider and the consensus announcement; what each step answered."""
    heard = []
    annotation_submitted.connect(lambda sender, **kw: heard.append(kw["submitted_count"]), weak=False,
                                 dispatch_uid="paths")
    try:
        task = chip.tasks.get(row=1, col=1)
        url = f"/api/tasks/{task.pk}/annotation/"
        out = []
        for user, path, revision in [(alice, "", 0), (alice, "submit/", 1), (bob, "submit/", 0), (alice, "", 1),
                                     (carol, "submit/", 0), (alice, "submit/", 2)]:
            with capture(execute=True):
                r = api(user).generic("POST" if path else "PUT", url + path,
                                      data=f'{{"labels": {grid(revision + 1)}, "revision": {revision}}}',
                                      content_type="application/json")
            body = r.json()
            out.append((r.status_code, body.get("revision"), body.get("status"), body.get("code")))
        out.append(api(dave).get(url).status_code)  # not on the chip: 404
        out.append(api(alice).get(url).json()["revision"])
        out.append(AnnotationRevision.objects.filter(annotation__task=task).count())
        return out, heard
    finally:
        annotation_submitted.disconnect(dispatch_uid="paths")


@pytest.mark.parametrize("use_sql", [True, False], ids=["sql", "orm"])
def test_both_submit_paths_give_the_same_answers(use_sql, api, chip, make_user, alice, bob, carol, assign, full_mask,
                                                 django_capture_on_commit_callbacks):
    dave = make_user("dave", "annotator")
    assign(chip, alice, bob, carol)
    full_mask(chip)
    with override_settings(LCNET_SUBMIT_SQL=use_sql):
        out, heard = run_scenario(api, chip, alice, bob, carol, dave, django_capture_on_commit_callbacks)
    assert out == [
        (200, 1, "draft", None), (200, 2, "submitted", None), (200, 1, "submitted", None),
        (409, 2, None, "stale_revision"),  # alice names revision 1, hers is 2
        (200, 1, "submitted", None), (200, 3, "submitted", None),
        404, 3, 5,
    ]
    assert heard == [3, 3]  # carol's submit completes the task; alice's resubmit is announced too
