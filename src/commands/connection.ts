// Connection commands: PING ECHO QUIT RESET SELECT HELLO AUTH, and the CLIENT container
// (ID SETNAME GETNAME SETINFO INFO LIST KILL REPLY PAUSE UNPAUSE UNBLOCK TRACKING CACHING GETREDIR
// TRACKINGINFO NO-EVICT NO-TOUCH HELP).

import type { CommandInfo, CommandSpec, CommandDocs } from '../server/command.js';
import type { Client } from '../server/client.js';
import type { Server } from '../server/server.js';
import {
  ERR_DB_INDEX,
  ERR_SYNTAX,
  ERR_WRONGPASS,
  ERR_AUTH_NO_PASSWORD,
  ERR_CLIENT_NAME,
  errSubcommandSyntax,
  errWrongArgs,
} from '../server/errors.js';
import { cString, optionWord } from '../util/cstring.js';
import { REDIS_VERSION } from '../version.js';
import { replyHelp } from './help.js';
import { ArgCursor, intArg, integerArg, rangeArg, timeoutArg } from './args.js';
import { BLOCKED_POSTPONE, BLOCKED_REMOTE, BLOCKED_SCRIPT } from '../keyspace/blocking.js';
import { PAUSE_ALL, PAUSE_WRITE, type PauseType } from '../server/pause.js';
import { Tracking, type TrackingOptions } from '../server/tracking.js';

/**
 * Cleanups RESET runs on top of the connection state kept here (db, protocol, name, auth,
 * reply mode, eviction/touch flags). Features with per-connection state (MULTI, pub/sub,
 * tracking, MONITOR …) register theirs.
 */
export const connectionResetHooks: ((c: Client) => void)[] = [];

// ---------------------------------------------------------------- simple commands

function ping(c: Client, argv: string[]): void {
  if (argv.length > 2) {
    c.error(errWrongArgs('ping'));
    return;
  }
  if (c.pubsub !== null && c.resp === 2) {
    // A subscribed RESP2 client cannot tell a status reply from a message: PING answers with
    // a message-like array, ["pong", argument or ""].
    c.arrayLen(2);
    c.bulk('pong');
    c.bulk(argv.length === 1 ? '' : argv[1]);
  } else if (argv.length === 1) c.pong();
  else c.bulk(argv[1]);
}

function echo(c: Client, argv: string[]): void {
  c.bulk(argv[1]);
}

function quit(c: Client): void {
  c.ok();
  c.closeAfterReply = true;
}

function select(c: Client, argv: string[]): void {
  // Redis reads the index as a C int.
  const id = intArg(c, argv[1]);
  if (id === null) return;
  if (c.server.config.bool('cluster-enabled') && id !== 0) {
    c.error('ERR SELECT is not allowed in cluster mode');
    return;
  }
  if (id < 0 || id >= c.server.dbs.length) {
    c.error(ERR_DB_INDEX);
    return;
  }
  c.db = c.server.dbs[id];
  c.ok();
}

/** RESET: back to the state of a freshly connected client. */
function reset(c: Client): void {
  // A replica's connection carries the replication stream: it cannot start over.
  if (c.replica?.online) {
    c.error('ERR can only reset normal client connections');
    return;
  }
  // Subscriptions (without unsubscribe messages) and other per-feature state go.
  c.releaseFeatures();
  for (const hook of connectionResetHooks) hook(c);
  c.db = c.server.dbs[0];
  c.resp = 2;
  c.name = '';
  // lib-name and lib-ver stay: they still describe the library behind the connection.
  c.clearAuthentication();
  c.noEvict = false;
  c.noTouch = false;
  // OFF (and a pending SKIP for the command after this one) is cleared; a SKIP already in
  // force still swallows this very reply, as in Redis.
  if (c.replyMode === 'off') c.replyMode = 'on';
  c.simple('RESET');
}

// ---------------------------------------------------------------- authentication

/** Does the user exist? Only "default" until ACL users exist. */
function userExists(_server: Server, name: string): boolean {
  return name === 'default';
}

/**
 * Checks a username/password pair like ACLAuthenticateUser: the default user takes any
 * password when requirepass is empty (nopass), else exactly requirepass.
 */
function checkCredentials(server: Server, user: string, pass: string): boolean {
  if (!userExists(server, user)) return false;
  const required = server.requirePass();
  return required === '' || pass === required;
}

function auth(c: Client, argv: string[]): void {
  if (argv.length > 3) {
    c.error(ERR_SYNTAX);
    return;
  }
  // The password (and the user name with it) never reaches the slow log or MONITOR.
  c.redactArgument(1);
  if (argv.length === 3) c.redactArgument(2);
  let user = 'default';
  let pass: string;
  if (argv.length === 2) {
    if (c.server.requirePass() === '') {
      c.error(ERR_AUTH_NO_PASSWORD);
      return;
    }
    pass = argv[1];
  } else {
    user = argv[1];
    pass = argv[2];
  }
  if (!checkCredentials(c.server, user, pass)) {
    c.error(ERR_WRONGPASS);
    return;
  }
  c.setAuthenticated(user);
  c.ok();
}

const ERR_HELLO_NOAUTH =
  'NOAUTH HELLO must be called with the client already authenticated, otherwise the ' +
  'HELLO <proto> AUTH <user> <pass> option can be used to authenticate the client and ' +
  'select the RESP protocol version at the same time';

/** HELLO [protover [AUTH username password] [SETNAME clientname]] */
function hello(c: Client, argv: string[]): void {
  let ver = 0;
  let next = 1;
  if (argv.length >= 2) {
    const v = integerArg(c, argv[next++], 'ERR Protocol version is not an integer or out of range');
    if (v === null) return;
    if (v < 2 || v > 3) {
      c.error('NOPROTO unsupported protocol version');
      return;
    }
    ver = v;
  }
  let user: string | null = null;
  let pass: string | null = null;
  let name: string | null = null;
  const opts = new ArgCursor(c, argv, next);
  for (let opt = opts.next(); opt !== null; opt = opts.next()) {
    if (opt === 'auth' && opts.hasValue(2)) {
      const at = argv.length - 1 - opts.remaining;
      c.redactArgument(at + 1);
      c.redactArgument(at + 2);
      user = opts.value();
      pass = opts.value();
    } else if (opt === 'setname' && opts.hasValue()) {
      // Redis 7.2 validates the name up front and sets it only once authenticated.
      name = opts.value();
      if (!validClientAttr(name)) {
        c.error(ERR_CLIENT_NAME);
        return;
      }
    } else {
      c.error(`ERR Syntax error in HELLO option '${cString(opts.arg)}'`);
      return;
    }
  }
  if (user !== null && pass !== null) {
    if (!checkCredentials(c.server, user, pass)) {
      c.error(ERR_WRONGPASS);
      return;
    }
    c.setAuthenticated(user);
  }
  if (c.authRequired()) {
    c.error(ERR_HELLO_NOAUTH);
    return;
  }
  if (name !== null) c.name = name;
  if (ver) c.resp = ver as 2 | 3;
  const cluster = c.server.config.bool('cluster-enabled');
  c.mapLen(7);
  c.bulk('server');
  c.bulk('redis');
  c.bulk('version');
  c.bulk(REDIS_VERSION);
  c.bulk('proto');
  c.integer(c.resp);
  c.bulk('id');
  c.integer(c.id);
  c.bulk('mode');
  c.bulk(cluster ? 'cluster' : 'standalone');
  c.bulk('role');
  c.bulk(isReplica(c.server) ? 'replica' : 'master');
  c.bulk('modules');
  c.arrayLen(0);
}

function isReplica(server: Server): boolean {
  return server.replicaSide.active;
}

// ---------------------------------------------------------------- CLIENT

/** A name or library attribute may hold only printable ASCII other than space ('!'..'~'). */
export function validClientAttr(s: string): boolean {
  for (let i = 0; i < s.length; i++) {
    const ch = s.charCodeAt(i);
    if (ch < 0x21 || ch > 0x7e) return false;
  }
  return true;
}

type ClientType = 'normal' | 'replica' | 'pubsub' | 'master';

/** CLIENT LIST TYPE / CLIENT KILL TYPE names (getClientTypeByName); "slave" is "replica". */
function clientTypeByName(name: string): ClientType | null {
  // strcasecmp: the name ends at a NUL byte.
  switch (cString(name).toLowerCase()) {
    case 'normal':
      return 'normal';
    case 'slave':
    case 'replica':
      return 'replica';
    case 'pubsub':
      return 'pubsub';
    case 'master':
      return 'master';
    default:
      return null;
  }
}

/** The client's class for TYPE filters. Replication and pub/sub state extend this. */
function clientType(c: Client): ClientType {
  if (c.replica?.online) return 'replica';
  if (c.isMaster) return 'master';
  return c.pubsub !== null ? 'pubsub' : 'normal';
}

/** The flags= letters of CLIENT LIST, in Redis's order; "N" when none applies. */
function clientFlags(c: Client): string {
  let f = '';
  if (c.monitor) f += 'O';
  else if (c.replica?.online) f += 'S';
  if (c.isMaster) f += 'M';
  if (c.pubsub !== null) f += 'P';
  if (c.multi !== null) f += 'x';
  if (c.blocked !== null) f += 'b';
  const t = c.tracking;
  if (t !== null) f += t.brokenRedirect ? (t.bcast ? 'tRB' : 'tR') : t.bcast ? 'tB' : 't';
  if (c.casDirty) f += 'd';
  if (c.closeAfterReply) f += 'c';
  if (c.isUnixSocket) f += 'U';
  if (c.noEvict) f += 'e';
  if (c.noTouch) f += 'T';
  return f || 'N';
}

/** The client's file descriptor, or -1 for a client without a connection. */
function clientFd(c: Client): number {
  if (!c.socket) return -1;
  // Node keeps the descriptor on the socket's internal libuv handle; it is not public API, so
  // fall back to the client id (stable for the connection's life) where it is missing.
  const handle = (c.socket as unknown as { _handle?: { fd?: number } })._handle;
  const fd = handle?.fd;
  return typeof fd === 'number' && fd >= 0 ? fd : c.id;
}

/**
 * One line of CLIENT LIST / CLIENT INFO with Redis 7.2's fields. argv is the command the
 * client is running right now (only for the client asking), for argv-mem.
 */
export function clientInfoString(c: Client, argv: string[] | null = null): string {
  const now = Math.floor(c.server.clock.now() / 1000);
  const age = now - Math.floor(c.createdAt / 1000);
  const idle = now - Math.floor(c.lastInteraction / 1000);
  let argvMem = 0;
  if (argv) for (const a of argv) argvMem += a.length;
  const m = c.memoryFields(argvMem);
  const events = c.socket ? (c.pendingOutput > 0 ? 'rw' : 'r') : '';
  const ps = c.pubsub;
  return (
    `id=${c.id} addr=${c.addr} laddr=${c.laddr} fd=${clientFd(c)} name=${c.name}` +
    ` age=${age} idle=${idle} flags=${clientFlags(c)} db=${c.db.id}` +
    ` sub=${ps ? ps.channels.size : 0} psub=${ps ? ps.patterns.size : 0} ssub=${ps ? ps.shardChannels.size : 0} multi=${c.multi !== null ? c.multi.length : -1} qbuf=${m.qbuf} qbuf-free=${m.qbufFree} argv-mem=${argvMem} multi-mem=${c.multiBytes}` +
    ` rbs=16384 rbp=${m.obl} obl=${m.obl} oll=${m.oll} omem=${m.omem} tot-mem=${m.total}` +
    ` events=${events} cmd=${c.lastCommand} user=${c.user} redir=${c.tracking !== null ? c.tracking.redirect : -1} resp=${c.resp}` +
    ` lib-name=${c.libName} lib-ver=${c.libVer}`
  );
}

function clientId(c: Client): void {
  c.integer(c.id);
}

function clientSetname(c: Client, argv: string[]): void {
  const name = argv[2];
  if (!validClientAttr(name)) {
    c.error(ERR_CLIENT_NAME);
    return;
  }
  c.name = name;
  c.ok();
}

function clientGetname(c: Client): void {
  if (c.name === '') c.nullBulk();
  else c.bulk(c.name);
}

function clientSetinfo(c: Client, argv: string[]): void {
  const attr = argv[2];
  const val = argv[3];
  const which = optionWord(attr);
  if (which !== 'lib-name' && which !== 'lib-ver') {
    c.error(`ERR Unrecognized option '${cString(attr)}'`);
    return;
  }
  if (!validClientAttr(val)) {
    c.error(`ERR ${attr} cannot contain spaces, newlines or special characters.`);
    return;
  }
  if (which === 'lib-name') c.libName = val;
  else c.libVer = val;
  c.ok();
}

function clientInfo(c: Client, argv: string[]): void {
  c.verbatim(clientInfoString(c, argv) + '\n');
}

function clientList(c: Client, argv: string[]): void {
  let type: ClientType | null = null;
  let out: string | null = null;
  if (argv.length === 4 && optionWord(argv[2]) === 'type') {
    type = clientTypeByName(argv[3]);
    if (type === null) {
      c.error(`ERR Unknown client type '${cString(argv[3])}'`);
      return;
    }
  } else if (argv.length > 3 && optionWord(argv[2]) === 'id') {
    out = '';
    for (let j = 3; j < argv.length; j++) {
      const id = integerArg(c, argv[j], 'ERR Invalid client ID');
      if (id === null) return;
      const other = c.server.clients.get(id);
      if (other) out += clientInfoString(other, other === c ? argv : (other.blocked?.argv ?? null)) + '\n';
    }
  } else if (argv.length !== 2) {
    c.error(ERR_SYNTAX);
    return;
  }
  if (out === null) {
    out = '';
    for (const other of c.server.clients.values()) {
      if (type !== null && clientType(other) !== type) continue;
      out += clientInfoString(other, other === c ? argv : (other.blocked?.argv ?? null)) + '\n';
    }
  }
  c.verbatim(out);
}

interface KillFilter {
  addr: string | null;
  laddr: string | null;
  type: ClientType | null;
  id: number;
  user: string | null;
  skipMe: boolean;
  /** Redis 7.4's MAXAGE: only clients connected at least this many seconds (0: any). */
  maxAge: number;
}

/** CLIENT KILL addr | CLIENT KILL <filter> <value> ... */
function clientKill(c: Client, argv: string[]): void {
  const f: KillFilter = { addr: null, laddr: null, type: null, id: 0, user: null, skipMe: true, maxAge: 0 };
  if (argv.length === 3) {
    // The old form names one address, and may name the caller itself.
    f.addr = argv[2];
    f.skipMe = false;
  } else if (argv.length > 3) {
    const opts = new ArgCursor(c, argv, 2);
    for (let opt = opts.next(); opt !== null; opt = opts.next()) {
      const more = opts.hasValue();
      const val = more ? opts.value() : '';
      if (opt === 'id' && more) {
        const id = rangeArg(c, val, 1, Infinity, 'ERR client-id should be greater than 0');
        if (id === null) return;
        f.id = id;
      } else if (opt === 'maxage' && more) {
        const age = integerArg(c, val, 'ERR maxage is not an integer or out of range');
        if (age === null) return;
        if (age <= 0) {
          c.error('ERR maxage should be greater than 0');
          return;
        }
        f.maxAge = age;
      } else if (opt === 'type' && more) {
        f.type = clientTypeByName(val);
        if (f.type === null) {
          c.error(`ERR Unknown client type '${cString(val)}'`);
          return;
        }
      } else if (opt === 'addr' && more) {
        f.addr = val;
      } else if (opt === 'laddr' && more) {
        f.laddr = val;
      } else if (opt === 'user' && more) {
        if (!userExists(c.server, val)) {
          c.error(`ERR No such user '${cString(val)}'`);
          return;
        }
        f.user = val;
      } else if (opt === 'skipme' && more) {
        const v = optionWord(val);
        if (v === 'yes') f.skipMe = true;
        else if (v === 'no') f.skipMe = false;
        else {
          opts.syntaxError();
          return;
        }
      } else {
        opts.syntaxError();
        return;
      }
    }
  } else {
    c.error(ERR_SYNTAX);
    return;
  }

  let killed = 0;
  let killSelf = false;
  const nowSeconds = Math.floor(c.server.now() / 1000);
  for (const other of [...c.server.clients.values()]) {
    if (f.maxAge !== 0 && nowSeconds - Math.floor(other.createdAt / 1000) < f.maxAge) continue;
    if (f.addr !== null && other.addr !== f.addr) continue;
    if (f.laddr !== null && other.laddr !== f.laddr) continue;
    if (f.type !== null && clientType(other) !== f.type) continue;
    if (f.id !== 0 && other.id !== f.id) continue;
    if (f.user !== null && other.user !== f.user) continue;
    if (other === c && f.skipMe) continue;
    if (other === c) killSelf = true;
    else {
      // Redis frees the client at once, dropping whatever it had not sent yet.
      other.discardReplies();
      other.close();
    }
    killed++;
  }
  if (argv.length === 3) {
    if (killed === 0) c.error('ERR No such client');
    else c.ok();
  } else {
    c.integer(killed);
  }
  // Flagged only after the reply is queued, so the caller still gets it.
  if (killSelf) c.closeAfterReply = true;
}

/** CLIENT UNBLOCK id [TIMEOUT|ERROR]: the reason is checked before the id, as Redis does. */
function clientUnblock(c: Client, argv: string[]): void {
  if (argv.length > 4) {
    c.error(errSubcommandSyntax(argv[1], 'client'));
    return;
  }
  let error = false;
  if (argv.length === 4) {
    const reason = optionWord(argv[3]);
    if (reason === 'error') error = true;
    else if (reason !== 'timeout') {
      c.error('ERR CLIENT UNBLOCK reason should be TIMEOUT or ERROR');
      return;
    }
  }
  const id = integerArg(c, argv[2]);
  if (id === null) return;
  const target = c.server.clients.get(id);
  // A command CLIENT PAUSE holds has no timeout reply: TIMEOUT leaves it waiting (Redis would
  // crash), ERROR drops it with the error. A MIGRATE waiting for its target cannot be unblocked
  // (in Redis it blocks the whole server), nor can a busy script's caller.
  const blocked = target?.blocked ?? null;
  if (blocked === null || blocked.type === BLOCKED_REMOTE || blocked.type === BLOCKED_SCRIPT || (blocked.type === BLOCKED_POSTPONE && !error)) {
    c.integer(0);
    return;
  }
  c.server.blocking.unblock(target!, error ? 'error' : 'timeout');
  c.integer(1);
}

/** CLIENT PAUSE timeout [WRITE|ALL]: the mode is checked before the timeout, as Redis does. */
function clientPause(c: Client, argv: string[]): void {
  if (argv.length > 4) {
    c.error(errSubcommandSyntax(argv[1], 'client'));
    return;
  }
  let type: PauseType = PAUSE_ALL;
  if (argv.length === 4) {
    const mode = optionWord(argv[3]);
    if (mode === 'write') type = PAUSE_WRITE;
    else if (mode !== 'all') {
      c.error('ERR CLIENT PAUSE mode must be WRITE or ALL');
      return;
    }
  }
  const end = timeoutArg(c, argv[2], 'milliseconds');
  if (end === null) return;
  c.server.pause.pause('client-command', end, type);
  c.ok();
}

/** CLIENT UNPAUSE: ends CLIENT PAUSE's pause (not one SHUTDOWN or a failover holds). */
function clientUnpause(c: Client): void {
  c.server.pause.unpause('client-command');
  c.ok();
}

function clientReply(c: Client, argv: string[]): void {
  const mode = optionWord(argv[2]);
  if (mode === 'on') {
    c.replyMode = 'on';
    c.ok();
  } else if (mode === 'off') {
    c.replyMode = 'off';
  } else if (mode === 'skip') {
    if (c.replyMode !== 'off') c.replyMode = 'skip';
  } else {
    // Dispatch leaves CLIENT REPLY's output alone, so drop the error here when replies are
    // off or skipped (it still counts as an error reply), and let a SKIP lapse as usual.
    if (c.replyMode === 'on') c.error(ERR_SYNTAX);
    else c.errorNotSent(ERR_SYNTAX);
    if (c.replyMode === 'skip') c.replyMode = 'on';
  }
}

// ---------------------------------------------------------------- client-side caching

/**
 * CLIENT TRACKING ON|OFF [REDIRECT id] [BCAST] [PREFIX prefix ...] [OPTIN] [OPTOUT] [NOLOOP]:
 * every option is read first (syntax and REDIRECT errors), then ON's checks in Redis's order.
 */
function clientTracking(c: Client, argv: string[]): void {
  const opts: TrackingOptions = { bcast: false, optin: false, optout: false, noloop: false };
  const prefixes: string[] = [];
  let redirect = 0;
  for (let j = 3; j < argv.length; j++) {
    const more = j < argv.length - 1;
    const opt = optionWord(argv[j]);
    if (opt === 'redirect' && more) {
      j++;
      if (redirect !== 0) {
        c.error('ERR A client can only redirect to a single other client');
        return;
      }
      const id = integerArg(c, argv[j]);
      if (id === null) return;
      // The client must exist now, though it may go away later (then the redirect is broken).
      if (!c.server.clients.has(id)) {
        c.error('ERR The client ID you want redirect to does not exist');
        return;
      }
      redirect = id;
    } else if (opt === 'bcast') opts.bcast = true;
    else if (opt === 'optin') opts.optin = true;
    else if (opt === 'optout') opts.optout = true;
    else if (opt === 'noloop') opts.noloop = true;
    else if (opt === 'prefix' && more) prefixes.push(argv[++j]);
    else {
      c.error(ERR_SYNTAX);
      return;
    }
  }
  const onOff = optionWord(argv[2]);
  if (onOff === 'off') {
    c.server.tracking.disable(c);
    c.ok();
    return;
  }
  if (onOff !== 'on') {
    c.error(ERR_SYNTAX);
    return;
  }
  const t = c.tracking;
  let err: string | null = null;
  if (!opts.bcast && prefixes.length !== 0) err = 'ERR PREFIX option requires BCAST mode to be enabled';
  else if (t !== null && t.bcast !== opts.bcast) {
    err = "ERR You can't switch BCAST mode on/off before disabling tracking for this client, and then re-enabling it with a different mode.";
  } else if (opts.bcast && (opts.optin || opts.optout)) err = 'ERR OPTIN and OPTOUT are not compatible with BCAST';
  else if (opts.optin && opts.optout) err = "ERR You can't specify both OPTIN mode and OPTOUT mode";
  else if (t !== null && ((opts.optin && t.optout) || (opts.optout && t.optin))) {
    err = "ERR You can't switch OPTIN/OPTOUT mode before disabling tracking for this client, and then re-enabling it with a different mode.";
  }
  if (err !== null) {
    c.error(err);
    return;
  }
  if (opts.bcast) {
    const collision = c.server.tracking.prefixCollision(c, prefixes);
    if (collision !== null) {
      c.error(collision.error);
      if (collision.stop) return;
    }
  }
  c.server.tracking.enable(c, redirect, opts, prefixes);
  c.ok();
}

/** CLIENT CACHING YES|NO: whether the next command's keys are tracked, in OPTIN/OPTOUT mode. */
function clientCaching(c: Client, argv: string[]): void {
  const t = c.tracking;
  if (t === null) {
    c.error('ERR CLIENT CACHING can be called only when the client is in tracking mode with OPTIN or OPTOUT mode enabled');
    return;
  }
  const v = optionWord(argv[2]);
  if (v === 'yes') {
    if (!t.optin) {
      c.error('ERR CLIENT CACHING YES is only valid when tracking is enabled in OPTIN mode.');
      return;
    }
  } else if (v === 'no') {
    if (!t.optout) {
      c.error('ERR CLIENT CACHING NO is only valid when tracking is enabled in OPTOUT mode.');
      return;
    }
  } else {
    c.error(ERR_SYNTAX);
    return;
  }
  t.caching = true;
  c.ok();
}

/** CLIENT GETREDIR: the redirect id, 0 without one, -1 when tracking is off. */
function clientGetredir(c: Client): void {
  c.integer(c.tracking !== null ? c.tracking.redirect : -1);
}

/** CLIENT TRACKINGINFO: flags (a set), redirect, prefixes. */
function clientTrackinginfo(c: Client): void {
  const t = c.tracking;
  const flags: string[] = [t !== null ? 'on' : 'off'];
  if (t !== null) {
    if (t.bcast) flags.push('bcast');
    if (t.optin) flags.push('optin');
    if (t.optin && t.caching) flags.push('caching-yes');
    if (t.optout) flags.push('optout');
    if (t.optout && t.caching) flags.push('caching-no');
    if (t.noloop) flags.push('noloop');
    if (t.brokenRedirect) flags.push('broken_redirect');
  }
  c.mapLen(3);
  c.bulk('flags');
  c.setLen(flags.length);
  for (const f of flags) c.bulk(f);
  c.bulk('redirect');
  c.integer(t !== null ? t.redirect : -1);
  c.bulk('prefixes');
  c.bulkArray(Tracking.prefixesOf(t));
}

/** NO-EVICT and NO-TOUCH: ON|OFF switches. */
function onOff(set: (c: Client, on: boolean) => void): (c: Client, argv: string[]) => void {
  return (c, argv) => {
    const v = optionWord(argv[2]);
    if (v === 'on') set(c, true);
    else if (v === 'off') set(c, false);
    else {
      c.error(ERR_SYNTAX);
      return;
    }
    c.ok();
  };
}

/**
 * CLIENT HELP's text in Redis 7.2, per subcommand. Only the subcommands registered in the
 * command table are listed, so the help grows as subcommands are implemented.
 */
const CLIENT_HELP: [string, string[]][] = [
  ['caching', [
    'CACHING (YES|NO)',
    '    Enable/disable tracking of the keys for next command in OPTIN/OPTOUT modes.',
  ]],
  ['getredir', [
    'GETREDIR',
    '    Return the client ID we are redirecting to when tracking is enabled.',
  ]],
  ['getname', ['GETNAME', '    Return the name of the current connection.']],
  ['id', ['ID', '    Return the ID of the current connection.']],
  ['info', ['INFO', '    Return information about the current client connection.']],
  ['kill', [
    'KILL <ip:port>',
    '    Kill connection made from <ip:port>.',
    'KILL <option> <value> [<option> <value> [...]]',
    '    Kill connections. Options are:',
    '    * ADDR (<ip:port>|<unixsocket>:0)',
    '      Kill connections made from the specified address',
    '    * LADDR (<ip:port>|<unixsocket>:0)',
    '      Kill connections made to specified local address',
    '    * TYPE (NORMAL|MASTER|REPLICA|PUBSUB)',
    '      Kill connections by type.',
    '    * USER <username>',
    '      Kill connections authenticated by <username>.',
    '    * SKIPME (YES|NO)',
    '      Skip killing current connection (default: yes).',
    '    * MAXAGE <maxage>',
    '      Kill connections older than the specified age.',
  ]],
  ['list', [
    'LIST [options ...]',
    '    Return information about client connections. Options:',
    '    * TYPE (NORMAL|MASTER|REPLICA|PUBSUB)',
    '      Return clients of specified type.',
  ]],
  ['unpause', ['UNPAUSE', '    Stop the current client pause, resuming traffic.']],
  ['pause', [
    'PAUSE <timeout> [WRITE|ALL]',
    '    Suspend all, or just write, clients for <timeout> milliseconds.',
  ]],
  ['reply', ['REPLY (ON|OFF|SKIP)', '    Control the replies sent to the current connection.']],
  ['setname', ['SETNAME <name>', '    Assign the name <name> to the current connection.']],
  ['setinfo', [
    'SETINFO <option> <value>',
    '    Set client meta attr. Options are:',
    '    * LIB-NAME: the client lib name.',
    '    * LIB-VER: the client lib version.',
  ]],
  ['unblock', ['UNBLOCK <clientid> [TIMEOUT|ERROR]', '    Unblock the specified blocked client.']],
  ['tracking', [
    'TRACKING (ON|OFF) [REDIRECT <id>] [BCAST] [PREFIX <prefix> [...]]',
    '         [OPTIN] [OPTOUT] [NOLOOP]',
    '    Control server assisted client side caching.',
  ]],
  ['trackinginfo', ['TRACKINGINFO', '    Report tracking status for the current connection.']],
  ['no-evict', ['NO-EVICT (ON|OFF)', '    Protect current client connection from eviction.']],
  ['no-touch', ['NO-TOUCH (ON|OFF)', '    Will not touch LRU/LFU stats when this mode is on.']],
];

function clientHelp(c: Client): void {
  const lines: string[] = [];
  for (const [sub, text] of CLIENT_HELP) {
    if (c.server.table.lookupFull(`client|${sub}`)) lines.push(...text);
  }
  replyHelp(c, 'client', lines);
}

// Redis 7.2's command facts for the CLIENT subcommands Redis 7.0's tables lack.

const CLIENT_SUB_INFO: CommandInfo = {
  arity: 0,
  flags: ['noscript', 'loading', 'stale'],
  firstKey: 0,
  lastKey: 0,
  step: 0,
  categories: ['@slow', '@connection'],
  tips: [],
  keySpecs: [],
};

const SETINFO_DOCS: CommandDocs = {
  summary: 'Sets information specific to the client or connection.',
  since: '7.2.0',
  group: 'connection',
  complexity: 'O(1)',
  arguments: [
    {
      name: 'attr',
      type: 'oneof',
      arguments: [
        { name: 'libname', type: 'string', token: 'lib-name' },
        { name: 'libver', type: 'string', token: 'lib-ver' },
      ],
    },
  ],
};

const NO_TOUCH_DOCS: CommandDocs = {
  summary: 'Controls whether commands sent by the client affect the LRU/LFU of accessed keys.',
  since: '7.2.0',
  group: 'connection',
  complexity: 'O(1)',
  arguments: [
    {
      name: 'enabled',
      type: 'oneof',
      arguments: [
        { name: 'on', type: 'pure-token', token: 'ON' },
        { name: 'off', type: 'pure-token', token: 'OFF' },
      ],
    },
  ],
};

export const connectionCommands: CommandSpec[] = [
  { name: 'ping', handler: ping },
  { name: 'echo', handler: echo },
  { name: 'quit', handler: quit },
  { name: 'reset', handler: reset },
  { name: 'select', handler: select },
  { name: 'auth', handler: auth },
  { name: 'hello', handler: hello },
  {
    name: 'client',
    subcommands: [
      { name: 'id', handler: clientId },
      { name: 'setname', handler: clientSetname },
      { name: 'getname', handler: clientGetname },
      {
        name: 'setinfo',
        handler: clientSetinfo,
        info: { ...CLIENT_SUB_INFO, arity: 4 },
        docs: SETINFO_DOCS,
      },
      { name: 'info', handler: clientInfo },
      { name: 'list', handler: clientList },
      { name: 'kill', handler: clientKill },
      { name: 'reply', handler: clientReply },
      { name: 'pause', handler: clientPause },
      { name: 'unpause', handler: clientUnpause },
      { name: 'unblock', handler: clientUnblock },
      {
        name: 'no-evict',
        handler: onOff((c, on) => {
          c.noEvict = on;
        }),
      },
      {
        name: 'no-touch',
        handler: onOff((c, on) => {
          c.noTouch = on;
        }),
        info: { ...CLIENT_SUB_INFO, arity: 3 },
        docs: NO_TOUCH_DOCS,
      },
      { name: 'tracking', handler: clientTracking },
      { name: 'caching', handler: clientCaching },
      { name: 'getredir', handler: clientGetredir },
      { name: 'trackinginfo', handler: clientTrackinginfo },
      { name: 'help', handler: clientHelp },
    ],
  },
];
