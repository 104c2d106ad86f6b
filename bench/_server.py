"""How docker-compose runs the web process, for benchmarks that start one (read from docker-compose.yml, so a
change there is measured here)."""
from pathlib import Path

import yaml

COMPOSE = Path(__file__).resolve().parent.parent / "docker-compose.yml"


def web_malloc_env() -> dict[str, str]:
    """The web service's glibc malloc settings (MALLOC_*), as environment variables."""
    web = yaml.safe_load(COMPOSE.read_text())["services"]["web"]
    return {k: str(v) for k, v in (web.get("environment") or {}).items() if k.startswith("MALLOC_")}
