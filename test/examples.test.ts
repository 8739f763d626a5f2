// The examples in examples/ run under their test runners: node:test, Jest (CommonJS and ES
// modules) and vitest. They import 'nodis' as a user's tests do; Node, Jest and vite resolve that
// name to this package itself (self-reference through "exports"), so they run against dist/. The
// README shows them: each README code block that starts with an example's path must be that
// file, byte for byte, so the README cannot drift from what runs here.

import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const run = promisify(execFile);
const REPO = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
const JEST = join(REPO, 'node_modules', 'jest', 'bin', 'jest.js');
const VITEST = join(REPO, 'node_modules', 'vitest', 'vitest.mjs');

/** README code blocks whose first line is `// examples/<path> ...`, by path. */
function readmeExamples(): Map<string, string> {
  const readme = readFileSync(join(REPO, 'README.md'), 'utf8');
  const blocks = new Map<string, string>();
  for (const m of readme.matchAll(/^```[a-z]*\n(\/\/ (examples\/\S+)[^\n]*\n[\s\S]*?)^```$/gm)) blocks.set(m[2], m[1]);
  return blocks;
}

it('the README shows the examples exactly as they are in examples/', () => {
  const blocks = readmeExamples();
  assert.ok(blocks.has('examples/node-test/session.test.ts'), 'the node:test example is in the README');
  for (const [path, text] of blocks) assert.equal(text, readFileSync(join(REPO, path), 'utf8'), path);
});

/** Runs a test runner; resolves with its output, rejects with it when the runner fails. */
async function runner(args: string[], env: Record<string, string> = {}): Promise<string> {
  // Without NODE_TEST_CONTEXT, which tells a node:test child of this runner not to run files itself.
  const { NODE_TEST_CONTEXT: _, ...parent } = process.env;
  try {
    const r = await run(process.execPath, args, { cwd: REPO, env: { ...parent, ...env, FORCE_COLOR: '0', NO_COLOR: '1' } });
    return r.stdout + r.stderr;
  } catch (e) {
    const err = e as { stdout?: string; stderr?: string };
    assert.fail(`${args.join(' ')} failed:\n${err.stdout ?? ''}${err.stderr ?? ''}`);
  }
}

describe('the examples pass under their test runners', () => {
  it('node:test (examples/node-test, compiled with the rest of the tree)', async () => {
    const out = await runner(['--test', '--test-reporter=tap', join(REPO, 'dist', 'examples', 'node-test', 'session.test.js')]);
    assert.match(out, /^# pass 2$/m, out);
  });

  it('Jest, CommonJS (examples/jest-cjs)', async () => {
    const out = await runner([JEST, '--ci', '--rootDir', 'examples/jest-cjs']);
    assert.match(out, /Tests:\s+2 passed, 2 total/, out);
  });

  it('Jest, ES modules (examples/jest-esm)', async () => {
    const out = await runner([JEST, '--ci', '--rootDir', 'examples/jest-esm'], { NODE_OPTIONS: '--experimental-vm-modules' });
    assert.match(out, /Tests:\s+2 passed, 2 total/, out);
  });

  it('vitest (examples/vitest)', async () => {
    const out = await runner([VITEST, 'run', '--root', 'examples/vitest']);
    assert.match(out, /Tests\s+2 passed \(2\)/, out);
  });
});
