import type { ClusterDoc, NodeDoc } from './model';
import type { PlanDoc } from './plans';
import { canLeave, isFinished, newReplacePlan } from './plans';
import { clusterNVal } from './scale';
import type { SchedulerStore } from './store';
import { ConflictError } from './store';

/**
 * Replacing a node by a new one on another agent (docs/operations.md#replace-a-node), asked by an
 * operator (`POST /clusters/{c}/nodes/{n}/replace`) or by the permanent-failure timeout
 * (framework/permanent-failure.ts). The decisions are pure; `startReplace` writes the new node,
 * the mark on the old one and the replace plan in one ZooKeeper transaction, and the plan
 * (plans/replace.ts) does the rest, resuming where it stood after a scheduler failover.
 */

/** The members that cannot serve now (down, or their agent unreachable): their replicas are out. */
export function downMembers(nodes: readonly NodeDoc[]): NodeDoc[] {
  return nodes.filter((n) => n.wanted && n.member && !canLeave(n));
}

/**
 * Why taking a down member out of the ring now could lose data, if it could: with
 * floor(n_val/2)+1 members or more down at once, some keys may have most (or all) of their
 * replicas on them, and a force-removal gives their partitions to nodes that hold no copy.
 */
export function replicaRisk(cluster: ClusterDoc, nodes: readonly NodeDoc[]): string | undefined {
  const nVal = clusterNVal(cluster);
  const majority = Math.floor(nVal / 2) + 1;
  const down = downMembers(nodes);
  if (down.length < majority) return undefined;
  return `${down.length} members of cluster '${cluster.name}' are down or unreachable (${down
    .map((n) => n.key)
    .join(
      ', ',
    )}), a majority of n_val ${nVal}: replacing one now could lose the last copies of some keys; bring agents back, or remove nodes by hand`;
}

/** Why `key` cannot be replaced now (a 409 of the API), or undefined when it can. */
export function replaceRefusal(
  cluster: ClusterDoc,
  nodes: readonly NodeDoc[],
  plans: readonly PlanDoc[],
  key: string,
): string | undefined {
  const node = nodes.find((n) => n.key === key);
  if (!node) return `node '${key}' does not exist in cluster '${cluster.name}'`;
  if (cluster.state === 'shutting_down' || cluster.state === 'shutdown')
    return `cluster '${cluster.name}' is being destroyed`;
  if (!node.wanted) return `node '${key}' is being removed; it cannot be replaced`;
  // A node that never joined holds no ring data: one whose agent is lost is replaced all the same.
  if (!node.member && !node.agentLostSince)
    return `node '${key}' is not a ring member (it is ${node.state}); nothing to hand over: remove it (DELETE …/nodes/${key}) and add a node instead`;
  const active = plans.find((p) => !isFinished(p));
  if (active)
    return `cluster '${cluster.name}' is already running plan ${active.id} (${active.kind}); wait for it to finish, or abort it, before replacing a node`;
  if (node.member && !canLeave(node)) {
    const live = nodes.filter((n) => n.key !== key && n.wanted && n.member && canLeave(n));
    if (live.length === 0)
      return `node '${key}' cannot leave by itself (it is ${node.state}${node.agentLostSince ? ', its agent unreachable' : ''}) and no other member runs to force-remove it through`;
    const risk = replicaRisk(cluster, nodes);
    if (risk) return risk;
  }
  return undefined;
}

/**
 * Starts the replacement of `key`: refused with a ConflictError (409) for the reasons of
 * `replaceRefusal`, checked again inside the store's transaction against the state it writes over.
 */
export async function startReplace(
  store: SchedulerStore,
  cluster: string,
  key: string,
  reason: string,
  now = Date.now(),
): Promise<{ node: NodeDoc; plan: PlanDoc }> {
  return store.replaceNode(
    cluster,
    key,
    (c, nodes, plans) => {
      const refusal = replaceRefusal(c, nodes, plans, key);
      if (refusal) throw new ConflictError(refusal);
    },
    (old, by) => newReplacePlan({ cluster, node: old, by: by.key, reason, now }),
  );
}
