import { healthAnswerSchema, nodeAnswerSchema } from '@riak-mesos/framework-contract';
import type { ApiFixture } from './test-support/api-fixture';
import { startApiFixture } from './test-support/api-fixture';

let fx: ApiFixture;
let registered = false;

beforeAll(async () => {
  fx = await startApiFixture('health', {
    isLeader: () => true,
    frameworkStatus: () => ({ registered }),
  });
});

afterAll(async () => fx.close());

describe('health routes', () => {
  it('answers each state with its own status, the reasons when verbose, and refuses bad input', async () => {
    // Not registered with Mesos yet.
    let res = await fx.call('GET', '/health?verbose=true');
    expect(res.status).toBe(503);
    expect(healthAnswerSchema.parse(res.json)).toMatchObject({ state: 'initializing', code: 503 });
    registered = true;
    res = await fx.call('GET', '/health');
    expect(res).toEqual({ status: 200, json: { state: 'running', code: 200, clusters: {} } });

    await fx.store.createCluster('c1', 'riak-kv-3.2');
    expect((await fx.call('POST', '/clusters/c1/nodes', { nodes: 2 })).status).toBe(201);
    res = await fx.call('GET', '/health?verbose=true');
    const answer = healthAnswerSchema.parse(res.json);
    expect(res.status).toBe(202);
    expect(answer).toMatchObject({ state: 'deploying', clusters: { c1: 'deploying' } });
    expect(answer.reasons!.map((r) => r.text)).toEqual(
      expect.arrayContaining([expect.stringMatching(/^deploy plan .* is (PENDING|IN_PROGRESS)$/)]),
    );
    const one = await fx.call('GET', '/clusters/c1/health');
    expect(one).toEqual({ status: 202, json: { state: 'deploying', code: 202 } });

    // A node in its relaunch backoff: the node view says until when, the health is delayed.
    const later = new Date(Date.now() + 60_000).toISOString();
    for (const state of ['reserving', 'reserved', 'launching', 'running'] as const)
      await fx.store.transitionNode('riak-c1-1', state);
    await fx.store.transitionNode('riak-c1-1', 'restarting', {
      failures: 2,
      lastTaskState: 'TASK_FAILED',
      relaunchAfter: later,
    });
    const node = nodeAnswerSchema.parse(
      (await fx.call('GET', '/clusters/c1/nodes/riak-c1-1')).json,
    );
    expect(node.node).toMatchObject({ state: 'restarting', failures: 2, relaunch_after: later });
    const delayed = await fx.call('GET', '/clusters/c1/health?verbose=true');
    expect(delayed.status).toBe(207);
    expect(healthAnswerSchema.parse(delayed.json).reasons![0].text).toBe(
      `riak-c1-1: relaunch after 2 failure(s) waits until ${later}`,
    );

    expect((await fx.call('GET', '/clusters/nope/health')).status).toBe(404);
    const bad = await fx.call('GET', '/health?verbose=yes');
    expect(bad.status).toBe(400);
    expect(bad.json.error.field).toBe('verbose');
    expect((await fetch(`${fx.api.url}/api/v1/health`)).status).toBe(401);
  });
});
