// String values that cover every RDB string encoding, shared by the persistence tests.

/** Every byte value once. */
export const ALL_BYTES = Array.from({ length: 256 }, (_, i) => String.fromCharCode(i)).join('');

/** Deterministic bytes that LZF cannot shrink. */
export function noise(n: number, seed = 1): string {
  let x = seed;
  let s = '';
  for (let i = 0; i < n; i++) {
    x = (Math.imul(x, 1103515245) + 12345) >>> 0;
    s += String.fromCharCode(x >>> 24);
  }
  return s;
}

/** Values covering every string encoding: integers at each width's edges, non-canonical numbers, LZF. */
export const STRING_VALUES: string[] = [
  '',
  'a',
  '0',
  '1',
  '-1',
  '127',
  '128',
  '-128',
  '-129',
  '32767',
  '32768',
  '-32768',
  '-32769',
  '2147483647',
  '2147483648',
  '-2147483648',
  '-2147483649',
  '12345678901',
  '9223372036854775807',
  '-9223372036854775808',
  '9223372036854775808',
  '007',
  '-0',
  '+1',
  ' 1',
  '1 ',
  '1.5',
  'a'.repeat(20),
  'a'.repeat(21),
  'ab'.repeat(11),
  'hello world hello world hello world',
  'abc'.repeat(1000),
  noise(21),
  noise(1000),
  noise(20000, 7),
  'z'.repeat(70000),
  ALL_BYTES,
  ALL_BYTES.repeat(20),
];
