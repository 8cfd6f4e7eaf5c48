import type { PlanControl } from '@riak-mesos/framework-contract';
import type { PlanDoc, PlanPhase, PlanStep } from './model';
import { awaitingContinue, isFinished, isObservational, isRolling, planStatus } from './model';
import { settleHolds } from './strategy';

/** Why a control cannot be applied: the HTTP status it answers and the request field at fault. */
export interface ControlError {
  /** 400: a field is missing or malformed; 404: no such phase or step; 409: meaningless here. */
  status: 400 | 404 | 409;
  field: 'control' | 'phase' | 'step' | 'plan';
  message: string;
}

export type ControlResult = { ok: true; plan: PlanDoc } | { ok: false; error: ControlError };

export interface ControlTarget {
  phase?: string;
  step?: string;
}

const fail = (status: ControlError['status'], field: ControlError['field'], message: string) =>
  ({ ok: false, error: { status, field, message } }) as const;

interface Located {
  phase: number;
  step?: number;
}

/** The phase (and step) a request names; a step alone is looked for in every phase. */
function locate(plan: PlanDoc, target: ControlTarget): Located | ControlError {
  let phases = plan.phases.map((p, i) => [p, i] as [PlanPhase, number]);
  if (target.phase !== undefined) {
    phases = phases.filter(([p]) => p.name === target.phase);
    if (phases.length === 0)
      return {
        status: 404,
        field: 'phase',
        message: `plan ${plan.id} has no phase '${target.phase}'; it has ${plan.phases.map((p) => p.name).join(', ')}`,
      };
  }
  if (target.step === undefined) return { phase: phases[0][1] };
  for (const [p, i] of phases) {
    const s = p.steps.findIndex((x: PlanStep) => x.name === target.step);
    if (s >= 0) return { phase: i, step: s };
  }
  return {
    status: 404,
    field: 'step',
    message: `plan ${plan.id} has no step '${target.step}'${target.phase !== undefined ? ` in phase '${target.phase}'` : ''}`,
  };
}

function withStep(
  plan: PlanDoc,
  at: { phase: number; step: number },
  patch: (s: PlanStep) => PlanStep,
  now: string,
): PlanDoc {
  return {
    ...plan,
    updatedAt: now,
    phases: plan.phases.map((p, i) =>
      i !== at.phase ? p : { ...p, steps: p.steps.map((s, j) => (j === at.step ? patch(s) : s)) },
    ),
  };
}

/**
 * An operator's control applied to a plan (a pure function): the changed plan, or why the control
 * means nothing here (409), names what does not exist (404) or lacks a field (400).
 * - `interrupt`: no step begins until `continue` (steps under way finish); `?phase=` for one phase.
 * - `continue`: lifts the interrupt (of the plan, or of `?phase=`) and lets a canary waiting after
 *   its first step go on.
 * - `force-complete` (`?step=`): the step counts as COMPLETE whatever its node does.
 * - `restart` (`?step=`, rolling plans): the step begins again (its node is restarted again).
 * - `abort` (rolling plans): no further step begins; a node being restarted still comes back.
 * Remove and destroy plans follow the node lifecycle, which no control changes: every control is
 * 409 for them, and for a finished plan.
 */
export function applyControl(
  plan: PlanDoc,
  control: PlanControl,
  target: ControlTarget,
  now: string,
): ControlResult {
  if (isFinished(plan))
    return fail(409, 'plan', `plan ${plan.id} is ${planStatus(plan)}; start a new one instead`);
  if (isObservational(plan))
    return fail(
      409,
      'control',
      `a ${plan.kind} plan only reports the removal of its nodes, which nothing pauses or skips`,
    );
  const where = locate(plan, target);
  if ('status' in where) return { ok: false, error: where };
  const phase = plan.phases[where.phase];
  switch (control) {
    case 'interrupt': {
      if (target.step !== undefined)
        return fail(400, 'step', 'interrupt applies to a plan or a phase (?phase=), not a step');
      if (target.phase !== undefined) {
        if (phase.interrupted || plan.interrupted)
          return fail(409, 'phase', `phase '${phase.name}' is already interrupted`);
        return settled(
          { ...phaseAt(plan, where.phase, { interrupted: true }), updatedAt: now },
          now,
        );
      }
      if (plan.interrupted) return fail(409, 'plan', `plan ${plan.id} is already interrupted`);
      return settled({ ...plan, interrupted: true, updatedAt: now }, now);
    }
    case 'continue': {
      if (target.step !== undefined)
        return fail(400, 'step', 'continue applies to a plan or a phase (?phase=), not a step');
      const names = target.phase !== undefined ? [where.phase] : plan.phases.map((_, i) => i);
      const lifts = names.filter((i) => {
        const p = plan.phases[i];
        return p.interrupted || awaitingContinue(p);
      });
      if (!plan.interrupted && lifts.length === 0)
        return fail(409, 'plan', `plan ${plan.id} is not interrupted and no canary waits`);
      let next: PlanDoc = { ...plan, interrupted: false, updatedAt: now };
      for (const i of lifts) {
        const p = next.phases[i];
        next = phaseAt(next, i, {
          interrupted: false,
          canaryApproved: p.canaryApproved || awaitingContinue(p),
        });
      }
      return settled(next, now);
    }
    case 'force-complete': {
      if (where.step === undefined) return fail(400, 'step', 'force-complete needs ?step=<step>');
      const step = phase.steps[where.step];
      if (step.status === 'COMPLETE')
        return fail(409, 'step', `step '${step.name}' is already COMPLETE`);
      const at = { phase: where.phase, step: where.step };
      return settled(
        withStep(
          plan,
          at,
          (s) => ({
            ...s,
            status: 'COMPLETE',
            message: `forced complete by an operator (was ${s.status})`,
            updatedAt: now,
          }),
          now,
        ),
        now,
      );
    }
    case 'restart': {
      if (!isRolling(plan))
        return fail(
          409,
          'control',
          `a ${plan.kind} step follows its node; remove the node or wait instead of restarting the step`,
        );
      if (where.step === undefined) return fail(400, 'step', 'restart needs ?step=<step>');
      const step = phase.steps[where.step];
      if (step.status === 'PENDING' || step.status === 'WAITING')
        return fail(409, 'step', `step '${step.name}' has not begun; there is nothing to restart`);
      const at = { phase: where.phase, step: where.step };
      return settled(
        withStep(
          plan,
          at,
          (s) => ({
            name: s.name,
            node: s.node,
            status: 'PENDING',
            message: `restarted by an operator (was ${s.status})`,
            updatedAt: now,
          }),
          now,
        ),
        now,
      );
    }
    case 'abort': {
      // A replace plan is aborted as a whole: what it added stays a node of the cluster, and the
      // node it was replacing stays too (unless its removal had begun).
      if (!isRolling(plan) && plan.kind !== 'replace')
        return fail(
          409,
          'control',
          `a ${plan.kind} plan cannot be aborted; interrupt it, or remove the nodes it deploys`,
        );
      if (target.step !== undefined || target.phase !== undefined)
        return fail(
          400,
          target.step !== undefined ? 'step' : 'phase',
          'abort applies to a whole plan',
        );
      return settled(
        {
          ...plan,
          aborted: true,
          message: 'aborted by an operator',
          updatedAt: now,
          finishedAt: now,
        },
        now,
      );
    }
  }
}

function phaseAt(plan: PlanDoc, index: number, patch: Partial<PlanPhase>): PlanDoc {
  return { ...plan, phases: plan.phases.map((p, i) => (i === index ? { ...p, ...patch } : p)) };
}

function settled(after: PlanDoc, now: string): ControlResult {
  return { ok: true, plan: settleHolds(after, now) };
}
