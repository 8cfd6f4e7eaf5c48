import { nodeListAnswerSchema, planListAnswerSchema } from '@riak-mesos/framework-contract';
import type { ApiFixture } from './test-support/api-fixture';
import { startApiFixture } from './test-support/api-fixture';

let fx: ApiFixture;

beforeAll(async () => {
  fx = await startApiFixture('scale', { isLeader: () => true });
});

afterAll(async () => fx.close());

const names = (json: unknown) => nodeListAnswerSchema.parse(json).nodes.map((n) => n.name);

describe('scaling to a node count', () => {
  it('adds up to the count, or removes down to it one node at a time; refuses what is unsafe', async () => {
    await fx.store.createCluster('c1', 'riak-kv-3.2');
    let res = await fx.call('POST', '/clusters/c1/nodes', { count: 4 });
    expect(res.status).toBe(201);
    expect(names(res.json)).toEqual(['riak-c1-1', 'riak-c1-2', 'riak-c1-3', 'riak-c1-4']);
    // Deployed, as the driver would: each node placed, launched, running and a member.
    for (const key of names(res.json)) {
      for (const state of ['reserving', 'reserved', 'launching', 'running'] as const)
        await fx.store.transitionNode(key, state);
      await fx.store.updateNode(key, (n) => ({ ...n, member: true }));
    }
    expect(await fx.call('POST', '/clusters/c1/nodes', { count: 4 })).toEqual({
      status: 200,
      json: { nodes: [] },
    });

    // A node removed on its own (its plan may still be finishing) does not hold a scale-down.
    const extra = await fx.call('POST', '/clusters/c1/nodes', { nodes: 1 });
    expect((await fx.call('DELETE', `/clusters/c1/nodes/${names(extra.json)[0]}`)).status).toBe(
      202,
    );

    // Below n_val (3 unless the cluster's riak.conf says otherwise): only with force.
    res = await fx.call('POST', '/clusters/c1/nodes', { count: 2 });
    expect(res.status).toBe(409);
    expect(res.json.error.message).toMatch(/below the cluster's n_val \(3\).*"force": true/);

    res = await fx.call('POST', '/clusters/c1/nodes', { count: 3 });
    expect(res.status).toBe(202);
    expect(names(res.json)).toEqual(['riak-c1-4']);
    const plans = planListAnswerSchema.parse((await fx.call('GET', '/clusters/c1/plans')).json);
    const remove = plans.plans.find(
      (p) => p.kind === 'remove' && p.phases[0].strategy === 'serial',
    )!;
    expect(remove.phases[0].steps.map((s) => s.node)).toEqual(['riak-c1-4']);
    // One scale-down at a time.
    res = await fx.call('POST', '/clusters/c1/nodes', { count: 3, force: true });
    expect(res.status).toBe(409);
    expect(res.json.error.message).toMatch(/already removing nodes/);

    for (const [body, field] of [
      [{ nodes: 1, count: 3 }, 'count'],
      [{ force: true }, 'force'],
      [{ count: 0 }, 'count'],
      [{ count: '3' }, 'count'],
      [{ count: 3, force: 'yes' }, 'force'],
    ] as const) {
      const bad = await fx.call('POST', '/clusters/c1/nodes', body);
      expect({ body, status: bad.status, field: bad.json.error.field }).toEqual({
        body,
        status: 400,
        field,
      });
    }
  });
});
