#!/usr/bin/env bash
# The main job on the bundled sample data, from a fresh clone:
# set up, convert the real Atlas pages in data/atlas/ into RDF under out/, validate them, and
# load them into the embedded store out/store. (Serving joins this script when it lands.)
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
mkdir -p out
for format in turtle trig nquads jsonld; do
    .venv/bin/coopgraph convert data/atlas --format "$format" -o "out/atlas.$(
        case $format in turtle) echo ttl ;; nquads) echo nq ;; *) echo "$format" ;; esac
    )" --quiet
done
.venv/bin/coopgraph validate data/atlas -o out/validation.txt
.venv/bin/coopgraph validate data/atlas --format json -o out/validation.json 2>/dev/null
cat out/validation.txt
.venv/bin/coopgraph load data/atlas --store out/store
.venv/bin/coopgraph stats --store out/store
echo "RDF and validation reports of the bundled records written to out/: $(ls out | tr '\n' ' ')"
