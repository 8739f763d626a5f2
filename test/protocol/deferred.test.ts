// The writer's deferred lengths (headers inserted once an aggregate's length is known) and the
// smaller writer calls that replaced raw protocol in command handlers.

import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { ReplyWriter, type Resp } from '../../src/protocol/writer.js';

/** A writer that records what its error statistics would count. */
class CountingWriter extends ReplyWriter {
  counted: string[] = [];
  protected override countError(msg: string): void {
    this.counted.push(msg);
  }
}

function writer(resp: Resp = 2): CountingWriter {
  const w = new CountingWriter();
  w.resp = resp;
  return w;
}

describe('deferred lengths', () => {
  it('insert an array header where the aggregate started', () => {
    const w = writer();
    w.ok();
    const mark = w.deferLen();
    w.bulk('a');
    w.integer(2);
    w.setDeferredArrayLen(mark, 2);
    w.ok();
    assert.equal(w.out, '+OK\r\n*2\r\n$1\r\na\r\n:2\r\n+OK\r\n');
  });

  it('an empty aggregate, and one at the end of the buffer', () => {
    const w = writer();
    const mark = w.deferLen();
    w.setDeferredArrayLen(mark, 0);
    assert.equal(w.out, '*0\r\n');
  });

  for (const [resp, map, set] of [
    [2, '*4\r\n', '*2\r\n'],
    [3, '%2\r\n', '~2\r\n'],
  ] as const) {
    it(`map and set headers in RESP${resp}`, () => {
      const w = writer(resp);
      const m = w.deferLen();
      w.bulk('k1');
      w.integer(1);
      w.bulk('k2');
      w.integer(2);
      w.setDeferredMapLen(m, 2);
      assert.equal(w.out, map + '$2\r\nk1\r\n:1\r\n$2\r\nk2\r\n:2\r\n');
      const v = writer(resp);
      const s = v.deferLen();
      v.bulk('x');
      v.bulk('y');
      v.setDeferredSetLen(s, 2);
      assert.equal(v.out, set + '$1\r\nx\r\n$1\r\ny\r\n');
    });
  }

  it('nest, set innermost first', () => {
    const w = writer();
    const outer = w.deferLen();
    const inner = w.deferLen(); // at the same offset as outer
    w.integer(1);
    w.setDeferredArrayLen(inner, 1);
    const inner2 = w.deferLen();
    w.integer(2);
    w.integer(3);
    w.setDeferredArrayLen(inner2, 2);
    w.setDeferredArrayLen(outer, 2);
    assert.equal(w.out, '*2\r\n*1\r\n:1\r\n*2\r\n:2\r\n:3\r\n');
  });

  it('nest, set outermost first', () => {
    const w = writer();
    const outer = w.deferLen();
    const inner = w.deferLen();
    w.integer(1);
    const inner2 = w.deferLen();
    w.integer(2);
    w.setDeferredArrayLen(outer, 2);
    w.setDeferredArrayLen(inner2, 1);
    w.setDeferredArrayLen(inner, 1);
    assert.equal(w.out, '*2\r\n*1\r\n:1\r\n*1\r\n:2\r\n');
  });

  it('siblings set in the order they started', () => {
    const w = writer(3);
    w.arrayLen(2);
    const a = w.deferLen();
    w.bulk('a');
    const b = w.deferLen();
    w.bulk('b1');
    w.bulk('b2');
    w.setDeferredSetLen(a, 1);
    w.setDeferredMapLen(b, 1);
    assert.equal(w.out, '*2\r\n~1\r\n$1\r\na\r\n%1\r\n$2\r\nb1\r\n$2\r\nb2\r\n');
  });

  it('a mark set twice is a bug, reported as an exception', () => {
    const w = writer();
    const mark = w.deferLen();
    w.setDeferredArrayLen(mark, 0);
    assert.throws(() => w.setDeferredArrayLen(mark, 0), /not started or is set already/);
    assert.equal(w.out, '*0\r\n');
  });

  it('an abandoned mark does not disturb later replies', () => {
    const w = writer();
    w.deferLen(); // never set (a handler that failed half-way)
    w.error('ERR boom');
    w.out = '';
    const mark = w.deferLen();
    w.integer(7);
    w.setDeferredArrayLen(mark, 1);
    assert.equal(w.out, '*1\r\n:7\r\n');
  });
});

describe('writer calls for what handlers wrote as raw protocol', () => {
  it('integerText writes an integer given as text', () => {
    const w = writer();
    w.integerText('-9223372036854775808');
    assert.equal(w.out, ':-9223372036854775808\r\n');
  });

  it('attributeLen writes a RESP3 attribute header', () => {
    const w = writer(3);
    w.attributeLen(1);
    assert.equal(w.out, '|1\r\n');
  });

  it('errorUncounted sends the text as given and counts nothing', () => {
    const w = writer();
    w.errorUncounted('custom\r\nmessage\n');
    assert.equal(w.out, '-custom  message \r\n');
    assert.deepEqual(w.counted, []);
    w.error('ERR counted');
    assert.deepEqual(w.counted, ['ERR counted']);
  });

  it('errorNotSent counts the error and sends nothing', () => {
    const w = writer();
    w.errorNotSent('ERR syntax error\r\n');
    assert.equal(w.out, '');
    assert.deepEqual(w.counted, ['ERR syntax error']);
  });

  it('replyBytes and discardReplies see and drop what is pending', () => {
    const w = writer();
    assert.equal(w.replyBytes, 0);
    w.bulk('abc');
    assert.equal(w.replyBytes, 9);
    w.discardReplies();
    assert.equal(w.replyBytes, 0);
    assert.equal(w.out, '');
  });
});
