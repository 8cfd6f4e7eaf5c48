import { encodeDirectorRegistration, endpointsAnswerSchema } from '@riak-mesos/framework-contract';
import type { ApiFixture } from './test-support/api-fixture';
import { startApiFixture } from './test-support/api-fixture';

let fx: ApiFixture;

beforeAll(async () => {
  fx = await startApiFixture('endpoints', { isLeader: () => false });
});

afterAll(async () => fx.close());

describe('GET /clusters/{c}/endpoints', () => {
  it('lists the running ring members and the registered directors (any scheduler answers)', async () => {
    await fx.store.createCluster('e1', 'riak-kv-3.2');
    await fx.store.addNodes('e1', 3);
    const [a, b, c] = (await fx.store.listNodes('e1')).map((n) => n.key);
    // a: a running member; b: running, not yet a member; c: not placed.
    for (const [key, member, port] of [
      [a, true, 31000],
      [b, false, 32000],
    ] as const) {
      for (const state of ['reserving', 'reserved', 'launching', 'running'] as const)
        await fx.store.transitionNode(key, state);
      await fx.store.updateNode(key, (n) => ({
        ...n,
        member,
        hostname: 'agent-1.example',
        ports: { http: port, pb: port + 1, disterl: port + 2, handoff: port + 3, epmd: port + 4 },
      }));
    }
    let res = await fx.call('GET', '/clusters/e1/endpoints');
    expect(res.status).toBe(200);
    expect(endpointsAnswerSchema.parse(res.json)).toEqual({
      cluster: 'e1',
      nodes: [
        { kind: 'node', name: a, pb: 'agent-1.example:31001', http: 'agent-1.example:31000' },
      ],
      directors: [],
    });
    expect(c).toBeDefined();

    // A director registers itself (as apps/director does: an ephemeral node).
    const director = fx.zk;
    {
      const dirs = fx.store.layout.directors('e1');
      await director.createEphemeral(
        `${dirs}/proxy.example-8087`,
        encodeDirectorRegistration({
          framework: 'riak',
          cluster: 'e1',
          host: 'proxy.example',
          pbPort: 8087,
          httpPort: 8098,
          registeredAt: new Date().toISOString(),
        }),
      );
      // Not a registration: left out (and logged), the others still listed.
      await director.createEphemeral(`${dirs}/broken-1`, '{"host": 5}');
      res = await fx.call('GET', '/clusters/e1/endpoints');
      expect(endpointsAnswerSchema.parse(res.json).directors).toEqual([
        {
          kind: 'director',
          name: 'proxy.example-8087',
          pb: 'proxy.example:8087',
          http: 'proxy.example:8098',
        },
      ]);
      // It publishes its backends' health in its registration: the answer carries it.
      const backends = [
        {
          node: 'riak-e1-1@host-1',
          listener: 'protobuf' as const,
          address: 'host-1:31001',
          state: 'up' as const,
        },
        {
          node: 'riak-e1-2@host-2',
          listener: 'protobuf' as const,
          address: 'host-2:31002',
          state: 'down' as const,
          error: 'PB ping: connect ECONNREFUSED',
        },
      ];
      const at = new Date().toISOString();
      const withBackends = {
        framework: 'riak',
        cluster: 'e1',
        host: 'proxy.example',
        pbPort: 8087,
        httpPort: 8098,
        registeredAt: at,
        backends,
        backendsAt: at,
      };
      await director.set(`${dirs}/proxy.example-8087`, encodeDirectorRegistration(withBackends));
      res = await fx.call('GET', '/clusters/e1/endpoints');
      expect(endpointsAnswerSchema.parse(res.json).directors).toEqual([
        expect.objectContaining({ name: 'proxy.example-8087', backends, backends_at: at }),
      ]);
      // A backend in a state the contract does not name: the registration is not taken.
      await director.set(
        `${dirs}/proxy.example-8087`,
        JSON.stringify({ ...withBackends, backends: [{ ...backends[0], state: 'sideways' }] }),
      );
      res = await fx.call('GET', '/clusters/e1/endpoints');
      expect(endpointsAnswerSchema.parse(res.json).directors).toEqual([]);
      // It stops: its registration goes.
      await director.delete(`${dirs}/proxy.example-8087`);
    }
    res = await fx.call('GET', '/clusters/e1/endpoints');
    expect(endpointsAnswerSchema.parse(res.json).directors).toEqual([]);
  });

  it('answers 404 for an unknown cluster and 400 for a bad name or query', async () => {
    let res = await fx.call('GET', '/clusters/nope/endpoints');
    expect(res.status).toBe(404);
    res = await fx.call('GET', '/clusters/e1/endpoints?protocol=pb');
    expect(res.status).toBe(400);
    expect(res.json.error.field).toBe('protocol');
  });

  it('removes the directors node with the cluster', async () => {
    await fx.store.createCluster('gone', 'riak-kv-3.2');
    expect(await fx.zk.exists(fx.store.layout.directors('gone'))).not.toBeNull();
    await fx.store.deleteCluster('gone');
    expect(await fx.zk.exists(fx.store.layout.cluster('gone'))).toBeNull();
  });
});
