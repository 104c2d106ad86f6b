"""The site's own plumbing: settings fallbacks, the Celery round trip, roles, health."""
import json
import os
import subprocess
import sys

from django.contrib.auth.models import Group

from lcnet_site.celery_app import app
from lcnet_site.roles import ALL_ROLES, has_role, is_admin
from tests.conftest import REPO_ROOT


def _settings_in_subprocess(env_overrides):
    code = (
        "import json, django; from django.conf import settings; django.setup();"
        "print(json.dumps({'engine': settings.DATABASES['default']['ENGINE'],"
        "'eager': settings.CELERY_TASK_ALWAYS_EAGER, 'broker': settings.CELERY_BROKER_URL,"
        "'storage': settings.STORAGES['default']['BACKEND']}))"
    )
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DATABASE_URL", "CELERY_", "LCNET_S3"))}
    env.update(DJANGO_SETTINGS_MODULE="lcnet_site.settings", **env_overrides)
    out = subprocess.run([sys.executable, "-c", code], cwd=REPO_ROOT, env=env, capture_output=True, text=True,
                         check=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def test_settings_fall_back_to_sqlite_and_eager_celery_with_no_environment():
    got = _settings_in_subprocess({})
    assert got["engine"] == "django.db.backends.sqlite3"
    assert got["eager"] is True
    assert got["storage"] == "django.core.files.storage.FileSystemStorage"


def test_settings_use_postgres_redis_and_s3_when_configured():
    got = _settings_in_subprocess({
        "DATABASE_URL": "postgres://postgres@127.0.0.1:5432/lcnet",
        "CELERY_BROKER_URL": "redis://127.0.0.1:6379/0",
        "LCNET_S3_BUCKET": "lcnet-bucket",
    })
    assert got["engine"] == "django.db.backends.postgresql"
    assert got["eager"] is False
    assert got["broker"] == "redis://127.0.0.1:6379/0"
    assert got["storage"] == "storages.backends.s3.S3Storage"


def test_tests_run_on_postgres(db):
    from django.db import connection

    assert connection.vendor == "postgresql"


def test_a_task_makes_a_round_trip_through_redis_and_a_real_worker(celery_worker):
    assert app.conf.broker_url.startswith("redis://")
    result = app.send_task("lcnet.ping", args=[{"chip": "32NLP_00"}])
    assert result.get(timeout=20) == {"chip": "32NLP_00"}
    assert result.successful()


def test_role_groups_exist_after_migrate(db):
    assert set(Group.objects.values_list("name", flat=True)) >= set(ALL_ROLES)


def test_roles_are_read_from_groups(alice, admin_user, make_user):
    assert has_role(alice, "annotator") and not has_role(alice, "expert")
    assert not is_admin(alice) and is_admin(admin_user)
    assert is_admin(make_user("root", is_superuser=True))


def test_health_endpoint_answers(client, db):
    assert client.get("/healthz").json() == {"status": "ok", "database": "ok", "broker": "in-process"}


def test_openapi_schema_is_served(client, admin_user):
    client.force_login(admin_user)
    response = client.get("/api/schema/")
    assert response.status_code == 200
    assert b"openapi" in response.content


def test_a_user_in_the_admin_role_opens_the_django_admin_without_a_staff_flag(client, make_user):
    gina = make_user("gina", "admin")
    assert not gina.is_staff
    client.force_login(gina)
    index = client.get("/admin/")
    assert index.status_code == 200
    assert b"/api/stats/dashboard/" in index.content  # the admin index links the dataset figures
    assert client.get("/admin/imagery/chip/").status_code == 200


def test_an_annotator_is_sent_to_the_admin_login(client, alice):
    client.force_login(alice)
    response = client.get("/admin/")
    assert response.status_code == 302 and "/admin/login/" in response["Location"]
    assert not alice.has_perm("imagery.view_chip")


def test_the_openapi_schema_validates_without_warnings(db, tmp_path):
    from django.core.management import call_command

    call_command("spectacular", "--validate", "--fail-on-warn", "--file", str(tmp_path / "schema.yml"))
    schema = (tmp_path / "schema.yml").read_text()
    for path in ("/api/tasks/{task_id}/annotation/submit/", "/api/export/dataset.zip", "/api/me/tasks/next/"):
        assert path in schema


def _production_env(**overrides) -> dict[str, str]:
    """The environment of a production process: lcnet_site.settings, DEBUG off, HTTPS on, a real secret. Values
    are set even when empty: a checkout's .env only fills in what the environment lacks."""
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("DATABASE_URL", "CELERY_", "LCNET_", "DJANGO_", "SECRET_KEY", "DEBUG", "PYTEST"))}
    env.update(DJANGO_SETTINGS_MODULE="lcnet_site.settings", ALLOWED_HOSTS="lcnet.example.org", DEBUG="false",
               SECRET_KEY="k3Jx9-production-like-secret-of-fifty-or-more-characters-Qw7zV2")
    return env | overrides


def test_the_settings_refuse_to_start_without_a_secret_key_unless_debug():
    code = "import django; django.setup(); print('started')"
    refused = subprocess.run([sys.executable, "-c", code], cwd=REPO_ROOT, env=_production_env(SECRET_KEY=""),
                             capture_output=True, text=True)
    assert refused.returncode != 0 and "started" not in refused.stdout
    assert "ImproperlyConfigured: SECRET_KEY is not set" in refused.stderr, refused.stderr
    debug = subprocess.run([sys.executable, "-c", code], cwd=REPO_ROOT,
                           env=_production_env(SECRET_KEY="", DEBUG="true"), capture_output=True, text=True)
    assert debug.stdout.strip() == "started", debug.stderr


def test_check_deploy_is_clean_with_production_settings():
    result = subprocess.run([sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
                            cwd=REPO_ROOT, env=_production_env(), capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues" in result.stdout, result.stdout + result.stderr


def test_production_settings_default_to_https_and_one_switch_turns_it_off():
    code = ("import json, django; from django.conf import settings as s; django.setup(); print(json.dumps(["
            "s.SESSION_COOKIE_SECURE, s.CSRF_COOKIE_SECURE, s.SECURE_SSL_REDIRECT, s.SECURE_HSTS_SECONDS,"
            "s.SECURE_PROXY_SSL_HEADER]))")
    on = subprocess.run([sys.executable, "-c", code], cwd=REPO_ROOT, env=_production_env(), capture_output=True,
                        text=True, check=True)
    assert json.loads(on.stdout) == [True, True, True, 31_536_000, ["HTTP_X_FORWARDED_PROTO", "https"]]
    off = subprocess.run([sys.executable, "-c", code], cwd=REPO_ROOT, env=_production_env(LCNET_HTTPS="false"),
                         capture_output=True, text=True, check=True)
    assert json.loads(off.stdout) == [False, False, False, 0, None]


def test_every_answer_carries_a_content_security_policy_with_a_fresh_nonce(client, alice):
    client.force_login(alice)
    pages = [client.get("/label/"), client.get("/label/")]
    policies = [p["Content-Security-Policy"] for p in pages]
    assert "script-src 'self' 'nonce-" in policies[0] and "object-src 'none'" in policies[0]
    nonces = [p.split("'nonce-", 1)[1].split("'", 1)[0] for p in policies]
    assert nonces[0] != nonces[1]
    for page, nonce in zip(pages, nonces):  # the page's one inline script carries it
        assert f'<script nonce="{nonce}">'.encode() in page.content
    assert "Content-Security-Policy" in client.get("/api/me/tasks/")


def test_every_operation_documents_its_error_answers_with_the_error_body(db):
    from drf_spectacular.generators import SchemaGenerator

    schema = SchemaGenerator().get_schema(request=None, public=True)
    assert schema["components"]["schemas"]["Error"]["properties"]["code"]["type"] == "string"
    operations = [(path, method, op) for path, item in schema["paths"].items() for method, op in item.items()]
    assert len(operations) > 25
    for path, method, op in operations:
        codes = set(op["responses"])
        assert {"401", "403", "429"} <= codes, (method, path, codes)
        if "requestBody" in op:
            assert {"400", "413"} <= codes, (method, path, codes)
        if "{" in path:
            assert "404" in codes, (method, path, codes)
        for code, answer in op["responses"].items():
            if code.startswith("4"):
                assert answer["content"]["application/json"]["schema"], (method, path, code)
    submit = schema["paths"]["/api/tasks/{task_id}/annotation/submit/"]["post"]["responses"]
    assert {"400", "401", "403", "404", "409", "413"} <= set(submit)
    assert submit["409"]["content"]["application/json"]["schema"]["$ref"].endswith("/ConflictOut")  # the view's own
