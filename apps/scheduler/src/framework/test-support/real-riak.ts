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

  constructor(
    private readonly bucket: string,
    private readonly nodes: () => Promise<PbReachable[]>,
  ) {}

  /** `count` keys `<prefix>-<i>`: each through the first running node that acknowledges it. */
  async write(prefix: string, count: number): Promise<void> {
    for (let i = 0; i < count; i++) {
      for (const n of await this.nodes()) {
        if (n.state !== 'running' || !n.endpoints) continue;
        try {
          const c = await connect(n);
          try {
            await c.put(this.bucket, `${prefix}-${i}`, `v${i}`);
          } finally {
            c.close();
          }
          this.acked.set(`${prefix}-${i}`, `v${i}`);
          break;
        } catch {
          // That node is going down; try another.
        }
      }
    }
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
