// Polling for what happens asynchronously (a replica applying the stream, a failover).

/** Runs check until it passes, every 50 ms; rethrows its last failure after timeoutMs. */
export async function eventually(check: () => Promise<void>, timeoutMs = 10000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      await check();
      return;
    } catch (e) {
      if (Date.now() > deadline) throw e;
      await new Promise((r) => setTimeout(r, 50));
    }
  }
}
