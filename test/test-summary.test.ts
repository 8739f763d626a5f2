// The summary reporter of `npm test` (scripts/test-summary.ts), fed a made-up run.

import { it } from 'node:test';
import assert from 'node:assert/strict';
import summaryReporter, { areaOf } from '../scripts/test-summary.js';

it('prints one line per area, failures with their error, skips by reason, and the closing counts', async () => {
  const oracle = 'redis-server not found: differential tests skipped';
  const events = [
    { type: 'test:pass', data: { name: 'a', nesting: 1, file: '/r/dist/test/commands/keys.test.js', details: { type: 'test' } } },
    { type: 'test:pass', data: { name: 'diff', nesting: 0, file: '/r/dist/test/commands/keys.test.js', skip: oracle, details: { type: 'suite' } } },
    { type: 'test:pass', data: { name: 'suite', nesting: 0, file: '/r/dist/test/commands/keys.test.js', details: { type: 'suite' } } },
    { type: 'test:stdout', data: { name: '', nesting: 0, file: '/r/dist/test/cli.test.js', message: 'noise' } },
    { type: 'test:fail', data: { name: 'b', nesting: 0, file: '/r/dist/test/cli.test.js', details: { error: new Error('wrong', { cause: new Error('1 !== 2') }) } } },
    { type: 'test:pass', data: { name: 'c', nesting: 0, file: '/r/dist/test/protocol/parser.test.js', skip: oracle } },
  ];
  async function* source() {
    yield* events;
  }
  let out = '';
  for await (const chunk of summaryReporter(source())) out += chunk;
  const lines = out.split('\n');
  assert.match(lines[0], /^ {2}commands {7}1 passed, 1 skipped \(\d/);
  assert.equal(lines[1], '  ✖ cli: b');
  assert.match(lines[2], /^ {6}Error: 1 !== 2$/);
  assert.ok(out.includes('\n  cli            0 passed, 1 failed ('), out);
  assert.ok(out.includes('\n  protocol       0 passed, 1 skipped ('), out);
  assert.ok(out.includes(`\n  skipped 2: ${oracle}\n`), out);
  assert.ok(out.endsWith('\nunit: 1 passed, 1 failed, 2 skipped\n'), out);
});

it('names areas after the folder under test/, or the file', () => {
  assert.equal(areaOf('/x/dist/test/commands/keys.test.js'), 'commands');
  assert.equal(areaOf('/x/dist/test/cli.test.js'), 'cli');
});
