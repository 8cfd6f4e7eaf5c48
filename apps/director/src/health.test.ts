import { createServer } from 'node:net';
import type { Server, Socket } from 'node:net';
import { createLogger } from '@riak-mesos/logging';
import { freePort, waitFor } from '@riak-mesos/testing';
import { BackendPool } from './backends';
import { HealthChecker, httpPing, pbPing } from './health';
import type { StubNode } from './test-support/riak-stub';
import { startStubNode } from './test-support/riak-stub';

const logger = createLogger('director-test', { level: 'error' });

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

  it('PB ping passes on RpbPingResp and fails on an error response', async () => {
    await expect(pbPing({ host: '127.0.0.1', port: node.pbPort }, 1000)).resolves.toBeUndefined();
    node.failPings = true;
    await expect(pbPing({ host: '127.0.0.1', port: node.pbPort }, 1000)).rejects.toThrow(
      /RpbErrorResp/,
    );
    node.failPings = false;
  });

  it('HTTP ping passes on 200 and fails otherwise', async () => {
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

  it('drives rise/fall: a node that stops is taken down, and brought back when it answers', async () => {
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
    const checker = new HealthChecker(pool, pbPing, { intervalMs: 50, timeoutMs: 1000, logger });
    checker.start();
    try {
      pool.sync([{ id: 'n1', node: 'n1@h', host: '127.0.0.1', port: node.pbPort }]);
      const [b] = pool.list();
      await waitFor(() => b.checksPassed >= 2, { what: 'checks to pass' });
      expect(b.state).toBe('up');
      await node.stop();
      await waitFor(() => b.state === 'down', { what: 'the backend to go down' });
      expect(b.lastError).toMatch(/ECONNREFUSED/);
      await node.start();
      await waitFor(() => b.state === 'up', { what: 'the backend to come back' });
    } finally {
      checker.stop();
      pool.close();
      if (!node.running) await node.start();
    }
  });
});
