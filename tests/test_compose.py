"""docker-compose.yml describes the production shape (processes sharing only Postgres, Redis and S3) and is valid
where a compose client exists; tests/deploy starts its commands."""
import os
import shutil
import subprocess

import pytest
import yaml

from tests.conftest import REPO_ROOT


def test_compose_file_has_web_and_worker_sharing_only_postgres_redis_and_s3():
    spec = yaml.safe_load((REPO_ROOT / "docker-compose.yml").read_text())
    services = spec["services"]
    assert {"postgres", "redis", "s3", "web", "worker", "beat"} <= set(services)
    assert services["beat"]["command"][:4] == ["celery", "-A", "lcnet_site", "beat"]  # the outbox sweep
    assert "gunicorn" in services["web"]["command"]
    assert services["worker"]["command"][:3] == ["celery", "-A", "lcnet_site"]
    assert services["s3"]["image"].startswith("chrislusf/seaweedfs") and "-s3" in services["s3"]["command"]
    assert "-master.telemetry=false" in services["s3"]["command"]
    for name in ("web", "worker", "beat"):
        env = services[name]["environment"]
        assert env["DATABASE_URL"].startswith("postgres://") and env["CELERY_BROKER_URL"].startswith("redis://")
        assert env["LCNET_S3_BUCKET"] and "s3:8333" in env["AWS_S3_ENDPOINT_URL"]
        assert not services[name].get("volumes"), "web and worker share no disk: every file goes to S3"


def _compose_command():
    if shutil.which("docker") and subprocess.run(["docker", "compose", "version"], capture_output=True).returncode == 0:
        return ["docker", "compose"]
    if shutil.which("docker-compose"):
        return ["docker-compose"]
    return None


def _compose_config(env: dict[str, str], tmp_path) -> subprocess.CompletedProcess:
    command = _compose_command()
    if command is None:  # .ci/run installs one; a developer machine is told what to install
        pytest.fail("no compose client: install Debian's docker-compose (or the docker compose plugin)", pytrace=False)
    env = {k: v for k, v in os.environ.items() if k not in ("SECRET_KEY", "LCNET_HTTPS")} | env  # not the tests'
    empty = tmp_path / "empty.env"  # not the checkout's .env (bin/demo writes a SECRET_KEY there)
    empty.write_text("")
    return subprocess.run([*command, "-f", str(REPO_ROOT / "docker-compose.yml"), "--env-file", str(empty),
                           "config"], capture_output=True, text=True, env=env)


def test_compose_config_validates_with_a_real_compose_client(tmp_path):
    result = _compose_config({"SECRET_KEY": "a-long-random-deployment-secret"}, tmp_path)
    assert result.returncode == 0, result.stderr
    web = yaml.safe_load(result.stdout)["services"]["web"]["environment"]
    assert web["SECRET_KEY"] == "a-long-random-deployment-secret" and web["LCNET_HTTPS"] == "true"


def test_compose_refuses_to_start_without_a_secret_key(tmp_path):
    result = _compose_config({}, tmp_path)
    assert result.returncode != 0
    assert "SECRET_KEY" in result.stderr, result.stderr
