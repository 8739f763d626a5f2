// Configuration: every redis.conf directive with its default, CONFIG GET/SET, units.
// (Minimal first version; validation per parameter type is filled in by the config module work.)

import { readFileSync } from 'node:fs';

export type ConfigListener = (value: string) => void;

function dataPath(file: string): URL {
  return new URL(`../../../data/${file}`, import.meta.url);
}

/** Parses a memory amount with Redis's units (1k = 1000, 1kb = 1024 …); null if malformed. */
export function parseMemory(s: string): number | null {
  const m = /^(-?\d+)(k|kb|m|mb|g|gb)?$/i.exec(s);
  if (!m) return null;
  const n = Number(m[1]);
  const unit = (m[2] ?? '').toLowerCase();
  const mul: Record<string, number> = { '': 1, k: 1000, kb: 1024, m: 1e6, mb: 1024 ** 2, g: 1e9, gb: 1024 ** 3 };
  return n * mul[unit];
}

export class Config {
  private values = new Map<string, string>();
  private listeners = new Map<string, ConfigListener[]>();

  constructor() {
    const defaults = JSON.parse(readFileSync(dataPath('config-defaults.json'), 'utf8')) as Record<string, string>;
    for (const [k, v] of Object.entries(defaults)) this.values.set(k, v);
    // The reference was read off a server started with these set on the command line.
    this.values.set('port', '6379');
    this.values.set('save', '3600 1 300 100 60 10000');
    this.values.set('dir', process.cwd());
  }

  has(name: string): boolean {
    return this.values.has(name.toLowerCase());
  }

  get(name: string): string {
    const v = this.values.get(name.toLowerCase());
    if (v === undefined) throw new Error(`unknown config parameter ${name}`);
    return v;
  }

  num(name: string): number {
    return Number(this.get(name));
  }

  bool(name: string): boolean {
    return this.get(name) === 'yes';
  }

  /** Sets a value; returns an error message or null. */
  set(name: string, value: string): string | null {
    const key = name.toLowerCase();
    if (!this.values.has(key)) return `Unknown option or number of arguments for CONFIG SET - '${name}'`;
    this.values.set(key, value);
    for (const fn of this.listeners.get(key) ?? []) fn(value);
    return null;
  }

  /** Calls fn whenever the parameter changes. */
  onChange(name: string, fn: ConfigListener): void {
    const list = this.listeners.get(name) ?? [];
    list.push(fn);
    this.listeners.set(name, list);
  }

  names(): string[] {
    return [...this.values.keys()];
  }
}
