// Geo commands, checked against real Redis byte for byte: GEOADD's options and errors, the
// positions, hashes and distances as Redis prints them, every search form (GEORADIUS,
// GEORADIUSBYMEMBER, their _RO forms, GEOSEARCH, GEOSEARCHSTORE) with its options and errors,
// STORE/STOREDIST with their keyspace events and the replication stream, positions at the edges
// of the map, and random searches compared with the real server.

import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { Differential, differentialSuite, type StepLike } from '../helpers/differential.js';
import { formatDistance } from '../../src/commands/geo.js';
import { decodeScore, encodeScoreText, geohashString } from '../../src/types/geohash.js';
import { formatDoubleHuman, formatLongDoubleHuman, type LongDouble } from '../../src/util/longdouble.js';
import { formatFixed } from '../../src/util/numbers.js';

const NYC = [
  'GEOADD', 'nyc',
  '-73.9454966', '40.747533', 'lic market',
  '-73.9733487', '40.7648057', 'central park n/q/r',
  '-73.9903085', '40.7362513', 'union square',
  '-74.0131604', '40.7126674', 'wtc one',
  '-73.7858139', '40.6428986', 'jfk',
  '-73.9375699', '40.7498929', 'q4',
  '-73.9564142', '40.7480973', '4545',
];
const SICILY = ['GEOADD', 'Sicily', '13.361389', '38.115556', 'Palermo', '15.087269', '37.502669', 'Catania', '12.758489', '38.788135', 'edge1', '17.241510', '38.788135', 'edge2'];

describe('geo commands', differentialSuite(), () => {
  const d = new Differential();
  before(() => d.start());
  after(() => d.stop());

  describe('GEOADD', () => {
    it('adds, updates, with NX XX CH', async () => {
      await d.check([
        ['GEOADD', 'nyc', '-73.9454966', '40.747533', 'lic market'],
        ['GEOADD', 'nyc', '-73.9454966', '40.747533', 'lic market'],
        ['GEOADD', 'nyc', 'CH', '40.747533', '-73.9454966', 'lic market'],
        ['GEOPOS', 'nyc', 'lic market'],
        ['GEOADD', 'nyc', 'NX', '-73.9454966', '40.747533', 'lic market'],
        ['GEOADD', 'nyc', 'XX', '-83.9454966', '40.747533', 'lic market'],
        ['GEOADD', 'nyc', 'CH', 'NX', '-73.9454966', '40.747533', 'lic market'],
        ['GEOADD', 'nyc', 'CH', 'XX', '-73.9454966', '40.747533', 'lic market'],
        ['GEOADD', 'nyc', 'xx', 'ch', '1', '2', 'new'],
        ['GEOADD', 'nyc', 'nx', 'ch', '1', '2', 'new', '3', '4', 'lic market'],
        ['GEOADD', 'nyc', 'ch', 'ch', '5', '6', 'new'],
        NYC,
        ['ZRANGE', 'nyc', '0', '-1', 'WITHSCORES'],
        ['OBJECT', 'ENCODING', 'nyc'],
        ['GEOADD', 'bin', '0', '0', 'a\x00b\xff\r\n', '0', '0', ''],
        ['GEOPOS', 'bin', 'a\x00b\xff\r\n', '', 'a'],
      ]);
    });

    it('errors', async () => {
      await d.check([
        ['SET', 'str', 'x'],
        { cmd: ['GEOADD', 'str', '1', '2', 'm'], error: true },
        { cmd: ['GEOADD', 'k', 'xx', 'nx', '1', '2', 'm'], error: true },
        { cmd: ['GEOADD', 'k', 'ch', 'xx', 'foo', '1', '2', 'm'], error: true },
        { cmd: ['GEOADD', 'k', '1', '2', 'm', '3'], error: true },
        { cmd: ['GEOADD', 'k', '1', '2'], error: true },
        { cmd: ['GEOADD', 'k', 'nx', 'ch', 'xx'], error: true },
        { cmd: ['GEOADD', 'k', 'ch', 'ch', 'ch'], error: true },
        { cmd: ['GEOADD', 'k', 'GT', '1', '2', 'm'], error: true },
        { cmd: ['GEOADD', 'k', '1', '2', 'm', 'foo', 'bar', 'n'], error: true },
        { cmd: ['GEOADD', 'k', '181', '2', 'm'], error: true },
        { cmd: ['GEOADD', 'k', '1', '85.06', 'm'], error: true },
        { cmd: ['GEOADD', 'k', '-180.0000001', '-85.05112879', 'm'], error: true },
        { cmd: ['GEOADD', 'k', '200.0078125', '100.0000005', 'm'], error: true },
        { cmd: ['GEOADD', 'k', '200.0078135', '-100.00000050000001', 'm'], error: true },
        { cmd: ['GEOADD', 'k', '1e300', '-inf', 'm'], error: true },
        { cmd: ['GEOADD', 'k', 'inf', '0', 'm'], error: true },
        { cmd: ['GEOADD', 'k', 'nan', '0', 'm'], error: true },
        { cmd: ['GEOADD', 'k', '1', ' 2', 'm'], error: true },
        { cmd: ['GEOADD', 'k'], error: true },
        ['EXISTS', 'k'],
      ]);
    });

    it('positions at the edges of the map', async () => {
      await d.check([
        ['GEOADD', 'e', '180', '85.05112878', 'ne', '-180', '-85.05112878', 'sw', '180', '-85.05112878', 'se', '-180', '85.05112878', 'nw', '0', '0', 'o', '-0', '-0', 'z'],
        ['GEOADD', 'e', '180', '12.3456789', 'east', '179.9999999', '85.0511287', 'near', '-179.99999999', '0.00000001', 'tiny'],
        ['ZRANGE', 'e', '0', '-1', 'WITHSCORES'],
        ['GEOPOS', 'e', 'ne', 'sw', 'se', 'nw', 'o', 'z', 'east', 'near', 'tiny'],
        ['GEOHASH', 'e', 'ne', 'sw', 'se', 'nw', 'o', 'z', 'east', 'near', 'tiny'],
        ['GEODIST', 'e', 'ne', 'sw'],
        ['GEODIST', 'e', 'se', 'sw', 'km'],
        ['GEODIST', 'e', 'o', 'z', 'ft'],
        ['GEORADIUS', 'e', '0', '0', '20000', 'km', 'ASC', 'WITHDIST', 'WITHHASH', 'WITHCOORD'],
        ['GEOSEARCH', 'e', 'FROMMEMBER', 'ne', 'BYBOX', '1000', '1000', 'km', 'WITHCOORD', 'DESC'],
        ['GEOSEARCH', 'e', 'FROMLONLAT', '180', '0', 'BYRADIUS', '2000', 'km', 'WITHDIST', 'ASC'],
      ]);
    });
  });

  describe('any sorted set', () => {
    it('decodes any score as Redis does, through its uint64 conversion', async () => {
      const scores = ['-1', '-0.5', '-1e10', '-9223372036854775808', '-1e300', '-inf', 'inf', '1e300', '18446744073709551615', '9223372036854775808', '4503599627370496', '9007199254740993', '0.5', '0', '123456789.99', '13835058055282163712'];
      const zadd = ['ZADD', 'z'];
      scores.forEach((s, i) => zadd.push(s, `s${i}`));
      const members = scores.map((_, i) => `s${i}`);
      await d.check([
        zadd,
        ['GEOPOS', 'z', ...members],
        ['GEOHASH', 'z', ...members],
        ['GEODIST', 'z', 's0', 's5', 'km'],
        ['GEODIST', 'z', 's6', 's12'],
        ['GEORADIUS', 'z', '0', '0', '25000', 'km', 'WITHHASH', 'WITHCOORD', 'WITHDIST', 'ASC'],
        ['GEOSEARCH', 'z', 'FROMMEMBER', 's0', 'BYBOX', '100', '100', 'km', 'WITHHASH'],
      ]);
    });
  });

  describe('GEOPOS GEOHASH GEODIST', () => {
    it('report positions, hashes and distances', async () => {
      await d.check([
        NYC,
        SICILY,
        ['GEOADD', 'points', '-5.6', '42.6', 'test', '10', '20', 'a', '30', '40', 'b'],
        ['GEOHASH', 'points', 'test', 'a', 'nope', 'b'],
        ['GEOHASH', 'points'],
        ['GEOHASH', 'nokey', 'a', 'b'],
        ['GEOPOS', 'points', 'a', 'x', 'b'],
        ['GEOPOS', 'points'],
        ['GEOPOS', 'nokey', 'a'],
        ['GEOPOS', 'nyc', 'lic market', 'central park n/q/r', 'union square', 'wtc one', 'jfk', 'q4', '4545'],
        ['GEODIST', 'Sicily', 'Palermo', 'Catania'],
        ['GEODIST', 'Sicily', 'Palermo', 'Catania', 'km'],
        ['GEODIST', 'Sicily', 'Palermo', 'Catania', 'KM'],
        ['GEODIST', 'Sicily', 'Palermo', 'Catania', 'mi'],
        ['GEODIST', 'Sicily', 'Palermo', 'Catania', 'ft'],
        ['GEODIST', 'Sicily', 'Palermo', 'Catania', 'M'],
        ['GEODIST', 'Sicily', 'Palermo', 'Palermo'],
        ['GEODIST', 'Sicily', 'Palermo', 'Agrigento'],
        ['GEODIST', 'Sicily', 'Ragusa', 'Agrigento'],
        ['GEODIST', 'nokey', 'Palermo', 'Catania'],
        ['GEODIST', 'nyc', 'wtc one', 'jfk', 'km'],
        ['GEODIST', 'nyc', 'q4', '4545', 'ft'],
        { cmd: ['GEODIST', 'Sicily', 'Palermo', 'Catania', 'yards'], error: true },
        { cmd: ['GEODIST', 'nokey', 'Palermo', 'Catania', 'yards'], error: true },
        { cmd: ['GEODIST', 'Sicily', 'Palermo', 'Catania', 'km\x00x'], error: false },
        { cmd: ['GEODIST', 'Sicily', 'Palermo', 'Catania', 'km', 'x'], error: true },
        { cmd: ['GEODIST', 'Sicily', 'Palermo'], error: true },
        ['SET', 'str', 'x'],
        { cmd: ['GEODIST', 'str', 'a', 'b'], error: true },
        { cmd: ['GEOPOS', 'str', 'a'], error: true },
        { cmd: ['GEOHASH', 'str', 'a'], error: true },
      ]);
    });

    it('RESP3: coordinates are doubles, missing ones nulls', async () => {
      await d.check(
        [
          ['GEOADD', 'points', '10', '20', 'a', '30', '40', 'b', '-180', '-85.05112878', 'c'],
          ['GEOPOS', 'points', 'a', 'x', 'b', 'c'],
          ['GEOHASH', 'points', 'a', 'x'],
          ['GEODIST', 'points', 'a', 'b'],
          ['GEODIST', 'points', 'a', 'x'],
          ['GEODIST', 'nokey', 'a', 'x'],
          ['GEORADIUS', 'points', '15', '25', '1000', 'km', 'WITHCOORD', 'WITHDIST', 'WITHHASH'],
          ['GEORADIUS', 'points', '15', '25', '1', 'km', 'WITHCOORD'],
          ['GEORADIUS', 'nokey', '15', '25', '1', 'km', 'WITHCOORD'],
        ],
        { resp3: true },
      );
    });
  });

  describe('searches', () => {
    it('GEORADIUS and GEORADIUSBYMEMBER with their options', async () => {
      const steps: StepLike[] = [NYC];
      const centre = ['-73.9798091', '40.7598464'];
      for (const opts of [
        ['3', 'km', 'asc'],
        ['3', 'km', 'withdist', 'asc'],
        ['10', 'km', 'COUNT', '3'],
        ['10', 'km', 'COUNT', '3', 'ANY'],
        ['10', 'km', 'COUNT', '3', 'ANY', 'ASC'],
        ['10', 'km', 'COUNT', '3', 'ANY', 'DESC'],
        ['10', 'km', 'COUNT', '2', 'DESC'],
        ['10', 'km', 'COUNT', '100'],
        ['10', 'km'],
        ['10', 'km', 'DESC', 'ASC'],
        ['10', 'km', 'WITHCOORD', 'WITHDIST', 'WITHHASH', 'DESC'],
        ['10', 'km', 'withhash', 'COUNT', '1', 'count', '4'],
        ['0', 'km'],
        ['5000', 'm', 'withdist'],
        ['15000', 'ft', 'withdist', 'asc'],
        ['2', 'mi', 'withdist', 'desc'],
        ['1e300', 'km', 'asc'],
        ['inf', 'km', 'COUNT', '2'],
      ]) {
        steps.push(['GEORADIUS', 'nyc', ...centre, ...opts], ['GEORADIUS_RO', 'nyc', ...centre, ...opts]);
        steps.push(['GEORADIUSBYMEMBER', 'nyc', 'wtc one', ...opts], ['GEORADIUSBYMEMBER_RO', 'nyc', 'wtc one', ...opts]);
      }
      await d.check(steps);
    });

    it('GEOSEARCH with FROMMEMBER/FROMLONLAT and BYRADIUS/BYBOX', async () => {
      const steps: StepLike[] = [NYC, SICILY];
      for (const opts of [
        ['fromlonlat', '-73.9798091', '40.7598464', 'bybox', '6', '6', 'km', 'asc'],
        ['fromlonlat', '-73.9798091', '40.7598464', 'bybox', '6', '6', 'km', 'withdist', 'asc'],
        ['frommember', 'wtc one', 'bybox', '14', '14', 'km'],
        ['frommember', 'wtc one', 'byradius', '7', 'km', 'withdist', 'withcoord'],
        ['frommember', 'wtc one', 'frommember', 'jfk', 'byradius', '30', 'km', 'count', '2'],
        ['fromlonlat', '-73.9798091', '40.7598464', 'fromlonlat', '-74', '40.7', 'byradius', '3', 'km', 'asc'],
        ['byradius', '3', 'km', 'fromlonlat', '-73.9798091', '40.7598464', 'byradius', '4', 'km', 'desc'],
        ['bybox', '1', '30', 'km', 'frommember', 'jfk', 'bybox', '30', '1', 'km', 'withhash'],
        ['frommember', 'jfk', 'bybox', '0', '0', 'km'],
        ['frommember', 'jfk', 'byradius', '0', 'km'],
      ]) {
        steps.push(['GEOSEARCH', 'nyc', ...opts]);
      }
      steps.push(
        ['GEOSEARCH', 'Sicily', 'fromlonlat', '15', '37', 'bybox', '400', '400', 'km', 'asc'],
        ['GEORADIUS', 'Sicily', '15', '37', '200', 'km', 'asc'],
        ['GEOADD', 'narrow', '12.75', '36.995', 'test1', '12.75', '36.50', 'test2', '13.00', '36.50', 'test3', '-1', '37.00', 'test4'],
        ['GEOSEARCH', 'narrow', 'fromlonlat', '15', '37', 'bybox', '400', '2', 'km'],
        ['GEOSEARCH', 'narrow', 'fromlonlat', '15', '37', 'bybox', '3000', '2', 'km', 'asc'],
        ['GEOADD', 'wrap', '179.5', '36', 'point1', '-179.5', '36', 'point2'],
        ['GEOSEARCH', 'wrap', 'fromlonlat', '179', '37', 'bybox', '400', '400', 'km', 'asc'],
        ['GEOSEARCH', 'wrap', 'fromlonlat', '-179', '37', 'bybox', '400', '400', 'km', 'asc'],
        ['GEOADD', 'small', '-122.407107', '37.794300', '1', '-122.227336', '37.794300', '2'],
        ['GEORADIUS', 'small', '-122.407107', '37.794300', '30', 'mi', 'ASC', 'WITHDIST'],
        ['GEOADD', 'users', '-47.271613776683807', '-54.534504198047678', 'user_000000'],
        ['GEORADIUS', 'users', '0', '0', '50000', 'km', 'WITHCOORD'],
        ['GEOADD', 'k1', '-0.15307903289794921875', '85', 'n1', '0.3515625', '85.00019260486917005437', 'n2'],
        ['GEORADIUSBYMEMBER', 'k1', 'n1', '4891.94', 'm'],
        ['GEOADD', 'k2', '-4.95211958885192871094', '85', 'n3', '11.25', '85.0511', 'n4'],
        ['GEORADIUSBYMEMBER', 'k2', 'n3', '156544', 'm'],
        ['GEOADD', 'k3', '-45', '65.50900022111811438208', 'n5', '90', '85.0511', 'n6', '45', '65', 'n7', '-135', '85.05', 'n8'],
        ['GEORADIUSBYMEMBER', 'k3', 'n5', '5009431', 'm'],
        ['GEORADIUSBYMEMBER', 'k3', 'n7', '5009431', 'm'],
      );
      await d.check(steps);
    });

    it('equal distances: stable order, or Redis partial quicksort order with COUNT', async () => {
      const add = ['GEOADD', 'same'];
      for (let i = 0; i < 60; i++) add.push(String((i % 3) * 0.01), '10', `m${i}`);
      await d.check([
        add,
        ['GEORADIUS', 'same', '0', '10', '100', 'km', 'ASC'],
        ['GEORADIUS', 'same', '0', '10', '100', 'km', 'DESC'],
        ['GEORADIUS', 'same', '0', '10', '100', 'km', 'ASC', 'COUNT', '25'],
        ['GEORADIUS', 'same', '0', '10', '100', 'km', 'DESC', 'COUNT', '7', 'WITHDIST'],
        ['GEORADIUS', 'same', '0', '10', '100', 'km', 'COUNT', '45'],
        ['GEORADIUS', 'same', '0', '10', '100', 'km', 'COUNT', '10', 'ANY'],
        ['GEOSEARCH', 'same', 'FROMLONLAT', '0.02', '10', 'BYBOX', '100', '100', 'km', 'COUNT', '33', 'DESC'],
        ['GEORADIUS', 'same', '0', '10', '100', 'km', 'STORE', 'dst', 'COUNT', '20'],
        ['ZRANGE', 'dst', '0', '-1'],
      ]);
    });

    it('errors, in Redis order', async () => {
      await d.check([
        NYC,
        ['SET', 'str', 'x'],
        { cmd: ['GEORADIUS', 'str', '1', '1', '1', 'km'], error: true },
        { cmd: ['GEORADIUS', 'str', 'x', '1', '1', 'km', 'bad'], error: true },
        { cmd: ['GEORADIUSBYMEMBER', 'str', 'member', '1', 'km'], error: true },
        { cmd: ['GEOSEARCH', 'str', 'frommember', 'member', 'bybox', '1', '1', 'km'], error: true },
        { cmd: ['GEOSEARCHSTORE', 'dst', 'str', 'fromlonlat', '0', '0', 'byradius', '1', 'km'], error: true },
        { cmd: ['GEORADIUS', 'nyc', 'x', '1', '1', 'km'], error: true },
        { cmd: ['GEORADIUS', 'nyc', '1', 'x', '1', 'km'], error: true },
        { cmd: ['GEORADIUS', 'nyc', '1', '100', '1', 'km'], error: true },
        { cmd: ['GEORADIUS', 'nyc', '1', '1', 'x', 'km'], error: true },
        { cmd: ['GEORADIUS', 'nyc', '1', '1', '-1', 'km'], error: true },
        { cmd: ['GEORADIUS', 'nyc', '1', '1', '1', 'yd'], error: true },
        { cmd: ['GEORADIUS', 'nyc', '1', '1', '1', 'km', 'COUNT'], error: true },
        { cmd: ['GEORADIUS', 'nyc', '1', '1', '1', 'km', 'COUNT', 'x'], error: true },
        { cmd: ['GEORADIUS', 'nyc', '1', '1', '1', 'km', 'COUNT', '0'], error: true },
        { cmd: ['GEORADIUS', 'nyc', '1', '1', '1', 'km', 'COUNT', '-3'], error: true },
        { cmd: ['GEORADIUS', 'nyc', '1', '1', '1', 'km', 'ANY'], error: true },
        { cmd: ['GEORADIUS', 'nyc', '1', '1', '1', 'km', 'STORE'], error: true },
        { cmd: ['GEORADIUS', 'nyc', '1', '1', '1', 'km', 'STORE', 'd', 'WITHDIST'], error: true },
        { cmd: ['GEORADIUS', 'nyc', '1', '1', '1', 'km', 'STOREDIST', 'd', 'WITHHASH'], error: true },
        { cmd: ['GEORADIUS', 'nyc', '1', '1', '1', 'km', 'WITHCOORD', 'STORE', 'd'], error: true },
        { cmd: ['GEORADIUS', 'nyc', '1', '1', '1', 'km', 'FROMMEMBER', 'jfk'], error: true },
        { cmd: ['GEORADIUS_RO', 'nyc', '1', '1', '1', 'km', 'STORE', 'd'], error: true },
        { cmd: ['GEORADIUSBYMEMBER', 'nyc', 'nope', '1', 'km'], error: true },
        { cmd: ['GEORADIUSBYMEMBER', 'nyc', 'nope', 'x', 'km'], error: true },
        { cmd: ['GEORADIUSBYMEMBER', 'nyc', 'jfk', 'x', 'km'], error: true },
        { cmd: ['GEORADIUSBYMEMBER_RO', 'nyc', 'jfk', '1', 'km', 'STOREDIST', 'd'], error: true },
        { cmd: ['GEOSEARCH', 'nyc', 'fromlonlat', '-73.9798091', '40.7598464', 'frommember', 'xxx', 'bybox', '6', '6', 'km', 'asc'], error: true },
        { cmd: ['GEOSEARCH', 'nyc', 'bybox', '3', '3', 'km', 'asc', 'desc', 'withhash', 'withdist', 'withcoord'], error: true },
        { cmd: ['geosearch', 'nyc', 'bybox', '3', '3', 'km'], error: true },
        { cmd: ['GEOSEARCH', 'nyc', 'fromlonlat', '-73.9798091', '40.7598464', 'byradius', '3', 'km', 'bybox', '3', '3', 'km', 'asc'], error: true },
        { cmd: ['GEOSEARCH', 'nyc', 'fromlonlat', '-73.9798091', '40.7598464', 'asc', 'desc', 'withhash', 'withdist', 'withcoord'], error: true },
        { cmd: ['GEOSEARCH', 'nyc', 'fromlonlat', '-73.9798091', '40.7598464', 'bybox', '6', '6', 'km', 'asc', 'storedist'], error: true },
        { cmd: ['GEOSEARCH', 'nyc', 'fromlonlat', '-73.9798091', '40.7598464', 'bybox', '6', '6', 'km', 'store', 'd'], error: true },
        { cmd: ['GEOSEARCH', 'nyc', 'frommember', 'nope', 'bybox', '6', '6', 'km'], error: true },
        { cmd: ['GEOSEARCH', 'nyc', 'frommember', 'jfk', 'bybox', '6', 'x', 'km'], error: true },
        { cmd: ['GEOSEARCH', 'nyc', 'frommember', 'jfk', 'bybox', 'x', 'y', 'km'], error: true },
        { cmd: ['GEOSEARCH', 'nyc', 'frommember', 'jfk', 'bybox', '-1', '1', 'km'], error: true },
        { cmd: ['GEOSEARCH', 'nyc', 'frommember', 'jfk', 'bybox', '1', '1', 'x'], error: true },
        { cmd: ['GEOSEARCH', 'nyc', 'frommember', 'jfk', 'bybox', '1', '1'], error: true },
        { cmd: ['GEOSEARCH', 'nyc', 'frommember', 'jfk', 'byradius', '1'], error: true },
        { cmd: ['GEOSEARCH', 'nyc', 'fromlonlat', '1'], error: true },
        { cmd: ['GEOSEARCH', 'nyc', 'fromlonlat', '1', '91', 'byradius', '1', 'km'], error: true },
        { cmd: ['GEOSEARCH', 'nyc', 'frommember', 'jfk', 'byradius', '1', 'km', 'any'], error: true },
        { cmd: ['GEOSEARCHSTORE', 'd', 'nyc', 'fromlonlat', '13.361389', '38.115556', 'byradius', '50', 'km', 'store', 'd'], error: true },
        { cmd: ['GEOSEARCHSTORE', 'd', 'nyc', 'fromlonlat', '13.361389', '38.115556', 'byradius', '50', 'km', 'withdist'], error: true },
        { cmd: ['GEOSEARCHSTORE', 'd', 'nyc', 'byradius', '50', 'km'], error: true },
        { cmd: ['GEORADIUS', 'nyc', '1', '1', '1'], error: true },
        { cmd: ['GEOSEARCH', 'nyc'], error: true },
        ['EXISTS', 'd'],
      ]);
    });

    it('a missing key: an empty reply, or a deleted destination; options still checked', async () => {
      await d.check([
        ['GEORADIUS', 'nokey', '1', '1', '1', 'km'],
        ['GEORADIUSBYMEMBER', 'nokey', 'member', 'x', 'y'],
        ['GEORADIUSBYMEMBER', 'nokey', 'member', 'x', 'y', 'WITHDIST'],
        { cmd: ['GEORADIUSBYMEMBER', 'nokey', 'member', 'x', 'y', 'ANY'], error: true },
        { cmd: ['GEORADIUSBYMEMBER', 'nokey', 'member', 'x', 'y', 'BAD'], error: true },
        ['GEOSEARCH', 'nokey', 'frommember', 'm', 'bybox', '1', '1', 'km'],
        ['GEOSEARCH', 'nokey', 'fromlonlat', '0', '0', 'byradius', '1', 'km'],
        ['SET', 'dest', 'x'],
        ['GEORADIUS', 'nokey', '1', '1', '1', 'km', 'STORE', 'dest'],
        ['EXISTS', 'dest'],
        ['GEOSEARCHSTORE', 'dest', 'nokey', 'frommember', 'm', 'bybox', '1', '1', 'm'],
        ['GEOADD', 'src', '13.361389', '38.115556', 'Palermo', '15.087269', '37.502669', 'Catania'],
        ['GEORADIUS', 'src', '1', '1', '1', 'km'],
        ['SET', 'dest', 'x'],
        ['GEORADIUS', 'src', '1', '1', '1', 'km', 'STORE', 'dest'],
        ['EXISTS', 'dest'],
        ['GEOSEARCH', 'src', 'fromlonlat', '0', '0', 'byradius', '1', 'km'],
        ['GEOSEARCHSTORE', 'dest', 'src', 'fromlonlat', '0', '0', 'byradius', '1', 'km'],
        ['GEOPOS', 'nokey', 'a'],
        ['GEOHASH', 'nokey', 'a'],
        ['GEODIST', 'nokey', 'a', 'b'],
      ], { events: 'KEAm' });
    });

    it('STORE and STOREDIST: the sorted set stored, its encoding, events and replication', async () => {
      const steps: StepLike[] = [
        ['GEOADD', 'points', '13.361389', '38.115556', 'Palermo', '15.087269', '37.502669', 'Catania'],
        ['GEORADIUS', 'points', '13.361389', '38.115556', '500', 'km', 'STORE', 'p2'],
        ['ZRANGE', 'p2', '0', '-1', 'WITHSCORES'],
        ['OBJECT', 'ENCODING', 'p2'],
        ['GEORADIUSBYMEMBER', 'points', 'Catania', '500', 'km', 'STOREDIST', 'p2'],
        ['ZRANGE', 'p2', '0', '-1', 'WITHSCORES'],
        ['GEORADIUS', 'points', '13.361389', '38.115556', '500', 'mi', 'STOREDIST', 'p3', 'STORE', 'p2', 'DESC', 'COUNT', '1'],
        ['ZRANGE', 'p2', '0', '-1', 'WITHSCORES'],
        ['EXISTS', 'p3'],
        ['GEORADIUS', 'points', '13.361389', '38.115556', '500', 'km', 'STOREDIST', 'p2', 'ASC', 'COUNT', '1'],
        ['ZRANGE', 'p2', '0', '-1', 'WITHSCORES'],
        ['GEOSEARCHSTORE', 'p2', 'points', 'fromlonlat', '13.361389', '38.115556', 'byradius', '500', 'km'],
        ['ZRANGE', 'p2', '0', '-1', 'WITHSCORES'],
        ['GEOSEARCHSTORE', 'p2', 'points', 'fromlonlat', '13.361389', '38.115556', 'byradius', '500', 'km', 'storedist'],
        ['ZRANGE', 'p2', '0', '-1', 'WITHSCORES'],
        ['GEOSEARCHSTORE', 'p2', 'points', 'fromlonlat', '13.361389', '38.115556', 'bybox', '500', '500', 'ft', 'storedist'],
        ['EXISTS', 'p2'],
        ['GEOSEARCHSTORE', 'points', 'points', 'frommember', 'Palermo', 'byradius', '500', 'km', 'count', '1'],
        ['ZRANGE', 'points', '0', '-1', 'WITHSCORES'],
        ['SET', 'e', 'x'],
        ['PEXPIREAT', 'e', '1'],
        ['GEORADIUS', 'points', '13.361389', '38.115556', '500', 'km', 'STORE', 'e'],
        ['GEORADIUS_RO', 'points', '13.361389', '38.115556', '500', 'km'],
        ['GEOSEARCH', 'points', 'frommember', 'Palermo', 'byradius', '500', 'km'],
        ['GEOADD', 'points', 'XX', '13.361389', '38.115556', 'Palermo'],
        ['GEOADD', 'points', 'CH', '13.361389', '38.115556', 'Palermo', '15', '37', 'Catania'],
        ['GEOADD', 'edge', 'NX', '180', '12.3456789', 'east', '-180', '-85.05112878', 'sw'],
        ['GEOADD', 'points', 'XX', '1', '1', 'nobody'],
      ];
      await d.check(steps, { events: true, replication: true });
    });

    it('stores past zset-max-listpack-entries as a skiplist', async () => {
      const add = ['GEOADD', 'many'];
      for (let i = 0; i < 200; i++) add.push(String((i % 20) * 0.01), String(Math.floor(i / 20) * 0.01), `m${i}`);
      await d.check([
        add,
        ['OBJECT', 'ENCODING', 'many'],
        ['GEOSEARCHSTORE', 'big', 'many', 'fromlonlat', '0', '0', 'bybox', '100', '100', 'km'],
        ['OBJECT', 'ENCODING', 'big'],
        ['GEOSEARCHSTORE', 'small', 'many', 'fromlonlat', '0', '0', 'bybox', '100', '100', 'km', 'count', '100'],
        ['OBJECT', 'ENCODING', 'small'],
        ['GEOSEARCH', 'many', 'fromlonlat', '0.1', '0.05', 'byradius', '5', 'km', 'withdist', 'withcoord', 'withhash'],
        ['GEOSEARCH', 'many', 'fromlonlat', '0.1', '0.05', 'bybox', '10', '3', 'km', 'asc', 'count', '17'],
      ]);
    });

    it('random searches match the real server', async () => {
      await fc.assert(
        fc.asyncProperty(
          fc.integer({ min: 0, max: 2 ** 31 - 1 }),
          fc.boolean(),
          fc.constantFrom('m', 'km', 'mi', 'ft'),
          fc.double({ min: -180, max: 180, noNaN: true }),
          fc.double({ min: -85.05112878, max: 85.05112878, noNaN: true }),
          async (seed, box, unit, lon, lat) => {
            let x = seed || 1;
            const rand = (): number => {
              // xorshift32: the same points on both servers, from the seed.
              x ^= x << 13;
              x ^= x >>> 17;
              x ^= x << 5;
              return (x >>> 0) / 4294967296;
            };
            const add = ['GEOADD', 'pts'];
            const spread = rand() < 0.5 ? 360 : 10;
            for (let i = 0; i < 300; i++) {
              const plon = Math.max(-180, Math.min(180, lon + (rand() - 0.5) * spread));
              const plat = Math.max(-85.05112878, Math.min(85.05112878, lat + (rand() - 0.5) * spread / 2));
              add.push(String(plon), String(plat), `p${i}`);
            }
            const scale = { m: 1, km: 1000, mi: 1609.34, ft: 0.3048 }[unit];
            const size = String((rand() < 0.2 ? 5_000_000 : 200_000) * rand() / scale);
            const shape = box ? ['BYBOX', size, String((200_000 * rand()) / scale), unit] : ['BYRADIUS', size, unit];
            const from = ['FROMLONLAT', String(lon), String(lat)];
            await d.check([
              { cmd: add, setup: true },
              ['GEOSEARCH', 'pts', ...from, ...shape, 'WITHDIST', 'WITHCOORD', 'WITHHASH'],
              ['GEOSEARCH', 'pts', ...from, ...shape, 'ASC', 'WITHDIST'],
              ['GEOSEARCH', 'pts', ...from, ...shape, 'COUNT', '5', 'DESC'],
              ['GEOSEARCH', 'pts', ...from, ...shape, 'COUNT', '5', 'ANY'],
              ['GEOSEARCH', 'pts', 'FROMMEMBER', 'p7', ...shape, 'WITHDIST'],
              ['GEORADIUS', 'pts', String(lon), String(lat), size, unit, 'WITHDIST', 'ASC'],
              ['GEOPOS', 'pts', 'p0', 'p1', 'p2', 'p299'],
              ['GEOHASH', 'pts', 'p0', 'p1', 'p2', 'p299'],
              ['GEODIST', 'pts', 'p0', 'p1', unit],
            ]);
          },
        ),
        { numRuns: 60 },
      );
    });
  });

  describe('COMMAND', () => {
    it('GETKEYS for the stores', async () => {
      await d.check([
        ['COMMAND', 'GETKEYS', 'GEORADIUS', 'src', '1', '1', '1', 'km', 'STORE', 'dst'],
        ['COMMAND', 'GETKEYS', 'GEORADIUS', 'src', '1', '1', '1', 'km', 'STOREDIST', 'dst'],
        ['COMMAND', 'GETKEYS', 'GEORADIUSBYMEMBER', 'src', 'm', '1', 'km', 'STORE', 'dst'],
        ['COMMAND', 'GETKEYS', 'GEOSEARCHSTORE', 'dst', 'src', 'FROMMEMBER', 'm', 'BYRADIUS', '1', 'km'],
        ['COMMAND', 'GETKEYS', 'GEOADD', 'k', '1', '2', 'm'],
        ['COMMAND', 'INFO', 'GEOADD', 'GEORADIUS', 'GEORADIUS_RO', 'GEOSEARCH', 'GEOSEARCHSTORE'],
      ]);
    });
  });
});

/** A double as an exact LongDouble (its 53-bit significand fits in 64 bits). */
function toLongDouble(d: number): LongDouble {
  const neg = d < 0 || Object.is(d, -0);
  let a = Math.abs(d);
  if (a === 0) return { neg, m: 0n, e: 0, inf: false };
  let e = 0;
  while (!Number.isInteger(a)) {
    a *= 2;
    e--;
  }
  return { neg, m: BigInt(a), e, inf: false };
}

describe('geo number formatting', () => {
  it('%.17Lf of a double, as the exact long double formatter prints it', () => {
    fc.assert(
      fc.property(fc.double({ noNaN: true, noDefaultInfinity: true, min: -1e6, max: 1e6 }), (d) => {
        assert.equal(formatDoubleHuman(d), formatLongDoubleHuman(toLongDouble(d)));
      }),
      { numRuns: 2000 },
    );
    // Ties at the 18th decimal round to even.
    for (const d of [2 ** -18, 3 * 2 ** -18, 5 * 2 ** -18, 1 + 2 ** -18, -(7 * 2 ** -18), 0.5, -0, 1e22]) {
      assert.equal(formatDoubleHuman(d), formatLongDoubleHuman(toLongDouble(d)), String(d));
    }
  });

  it('%f rounds exact ties to even', () => {
    assert.equal(formatFixed(200.0078125, 6), '200.007812');
    assert.equal(formatFixed(200.0234375, 6), '200.023438');
    assert.equal(formatFixed(-0, 6), '-0.000000');
    assert.equal(formatFixed(1e300, 2).length, 301 + 3);
    assert.equal(formatFixed(-Infinity, 6), '-inf');
  });

  it('distances with four decimals', () => {
    assert.equal(formatDistance(0), '0.0000');
    assert.equal(formatDistance(0.775), '0.7750');
    assert.equal(formatDistance(0.00005), '0.0000');
    assert.equal(formatDistance(0.00015), '0.0001'); // 1.4999999999999998 once scaled
    assert.equal(formatDistance(0.00025), '0.0002'); // 2.5: a tie, to even
    assert.equal(formatDistance(0.00035), '0.0004');
    assert.equal(formatDistance(166274.1516), '166274.1516');
    assert.equal(formatDistance(1.23456), '1.2346');
  });

  it('scores encode and decode as Redis computes them', () => {
    assert.equal(encodeScoreText(-73.9454966, 40.747533), '1791875804419201');
    assert.equal(geohashString(Number(encodeScoreText(-5.6, 42.6))), 'ezs42e44yx0');
    const xy = [0, 0];
    decodeScore(-1, xy);
    assert.deepEqual(xy, [180, 85.05112878]);
  });
});
