// The package's root folder (where package.json and data/ live), for the files nodis reads at run
// time. CommonJS on purpose: `__dirname` works in every build (the ES module build imports this
// file as CommonJS; import.meta, its ESM counterpart, does not exist in the CommonJS build).
// The builds put this file at different depths (dist/src/util/, dist/cjs/util/, and the bundle's
// dist/bundle/), so the root is the nearest folder up with data/command-info.json in it.

import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';

function findRoot(from: string): string {
  for (let dir = from; ; dir = dirname(dir)) {
    if (existsSync(join(dir, 'data', 'command-info.json'))) return dir;
    if (dirname(dir) === dir) return resolve(from, '..', '..', '..');
  }
}

export const packageRoot: string = findRoot(__dirname);
