// The package's root folder (where package.json and data/ live), for the files nodis reads at run
// time. CommonJS on purpose: `__dirname` works in both builds (the ES module build imports this
// file as CommonJS; import.meta, its ESM counterpart, does not exist in the CommonJS build). Both
// builds put this file two folders below the root: dist/src/util/ and dist/cjs/util/.

import { resolve } from 'node:path';

export const packageRoot: string = resolve(__dirname, '..', '..', '..');
