import type { NodeDoc } from '../model';
import { newPlanId } from './build';
import type { PlanDoc, PlanPhase, PlanStep } from './model';
import { DEFAULT_STEP_TIMEOUT_SECONDS, UNBEGUN } from './model';
import type { Observations, Outcome } from './progress';
import { deployed, removed } from './seen';
import { settleHolds } from './strategy';

/**
 * A replace plan (docs/operations.md#replace-a-node): a new node (new key, new volume, on another
 * agent) takes the place of an old one. Two serial phases of one step each:
 *
 * - the old node runs and is a member: `add` (the new node is placed, joins, and is a valid member
 *   of a ready ring), then `remove` (the old node leaves the ring: handoff moves its partitions),
 *   so the cluster never holds fewer copies than before;
 * - the old node is down or unreachable: `remove` first (it cannot leave; a live member
 *   force-removes it, which Riak needs before any other ring change can be committed), then `add`.
 *
 * Either way the old node's reservation and volume are released only once the new node is a ring
 * member (membership.ts holds its release until then, by `replacedBy`).
 */
export interface NewReplacePlan {
  cluster: string;
  /** The node replaced, as it stands when the plan is made. */
  node: NodeDoc;
  /** The key of the new node. */
  by: string;
  reason: string;
  now: number;
  id?: string;
}

/** Whether a node can leave the ring by itself (else it is force-removed through a live member). */
export function canLeave(node: NodeDoc): boolean {
  return node.state === 'running' && node.member && node.agentLostSince === undefined;
}

export function newReplacePlan(p: NewReplacePlan): PlanDoc {
  const iso = new Date(p.now).toISOString();
  const phase = (name: string, node: string): PlanPhase => ({
    name,
    strategy: 'serial',
    interrupted: false,
    canaryApproved: false,
    steps: [{ name: node, node, status: 'PENDING', updatedAt: iso }],
  });
  const add = phase('add', p.by);
  const remove = phase('remove', p.node.key);
  const plan: PlanDoc = {
    id: p.id ?? newPlanId('replace', p.now),
    cluster: p.cluster,
    kind: 'replace',
    interrupted: false,
    aborted: false,
    phases: canLeave(p.node) ? [add, remove] : [remove, add],
    replace: { node: p.node.key, by: p.by, reason: p.reason },
    message: p.reason,
    stepTimeoutSeconds: DEFAULT_STEP_TIMEOUT_SECONDS,
    createdAt: iso,
    updatedAt: iso,
  };
  return settleHolds(plan, iso);
}

/** A step of a replace plan, from its node (see progress.ts `observe`). */
export function observeReplace(
  plan: PlanDoc,
  step: PlanStep,
  node: NodeDoc | undefined,
  obs: Observations,
  now: number,
  begin: boolean,
): Outcome | undefined {
  const r = plan.replace;
  if (!r)
    return { step: { ...step, status: 'ERROR', message: 'a replace plan that names no nodes' } };
  if (step.status === 'ERROR') return undefined;
  const unbegun = UNBEGUN.includes(step.status);
  if (step.node === r.by) {
    if (unbegun && !begin) return undefined;
    return added(plan, step, node, obs, now);
  }
  if (!node)
    return {
      step: {
        ...step,
        status: 'COMPLETE',
        message: 'removed; its reservation and volume released',
      },
    };
  if (node.wanted) {
    // The step's action (re)taken: when it begins, and if it was decided but never carried out.
    if (unbegun && !begin) return undefined;
    const lost = !canLeave(node);
    return {
      step: {
        ...step,
        status: 'STARTING',
        message: lost
          ? 'cannot leave by itself: to be force-removed from the ring through a live member'
          : 'asked to leave the ring (handoff to the other members)',
      },
      action: { type: 'remove-node', plan: plan.id, node: node.key },
    };
  }
  if (!node.member && !['running', 'leaving', 'launching', 'starting'].includes(node.state))
    return {
      step: {
        ...step,
        status: 'COMPLETE',
        message: node.agentLostSince
          ? 'out of the ring; its reservation and volume are released when its agent returns'
          : 'out of the ring; its reservation and volume are being released',
      },
    };
  if (node.member && node.agentLostSince)
    return {
      step: {
        ...step,
        status: 'STARTING',
        message: 'unreachable: being force-removed from the ring through a live member',
      },
    };
  return { step: { ...step, ...removed(node) } };
}

/** The new node's step: COMPLETE once it runs and its own status shows it a valid member. */
function added(
  plan: PlanDoc,
  step: PlanStep,
  node: NodeDoc | undefined,
  obs: Observations,
  now: number,
): Outcome {
  if (!node || !node.wanted)
    return {
      step: {
        ...step,
        status: 'ERROR',
        message:
          'the replacement node is gone; the node it was to replace is kept (abort this plan)',
      },
    };
  if (node.state !== 'running' || !node.member)
    return { step: { ...step, ...deployed(node, now) } };
  const fact = obs.ring?.get(node.key);
  if (fact?.validMember && fact.ringReady)
    return { step: { ...step, status: 'COMPLETE', message: 'a valid member of a ready ring' } };
  const message = fact
    ? (fact.error ?? (!fact.validMember ? 'joined; not yet a valid member' : 'ring not ready yet'))
    : 'joined; checking it is a valid member';
  return {
    step: { ...step, status: 'STARTED', message },
    action: { type: 'check-ring', plan: plan.id, node: node.key },
  };
}
