#!/usr/bin/env bash
# Create .venv (Python >= 3.11) and install coopgraph into it, editable, with the given extras.
# Usage: scripts/setup.sh [EXTRAS]     e.g. scripts/setup.sh test
# Works on a bare Debian machine: installs python3-venv with apt-get when venv is missing.
set -euo pipefail
cd "$(dirname "$0")/.."
extras="${1:-}"

python=""
for candidate in python3.11 python3.12 python3.13 python3; do
    if command -v "$candidate" >/dev/null &&
        "$candidate" -c 'import sys; sys.exit(sys.version_info < (3, 11))' 2>/dev/null; then
        python="$candidate"
        break
    fi
done
if [ -z "$python" ]; then
    echo "coopgraph needs Python 3.11 or newer: install it (Debian: apt-get install python3)" >&2
    exit 1
fi

if [ ! -x .venv/bin/python ]; then
    if ! "$python" -m venv .venv 2>/dev/null; then
        rm -rf .venv
        if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
            echo "setup: installing Debian's python3-venv" >&2
            apt-get update -qq && apt-get install -y -qq python3-venv >/dev/null
            "$python" -m venv .venv
        else
            echo "setup: '$python -m venv' failed; install python3-venv (as root: apt-get install python3-venv)" >&2
            exit 1
        fi
    fi
fi
.venv/bin/python -m pip install --quiet --upgrade pip
spec="."
[ -n "$extras" ] && spec=".[$extras]"
.venv/bin/python -m pip install --quiet -e "$spec"
