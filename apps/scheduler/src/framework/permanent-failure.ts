import type { Logger } from '@riak-mesos/logging';
import type { ClusterDoc, NodeDoc } from '../model';
import type { PlanDoc } from '../plans';
import { replaceRefusal, startReplace } from '../replace';
import type { SchedulerStore } from '../store';

/**
 * Transient and permanent failures (docs/operations.md#failures-transient-and-permanent): a node
 * whose agent is unreachable (TASK_UNREACHABLE, TASK_LOST: `agentLostSince`, kept in ZooKeeper)
 * keeps its reservation and volume and is waited for; one still unreachable after the cluster's
 * permanent-failure timeout is replaced on another agent (a replace plan), one node per cluster at
 * a time, never while a majority of a key's replicas could be on down members.
 */

/** States in which a node whose agent is unreachable is waited for (it has or had a task). */
const WAITED_FOR = ['launching', 'starting', 'running', 'restarting'];

export interface PermanentFailureInput {
  cluster: ClusterDoc;
  nodes: readonly NodeDoc[];
  plans: readonly PlanDoc[];
  /** The scheduler's timeout (seconds, 0: never), for clusters without their own. */
  defaultTimeoutSeconds: number;
  now: number;
}

export interface PermanentFailureDecision {
  /** The node to replace now, and why. */
  replace?: { node: string; reason: string };
  /** Nodes past their timeout that are not replaced now, and why not. */
  held: { node: string; why: string }[];
}

/** The cluster's permanent-failure timeout in seconds (0: never). */
export function permanentFailureTimeout(cluster: ClusterDoc, defaultSeconds: number): number {
  return cluster.permanentFailureTimeoutSeconds ?? defaultSeconds;
}

/**
 * Which node of a cluster to replace now, and why the others past their timeout wait (pure):
 * the node unreachable longest first; the rest wait for it (one replacement at a time), and
 * every refusal of `replaceRefusal` (another plan running, too many members down for n_val, no
 * live member to force-remove it through) holds a node with its reason.
 */
export function decidePermanentFailures(i: PermanentFailureInput): PermanentFailureDecision {
  const timeout = permanentFailureTimeout(i.cluster, i.defaultTimeoutSeconds);
  const out: PermanentFailureDecision = { held: [] };
  if (timeout <= 0) return out;
  const due = i.nodes
    .filter(
      (n) =>
        n.wanted &&
        n.agentLostSince !== undefined &&
        WAITED_FOR.includes(n.state) &&
        i.now - Date.parse(n.agentLostSince) >= timeout * 1000,
    )
    .sort(
      (a, b) => a.agentLostSince!.localeCompare(b.agentLostSince!) || a.key.localeCompare(b.key),
    );
  for (const n of due) {
    const minutes = Math.round((i.now - Date.parse(n.agentLostSince!)) / 6000) / 10;
    if (out.replace) {
      out.held.push({
        node: n.key,
        why: `unreachable for ${minutes} min, past the permanent-failure timeout (${timeout} s); waits for the replacement of ${out.replace.node} (one node per cluster at a time)`,
      });
      continue;
    }
    const refusal = replaceRefusal(i.cluster, i.nodes, i.plans, n.key);
    if (refusal) {
      out.held.push({
        node: n.key,
        why: `unreachable for ${minutes} min, past the permanent-failure timeout (${timeout} s), not replaced: ${refusal}`,
      });
      continue;
    }
    out.replace = {
      node: n.key,
      reason: `permanent failure: agent ${n.agentId ?? '?'} unreachable since ${n.agentLostSince} (timeout ${timeout} s)`,
    };
  }
  return out;
}

export interface PermanentFailureDeps {
  store: SchedulerStore;
  logger: Logger;
  /** The scheduler's `permanentFailureTimeoutSeconds`. */
  defaultTimeoutSeconds: number;
  revive(): Promise<void>;
}

/**
 * The driver's tick over the decisions: starts the replacement decided for each cluster, and
 * keeps each held node's reason on its record (`replaceHeld`, shown as `replace_held`) and in the
 * log, written only when it changes.
 */
export async function replacePermanentFailures(
  clusters: readonly ClusterDoc[],
  nodes: readonly NodeDoc[],
  deps: PermanentFailureDeps,
  now = Date.now(),
): Promise<void> {
  for (const cluster of clusters) {
    const own = nodes.filter((n) => n.cluster === cluster.name);
    if (!own.some((n) => n.agentLostSince || n.replaceHeld)) continue;
    const decision = decidePermanentFailures({
      cluster,
      nodes: own,
      plans: await deps.store.listPlans(cluster.name),
      defaultTimeoutSeconds: deps.defaultTimeoutSeconds,
      now,
    });
    const held = new Map(decision.held.map((h) => [h.node, h.why]));
    for (const n of own) {
      const why = held.get(n.key);
      if (why === n.replaceHeld?.text) continue;
      if (why)
        deps.logger.warn('a node past its permanent-failure timeout is not replaced', {
          node: n.key,
          why,
        });
      await deps.store
        .updateNode(n.key, (x) => ({
          ...x,
          replaceHeld: why ? { text: why, at: new Date(now).toISOString() } : undefined,
        }))
        .catch(() => undefined);
    }
    if (!decision.replace) continue;
    const { node, reason } = decision.replace;
    try {
      const { node: by, plan } = await startReplace(deps.store, cluster.name, node, reason, now);
      deps.logger.warn('replacing a node whose agent stayed unreachable past the timeout', {
        cluster: cluster.name,
        node,
        by: by.key,
        plan: plan.id,
        reason,
      });
      await deps.revive();
    } catch (err) {
      deps.logger.warn('could not start the replacement of a node', {
        node,
        error: (err as Error).message,
      });
    }
  }
}
