import type { StepStatus } from '@riak-mesos/framework-contract';
import type { PlanDoc, PlanPhase } from './model';
import { BUSY, UNBEGUN, awaitingContinue, isFinished } from './model';

/**
 * Which steps of a phase may begin now, by its strategy:
 * - `parallel`: every step not begun;
 * - `serial`: the first step not begun, once no earlier step is busy (begun and not COMPLETE; an
 *   ERROR holds the phase until it is restarted or force-completed);
 * - `canary`: the first step alone; once it is COMPLETE, nothing until `continue`; then serial.
 * Nothing begins in a finished, aborted or interrupted plan or phase, nor before every earlier
 * phase is COMPLETE.
 */
export function mayBegin(plan: PlanDoc, phaseIndex: number): Set<number> {
  const out = new Set<number>();
  const phase = plan.phases[phaseIndex];
  if (!phase || plan.aborted || isFinished(plan) || plan.interrupted || phase.interrupted)
    return out;
  const earlierDone = plan.phases
    .slice(0, phaseIndex)
    .every((p) => p.steps.every((s) => s.status === 'COMPLETE'));
  if (!earlierDone) return out;
  const steps = phase.steps;
  const unbegun = (i: number) => UNBEGUN.includes(steps[i].status);
  if (phase.strategy === 'parallel') {
    steps.forEach((_, i) => unbegun(i) && out.add(i));
    return out;
  }
  let from = 0;
  if (phase.strategy === 'canary') {
    const canary = steps[0];
    if (!canary) return out;
    if (canary.status !== 'COMPLETE') {
      if (unbegun(0)) out.add(0);
      return out;
    }
    if (!phase.canaryApproved) return out;
    from = 1;
  }
  for (let i = from; i < steps.length; i++) {
    const status = steps[i].status;
    if (status === 'COMPLETE') continue;
    if (BUSY.includes(status)) return out;
    out.add(i);
    return out;
  }
  return out;
}

/** Why a step that has not begun may not: an operator's hold, or only its turn. */
function holdOf(plan: PlanDoc, phase: PlanPhase): StepStatus {
  return plan.interrupted || phase.interrupted || awaitingContinue(phase) ? 'WAITING' : 'PENDING';
}

/**
 * The steps not begun shown as they stand: WAITING when an interrupt or a canary holds them,
 * PENDING otherwise (their turn has not come, or it has and the next progress begins them).
 * Returns the same plan when nothing changes.
 */
export function settleHolds(plan: PlanDoc, now: string): PlanDoc {
  if (plan.aborted || isFinished(plan)) return plan;
  let changed = false;
  const phases = plan.phases.map((phase) => {
    const hold = holdOf(plan, phase);
    const steps = phase.steps.map((s) => {
      if (!UNBEGUN.includes(s.status) || s.status === hold) return s;
      changed = true;
      return { ...s, status: hold, updatedAt: now };
    });
    return { ...phase, steps };
  });
  return changed ? { ...plan, phases, updatedAt: now } : plan;
}
