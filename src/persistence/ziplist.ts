// Ziplists (Redis's ziplist.c), the encoding Redis before 7.0 wrote small lists, hashes and
// sorted sets in; read only, when loading old RDB data. A ziplist is zlbytes (u32), zltail (the
// last entry's offset, u32), zllen (u16; 65535: count them), entries, and 0xFF. Each entry is the
// previous entry's size (1 byte, or 0xFE and 4 bytes), an encoding with the length or integer
// type, and the data.

const HEADER_SIZE = 10;
const ZIP_END = 0xff;

function u32le(b: Uint8Array, p: number): number {
  return (b[p] | (b[p + 1] << 8) | (b[p + 2] << 16)) + b[p + 3] * 16777216;
}

/**
 * The entries of the ziplist buf[start, start + size), as strings, checked as
 * ziplistValidateIntegrity checks them deeply (sizes inside the ziplist, every prevlen right,
 * zltail on the last entry, the count right unless unknown); null when it is corrupt.
 */
export function ziplistEntries(buf: Uint8Array, start: number, size: number): string[] | null {
  if (size < HEADER_SIZE + 1) return null;
  if (u32le(buf, start) !== size) return null;
  const last = start + size - 1;
  if (buf[last] !== ZIP_END) return null;
  const tail = u32le(buf, start + 4);
  if (tail > size - 1) return null;
  const headerCount = buf[start + 8] | (buf[start + 9] << 8);
  const out: string[] = [];
  let p = start + HEADER_SIZE;
  let prev = -1;
  let prevSize = 0;
  while (buf[p] !== ZIP_END) {
    // prevlen
    let q: number;
    let prevlen: number;
    if (buf[p] < 254) {
      prevlen = buf[p];
      q = p + 1;
    } else {
      if (p + 5 > last) return null;
      prevlen = u32le(buf, p + 1);
      q = p + 5;
    }
    if (prevlen !== prevSize) return null;
    if (q >= last) return null;
    const enc = buf[q];
    let hdr: number;
    let len: number;
    let value: string;
    const kind = enc >> 6;
    if (kind !== 3) {
      if (kind === 0) {
        hdr = 1;
        len = enc & 0x3f;
      } else if (kind === 1) {
        hdr = 2;
        if (q + 1 >= last) return null;
        len = ((enc & 0x3f) << 8) | buf[q + 1];
      } else {
        hdr = 5;
        if (q + 4 >= last) return null;
        len = (buf[q + 1] * 16777216) + ((buf[q + 2] << 16) | (buf[q + 3] << 8) | buf[q + 4]);
      }
      if (q + hdr + len > last) return null;
      value = Buffer.from(buf.buffer, buf.byteOffset + q + hdr, len).toString('latin1');
    } else {
      // Integers: 16, 32, 64, 24 or 8 bits, or 0..12 in the encoding byte itself.
      hdr = 1;
      if (enc === 0xc0) len = 2;
      else if (enc === 0xd0) len = 4;
      else if (enc === 0xe0) len = 8;
      else if (enc === 0xf0) len = 3;
      else if (enc === 0xfe) len = 1;
      else if (enc >= 0xf1 && enc <= 0xfd) len = 0;
      else return null;
      if (q + hdr + len > last) return null;
      const d = q + 1;
      const view = new DataView(buf.buffer, buf.byteOffset);
      if (len === 0) value = String((enc & 0x0f) - 1);
      else if (len === 1) value = String(view.getInt8(d));
      else if (len === 2) value = String(view.getInt16(d, true));
      else if (len === 3) value = String(((buf[d] | (buf[d + 1] << 8) | (buf[d + 2] << 16)) << 8) >> 8);
      else if (len === 4) value = String(view.getInt32(d, true));
      else value = String(view.getBigInt64(d, true));
    }
    const entrySize = q - p + hdr + len;
    out.push(value);
    prev = p;
    prevSize = entrySize;
    p += entrySize;
    if (p > last) return null;
  }
  if (p !== last) return null;
  if (prev >= 0 && prev - start !== tail) return null;
  if (headerCount !== 0xffff && headerCount !== out.length) return null;
  return out;
}
