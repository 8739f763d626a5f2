// Protected actions: DEBUG, MODULE and changes to protected configs are allowed by their
// enable-* option: "yes" always, "local" from local connections only, "no" never (Redis's
// allowProtectedAction).

import type { Client } from './client.js';

/** Redis's islocalClient: a unix socket, a loopback peer, or a client without a connection. */
export function isLocalClient(c: Client): boolean {
  if (!c.socket || c.isUnixSocket) return true;
  const host = c.addr.slice(0, c.addr.lastIndexOf(':'));
  return host === '127.0.0.1' || host === '::1';
}

/** Redis's allowProtectedAction: setting is the value of enable-debug-command (and friends). */
export function allowProtectedAction(c: Client, setting: string): boolean {
  return setting === 'yes' || (setting === 'local' && isLocalClient(c));
}

/** The rejection of a protected command (DEBUG, MODULE) its option does not allow. */
export function errProtectedCommand(command: string, option: string): string {
  return (
    `ERR ${command} command not allowed. If the ${option} option is set to "local", you can run it from a local ` +
    'connection, otherwise you need to set this option in the configuration file, and then restart the server.'
  );
}
