/**
 * The director in front of a real three-node Riak cluster (the real release, joined, found in
 * ZooKeeper as the executor publishes it): balancing, PB and HTTP semantics end to end (streamed
 * list-keys, 2i and map-reduce included), Riak's own HTTP headers, a SIGKILLed node under load, hung
 * nodes, draining, the HTTP API and malformed input.
 *
 * Over 400 lines: every test shares one real cluster (about 25 s to start on two cores), so they
 * live in one file.
 */
import { randomBytes } from 'node:crypto';
import type { AddressInfo, Socket } from 'node:net';
import { connect, createServer } from 'node:net';
import { directorRegistrationSchema } from '@riak-mesos/framework-contract';
import { runCommand } from '@riak-mesos/process';
import { RiakPbClient } from '@riak-mesos/riak-pb';
import { waitFor } from '@riak-mesos/testing';
import { frameworkLayout } from '@riak-mesos/zk';
import { DEFAULTS } from './config';
import type { Director } from './director';
import { encodeCoordinatedNode } from './discovery';
import { http, raw } from './test-support/http';
import type { RealRiakSetup } from './test-support/real-riak';
import {
  CLUSTER,
  CODE,
  FRAMEWORK,
  PbStream,
  TEST_API_TOKEN,
  frame,
  servedBy,
} from './test-support/real-riak';
import { startRealRiakSetup } from './test-support/real-riak';

const AUTH = { authorization: `Bearer ${TEST_API_TOKEN}` };

jest.setTimeout(120000);

let s: RealRiakSetup;
let director: Director;
const names = () => s.cluster.nodes.map((n) => n.nodeName).sort();
const backendOf = (listener: 'protobuf' | 'http', i: number) =>
  director
    .pool(listener)
    .list()
    .find((b) => b.id === s.taskId(i));

beforeAll(async () => {
  s = await startRealRiakSetup({ nodes: 3 });
  director = s.director!;
}, 300000);

afterAll(async () => {
  await s?.stop();
});

describe('real Riak: the director proxies PB and HTTP to a real cluster', () => {
  it('spreads PB connections evenly over the three nodes (least connections)', async () => {
    const clients = await Promise.all(
      Array.from({ length: 30 }, () => RiakPbClient.connect(director.ports.pb)),
    );
    try {
      const served = await Promise.all(clients.map(async (c) => (await c.serverInfo()).node));
      const counts = Object.fromEntries(
        names().map((n) => [n, served.filter((x) => x === n).length]),
      );
      expect(Object.values(counts)).toEqual([10, 10, 10]);
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
      const r = await http(director.ports.http, 'GET', '/stats');
      expect(r.status).toBe(200);
      served.add(r.json().nodename);
    }
    expect([...served].sort()).toEqual(names());
  });

  it("answers `curl -i <director>/ping` with Riak's own Server header", async () => {
    const r = await runCommand(
      'curl',
      ['-sS', '-i', `http://127.0.0.1:${director.ports.http}/ping`],
      {
        timeoutMs: 10000,
      },
    );
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/^HTTP\/1\.1 200 OK\r?$/m);
    expect(r.out).toMatch(/^Server: MochiWeb\/\S+ WebMachine\/\S+/m);
    expect(r.out).toMatch(/\r?\n\r?\nOK$/);
  });

  it('PB put, get, delete and streamed list-keys through the director are the cluster’s', async () => {
    const bucket = `pb-${randomBytes(4).toString('hex')}`;
    const c = await RiakPbClient.connect(director.ports.pb);
    const keys = Array.from({ length: 40 }, (_, i) => `k${i}`);
    for (const k of keys) await c.put(bucket, k, `value of ${k}`, { contentType: 'text/plain' });
    // Every node, asked directly, has what went through the director.
    for (const n of s.cluster.nodes) {
      const d = await RiakPbClient.connect(n.pbPort);
      for (const k of ['k0', 'k17', 'k39'])
        expect((await d.get(bucket, k))?.value.toString()).toBe(`value of ${k}`);
      d.close();
    }
    const stream = await PbStream.connect(director.ports.pb);
    try {
      const listed = await stream.listKeys(bucket);
      expect(listed.keys.sort()).toEqual(keys.sort());
      // Riak streams one answer per covering vnode, then `done`: several frames came through.
      expect(listed.frames).toBeGreaterThan(1);
    } finally {
      stream.close();
    }
    // (Listed after the delete, k0 would still be there until its tombstone is reaped.)
    await c.delete(bucket, 'k0');
    expect(await c.get(bucket, 'k0')).toBeUndefined();
    c.close();
  });

  it('streams secondary-index queries and map-reduce through the director', async () => {
    const bucket = `idx-${randomBytes(4).toString('hex')}`;
    const c = await PbStream.connect(director.ports.pb);
    try {
      for (let i = 0; i < 30; i++)
        await c.putIndexed(bucket, `k${i}`, `v${i}`, {
          parity_bin: i % 2 ? 'odd' : 'even',
          n_int: i,
        });
      const even = await c.index(bucket, 'parity_bin', { eq: 'even' });
      expect(even.keys.sort()).toEqual(Array.from({ length: 15 }, (_, i) => `k${2 * i}`).sort());
      expect(even.frames).toBeGreaterThan(1);
      const range = await c.index(bucket, 'n_int', { min: 10, max: 19 });
      expect(range.keys.sort()).toEqual(Array.from({ length: 10 }, (_, i) => `k${10 + i}`).sort());

      const mr = await c.mapReduce({
        inputs: Array.from({ length: 30 }, (_, i) => [bucket, `k${i}`]),
        query: [
          {
            map: {
              language: 'erlang',
              module: 'riak_kv_mapreduce',
              function: 'map_object_value',
              keep: true,
            },
          },
          {
            reduce: {
              language: 'erlang',
              module: 'riak_kv_mapreduce',
              function: 'reduce_count_inputs',
              keep: true,
            },
          },
        ],
      });
      expect((mr.phases.get(0) as string[]).sort()).toEqual(
        Array.from({ length: 30 }, (_, i) => `v${i}`).sort(),
      );
      expect(mr.phases.get(1)).toEqual([30]);
      expect(mr.frames).toBeGreaterThan(2);
    } finally {
      c.close();
    }
  });

  it('HTTP put, get, delete and a 4 MiB body through the director are the cluster’s', async () => {
    const port = director.ports.http;
    const big = randomBytes(3 * 1024 * 1024).toString('base64');
    const put = await http(port, 'PUT', '/buckets/web/keys/big', {
      headers: { 'content-type': 'text/plain' },
      body: big,
    });
    expect(put.status).toBe(204);
    expect(put.headers.server).toMatch(/^MochiWeb\//);
    const direct = s.cluster.nodes[2];
    const got = await http(direct.httpPort, 'GET', '/buckets/web/keys/big');
    expect(got.body === big).toBe(true);
    const through = await http(port, 'GET', '/buckets/web/keys/big');
    expect(through.status).toBe(200);
    expect(through.body === big).toBe(true);
    expect(through.headers['x-riak-vclock']).toBeDefined();
    expect((await http(port, 'DELETE', '/buckets/web/keys/big')).status).toBe(204);
    expect((await http(port, 'GET', '/buckets/web/keys/big')).status).toBe(404);
    const missing = await http(port, 'GET', '/buckets/web/keys/never');
    expect(missing.status).toBe(404);
    expect(missing.body).toBe('not found\n');
  });
});

describe('real Riak: health checks, failures and draining', () => {
  it('takes a SIGKILLed node down under load; clients go on through the others; it is used again once back', async () => {
    const victim = 1;
    let running = true;
    let killedAt = Number.POSITIVE_INFINITY;
    const failuresAfterKill: string[] = [];
    const acked: string[] = [];
    const worker = async (w: number) => {
      for (let i = 0; running; i++) {
        const startedAt = Date.now();
        const key = `w${w}-${i}`;
        try {
          const c = await RiakPbClient.connect(director.ports.pb, '127.0.0.1', 3000);
          // A request in flight when the node dies can wait out Riak's own 60 s request timeout
          // (its preflist had two replicas on that node); give up on it after 10 s instead.
          const giveUp = setTimeout(() => c.close(), 10000);
          try {
            await c.put('load', key, key);
            acked.push(key);
            expect((await c.get('load', key))?.value.toString()).toBe(key);
          } finally {
            clearTimeout(giveUp);
            c.close();
          }
        } catch (err) {
          if (startedAt > killedAt) failuresAfterKill.push(`${key}: ${(err as Error).message}`);
        }
      }
    };
    const workers = Array.from({ length: 6 }, (_, w) => worker(w));
    await waitFor(() => acked.length > 30, { what: 'load to run' });
    await s.cluster.kill(victim);
    killedAt = Date.now();
    await waitFor(() => backendOf('protobuf', victim)?.state === 'down', {
      what: 'the killed node to be taken down',
    });
    await waitFor(() => backendOf('http', victim)?.state === 'down', {
      what: 'the HTTP side to see it down too',
    });
    const atDown = acked.length;
    await waitFor(() => acked.length > atDown + 60, {
      timeoutMs: 30000,
      what: 'load to go on through the other two',
    });
    running = false;
    await Promise.all(workers);
    expect(failuresAfterKill).toEqual([]);
    expect(s.up('protobuf')).toBe(2);
    expect((await http(director.ports.api!, 'GET', '/health')).status).toBe(200);

    await s.cluster.restart(victim);
    await waitFor(() => s.up('protobuf') === 3 && s.up('http') === 3, {
      timeoutMs: 20000,
      what: 'the node to be up again',
    });
    const served = new Set<string>();
    for (let i = 0; i < 9; i++) served.add(await servedBy(director.ports.pb));
    expect(served.has(s.cluster.nodes[victim].nodeName)).toBe(true);
    // Every acknowledged write reads back once the node is back and its hinted handoffs are done.
    // (While it is down, a key with two of its three replicas on it can read as not found: with
    // Riak's default notfound_ok, two empty fallbacks make the quorum.)
    await s.cluster.settled();
    const c = await RiakPbClient.connect(director.ports.pb);
    try {
      const missing: string[] = [];
      for (const key of acked)
        if ((await c.get('load', key))?.value.toString() !== key) missing.push(key);
      expect(missing).toEqual([]);
    } finally {
      c.close();
    }
  });

  it('takes hung nodes (SIGSTOP) down by timeout: /health says 503, clients are turned away, then all recover', async () => {
    const api = director.ports.api!;
    expect((await http(api, 'GET', '/health')).json()).toMatchObject({
      status: 'OK',
      healthy_backends: { protobuf: 3, http: 3 },
    });
    // A stopped VM's listeners still accept (the kernel completes the handshake) but never answer.
    for (const n of s.cluster.nodes) n.process!.signal('SIGSTOP');
    try {
      await waitFor(() => s.up('protobuf') === 0 && s.up('http') === 0, {
        what: 'every hung node to be down',
      });
      expect(backendOf('protobuf', 0)?.lastError).toMatch(/timed out after 1000 ms/);
      const r = await http(api, 'GET', '/health');
      expect(r.status).toBe(503);
      expect(r.json()).toMatchObject({ status: 'UNAVAILABLE', reason: /no healthy backend/ });
      // A client waits in line for the queue timeout, then is closed without an answer.
      expect((await raw(director.ports.pb, frame(CODE.PingReq), { waitMs: 5000 })).length).toBe(0);
    } finally {
      for (const n of s.cluster.nodes) n.process!.signal('SIGCONT');
    }
    await waitFor(() => s.up('protobuf') === 3 && s.up('http') === 3, { what: 'recovery' });
    expect((await http(api, 'GET', '/health')).status).toBe(200);
    expect(names()).toContain(await servedBy(director.ports.pb));
  });

  it('drains a node removed from ZooKeeper: PB connections move between requests, new ones go elsewhere', async () => {
    const leaving = 2;
    const name = s.cluster.nodes[leaving].nodeName;
    const held: RiakPbClient[] = [];
    let onLeaving: RiakPbClient | undefined;
    while (!onLeaving) {
      const c = await RiakPbClient.connect(director.ports.pb);
      held.push(c);
      if ((await c.serverInfo()).node === name) onLeaving = c;
    }
    await s.unpublish(leaving);
    // Every PB connection on it was idle: each moved to another node, unnoticed by its client,
    // and the drained backend is gone without waiting for the drain time or the clients.
    await waitFor(() => backendOf('protobuf', leaving) === undefined, {
      what: 'the drained backend to be closed',
    });
    await onLeaving.put('drain', 'k', 'still served');
    expect((await onLeaving.get('drain', 'k'))?.value.toString()).toBe('still served');
    expect((await onLeaving.serverInfo()).node).not.toBe(name);
    for (let i = 0; i < 9; i++) expect(await servedBy(director.ports.pb)).not.toBe(name);
    // No HTTP connection was open to it, so it leaves the HTTP pool at once.
    await waitFor(() => backendOf('http', leaving) === undefined, {
      what: 'the HTTP backend to go',
    });
    for (const c of held) c.close();
    await s.publish(leaving);
    await waitFor(() => s.up('protobuf') === 3 && s.up('http') === 3, {
      what: 'the node to be published again',
    });
  });
});

describe('real Riak: director API', () => {
  const api = () => director.ports.api!;

  it('GET /status describes proxies, nodes and ZooKeeper', async () => {
    const r = await http(api(), 'GET', '/status');
    expect(r.status).toBe(200);
    const st = r.json().status;
    expect(st.proxy.map((p: any) => p.name)).toEqual(['balance_protobuf', 'balance_http']);
    expect(st.proxy[0]).toMatchObject({
      local_ip: '127.0.0.1',
      local_port: director.ports.pb,
      conn_timeout: 1000,
      act_timeout: DEFAULTS.idleTimeoutMs,
      balance: 'leastconn',
    });
    expect(st.proxy[0].nodes).toHaveLength(3);
    expect(st.proxy[0].nodes.map((n: any) => n.node).sort()).toEqual(names());
    expect(st.proxy[0].nodes[0]).toMatchObject({
      name: '127.0.0.1',
      status: 'up',
      maxconn: DEFAULTS.maxConnPerBackend,
    });
    expect(st.zookeeper).toMatchObject({
      connected: true,
      nodes_location: '/riak/frameworks/riak/coordinator/coordinatedNodes',
      hosts: [s.zkServer.connectString],
    });
    expect(st.web.port).toBe(api());
  });

  it("publishes its backends' health in its ZooKeeper registration, for the scheduler", async () => {
    const layout = frameworkLayout(FRAMEWORK);
    // As the scheduler makes it with the cluster: the director registers under it.
    await s.zk.ensurePath(layout.directors(CLUSTER));
    const registration = async () => {
      const [id, ...more] = await s.zk.children(layout.directors(CLUSTER));
      if (!id || more.length > 0) return undefined;
      const data = (await s.zk.get(layout.director(CLUSTER, id))).data.toString('utf8');
      return directorRegistrationSchema.parse(JSON.parse(data));
    };
    const up = await waitFor(
      async () => {
        const r = await registration();
        return r?.backends?.filter((b) => b.state === 'up').length === 6 ? r : undefined;
      },
      { timeoutMs: 15000, what: 'the registration to carry six backends up' },
    );
    expect(
      up
        .backends!.filter((b) => b.listener === 'protobuf')
        .map((b) => b.node)
        .sort(),
    ).toEqual(names());
    expect(up.backendsAt).toBeDefined();
    // A node published where nothing listens: down on both listeners, with the check's error.
    const closed = createServer();
    await new Promise<void>((r) => closed.listen(0, '127.0.0.1', r));
    const port = (closed.address() as AddressInfo).port;
    await new Promise<void>((r) => closed.close(() => r()));
    const dead = layout.coordinatedNode('riak-default-dead');
    await s.zk.createEphemeral(
      dead,
      encodeCoordinatedNode({
        framework: FRAMEWORK,
        cluster: CLUSTER,
        nodeName: 'riak-dead@127.0.0.1',
        hostname: '127.0.0.1',
        pbPort: port,
        httpPort: port,
        disterlPort: 1,
      }),
    );
    try {
      const down = await waitFor(
        async () => {
          const gone = (await registration())?.backends?.filter(
            (b) => b.node === 'riak-dead@127.0.0.1' && b.state === 'down',
          );
          return gone?.length === 2 ? gone : undefined;
        },
        { timeoutMs: 15000, what: 'the dead node down in the registration' },
      );
      expect(down.map((b) => b.error)).toEqual([
        expect.stringMatching(/PB ping: .*ECONNREFUSED/),
        expect.stringMatching(/ECONNREFUSED/),
      ]);
    } finally {
      await s.zk.delete(dead);
    }
    // Gone from discovery: gone from the registration, the others still up.
    await waitFor(
      async () =>
        (await registration())?.backends?.every(
          (b) => b.node !== 'riak-dead@127.0.0.1' && b.state === 'up',
        ),
      { timeoutMs: 15000, what: 'the dead node out of the registration' },
    );
  });

  it('GET /nodes, /clusters and /frameworks', async () => {
    await s.publish(0, { cluster: 'other-cluster', taskId: 'riak-other-1' });
    try {
      await waitFor(
        async () => (await http(api(), 'GET', '/clusters')).json().clusters.length === 2,
        { what: 'the other cluster' },
      );
      expect((await http(api(), 'GET', '/clusters')).json()).toEqual({
        clusters: ['default', 'other-cluster'],
      });
      const n = (await http(api(), 'GET', '/nodes')).json().nodes;
      expect(n.map((x: any) => x.name).sort()).toEqual(names());
      expect(n[0].protobuf).toMatchObject({ host: '127.0.0.1', status: 'up' });
      expect((await http(api(), 'GET', '/frameworks')).json()).toEqual({ frameworks: ['riak'] });
    } finally {
      await s.unpublish(0, { taskId: 'riak-other-1' });
    }
  });

  it('GET /metrics in Prometheus format', async () => {
    const r = await http(api(), 'GET', '/metrics');
    expect(r.status).toBe(200);
    expect(r.headers['content-type']).toMatch(/text\/plain/);
    expect(r.body).toMatch(/^riak_director_connections_total\{listener="protobuf"\} [1-9]\d*$/m);
    expect(r.body).toMatch(/^riak_director_bytes_total\{listener="protobuf",direction="in"\} \d+/m);
    expect(r.body).toMatch(/^riak_director_backends\{listener="http",state="up"\} 3$/m);
    expect(r.body).toMatch(
      /^riak_director_backend_up\{listener="protobuf",backend="127\.0\.0\.1:\d+",id="riak-default-1"\} 1$/m,
    );
    expect(r.body).toMatch(/^riak_director_connection_errors_total\{.*reason="no_backend"\} \d+/m);
    expect(r.body).toMatch(/^riak_director_zookeeper_connected 1$/m);
    // The PB connection pool: its size, warm idle connections per node, and its counters.
    expect(r.body).toMatch(/^riak_director_pool_size\{listener="protobuf"\} 32$/m);
    expect(r.body).toMatch(
      /^riak_director_pool_idle\{listener="protobuf",backend="127\.0\.0\.1:\d+",id="riak-default-1"\} [1-9]\d*$/m,
    );
    expect(r.body).toMatch(/^riak_director_pool_hits_total\{listener="protobuf"\} [1-9]\d*$/m);
    expect(r.body).toMatch(
      /^riak_director_pool_discards_total\{listener="protobuf",reason="pinned"\} \d+$/m,
    );
    expect(r.body).not.toMatch(/^riak_director_pool_size\{listener="http"/m);
  });

  it('answers 404 for unknown routes, 405 for other methods, 400 for bad names', async () => {
    expect((await http(api(), 'GET', '/nope')).status).toBe(404);
    const m = await http(api(), 'DELETE', '/status');
    expect(m.status).toBe(405);
    expect(m.headers.allow).toBe('GET');
    expect((await http(api(), 'GET', '/frameworks/riak/clusters/x')).status).toBe(405);
    const bad = await http(api(), 'PUT', '/frameworks/riak/clusters/bad%20name', { headers: AUTH });
    expect(bad.status).toBe(400);
    expect(bad.json().error.message).toMatch(/cluster name 'bad name' is invalid/);
    expect(
      (await http(api(), 'PUT', '/frameworks/%E0%A4%A/clusters/x', { headers: AUTH })).status,
    ).toBe(400);
  });

  it('PUT /frameworks/{f}/clusters/{c} switches the cluster; old backends drain', async () => {
    // Two of the real nodes, published a second time under another framework and cluster.
    const blue = (i: number) => ({ framework: 'other-fw', cluster: 'blue', taskId: `blue-${i}` });
    await s.publish(2, blue(2));
    try {
      const r = await http(api(), 'PUT', '/frameworks/other-fw/clusters/blue', {
        headers: { ...AUTH, 'content-type': 'application/json' },
        body: '{}',
      });
      expect(r.status).toBe(200);
      expect(r.json()).toEqual({ framework: 'other-fw', cluster: 'blue' });
      const ids = () =>
        director
          .pool('protobuf')
          .list()
          .map((b) => b.id)
          .sort();
      await waitFor(() => ids().join() === 'blue-2', { what: 'the new cluster' });
      await waitFor(() => s.up('protobuf') === 1, { what: 'the new node to be up' });
      expect(await servedBy(director.ports.pb)).toBe(s.cluster.nodes[2].nodeName);
      expect(director.discoveryWatches).toBe(2);
      const status = (await http(api(), 'GET', '/status')).json().status;
      expect(status.zookeeper.nodes_location).toBe(
        '/riak/frameworks/other-fw/coordinator/coordinatedNodes',
      );
      // A change under the old framework no longer reaches the director.
      await s.zk.set(
        frameworkLayout(FRAMEWORK).coordinatedNode(s.taskId(0)),
        encodeCoordinatedNode({
          framework: 'other-fw',
          cluster: 'blue',
          nodeName: 'stale@127.0.0.1',
          hostname: '127.0.0.1',
          pbPort: s.cluster.nodes[0].pbPort,
          httpPort: s.cluster.nodes[0].httpPort,
          disterlPort: 1,
        }),
      );
      await s.publish(1, blue(1));
      await waitFor(() => ids().length === 2, { what: 'the second blue node' });
      expect(ids()).toEqual(['blue-1', 'blue-2']);
    } finally {
      await http(api(), 'PUT', `/frameworks/${FRAMEWORK}/clusters/${CLUSTER}`, { headers: AUTH });
      await s.unpublish(0);
      await s.publish(0);
      for (const i of [1, 2]) await s.unpublish(i, blue(i));
    }
    await waitFor(() => s.up('protobuf') === 3 && s.up('http') === 3, {
      what: 'the default cluster again',
    });
  });
});

describe('real Riak: malformed input on every port', () => {
  it('survives garbage, half-open connections and huge headers, and keeps serving', async () => {
    const { pb, http: httpPort } = director.ports;
    const api = director.ports.api!;
    const sockets: Socket[] = [];
    const halfOpen = (port: number, data?: Buffer | string) =>
      new Promise<void>((resolve) => {
        const sock = connect({ port, host: '127.0.0.1' });
        sock.on('error', () => undefined);
        sock.on('connect', () => {
          if (data) sock.write(data);
          resolve();
        });
        sockets.push(sock);
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
      // An unknown message code reaches Riak, which answers RpbErrorResp; then abrupt resets.
      const unknown = await raw(pb, frame(200, randomBytes(10)), { waitMs: 1000 });
      expect(unknown[4]).toBe(CODE.ErrorResp);
      for (let i = 0; i < 20; i++) {
        const sock = connect({ port: pb, host: '127.0.0.1' });
        sock.on('error', () => undefined);
        sock.on('connect', () => sock.resetAndDestroy());
      }
      // The API: huge headers, bad request lines, bad encodings.
      const huge = await raw(
        api,
        `GET /status HTTP/1.1\r\nHost: x\r\nX-Big: ${'a'.repeat(100000)}\r\n\r\n`,
      );
      expect(huge.toString()).toMatch(/^HTTP\/1.1 431/);
      expect((await raw(api, 'BLAH BLAH BLAH\r\n\r\n')).toString()).toMatch(/^HTTP\/1.1 400/);
      expect((await http(api, 'GET', '/%ff%fe%')).status).toBe(404);
      const longPath = await http(api, 'PUT', `/frameworks/${'a'.repeat(5000)}/clusters/x`, {
        headers: AUTH,
      });
      expect(longPath.status).toBe(400);
      const bigBody = await http(api, 'PUT', '/frameworks/riak/clusters/default', {
        headers: { ...AUTH, 'content-type': 'application/json' },
        body: '{'.repeat(200000),
      });
      expect(bigBody.status).toBe(200);
    } finally {
      for (const sock of sockets) sock.destroy();
    }
    // Still serving on all three ports, from the real nodes.
    expect(names()).toContain(await servedBy(pb));
    expect((await http(httpPort, 'GET', '/ping')).body).toBe('OK');
    expect((await http(api, 'GET', '/health')).status).toBe(200);
    expect(director.framework).toBe(FRAMEWORK);
    expect(director.cluster).toBe(CLUSTER);
  });
});
