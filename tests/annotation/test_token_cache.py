"""The labeling API's token cache: one query less per call, bounded staleness."""
import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from rest_framework.authtoken.models import Token


@pytest.fixture
def alice_task(chip, alice, assign):
    assign(chip, alice)
    return chip.tasks.first()


def test_a_repeated_call_skips_the_token_query(api, alice, alice_task):
    client = api(alice)
    client.get("/api/me/tasks/next/")
    with CaptureQueriesContext(connection) as ctx:
        client.get(f"/api/tasks/{alice_task.pk}/annotation/")
    assert not any("authtoken_token" in q["sql"] for q in ctx.captured_queries)


def test_a_deleted_token_is_refused_at_once_when_the_cache_is_off(api, alice, alice_task, settings):
    settings.LCNET_TOKEN_CACHE_SECONDS = 0
    client = api(alice)
    assert client.get("/api/me/tasks/").status_code == 200
    Token.objects.filter(user=alice).delete()
    assert client.get("/api/me/tasks/").status_code in (401, 403)


def test_a_cached_user_is_a_fresh_copy_per_request(alice):
    from annotation.auth import CachedTokenAuthentication

    key = Token.objects.create(user=alice).key
    first, _ = CachedTokenAuthentication().authenticate_credentials(key)
    first.scratch = "from request one"
    second, _ = CachedTokenAuthentication().authenticate_credentials(key)
    assert second.pk == alice.pk and not hasattr(second, "scratch")
