import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startZooKeeperServer, zooKeeperConfig, zooKeeperRuok } from './server';

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address() as { port: number };
      s.close(() => resolve(port));
    });
  });
}

describe('zooKeeperConfig', () => {
  it('binds the client port to loopback unless told otherwise and lists ensemble members', () => {
    const cfg = zooKeeperConfig({
      dataDir: '/d',
      clientPort: 2181,
      servers: ['server.1=127.0.0.1:1:2'],
    });
    expect(cfg).toContain('clientPortAddress=127.0.0.1\n');
    expect(cfg).toContain('dataDir=/d\n');
    expect(cfg).toMatch(/server\.1=127\.0\.0\.1:1:2\n$/);
  });
});

describe('startZooKeeperServer', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'zk-server-'));
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('starts a real server, stops it, and starts again on the same data', async () => {
    const port = await freePort();
    const zk = await startZooKeeperServer({ dir, port });
    try {
      expect(zk.running).toBe(true);
      expect(zk.pid).toBeGreaterThan(0);
      expect(await zooKeeperRuok(port)).toBe(true);
      await zk.stop();
      expect(zk.running).toBe(false);
      expect(await zooKeeperRuok(port)).toBe(false);
      await zk.start();
      await zk.awaitReady();
      expect(await readFile(join(dir, 'data', 'myid'), 'utf8')).toBe('1\n');
    } finally {
      await zk.stop();
    }
  });

  it('fails with the log file named when the port is taken', async () => {
    const blocker = createServer();
    await new Promise<void>((r) => blocker.listen(0, '127.0.0.1', () => r()));
    const port = (blocker.address() as { port: number }).port;
    try {
      await expect(startZooKeeperServer({ dir, port, startTimeoutMs: 20000 })).rejects.toThrow(
        /server\.log/,
      );
    } finally {
      blocker.close();
    }
  });
});
