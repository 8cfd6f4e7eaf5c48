/**
 * Cluster membership as Riak's claimant keeps it: members with a status, changes staged until
 * they are planned and committed, an epoch that orders versions of the ring, and partition
 * ownership spread over the valid members.
 */

export type MemberStatus = 'valid' | 'joining' | 'leaving' | 'exiting';

export interface Member {
  name: string;
  status: MemberStatus;
}

export type StagedAction = 'join' | 'leave' | 'remove';

export interface Staged {
  action: StagedAction;
  node: string;
}

/** A bucket type, cluster metadata carried with the ring (Riak keeps it in cluster metadata). */
export interface BucketType {
  active: boolean;
  props: Record<string, unknown>;
}

export interface Ring {
  /** Higher epochs win; only the claimant writes a new one. */
  epoch: number;
  /** Identifies a cluster: nodes of different clusters never adopt each other's rings. */
  clusterId: string;
  ringSize: number;
  members: Member[];
  staged: Staged[];
  /** Bucket types besides `default` (which always exists and is active). */
  types?: Record<string, BucketType>;
}

export class RingError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'RingError';
  }
}

export function standalone(name: string, ringSize: number, clusterId: string): Ring {
  return { epoch: 1, clusterId, ringSize, members: [{ name, status: 'valid' }], staged: [] };
}

export function memberOf(ring: Ring, name: string): Member | undefined {
  return ring.members.find((m) => m.name === name);
}

/** The claimant: the first valid member by name (every node computes the same). */
export function claimant(ring: Ring): string | undefined {
  return validMembers(ring)[0];
}

/** The valid members, sorted: they own the partitions, and the first is the claimant. */
function validMembers(ring: Ring): string[] {
  return ring.members
    .filter((m) => m.status === 'valid')
    .map((m) => m.name)
    .sort();
}

/** The owner of each partition, round-robin over the valid members (none without members). */
function partitionOwners(ring: Ring): string[] {
  const owners = validMembers(ring);
  if (owners.length === 0) return [];
  return Array.from({ length: ring.ringSize }, (_, p) => owners[p % owners.length]);
}

/** Members that hold data and take part in reads and writes. */
export function replicas(ring: Ring): string[] {
  return ring.members
    .filter((m) => m.status === 'valid' || m.status === 'leaving')
    .map((m) => m.name)
    .sort();
}

/** Partitions owned by each member: spread round-robin over the valid members. */
export function ownership(ring: Ring): Map<string, number> {
  const out = new Map<string, number>(ring.members.map((m) => [m.name, 0]));
  for (const o of partitionOwners(ring)) out.set(o, (out.get(o) ?? 0) + 1);
  return out;
}

/** Stages a change (on the claimant); the same change twice is refused as Riak does. */
export function stage(ring: Ring, change: Staged): Ring {
  const member = memberOf(ring, change.node);
  if (ring.staged.some((s) => s.node === change.node))
    throw new RingError(`${change.node} already has a staged change`);
  if (change.action === 'join') {
    if (member) throw new RingError(`Node ${change.node} is already a member of this cluster`);
    return {
      ...ring,
      epoch: ring.epoch + 1,
      members: [...ring.members, { name: change.node, status: 'joining' }],
      staged: [...ring.staged, change],
    };
  }
  if (!member || member.status === 'joining')
    throw new RingError(`${change.node} is not a member of the cluster`);
  if (change.action === 'leave') {
    if (member.status !== 'valid') throw new RingError(`${change.node} is already leaving`);
    if (replicas(ring).filter((n) => n !== change.node).length === 0)
      throw new RingError(`${change.node} is the only member: it cannot leave`);
  }
  if (change.action === 'remove' && ring.members.filter((m) => m.name !== change.node).length === 0)
    throw new RingError(`${change.node} is the only member: it cannot be removed`);
  return { ...ring, epoch: ring.epoch + 1, staged: [...ring.staged, change] };
}

/** Drops every staged change (staged joins leave the member list). */
export function clear(ring: Ring): Ring {
  const joining = new Set(ring.staged.filter((s) => s.action === 'join').map((s) => s.node));
  return {
    ...ring,
    epoch: ring.epoch + 1,
    members: ring.members.filter((m) => !(joining.has(m.name) && m.status === 'joining')),
    staged: [],
  };
}

/** Applies the staged changes: joins become valid, leaves start leaving, removes are dropped. */
export function commit(ring: Ring): Ring {
  if (ring.staged.length === 0) throw new RingError('There are no staged changes');
  let members = ring.members.map((m) => ({ ...m }));
  for (const s of ring.staged) {
    if (s.action === 'join')
      members = members.map((m) => (m.name === s.node ? { ...m, status: 'valid' } : m));
    if (s.action === 'leave')
      members = members.map((m) => (m.name === s.node ? { ...m, status: 'leaving' } : m));
    if (s.action === 'remove') members = members.filter((m) => m.name !== s.node);
  }
  return { ...ring, epoch: ring.epoch + 1, members, staged: [] };
}

/** A leaving member finished handing off: it leaves the ring. */
export function removeMember(ring: Ring, name: string): Ring {
  return { ...ring, epoch: ring.epoch + 1, members: ring.members.filter((m) => m.name !== name) };
}

/** Properties a bucket type cannot change once active, as in Riak. */
const IMMUTABLE_TYPE_PROPS = ['datatype', 'consistent', 'write_once'];

/** `riak-admin bucket-type create|activate|update` on the claimant's ring. */
export function changeType(
  ring: Ring,
  action: 'create' | 'activate' | 'update',
  name: string,
  props: Record<string, unknown> = {},
): Ring {
  const types = { ...(ring.types ?? {}) };
  const current = name === 'default' ? { active: true, props: {} } : types[name];
  switch (action) {
    case 'create':
      if (current)
        throw new RingError(
          `Error creating bucket type ${name}:\n${current.active ? 'already_active' : 'already_created'}`,
        );
      types[name] = { active: false, props };
      break;
    case 'activate':
      if (!current) throw new RingError(`${name} is not an existing bucket type`);
      if (current.active) throw new RingError(`${name} is already active`);
      types[name] = { ...current, active: true };
      break;
    case 'update': {
      if (!current) throw new RingError(`${name} is not an existing bucket type`);
      if (name === 'default')
        throw new RingError(
          `Error updating bucket type ${name}:\nthe dev node keeps the default type's properties`,
        );
      const changed = IMMUTABLE_TYPE_PROPS.filter(
        (p) => p in props && JSON.stringify(props[p]) !== JSON.stringify(current.props[p]),
      );
      if (current.active && changed.length)
        throw new RingError(
          `Error updating bucket type ${name}:\n[${changed.map((p) => `{${p},cannot_modify_${p}}`).join(',')}]`,
        );
      types[name] = { ...current, props: { ...current.props, ...props } };
      break;
    }
  }
  return { ...ring, epoch: ring.epoch + 1, types };
}

/** Whether requests may use a bucket type: `default`, or one created and activated. */
export function typeActive(ring: Ring, name: string): boolean {
  return name === 'default' || ring.types?.[name]?.active === true;
}

/** Whether `incoming` should replace `current`. */
export function newer(incoming: Ring, current: Ring): boolean {
  return incoming.clusterId === current.clusterId && incoming.epoch > current.epoch;
}

// ---- Riak-shaped text output ------------------------------------------------------------

const RULE = '-'.repeat(79);

function banner(title: string): string {
  const t = ` ${title} `;
  const left = Math.floor((79 - t.length) / 2);
  return '='.repeat(left) + t + '='.repeat(79 - left - t.length);
}

const pct = (owned: number, size: number) => `${((100 * owned) / size).toFixed(1)}%`;

export function formatMemberStatus(ring: Ring): string {
  const own = ownership(ring);
  const rows = [...ring.members]
    .sort((a, b) => a.name.localeCompare(b.name))
    .map(
      (m) =>
        `${m.status.padEnd(10)} ${pct(own.get(m.name) ?? 0, ring.ringSize).padStart(6)}      --      '${m.name}'`,
    );
  const count = (s: MemberStatus) => ring.members.filter((m) => m.status === s).length;
  return [
    banner('Membership'),
    'Status     Ring    Pending    Node',
    RULE,
    ...rows,
    RULE,
    `Valid:${count('valid')} / Leaving:${count('leaving')} / Exiting:${count('exiting')} / Joining:${count('joining')} / Down:0`,
    '',
  ].join('\n');
}

export function formatPlan(ring: Ring): string {
  if (ring.staged.length === 0) return 'There are no staged changes\n';
  const after = commit(ring);
  const own = ownership(after);
  return [
    banner('Staged Changes'),
    'Action         Details(s)',
    RULE,
    ...ring.staged.map((s) => `${s.action.padEnd(14)} '${s.node}'`),
    RULE,
    '',
    '',
    'NOTE: Applying these changes will result in 1 cluster transition',
    '',
    '###############################################################################',
    '                         After cluster transition 1/1',
    '###############################################################################',
    '',
    formatMemberStatus(after).trimEnd(),
    '',
    `Partitions reassigned: ${[...own.values()].reduce((a, b) => a + b, 0)}`,
    '',
  ].join('\n');
}

export function formatRingStatus(ring: Ring, down: string[]): string {
  const leaving = ring.members.filter((m) => m.status === 'leaving');
  return [
    banner('Claimant'),
    `Claimant:  '${claimant(ring) ?? 'undefined'}'`,
    `Status:     ${down.includes(claimant(ring) ?? '') ? 'down' : 'up'}`,
    `Ring Ready: ${down.length === 0}`,
    '',
    banner('Ownership Handoff'),
    leaving.length === 0
      ? 'No pending changes.'
      : leaving.map((m) => `Owner: '${m.name}' (leaving, handing off)`).join('\n'),
    '',
    banner('Unreachable Nodes'),
    down.length === 0
      ? 'All nodes are up and reachable'
      : `The following nodes are unreachable: [${down.map((d) => `'${d}'`).join(',')}]`,
    '',
  ].join('\n');
}

/** Riak's partition indices (`i × 2^160 / ring size`) owned by `name`, in ring order. */
export function partitionsOf(ring: Ring, name: string): bigint[] {
  const step = 2n ** 160n / BigInt(ring.ringSize);
  return partitionOwners(ring).flatMap((o, p) => (o === name ? [BigInt(p) * step] : []));
}

/**
 * `riak-admin aae-status` as Riak prints it, for this node's partitions. The dev node keeps no
 * hash trees and runs no exchanges (it repairs on read), so every exchange and tree reads `--`
 * and no keys were repaired, which is what Riak shows with active anti-entropy off.
 */
export function formatAaeStatus(ring: Ring, name: string): string {
  const rule = '-'.repeat(79);
  const title = (t: string) => {
    const pad = 79 - t.length - 2;
    return `${'='.repeat(Math.floor(pad / 2))} ${t} ${'='.repeat(Math.ceil(pad / 2))}`;
  };
  const parts = partitionsOf(ring, name).map(String);
  return [
    title('Exchanges'),
    `${'Index'.padEnd(51)}${'Last (ago)'.padEnd(14)}All (ago)`,
    rule,
    ...parts.map((p) => `${p.padEnd(51)}${'--'.padEnd(14)}--`),
    '',
    title('Entropy Trees'),
    `${'Index'.padEnd(51)}Built (ago)`,
    rule,
    ...parts.map((p) => `${p.padEnd(51)}--`),
    '',
    title('Keys Repaired'),
    `${'Index'.padEnd(53)}${'Last'.padStart(4)}${'Mean'.padStart(10)}${'Max'.padStart(9)}`,
    rule,
    ...parts.map((p) => `${p.padEnd(53)}${'0'.padStart(4)}${'0'.padStart(10)}${'0'.padStart(9)}`),
    '',
  ].join('\n');
}
