"""A deleted token or a deactivated user stops working on the very next request, a save included (the token is
looked up every time: no cache keeps it alive), and the refusal is a 401 naming the Token scheme."""
import pytest
from rest_framework.authtoken.models import Token

from annotation.models import Annotation


@pytest.fixture
def alice_task(chip, alice, assign, full_mask):
    assign(chip, alice)
    full_mask(chip)
    return chip.tasks.first()


def save(client, task, revision):
    return client.put(f"/api/tasks/{task.pk}/annotation/", {"labels": [[1] * 32] * 32, "revision": revision},
                      format="json")


def test_a_deleted_token_is_refused_on_the_next_request_including_a_save(api, alice, alice_task):
    client = api(alice)
    assert save(client, alice_task, 0).status_code == 200
    assert client.get("/api/me/tasks/").status_code == 200
    Token.objects.filter(user=alice).delete()
    response = save(client, alice_task, 1)
    assert response.status_code == 401 and response["WWW-Authenticate"] == "Token"
    assert response.json()["detail"] == "Invalid token."
    assert client.get("/api/me/tasks/").status_code == 401
    assert Annotation.objects.get(annotator=alice).revision == 1  # the refused save stored nothing


def test_a_deactivated_user_is_refused_on_the_next_request_including_a_save(api, alice, alice_task):
    client = api(alice)
    assert save(client, alice_task, 0).status_code == 200
    alice.is_active = False
    alice.save(update_fields=["is_active"])
    response = save(client, alice_task, 1)
    assert response.status_code == 401 and response["WWW-Authenticate"] == "Token"
    assert response.json()["detail"] == "User inactive or deleted."
    assert client.get(f"/api/tasks/{alice_task.pk}/annotation/").status_code == 401
    assert Annotation.objects.get(annotator=alice).revision == 1
