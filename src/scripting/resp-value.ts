// Replies as values for Lua: the reply a command wrote to the script's client (RESP2 or RESP3
// text, one byte per character) read back into the engine's ReplyValue, and a script's result
// written to the calling client through the reply writer.

import type { ReplyValue } from 'lua-redis-wasm';
import type { Client } from '../server/client.js';

/** Reads one reply from text starting at pos. */
class ReplyReader {
  pos = 0;
  constructor(private readonly text: string) {}

  private line(): string {
    const end = this.text.indexOf('\r\n', this.pos);
    const s = this.text.slice(this.pos, end);
    this.pos = end + 2;
    return s;
  }

  private bytes(n: number): Buffer {
    const b = Buffer.from(this.text.slice(this.pos, this.pos + n), 'latin1');
    this.pos += n + 2;
    return b;
  }

  read(): ReplyValue {
    const type = this.text.charCodeAt(this.pos++);
    switch (type) {
      case 43: // + status
        return { ok: Buffer.from(this.line(), 'latin1') };
      case 45: // - error: the engine splits the code off itself
        return { err: Buffer.from(this.line(), 'latin1') };
      case 58: { // : integer
        const s = this.line();
        const n = Number(s);
        return Number.isSafeInteger(n) ? n : BigInt(s);
      }
      case 36: { // $ bulk
        const n = Number(this.line());
        return n < 0 ? null : this.bytes(n);
      }
      case 42: // * array
      case 126: // ~ set
      case 62: { // > push (not expected from a command run by a script)
        const n = Number(this.line());
        if (n < 0) return null;
        const items: ReplyValue[] = new Array(n);
        for (let i = 0; i < n; i++) items[i] = this.read();
        return type === 126 ? { set: items } : items;
      }
      case 37: { // % map
        const n = Number(this.line());
        const pairs: [ReplyValue, ReplyValue][] = new Array(n);
        for (let i = 0; i < n; i++) {
          const k = this.read();
          pairs[i] = [k, this.read()];
        }
        return { map: pairs };
      }
      case 124: { // | attributes: skipped, the reply follows
        const n = Number(this.line());
        for (let i = 0; i < 2 * n; i++) this.read();
        return this.read();
      }
      case 95: // _ null
        this.line();
        return null;
      case 35: // # boolean
        return this.line() === 't';
      case 44: { // , double
        const s = this.line();
        return { double: s === 'inf' ? Infinity : s === '-inf' ? -Infinity : Number(s) };
      }
      case 40: // ( big number
        return { big_number: Buffer.from(this.line(), 'latin1') };
      case 61: { // = verbatim: "fmt:text"
        const n = Number(this.line());
        const b = this.bytes(n);
        return { verbatim_string: { format: b.subarray(0, 3), string: b.subarray(4) } };
      }
      default:
        throw new Error(`unexpected reply type ${String.fromCharCode(type)}`);
    }
  }
}

/** The first reply in text (what one command wrote). */
export function readReply(text: string): ReplyValue {
  return new ReplyReader(text).read();
}

/** True when the reply text is an error reply. */
export function isErrorReply(text: string): boolean {
  return text.charCodeAt(0) === 45;
}

/** The text of an error value: its code (when split off) and message. */
export function errorText(v: { err: Buffer; code?: Buffer }): string {
  const msg = v.err.toString('latin1');
  return v.code ? v.code.toString('latin1') + ' ' + msg : msg;
}

/** Writes a script's result to the calling client (Lua → RESP, in the caller's protocol). */
export function writeValue(c: Client, v: ReplyValue): void {
  if (v === null) {
    c.nullBulk();
  } else if (typeof v === 'number' || typeof v === 'bigint') {
    c.integer(v);
  } else if (typeof v === 'boolean') {
    c.bool(v);
  } else if (Buffer.isBuffer(v)) {
    c.bulk(v.toString('latin1'));
  } else if (Array.isArray(v)) {
    c.arrayLen(v.length);
    for (let i = 0; i < v.length; i++) writeValue(c, v[i]);
  } else if ('err' in v) {
    c.error(errorText(v));
  } else if ('ok' in v) {
    c.simple(v.ok.toString('latin1'));
  } else if ('double' in v) {
    c.double(v.double);
  } else if ('map' in v) {
    c.mapLen(v.map.length);
    for (const [k, val] of v.map) {
      writeValue(c, k);
      writeValue(c, val);
    }
  } else if ('set' in v) {
    c.setLen(v.set.length);
    for (const item of v.set) writeValue(c, item);
  } else if ('big_number' in v) {
    c.bigNumber(v.big_number.toString('latin1'));
  } else if ('verbatim_string' in v) {
    c.verbatim(v.verbatim_string.string.toString('latin1'), v.verbatim_string.format.toString('latin1'));
  }
}
