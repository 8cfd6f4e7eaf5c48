import type {
  HealthAnswer,
  HealthReason,
  HealthState,
  PlanView,
} from '@riak-mesos/framework-contract';
import { HEALTH_HTTP_STATUS, healthRank } from '@riak-mesos/framework-contract';
import type { ClusterDoc, NodeDoc } from './model';

/**
 * The framework's health as one state (docs/api.md#health), from what the scheduler already
 * knows: its registration, and per cluster its plans and nodes. Pure: the route reads the store
 * and passes everything in.
 *
 * Per cluster, every finding is a reason with a state; the cluster's state is its worst reason's
 * (running when there is none):
 * - error: a plan in ERROR, a wanted node `failed`;
 * - waiting_for_operator: a plan interrupted or a canary waiting for `continue`;
 * - delayed: a node waiting out its relaunch backoff;
 * - degraded: a node whose agent is unreachable or lost;
 * - recovering: a wanted node relaunching outside any plan (it was running, or should be), or
 *   handoff still under way after such a recovery (`handoff`, framework/handoff-watch.ts);
 * - deploying: a plan under way, a node being placed, joining or removed, a cluster destroyed.
 */
export interface ClusterHealthInput {
  cluster: ClusterDoc;
  nodes: readonly NodeDoc[];
  plans: readonly PlanView[];
  now: number;
  /** Handoff after a recovery not known to be finished (framework/handoff-watch.ts). */
  handoff?: { text: string };
}

const FINISHED = new Set(['COMPLETE', 'ABORTED']);

/** The keys of the nodes that an unfinished plan has a step for. */
export function nodesInPlans(plans: readonly PlanView[]): Set<string> {
  const keys = new Set<string>();
  for (const p of plans)
    if (!FINISHED.has(p.status))
      for (const ph of p.phases) for (const st of ph.steps) keys.add(st.node);
  return keys;
}

export function clusterHealth(input: ClusterHealthInput): HealthReason[] {
  const { cluster, nodes, plans, now } = input;
  const reasons: HealthReason[] = [];
  const add = (state: HealthState, text: string, more: Partial<HealthReason> = {}) =>
    reasons.push({ state, cluster: cluster.name, ...more, text });
  if (cluster.state === 'shutting_down') add('deploying', 'the cluster is being destroyed');
  const inPlan = nodesInPlans(plans);
  if (input.handoff) add('recovering', input.handoff.text);
  for (const p of plans) {
    if (FINISHED.has(p.status)) continue;
    const at = { plan: p.id };
    const failed = p.phases.flatMap((ph) => ph.steps).find((st) => st.status === 'ERROR');
    if (p.status === 'ERROR' || failed)
      add(
        'error',
        `${p.kind} plan ${p.id} stopped at ${failed ? `${failed.node}: ${failed.message ?? 'ERROR'}` : 'an error'}`,
        at,
      );
    else if (p.interrupted || p.phases.some((ph) => ph.interrupted))
      add('waiting_for_operator', `${p.kind} plan ${p.id} is interrupted (continue it)`, at);
    else if (p.phases.some((ph) => ph.awaitingContinue))
      add(
        'waiting_for_operator',
        `${p.kind} plan ${p.id}: the canary is done; continue the plan to go on`,
        at,
      );
    else add('deploying', `${p.kind} plan ${p.id} is ${p.status}`, at);
  }
  for (const n of nodes) nodeHealth(n, inPlan.has(n.key), now, add);
  return sortReasons(reasons);
}

function nodeHealth(
  n: NodeDoc,
  inPlan: boolean,
  now: number,
  add: (state: HealthState, text: string, more?: Partial<HealthReason>) => void,
): void {
  const at = { node: n.key };
  if (!n.wanted) {
    add('deploying', `${n.key} is being removed (${n.state})`, at);
    return;
  }
  if (n.state === 'failed') {
    add('error', `${n.key} failed: ${n.lastTaskMessage ?? 'no reason given'}`, at);
    return;
  }
  if (n.replaceHeld) {
    // Past its permanent-failure timeout and not replaced (framework/permanent-failure.ts).
    add('waiting_for_operator', `${n.key}: ${n.replaceHeld.text}`, at);
    return;
  }
  if (n.agentLostSince || n.lastTaskState === 'TASK_UNREACHABLE') {
    const since = n.agentLostSince ? ` since ${n.agentLostSince}` : '';
    add(
      'degraded',
      `${n.key}: its agent ${n.hostname ?? n.agentId ?? ''} is unreachable${since}`,
      at,
    );
    return;
  }
  if (n.state === 'restarting' && n.relaunchAfter && Date.parse(n.relaunchAfter) > now) {
    add(
      'delayed',
      `${n.key}: relaunch after ${n.failures} failure(s) waits until ${n.relaunchAfter}`,
      at,
    );
    return;
  }
  if (n.state === 'running') {
    if (!n.member) add('deploying', `${n.key} runs and is joining the ring`, at);
    return;
  }
  // A node that never had a task is being deployed; one that had is recovering, unless a plan
  // (a rolling restart, say) is what stopped it.
  if (!n.lastTaskState || inPlan) {
    const why = n.pendingReason ? `: ${n.pendingReason.text}` : '';
    add('deploying', `${n.key} is ${n.state}${why}`, at);
    return;
  }
  add('recovering', `${n.key} is ${n.state} (last task state ${n.lastTaskState ?? 'none'})`, at);
}

function sortReasons(reasons: HealthReason[]): HealthReason[] {
  return reasons.sort((a, b) => healthRank(b.state) - healthRank(a.state));
}

/** The worst of the reasons' states; running when there is none. */
export function worstState(reasons: readonly HealthReason[]): HealthState {
  let worst: HealthState = 'running';
  for (const r of reasons) if (healthRank(r.state) > healthRank(worst)) worst = r.state;
  return worst;
}

export interface FrameworkHealthInput {
  /** This scheduler leads and is registered with Mesos. */
  leader: boolean;
  registered: boolean;
  clusters: readonly ClusterHealthInput[];
  verbose: boolean;
}

/** The framework-wide answer: the worst cluster's state, or `initializing` while unregistered. */
export function frameworkHealth(input: FrameworkHealthInput): HealthAnswer {
  const reasons: HealthReason[] = [];
  if (input.leader && !input.registered)
    reasons.push({ state: 'initializing', text: 'not registered with the Mesos master yet' });
  const clusters: Record<string, HealthState> = {};
  for (const c of input.clusters) {
    const mine = clusterHealth(c);
    clusters[c.cluster.name] = worstState(mine);
    reasons.push(...mine);
  }
  const state = worstState(reasons);
  return {
    state,
    code: HEALTH_HTTP_STATUS[state],
    clusters,
    ...(input.verbose ? { reasons: sortReasons(reasons) } : {}),
  };
}

/** One cluster's answer. */
export function singleClusterHealth(input: ClusterHealthInput, verbose: boolean): HealthAnswer {
  const reasons = clusterHealth(input);
  const state = worstState(reasons);
  return { state, code: HEALTH_HTTP_STATUS[state], ...(verbose ? { reasons } : {}) };
}
