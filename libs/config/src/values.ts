import { readFileSync, statSync } from 'node:fs';
import { z } from 'zod';
import type { TextReader } from './settings';

/** Reads the text as JSON (constraints, package lists, …). */
export const json: TextReader = (text, from) => {
  try {
    return JSON.parse(text) as unknown;
  } catch (err) {
    throw new Error(`${from} is not valid JSON: ${(err as Error).message}`);
  }
};

/** Reads the text as the name of a file whose contents (trimmed) are the value (secrets). */
export function fileContents(what = 'file'): TextReader {
  return (path, from) => {
    try {
      return readFileSync(path, 'utf8').trim();
    } catch (err) {
      throw new Error(`cannot read the ${what} ${path} (${from}): ${(err as Error).message}`);
    }
  };
}

/**
 * Like `fileContents`, for secrets: the file must be readable by its owner only (no permission
 * for group or others, e.g. mode 0600 or 0400), or the value is refused.
 */
export function privateFileContents(what = 'secret file'): TextReader {
  const read = fileContents(what);
  return (path, from) => {
    let mode: number;
    try {
      mode = statSync(path).mode & 0o777;
    } catch (err) {
      throw new Error(`cannot read the ${what} ${path} (${from}): ${(err as Error).message}`);
    }
    if ((mode & 0o077) !== 0)
      throw new Error(
        `the ${what} ${path} (${from}) is open to other users (mode ${mode.toString(8).padStart(4, '0')}): make it readable by its owner only (chmod 600)`,
      );
    return read(path, from);
  };
}

/** `true`/`false`, `1`/`0`, `yes`/`no`, `on`/`off` (any case) or a JSON boolean. */
export const bool = z.preprocess(
  (v) => {
    if (typeof v !== 'string') return v;
    const s = v.trim().toLowerCase();
    if (['true', '1', 'yes', 'on'].includes(s)) return true;
    if (['false', '0', 'no', 'off'].includes(s)) return false;
    return v;
  },
  z.boolean({ error: 'must be true or false' }),
);

function toInt(v: unknown): unknown {
  if (typeof v === 'string' && /^\s*-?\d+\s*$/.test(v)) return Number(v);
  return v;
}

/** A whole number from min to max, from text or JSON. */
export const int = (min: number, max: number) =>
  z.preprocess(
    toInt,
    z
      .number({ error: 'must be an integer' })
      .int('must be an integer')
      .min(min, `must be at least ${min}`)
      .max(max, `must be at most ${max}`),
  );

/** A TCP port, 0 to 65535. */
export const port = int(0, 65535);

const UNITS: Record<string, number> = { ms: 1, s: 1000, m: 60000, h: 3600000 };

/** `1500`, `1500ms`, `5s`, `3m`, `1h` to milliseconds; anything else is left for zod to reject. */
function toMs(v: unknown): unknown {
  if (typeof v !== 'string') return v;
  const m = /^\s*(\d+(?:\.\d+)?)\s*(ms|s|m|h)?\s*$/.exec(v);
  if (!m) return v;
  return Math.round(Number(m[1]) * UNITS[m[2] ?? 'ms']);
}

/** Milliseconds, or a number with `ms`, `s`, `m` or `h`, from min to max milliseconds. */
export const durationMs = (min: number, max = 24 * 3600000) =>
  z.preprocess(
    toMs,
    z
      .number({ error: 'must be a duration: milliseconds, or a number with ms, s, m or h' })
      .int()
      .min(min, `must be at least ${min} ms`)
      .max(max, `must be at most ${max} ms`),
  );

/** Host names, as a list or comma-separated (`'*'`: any host), for an API's Host check. */
export const hostNames = z
  .union([z.array(z.string()), z.string()])
  .transform((v) => (Array.isArray(v) ? v : v.split(',')).map((h) => h.trim()).filter((h) => h))
  .pipe(
    z.array(
      z.string().regex(/^(\*|[A-Za-z0-9_.-]+)$/, "must be host names (or '*'), comma-separated"),
    ),
  );
