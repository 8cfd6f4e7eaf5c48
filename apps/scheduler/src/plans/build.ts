import { randomBytes } from 'node:crypto';
import type { OperationView, PlanKind, PlanStrategy } from '@riak-mesos/framework-contract';
import type { RollingOperation } from '../model';
import type { PlanDoc, PlanStep } from './model';
import { DEFAULT_STEP_TIMEOUT_SECONDS, planStatus } from './model';
import { settleHolds } from './strategy';

/** A plan id: its kind, the time in base 36 and a little randomness, e.g. `restart-lz3k9a1b-4f2c`. */
export function newPlanId(kind: PlanKind, now: number): string {
  return `${kind}-${now.toString(36)}-${randomBytes(2).toString('hex')}`;
}

/** The one phase each kind of plan has, and its default strategy. */
const PHASE: Record<PlanKind, { name: string; strategy: PlanStrategy }> = {
  deploy: { name: 'deploy', strategy: 'parallel' },
  restart: { name: 'roll', strategy: 'serial' },
  'config-apply': { name: 'roll', strategy: 'serial' },
  upgrade: { name: 'roll', strategy: 'serial' },
  remove: { name: 'remove', strategy: 'parallel' },
  destroy: { name: 'destroy', strategy: 'parallel' },
  // Two phases, built by newReplacePlan (./replace.ts).
  replace: { name: 'add', strategy: 'serial' },
};

export interface NewPlan {
  kind: PlanKind;
  cluster: string;
  /** Node keys, one step each, in order. */
  nodes: string[];
  strategy?: PlanStrategy;
  targetRiakVersion?: string;
  fromRiakVersion?: string;
  rollbackOf?: string;
  stepTimeoutSeconds?: number;
  now: number;
  id?: string;
}

/** A new plan of one phase with a PENDING step per node. */
export function newPlan(p: NewPlan): PlanDoc {
  const iso = new Date(p.now).toISOString();
  const phase = PHASE[p.kind];
  const strategy = p.strategy ?? phase.strategy;
  // A destroy follows its nodes' removal; a remove plan may take them one at a time (a
  // scale-down: each node is asked to leave when its step begins).
  if (p.kind === 'destroy' && strategy !== 'parallel')
    throw new RangeError(`a ${p.kind} plan follows its nodes' removal; it has no strategy`);
  if (p.kind === 'replace') throw new RangeError('a replace plan is made by newReplacePlan');
  if (p.kind === 'remove' && strategy === 'canary')
    throw new RangeError('a remove plan is serial or parallel');
  const plan: PlanDoc = {
    id: p.id ?? newPlanId(p.kind, p.now),
    cluster: p.cluster,
    kind: p.kind,
    interrupted: false,
    aborted: false,
    phases: [
      {
        name: phase.name,
        strategy,
        interrupted: false,
        canaryApproved: false,
        steps: p.nodes.map((node) => ({ name: node, node, status: 'PENDING', updatedAt: iso })),
      },
    ],
    ...(p.targetRiakVersion !== undefined ? { targetRiakVersion: p.targetRiakVersion } : {}),
    ...(p.fromRiakVersion !== undefined ? { fromRiakVersion: p.fromRiakVersion } : {}),
    ...(p.rollbackOf !== undefined ? { rollbackOf: p.rollbackOf } : {}),
    stepTimeoutSeconds: p.stepTimeoutSeconds ?? DEFAULT_STEP_TIMEOUT_SECONDS,
    createdAt: iso,
    updatedAt: iso,
  };
  return settleHolds(plan, iso);
}

/** The old operation kinds and the plan kinds they are. */
const LEGACY_KIND = { restart: 'restart', config: 'config-apply', upgrade: 'upgrade' } as const;

/**
 * A rolling operation stored by an older scheduler (in the cluster document) as a plan: the
 * nodes done are COMPLETE, the one under way STARTING without a known executor (so it counts as
 * restarted once it runs, as the old code judged it), the rest PENDING; paused is interrupted.
 */
export function planFromLegacy(cluster: string, op: RollingOperation, now: number): PlanDoc {
  const iso = new Date(now).toISOString();
  const plan = newPlan({
    kind: LEGACY_KIND[op.kind],
    cluster,
    nodes: op.order,
    ...(op.targetRiakVersion !== undefined ? { targetRiakVersion: op.targetRiakVersion } : {}),
    now,
    id: `${LEGACY_KIND[op.kind]}-${op.id.replace(/[^A-Za-z0-9_.-]/g, '').slice(0, 60) || 'legacy'}`,
  });
  const steps = plan.phases[0].steps.map((s, i): PlanStep => {
    if (i < op.done)
      return { ...s, status: 'COMPLETE', message: 'done before the upgrade to plans' };
    if (s.node === op.current) return { ...s, status: 'STARTING', startedAt: iso };
    return s;
  });
  return settleHolds(
    {
      ...plan,
      interrupted: op.state === 'paused',
      phases: [{ ...plan.phases[0], steps }],
      createdAt: op.startedAt,
      message: 'taken over from a rolling operation of an older scheduler',
    },
    iso,
  );
}

/**
 * A rolling plan in the shape of the old operation view (`GET /clusters/{c}/operation` and the
 * cluster view's `operation`): WAITING is paused, ERROR failed, ABORTED aborted, COMPLETE done.
 */
export function legacyOperationView(plan: PlanDoc): OperationView {
  const steps = plan.phases.flatMap((p) => p.steps);
  const status = planStatus(plan);
  const current = steps.find((s) =>
    ['STARTING', 'STARTED', 'DELAYED', 'PREPARED'].includes(s.status),
  );
  const failed = steps.find((s) => s.status === 'ERROR');
  const message = failed ? `${failed.node}: ${failed.message ?? 'failed'}` : plan.message;
  return {
    id: plan.id,
    kind: plan.kind === 'config-apply' ? 'config' : plan.kind === 'upgrade' ? 'upgrade' : 'restart',
    state:
      status === 'COMPLETE'
        ? 'done'
        : status === 'ABORTED'
          ? 'aborted'
          : status === 'ERROR'
            ? 'failed'
            : status === 'WAITING'
              ? 'paused'
              : 'running',
    order: steps.map((s) => s.node),
    done: steps.filter((s) => s.status === 'COMPLETE').length,
    ...(current ? { current: current.node } : {}),
    ...(plan.targetRiakVersion !== undefined ? { targetRiakVersion: plan.targetRiakVersion } : {}),
    startedAt: plan.createdAt,
    ...(message !== undefined ? { message } : {}),
  };
}

/**
 * What aborting an upgrade leaves to do: a plan that takes the nodes already moved to the target
 * version (or moving) back to the version the cluster ran, one at a time, in the order they were
 * upgraded. Undefined when there is nothing to roll back.
 */
export function rollbackPlan(
  aborted: PlanDoc,
  nodes: ReadonlyMap<string, { riakVersion?: string }>,
  now: number,
): PlanDoc | undefined {
  if (aborted.kind !== 'upgrade' || !aborted.fromRiakVersion || !aborted.targetRiakVersion)
    return undefined;
  const moved = aborted.phases
    .flatMap((p) => p.steps)
    .filter(
      (s) =>
        nodes.get(s.node)?.riakVersion === aborted.targetRiakVersion ||
        (s.status !== 'PENDING' && s.status !== 'WAITING' && s.status !== 'COMPLETE'),
    )
    .map((s) => s.node)
    .filter((n) => nodes.has(n));
  if (!moved.length) return undefined;
  return newPlan({
    kind: 'upgrade',
    cluster: aborted.cluster,
    nodes: moved,
    strategy: 'serial',
    targetRiakVersion: aborted.fromRiakVersion,
    fromRiakVersion: aborted.targetRiakVersion,
    rollbackOf: aborted.id,
    stepTimeoutSeconds: aborted.stepTimeoutSeconds,
    now,
  });
}
