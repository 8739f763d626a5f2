// ioredis and node-redis on geo and SORT, in RESP2 and RESP3: the same flow runs against nodis
// and against a real redis-server, and what each library makes of the replies (strings, numbers,
// nested arrays, RESP3 doubles) must be equal.

import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { Redis } from 'ioredis';
import { createClient } from 'redis';
import { startServer, type NodisServer } from '../../src/index.js';
import { startOracle, oracleAvailable, ORACLE_SKIP_MESSAGE, type Oracle } from '../helpers/oracle.js';

const suite = oracleAvailable() ? {} : { skip: ORACLE_SKIP_MESSAGE };

type Flow<C> = (client: C) => Promise<unknown[]>;

const ioredisFlow: Flow<Redis> = async (r) => {
  await r.flushall();
  return [
    await r.geoadd('Sicily', 13.361389, 38.115556, 'Palermo', 15.087269, 37.502669, 'Catania'),
    await r.geopos('Sicily', 'Palermo', 'nope', 'Catania'),
    await r.geodist('Sicily', 'Palermo', 'Catania', 'KM'),
    await r.geohash('Sicily', 'Palermo', 'Catania'),
    await r.geosearch('Sicily', 'FROMLONLAT', '15', '37', 'BYRADIUS', '200', 'km', 'ASC', 'WITHCOORD', 'WITHDIST', 'WITHHASH'),
    await r.georadiusbymember('Sicily', 'Palermo', '300', 'km', 'WITHDIST', 'COUNT', '1'),
    await r.geosearchstore('near', 'Sicily', 'FROMMEMBER', 'Catania', 'BYBOX', 400, 400, 'km', 'STOREDIST'),
    await r.zrange('near', '0', '-1', 'WITHSCORES'),
    await r.rpush('ids', '3', '1', '2'),
    await r.mset('w_1', '30', 'w_2', '20', 'w_3', '10', 'name_1', 'one', 'name_3', 'three'),
    await r.sort('ids'),
    await r.sort('ids', 'BY', 'w_*', 'GET', '#', 'GET', 'name_*'),
    await r.sort('ids', 'BY', 'w_*', 'LIMIT', 0, 2, 'DESC', 'STORE', 'sorted'),
    await r.lrange('sorted', 0, -1),
    await r.call('SORT_RO', 'ids', 'ALPHA', 'DESC'),
  ];
};

const nodeRedisFlow: Flow<ReturnType<typeof createClient>> = async (r) => {
  await r.flushAll();
  return [
    await r.geoAdd('Sicily', [
      { longitude: 13.361389, latitude: 38.115556, member: 'Palermo' },
      { longitude: 15.087269, latitude: 37.502669, member: 'Catania' },
    ]),
    await r.geoPos('Sicily', ['Palermo', 'nope', 'Catania']),
    await r.geoDist('Sicily', 'Palermo', 'Catania', 'km'),
    await r.geoHash('Sicily', ['Palermo', 'Catania']),
    await r.geoSearch('Sicily', { longitude: 15, latitude: 37 }, { radius: 200, unit: 'km' }, { SORT: 'ASC' }),
    await r.geoSearchWith('Sicily', 'Catania', { width: 400, height: 400, unit: 'km' }, ['WITHCOORD', 'WITHDIST', 'WITHHASH'], { SORT: 'DESC' }),
    await r.geoSearchStore('near', 'Sicily', { longitude: 15, latitude: 37 }, { radius: 200, unit: 'km' }),
    await r.zRangeWithScores('near', 0, -1),
    await r.rPush('ids', ['3', '1', '2']),
    await r.mSet({ w_1: '30', w_2: '20', w_3: '10', name_1: 'one', name_3: 'three' }),
    await r.sort('ids'),
    await r.sort('ids', { BY: 'w_*', GET: ['#', 'name_*'] }),
    await r.sortStore('ids', 'sorted', { BY: 'w_*', LIMIT: { offset: 0, count: 2 }, DIRECTION: 'DESC' }),
    await r.lRange('sorted', 0, -1),
    await r.sortRo('ids', { ALPHA: true, DIRECTION: 'DESC' }),
  ];
};

for (const protocol of [2, 3] as const) {
  describe(`geo and SORT through client libraries (RESP${protocol})`, suite, () => {
    let server: NodisServer;
    let oracle: Oracle;
    before(async () => {
      server = await startServer();
      oracle = await startOracle();
    });
    after(async () => {
      await server.close();
      await oracle.close();
    });

    it('ioredis reads the same values from nodis and Redis', async () => {
      const results: unknown[][] = [];
      for (const options of [{ port: server.port }, { path: oracle.socketPath }]) {
        const client = new Redis({ ...options, protocol, lazyConnect: true, maxRetriesPerRequest: 0 });
        await client.connect();
        try {
          results.push(await ioredisFlow(client));
        } finally {
          client.disconnect();
        }
      }
      assert.deepEqual(results[0], results[1]);
    });

    it('node-redis reads the same values from nodis and Redis', async () => {
      const results: unknown[][] = [];
      for (const socket of [{ port: server.port, host: '127.0.0.1' }, { path: oracle.socketPath }]) {
        // (The flow is typed for the default RESP2 client; RESP3 only changes what replies become.)
        const client = createClient({ socket, RESP: protocol }) as unknown as ReturnType<typeof createClient>;
        client.on('error', () => {});
        await client.connect();
        try {
          results.push(await nodeRedisFlow(client));
        } finally {
          client.destroy();
        }
      }
      assert.deepEqual(results[0], results[1]);
    });
  });
}
