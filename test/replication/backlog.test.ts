// The replication backlog's ring buffer: offsets, wrap-around, what a PSYNC can continue from,
// and resizing.

import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { ReplicationBacklog } from '../../src/replication/backlog.js';

describe('ReplicationBacklog', () => {
  it('holds the stream from its first byte until it is full', () => {
    const b = new ReplicationBacklog(10, 1);
    assert.equal(b.covers(1), true);
    assert.equal(b.covers(2), false);
    b.append('abcd');
    assert.equal(b.histlen, 4);
    assert.equal(b.firstByteOffset, 1);
    assert.equal(b.from(1).toString('latin1'), 'abcd');
    assert.equal(b.from(3).toString('latin1'), 'cd');
    assert.equal(b.from(5).toString('latin1'), '');
    assert.equal(b.covers(5), true);
    assert.equal(b.covers(6), false);
    assert.equal(b.covers(0), false);
  });

  it('drops the oldest bytes when it wraps around', () => {
    const b = new ReplicationBacklog(8, 101);
    b.append('01234');
    b.append('56789');
    assert.equal(b.histlen, 8);
    assert.equal(b.firstByteOffset, 103);
    assert.equal(b.from(103).toString('latin1'), '23456789');
    assert.equal(b.from(108).toString('latin1'), '789');
    assert.equal(b.covers(102), false);
    b.append('\xff\x00abcdefghij');
    assert.equal(b.histlen, 8);
    assert.equal(b.firstByteOffset, 115);
    assert.equal(b.from(115).toString('latin1'), 'cdefghij');
  });

  it('keeps the newest bytes when resized, and keeps binary bytes intact', () => {
    const b = new ReplicationBacklog(8, 1);
    b.append('ab\xe9\x80cdefg');
    b.resize(4);
    assert.equal(b.histlen, 4);
    assert.equal(b.firstByteOffset, 6);
    assert.equal(b.from(6).toString('latin1'), 'defg');
    b.resize(16);
    b.append('hi');
    assert.equal(b.from(6).toString('latin1'), 'defghi');
    assert.equal(b.size, 16);
  });
});
