import { waitFor } from '@riak-mesos/testing';
import {
  operationAnswerSchema,
  planAnswerSchema,
  planListAnswerSchema,
} from '@riak-mesos/framework-contract';
import type { ExecutorRequestBody } from '@riak-mesos/framework-contract';
import type { StampedEvent } from '../events';
import { EventHub } from '../events';
import type { NodeDoc } from '../model';
import type { PlanRunnerDeps } from '../plans';
import { createLogger } from '@riak-mesos/logging';
import { newPlan, progressPlans } from '../plans';
import type { SchedulerStore } from '../store';
import type { ApiFixture } from './test-support/api-fixture';
import { startApiFixture } from './test-support/api-fixture';

// The plan routes against a real ZooKeeper: plans created by the routes that start them, read back
// with the contract's schemas, controlled, refused with the field named; and the runner taking
// over a rolling operation an older scheduler stored.
let fx: ApiFixture;
let store: SchedulerStore;
let leader = true;
const events = new EventHub();
const seen: StampedEvent[] = [];

beforeAll(async () => {
  events.on('event', (e) => seen.push(e));
  fx = await startApiFixture('plans', {
    events,
    isLeader: () => leader,
    riakVersions: () => ['riak-kv-3.2', 'riak-kv-3.4'],
  });
  store = fx.store;
});

afterAll(async () => fx?.close());

const call = (method: string, path: string, body?: unknown) => fx.call(method, path, body);

describe('plan routes', () => {
  it('adding nodes makes a deploy plan (its strategy as asked); a bad strategy names the field', async () => {
    expect((await call('POST', '/clusters/p1/create', {})).status).toBe(201);
    expect((await call('POST', '/clusters/p1/nodes', { nodes: 2 })).status).toBe(201);
    const bad = await call('POST', '/clusters/p1/nodes', { nodes: 1, strategy: 'random' });
    expect(bad.status).toBe(400);
    expect(bad.json.error).toMatchObject({ field: 'strategy' });
    expect((await call('POST', '/clusters/p1/nodes?strategy=serial', { nodes: 2 })).status).toBe(
      201,
    );
    const list = planListAnswerSchema.parse((await call('GET', '/clusters/p1/plans')).json);
    expect(list.plans.map((p) => [p.kind, p.phases[0].strategy, p.status])).toEqual([
      ['deploy', 'parallel', 'PENDING'],
      ['deploy', 'serial', 'PENDING'],
    ]);
    expect(list.plans[1].phases[0].steps.map((s) => s.node)).toEqual(['riak-p1-3', 'riak-p1-4']);
    const one = planAnswerSchema.parse(
      (await call('GET', `/clusters/p1/plans/${list.plans[0].id}`)).json,
    );
    expect(one.plan.phases[0].steps.map((s) => [s.node, s.status])).toEqual([
      ['riak-p1-1', 'PENDING'],
      ['riak-p1-2', 'PENDING'],
    ]);
    expect(seen.some((e) => e.type === 'plan' && e.plan.id === list.plans[0].id)).toBe(true);
  });

  it('a canary restart through the old route is a plan the controls drive; refusals name the field', async () => {
    const started = await call('POST', '/clusters/p1/restart?strategy=canary');
    expect(started.status).toBe(202);
    expect(started.json.operation).toMatchObject({ kind: 'restart', state: 'running', done: 0 });
    const { plan } = planAnswerSchema.parse({ plan: started.json.plan });
    expect(plan).toMatchObject({ kind: 'restart', status: 'PENDING' });
    expect(plan.phases[0]).toMatchObject({ name: 'roll', strategy: 'canary' });
    const again = await call('POST', '/clusters/p1/restart');
    expect(again.status).toBe(409);
    expect(again.json.error.message).toMatch(/already has a restart in progress \(0\/4, plan /);

    const base = `/clusters/p1/plans/${plan.id}`;
    const paused = await call('POST', `${base}/interrupt`);
    expect(paused.status).toBe(200);
    expect(planAnswerSchema.parse(paused.json).plan).toMatchObject({
      status: 'WAITING',
      interrupted: true,
    });
    expect(
      operationAnswerSchema.parse((await call('GET', '/clusters/p1/operation')).json),
    ).toMatchObject({ operation: { state: 'paused', id: plan.id } });
    const twice = await call('POST', `${base}/interrupt`);
    expect([twice.status, twice.json.error.field]).toEqual([409, 'plan']);
    const noStep = await call('POST', `${base}/force-complete`);
    expect([noStep.status, noStep.json.error.field]).toEqual([400, 'step']);
    const unknownStep = await call('POST', `${base}/force-complete?step=riak-p1-99`);
    expect([unknownStep.status, unknownStep.json.error.field]).toEqual([404, 'step']);
    const unknownPhase = await call('POST', `${base}/interrupt?phase=nope`);
    expect([unknownPhase.status, unknownPhase.json.error.field]).toEqual([404, 'phase']);
    const unknownControl = await call('POST', `${base}/explode`);
    expect([unknownControl.status, unknownControl.json.error.field]).toEqual([404, 'control']);
    expect((await call('GET', '/clusters/p1/plans/restart-none')).status).toBe(404);
    expect((await call('GET', '/clusters/p1/plans/..bad')).status).toBe(400);

    const forced = await call('POST', `${base}/force-complete?step=riak-p1-1`);
    expect(forced.status).toBe(200);
    expect(planAnswerSchema.parse(forced.json).plan.phases[0].steps[0]).toMatchObject({
      status: 'COMPLETE',
      message: 'forced complete by an operator (was WAITING)',
    });
    const resumed = await call('POST', '/clusters/p1/operation/resume');
    expect(resumed.json.operation.state).toBe('running');
    expect(planAnswerSchema.parse({ plan: resumed.json.plan }).plan.interrupted).toBe(false);
    const aborted = await call('POST', `${base}/abort`);
    expect(planAnswerSchema.parse(aborted.json).plan.status).toBe('ABORTED');
    expect((await call('GET', '/clusters/p1')).json.cluster.operation).toMatchObject({
      id: plan.id,
      state: 'aborted',
      done: 1,
    });
    expect(
      seen.some(
        (e) =>
          e.type === 'operation' && e.operation.id === plan.id && e.operation.state === 'aborted',
      ),
    ).toBe(true);
    expect((await call('POST', '/clusters/p1/operation/abort')).status).toBe(409);
  });

  it('an upgrade needs a known version (field named) and keeps its target', async () => {
    const bad = await call('POST', '/clusters/p1/upgrade', { riak_version: 'riak-9' });
    expect([bad.status, bad.json.error.field]).toEqual([409, 'riak_version']);
    const up = await call('POST', '/clusters/p1/upgrade', { riak_version: 'riak-kv-3.4' });
    expect(up.status).toBe(202);
    expect(up.json.plan).toMatchObject({ kind: 'upgrade', targetRiakVersion: 'riak-kv-3.4' });
    expect((await store.getPlan('p1', String(up.json.plan.id)))?.stepTimeoutSeconds).toBe(1800);
    expect((await call('POST', '/clusters/p1/operation/abort')).status).toBe(200);
  });

  it('a rolling plan takes its step timeout from the request (body or query); a bad one names the field', async () => {
    for (const [path, body] of [
      ['/clusters/p1/upgrade', { riak_version: 'riak-kv-3.4', step_timeout_seconds: 5 }],
      ['/clusters/p1/upgrade', { riak_version: 'riak-kv-3.4', step_timeout_seconds: 60.5 }],
      [
        '/clusters/p1/upgrade?step_timeout_seconds=60',
        { riak_version: 'riak-kv-3.4', step_timeout_seconds: 60 },
      ],
      ['/clusters/p1/upgrade?riak_version=riak-kv-3.4&step_timeout_seconds=1e3', undefined],
      ['/clusters/p1/restart', { step_timeout_seconds: '60' }],
      ['/clusters/p1/restart?step_timeout_seconds=604801', undefined],
    ] as const) {
      const bad = await call('POST', path, body);
      expect([path, bad.status, bad.json.error.field]).toEqual([path, 400, 'step_timeout_seconds']);
    }
    const up = await call('POST', '/clusters/p1/upgrade', {
      riak_version: 'riak-kv-3.4',
      step_timeout_seconds: 60,
    });
    expect(up.status).toBe(202);
    expect((await store.getPlan('p1', String(up.json.plan.id)))?.stepTimeoutSeconds).toBe(60);
    expect((await call('POST', '/clusters/p1/operation/abort')).status).toBe(200);
    const restart = await call('POST', '/clusters/p1/restart?step_timeout_seconds=90');
    expect(restart.status).toBe(202);
    expect((await store.getPlan('p1', String(restart.json.plan.id)))?.stepTimeoutSeconds).toBe(90);
    expect((await call('POST', '/clusters/p1/operation/abort')).status).toBe(200);
  });

  it('aborting an upgrade rolls its upgraded nodes back, one at a time', async () => {
    const up = await call('POST', '/clusters/p1/upgrade', { riak_version: 'riak-kv-3.4' });
    expect(up.status).toBe(202);
    const id = String(up.json.plan.id);
    // riak-p1-2 was already moved to the target; the others were not reached.
    await store.updateNode('riak-p1-2', (n) => ({ ...n, riakVersion: 'riak-kv-3.4' }));
    expect((await call('POST', `/clusters/p1/plans/${id}/abort`)).status).toBe(200);
    const stored = await store.listPlans('p1');
    const back = stored.find((p) => p.rollbackOf === id);
    expect(back).toMatchObject({
      kind: 'upgrade',
      targetRiakVersion: 'riak-kv-3.2',
      fromRiakVersion: 'riak-kv-3.4',
    });
    expect(back!.phases[0]).toMatchObject({ strategy: 'serial' });
    expect(back!.phases[0].steps.map((s) => s.node)).toEqual(['riak-p1-2']);
    expect((await call('POST', `/clusters/p1/plans/${back!.id}/abort`)).status).toBe(200);
  });

  it('removing a node and destroying a cluster make plans no control acts on', async () => {
    expect((await call('DELETE', '/clusters/p1/nodes/riak-p1-4')).status).toBe(202);
    expect((await call('DELETE', '/clusters/p1/nodes/riak-p1-4')).status).toBe(202);
    expect((await call('DELETE', '/clusters/p1')).status).toBe(202);
    const plans = planListAnswerSchema.parse((await call('GET', '/clusters/p1/plans')).json).plans;
    const remove = plans.filter((p) => p.kind === 'remove');
    expect(remove.map((p) => p.phases[0].steps.map((s) => s.node))).toEqual([['riak-p1-4']]);
    const destroy = plans.find((p) => p.kind === 'destroy')!;
    expect(destroy.phases[0].steps.map((s) => s.node)).toEqual([
      'riak-p1-1',
      'riak-p1-2',
      'riak-p1-3',
    ]);
    const refused = await call('POST', `/clusters/p1/plans/${destroy.id}/interrupt`);
    expect([refused.status, refused.json.error.field]).toEqual([409, 'control']);
  });

  it('a standby answers plans but refuses controls', async () => {
    await call('POST', '/clusters/p2/create', {});
    await call('POST', '/clusters/p2/nodes', { nodes: 1 });
    const [plan] = planListAnswerSchema.parse((await call('GET', '/clusters/p2/plans')).json).plans;
    leader = false;
    try {
      expect((await call('GET', `/clusters/p2/plans/${plan.id}`)).status).toBe(200);
      const res = await call('POST', `/clusters/p2/plans/${plan.id}/interrupt`);
      expect(res.status).toBe(503);
    } finally {
      leader = true;
    }
  });
});

describe('the plan runner on a real store', () => {
  const asked: string[] = [];
  const killed: string[] = [];
  let revived = 0;
  const deps = (): PlanRunnerDeps => ({
    store,
    logger: createLogger('plan-runner-test'),
    // As the driver's channel answers for a node without an executor.
    ask: (n: NodeDoc, r: ExecutorRequestBody) => {
      asked.push(`${r.type}:${n.key}`);
      return Promise.reject(new Error(`node ${n.key} has no executor`));
    },
    killTask: (n) => {
      killed.push(n.key);
      return Promise.resolve();
    },
    revive: () => {
      revived++;
      return Promise.resolve();
    },
    later: () => undefined,
    inFlight: new Set(),
  });

  it('takes over a rolling operation an older scheduler stored, where it stood', async () => {
    await store.createCluster('p3', 'riak-kv-3.2');
    const nodes = await store.addNodes('p3', 2);
    await store.updateCluster('p3', (c) => ({
      ...c,
      state: 'restarting',
      operation: {
        id: 'old-op',
        kind: 'restart',
        state: 'paused',
        order: nodes.map((n) => n.key),
        done: 1,
        startedAt: '2024-05-01T08:00:00.000Z',
      },
    }));
    const cluster = await store.requireCluster('p3');
    expect((await call('GET', '/clusters/p3/operation')).json.operation).toMatchObject({
      id: 'old-op',
      state: 'paused',
    });
    await progressPlans(cluster, await store.listNodes('p3'), deps());
    expect((await store.requireCluster('p3')).operation).toBeUndefined();
    const [plan] = planListAnswerSchema.parse((await call('GET', '/clusters/p3/plans')).json).plans;
    expect(plan).toMatchObject({ id: 'restart-old-op', kind: 'restart', interrupted: true });
    expect(plan.phases[0].steps.map((s) => s.status)).toEqual(['COMPLETE', 'WAITING']);
    expect((await store.requireCluster('p3')).state).toBe('restarting');
    expect(asked).toEqual([]);
  });

  it("reads a cluster's plans from memory once it has some (no ZooKeeper request per tick)", async () => {
    await waitFor(async () => (await store.listPlans('p3')).length > 0, { what: 'plans of p3' });
    const before = store.zookeeperRequests;
    const plans = await store.listPlans('p3');
    expect(await store.getPlan('p3', plans[0].id)).toEqual(plans[0]);
    expect(store.zookeeperRequests - before).toBe(0);
  });

  it('persists the restart of a running node, then stops it (kill when the executor does not answer)', async () => {
    const [node] = await store.listNodes('p3');
    for (const state of ['reserving', 'reserved', 'launching'] as const)
      await store.transitionNode(node.key, state);
    await store.transitionNode(node.key, 'running', {
      executorId: 'exec-1',
      agentId: 'agent-1',
      member: true,
    });
    await call('POST', `/clusters/p3/plans/restart-old-op/abort`);
    await progressPlans(await store.requireCluster('p3'), await store.listNodes('p3'), deps());
    expect((await store.requireCluster('p3')).state).toBe('running');
    const started = await call('POST', `/clusters/p3/nodes/${node.key}/restart`);
    expect(started.status).toBe(202);
    await progressPlans(await store.requireCluster('p3'), await store.listNodes('p3'), deps());
    const plan = await store.getPlan('p3', started.json.plan.id);
    expect(plan!.phases[0].steps[0]).toMatchObject({ status: 'STARTING', fromExecutor: 'exec-1' });
    expect((await store.getNode(node.key))!.state).toBe('restarting');
    expect(asked).toEqual([`finish:${node.key}`]);
    expect(killed).toEqual([node.key]);
    expect((await store.requireCluster('p3')).state).toBe('restarting');
  });

  it('a rollback moves a node that is down on the version it leaves back to the old version, without its backoff', async () => {
    await store.createCluster('p4', 'riak-kv-3.2');
    const [node] = await store.addNodes('p4', 1);
    for (const state of ['reserving', 'reserved', 'launching'] as const)
      await store.transitionNode(node.key, state);
    const later = new Date(Date.now() + 120000).toISOString();
    await store.transitionNode(node.key, 'restarting', {
      executorId: 'exec-7',
      riakVersion: 'riak-kv-3.4',
      failures: 5,
      relaunchAfter: later,
    });
    const back = await store.createPlan(
      newPlan({
        kind: 'upgrade',
        cluster: 'p4',
        nodes: [node.key],
        targetRiakVersion: 'riak-kv-3.2',
        fromRiakVersion: 'riak-kv-3.4',
        rollbackOf: 'upgrade-x',
        now: Date.now(),
      }),
    );
    const before = revived;
    await progressPlans(await store.requireCluster('p4'), await store.listNodes('p4'), deps());
    const moved = (await store.getNode(node.key))!;
    expect(moved).toMatchObject({ state: 'restarting', riakVersion: 'riak-kv-3.2', failures: 5 });
    expect(moved.relaunchAfter).toBeUndefined();
    expect(revived).toBe(before + 1);
    expect((await store.getPlan('p4', back.id))!.phases[0].steps[0]).toMatchObject({
      status: 'STARTING',
      fromExecutor: 'exec-7',
    });
    // Nothing more to do until it runs.
    await progressPlans(await store.requireCluster('p4'), await store.listNodes('p4'), deps());
    expect(revived).toBe(before + 1);
  });
});
