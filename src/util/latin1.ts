// Node's fast latin1 paths: what Buffer's toString('latin1') and write(s, 'latin1') call after
// checking their arguments. Hot paths (the request parser, RDB loading, listpacks) call them
// directly, with bounds they have already checked.

/** A buffer with Node's latin1 methods (every Buffer has them; Buffer's typings do not say so). */
export type Latin1Buffer = Uint8Array & {
  latin1Slice(start: number, end: number): string;
  latin1Write(s: string, offset: number, length: number): number;
};

/** buf[start, end) as a one-byte string (the caller has checked the bounds). */
export function latin1Slice(buf: Uint8Array, start: number, end: number): string {
  return (buf as Latin1Buffer).latin1Slice(start, end);
}

/** Writes s's bytes at buf[offset] (the caller has made room for s.length); returns how many. */
export function latin1Write(buf: Uint8Array, s: string, offset: number): number {
  return (buf as Latin1Buffer).latin1Write(s, offset, s.length);
}

/** The longest string latin1Short builds in JavaScript; longer ones are worth the call into C++. */
export const LATIN1_SHORT_MAX = 32;

type FromBytes = (buf: Uint8Array, start: number) => string;

/** latin1Short's builders, one per length, each made on first use. */
const builders: FromBytes[] = [];

/**
 * A builder of strings of n bytes: String.fromCharCode with one argument per byte makes a flat
 * one-byte string in JavaScript, about twice as fast as latin1Slice's call into C++ for a
 * 16-byte key, but only when the number of arguments is fixed where it is called; hence one
 * function per length, generated from this template.
 */
function makeBuilder(n: number): FromBytes {
  const bytes: string[] = [];
  for (let i = 0; i < n; i++) bytes.push(`buf[start + ${i}]`);
  return new Function('buf', 'start', `return String.fromCharCode(${bytes.join(', ')});`) as FromBytes;
}

/** buf[start, start + len) as a one-byte string, for len up to LATIN1_SHORT_MAX (bounds checked by the caller). */
export function latin1Short(buf: Uint8Array, start: number, len: number): string {
  return (builders[len] ??= makeBuilder(len))(buf, start);
}

/**
 * buf[start, start + len) as a one-byte string (bounds checked by the caller): built in
 * JavaScript up to LATIN1_SHORT_MAX bytes, past that by Node's latin1Slice.
 */
export function latin1Text(buf: Uint8Array, start: number, len: number): string {
  return len <= LATIN1_SHORT_MAX ? latin1Short(buf, start, len) : latin1Slice(buf, start, start + len);
}
