/**
 * Real Riak benchmark: a real Riak cluster (`startRealRiakCluster`) with the built director in
 * front, and one put/get workload run directly against the nodes (clients spread over them) and
 * through the director, in one run. Prints ops/s and p50/p99 latency per path and operation, the
 * director/direct ratios, and the director's CPU use. Loopback only; bounded in operations and
 * time; everything started is stopped.
 *
 *   npx tsx bench/riak/run.ts [--nodes 3] [--clients 16] [--ops 20000] [--duration 10]
 *       [--rounds 2] [--value-bytes 100] [--ring-size 16] [--backend leveled] [--json file]
 */
import type { ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { request } from 'node:http';
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import Table from 'cli-table3';
import { RiakPbClient } from '@riak-mesos/riak-pb';
import type { RealRiakCluster, RiakBackend, ZooKeeperServer } from '@riak-mesos/testing';
import { startRealRiakCluster, startZooKeeper, uniqueChroot, waitFor } from '@riak-mesos/testing';
import { ZkClient, frameworkLayout } from '@riak-mesos/zk';
import { startBenchDirector } from '../director/bundled';
import type { MemoryLimit } from '../director/container';

const { values: opts } = parseArgs({
  options: {
    nodes: { type: 'string', default: '3' },
    clients: { type: 'string', default: '16' },
    ops: { type: 'string', default: '20000' },
    duration: { type: 'string', default: '10' },
    rounds: { type: 'string', default: '2' },
    'value-bytes': { type: 'string', default: '100' },
    'ring-size': { type: 'string', default: '16' },
    backend: { type: 'string', default: 'leveled' },
    /** The director's memory limit in MiB, as its Marathon container has (0: none). */
    'director-mem': { type: 'string', default: '1024' },
    json: { type: 'string' },
  },
});

function positive(name: string, value: string | undefined): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) throw new Error(`--${name} must be a positive integer`);
  return n;
}
const NODES = positive('nodes', opts.nodes);
const CLIENTS = positive('clients', opts.clients);
const OPS = positive('ops', opts.ops);
const DURATION_MS = positive('duration', opts.duration) * 1000;
const ROUNDS = positive('rounds', opts.rounds);
const DIRECTOR_MEM_MIB =
  opts['director-mem'] === '0' ? 0 : positive('director-mem', opts['director-mem']);
const VALUE = Buffer.alloc(positive('value-bytes', opts['value-bytes']), 0x72);
const BACKENDS = ['bitcask', 'leveled', 'eleveldb', 'memory'];
if (!BACKENDS.includes(opts.backend))
  throw new Error(`--backend must be one of ${BACKENDS.join(', ')}`);
const WARMUP_OPS = Math.min(500, OPS);
const BUCKET = 'bench';

interface Target {
  host: string;
  pb: number;
}
type Op = 'put' | 'get';

interface PhaseResult {
  ops: number;
  errors: number;
  elapsedMs: number;
  latencies: number[];
  firstError?: string;
}

/** Keys every put phase wrote: get phases read from these. */
const written: string[] = [];

/**
 * `CLIENTS` clients, each on its own connection to target `i mod n`, do `op` until `maxOps`
 * operations are done in all or the time is up.
 */
async function phase(targets: Target[], op: Op, maxOps: number, tag: string): Promise<PhaseResult> {
  const latencies: number[] = [];
  let started = 0;
  let errors = 0;
  let firstError: string | undefined;
  const t0 = performance.now();
  const deadline = t0 + DURATION_MS;
  const client = async (i: number) => {
    const t = targets[i % targets.length];
    let c: RiakPbClient | undefined;
    let n = 0;
    while (started < maxOps && performance.now() < deadline) {
      started++;
      const key = op === 'put' ? `${tag}-${i}-${n++}` : written[(started * 7919) % written.length];
      const s = performance.now();
      try {
        c ??= await RiakPbClient.connect(t.pb, t.host, 5000);
        if (op === 'put') {
          await c.put(BUCKET, key, VALUE);
          written.push(key);
        } else if (!(await c.get(BUCKET, key))) throw new Error(`${key} not found`);
        latencies.push(performance.now() - s);
      } catch (err) {
        errors++;
        firstError ??= (err as Error).message;
        c?.close();
        c = undefined;
      }
    }
    c?.close();
  };
  await Promise.all(Array.from({ length: CLIENTS }, (_, i) => client(i)));
  return {
    ops: latencies.length,
    errors,
    elapsedMs: performance.now() - t0,
    latencies,
    firstError,
  };
}

function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
}

function cpuSeconds(pid: number | undefined): number {
  if (!pid) return NaN;
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) / 100;
  } catch {
    return NaN;
  }
}

function httpBody(port: number, path: string): Promise<string> {
  return new Promise((resolve) => {
    const req = request({ host: '127.0.0.1', port, path, agent: false }, (res) => {
      let b = '';
      res.on('data', (c: Buffer) => (b += c.toString()));
      res.on('end', () => resolve(b));
    });
    req.on('error', () => resolve(''));
    req.end();
  });
}

/**
 * Bundles and starts the director as its package's launcher does, in its container's memory
 * limit (bench/director/bundled.ts), on free loopback ports.
 */
async function startDirector(zk: string, sys: System) {
  const { api, pb, child, memory } = await startBenchDirector({ zk, memMiB: DIRECTOR_MEM_MIB });
  sys.memory = memory;
  sys.children.push(child);
  await waitFor(
    async () => {
      if (child.exitCode !== null) throw new Error('the director exited');
      return (await httpBody(api, '/health')).includes(`"protobuf":${NODES}`);
    },
    { timeoutMs: 30000, intervalMs: 200, what: 'the director to see every node healthy' },
  );
  return { pb, pid: child.pid };
}

const fmt = (n: number, digits = 0) =>
  Number.isFinite(n)
    ? n.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits })
    : '-';
const ms = (n: number) => (Number.isFinite(n) ? n.toFixed(2) : '-');
/** Latency the director adds over direct (negative: it was faster, i.e. noise). */
const added = (n: number) => `${n >= 0 ? '+' : ''}${ms(n)} ms`;

interface System {
  cluster?: RealRiakCluster;
  zkServer?: ZooKeeperServer;
  zk?: ZkClient;
  children: ChildProcess[];
  memory?: MemoryLimit;
}

/** The cluster and ZooKeeper (in parallel), the published node records, then the director. */
async function startSystem(sys: System): Promise<{ directorPb: number; directorPid?: number }> {
  const [c, z] = await Promise.allSettled([
    startRealRiakCluster({
      nodes: NODES,
      ringSize: positive('ring-size', opts['ring-size']),
      backend: opts.backend as RiakBackend,
    }),
    startZooKeeper(),
  ]);
  if (c.status === 'fulfilled') sys.cluster = c.value;
  if (z.status === 'fulfilled') sys.zkServer = z.value;
  if (c.status === 'rejected') throw c.reason;
  if (z.status === 'rejected') throw z.reason;
  const connect = z.value.connectString + uniqueChroot('bench-riak');
  sys.zk = await ZkClient.connect({ connect });
  const layout = frameworkLayout('bench');
  // The records executors publish (docs/packages-and-task-data.md, "Published node").
  for (const [i, n] of c.value.nodes.entries())
    await sys.zk.createEphemeral(
      layout.coordinatedNode(`bench-default-${i + 1}`),
      JSON.stringify({
        FrameworkName: 'bench',
        ClusterName: 'default',
        NodeName: n.nodeName,
        DisterlPort: 1,
        PBPort: n.pbPort,
        HTTPPort: n.httpPort,
        Hostname: n.host,
      }),
      { parents: true },
    );
  const director = await startDirector(connect, sys);
  return { directorPb: director.pb, directorPid: director.pid };
}

type Results = Record<string, PhaseResult[]>;

/** Puts, then gets; each round runs both paths, in alternating order, after a warm-up. */
async function workload(
  paths: Record<'direct' | 'director', Target[]>,
  directorPid: number | undefined,
): Promise<{ results: Results; directorCpu: Record<Op, number[]> }> {
  const results: Results = {};
  const directorCpu: Record<Op, number[]> = { put: [], get: [] };
  for (const op of ['put', 'get'] as Op[]) {
    for (let r = 0; r < ROUNDS; r++) {
      // Alternate the order so that drift (compaction, other load) hits both paths alike.
      const order =
        r % 2 === 0 ? (['direct', 'director'] as const) : (['director', 'direct'] as const);
      for (const name of order) {
        await phase(paths[name], op, WARMUP_OPS, `w${r}${name}`);
        const cpu0 = cpuSeconds(directorPid);
        const res = await phase(paths[name], op, OPS, `${op}${r}${name}`);
        if (name === 'director')
          directorCpu[op].push((cpuSeconds(directorPid) - cpu0) / (res.elapsedMs / 1000));
        (results[`${op}/${name}`] ??= []).push(res);
      }
    }
  }
  return { results, directorCpu };
}

interface Summary {
  ops: number;
  rps: number;
  p50: number;
  p99: number;
  errors: number;
}

/** Prints the table and the director/direct ratios; answers the figures per `op/path`. */
function report(results: Results, directorCpu: Record<Op, number[]>): Record<string, Summary> {
  const table = new Table({
    style: { head: [], border: [] },
    head: ['op', 'path', 'ops', 'ops/s', 'p50 ms', 'p99 ms', 'errors', 'director CPU'],
  });
  const summary: Record<string, Summary> = {};
  for (const op of ['put', 'get'] as Op[]) {
    for (const name of ['direct', 'director'] as const) {
      const runs = results[`${op}/${name}`];
      const ops = runs.reduce((a, b) => a + b.ops, 0);
      const errors = runs.reduce((a, b) => a + b.errors, 0);
      const seconds = runs.reduce((a, b) => a + b.elapsedMs, 0) / 1000;
      const sorted = runs.flatMap((x) => x.latencies).sort((a, b) => a - b);
      const s = {
        ops,
        rps: ops / seconds,
        p50: percentile(sorted, 50),
        p99: percentile(sorted, 99),
        errors,
      };
      summary[`${op}/${name}`] = s;
      const cpu = directorCpu[op];
      const meanCpu = cpu.reduce((a, b) => a + b, 0) / cpu.length;
      table.push([
        op,
        name,
        fmt(ops),
        fmt(s.rps),
        ms(s.p50),
        ms(s.p99),
        String(errors),
        name === 'director' ? `${fmt(meanCpu * 100)}%` : '',
      ]);
      const firstError = runs.find((x) => x.firstError)?.firstError;
      if (firstError) console.log(`${op} ${name}: first error: ${firstError}`);
    }
  }
  console.log(table.toString());
  console.log('director/direct');
  for (const op of ['put', 'get'] as Op[]) {
    const d = summary[`${op}/director`];
    const b = summary[`${op}/direct`];
    console.log(
      `  ${op}: throughput ${(d.rps / b.rps).toFixed(2)}x, p50 ${(d.p50 / b.p50).toFixed(2)}x (${added(d.p50 - b.p50)}), p99 ${(d.p99 / b.p99).toFixed(2)}x (${added(d.p99 - b.p99)})`,
    );
  }
  return summary;
}

async function stopSystem(sys: System): Promise<void> {
  for (const c of sys.children) if (c.exitCode === null) c.kill('SIGTERM');
  await Promise.all(
    sys.children.map((c) =>
      c.exitCode !== null
        ? Promise.resolve()
        : new Promise<void>((resolve) => {
            const timer = setTimeout(() => {
              c.kill('SIGKILL');
              resolve();
            }, 5000);
            c.once('exit', () => {
              clearTimeout(timer);
              resolve();
            });
          }),
    ),
  );
  await sys.memory?.remove();
  await sys.zk?.close();
  await sys.zkServer?.close();
  await sys.cluster?.stop();
}

async function main(): Promise<void> {
  const sys: System = { children: [] };
  try {
    const t0 = Date.now();
    const { directorPb, directorPid } = await startSystem(sys);
    const cluster = sys.cluster!;
    const startMs = Date.now() - t0;
    const t = cluster.timings;
    console.log(
      `riak benchmark: real Riak ${NODES} nodes (ring ${opts['ring-size']}, ${opts.backend}), ${CLIENTS} clients, up to ${OPS} operations or ${DURATION_MS / 1000} s per phase, ${ROUNDS} round(s), ${VALUE.length}-byte values; node ${process.version}`,
    );
    console.log(
      `cluster ready in ${fmt(t.totalMs / 1000, 1)} s (unpack ${fmt(t.unpackMs / 1000, 1)} s, nodes serving ${fmt(t.nodesReadyMs / 1000, 1)} s, joined and settled ${fmt(t.clusterReadyMs / 1000, 1)} s); with ZooKeeper and the director ${fmt(startMs / 1000, 1)} s`,
    );
    console.log(`director memory: ${sys.memory?.description ?? 'no limit'}`);
    const paths = {
      direct: cluster.nodes.map((n) => ({ host: n.host, pb: n.pbPort })),
      director: [{ host: '127.0.0.1', pb: directorPb }],
    };
    const { results, directorCpu } = await workload(paths, directorPid);
    const summary = report(results, directorCpu);
    if (opts.json) {
      const config = { nodes: NODES, clients: CLIENTS, ops: OPS, durationMs: DURATION_MS };
      const run = { rounds: ROUNDS, valueBytes: VALUE.length, timings: t, summary };
      await writeFile(opts.json, JSON.stringify({ ...config, ...run }, null, 2));
      console.log(`results written to ${opts.json}`);
    }
  } finally {
    await stopSystem(sys);
  }
}

main().then(
  () => process.exit(0),
  (err: unknown) => {
    console.error(`bench failed: ${(err as Error).stack ?? String(err)}`);
    process.exit(1);
  },
);
