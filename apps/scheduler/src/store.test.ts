import { PassThrough } from 'node:stream';
import { createLogger } from '@riak-mesos/logging';
import type { PartitionProxy, ZooKeeperServer } from '@riak-mesos/testing';
import { startPartitionProxy, startZooKeeper, uniqueChroot, waitFor } from '@riak-mesos/testing';
import { FencedError, InvalidNameError, LeaderElection, ZkClient } from '@riak-mesos/zk';
import { transports } from 'winston';
import { clusterView } from './api/routes';
import type { ClusterDoc } from './model';
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

describe('SchedulerStore in-memory view', () => {
  // Two stores on two sessions, as two processes (a leader and another scheduler's API).
  let zkA: ZkClient;
  let zkB: ZkClient;
  /** Between zkA and ZooKeeper: cutting it ends zkA's session, as a network partition does. */
  let toA: PartitionProxy;
  let a: SchedulerStore;
  let b: SchedulerStore;

  beforeAll(async () => {
    const chroot = uniqueChroot('store-view');
    const connect = server.connectString + chroot;
    toA = await startPartitionProxy('127.0.0.1', server.clientPort);
    zkA = await ZkClient.connect({ connect: toA.address + chroot, sessionTimeoutMs: 4000 });
    zkB = await ZkClient.connect({ connect });
    a = new SchedulerStore(zkA, 'riak');
    b = new SchedulerStore(zkB, 'riak');
    await a.init();
    await b.init();
    await a.createCluster('c1', 'riak-kv-3.2');
    await a.addNodes('c1', 5);
  });
  afterAll(async () => {
    a.close();
    b.close();
    await zkA.close();
    await zkB.close();
    await toA.close();
  });

  it('answers reads from memory once synced: no ZooKeeper request', async () => {
    expect(a.viewSynced).toBe(true);
    const before = a.zookeeperRequests;
    for (let i = 0; i < 50; i++) {
      expect(await a.listNodes()).toHaveLength(5);
      expect(await a.listNodes('c1')).toHaveLength(5);
      expect((await a.listClusters()).map((c) => c.name)).toEqual(['c1']);
      expect((await a.getCluster('c1'))!.nextGeneration).toBe(6);
      expect((await a.requireNode('c1', 'riak-c1-3')).state).toBe('requested');
      expect(await a.getNode('riak-c1-99')).toBeNull();
    }
    expect(a.zookeeperRequests).toBe(before);
    // A write costs ZooKeeper requests: the compare-and-set (from the view's copy: no read).
    const sets = a.zookeeperRequestsByOperation().get('set') ?? 0;
    await a.updateNode('riak-c1-1', (n) => ({ ...n, failures: 1 }));
    expect(a.zookeeperRequestsByOperation().get('set')).toBe(sets + 1);
    expect(a.zookeeperRequests).toBeGreaterThan(before);
  });

  it('shows its own writes at once and never an older state', async () => {
    for (let i = 1; i <= 30; i++) {
      await a.updateNode('riak-c1-2', (n) => ({ ...n, failures: i }));
      // Read immediately: the watch's re-reads of earlier writes are still arriving.
      expect((await a.getNode('riak-c1-2'))!.failures).toBe(i);
      await a.updateCluster('c1', (c) => ({ ...c, riakVersion: `v${i}` }));
      expect((await a.getCluster('c1'))!.riakVersion).toBe(`v${i}`);
    }
    await new Promise((r) => setTimeout(r, 200));
    expect((await a.getNode('riak-c1-2'))!.failures).toBe(30);
    expect((await a.getCluster('c1'))!.riakVersion).toBe('v30');
  });

  it("sees another process' creations, changes and deletions through the watches", async () => {
    await b.transitionNode('riak-c1-3', 'reserving', { agentId: 'agent-b' });
    await b.addNodes('c1', 2);
    await b.deleteNode('riak-c1-4');
    await b.createCluster('c2', 'riak-kv-3.2');
    await waitFor(async () => (await a.getNode('riak-c1-3'))?.state === 'reserving', {
      what: 'the remote transition',
    });
    await waitFor(async () => (await a.listNodes('c1')).length === 6, { what: 'add and delete' });
    expect((await a.listNodes('c1')).map((n) => n.key)).toEqual([
      'riak-c1-1',
      'riak-c1-2',
      'riak-c1-3',
      'riak-c1-5',
      'riak-c1-6',
      'riak-c1-7',
    ]);
    await waitFor(async () => (await a.getCluster('c2')) !== null, { what: 'the new cluster' });
    expect((await a.getCluster('c1'))!.nextGeneration).toBe(8);
    // A write racing one of the other process is compare-and-set: nothing is lost.
    await Promise.all([
      b.updateNode('riak-c1-5', (n) => ({ ...n, agentId: 'agent-b' })),
      a.updateNode('riak-c1-5', (n) => ({ ...n, failures: 7 })),
    ]);
    await waitFor(
      async () => {
        const n = await a.getNode('riak-c1-5');
        return n?.agentId === 'agent-b' && n.failures === 7;
      },
      { what: 'both writes' },
    );
    // The cluster deleted by the other process goes from the view.
    await b.deleteCluster('c2');
    await waitFor(async () => (await a.getCluster('c2')) === null, { what: 'the deletion' });
  });

  it('re-reads everything after a session expiry and answers from memory again', async () => {
    // A partition longer than the session timeout: the session ends, its watches with it.
    const expired = new Promise<void>((resolve) => zkA.once('expired', () => resolve()));
    toA.cut();
    // Changes made while the session is gone.
    await b.updateNode('riak-c1-6', (n) => ({ ...n, failures: 42 }));
    await b.deleteNode('riak-c1-7');
    await b.createCluster('c3', 'riak-kv-3.2');
    await b.addNodes('c3', 1);
    await expired;
    toA.heal();
    // Reads are right whether the view has re-synced yet or not (ZooKeeper answers meanwhile).
    await waitFor(async () => (await a.getNode('riak-c1-6'))?.failures === 42, {
      what: 'the change',
      timeoutMs: 20000,
    });
    await waitFor(() => a.viewSynced, { what: 'the view to re-sync', timeoutMs: 20000 });
    expect(await a.getNode('riak-c1-7')).toBeNull();
    expect((await a.listNodes('c3')).map((n) => n.key)).toEqual(['riak-c3-1']);
    const before = a.zookeeperRequests;
    expect((await a.listNodes()).length).toBe(6);
    expect((await a.listClusters()).map((c) => c.name)).toEqual(['c1', 'c3']);
    expect(a.zookeeperRequests).toBe(before);
    // Watches are armed again in the new session.
    await b.transitionNode('riak-c3-1', 'reserving', { agentId: 'agent-b' });
    await waitFor(async () => (await a.getNode('riak-c3-1'))?.state === 'reserving', {
      what: 'a change after the expiry',
    });
  });
});

describe('leader fencing', () => {
  it('a scheduler whose leadership ended cannot write; the new leader can', async () => {
    const chroot = uniqueChroot('fencing');
    const connect = server.connectString + chroot;
    const toA = await startPartitionProxy('127.0.0.1', server.clientPort);
    const zkA = await ZkClient.connect({ connect: toA.address + chroot, sessionTimeoutMs: 4000 });
    const zkB = await ZkClient.connect({ connect, sessionTimeoutMs: 4000 });
    try {
      const [a, b] = [new SchedulerStore(zkA, 'riak'), new SchedulerStore(zkB, 'riak')];
      await a.init();
      await b.init();
      const electionA = new LeaderElection(zkA, a.layout.schedulerLeader, 'a');
      const electionB = new LeaderElection(zkB, b.layout.schedulerLeader, 'b');
      await electionA.start();
      await electionB.start();
      expect(electionA.isLeader).toBe(true);
      zkA.setFence(`${a.layout.schedulerLeader}/${electionA.memberNode!}`);
      await a.createCluster('fenced', 'riak-kv-3.2');
      const [n] = await a.addNodes('fenced', 1);
      // A is cut off longer than its session timeout: its session ends and B leads; A still has
      // writes to make once the network is back.
      const bLeads = new Promise((r) => electionB.once('elected', r));
      const expired = new Promise<void>((resolve) => zkA.once('expired', () => resolve()));
      toA.cut();
      await Promise.all([bLeads, expired]);
      toA.heal();
      await expect(a.updateNode(n.key, (x) => ({ ...x, failures: 9 }))).rejects.toBeInstanceOf(
        FencedError,
      );
      await expect(a.addNodes('fenced', 1)).rejects.toBeInstanceOf(FencedError);
      await expect(a.createCluster('late', 'riak-kv-3.2')).rejects.toBeInstanceOf(FencedError);
      zkB.setFence(`${b.layout.schedulerLeader}/${electionB.memberNode!}`);
      await b.updateNode(n.key, (x) => ({ ...x, failures: 1 }));
      expect((await b.getNode(n.key))?.failures).toBe(1);
      expect((await b.listNodes('fenced')).map((x) => x.key)).toEqual([n.key]);
      expect(await b.getCluster('late')).toBeNull();
      await electionA.stop();
      await electionB.stop();
    } finally {
      await zkA.close();
      await zkB.close();
      await toA.close();
    }
  });
});

describe("clusters' Erlang cookies", () => {
  it('a new cluster gets 128 random bits, its own, never shown by the API', async () => {
    const s = new SchedulerStore(zk, 'cookies-new');
    await s.init();
    const a = await s.createCluster('a', 'riak-kv-3.2');
    const b = await s.createCluster('b', 'riak-kv-3.2');
    expect(a.cookie).toMatch(/^[0-9a-f]{32}$/);
    expect(b.cookie).toMatch(/^[0-9a-f]{32}$/);
    expect(a.cookie).not.toBe(b.cookie);
    // Kept: a store starting later reads the same cookie.
    const again = new SchedulerStore(zk, 'cookies-new');
    await again.init();
    expect((await again.getCluster('a'))?.cookie).toBe(a.cookie);
    expect(JSON.stringify(clusterView(a, []))).not.toContain(a.cookie!);
    s.close();
    again.close();
  });

  it("gives an older scheduler's cluster a random cookie at start, unless its nodes already run with the old one", async () => {
    const older = new SchedulerStore(zk, 'cookies-old');
    await older.init();
    const withoutCookie = ({ cookie: _, ...rest }: ClusterDoc): ClusterDoc => rest;
    // Two clusters as an older scheduler left them: one never launched, one with a launched node.
    await older.createCluster('idle', 'riak-kv-3.2');
    await older.updateCluster('idle', withoutCookie);
    await older.addNodes('idle', 1);
    await older.createCluster('live', 'riak-kv-3.2');
    await older.updateCluster('live', withoutCookie);
    const [n] = await older.addNodes('live', 1);
    await older.updateNode(n.key, (x) => ({ ...x, executorId: 'riak-live-1-e1' }));
    older.close();
    expect((await older.getCluster('idle'))?.cookie).toBeUndefined();

    const lines: Record<string, unknown>[] = [];
    const stream = new PassThrough();
    stream.on('data', (chunk: Buffer) => {
      for (const l of chunk.toString('utf8').split('\n'))
        if (l.trim()) lines.push(JSON.parse(l) as Record<string, unknown>);
    });
    const logger = createLogger('store-test', {
      level: 'warn',
      format: 'json',
      transports: [new transports.Stream({ stream })],
    });
    const upgraded = new SchedulerStore(zk, 'cookies-old', logger);
    await upgraded.init();
    const idle = (await upgraded.getCluster('idle'))?.cookie;
    expect(idle).toMatch(/^[0-9a-f]{32}$/);
    // Nodes that run with the old cookie must keep reaching each other: it is kept, and said so.
    expect((await upgraded.getCluster('live'))?.cookie).toBe('cookies-old-live');
    await waitFor(() => lines.length > 0, { timeoutMs: 2000, what: 'the warning' });
    expect(lines.map((l) => [l.level, l.cluster])).toEqual([['warn', 'live']]);
    // Made once, kept across starts.
    const later = new SchedulerStore(zk, 'cookies-old');
    await later.init();
    expect((await later.getCluster('idle'))?.cookie).toBe(idle);
    upgraded.close();
    later.close();
  });
});
