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
