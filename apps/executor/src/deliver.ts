/** How long and how often an answer to the scheduler is tried again. */
export interface DeliverOptions {
  /** Give up after this long (from the first attempt). */
  deadlineMs: number;
  /** The first wait between attempts; it doubles up to `maxMs`. */
  initialMs?: number;
  maxMs?: number;
  /** Told about every failed attempt that will be tried again. */
  onRetry?: (error: Error, attempt: number, waitMs: number) => void;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * Sends something that may fail for a while (a framework message to an agent that is restarting
 * or briefly unreachable answers with a refused connection or 403 until the executor has
 * subscribed again): tried again with capped exponential backoff until it goes through or the
 * deadline passes. Never throws; answers whether it was delivered.
 */
export async function deliver(send: () => Promise<unknown>, o: DeliverOptions): Promise<boolean> {
  const start = Date.now();
  let wait = o.initialMs ?? 200;
  for (let attempt = 1; ; attempt++) {
    try {
      await send();
      return true;
    } catch (err) {
      const left = o.deadlineMs - (Date.now() - start);
      if (left <= 0) return false;
      const ms = Math.min(wait, left);
      o.onRetry?.(err instanceof Error ? err : new Error(String(err)), attempt, ms);
      await sleep(ms);
      wait = Math.min(wait * 2, o.maxMs ?? 5000);
    }
  }
}
