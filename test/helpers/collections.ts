// Normalisers for collection replies, shared by the hash and set tests (and later sorted sets).

import { splitAggregate, type Normalizer } from './differential.js';

/** A RESP2 flat field/value array (or a RESP3 map) compared as a set of pairs. */
export const pairsSorted: Normalizer = (reply) => {
  if (reply[0] !== '*' && reply[0] !== '%') return reply;
  const { header, items } = splitAggregate(reply);
  const pairs: string[] = [];
  for (let i = 0; i + 1 < items.length; i += 2) pairs.push(items[i] + items[i + 1]);
  return header + pairs.sort().join('');
};

/** Only an aggregate's header (its length): random replies of a known size. */
export const lengthOnly: Normalizer = (reply) => (/^[*~%]/.test(reply) ? reply.slice(0, reply.indexOf('\r\n')) : reply[0]);

/** One HSCAN/ZSCAN page: the cursor exactly, the field/value pairs as a set. */
export const scanPairs: Normalizer = (reply) => {
  if (!reply.startsWith('*2\r\n')) return reply;
  const [cursor, arr] = splitAggregate(reply).items;
  return cursor + pairsSorted(arr);
};

/**
 * XINFO CONSUMERS and XINFO STREAM FULL without Redis 7.2's consumer fields (`inactive`,
 * `active-time`), which nodis reports and the 7.0 oracle does not.
 */
export const withoutActiveTimes: Normalizer = (reply) =>
  reply
    .replace(
      /(\*8|%4)(\r\n\$4\r\nname\r\n\$\d+\r\n[^\r]*\r\n\$7\r\npending\r\n:\d+\r\n\$4\r\nidle\r\n:\d+\r\n)\$8\r\ninactive\r\n:-?\d+\r\n/g,
      (_, h: string, rest: string) => (h === '*8' ? '*6' : '%3') + rest,
    )
    .replace(
      /(\*10|%5)(\r\n\$4\r\nname\r\n\$\d+\r\n[^\r]*\r\n\$9\r\nseen-time\r\n:\d+\r\n)\$11\r\nactive-time\r\n:-?\d+\r\n/g,
      (_, h: string, rest: string) => (h === '*10' ? '*8' : '%4') + rest,
    );
