// CLIENT PAUSE (Redis 7.0's pauseClients / unpauseClients in networking.c): while a pause is in
// force, the commands it covers are postponed (dispatch hands them to blocking.postpone, where
// the client waits like any blocked client, its later input unread), and the dataset stays as it
// is: no key expires, lazily or by the active cycle (it only reads as missing), and nothing is
// evicted. Each purpose (the CLIENT PAUSE command now; SHUTDOWN and failover with replication)
// holds its own pause; the most restrictive one in force applies, until the furthest end time of
// that type. When the pause in force becomes less restrictive (UNPAUSE, or its time passed, seen
// by the cron or by a lazy check), every postponed client runs its command again from the start
// (it may be postponed again), in the order they were postponed.

import type { Client } from './client.js';
import type { Command } from './command.js';
import type { Server } from './server.js';

/** What a pause holds back, in increasing order of restriction (Redis's pause_type). */
export const PAUSE_OFF = 0;
export const PAUSE_WRITE = 1;
export const PAUSE_ALL = 2;
export type PauseType = typeof PAUSE_OFF | typeof PAUSE_WRITE | typeof PAUSE_ALL;

/** Who paused (Redis's pause_purpose): each keeps its own type and end time. */
export type PausePurpose = 'client-command' | 'shutdown' | 'failover';

interface PauseEvent {
  type: PauseType;
  /** Unix ms; the pause is over once the clock is past it. */
  end: number;
}

export class ClientPause {
  /** The most restrictive type in force (PAUSE_OFF: no pause). Read on every command. */
  type: PauseType = PAUSE_OFF;
  /** When the pause in force ends (unix ms): the furthest end of the purposes of that type. */
  end = 0;
  private readonly purposes = new Map<PausePurpose, PauseEvent>();

  constructor(private readonly server: Server) {}

  /** Whether some pause is in force (its end time not checked). */
  get active(): boolean {
    return this.type !== PAUSE_OFF;
  }

  /**
   * Pauses clients until end (unix ms) for a purpose; a purpose already pausing keeps the
   * more restrictive type and the later end of the two, as Redis does.
   */
  pause(purpose: PausePurpose, end: number, type: PauseType): void {
    const p = this.purposes.get(purpose);
    if (p === undefined) this.purposes.set(purpose, { type, end });
    else {
      if (type > p.type) p.type = type;
      if (end > p.end) p.end = end;
    }
    this.update();
  }

  /** Ends a purpose's pause; postponed clients run again if that makes the pause less strict. */
  unpause(purpose: PausePurpose): void {
    if (!this.purposes.delete(purpose)) return;
    this.update();
  }

  /**
   * Whether clients are paused now, ending a pause whose time has passed first (Redis's
   * checkClientPauseTimeoutAndReturnIfPaused). While it is true, keys neither expire nor are
   * evicted.
   */
  check(): boolean {
    if (this.type === PAUSE_OFF) return false;
    if (this.end >= this.server.clock.now()) return true;
    this.update();
    return this.active;
  }

  /**
   * Whether c's command must wait for the pause to end (processCommand's check, after every
   * gate): under ALL, every command; under WRITE, those that may replicate (writes, PUBLISH,
   * PFCOUNT …, or an EXEC whose queue holds one). Replicas (and MONITOR clients, replicas to
   * Redis) are never paused.
   */
  holds(c: Client, cmd: Command, argv: string[]): boolean {
    if (this.type === PAUSE_OFF || c.replica !== null || c.monitor) return false;
    if (this.type === PAUSE_ALL) return true;
    if (writes(c, cmd, argv)) return true;
    const queue = c.multi;
    if (queue === null || cmd.fullName !== 'exec') return false;
    for (let i = 0; i < queue.length; i++) if (writes(c, queue[i].cmd, queue[i].argv)) return true;
    return false;
  }

  /**
   * Recomputes the pause in force (Redis's updateClientPauseTypeAndEndTime): purposes whose
   * time has passed are dropped; when the result is less restrictive than before, the postponed
   * clients are let go (they try their commands again).
   */
  private update(): void {
    const before = this.type;
    const now = this.server.clock.now();
    let type: PauseType = PAUSE_OFF;
    for (const [purpose, p] of this.purposes) {
      if (p.end < now) this.purposes.delete(purpose);
      else if (p.type > type) type = p.type;
    }
    let end = 0;
    for (const p of this.purposes.values()) if (p.type === type && p.end > end) end = p.end;
    this.type = type;
    this.end = end;
    if (type < before) this.server.blocking.releasePostponed();
  }
}

/**
 * Whether the script a command runs may write, from its flags (a shebang's, a function's), as
 * Redis's evalGetCommandFlags/fcallGetCommandFlags; null when the command is no script call or the
 * script declares no flags (the command's own flags apply). Set by scripting.
 */
export type ScriptWrites = (c: Client, cmd: Command, argv: string[]) => boolean | null;
let scriptWrites: ScriptWrites = () => null;

export function setScriptWrites(f: ScriptWrites): void {
  scriptWrites = f;
}

/** Whether the script a command runs declares it may write (null: no script, or no flags). */
export function scriptMayWrite(c: Client, cmd: Command, argv: string[]): boolean | null {
  return scriptWrites(c, cmd, argv);
}

/** A write for CLIENT PAUSE WRITE: a write command, one that may replicate, a script that may write. */
function writes(c: Client, cmd: Command, argv: string[]): boolean {
  if (cmd.mayReplicate) {
    const w = scriptWrites(c, cmd, argv);
    if (w !== null) return w;
  }
  return cmd.write || cmd.mayReplicate;
}
