// The Redis-suite ratchet's list: reading and writing known-failures.txt, comparing a unit's
// result with it (both ways), timing-sensitive tests, and the list in the repository parses.

import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import {
  compare,
  formatList,
  groupFromResult,
  normalizeFailure,
  parseList,
  parseTiming,
  type UnitResult,
} from '../scripts/redis-suite/list.js';

const LIST = `# comment
== external unit/keyspace fail ok=3 failed=2
reason: needs lists
[err]: COPY basic usage for list in tests/unit/keyspace.tcl
[err]: MOVE basic usage in tests/unit/keyspace.tcl

== spawn unit/quit pass ok=3 failed=0
== spawn unit/type/list timeout ok=0 failed=240 limits=40/10
reason: needs lists
[TIMEOUT]: clients state report follows.

== spawn integration/replication skip
reason: needs replication
`;

const NONE = parseTiming('');

function result(over: Partial<UnitResult>): UnitResult {
  return {
    mode: 'external',
    unit: 'unit/keyspace',
    status: 'fail',
    ok: 3,
    failed: 2,
    secs: 1,
    failures: [
      '[err]: COPY basic usage for list in tests/unit/keyspace.tcl',
      '[err]: MOVE basic usage in tests/unit/keyspace.tcl',
    ],
    okNames: ['a', 'b', 'c'],
    ...over,
  };
}

describe('redis-suite ratchet list', () => {
  it('reads groups: status, counts, limits, reason, failures', () => {
    const g = parseList(LIST);
    assert.equal(g.size, 4);
    const k = g.get('external unit/keyspace')!;
    assert.equal(k.status, 'fail');
    assert.equal(k.ok, 3);
    assert.equal(k.reason, 'needs lists');
    assert.equal(k.failures.length, 2);
    assert.deepEqual(g.get('spawn unit/type/list')!.limits, { file: 40, test: 10 });
    assert.equal(g.get('spawn integration/replication')!.status, 'skip');
    assert.throws(() => parseList('== nowhere unit/x pass\n'), /bad group header/);
    assert.throws(() => parseList('[err]: x\n'), /outside a group/);
    assert.throws(() => parseList('== spawn u pass\n== spawn u fail\n'), /listed twice/);
  });

  it('writes what it reads', () => {
    const g = parseList(LIST);
    const text = formatList(g.values(), ['unit/keyspace', 'unit/type/list', 'unit/quit', 'integration/replication']);
    assert.deepEqual(parseList(text), g);
    assert.ok(text.includes('== spawn unit/type/list timeout ok=0 failed=240 limits=40/10\nreason: needs lists\n'));
    assert.ok(text.indexOf('== spawn unit/type/list') < text.indexOf('== spawn unit/quit'));
  });

  it('normalizes digits only in lines that do not name a test', () => {
    assert.equal(normalizeFailure('[err]: issue 9598 in tests/unit/protocol.tcl'), '[err]: issue 9598 in tests/unit/protocol.tcl');
    assert.equal(
      normalizeFailure("[err]: n command 'migrate', with args beginning with: '127.0.0.1' '7771'"),
      "[err]: n command 'migrate', with args beginning with: 'N.N.N.N' 'N'",
    );
    assert.equal(
      normalizeFailure('[err]: pen "/tmp/redis-suite-src.ZOYSWS/tests/tmp/server.12.3/x.manifest": no such file'),
      '[err]: pen "tests/tmp/server.N.N/x.manifest": no such file',
    );
  });

  it('a result as listed is the same', () => {
    const g = parseList(LIST);
    assert.ok(compare(result({}), g.get('external unit/keyspace'), NONE).same);
    assert.ok(compare(result({ mode: 'spawn', unit: 'unit/quit', status: 'pass', failures: [] }), g.get('spawn unit/quit'), NONE).same);
  });

  it('a new failure, fewer passing tests or an abort is worse', () => {
    const g = parseList(LIST).get('external unit/keyspace');
    const extra = result({ failures: [...result({}).failures, '[err]: X in tests/unit/keyspace.tcl'] });
    let v = compare(extra, g, NONE);
    assert.ok(!v.same && v.worse);
    assert.deepEqual(v.newFailures, ['[err]: X in tests/unit/keyspace.tcl']);
    v = compare(result({ okNames: ['a', 'b'] }), g, NONE);
    assert.ok(v.worse);
    v = compare(result({ status: 'exception' }), g, NONE);
    assert.ok(v.worse);
    // An unlisted unit is expected to pass.
    v = compare(result({ unit: 'unit/other' }), undefined, NONE);
    assert.ok(v.worse);
  });

  it('a listed test that passes makes the list out of date (better, not same)', () => {
    const g = parseList(LIST).get('external unit/keyspace');
    const v = compare(
      result({ failures: ['[err]: MOVE basic usage in tests/unit/keyspace.tcl'], okNames: ['a', 'b', 'c', 'COPY basic usage for list'] }),
      g,
      NONE,
    );
    assert.ok(!v.same && !v.worse);
    assert.deepEqual(v.gone, ['[err]: COPY basic usage for list in tests/unit/keyspace.tcl']);
  });

  it('timing-sensitive tests count neither way', () => {
    const timing = parseTiming('# x\nunit/keyspace: SLOW\n');
    const g = parseList(LIST).get('external unit/keyspace');
    const failing = result({ failures: [...result({}).failures, '[err]: SLOW in tests/unit/keyspace.tcl'] });
    assert.ok(compare(failing, g, timing).same);
    assert.ok(compare(result({ okNames: ['a', 'b', 'c', 'SLOW'] }), g, timing).same);
    // A * stands for any text; everything else is literal.
    const random = parseTiming('unit/keyspace: PSYNC2: [NEW LAYOUT] Set #* as master\n');
    assert.ok(random.has('unit/keyspace', 'PSYNC2: [NEW LAYOUT] Set #4 as master'));
    assert.ok(!random.has('unit/keyspace', 'PSYNC2: [NEW LAYOUT] Set #4 as masters'));
    assert.ok(!random.has('unit/other', 'PSYNC2: [NEW LAYOUT] Set #4 as master'));
    assert.ok(!random.has('unit/keyspace', 'PSYNC2: NEW LAYOUT Set #4 as master'));
  });

  it('a unit whose only failures are timing-sensitive is listed as passing, whichever way they went', () => {
    const timing = parseTiming('unit/quit: SLOW\n');
    const g = parseList(LIST).get('spawn unit/quit');
    const base = { mode: 'spawn' as const, unit: 'unit/quit', okNames: ['a', 'b', 'c'] };
    const slowFailed = result({ ...base, status: 'fail', ok: 3, failed: 1, failures: ['[err]: SLOW in tests/unit/quit.tcl'] });
    const slowPassed = result({ ...base, status: 'pass', ok: 4, failed: 0, failures: [], okNames: ['a', 'b', 'c', 'SLOW'] });
    assert.ok(compare(slowFailed, g, timing).same);
    assert.ok(compare(slowPassed, g, timing).same);
    assert.equal(groupFromResult(slowFailed, g, timing).status, 'pass');
    // A failure that is not timing-sensitive, or one the suite did not name, still fails the unit.
    const other = result({ ...base, status: 'fail', ok: 3, failed: 2, failures: ['[err]: SLOW in tests/unit/quit.tcl'] });
    assert.equal(groupFromResult(other, g, timing).status, 'fail');
    assert.ok(!compare(other, g, timing).same);
    // Tests that never ran (skipped by the harness) do not keep it from passing.
    const skipped = result({ ...base, status: 'fail', ok: 3, failed: 3, unrun: 2, failures: ['[err]: SLOW in tests/unit/quit.tcl'] });
    assert.equal(groupFromResult(skipped, g, timing).status, 'pass');
  });

  it('an update keeps reasons and limits, and marks new groups TODO', () => {
    const g = parseList(LIST);
    const kept = groupFromResult(result({ mode: 'spawn', unit: 'unit/type/list', status: 'fail', failures: [] }), g.get('spawn unit/type/list'), NONE);
    assert.equal(kept.reason, 'needs lists');
    assert.deepEqual(kept.limits, { file: 40, test: 10 });
    const fresh = groupFromResult(result({ unit: 'unit/expire' }), undefined, NONE);
    assert.equal(fresh.reason, 'TODO');
    const passing = groupFromResult(result({ status: 'pass', failures: [] }), g.get('external unit/keyspace'), NONE);
    assert.equal(passing.reason, '');
  });

  it("the repository's lists parse", () => {
    const dir = new URL('../../test/redis-suite/', import.meta.url);
    parseList(readFileSync(fileURLToPath(new URL('known-failures.txt', dir)), 'utf8'));
    parseTiming(readFileSync(fileURLToPath(new URL('timing-sensitive.txt', dir)), 'utf8'));
  });
});
