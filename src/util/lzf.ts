// LZF compression as Redis's bundled liblzf does it (HLOG 16, VERY_FAST, offsets in the hash
// table), so RDB files and DUMP payloads are byte for byte what Redis writes; and decompression.
// RDB stores strings longer than 20 bytes compressed when that saves at least 4 bytes.
//
// Format: a literal run is one control byte (run length - 1, up to 32 bytes) and the bytes; a
// back reference is 2 bytes (length 3..8) or 3 bytes (length 9..264) with a 13-bit offset.

const HASH_BITS = 16;
const HASH_SIZE = 1 << HASH_BITS;
const HASH_MASK = HASH_SIZE - 1;
const MAX_LITERAL = 32;
const MAX_OFFSET = 1 << 13;
const MAX_MATCH = (1 << 8) + (1 << 3);

/** Slot of the hash table for the last bytes folded into h (a 32-bit running value). */
function slot(h: number): number {
  return ((h >>> (24 - HASH_BITS)) - Math.imul(h, 5)) & HASH_MASK;
}

/**
 * The hash table, shared by every call (compression is synchronous). A slot holds a position
 * + 1 and is valid only when its generation is the current call's, so no call has to clear
 * 64K slots. Redis leaves its table uninitialised; starting empty finds the same matches except
 * when stale entries from an earlier call happen to point at equal bytes, which is rare.
 */
const table = new Int32Array(HASH_SIZE);
const tableGen = new Uint32Array(HASH_SIZE);
let generation = 0;

function nextGeneration(): number {
  generation = (generation + 1) >>> 0;
  if (generation === 0) {
    tableGen.fill(0);
    generation = 1;
  }
  return generation;
}

/**
 * lzf_compress: compresses input[0, inLen) into out (when given) and returns the compressed
 * length, or 0 when the result would not fit in outLen bytes (Redis then stores the string
 * uncompressed). With out null only the length is computed.
 */
export function lzfCompress(input: Uint8Array, inLen: number, out: Uint8Array | null, outLen: number): number {
  if (inLen === 0 || outLen === 0) return 0;
  const gen = nextGeneration();
  const inEnd = inLen;
  let ip = 0;
  let op = 1; // the first literal run's control byte
  let lit = 0;
  let h = ((input[0] << 8) | input[1]) >>> 0;

  while (ip < inEnd - 2) {
    h = ((h << 8) | input[ip + 2]) >>> 0;
    const k = slot(h);
    const ref = tableGen[k] === gen ? table[k] - 1 : -1;
    table[k] = ip + 1;
    tableGen[k] = gen;
    const off = ip - ref - 1;
    if (
      ref > 0 &&
      off >= 0 &&
      off < MAX_OFFSET &&
      input[ref + 2] === input[ip + 2] &&
      input[ref] === input[ip] &&
      input[ref + 1] === input[ip + 1]
    ) {
      // A match: close the literal run (dropping its control byte when empty), then the reference.
      let len = 2;
      const maxLen = Math.min(inEnd - ip - len, MAX_MATCH);
      if (op + 3 + 1 >= outLen && op - (lit === 0 ? 1 : 0) + 3 + 1 >= outLen) return 0;
      if (out) out[op - lit - 1] = lit - 1;
      if (lit === 0) op--;
      let mismatch = false;
      if (maxLen > 16) {
        // liblzf compares 16 bytes unconditionally before looking at the limit.
        for (let j = 0; j < 16; j++) {
          len++;
          if (input[ref + len] !== input[ip + len]) {
            mismatch = true;
            break;
          }
        }
      }
      if (!mismatch) {
        do len++;
        while (len < maxLen && input[ref + len] === input[ip + len]);
      }
      len -= 2; // the number of bytes - 2 … - 1 in liblzf's words: what the reference stores
      ip++;
      if (len < 7) {
        if (out) out[op] = (off >>> 8) + (len << 5);
        op++;
      } else {
        if (out) {
          out[op] = (off >>> 8) + (7 << 5);
          out[op + 1] = len - 7;
        }
        op += 2;
      }
      if (out) out[op] = off & 0xff;
      op++;
      lit = 0;
      op++; // the next literal run's control byte
      ip += len + 1;
      if (ip >= inEnd - 2) break;
      // Hash the last two positions of the match so later data can refer to them.
      ip -= 2;
      h = ((input[ip] << 8) | input[ip + 1]) >>> 0;
      h = ((h << 8) | input[ip + 2]) >>> 0;
      let s = slot(h);
      table[s] = ip + 1;
      tableGen[s] = gen;
      ip++;
      h = ((h << 8) | input[ip + 2]) >>> 0;
      s = slot(h);
      table[s] = ip + 1;
      tableGen[s] = gen;
      ip++;
    } else {
      if (op >= outLen) return 0;
      lit++;
      if (out) out[op] = input[ip];
      op++;
      ip++;
      if (lit === MAX_LITERAL) {
        if (out) out[op - lit - 1] = lit - 1;
        lit = 0;
        op++;
      }
    }
  }
  if (op + 3 > outLen) return 0;
  while (ip < inEnd) {
    lit++;
    if (out) out[op] = input[ip];
    op++;
    ip++;
    if (lit === MAX_LITERAL) {
      if (out) out[op - lit - 1] = lit - 1;
      lit = 0;
      op++;
    }
  }
  if (out && lit > 0) out[op - lit - 1] = lit - 1;
  if (lit === 0) op--;
  return op;
}

/** Bytes lzf_compress writes for s (one byte per char) into at most outLen bytes, or 0. */
export function lzfCompressedSize(s: string, outLen: number): number {
  return lzfCompress(Buffer.from(s, 'latin1'), s.length, null, outLen);
}

/**
 * lzf_decompress: expands input[start, end) into out (outLen bytes at most) and returns the
 * number of bytes written, or 0 when the data is malformed or does not fit, as liblzf does.
 */
export function lzfDecompress(input: Uint8Array, start: number, end: number, out: Uint8Array, outLen: number): number {
  let ip = start;
  let op = 0;
  while (ip < end) {
    let ctrl = input[ip++];
    if (ctrl < 1 << 5) {
      // A literal run of ctrl + 1 bytes.
      ctrl++;
      if (op + ctrl > outLen) return 0;
      if (ip + ctrl > end) return 0;
      for (let i = 0; i < ctrl; i++) out[op++] = input[ip++];
    } else {
      // A back reference.
      let len = ctrl >>> 5;
      let ref = op - ((ctrl & 0x1f) << 8) - 1;
      if (ip >= end) return 0;
      if (len === 7) {
        len += input[ip++];
        if (ip >= end) return 0;
      }
      ref -= input[ip++];
      if (op + len + 2 > outLen) return 0;
      if (ref < 0) return 0;
      len += 2;
      // Byte by byte: source and destination may overlap (a run repeating itself).
      for (let i = 0; i < len; i++) out[op++] = out[ref++];
    }
  }
  return op;
}
