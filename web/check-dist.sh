#!/usr/bin/env bash
# Checks that the committed web/dist is what `npm run build` makes from the current
# sources, byte for byte (kefu embeds web/dist, so a stale one ships a stale dashboard).
# Needs web/'s packages (`npm ci --prefix web`).
set -euo pipefail
cd "$(dirname "$0")"

tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT

npm run build -- --outDir "$tmp" --emptyOutDir
if [ ! -f dist/index.html ]; then
  echo "web/dist is missing: run \`npm run build --prefix web\` and commit web/dist" >&2
  exit 1
fi
if ! diff -r dist "$tmp"; then
  echo "web/dist is stale: run \`npm run build --prefix web\` and commit web/dist" >&2
  exit 1
fi
echo "web/dist matches a fresh build"
