#!/usr/bin/env bash
# Makes a Python virtualenv with the e2e suite's Python clients (tests/e2e/python/requirements.txt:
# the `cent` server API client and the `centrifuge-python` SDK) under .cache/venv, and prints the
# path of its python on stdout. Reinstalls only when requirements.txt is newer than the venv.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
VENV="$ROOT/.cache/venv"
REQ="$ROOT/tests/e2e/python/requirements.txt"
STAMP="$VENV/.installed"

log() { echo "python-deps.sh: $*" >&2; }
die() { echo "python-deps.sh: error: $*" >&2; exit 1; }

if [[ -x "$VENV/bin/python" && -f "$STAMP" && ! "$REQ" -nt "$STAMP" ]]; then
  echo "$VENV/bin/python"
  exit 0
fi

command -v python3 >/dev/null 2>&1 || die "python3 is not installed (Python >= 3.10 is needed for tests/e2e/python)"
python3 -c 'import sys; sys.exit(0 if sys.version_info >= (3, 10) else 1)' \
  || die "Python >= 3.10 is needed (centrifuge-python), found $(python3 --version 2>&1)"

log "creating $VENV and installing $(grep -v '^#' "$REQ" | tr '\n' ' ')"
start=$SECONDS
python3 -m venv "$VENV" >&2 || die "python3 -m venv failed (Debian: apt-get install python3-venv)"
"$VENV/bin/python" -m pip install --quiet --disable-pip-version-check -r "$REQ" >&2 \
  || die "pip install -r $REQ failed"
touch "$STAMP"
log "done in $((SECONDS - start))s"
echo "$VENV/bin/python"
