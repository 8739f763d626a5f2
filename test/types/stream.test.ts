// The stream structure (types/stream.ts) against a plain array of entries: random appends (with
// and without the master entry's fields, binary, empty and long strings), deletions, node limits
// that change between appends (so a full node that was packed is appended to again) and copies,
// checking every entry and every node's listpack after each step.

import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { lpEntryLen, lpRead, LP_EOF, LP_HDR_SIZE } from '../../src/types/listpack.js';
import { StreamNode, StreamValue, makeId, ID_MIN, ID_MAX, type StreamId } from '../../src/types/stream.js';

type Entry = { id: StreamId; fv: string[] };

function contents(s: StreamValue): Entry[] {
  const out: Entry[] = [];
  s.range(ID_MIN, ID_MAX, 0, false, (id, node, i) => {
    out.push({ id, fv: node.entry(i) });
  });
  return out;
}

/** Each node's listpack. */
function listpacks(s: StreamValue): string[] {
  return s.nodes.map((n) => n.encode().toString('latin1'));
}

const str = fc.oneof(
  fc.constantFrom('', 'f', 'value', '12', '-7', 'x'.repeat(40)),
  fc.string({ maxLength: 20 }).map((t) => Buffer.from(t, 'utf8').toString('latin1')),
  fc.uint8Array({ maxLength: 16 }).map((b) => Buffer.from(b).toString('latin1')),
);

const step = fc.oneof(
  { weight: 6, arbitrary: fc.record({ op: fc.constant('add' as const), same: fc.boolean(), fv: fc.array(str, { minLength: 2, maxLength: 6 }) }) },
  { weight: 2, arbitrary: fc.record({ op: fc.constant('del' as const), at: fc.nat() }) },
  { weight: 1, arbitrary: fc.record({ op: fc.constant('limit' as const), entries: fc.integer({ min: 1, max: 8 }) }) },
  { weight: 1, arbitrary: fc.record({ op: fc.constant('dup' as const) }) },
);

describe('stream nodes', () => {
  it('keep every entry exact as nodes fill, are packed, and are appended to again', () => {
    fc.assert(
      fc.property(fc.array(step, { maxLength: 80 }), (steps) => {
        let s = new StreamValue();
        let model: Entry[] = [];
        let maxEntries = 3;
        let seq = 0;
        let fields = ['a', 'b'];
        for (const st of steps) {
          if (st.op === 'add') {
            // "same": values under the fields the stream's entries started with (its nodes' master fields).
            const fv = st.same ? fields.flatMap((f, k) => [f, st.fv[k % st.fv.length]]) : st.fv.slice(0, st.fv.length & ~1);
            if (!st.same) fields = fv.filter((_, k) => k % 2 === 0);
            const id = makeId(1000, ++seq);
            s.append(id, fv, 4096, maxEntries);
            model.push({ id, fv });
          } else if (st.op === 'del' && model.length !== 0) {
            const e = model[st.at % model.length];
            assert.equal(s.delete(e.id), true);
            model = model.filter((x) => x !== e);
          } else if (st.op === 'limit') {
            maxEntries = st.entries;
          } else if (st.op === 'dup') {
            const before = listpacks(s);
            const copy = s.dup();
            // The copy goes on; the original must not change with it.
            copy.append(makeId(1000, ++seq), ['a', 'copy', 'b', 'copy'], 4096, maxEntries);
            assert.deepEqual(listpacks(s), before);
            s = copy;
            model.push({ id: makeId(1000, seq), fv: ['a', 'copy', 'b', 'copy'] });
          }
          assert.deepEqual(contents(s), model);
          for (const n of s.nodes) {
            const again = StreamNode.decode(n.masterId, lpElements(n.encode()));
            assert.ok(again !== null);
            assert.equal(again.encode().toString('latin1'), n.encode().toString('latin1'));
          }
        }
      }),
      { numRuns: 200 },
    );
  });
});

/** A listpack's elements as strings (integers as their decimal text), as the RDB loader hands them to decode. */
function lpElements(lp: Buffer): string[] {
  const out: string[] = [];
  for (let p = LP_HDR_SIZE; lp[p] !== LP_EOF; p += lpEntryLen(lp, p)) out.push(lpRead(lp, p));
  return out;
}
