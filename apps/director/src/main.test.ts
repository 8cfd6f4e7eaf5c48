import type { ChildProcess } from 'node:child_process';
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readFileSync, readdirSync, readlinkSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { freePorts, waitFor } from '@riak-mesos/testing';
import { http, raw } from './test-support/http';
import type { RealRiakSetup } from './test-support/real-riak';
import {
  CODE,
  PbStream,
  decode,
  frame,
  servedBy,
  startRealRiakSetup,
} from './test-support/real-riak';

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

/** SIGTERM, then exit 0; otherwise the failure message carries the end of the process's log. */
async function expectCleanStop(r: Run): Promise<void> {
  r.child.kill('SIGTERM');
  const code = await r.exited;
  expect({ code, log: code === 0 ? '' : r.stderr().slice(-4000) }).toEqual({ code: 0, log: '' });
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

/** The pid of the process holding the accepted side of a loopback connection `port` ← `from`. */
function ownerOf(port: number, from: number): number | undefined {
  const hex = (n: number) => n.toString(16).toUpperCase().padStart(4, '0');
  const row = readFileSync('/proc/net/tcp', 'utf8')
    .split('\n')
    .map((r) => r.trim().split(/\s+/))
    .find((f) => f[1]?.endsWith(`:${hex(port)}`) && f[2]?.endsWith(`:${hex(from)}`));
  if (!row) return undefined;
  const socket = `socket:[${row[9]}]`;
  for (const pid of readdirSync('/proc').filter((e) => /^\d+$/.test(e))) {
    try {
      for (const fd of readdirSync(`/proc/${pid}/fd`))
        if (readlinkSync(`/proc/${pid}/fd/${fd}`) === socket) return Number(pid);
    } catch {
      // gone, or not ours to read
    }
  }
  return undefined;
}

/** The Riak node a PB connection is served by (RpbGetServerInfoResp's node). */
async function nodeOf(c: PbStream): Promise<string> {
  const [f] = await c.call(frame(CODE.GetServerInfoReq), () => true);
  return String(decode('RpbGetServerInfoResp', f.payload).node);
}

describe('real Riak: riak-mesos-director process in front of a real node', () => {
  let s: RealRiakSetup;
  let connect: string;

  /** The director as a process on free ports with fast checks, once its /health says 200. */
  async function startHealthy(args: string[]) {
    const [pb, httpPort, api] = await freePorts(3);
    const r = run(
      ['--host', '127.0.0.1', '--api-host', '127.0.0.1', '--health-interval', '200', ...args],
      {
        DIRECTOR_ZK: connect,
        DIRECTOR_FRAMEWORK: 'riak',
        DIRECTOR_CLUSTER: 'default',
        // A token given: without one the director writes the one it makes into its working directory.
        DIRECTOR_API_TOKEN: 'main-test-token-0123456789',
        PORT0: String(httpPort),
        PORT1: String(pb),
        PORT2: String(api),
      },
    );
    running.push(r.child);
    await waitFor(
      async () => {
        if (r.child.exitCode !== null) throw new Error(`exited: ${r.stderr()}`);
        return (await http(api, 'GET', '/health').catch(() => undefined))?.status === 200;
      },
      { timeoutMs: 30000, what: 'the director (and its workers) to be healthy' },
    );
    return { r, pb, httpPort, api };
  }

  beforeAll(async () => {
    // Real nodes published in ZooKeeper as the executor does; the director runs as a process.
    // Two, so that the workers' test has a node to drain and one to move to.
    s = await startRealRiakSetup({ nodes: 2, director: false });
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
    const { r, pb, httpPort, api } = await startHealthy([]);
    for (const port of [pb, httpPort, api]) {
      for (let i = 0; i < 5; i++) await raw(port, randomBytes(4096), { waitMs: 200 });
      await raw(port, `GET /${'x'.repeat(70000)} HTTP/1.1\r\n\r\n`, { waitMs: 300 });
      await raw(port, '\r\n\r\n\0\0\0\0', { end: true, waitMs: 200 });
    }
    expect(r.child.exitCode).toBeNull();
    expect(s.cluster.nodes.map((n) => n.nodeName)).toContain(await servedBy(pb));
    const ping = await http(httpPort, 'GET', '/ping');
    expect(ping.body).toBe('OK');
    expect(ping.headers.server).toMatch(/^MochiWeb\/\S+ WebMachine\//);
    expect((await http(api, 'GET', '/nodes')).json().nodes).toHaveLength(2);
    await expectCleanStop(r);
    expect(r.stderr()).toMatch(/"message":"director started"/);
    expect(r.stderr()).toMatch(/"message":"stopping"/);
  });

  it('--workers 2 (each worker accepts): connections are proxied by the workers, none by the primary', async () => {
    const { r, pb } = await startHealthy(['--workers', '2']);
    // Which worker accepts is the kernel's choice: the split is not asserted, only that every
    // connection is a worker's and is answered by a real node.
    const clients = await Promise.all(Array.from({ length: 32 }, () => PbStream.connect(pb)));
    try {
      const nodes = await Promise.all(clients.map(nodeOf));
      const names = s.cluster.nodes.map((n) => n.nodeName);
      expect(nodes.every((n) => names.includes(n))).toBe(true);
      const owners = clients.map((c) => ownerOf(pb, c.socket.localPort!));
      expect(owners.every((o) => o !== undefined && o !== r.child.pid)).toBe(true);
    } finally {
      for (const c of clients) c.close();
    }
    await expectCleanStop(r);
    expect(r.stderr()).toMatch(/"workerAccept":"shared"/);
  });

  it('--workers 2 --worker-accept primary: both workers proxy on the shared port, follow the primary and drain a node together', async () => {
    const { r, pb, api } = await startHealthy(['--workers', '2', '--worker-accept', 'primary']);
    // The primary hands connections to the workers in turn: eight land on both.
    const clients = await Promise.all(Array.from({ length: 8 }, () => PbStream.connect(pb)));
    const nodes = await Promise.all(clients.map(nodeOf));
    const owners = clients.map((c) => ownerOf(pb, c.socket.localPort!));
    expect(owners.every((o) => o !== undefined && o !== r.child.pid)).toBe(true);
    expect(new Set(owners).size).toBe(2);
    const leaving = s.cluster.nodes[0].nodeName;
    const onLeaving = nodes.filter((n) => n === leaving).length;
    expect(onLeaving).toBeGreaterThan(0);
    // The node leaves ZooKeeper: the primary tells both workers, whose idle connections move
    // between two requests; every client goes on, on the other node.
    await s.unpublish(0);
    try {
      const moved = async () => {
        const text = (await http(api, 'GET', '/metrics')).body;
        return Number(
          /riak_director_connections_moved_total\{listener="protobuf"\} (\d+)/.exec(text)?.[1],
        );
      };
      await waitFor(async () => (await moved()) === onLeaving, {
        timeoutMs: 10000,
        what: "both workers' connections on the leaving node to move",
      });
      for (const c of clients) expect(await nodeOf(c)).toBe(s.cluster.nodes[1].nodeName);
    } finally {
      for (const c of clients) c.close();
      await s.publish(0);
    }
    await expectCleanStop(r);
    expect(r.stderr()).toMatch(/"workers":2/);
    expect(r.stderr()).toMatch(/"workerAccept":"primary"/);
  });
});
