#!/usr/bin/env bash
# The main job on the bundled sample data, from a fresh clone:
# set up, then convert the real Atlas pages in data/atlas/ into RDF under out/.
# (Validation, loading and serving join this script as those stages land.)
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
mkdir -p out
for format in turtle trig nquads jsonld; do
    .venv/bin/coopgraph convert data/atlas --format "$format" -o "out/atlas.$(
        case $format in turtle) echo ttl ;; nquads) echo nq ;; *) echo "$format" ;; esac
    )" --quiet
done
echo "RDF of the bundled records written to out/: $(ls out | tr '\n' ' ')"
