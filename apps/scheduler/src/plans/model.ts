import type {
  PlanPhaseView,
  PlanStatus,
  PlanView,
  StepStatus,
} from '@riak-mesos/framework-contract';
import {
  PLAN_KINDS,
  PLAN_STRATEGIES,
  ROLLING_PLAN_KINDS,
  STEP_STATUSES,
} from '@riak-mesos/framework-contract';
import { isValidName } from '@riak-mesos/zk';
import { z } from 'zod';

/**
 * A plan as the scheduler stores it in ZooKeeper (one document per plan under its cluster): the
 * view the API answers plus what the scheduler needs to resume it exactly where it stood. The
 * statuses of phases and plans are not stored: they follow from the steps (`planView`).
 */

const planId = z
  .string()
  .refine(isValidName, 'plan id must be letters, digits, _ - . and start with a letter or digit');

export const planStepSchema = z.object({
  name: z.string().min(1),
  node: z.string().min(1),
  status: z.enum(STEP_STATUSES),
  message: z.string().optional(),
  /** A `DELAYED` step: when its node's next launch attempt may begin (the node's relaunchAfter). */
  nextAttemptAt: z.string().optional(),
  updatedAt: z.string(),
  /** When the step's action was taken (a rolling step's restart): its timeout counts from here. */
  startedAt: z.string().optional(),
  /**
   * The executor its node ran on when a rolling step restarted it: the node running on another one
   * has been relaunched; on the same one, the restart was never carried out (asked again).
   */
  fromExecutor: z.string().optional(),
});
export type PlanStep = z.infer<typeof planStepSchema>;

export const planPhaseSchema = z.object({
  name: z.string().min(1),
  strategy: z.enum(PLAN_STRATEGIES),
  interrupted: z.boolean(),
  /** A canary phase's `continue` after its first step. */
  canaryApproved: z.boolean(),
  steps: z.array(planStepSchema),
});
export type PlanPhase = z.infer<typeof planPhaseSchema>;

export const planDocSchema = z.object({
  id: planId,
  cluster: z.string().min(1),
  kind: z.enum(PLAN_KINDS),
  interrupted: z.boolean(),
  aborted: z.boolean(),
  phases: z.array(planPhaseSchema).min(1),
  targetRiakVersion: z.string().optional(),
  /** An upgrade: the version the cluster ran when it began (what an abort rolls back to). */
  fromRiakVersion: z.string().optional(),
  /** The upgrade this plan rolls back (made by aborting it). */
  rollbackOf: z.string().optional(),
  message: z.string().optional(),
  /**
   * A replace plan (./replace.ts): the node replaced, the new node replacing it, and why (an
   * operator's request, or the permanent-failure timeout).
   */
  replace: z
    .object({ node: z.string().min(1), by: z.string().min(1), reason: z.string().min(1) })
    .optional(),
  /** A rolling step still not done this long after its restart is an ERROR. */
  stepTimeoutSeconds: z.number().int().positive(),
  createdAt: z.string(),
  updatedAt: z.string(),
  /** Set once COMPLETE or ABORTED; finished plans are kept (the last few) to be read. */
  finishedAt: z.string().optional(),
});
export type PlanDoc = z.infer<typeof planDocSchema>;

export const PLAN_SCHEMA_VERSION = 1;

/** Default step timeout of rolling plans: a Riak node restarting with much data is slow. */
export const DEFAULT_STEP_TIMEOUT_SECONDS = 1800;

/** Finished plans kept per cluster (active ones are always kept). */
export const FINISHED_PLANS_KEPT = 10;

export function isRolling(plan: Pick<PlanDoc, 'kind'>): boolean {
  return (ROLLING_PLAN_KINDS as readonly string[]).includes(plan.kind);
}

/** Remove and destroy plans only report what the node lifecycle does; no control acts on them. */
/**
 * A plan that only reports its nodes' removal: a destroy, or a remove of nodes already unwanted
 * (parallel). A serial remove plan (a scale-down) asks each node to leave in turn: interrupt and
 * continue hold and release the next one.
 */
export function isObservational(plan: Pick<PlanDoc, 'kind' | 'phases'>): boolean {
  if (plan.kind === 'destroy') return true;
  return plan.kind === 'remove' && plan.phases.every((p) => p.strategy === 'parallel');
}

export function isFinished(plan: Pick<PlanDoc, 'finishedAt'>): boolean {
  return plan.finishedAt !== undefined;
}

/** Steps that have begun (hold their place in a serial phase) but are not done. */
export const BUSY: readonly StepStatus[] = ['PREPARED', 'STARTING', 'STARTED', 'DELAYED', 'ERROR'];
/** Steps that have not begun. */
export const UNBEGUN: readonly StepStatus[] = ['PENDING', 'WAITING'];

/** A canary phase whose first step is done, the rest waiting for `continue`. */
export function awaitingContinue(phase: PlanPhase): boolean {
  return (
    phase.strategy === 'canary' &&
    !phase.canaryApproved &&
    phase.steps[0]?.status === 'COMPLETE' &&
    phase.steps.slice(1).some((s) => s.status !== 'COMPLETE')
  );
}

/** The status of a set of steps: the most telling of theirs. */
function sumUp(statuses: StepStatus[], held: boolean): PlanStatus {
  if (statuses.every((s) => s === 'COMPLETE')) return 'COMPLETE';
  if (statuses.includes('ERROR')) return 'ERROR';
  if (held || statuses.includes('WAITING')) {
    // Held, and nothing else moving: the plan waits for an operator.
    const moving = statuses.some((s) => s === 'PREPARED' || s === 'STARTING' || s === 'STARTED');
    if (!moving) return 'WAITING';
  }
  if (statuses.includes('DELAYED') && !statuses.some((s) => s === 'STARTING' || s === 'STARTED'))
    return 'DELAYED';
  if (statuses.every((s) => s === 'PENDING')) return 'PENDING';
  return 'IN_PROGRESS';
}

export function phaseStatus(plan: PlanDoc, phase: PlanPhase): PlanStatus {
  if (plan.aborted)
    return phase.steps.every((s) => s.status === 'COMPLETE') ? 'COMPLETE' : 'ABORTED';
  return sumUp(
    phase.steps.map((s) => s.status),
    plan.interrupted || phase.interrupted || awaitingContinue(phase),
  );
}

export function planStatus(plan: PlanDoc): PlanStatus {
  if (plan.aborted) return 'ABORTED';
  const statuses = plan.phases.map((p) => phaseStatus(plan, p));
  if (statuses.every((s) => s === 'COMPLETE')) return 'COMPLETE';
  if (statuses.includes('ERROR')) return 'ERROR';
  if (statuses.includes('IN_PROGRESS')) return 'IN_PROGRESS';
  if (statuses.includes('WAITING')) return 'WAITING';
  if (statuses.includes('DELAYED')) return 'DELAYED';
  if (statuses.every((s) => s === 'PENDING')) return plan.interrupted ? 'WAITING' : 'PENDING';
  return 'IN_PROGRESS';
}

/** The plan as the API answers it. */
export function planView(plan: PlanDoc): PlanView {
  const phases: PlanPhaseView[] = plan.phases.map((p) => ({
    name: p.name,
    strategy: p.strategy,
    status: phaseStatus(plan, p),
    interrupted: p.interrupted,
    awaitingContinue: awaitingContinue(p),
    steps: p.steps.map((s) => ({
      name: s.name,
      node: s.node,
      status: s.status,
      ...(s.message !== undefined ? { message: s.message } : {}),
      ...(s.status === 'DELAYED' && s.nextAttemptAt !== undefined
        ? { nextAttemptAt: s.nextAttemptAt }
        : {}),
      updatedAt: s.updatedAt,
    })),
  }));
  return {
    id: plan.id,
    cluster: plan.cluster,
    kind: plan.kind,
    status: planStatus(plan),
    interrupted: plan.interrupted,
    phases,
    ...(plan.targetRiakVersion !== undefined ? { targetRiakVersion: plan.targetRiakVersion } : {}),
    ...(plan.message !== undefined ? { message: plan.message } : {}),
    createdAt: plan.createdAt,
    updatedAt: plan.updatedAt,
  };
}

/** Every step of a plan with its phase's index. */
export function allSteps(plan: PlanDoc): { phase: number; step: number; value: PlanStep }[] {
  return plan.phases.flatMap((p, phase) => p.steps.map((value, step) => ({ phase, step, value })));
}
