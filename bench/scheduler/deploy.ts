/**
 * The scheduler's whole path, as a process: real ZooKeeper, local Mesos with 500 agents whose
 * tasks are simulated (`mesos-local --simulate-tasks`), and the real scheduler (its bundle,
 * `dist/apps/scheduler/main.js`). Clusters of 10 nodes are created through the API; measured
 * until every node is `running` (joins need executors, which simulated tasks do not have):
 * wall time, the scheduler's CPU seconds (/proc/<pid>/stat), ZooKeeper requests (the scheduler's
 * /metrics) per offer batch (counted by mesos-local), and, once deployed, the ZooKeeper requests
 * of idle offer batches (forced with mesos-local's `offer` admin call).
 *
 * Run: npx tsx bench/scheduler/deploy.ts [--nodes 100,1000] [--agents 500] [--idle-batches 10]
 *      [--log-level info] [--cpu-prof <dir>]
 */
import { randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ProcessGroup } from '@riak-mesos/process';
import type { ZooKeeperServer } from '@riak-mesos/testing';
import {
  REPO_ROOT,
  bundle,
  freePorts,
  startZooKeeper,
  tempDir,
  uniqueChroot,
  waitFor,
} from '@riak-mesos/testing';

function option(name: string, fallback: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 && process.argv[i + 1] !== undefined ? process.argv[i + 1] : fallback;
}

const SIZES = option('nodes', '100,1000')
  .split(',')
  .map((s) => Number(s));
const AGENTS = Number(option('agents', '500'));
const IDLE_BATCHES = Number(option('idle-batches', '10'));
const LOG_LEVEL = option('log-level', 'info');
const CPU_PROF = option('cpu-prof', '');
const NODES_PER_CLUSTER = 10;
const CLK_TCK = 100; // Linux USER_HZ

interface Result {
  nodes: number;
  wallSeconds: number;
  cpuSeconds: number;
  zkRequests: number;
  offerBatches: number;
  idleZkPerBatch: number;
  idleCpuMsPerBatch: number;
  idleReadsPerBatch: number;
  idleWindowZk: number;
  idleWindowSeconds: number;
  quietOps: Map<string, number>;
  busyOps: Map<string, number>;
}

/** CPU seconds (user + system) of a process so far. */
function cpuSeconds(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) / CLK_TCK;
}

/** The scheduler's Prometheus text: sum of a metric's samples (optionally with a label value). */
function metric(text: string, name: string, label?: string): number {
  let sum = 0;
  for (const line of text.split('\n')) {
    if (!line.startsWith(name) || (line[name.length] !== ' ' && line[name.length] !== '{'))
      continue;
    if (label && !line.includes(label)) continue;
    sum += Number(line.slice(line.lastIndexOf(' ') + 1));
  }
  return sum;
}

const READS = new Set(['get', 'children', 'exists']);

/** ZooKeeper requests by operation, from the scheduler's metrics. */
function zkOps(text: string): Map<string, number> {
  const ops = new Map<string, number>();
  for (const m of text.matchAll(/^riak_mesos_zookeeper_requests_total\{op="([a-z]+)"\} (\d+)/gm))
    ops.set(m[1], Number(m[2]));
  return ops;
}

/** `after - before` per operation, and the reads among them. */
function opsDelta(before: Map<string, number>, after: Map<string, number>) {
  const delta = new Map<string, number>();
  for (const [op, n] of after)
    if (n - (before.get(op) ?? 0) > 0) delta.set(op, n - (before.get(op) ?? 0));
  const sum = (pred: (op: string) => boolean) =>
    [...delta].filter(([op]) => pred(op)).reduce((a, [, n]) => a + n, 0);
  return { delta, reads: sum((op) => READS.has(op)), all: sum(() => true) };
}

async function json<T>(url: string, init?: RequestInit): Promise<T> {
  const res = await fetch(url, init);
  const text = await res.text();
  if (!res.ok) throw new Error(`${init?.method ?? 'GET'} ${url}: ${res.status} ${text}`);
  return JSON.parse(text) as T;
}

interface MesosState {
  frameworks: { id: string; offer_batches: number; offers: unknown[] }[];
  agents: unknown[];
}

async function runOnce(zk: ZooKeeperServer, nodes: number): Promise<Result> {
  const work = await tempDir(`bench-scheduler-${nodes}`);
  const [mesosPort, apiPort] = await freePorts(2);
  // The scheduler's API needs a token (secure by default): the benchmark gives it one.
  const token = randomBytes(24).toString('hex');
  const tokenFile = join(work, 'api-token');
  writeFileSync(tokenFile, token, { mode: 0o600 });
  const auth = { authorization: `Bearer ${token}` };
  const mesosUrl = `http://127.0.0.1:${mesosPort}`;
  const mesos = new ProcessGroup(
    process.execPath,
    [
      join(REPO_ROOT, 'dist', 'tools', 'mesos-local', 'main.js'),
      '--agents',
      String(AGENTS),
      '--simulate-tasks',
      '--port',
      String(mesosPort),
      '--work-dir',
      join(work, 'mesos'),
    ],
    {
      stdoutFile: join(work, 'mesos.log'),
      stderrFile: join(work, 'mesos.log'),
      env: { ...process.env, LOG_LEVEL: 'warn' },
    },
  );
  const scheduler = new ProcessGroup(
    process.execPath,
    [
      ...(CPU_PROF ? ['--cpu-prof', '--cpu-prof-dir', CPU_PROF] : []),
      join(REPO_ROOT, 'dist', 'apps', 'scheduler', 'main.js'),
      '--name',
      'bench',
      '--master',
      mesosUrl,
      '--zk',
      zk.connectString + uniqueChroot('bench-scheduler'),
      '--ip',
      '127.0.0.1',
      '--port',
      String(apiPort),
      '--hostname',
      '127.0.0.1',
      '--user',
      'root',
      '--role',
      'riak',
      '--principal',
      'riak',
      '--api-token-file',
      tokenFile,
      '--resource-urls',
      JSON.stringify({ executor: 'https://packages.invalid/riak-mesos-executor.tar.gz' }),
      '--riak-versions',
      JSON.stringify([
        { name: 'riak-kv-3.2', url: 'https://packages.invalid/riak.tar.gz', flavour: 'kv3' },
      ]),
    ],
    {
      stdoutFile: join(work, 'scheduler.log'),
      stderrFile: join(work, 'scheduler.log'),
      env: { ...process.env, LOG_LEVEL },
    },
  );
  const api = `http://127.0.0.1:${apiPort}/api/v1`;
  const metrics = async () =>
    (await fetch(`http://127.0.0.1:${apiPort}/metrics`, { headers: auth })).text();
  const mesosState = () => json<MesosState>(`${mesosUrl}/master/state`);
  try {
    await waitFor(async () => (await mesosState()).agents.length === AGENTS, {
      timeoutMs: 120000,
      intervalMs: 500,
      what: `mesos-local with ${AGENTS} agents (log in ${work})`,
    });
    await waitFor(
      async () => {
        const h = await json<{ leader: boolean; registered: boolean }>(
          `http://127.0.0.1:${apiPort}/healthcheck`,
        );
        return h.leader && h.registered;
      },
      { timeoutMs: 60000, intervalMs: 200, what: `the scheduler to register (log in ${work})` },
    );
    const pid = scheduler.pid!;
    const framework = () => mesosState().then((s) => s.frameworks[0]);
    const clusters = nodes / NODES_PER_CLUSTER;

    const t0 = Date.now();
    const cpu0 = cpuSeconds(pid);
    const zk0 = metric(await metrics(), 'riak_mesos_zookeeper_requests_total');
    const batches0 = (await framework()).offer_batches;
    // Clusters are created as operators would: a few requests at a time.
    const names = Array.from({ length: clusters }, (_, i) => `c${i}`);
    for (let i = 0; i < names.length; i += 10) {
      await Promise.all(
        names.slice(i, i + 10).map(async (name) => {
          await json(`${api}/clusters/${name}/create`, {
            method: 'POST',
            headers: { 'content-type': 'application/json', ...auth },
            body: JSON.stringify({ riak_version: 'riak-kv-3.2' }),
          });
          await json(`${api}/clusters/${name}/nodes`, {
            method: 'POST',
            headers: { 'content-type': 'application/json', ...auth },
            body: JSON.stringify({ nodes: NODES_PER_CLUSTER }),
          });
        }),
      );
    }
    await waitFor(
      async () =>
        metric(await metrics(), 'riak_mesos_nodes', 'state="running"') === nodes || undefined,
      { timeoutMs: 15 * 60 * 1000, intervalMs: 250, what: `${nodes} nodes running` },
    );
    const wallSeconds = (Date.now() - t0) / 1000;
    const cpuSecondsUsed = cpuSeconds(pid) - cpu0;
    const zk1 = metric(await metrics(), 'riak_mesos_zookeeper_requests_total');
    const batches1 = (await framework()).offer_batches;

    // Idle: what the scheduler asks ZooKeeper for in a quiet window, then in a window of the
    // same length with forced offer batches (it declines them: nothing to do).
    await new Promise((r) => setTimeout(r, 3000));
    const windowMs = 2000 + IDLE_BATCHES * 300;
    let before = zkOps(await metrics());
    const quietStart = Date.now();
    await new Promise((r) => setTimeout(r, windowMs));
    const quiet = opsDelta(before, zkOps(await metrics()));
    const quietMs = Date.now() - quietStart;
    const fw = await framework();
    before = zkOps(await metrics());
    const idleCpu0 = cpuSeconds(pid);
    const idleStart = Date.now();
    for (let i = 0; i < IDLE_BATCHES; i++) {
      const declined0 = metric(await metrics(), 'riak_mesos_offers_declined_total');
      const { offers } = await json<{ offers: number }>(
        `${mesosUrl}/admin/frameworks/${encodeURIComponent(fw.id)}/offer`,
        { method: 'POST' },
      );
      if (offers === 0) throw new Error('mesos-local had nothing to offer for an idle batch');
      await waitFor(
        async () =>
          metric(await metrics(), 'riak_mesos_offers_declined_total') - declined0 >= offers,
        { timeoutMs: 30000, intervalMs: 20, what: 'the idle batch to be declined' },
      );
    }
    const idleCpuMs = (cpuSeconds(pid) - idleCpu0) * 1000;
    await new Promise((r) => setTimeout(r, Math.max(0, windowMs - (Date.now() - idleStart))));
    const busy = opsDelta(before, zkOps(await metrics()));
    // The background (ticks) of the quiet window, scaled to the busy window's length.
    const scale = (Date.now() - idleStart) / quietMs;
    return {
      nodes,
      wallSeconds,
      cpuSeconds: cpuSecondsUsed,
      zkRequests: zk1 - zk0,
      offerBatches: batches1 - batches0,
      idleZkPerBatch: Math.max(0, busy.all - quiet.all * scale) / IDLE_BATCHES,
      idleReadsPerBatch: Math.max(0, busy.reads - quiet.reads * scale) / IDLE_BATCHES,
      idleCpuMsPerBatch: idleCpuMs / IDLE_BATCHES,
      idleWindowZk: quiet.all,
      quietOps: quiet.delta,
      busyOps: busy.delta,
      idleWindowSeconds: quietMs / 1000,
    };
  } finally {
    await scheduler.stop(20000);
    await mesos.stop(20000);
  }
}

async function main(): Promise<void> {
  process.stdout.write('bundling the scheduler and mesos-local…\n');
  await bundle('apps/scheduler', 'tools/mesos-local');
  if (CPU_PROF) mkdirSync(CPU_PROF, { recursive: true });
  const zk = await startZooKeeper();
  const results: Result[] = [];
  try {
    for (const n of SIZES) {
      process.stdout.write(`${n} nodes (${n / NODES_PER_CLUSTER} clusters) on ${AGENTS} agents…\n`);
      results.push(await runOnce(zk, n));
    }
  } finally {
    await zk.close();
  }
  const rows = results.map((r) => [
    String(r.nodes),
    r.wallSeconds.toFixed(1),
    r.cpuSeconds.toFixed(1),
    String(r.offerBatches),
    String(r.zkRequests),
    (r.zkRequests / Math.max(1, r.offerBatches)).toFixed(1),
    (r.zkRequests / r.nodes).toFixed(1),
    r.idleZkPerBatch.toFixed(1),
    r.idleReadsPerBatch.toFixed(1),
    r.idleCpuMsPerBatch.toFixed(0),
    (r.idleWindowZk / r.idleWindowSeconds).toFixed(1),
  ]);
  const head = [
    'nodes',
    'wall s',
    'sched CPU s',
    'offer batches',
    'ZK requests',
    'ZK req/batch',
    'ZK req/node',
    'ZK req/idle batch',
    'ZK reads/idle batch',
    'CPU ms/idle batch',
    'idle ZK req/s',
  ];
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const line = (cells: string[]) => `| ${cells.map((c, i) => c.padStart(widths[i])).join(' | ')} |`;
  process.stdout.write(
    [
      line(head),
      `|${widths.map((w) => '-'.repeat(w + 1) + ':').join('|')}|`,
      ...rows.map(line),
      '',
    ].join('\n'),
  );
  for (const r of results)
    process.stdout.write(
      `${r.nodes} nodes, ZooKeeper requests by operation: quiet ${r.idleWindowSeconds.toFixed(1)} s ${JSON.stringify(Object.fromEntries(r.quietOps))}, with ${IDLE_BATCHES} idle batches ${JSON.stringify(Object.fromEntries(r.busyOps))}\n`,
    );
  process.stdout.write(
    'ZK req/idle batch: requests in a window with forced idle offer batches, less those of an\n' +
      'equally long quiet window (idle ZK req/s: the background, e.g. ticks), per batch.\n' +
      'Background requests come in bursts (one per tick), so a few per batch is noise.\n',
  );
}

main().catch((err: Error) => {
  process.stderr.write(`${err.stack ?? err.message}\n`);
  process.exit(1);
});
