import type { PlanDoc } from './model';
import { UNBEGUN, isFinished } from './model';
import { mayBegin } from './strategy';

/**
 * Whether the offer code may place a node now: false while an unfinished deploy or replace plan
 * holds the node's step (the plan or its phase is interrupted, a canary waits for `continue`, or a serial
 * phase has an earlier step unfinished); true once the step has begun, and for nodes no deploy
 * plan mentions.
 */
export function mayPlace(plans: readonly PlanDoc[], nodeKey: string): boolean {
  for (const plan of plans) {
    if ((plan.kind !== 'deploy' && plan.kind !== 'replace') || isFinished(plan)) continue;
    for (let pi = 0; pi < plan.phases.length; pi++) {
      const si = plan.phases[pi].steps.findIndex((s) => s.node === nodeKey);
      if (si < 0) continue;
      const step = plan.phases[pi].steps[si];
      if (!UNBEGUN.includes(step.status)) continue;
      if (!mayBegin(plan, pi).has(si)) return false;
    }
  }
  return true;
}
