#!/usr/bin/env bash
# The main job on the bundled sample data, from a fresh clone:
# set up, convert the real Atlas pages in data/atlas/ into RDF under out/, validate them, load
# them into the embedded store out/store, and serve it: http://127.0.0.1:5000/sparql (Ctrl-C stops).
set -euo pipefail
cd "$(dirname "$0")/.."
# The IRIs the data mints dereference on this very server (a BASE set outside wins).
export COOPGRAPH_BASE="${COOPGRAPH_BASE:-http://localhost:${PORT:-5000}/}"
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
echo "browse ${COOPGRAPH_BASE}, or try: curl 'http://127.0.0.1:${PORT:-5000}/sparql?query=ASK%7B%3Fs%20%3Fp%20%3Fo%7D'"
exec .venv/bin/coopgraph serve --store out/store --port "${PORT:-5000}"
