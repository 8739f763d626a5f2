// Honest start-up: directives nodis accepts (so redis.conf files and CONFIG SET work unchanged) but
// does not act on yet. Each one that would change the behaviour of a redis-server gets one warning
// at start-up and one on every CONFIG SET that gives it such a value, naming what is missing.

import type { Config } from './config.js';

interface InertFeature {
  /** The parameters whose CONFIG SET may call for the warning. */
  readonly params: readonly string[];
  /** The warning for the current configuration, or null when it asks for nothing missing. */
  warning(config: Config): string | null;
}

function tlsParams(config: Config): string[] {
  return config.names().filter((n) => n.startsWith('tls-') && config.primaryName(n) === n);
}

const FEATURES: readonly InertFeature[] = [
  {
    params: ['maxmemory', 'maxmemory-policy'],
    warning: (c) =>
      c.num('maxmemory') > 0 && c.get('maxmemory-policy') !== 'noeviction'
        ? `maxmemory ${c.get('maxmemory')} (maxmemory-policy ${c.get('maxmemory-policy')}): eviction is not ` +
          'implemented yet; nodis neither evicts keys nor refuses writes with OOM errors under this policy ' +
          '(only noeviction, which refuses them, is).'
        : null,
  },
  {
    params: ['maxmemory-clients'],
    warning: (c) =>
      c.isDefault('maxmemory-clients')
        ? null
        : `maxmemory-clients ${c.get('maxmemory-clients')}: client eviction is not implemented yet.`,
  },
  {
    params: ['cluster-enabled'],
    warning: (c) =>
      c.bool('cluster-enabled')
        ? 'cluster-enabled yes: Redis Cluster is not implemented yet; this server runs standalone ' +
          '(no cluster bus, no slots, no redirections).'
        : null,
  },
  {
    params: ['tls-*'],
    warning: (c) => {
      const set = tlsParams(c).filter((n) => !c.isDefault(n));
      if (set.length === 0) return null;
      return `${set.join(', ')}: TLS is not implemented yet; nodis listens for plain TCP connections only.`;
    },
  },
  {
    params: ['aclfile'],
    warning: (c) =>
      c.get('aclfile') === '' && c.userDirectives.length === 0
        ? null
        : `${c.get('aclfile') === '' ? 'user' : 'aclfile'}: ACL users are not implemented yet; only the ` +
          'default user exists (requirepass sets its password).',
  },
  {
    params: [],
    warning: (c) =>
      c.moduleDirectives.length === 0 ? null : 'loadmodule: Redis modules cannot be loaded by nodis; none was loaded.',
  },
  {
    params: ['syslog-enabled'],
    warning: (c) =>
      c.bool('syslog-enabled') ? 'syslog-enabled yes: logging to syslog is not implemented yet.' : null,
  },
  {
    params: ['supervised'],
    warning: (c) =>
      c.get('supervised') === 'no'
        ? null
        : `supervised ${c.get('supervised')}: notifying systemd or upstart is not implemented yet.`,
  },
  {
    params: ['oom-score-adj'],
    warning: (c) =>
      c.get('oom-score-adj') === 'no' ? null : `oom-score-adj ${c.get('oom-score-adj')}: not implemented yet.`,
  },
];

/** The warnings for the directives of this configuration that nodis does not act on yet. */
export function inertDirectiveWarnings(config: Config): string[] {
  const out: string[] = [];
  for (const f of FEATURES) {
    const w = f.warning(config);
    if (w !== null) out.push(w);
  }
  return out;
}

/**
 * Calls warn when a CONFIG SET gives such a directive a value nodis does not act on: once per
 * change of the warning's text, so one CONFIG SET of several parameters of a feature (maxmemory
 * and maxmemory-policy) warns once, as its listeners all see the final configuration.
 */
export function watchInertDirectives(config: Config, warn: (message: string) => void): void {
  for (const f of FEATURES) {
    let last = f.warning(config);
    const check = (): void => {
      const w = f.warning(config);
      if (w !== null && w !== last) warn(w);
      last = w;
    };
    for (const p of f.params) {
      for (const name of p === 'tls-*' ? tlsParams(config) : [p]) config.onChange(name, check);
    }
  }
}
