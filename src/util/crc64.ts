// CRC-64 as Redis computes it for RDB files and DUMP payloads: the "Jones" polynomial
// (0xad93d23594c935a9), bits reflected, initial value 0, no final xor. crc64("123456789") is
// 0xe9c6d914c4b8d9ca.
//
// BigInt arithmetic is slow, so the 64-bit state is kept as two 32-bit halves, and eight bytes
// are folded per step with eight lookup tables ("slicing by 8").

/** The polynomial with its bits reversed (the form a reflected CRC shifts right with). */
const POLY_HI = 0x95ac9329;
const POLY_LO = 0xac4bc9b5;

/** TABLE_HI[k * 256 + b], TABLE_LO[…]: the CRC of byte b followed by k zero bytes. */
const TABLE_HI = new Uint32Array(8 * 256);
const TABLE_LO = new Uint32Array(8 * 256);
let tablesFilled = false;

/**
 * Fills the tables, on the first CRC rather than at start-up: run once, the loops below are
 * interpreted, and took ~2 ms of nodis-server's start.
 */
function fillTables(): void {
  for (let b = 0; b < 256; b++) {
    let hi = 0;
    let lo = b;
    for (let i = 0; i < 8; i++) {
      const carry = lo & 1;
      lo = ((lo >>> 1) | ((hi & 1) << 31)) >>> 0;
      hi = hi >>> 1;
      if (carry) {
        hi = (hi ^ POLY_HI) >>> 0;
        lo = (lo ^ POLY_LO) >>> 0;
      }
    }
    TABLE_HI[b] = hi;
    TABLE_LO[b] = lo;
  }
  for (let k = 1; k < 8; k++) {
    for (let b = 0; b < 256; b++) {
      const hi = TABLE_HI[(k - 1) * 256 + b];
      const lo = TABLE_LO[(k - 1) * 256 + b];
      const i = lo & 0xff;
      TABLE_LO[k * 256 + b] = (((lo >>> 8) | (hi << 24)) ^ TABLE_LO[i]) >>> 0;
      TABLE_HI[k * 256 + b] = ((hi >>> 8) ^ TABLE_HI[i]) >>> 0;
    }
  }
  tablesFilled = true;
}

/** A running CRC-64: update() with consecutive pieces of data, then value(). */
export class Crc64 {
  private hi = 0;
  private lo = 0;

  update(data: Uint8Array, start = 0, end = data.length): this {
    let hi = this.hi;
    let lo = this.lo;
    let p = start;
    if (!tablesFilled) fillTables();
    const T_HI = TABLE_HI;
    const T_LO = TABLE_LO;
    for (; p + 8 <= end; p += 8) {
      const a = (lo ^ (data[p] | (data[p + 1] << 8) | (data[p + 2] << 16) | (data[p + 3] << 24))) >>> 0;
      const b = (hi ^ (data[p + 4] | (data[p + 5] << 8) | (data[p + 6] << 16) | (data[p + 7] << 24))) >>> 0;
      const i7 = 7 * 256 + (a & 0xff);
      const i6 = 6 * 256 + ((a >>> 8) & 0xff);
      const i5 = 5 * 256 + ((a >>> 16) & 0xff);
      const i4 = 4 * 256 + (a >>> 24);
      const i3 = 3 * 256 + (b & 0xff);
      const i2 = 2 * 256 + ((b >>> 8) & 0xff);
      const i1 = 256 + ((b >>> 16) & 0xff);
      const i0 = b >>> 24;
      lo = (T_LO[i7] ^ T_LO[i6] ^ T_LO[i5] ^ T_LO[i4] ^ T_LO[i3] ^ T_LO[i2] ^ T_LO[i1] ^ T_LO[i0]) >>> 0;
      hi = (T_HI[i7] ^ T_HI[i6] ^ T_HI[i5] ^ T_HI[i4] ^ T_HI[i3] ^ T_HI[i2] ^ T_HI[i1] ^ T_HI[i0]) >>> 0;
    }
    for (; p < end; p++) {
      const i = (lo ^ data[p]) & 0xff;
      lo = (((lo >>> 8) | (hi << 24)) ^ T_LO[i]) >>> 0;
      hi = ((hi >>> 8) ^ T_HI[i]) >>> 0;
    }
    this.hi = hi;
    this.lo = lo;
    return this;
  }

  value(): bigint {
    return (BigInt(this.hi) << 32n) | BigInt(this.lo);
  }

  /** Writes the CRC as 8 little-endian bytes (as RDB files and DUMP payloads store it). */
  writeLE(out: Uint8Array, offset: number): void {
    const { hi, lo } = this;
    out[offset] = lo & 0xff;
    out[offset + 1] = (lo >>> 8) & 0xff;
    out[offset + 2] = (lo >>> 16) & 0xff;
    out[offset + 3] = lo >>> 24;
    out[offset + 4] = hi & 0xff;
    out[offset + 5] = (hi >>> 8) & 0xff;
    out[offset + 6] = (hi >>> 16) & 0xff;
    out[offset + 7] = hi >>> 24;
  }
}

/** The CRC-64 of data[start, end). */
export function crc64(data: Uint8Array, start = 0, end = data.length): bigint {
  return new Crc64().update(data, start, end).value();
}
