// The size of LZF-compressed data, as Redis's bundled liblzf (HLOG 16, VERY_FAST) produces it.
// RDB stores strings longer than 20 bytes compressed when that saves at least 4 bytes, so
// DEBUG OBJECT's serializedlength depends on it. Only the output length is computed here.
//
// Format: a literal run is one control byte (run length - 1, up to 32 bytes) and the bytes; a
// back reference is 2 bytes (length 3..8) or 3 bytes (length 9..264) with a 13-bit offset.

const HASH_BITS = 16;
const HASH_MASK = (1 << HASH_BITS) - 1;
const MAX_LITERAL = 32;
const MAX_OFFSET = 1 << 13;
const MAX_MATCH = (1 << 8) + (1 << 3);

/** Slot of the hash table for the last bytes folded into h (a 32-bit running value). */
function slot(h: number): number {
  return ((h >>> (24 - HASH_BITS)) - Math.imul(h, 5)) & HASH_MASK;
}

/**
 * Bytes liblzf's lzf_compress writes for s (one byte per char) into a buffer of outLen bytes,
 * or 0 when the result does not fit (Redis then stores the string uncompressed). The hash table
 * starts empty; Redis leaves it uninitialised, which only ever finds the same matches.
 */
export function lzfCompressedSize(s: string, outLen: number): number {
  const n = s.length;
  if (n === 0 || outLen === 0) return 0;
  // Positions + 1 by hash slot; 0 is an empty slot.
  const table = new Int32Array(1 << HASH_BITS);
  const at = (i: number): number => s.charCodeAt(i);
  let ip = 0;
  let op = 1; // the first literal run's control byte
  let lit = 0;
  let h = ((at(0) << 8) | at(1)) >>> 0;

  while (ip < n - 2) {
    h = ((h << 8) | at(ip + 2)) >>> 0;
    const k = slot(h);
    const ref = table[k] - 1;
    table[k] = ip + 1;
    if (
      ref > 0 &&
      ref < ip &&
      ip - ref - 1 < MAX_OFFSET &&
      at(ref) === at(ip) &&
      at(ref + 1) === at(ip + 1) &&
      at(ref + 2) === at(ip + 2)
    ) {
      // Close the literal run (dropping its control byte when empty), then the reference.
      if (lit === 0) op--;
      if (op + 4 >= outLen) return 0;
      const maxLen = Math.min(n - ip - 2, MAX_MATCH);
      let len = 2;
      let mismatch = false;
      if (maxLen > 16) {
        // liblzf compares 16 bytes unconditionally before looking at the limit.
        for (let j = 0; j < 16; j++) {
          len++;
          if (at(ref + len) !== at(ip + len)) {
            mismatch = true;
            break;
          }
        }
      }
      if (!mismatch) {
        do len++;
        while (len < maxLen && at(ref + len) === at(ip + len));
      }
      len -= 2;
      op += len < 7 ? 2 : 3;
      lit = 0;
      op++; // the next literal run's control byte
      ip += len + 2;
      if (ip >= n - 2) break;
      // Hash the last two positions of the match so later data can refer to them.
      ip -= 2;
      h = ((at(ip) << 8) | at(ip + 1)) >>> 0;
      h = ((h << 8) | at(ip + 2)) >>> 0;
      table[slot(h)] = ip + 1;
      ip++;
      h = ((h << 8) | at(ip + 2)) >>> 0;
      table[slot(h)] = ip + 1;
      ip++;
    } else {
      if (op >= outLen) return 0;
      lit++;
      op++;
      ip++;
      if (lit === MAX_LITERAL) {
        lit = 0;
        op++;
      }
    }
  }
  if (op + 3 > outLen) return 0;
  while (ip < n) {
    lit++;
    op++;
    ip++;
    if (lit === MAX_LITERAL) {
      lit = 0;
      op++;
    }
  }
  if (lit === 0) op--;
  return op;
}
