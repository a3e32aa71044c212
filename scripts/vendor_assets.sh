#!/usr/bin/env bash
# Copies the front-end packages installed by npm (package-lock.json) into
# static/vendor, from where the application serves them: no CDN on the intranet.
#
# Files are copied unchanged, so each can be checked against its npm package. A file
# that names a source map (`sourceMappingURL=...`) gets that map beside it: the
# production static storage (hashed names, tests/test_production.py) resolves every
# such reference and refuses to collect a file whose map is missing.
set -euo pipefail
cd "$(dirname "$0")/.."
out=static/vendor

# vendor SOURCE DEST_DIR: copy SOURCE, and the source map it names, into DEST_DIR.
vendor() {
  local source=$1 dest=$2 map
  cp "$source" "$dest/"
  map=$(tail -c 300 "$source" | sed -n 's@.*sourceMappingURL=\([^ *]*\).*@\1@p' | tail -n 1)
  if [ -n "$map" ]; then
    if [ ! -f "$(dirname "$source")/$map" ]; then
      echo "vendor_assets.sh: $source names $map, which the package does not ship" >&2
      exit 1
    fi
    cp "$(dirname "$source")/$map" "$dest/"
  fi
}

rm -rf "$out"
mkdir -p "$out/bootstrap" "$out/bootstrap-icons/fonts" "$out/htmx" "$out/echarts"
vendor node_modules/bootstrap/dist/css/bootstrap.min.css "$out/bootstrap"
vendor node_modules/bootstrap/dist/js/bootstrap.bundle.min.js "$out/bootstrap"
vendor node_modules/bootstrap-icons/font/bootstrap-icons.min.css "$out/bootstrap-icons"
cp node_modules/bootstrap-icons/font/fonts/bootstrap-icons.woff2 node_modules/bootstrap-icons/font/fonts/bootstrap-icons.woff "$out/bootstrap-icons/fonts/"
vendor node_modules/htmx.org/dist/htmx.min.js "$out/htmx"
vendor node_modules/echarts/dist/echarts.min.js "$out/echarts"
