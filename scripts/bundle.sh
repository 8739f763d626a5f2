#!/bin/sh
# Joins the server's ES modules (dist/src, from tsc) into one CommonJS file,
# dist/bundle/nodis-server.cjs, which the nodis-server command runs (src/bin.cts): Node starts it
# several times faster. Dependencies stay outside it, loaded from node_modules by require(): a
# script run by node:vm, as bin.cts runs the bundle, cannot import() without a flag in Node 20.
# Whitespace is dropped (names are kept, for stack traces): Node reads and compiles it in half the
# time. Rebuilding drops the folder, and with it the code cache made for the old bundle.
set -e
cd "$(dirname "$0")/.."
rm -rf dist/bundle
# A line unique to this build, which the code cache is stamped with (src/bin.cts).
BUILD="$(date -u +%Y%m%dT%H%M%S)-$(od -An -N8 -tx1 /dev/urandom | tr -d ' \n')"
node_modules/.bin/esbuild dist/src/nodis-server.js --bundle --platform=node --format=cjs \
  --target=node20 --supported:dynamic-import=false --packages=external --minify-whitespace --sourcemap \
  --log-level=warning "--banner:js=// nodis-build $BUILD" --outfile=dist/bundle/nodis-server.cjs
