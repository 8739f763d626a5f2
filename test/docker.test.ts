// The Dockerfile, carried out without a container engine (none runs here) by
// scripts/docker-sim.ts: both stages built in a temporary directory, then the image's command
// started as its non-root user in /data, checked with its HEALTHCHECK, a client, and SHUTDOWN's
// snapshot in the volume.

import { it } from 'node:test';
import assert from 'node:assert/strict';
import { simulate } from '../scripts/docker-sim.js';

it('the Dockerfile builds and runs (simulated outside a container)', async () => {
  const lines: string[] = [];
  await simulate({ log: (line) => lines.push(line) }).catch((e: unknown) => {
    assert.fail(`${e instanceof Error ? e.message : String(e)}\n--- steps:\n${lines.join('\n')}`);
  });
  assert.ok(lines.includes('HEALTHCHECK passed'), lines.join('\n'));
});
