"""Every numeric core imports without Django, directly or through anything it imports.

Each module is imported in a fresh interpreter: in this process Django may already be loaded by another test.
The list is every module under `*/lib/`; a few known names guard against the glob silently finding nothing.
"""

import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]

# Every module under an app's lib/ folder, found in the tree (a new core is checked the day it is added).
PURE_MODULES = sorted(
    ".".join(path.relative_to(REPO).with_suffix("").parts).removesuffix(".__init__")
    for path in REPO.glob("*/lib/**/*.py")
    if not path.relative_to(REPO).parts[0].startswith(".")
)


def test_the_cores_are_found():
    assert {"imagery.lib.render", "consensus.lib.engine", "export.lib.zipstream"} <= set(PURE_MODULES)

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
