#!/usr/bin/env bash
# Install Debian's Virtuoso Open Source if needed and start it on loopback, without systemd,
# with a fresh database in DIR, for the remote-store tests.
#   eval "$(bash scripts/virtuoso.sh DIR)"   # sets COOPGRAPH_TEST_VIRTUOSO and VIRTUOSO_PID
# Stop it with: kill "$VIRTUOSO_PID"
set -euo pipefail
dir="$(mkdir -p "${1:?usage: virtuoso.sh DIR}" && cd "$1" && pwd)"
if ! command -v virtuoso-t >/dev/null; then
    if [ "$(id -u)" != 0 ]; then
        echo "virtuoso.sh: virtuoso-t missing; as root: apt-get install virtuoso-opensource" >&2
        exit 1
    fi
    echo "virtuoso.sh: installing Debian's virtuoso-opensource" >&2
    apt-get update -qq >&2
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq virtuoso-opensource >/dev/null
fi
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }
sql_port=$(free_port)
http_port=$(free_port)
sed -e "s|/var/lib/virtuoso-opensource-7/db|$dir|g" \
    -e "s|^ServerPort *= *1111|ServerPort = 127.0.0.1:$sql_port|" \
    -e "s|^ServerPort *= *8890|ServerPort = 127.0.0.1:$http_port|" \
    -e "s|^DefaultHost *=.*|DefaultHost = 127.0.0.1:$http_port|" \
    -e "s|^DirsAllowed *=.*|DirsAllowed = ., $dir, /usr/share/virtuoso-opensource-7/vad|" \
    /etc/virtuoso-opensource-7/virtuoso.ini > "$dir/virtuoso.ini"
(cd "$dir" && exec virtuoso-t +foreground +configfile "$dir/virtuoso.ini" >"$dir/server.log" 2>&1) &
pid=$!
for _ in $(seq 1 120); do
    if python3 -c "import urllib.request, sys; urllib.request.urlopen(sys.argv[1], timeout=2)" \
        "http://127.0.0.1:$http_port/sparql?query=ASK%7B%7D" 2>/dev/null; then
        break
    fi
    if ! kill -0 "$pid" 2>/dev/null; then
        echo "virtuoso.sh: virtuoso-t exited; its log:" >&2
        tail -20 "$dir/server.log" "$dir/virtuoso.log" >&2 || true
        exit 1
    fi
    sleep 0.5
done
# A fresh database has the default dba password; the SPARQL endpoint's user may then update.
isql-vt "127.0.0.1:$sql_port" dba dba exec='GRANT SPARQL_UPDATE TO "SPARQL";' >&2
echo "export COOPGRAPH_TEST_VIRTUOSO=http://127.0.0.1:$http_port/sparql VIRTUOSO_PID=$pid"
