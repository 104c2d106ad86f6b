"""docker-compose.yml describes the production shape and is valid where a compose client exists."""
import shutil
import subprocess

import pytest
import yaml

from tests.conftest import REPO_ROOT


def test_compose_file_has_web_worker_postgres_and_redis_sharing_the_media_volume():
    spec = yaml.safe_load((REPO_ROOT / "docker-compose.yml").read_text())
    services = spec["services"]
    assert set(services) == {"postgres", "redis", "web", "worker"}
    assert "gunicorn" in services["web"]["command"]
    assert services["worker"]["command"][:3] == ["celery", "-A", "lcnet_site"]
    for name in ("web", "worker"):
        env = services[name]["environment"]
        assert env["DATABASE_URL"].startswith("postgres://") and env["CELERY_BROKER_URL"].startswith("redis://")
        assert "media:/data/media" in services[name]["volumes"]


def _compose_command():
    if shutil.which("docker") and subprocess.run(["docker", "compose", "version"], capture_output=True).returncode == 0:
        return ["docker", "compose"]
    if shutil.which("docker-compose"):
        return ["docker-compose"]
    return None


def test_compose_config_validates_with_a_real_compose_client():
    command = _compose_command()
    if command is None:  # .ci/run installs one; a developer machine is told what to install
        pytest.fail("no compose client: install Debian's docker-compose (or the docker compose plugin)", pytrace=False)
    result = subprocess.run([*command, "-f", str(REPO_ROOT / "docker-compose.yml"), "config", "-q"],
                            capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
