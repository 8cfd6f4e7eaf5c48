import { createLogger } from '@riak-mesos/logging';
import type { ZooKeeperServer } from '@riak-mesos/testing';
import { startPartitionProxy, startZooKeeper, uniqueChroot, waitFor } from '@riak-mesos/testing';
import { ZkClient, frameworkLayout } from '@riak-mesos/zk';
import type { RiakNode } from './discovery';
import {
  Discovery,
  InvalidNodeDataError,
  encodeCoordinatedNode,
  parseCoordinatedNode,
} from './discovery';

const logger = createLogger('director-test', { level: 'error' });

const node = (i: number, cluster = 'c1', framework = 'riak'): Omit<RiakNode, 'id'> => ({
  framework,
  cluster,
  nodeName: `${framework}-${cluster}-${i}@host${i}`,
  hostname: `host${i}`,
  pbPort: 31000 + i,
  httpPort: 32000 + i,
  disterlPort: 33000 + i,
});

describe('parseCoordinatedNode', () => {
  it("reads the executor's JSON in the original key order", () => {
    const json = encodeCoordinatedNode(node(1));
    expect(json).toBe(
      '{"FrameworkName":"riak","ClusterName":"c1","NodeName":"riak-c1-1@host1","DisterlPort":33001,"PBPort":31001,"HTTPPort":32001,"Hostname":"host1"}',
    );
    expect(parseCoordinatedNode('t1', json)).toEqual({ id: 't1', ...node(1) });
  });

  it('accepts any key order, extra keys and numeric strings', () => {
    const json = JSON.stringify({
      Hostname: 'host1',
      HTTPPort: '32001',
      Extra: { anything: true },
      PBPort: 31001,
      NodeName: 'riak-c1-1@host1',
      DisterlPort: 33001,
      ClusterName: 'c1',
      FrameworkName: 'riak',
    });
    expect(parseCoordinatedNode('t1', Buffer.from(json))).toEqual({ id: 't1', ...node(1) });
  });

  it('rejects bad data with a message naming the node and the problem', () => {
    expect(() => parseCoordinatedNode('t1', 'not json')).toThrow(
      /node t1: data is not JSON .*: not json/,
    );
    expect(() => parseCoordinatedNode('t1', '[1,2]')).toThrow(/must be a JSON object/);
    const bad = { ...JSON.parse(encodeCoordinatedNode(node(1))), PBPort: 70000 };
    delete bad.Hostname;
    let message = '';
    try {
      parseCoordinatedNode('t1', JSON.stringify(bad));
    } catch (err) {
      expect(err).toBeInstanceOf(InvalidNodeDataError);
      message = (err as Error).message;
    }
    expect(message).toMatch(/PBPort must be a port from 1 to 65535/);
    expect(message).toMatch(/Hostname must be a string/);
    expect(() => parseCoordinatedNode('t1', Buffer.from([0xff, 0x00, 0x7b]))).toThrow(/not JSON/);
  });
});

describe('Discovery against ZooKeeper', () => {
  let server: ZooKeeperServer;
  let connect: string;
  let chroot: string;
  let executor: ZkClient;
  let director: ZkClient;
  const discoveries: Discovery[] = [];

  beforeAll(async () => {
    server = await startZooKeeper();
    chroot = uniqueChroot('director-discovery');
    connect = server.connectString + chroot;
    executor = await ZkClient.connect({ connect, logger });
    director = await ZkClient.connect({ connect, logger });
  });

  afterEach(() => {
    for (const d of discoveries.splice(0)) d.stop();
  });

  afterAll(async () => {
    await executor?.close();
    await director?.close();
    await server?.close();
  });

  function watch(framework: string, cluster: string) {
    const d = new Discovery(director, { framework, cluster }, logger);
    discoveries.push(d);
    const seen: RiakNode[][] = [];
    d.on('nodes', (n: RiakNode[]) => seen.push(n));
    d.start();
    const latest = () => (seen.length ? seen[seen.length - 1] : undefined);
    const ids = () => latest()?.map((n) => n.id) ?? [];
    return { d, seen, latest, ids };
  }

  it('follows nodes added, changed and removed, and filters by cluster', async () => {
    const layout = frameworkLayout('fw-a');
    const w = watch('fw-a', 'c1');
    await waitFor(() => w.d.synced, { what: 'the first listing' });
    await executor.createEphemeral(
      layout.coordinatedNode('fw-a-c1-1'),
      encodeCoordinatedNode(node(1, 'c1', 'fw-a')),
      { parents: true },
    );
    await executor.createEphemeral(
      layout.coordinatedNode('fw-a-c2-1'),
      encodeCoordinatedNode(node(5, 'c2', 'fw-a')),
    );
    await executor.createEphemeral(
      layout.coordinatedNode('fw-a-c1-2'),
      encodeCoordinatedNode(node(2, 'c1', 'fw-a')),
    );
    await waitFor(() => w.ids().join() === 'fw-a-c1-1,fw-a-c1-2', { what: 'both c1 nodes' });
    expect(w.d.allNodes().map((n) => n.cluster)).toEqual(['c1', 'c1', 'c2']);

    // Data changed under the same name (the original missed this).
    await executor.set(
      layout.coordinatedNode('fw-a-c1-2'),
      encodeCoordinatedNode({ ...node(2, 'c1', 'fw-a'), pbPort: 31999 }),
    );
    await waitFor(() => w.latest()?.find((n) => n.id === 'fw-a-c1-2')?.pbPort === 31999, {
      what: 'the changed port',
    });

    await executor.delete(layout.coordinatedNode('fw-a-c1-1'));
    await waitFor(() => w.ids().join() === 'fw-a-c1-2', { what: 'the removal' });
    // One children watch plus one data watch per child.
    expect(w.d.openWatches).toBe(3);
  });

  it('ignores invalid data and picks the node up once it is fixed', async () => {
    const layout = frameworkLayout('fw-b');
    const w = watch('fw-b', 'c1');
    await executor.createEphemeral(layout.coordinatedNode('t-bad'), '{"FrameworkName":', {
      parents: true,
    });
    await executor.createEphemeral(
      layout.coordinatedNode('t-good'),
      encodeCoordinatedNode(node(1, 'c1', 'fw-b')),
    );
    await waitFor(() => w.ids().join() === 't-good', { what: 'the valid node' });
    await waitFor(() => w.d.invalidNodes().length === 1, { what: 'the invalid node report' });
    expect(w.d.invalidNodes()[0]).toMatchObject({ id: 't-bad' });
    await executor.set(
      layout.coordinatedNode('t-bad'),
      encodeCoordinatedNode(node(2, 'c1', 'fw-b')),
    );
    await waitFor(() => w.ids().join() === 't-bad,t-good', { what: 'the fixed node' });
    expect(w.d.invalidNodes()).toEqual([]);
  });

  it('switching framework closes the old watches: later changes there are not seen', async () => {
    const a = frameworkLayout('fw-c');
    const b = frameworkLayout('fw-d');
    await executor.createEphemeral(
      a.coordinatedNode('c-1'),
      encodeCoordinatedNode(node(1, 'x', 'fw-c')),
      {
        parents: true,
      },
    );
    await executor.createEphemeral(
      b.coordinatedNode('d-1'),
      encodeCoordinatedNode(node(2, 'y', 'fw-d')),
      {
        parents: true,
      },
    );
    const w = watch('fw-c', 'x');
    await waitFor(() => w.ids().join() === 'c-1', { what: 'the fw-c node' });
    w.d.configure({ framework: 'fw-d', cluster: 'y' });
    await waitFor(() => w.ids().join() === 'd-1', { what: 'the fw-d node' });
    expect(w.d.openWatches).toBe(2);
    const events = w.seen.length;
    // Changes on the old path must not reach the director any more.
    await executor.createEphemeral(
      a.coordinatedNode('c-2'),
      encodeCoordinatedNode(node(3, 'y', 'fw-c')),
    );
    await executor.set(a.coordinatedNode('c-1'), encodeCoordinatedNode(node(4, 'y', 'fw-c')));
    await executor.delete(a.coordinatedNode('c-1'));
    // A change on the new path, made after them, is seen; nothing from the old path came before it.
    await executor.createEphemeral(
      b.coordinatedNode('d-2'),
      encodeCoordinatedNode(node(5, 'y', 'fw-d')),
    );
    await waitFor(() => w.ids().join() === 'd-1,d-2', { what: 'the second fw-d node' });
    expect(w.seen.slice(events).map((n) => n.map((x) => x.id).join())).toEqual(['d-1,d-2']);
  });

  it('switching only the cluster re-filters the same watches', async () => {
    const layout = frameworkLayout('fw-e');
    await executor.createEphemeral(
      layout.coordinatedNode('e-1'),
      encodeCoordinatedNode(node(1, 'one', 'fw-e')),
      {
        parents: true,
      },
    );
    await executor.createEphemeral(
      layout.coordinatedNode('e-2'),
      encodeCoordinatedNode(node(2, 'two', 'fw-e')),
    );
    const w = watch('fw-e', 'one');
    await waitFor(() => w.ids().join() === 'e-1', { what: 'cluster one' });
    w.d.configure({ framework: 'fw-e', cluster: 'two' });
    await waitFor(() => w.ids().join() === 'e-2', { what: 'cluster two' });
    expect(w.d.openWatches).toBe(3);
  });

  it('keeps following after its ZooKeeper session expires', async () => {
    // The director's client reaches ZooKeeper through a proxy that can cut the network.
    const proxy = await startPartitionProxy('127.0.0.1', server.clientPort);
    const own = await ZkClient.connect({
      connect: proxy.address + chroot,
      logger,
      sessionTimeoutMs: 4000,
    });
    try {
      const layout = frameworkLayout('fw-x');
      await executor.createEphemeral(
        layout.coordinatedNode('x-1'),
        encodeCoordinatedNode(node(1, 'c1', 'fw-x')),
        { parents: true },
      );
      const d = new Discovery(own, { framework: 'fw-x', cluster: 'c1' }, logger);
      discoveries.push(d);
      d.start();
      await waitFor(() => d.nodes().length === 1, { what: 'the first node' });
      // A partition longer than the session timeout ends the session, its watches with it.
      const expired = new Promise<void>((resolve) => own.once('expired', () => resolve()));
      proxy.cut();
      await expired;
      proxy.heal();
      await executor.createEphemeral(
        layout.coordinatedNode('x-2'),
        encodeCoordinatedNode(node(2, 'c1', 'fw-x')),
      );
      await waitFor(() => d.nodes().length === 2, { what: 'the node added after expiry' });
      expect(d.openWatches).toBe(3);
    } finally {
      await own.close();
      await proxy.close();
    }
  }, 60000);

  it('a framework with no published nodes yet gives an empty list, then the nodes', async () => {
    const w = watch('fw-empty', 'c1');
    await waitFor(() => w.d.synced, { what: 'the first listing' });
    expect(w.d.nodes()).toEqual([]);
    await executor.createEphemeral(
      frameworkLayout('fw-empty').coordinatedNode('z-1'),
      encodeCoordinatedNode(node(1, 'c1', 'fw-empty')),
      { parents: true },
    );
    await waitFor(() => w.ids().join() === 'z-1', { what: 'the node to appear' });
    expect(await w.d.frameworks()).toEqual(
      expect.arrayContaining(['fw-a', 'fw-b', 'fw-c', 'fw-d', 'fw-e', 'fw-empty']),
    );
  });
});
