/**
 * Plain real Riak nodes for tests and benchmarks (no Mesos): the real package unpacked once per
 * node into a temporary directory, each node configured on free loopback ports, started with
 * `bin/riak foreground` as a process group, joined into one cluster and waited for until the ring
 * is settled. All nodes share one private EPMD (the release's own `epmd`, run in the foreground on
 * a free port) so nothing touches the machine's 4369; `stop()` leaves nothing running.
 *
 * Over 400 lines: one harness, start to stop (config, processes, readiness, membership, cleanup),
 * kept together so that what `stop()` undoes sits next to what `start` did.
 */
import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync, readdirSync, readlinkSync } from 'node:fs';
import { mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { RunResult } from '@riak-mesos/process';
import {
  ProcessGroup,
  isAlive,
  killProcessesUnder,
  processesUnder,
  runCommand,
} from '@riak-mesos/process';
import { RiakPbClient } from '@riak-mesos/riak-pb';
import { freePorts } from './ports';
import { requireRiakPackage } from './riak';
import { tempDir, waitFor } from './util';

export type RiakBackend = 'bitcask' | 'leveled' | 'eleveldb' | 'memory';

export interface RealRiakOptions {
  /** How many nodes (1 or more); all but the first join the first. */
  nodes: number;
  /** `ring_size`; 16 by default, for speed (Riak's own default is 64). */
  ringSize?: number;
  /**
   * `storage_backend`; `leveled` by default (pure Erlang, and it has secondary indexes, which
   * bitcask, the release's default, does not).
   */
  backend?: RiakBackend;
  /** The package tarball; `requireRiakPackage()` by default. */
  riakPackage?: string;
  /** Time limit for the whole start, in ms (default 240 s). */
  timeoutMs?: number;
}

export interface RealRiakNode {
  /** 0-based position in the cluster. */
  readonly index: number;
  readonly nodeName: string;
  readonly host: string;
  readonly pbPort: number;
  readonly httpPort: number;
  readonly handoffPort: number;
  readonly clusterManagerPort: number;
  /** The node's directory; the release is `<dir>/root/riak`, its output `<dir>/riak.out`. */
  readonly dir: string;
  /** The `bin/riak foreground` process group while the node runs. */
  readonly process: ProcessGroup | undefined;
  /** The beam's operating system pid while the node runs. */
  readonly pid: number | undefined;
}

export interface RealRiakTimings {
  /** Unpacking and configuring every node. */
  unpackMs: number;
  /** From starting the nodes until every one served KV (wait-for-service, HTTP and PB ping). */
  nodesReadyMs: number;
  /** From the first join until the ring was ready and no transfer was left. */
  clusterReadyMs: number;
  totalMs: number;
}

export interface RealRiakCluster {
  readonly nodes: readonly RealRiakNode[];
  /** The private EPMD's port (`ERL_EPMD_PORT` of every node and admin command). */
  readonly epmdPort: number;
  /** The Erlang cookie the nodes share. */
  readonly cookie: string;
  /** The directory holding every node's directory. */
  readonly dir: string;
  readonly timings: RealRiakTimings;
  /** `bin/riak admin <args>` on node `i` (output and exit code; never rejects). */
  admin(i: number, ...args: string[]): Promise<RunResult>;
  /** SIGKILLs node `i`'s whole process group (the beam included) and waits until it is gone. */
  kill(i: number): Promise<void>;
  /** Starts node `i` again (after `kill`) on the same ports and data, and waits until it serves. */
  restart(i: number): Promise<void>;
  /**
   * Waits until the ring is ready, no transfer is active and no ownership change is pending (as
   * after the start), e.g. for hinted handoff after a restart. Asks the first node.
   */
  settled(timeoutMs?: number): Promise<void>;
  /** The last `lines` lines of node `i`'s output file. */
  logTail(i: number, lines?: number): string;
  /**
   * Stops every node, then the private EPMD, checks that no process is left in the nodes'
   * directories and nothing listens on the EPMD port, and removes the directories.
   */
  stop(): Promise<void>;
}

interface NodeState {
  index: number;
  nodeName: string;
  host: string;
  pbPort: number;
  httpPort: number;
  handoffPort: number;
  clusterManagerPort: number;
  dir: string;
  process: ProcessGroup | undefined;
  readonly pid: number | undefined;
}

const HOST = '127.0.0.1';

/** Sets `key = value` in riak.conf text: replaces the key's line, or appends one. */
export function setRiakConf(text: string, key: string, value: string | number): string {
  const line = new RegExp(`^${key.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}\\s*=.*$`, 'm');
  const setting = `${key} = ${value}`;
  return line.test(text)
    ? text.replace(line, setting)
    : `${text.replace(/\n*$/, '\n')}${setting}\n`;
}

/**
 * The release's advanced.config with its `cluster_mgr` (which wins over riak.conf's
 * `mdc.cluster_manager`) moved to `port`; `-start_epmd false` for the generated vm.args, so that
 * no node or admin command ever starts an `epmd -daemon` of its own; and handoff that starts
 * within a second of a vnode going idle (riak_core's `vnode_inactivity_timeout` and
 * `vnode_management_timer`, 60 s and 10 s by default), so that a fresh cluster settles in seconds.
 */
export function patchAdvancedConfig(text: string, port: number): string {
  const clusterMgr = /\{\s*cluster_mgr\s*,\s*\{\s*"[^"]*"\s*,\s*\d+\s*\}\s*\}/;
  if (!clusterMgr.test(text)) throw new Error('advanced.config has no cluster_mgr entry to move');
  const patched = text.replace(
    clusterMgr,
    `{cluster_mgr, {"${HOST}", ${port}}},\n   {vnode_inactivity_timeout, 1000},\n   {vnode_management_timer, 1000}`,
  );
  const i = patched.indexOf('[');
  if (i < 0) throw new Error('advanced.config is not an Erlang list');
  return `${patched.slice(0, i + 1)}\n {vm_args, [{"-start_epmd", "false"}]},${patched.slice(i + 1)}`;
}

/** Pids of the processes with a socket listening on TCP `port` (IPv4 or IPv6), from /proc. */
export function listenersOn(port: number): number[] {
  const inodes = new Set<string>();
  for (const table of ['/proc/net/tcp', '/proc/net/tcp6']) {
    let text: string;
    try {
      text = readFileSync(table, 'utf8');
    } catch {
      continue;
    }
    for (const row of text.split('\n').slice(1)) {
      const f = row.trim().split(/\s+/);
      if (f.length < 10) continue;
      const local = f[1].split(':').pop() ?? '';
      // State 0A is LISTEN; field 9 is the socket's inode.
      if (parseInt(local, 16) === port && f[3] === '0A') inodes.add(f[9]);
    }
  }
  if (inodes.size === 0) return [];
  const pids: number[] = [];
  for (const pid of readdirSync('/proc').filter((e) => /^\d+$/.test(e))) {
    let fds: string[];
    try {
      fds = readdirSync(`/proc/${pid}/fd`);
    } catch {
      continue;
    }
    for (const fd of fds) {
      try {
        const m = /^socket:\[(\d+)\]$/.exec(readlinkSync(`/proc/${pid}/fd/${fd}`));
        if (m && inodes.has(m[1])) {
          pids.push(Number(pid));
          break;
        }
      } catch {
        // The fd closed while we looked.
      }
    }
  }
  return pids;
}

function tail(file: string, lines: number): string {
  try {
    return readFileSync(file, 'utf8').split('\n').slice(-lines).join('\n');
  } catch {
    return '(no output)';
  }
}

/**
 * Starts `options.nodes` real Riak nodes joined into one cluster and resolves once every node
 * serves KV, the ring is ready and no transfer is left. On failure everything started is stopped
 * and the error carries the failing node's last output.
 */
export async function startRealRiakCluster(options: RealRiakOptions): Promise<RealRiakCluster> {
  const count = options.nodes;
  if (!Number.isInteger(count) || count < 1)
    throw new Error(`nodes must be a positive integer, got ${String(count)}`);
  const ringSize = options.ringSize ?? 16;
  if (!Number.isInteger(ringSize) || ringSize < 8 || (ringSize & (ringSize - 1)) !== 0)
    throw new Error(`ringSize must be a power of 2 of at least 8, got ${String(ringSize)}`);
  const backend = options.backend ?? 'leveled';
  const pkg = options.riakPackage ?? requireRiakPackage();
  const deadline = Date.now() + (options.timeoutMs ?? 240000);
  const leftUntil = (until: number) => Math.max(1000, until - Date.now());
  const left = () => leftUntil(deadline);
  const t0 = Date.now();

  const dir = await tempDir('real-riak');
  const id = randomBytes(3).toString('hex');
  const cookie = `rt${randomBytes(8).toString('hex')}`;
  const ports = await freePorts(4 * count + 1);
  const epmdPort = ports[4 * count];
  const env = { ...process.env, ERL_EPMD_PORT: String(epmdPort) };
  const nodes = Array.from({ length: count }, (_, i) => {
    const n: NodeState = {
      index: i,
      nodeName: `rt${id}-${i + 1}@${HOST}`,
      host: HOST,
      httpPort: ports[4 * i],
      pbPort: ports[4 * i + 1],
      handoffPort: ports[4 * i + 2],
      clusterManagerPort: ports[4 * i + 3],
      dir: join(dir, `n${i + 1}`),
      process: undefined,
      get pid() {
        return n.process?.running ? n.process.pid : undefined;
      },
    };
    return n;
  });
  const rel = (n: NodeState) => join(n.dir, 'root', 'riak');
  const riak = (n: NodeState) => join(rel(n), 'bin', 'riak');
  const outFile = (n: NodeState) => join(n.dir, 'riak.out');
  let epmd: ProcessGroup | undefined;
  let stopped = false;

  const admin = (i: number, ...args: string[]): Promise<RunResult> => {
    const n = nodes[i];
    if (!n) return Promise.resolve({ code: 127, out: `no node ${i}` });
    return runCommand(riak(n), ['admin', ...args], { env, cwd: rel(n), timeoutMs: 60000 });
  };

  async function configure(n: NodeState): Promise<void> {
    await mkdir(n.dir, { recursive: true });
    const untar = await runCommand('tar', ['-xzf', pkg, '-C', n.dir], { timeoutMs: 120000 });
    if (untar.code !== 0) throw new Error(`cannot unpack ${pkg}: ${untar.out}`);
    const confPath = join(rel(n), 'etc', 'riak.conf');
    let conf = await readFile(confPath, 'utf8');
    const settings: [string, string | number][] = [
      ['nodename', n.nodeName],
      ['distributed_cookie', cookie],
      ['listener.http.internal', `${HOST}:${n.httpPort}`],
      ['listener.protobuf.internal', `${HOST}:${n.pbPort}`],
      ['handoff.ip', HOST],
      ['handoff.port', n.handoffPort],
      ['mdc.cluster_manager', `${HOST}:${n.clusterManagerPort}`],
      ['ring_size', ringSize],
      ['storage_backend', backend],
      ['platform_data_dir', join(rel(n), 'data')],
      ['platform_log_dir', join(rel(n), 'log')],
      // Active anti-entropy builds hash trees in the background: CPU a short test never needs.
      ['anti_entropy', 'passive'],
      ['transfer_limit', 8],
    ];
    for (const [k, v] of settings) conf = setRiakConf(conf, k, v);
    await writeFile(confPath, conf);
    const advPath = join(rel(n), 'etc', 'advanced.config');
    await writeFile(
      advPath,
      patchAdvancedConfig(await readFile(advPath, 'utf8'), n.clusterManagerPort),
    );
  }

  function launch(n: NodeState): void {
    n.process = new ProcessGroup(riak(n), ['foreground'], {
      cwd: rel(n),
      env,
      stdoutFile: outFile(n),
      stderrFile: outFile(n),
    });
  }

  /**
   * A node's first start. Once, a node whose registration with the private EPMD failed
   * ("register/listen error", seen once in a CI run with three test files starting nodes at the
   * same moment) is started again: it has no data yet, and it is the fixture that failed, not
   * anything under test. Its first output is kept beside the new one.
   */
  async function firstStart(n: NodeState, until: number): Promise<void> {
    try {
      await ready(n, until);
    } catch (err) {
      const message = (err as Error).message;
      if (!/register\/listen error/.test(message)) throw err;
      process.stderr.write(
        `${n.nodeName}: could not register with EPMD; starting it again\n${message}\n`,
      );
      await n.process?.stop(5000);
      await rename(outFile(n), `${outFile(n)}.first`).catch(() => undefined);
      launch(n);
      await ready(n, until);
    }
  }

  /** Resolves when node `n` serves KV (before `until`); rejects early if its process ends. */
  async function ready(n: NodeState, until: number): Promise<void> {
    const proc = n.process;
    if (!proc) throw new Error(`${n.nodeName} is not started`);
    const exited = proc.exited.then((e) => {
      throw new Error(
        `${n.nodeName} exited (code ${e.code}, signal ${e.signal}) before it was ready; its output ends:\n${tail(outFile(n), 30)}`,
      );
    });
    exited.catch(() => undefined);
    // `riak admin wait-for-service` polls by itself until the service is up.
    let waiter: ProcessGroup | undefined;
    const up = new Promise<void>((resolve) => {
      waiter = new ProcessGroup(riak(n), ['admin', 'wait-for-service', 'riak_kv'], {
        cwd: rel(n),
        env,
        onStdoutLine: (l) => {
          if (/riak_kv is up/.test(l)) resolve();
        },
      });
    });
    const timeout = new Promise<never>((_, reject) => {
      const t = setTimeout(
        () =>
          reject(
            new Error(
              `${n.nodeName} did not serve riak_kv in time; its output ends:\n${tail(outFile(n), 30)}`,
            ),
          ),
        leftUntil(until),
      );
      void up.finally(() => clearTimeout(t));
      void exited.catch(() => clearTimeout(t));
    });
    try {
      await Promise.race([up, exited, timeout]);
    } finally {
      await waiter?.stop(0);
    }
    await Promise.race([
      exited,
      waitFor(
        async () => {
          const res = await fetch(`http://${n.host}:${n.httpPort}/ping`, {
            signal: AbortSignal.timeout(2000),
          });
          await res.arrayBuffer();
          return res.status === 200;
        },
        { timeoutMs: leftUntil(until), intervalMs: 200, what: `HTTP /ping of ${n.nodeName}` },
      ),
    ]);
    await Promise.race([
      exited,
      waitFor(
        async () => {
          const c = await RiakPbClient.connect(n.pbPort, n.host, 2000);
          try {
            await c.ping();
            return true;
          } finally {
            c.close();
          }
        },
        { timeoutMs: leftUntil(until), intervalMs: 200, what: `PB ping of ${n.nodeName}` },
      ),
    ]);
  }

  async function adminOk(i: number, args: string[], expect?: RegExp): Promise<string> {
    const r = await admin(i, ...args);
    if (r.code !== 0 || (expect && !expect.test(r.out)))
      throw new Error(`riak admin ${args.join(' ')} on ${nodes[i].nodeName}: ${r.out}`);
    return r.out;
  }

  async function joinCluster(): Promise<void> {
    if (count === 1) return;
    // One join at a time: each stages a change on the first node's ring.
    for (const n of nodes.slice(1))
      await adminOk(n.index, ['cluster', 'join', nodes[0].nodeName], /Success/);
    await waitFor(
      async () => {
        const plan = await admin(0, 'cluster', 'plan');
        if (/no staged changes/.test(plan.out)) return true;
        const commit = await admin(0, 'cluster', 'commit');
        return commit.code === 0 && /Cluster changes committed/.test(commit.out);
      },
      { timeoutMs: left(), intervalMs: 1000, what: 'the joins to be committed' },
    );
    await waitFor(
      async () => {
        const members = await admin(0, 'member-status');
        const valid = /Valid:(\d+)/.exec(members.out);
        return valid !== null && Number(valid[1]) === count;
      },
      { timeoutMs: left(), intervalMs: 1000, what: `${count} valid members` },
    );
  }

  async function settled(timeoutMs = left()): Promise<void> {
    await waitFor(
      async () => {
        const ring = await admin(0, 'ringready');
        if (!/^TRUE/m.test(ring.out)) return false;
        const transfers = await admin(0, 'transfers');
        if (!/No transfers active/.test(transfers.out)) return false;
        // No ownership change pending either: every member's Pending column is `--`.
        const members = await admin(0, 'member-status');
        const rows = members.out.split('\n').filter((l) => /^valid\s/.test(l));
        return rows.length === count && rows.every((l) => /^valid\s+\S+%\s+--\s/.test(l));
      },
      {
        timeoutMs,
        intervalMs: 1000,
        what: 'ringready TRUE, no transfers active and no pending ownership',
      },
    );
  }

  async function stopAll(): Promise<void> {
    if (stopped) return;
    stopped = true;
    await Promise.all(nodes.map((n) => n.process?.stop(10000) ?? Promise.resolve()));
    await epmd?.stop(2000);
    // What a node left behind (its port programs run in sessions of their own), then any epmd
    // that something started on the private port after all.
    await waitFor(() => processesUnder(dir).length === 0, {
      timeoutMs: 5000,
      what: 'the nodes’ processes to end',
    }).catch(() => killProcessesUnder(dir));
    for (const pid of listenersOn(epmdPort)) {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        // Gone already.
      }
    }
    await waitFor(() => processesUnder(dir).length === 0 && listenersOn(epmdPort).length === 0, {
      timeoutMs: 5000,
      what: `nothing left running in ${dir} or on port ${epmdPort}`,
    });
    await rm(dir, { recursive: true, force: true });
  }

  try {
    await Promise.all(nodes.map(configure));
    const unpackMs = Date.now() - t0;
    const epmdBin = readdirSync(rel(nodes[0]))
      .filter((e) => e.startsWith('erts-'))
      .map((e) => join(rel(nodes[0]), e, 'bin', 'epmd'))
      .find((p) => existsSync(p));
    if (!epmdBin) throw new Error(`no erts-*/bin/epmd in ${pkg}`);
    epmd = new ProcessGroup(epmdBin, ['-port', String(epmdPort), '-address', HOST], {
      cwd: dir,
      stdoutFile: join(dir, 'epmd.out'),
      stderrFile: join(dir, 'epmd.out'),
    });
    await waitFor(
      () => {
        if (!epmd?.running) throw new Error(`epmd exited: ${tail(join(dir, 'epmd.out'), 5)}`);
        return listenersOn(epmdPort).length > 0;
      },
      { timeoutMs: 5000, intervalMs: 20, what: `epmd on port ${epmdPort}` },
    );
    const t1 = Date.now();
    for (const n of nodes) launch(n);
    await Promise.all(nodes.map((n) => firstStart(n, deadline)));
    const t2 = Date.now();
    await joinCluster();
    await settled();
    const t3 = Date.now();
    const timings = {
      unpackMs,
      nodesReadyMs: t2 - t1,
      clusterReadyMs: t3 - t2,
      totalMs: t3 - t0,
    };

    return {
      nodes,
      epmdPort,
      cookie,
      dir,
      timings,
      admin,
      settled: (timeoutMs = 120000) => settled(timeoutMs),
      logTail: (i, lines = 30) => tail(outFile(nodes[i]), lines),
      async kill(i) {
        const n = nodes[i];
        const pid = n.process?.pid;
        n.process?.signal('SIGKILL');
        await n.process?.exited;
        await waitFor(
          () => (pid === undefined || !isAlive(pid)) && processesUnder(n.dir).length === 0,
          { timeoutMs: 10000, what: `${n.nodeName} to be gone` },
        );
      },
      async restart(i) {
        const n = nodes[i];
        if (n.process?.running) throw new Error(`${n.nodeName} is still running`);
        launch(n);
        await ready(n, Date.now() + 120000);
      },
      stop: stopAll,
    };
  } catch (err) {
    await stopAll().catch(() => undefined);
    throw err;
  }
}
