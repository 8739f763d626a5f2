// The SBOM (scripts/sbom.ts): npm sbom's CycloneDX document for the package, checked against the
// lock file, so it lists every runtime dependency (lua-redis-wasm today) and nothing else.

import { it } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { checkSbom, makeSbom, runtimePackages, type CycloneDx } from '../scripts/sbom.js';

const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { name: string; version: string; license: string };
const lock = JSON.parse(readFileSync(new URL('../../package-lock.json', import.meta.url), 'utf8')) as Parameters<typeof checkSbom>[1];

it("describes nodis and lists the lock file's runtime dependencies", () => {
  const sbom = makeSbom();
  assert.deepEqual(checkSbom(sbom, lock, pkg), []);
  assert.equal(sbom.metadata.component.purl, `pkg:npm/${pkg.name}@${pkg.version}`);
  assert.equal(sbom.components.length, runtimePackages(lock).size);
  // One runtime dependency, named in the README: Redis's Lua 5.1 compiled to WebAssembly.
  assert.deepEqual([...runtimePackages(lock).keys()], ['lua-redis-wasm'], 'nodis has one runtime dependency (README says so)');
});

it('reports a runtime dependency that is missing, at another version, or one that is not', () => {
  const fakeLock = {
    packages: {
      '': { version: '1.0.0' },
      'node_modules/left-pad': { version: '1.3.0' },
      'node_modules/@scope/util': { version: '2.0.0' },
      'node_modules/@scope/util/node_modules/inner': { version: '0.1.0' },
      'node_modules/typescript': { version: '5.9.3', dev: true },
    },
  };
  const sbom: CycloneDx = {
    bomFormat: 'CycloneDX',
    metadata: { component: { name: 'nodis', version: '1.0.0', licenses: [{ license: { id: 'BSD-3-Clause' } }] } },
    components: [
      { group: '@scope', name: 'util', version: '2.0.1' },
      { name: 'inner', version: '0.1.0' },
      { name: 'typescript', version: '5.9.3' },
    ],
  };
  assert.deepEqual(checkSbom(sbom, fakeLock, { name: 'nodis', version: '1.0.0', license: 'BSD-3-Clause' }), [
    'runtime dependency left-pad@1.3.0 is missing',
    '@scope/util is listed at 2.0.1, locked at 2.0.0',
    'typescript is listed but is no runtime dependency',
  ]);
});
