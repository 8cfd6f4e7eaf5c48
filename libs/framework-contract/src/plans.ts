import { z } from 'zod';

/**
 * Plans (docs/scheduler.md#plans): every multi-step action on a cluster is a plan of phases of
 * steps, persisted by the scheduler and shown by its API (`GET /clusters/{c}/plans[/{plan}]`).
 * The scheduler answers these views; the CLI and the explorer parse them with these schemas.
 */

/**
 * What a plan does: place new nodes, roll over the nodes one way or another, take them away, or
 * replace one node by a new one on another agent (`replace`).
 */
export const PLAN_KINDS = [
  'deploy',
  'restart',
  'config-apply',
  'upgrade',
  'remove',
  'destroy',
  'replace',
] as const;
export type PlanKind = (typeof PLAN_KINDS)[number];

/** The kinds that stop and relaunch nodes one by one (the old "rolling operations"). */
export const ROLLING_PLAN_KINDS = ['restart', 'config-apply', 'upgrade'] as const;
export type RollingPlanKind = (typeof ROLLING_PLAN_KINDS)[number];

/**
 * A step's status: `PENDING` not begun; `PREPARED` allowed to begin, waiting for its node to be
 * ready for it; `STARTING` its action was taken and the node is on its way; `STARTED` the node
 * runs, waiting for the last check (ring membership); `COMPLETE`; `WAITING` held by an interrupt
 * or by a canary waiting for `continue`; `ERROR` failed or timed out (`restart` or
 * `force-complete` it); `DELAYED` its node waits out a relaunch backoff.
 */
export const STEP_STATUSES = [
  'PENDING',
  'PREPARED',
  'STARTING',
  'STARTED',
  'COMPLETE',
  'WAITING',
  'ERROR',
  'DELAYED',
] as const;
export type StepStatus = (typeof STEP_STATUSES)[number];

/** A phase's or a plan's status, summed up from its steps (plus `ABORTED` for a plan). */
export const PLAN_STATUSES = [
  'PENDING',
  'IN_PROGRESS',
  'WAITING',
  'DELAYED',
  'ERROR',
  'COMPLETE',
  'ABORTED',
] as const;
export type PlanStatus = (typeof PLAN_STATUSES)[number];

/**
 * How a phase's steps go: `serial` one at a time in order; `parallel` all at once; `canary` the
 * first step alone, then a wait for `continue`, then the rest one at a time.
 */
export const PLAN_STRATEGIES = ['serial', 'parallel', 'canary'] as const;
export type PlanStrategy = (typeof PLAN_STRATEGIES)[number];

/**
 * What an operator can do to a plan: `interrupt` (pause: no step begins), `continue` (resume, and
 * let a canary go on), `force-complete` a step, `restart` a step (begin it again), `abort` the plan.
 */
export const PLAN_CONTROLS = [
  'interrupt',
  'continue',
  'force-complete',
  'restart',
  'abort',
] as const;
export type PlanControl = (typeof PLAN_CONTROLS)[number];

export const planStepViewSchema = z.object({
  /** Unique in its plan: the node's key. */
  name: z.string().min(1),
  node: z.string().min(1),
  status: z.enum(STEP_STATUSES),
  /** Why the step is where it is (what it waits for, what failed). */
  message: z.string().optional(),
  /** A `DELAYED` step: when its node's next launch attempt may begin (ISO). */
  nextAttemptAt: z.string().optional(),
  updatedAt: z.string(),
});
export type PlanStepView = z.output<typeof planStepViewSchema>;

export const planPhaseViewSchema = z.object({
  name: z.string().min(1),
  strategy: z.enum(PLAN_STRATEGIES),
  status: z.enum(PLAN_STATUSES),
  /** Interrupted on its own (`interrupt?phase=`). */
  interrupted: z.boolean(),
  /** A canary phase whose first step is done and waits for `continue`. */
  awaitingContinue: z.boolean(),
  steps: z.array(planStepViewSchema),
});
export type PlanPhaseView = z.output<typeof planPhaseViewSchema>;

export const planViewSchema = z.object({
  id: z.string().min(1),
  cluster: z.string().min(1),
  kind: z.enum(PLAN_KINDS),
  status: z.enum(PLAN_STATUSES),
  interrupted: z.boolean(),
  phases: z.array(planPhaseViewSchema),
  /** An upgrade's Riak version. */
  targetRiakVersion: z.string().optional(),
  message: z.string().optional(),
  createdAt: z.string(),
  updatedAt: z.string(),
});
export type PlanView = z.output<typeof planViewSchema>;

/** `GET /clusters/{c}/plans`: newest last. */
export const planListAnswerSchema = z.object({ plans: z.array(planViewSchema) });
export type PlanListAnswer = z.output<typeof planListAnswerSchema>;
/** `GET /clusters/{c}/plans/{p}` and `POST /clusters/{c}/plans/{p}/{control}`. */
export const planAnswerSchema = z.object({ plan: planViewSchema });
export type PlanAnswer = z.output<typeof planAnswerSchema>;
