/**
 * The PB backend connection pool (pb-pool.ts) with the proxy, in front of a real two-node Riak
 * cluster (one cluster for the file): reuse of a connection a client gave back, pinning of every
 * kind of per-connection state, a node dying with pooled connections and its refill once back,
 * and a drain with pooled connections.
 */
import { connect } from 'node:net';
import { createLogger } from '@riak-mesos/logging';
import { RiakPbClient } from '@riak-mesos/riak-pb';
import type { RealRiakCluster } from '@riak-mesos/testing';
import { startRealRiakCluster, waitFor } from '@riak-mesos/testing';
import type { Backend, BackendSpec } from './backends';
import { BackendPool } from './backends';
import { HealthChecker, pbPing } from './health';
import type { PbPoolOptions } from './pb-pool';
import { PbConnectionPool } from './pb-pool';
import { ProxyListener } from './proxy';
import { CODE, PbStream, frame } from './test-support/real-riak';

jest.setTimeout(90000);

const logger = createLogger('director-test', { level: 'error' });

interface Pooled {
  proxy: ProxyListener;
  pool: BackendPool;
  connections: PbConnectionPool;
  backend: (id: string) => Backend;
  close(): Promise<void>;
}

const started: Pooled[] = [];

/** A PB listener with a connection pool and fast health checks in front of `specs`. */
async function pooledProxy(
  specs: BackendSpec[],
  options: Partial<PbPoolOptions> = {},
): Promise<Pooled> {
  const pool = new BackendPool({
    name: 'protobuf',
    balance: 'leastconn',
    maxConnPerBackend: 100,
    rise: 2,
    fall: 2,
    ejectAfter: 1,
    drainTimeoutMs: 30000,
    logger,
  });
  const connections = new PbConnectionPool(pool, {
    size: 4,
    warmup: 1,
    idleTimeMs: 60000,
    connectTimeoutMs: 1000,
    retryMs: 100,
    logger,
    ...options,
  });
  const checker = new HealthChecker(pool, pbPing, { intervalMs: 100, timeoutMs: 1000, logger });
  const proxy = new ProxyListener({
    name: 'protobuf',
    host: '127.0.0.1',
    port: 0,
    pool,
    connectTimeoutMs: 1000,
    connectAttempts: 3,
    queueTimeoutMs: 2000,
    idleTimeoutMs: 30000,
    maxClientConnections: 100,
    pbBoundaries: true,
    connectionPool: connections,
    logger,
  });
  connections.start();
  pool.sync(specs);
  checker.start();
  await proxy.listen();
  const p: Pooled = {
    proxy,
    pool,
    connections,
    backend: (id) => pool.list().find((b) => b.id === id)!,
    close: async () => {
      checker.stop();
      connections.stop();
      await proxy.close(0);
      pool.close();
    },
  };
  started.push(p);
  return p;
}

describe('real Riak: PB backend connection pool', () => {
  let riak: RealRiakCluster;
  const spec = (i: number): BackendSpec => ({
    id: `n${i + 1}`,
    node: riak.nodes[i].nodeName,
    host: '127.0.0.1',
    port: riak.nodes[i].pbPort,
  });

  beforeAll(async () => {
    riak = await startRealRiakCluster({ nodes: 2 });
  }, 240000);

  afterEach(async () => {
    for (const p of started.splice(0)) await p.close();
  });

  afterAll(async () => {
    await riak?.stop();
  });

  it('serves a new client from a warm connection and reuses the one a client gave back', async () => {
    const { proxy, connections, backend } = await pooledProxy([spec(0)], { warmup: 1, size: 2 });
    const n1 = backend('n1');
    await waitFor(() => connections.idleCount(n1) === 1, { what: 'the warm-up connection' });
    const [warm] = connections.idlePorts(n1);

    const first = await RiakPbClient.connect(proxy.port);
    await first.put('pool', 'k', Buffer.from('v1'));
    // Served from the warm connection (no connect on its path); the pool refills behind it.
    expect(connections.stats).toMatchObject({ hits: 1, misses: 0 });
    await waitFor(() => connections.idleCount(n1) === 1, { what: 'the refill' });
    expect(connections.idlePorts(n1)).not.toContain(warm);
    first.close();
    // Ended at a boundary with nothing in flight: its backend connection goes back to the pool.
    await waitFor(() => connections.stats.returned === 1, { what: 'the connection to come back' });
    expect(connections.idlePorts(n1)).toContain(warm);

    const second = await RiakPbClient.connect(proxy.port);
    expect((await second.get('pool', 'k'))?.value.toString()).toBe('v1');
    // The newest idle connection, the one the first client used, serves the second.
    expect(connections.idlePorts(n1)).not.toContain(warm);
    expect(connections.stats).toMatchObject({ hits: 2, misses: 0, opened: 2 });
    second.close();
    await waitFor(() => proxy.openConnections === 0, { what: 'the client to end' });
    expect(Object.values(proxy.stats.errors).reduce((a, b) => a + b, 0)).toBe(0);
  });

  it('answers a client that half-closes with a request in flight, then takes its connection back', async () => {
    const { proxy, connections } = await pooledProxy([spec(0)], { warmup: 1 });
    const s = connect({ port: proxy.port, host: '127.0.0.1', allowHalfOpen: true });
    const chunks: Buffer[] = [];
    s.on('data', (c: Buffer) => chunks.push(c));
    const closed = new Promise<void>((r) => s.on('close', () => r()));
    await new Promise<void>((r) => s.once('connect', () => r()));
    // A ping and its FIN together: the answer still comes, then the director ends the client.
    s.end(frame(CODE.PingReq));
    await closed;
    expect(Buffer.concat(chunks)).toEqual(frame(CODE.PingResp));
    await waitFor(() => connections.stats.returned === 1, { what: 'the connection back' });
    expect(Object.values(proxy.stats.errors).reduce((a, b) => a + b, 0)).toBe(0);
  });

  // Each sets per-connection state on the node (or streams): the backend connection is closed
  // with its client, never given to another. Riak may refuse auth and TLS (security is off); the
  // connection is pinned once the request has passed, whatever the answer.
  const stateful: [string, (c: PbStream) => Promise<unknown>][] = [
    [
      'RpbSetClientIdReq',
      // RpbSetClientIdReq { client_id = 1: bytes "abcd" }
      (c) => c.call(frame(5, Buffer.from([0x0a, 4, 0x61, 0x62, 0x63, 0x64])), () => true),
    ],
    [
      'RpbAuthReq',
      // RpbAuthReq { user = 1: "u", password = 2: "p" }
      (c) => c.call(frame(253, Buffer.from([0x0a, 1, 0x75, 0x12, 1, 0x70])), () => true),
    ],
    ['RpbStartTls', (c) => c.call(frame(255), () => true)],
    ['a streamed list-keys', (c) => c.listKeys('pool')],
  ];

  it.each(stateful)('pins a connection after %s and closes it with its client', async (_, use) => {
    const { proxy, connections, backend } = await pooledProxy([spec(0)], { warmup: 1, size: 4 });
    await waitFor(() => connections.idleCount(backend('n1')) === 1, { what: 'the warm-up' });
    const c = await PbStream.connect(proxy.port);
    await c.call(frame(CODE.PingReq), () => true);
    await use(c).catch(() => undefined);
    c.close();
    await waitFor(() => proxy.openConnections === 0, { what: 'the client to end' });
    expect(connections.stats.returned).toBe(0);
    expect(connections.stats.discards.pinned).toBe(1);
    // Only the refill is idle: the pinned connection is gone.
    expect(connections.idleCount(backend('n1'))).toBe(1);
  });

  it('discards the connections of a node that dies, moves its idle clients, and refills once it is back', async () => {
    const { proxy, connections, backend } = await pooledProxy([spec(0), spec(1)], {
      warmup: 2,
      size: 4,
    });
    await waitFor(
      () =>
        connections.idleCount(backend('n1')) === 2 && connections.idleCount(backend('n2')) === 2,
      { what: 'the warm-up on both nodes' },
    );
    const c = await RiakPbClient.connect(proxy.port);
    const node = (await c.serverInfo()).node;
    const dying = node === riak.nodes[0].nodeName ? 0 : 1;
    const other = 1 - dying;
    const dead = backend(`n${dying + 1}`);
    await riak.kill(dying);
    // The client's connection sat idle on the node: it loses nothing and goes on elsewhere.
    await waitFor(() => proxy.stats.reconnected === 1, { what: 'the idle client to reconnect' });
    expect((await c.serverInfo()).node).toBe(riak.nodes[other].nodeName);
    await c.ping();
    await waitFor(() => dead.state === 'down', { what: 'the dead node to be taken down' });
    expect(connections.idleCount(dead)).toBe(0);
    expect(connections.stats.discards.backend_closed).toBeGreaterThanOrEqual(2);
    expect(Object.values(proxy.stats.errors).reduce((a, b) => a + b, 0)).toBe(0);
    // New clients go to the living node meanwhile.
    const d = await RiakPbClient.connect(proxy.port);
    expect((await d.serverInfo()).node).toBe(riak.nodes[other].nodeName);
    d.close();

    await riak.restart(dying);
    await waitFor(() => dead.state === 'up' && connections.idleCount(dead) === 2, {
      timeoutMs: 30000,
      what: 'the pool of the node back to its warm-up',
    });
    c.close();
  });

  it('drains a node with pooled connections: its idle ones close, its clients move between requests', async () => {
    const { proxy, pool, connections, backend } = await pooledProxy([spec(0), spec(1)], {
      warmup: 1,
    });
    await waitFor(
      () =>
        connections.idleCount(backend('n1')) === 1 && connections.idleCount(backend('n2')) === 1,
      { what: 'the warm-up on both nodes' },
    );
    const c = await RiakPbClient.connect(proxy.port);
    const on = (await c.serverInfo()).node === riak.nodes[0].nodeName ? 0 : 1;
    const stay = 1 - on;
    const leaving = backend(`n${on + 1}`);
    pool.sync([spec(stay)]);
    await waitFor(() => proxy.stats.moved === 1 && leaving.retired, { what: 'the move' });
    expect(connections.idleCount(leaving)).toBe(0);
    expect((await c.serverInfo()).node).toBe(riak.nodes[stay].nodeName);
    c.close();
    await waitFor(() => connections.stats.returned === 1, { what: 'the moved connection back' });
    expect(Object.values(proxy.stats.errors).reduce((a, b) => a + b, 0)).toBe(0);
  });
});
