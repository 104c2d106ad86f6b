"""Where the shared real Sentinel-2 sample data lives (never copied into the repo)."""
import os
from pathlib import Path

from lcnet_site.errors import AppError

REPO_ROOT = Path(__file__).resolve().parent.parent


class SampleDataMissing(AppError, RuntimeError):
    """The shared sample data is not where it was looked for (the message says where and how to point to it)."""

    code, status = "sample_data_missing", 503


def shared_data_dir() -> Path:
    """`$LCNET_SAMPLE_DATA`, else `<repo>/../shared/data`; a clear error when it is not there."""
    path = Path(os.environ.get("LCNET_SAMPLE_DATA", REPO_ROOT.parent / "shared" / "data")).resolve()
    if not (path / "README.md").is_file():
        raise SampleDataMissing(
            f"Sentinel-2 sample data not found at {path}. It lives outside the repo in ../shared/data "
            "(set LCNET_SAMPLE_DATA to its folder)."
        )
    return path
