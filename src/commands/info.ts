// INFO: the sections of server state (server, clients, memory, persistence, stats,
// replication, cpu, commandstats, errorstats, latencystats, cluster, keyspace).

import { FRESH_LUA_MEMORY, scriptingIfUsed } from '../scripting/lua.js';
import { resolve as resolvePath } from 'node:path';
import * as os from 'node:os';
import type { Client } from '../server/client.js';
import type { Server } from '../server/server.js';
import type { CommandSpec } from '../server/command.js';
import { optionWord } from '../util/cstring.js';
import { REDIS_VERSION, NODIS_VERSION, buildId } from '../version.js';
import { migrateCachedSockets } from './migrate.js';

type Field = [name: string, value: string | number];

const DEFAULT_SECTIONS = [
  'server',
  'clients',
  'memory',
  'persistence',
  'stats',
  'replication',
  'cpu',
  'module_list',
  'errorstats',
  'cluster',
  'keyspace',
];

/** Memory the process used when nodis was loaded: INFO used_memory_startup. */
const STARTUP_MEMORY = ((): number => {
  const m = process.memoryUsage();
  return m.heapUsed + m.external;
})();

/** Highest used_memory seen by INFO, per server. */
const peakMemory = new WeakMap<Server, number>();

function fieldsText(title: string, fields: Field[]): string {
  let s = `# ${title}\r\n`;
  for (const [k, v] of fields) s += `${k}:${v}\r\n`;
  return s;
}

/** Redis's bytesToHuman: 100B, 1.04M, 2.00G … */
export function bytesToHuman(n: number): string {
  const units = ['K', 'M', 'G', 'T', 'P'];
  if (n < 1024) return `${n}B`;
  for (let i = 0; i < units.length; i++) {
    if (n < 1024 ** (i + 2)) return `${(n / 1024 ** (i + 1)).toFixed(2)}${units[i]}`;
  }
  return `${n}B`;
}

/** INFO's characters that would break its line format are replaced, as Redis does. */
function safeInfo(s: string): string {
  return s.replace(/[#:\r\n]/g, '_');
}

/** Seconds and microseconds as "%ld.%06ld". */
function secUsec(us: number): string {
  const sec = Math.floor(us / 1e6);
  return `${sec}.${String(Math.floor(us - sec * 1e6)).padStart(6, '0')}`;
}

/** The LRU clock: seconds, 24 bits (INFO lru_clock, DEBUG OBJECT lru). */
export function lruClock(server: Server): number {
  return Math.floor(server.clock.now() / 1000) % 2 ** 24;
}

function executablePath(): string {
  const script = process.argv[1];
  return script ? resolvePath(script) : process.execPath;
}

function multiplexingApi(): string {
  switch (process.platform) {
    case 'linux':
      return 'epoll';
    case 'darwin':
    case 'freebsd':
    case 'openbsd':
      return 'kqueue';
    case 'sunos':
      return 'evport';
    default:
      return 'select';
  }
}

function serverSection(server: Server): string {
  const uptime = Math.floor((server.clock.now() - server.startTime) / 1000);
  const hz = server.config.num('hz');
  return fieldsText('Server', [
    ['redis_version', REDIS_VERSION],
    ['nodis_version', NODIS_VERSION],
    ['redis_git_sha1', '00000000'],
    ['redis_git_dirty', 0],
    ['redis_build_id', buildId()],
    ['redis_mode', 'standalone'],
    ['os', `${os.type()} ${os.release()} ${os.machine()}`],
    ['arch_bits', /64/.test(process.arch) ? 64 : 32],
    ['monotonic_clock', 'POSIX clock_gettime'],
    ['multiplexing_api', multiplexingApi()],
    ['atomicvar_api', 'none'],
    ['gcc_version', '0.0.0'],
    ['process_id', process.pid],
    ['process_supervised', 'no'],
    ['run_id', server.runId],
    ['tcp_port', server.port || server.config.num('port')],
    ['server_time_usec', server.clock.nowUs()],
    ['uptime_in_seconds', uptime],
    ['uptime_in_days', Math.floor(uptime / 86400)],
    ['hz', hz],
    ['configured_hz', hz],
    ['lru_clock', lruClock(server)],
    ['executable', executablePath()],
    ['config_file', server.configFile],
    ['io_threads_active', 0],
    // Only while a shutdown waits for replicas.
    ...(server.pendingShutdown !== null ? [['shutdown_in_milliseconds', server.pendingShutdown.deadline - server.clock.now()] as Field] : []),
  ]);
}

function clientsSection(server: Server): string {
  let maxOut = 0;
  let pubsubClients = 0;
  let watchingClients = 0;
  for (const c of server.clients.values()) {
    maxOut = Math.max(maxOut, c.replyBytes);
    if (c.pubsub !== null) pubsubClients++;
    if (c.watching !== null) watchingClients++;
  }
  let watchedKeys = 0;
  for (const db of server.dbs) watchedKeys += db.watched.size;
  // pubsub_clients, watching_clients and total_watched_keys are Redis 7.2's.
  return fieldsText('Clients', [
    // Replicas are not counted (Redis: all clients less its replicas).
    ['connected_clients', server.clients.size - server.replication.replicas.length],
    ['cluster_connections', 0],
    ['maxclients', server.config.num('maxclients')],
    ['client_recent_max_input_buffer', 0],
    ['client_recent_max_output_buffer', maxOut],
    ['blocked_clients', server.blocking.blockedClients],
    ['tracking_clients', server.tracking.clients],
    ['pubsub_clients', pubsubClients],
    ['watching_clients', watchingClients],
    ['clients_in_timeout_table', server.blocking.timedClients],
    ['total_watched_keys', watchedKeys],
    ['total_blocking_keys', server.blocking.waitedKeys],
    ['total_blocking_keys_on_nokey', server.blocking.waitedKeysOnNoKey],
  ]);
}

function memorySection(server: Server): string {
  const m = process.memoryUsage();
  const used = m.heapUsed + m.external;
  // Scripting's figures: a new engine's heap until a script command has run (the engine loads then).
  const scripting = scriptingIfUsed(server);
  const luaVm = scripting?.vmMemory() ?? FRESH_LUA_MEMORY;
  const scriptsEval = scripting?.cacheMemory ?? 0;
  const active = m.heapTotal + m.external;
  const rss = m.rss;
  const peak = Math.max(used, peakMemory.get(server) ?? 0);
  peakMemory.set(server, peak);
  let clientBuffers = 0;
  let replicaBuffers = 0;
  for (const c of server.clients.values()) {
    if (c.replica) replicaBuffers += c.memoryFields().total;
    else clientBuffers += c.memoryFields().total;
  }
  const overhead = STARTUP_MEMORY + clientBuffers + replicaBuffers;
  const dataset = Math.max(0, used - overhead);
  const netUsage = Math.max(1, used - STARTUP_MEMORY);
  const total = os.totalmem();
  const maxmemory = server.config.num('maxmemory');
  const ratio = (a: number, b: number): string => (b ? a / b : 0).toFixed(2);
  return fieldsText('Memory', [
    ['used_memory', used],
    ['used_memory_human', bytesToHuman(used)],
    ['used_memory_rss', rss],
    ['used_memory_rss_human', bytesToHuman(rss)],
    ['used_memory_peak', peak],
    ['used_memory_peak_human', bytesToHuman(peak)],
    ['used_memory_peak_perc', `${((used * 100) / peak).toFixed(2)}%`],
    ['used_memory_overhead', overhead],
    ['used_memory_startup', STARTUP_MEMORY],
    ['used_memory_dataset', dataset],
    ['used_memory_dataset_perc', `${((dataset * 100) / netUsage).toFixed(2)}%`],
    ['allocator_allocated', used],
    ['allocator_active', active],
    ['allocator_resident', rss],
    ['total_system_memory', total],
    ['total_system_memory_human', bytesToHuman(total)],
    ['used_memory_lua', luaVm],
    ['used_memory_vm_eval', luaVm],
    ['used_memory_lua_human', bytesToHuman(luaVm)],
    ['used_memory_scripts_eval', scriptsEval],
    ['number_of_cached_scripts', scripting?.scripts.size ?? 0],
    ['number_of_functions', 0],
    ['number_of_libraries', 0],
    ['used_memory_vm_functions', 0],
    ['used_memory_vm_total', luaVm],
    ['used_memory_vm_total_human', bytesToHuman(luaVm)],
    ['used_memory_functions', 0],
    ['used_memory_scripts', scriptsEval],
    ['used_memory_scripts_human', bytesToHuman(scriptsEval)],
    ['maxmemory', maxmemory],
    ['maxmemory_human', bytesToHuman(maxmemory)],
    ['maxmemory_policy', server.config.get('maxmemory-policy')],
    ['allocator_frag_ratio', ratio(active, used)],
    ['allocator_frag_bytes', active - used],
    ['allocator_rss_ratio', ratio(rss, active)],
    ['allocator_rss_bytes', rss - active],
    ['rss_overhead_ratio', '1.00'],
    ['rss_overhead_bytes', 0],
    ['mem_fragmentation_ratio', ratio(rss, used)],
    ['mem_fragmentation_bytes', rss - used],
    ['mem_not_counted_for_evict', 0],
    ['mem_replication_backlog', server.replication.backlog?.histlen ?? 0],
    ['mem_total_replication_buffers', server.replication.bufferMemory()],
    ['mem_clients_slaves', replicaBuffers],
    ['mem_clients_normal', clientBuffers],
    ['mem_cluster_links', 0],
    ['mem_aof_buffer', 0],
    ['mem_allocator', `v8-${process.versions.v8}`],
    ['active_defrag_running', 0],
    ['lazyfree_pending_objects', server.memory.pendingObjects],
    ['lazyfreed_objects', server.stats.lazyfreedObjects],
  ]);
}

function persistenceSection(server: Server): string {
  const bgsave = server.bgsave;
  return fieldsText('Persistence', [
    ['loading', server.loading ? 1 : 0],
    ['async_loading', 0],
    ['current_cow_peak', bgsave === null ? 0 : bgsave.keptBytes],
    ['current_cow_size', bgsave === null ? 0 : bgsave.keptBytes],
    ['current_cow_size_age', 0],
    ['current_fork_perc', bgsave === null || bgsave.keysTotal === 0 ? '0.00' : ((bgsave.keysDone / bgsave.keysTotal) * 100).toFixed(2)],
    ['current_save_keys_processed', bgsave === null ? 0 : bgsave.keysDone],
    ['current_save_keys_total', bgsave === null ? 0 : bgsave.keysTotal],
    ['rdb_changes_since_last_save', server.dirty],
    ['rdb_bgsave_in_progress', bgsave === null ? 0 : 1],
    ['rdb_last_save_time', server.lastSave],
    ['rdb_last_bgsave_status', server.lastBgsaveOk ? 'ok' : 'err'],
    ['rdb_last_bgsave_time_sec', server.lastBgsaveTimeSec],
    ['rdb_current_bgsave_time_sec', bgsave === null ? -1 : Math.floor((server.clock.now() - bgsave.startedAt) / 1000)],
    ['rdb_saves', server.rdbSaves],
    // The bytes the last background save kept aside for keys changed while it ran (what a
    // forked child's copy-on-write costs Redis).
    ['rdb_last_cow_size', server.lastCowSize],
    ['rdb_last_load_keys_expired', server.rdbLastLoadKeysExpired],
    ['rdb_last_load_keys_loaded', server.rdbLastLoadKeysLoaded],
    ...server.aof.infoFields(),
    ['module_fork_in_progress', 0],
    ['module_fork_last_cow_size', 0],
    ...server.aof.infoFieldsWhenOn(),
  ]);
}

/** Average of the last 16 samples, counting missing ones as 0 (getInstantaneousMetric). */
function instantaneous(samples: readonly number[]): number {
  let sum = 0;
  for (const s of samples) sum += s;
  return Math.floor(sum / 16);
}

function statsSection(server: Server): string {
  const s = server.stats;
  return fieldsText('Stats', [
    ['total_connections_received', s.connectionsReceived],
    ['total_commands_processed', s.commandsProcessed],
    ['instantaneous_ops_per_sec', instantaneous(s.opsSamples)],
    ['total_net_input_bytes', s.netInputBytes],
    ['total_net_output_bytes', s.netOutputBytes],
    ['total_net_repl_input_bytes', 0],
    ['total_net_repl_output_bytes', 0],
    ['instantaneous_input_kbps', '0.00'],
    ['instantaneous_output_kbps', '0.00'],
    ['instantaneous_input_repl_kbps', '0.00'],
    ['instantaneous_output_repl_kbps', '0.00'],
    ['rejected_connections', s.rejectedConnections],
    ['sync_full', s.syncFull],
    ['sync_partial_ok', s.syncPartialOk],
    ['sync_partial_err', s.syncPartialErr],
    ['expired_keys', s.expiredKeys],
    ['expired_stale_perc', (s.expiredStalePerc * 100).toFixed(2)],
    ['expired_time_cap_reached_count', 0],
    ['expire_cycle_cpu_milliseconds', Math.floor(s.expireCycleCpuMs)],
    ['evicted_keys', s.evictedKeys],
    ['evicted_clients', 0],
    ['total_eviction_exceeded_time', 0],
    ['current_eviction_exceeded_time', 0],
    ['keyspace_hits', s.keyspaceHits],
    ['keyspace_misses', s.keyspaceMisses],
    ['pubsub_channels', server.pubsub.channels.size],
    ['pubsub_patterns', server.pubsub.patterns.size],
    ['pubsubshard_channels', server.pubsub.shardChannels.size],
    ['latest_fork_usec', 0],
    ['total_forks', server.snapshotsStarted],
    ['migrate_cached_sockets', migrateCachedSockets(server)],
    ['slave_expires_tracked_keys', 0],
    ['active_defrag_hits', 0],
    ['active_defrag_misses', 0],
    ['active_defrag_key_hits', 0],
    ['active_defrag_key_misses', 0],
    ['total_active_defrag_time', 0],
    ['current_active_defrag_time', 0],
    ['tracking_total_keys', server.tracking.totalKeys],
    ['tracking_total_items', server.tracking.items],
    ['tracking_total_prefixes', server.tracking.totalPrefixes],
    ['unexpected_error_replies', 0],
    ['total_error_replies', s.totalErrorReplies],
    ['dump_payload_sanitizations', 0],
    ['total_reads_processed', 0],
    ['total_writes_processed', 0],
    ['io_threaded_reads_processed', 0],
    ['io_threaded_writes_processed', 0],
    ['reply_buffer_shrinks', 0],
    ['reply_buffer_expands', 0],
  ]);
}

function replicationSection(server: Server): string {
  const repl = server.replication;
  const side = server.replicaSide;
  const fields: Field[] = side.active ? [['role', 'slave'], ...side.infoFields()] : [['role', 'master']];
  // connected_slaves, then (min-replicas-to-write on) min_slaves_good_slaves, then the slaveN lines.
  const connectedAt = fields.length;
  fields.push(...repl.infoFields());
  if (server.config.num('min-replicas-to-write') && server.config.num('min-replicas-max-lag')) {
    fields.splice(connectedAt + 1, 0, ['min_slaves_good_slaves', repl.goodReplicas]);
  }
  fields.push(
    ['master_failover_state', server.failover.state],
    ['master_replid', repl.replId],
    ['master_replid2', repl.replId2],
    ['master_repl_offset', repl.offset],
    ['second_repl_offset', repl.secondReplOffset],
    ['repl_backlog_active', repl.backlog !== null ? 1 : 0],
    ['repl_backlog_size', server.config.num('repl-backlog-size')],
    ['repl_backlog_first_byte_offset', repl.backlog?.firstByteOffset ?? 0],
    ['repl_backlog_histlen', repl.backlog?.histlen ?? 0],
  );
  return fieldsText('Replication', fields);
}

function cpuSection(): string {
  const u = process.cpuUsage();
  return fieldsText('CPU', [
    ['used_cpu_sys', secUsec(u.system)],
    ['used_cpu_user', secUsec(u.user)],
    ['used_cpu_sys_children', '0.000000'],
    ['used_cpu_user_children', '0.000000'],
    // Node reports the process as a whole; the main thread does almost all of the work.
    ['used_cpu_sys_main_thread', secUsec(u.system)],
    ['used_cpu_user_main_thread', secUsec(u.user)],
  ]);
}

function commandstatsSection(server: Server): string {
  let s = '# Commandstats\r\n';
  for (const cmd of server.table.all()) {
    const st = cmd.stats;
    if (!st.calls && !st.failedCalls && !st.rejectedCalls) continue;
    const usec = Math.floor(st.usec);
    // Redis divides as C floats.
    const perCall = st.calls === 0 ? 0 : Math.fround(Math.fround(usec) / Math.fround(st.calls));
    s +=
      `cmdstat_${safeInfo(cmd.fullName)}:calls=${st.calls},usec=${usec},usec_per_call=${perCall.toFixed(2)}` +
      `,rejected_calls=${st.rejectedCalls},failed_calls=${st.failedCalls}\r\n`;
  }
  return s;
}

function errorstatsSection(server: Server): string {
  let s = '# Errorstats\r\n';
  // Redis keeps error codes in a radix tree: byte order.
  const codes = [...server.stats.errorCodes.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  for (const [code, count] of codes) s += `errorstat_${safeInfo(code)}:count=${count}\r\n`;
  return s;
}

/** "%f" trimmed of trailing zeros: 50 → "50", 99.9 → "99.9". */
function trimPercentile(p: number): string {
  let s = p.toFixed(6);
  s = s.replace(/0+$/, '');
  return s.endsWith('.') ? s.slice(0, -1) : s;
}

function latencystatsSection(server: Server): string {
  let s = '# Latencystats\r\n';
  if (!server.config.bool('latency-tracking')) return s;
  const percentiles = server.config
    .get('latency-tracking-info-percentiles')
    .split(/\s+/)
    .filter(Boolean)
    .map(Number)
    .filter((p) => Number.isFinite(p));
  for (const cmd of server.table.all()) {
    const h = cmd.latency;
    if (!h || h.total === 0) continue;
    const parts = percentiles.map((p) => `p${trimPercentile(p)}=${(h.valueAtPercentile(p) / 1000).toFixed(3)}`);
    s += `latency_percentiles_usec_${safeInfo(cmd.fullName)}:${parts.join(',')}\r\n`;
  }
  return s;
}

/** Average time to live (ms) of the volatile keys, from up to 1024 of them. */
function averageTtl(expires: Map<string, number>, now: number): number {
  let sum = 0;
  let n = 0;
  for (const when of expires.values()) {
    const ttl = when - now;
    if (ttl > 0) {
      sum += ttl;
      n++;
    }
    if (n >= 1024) break;
  }
  return n ? Math.floor(sum / n) : 0;
}

function keyspaceSection(server: Server): string {
  let s = '# Keyspace\r\n';
  const now = server.clock.now();
  for (const db of server.dbs) {
    const keys = db.dict.size;
    const vkeys = db.expires.size;
    if (keys || vkeys) {
      s += `db${db.id}:keys=${keys},expires=${vkeys},avg_ttl=${averageTtl(db.expires, now)}\r\n`;
    }
  }
  return s;
}

/**
 * The INFO text for the given arguments: no arguments means the default sections; "all" adds
 * commandstats and latencystats; "everything" also module-generated sections (none in nodis).
 * Unknown sections contribute nothing.
 */
export function infoString(server: Server, args: readonly string[]): string {
  // Durations of the commands run before this one in the same read (see Server.tick).
  server.settleCommandTimes();
  const wanted = new Set<string>();
  let all = false;
  if (args.length === 0) for (const s of DEFAULT_SECTIONS) wanted.add(s);
  for (const a of args) {
    // Section names are C strings to Redis: they end at a NUL byte.
    const name = optionWord(a);
    if (name === 'default') for (const s of DEFAULT_SECTIONS) wanted.add(s);
    else if (name === 'all' || name === 'everything') all = true;
    else wanted.add(name);
  }
  const want = (name: string): boolean => all || wanted.has(name);
  const parts: string[] = [];
  if (want('server')) parts.push(serverSection(server));
  if (want('clients')) parts.push(clientsSection(server));
  if (want('memory')) parts.push(memorySection(server));
  if (want('persistence')) parts.push(persistenceSection(server));
  if (want('stats')) parts.push(statsSection(server));
  if (want('replication')) parts.push(replicationSection(server));
  if (want('cpu')) parts.push(cpuSection());
  if (all || wanted.has('module_list') || wanted.has('modules')) parts.push('# Modules\r\n');
  if (want('commandstats')) parts.push(commandstatsSection(server));
  if (want('errorstats')) parts.push(errorstatsSection(server));
  if (want('latencystats')) parts.push(latencystatsSection(server));
  if (want('cluster')) parts.push(fieldsText('Cluster', [['cluster_enabled', 0]]));
  if (want('keyspace')) parts.push(keyspaceSection(server));
  return parts.join('\r\n');
}

function info(c: Client, argv: string[]): void {
  c.verbatim(infoString(c.server, argv.slice(1)));
}

// ---------------------------------------------------------------------------------------------

export const infoCommands: CommandSpec[] = [{ name: 'info', handler: info }];
