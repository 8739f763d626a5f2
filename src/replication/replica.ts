// The replica side of replication (Redis's replication.c, replica half): REPLICAOF's state
// machine. It connects to the primary, performs the handshake (PING, AUTH, REPLCONF, PSYNC),
// receives the snapshot (the `$<len>` disk format or the `$EOF:<mark>` diskless one), loads it,
// and from then on the connection is the master client: a Client whose commands are obeyed,
// whose replies are dropped, and whose stream offset is counted in bytes applied. The bytes it
// applies are proxied unchanged to this server's own replicas (ReplicationPrimary.feedRaw).

import { connect, type Socket } from 'node:net';
import { closeSync, fsyncSync, openSync, renameSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import type { Server } from '../server/server.js';
import type { Client } from '../server/client.js';
import { encodeArgv } from '../protocol/writer.js';
import { loadRdb, RdbError } from '../persistence/rdb.js';
import { abortBackgroundSave } from '../persistence/snapshot.js';
import { removeQuietly } from '../util/files.js';
import { strerror } from '../server/config.js';
import { scriptingIfUsed, scriptingOf } from '../scripting/lua.js';
import type { Database } from '../keyspace/db.js';
import { FunctionLibraries } from '../scripting/functions.js';
import { BLOCKED_POSTPONE } from '../keyspace/blocking.js';

/**
 * Where the link to the primary is (Redis's repl_state; the handshake's sub-states are one
 * state here, as ROLE and INFO report them as one).
 */
export type LinkState = 'none' | 'connect' | 'connecting' | 'handshake' | 'transfer' | 'connected';

/** What a replica remembers of a primary it lost, to ask it for the rest (PSYNC). */
interface CachedMaster {
  replId: string;
  /** The last byte of the stream applied. */
  offset: number;
  /** The database the stream had selected. */
  dbId: number;
}

/** The handshake's replies, in the order they are awaited. */
type Awaiting = 'pong' | 'auth' | 'port' | 'ip' | 'capa' | 'psync' | 'bulk' | 'payload' | 'loading';

const EOF_MARK_BYTES = 40;

export class ReplicationReplica {
  /** The primary's address; null while this server is a primary itself. */
  host: string | null = null;
  port = 0;
  state: LinkState = 'none';
  /** The master client once the link is up (Redis's server.master). */
  master: Client | null = null;
  private cached: CachedMaster | null = null;
  /** When the link went down (unix ms; 0: never up since REPLICAOF, or up). */
  downSince = 0;

  /** The connection during the handshake and the transfer. */
  private socket: Socket | null = null;
  private input: Buffer = Buffer.alloc(0);
  private awaiting: Awaiting = 'pong';
  private replyQueue: Awaiting[] = [];
  /** Last time anything arrived during the handshake or the transfer (unix ms). */
  private transferLastIo = 0;
  /** The primary's replication id and offset from +FULLRESYNC. */
  private masterReplId = '';
  private masterInitialOffset = -1;
  /** The snapshot being received: its size (-1: not known yet; 0 with an EOF mark). */
  transferSize = -1;
  transferRead = 0;
  private eofMark: string | null = null;
  private chunks: Buffer[] = [];

  // The master client's stream position (Redis's reploff and read_reploff) and what it has read
  // but not yet proxied to this server's own replicas.
  /** Offset of the stream at the master client's first byte. */
  private streamBase = 0;
  /** The last byte applied (commands completed; a transaction counts at its EXEC). */
  reploff = 0;
  /** The last byte read from the primary. */
  readReploff = 0;
  /** Bytes read and not yet proxied (latin1), starting at proxiedOff + 1. */
  private unproxied = '';
  private proxiedOff = 0;
  /** When the master client last sent anything (unix ms). */
  lastInteraction = 0;

  constructor(private readonly server: Server) {}

  /** Whether this server is a replica (REPLICAOF host port, or replicaof in the config). */
  get active(): boolean {
    return this.host !== null;
  }

  /**
   * Whether the link to the primary is down while replica-serve-stale-data is no (Redis's
   * running_stale): only commands flagged stale, and scripts allowing it, run then.
   */
  get runningStale(): boolean {
    return this.host !== null && this.state !== 'connected' && !this.server.config.bool('replica-serve-stale-data');
  }

  private now(): number {
    return this.server.clock.now();
  }

  /**
   * replicaof in the configuration at start-up: the cron connects (as Redis, which only sets
   * the address and REPL_STATE_CONNECT while loading its config).
   */
  configure(host: string, port: number): void {
    this.host = host;
    this.port = port;
    this.state = 'connect';
    this.server.log.role = 'S';
  }

  /** REPLICAOF host port (Redis's replicationSetMaster). */
  setMaster(host: string, port: number): void {
    const wasPrimary = this.host === null;
    this.host = null;
    if (this.master !== null) this.freeMaster();
    disconnectBlockedClients(this.server);
    this.host = host;
    this.port = port;
    this.server.log.role = 'S';
    this.syncConfig();
    this.cancelHandshake();
    // A primary becoming a replica offers its own history to the new primary: it may be able to
    // continue from it (after a failover its former replica has the same history).
    if (wasPrimary) {
      this.discardCached();
      this.cacheMyself();
    }
    this.state = 'connect';
    this.server.log.notice(`Connecting to MASTER ${host}:${port}`);
    this.connectToMaster();
  }

  /** REPLICAOF NO ONE (Redis's replicationUnsetMaster): promotion, keeping the history. */
  unsetMaster(): void {
    if (this.host === null) return;
    this.host = null;
    if (this.master !== null) this.freeMaster();
    this.discardCached();
    this.cancelHandshake();
    const repl = this.server.replication;
    // The history so far stays valid as the secondary id: replicas can continue from it.
    repl.shiftReplId();
    repl.disconnectReplicas();
    this.state = 'none';
    repl.selectNext();
    this.downSince = 0;
    this.server.log.role = 'M';
    this.syncConfig();
  }

  /** CONFIG GET replicaof and CONFIG REWRITE show the primary this server follows now. */
  private syncConfig(): void {
    this.server.config.set('replicaof', this.host === null ? 'no one' : `${this.host} ${this.port}`);
  }

  // --- connecting and the handshake --------------------------------------------------------

  private connectToMaster(): void {
    const host = this.host!;
    const socket = connect({ host, port: this.port });
    if (this.server.unrefHandles) socket.unref();
    this.socket = socket;
    this.input = Buffer.alloc(0);
    this.transferLastIo = this.now();
    this.state = 'connecting';
    this.server.log.notice('MASTER <-> REPLICA sync started');
    socket.setNoDelay(true);
    socket.on('connect', () => {
      if (this.socket !== socket) return;
      this.server.log.notice('Non blocking connect for SYNC fired the event.');
      this.state = 'handshake';
      this.awaiting = 'pong';
      socket.write(encodeArgv(['PING']));
    });
    socket.on('data', (chunk: Buffer) => {
      if (this.socket !== socket) return;
      this.transferLastIo = this.now();
      this.input = this.input.length === 0 ? chunk : Buffer.concat([this.input, chunk]);
      try {
        this.pump();
      } catch (e) {
        this.server.logFault('Error in the replication handshake', e);
        this.cancelHandshake();
        this.state = 'connect';
      }
    });
    socket.on('error', (e: NodeJS.ErrnoException) => {
      if (this.socket !== socket) return;
      if (this.state === 'connecting') this.server.log.warning(`Error condition on socket for SYNC: ${strerror(e.code)}`);
      else this.server.log.warning(`I/O error trying to sync with MASTER: ${e.message}`);
      this.cancelHandshake();
      this.state = 'connect';
    });
    socket.on('close', () => {
      if (this.socket !== socket) return;
      if (this.state === 'transfer') this.server.log.warning('I/O error trying to sync with MASTER: connection lost');
      else if (this.state === 'handshake') this.server.log.warning('Master closed the connection during the SYNC handshake');
      this.cancelHandshake();
      this.state = 'connect';
    });
  }

  /** Takes one line (without its CRLF) from the input; null until it is complete. */
  private takeLine(): string | null {
    const lf = this.input.indexOf(10);
    if (lf < 0) return null;
    const end = lf > 0 && this.input[lf - 1] === 13 ? lf - 1 : lf;
    const line = this.input.toString('latin1', 0, end);
    this.input = this.input.subarray(lf + 1);
    return line;
  }

  /** Advances the handshake with what has arrived. */
  private pump(): void {
    while (this.socket !== null && this.state !== 'connected') {
      if (this.awaiting === 'loading') return;
      if (this.awaiting === 'payload') {
        if (!this.readPayload()) return;
        continue;
      }
      const line = this.takeLine();
      if (line === null) return;
      if (!this.onLine(line)) return;
    }
  }

  /** One reply line of the handshake; false when the handshake stopped. */
  private onLine(line: string): boolean {
    const log = this.server.log;
    const config = this.server.config;
    switch (this.awaiting) {
      case 'pong': {
        // The primary may ask for authentication first: that is no failure.
        if (line.startsWith('-') && !/^-(NOAUTH|NOPERM|ERR operation not permitted)/.test(line)) {
          log.warning(`Error reply to PING from master: '${line.slice(1)}'`);
          return this.abort();
        }
        log.notice('Master replied to PING, replication can continue...');
        // The rest of the handshake goes out at once; the replies are read in order.
        let out = '';
        const queue: Awaiting[] = [];
        const auth = config.optionalString('masterauth');
        if (auth !== null && auth !== '') {
          const user = config.optionalString('masteruser');
          out += encodeArgv(user !== null && user !== '' ? ['AUTH', user, auth] : ['AUTH', auth]);
          queue.push('auth');
        }
        const announcePort = config.num('replica-announce-port');
        out += encodeArgv(['REPLCONF', 'listening-port', String(announcePort !== 0 ? announcePort : this.server.port)]);
        queue.push('port');
        const ip = config.optionalString('replica-announce-ip');
        if (ip !== null && ip !== '') {
          out += encodeArgv(['REPLCONF', 'ip-address', ip]);
          queue.push('ip');
        }
        out += encodeArgv(['REPLCONF', 'capa', 'eof', 'capa', 'psync2']);
        queue.push('capa');
        this.socket!.write(out, 'latin1');
        this.replyQueue = queue;
        this.awaiting = queue.shift()!;
        return true;
      }
      case 'auth':
      case 'port':
      case 'ip':
      case 'capa': {
        if (line.startsWith('-')) {
          const err = line.slice(1);
          if (this.awaiting === 'auth') {
            log.warning(`Unable to AUTH to MASTER: ${err}`);
            return this.abort();
          }
          const what = this.awaiting === 'port' ? 'listening-port' : this.awaiting === 'ip' ? 'ip-address' : 'capa';
          log.notice(`(Non critical) Master does not understand REPLCONF ${what}: ${err}`);
        }
        const next = this.replyQueue.shift();
        if (next !== undefined) {
          this.awaiting = next;
          return true;
        }
        this.sendPsync();
        return true;
      }
      case 'psync':
        return this.onPsyncReply(line);
      case 'bulk':
        return this.onBulkHeader(line);
      default:
        return false;
    }
  }

  private sendPsync(): void {
    const log = this.server.log;
    this.masterInitialOffset = -1;
    let replId = '?';
    let offset = '-1';
    if (this.cached !== null) {
      replId = this.cached.replId;
      offset = String(this.cached.offset + 1);
      log.notice(`Trying a partial resynchronization (request ${replId}:${offset}).`);
    } else {
      log.notice('Partial resynchronization not possible (no cached master)');
    }
    // A primary failing over asks its target to take its role (see Failover).
    const argv = this.server.failover.state === 'failover-in-progress' ? ['PSYNC', replId, offset, 'FAILOVER'] : ['PSYNC', replId, offset];
    this.socket!.write(encodeArgv(argv), 'latin1');
    this.awaiting = 'psync';
  }

  private onPsyncReply(line: string): boolean {
    const log = this.server.log;
    // The primary may send newlines to keep the link alive while it gets ready.
    if (line === '') return true;
    // A FAILOVER's target answered: either kind of sync means it took the role; anything else aborts.
    const failover = this.server.failover;
    if (failover.state === 'failover-in-progress') {
      if (line.startsWith('+FULLRESYNC') || line.startsWith('+CONTINUE')) failover.succeeded();
      else {
        failover.abort('Failover target rejected psync request');
        return false;
      }
    }
    if (line.startsWith('+FULLRESYNC')) {
      const m = /^\+FULLRESYNC ([^ ]{40}) (.*)$/.exec(line);
      if (m === null) {
        log.warning('Master replied with wrong +FULLRESYNC syntax.');
        this.masterReplId = '';
      } else {
        this.masterReplId = m[1];
        this.masterInitialOffset = parseLeadingInt(m[2]);
        log.notice(`Full resync from master: ${this.masterReplId}:${this.masterInitialOffset}`);
      }
      this.discardCached();
      this.startTransfer();
      return true;
    }
    if (line.startsWith('+CONTINUE')) {
      log.notice('Successful partial resynchronization with master.');
      const newId = line.slice(10).trim();
      const cached = this.cached!;
      const repl = this.server.replication;
      if (newId.length === 40 && newId !== cached.replId) {
        log.warning(`Master replication ID changed to ${newId}`);
        // The old history stays valid up to here as the secondary id.
        repl.replId2 = cached.replId;
        repl.secondReplOffset = repl.offset + 1;
        repl.replId = newId;
        cached.replId = newId;
        // Sub-replicas must learn the new id: they reconnect and continue.
        repl.disconnectReplicas();
      }
      const socket = this.socket!;
      const rest = this.input;
      this.detachHandshakeSocket();
      this.createMaster(socket, cached.offset, cached.dbId);
      this.cached = null;
      log.notice('MASTER <-> REPLICA sync: Master accepted a Partial Resynchronization.');
      if (rest.length !== 0) this.server.feedMaster(this.master!, rest);
      return false;
    }
    if (line.startsWith('-NOMASTERLINK') || line.startsWith('-LOADING')) {
      log.notice(`Master is currently unable to PSYNC but should be in the future: ${line}`);
      return this.abort();
    }
    if (!line.startsWith('-ERR')) log.warning(`Unexpected reply to PSYNC from master: ${line}`);
    else log.notice(`Master does not support PSYNC or is in error state (reply: ${line})`);
    log.notice('Retrying with SYNC...');
    this.discardCached();
    this.socket!.write('SYNC\r\n');
    this.masterReplId = '';
    this.startTransfer();
    return true;
  }

  private startTransfer(): void {
    this.state = 'transfer';
    this.awaiting = 'bulk';
    this.transferSize = -1;
    this.transferRead = 0;
    this.eofMark = null;
    this.chunks = [];
  }

  private useDisklessLoad(): boolean {
    const mode = this.server.config.get('repl-diskless-load');
    if (mode === 'swapdb') return true;
    if (mode === 'on-empty-db') return this.server.dbs.every((db) => db.dict.size === 0);
    return false;
  }

  private onBulkHeader(line: string): boolean {
    const log = this.server.log;
    if (line.startsWith('-')) {
      log.warning(`MASTER aborted replication with an error: ${line.slice(1)}`);
      return this.abort();
    }
    // A newline while the primary prepares the snapshot: the link is alive.
    if (line === '') return true;
    if (!line.startsWith('$')) {
      log.warning(`Bad protocol from MASTER, the first byte is not '$' (we received '${line}'), are you sure the host and port are right?`);
      return this.abort();
    }
    const target = this.useDisklessLoad() ? 'to parser' : 'to disk';
    if (line.startsWith('$EOF:') && line.length - 5 >= EOF_MARK_BYTES) {
      this.eofMark = line.slice(5, 5 + EOF_MARK_BYTES);
      this.transferSize = 0;
      log.notice(`MASTER <-> REPLICA sync: receiving streamed RDB from master with EOF ${target}`);
    } else {
      this.eofMark = null;
      this.transferSize = parseLeadingInt(line.slice(1));
      log.notice(`MASTER <-> REPLICA sync: receiving ${this.transferSize} bytes from master ${target}`);
    }
    this.awaiting = 'payload';
    // A diskless load is loading from here, as Redis (parsing from the socket) reports it and
    // refuses commands with -LOADING; swapdb continuing the same history serves the old data
    // meanwhile (Redis's async loading), and a disk-based load only loads once the file is whole.
    const swapSameHistory = this.server.config.get('repl-diskless-load') === 'swapdb' && this.server.replication.replId === this.masterReplId;
    if (target === 'to parser' && !swapSameHistory) this.setLoading(true);
    return true;
  }

  /** Whether this link set the server's loading flag (cleared however the transfer ends). */
  private loadingSet = false;

  private setLoading(on: boolean): void {
    if (on === this.loadingSet) return;
    this.loadingSet = on;
    this.server.loading = on;
  }

  /** Gathers the snapshot; true once it is complete and loaded (the link is then up). */
  private readPayload(): boolean {
    const input = this.input;
    if (input.length === 0) return false;
    if (this.eofMark === null) {
      const want = this.transferSize - this.transferRead;
      const take = Math.min(want, input.length);
      this.chunks.push(input.subarray(0, take));
      this.transferRead += take;
      this.input = input.subarray(take);
      if (this.transferRead < this.transferSize) return false;
      this.finishTransfer(Buffer.concat(this.chunks));
      return true;
    }
    // With an EOF mark the snapshot ends with the mark: as Redis, the last bytes read are
    // compared with it (the primary sends the stream only after this replica's first ACK).
    this.chunks.push(input);
    this.transferRead += input.length;
    this.input = Buffer.alloc(0);
    const mark = Buffer.from(this.eofMark, 'latin1');
    if (this.transferRead < EOF_MARK_BYTES || !lastBytes(this.chunks, EOF_MARK_BYTES).equals(mark)) return false;
    const all = Buffer.concat(this.chunks);
    this.finishTransfer(all.subarray(0, all.length - EOF_MARK_BYTES));
    return true;
  }

  /**
   * Loads a received snapshot and brings the link up (the second half of readSyncBulkPayload);
   * what arrived after it (this.input) is the start of the stream.
   */
  private finishTransfer(rdb: Buffer): void {
    this.awaiting = 'loading';
    // Function libraries need the Lua engine, which loads asynchronously: the link waits for it.
    const scripting = scriptingOf(this.server);
    if (!scripting.ready && scripting.loadError === null && hasFunctions(rdb)) {
      const socket = this.socket!;
      socket.pause();
      void scripting.load().then(
        () => this.afterEngine(socket, rdb),
        () => this.afterEngine(socket, rdb),
      );
      return;
    }
    this.loadTransfer(rdb);
  }

  private afterEngine(socket: Socket, rdb: Buffer): void {
    if (this.socket !== socket) return;
    socket.resume();
    this.loadTransfer(rdb);
  }

  private loadTransfer(rdb: Buffer): void {
    const server = this.server;
    const log = server.log;
    const diskless = this.useDisklessLoad();
    const swap = diskless && server.config.get('repl-diskless-load') === 'swapdb';
    const aofWasOn = server.aof.state !== 'off';
    if (aofWasOn) server.aof.stop();
    if (server.bgsave !== null) {
      if (!diskless) {
        log.notice(
          'Replica is about to load the RDB file received from the master, but there is a pending RDB child running. ' +
            `Killing process ${process.pid} and removing its temp file to avoid any race`,
        );
      }
      abortBackgroundSave(server, false);
    }
    let stash: Stash | null = null;
    if (swap) {
      stash = stashData(server);
    } else {
      this.attachToNewMaster();
      log.notice('MASTER <-> REPLICA sync: Flushing old data');
      emptyAll(server);
    }
    if (!diskless && !this.saveReceived(rdb)) {
      this.abort();
      return;
    }
    log.notice('MASTER <-> REPLICA sync: Loading DB in memory');
    let streamDb = 0;
    this.setLoading(true);
    try {
      const r = loadRdb(server, rdb, { keepExpired: true });
      const db = r.aux.get('repl-stream-db');
      if (db !== undefined) streamDb = parseLeadingInt(db);
    } catch (e) {
      this.setLoading(false);
      if (!(e instanceof RdbError)) throw e;
      log.warning(`Failed trying to load the MASTER synchronization DB from ${diskless ? 'socket' : 'disk'}: ${e.reason}`);
      if (stash !== null) {
        restoreStash(server, stash);
        log.notice('MASTER <-> REPLICA sync: Discarding temporary DB in background');
      } else {
        emptyAll(server);
      }
      this.abort();
      return;
    }
    this.setLoading(false);
    if (stash !== null) {
      this.attachToNewMaster();
      log.notice('MASTER <-> REPLICA sync: Swapping active DB with loaded DB');
      log.notice('MASTER <-> REPLICA sync: Discarding old DB in background');
    }
    if (diskless) server.dirty++;
    const socket = this.socket!;
    const rest = this.input;
    this.detachHandshakeSocket();
    // The stream continues from the primary's offset, under its id.
    server.replication.resetStream(this.masterReplId, this.masterInitialOffset);
    this.createMaster(socket, this.masterInitialOffset, streamDb >= 0 && streamDb < server.dbs.length ? streamDb : 0);
    log.notice('MASTER <-> REPLICA sync: Finished with success');
    // A diskless primary starts the stream once this first ACK says the snapshot is loaded.
    if (this.eofMark !== null) this.sendAck();
    if (aofWasOn) server.aof.start();
    if (rest.length !== 0) server.feedMaster(this.master!, rest);
  }

  /** Disk-based load: the snapshot is kept as dir/dbfilename, as Redis renames its temp file. */
  private saveReceived(rdb: Buffer): boolean {
    const server = this.server;
    const dir = server.config.get('dir');
    const tmp = join(dir, `temp-${Math.floor(this.now() / 1000)}.${process.pid}.rdb`);
    const target = join(dir, server.config.get('dbfilename'));
    try {
      const fd = openSync(tmp, 'w');
      try {
        let off = 0;
        while (off < rdb.length) off += writeSync(fd, rdb, off, rdb.length - off);
        fsyncSync(fd);
      } finally {
        closeSync(fd);
      }
    } catch (e) {
      server.log.warning(`Opening the temp file needed for MASTER <-> REPLICA synchronization: ${(e as Error).message}`);
      removeQuietly(tmp);
      return false;
    }
    try {
      renameSync(tmp, target);
    } catch (e) {
      server.log.warning(`Failed trying to rename the temp DB into ${server.config.get('dbfilename')} in MASTER <-> REPLICA synchronization: ${(e as Error).message}`);
      removeQuietly(tmp);
      return false;
    }
    return true;
  }

  /** A full sync from a (new) primary: sub-replicas must resync too, no cached state is left. */
  private attachToNewMaster(): void {
    this.discardCached();
    this.server.replication.disconnectReplicas();
  }

  /** The handshake or transfer failed: the cron tries again (cancelReplicationHandshake). */
  private abort(): false {
    this.cancelHandshake();
    this.state = 'connect';
    return false;
  }

  /** Closes a handshake or transfer in progress, if any. */
  private cancelHandshake(): void {
    const s = this.socket;
    if (s === null) return;
    this.setLoading(false);
    this.detachHandshakeSocket();
    s.destroy();
    if (this.state === 'transfer') this.chunks = [];
    if (this.state !== 'connected') this.state = 'connect';
  }

  /** Stops listening to the handshake socket (it is closed, or becomes the master client's). */
  private detachHandshakeSocket(): void {
    const s = this.socket;
    if (s === null) return;
    this.socket = null;
    s.removeAllListeners('data');
    s.removeAllListeners('connect');
    s.removeAllListeners('close');
    s.removeAllListeners('error');
    s.on('error', () => {});
    this.input = Buffer.alloc(0);
    this.chunks = [];
    this.transferSize = -1;
  }

  // --- the master client -------------------------------------------------------------------

  /** Makes the connection the master client, at stream offset `offset` (replicationCreateMasterClient). */
  private createMaster(socket: Socket, offset: number, dbId: number): void {
    const server = this.server;
    this.streamBase = offset;
    this.reploff = offset;
    this.readReploff = offset;
    this.proxiedOff = offset;
    this.unproxied = '';
    this.lastInteraction = this.now();
    const c = server.adoptConnection(socket);
    c.isMaster = true;
    c.mustObey = true;
    c.setAuthenticated('default');
    c.db = server.dbs[dbId];
    this.master = c;
    this.state = 'connected';
    this.downSince = 0;
  }

  /** Bytes read from the primary on the master client (before its commands run). */
  received(chunk: Buffer, length: number): void {
    this.readReploff += length;
    this.lastInteraction = this.now();
    // Kept only while something reads the proxied stream: sub-replicas, the backlog.
    this.unproxied += chunk.toString('latin1', 0, length);
  }

  /** After each command of the master client (Redis's commandProcessed): the offset applied. */
  commandProcessed(c: Client): void {
    // A transaction is applied at its EXEC; a blocked command when it is served.
    if (c.multi !== null || c.blocked !== null) return;
    this.reploff = this.streamBase + c.parser.commandEnd;
  }

  /** After a read of the master client: what was applied goes on to this server's own stream. */
  afterRead(): void {
    const applied = this.reploff - this.proxiedOff;
    if (applied <= 0) return;
    const bytes = this.unproxied.length === applied ? this.unproxied : this.unproxied.slice(0, applied);
    this.unproxied = bytes === this.unproxied ? '' : this.unproxied.slice(applied);
    this.proxiedOff = this.reploff;
    this.server.replication.feedRaw(bytes);
  }

  /** REPLCONF ACK <offset> to the primary (replicationSendAck). */
  sendAck(): void {
    const c = this.master;
    if (c === null || c.socket === null || c.closed) return;
    c.socket.write(encodeArgv(['REPLCONF', 'ACK', String(this.reploff)]), 'latin1');
  }

  /** The master client's connection closed (replicationHandleMasterDisconnection). */
  masterGone(c: Client): void {
    if (c !== this.master) return;
    this.master = null;
    // What the link applied is remembered: the next connection asks to continue from there
    // (replicationCacheMaster), whichever primary that is.
    this.server.log.notice('Connection with master lost.');
    this.server.log.notice('Caching the disconnected master state.');
    this.cached = { replId: this.server.replication.replId, offset: this.reploff, dbId: c.db.id };
    this.unproxied = '';
    this.state = 'connect';
    this.downSince = this.now();
  }

  /** Closes the master client (its state is cached, as freeClient does for a master). */
  private freeMaster(): void {
    this.master!.drop();
  }

  /** REPLICAOF to another primary from a primary: its own history as the cached master. */
  private cacheMyself(): void {
    this.server.log.notice(
      'Before turning into a replica, using my own master parameters to synthesize a cached master: ' +
        'I may be able to synchronize with the new master with just a partial transfer.',
    );
    const repl = this.server.replication;
    this.cached = { replId: repl.replId, offset: repl.offset, dbId: 0 };
  }

  private discardCached(): void {
    if (this.cached === null) return;
    this.server.log.notice('Discarding previously cached master state.');
    this.cached = null;
  }

  /** Once a second (replicationCron): timeouts, reconnection, the ACK. */
  cron(): void {
    if (this.host === null) return;
    const now = this.now();
    const timeoutMs = this.server.config.num('repl-timeout') * 1000;
    const log = this.server.log;
    if ((this.state === 'connecting' || this.state === 'handshake') && now - this.transferLastIo > timeoutMs) {
      log.warning('Timeout connecting to the MASTER...');
      this.abort();
    }
    if (this.state === 'transfer' && now - this.transferLastIo > timeoutMs) {
      log.warning('Timeout receiving bulk data from MASTER... If the problem persists try to set the \'repl-timeout\' parameter in redis.conf to a larger value.');
      this.abort();
    }
    if (this.master !== null && this.state === 'connected' && now - this.lastInteraction > timeoutMs) {
      log.warning('MASTER timeout: no data nor PING received...');
      this.master.drop();
    }
    if (this.state === 'connect') {
      log.notice(`Connecting to MASTER ${this.host}:${this.port}`);
      this.connectToMaster();
    }
    if (this.master !== null) this.sendAck();
  }

  /**
   * What a replica's snapshot records of its replication (rdbPopulateSaveInfo): the history and
   * offset it follows and the database its primary's stream has selected, so that after a
   * restart it can ask to continue. Null on a primary (or without a link or cached state).
   */
  saveInfo(): { streamDb: number; replId: string; offset: number } | null {
    if (this.host === null) return null;
    const repl = this.server.replication;
    if (this.master !== null) return { streamDb: this.master.db.id, replId: repl.replId, offset: repl.offset };
    if (this.cached !== null) return { streamDb: this.cached.dbId, replId: repl.replId, offset: repl.offset };
    return null;
  }

  /**
   * At start-up, a replica's snapshot with replication fields gives it its history back: its
   * id and offset, and a cached master to ask the primary to continue from (loadDataFromDisk).
   */
  restoreHistory(history: SnapshotHistory): void {
    if (this.host === null) return;
    const repl = this.server.replication;
    repl.replId = history.replId;
    repl.offset = history.offset;
    this.cacheMyself();
    this.cached!.dbId = history.dbId < this.server.dbs.length ? history.dbId : 0;
  }

  /**
   * Keys a writable replica's own clients gave a time to live (Redis's slaveKeysWithExpire): the
   * primary knows nothing of them, so the replica expires them itself.
   */
  readonly writableKeys = new Map<Database, Set<string>>();

  rememberWritableKey(db: Database, key: string): void {
    let keys = this.writableKeys.get(db);
    if (keys === undefined) this.writableKeys.set(db, (keys = new Set()));
    keys.add(key);
  }

  /** From the cron (expireSlaveKeys): those keys whose time passed are deleted. */
  expireWritableKeys(): void {
    const now = this.server.now();
    for (const [db, keys] of this.writableKeys) {
      for (const key of keys) {
        const when = db.expires.get(key);
        if (when === undefined) keys.delete(key);
        else if (when < now) {
          keys.delete(key);
          db.deleteExpired(key);
        }
      }
      if (keys.size === 0) this.writableKeys.delete(db);
    }
  }

  /** INFO replication's replica fields (between role and connected_slaves). */
  infoFields(): Array<[string, string | number]> {
    const now = this.now();
    const config = this.server.config;
    let offset = 1;
    let readOffset = 1;
    if (this.master !== null) {
      offset = this.reploff;
      readOffset = this.readReploff;
    } else if (this.cached !== null) {
      offset = this.cached.offset;
      readOffset = this.cached.offset;
    }
    const fields: Array<[string, string | number]> = [
      ['master_host', this.host!],
      ['master_port', this.port],
      ['master_link_status', this.state === 'connected' ? 'up' : 'down'],
      ['master_last_io_seconds_ago', this.master !== null ? Math.floor((now - this.lastInteraction) / 1000) : -1],
      ['master_sync_in_progress', this.state === 'transfer' ? 1 : 0],
      ['slave_read_repl_offset', readOffset],
      ['slave_repl_offset', offset],
    ];
    if (this.state === 'transfer') {
      const size = this.transferSize;
      const perc = size > 0 ? (this.transferRead / size) * 100 : 0;
      fields.push(
        ['master_sync_total_bytes', size],
        ['master_sync_read_bytes', this.transferRead],
        ['master_sync_left_bytes', size - this.transferRead],
        ['master_sync_perc', perc.toFixed(2)],
        ['master_sync_last_io_seconds_ago', Math.floor((now - this.transferLastIo) / 1000)],
      );
    }
    if (this.state !== 'connected') {
      fields.push(['master_link_down_since_seconds', this.downSince !== 0 ? Math.floor((now - this.downSince) / 1000) : -1]);
    }
    fields.push(
      ['slave_priority', config.num('replica-priority')],
      ['slave_read_only', config.bool('replica-read-only') ? 1 : 0],
      ['replica_announced', config.bool('replica-announced') ? 1 : 0],
    );
    return fields;
  }

  /** ROLE's state word for a replica. */
  roleState(): string {
    if (this.state === 'handshake') return 'handshake';
    if (this.state === 'transfer') return 'sync';
    return this.state;
  }

  /** The offset ROLE reports: the master client's, -1 without one. */
  roleOffset(): number {
    return this.master !== null ? this.reploff : -1;
  }

  /** The server is closing: no reconnection. */
  stop(): void {
    this.cancelHandshake();
    this.host = null;
  }
}

/** What swapdb keeps aside while the new data loads. */
interface Stash {
  dbs: Array<Pick<Database, 'dict' | 'expires' | 'exactExpires'>>;
  functions: FunctionLibraries | null;
}

function stashData(server: Server): Stash {
  const dbs = server.dbs.map((db) => {
    const kept = { dict: db.dict, expires: db.expires, exactExpires: db.exactExpires };
    db.dict = new Map();
    db.expires = new Map();
    db.exactExpires = new Map();
    db.resetCursors();
    return kept;
  });
  let functions: FunctionLibraries | null = null;
  const current = scriptingIfUsed(server)?.functions;
  if (current !== undefined && current.libraries.size !== 0) {
    functions = new FunctionLibraries();
    functions.swap(current);
    current.flush();
  }
  return { dbs, functions };
}

function restoreStash(server: Server, stash: Stash): void {
  server.dbs.forEach((db, i) => {
    const kept = stash.dbs[i];
    db.dict = kept.dict;
    db.expires = kept.expires;
    db.exactExpires = kept.exactExpires;
    db.resetCursors();
  });
  if (stash.functions !== null) scriptingIfUsed(server)?.functions.swap(stash.functions);
}

/**
 * Clients blocked on keys when a primary turns replica are told so and disconnected, as Redis's
 * disconnectAllBlockedClients (a paused client's command just waits).
 */
function disconnectBlockedClients(server: Server): void {
  for (const c of server.clients.values()) {
    const b = c.blocked;
    if (b === null || b.type === BLOCKED_POSTPONE) continue;
    server.blocking.forget(c);
    c.error('UNBLOCKED force unblock from blocking operation, instance state changed (master -> replica?)');
    c.closeAfterReply = true;
    server.wake(c);
  }
}

/** Redis's emptyData for a full sync: every key and function library, no event, nothing saved. */
function emptyAll(server: Server): void {
  server.replicaSide.writableKeys.clear();
  for (const db of server.dbs) db.flush();
  server.dataFlushed();
  scriptingIfUsed(server)?.functions.flush();
}


/** The replication history a snapshot records (its repl-id, repl-offset and repl-stream-db). */
export interface SnapshotHistory {
  replId: string;
  offset: number;
  dbId: number;
}

/** A snapshot's replication fields, when all three are there and valid (loadDataFromDisk's rsi check). */
export function snapshotHistory(aux: ReadonlyMap<string, string>): SnapshotHistory | null {
  const id = aux.get('repl-id');
  const offset = aux.get('repl-offset');
  const db = aux.get('repl-stream-db');
  if (id === undefined || id.length !== 40 || offset === undefined || db === undefined) return null;
  const off = parseLeadingInt(offset);
  const dbId = parseLeadingInt(db);
  if (off < 0 || dbId < 0) return null;
  return { replId: id, offset: off, dbId };
}

/** The number a line starts with, as C's strtoll reads it (0 when none). */
function parseLeadingInt(s: string): number {
  const m = /^\s*[+-]?\d+/.exec(s);
  return m === null ? 0 : Number(m[0]);
}

/**
 * Whether a snapshot may hold function libraries: their opcode (RDB_OPCODE_FUNCTION2, 245)
 * followed by a Lua shebang somewhere in it. A false positive only loads the engine early.
 */
function hasFunctions(rdb: Buffer): boolean {
  return rdb.includes('#!lua', 0, 'latin1');
}

/** The last n bytes of what the chunks hold together (at least n bytes). */
function lastBytes(chunks: readonly Buffer[], n: number): Buffer {
  const last = chunks[chunks.length - 1];
  if (last.length >= n) return last.subarray(last.length - n);
  const parts: Buffer[] = [];
  let have = 0;
  for (let i = chunks.length - 1; i >= 0 && have < n; i--) {
    parts.unshift(chunks[i]);
    have += chunks[i].length;
  }
  const joined = Buffer.concat(parts);
  return joined.subarray(joined.length - n);
}
