/**
 * The TCP proxy with a real Riak node as its PB backend. The other peers are not Riak nodes but
 * states real Riak cannot be put in on demand: an echo server (a peer that returns 64 MiB as fast
 * as it is read, and honours half-close), one that resets after a few bytes, and a "black hole"
 * whose accept queue is full so connects hang.
 */
import { createHash, randomBytes } from 'node:crypto';
import type { Socket } from 'node:net';
import { connect } from 'node:net';
import { createLogger } from '@riak-mesos/logging';
import { RiakPbClient } from '@riak-mesos/riak-pb';
import type { RealRiakCluster } from '@riak-mesos/testing';
import { freePort, startRealRiakCluster, waitFor } from '@riak-mesos/testing';
import type { BackendPoolOptions, BackendSpec } from './backends';
import { BackendPool } from './backends';
import type { ProxyListenerOptions } from './proxy';
import { ProxyListener } from './proxy';
import { servedBy } from './test-support/real-riak';
import type { EchoServer } from './test-support/riak-stub';
import { PbClient, startBlackHole, startEchoServer } from './test-support/riak-stub';

jest.setTimeout(60000);

const logger = createLogger('director-test', { level: 'error' });

const started: { close(): unknown }[] = [];

async function proxyTo(
  specs: BackendSpec[],
  options: Partial<ProxyListenerOptions> = {},
  poolOptions: Partial<BackendPoolOptions> = {},
): Promise<ProxyListener> {
  const pool = new BackendPool({
    name: 'protobuf',
    balance: 'leastconn',
    maxConnPerBackend: 100,
    rise: 2,
    fall: 3,
    ejectAfter: 1,
    drainTimeoutMs: 5000,
    logger,
    ...poolOptions,
  });
  pool.sync(specs);
  const proxy = new ProxyListener({
    name: 'protobuf',
    host: '127.0.0.1',
    port: 0,
    pool,
    connectTimeoutMs: 1000,
    connectAttempts: 3,
    queueTimeoutMs: 1000,
    idleTimeoutMs: 10000,
    maxClientConnections: 1000,
    logger,
    ...options,
  });
  await proxy.listen();
  started.push({ close: () => proxy.close(0).then(() => pool.close()) });
  return proxy;
}

const to = (id: string, port: number): BackendSpec => ({
  id,
  node: `${id}@127.0.0.1`,
  host: '127.0.0.1',
  port,
});

function open(port: number): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const s = connect({ port, host: '127.0.0.1', allowHalfOpen: true });
    s.once('connect', () => resolve(s));
    s.once('error', reject);
  });
}

/** Resolves when the socket is closed, with what it read. */
function collect(s: Socket): Promise<{ data: Buffer; error?: string }> {
  const chunks: Buffer[] = [];
  s.on('data', (c: Buffer) => chunks.push(c));
  return new Promise((resolve) => {
    let error: string | undefined;
    s.on('error', (e: NodeJS.ErrnoException) => (error = e.code ?? e.message));
    s.on('end', () => s.end());
    s.on('close', () => resolve({ data: Buffer.concat(chunks), error }));
  });
}

describe('real Riak: TCP proxy', () => {
  let riak: RealRiakCluster;
  let echo: EchoServer;
  /** The real node's PB port, and its name. */
  let pb: number;
  let nodeName: string;

  beforeAll(async () => {
    riak = await startRealRiakCluster({ nodes: 1 });
    pb = riak.nodes[0].pbPort;
    nodeName = riak.nodes[0].nodeName;
    echo = await startEchoServer();
  }, 240000);

  afterEach(async () => {
    for (const s of started.splice(0)) await s.close();
  });

  afterAll(async () => {
    await echo?.close();
    await riak?.stop();
  });

  it('proxies PB round trips and counts bytes both ways', async () => {
    const proxy = await proxyTo([to('n1', pb)]);
    const c = await RiakPbClient.connect(proxy.port);
    for (let i = 0; i < 10; i++) await c.ping();
    expect(await c.get('b', 'never-written')).toBeUndefined();
    c.close();
    await waitFor(() => proxy.openConnections === 0, { what: 'the connection to end' });
    expect(proxy.stats.proxied).toBe(1);
    // 10 pings of 5 bytes each way, then a 23-byte RpbGetReq and Riak's empty (5-byte)
    // RpbGetResp for a key it does not have.
    expect(proxy.bytes()).toEqual({ in: 10 * 5 + 23, out: 10 * 5 + 5 });
    const [b] = proxy.pool.list();
    expect(b.active).toBe(0);
    expect(b.completedConnections).toBe(1);
  });

  it('keeps back-pressure end to end and delivers every byte', async () => {
    const proxy = await proxyTo([to('echo', echo.port)]);
    const s = await open(proxy.port);
    s.pause();
    const total = 64 * 1024 * 1024;
    const chunk = randomBytes(256 * 1024);
    const sent = createHash('sha256');
    let written = 0;
    let blocked = false;
    const before = echo.received;
    // Write while the socket accepts; stop when it signals back-pressure and no drain comes.
    const writer = (async () => {
      while (written < total) {
        sent.update(chunk);
        written += chunk.length;
        if (!s.write(chunk)) {
          const drained = await Promise.race([
            new Promise<boolean>((r) => s.once('drain', () => r(true))),
            new Promise<boolean>((r) => setTimeout(() => r(false), 1000)),
          ]);
          if (!drained) {
            blocked = true;
            return;
          }
        }
      }
    })();
    await writer;
    // The client never read: the chain must have stopped the writer long before 64 MiB.
    expect(blocked).toBe(true);
    expect(written).toBeLessThan(total);
    expect(echo.received - before).toBeLessThan(total);
    // Now read everything back and finish the transfer.
    const got = createHash('sha256');
    let read = 0;
    const done = new Promise<void>((resolve) =>
      s.on('data', (c: Buffer) => {
        got.update(c);
        read += c.length;
        if (read === total) resolve();
      }),
    );
    s.resume();
    while (written < total) {
      sent.update(chunk);
      written += chunk.length;
      if (!s.write(chunk)) await new Promise((r) => s.once('drain', r));
    }
    await done;
    expect(got.digest('hex')).toBe(sent.digest('hex'));
    s.destroy();
  });

  it('passes a half-close on: the client ends its writes and still gets the whole answer', async () => {
    const proxy = await proxyTo([to('echo', echo.port)]);
    const s = await open(proxy.port);
    const result = collect(s);
    const payload = randomBytes(3 * 1024 * 1024);
    s.end(payload);
    const { data, error } = await result;
    expect(error).toBeUndefined();
    expect(data.equals(payload)).toBe(true);
    await waitFor(() => proxy.openConnections === 0, { what: 'the connection to end' });
  });

  it('closes idle connections after the idle timeout', async () => {
    const proxy = await proxyTo([to('n1', pb)], { idleTimeoutMs: 150 });
    const c = await PbClient.connect(proxy.port);
    await c.ping();
    await new Promise<void>((r) => c.socket.once('close', () => r()));
    expect(proxy.stats.errors.idle_timeout).toBe(1);
    await waitFor(() => proxy.pool.list()[0].active === 0, { what: 'the slot to be released' });
  });

  it('retries on another backend when a connect is refused, and ejects the dead one', async () => {
    const dead = await freePort();
    const proxy = await proxyTo([to('dead', dead), to('n1', pb)]);
    for (let i = 0; i < 6; i++) expect(await servedBy(proxy.port)).toBe(nodeName);
    const deadBackend = proxy.pool.list().find((b) => b.id === 'dead')!;
    expect(deadBackend.state).toBe('down');
    expect(deadBackend.lastError).toMatch(/ECONNREFUSED/);
    expect(proxy.stats.connectFailures).toBe(1);
  });

  it('gives up a connect after the connect timeout and uses another backend', async () => {
    const hole = await startBlackHole();
    started.push(hole);
    const proxy = await proxyTo(
      [to('hole', hole.port), to('n1', pb)],
      { connectTimeoutMs: 500 },
      { balance: 'roundrobin' },
    );
    for (let i = 0; i < 3; i++) expect(await servedBy(proxy.port)).toBe(nodeName);
    const b = proxy.pool.list().find((x) => x.id === 'hole')!;
    expect(b.lastError).toMatch(/connect timed out after 500 ms/);
    expect(b.state).toBe('down');
  });

  it('closes a client that finds no backend within the queue timeout', async () => {
    const proxy = await proxyTo([], { queueTimeoutMs: 100 });
    const s = await open(proxy.port);
    const { data } = await collect(s);
    expect(data.length).toBe(0);
    expect(proxy.stats.errors.no_backend).toBe(1);
    await waitFor(() => proxy.openConnections === 0, { what: 'the connection to be dropped' });
  });

  it('closes a client when every attempt fails', async () => {
    const proxy = await proxyTo(
      [to('d1', await freePort()), to('d2', await freePort())],
      { connectAttempts: 2, queueTimeoutMs: 100 },
      { ejectAfter: 0 },
    );
    const s = await open(proxy.port);
    await collect(s);
    expect(proxy.stats.errors.connect_failed).toBe(1);
    expect(proxy.stats.connectFailures).toBe(2);
  });

  it('holds clients beyond maxconn in line until a slot frees', async () => {
    const proxy = await proxyTo(
      [to('n1', pb)],
      { queueTimeoutMs: 10000 },
      { maxConnPerBackend: 1 },
    );
    const first = await PbClient.connect(proxy.port);
    await first.ping();
    const second = await PbClient.connect(proxy.port);
    const answered = second.ping();
    await waitFor(() => proxy.pool.queued === 1, { what: 'the second client to wait' });
    first.close();
    await answered;
    expect(proxy.pool.list()[0].active).toBe(1);
    second.close();
  });

  it('resets the client when the backend resets, and keeps serving', async () => {
    const resetting = await startEchoServer({ resetAfter: 4 });
    started.push(resetting);
    const proxy = await proxyTo([to('r', resetting.port)]);
    const s = await open(proxy.port);
    const result = collect(s);
    s.write('hello');
    const { error } = await result;
    expect(error).toBe('ECONNRESET');
    expect(proxy.stats.errors.backend_error).toBe(1);
    // The listener still works.
    const again = await open(proxy.port);
    again.destroy();
    await waitFor(() => proxy.openConnections === 0, { what: 'connections to end' });
  });

  it('a draining backend keeps its connections until the drain time runs out', async () => {
    const proxy = await proxyTo([to('n1', pb)], {}, { drainTimeoutMs: 300 });
    const c = await PbClient.connect(proxy.port);
    await c.ping();
    proxy.pool.sync([]);
    expect(proxy.pool.list()[0].state).toBe('draining');
    await c.ping();
    await new Promise<void>((r) => c.socket.once('close', () => r()));
    expect(proxy.stats.errors.drain_timeout).toBe(1);
    await waitFor(() => proxy.pool.list().length === 0, { what: 'the backend to be retired' });
  });

  describe('PB request boundaries (the real node behind two backend entries)', () => {
    /** The backend entry a lone client connection is on, and the other one. */
    function split(proxy: ProxyListener): { used: string; other: string } {
      const used = proxy.pool.list().find((b) => b.active === 1);
      expect(used).toBeDefined();
      return { used: used!.id, other: used!.id === 'n1' ? 'n2' : 'n1' };
    }

    it('moves a drained connection to another backend between two requests, unnoticed', async () => {
      const proxy = await proxyTo(
        [to('n1', pb), to('n2', pb)],
        { pbBoundaries: true },
        { drainTimeoutMs: 60000 },
      );
      const c = await RiakPbClient.connect(proxy.port);
      await c.put('moves', 'k1', Buffer.from('before'));
      const { other } = split(proxy);
      proxy.pool.sync([to(other, pb)]);
      // Idle at the drain: moved at once, and the drained entry retires without waiting.
      await waitFor(() => proxy.pool.list().length === 1 && proxy.stats.moved === 1, {
        what: 'the move, and the drained entry to retire',
      });
      expect((await c.get('moves', 'k1'))?.value.toString()).toBe('before');
      await c.put('moves', 'k2', Buffer.from('after'));
      expect(proxy.pool.list()[0]).toMatchObject({ id: other, active: 1 });
      c.close();
      expect(proxy.stats.errors).toEqual(
        Object.fromEntries(Object.keys(proxy.stats.errors).map((k) => [k, 0])),
      );
    });

    it('moves only once the request in flight has its whole answer', async () => {
      const proxy = await proxyTo(
        [to('n1', pb), to('n2', pb)],
        { pbBoundaries: true },
        { drainTimeoutMs: 60000 },
      );
      const c = await RiakPbClient.connect(proxy.port);
      await c.ping();
      const { other } = split(proxy);
      const big = randomBytes(4 * 1024 * 1024);
      const before = proxy.bytes().in;
      const put = c.put('moves', 'big', big);
      // Part of the request has passed the proxy: it is in flight on the old backend.
      await waitFor(() => proxy.bytes().in - before > 64 * 1024, {
        intervalMs: 1,
        what: 'the put to be under way',
      });
      proxy.pool.sync([to(other, pb)]);
      // Not moved mid-request: the drained entry still holds the connection.
      expect(
        proxy.pool
          .list()
          .map((b) => b.state)
          .sort(),
      ).toEqual(['draining', 'up']);
      await put;
      await waitFor(() => proxy.stats.moved === 1, { what: 'the move after the answer' });
      const back = await c.get('moves', 'big');
      expect(createHash('sha256').update(back!.value).digest('hex')).toBe(
        createHash('sha256').update(big).digest('hex'),
      );
      c.close();
    });

    it('keeps a connection that streamed on its node, drained the old way', async () => {
      const proxy = await proxyTo(
        [to('n1', pb), to('n2', pb)],
        { pbBoundaries: true },
        { drainTimeoutMs: 300 },
      );
      const c = await RiakPbClient.connect(proxy.port);
      await c.listKeys('moves');
      const { other } = split(proxy);
      proxy.pool.sync([to(other, pb)]);
      await c.ping();
      await waitFor(() => proxy.stats.errors.drain_timeout === 1, { what: 'the drain timeout' });
      expect(proxy.stats.moved).toBe(0);
      await expect(c.ping()).rejects.toThrow();
      c.close();
    });
  });

  it('on close, lets open connections finish within the grace time, then closes them', async () => {
    const proxy = await proxyTo([to('n1', pb)]);
    const c = await PbClient.connect(proxy.port);
    await c.ping();
    const closing = proxy.close(100);
    await closing;
    await new Promise<void>((r) => (c.socket.destroyed ? r() : c.socket.once('close', () => r())));
    expect(proxy.stats.errors.shutdown).toBe(1);
  });
});
