#!/usr/bin/env bash
# Install the Debian packages some tests drive, when missing: R (the docs' R example) and
# Chromium (the browser tests, driven by Playwright).
# Needs root and apt-get; otherwise says what is missing (those tests then skip, or fail on CI).
set -euo pipefail
declare -A wanted=([Rscript]=r-base-core [chromium]=chromium)
missing=()
for command in "${!wanted[@]}"; do
    command -v "$command" >/dev/null || missing+=("${wanted[$command]}")
done
[ ${#missing[@]} -eq 0 ] && exit 0
if [ "$(id -u)" != 0 ] || ! command -v apt-get >/dev/null; then
    echo "system-packages: missing Debian packages ${missing[*]} (as root: apt-get install ${missing[*]})" >&2
    exit 0
fi
echo "system-packages: installing Debian's ${missing[*]}" >&2
apt-get update -qq >&2
DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
