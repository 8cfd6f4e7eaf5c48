import type { ChildProcess } from 'node:child_process';
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { freePorts, waitFor } from '@riak-mesos/testing';
import { http, raw } from './test-support/http';
import type { RealRiakSetup } from './test-support/real-riak';
import { servedBy, startRealRiakSetup } from './test-support/real-riak';

const ROOT = join(__dirname, '..', '..', '..');
const MAIN = join(__dirname, 'main.ts');

interface Run {
  child: ChildProcess;
  stdout: () => string;
  stderr: () => string;
  exited: Promise<number | null>;
}

/** Runs the director's real entry point (TypeScript through tsx) as a child process. */
function run(args: string[], env: Record<string, string> = {}): Run {
  const child = spawn(process.execPath, ['--import', 'tsx', MAIN, ...args], {
    cwd: ROOT,
    env: { ...process.env, LOG_LEVEL: 'info', LOG_FORMAT: 'json', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  let err = '';
  child.stdout.on('data', (c: Buffer) => (out += c.toString()));
  child.stderr.on('data', (c: Buffer) => (err += c.toString()));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  return { child, stdout: () => out, stderr: () => err, exited };
}

const running: ChildProcess[] = [];

afterAll(() => {
  for (const c of running) if (c.exitCode === null) c.kill('SIGKILL');
});

describe('riak-mesos-director process', () => {
  it('prints help and exits 0', async () => {
    const r = run(['--help']);
    expect(await r.exited).toBe(0);
    expect(r.stdout()).toMatch(/Usage: riak-mesos-director/);
    expect(r.stdout()).toMatch(/--balance <mode>/);
  });

  it('exits 2 with every configuration problem named', async () => {
    const r = run(['--max-conn', '0'], {
      DIRECTOR_CLUSTER: 'has space',
      PORT1: 'eighty',
      DIRECTOR_ZK: '',
    });
    expect(await r.exited).toBe(2);
    expect(r.stderr()).toMatch(/riak-mesos-director: invalid configuration:/);
    expect(r.stderr()).toMatch(/maxConnPerBackend: must be at least 1 \(from flag --max-conn\)/);
    expect(r.stderr()).toMatch(/cluster: cluster name 'has space' is invalid/);
    expect(r.stderr()).toMatch(/pbPort: must be an integer \(from environment PORT1\)/);
  });

  it('prints its configuration with origins and exits 0 with --print-config', async () => {
    const r = run(['--print-config', 'json', '--cluster', 'c9'], { PORT1: '31001' });
    expect(await r.exited).toBe(0);
    const printed = JSON.parse(r.stdout());
    expect(printed.cluster).toEqual({ value: 'c9', origin: 'flag:--cluster' });
    expect(printed.pbPort).toEqual({ value: 31001, origin: 'env:PORT1' });
    expect(printed.balance).toEqual({ value: 'leastconn', origin: 'default' });
  });
});

describe('real Riak: riak-mesos-director process in front of a real node', () => {
  let s: RealRiakSetup;
  let connect: string;

  beforeAll(async () => {
    // One real node published in ZooKeeper as the executor does; the director runs as a process.
    s = await startRealRiakSetup({ nodes: 1, director: false });
    connect = s.zkConnect;
  }, 240000);

  afterAll(async () => {
    await s?.stop();
  });

  it('exits 1 naming the port when a port is in use', async () => {
    const busy = createServer();
    await new Promise<void>((r) => busy.listen(0, '127.0.0.1', () => r()));
    const port = (busy.address() as { port: number }).port;
    try {
      const r = run(['--host', '127.0.0.1', '--pb-port', String(port), '--no-api'], {
        DIRECTOR_ZK: connect,
      });
      running.push(r.child);
      expect(await r.exited).toBe(1);
      expect(r.stderr()).toMatch(new RegExp(`cannot listen for protobuf on 127.0.0.1:${port}`));
    } finally {
      busy.close();
    }
  });

  it('serves, survives malformed input on all three ports, and stops on SIGTERM', async () => {
    const [pb, httpPort, api] = await freePorts(3);
    const r = run(['--host', '127.0.0.1', '--api-host', '127.0.0.1', '--health-interval', '200'], {
      DIRECTOR_ZK: connect,
      DIRECTOR_FRAMEWORK: 'riak',
      DIRECTOR_CLUSTER: 'default',
      // A token given: without one the director writes the one it makes into its working directory.
      DIRECTOR_API_TOKEN: 'main-test-token-0123456789',
      PORT0: String(httpPort),
      PORT1: String(pb),
      PORT2: String(api),
    });
    running.push(r.child);
    await waitFor(
      async () => {
        if (r.child.exitCode !== null) throw new Error(`exited: ${r.stderr()}`);
        return (await http(api, 'GET', '/health').catch(() => undefined))?.status === 200;
      },
      { timeoutMs: 20000, what: 'the director to be healthy' },
    );
    for (const port of [pb, httpPort, api]) {
      for (let i = 0; i < 5; i++) await raw(port, randomBytes(4096), { waitMs: 200 });
      await raw(port, `GET /${'x'.repeat(70000)} HTTP/1.1\r\n\r\n`, { waitMs: 300 });
      await raw(port, '\r\n\r\n\0\0\0\0', { end: true, waitMs: 200 });
    }
    expect(r.child.exitCode).toBeNull();
    expect(await servedBy(pb)).toBe(s.cluster.nodes[0].nodeName);
    const ping = await http(httpPort, 'GET', '/ping');
    expect(ping.body).toBe('OK');
    expect(ping.headers.server).toMatch(/^MochiWeb\/\S+ WebMachine\//);
    expect((await http(api, 'GET', '/nodes')).json().nodes).toHaveLength(1);
    r.child.kill('SIGTERM');
    expect(await r.exited).toBe(0);
    expect(r.stderr()).toMatch(/"message":"director started"/);
    expect(r.stderr()).toMatch(/"message":"stopping"/);
  });
});
