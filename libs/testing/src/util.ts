import { randomBytes } from 'node:crypto';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** A chroot path unique to one test file or test, so that tests never see each other's data. */
export function uniqueChroot(prefix = 'test'): string {
  const safe = prefix.replace(/[^A-Za-z0-9_-]/g, '_');
  return `/${safe}-${Date.now().toString(36)}-${randomBytes(4).toString('hex')}`;
}

export function tempDir(prefix: string): Promise<string> {
  return mkdtemp(join(tmpdir(), `${prefix.replace(/[^A-Za-z0-9_-]/g, '_')}-`));
}

/** Polls `check` until it returns a truthy value (which is returned) or the time runs out. */
export async function waitFor<T>(
  check: () => T | Promise<T>,
  { timeoutMs = 10000, intervalMs = 50, what = 'condition' } = {},
): Promise<NonNullable<T>> {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  for (;;) {
    try {
      const value = await check();
      if (value) return value;
    } catch (err) {
      lastError = err;
    }
    if (Date.now() > deadline) {
      const why = lastError instanceof Error ? `: last error ${lastError.message}` : '';
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${why}`);
    }
    await new Promise((r) => setTimeout(r, intervalMs));
  }
}
