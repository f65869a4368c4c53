#!/usr/bin/env bash
# Set up and pass the tests, from a fresh clone: lint, types, then the test suite.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh test
bash scripts/system-packages.sh
echo "== ruff" && .venv/bin/ruff check . && .venv/bin/ruff format --check .
echo "== mypy" && bash scripts/typecheck.sh
echo "== pytest" && .venv/bin/python -m pytest "$@"
