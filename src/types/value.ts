// What a key holds. A small string value is the string itself (one byte per char); other values
// are objects with a type tag, as Redis's robj carries its type and encoding.

import { parseInteger } from '../util/numbers.js';
export type TypeName = 'string' | 'list' | 'set' | 'zset' | 'hash' | 'stream' | 'module';

export abstract class RObject {
  abstract readonly type: TypeName;
  /** OBJECT ENCODING's answer. */
  abstract encoding(): string;
  /** Last access time in ms (OBJECT IDLETIME); plain string values carry none. */
  lru = 0;
  /**
   * A deep copy (COPY). Every value type overrides this; the default answers COPY with an
   * internal error rather than letting two keys share one mutable value.
   */
  dup(): RObject {
    throw new Error(`COPY does not support ${this.type} values yet`);
  }
}

/**
 * A string value that was built in place (APPEND, SETRANGE), which Redis stores with the
 * "raw" encoding. Kept as its own class so OBJECT ENCODING answers as Redis does.
 */
export class RawString extends RObject {
  readonly type = 'string';
  constructor(public s: string) {
    super();
  }
  encoding(): string {
    return 'raw';
  }
  override dup(): RawString {
    return new RawString(this.s);
  }
}

export type Value = string | RObject;

export function typeOf(v: Value): TypeName {
  return typeof v === 'string' ? 'string' : v.type;
}

/** The bytes of a string value, or null when the value is not a string. */
export function stringValue(v: Value): string | null {
  if (typeof v === 'string') return v;
  return v instanceof RawString ? v.s : null;
}

/**
 * OBJECT ENCODING of a value. A plain string is stored as Redis's tryObjectEncoding would:
 * "int" when it is a 64-bit integer of at most 20 chars, "embstr" up to 44 bytes, else "raw".
 */
export function encodingOf(v: Value): string {
  if (typeof v !== 'string') return v.encoding();
  if (v.length <= 20 && parseInteger(v) !== null) return 'int';
  return v.length <= 44 ? 'embstr' : 'raw';
}
