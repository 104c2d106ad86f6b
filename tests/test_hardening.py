"""What a real deployment expects beyond correct answers: login lockout, the API throttle, password rules."""
import pytest
from django.contrib.auth.password_validation import validate_password
from django.core.cache import cache
from django.core.exceptions import ValidationError


@pytest.fixture
def clean_cache():
    cache.clear()  # throttle counts of earlier tests in this process
    yield
    cache.clear()


@pytest.mark.parametrize("login_url", ["/accounts/login/", "/admin/login/"])
def test_a_login_is_locked_after_the_failure_limit_and_then_refuses_the_right_password(
    client, admin_user, alice, settings, login_url
):
    assert settings.AXES_ENABLED and settings.AXES_FAILURE_LIMIT == 5  # the production default
    user = admin_user if login_url.startswith("/admin/") else alice
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        response = client.post(login_url, {"username": user.username, "password": "wrong"})
        assert response.status_code == 200  # the form again, with its error
    response = client.post(login_url, {"username": user.username, "password": "wrong"})
    assert response.status_code == 429  # the limit reached: locked out
    response = client.post(login_url, {"username": user.username, "password": user.username})
    assert response.status_code == 429 and "_auth_user_id" not in client.session
    # another user from the same address is not locked out
    other = alice if user is admin_user else admin_user
    response = client.post("/accounts/login/", {"username": other.username, "password": other.username})
    assert response.status_code == 302 and client.session["_auth_user_id"] == str(other.pk)


def test_a_right_password_before_the_limit_starts_the_count_again(client, alice, settings):
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        client.post("/accounts/login/", {"username": "alice", "password": "wrong"})
    assert client.post("/accounts/login/", {"username": "alice", "password": "alice"}).status_code == 302
    client.logout()
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        assert client.post("/accounts/login/", {"username": "alice", "password": "wrong"}).status_code == 200
    assert client.post("/accounts/login/", {"username": "alice", "password": "alice"}).status_code == 302


def test_the_api_throttle_answers_429_json_with_retry_after(api, alice, settings, clean_cache):
    settings.LCNET_API_THROTTLE_USER = "3/minute"
    client = api(alice)
    assert [client.get("/api/me/tasks/").status_code for _ in range(3)] == [200, 200, 200]
    response = client.get("/api/me/tasks/")
    assert response.status_code == 429
    assert response["Content-Type"] == "application/json" and "throttled" in response.json()["detail"]
    assert int(response["Retry-After"]) > 0
    assert api(None).get("/api/me/tasks/").status_code == 401  # counted per user: not everyone's budget


def test_anonymous_callers_are_throttled_per_address(api, settings, clean_cache):
    settings.LCNET_API_THROTTLE_ANON = "1/minute"
    client = api(None)
    assert client.get("/api/schema/").status_code == 200  # the one API answer open to anyone
    assert client.get("/api/schema/").status_code == 429
    assert client.get("/api/me/tasks/").status_code == 401  # refused before it counts: no budget to spend


def test_the_throttle_is_off_at_zero(api, alice, settings, clean_cache):
    settings.LCNET_API_THROTTLE_USER = "0"
    client = api(alice)
    assert {client.get("/api/me/tasks/").status_code for _ in range(20)} == {200}


@pytest.mark.parametrize(("password", "why"), [
    ("short1!", "too short"), ("password123", "too common"), ("83749201746", "entirely numeric"),
    ("alice.annotator", "too similar"),
])
def test_passwords_follow_djangos_four_validators(alice, password, why):
    alice.email = "alice.annotator@example.org"
    with pytest.raises(ValidationError, match=why):
        validate_password(password, alice)
    validate_password("lichen-orbit-harbour-41", alice)


def test_the_pages_session_still_needs_its_csrf_token_to_save_and_anonymous_gets_401(make_chip, alice, assign):
    from django.test import Client

    chip = make_chip()
    assign(chip, alice)
    task = chip.tasks.first()
    browser = Client(enforce_csrf_checks=True)
    anonymous = browser.get("/api/me/tasks/")
    assert anonymous.status_code == 401 and anonymous["WWW-Authenticate"] == "Token"
    browser.force_login(alice)
    body = '{"labels": [[1]], "revision": 0}'
    refused = browser.put(f"/api/tasks/{task.pk}/annotation/", body, content_type="application/json")
    assert refused.status_code == 403 and "CSRF" in refused.json()["detail"]
    page = browser.get("/label/")
    token = page.cookies["csrftoken"].value
    allowed = browser.put(f"/api/tasks/{task.pk}/annotation/", body, content_type="application/json",
                          HTTP_X_CSRFTOKEN=token)
    assert allowed.status_code != 403, allowed.content  # past the CSRF check (then judged on its labels)


def test_a_page_past_any_table_is_a_404_not_a_database_error(api, erin):
    for page in ("879959299517336945085854515200", "92233720368547758", "0", "²"):
        response = api(erin).get("/api/expert/suggested-tasks/", {"page": page})
        assert response.status_code == 404 and response.json()["detail"] == "Invalid page.", page


def test_api_bodies_are_json_only(api, admin_user):
    response = api(admin_user).post("/api/admin/assignments/", {"chips": "x", "users": "auto"}, format="multipart")
    assert response.status_code == 415 and "detail" in response.json()
