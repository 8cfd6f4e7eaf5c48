/**
 * Director benchmark: many concurrent clients doing Riak PB round trips and bulk transfers,
 * direct to the nodes, through the director, and through HAProxy (TCP mode, equivalent config),
 * in one run. Prints requests/s, MB/s, p50/p99 latency, the latency added over direct, the
 * proxy's CPU use, and director/HAProxy ratios. Loopback only; everything started is stopped.
 *
 *   npx tsx bench/director/run.ts [--duration 5] [--runs 3] [--clients 64] [--bulk-kib 64]
 *       [--nodes 3] [--haproxy-threads 1] [--balance leastconn|roundrobin]
 *       [--scenarios ping,get,bulk,connect,connect+get] [--backends host:pb:http,...]
 *       [--director-args "--pool-size 0"] [--node-pipe] [--json file]
 *
 * Each scenario is measured `--runs` times, the paths interleaved (direct, director, HAProxy,
 * then again), and the median of each figure and of each director/HAProxy ratio is reported.
 *
 * `--backends` benchmarks running Riak nodes (e.g. riak-local ones) instead of the built-in fast
 * PB backends (bench/director/backend.ts).
 */
import type { ChildProcess } from 'node:child_process';
import { spawn, spawnSync } from 'node:child_process';
import { readFileSync, readdirSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { request } from 'node:http';
import { connect } from 'node:net';
import type { Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import Table from 'cli-table3';
import { freePorts, startZooKeeper, uniqueChroot, waitFor } from '@riak-mesos/testing';
import type { ZooKeeperServer } from '@riak-mesos/testing';
import { ZkClient, frameworkLayout } from '@riak-mesos/zk';
import { spawnAsDirector, startBenchDirector } from './bundled';
import type { MemoryLimit } from './container';

const ROOT = join(__dirname, '..', '..');

const { values: opts } = parseArgs({
  options: {
    duration: { type: 'string', default: '5' },
    runs: { type: 'string', default: '3' },
    clients: { type: 'string', default: '64' },
    'bulk-kib': { type: 'string', default: '64' },
    nodes: { type: 'string', default: '3' },
    'haproxy-threads': { type: 'string', default: '1' },
    /** The director's --workers (compare with --haproxy-threads of the same number). */
    'director-workers': { type: 'string', default: '1' },
    balance: { type: 'string', default: 'leastconn' },
    scenarios: { type: 'string', default: 'ping,get,bulk,connect,connect+get' },
    backends: { type: 'string' },
    json: { type: 'string' },
    /** Extra node flags for the director process, e.g. "--cpu-prof --cpu-prof-dir=prof". */
    'director-node-args': { type: 'string', default: '' },
    /** Extra director flags, e.g. "--pool-size 0". */
    'director-args': { type: 'string', default: '' },
    /**
     * The memory limit, in MiB, the director and node-pipe start in: the director's Marathon
     * default (container.ts says why); 0 for none.
     */
    'director-mem': { type: 'string', default: '1024' },
    /** Also measure node-pipe.ts, the thinnest Node.js proxy (the runtime's own cost). */
    'node-pipe': { type: 'boolean', default: false },
  },
});
const DURATION_MS = Number(opts.duration) * 1000;
const RUNS = Number(opts.runs);
const CLIENTS = Number(opts.clients);
const BULK = Number(opts['bulk-kib']) * 1024;
const WARMUP_MS = 500;
const DIRECTOR_MEM_MIB = Number(opts['director-mem']);
if (!Number.isInteger(DIRECTOR_MEM_MIB) || DIRECTOR_MEM_MIB < 0) {
  console.error(
    `--director-mem must be a whole number of MiB (0: no limit), not ${opts['director-mem']}`,
  );
  process.exit(2);
}

interface Node {
  host: string;
  pb: number;
  http: number;
}

// ---------------------------------------------------------------------------------------------
// PB frames
function frame(code: number, payload: Buffer = Buffer.alloc(0)): Buffer {
  const head = Buffer.alloc(5);
  head.writeUInt32BE(payload.length + 1, 0);
  head[4] = code;
  return Buffer.concat([head, payload]);
}
function lengthDelimited(tag: number, value: Buffer): Buffer {
  const len: number[] = [];
  let n = value.length;
  do {
    let b = n & 0x7f;
    n >>>= 7;
    if (n) b |= 0x80;
    len.push(b);
  } while (n);
  return Buffer.concat([Buffer.from([(tag << 3) | 2, ...len]), value]);
}
const PING = frame(1);
const GET = frame(
  9,
  Buffer.concat([lengthDelimited(1, Buffer.from('bench')), lengthDelimited(2, Buffer.from('k'))]),
);
// RpbPutReq { bucket, key, content { value } }; the built-in backend echoes it as RpbPutResp.
const PUT = frame(
  11,
  Buffer.concat([
    lengthDelimited(1, Buffer.from('bench')),
    lengthDelimited(2, Buffer.from('bulk')),
    lengthDelimited(4, lengthDelimited(1, Buffer.alloc(BULK, 0x62))),
  ]),
);

// ---------------------------------------------------------------------------------------------
// Load
interface Scenario {
  name: string;
  description: string;
  request: Buffer;
  /** Expected response code. */
  code: number;
  /** A new connection per request (connect + ping + close). */
  perRequestConnection?: boolean;
}

const SCENARIOS: Record<string, Scenario> = {
  ping: { name: 'ping', description: 'PB ping round trips', request: PING, code: 2 },
  get: { name: 'get', description: 'PB get (100-byte value)', request: GET, code: 10 },
  bulk: {
    name: 'bulk',
    description: `PB put of ${BULK / 1024} KiB, echoed back`,
    request: PUT,
    code: 12,
  },
  connect: {
    name: 'connect',
    description: 'new connection per request: connect, ping, close',
    request: PING,
    code: 2,
    perRequestConnection: true,
  },
  'connect+get': {
    name: 'connect+get',
    description: 'new connection per request: connect, get, close (short-lived clients)',
    request: GET,
    code: 10,
    perRequestConnection: true,
  },
};

interface RunResult {
  requests: number;
  errors: number;
  bytes: number;
  elapsedMs: number;
  latencies: Float64Array;
}

/** Reads one PB frame per request; resolves with the frame's code. */
class Conn {
  private buf: Buffer = Buffer.alloc(0);
  private want: ((r: { code: number; size: number }) => void) | undefined;
  private fail: ((e: Error) => void) | undefined;
  private constructor(readonly socket: Socket) {
    socket.on('data', (chunk: Buffer) => {
      this.buf = this.buf.length ? Buffer.concat([this.buf, chunk]) : chunk;
      if (this.buf.length < 5) return;
      const len = this.buf.readUInt32BE(0);
      if (this.buf.length < 4 + len) return;
      const code = this.buf[4];
      this.buf = this.buf.subarray(4 + len);
      const w = this.want;
      this.want = undefined;
      w?.({ code, size: 4 + len });
    });
    const onError = (e: Error) => {
      const f = this.fail;
      this.want = undefined;
      this.fail = undefined;
      f?.(e);
    };
    socket.on('error', onError);
    socket.on('close', () => onError(new Error('closed')));
  }
  static open(port: number, host = '127.0.0.1'): Promise<Conn> {
    return new Promise((resolve, reject) => {
      const s = connect({ port, host, noDelay: true });
      s.once('connect', () => {
        s.off('error', reject);
        resolve(new Conn(s));
      });
      s.once('error', reject);
    });
  }
  call(req: Buffer): Promise<{ code: number; size: number }> {
    return new Promise((resolve, reject) => {
      this.want = resolve;
      this.fail = reject;
      this.socket.write(req);
    });
  }
  close(): void {
    this.socket.destroy();
  }
}

async function load(targets: Node[], s: Scenario, durationMs: number): Promise<RunResult> {
  const latencies: number[] = [];
  let requests = 0;
  let errors = 0;
  let bytes = 0;
  const start = performance.now();
  const deadline = start + durationMs;
  const client = async (i: number) => {
    const t = targets[i % targets.length];
    let conn: Conn | undefined;
    while (performance.now() < deadline) {
      const t0 = performance.now();
      try {
        if (!conn) conn = await Conn.open(t.pb, t.host);
        const { code, size } = await conn.call(s.request);
        if (code !== s.code) throw new Error(`unexpected response code ${code}`);
        latencies.push(performance.now() - t0);
        requests++;
        bytes += s.request.length + size;
        if (s.perRequestConnection) {
          conn.close();
          conn = undefined;
        }
      } catch {
        errors++;
        conn?.close();
        conn = undefined;
        await new Promise((r) => setTimeout(r, 10));
      }
    }
    conn?.close();
  };
  await Promise.all(Array.from({ length: CLIENTS }, (_, i) => client(i)));
  const elapsedMs = performance.now() - start;
  const sorted = Float64Array.from(latencies).sort();
  return { requests, errors, bytes, elapsedMs, latencies: sorted };
}

function percentile(sorted: Float64Array, p: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
}

// ---------------------------------------------------------------------------------------------
// Processes
const children: ChildProcess[] = [];
function track(c: ChildProcess): ChildProcess {
  children.push(c);
  return c;
}

/** The memory limits the proxies started in, removed at the end. */
const limits: MemoryLimit[] = [];

/** Fields after the command of /proc/<pid>/stat (field 3 of the line is index 0). */
function statFields(pid: number): string[] | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  } catch {
    return undefined;
  }
}

/** `pid` and every live process below it (the director's workers). */
function processTree(pid: number): Set<number> {
  const parents = new Map<number, number>();
  for (const e of readdirSync('/proc')) {
    if (!/^\d+$/.test(e)) continue;
    const f = statFields(Number(e));
    // ppid is field 4 of the whole line (1 after the command).
    if (f) parents.set(Number(e), Number(f[1]));
  }
  const tree = new Set([pid]);
  for (let grew = true; grew;) {
    grew = false;
    for (const [child, parent] of parents) {
      if (tree.has(parent) && !tree.has(child)) {
        tree.add(child);
        grew = true;
      }
    }
  }
  return tree;
}

/** CPU seconds of `pid` and every live process below it. */
function cpuSeconds(pid: number | undefined): number {
  if (!pid) return NaN;
  let total = 0;
  for (const p of processTree(pid)) {
    const f = statFields(p);
    // utime and stime are fields 14 and 15 of the whole line (11 and 12 after the command).
    if (f) total += (Number(f[11]) + Number(f[12])) / 100;
  }
  return total;
}

/** Resident memory of `pid` and every live process below it, in MiB. */
function rssMiB(pid: number | undefined): number {
  if (!pid) return NaN;
  let kib = 0;
  for (const p of processTree(pid)) {
    try {
      const m = /^VmRSS:\s+(\d+) kB$/m.exec(readFileSync(`/proc/${p}/status`, 'utf8'));
      if (m) kib += Number(m[1]);
    } catch {
      // gone meanwhile
    }
  }
  return kib / 1024;
}

/** The first line a started helper prints on stdout (its ports, as JSON). */
function firstLine(child: ChildProcess, what: string): Promise<string> {
  return new Promise<string>((resolve, reject) => {
    let out = '';
    child.stdout!.on('data', (c: Buffer) => {
      out += c.toString();
      if (out.includes('\n')) resolve(out.split('\n')[0]);
    });
    child.once('exit', (code) => reject(new Error(`${what} exited with ${code}`)));
  });
}

async function startBackends(count: number): Promise<{ nodes: Node[]; pid?: number }> {
  const child = track(
    spawn(process.execPath, ['--import', 'tsx', join(__dirname, 'backend.ts'), String(count)], {
      cwd: ROOT,
      stdio: ['ignore', 'pipe', 'inherit'],
    }),
  );
  const line = await firstLine(child, 'backend process');
  const parsed = JSON.parse(line) as { nodes: { pb: number; http: number }[] };
  return { nodes: parsed.nodes.map((n) => ({ host: '127.0.0.1', ...n })), pid: child.pid };
}

function httpStatus(port: number, path: string): Promise<number> {
  return new Promise((resolve) => {
    const req = request({ host: '127.0.0.1', port, path, agent: false }, (res) => {
      res.resume();
      resolve(res.statusCode ?? 0);
    });
    req.on('error', () => resolve(0));
    req.end();
  });
}

async function startDirector(zk: string, nodeCount: number) {
  const { pb, http, api, child, memory } = await startBenchDirector({
    zk,
    memMiB: DIRECTOR_MEM_MIB,
    nodeArgs: opts['director-node-args'].split(' ').filter(Boolean),
    args: [
      '--balance',
      opts.balance,
      '--workers',
      opts['director-workers'],
      ...opts['director-args'].split(' ').filter(Boolean),
    ],
  });
  track(child);
  limits.push(memory);
  await waitFor(
    async () => {
      if (child.exitCode !== null) throw new Error('the director exited');
      const status = await httpStatus(api, '/status');
      if (status !== 200) return false;
      const body = await new Promise<string>((resolve) => {
        const req = request(
          { host: '127.0.0.1', port: api, path: '/health', agent: false },
          (res) => {
            let b = '';
            res.on('data', (c: Buffer) => (b += c.toString()));
            res.on('end', () => resolve(b));
          },
        );
        req.on('error', () => resolve(''));
        req.end();
      });
      return body.includes(`"protobuf":${nodeCount}`);
    },
    { timeoutMs: 30000, intervalMs: 200, what: 'the director to see every node healthy' },
  );
  return { pb, http, api, pid: child.pid };
}

function haproxyConfig(nodes: Node[], pb: number, http: number, threads: number): string {
  const servers = (port: (n: Node) => number, check: string) =>
    nodes
      .map(
        (n, i) =>
          `  server n${i + 1} ${n.host}:${port(n)} maxconn 1024 check inter 2s rise 2 fall 3 ${check}`,
      )
      .join('\n');
  return `global
  maxconn 8000
  nbthread ${threads}
defaults
  mode tcp
  timeout connect 5s
  timeout client 180s
  timeout server 180s
  timeout queue 5s
  retries 2
  option redispatch 1
  default-server observe layer4 error-limit 1 on-error mark-down
frontend riak_pb
  bind 127.0.0.1:${pb}
  default_backend riak_pb
frontend riak_http
  bind 127.0.0.1:${http}
  default_backend riak_http
backend riak_pb
  balance ${opts.balance}
  option tcp-check
  tcp-check send-binary 0000000101
  tcp-check expect binary 0000000102
${servers((n) => n.pb, '')}
backend riak_http
  balance ${opts.balance}
  option httpchk GET /ping
${servers((n) => n.http, '')}
`;
}

async function startHaproxy(nodes: Node[], dir: string) {
  const [pb, http] = await freePorts(2);
  const cfg = join(dir, 'haproxy.cfg');
  await writeFile(cfg, haproxyConfig(nodes, pb, http, Number(opts['haproxy-threads'])));
  const check = spawnSync('haproxy', ['-c', '-f', cfg], { encoding: 'utf8' });
  if (check.status !== 0) throw new Error(`haproxy rejects its config:\n${check.stderr}`);
  const child = track(
    spawn('haproxy', ['-f', cfg, '-db'], { stdio: ['ignore', 'ignore', 'inherit'] }),
  );
  await waitFor(
    async () => {
      if (child.exitCode !== null) throw new Error('haproxy exited');
      const c = await Conn.open(pb).catch(() => undefined);
      if (!c) return false;
      const r = await c.call(PING).catch(() => undefined);
      c.close();
      return r?.code === 2;
    },
    { timeoutMs: 15000, intervalMs: 200, what: 'haproxy to answer' },
  );
  return { pb, http, pid: child.pid };
}

/** The yardstick (node-pipe.ts): the thinnest Node.js proxy, PB port only. */
async function startNodePipe(nodes: Node[]): Promise<{ pb: number; pid?: number }> {
  // The director's runtime environment and memory limit: the yardstick runs tuned alike.
  const { child, memory } = spawnAsDirector(
    'node-pipe',
    DIRECTOR_MEM_MIB,
    [
      '--import',
      'tsx',
      join(__dirname, 'node-pipe.ts'),
      nodes.map((n) => `${n.host}:${n.pb}`).join(','),
    ],
    { cwd: ROOT, stdio: ['ignore', 'pipe', 'inherit'] },
  );
  track(child);
  limits.push(memory);
  const line = await firstLine(child, 'node-pipe');
  return { pb: (JSON.parse(line) as { port: number }).port, pid: child.pid };
}

// ---------------------------------------------------------------------------------------------
interface Measured {
  rps: number;
  mbps: number;
  p50: number;
  p99: number;
  addP50: number;
  addP99: number;
  /** The proxy process's CPU, in cores (NaN for direct). */
  cpu: number;
  /** The proxy's peak resident memory during the run, in MiB (NaN for direct). */
  rss: number;
  backendCpu: number;
  requests: number;
  errors: number;
}

/** One warmed-up, measured run of scenario `s` along path `p`; `direct` for the added latency. */
async function measure(
  p: { name: string; targets: Node[]; pid?: number },
  s: Scenario,
  backendPid: number | undefined,
  direct: Measured | undefined,
): Promise<Measured> {
  await load(p.targets, s, WARMUP_MS);
  const cpu0 = cpuSeconds(p.pid);
  const backendCpu0 = cpuSeconds(backendPid);
  // The peak, sampled while every client is connected.
  let rss = NaN;
  const sampler = setInterval(() => {
    const now = rssMiB(p.pid);
    if (!(now <= rss)) rss = now;
  }, 1000);
  const r = await load(p.targets, s, DURATION_MS).finally(() => clearInterval(sampler));
  const seconds = r.elapsedMs / 1000;
  const p50 = percentile(r.latencies, 50);
  const p99 = percentile(r.latencies, 99);
  return {
    rps: r.requests / seconds,
    mbps: r.bytes / seconds / 1e6,
    p50,
    p99,
    addP50: direct ? p50 - direct.p50 : 0,
    addP99: direct ? p99 - direct.p99 : 0,
    cpu: (cpuSeconds(p.pid) - cpu0) / seconds,
    rss,
    backendCpu: (cpuSeconds(backendPid) - backendCpu0) / seconds,
    requests: r.requests,
    errors: r.errors,
  };
}

function median(xs: number[]): number {
  const sorted = xs.filter((x) => !Number.isNaN(x)).sort((a, b) => a - b);
  if (sorted.length === 0) return NaN;
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

const fmt = (n: number, digits = 0) =>
  Number.isFinite(n)
    ? n.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits })
    : '-';
const ms = (n: number) => (Number.isFinite(n) ? n.toFixed(3) : '-');

async function main(): Promise<void> {
  const scenarios = opts.scenarios.split(',').map((s) => {
    const sc = SCENARIOS[s.trim()];
    if (!sc) throw new Error(`unknown scenario '${s}': use ${Object.keys(SCENARIOS).join(', ')}`);
    return sc;
  });
  const dir = await mkdtemp(join(tmpdir(), 'bench-director-'));
  let zkServer: ZooKeeperServer | undefined;
  let zk: ZkClient | undefined;
  try {
    let nodes: Node[];
    let backendPid: number | undefined;
    if (opts.backends) {
      nodes = opts.backends.split(',').map((b) => {
        const [host, pb, http] = b.split(':');
        if (!host || !Number(pb) || !Number(http))
          throw new Error(`--backends entry '${b}' is not host:pb:http`);
        return { host, pb: Number(pb), http: Number(http) };
      });
    } else {
      const b = await startBackends(Number(opts.nodes));
      nodes = b.nodes;
      backendPid = b.pid;
    }
    zkServer = await startZooKeeper();
    const connectString = zkServer.connectString + uniqueChroot('bench-director');
    zk = await ZkClient.connect({ connect: connectString });
    const layout = frameworkLayout('bench');
    for (const [i, n] of nodes.entries()) {
      await zk.createEphemeral(
        layout.coordinatedNode(`bench-default-${i + 1}`),
        JSON.stringify({
          FrameworkName: 'bench',
          ClusterName: 'default',
          NodeName: `bench-default-${i + 1}@${n.host}`,
          DisterlPort: 1,
          PBPort: n.pb,
          HTTPPort: n.http,
          Hostname: n.host,
        }),
        { parents: true },
      );
    }
    const director = await startDirector(connectString, nodes.length);
    const haproxy = await startHaproxy(nodes, dir);
    const nodePipe = opts['node-pipe'] ? await startNodePipe(nodes) : undefined;
    const haproxyVersion = spawnSync('haproxy', ['-v'], { encoding: 'utf8' }).stdout.split('\n')[0];

    console.log(
      `director benchmark: ${CLIENTS} concurrent clients, ${DURATION_MS / 1000} s per run, ${nodes.length} backends (${opts.backends ? 'given' : 'built-in fast PB backends'}), balance ${opts.balance}`,
    );
    console.log(
      `node ${process.version}, director workers ${opts['director-workers']}${opts['director-args'] ? ` (${opts['director-args']})` : ''}; ${haproxyVersion}, nbthread ${opts['haproxy-threads']}`,
    );
    console.log(`director${nodePipe ? ' and node-pipe' : ''} memory: ${limits[0].description}`);

    const paths: { name: string; targets: Node[]; pid?: number }[] = [
      { name: 'direct', targets: nodes },
      {
        name: 'director',
        targets: [{ host: '127.0.0.1', pb: director.pb, http: director.http }],
        pid: director.pid,
      },
      {
        name: 'haproxy',
        targets: [{ host: '127.0.0.1', pb: haproxy.pb, http: haproxy.http }],
        pid: haproxy.pid,
      },
      ...(nodePipe
        ? [
            {
              name: 'node-pipe',
              targets: [{ host: '127.0.0.1', pb: nodePipe.pb, http: 0 }],
              pid: nodePipe.pid,
            },
          ]
        : []),
    ];
    const results: Record<string, unknown>[] = [];
    const ratios: string[] = [];
    for (const s of scenarios) {
      // Rounds interleave the paths, so that a slow moment of the machine hits all of them.
      const rounds: Record<string, Measured>[] = [];
      for (let round = 1; round <= RUNS; round++) {
        const byPath: Record<string, Measured> = {};
        for (const p of paths) {
          const m = await measure(p, s, backendPid, byPath.direct);
          byPath[p.name] = m;
          results.push({ scenario: s.name, path: p.name, round, ...m });
        }
        rounds.push(byPath);
      }
      const table = new Table({
        style: { head: [], border: [] },
        head: [
          'path',
          'req/s',
          'MB/s',
          'p50 ms',
          'p99 ms',
          '+p50 ms',
          '+p99 ms',
          'proxy CPU',
          'RSS MiB',
          'errors',
        ],
      });
      for (const p of paths) {
        const med = (f: (m: Measured) => number) => median(rounds.map((r) => f(r[p.name])));
        const direct = p.name === 'direct';
        table.push([
          p.name,
          fmt(med((m) => m.rps)),
          fmt(
            med((m) => m.mbps),
            1,
          ),
          ms(med((m) => m.p50)),
          ms(med((m) => m.p99)),
          direct ? '' : ms(med((m) => m.addP50)),
          direct ? '' : ms(med((m) => m.addP99)),
          p.pid ? `${fmt(med((m) => m.cpu) * 100)}%` : '',
          p.pid ? fmt(med((m) => m.rss)) : '',
          String(rounds.reduce((n, r) => n + r[p.name].errors, 0)),
        ]);
      }
      console.log(`\n${s.name}: ${s.description} (median of ${RUNS} interleaved runs)`);
      console.log(table.toString());
      const ratio = (f: (d: Measured, h: Measured) => number) =>
        median(rounds.map((r) => f(r.director, r.haproxy))).toFixed(2);
      const addP50 = (name: string) => ms(median(rounds.map((r) => r[name].addP50)));
      // CPU per request in microseconds, and the no-proxy ceiling of any proxy's throughput.
      const usPerRequest = (name: string) =>
        fmt(median(rounds.map((r) => (r[name].cpu / r[name].rps) * 1e6)), 1);
      const ceiling = median(rounds.map((r) => r.direct.rps / r.haproxy.rps)).toFixed(2);
      ratios.push(
        `${s.name}: director/haproxy throughput ${ratio((d, h) => d.rps / h.rps)}x, p50 ${ratio((d, h) => d.p50 / h.p50)}x, p99 ${ratio((d, h) => d.p99 / h.p99)}x, added p50 ${addP50('director')} vs ${addP50('haproxy')} ms (${ratio((d, h) => d.addP50 / h.addP50)}x), CPU per request ${ratio((d, h) => d.cpu / d.rps / (h.cpu / h.rps))}x`,
        `${' '.repeat(s.name.length)}  CPU per request ${usPerRequest('director')} vs ${usPerRequest('haproxy')} µs${nodePipe ? ` (node-pipe ${usPerRequest('node-pipe')} µs)` : ''}; no proxy (direct) reaches ${ceiling}x haproxy's throughput`,
      );
    }
    console.log('\nratios');
    for (const l of ratios) console.log(`  ${l}`);
    if (opts.json) {
      await writeFile(
        opts.json,
        JSON.stringify(
          { clients: CLIENTS, durationMs: DURATION_MS, runs: RUNS, nodes: nodes.length, results },
          null,
          2,
        ),
      );
      console.log(`\nresults written to ${opts.json}`);
    }
  } finally {
    for (const c of children) if (c.exitCode === null) c.kill('SIGTERM');
    await Promise.all(
      children.map((c) =>
        c.exitCode !== null
          ? Promise.resolve()
          : new Promise<void>((resolve) => {
              const t = setTimeout(() => {
                c.kill('SIGKILL');
                resolve();
              }, 5000);
              c.once('exit', () => {
                clearTimeout(t);
                resolve();
              });
            }),
      ),
    );
    await Promise.all(limits.map((l) => l.remove()));
    await zk?.close();
    await zkServer?.close();
    await rm(dir, { recursive: true, force: true });
  }
}

main().then(
  () => process.exit(0),
  (err: unknown) => {
    console.error(`bench failed: ${(err as Error).stack ?? String(err)}`);
    process.exit(1);
  },
);
