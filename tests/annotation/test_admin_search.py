"""The admin's exact search over big tables: a chip id or a username finds exactly their rows, through the foreign
key's own index (lcnet_site.admin_paging.ScaleAdminMixin)."""
import re

from django.utils import timezone

from annotation.models import Annotation, Assignment, Status


def _rows(client, path) -> set[str]:
    page = client.get(path)
    assert page.status_code == 200
    model = path.split("/")[3]
    return set(re.findall(rf'/admin/annotation/{model}/(\d+)/change/', page.content.decode()))


def test_annotations_are_found_by_chip_or_by_username_and_nothing_else(make_chip, alice, bob, admin_user, client):
    a, b = make_chip("32NLP_00"), make_chip("32NLP_01")
    for chip in (a, b):
        for user in (alice, bob):
            Assignment.objects.create(chip=chip, user=user, slot=1 if user == alice else 2)
    made = {}
    for chip in (a, b):
        for task in list(chip.tasks.order_by("row", "col"))[:3]:
            for user in (alice, bob):
                ann = Annotation.objects.create(task=task, annotator=user, labels=bytes(1024), guess=bytes(1024),
                                                status=Status.SUBMITTED, revision=1, submitted_at=timezone.now())
                made[ann.pk] = (chip.pk, user.username)
    client.force_login(admin_user)
    by = lambda test: {str(pk) for pk, key in made.items() if test(*key)}  # noqa: E731
    assert _rows(client, "/admin/annotation/annotation/?q=32NLP_01") == by(lambda c, u: c == "32NLP_01")
    assert _rows(client, "/admin/annotation/annotation/?q=32nlp_00") == by(lambda c, u: c == "32NLP_00")
    assert _rows(client, "/admin/annotation/annotation/?q=bob") == by(lambda c, u: u == "bob")
    assert _rows(client, "/admin/annotation/annotation/?q=nobody") == set()
    assert len(_rows(client, "/admin/annotation/assignment/?q=alice")) == 2
