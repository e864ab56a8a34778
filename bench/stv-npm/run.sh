#!/usr/bin/env bash
# Benchmark rulebook's stv-scottish against the npm "stv" package on every
# Scottish ward: counts all wards in one process each, prints the time ratio and
# every ward where the winners disagree.
#
# usage: bench/stv-npm/run.sh [BLT_DIR]     (default ../shared/ballots/scotland)
#
# The published stv@0.0.2 ships dist/index.js without the dist/stv.js it needs,
# so we compile its TypeScript sources with tsc from npm into a temp folder.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../.." && pwd)
dir=${1:-$repo/../shared/ballots/scotland}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

echo "installing stv@0.0.2 and typescript into $tmp" >&2
(cd "$tmp" && npm init -y >/dev/null 2>&1 &&
  npm install --no-audit --no-fund --loglevel=error stv@0.0.2 typescript@5 @types/node@20 >/dev/null)
# tsc does not emit files it reaches inside node_modules, so compile a copy of the sources.
mkdir "$tmp/stvsrc"
cp "$tmp/node_modules/stv/src/"{index,model,stv}.ts "$tmp/stvsrc/"
"$tmp/node_modules/.bin/tsc" --outDir "$tmp/stvbuild" --target ES2017 --module commonjs \
  --esModuleInterop --skipLibCheck --types node --typeRoots "$tmp/node_modules/@types" \
  "$tmp/stvsrc/index.ts"

echo "building rulebook's counter" >&2
(cd "$repo" && go build -o "$tmp/gocount" ./bench/stv-npm/gocount)

"$tmp/gocount" "$dir" >"$tmp/go.json"
node "$here/count-npm.js" "$tmp/stvbuild" "$dir" >"$tmp/npm.json"
node "$here/compare.js" "$tmp/go.json" "$tmp/npm.json"
