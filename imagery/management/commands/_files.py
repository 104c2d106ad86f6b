"""Output helpers shared by the campaign-planning commands: check first, write whole files or nothing."""

import contextlib
import os
import tempfile
from pathlib import Path

from django.core.management.base import CommandError


def check_writable(*paths: Path) -> None:
    """Fail before any work when an output's folder is missing."""
    for path in paths:
        if not Path(path).parent.resolve().is_dir():
            raise CommandError(f"folder of {path} does not exist; nothing written")


@contextlib.contextmanager
def atomic_output(path: Path):
    """Yield a temporary path next to `path`; it replaces `path` only if the block succeeds."""
    path = Path(path)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=path.suffix, dir=path.parent.resolve())
    os.close(fd)
    os.chmod(tmp, 0o644)  # mkstemp makes 0600; outputs are meant to be shared
    try:
        yield tmp
        os.replace(tmp, path)
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)
