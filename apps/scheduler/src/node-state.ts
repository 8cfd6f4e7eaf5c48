/**
 * The lifecycle of one Riak node as the scheduler drives it. Every transition is checked against
 * this table, logged and persisted before the scheduler acts on it, so that a crash at any point
 * resumes from the persisted state.
 *
 *   requested ──RESERVE sent──▶ reserving ──reservation+volume seen──▶ reserved ──LAUNCH sent──▶ launching
 *   launching ──TASK_STARTING──▶ starting ──TASK_RUNNING──▶ running
 *   running/starting/launching ──unintended failure──▶ restarting ──LAUNCH sent──▶ launching
 *   running ──remove──▶ leaving ──left──▶ shutting_down ──task gone──▶ shut_down ──▶ unreserving ──▶ (deleted)
 *   any ──unrecoverable──▶ failed
 *   launching/starting/running/restarting ──agent lost too long──▶ requested (replaced elsewhere)
 */
export const NODE_STATES = [
  'requested',
  'reserving',
  'reserved',
  'launching',
  'starting',
  'running',
  'restarting',
  'leaving',
  'shutting_down',
  'shut_down',
  'unreserving',
  'failed',
] as const;

export type NodeState = (typeof NODE_STATES)[number];

const TRANSITIONS: Record<NodeState, readonly NodeState[]> = {
  requested: ['reserving', 'shut_down', 'failed'],
  reserving: ['reserved', 'requested', 'unreserving', 'failed'],
  reserved: ['launching', 'unreserving', 'failed'],
  launching: ['starting', 'running', 'restarting', 'shutting_down', 'failed', 'requested'],
  starting: ['running', 'restarting', 'shutting_down', 'failed', 'requested'],
  running: ['restarting', 'leaving', 'shutting_down', 'failed', 'requested'],
  restarting: ['launching', 'shutting_down', 'unreserving', 'failed', 'requested'],
  leaving: ['shutting_down', 'running', 'failed'],
  shutting_down: ['shut_down', 'failed'],
  shut_down: ['unreserving', 'launching'],
  unreserving: ['shut_down', 'failed'],
  failed: ['restarting', 'shutting_down', 'unreserving'],
};

export class InvalidTransitionError extends Error {
  constructor(
    readonly from: NodeState,
    readonly to: NodeState,
  ) {
    super(`a node cannot go from ${from} to ${to}`);
    this.name = 'InvalidTransitionError';
  }
}

export function canTransition(from: NodeState, to: NodeState): boolean {
  return from === to || TRANSITIONS[from].includes(to);
}

export function assertTransition(from: NodeState, to: NodeState): void {
  if (!canTransition(from, to)) throw new InvalidTransitionError(from, to);
}

/** States in which the node has (or is about to have) a task on Mesos. */
export function hasTask(state: NodeState): boolean {
  return (
    state === 'launching' ||
    state === 'starting' ||
    state === 'running' ||
    state === 'leaving' ||
    state === 'shutting_down'
  );
}

/** States in which the node holds (or is acquiring) reserved resources and a volume. */
export function holdsReservation(state: NodeState): boolean {
  return state !== 'requested' && state !== 'failed';
}
