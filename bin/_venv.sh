# Sourced by bin/demo and bin/test: make .venv in the repo root and install the project's requirements.
if ! python3 -c 'import sys; sys.exit(sys.version_info < (3, 11))'; then
  echo "lcnet needs Python >= 3.11 (python3 is $(python3 --version 2>&1))" >&2; exit 1
fi
if [ ! -x .venv/bin/python ]; then
  echo "==> creating .venv"
  python3 -m venv .venv
fi
echo "==> installing requirements into .venv"
.venv/bin/python -m pip install -q --disable-pip-version-check -r requirements.txt 2> >(grep -v "^WARNING: Location" >&2)
