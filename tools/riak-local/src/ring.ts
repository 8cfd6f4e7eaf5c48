/**
 * Cluster membership as Riak's claimant keeps it: members with a status, changes staged until
 * they are planned and committed, an epoch that orders versions of the ring, and partition
 * ownership: who owns each partition now and who will once pending transfers are done.
 */

export type MemberStatus = 'valid' | 'joining' | 'leaving' | 'exiting';

export interface Member {
  name: string;
  status: MemberStatus;
  /**
   * A committed join whose data transfer has not finished: the member is valid and will own
   * partitions (Riak's "Pending" column) but does not own any yet (its "Ring" column).
   */
  pending?: boolean;
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
  /** The claimant that wrote this version (the first member, until it stops being valid). */
  claimant?: string;
}

/** A refused request; `message` is what riak-admin prints (Riak's wording). */
export class RingError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'RingError';
  }
}

/** Riak sorts node names as atoms: by code point, so `riak2@…` comes before `riak@…`. */
export const byName = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

export function standalone(name: string, ringSize: number, clusterId: string): Ring {
  return {
    epoch: 1,
    clusterId,
    ringSize,
    members: [{ name, status: 'valid' }],
    staged: [],
    claimant: name,
  };
}

export function memberOf(ring: Ring, name: string): Member | undefined {
  return ring.members.find((m) => m.name === name);
}

/**
 * The claimant: as in Riak, the node that created the cluster for as long as it is a valid
 * member; then the first valid member by name (every node computes the same).
 */
export function claimant(ring: Ring): string | undefined {
  if (ring.claimant && memberOf(ring, ring.claimant)?.status === 'valid') return ring.claimant;
  return validMembers(ring)[0];
}

/** The valid members, sorted: they own the partitions once transfers are done. */
function validMembers(ring: Ring): string[] {
  return ring.members
    .filter((m) => m.status === 'valid')
    .map((m) => m.name)
    .sort(byName);
}

const roundRobin = (owners: string[], size: number): string[] =>
  owners.length === 0 ? [] : Array.from({ length: size }, (_, p) => owners[p % owners.length]);

/**
 * The owner of each partition now: valid members whose join transfer is done, and leaving
 * members until they have handed off (round-robin over them, sorted by name).
 */
export function currentOwners(ring: Ring): string[] {
  const owners = ring.members
    .filter((m) => (m.status === 'valid' && !m.pending) || m.status === 'leaving')
    .map((m) => m.name)
    .sort(byName);
  return roundRobin(owners.length ? owners : validMembers(ring), ring.ringSize);
}

/** The owner of each partition once every pending transfer is done: the valid members. */
export function nextOwners(ring: Ring): string[] {
  return roundRobin(validMembers(ring), ring.ringSize);
}

/** Whether some partition is still to change hands (Riak's pending changes). */
export function hasPendingChanges(ring: Ring): boolean {
  const now = currentOwners(ring);
  return nextOwners(ring).some((o, p) => o !== now[p]);
}

/** Partitions that change hands: `[index, current owner, next owner]`. */
export function pendingTransfers(ring: Ring): [number, string, string][] {
  const now = currentOwners(ring);
  return nextOwners(ring).flatMap((o, p): [number, string, string][] =>
    o !== now[p] ? [[p, now[p], o]] : [],
  );
}

/** Members that hold data and take part in reads and writes. */
export function replicas(ring: Ring): string[] {
  return ring.members
    .filter((m) => m.status === 'valid' || m.status === 'leaving')
    .map((m) => m.name)
    .sort(byName);
}

const count = (owners: string[], ring: Ring) => {
  const out = new Map<string, number>(ring.members.map((m) => [m.name, 0]));
  for (const o of owners) out.set(o, (out.get(o) ?? 0) + 1);
  return out;
};

/** Partitions owned by each member now. */
export function ownership(ring: Ring): Map<string, number> {
  return count(currentOwners(ring), ring);
}

/** Partitions each member will own once pending transfers are done. */
export function futureOwnership(ring: Ring): Map<string, number> {
  return count(nextOwners(ring), ring);
}

/** Riak's index of partition `p`: `p × 2^160 / ring size`. */
export function partitionIndex(ring: Ring, p: number): bigint {
  return BigInt(p) * (2n ** 160n / BigInt(ring.ringSize));
}

/** Riak's partition indices owned by `name` now, in ring order. */
export function partitionsOf(ring: Ring, name: string): bigint[] {
  return currentOwners(ring).flatMap((o, p) => (o === name ? [partitionIndex(ring, p)] : []));
}

/** Riak's claim target: preference lists of this many partitions should span distinct nodes. */
const TARGET_N_VAL = 4;

/** Whether every run of TARGET_N_VAL consecutive partitions has distinct next owners. */
export function replicasDistinct(ring: Ring): boolean {
  const owners = nextOwners(ring);
  return owners.every((_, p) => {
    const run = Array.from({ length: TARGET_N_VAL }, (_x, i) => owners[(p + i) % owners.length]);
    return new Set(run).size === Math.min(TARGET_N_VAL, owners.length);
  });
}

/**
 * Stages a change (on the claimant). Staging the same change again is accepted, as Riak does;
 * the messages of refusals are Riak's.
 */
export function stage(ring: Ring, change: Staged): Ring {
  const member = memberOf(ring, change.node);
  const q = `'${change.node}'`;
  const already = ring.staged.find((s) => s.node === change.node);
  if (already?.action === change.action) return ring;
  if (already) throw new RingError(`Failed: ${q} already has a staged ${already.action} request.`);
  if (change.action === 'join') {
    if (member) throw new RingError('Failed: This node is already a member of a cluster');
    return {
      ...ring,
      epoch: ring.epoch + 1,
      members: [...ring.members, { name: change.node, status: 'joining' }],
      staged: [...ring.staged, change],
    };
  }
  if (!member || member.status === 'joining')
    throw new RingError(`Failed: ${q} is not a member of the cluster.`);
  if (ring.members.filter((m) => m.name !== change.node && m.status !== 'joining').length === 0)
    throw new RingError(`Failed: ${q} is the only member.`);
  if (change.action === 'remove' && claimant(ring) === change.node)
    throw new RingError(
      [
        `Failed: ${q} is the claimant (see: riak-admin ring_status).`,
        'The claimant is the node responsible for initiating cluster changes,',
        "and cannot forcefully remove itself. You can use 'riak-admin down' to",
        'mark the node as offline, which will trigger a new claimant to take',
        'over.  However, this will clear any staged changes.',
      ].join('\n'),
    );
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

export const NOTHING_PLANNED =
  "You must verify the plan with 'riak-admin cluster plan' before committing";
export const PLAN_CHANGED =
  "The plan has changed. Verify with 'riak-admin cluster plan' before committing";

/**
 * Applies the staged changes: joins become valid members with their transfer pending, leaves
 * start leaving, removes are dropped.
 */
export function commit(ring: Ring): Ring {
  if (ring.staged.length === 0) throw new RingError(NOTHING_PLANNED);
  let members: Member[] = ring.members.map((m) => ({ ...m }));
  for (const s of ring.staged) {
    if (s.action === 'join')
      members = members.map((m) =>
        m.name === s.node ? { name: m.name, status: 'valid', pending: true } : m,
      );
    if (s.action === 'leave')
      members = members.map((m) => (m.name === s.node ? { ...m, status: 'leaving' } : m));
    if (s.action === 'remove') members = members.filter((m) => m.name !== s.node);
  }
  return { ...ring, epoch: ring.epoch + 1, members, staged: [] };
}

/** A joined member finished its transfer: it owns its partitions from now on. */
export function joinDone(ring: Ring, name: string): Ring {
  if (!memberOf(ring, name)?.pending) return ring;
  return {
    ...ring,
    epoch: ring.epoch + 1,
    members: ring.members.map((m) => (m.name === name ? { name, status: m.status } : m)),
  };
}

/** A leaving member finished handing off: it leaves the ring. */
export function removeMember(ring: Ring, name: string): Ring {
  return { ...ring, epoch: ring.epoch + 1, members: ring.members.filter((m) => m.name !== name) };
}

/**
 * The rings `riak-admin cluster plan` shows, one per cluster transition: the ring once the staged
 * changes are committed and, when members leave, the ring once they have handed off and gone.
 */
export function planTransitions(ring: Ring): Ring[] {
  const first = commit(ring);
  const leaving = ring.staged.filter((s) => s.action === 'leave').map((s) => s.node);
  if (leaving.length === 0) return [first];
  const last: Ring = {
    ...first,
    members: first.members
      .filter((m) => !leaving.includes(m.name))
      .map((m) => ({ name: m.name, status: m.status })),
  };
  return [first, last];
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
