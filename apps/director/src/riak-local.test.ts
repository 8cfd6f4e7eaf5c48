/**
 * The director in front of three real dev Riak nodes (the riak-local package, joined into one
 * cluster, found through an EPMD replacement): traffic spreads over the healthy nodes; a node
 * stopped mid-load is ejected and new connections succeed; it is used again once back; a node
 * removed from ZooKeeper drains; garbage on either port does not hurt the director.
 */
import { spawn } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { connect } from 'node:net';
import { join } from 'node:path';
import { EpmdServer } from '@riak-mesos/epmd';
import { createLogger } from '@riak-mesos/logging';
import { ProcessGroup } from '@riak-mesos/process';
import { RiakPbClient } from '@riak-mesos/riak-pb';
import type { ZooKeeperServer } from '@riak-mesos/testing';
import {
  RIAK_LOCAL_PACKAGE,
  REPO_ROOT,
  execAsync,
  freePorts,
  startZooKeeper,
  tempDir,
  uniqueChroot,
  waitFor,
} from '@riak-mesos/testing';
import { ZkClient, frameworkLayout } from '@riak-mesos/zk';
import { DEFAULTS } from './config';
import { Director } from './director';
import { encodeCoordinatedNode } from './discovery';

jest.setTimeout(180000);

const logger = createLogger('director', { level: 'error' });
const layout = frameworkLayout('riak');

interface Node {
  name: string;
  host: string;
  dir: string;
  http: number;
  pb: number;
  process?: ProcessGroup;
}

let work: string;
let zkServer: ZooKeeperServer;
let zk: ZkClient;
let zkConnect: string;
let epmd: EpmdServer;
let director: Director;
const nodes: Node[] = [];

const bin = (n: Node, tool: string) => join(n.dir, 'root', 'riak', 'bin', tool);
const env = () => ({ ...process.env, ERL_EPMD_PORT: String(epmd.port) });

function run(file: string, args: string[]): Promise<{ code: number | null; out: string }> {
  return new Promise((resolve) => {
    const c = spawn(file, args, { env: env() });
    let out = '';
    c.stdout.on('data', (d: Buffer) => (out += d.toString()));
    c.stderr.on('data', (d: Buffer) => (out += d.toString()));
    c.on('close', (code) => resolve({ code, out }));
  });
}

async function startNode(n: Node): Promise<void> {
  n.process = new ProcessGroup(bin(n, 'riak'), ['console'], {
    env: env(),
    stdoutFile: join(n.dir, 'console.out'),
    stderrFile: join(n.dir, 'console.out'),
  });
  await waitFor(async () => (await run(bin(n, 'riak'), ['ping'])).code === 0, {
    timeoutMs: 30000,
    intervalMs: 200,
    what: `${n.name} to start`,
  });
}

const taskId = (n: Node) => n.name.split('@')[0];

async function publish(n: Node): Promise<void> {
  await zk.createEphemeral(
    layout.coordinatedNode(taskId(n)),
    encodeCoordinatedNode({
      framework: 'riak',
      cluster: 'default',
      nodeName: n.name,
      hostname: n.host,
      pbPort: n.pb,
      httpPort: n.http,
      disterlPort: 1,
    }),
    { parents: true },
  );
}

const up = () =>
  director
    .pool('protobuf')
    .list()
    .filter((b) => b.state === 'up');

async function servedBy(): Promise<string> {
  const c = await RiakPbClient.connect(director.ports.pb, '127.0.0.1', 3000);
  try {
    return (await c.serverInfo()).node ?? '';
  } finally {
    c.close();
  }
}

beforeAll(async () => {
  const built = await execAsync(process.execPath, [
    join(REPO_ROOT, 'tools', 'riak-local', 'package.js'),
  ]);
  if (built.code !== 0) throw new Error(built.out);
  work = await tempDir('director-riak');
  zkServer = await startZooKeeper();
  zkConnect = zkServer.connectString + uniqueChroot('director-riak');
  zk = await ZkClient.connect({ connect: zkConnect });
  epmd = new EpmdServer({ port: 0 });
  await epmd.start();
  for (let i = 1; i <= 3; i++) {
    const [http, pb, handoff, dist] = await freePorts(4);
    const n: Node = {
      name: `dr-${i}@127.0.0.${i + 1}`,
      host: `127.0.0.${i + 1}`,
      dir: join(work, `n${i}`),
      http,
      pb,
    };
    mkdirSync(n.dir, { recursive: true });
    expect((await execAsync('tar', ['-xzf', RIAK_LOCAL_PACKAGE, '-C', n.dir])).code).toBe(0);
    writeFileSync(
      join(n.dir, 'root', 'riak', 'etc', 'riak.conf'),
      [
        `nodename = ${n.name}`,
        'distributed_cookie = director-test',
        `listener.http.internal = ${n.host}:${http}`,
        `listener.protobuf.internal = ${n.host}:${pb}`,
        `handoff.port = ${handoff}`,
        `erlang.distribution.port_range.minimum = ${dist}`,
        'ring_size = 16',
        '',
      ].join('\n'),
    );
    nodes.push(n);
  }
  await Promise.all(nodes.map(startNode));
  for (const n of nodes.slice(1))
    expect((await run(bin(n, 'riak-admin'), ['cluster', 'join', nodes[0].name])).code).toBe(0);
  await run(bin(nodes[0], 'riak-admin'), ['cluster', 'plan']);
  expect((await run(bin(nodes[0], 'riak-admin'), ['cluster', 'commit'])).code).toBe(0);
  for (const n of nodes) await publish(n);
  director = new Director(
    {
      ...DEFAULTS,
      zk: zkConnect,
      zkSessionTimeoutMs: 5000,
      framework: 'riak',
      cluster: 'default',
      host: '127.0.0.1',
      pbPort: 0,
      httpPort: 0,
      api: { enabled: true, host: '127.0.0.1', port: 0 },
      connectTimeoutMs: 1000,
      queueTimeoutMs: 3000,
      drainTimeoutMs: 2000,
      shutdownGraceMs: 0,
      health: { intervalMs: 200, timeoutMs: 1000, rise: 2, fall: 2, ejectAfter: 1 },
    },
    { logger },
  );
  await director.start();
  await waitFor(() => up().length === 3, { timeoutMs: 30000, what: 'three healthy Riak nodes' });
}, 180000);

afterAll(async () => {
  await director?.stop(0);
  for (const n of nodes) await n.process?.stop(3000);
  await epmd?.stop();
  await zk?.close();
  await zkServer?.close();
  if (work) await rm(work, { recursive: true, force: true });
});

describe('the director in front of riak-local nodes', () => {
  it('spreads connections over the three nodes and their data is one cluster', async () => {
    const served = new Set<string>();
    for (let i = 0; i < 12; i++) served.add(await servedBy());
    expect([...served].sort()).toEqual(nodes.map((n) => n.name).sort());
    const c = await RiakPbClient.connect(director.ports.pb);
    await c.put('b', 'k', 'through the director');
    c.close();
    for (const n of nodes) {
      const res = await fetch(`http://${n.host}:${n.http}/buckets/b/keys/k`);
      expect(await res.text()).toBe('through the director');
    }
  });

  it('ejects a node stopped under load; new connections succeed; it is used again when back', async () => {
    const victim = nodes[1];
    let running = true;
    let ok = 0;
    const failures: number[] = [];
    let stoppedAt = 0;
    const load = (async () => {
      while (running) {
        try {
          const c = await RiakPbClient.connect(director.ports.pb, '127.0.0.1', 3000);
          await c.put('load', `k${ok}`, 'v');
          c.close();
          ok++;
        } catch {
          failures.push(Date.now());
        }
      }
    })();
    await waitFor(() => ok > 20, { what: 'load to run' });
    stoppedAt = Date.now();
    await victim.process!.stop(3000);
    await waitFor(() => !up().some((b) => b.id === taskId(victim)), {
      timeoutMs: 10000,
      what: 'the node to be ejected',
    });
    const ejectedAt = Date.now();
    const okAtEjection = ok;
    await waitFor(() => ok > okAtEjection + 30, { what: 'load to go on after the ejection' });
    running = false;
    await load;
    // Once ejected, every new connection succeeds.
    expect(failures.filter((t) => t > ejectedAt + 500)).toEqual([]);
    expect(failures.every((t) => t >= stoppedAt)).toBe(true);

    await startNode(victim);
    await waitFor(() => up().length === 3, {
      timeoutMs: 20000,
      what: 'the node to be healthy again',
    });
    const served = new Set<string>();
    for (let i = 0; i < 12; i++) served.add(await servedBy());
    expect(served.has(victim.name)).toBe(true);
  });

  it('drains a node removed from ZooKeeper: no new connections go to it', async () => {
    const gone = nodes[2];
    await zk.delete(layout.coordinatedNode(taskId(gone)));
    await waitFor(
      () =>
        !director
          .pool('protobuf')
          .list()
          .some((b) => b.id === taskId(gone) && b.state !== 'draining'),
      { what: 'the node to drain' },
    );
    const served = new Set<string>();
    for (let i = 0; i < 12; i++) served.add(await servedBy());
    expect(served.has(gone.name)).toBe(false);
    await waitFor(
      () =>
        !director
          .pool('protobuf')
          .list()
          .some((b) => b.id === taskId(gone)),
      {
        timeoutMs: 10000,
        what: 'the drained node to be closed',
      },
    );
  });

  it('survives garbage on both ports', async () => {
    for (const port of [director.ports.pb, director.ports.http]) {
      await new Promise<void>((resolve) => {
        const s = connect({ port, host: '127.0.0.1' }, () => {
          s.write(Buffer.from([0xff, 0xff, 0xff, 0xff, 0x00, 0x13, 0x37]));
          s.write('GARBAGE \r\n\r\n\x00\x01');
          setTimeout(() => s.destroy(), 300);
        });
        s.on('error', () => undefined);
        s.on('close', () => resolve());
      });
    }
    expect(await servedBy()).toMatch(/^dr-/);
    const res = await fetch(`http://127.0.0.1:${director.ports.http}/ping`);
    expect(res.status).toBe(200);
  });
});
