// Geo commands (Redis's geo.c): positions kept in a sorted set, each member's score its 52-bit
// geohash (types/geohash.ts). GEOADD is ZADD with the positions turned into scores (it runs
// ZADD's handler, so its replies, events and propagation are ZADD's); the searches read the
// nine cells around a centre as score ranges, keep what lies inside the circle or box, and
// reply or store (GEORADIUS … STORE/STOREDIST, GEOSEARCHSTORE) what they found.
//
// Numbers print as Redis prints them: distances with four decimals (fixedpoint_d2string),
// coordinates with printf("%.17Lf") less its trailing zeros. Sorting by distance is glibc's
// stable qsort, or Redis's partial quicksort when COUNT cuts the result (its order for equal
// distances is its own).

import type { CommandSpec } from '../server/command.js';
import type { Client } from '../server/client.js';
import { ERR_SYNTAX } from '../server/errors.js';
import { NOTIFY } from '../keyspace/notify.js';
import { ZSetValue, ZCursor } from '../types/zset.js';
import {
  GEO_LAT_MAX,
  GEO_LAT_MIN,
  GEO_LONG_MAX,
  GEO_LONG_MIN,
  cellScores,
  decodeScore,
  distance,
  distanceWithin,
  encodeScoreText,
  geohashString,
  searchCells,
  type GeoShape,
} from '../types/geohash.js';
import { readAs } from './lookup.js';
import { ArgCursor, doubleArg, integerArg } from './args.js';
import { optionWord } from '../util/cstring.js';
import { formatFixed } from '../util/numbers.js';
import { partialSort } from '../util/pqsort.js';

const ERR_UNIT = 'ERR unsupported unit provided. please use M, KM, FT, MI';
const ERR_MEMBER = 'ERR could not decode requested zset member';

/** Options of the search commands (Redis's flags for georadiusGeneric). */
const RADIUS_COORDS = 1;
const RADIUS_MEMBER = 2;
const RADIUS_NOSTORE = 4;
const GEOSEARCH = 8;
const GEOSEARCHSTORE = 16;

const SORT_NONE = 0;
const SORT_ASC = 1;
const SORT_DESC = 2;

/** One member found by a search. */
interface GeoPoint {
  member: string;
  lon: number;
  lat: number;
  /** Meters from the centre. */
  dist: number;
  score: number;
}

// ---- Arguments and formatting -------------------------------------------------------------------

/** Meters per unit (extractUnitOrReply); null after replying. */
function unitArg(c: Client, arg: string): number | null {
  switch (optionWord(arg)) {
    case 'm':
      return 1;
    case 'km':
      return 1000;
    case 'ft':
      return 0.3048;
    case 'mi':
      return 1609.34;
  }
  c.error(ERR_UNIT);
  return null;
}

/** A longitude and a latitude within Redis's limits, into xy (extractLongLatOrReply); false after replying. */
function lonLatArg(c: Client, lonArg: string, latArg: string, xy: number[]): boolean {
  const lon = doubleArg(c, lonArg);
  if (lon === null) return false;
  const lat = doubleArg(c, latArg);
  if (lat === null) return false;
  if (lon < GEO_LONG_MIN || lon > GEO_LONG_MAX || lat < GEO_LAT_MIN || lat > GEO_LAT_MAX) {
    c.error(`ERR invalid longitude,latitude pair ${formatFixed(lon, 6)},${formatFixed(lat, 6)}`);
    return false;
  }
  xy[0] = lon;
  xy[1] = lat;
  return true;
}

/** A radius and its unit into shape (extractDistanceOrReply); false after replying. */
function radiusArg(c: Client, radiusArg: string, unit: string, shape: GeoShape): boolean {
  const radius = doubleArg(c, radiusArg, 'ERR need numeric radius');
  if (radius === null) return false;
  if (radius < 0) {
    c.error('ERR radius cannot be negative');
    return false;
  }
  const conversion = unitArg(c, unit);
  if (conversion === null) return false;
  shape.box = false;
  shape.radius = radius;
  shape.conversion = conversion;
  return true;
}

/** A box's width, height and unit into shape (extractBoxOrReply); false after replying. */
function boxArg(c: Client, widthArg: string, heightArg: string, unit: string, shape: GeoShape): boolean {
  const width = doubleArg(c, widthArg, 'ERR need numeric width');
  if (width === null) return false;
  const height = doubleArg(c, heightArg, 'ERR need numeric height');
  if (height === null) return false;
  if (height < 0 || width < 0) {
    c.error('ERR height or width cannot be negative');
    return false;
  }
  const conversion = unitArg(c, unit);
  if (conversion === null) return false;
  shape.box = true;
  shape.width = width;
  shape.height = height;
  shape.conversion = conversion;
  return true;
}

/** rint(): to the nearest integer, ties to even (the FPU's default rounding). */
function rint(x: number): number {
  const r = Math.round(x);
  return r - x === 0.5 && r % 2 !== 0 ? r - 1 : r;
}

/**
 * A distance as Redis replies it (fixedpoint_d2string with 4 decimals): llrint(d * 10000) as a
 * fixed-point number, "0.0000" for zero.
 */
export function formatDistance(d: number): string {
  const scaled = d * 10000;
  // llrint of what a long long cannot hold is LLONG_MIN on x86-64.
  if (!(Math.abs(scaled) < 9223372036854775808)) return '-922337203685477.5808';
  const v = rint(scaled);
  const neg = v < 0;
  let digits = (v < 9007199254740992 && v > -9007199254740992 ? String(Math.abs(v)) : (neg ? -BigInt(v) : BigInt(v)).toString());
  if (digits.length < 5) digits = '0'.repeat(5 - digits.length) + digits;
  const text = digits.slice(0, -4) + '.' + digits.slice(-4);
  return neg ? '-' + text : text;
}

/** addReplyLongLong(score): a score as a C long long (truncated; LLONG_MIN when out of range). */
function scoreInteger(score: number): number | bigint {
  if (!(score >= -9223372036854775808 && score < 9223372036854775808)) return -9223372036854775808n;
  const t = Math.trunc(score);
  return Number.isSafeInteger(t) ? t + 0 : BigInt(t);
}

// ---- GEOADD -----------------------------------------------------------------------------------

/** GEOADD key [NX|XX] [CH] lon lat member …: ZADD key [options] score member … */
function geoadd(c: Client, argv: string[]): void {
  let xx = false;
  let nx = false;
  let longIdx = 2;
  // Options come first; the first other word is the first longitude.
  for (; longIdx < argv.length; longIdx++) {
    const opt = optionWord(argv[longIdx]);
    if (opt === 'nx') nx = true;
    else if (opt === 'xx') xx = true;
    else if (opt !== 'ch') break;
  }
  if ((argv.length - longIdx) % 3 !== 0 || (xx && nx)) {
    c.error(ERR_SYNTAX);
    return;
  }
  const zaddArgv = ['zadd', ...argv.slice(1, longIdx)];
  const xy = [0, 0];
  for (let i = longIdx; i < argv.length; i += 3) {
    if (!lonLatArg(c, argv[i], argv[i + 1], xy)) return;
    zaddArgv.push(encodeScoreText(xy[0], xy[1]), argv[i + 2]);
  }
  // ZADD does the rest, and GEOADD propagates as the ZADD it ran.
  const zadd = c.server.table.lookupFull('zadd')?.handler;
  if (zadd === undefined) throw new Error('GEOADD needs ZADD');
  c.rewriteArgv(zaddArgv);
  zadd(c, zaddArgv);
}

// ---- Searches ---------------------------------------------------------------------------------

const cursor = new ZCursor();
const xy = [0, 0];

/**
 * Appends to found the members with scores in [min, max) that lie within the shape
 * (geoGetPointsInRange), stopping once found holds limit of them (0: no limit).
 */
function pointsInRange(z: ZSetValue, min: number, max: number, shape: GeoShape, found: GeoPoint[], limit: number): void {
  const [first, end] = z.scoreRanks({ min, max, minex: false, maxex: true });
  if (first >= end) return;
  z.seekRank(first, cursor);
  for (let r = first; r < end; r++) {
    const score = cursor.score;
    decodeScore(score, xy);
    const dist = distanceWithin(shape, xy[0], xy[1]);
    if (dist >= 0) found.push({ member: cursor.member, lon: xy[0], lat: xy[1], dist, score });
    if (limit !== 0 && found.length >= limit) return;
    cursor.next();
  }
}

/**
 * The members within the shape, cell by cell in Redis's order (membersOfAllNeighbors). A cell
 * that repeats the one read before it (huge radii) is skipped; so is every cell once limit
 * members are found (COUNT … ANY).
 */
function membersInShape(z: ZSetValue, shape: GeoShape, limit: number): GeoPoint[] {
  const cells = searchCells(shape);
  const found: GeoPoint[] = [];
  let last = 0;
  for (let i = 0; i < cells.length; i++) {
    const cell = cells[i];
    if (cell === null) continue;
    // (As in Redis, the comparison starts only after a neighbour was read: index 0 never counts.)
    const previous = cells[last];
    if (last !== 0 && previous !== null && cell.bits === previous.bits && cell.step === previous.step) continue;
    if (limit !== 0 && found.length >= limit) break;
    const [min, max] = cellScores(cell);
    pointsInRange(z, min, max, shape, found, limit);
    last = i;
  }
  return found;
}

const byDistance = (a: GeoPoint, b: GeoPoint): number => (a.dist > b.dist ? 1 : a.dist === b.dist ? 0 : -1);
const byDistanceDesc = (a: GeoPoint, b: GeoPoint): number => -byDistance(a, b);

/**
 * GEORADIUS, GEORADIUSBYMEMBER and their _RO forms, GEOSEARCH and GEOSEARCHSTORE
 * (georadiusGeneric): the key is looked up first, then the centre and size, then the options.
 */
function georadiusGeneric(c: Client, argv: string[], srcKeyIndex: number, flags: number): void {
  const db = c.db;
  const z = readAs(c, argv[srcKeyIndex], ZSetValue);
  if (z === null) return;
  const shape: GeoShape = { box: false, lon: 0, lat: 0, conversion: 1, radius: 0, width: 0, height: 0 };
  let storeKey: string | null = null;
  let storeDist = false;
  let baseArgs: number;
  if (flags & RADIUS_COORDS) {
    baseArgs = 6;
    if (!lonLatArg(c, argv[2], argv[3], xy)) return;
    shape.lon = xy[0];
    shape.lat = xy[1];
    if (!radiusArg(c, argv[4], argv[5], shape)) return;
  } else if (flags & RADIUS_MEMBER) {
    baseArgs = 5;
    // Without the key, the options are still read, to know which empty reply to give.
    if (z !== undefined) {
      const score = z.score(argv[2]);
      if (score === undefined) {
        c.error(ERR_MEMBER);
        return;
      }
      decodeScore(score, xy);
      shape.lon = xy[0];
      shape.lat = xy[1];
      if (!radiusArg(c, argv[3], argv[4], shape)) return;
    }
  } else {
    baseArgs = 2;
    if (flags & GEOSEARCHSTORE) {
      baseArgs = 3;
      storeKey = argv[1];
    }
  }

  let withDist = false;
  let withHash = false;
  let withCoords = false;
  let fromMember = false;
  let fromLonLat = false;
  let byRadius = false;
  let byBox = false;
  let sort = SORT_NONE;
  let any = false;
  let count = 0;
  const storeAllowed = !(flags & RADIUS_NOSTORE) && !(flags & GEOSEARCH);
  const opts = new ArgCursor(c, argv, baseArgs);
  for (let opt = opts.next(); opt !== null; opt = opts.next()) {
    if (opt === 'withdist') withDist = true;
    else if (opt === 'withhash') withHash = true;
    else if (opt === 'withcoord') withCoords = true;
    else if (opt === 'any') any = true;
    else if (opt === 'asc') sort = SORT_ASC;
    else if (opt === 'desc') sort = SORT_DESC;
    else if (opt === 'count' && opts.hasValue()) {
      const n = integerArg(c, opts.value());
      if (n === null) return;
      if (n <= 0) {
        c.error('ERR COUNT must be > 0');
        return;
      }
      count = n;
    } else if ((opt === 'store' || opt === 'storedist') && opts.hasValue() && storeAllowed) {
      storeKey = opts.value();
      storeDist = opt === 'storedist';
    } else if (opt === 'storedist' && flags & GEOSEARCH && flags & GEOSEARCHSTORE) {
      storeDist = true;
    } else if (opt === 'frommember' && opts.hasValue() && flags & GEOSEARCH && !fromLonLat) {
      const member = opts.value();
      fromMember = true;
      // Without the key, parsing goes on and the key's absence answers.
      if (z === undefined) continue;
      const score = z.score(member);
      if (score === undefined) {
        c.error(ERR_MEMBER);
        return;
      }
      decodeScore(score, xy);
      shape.lon = xy[0];
      shape.lat = xy[1];
    } else if (opt === 'fromlonlat' && opts.hasValue(2) && flags & GEOSEARCH && !fromMember) {
      if (!lonLatArg(c, opts.value(), opts.value(), xy)) return;
      shape.lon = xy[0];
      shape.lat = xy[1];
      fromLonLat = true;
    } else if (opt === 'byradius' && opts.hasValue(2) && flags & GEOSEARCH && !byBox) {
      if (!radiusArg(c, opts.value(), opts.value(), shape)) return;
      byRadius = true;
    } else if (opt === 'bybox' && opts.hasValue(3) && flags & GEOSEARCH && !byRadius) {
      if (!boxArg(c, opts.value(), opts.value(), opts.value(), shape)) return;
      byBox = true;
    } else {
      opts.syntaxError();
      return;
    }
  }

  if (storeKey !== null && (withDist || withHash || withCoords)) {
    const what = flags & GEOSEARCHSTORE ? 'GEOSEARCHSTORE' : 'STORE option in GEORADIUS';
    c.error(`ERR ${what} is not compatible with WITHDIST, WITHHASH and WITHCOORD options`);
    return;
  }
  if (flags & GEOSEARCH && !fromMember && !fromLonLat) {
    c.error(`ERR exactly one of FROMMEMBER or FROMLONLAT can be specified for ${argv[0]}`);
    return;
  }
  if (flags & GEOSEARCH && !byRadius && !byBox) {
    c.error(`ERR exactly one of BYRADIUS and BYBOX can be specified for ${argv[0]}`);
    return;
  }
  if (any && count === 0) {
    c.error('ERR the ANY argument requires COUNT argument');
    return;
  }

  if (z === undefined) {
    if (storeKey === null) c.arrayLen(0);
    else {
      // The destination goes, as an empty result would leave it.
      if (db.delete(storeKey, false)) db.changed(storeKey, NOTIFY.GENERIC, 'del');
      c.integer(0);
    }
    return;
  }

  // COUNT without ANY means the nearest ones.
  if (count !== 0 && sort === SORT_NONE && !any) sort = SORT_ASC;

  const found = membersInShape(z, shape, any ? count : 0);
  if (found.length === 0 && storeKey === null) {
    c.arrayLen(0);
    return;
  }
  const returned = count === 0 || found.length < count ? found.length : count;
  if (sort !== SORT_NONE) {
    const cmp = sort === SORT_ASC ? byDistance : byDistanceDesc;
    if (returned === found.length) found.sort(cmp);
    else partialSort(found, cmp, 0, returned - 1);
  }
  const conversion = shape.conversion;

  if (storeKey === null) {
    const options = (withDist ? 1 : 0) + (withHash ? 1 : 0) + (withCoords ? 1 : 0);
    c.arrayLen(returned);
    for (let i = 0; i < returned; i++) {
      const p = found[i];
      if (options !== 0) c.arrayLen(options + 1);
      c.bulk(p.member);
      if (withDist) c.bulk(formatDistance(p.dist / conversion));
      if (withHash) c.integer(scoreInteger(p.score));
      if (withCoords) {
        c.arrayLen(2);
        c.humanDouble(p.lon);
        c.humanDouble(p.lat);
      }
    }
    return;
  }

  if (returned > 0) {
    const result = ZSetValue.skiplist(c.server.zsetLimits);
    for (let i = 0; i < returned; i++) {
      const p = found[i];
      result.add(p.member, storeDist ? p.dist / conversion : p.score);
    }
    result.toListpackIfFits();
    // setKey: a key whose time passed is expired first, then replaced.
    if (db.expires.size !== 0) db.expireIfNeeded(storeKey);
    db.set(storeKey, result);
    db.changed(storeKey, NOTIFY.ZSET, flags & GEOSEARCH ? 'geosearchstore' : 'georadiusstore', returned);
  } else if (db.delete(storeKey, false)) {
    db.changed(storeKey, NOTIFY.GENERIC, 'del');
  }
  c.integer(returned);
}

// ---- GEOHASH GEOPOS GEODIST ---------------------------------------------------------------------

function geohash(c: Client, argv: string[]): void {
  const z = readAs(c, argv[1], ZSetValue);
  if (z === null) return;
  c.arrayLen(argv.length - 2);
  for (let i = 2; i < argv.length; i++) {
    const score = z?.score(argv[i]);
    if (score === undefined) c.nullBulk();
    else c.bulk(geohashString(score));
  }
}

function geopos(c: Client, argv: string[]): void {
  const z = readAs(c, argv[1], ZSetValue);
  if (z === null) return;
  c.arrayLen(argv.length - 2);
  for (let i = 2; i < argv.length; i++) {
    const score = z?.score(argv[i]);
    if (score === undefined) {
      c.nullArray();
      continue;
    }
    decodeScore(score, xy);
    c.arrayLen(2);
    c.humanDouble(xy[0]);
    c.humanDouble(xy[1]);
  }
}

function geodist(c: Client, argv: string[]): void {
  let toMeters = 1;
  if (argv.length === 5) {
    const unit = unitArg(c, argv[4]);
    if (unit === null) return;
    toMeters = unit;
  } else if (argv.length > 5) {
    c.error(ERR_SYNTAX);
    return;
  }
  const z = readAs(c, argv[1], ZSetValue);
  if (z === null) return;
  const score1 = z?.score(argv[2]);
  const score2 = z?.score(argv[3]);
  if (score1 === undefined || score2 === undefined) {
    c.nullBulk();
    return;
  }
  decodeScore(score1, xy);
  const [lon1, lat1] = xy;
  decodeScore(score2, xy);
  c.bulk(formatDistance(distance(lon1, lat1, xy[0], xy[1]) / toMeters));
}

export const geoCommands: CommandSpec[] = [
  { name: 'geoadd', handler: geoadd },
  { name: 'geodist', handler: geodist },
  { name: 'geohash', handler: geohash },
  { name: 'geopos', handler: geopos },
  { name: 'georadius', handler: (c, argv) => georadiusGeneric(c, argv, 1, RADIUS_COORDS) },
  { name: 'georadius_ro', handler: (c, argv) => georadiusGeneric(c, argv, 1, RADIUS_COORDS | RADIUS_NOSTORE) },
  { name: 'georadiusbymember', handler: (c, argv) => georadiusGeneric(c, argv, 1, RADIUS_MEMBER) },
  { name: 'georadiusbymember_ro', handler: (c, argv) => georadiusGeneric(c, argv, 1, RADIUS_MEMBER | RADIUS_NOSTORE) },
  { name: 'geosearch', handler: (c, argv) => georadiusGeneric(c, argv, 1, GEOSEARCH) },
  { name: 'geosearchstore', handler: (c, argv) => georadiusGeneric(c, argv, 2, GEOSEARCH | GEOSEARCHSTORE) },
];
