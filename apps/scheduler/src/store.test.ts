import type { ZooKeeperServer } from '@riak-mesos/testing';
import { startZooKeeper, uniqueChroot } from '@riak-mesos/testing';
import { InvalidNameError, ZkClient } from '@riak-mesos/zk';
import { InvalidTransitionError } from './node-state';
import { ConflictError, NotFoundError, SchedulerStore } from './store';

let server: ZooKeeperServer;
let zk: ZkClient;
let store: SchedulerStore;

beforeAll(async () => {
  server = await startZooKeeper();
  zk = await ZkClient.connect({ connect: server.connectString + uniqueChroot('store') });
  store = new SchedulerStore(zk, 'riak');
  await store.init();
});
afterAll(async () => {
  await zk.close();
  await server.close();
});

describe('SchedulerStore', () => {
  it('creates clusters once and validates their names', async () => {
    await store.createCluster('default', 'riak-kv-2-2');
    await expect(store.createCluster('default', 'riak-kv-2-2')).rejects.toBeInstanceOf(
      ConflictError,
    );
    await expect(store.createCluster('../x', 'riak-kv-2-2')).rejects.toBeInstanceOf(
      InvalidNameError,
    );
    await expect(store.createCluster('a'.repeat(95), 'riak-kv-2-2')).rejects.toBeInstanceOf(
      InvalidNameError,
    );
    expect((await store.listClusters()).map((c) => c.name)).toEqual(['default']);
  });

  it('adds nodes with keys <framework>-<cluster>-<n>, atomically with the generation counter', async () => {
    const added = await store.addNodes('default', 3);
    expect(added.map((n) => n.key)).toEqual(['riak-default-1', 'riak-default-2', 'riak-default-3']);
    expect((await store.getCluster('default'))!.nextGeneration).toBe(4);
    // Concurrent adds never reuse a generation.
    const [a, b] = await Promise.all([store.addNodes('default', 2), store.addNodes('default', 2)]);
    const keys = [...a, ...b].map((n) => n.key).sort();
    expect(new Set(keys).size).toBe(4);
    expect((await store.getCluster('default'))!.nextGeneration).toBe(8);
    expect(await store.listNodes('default')).toHaveLength(7);
    await expect(store.addNodes('nope', 1)).rejects.toBeInstanceOf(NotFoundError);
    await expect(store.addNodes('default', 0)).rejects.toThrow(/from 1 to 100/);
  });

  it('checks every node state change against the state machine and emits events', async () => {
    const seen: string[] = [];
    store.on('node', (n, prev) => seen.push(`${prev?.state}->${n.state}`));
    await store.transitionNode('riak-default-1', 'reserving', { agentId: 'agent-1' });
    await expect(store.transitionNode('riak-default-1', 'running')).rejects.toBeInstanceOf(
      InvalidTransitionError,
    );
    expect((await store.getNode('riak-default-1'))!.state).toBe('reserving');
    expect(seen).toEqual(['requested->reserving']);
    await expect(store.transitionNode('riak-default-99', 'reserving')).rejects.toBeInstanceOf(
      NotFoundError,
    );
  });

  it('refuses to delete a cluster that has nodes', async () => {
    await expect(store.deleteCluster('default')).rejects.toThrow(/still has 7 node/);
    for (const n of await store.listNodes('default')) await store.deleteNode(n.key);
    await store.deleteCluster('default');
    expect(await store.getCluster('default')).toBeNull();
  });

  it('keeps the framework id in the scheduler document', async () => {
    expect(await store.getScheduler()).toEqual({});
    await store.updateScheduler((d) => ({ ...d, frameworkId: 'fw-1' }));
    expect((await store.getScheduler()).frameworkId).toBe('fw-1');
  });
});
