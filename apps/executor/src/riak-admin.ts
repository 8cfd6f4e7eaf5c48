/** Parsers of riak-admin's text output (Riak's format, so they work with real Riak too). */

export interface MemberRow {
  name: string;
  status: string;
  ring: string;
  pendingRing?: string;
}

export function parseMemberStatus(text: string): MemberRow[] {
  const out: MemberRow[] = [];
  for (const line of text.split('\n')) {
    // Riak 2.x quotes the node name ('riak@host'); 3.x prints it bare.
    const m = /^\s*(valid|leaving|exiting|joining|down)\s+(\S+)\s+(\S+)\s+'?([^'\s]+)'?\s*$/.exec(
      line,
    );
    if (m)
      out.push({
        status: m[1],
        ring: m[2],
        ...(m[3] !== '--' ? { pendingRing: m[3] } : {}),
        name: m[4],
      });
  }
  return out;
}

export function parseRingReady(text: string): boolean {
  return /^\s*TRUE\b/m.test(text);
}

/**
 * Whether transfers are still going on (`riak-admin transfers`): a node waiting to hand off, or
 * an entry under `Active Transfers:` (not a member that could not be contacted, which 3.x lists
 * there when a member is down).
 */
export function transfersActive(text: string): boolean {
  if (/waiting to handoff/.test(text)) return true;
  const active = (text.split(/Active Transfers:/)[1] ?? '')
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l !== '' && l !== 'ok' && !/could not be contacted$/.test(l));
  return active.length > 0;
}

/** `cluster commit` committed: Riak 3.x refuses with a message, `ok` and exit status 0. */
export function committed(text: string): boolean {
  return /Cluster changes committed/.test(text);
}

/**
 * Riak 3.x ends every admin command's output with a line `ok` or `error` (or an `{error,…}` term);
 * its exit status is not always non-zero on an error. A result fails when either says so; the trailer is not part of the
 * text shown to people.
 */
export function adminOutcome(out: string, code: number | null): { ok: boolean; text: string } {
  const lines = out.replace(/\s+$/, '').split('\n');
  const last = lines.at(-1)?.trim() ?? '';
  // Some commands end with an Erlang error term instead (`bucket-type status nosuch` ends with
  // `{error,undefined}` and exits 0).
  const trailer =
    last === 'ok' ? 'ok' : last === 'error' || /^\{error,.*\}$/.test(last) ? 'error' : undefined;
  const text = (trailer ? lines.slice(0, -1) : lines).join('\n').replace(/\s+$/, '');
  return { ok: code === 0 && trailer !== 'error', text };
}

/** `wait-for-service`: `riak_kv is up` (3.x answers at once, `riak_kv is not up: []` before). */
export function serviceUp(out: string, service: string): boolean {
  return new RegExp(`^${service} is up\\b`, 'm').test(out);
}

/** Cuttlefish's own messages from its output: the `[error]` lines, without their timestamps. */
export function cuttlefishErrors(out: string): string[] {
  return (
    out
      .split('\n')
      .map((l) => /\[error\]\s*(.*)$/.exec(l)?.[1]?.trim())
      // "Did you mean one of these?" is followed by one setting name a line: suggestions, not errors.
      .filter((m): m is string => Boolean(m) && /\s/.test(m!) && !/^Did you mean/.test(m!))
      .filter((m, i, all) => all.indexOf(m) === i)
  );
}
