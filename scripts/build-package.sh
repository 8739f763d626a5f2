#!/bin/sh
# Builds what the package ships, from scratch: dist/src (ES modules), dist/cjs (CommonJS, for
# require('nodis')) and dist/bundle (nodis-server as one file). `prepare` runs it, so `npm pack`, `npm publish` and
# installs from git or from a folder build dist/ first.
set -e
cd "$(dirname "$0")/.."
if [ ! -f node_modules/typescript/bin/tsc ]; then
  echo "nodis: building dist/ needs the dev dependencies (TypeScript): run 'npm install' in $(pwd) first" >&2
  exit 1
fi
rm -rf dist/src dist/cjs dist/bundle
node node_modules/typescript/bin/tsc -p tsconfig.build.json
node node_modules/typescript/bin/tsc -p tsconfig.cjs.json
# The CommonJS build's .js files are CommonJS although the package says "type": "module".
echo '{ "type": "commonjs" }' > dist/cjs/package.json
# The one-file server the nodis-server command runs.
sh scripts/bundle.sh
