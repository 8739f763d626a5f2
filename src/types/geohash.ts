// The geohash arithmetic behind the geo commands (Redis's geohash.c and geohash_helper.c), kept
// to Redis's exact floating-point steps so positions, hashes and distances come out bit for bit:
//
// - A position is a 52-bit score: latitude and longitude each scaled to a 26-bit integer over
//   Redis's ranges (longitude -180..180, latitude -85.05112878..85.05112878, the Web Mercator
//   limits) and interleaved, longitude bits in the odd positions, latitude bits in the even.
//   Decoding takes the centre of the cell the bits name.
// - A search (radius or box) looks at the cell holding its centre and the eight around it, at a
//   precision (step) chosen from the search size, minus the cells it cannot reach. Each cell is
//   one score interval of the sorted set.
// - Distances are haversine distances on a sphere of Redis's earth radius.
//
// The per-point work (encode, decode, distance) uses numbers, with 64-bit values held as two
// 32-bit halves; the per-search work (neighbour cells) uses BigInt, as C's uint64_t arithmetic.

export const GEO_STEP_MAX = 26;
export const GEO_LAT_MIN = -85.05112878;
export const GEO_LAT_MAX = 85.05112878;
export const GEO_LONG_MIN = -180;
export const GEO_LONG_MAX = 180;

/** Redis's EARTH_RADIUS_IN_METERS: the earth's quadratic mean radius for WGS-84. */
export const EARTH_RADIUS_IN_METERS = 6372797.560856;
const MERCATOR_MAX = 20037726.37;
/** Degrees to radians, as Redis's D_R (M_PI / 180.0). */
const D_R = Math.PI / 180;

/** A cell: its interleaved bits (2 * step of them, plus an overflow bit at a range's maximum). */
export interface GeoHashBits {
  bits: bigint;
  step: number;
}

/** A cell's extent. */
export interface GeoArea {
  lonMin: number;
  lonMax: number;
  latMin: number;
  latMax: number;
}

/** What to search: a circle or an axis-aligned box around a centre (Redis's GeoShape). */
export interface GeoShape {
  box: boolean;
  lon: number;
  lat: number;
  /** Meters per unit of radius/width/height. */
  conversion: number;
  radius: number;
  width: number;
  height: number;
}

// ---- Bit interleaving -------------------------------------------------------------------------

/** The 16 low bits of v spread to the even positions of a 32-bit value. */
function spread16(v: number): number {
  v &= 0xffff;
  v = (v | (v << 8)) & 0x00ff00ff;
  v = (v | (v << 4)) & 0x0f0f0f0f;
  v = (v | (v << 2)) & 0x33333333;
  return (v | (v << 1)) & 0x55555555;
}

/** The even-position bits of a 32-bit value, gathered into 16 bits. */
function squeeze16(v: number): number {
  v &= 0x55555555;
  v = (v | (v >>> 1)) & 0x33333333;
  v = (v | (v >>> 2)) & 0x0f0f0f0f;
  v = (v | (v >>> 4)) & 0x00ff00ff;
  return (v | (v >>> 8)) & 0x0000ffff;
}

/** Output of interleave (high and low 32-bit halves of the 64-bit result). */
let outHi = 0;
let outLo = 0;

/** interleave64: x (latitude) in the even bit positions, y (longitude) in the odd ones. */
function interleave(x: number, y: number): void {
  outLo = (spread16(x) | (spread16(y) << 1)) >>> 0;
  outHi = (spread16(x >>> 16) | (spread16(y >>> 16) << 1)) >>> 0;
}

/** Output of deinterleave: the even-position bits (latitude) and the odd ones (longitude). */
let outX = 0;
let outY = 0;

function deinterleave(hi: number, lo: number): void {
  outX = (squeeze16(lo) | (squeeze16(hi) << 16)) >>> 0;
  outY = (squeeze16(lo >>> 1) | (squeeze16(hi >>> 1) << 16)) >>> 0;
}

// ---- Encoding and decoding -----------------------------------------------------------------------

/**
 * geohashEncode over the given ranges at step (1..32): the position's bits into outHi/outLo.
 * The position must lie within Redis's limits and the ranges.
 */
function encode(lon: number, lat: number, step: number, lonMin: number, lonMax: number, latMin: number, latMax: number): void {
  const scale = 2 ** step;
  const latOffset = ((lat - latMin) / (latMax - latMin)) * scale;
  const lonOffset = ((lon - lonMin) / (lonMax - lonMin)) * scale;
  // C converts the offsets to uint32_t: truncation.
  interleave(Math.trunc(latOffset), Math.trunc(lonOffset));
}

/** The exact decimal of the 64-bit value hi:lo (as Redis's sdsfromlonglong writes a score). */
function uint64Text(hi: number, lo: number): string {
  // Below 2^53 a double holds it exactly.
  if (hi < 0x200000) return String(hi * 4294967296 + lo);
  return ((BigInt(hi) << 32n) | BigInt(lo)).toString();
}

/**
 * GEOADD's score for a position (already checked against Redis's limits), as the text Redis
 * hands to ZADD: the 52-bit geohash as a decimal integer.
 */
export function encodeScoreText(lon: number, lat: number): string {
  encode(lon, lat, GEO_STEP_MAX, GEO_LONG_MIN, GEO_LONG_MAX, GEO_LAT_MIN, GEO_LAT_MAX);
  return uint64Text(outHi, outLo);
}

/** The low and high halves of (uint64_t)score, as x86-64 converts a double (set by scoreBits). */
let scoreHi = 0;
let scoreLo = 0;

const TWO32 = 4294967296;
const TWO63 = 2 ** 63;
const TWO64 = 2 ** 64;

/**
 * (uint64_t)score as gcc's x86-64 code computes it: the integer part for 0 <= score < 2^64, two's
 * complement for a negative one above -2^63, and the "integer indefinite" 2^63 (or 0, from the
 * path for values of 2^63 and more) outside that.
 */
function scoreBits(score: number): void {
  if (score >= 0 && score < 9007199254740992) {
    const t = Math.trunc(score);
    scoreLo = t >>> 0;
    scoreHi = (t - scoreLo) / TWO32;
    return;
  }
  if (score >= TWO64) {
    scoreHi = scoreLo = 0;
    return;
  }
  if (score >= 0) {
    const t = Math.trunc(score);
    scoreLo = t % TWO32;
    scoreHi = (t - scoreLo) / TWO32;
    return;
  }
  if (score <= -TWO63) {
    scoreHi = 0x80000000;
    scoreLo = 0;
    return;
  }
  const m = -Math.trunc(score);
  const mLo = m % TWO32;
  const mHi = (m - mLo) / TWO32;
  if (mLo === 0) {
    scoreLo = 0;
    scoreHi = (TWO32 - mHi) % TWO32;
  } else {
    scoreLo = TWO32 - mLo;
    scoreHi = TWO32 - mHi - 1;
  }
}

/** A cell's extent from its (deinterleaved) coordinates, over Redis's ranges (geohashDecode). */
function cellArea(ilat: number, ilon: number, step: number, area: GeoArea): void {
  const scale = 2 ** step;
  const latScale = GEO_LAT_MAX - GEO_LAT_MIN;
  const lonScale = GEO_LONG_MAX - GEO_LONG_MIN;
  // (C adds 1 to a uint32_t: 0xffffffff wraps to 0.)
  const ilatNext = (ilat + 1) >>> 0;
  const ilonNext = (ilon + 1) >>> 0;
  area.latMin = GEO_LAT_MIN + (ilat / scale) * latScale;
  area.latMax = GEO_LAT_MIN + (ilatNext / scale) * latScale;
  area.lonMin = GEO_LONG_MIN + (ilon / scale) * lonScale;
  area.lonMax = GEO_LONG_MIN + (ilonNext / scale) * lonScale;
}

const scratchArea: GeoArea = { lonMin: 0, lonMax: 0, latMin: 0, latMax: 0 };

/**
 * The position a score stands for (decodeGeohash): the centre of its cell, clamped to Redis's
 * limits, into xy ([longitude, latitude]). Any score decodes, as in Redis.
 */
export function decodeScore(score: number, xy: number[]): void {
  scoreBits(score);
  deinterleave(scoreHi, scoreLo);
  cellArea(outX, outY, GEO_STEP_MAX, scratchArea);
  let lon = (scratchArea.lonMin + scratchArea.lonMax) / 2;
  if (lon > GEO_LONG_MAX) lon = GEO_LONG_MAX;
  if (lon < GEO_LONG_MIN) lon = GEO_LONG_MIN;
  let lat = (scratchArea.latMin + scratchArea.latMax) / 2;
  if (lat > GEO_LAT_MAX) lat = GEO_LAT_MAX;
  if (lat < GEO_LAT_MIN) lat = GEO_LAT_MIN;
  xy[0] = lon;
  xy[1] = lat;
}

const GEOALPHABET = '0123456789bcdefghjkmnpqrstuvwxyz';

/**
 * GEOHASH's string for a score: the position decoded, encoded again over the standard ranges
 * (latitude -90..90), as 11 base-32 characters, the last always '0' (52 bits give only 10).
 */
export function geohashString(score: number): string {
  const xy = [0, 0];
  decodeScore(score, xy);
  encode(xy[0], xy[1], GEO_STEP_MAX, -180, 180, -90, 90);
  const bits = (BigInt(outHi) << 32n) | BigInt(outLo);
  let s = '';
  for (let i = 0; i < 10; i++) s += GEOALPHABET[Number((bits >> BigInt(52 - (i + 1) * 5)) & 0x1fn)];
  return s + '0';
}

// ---- Distances ----------------------------------------------------------------------------------

/** Distance along a meridian (geohashGetLatDistance). */
export function latDistance(lat1: number, lat2: number): number {
  return EARTH_RADIUS_IN_METERS * Math.abs(lat2 * D_R - lat1 * D_R);
}

/** The haversine distance in meters (geohashGetDistance), with Redis's operation order. */
export function distance(lon1: number, lat1: number, lon2: number, lat2: number): number {
  const lon1r = lon1 * D_R;
  const lon2r = lon2 * D_R;
  const v = Math.sin((lon2r - lon1r) / 2);
  if (v === 0) return latDistance(lat1, lat2);
  const lat1r = lat1 * D_R;
  const lat2r = lat2 * D_R;
  const u = Math.sin((lat2r - lat1r) / 2);
  const a = u * u + Math.cos(lat1r) * Math.cos(lat2r) * v * v;
  return 2.0 * EARTH_RADIUS_IN_METERS * Math.asin(Math.sqrt(a));
}

/**
 * The distance from the shape's centre to (lon, lat) when the point lies within the shape
 * (geoWithinShape), else -1. A box contains a point within half its height along the meridian
 * and half its width along the point's parallel.
 */
export function distanceWithin(shape: GeoShape, lon: number, lat: number): number {
  if (!shape.box) {
    const d = distance(shape.lon, shape.lat, lon, lat);
    return d > shape.radius * shape.conversion ? -1 : d;
  }
  const width = shape.width * shape.conversion;
  const height = shape.height * shape.conversion;
  if (latDistance(lat, shape.lat) > height / 2) return -1;
  if (distance(lon, lat, shape.lon, lat) > width / 2) return -1;
  return distance(shape.lon, shape.lat, lon, lat);
}

// ---- Search areas -------------------------------------------------------------------------------

/** The precision of the cells for a search this wide (geohashEstimateStepsByRadius). */
function estimateSteps(rangeMeters: number, lat: number): number {
  if (rangeMeters === 0) return 26;
  let step = 1;
  while (rangeMeters < MERCATOR_MAX) {
    rangeMeters *= 2;
    step++;
  }
  step -= 2;
  // Cells narrow towards the poles.
  if (lat > 66 || lat < -66) {
    step--;
    if (lat > 80 || lat < -80) step--;
  }
  if (step < 1) step = 1;
  if (step > 26) step = 26;
  return step;
}

/** The cell of a position at a step (geohashEncode over Redis's ranges). */
function cellOf(lon: number, lat: number, step: number): GeoHashBits {
  encode(lon, lat, step, GEO_LONG_MIN, GEO_LONG_MAX, GEO_LAT_MIN, GEO_LAT_MAX);
  return { bits: (BigInt(outHi) << 32n) | BigInt(outLo), step };
}

function areaOf(cell: GeoHashBits): GeoArea {
  deinterleave(Number(cell.bits >> 32n), Number(cell.bits & 0xffffffffn));
  const area: GeoArea = { lonMin: 0, lonMax: 0, latMin: 0, latMax: 0 };
  cellArea(outX, outY, cell.step, area);
  return area;
}

const ODD_BITS = 0xaaaaaaaaaaaaaaaan;
const EVEN_BITS = 0x5555555555555555n;
const UINT64 = 0xffffffffffffffffn;

/** The cell d (±1) cells east or west (geohash_move_x: the longitude bits, in the odd positions). */
function moveX(cell: GeoHashBits, d: number): GeoHashBits {
  const shift = BigInt(64 - cell.step * 2);
  let x = cell.bits & ODD_BITS;
  const y = cell.bits & EVEN_BITS;
  const zz = EVEN_BITS >> shift;
  if (d > 0) x = x + (zz + 1n);
  else x = (x | zz) - (zz + 1n);
  x &= ODD_BITS >> shift;
  return { bits: (x | y) & UINT64, step: cell.step };
}

/** The cell d (±1) cells north or south (geohash_move_y: the latitude bits). */
function moveY(cell: GeoHashBits, d: number): GeoHashBits {
  const shift = BigInt(64 - cell.step * 2);
  const x = cell.bits & ODD_BITS;
  let y = cell.bits & EVEN_BITS;
  const zz = ODD_BITS >> shift;
  if (d > 0) y = y + (zz + 1n);
  else y = (y | zz) - (zz + 1n);
  y &= EVEN_BITS >> shift;
  return { bits: (x | y) & UINT64, step: cell.step };
}

/** Positions of the neighbours in SearchCells (the centre's cell is at 0). */
const NORTH = 1;
const SOUTH = 2;
const EAST = 3;
const WEST = 4;
const NORTH_EAST = 5;
const NORTH_WEST = 6;
const SOUTH_EAST = 7;
const SOUTH_WEST = 8;

/** The nine cells a search reads, in Redis's order; null for a cell left out. */
export type SearchCells = [GeoHashBits, ...(GeoHashBits | null)[]];

/**
 * The cells that cover a search (geohashCalculateAreasByShapeWGS84): the centre's cell, then its
 * neighbours north, south, east, west, north-east, north-west, south-east, south-west, at a step
 * coarse enough that they cover the shape's bounding box, without those that lie beyond it.
 */
export function searchCells(shape: GeoShape): SearchCells {
  const { lon, lat } = shape;
  // The bounding box (geohashBoundingBox): its edges bend with latitude, so the wider end counts.
  const height = shape.conversion * (shape.box ? shape.height / 2 : shape.radius);
  const width = shape.conversion * (shape.box ? shape.width / 2 : shape.radius);
  const latDelta = height / EARTH_RADIUS_IN_METERS / D_R;
  const lonDeltaTop = width / EARTH_RADIUS_IN_METERS / Math.cos((lat + latDelta) * D_R) / D_R;
  const lonDeltaBottom = width / EARTH_RADIUS_IN_METERS / Math.cos((lat - latDelta) * D_R) / D_R;
  const southern = lat < 0;
  const minLon = southern ? lon - lonDeltaBottom : lon - lonDeltaTop;
  const maxLon = southern ? lon + lonDeltaBottom : lon + lonDeltaTop;
  const minLat = lat - latDelta;
  const maxLat = lat + latDelta;

  let radiusMeters = shape.box ? Math.sqrt((shape.width / 2) * (shape.width / 2) + (shape.height / 2) * (shape.height / 2)) : shape.radius;
  radiusMeters *= shape.conversion;
  let steps = estimateSteps(radiusMeters, lat);

  let cell = cellOf(lon, lat, steps);
  let n = neighbours(cell);
  let area = areaOf(cell);
  // A neighbour that stops short of the bounding box: one step coarser.
  const decrease =
    areaOf(n.north).latMax < maxLat ||
    areaOf(n.south).latMin > minLat ||
    areaOf(n.east).lonMax < maxLon ||
    areaOf(n.west).lonMin > minLon;
  if (steps > 1 && decrease) {
    steps--;
    cell = cellOf(lon, lat, steps);
    n = neighbours(cell);
    area = areaOf(cell);
  }

  const { north, south, east, west, northEast, northWest, southEast, southWest } = n;
  const cells: SearchCells = [cell, north, south, east, west, northEast, northWest, southEast, southWest];
  // Neighbours wholly beyond the bounding box are not read.
  if (steps >= 2) {
    if (area.latMin < minLat) cells[SOUTH] = cells[SOUTH_WEST] = cells[SOUTH_EAST] = null;
    if (area.latMax > maxLat) cells[NORTH] = cells[NORTH_EAST] = cells[NORTH_WEST] = null;
    if (area.lonMin < minLon) cells[WEST] = cells[SOUTH_WEST] = cells[NORTH_WEST] = null;
    if (area.lonMax > maxLon) cells[EAST] = cells[SOUTH_EAST] = cells[NORTH_EAST] = null;
  }
  return cells;
}

interface Neighbours {
  north: GeoHashBits;
  south: GeoHashBits;
  east: GeoHashBits;
  west: GeoHashBits;
  northEast: GeoHashBits;
  northWest: GeoHashBits;
  southEast: GeoHashBits;
  southWest: GeoHashBits;
}

function neighbours(cell: GeoHashBits): Neighbours {
  return {
    east: moveX(cell, 1),
    west: moveX(cell, -1),
    south: moveY(cell, -1),
    north: moveY(cell, 1),
    northWest: moveY(moveX(cell, -1), 1),
    northEast: moveY(moveX(cell, 1), 1),
    southEast: moveY(moveX(cell, 1), -1),
    southWest: moveY(moveX(cell, -1), -1),
  };
}

/**
 * The score interval [min, max) of the members inside a cell (scoresOfGeoHashBox): its bits,
 * and its bits plus one, aligned to 52 bits, as the doubles C's conversion makes of them.
 */
export function cellScores(cell: GeoHashBits): [number, number] {
  const shift = BigInt(52 - cell.step * 2);
  return [Number((cell.bits << shift) & UINT64), Number(((cell.bits + 1n) << shift) & UINT64)];
}
