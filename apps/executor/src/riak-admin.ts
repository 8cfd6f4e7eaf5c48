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
    const m = /^\s*(valid|leaving|exiting|joining|down)\s+(\S+)\s+(\S+)\s+'([^']+)'\s*$/.exec(line);
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

/** Whether transfers are still going on (`riak-admin transfers`). */
export function transfersActive(text: string): boolean {
  if (/waiting to handoff/.test(text)) return true;
  const active = text.split(/Active Transfers:/)[1] ?? '';
  return active.trim().length > 0;
}
