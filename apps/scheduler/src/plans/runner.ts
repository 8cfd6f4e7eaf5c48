import type { ExecutorReply, ExecutorRequestBody } from '@riak-mesos/framework-contract';
import { riakNodeName } from '@riak-mesos/framework-contract';
import type { Logger } from '@riak-mesos/logging';
import type { ClusterDoc, NodeDoc } from '../model';
import type { SchedulerStore } from '../store';
import { planFromLegacy } from './build';
import type { PlanDoc } from './model';
import { isFinished, isRolling } from './model';
import type { PlanAction, RingFact } from './progress';
import { progressPlan } from './progress';

/** What the runner needs of the driver. */
export interface PlanRunnerDeps {
  store: SchedulerStore;
  logger: Logger;
  /** The executor channel: a request to a node's executor and its typed reply. */
  ask(node: NodeDoc, request: ExecutorRequestBody, timeoutMs: number): Promise<ExecutorReply>;
  killTask(node: NodeDoc): Promise<void>;
  revive(): Promise<void>;
  /** Runs `fn` later in the driver's serialized work (for answers that arrive later). */
  later(what: string, fn: () => Promise<void>): void;
  /** Asks under way, shared with the driver (a ring check is not sent twice at once). */
  inFlight: Set<string>;
  now?: () => number;
}

/**
 * One pass over a cluster's active plans (called by the driver's tick): a rolling operation left
 * by an older scheduler becomes a plan; each plan is progressed against the nodes (a pure
 * function), the new plan is persisted with compare-and-set BEFORE its actions are taken, then
 * the actions are taken. `ring` carries a node's fresh ring answer (from a `check-ring`).
 */
export async function progressPlans(
  cluster: ClusterDoc,
  nodes: NodeDoc[],
  deps: PlanRunnerDeps,
  ring?: ReadonlyMap<string, RingFact>,
): Promise<void> {
  const { store, logger } = deps;
  const now = deps.now?.() ?? Date.now();
  await adoptLegacyOperation(cluster, deps, now);
  const byKey = new Map(nodes.map((n) => [n.key, n]));
  const plans = (await store.listPlans(cluster.name)).filter((p) => !isFinished(p));
  const after: PlanDoc[] = [];
  for (const plan of plans) {
    let actions: PlanAction[] = [];
    // Recomputed on the current document if an operator's control changed it meanwhile.
    const saved = await store.updatePlan(cluster.name, plan.id, (cur) => {
      const res = progressPlan(cur, { nodes: byKey, ...(ring ? { ring } : {}) }, now);
      actions = res.actions;
      return res.plan === cur ? undefined : res.plan;
    });
    after.push(saved);
    if (isFinished(saved) && !isFinished(plan))
      logger.info('plan finished', { cluster: cluster.name, plan: saved.id, kind: saved.kind });
    for (const action of actions) await act(cluster, action, byKey, deps);
  }
  await keepClusterState(cluster, after, deps);
}

/** A rolling operation stored in the cluster document by an older scheduler becomes a plan. */
async function adoptLegacyOperation(
  cluster: ClusterDoc,
  deps: PlanRunnerDeps,
  now: number,
): Promise<void> {
  const op = cluster.operation;
  if (!op) return;
  if (op.state === 'running' || op.state === 'paused') {
    const plan = planFromLegacy(cluster.name, op, now);
    if (!(await deps.store.getPlan(cluster.name, plan.id))) {
      await deps.store.createPlan(plan);
      deps.logger.info('took over a rolling operation as a plan', {
        cluster: cluster.name,
        plan: plan.id,
      });
    }
  }
  await deps.store.updateCluster(cluster.name, (c) => {
    const next = { ...c };
    delete next.operation;
    return next;
  });
}

/**
 * The cluster's state follows its rolling plans: `restarting` while one is active, `running`
 * again once none is. An upgrade moves each node as its step restarts it; the cluster's version
 * (what new nodes get) becomes the target once the upgrade is complete.
 */
async function keepClusterState(
  cluster: ClusterDoc,
  plans: readonly PlanDoc[],
  deps: PlanRunnerDeps,
): Promise<void> {
  const active = plans.filter((p) => isRolling(p) && !isFinished(p));
  // `plans` are those progressed in this pass: an upgrade that just completed is among them.
  const target = plans.find(
    (p) => p.kind === 'upgrade' && p.finishedAt !== undefined && !p.aborted,
  )?.targetRiakVersion;
  await deps.store.updateCluster(cluster.name, (c) => {
    let next = c;
    if (active.length > 0 && c.state === 'running') next = { ...next, state: 'restarting' };
    if (active.length === 0 && c.state === 'restarting') next = { ...next, state: 'running' };
    if (target && c.riakVersion !== target) next = { ...next, riakVersion: target };
    return next === c ? undefined : next;
  });
}

async function act(
  cluster: ClusterDoc,
  action: PlanAction,
  nodes: ReadonlyMap<string, NodeDoc>,
  deps: PlanRunnerDeps,
): Promise<void> {
  const node = nodes.get(action.node);
  if (!node) return;
  const { store, logger } = deps;
  if (action.type === 'restart-node') {
    // Only the task the plan decided to restart: a node already relaunched is left alone.
    if (node.state !== 'running' || node.executorId !== action.fromExecutor) return;
    logger.info('plan: restarting node', {
      cluster: cluster.name,
      plan: action.plan,
      node: node.key,
    });
    // An upgrade moves this node (only) to the target version as it restarts.
    await store.transitionNode(node.key, 'restarting', {
      relaunchAfter: undefined,
      ...(action.riakVersion ? { riakVersion: action.riakVersion } : {}),
    });
    await deps.ask(node, { type: 'finish' }, 10000).catch(() => deps.killTask(node));
    await deps.revive();
    return;
  }
  if (action.type === 'remove-node') {
    // Never the last ring member: only destroying the cluster removes that one.
    const others = [...nodes.values()].filter((n) => n.key !== node.key && n.wanted && n.member);
    if (node.member && others.length === 0) {
      logger.warn('plan: not removing the last ring member', { plan: action.plan, node: node.key });
      return;
    }
    const removed = await store.updateNode(node.key, (n) =>
      n.wanted ? { ...n, wanted: false } : undefined,
    );
    logger.info('plan: removing node', {
      cluster: cluster.name,
      plan: action.plan,
      node: removed.key,
    });
    return;
  }
  if (action.type === 'set-version') {
    // Checked on the stored node: only one still between tasks on another version is moved.
    let moved = false;
    await store.updateNode(node.key, (n) => {
      moved = n.state === 'restarting' && n.riakVersion !== action.riakVersion;
      return moved
        ? { ...n, riakVersion: action.riakVersion, relaunchAfter: undefined }
        : undefined;
    });
    if (!moved) return;
    logger.info('plan: relaunching a node that is down on another version', {
      cluster: cluster.name,
      plan: action.plan,
      node: node.key,
      from: node.riakVersion,
      riakVersion: action.riakVersion,
    });
    await deps.revive();
    return;
  }
  const key = `plan-ring:${node.key}`;
  if (deps.inFlight.has(key)) return;
  deps.inFlight.add(key);
  ringAndTransfers(node, deps).then(
    (fact) => deps.later('plan-ring', () => onRing(cluster.name, node, fact, deps)),
    (err: Error) =>
      deps.later('plan-ring', () =>
        onRing(
          cluster.name,
          node,
          { validMember: false, ringReady: false, error: `status: ${err.message}` },
          deps,
        ),
      ),
  );
}

/** The node's ring answer and, once it is a valid member of a ready ring, its transfers. */
async function ringAndTransfers(node: NodeDoc, deps: PlanRunnerDeps): Promise<RingFact> {
  const fact = ringFact(node, await deps.ask(node, { type: 'status' }, 30000));
  if (!fact.validMember || !fact.ringReady) return fact;
  const answer = await deps.ask(node, { type: 'status', view: 'transfers' }, 30000);
  const result = answer.type === 'status' && answer.ok ? answer.result : undefined;
  const active = result && 'view' in result ? result.active : undefined;
  if (active === undefined)
    return {
      ...fact,
      error: `transfers: ${answer.error ?? 'no answer whether handoff is active'}`,
    };
  return { ...fact, transfersActive: active };
}

/** What a node's `status` answer says of it: a valid member of a ready ring? */
export function ringFact(node: NodeDoc, answer: ExecutorReply): RingFact {
  if (answer.type !== 'status' || answer.ok !== true)
    return {
      validMember: false,
      ringReady: false,
      error: `status failed: ${answer.error ?? 'no reason given'}`,
    };
  const result = answer.result;
  if (!result || !('members' in result))
    return { validMember: false, ringReady: false, error: 'status answered no member list' };
  const self = riakNodeName(node.key, node.hostname ?? '');
  return {
    validMember: result.members.some((m) => m.name === self && m.status === 'valid'),
    ringReady: result.ringReady,
  };
}

/** A ring answer arrived: progress the cluster's plans again with it (for the same task only). */
async function onRing(
  clusterName: string,
  asked: NodeDoc,
  fact: RingFact,
  deps: PlanRunnerDeps,
): Promise<void> {
  deps.inFlight.delete(`plan-ring:${asked.key}`);
  const cluster = await deps.store.getCluster(clusterName);
  if (!cluster) return;
  const nodes = await deps.store.listNodes(clusterName);
  const now = nodes.find((n) => n.key === asked.key);
  if (!now || now.executorId !== asked.executorId) return; // relaunched since: ask again later
  await progressPlans(cluster, nodes, deps, new Map([[asked.key, fact]]));
}
