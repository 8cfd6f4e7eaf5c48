/**
 * riak-admin's operations on a node (the `admin_*` calls of the distribution protocol): what
 * Riak's riak_core_console and riak_kv_console do, answering the text Riak prints and whether
 * it ends with `ok` or `error`, or the data the command formats itself.
 */
import { z } from 'zod';
import type { ClusterView, TransfersView } from './format';
import type { RiakNode } from './node';
import type { Ring, Staged } from './ring';
import { EXECUTOR_COMPAT } from './format';
import { NOTHING_PLANNED, PLAN_CHANGED, RingError, byName, memberOf } from './ring';

/** What a membership or bucket-type command prints, and whether Riak calls it `ok`. */
export interface AdminResult {
  ok: boolean;
  text: string;
}

export const adminResult = z.object({ ok: z.boolean(), text: z.string() });

const transferView = z.object({
  type: z.enum(['ownership_transfer', 'hinted_handoff']),
  from: z.string(),
  to: z.string(),
  partition: z.string(),
  startedAt: z.number(),
  lastUpdate: z.number().optional(),
  objects: z.number(),
  bytes: z.number(),
  total: z.number().optional(),
});

export const localTransfers = z.object({ waiting: z.number(), active: z.array(transferView) });

/** Refusals are answered as text (Riak prints them), anything else propagates. */
async function answer(work: () => Promise<string>, refusal = /.*/s): Promise<AdminResult> {
  try {
    return { ok: true, text: await work() };
  } catch (err) {
    const message = (err as Error).message;
    if (err instanceof RingError || refusal.test(message)) return { ok: false, text: message };
    throw err;
  }
}

export class NodeAdmin {
  /** The staged changes `cluster plan` showed last, which `cluster commit` commits. */
  private lastPlan: string | undefined;

  constructor(private readonly node: RiakNode) {}

  handle(op: string, a: Record<string, unknown>): Promise<unknown> {
    switch (op) {
      case 'admin_join':
        return this.join(String(a.target));
      case 'admin_stage':
        return this.stage(
          a.action as Staged['action'],
          typeof a.node === 'string' ? a.node : this.node.name,
        );
      case 'admin_plan':
        return this.plan();
      case 'admin_commit':
        return this.commit();
      case 'admin_clear':
        return answer(async () => {
          await this.node.onClaimant('clear');
          return 'Cleared staged cluster changes';
        });
      case 'admin_cluster':
        return this.cluster();
      case 'admin_transfers':
        return this.transfers();
      case 'admin_bucket_type':
        return this.bucketType(a);
      default:
        return Promise.reject(new Error(`unknown operation ${op}`));
    }
  }

  /** `cluster join <target>`, run on the joining node. */
  private async join(target: string): Promise<AdminResult> {
    const node = this.node;
    if (target === node.name)
      return { ok: false, text: 'Failed: This node cannot join itself in a cluster' };
    if (node.ring.members.length > 1)
      return { ok: false, text: 'Failed: This node is already a member of a cluster' };
    if (!(await node.reachable(target)))
      return { ok: false, text: `Node ${target} is not reachable!` };
    let ring: Ring;
    try {
      ring = await node.call<Ring>(
        target,
        'join_request',
        { node: node.name, ringSize: node.ring.ringSize },
        10000,
      );
    } catch (err) {
      const m = (err as Error).message;
      if (m === 'different_ring_sizes')
        return { ok: false, text: `Failed: ${target} has a different ring_creation_size` };
      if (/^Failed:/.test(m)) return { ok: false, text: m };
      return { ok: false, text: 'Join failed. Try again in a few moments.' };
    }
    node.adopt(ring, true);
    return { ok: true, text: `Success: staged join request for '${node.name}' to '${target}'` };
  }

  /** `cluster leave [node]` and `cluster force-remove <node>`. */
  private async stage(action: Staged['action'], name: string): Promise<AdminResult> {
    if (action === 'leave' && memberOf(this.node.ring, name)?.status === 'leaving')
      return { ok: true, text: `'${name}' is already in the process of leaving the cluster.` };
    return answer(async () => {
      await this.node.onClaimant('stage', { action, node: name });
      return `Success: staged ${action} request for '${name}'`;
    }, /^Failed:/);
  }

  private async plan(): Promise<Ring> {
    const ring = await this.node.onClaimant<Ring>('get_ring');
    // A plan without changes is no plan: a commit after it is refused as never planned.
    this.lastPlan = ring.staged.length ? JSON.stringify(ring.staged) : undefined;
    return ring;
  }

  /** `cluster commit`: what `cluster plan` showed, if it is still what is staged. */
  private async commit(): Promise<AdminResult> {
    // Riak says `ok` after these refusals; see EXECUTOR_COMPAT.
    const refused = (text: string) => ({ ok: !EXECUTOR_COMPAT.commitRefusalFails, text });
    const ring = await this.node.onClaimant<Ring>('get_ring');
    if (ring.staged.length === 0 || this.lastPlan === undefined) return refused(NOTHING_PLANNED);
    if (this.lastPlan !== JSON.stringify(ring.staged)) return refused(PLAN_CHANGED);
    try {
      await this.node.onClaimant('commit', { plan: this.lastPlan });
    } catch (err) {
      if ((err as Error).message === PLAN_CHANGED) return refused(PLAN_CHANGED);
      throw err;
    }
    this.lastPlan = undefined;
    return { ok: true, text: 'Cluster changes committed' };
  }

  /** The members that do not answer, and whether those that do agree on the ring. */
  private async cluster(): Promise<ClusterView & { disagree?: [string, string] }> {
    const node = this.node;
    const ring = node.ring;
    const down: string[] = [];
    let disagree: [string, string] | undefined;
    await Promise.all(
      ring.members
        .filter((m) => m.name !== node.name)
        .map(async (m) => {
          try {
            const theirs = await node.call<Ring>(m.name, 'get_ring', undefined, 2000);
            if (theirs.clusterId !== ring.clusterId || theirs.epoch !== ring.epoch)
              disagree ??= [node.name, m.name];
          } catch {
            down.push(m.name);
          }
        }),
    );
    return {
      ring,
      down: down.sort(byName),
      ringReady: !disagree,
      ...(disagree ? { disagree } : {}),
    };
  }

  /** `riak-admin transfers`: what every member still has to hand off, and what is moving. */
  private async transfers(): Promise<TransfersView> {
    const node = this.node;
    const view: TransfersView = { down: [], waiting: [], active: [] };
    const mine = node.localTransfers();
    view.waiting.push([node.name, mine.waiting]);
    view.active.push(...mine.active);
    await Promise.all(
      node.ring.members
        .filter((m) => m.name !== node.name)
        .map(async (m) => {
          try {
            const theirs = localTransfers.parse(
              await node.call(m.name, 'local_transfers', undefined, 2000),
            );
            view.waiting.push([m.name, theirs.waiting]);
            // A transfer between two members is reported by both: shown once.
            for (const t of theirs.active)
              if (!view.active.some((x) => x.from === t.from && x.to === t.to && x.type === t.type))
                view.active.push(t);
          } catch {
            view.down.push(m.name);
          }
        }),
    );
    view.down.sort(byName);
    return view;
  }

  /** `bucket-type create|update|activate`, applied by the claimant. */
  private bucketType(a: Record<string, unknown>): Promise<AdminResult> {
    const action = a.action as 'create' | 'activate' | 'update';
    const name = String(a.name);
    return answer(async () => {
      await this.node.onClaimant('type_change', { action, name, props: a.props });
      return action === 'activate'
        ? `${name} has been activated`
        : `${name} ${action === 'create' ? 'created' : 'updated'}`;
    }, /^(Error (creating|updating) bucket type|\S+ is (not an existing bucket type|already active))/);
  }
}
