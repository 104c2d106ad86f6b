"""Every numeric core imports without Django, directly or through anything it imports.

Each module is imported in a fresh interpreter: in this process Django may already be loaded by another test.
The list is explicit so that a renamed or deleted core fails here instead of silently dropping out.
"""

import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]

PURE_MODULES = [
    "imagery.domain",
    "imagery.render",
    "imagery.sampling",
    "imagery.sampling_plot",
    "imagery.geo",
    "imagery.cog",
    "imagery.sources",
    "imagery.source_io",
    "imagery.source_layouts",
    "imagery.ingest",
    "imagery.core_cache",
    "imagery.core_chip_windows",
    "imagery.core_series",
    "imagery.core_windows",
    "guesslabels.features",
    "guesslabels.core_interpolation",
    "guesslabels.core_pipeline",
    "guesslabels.core_raster",
    "guesslabels.model",
    "guesslabels.plots",
    "consensus.engine",
    "consensus.plots",
    "consensus.core_zipstream",
    "consensus.export_core",
    "consensus.stats_core",
]

# Prints the Django modules loaded (none expected); a missing module raises and exits non-zero.
PROBE = (
    "import importlib, sys; importlib.import_module(sys.argv[1]); "
    "print(sorted(m for m in sys.modules if m.split('.')[0] == 'django'))"
)


@pytest.mark.parametrize("module", PURE_MODULES)
def test_pure_module_imports_no_django(module):
    run = subprocess.run([sys.executable, "-c", PROBE, module], cwd=REPO, capture_output=True, text=True, timeout=60)
    assert run.returncode == 0, f"{module} failed to import:\n{run.stderr}"
    assert run.stdout.strip() == "[]", f"{module} loads Django: {run.stdout.strip()}"
