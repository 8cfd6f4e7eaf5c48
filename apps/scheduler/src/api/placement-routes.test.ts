import {
  orphanTaskAnswerSchema,
  orphanTasksAnswerSchema,
  unknownReservationsAnswerSchema,
  constraintsAnswerSchema,
  nodeAnswerSchema,
  offerDebugAnswerSchema,
} from '@riak-mesos/framework-contract';
import type { Offer, TaskStatus } from '@riak-mesos/mesos';
import { resources as R } from '@riak-mesos/mesos';
import { OfferLog } from '../framework/offer-log';
import { reservationGroups } from '../framework/offer-evaluator';
import { OrphanTasks } from '../framework/orphan-tasks';
import { UnknownReservations } from '../framework/unknown-reservations';
import type { SchedulerStore } from '../store';
import type { ApiFixture } from './test-support/api-fixture';
import { startApiFixture } from './test-support/api-fixture';

let fx: ApiFixture;
let store: SchedulerStore;
let leader = true;
const offerLog = new OfferLog(5);
const unknown = new UnknownReservations();
const orphans = new OrphanTasks();

beforeAll(async () => {
  fx = await startApiFixture('placement', {
    isLeader: () => leader,
    offerEvaluations: () => (leader ? offerLog.latest() : undefined),
    unknownReservations: () => (leader ? unknown : undefined),
    orphanTasks: () =>
      leader
        ? {
            list: () => orphans.list(),
            // The driver marks the task and sends Mesos a KILL (driver.ts killOrphan).
            kill: (id: string) => Promise.resolve(orphans.markKill(id)),
          }
        : undefined,
  });
  store = fx.store;
  await store.createCluster('c1', 'riak-kv-3.2');
});

afterAll(async () => fx.close());

async function call(method: string, path: string, body?: unknown) {
  const { status, json } = await fx.call(method, path, body);
  return { status, body: json as unknown };
}

describe('cluster constraints', () => {
  it('stores, shows and removes a cluster’s own constraints', async () => {
    expect((await call('GET', '/clusters/c1/constraints')).body).toEqual({ constraints: [] });
    const put = await call('PUT', '/clusters/c1/constraints', {
      constraints: [
        ['rack_id', 'group_by', '3'],
        ['hostname', 'UNIQUE'],
      ],
    });
    expect(put.status).toBe(200);
    expect(constraintsAnswerSchema.parse(put.body).constraints).toEqual([
      ['rack_id', 'GROUP_BY', '3'],
      ['hostname', 'UNIQUE'],
    ]);
    expect((await store.getCluster('c1'))?.constraints).toEqual([
      { field: 'rack_id', operator: 'GROUP_BY', value: '3' },
      { field: 'hostname', operator: 'UNIQUE' },
    ]);
    const view = await call('GET', '/clusters/c1');
    expect(
      (view.body as { cluster: { constraints: string[][] } }).cluster.constraints,
    ).toHaveLength(2);
    expect((await call('DELETE', '/clusters/c1/constraints')).status).toBe(204);
    expect((await store.getCluster('c1'))?.constraints).toBeUndefined();
  });

  it('refuses bad constraints naming the field and the problem, changing nothing', async () => {
    for (const [body, message] of [
      [{ constraints: [['rack_id', 'NEAR']] }, /unknown operator 'NEAR'/],
      [{ constraints: [['hostname', 'MAX_PER']] }, /MAX_PER needs a positive whole number/],
      [{ other: 1 }, /send \{"constraints"/],
    ] as const) {
      const res = await call('PUT', '/clusters/c1/constraints', body);
      expect(res.status).toBe(400);
      expect(res.body).toMatchObject({ error: { field: 'constraints', message } });
    }
    expect((await store.getCluster('c1'))?.constraints).toBeUndefined();
    expect((await call('PUT', '/clusters/nope/constraints', { constraints: [] })).status).toBe(404);
  });

  it('answers 503 for changes on a standby', async () => {
    leader = false;
    try {
      expect((await call('PUT', '/clusters/c1/constraints', { constraints: [] })).status).toBe(503);
    } finally {
      leader = true;
    }
  });
});

describe('why a node waits', () => {
  it('shows the pending reason recorded on the node', async () => {
    const [n] = await store.addNodes('c1', 1);
    await store.updateNode(n.key, (x) => ({
      ...x,
      pendingReason: { text: 'no offer fits: host-1: cpus 0.5 < 1.1', at: '2026-01-01T00:00:00Z' },
    }));
    const res = await call('GET', `/clusters/c1/nodes/${n.key}`);
    expect(nodeAnswerSchema.parse(res.body).node.pending_reason).toEqual({
      text: 'no offer fits: host-1: cpus 0.5 < 1.1',
      at: '2026-01-01T00:00:00Z',
    });
  });

  it('serves the latest offer evaluations, and refuses a bad limit', async () => {
    const offer: Offer = {
      id: { value: 'o1' },
      framework_id: { value: 'f' },
      agent_id: { value: 'a1' },
      hostname: 'host-1',
      resources: [R.scalar('cpus', 0.5), R.ranges('ports', [[31000, 31009]])],
    };
    offerLog.record(
      [offer],
      [],
      new Map([
        [
          'riak-c1-1',
          {
            text: 'no offer fits: host-1: cpus 0.5 < 1.1',
            offers: [
              { offerId: 'o1', agentId: 'a1', hostname: 'host-1', reasons: ['cpus 0.5 < 1.1'] },
            ],
          },
        ],
      ]),
    );
    const res = await call('GET', '/debug/offers?limit=1');
    const body = offerDebugAnswerSchema.parse(res.body);
    expect(body.evaluations).toHaveLength(1);
    expect(body.evaluations[0].offers[0]).toMatchObject({
      hostname: 'host-1',
      unreserved: { cpus: 0.5, ports: 10 },
    });
    expect(body.evaluations[0].waiting[0]).toMatchObject({
      node: 'riak-c1-1',
      offers: [{ hostname: 'host-1', reasons: ['cpus 0.5 < 1.1'] }],
    });
    expect((await call('GET', '/debug/offers?limit=0')).body).toMatchObject({
      error: { field: 'limit' },
    });
    leader = false;
    try {
      expect((await call('GET', '/debug/offers')).status).toBe(503);
    } finally {
      leader = true;
    }
  });
});

describe('unknown reservations', () => {
  it('lists what the scheduler keeps, and marks one for release only when asked by id', async () => {
    const offer: Offer = {
      id: { value: 'o2' },
      framework_id: { value: 'f' },
      agent_id: { value: 'a2' },
      hostname: 'host-2',
      resources: R.reserve([R.scalar('cpus', 1), R.scalar('disk', 64)], {
        role: 'riak',
        labels: { node: 'other-1', framework: 'someone-else' },
      }),
    };
    const [g] = reservationGroups(offer, 'riak');
    unknown.seen(
      {
        kind: 'keep-unknown',
        node: 'other-1',
        offerId: 'o2',
        agentId: 'a2',
        reservation: g,
        changes: [],
        operations: [],
        level: 'warn',
        message: `kept reservation ${g.id}: it belongs to framework 'someone-else'`,
      },
      offer,
    );
    const list = unknownReservationsAnswerSchema.parse(
      (await call('GET', '/debug/reservations')).body,
    );
    expect(list.reservations).toEqual([
      expect.objectContaining({
        id: g.id,
        hostname: 'host-2',
        labels: { node: 'other-1', framework: 'someone-else' },
        reason: "it belongs to framework 'someone-else'",
        release_requested: false,
      }),
    ]);
    expect((await call('DELETE', '/debug/reservations/nothex')).status).toBe(400);
    expect((await call('DELETE', '/debug/reservations/0123456789abcdef')).status).toBe(404);
    expect(unknown.releaseRequested().size).toBe(0);
    const released = await call('DELETE', `/debug/reservations/${g.id}`);
    expect(released.status).toBe(202);
    expect(unknown.releaseRequested()).toEqual(new Set([g.id]));
  });
});

describe('tasks without a node record', () => {
  const status = (id: string, state: TaskStatus['state']): TaskStatus => ({
    task_id: { value: id },
    agent_id: { value: 'agent-7' },
    executor_id: { value: `${id}-exec` },
    state,
    message: 'running',
  });

  it('lists the tasks kept running, kills one only when asked, and forgets ended ones', async () => {
    expect(orphans.seen(status('riak-lost-1', 'TASK_RUNNING'), false)).toBe(true);
    expect(orphans.seen(status('riak-lost-1', 'TASK_RUNNING'), false)).toBe(false);
    orphans.seen(status('riak-lost-2', 'TASK_RUNNING'), false);
    const list = orphanTasksAnswerSchema.parse((await call('GET', '/debug/orphans')).body);
    expect(list.tasks.map((t) => [t.task_id, t.agent_id, t.executor_id, t.kill_requested])).toEqual(
      [
        ['riak-lost-1', 'agent-7', 'riak-lost-1-exec', false],
        ['riak-lost-2', 'agent-7', 'riak-lost-2-exec', false],
      ],
    );
    expect((await call('DELETE', '/debug/orphans/riak-nope')).status).toBe(404);
    expect((await call('DELETE', '/debug/orphans/bad%20name')).status).toBe(400);
    const killed = await call('DELETE', '/debug/orphans/riak-lost-2');
    expect(killed.status).toBe(202);
    expect(orphanTaskAnswerSchema.parse(killed.body).task).toMatchObject({
      task_id: 'riak-lost-2',
      kill_requested: true,
    });
    orphans.seen(status('riak-lost-2', 'TASK_KILLED'), true);
    orphans.owned('riak-lost-1');
    expect(orphanTasksAnswerSchema.parse((await call('GET', '/debug/orphans')).body).tasks).toEqual(
      [],
    );
    leader = false;
    try {
      expect((await call('GET', '/debug/orphans')).status).toBe(503);
    } finally {
      leader = true;
    }
  });
});
