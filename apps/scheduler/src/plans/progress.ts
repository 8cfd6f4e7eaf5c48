import type { NodeDoc } from '../model';
import type { PlanDoc, PlanStep } from './model';
import { UNBEGUN, isFinished, isRolling } from './model';
import { observeReplace } from './replace';
import { delayed, deployed, removed } from './seen';
import { mayBegin, settleHolds } from './strategy';

/** What a node's own `status` answered about the ring, for the node's current task. */
export interface RingFact {
  /** The node is in the member list as `valid`. */
  validMember: boolean;
  ringReady: boolean;
  /** Handoff still under way (`riak-admin transfers`); a step completes only once none is. */
  transfersActive?: boolean;
  /** Why no answer could be had (the executor failed or did not answer). */
  error?: string;
}

/** What the scheduler knows of the cluster: its node documents, and fresh ring answers. */
export interface Observations {
  nodes: ReadonlyMap<string, NodeDoc>;
  ring?: ReadonlyMap<string, RingFact>;
}

/** What the runner must do after the plan has been persisted. */
export type PlanAction =
  /** Send a running node to `restarting` and stop its task (relaunched on its reservation). */
  | {
      type: 'restart-node';
      plan: string;
      node: string;
      fromExecutor?: string;
      /** An upgrade: the version the node comes back with. */
      riakVersion?: string;
    }
  /**
   * A rollback's node that is down on the version it leaves: it is relaunched on `riakVersion`
   * (the rollback's target) at once, without waiting out its relaunch backoff.
   */
  | { type: 'set-version'; plan: string; node: string; riakVersion: string }
  /** Ask the node for its ring status and progress the plan again with the answer. */
  | { type: 'check-ring'; plan: string; node: string }
  /**
   * A scale-down's or a replacement's step begins: the node is no longer wanted (it leaves, or is
   * force-removed when it cannot, then is released).
   */
  | { type: 'remove-node'; plan: string; node: string };

export interface Progress {
  plan: PlanDoc;
  actions: PlanAction[];
}

export interface Outcome {
  step: PlanStep;
  action?: PlanAction;
}

/**
 * One pass of a plan against what is observed (a pure function): every step's status follows its
 * node, the steps the strategy allows begin, and the actions to take come out as data. A plan read
 * back after a scheduler restart is progressed the same way, so it resumes where it stood: a step
 * that was STARTING is judged by its node (restarted already, or not yet), never redone blindly.
 * Returns the same plan object when nothing changed.
 */
export function progressPlan(plan: PlanDoc, obs: Observations, now: number): Progress {
  if (isFinished(plan)) return { plan, actions: [] };
  const iso = new Date(now).toISOString();
  const actions: PlanAction[] = [];
  let next = plan;
  const set = (phase: number, step: number, out: Outcome) => {
    if (out.action) actions.push(out.action);
    const cur = next.phases[phase].steps[step];
    const seen = withAttempt(out.step);
    if (sameStep(cur, seen)) return;
    const changed = { ...seen, updatedAt: iso };
    next = {
      ...next,
      updatedAt: iso,
      phases: next.phases.map((p, i) =>
        i === phase ? { ...p, steps: p.steps.map((s, j) => (j === step ? changed : s)) } : p,
      ),
    };
  };

  // 1. Steps under way (and, for observing plans, every step) follow their nodes.
  next.phases.forEach((p, pi) =>
    p.steps.forEach((s, si) => {
      const out = observe(next, s, obs, now, false);
      if (out) set(pi, si, out);
    }),
  );
  // 2. Steps the strategy lets begin, begin; a step that completes at once frees the next one.
  for (let round = 0; round < 1000; round++) {
    let begun = false;
    for (let pi = 0; pi < next.phases.length; pi++)
      for (const si of mayBegin(next, pi)) {
        const out = observe(next, next.phases[pi].steps[si], obs, now, true);
        if (out && !UNBEGUN.includes(out.step.status)) {
          set(pi, si, out);
          begun = true;
        }
      }
    if (!begun) break;
  }
  // 3. What still waits shows why; a plan with every step COMPLETE is finished.
  next = settleHolds(next, iso);
  if (next.phases.every((p) => p.steps.every((s) => s.status === 'COMPLETE')))
    next = { ...next, updatedAt: iso, finishedAt: iso };
  return { plan: next, actions };
}

/** Only a DELAYED step has a next attempt time. */
function withAttempt(step: PlanStep): PlanStep {
  if (step.status === 'DELAYED' || step.nextAttemptAt === undefined) return step;
  const { nextAttemptAt: _gone, ...rest } = step;
  return rest;
}

function sameStep(a: PlanStep, b: PlanStep): boolean {
  return (
    a.status === b.status &&
    a.message === b.message &&
    a.nextAttemptAt === b.nextAttemptAt &&
    a.startedAt === b.startedAt &&
    a.fromExecutor === b.fromExecutor
  );
}

/**
 * A step's next state from its node; `begin`: the strategy lets it begin now. Undefined: the step
 * stays as it is (not begun and not allowed to, or final).
 */
function observe(
  plan: PlanDoc,
  step: PlanStep,
  obs: Observations,
  now: number,
  begin: boolean,
): Outcome | undefined {
  if (step.status === 'COMPLETE') return undefined;
  const node = obs.nodes.get(step.node);
  if (isRolling(plan)) return observeRolling(plan, step, node, obs, now, begin);
  if (plan.kind === 'replace') return observeReplace(plan, step, node, obs, now, begin);
  if (plan.kind === 'deploy') {
    // A node not yet placed waits for its turn; one that moved anyway is shown as it is.
    if (!begin && UNBEGUN.includes(step.status) && node?.wanted && node.state === 'requested')
      return undefined;
    return { step: { ...step, ...deployed(node, now) } };
  }
  if (plan.kind === 'remove' && node?.wanted) {
    // Still wanted: a scale-down's step, which asks its node to leave when it may begin.
    if (!begin) return undefined;
    return {
      step: { ...step, status: 'STARTING', message: 'asked to leave the ring' },
      action: { type: 'remove-node', plan: plan.id, node: step.node },
    };
  }
  return { step: { ...step, ...removed(node) } };
}

/**
 * A rolling step: the node, once running, is restarted (STARTING, with the executor it ran on);
 * it is back when it runs on another executor (STARTED), and done when its own `status` shows it a
 * valid member and the ring ready (COMPLETE). A node that fails, or is not back within the plan's
 * step timeout, puts the step in ERROR; a removed node's step is COMPLETE (skipped).
 */
function observeRolling(
  plan: PlanDoc,
  step: PlanStep,
  node: NodeDoc | undefined,
  obs: Observations,
  now: number,
  begin: boolean,
): Outcome | undefined {
  if (step.status === 'ERROR') return undefined;
  const unbegun = UNBEGUN.includes(step.status);
  if (unbegun && !begin) return undefined;
  if (!node || !node.wanted)
    return { step: { ...step, status: 'COMPLETE', message: 'node removed; skipped' } };
  const restart = (message: string, base: PlanStep): Outcome => ({
    step: {
      ...base,
      status: 'STARTING',
      message,
      fromExecutor: node.executorId,
      startedAt: base.startedAt ?? new Date(now).toISOString(),
    },
    action: {
      type: 'restart-node',
      plan: plan.id,
      node: node.key,
      fromExecutor: node.executorId,
      ...(plan.kind === 'upgrade' && plan.targetRiakVersion
        ? { riakVersion: plan.targetRiakVersion }
        : {}),
    },
  });
  if (unbegun || step.status === 'PREPARED') {
    if (node.state === 'failed')
      return { step: { ...step, status: 'ERROR', message: 'node failed; it cannot be restarted' } };
    if (node.state === 'running') return restart('restarting the node', step);
    const back = takeBack(plan, node);
    if (back)
      return {
        step: {
          ...step,
          status: 'STARTING',
          message: back.message,
          fromExecutor: node.executorId,
          startedAt: step.startedAt ?? new Date(now).toISOString(),
        },
        action: back.action,
      };
    return {
      step: {
        ...step,
        status: 'PREPARED',
        message: `waiting for the node to run (it is ${node.state}) before restarting it`,
      },
    };
  }
  // STARTING, STARTED or DELAYED: the restart was decided.
  if (node.state === 'failed')
    return {
      step: { ...step, status: 'ERROR', message: `node failed: ${node.lastTaskMessage ?? '?'}` },
    };
  const started = step.startedAt ? Date.parse(step.startedAt) : now;
  if (now - started > plan.stepTimeoutSeconds * 1000)
    return {
      step: {
        ...step,
        status: 'ERROR',
        message: `not back as a valid ring member within ${plan.stepTimeoutSeconds} s (node is ${node.state})`,
      },
    };
  // Begun, but the node went down again on the version left (or the move was never written).
  const back = takeBack(plan, node);
  if (back)
    return { step: { ...step, status: 'STARTING', message: back.message }, action: back.action };
  if (node.state === 'running') {
    if (step.fromExecutor !== undefined && node.executorId === step.fromExecutor)
      // Decided, but the node still runs the same task: the restart never happened (a scheduler
      // stopped in between); it is asked again.
      return restart('restarting the node (asked again: it still ran its old task)', step);
    const fact = obs.ring?.get(node.key);
    if (fact?.validMember && fact.ringReady && fact.transfersActive === false)
      return {
        step: {
          ...step,
          status: 'COMPLETE',
          message: 'back: a valid member, ring ready, no transfers',
        },
      };
    const message = fact
      ? (fact.error ??
        (!fact.validMember
          ? 'back; not yet a valid member'
          : !fact.ringReady
            ? 'back; the ring is not ready yet'
            : 'back; waiting for transfers (handoff) to finish'))
      : step.status === 'STARTED'
        ? step.message
        : 'running again; checking its ring membership';
    return {
      step: { ...step, status: 'STARTED', message },
      action: { type: 'check-ring', plan: plan.id, node: node.key },
    };
  }
  const wait = delayed(node, now);
  if (wait) return { step: { ...step, ...wait } };
  return { step: { ...step, status: 'STARTING', message: `node is ${node.state}` } };
}

/**
 * A rollback (the upgrade plan made by aborting one) does not wait for a node that is down on
 * the version it leaves to run again before restarting it: a node that cannot run that version
 * (it fails to start, and is relaunched after a backoff, again and again) would never run, and
 * the rollback would wait forever. Such a node, between two tasks (`restarting`), is relaunched
 * on the rollback's target instead. A node whose task is still starting is left to end its
 * start (it runs, and is restarted as any other, or fails, and is then between tasks).
 */
function takeBack(
  plan: PlanDoc,
  node: NodeDoc,
): { message: string; action: PlanAction } | undefined {
  const target = plan.targetRiakVersion;
  if (plan.kind !== 'upgrade' || plan.rollbackOf === undefined || target === undefined)
    return undefined;
  if (node.state !== 'restarting' || node.riakVersion === undefined) return undefined;
  if (node.riakVersion === target) return undefined;
  return {
    message: `down on ${node.riakVersion}; relaunching it on ${target}`,
    action: { type: 'set-version', plan: plan.id, node: node.key, riakVersion: target },
  };
}
