/**
 * Plans as data (docs/scheduler.md#plans): every multi-step action on a cluster is a persisted
 * plan of phases of steps. Pure functions decide (strategies, controls, progress, the deploy
 * gate); the runner persists their decisions and then acts on them.
 */
export { legacyOperationView, newPlan, newPlanId, planFromLegacy, rollbackPlan } from './build';
export type { NewPlan } from './build';
export { applyControl } from './controls';
export type { ControlError, ControlResult, ControlTarget } from './controls';
export { mayPlace } from './gate';
export {
  DEFAULT_STEP_TIMEOUT_SECONDS,
  FINISHED_PLANS_KEPT,
  isFinished,
  isObservational,
  isRolling,
  planDocSchema,
  planStatus,
  planView,
} from './model';
export type { PlanDoc, PlanPhase, PlanStep } from './model';
export { progressPlan } from './progress';
export { canLeave, newReplacePlan } from './replace';
export type { Observations, PlanAction, Progress, RingFact } from './progress';
export { progressPlans, ringFact } from './runner';
export type { PlanRunnerDeps } from './runner';
export { mayBegin, settleHolds } from './strategy';
