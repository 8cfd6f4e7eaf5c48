/**
 * PORT_PLEASE2 lookups per second and latency, against our EPMD (memory store and ZooKeeper
 * store) and the C epmd (Debian erlang-base), in one run, with the ratios.
 * Run: npx tsx bench/epmd/run.ts [seconds-per-target] [concurrency]
 */
import type { ChildProcess } from 'node:child_process';
import { execFileSync, spawn } from 'node:child_process';
import { mkdirSync, readFileSync } from 'node:fs';
import { connect } from 'node:net';
import { join } from 'node:path';
import { buildSync } from 'esbuild';
import { EpmdClient, encodePortPlease2 } from '@riak-mesos/epmd';
import { freePorts, startZooKeeper, uniqueChroot, waitFor } from '@riak-mesos/testing';

const seconds = Number(process.argv[2] ?? 5);
const concurrency = Number(process.argv[3] ?? 32);
const NAME = 'riak-default-1';
/** Our daemon on Node's plain `net` module: the fallback transport, for comparison. */
const NET = 'ours (memory, net transport)';
/** Our transport answering a fixed reply (bench/epmd/floor.ts): the runtime's floor. */
const FLOOR = 'handle transport floor';
/** Lookups per target and round made from Erlang. */
const ERLANG_LOOKUPS = 1500;
/** port_please calls per target and round made through the EPMD modules (they are quicker). */
const RESOLVE_LOOKUPS = 5000;
const rounds = 3;
const request = encodePortPlease2(NAME);

function lookup(port: number): Promise<number> {
  return new Promise((resolve, reject) => {
    const started = process.hrtime.bigint();
    const s = connect({ port, host: '127.0.0.1', noDelay: true }, () => s.write(request));
    let got = 0;
    s.on('data', (d) => (got += d.length));
    s.on('close', () =>
      got >= 2
        ? resolve(Number(process.hrtime.bigint() - started) / 1e6)
        : reject(new Error('no answer')),
    );
    s.on('error', reject);
  });
}

interface Result {
  rate: number;
  p50: number;
  p99: number;
  errors: number;
  /** Server CPU (user + system) per lookup, microseconds. */
  cpuUs: number;
}

/** CPU time (user + system) a process has used so far, microseconds (Linux /proc). */
function cpuOf(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
  // utime and stime are fields 14 and 15 of stat, in clock ticks (100 per second on Linux).
  return (Number(fields[11]) + Number(fields[12])) * 10000;
}

/** Runs `clients` concurrent clients for `ms`, appending each lookup's latency. */
async function load(
  port: number,
  ms: number,
  latencies: number[],
  clients = concurrency,
): Promise<number> {
  let errors = 0;
  const end = Date.now() + ms;
  await Promise.all(
    Array.from({ length: clients }, async () => {
      while (Date.now() < end) {
        try {
          latencies.push(await lookup(port));
        } catch {
          errors++;
        }
      }
    }),
  );
  return errors;
}

function summarize(latencies: number[], errors: number, ms: number, cpuUs: number): Result {
  latencies.sort((a, b) => a - b);
  const pct = (p: number) =>
    latencies[Math.min(latencies.length - 1, Math.floor((p / 100) * latencies.length))] ?? NaN;
  return {
    rate: latencies.length / (ms / 1000),
    p50: pct(50),
    p99: pct(99),
    errors,
    cpuUs: cpuUs / latencies.length,
  };
}

interface Target {
  label: string;
  port: number;
  child: ChildProcess;
  latencies: number[];
  errors: number;
  cpu: number;
  /** One client, one lookup at a time: what a node resolving a peer does. */
  single: number[];
  singleErrors: number;
  singleCpu: number;
  /** Lookups made by a real Erlang runtime, as erl_epmd makes them. */
  erlang: number[];
  erlangCpu: number;
  /** port_please/2 as net_kernel calls it, through the EPMD module a node of this kind uses. */
  resolve: number[];
  resolveCpu: number;
}

/**
 * What a node uses to resolve a peer, per target: stock OTP's erl_epmd against the C epmd, our
 * riak_mesos_epmd (lookup sessions) against ours.
 */
const RESOLVERS: Record<string, string> = {
  'C epmd': 'erl_epmd',
  'ours (memory store)': 'riak_mesos_epmd',
  'ours (ZooKeeper store)': 'riak_mesos_epmd',
};

/** Starts an EPMD as its own process, as in production, so it does not share this event loop. */
async function start(
  label: string,
  command: string,
  args: string[],
  port: number,
  epmd = true,
): Promise<Target> {
  const child = spawn(command, args, {
    stdio: 'ignore',
    env: { ...process.env, LOG_LEVEL: 'error' },
  });
  const client = new EpmdClient({ port });
  await waitFor(
    () =>
      (epmd ? client.names() : lookup(port)).then(
        () => true,
        () => false,
      ),
    { timeoutMs: 20000, what: `${label} on ${port}` },
  );
  // Registered for the whole run: the registration lives as long as its connection.
  if (epmd) await client.register({ name: NAME, port: 40000 });
  return {
    label,
    port,
    child,
    latencies: [],
    errors: 0,
    cpu: 0,
    single: [],
    singleErrors: 0,
    singleCpu: 0,
    erlang: [],
    erlangCpu: 0,
    resolve: [],
    resolveCpu: 0,
  };
}

async function main() {
  const root = join(__dirname, '..', '..');
  // The daemon as it ships: the esbuild bundle on plain node (no TypeScript loader in the way).
  execFileSync(process.execPath, [join(root, 'scripts', 'bundle.js'), 'apps/erlpmd']);
  const erlpmd = join(root, 'dist', 'apps', 'erlpmd', 'main.js');
  const floor = join(root, 'dist', 'bench', 'epmd-floor.js');
  buildSync({
    entryPoints: [join(__dirname, 'floor.ts')],
    outfile: floor,
    bundle: true,
    platform: 'node',
    target: 'node20',
    format: 'cjs',
    tsconfig: join(root, 'tsconfig.base.json'),
    logLevel: 'warning',
  });
  const beams = join(root, 'dist', 'bench', 'beam');
  mkdirSync(beams, { recursive: true });
  execFileSync('erlc', ['-o', beams, join(root, 'libs', 'epmd', 'erlang', 'riak_mesos_epmd.erl')]);
  const zkServer = await startZooKeeper();
  const targets: Target[] = [];
  const results: Record<string, Result> = {};
  const singles: Record<string, Result> = {};
  const erlang: Record<string, Result> = {};
  const resolved: Record<string, Result> = {};
  const slice = (seconds * 1000) / rounds;
  try {
    const ports = await freePorts(5);
    targets.push(
      await start(
        'ours (memory store)',
        process.execPath,
        [erlpmd, '-port', String(ports[0])],
        ports[0],
      ),
      await start(
        'ours (ZooKeeper store)',
        process.execPath,
        [erlpmd, '-port', String(ports[1]), '-zk', zkServer.connectString + uniqueChroot('bench')],
        ports[1],
      ),
      await start('C epmd', 'epmd', ['-port', String(ports[2]), '-address', '127.0.0.1'], ports[2]),
      await start(
        NET,
        process.execPath,
        [erlpmd, '-port', String(ports[3]), '-transport', 'net'],
        ports[3],
      ),
      await start(FLOOR, process.execPath, [floor, String(ports[4])], ports[4], false),
    );
    // Warm-up (JIT, connection paths), not measured; then rounds interleaved so that the load
    // of the machine falls on every target alike.
    for (const t of targets) await load(t.port, 1000, []);
    for (let r = 0; r < rounds; r++)
      for (const t of targets) {
        const pid = t.child.pid as number;
        let before = cpuOf(pid);
        t.singleErrors += await load(t.port, slice / 2, t.single, 1);
        t.singleCpu += cpuOf(pid) - before;
        before = cpuOf(pid);
        t.errors += await load(t.port, slice, t.latencies);
        t.cpu += cpuOf(pid) - before;
      }
    // The same lookups from Erlang itself (one escript run per target and round), then a node
    // resolving a peer: port_please/2 of the EPMD module, as net_kernel calls it.
    const escript = join(__dirname, 'lookups.escript');
    const fromErlang = (t: Target, count: number, mode?: string) => {
      const pid = t.child.pid as number;
      const before = cpuOf(pid);
      const out = execFileSync(
        'escript',
        [escript, String(t.port), NAME, String(count), ...(mode ? [mode] : [])],
        {
          encoding: 'utf8',
          env: { ...process.env, ERL_FLAGS: `-epmd_port ${t.port} -pa ${beams}` },
        },
      );
      return {
        cpu: cpuOf(pid) - before,
        ms: out
          .trim()
          .split(' ')
          .map((us) => Number(us) / 1000),
      };
    };
    for (let r = 0; r < rounds; r++)
      for (const t of targets) {
        const run = fromErlang(t, ERLANG_LOOKUPS);
        t.erlangCpu += run.cpu;
        t.erlang.push(...run.ms);
      }
    for (let r = 0; r < rounds; r++)
      for (const t of targets) {
        const mode = RESOLVERS[t.label];
        if (!mode) continue;
        // The first lookup of a run opens the session: counted like the others.
        const run = fromErlang(t, RESOLVE_LOOKUPS, mode);
        t.resolveCpu += run.cpu;
        t.resolve.push(...run.ms);
      }
    // One lookup after the other: lookups per second follow from the time they took.
    const oneByOne = (ms: number[], cpu: number) =>
      summarize(
        ms,
        0,
        ms.reduce((a, b) => a + b, 0),
        cpu,
      );
    for (const t of targets) {
      erlang[t.label] = oneByOne(t.erlang, t.erlangCpu);
      if (t.resolve.length) resolved[t.label] = oneByOne(t.resolve, t.resolveCpu);
      results[t.label] = summarize(t.latencies, t.errors, seconds * 1000, t.cpu);
      singles[t.label] = summarize(t.single, t.singleErrors, (seconds * 1000) / 2, t.singleCpu);
    }
  } finally {
    for (const t of targets) t.child.kill('SIGKILL');
    await zkServer.close();
  }

  console.log(
    `PORT_PLEASE2 lookups, one TCP connection per lookup (as the protocol requires), 3 interleaved rounds after a 1 s warm-up per target`,
  );
  const table = (
    title: string,
    rs: Record<string, Result>,
    compared = ['ours (memory store)', 'ours (ZooKeeper store)', NET, FLOOR],
  ) => {
    console.log(`\n${title}`);
    console.log(
      'target                      lookups/s    p50 ms   p99 ms   errors   server CPU µs/lookup',
    );
    for (const [name, r] of Object.entries(rs)) {
      console.log(
        `${name.padEnd(27)} ${r.rate.toFixed(0).padStart(9)} ${r.p50.toFixed(3).padStart(9)} ${r.p99.toFixed(3).padStart(8)} ${String(r.errors).padStart(8)} ${r.cpuUs.toFixed(1).padStart(22)}`,
      );
    }
    const c = rs['C epmd'];
    for (const name of compared) {
      const r = rs[name];
      console.log(
        `${name} / C epmd: throughput x${(r.rate / c.rate).toFixed(2)}, p50 x${(r.p50 / c.p50).toFixed(2)}, p99 x${(r.p99 / c.p99).toFixed(2)}, server CPU per lookup x${(r.cpuUs / c.cpuUs).toFixed(2)}`,
      );
    }
  };
  table(
    `one client, one lookup at a time (a node resolving a peer), ${seconds / 2} s per target`,
    singles,
  );
  table(`${concurrency} concurrent clients (saturation), ${seconds} s per target`, results);
  table(
    `a real Erlang client, one lookup at a time as erl_epmd makes them, ${rounds * ERLANG_LOOKUPS} per target`,
    erlang,
  );
  table(
    `a node resolving a peer: port_please/2 as net_kernel calls it, ${rounds * RESOLVE_LOOKUPS} per target (C epmd through OTP's erl_epmd; ours through riak_mesos_epmd's lookup session)`,
    resolved,
    ['ours (memory store)', 'ours (ZooKeeper store)'],
  );
}

main().then(
  () => process.exit(0),
  (err: Error) => {
    console.error(err);
    process.exit(1);
  },
);
