/**
 * Helpers of the scheduler's integration tests on real Riak (scheduler.test.ts): catalogue
 * entries, a real Riak package that never becomes ready, writes Riak acknowledged and reading
 * them back, and the logs a node's runs left in their sandboxes.
 */
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { closeSync, existsSync, openSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { RiakPbClient } from '@riak-mesos/riak-pb';

/** A Riak version of the scheduler's catalogue (`--riak-versions`), from a package file. */
export function catalogueEntry(name: string, file: string, flavour: string) {
  const sha256 = createHash('sha256').update(readFileSync(file)).digest('hex');
  return { name, url: pathToFileURL(file).href, sha256, flavour };
}

/**
 * A real Riak package that never becomes ready, made from the real one into `dir`: the same
 * release without riak_kv's application module (`lib/riak_kv-…/ebin/riak_kv_app.beam`), as a
 * damaged build would ship it. Started, the real node boots and riak_core comes up on the node's
 * data (its ring and cluster metadata), then riak_kv cannot start and the Erlang VM halts with
 * `{application_start_failure,riak_kv,…}`. An uncompressed `root/riak/…` tarball, as the
 * fetcher takes it (under a second; gzip would take most of the time).
 */
export function riakWithoutKv(realPackage: string, dir: string): string {
  const tar = join(dir, 'riak-without-kv.tar');
  const fd = openSync(tar, 'w');
  try {
    execFileSync('gunzip', ['-c', realPackage], { stdio: ['ignore', fd, 'inherit'] });
  } finally {
    closeSync(fd);
  }
  const member = execFileSync('tar', ['-tf', tar], { encoding: 'utf8', maxBuffer: 64 << 20 })
    .split('\n')
    .find((f) => /^root\/riak\/lib\/riak_kv-[^/]+\/ebin\/riak_kv_app\.beam$/.test(f));
  if (!member) throw new Error(`${realPackage} has no riak_kv_app.beam`);
  execFileSync('tar', ['--delete', '-f', tar, member]);
  return tar;
}

/** A node as the API lists it, as far as reaching its Riak goes. */
export interface PbReachable {
  name: string;
  state: string;
  endpoints: { pb: string } | null;
}

async function connect(node: PbReachable): Promise<RiakPbClient> {
  const [host, port] = node.endpoints!.pb.split(':');
  return RiakPbClient.connect(Number(port), host, 2000);
}

/** Writes through whichever running node takes them, keeping those Riak acknowledged. */
export class AckedWrites {
  readonly acked = new Map<string, string>();
  /** Keys no node acknowledged in time, with why each node did not: assert it is empty. */
  readonly failed = new Map<string, string[]>();

  constructor(
    private readonly bucket: string,
    private readonly nodes: () => Promise<PbReachable[]>,
  ) {}

  /**
   * `count` keys `<prefix>-<i>`: each through the first running node that acknowledges it. A key
   * that none takes is tried again every 500 ms for up to `retryMs` (a moment in which no node
   * is listed as running), and said on stderr; after one key has failed, the rest are tried once.
   */
  async write(prefix: string, count: number, retryMs = 30000): Promise<void> {
    for (let i = 0; i < count; i++) {
      const key = `${prefix}-${i}`;
      const deadline = Date.now() + (this.failed.size > 0 ? 0 : retryMs);
      for (let attempt = 1; ; attempt++) {
        const why: string[] = [];
        if (await this.writeOnce(key, `v${i}`, why)) {
          if (attempt > 1)
            process.stderr.write(`AckedWrites: ${key} acknowledged at attempt ${attempt}\n`);
          break;
        }
        if (Date.now() >= deadline) {
          this.failed.set(key, why);
          process.stderr.write(`AckedWrites: ${key} not acknowledged: ${why.join('; ')}\n`);
          break;
        }
        await new Promise((r) => setTimeout(r, 500));
      }
    }
  }

  /** One try of every node; `why` gets each node's reason for not taking it. */
  private async writeOnce(key: string, value: string, why: string[]): Promise<boolean> {
    for (const n of await this.nodes()) {
      if (n.state !== 'running' || !n.endpoints) {
        why.push(`${n.name} is ${n.state}${n.endpoints ? '' : ' without endpoints'}`);
        continue;
      }
      try {
        const c = await connect(n);
        try {
          await c.put(this.bucket, key, value);
        } finally {
          c.close();
        }
        this.acked.set(key, value);
        return true;
      } catch (err) {
        // That node may be going down; try another.
        why.push(`${n.name}: ${(err as Error).message}`);
      }
    }
    return false;
  }

  /** The acknowledged keys that do not read back with their value through `node`. */
  async missing(node: PbReachable): Promise<string[]> {
    const c = await connect(node);
    const missing: string[] = [];
    try {
      for (const [k, v] of this.acked)
        if ((await c.get(this.bucket, k))?.value.toString() !== v) missing.push(k);
    } finally {
      c.close();
    }
    return missing;
  }
}

/**
 * What every run of a node's executors on a local Mesos agent wrote to `riak.log`
 * (`<mesos work dir>/agents/<agent>/frameworks/<framework>/executors/<node>-…/runs/…`).
 */
export function riakLogs(mesosWork: string, agent: string, node: string): string[] {
  const frameworks = join(mesosWork, 'agents', agent, 'frameworks');
  const dirs = (d: string) => (existsSync(d) ? readdirSync(d) : []);
  const logs: string[] = [];
  for (const fw of dirs(frameworks))
    for (const ex of dirs(join(frameworks, fw, 'executors')).filter((e) =>
      e.startsWith(`${node}-`),
    ))
      for (const run of dirs(join(frameworks, fw, 'executors', ex, 'runs'))) {
        const log = join(frameworks, fw, 'executors', ex, 'runs', run, 'riak.log');
        if (existsSync(log)) logs.push(readFileSync(log, 'utf8'));
      }
  return logs;
}
