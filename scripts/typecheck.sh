#!/usr/bin/env bash
# Type-check the package as installed: the top-level stage folders (ontology/, converters/, ...)
# are sub-packages of `coopgraph`, a mapping mypy cannot follow through the editable install,
# so mypy reads a symlinked view of the package instead.
set -euo pipefail
cd "$(dirname "$0")/.."
view=.typecheck/coopgraph
rm -rf .typecheck && mkdir -p "$view"
for file in coopgraph/*.py; do ln -s "../../$file" "$view/"; done
for stage in ontology converters shapes server; do ln -s "../../$stage" "$view/$stage"; done
exec "${PYTHON:-.venv/bin/python}" -m mypy --config-file pyproject.toml .typecheck/coopgraph
