// Over 400 lines: the simulation cases of the plans (scripted observations in, statuses and
// actions out) read best together, sharing their few helpers.
import { planViewSchema } from '@riak-mesos/framework-contract';
import type { NodeDoc } from '../model';
import type { NodeState } from '../node-state';
import type { PlanDoc, RingFact } from './index';
import {
  applyControl,
  legacyOperationView,
  mayBegin,
  mayPlace,
  newPlan,
  planDocSchema,
  planFromLegacy,
  planStatus,
  planView,
  progressPlan,
  rollbackPlan,
} from './index';

const T0 = Date.parse('2024-05-01T10:00:00.000Z');
const KEYS = ['riak-c-1', 'riak-c-2', 'riak-c-3'];

function node(key: string, state: NodeState, patch: Partial<NodeDoc> = {}): NodeDoc {
  return {
    key,
    cluster: 'c',
    generation: Number(key.split('-').pop()),
    state,
    wanted: true,
    persistenceId: `${key}-vol`,
    reservedPorts: [],
    taskId: key,
    executorId: `${key}-exec-1`,
    hostname: 'host-a',
    member: state === 'running',
    failures: 0,
    createdAt: '2024-05-01T09:00:00.000Z',
    updatedAt: '2024-05-01T09:00:00.000Z',
    ...patch,
  };
}

/** The cluster as observed: every node running on its first executor unless said otherwise. */
function cluster(over: Record<string, Partial<NodeDoc> & { state?: NodeState }> = {}) {
  return new Map(
    KEYS.map((k) => {
      const { state = 'running', ...patch } = over[k] ?? {};
      return [k, node(k, state, patch)] as const;
    }),
  );
}

const ready: RingFact = { validMember: true, ringReady: true, transfersActive: false };

function step(plan: PlanDoc, i: number) {
  return plan.phases[0].steps[i];
}
const statuses = (plan: PlanDoc) => plan.phases[0].steps.map((s) => s.status);

function rolling(strategy: 'serial' | 'parallel' | 'canary' = 'serial', nodes = KEYS): PlanDoc {
  return newPlan({ kind: 'restart', cluster: 'c', nodes, strategy, now: T0, id: 'restart-1' });
}

function deploy(strategy: 'serial' | 'parallel' | 'canary' = 'parallel'): PlanDoc {
  return newPlan({ kind: 'deploy', cluster: 'c', nodes: KEYS, strategy, now: T0, id: 'deploy-1' });
}

/** Applies a control that must succeed. */
function control(plan: PlanDoc, c: Parameters<typeof applyControl>[1], step?: string): PlanDoc {
  const res = applyControl(plan, c, step ? { step } : {}, new Date(T0).toISOString());
  if (!res.ok) throw new Error(res.error.message);
  return res.plan;
}

/**
 * Drives one rolling step from its restart to COMPLETE, as the driver's loop would see it: the
 * node stops, is relaunched on a new executor, and its ring answers valid and ready.
 */
function rollStep(plan: PlanDoc, key: string, nodes: Map<string, NodeDoc>, t: number): PlanDoc {
  nodes.set(key, node(key, 'restarting', { member: true }));
  let p = progressPlan(plan, { nodes }, t).plan;
  nodes.set(key, node(key, 'running', { executorId: `${key}-exec-2` }));
  p = progressPlan(p, { nodes }, t + 1000).plan;
  return progressPlan(p, { nodes, ring: new Map([[key, ready]]) }, t + 2000).plan;
}

describe('strategies', () => {
  it('serial: one step at a time, in order', () => {
    const plan = rolling('serial');
    expect([...mayBegin(plan, 0)]).toEqual([0]);
    const first = progressPlan(plan, { nodes: cluster() }, T0).plan;
    expect(statuses(first)).toEqual(['STARTING', 'PENDING', 'PENDING']);
    expect([...mayBegin(first, 0)]).toEqual([]);
  });

  it('parallel: every step at once', () => {
    const res = progressPlan(rolling('parallel'), { nodes: cluster() }, T0);
    expect(statuses(res.plan)).toEqual(['STARTING', 'STARTING', 'STARTING']);
    expect(res.actions.map((a) => [a.type, a.node])).toEqual(KEYS.map((k) => ['restart-node', k]));
  });

  it('canary: the first step alone, then nothing until continue, then the rest serially', () => {
    const nodes = cluster();
    let plan = progressPlan(rolling('canary'), { nodes }, T0).plan;
    expect(statuses(plan)).toEqual(['STARTING', 'PENDING', 'PENDING']);
    plan = rollStep(plan, 'riak-c-1', nodes, T0 + 1000);
    expect(statuses(plan)).toEqual(['COMPLETE', 'WAITING', 'WAITING']);
    expect(planStatus(plan)).toBe('WAITING');
    expect(planView(plan).phases[0].awaitingContinue).toBe(true);
    expect(progressPlan(plan, { nodes }, T0 + 9000).actions).toEqual([]);
    plan = control(plan, 'continue');
    const res = progressPlan(plan, { nodes }, T0 + 10000);
    expect(statuses(res.plan)).toEqual(['COMPLETE', 'STARTING', 'PENDING']);
    expect(res.actions).toEqual([
      {
        type: 'restart-node',
        plan: 'restart-1',
        node: 'riak-c-2',
        fromExecutor: 'riak-c-2-exec-1',
      },
    ]);
  });

  it('serial: a step in ERROR holds the phase; parallel: it does not hold the others', () => {
    const failed = cluster({ 'riak-c-1': { state: 'failed' } });
    const serial = progressPlan(rolling('serial'), { nodes: failed }, T0).plan;
    expect(statuses(serial)).toEqual(['ERROR', 'PENDING', 'PENDING']);
    expect(mayBegin(serial, 0).size).toBe(0);
    const parallel = progressPlan(rolling('parallel'), { nodes: failed }, T0).plan;
    expect(statuses(parallel)).toEqual(['ERROR', 'STARTING', 'STARTING']);
  });

  it('nothing begins in an interrupted plan or phase', () => {
    const plan = rolling('parallel');
    expect(mayBegin(control(plan, 'interrupt'), 0).size).toBe(0);
    const res = applyControl(plan, 'interrupt', { phase: 'roll' }, new Date(T0).toISOString());
    expect(res.ok && mayBegin(res.plan, 0).size).toBe(0);
    expect(res.ok && statuses(res.plan)).toEqual(['WAITING', 'WAITING', 'WAITING']);
  });

  it('a later phase waits for every step of the earlier ones', () => {
    const one = rolling('parallel', ['riak-c-1']);
    const two = rolling('parallel', ['riak-c-2']);
    const plan: PlanDoc = { ...one, phases: [one.phases[0], { ...two.phases[0], name: 'two' }] };
    expect([...mayBegin(plan, 1)]).toEqual([]);
    const nodes = cluster();
    const after = rollStep(progressPlan(plan, { nodes }, T0).plan, 'riak-c-1', nodes, T0 + 1000);
    expect(after.phases.map((p) => p.steps[0].status)).toEqual(['COMPLETE', 'STARTING']);
  });
});

describe('rolling plans', () => {
  it('restarts a running node: STARTING with the executor it ran on, and the action', () => {
    const res = progressPlan(rolling(), { nodes: cluster() }, T0);
    expect(step(res.plan, 0)).toMatchObject({
      status: 'STARTING',
      fromExecutor: 'riak-c-1-exec-1',
      startedAt: new Date(T0).toISOString(),
    });
    expect(res.actions).toEqual([
      {
        type: 'restart-node',
        plan: 'restart-1',
        node: 'riak-c-1',
        fromExecutor: 'riak-c-1-exec-1',
      },
    ]);
  });

  it('waits while the node is stopped and relaunched, then checks the ring', () => {
    const nodes = cluster();
    let plan = progressPlan(rolling(), { nodes }, T0).plan;
    nodes.set('riak-c-1', node('riak-c-1', 'launching', { executorId: 'riak-c-1-exec-2' }));
    let res = progressPlan(plan, { nodes }, T0 + 1000);
    expect(step(res.plan, 0)).toMatchObject({ status: 'STARTING', message: 'node is launching' });
    expect(res.actions).toEqual([]);
    nodes.set('riak-c-1', node('riak-c-1', 'running', { executorId: 'riak-c-1-exec-2' }));
    res = progressPlan(res.plan, { nodes }, T0 + 2000);
    plan = res.plan;
    expect(step(plan, 0).status).toBe('STARTED');
    expect(res.actions).toEqual([{ type: 'check-ring', plan: 'restart-1', node: 'riak-c-1' }]);
  });

  it('a ring not ready yet keeps the step STARTED with the reason, and asks again', () => {
    const nodes = cluster({ 'riak-c-1': { executorId: 'riak-c-1-exec-2' } });
    const started: PlanDoc = {
      ...rolling(),
      phases: [
        {
          ...rolling().phases[0],
          steps: rolling().phases[0].steps.map((s, i) =>
            i === 0
              ? {
                  ...s,
                  status: 'STARTED',
                  fromExecutor: 'riak-c-1-exec-1',
                  startedAt: '2024-05-01T10:00:00.000Z',
                }
              : s,
          ),
        },
      ],
    };
    const ring = new Map([['riak-c-1', { validMember: true, ringReady: false }]]);
    const res = progressPlan(started, { nodes, ring }, T0 + 5000);
    expect(step(res.plan, 0)).toMatchObject({
      status: 'STARTED',
      message: 'back; the ring is not ready yet',
    });
    expect(res.actions.map((a) => a.type)).toEqual(['check-ring']);
  });

  it('a valid member in a ready ring completes the step and the next one begins at once', () => {
    const nodes = cluster();
    const plan = rollStep(progressPlan(rolling(), { nodes }, T0).plan, 'riak-c-1', nodes, T0);
    expect(statuses(plan)).toEqual(['COMPLETE', 'STARTING', 'PENDING']);
    expect(step(plan, 0).message).toBe('back: a valid member, ring ready, no transfers');
  });

  it('runs a whole rolling restart to COMPLETE', () => {
    const nodes = cluster();
    let plan = progressPlan(rolling(), { nodes }, T0).plan;
    KEYS.forEach((k, i) => (plan = rollStep(plan, k, nodes, T0 + i * 10000)));
    expect(statuses(plan)).toEqual(['COMPLETE', 'COMPLETE', 'COMPLETE']);
    expect(planStatus(plan)).toBe('COMPLETE');
    expect(plan.finishedAt).toBeDefined();
    expect(progressPlan(plan, { nodes }, T0 + 99000).plan).toBe(plan);
    expect(legacyOperationView(plan)).toMatchObject({ state: 'done', done: 3, kind: 'restart' });
  });

  it('interrupt: the step under way finishes, the next waits; continue lets it begin', () => {
    const nodes = cluster();
    let plan = control(progressPlan(rolling(), { nodes }, T0).plan, 'interrupt');
    expect(statuses(plan)).toEqual(['STARTING', 'WAITING', 'WAITING']);
    expect(planStatus(plan)).toBe('IN_PROGRESS');
    plan = rollStep(plan, 'riak-c-1', nodes, T0 + 1000);
    expect(statuses(plan)).toEqual(['COMPLETE', 'WAITING', 'WAITING']);
    expect(planStatus(plan)).toBe('WAITING');
    expect(legacyOperationView(plan).state).toBe('paused');
    plan = control(plan, 'continue');
    expect(statuses(plan)).toEqual(['COMPLETE', 'PENDING', 'PENDING']);
    const res = progressPlan(plan, { nodes }, T0 + 5000);
    expect(statuses(res.plan)).toEqual(['COMPLETE', 'STARTING', 'PENDING']);
  });

  it('a node that fails puts its step in ERROR; restart of the step begins it again', () => {
    const nodes = cluster();
    let plan = progressPlan(rolling(), { nodes }, T0).plan;
    nodes.set('riak-c-1', node('riak-c-1', 'failed', { lastTaskMessage: 'disk full' }));
    plan = progressPlan(plan, { nodes }, T0 + 1000).plan;
    expect(step(plan, 0)).toMatchObject({ status: 'ERROR', message: 'node failed: disk full' });
    expect(planStatus(plan)).toBe('ERROR');
    expect(legacyOperationView(plan)).toMatchObject({ state: 'failed' });
    expect(progressPlan(plan, { nodes }, T0 + 2000).actions).toEqual([]);
    plan = control(plan, 'restart', 'riak-c-1');
    expect(step(plan, 0)).toMatchObject({ status: 'PENDING' });
    expect(step(plan, 0).fromExecutor).toBeUndefined();
    nodes.set('riak-c-1', node('riak-c-1', 'running', { executorId: 'riak-c-1-exec-3' }));
    const res = progressPlan(plan, { nodes }, T0 + 3000);
    expect(step(res.plan, 0)).toMatchObject({
      status: 'STARTING',
      fromExecutor: 'riak-c-1-exec-3',
    });
    expect(res.actions.map((a) => a.type)).toEqual(['restart-node']);
  });

  it('a step not back within the step timeout is an ERROR', () => {
    const nodes = cluster();
    const plan = progressPlan({ ...rolling(), stepTimeoutSeconds: 60 }, { nodes }, T0).plan;
    nodes.set('riak-c-1', node('riak-c-1', 'starting', { executorId: 'riak-c-1-exec-2' }));
    expect(step(progressPlan(plan, { nodes }, T0 + 59000).plan, 0).status).toBe('STARTING');
    const late = progressPlan(plan, { nodes }, T0 + 61000).plan;
    expect(step(late, 0)).toMatchObject({
      status: 'ERROR',
      message: 'not back as a valid ring member within 60 s (node is starting)',
    });
  });

  it('force-complete of a step in ERROR lets the plan go on', () => {
    const nodes = cluster({ 'riak-c-1': { state: 'failed' } });
    let plan = progressPlan(rolling(), { nodes }, T0).plan;
    expect(statuses(plan)).toEqual(['ERROR', 'PENDING', 'PENDING']);
    plan = control(plan, 'force-complete', 'riak-c-1');
    expect(step(plan, 0)).toMatchObject({
      status: 'COMPLETE',
      message: 'forced complete by an operator (was ERROR)',
    });
    expect(statuses(progressPlan(plan, { nodes }, T0 + 1000).plan)).toEqual([
      'COMPLETE',
      'STARTING',
      'PENDING',
    ]);
  });

  it('abort: nothing more begins, and the plan is finished', () => {
    const nodes = cluster();
    let plan = progressPlan(rolling(), { nodes }, T0).plan;
    plan = control(plan, 'abort');
    expect(planStatus(plan)).toBe('ABORTED');
    expect(legacyOperationView(plan).state).toBe('aborted');
    expect(progressPlan(plan, { nodes }, T0 + 1000)).toEqual({ plan, actions: [] });
    const again = applyControl(plan, 'continue', {}, new Date(T0).toISOString());
    expect(again).toMatchObject({ ok: false, error: { status: 409, field: 'plan' } });
  });

  it('a node in its relaunch backoff shows the step DELAYED', () => {
    const nodes = cluster();
    const plan = progressPlan(rolling(), { nodes }, T0).plan;
    nodes.set(
      'riak-c-1',
      node('riak-c-1', 'restarting', {
        failures: 2,
        relaunchAfter: new Date(T0 + 60000).toISOString(),
      }),
    );
    const res = progressPlan(plan, { nodes }, T0 + 1000);
    expect(step(res.plan, 0).status).toBe('DELAYED');
    expect(planStatus(res.plan)).toBe('DELAYED');
    // The next attempt's time, in the step and its view; a longer backoff moves it.
    expect(step(res.plan, 0).nextAttemptAt).toBe(new Date(T0 + 60000).toISOString());
    expect(planView(res.plan).phases[0].steps[0].nextAttemptAt).toBe(
      new Date(T0 + 60000).toISOString(),
    );
    nodes.set(
      'riak-c-1',
      node('riak-c-1', 'restarting', {
        failures: 3,
        relaunchAfter: new Date(T0 + 120000).toISOString(),
      }),
    );
    const later = progressPlan(res.plan, { nodes }, T0 + 61000).plan;
    expect(step(later, 0).nextAttemptAt).toBe(new Date(T0 + 120000).toISOString());
    // Past it, relaunching: no next attempt time any more.
    const relaunching = progressPlan(later, { nodes }, T0 + 121000).plan;
    expect(step(relaunching, 0).status).not.toBe('DELAYED');
    expect(step(relaunching, 0).nextAttemptAt).toBeUndefined();
    expect(planView(relaunching).phases[0].steps[0].nextAttemptAt).toBeUndefined();
  });

  it('a removed node is skipped (COMPLETE), and a node not running waits PREPARED', () => {
    const nodes = cluster({
      'riak-c-1': { wanted: false, state: 'leaving' },
      'riak-c-2': { state: 'restarting' },
    });
    let res = progressPlan(rolling(), { nodes }, T0);
    expect(statuses(res.plan)).toEqual(['COMPLETE', 'PREPARED', 'PENDING']);
    expect(step(res.plan, 0).message).toBe('node removed; skipped');
    expect(res.actions).toEqual([]);
    nodes.set('riak-c-2', node('riak-c-2', 'running'));
    res = progressPlan(res.plan, { nodes }, T0 + 1000);
    expect(statuses(res.plan)).toEqual(['COMPLETE', 'STARTING', 'PENDING']);
  });

  it('answers the same plan when nothing changed (nothing to write)', () => {
    const nodes = cluster();
    const plan = progressPlan(rolling(), { nodes }, T0).plan;
    nodes.set('riak-c-1', node('riak-c-1', 'restarting'));
    const once = progressPlan(plan, { nodes }, T0 + 1000).plan;
    expect(progressPlan(once, { nodes }, T0 + 2000).plan).toBe(once);
  });
});

describe('a plan resumed after a scheduler restart', () => {
  /** The plan as a new leader reads it back: stored as JSON, parsed with its schema. */
  const reread = (plan: PlanDoc) => planDocSchema.parse(JSON.parse(JSON.stringify(plan)));

  it('restarts again a STARTING step whose node still runs the task it had (the restart was lost)', () => {
    const nodes = cluster();
    const stored = reread(progressPlan(rolling(), { nodes }, T0).plan);
    const res = progressPlan(stored, { nodes }, T0 + 30000);
    expect(step(res.plan, 0)).toMatchObject({
      status: 'STARTING',
      startedAt: new Date(T0).toISOString(),
      message: 'restarting the node (asked again: it still ran its old task)',
    });
    expect(res.actions.map((a) => [a.type, a.node])).toEqual([['restart-node', 'riak-c-1']]);
  });

  it('does not restart again a node that already runs on a new executor: it checks the ring', () => {
    const nodes = cluster();
    const stored = reread(progressPlan(rolling(), { nodes }, T0).plan);
    nodes.set('riak-c-1', node('riak-c-1', 'running', { executorId: 'riak-c-1-exec-2' }));
    const res = progressPlan(stored, { nodes }, T0 + 30000);
    expect(step(res.plan, 0).status).toBe('STARTED');
    expect(res.actions.map((a) => a.type)).toEqual(['check-ring']);
  });

  it('waits for a node still on its way back, and keeps the canary and interrupt where they were', () => {
    const nodes = cluster();
    let plan = progressPlan(rolling('canary'), { nodes }, T0).plan;
    plan = control(plan, 'interrupt');
    nodes.set('riak-c-1', node('riak-c-1', 'starting', { executorId: 'riak-c-1-exec-2' }));
    const res = progressPlan(reread(plan), { nodes }, T0 + 30000);
    expect(statuses(res.plan)).toEqual(['STARTING', 'WAITING', 'WAITING']);
    expect(res.actions).toEqual([]);
    expect(res.plan.interrupted).toBe(true);
  });
});

describe('deploy plans and the placement gate', () => {
  it('parallel: every node may be placed; steps follow the nodes to COMPLETE', () => {
    const nodes = cluster(
      Object.fromEntries(KEYS.map((k) => [k, { state: 'requested' as const }])),
    );
    let plan = progressPlan(deploy(), { nodes }, T0).plan;
    expect(statuses(plan)).toEqual(['PREPARED', 'PREPARED', 'PREPARED']);
    expect(KEYS.map((k) => mayPlace([plan], k))).toEqual([true, true, true]);
    nodes.set('riak-c-1', node('riak-c-1', 'reserving'));
    nodes.set('riak-c-2', node('riak-c-2', 'running', { member: false }));
    nodes.set('riak-c-3', node('riak-c-3', 'running'));
    plan = progressPlan(plan, { nodes }, T0 + 1000).plan;
    expect(statuses(plan)).toEqual(['PREPARED', 'STARTED', 'COMPLETE']);
    nodes.set('riak-c-1', node('riak-c-1', 'running'));
    nodes.set('riak-c-2', node('riak-c-2', 'running'));
    plan = progressPlan(plan, { nodes }, T0 + 2000).plan;
    expect(planView(plan).status).toBe('COMPLETE');
    expect(planViewSchema.parse(planView(plan)).phases[0].steps).toHaveLength(3);
  });

  it('serial: one node placed at a time', () => {
    const nodes = cluster(
      Object.fromEntries(KEYS.map((k) => [k, { state: 'requested' as const }])),
    );
    let plan = deploy('serial');
    expect(KEYS.map((k) => mayPlace([plan], k))).toEqual([true, false, false]);
    plan = progressPlan(plan, { nodes }, T0).plan;
    expect(statuses(plan)).toEqual(['PREPARED', 'PENDING', 'PENDING']);
    nodes.set('riak-c-1', node('riak-c-1', 'running'));
    plan = progressPlan(plan, { nodes }, T0 + 1000).plan;
    expect(statuses(plan)).toEqual(['COMPLETE', 'PREPARED', 'PENDING']);
    expect(KEYS.map((k) => mayPlace([plan], k))).toEqual([true, true, false]);
  });

  it('interrupted: nodes not begun may not be placed; begun ones and others may', () => {
    const nodes = cluster({
      'riak-c-2': { state: 'requested' },
      'riak-c-3': { state: 'requested' },
    });
    nodes.set('riak-c-1', node('riak-c-1', 'reserving'));
    let plan = deploy('serial');
    plan = progressPlan(plan, { nodes }, T0).plan;
    plan = control(plan, 'interrupt');
    expect(statuses(plan)).toEqual(['PREPARED', 'WAITING', 'WAITING']);
    expect(mayPlace([plan], 'riak-c-1')).toBe(true);
    expect(mayPlace([plan], 'riak-c-2')).toBe(false);
    expect(mayPlace([plan], 'riak-other-9')).toBe(true);
    expect(mayPlace([control(plan, 'continue')], 'riak-c-1')).toBe(true);
  });

  it('canary: the rest are placed only after continue', () => {
    const nodes = cluster({
      'riak-c-2': { state: 'requested' },
      'riak-c-3': { state: 'requested' },
    });
    const plan = progressPlan(deploy('canary'), { nodes }, T0).plan;
    expect(statuses(plan)).toEqual(['COMPLETE', 'WAITING', 'WAITING']);
    expect(mayPlace([plan], 'riak-c-2')).toBe(false);
    const go = control(plan, 'continue');
    expect([mayPlace([go], 'riak-c-2'), mayPlace([go], 'riak-c-3')]).toEqual([true, false]);
  });

  it('a node that failed is an ERROR; a finished plan holds nothing', () => {
    const nodes = cluster({ 'riak-c-1': { state: 'failed', lastTaskMessage: 'no package' } });
    const plan = progressPlan(deploy(), { nodes }, T0).plan;
    expect(step(plan, 0)).toMatchObject({ status: 'ERROR', message: 'node failed: no package' });
    const done = { ...deploy('serial'), finishedAt: new Date(T0).toISOString() };
    expect(mayPlace([done], 'riak-c-3')).toBe(true);
  });

  it('restart and abort mean nothing for a deploy plan (409 naming the control)', () => {
    const plan = deploy();
    for (const c of ['restart', 'abort'] as const)
      expect(applyControl(plan, c, { step: 'riak-c-1' }, 'now')).toMatchObject({
        ok: false,
        error: { status: 409, field: 'control' },
      });
  });
});

describe('remove and destroy plans', () => {
  it('follow their nodes until they are gone', () => {
    const plan = newPlan({ kind: 'destroy', cluster: 'c', nodes: KEYS, now: T0, id: 'destroy-1' });
    const nodes = cluster({
      'riak-c-1': { state: 'leaving', wanted: false },
      'riak-c-2': { state: 'shut_down', wanted: false },
    });
    nodes.delete('riak-c-3');
    let next = progressPlan(plan, { nodes }, T0).plan;
    expect(statuses(next)).toEqual(['STARTING', 'STARTED', 'COMPLETE']);
    expect(planStatus(next)).toBe('IN_PROGRESS');
    next = progressPlan(next, { nodes: new Map() }, T0 + 1000).plan;
    expect(planStatus(next)).toBe('COMPLETE');
  });

  it('no control acts on them', () => {
    const plan = newPlan({ kind: 'remove', cluster: 'c', nodes: ['riak-c-1'], now: T0 });
    expect(applyControl(plan, 'interrupt', {}, 'now')).toMatchObject({
      ok: false,
      error: { status: 409, field: 'control' },
    });
    expect(() =>
      newPlan({ kind: 'destroy', cluster: 'c', nodes: [], strategy: 'serial', now: T0 }),
    ).toThrow(RangeError);
    expect(() =>
      newPlan({ kind: 'remove', cluster: 'c', nodes: [], strategy: 'canary', now: T0 }),
    ).toThrow(RangeError);
  });

  it('a scale-down (serial remove) asks one node at a time to leave, the next once it is gone', () => {
    const plan = newPlan({
      kind: 'remove',
      cluster: 'c',
      nodes: ['riak-c-3', 'riak-c-2'],
      strategy: 'serial',
      now: T0,
      id: 'remove-1',
    });
    const nodes = cluster();
    let res = progressPlan(plan, { nodes }, T0);
    expect(statuses(res.plan)).toEqual(['STARTING', 'PENDING']);
    expect(res.actions).toEqual([{ type: 'remove-node', plan: 'remove-1', node: 'riak-c-3' }]);
    // The runner made it unwanted; it leaves: nothing more begins meanwhile.
    nodes.set('riak-c-3', { ...nodes.get('riak-c-3')!, wanted: false, state: 'leaving' });
    res = progressPlan(res.plan, { nodes }, T0 + 1000);
    expect(statuses(res.plan)).toEqual(['STARTING', 'PENDING']);
    expect(res.actions).toEqual([]);
    // Interrupted, the next node is held even once the first is gone.
    const held = control(res.plan, 'interrupt');
    nodes.delete('riak-c-3');
    res = progressPlan(held, { nodes }, T0 + 2000);
    expect(statuses(res.plan)).toEqual(['COMPLETE', 'WAITING']);
    expect(res.actions).toEqual([]);
    res = progressPlan(control(res.plan, 'continue'), { nodes }, T0 + 3000);
    expect(res.actions).toEqual([{ type: 'remove-node', plan: 'remove-1', node: 'riak-c-2' }]);
    nodes.delete('riak-c-2');
    res = progressPlan(res.plan, { nodes }, T0 + 4000);
    expect(planStatus(res.plan)).toBe('COMPLETE');
  });
});

describe('controls', () => {
  const now = new Date(T0).toISOString();

  it('name the missing phase or step (404) and the missing field (400)', () => {
    const plan = rolling();
    expect(applyControl(plan, 'force-complete', { step: 'nope' }, now)).toMatchObject({
      ok: false,
      error: { status: 404, field: 'step' },
    });
    expect(applyControl(plan, 'interrupt', { phase: 'nope' }, now)).toMatchObject({
      ok: false,
      error: {
        status: 404,
        field: 'phase',
        message: "plan restart-1 has no phase 'nope'; it has roll",
      },
    });
    expect(applyControl(plan, 'force-complete', {}, now)).toMatchObject({
      ok: false,
      error: { status: 400, field: 'step' },
    });
    expect(applyControl(plan, 'abort', { step: 'riak-c-1' }, now)).toMatchObject({
      ok: false,
      error: { status: 400, field: 'step' },
    });
  });

  it('refuse what means nothing (409): a second interrupt, continue with nothing held, restart of a step not begun', () => {
    const plan = rolling();
    const paused = control(plan, 'interrupt');
    expect(applyControl(paused, 'interrupt', {}, now)).toMatchObject({
      ok: false,
      error: { status: 409 },
    });
    expect(applyControl(plan, 'continue', {}, now)).toMatchObject({
      ok: false,
      error: { status: 409 },
    });
    expect(applyControl(plan, 'restart', { step: 'riak-c-2' }, now)).toMatchObject({
      ok: false,
      error: { status: 409, field: 'step' },
    });
    expect(applyControl(plan, 'force-complete', { step: 'riak-c-1' }, now).ok).toBe(true);
  });
});

describe('rolling operations of an older scheduler', () => {
  it('become a plan where they stood, and read back as the old operation view', () => {
    const plan = planFromLegacy(
      'c',
      {
        id: 'op-1',
        kind: 'config',
        state: 'paused',
        order: KEYS,
        done: 1,
        current: 'riak-c-2',
        startedAt: '2024-05-01T08:00:00.000Z',
      },
      T0,
    );
    expect(plan).toMatchObject({
      id: 'config-apply-op-1',
      kind: 'config-apply',
      interrupted: true,
    });
    expect(statuses(plan)).toEqual(['COMPLETE', 'STARTING', 'WAITING']);
    const nodes = cluster({ 'riak-c-2': { executorId: 'riak-c-2-exec-1' } });
    const res = progressPlan(plan, { nodes }, T0 + 1000);
    // The node it was restarting runs: judged back (as the old code did), not restarted again.
    expect(step(res.plan, 1).status).toBe('STARTED');
    expect(res.actions.map((a) => a.type)).toEqual(['check-ring']);
    expect(legacyOperationView(res.plan)).toMatchObject({
      id: 'config-apply-op-1',
      kind: 'config',
      state: 'running',
      order: KEYS,
      done: 1,
      current: 'riak-c-2',
      startedAt: '2024-05-01T08:00:00.000Z',
    });
  });
});

describe('upgrade', () => {
  it('moves each node to the target version only as its own step restarts it', () => {
    const plan = newPlan({
      kind: 'upgrade',
      cluster: 'c',
      nodes: KEYS,
      strategy: 'serial',
      now: T0,
      id: 'upgrade-1',
      targetRiakVersion: 'riak-kv-3.2-b',
    });
    const res = progressPlan(plan, { nodes: cluster() }, T0);
    expect(res.actions).toEqual([
      {
        type: 'restart-node',
        plan: 'upgrade-1',
        node: 'riak-c-1',
        fromExecutor: 'riak-c-1-exec-1',
        riakVersion: 'riak-kv-3.2-b',
      },
    ]);
    const restart = progressPlan(rolling(), { nodes: cluster() }, T0).actions[0];
    expect(restart).not.toHaveProperty('riakVersion');
  });

  it('a node that never runs the target: ERROR at the step timeout, the plan stops; abort rolls it back while it is down', () => {
    const nodes = cluster();
    for (const k of KEYS) nodes.set(k, node(k, 'running', { riakVersion: 'riak-kv-3.2' }));
    let plan = newPlan({
      kind: 'upgrade',
      cluster: 'c',
      nodes: KEYS,
      now: T0,
      id: 'upgrade-2',
      targetRiakVersion: 'riak-kv-3.2-b',
      fromRiakVersion: 'riak-kv-3.2',
      stepTimeoutSeconds: 60,
    });
    plan = progressPlan(plan, { nodes }, T0).plan;
    // Relaunched on the target, it fails to start again and again (a relaunch backoff each time).
    const down = (t: number, patch: Partial<NodeDoc> = {}) =>
      node('riak-c-1', 'restarting', {
        riakVersion: 'riak-kv-3.2-b',
        executorId: 'riak-c-1-exec-4',
        failures: 4,
        relaunchAfter: new Date(t + 30000).toISOString(),
        ...patch,
      });
    nodes.set('riak-c-1', down(T0 + 50000));
    expect(statuses(progressPlan(plan, { nodes }, T0 + 55000).plan)).toEqual([
      'DELAYED',
      'PENDING',
      'PENDING',
    ]);
    const failed = progressPlan(plan, { nodes }, T0 + 61000).plan;
    expect(step(failed, 0)).toMatchObject({
      status: 'ERROR',
      message: 'not back as a valid ring member within 60 s (node is restarting)',
    });
    expect(statuses(failed)).toEqual(['ERROR', 'PENDING', 'PENDING']);
    expect(planStatus(failed)).toBe('ERROR');
    expect(progressPlan(failed, { nodes }, T0 + 120000).actions).toEqual([]);

    const aborted = control(failed, 'abort');
    let back = rollbackPlan(aborted, nodes, T0 + 121000)!;
    expect(back).toMatchObject({
      kind: 'upgrade',
      rollbackOf: 'upgrade-2',
      targetRiakVersion: 'riak-kv-3.2',
      stepTimeoutSeconds: 60,
    });
    expect(back.phases[0].steps.map((s) => s.node)).toEqual(['riak-c-1']);
    // Still starting on the target: its start is left to end.
    nodes.set('riak-c-1', node('riak-c-1', 'starting', { riakVersion: 'riak-kv-3.2-b' }));
    let res = progressPlan(back, { nodes }, T0 + 121000);
    expect([step(res.plan, 0).status, res.actions]).toEqual(['PREPARED', []]);
    // Down between two tasks: it is relaunched on the old version at once (it would never run
    // on the target to be restarted).
    nodes.set('riak-c-1', down(T0 + 125000));
    res = progressPlan(res.plan, { nodes }, T0 + 126000);
    expect(step(res.plan, 0)).toMatchObject({
      status: 'STARTING',
      message: 'down on riak-kv-3.2-b; relaunching it on riak-kv-3.2',
      fromExecutor: 'riak-c-1-exec-4',
    });
    expect(res.actions).toEqual([
      { type: 'set-version', plan: back.id, node: 'riak-c-1', riakVersion: 'riak-kv-3.2' },
    ]);
    back = res.plan;
    // The move was not written (the scheduler stopped): it is asked again.
    expect(progressPlan(back, { nodes }, T0 + 127000).actions.map((a) => a.type)).toEqual([
      'set-version',
    ]);
    nodes.set('riak-c-1', node('riak-c-1', 'restarting', { riakVersion: 'riak-kv-3.2' }));
    res = progressPlan(back, { nodes }, T0 + 128000);
    expect([step(res.plan, 0).status, res.actions]).toEqual(['STARTING', []]);
    nodes.set(
      'riak-c-1',
      node('riak-c-1', 'running', { riakVersion: 'riak-kv-3.2', executorId: 'riak-c-1-exec-5' }),
    );
    res = progressPlan(res.plan, { nodes }, T0 + 140000);
    expect(res.actions).toEqual([{ type: 'check-ring', plan: back.id, node: 'riak-c-1' }]);
    back = progressPlan(
      res.plan,
      { nodes, ring: new Map([['riak-c-1', ready]]) },
      T0 + 141000,
    ).plan;
    expect(planStatus(back)).toBe('COMPLETE');
  });

  it('only a rollback moves a node that is down: an upgrade waits for it to run', () => {
    const nodes = cluster({
      'riak-c-1': { state: 'restarting', riakVersion: 'riak-kv-3.2', failures: 1 },
    });
    const plan = newPlan({
      kind: 'upgrade',
      cluster: 'c',
      nodes: KEYS,
      now: T0,
      targetRiakVersion: 'riak-kv-3.2-b',
      fromRiakVersion: 'riak-kv-3.2',
    });
    const res = progressPlan(plan, { nodes }, T0);
    expect([step(res.plan, 0).status, res.actions]).toEqual(['PREPARED', []]);
  });
});

describe('a rolling step completes only when handoff is done', () => {
  it('stays STARTED while transfers are active, then completes', () => {
    const nodes = cluster();
    let p = progressPlan(rolling(), { nodes }, T0).plan;
    nodes.set('riak-c-1', node('riak-c-1', 'running', { executorId: 'riak-c-1-exec-2' }));
    const busy = new Map([['riak-c-1', { ...ready, transfersActive: true }]]);
    p = progressPlan(p, { nodes, ring: busy }, T0 + 1000).plan;
    expect(step(p, 0)).toMatchObject({
      status: 'STARTED',
      message: 'back; waiting for transfers (handoff) to finish',
    });
    p = progressPlan(p, { nodes, ring: new Map([['riak-c-1', ready]]) }, T0 + 2000).plan;
    expect(statuses(p)).toEqual(['COMPLETE', 'STARTING', 'PENDING']);
  });
});
