/**
 * PORT_PLEASE2 lookups per second and latency, against our EPMD (memory store and ZooKeeper
 * store) and the C epmd (Debian erlang-base), in one run, with the ratios.
 * Run: npx tsx bench/epmd/run.ts [seconds-per-target] [concurrency]
 */
import { spawn } from 'node:child_process';
import { connect } from 'node:net';
import { join } from 'node:path';
import { EpmdClient, frame } from '@riak-mesos/epmd';
import { freePort, startZooKeeper, uniqueChroot, waitFor } from '@riak-mesos/testing';

const seconds = Number(process.argv[2] ?? 5);
const concurrency = Number(process.argv[3] ?? 32);
const NAME = 'riak-default-1';
const request = frame(Buffer.concat([Buffer.from([122]), Buffer.from(NAME, 'latin1')]));

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

async function load(
  port: number,
): Promise<{ rate: number; p50: number; p99: number; errors: number }> {
  const latencies: number[] = [];
  let errors = 0;
  const end = Date.now() + seconds * 1000;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (Date.now() < end) {
        try {
          latencies.push(await lookup(port));
        } catch {
          errors++;
        }
      }
    }),
  );
  latencies.sort((a, b) => a - b);
  const pct = (p: number) =>
    latencies[Math.min(latencies.length - 1, Math.floor((p / 100) * latencies.length))] ?? NaN;
  return { rate: latencies.length / seconds, p50: pct(50), p99: pct(99), errors };
}

/** Runs an EPMD as its own process, as in production, so it does not share this event loop. */
async function measure(
  label: string,
  command: string,
  args: string[],
  port: number,
  results: Record<string, Awaited<ReturnType<typeof load>>>,
) {
  const child = spawn(command, args, {
    stdio: 'ignore',
    env: { ...process.env, LOG_LEVEL: 'error' },
  });
  try {
    const client = new EpmdClient({ port });
    await waitFor(
      () =>
        client.names().then(
          () => true,
          () => false,
        ),
      { timeoutMs: 20000, what: `${label} on ${port}` },
    );
    const reg = await client.register({ name: NAME, port: 40000 });
    results[label] = await load(port);
    reg.close();
  } finally {
    child.kill('SIGKILL');
  }
}

async function main() {
  const results: Record<string, Awaited<ReturnType<typeof load>>> = {};
  const tsx = join(__dirname, '..', '..', 'node_modules', '.bin', 'tsx');
  const erlpmd = join(__dirname, '..', '..', 'apps', 'erlpmd', 'src', 'main.ts');
  const zkServer = await startZooKeeper();
  try {
    let port = await freePort();
    await measure('ours (memory store)', tsx, [erlpmd, '-port', String(port)], port, results);
    port = await freePort();
    await measure(
      'ours (ZooKeeper store)',
      tsx,
      [erlpmd, '-port', String(port), '-zk', zkServer.connectString + uniqueChroot('bench')],
      port,
      results,
    );
    port = await freePort();
    await measure(
      'C epmd',
      'epmd',
      ['-port', String(port), '-address', '127.0.0.1'],
      port,
      results,
    );
  } finally {
    await zkServer.close();
  }

  console.log(
    `PORT_PLEASE2 lookups, ${concurrency} concurrent clients, ${seconds} s per target, one TCP connection per lookup (as the protocol requires)`,
  );
  console.log('target                   lookups/s    p50 ms   p99 ms   errors');
  for (const [name, r] of Object.entries(results)) {
    console.log(
      `${name.padEnd(24)} ${r.rate.toFixed(0).padStart(9)} ${r.p50.toFixed(3).padStart(9)} ${r.p99.toFixed(3).padStart(8)} ${String(r.errors).padStart(8)}`,
    );
  }
  const c = results['C epmd'];
  for (const name of ['ours (memory store)', 'ours (ZooKeeper store)']) {
    const r = results[name];
    console.log(
      `${name} / C epmd: throughput x${(r.rate / c.rate).toFixed(2)}, p50 x${(r.p50 / c.p50).toFixed(2)}, p99 x${(r.p99 / c.p99).toFixed(2)}`,
    );
  }
}

main().then(
  () => process.exit(0),
  (err: Error) => {
    console.error(err);
    process.exit(1);
  },
);
