// The latency monitor (Redis's latency.c): per event ("command", "fast-command",
// "expire-cycle" …) the worst latency of each of the last 160 seconds that had one at or above
// latency-monitor-threshold ms, and the all-time maximum; LATENCY DOCTOR's report.

import { renderSparkline, type SparkSample } from '../util/sparkline.js';

/** Samples kept per event (one per second at most). */
const SAMPLES_PER_EVENT = 160;
const GRAPH_COLUMNS = 80;

export interface LatencySample {
  /** Unix time in seconds. */
  time: number;
  /** Milliseconds. */
  latency: number;
}

/** One event's samples, oldest first, and its worst ever. */
export class LatencySeries {
  samples: LatencySample[] = [];
  max = 0;

  add(time: number, latency: number): void {
    if (latency > this.max) this.max = latency;
    const last = this.samples[this.samples.length - 1];
    // One sample per second: the worst of that second.
    if (last !== undefined && last.time === time) {
      if (latency > last.latency) last.latency = latency;
      return;
    }
    this.samples.push({ time, latency });
    if (this.samples.length > SAMPLES_PER_EVENT) this.samples.shift();
  }
}

/** What the report needs to know about the server besides the events. */
export interface ReportContext {
  now: number;
  thresholdMs: number;
  slowlogThresholdUs: number;
  hz: number;
}

export class LatencyMonitor {
  readonly events = new Map<string, LatencySeries>();

  add(event: string, time: number, latencyMs: number): void {
    let s = this.events.get(event);
    if (s === undefined) this.events.set(event, (s = new LatencySeries()));
    s.add(time, latencyMs);
  }

  /** LATENCY RESET: forgets the events named (all when none); how many it forgot. */
  reset(names: readonly string[] | null): number {
    if (names === null) {
      const n = this.events.size;
      this.events.clear();
      return n;
    }
    let n = 0;
    for (const name of names) if (this.events.delete(name)) n++;
    return n;
  }

  /** LATENCY GRAPH's text for an event with samples. */
  graph(event: string, series: LatencySeries, now: number): string {
    let min = 0;
    let max = 0;
    const points: SparkSample[] = [];
    for (const s of series.samples) {
      if (points.length === 0) min = max = s.latency;
      else {
        if (s.latency > max) max = s.latency;
        if (s.latency < min) min = s.latency;
      }
      points.push({ value: s.latency, label: ago(now - s.time) });
    }
    return (
      `${event} - high ${max} ms, low ${min} ms (all time high ${series.max} ms)\n` +
      '-'.repeat(GRAPH_COLUMNS) +
      '\n' +
      renderSparkline(points, GRAPH_COLUMNS, 4)
    );
  }

  /** LATENCY DOCTOR: each event's statistics, then the advice that applies. */
  report(ctx: ReportContext): string {
    if (this.events.size === 0 && ctx.thresholdMs === 0) {
      return "I'm sorry, Dave, I can't do that. Latency monitoring is disabled in this Redis instance. You may use \"CONFIG SET latency-monitor-threshold <milliseconds>.\" in order to enable it. If we weren't in a deep space mission I'd suggest to take a look at https://redis.io/topics/latency-monitor.\n";
    }
    const advise = new Set<Advice>();
    let out = '';
    let n = 0;
    for (const [event, series] of this.events) {
      n++;
      if (n === 1) out += "Dave, I have observed latency spikes in this Redis instance. You don't mind talking about it, do you Dave?\n\n";
      const st = analyze(series, ctx.now);
      out +=
        `${n}. ${event}: ${st.samples} latency spikes (average ${st.avg}ms, mean deviation ${st.mad}ms, ` +
        `period ${(st.period / st.samples).toFixed(2)} sec). Worst all time event ${series.max}ms.`;
      for (const a of EVENT_ADVICE[event] ?? []) advise.add(a);
      if (event === 'command') {
        if (ctx.slowlogThresholdUs < 0) advise.add('slowlogEnable');
        else if (Math.trunc(ctx.slowlogThresholdUs / 1000) > ctx.thresholdMs) advise.add('slowlogTune');
      }
      out += '\n';
    }
    if (n === 0 && advise.size === 0) {
      return "Dave, no latency spike was observed during the lifetime of this Redis instance, not in the slightest bit. I honestly think you ought to sit down calmly, take a stress pill, and think things over.\n";
    }
    if (advise.size === 0) {
      return out + "\nWhile there are latency events logged, I'm not able to suggest any easy fix. Please use the Redis community to get some help, providing this report in your help request.\n";
    }
    out += '\nI have a few advices for you:\n\n';
    for (const a of ADVICE_ORDER) {
      if (!advise.has(a)) continue;
      if (a === 'hz' && ctx.hz >= 100) continue;
      out += ADVICE_TEXT[a].replace('%THRESHOLD_US%', String(ctx.thresholdMs * 1000));
    }
    return out;
  }
}

/** "12s", "3m", "5h", "2d": how long ago, as LATENCY GRAPH labels samples. */
function ago(seconds: number): string {
  if (seconds < 60) return `${seconds}s`;
  if (seconds < 3600) return `${Math.trunc(seconds / 60)}m`;
  if (seconds < 86400) return `${Math.trunc(seconds / 3600)}h`;
  return `${Math.trunc(seconds / 86400)}d`;
}

/** Average, mean absolute deviation (integer ms) and the seconds since the oldest sample. */
function analyze(series: LatencySeries, now: number): { samples: number; avg: number; mad: number; period: number } {
  const n = series.samples.length;
  let sum = 0;
  let oldest = 0;
  for (const s of series.samples) {
    sum += s.latency;
    if (oldest === 0 || s.time < oldest) oldest = s.time;
  }
  const avg = n ? Math.trunc(sum / n) : 0;
  let period = n ? now - oldest : 0;
  if (n && period === 0) period = 1;
  let dev = 0;
  for (const s of series.samples) dev += Math.abs(avg - s.latency);
  return { samples: n, avg, mad: n ? Math.trunc(dev / n) : 0, period };
}

type Advice = 'slowlogEnable' | 'slowlogTune' | 'slowlogInspect' | 'scheduler' | 'hz' | 'largeObjects';

/** The advice each event calls for (only the events nodis records). */
const EVENT_ADVICE: Record<string, Advice[]> = {
  command: ['slowlogInspect', 'largeObjects'],
  'fast-command': ['scheduler'],
  'expire-cycle': ['hz', 'largeObjects'],
};

const ADVICE_ORDER: Advice[] = ['slowlogEnable', 'slowlogTune', 'slowlogInspect', 'scheduler', 'hz', 'largeObjects'];

const ADVICE_TEXT: Record<Advice, string> = {
  slowlogEnable:
    "- There are latency issues with potentially slow commands you are using. Try to enable the Slow Log Redis feature using the command 'CONFIG SET slowlog-log-slower-than %THRESHOLD_US%'. If the Slow log is disabled Redis is not able to log slow commands execution for you.\n",
  slowlogTune:
    "- Your current Slow Log configuration only logs events that are slower than your configured latency monitor threshold. Please use 'CONFIG SET slowlog-log-slower-than %THRESHOLD_US%'.\n",
  slowlogInspect:
    '- Check your Slow Log to understand what are the commands you are running which are too slow to execute. Please check https://redis.io/commands/slowlog for more information.\n',
  scheduler:
    '- The system is slow to execute Redis code paths not containing system calls. This usually means the system does not provide Redis CPU time to run for long periods. You should try to:\n' +
    '  1) Lower the system load.\n' +
    '  2) Use a computer / VM just for Redis if you are running other software in the same system.\n' +
    '  3) Check if you have a "noisy neighbour" problem.\n' +
    "  4) Check with 'redis-cli --intrinsic-latency 100' what is the intrinsic latency in your system.\n" +
    '  5) Check if the problem is allocator-related by recompiling Redis with MALLOC=libc, if you are using Jemalloc. However this may create fragmentation problems.\n',
  hz: "- In order to make the Redis keys expiring process more incremental, try to set the 'hz' configuration parameter to 100 using 'CONFIG SET hz 100'.\n",
  largeObjects:
    '- Deleting, expiring or evicting (because of maxmemory policy) large objects is a blocking operation. If you have very large objects that are often deleted, expired, or evicted, try to fragment those objects into multiple smaller objects.\n',
};
