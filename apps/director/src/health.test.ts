import { createServer } from 'node:net';
import type { Server, Socket } from 'node:net';
import { createLogger } from '@riak-mesos/logging';
import type { RealRiakCluster } from '@riak-mesos/testing';
import { freePort, startRealRiakCluster, waitFor } from '@riak-mesos/testing';
import { BackendPool } from './backends';
import { HealthChecker, httpPing, pbPing } from './health';
import type { StubNode } from './test-support/riak-stub';
import { startStubNode } from './test-support/riak-stub';

const logger = createLogger('director-test', { level: 'error' });

describe('real Riak: active health checks on a real node', () => {
  let riak: RealRiakCluster;
  const target = () => ({ host: '127.0.0.1', port: riak.nodes[0].pbPort });

  beforeAll(async () => {
    riak = await startRealRiakCluster({ nodes: 1 });
  }, 240000);

  afterAll(async () => {
    await riak?.stop();
  });

  it('PB and HTTP pings pass on a serving node', async () => {
    await expect(pbPing(target(), 1000)).resolves.toBeUndefined();
    await expect(
      httpPing({ host: '127.0.0.1', port: riak.nodes[0].httpPort }, 1000),
    ).resolves.toBeUndefined();
  });

  it('drives rise/fall: a hung node (SIGSTOP) is taken down by timeouts, and brought back when it answers', async () => {
    const pool = new BackendPool({
      name: 'protobuf',
      balance: 'leastconn',
      maxConnPerBackend: 10,
      rise: 2,
      fall: 2,
      ejectAfter: 1,
      drainTimeoutMs: 1000,
      logger,
    });
    const checker = new HealthChecker(pool, pbPing, { intervalMs: 100, timeoutMs: 500, logger });
    const node = riak.nodes[0];
    checker.start();
    try {
      pool.sync([{ id: 'n1', node: node.nodeName, ...target() }]);
      const [b] = pool.list();
      await waitFor(() => b.checksPassed >= 2, { what: 'checks to pass' });
      expect(b.state).toBe('up');
      node.process!.signal('SIGSTOP');
      await waitFor(() => b.state === 'down', { what: 'the backend to go down' });
      expect(b.lastError).toMatch(/PB ping timed out after 500 ms/);
      node.process!.signal('SIGCONT');
      await waitFor(() => b.state === 'up', { what: 'the backend to come back' });
    } finally {
      node.process!.signal('SIGCONT');
      checker.stop();
      pool.close();
    }
  });
});

// The failing answers below come from a stub node: a real Riak node cannot be told to answer its
// pings with RpbErrorResp or `500` on demand.
describe('active health checks', () => {
  let node: StubNode;
  let silent: Server;
  let silentPort: number;
  const held = new Set<Socket>();

  beforeAll(async () => {
    node = await startStubNode('n1');
    silentPort = await freePort();
    // Accepts and never answers.
    silent = createServer((s) => {
      held.add(s);
      s.on('error', () => undefined);
    });
    await new Promise<void>((r) => silent.listen(silentPort, '127.0.0.1', () => r()));
  });

  afterAll(async () => {
    for (const s of held) s.destroy();
    await new Promise<void>((r) => silent.close(() => r()));
    await node.stop();
  });

  it('PB ping fails on an error response (and passes again on RpbPingResp)', async () => {
    await expect(pbPing({ host: '127.0.0.1', port: node.pbPort }, 1000)).resolves.toBeUndefined();
    node.failPings = true;
    await expect(pbPing({ host: '127.0.0.1', port: node.pbPort }, 1000)).rejects.toThrow(
      /RpbErrorResp/,
    );
    node.failPings = false;
  });

  it('HTTP ping fails on a status other than 200 (and passes again on 200)', async () => {
    await expect(
      httpPing({ host: '127.0.0.1', port: node.httpPort }, 1000),
    ).resolves.toBeUndefined();
    node.failPings = true;
    await expect(httpPing({ host: '127.0.0.1', port: node.httpPort }, 1000)).rejects.toThrow(
      /answered 500/,
    );
    node.failPings = false;
  });

  it('fails on a refused connection and on silence, within the timeout', async () => {
    const closed = await freePort();
    await expect(pbPing({ host: '127.0.0.1', port: closed }, 1000)).rejects.toThrow(/ECONNREFUSED/);
    await expect(httpPing({ host: '127.0.0.1', port: closed }, 1000)).rejects.toThrow(
      /ECONNREFUSED/,
    );
    await expect(pbPing({ host: '127.0.0.1', port: silentPort }, 100)).rejects.toThrow(
      /timed out after 100 ms/,
    );
    await expect(httpPing({ host: '127.0.0.1', port: silentPort }, 100)).rejects.toThrow(
      /timed out after 100 ms/,
    );
  });

  it('fails when a PB peer answers something else', async () => {
    const port = await freePort();
    const odd = createServer((s) => {
      s.on('error', () => undefined);
      s.resume();
      s.end(Buffer.from([0, 0, 0, 1, 99]));
    });
    await new Promise<void>((r) => odd.listen(port, '127.0.0.1', () => r()));
    try {
      await expect(pbPing({ host: '127.0.0.1', port }, 1000)).rejects.toThrow(/message code 99/);
    } finally {
      await new Promise<void>((r) => odd.close(() => r()));
    }
  });
});
