/**
 * riak-admin's text output, laid out as Riak KV 3.2 prints it (riak_core_console, riak_kv_console
 * and clique), checked line by line against a real node's output by golden.test.ts. Each function
 * returns the text without the trailing `ok`/`error` line, which the caller prints.
 */
import type { Ring } from './ring';
import {
  byName,
  claimant,
  currentOwners,
  futureOwnership,
  hasPendingChanges,
  ownership,
  partitionIndex,
  partitionsOf,
  pendingTransfers,
  planTransitions,
  replicasDistinct,
} from './ring';

/**
 * Where riak-local knowingly prints something else than Riak, because the executor's parsers
 * (apps/executor/src/riak-admin.ts) read the other form. Riak 3.2 prints member-status' node
 * names bare (`riak@127.0.0.1`); parseMemberStatus only matches them quoted. When the parser takes
 * both, set this to false; golden.test.ts then holds riak-local to Riak's form.
 */
export const EXECUTOR_COMPAT = {
  quoteMemberStatusNames: true,
  /**
   * Riak answers a refused `cluster commit` (nothing planned, plan changed) with its message and
   * `ok`, exit 0; the executor's plan-and-commit retries only on a failure, so riak-local says
   * `error` and exits 1.
   */
  commitRefusalFails: true,
};

/** An Erlang atom as `~p` prints a node name: quoted (node names have `@` and `.`). */
export const atom = (name: string): string => `'${name.replace(/'/g, "\\'")}'`;

/** An Erlang list of node names as `~p` prints it: `['a@h','b@h']`. */
export const atomList = (names: string[]): string => `[${names.map(atom).join(',')}]`;

const RULE = '-'.repeat(79);

/** Erlang's string:centre: the text in the middle of `width`, the odd space on the right. */
export function centre(text: string, width: number, fill = ' '): string {
  if (text.length >= width) return text;
  const left = Math.floor((width - text.length) / 2);
  return fill.repeat(left) + text + fill.repeat(width - text.length - left);
}

const banner = (title: string) => centre(` ${title} `, 79, '=');

/** `~5.1f` of a share of the ring, in percent. */
const pct = (owned: number, size: number) => ((100 * owned) / size).toFixed(1).padStart(5);

const STATUS_ORDER = ['exiting', 'joining', 'leaving', 'valid'];

/** `riak-admin member-status` (also the body of each plan transition). */
export function formatMemberStatus(ring: Ring): string {
  const now = ownership(ring);
  const next = futureOwnership(ring);
  const pending = hasPendingChanges(ring);
  const name = (n: string) => (EXECUTOR_COMPAT.quoteMemberStatusNames ? atom(n) : n);
  // Riak sorts the rows by status (as atoms), then by name.
  const rows = [...ring.members]
    .sort(
      (a, b) =>
        STATUS_ORDER.indexOf(a.status) - STATUS_ORDER.indexOf(b.status) || byName(a.name, b.name),
    )
    .map((m) => {
      const ringPct = `${m.status.padEnd(8)}  ${pct(now.get(m.name) ?? 0, ring.ringSize)}%`;
      return pending
        ? `${ringPct}    ${pct(next.get(m.name) ?? 0, ring.ringSize)}%    ${name(m.name)}`
        : `${ringPct}      --      ${name(m.name)}`;
    });
  const n = (s: string) => ring.members.filter((m) => m.status === s).length;
  return [
    banner('Membership'),
    'Status     Ring    Pending    Node',
    RULE,
    ...rows,
    RULE,
    `Valid:${n('valid')} / Leaving:${n('leaving')} / Exiting:${n('exiting')} / Joining:${n('joining')} / Down:0`,
  ].join('\n');
}

/** Counts of `[from, to]` pairs, in Erlang term order. */
function tally(pairs: [string, string][]): [string, string, number][] {
  const out = new Map<string, [string, string, number]>();
  for (const [a, b] of pairs) {
    const k = `${a}\u0000${b}`;
    out.set(k, [a, b, (out.get(k)?.[2] ?? 0) + 1]);
  }
  return [...out.values()].sort((x, y) => byName(x[0], y[0]) || byName(x[1], y[1]));
}

/** `riak-admin cluster plan`. */
export function formatPlan(ring: Ring): string {
  if (ring.staged.length === 0) return 'There are no staged changes';
  const label = { join: 'join', leave: 'leave', remove: 'force-remove' };
  const removed = ring.staged.filter((s) => s.action === 'remove').map((s) => s.node);
  const rings = planTransitions(ring);
  const out = [
    banner('Staged Changes'),
    'Action         Details(s)',
    RULE,
    ...ring.staged.map((s) => `${label[s.action].padEnd(15)}${atom(s.node)}`),
    RULE,
    '',
    ...removed.map((n) => `WARNING: All of ${atom(n)} replicas will be lost`),
    '',
    `NOTE: Applying these changes will result in ${rings.length} cluster transition${rings.length === 1 ? '' : 's'}`,
    '',
  ];
  let before = ring;
  rings.forEach((next, i) => {
    out.push('#'.repeat(79), `${' '.repeat(24)} After cluster transition ${i + 1}/${rings.length}`);
    out.push('#'.repeat(79), '', formatMemberStatus(next), '');
    if (!replicasDistinct(next))
      out.push('WARNING: Not all replicas will be on distinct nodes', '');
    const was = currentOwners(before);
    const reassigned = tally(
      currentOwners(next).flatMap((o, p): [string, string][] =>
        removed.includes(was[p]) && o !== was[p] ? [[was[p], o]] : [],
      ),
    );
    if (reassigned.length) {
      const total = reassigned.reduce((s, r) => s + r[2], 0);
      out.push(`Partitions reassigned from cluster changes: ${total}`);
      for (const [a, b, k] of reassigned)
        out.push(`  ${k} reassigned from ${atom(a)} to ${atom(b)}`);
      out.push('');
    }
    const transfers = tally(pendingTransfers(next).map(([, a, b]): [string, string] => [a, b]));
    if (transfers.length) {
      const total = transfers.reduce((s, r) => s + r[2], 0);
      out.push(`Transfers resulting from cluster changes: ${total}`);
      for (const [a, b, k] of transfers) out.push(`  ${k} transfers from ${atom(a)} to ${atom(b)}`);
      out.push('');
    }
    before = next;
  });
  return out.join('\n');
}

/** What ring-status and cluster status need besides the ring. */
export interface ClusterView {
  ring: Ring;
  /** Members that did not answer. */
  down: string[];
  /** Whether every member that answered has this node's version of the ring. */
  ringReady: boolean;
}

const UNREACHABLE_WARNING = [
  'WARNING: The cluster state will not converge until all nodes',
  'are up. Once the above nodes come back online, convergence',
  'will continue. If the outages are long-term or permanent, you',
  'can either mark the nodes as down (riak-admin down NODE) or',
  'forcibly remove the nodes from the cluster (riak-admin',
  'force-remove NODE) to allow the remaining nodes to settle.',
];

/** `riak-admin ring-status`. */
export function formatRingStatus({ ring, down, ringReady }: ClusterView): string {
  const c = claimant(ring);
  const claimantDown = c === undefined || down.includes(c);
  const out = [
    banner('Claimant'),
    `Claimant:  ${c ? atom(c) : 'undefined'}`,
    ...(claimantDown
      ? ['Status:     down', 'Ring Ready: unknown']
      : ['Status:     up', `Ring Ready: ${ringReady}`]),
    '',
    banner('Ownership Handoff'),
  ];
  const groups = new Map<string, { owner: string; next: string; indices: bigint[] }>();
  for (const [p, owner, next] of pendingTransfers(ring)) {
    const k = `${owner}\u0000${next}`;
    const g = groups.get(k) ?? { owner, next, indices: [] };
    g.indices.push(partitionIndex(ring, p));
    groups.set(k, g);
  }
  if (groups.size === 0) out.push('No pending changes.');
  const sorted = [...groups.values()].sort(
    (a, b) => byName(a.owner, b.owner) || byName(a.next, b.next),
  );
  for (const g of sorted) {
    out.push(`Owner:      ${g.owner}`, `Next Owner: ${g.next}`);
    const gone = [g.owner, g.next].filter((n) => down.includes(n));
    if (gone.length) {
      out.push('', ...gone.map((n) => `!!! ${n} is DOWN !!!`), '');
      out.push(...g.indices.map((i) => `Index: ${i}`));
    } else
      for (const i of g.indices)
        out.push('', `Index: ${i}`, '  Waiting on: [riak_kv_vnode,riak_pipe_vnode]');
    out.push('', RULE);
  }
  out.push('', banner('Unreachable Nodes'));
  if (down.length === 0) out.push('All nodes are up and reachable', '');
  else
    out.push(`The following nodes are unreachable: ${atomList(down)}`, '', ...UNREACHABLE_WARNING);
  return out.join('\n');
}

/** clique's table: every cell centred in its column, the columns as wide as their widest cell. */
function table(header: string[], rows: string[][]): string[] {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const line = `+${widths.map((w) => '-'.repeat(w)).join('+')}+`;
  const row = (cells: string[]) => `|${cells.map((c, i) => centre(c, widths[i])).join('|')}|`;
  return [line, row(header), line, ...rows.map(row), line];
}

/** `riak-admin cluster status`. */
export function formatClusterStatus({ ring, down, ringReady }: ClusterView): string {
  const c = claimant(ring);
  const now = ownership(ring);
  const next = futureOwnership(ring);
  const pending = hasPendingChanges(ring);
  const rows = [...ring.members]
    .sort((a, b) => byName(a.name, b.name))
    .map((m) => [
      `${m.name === c ? ' (C) ' : '     '}${m.name} `,
      m.status,
      down.includes(m.name) ? ' down! ' : '  up   ',
      pct(now.get(m.name) ?? 0, ring.ringSize),
      pending ? pct(next.get(m.name) ?? 0, ring.ringSize) : '  --   ',
    ]);
  return [
    '---- Cluster Status ----',
    `Ring ready: ${ringReady}`,
    '',
    ...table(['node', 'status', 'avail', 'ring', 'pending'], rows),
    '',
    "Key: (C) = Claimant; availability marked with '!' is unexpected",
  ].join('\n');
}

/** `riak-admin ringready`: the text, and whether it is Riak's `ok` or `error`. */
export function formatRingReady(ring: Ring, down: string[], disagree?: [string, string]) {
  if (down.length)
    return {
      ok: false,
      text: `FALSE ${atomList(down)} down.  All nodes need to be up to check.`,
    };
  if (disagree)
    return {
      ok: false,
      text: `FALSE Node ${atom(disagree[0])} and ${atom(disagree[1])} list different partition owners`,
    };
  const names = ring.members.map((m) => m.name).sort(byName);
  return { ok: true, text: `TRUE All nodes agree on the ring ${atomList(names)}` };
}

/** One running transfer, as `riak-admin transfers` shows it. */
export interface TransferView {
  type: 'ownership_transfer' | 'hinted_handoff';
  from: string;
  to: string;
  /** Riak's index of the (first) partition being moved. */
  partition: string;
  startedAt: number;
  lastUpdate?: number;
  objects: number;
  bytes: number;
  /** Objects to move, when known. */
  total?: number;
}

/** What `riak-admin transfers` gathers from the members. */
export interface TransfersView {
  down: string[];
  /** Partitions each member that answered still has to hand off. */
  waiting: [string, number][];
  active: TransferView[];
}

const stamp = (ms: number) => new Date(ms).toISOString().slice(0, 19).replace('T', ' ');

/** riak_core_format's human_time_fmt("~.2f"): a duration with its unit. */
function ago(ms: number): string {
  if (ms < 1) return `${(ms * 1000).toFixed(2)} us`;
  if (ms < 1000) return `${ms.toFixed(2)} ms`;
  if (ms < 60000) return `${(ms / 1000).toFixed(2)} s`;
  if (ms < 3600000) return `${(ms / 60000).toFixed(2)} min`;
  return `${(ms / 3600000).toFixed(2)} hr`;
}

/** riak_core_format's human_size_fmt("~.2f"). */
function size(bytes: number): string {
  const units = ['B', 'KB', 'MB', 'GB', 'TB'];
  let v = bytes;
  let u = 0;
  while (v >= 1024 && u < units.length - 1) {
    v /= 1024;
    u++;
  }
  return `${v.toFixed(2)} ${units[u]}`;
}

/** The block riak_core prints for one active transfer (its v2 status and stats). */
function transferBlock(t: TransferView, now: number): string[] {
  const secs = Math.max((now - t.startedAt) / 1000, 0.001);
  const done = t.total ? Math.min(t.objects / t.total, 1) : undefined;
  const bar =
    done === undefined
      ? `|${'='.repeat(43)}| N/A%`
      : `|${'='.repeat(Math.trunc(done * 43))}${' '.repeat(43 - Math.trunc(done * 43))}| ${String(Math.trunc(done * 100)).padStart(3)}%`;
  const arrow = `${centre(t.from, 25)} ${' =======> '} ${centre(t.to, 25)}`;
  return [
    `transfer type: ${t.type}`,
    'vnode type: riak_kv_vnode',
    `partition: ${t.partition}`,
    `started: ${stamp(t.startedAt)} [${ago(now - t.startedAt)} ago]`,
    t.lastUpdate === undefined
      ? 'last update: no updates seen'
      : `last update: ${stamp(t.lastUpdate)} [${ago(now - t.lastUpdate)} ago]`,
    `total size: ${t.total === undefined ? 'unknown' : `${t.total} objects`}`,
    `objects transferred: ${t.objects}`,
    '',
    centre(`${Math.round(t.objects / secs)} Objs/s`, arrow.length),
    arrow,
    centre(`     ${bar}`, arrow.length),
    centre(`${size(t.bytes / secs)}/s`, arrow.length),
    '',
  ];
}

/** `riak-admin transfers`. */
export function formatTransfers(v: TransfersView, now = Date.now()): string {
  const waiting = v.waiting
    .filter(([, n]) => n > 0)
    .sort((a, b) => byName(a[0], b[0]))
    .map(([node, n]) => `${atom(node)} waiting to handoff ${n} partitions`);
  return [
    ...(v.down.length ? [`Nodes ${atomList(v.down)} are currently down.`] : []),
    ...(waiting.length ? waiting : ['No transfers active']),
    '',
    'Active Transfers:',
    '',
    ...v.active.flatMap((t) => transferBlock(t, now)),
    '',
    ...v.down.map((n) => `Node ${atom(n)} could not be contacted`),
  ].join('\n');
}

/** `riak-admin aae-status` for `name`'s partitions, with no exchanges and no trees. */
export function formatAaeStatus(ring: Ring, name: string): string {
  const parts = partitionsOf(ring, name).map(String);
  const c8 = (s: string) => centre(s, 8);
  return [
    banner('Exchanges'),
    `${'Index'.padEnd(49)}  ${'Last (ago)'.padEnd(12)}  ${'All (ago)'.padEnd(12)}`,
    RULE,
    ...parts.map((p) => `${p.padEnd(49)}  ${'--'.padEnd(12)}  ${'--'.padEnd(12)}`),
    '',
    banner('Entropy Trees'),
    `${'Index'.padEnd(49)}  Built (ago)`,
    RULE,
    ...parts.map((p) => `${p.padEnd(49)}  --`),
    '',
    banner('Keys Repaired'),
    `${'Index'.padEnd(49)}  ${c8('Last')}  ${c8('Mean')}  ${c8('Max')}`,
    RULE,
    ...parts.map((p) => `${p.padEnd(49)}  ${c8('0')}  ${c8('0')}  ${c8('0')}`),
  ].join('\n');
}

/** `riak-admin services` and wait-for-service: an Erlang list of atoms, `[riak_kv,riak_pipe]`. */
export const serviceList = (services: string[]): string => `[${services.join(',')}]`;
