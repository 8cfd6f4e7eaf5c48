import { randomBytes } from 'node:crypto';
import type { Socket } from 'node:net';
import { connect } from 'node:net';
import { createLogger } from '@riak-mesos/logging';
import type { ZooKeeperServer } from '@riak-mesos/testing';
import { startZooKeeper, uniqueChroot, waitFor } from '@riak-mesos/testing';
import { ZkClient, frameworkLayout } from '@riak-mesos/zk';
import type { DirectorConfig } from './config';
import { DEFAULTS } from './config';
import { Director } from './director';
import { encodeCoordinatedNode } from './discovery';
import { http, raw } from './test-support/http';
import type { StubNode } from './test-support/riak-stub';
import { PB, PbClient, frame, startStubNode } from './test-support/riak-stub';

const logger = createLogger('director', { level: 'error' });
const FRAMEWORK = 'riak';
const CLUSTER = 'default';
const layout = frameworkLayout(FRAMEWORK);

let zkServer: ZooKeeperServer;
let connectString: string;
let executor: ZkClient;
let nodes: StubNode[];
let director: Director;

function config(overrides: Partial<DirectorConfig> = {}): DirectorConfig {
  return {
    ...DEFAULTS,
    zk: connectString,
    zkSessionTimeoutMs: 5000,
    framework: FRAMEWORK,
    cluster: CLUSTER,
    host: '127.0.0.1',
    pbPort: 0,
    httpPort: 0,
    api: { enabled: true, host: '127.0.0.1', port: 0 },
    connectTimeoutMs: 1000,
    queueTimeoutMs: 2000,
    drainTimeoutMs: 30000,
    shutdownGraceMs: 0,
    health: { intervalMs: 100, timeoutMs: 1000, rise: 2, fall: 2, ejectAfter: 1 },
    ...overrides,
  };
}

const taskId = (n: StubNode) => `${FRAMEWORK}-${CLUSTER}-${n.name}`;

async function publish(n: StubNode, cluster = CLUSTER, framework = FRAMEWORK): Promise<void> {
  await executor.createEphemeral(
    frameworkLayout(framework).coordinatedNode(taskId(n)),
    encodeCoordinatedNode({
      framework,
      cluster,
      nodeName: `${taskId(n)}@127.0.0.1`,
      hostname: '127.0.0.1',
      pbPort: n.pbPort,
      httpPort: n.httpPort,
      disterlPort: 1,
    }),
    { parents: true },
  );
}

const up = (name: 'protobuf' | 'http') =>
  director
    .pool(name)
    .list()
    .filter((b) => b.state === 'up').length;

async function whoami(port: number): Promise<string> {
  const c = await PbClient.connect(port);
  try {
    return await c.whoami();
  } finally {
    c.close();
  }
}

beforeAll(async () => {
  zkServer = await startZooKeeper();
  connectString = zkServer.connectString + uniqueChroot('director');
  executor = await ZkClient.connect({ connect: connectString, logger });
  nodes = [await startStubNode('n1'), await startStubNode('n2'), await startStubNode('n3')];
  for (const n of nodes) await publish(n);
  director = new Director(config(), { logger });
  await director.start();
  await waitFor(() => up('protobuf') === 3 && up('http') === 3, { what: 'three healthy nodes' });
});

afterAll(async () => {
  await director?.stop(0);
  for (const n of nodes ?? []) await n.stop();
  await executor?.close();
  await zkServer?.close();
});

describe('director with three nodes published in ZooKeeper', () => {
  it('spreads PB connections over the healthy nodes (least connections)', async () => {
    const clients = await Promise.all(
      Array.from({ length: 30 }, () => PbClient.connect(director.ports.pb)),
    );
    try {
      const served = await Promise.all(clients.map((c) => c.whoami()));
      const counts = Object.fromEntries(
        nodes.map((n) => [n.name, served.filter((s) => s === n.name).length]),
      );
      expect(counts).toEqual({ n1: 10, n2: 10, n3: 10 });
    } finally {
      for (const c of clients) c.close();
    }
    await waitFor(() => director.proxy('protobuf').openConnections === 0, {
      what: 'connections to end',
    });
  });

  it('spreads HTTP requests over the nodes', async () => {
    const served = new Set<string>();
    for (let i = 0; i < 9; i++) {
      const r = await http(director.ports.http, 'GET', '/buckets/b/keys/k');
      expect(r.status).toBe(200);
      served.add(r.body);
    }
    expect([...served].sort()).toEqual(['n1', 'n2', 'n3']);
    expect((await http(director.ports.http, 'GET', '/ping')).body).toBe('OK');
  });

  it('ejects a node stopped under load, new connections succeed, and it is used again when back', async () => {
    const victim = nodes[1];
    let stoppedAt = Number.POSITIVE_INFINITY;
    let running = true;
    const failuresAfterStop: string[] = [];
    let completed = 0;
    const worker = async () => {
      while (running) {
        const startedAt = Date.now();
        try {
          const c = await PbClient.connect(director.ports.pb);
          try {
            await c.ping();
            await c.whoami();
          } finally {
            c.close();
          }
          completed++;
        } catch (err) {
          if (startedAt > stoppedAt) failuresAfterStop.push((err as Error).message);
        }
      }
    };
    const workers = Array.from({ length: 8 }, worker);
    await waitFor(() => completed > 50, { what: 'load to run' });
    await victim.stop();
    stoppedAt = Date.now();
    await waitFor(
      () =>
        director
          .pool('protobuf')
          .list()
          .find((b) => b.id === taskId(victim))?.state === 'down',
      { what: 'the stopped node to be ejected' },
    );
    const atEjection = completed;
    await waitFor(() => completed > atEjection + 100, { what: 'load to go on without it' });
    running = false;
    await Promise.all(workers);
    expect(failuresAfterStop).toEqual([]);
    expect(up('protobuf')).toBe(2);
    await waitFor(() => up('http') === 2, { what: 'the HTTP side to see it down too' });
    expect((await http(director.ports.api!, 'GET', '/health')).status).toBe(200);

    await victim.start();
    await waitFor(() => up('protobuf') === 3 && up('http') === 3, {
      what: 'the node to come back',
    });
    const served = new Set<string>();
    for (let i = 0; i < 6; i++) served.add(await whoami(director.ports.pb));
    expect(served.has(victim.name)).toBe(true);
  });

  it('drains a node removed from ZooKeeper: open connections go on, new ones go elsewhere', async () => {
    const leaving = nodes[2];
    // Hold connections until one is on the node that will leave.
    const held: PbClient[] = [];
    let onLeaving: PbClient | undefined;
    while (!onLeaving) {
      const c = await PbClient.connect(director.ports.pb);
      held.push(c);
      if ((await c.whoami()) === leaving.name) onLeaving = c;
    }
    await executor.delete(layout.coordinatedNode(taskId(leaving)));
    const backend = () =>
      director
        .pool('protobuf')
        .list()
        .find((b) => b.id === taskId(leaving));
    await waitFor(() => backend()?.state === 'draining', { what: 'the node to drain' });
    for (let i = 0; i < 10; i++) await onLeaving.ping();
    for (let i = 0; i < 9; i++) expect(await whoami(director.ports.pb)).not.toBe(leaving.name);
    // HTTP side: no open connection, so it is gone at once.
    await waitFor(
      () =>
        !director
          .pool('http')
          .list()
          .some((b) => b.id === taskId(leaving)),
      {
        what: 'the HTTP backend to go',
      },
    );
    for (const c of held) c.close();
    await waitFor(() => backend() === undefined, { what: 'the drained backend to be closed' });
    await publish(leaving);
    await waitFor(() => up('protobuf') === 3, { what: 'the node to be published again' });
  });
});

describe('director API', () => {
  const api = () => director.ports.api!;

  it('GET /status describes proxies, nodes and ZooKeeper', async () => {
    const r = await http(api(), 'GET', '/status');
    expect(r.status).toBe(200);
    const s = r.json().status;
    expect(s.proxy.map((p: any) => p.name)).toEqual(['balance_protobuf', 'balance_http']);
    expect(s.proxy[0]).toMatchObject({
      local_ip: '127.0.0.1',
      local_port: director.ports.pb,
      conn_timeout: 1000,
      act_timeout: DEFAULTS.idleTimeoutMs,
      balance: 'leastconn',
    });
    expect(s.proxy[0].nodes).toHaveLength(3);
    expect(s.proxy[0].nodes[0]).toMatchObject({
      name: '127.0.0.1',
      status: 'up',
      maxconn: DEFAULTS.maxConnPerBackend,
    });
    expect(s.zookeeper).toMatchObject({
      connected: true,
      nodes_location: '/riak/frameworks/riak/coordinator/coordinatedNodes',
      hosts: [zkServer.connectString],
    });
    expect(s.web.port).toBe(api());
  });

  it('GET /nodes, /clusters and /frameworks', async () => {
    await publish({ ...nodes[0], name: 'other' }, 'other-cluster');
    await waitFor(
      async () => (await http(api(), 'GET', '/clusters')).json().clusters.length === 2,
      {
        what: 'the other cluster',
      },
    );
    expect((await http(api(), 'GET', '/clusters')).json()).toEqual({
      clusters: ['default', 'other-cluster'],
    });
    const n = (await http(api(), 'GET', '/nodes')).json().nodes;
    expect(n.map((x: any) => x.name).sort()).toEqual(
      nodes.map((x) => `${taskId(x)}@127.0.0.1`).sort(),
    );
    expect(n[0].protobuf).toMatchObject({ host: '127.0.0.1', status: 'up' });
    expect((await http(api(), 'GET', '/frameworks')).json()).toEqual({ frameworks: ['riak'] });
    await executor.delete(layout.coordinatedNode(`${FRAMEWORK}-${CLUSTER}-other`));
  });

  it('GET /metrics in Prometheus format', async () => {
    const r = await http(api(), 'GET', '/metrics');
    expect(r.status).toBe(200);
    expect(r.headers['content-type']).toMatch(/text\/plain/);
    expect(r.body).toMatch(/^riak_director_connections_total\{listener="protobuf"\} [1-9]\d*$/m);
    expect(r.body).toMatch(/^riak_director_bytes_total\{listener="protobuf",direction="in"\} \d+/m);
    expect(r.body).toMatch(/^riak_director_backends\{listener="http",state="up"\} 3$/m);
    expect(r.body).toMatch(
      /^riak_director_backend_up\{listener="protobuf",backend="127\.0\.0\.1:\d+",id="riak-default-n1"\} 1$/m,
    );
    expect(r.body).toMatch(/^riak_director_connection_errors_total\{.*reason="no_backend"\} \d+/m);
    expect(r.body).toMatch(/^riak_director_zookeeper_connected 1$/m);
  });

  it('answers 404 for unknown routes, 405 for other methods, 400 for bad names', async () => {
    expect((await http(api(), 'GET', '/nope')).status).toBe(404);
    const m = await http(api(), 'DELETE', '/status');
    expect(m.status).toBe(405);
    expect(m.headers.allow).toBe('GET');
    expect((await http(api(), 'GET', '/frameworks/riak/clusters/x')).status).toBe(405);
    const bad = await http(api(), 'PUT', '/frameworks/riak/clusters/bad%20name');
    expect(bad.status).toBe(400);
    expect(bad.json().error.message).toMatch(/cluster name 'bad name' is invalid/);
    expect((await http(api(), 'PUT', '/frameworks/%E0%A4%A/clusters/x')).status).toBe(400);
  });

  it('GET /health is truthful: 503 with no healthy backend, 200 again when one is back', async () => {
    expect((await http(api(), 'GET', '/health')).json()).toMatchObject({
      status: 'OK',
      healthy_backends: { protobuf: 3, http: 3 },
    });
    for (const n of nodes) n.failPings = true;
    try {
      await waitFor(() => up('protobuf') === 0 && up('http') === 0, { what: 'all nodes down' });
      const r = await http(api(), 'GET', '/health');
      expect(r.status).toBe(503);
      expect(r.json()).toMatchObject({ status: 'UNAVAILABLE', reason: /no healthy backend/ });
      // A client now waits in line, then is turned away.
      const s = await raw(director.ports.pb, frame(PB.PingReq), { waitMs: 5000 });
      expect(s.length).toBe(0);
    } finally {
      for (const n of nodes) n.failPings = false;
    }
    await waitFor(() => up('protobuf') === 3 && up('http') === 3, { what: 'recovery' });
    expect((await http(api(), 'GET', '/health')).status).toBe(200);
  });

  it('PUT /frameworks/{f}/clusters/{c} switches the cluster; old backends drain', async () => {
    const extra = await startStubNode('x1');
    try {
      await publish(extra, 'blue', 'other-fw');
      const r = await http(api(), 'PUT', '/frameworks/other-fw/clusters/blue', {
        headers: { 'content-type': 'application/json' },
        body: '{}',
      });
      expect(r.status).toBe(200);
      expect(r.json()).toEqual({ framework: 'other-fw', cluster: 'blue' });
      await waitFor(
        () =>
          director
            .pool('protobuf')
            .list()
            .map((b) => b.id)
            .join() === taskId(extra),
        { what: 'the new cluster' },
      );
      await waitFor(() => up('protobuf') === 1, { what: 'the new node to be up' });
      expect(await whoami(director.ports.pb)).toBe('x1');
      expect(director.discoveryWatches).toBe(2);
      const status = (await http(api(), 'GET', '/status')).json().status;
      expect(status.zookeeper.nodes_location).toBe(
        '/riak/frameworks/other-fw/coordinator/coordinatedNodes',
      );
      // A change under the old framework no longer reaches the director.
      await executor.set(
        layout.coordinatedNode(taskId(nodes[0])),
        encodeCoordinatedNode({
          framework: 'other-fw',
          cluster: 'blue',
          nodeName: 'stale@127.0.0.1',
          hostname: '127.0.0.1',
          pbPort: nodes[0].pbPort,
          httpPort: nodes[0].httpPort,
          disterlPort: 1,
        }),
      );
      await publish(await startStubNodeOnce('x2', extras), 'blue', 'other-fw');
      await waitFor(() => director.pool('protobuf').list().length === 2, {
        what: 'the second blue node',
      });
      expect(
        director
          .pool('protobuf')
          .list()
          .map((b) => b.id)
          .sort(),
      ).toEqual([taskId(extra), 'riak-default-x2']);
    } finally {
      await http(api(), 'PUT', `/frameworks/${FRAMEWORK}/clusters/${CLUSTER}`);
      await executor.set(
        layout.coordinatedNode(taskId(nodes[0])),
        encodeCoordinatedNode({
          framework: FRAMEWORK,
          cluster: CLUSTER,
          nodeName: `${taskId(nodes[0])}@127.0.0.1`,
          hostname: '127.0.0.1',
          pbPort: nodes[0].pbPort,
          httpPort: nodes[0].httpPort,
          disterlPort: 1,
        }),
      );
      await extra.stop();
      for (const e of extras.splice(0)) await e.stop();
    }
    await waitFor(() => up('protobuf') === 3, { what: 'the default cluster again' });
  });
});

const extras: StubNode[] = [];
async function startStubNodeOnce(name: string, list: StubNode[]): Promise<StubNode> {
  const n = await startStubNode(name);
  list.push(n);
  return n;
}

describe('malformed input on every port', () => {
  it('survives garbage, half-open connections and huge headers, and keeps serving', async () => {
    const { pb, http: httpPort } = director.ports;
    const api = director.ports.api!;
    const sockets: Socket[] = [];
    const halfOpen = (port: number, data?: Buffer | string) =>
      new Promise<void>((resolve) => {
        const s = connect({ port, host: '127.0.0.1' });
        s.on('error', () => undefined);
        s.on('connect', () => {
          if (data) s.write(data);
          resolve();
        });
        sockets.push(s);
      });
    try {
      for (const port of [pb, httpPort, api]) {
        await raw(port, randomBytes(64 * 1024), { waitMs: 500 });
        await raw(port, Buffer.from([0xff, 0xff, 0xff, 0xff, 0x01, 0x02]), { waitMs: 300 });
        await raw(port, '', { end: true, waitMs: 300 });
        await raw(port, 'GET / HTTP/1.1\r\nHost: x\r\nContent-Length: -5\r\n\r\n', {
          waitMs: 300,
        });
        await halfOpen(port);
        await halfOpen(port, 'GET /status HTTP/1.1\r\nHost: x\r\n');
        await halfOpen(port, Buffer.from([0, 0, 0, 9, 1]));
      }
      // A PB frame claiming 4 GiB, an unknown message code, then abrupt resets.
      await raw(pb, Buffer.concat([Buffer.from([0xff, 0xff, 0xff, 0xfe, 9]), randomBytes(100)]), {
        waitMs: 300,
      });
      expect((await raw(pb, frame(200, randomBytes(10)), { waitMs: 300 })).subarray(0, 5)).toEqual(
        frame(PB.ErrorResp),
      );
      for (let i = 0; i < 20; i++) {
        const s = connect({ port: pb, host: '127.0.0.1' });
        s.on('error', () => undefined);
        s.on('connect', () => s.resetAndDestroy());
      }
      // The API: huge headers, bad request lines, bad encodings.
      const huge = await raw(
        api,
        `GET /status HTTP/1.1\r\nHost: x\r\nX-Big: ${'a'.repeat(100000)}\r\n\r\n`,
      );
      expect(huge.toString()).toMatch(/^HTTP\/1.1 431/);
      const badLine = await raw(api, 'BLAH BLAH BLAH\r\n\r\n');
      expect(badLine.toString()).toMatch(/^HTTP\/1.1 400/);
      const badPath = await http(api, 'GET', '/%ff%fe%');
      expect(badPath.status).toBe(404);
      const longPath = await http(api, 'PUT', `/frameworks/${'a'.repeat(5000)}/clusters/x`);
      expect(longPath.status).toBe(400);
      const bigBody = await http(api, 'PUT', '/frameworks/riak/clusters/default', {
        headers: { 'content-type': 'application/json' },
        body: '{'.repeat(200000),
      });
      expect(bigBody.status).toBe(200);
    } finally {
      for (const s of sockets) s.destroy();
    }
    // Still serving on all three ports.
    expect(await whoami(pb)).toMatch(/^n[123]$/);
    expect((await http(httpPort, 'GET', '/ping')).body).toBe('OK');
    expect((await http(api, 'GET', '/health')).status).toBe(200);
    expect(director.framework).toBe(FRAMEWORK);
    expect(director.cluster).toBe(CLUSTER);
  });
});
