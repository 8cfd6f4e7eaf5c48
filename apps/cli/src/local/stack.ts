// Over 400 lines: the local system is one supervisor of one set of processes (ZooKeeper, local
// Mesos, the scheduler, the director), their credentials and its state file, started and stopped
// in order; split up, every part would need the others' private state.
import {
  chmodSync,
  copyFileSync,
  existsSync,
  mkdirSync,
  readFileSync,
  renameSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { createHash, randomBytes } from 'node:crypto';
import { createServer } from 'node:net';
import { userInfo } from 'node:os';
import { basename, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { z } from 'zod';
import type { FrameworkZkCredentials } from '@riak-mesos/framework-contract';
import {
  formatIssues,
  healthcheckViewSchema,
  nodeListAnswerSchema,
} from '@riak-mesos/framework-contract';
import {
  ProcessGroup,
  isAlive,
  killProcessesUnder,
  processesUnder,
  startupBeside,
} from '@riak-mesos/process';
import type { ZooKeeperProcess } from '@riak-mesos/zookeeper-server';
import { startZooKeeperServer } from '@riak-mesos/zookeeper-server';
import { parseAnswer } from '../answers';
import { CliError } from '../errors';
import { HttpClient } from '../http';
import { readFrameworkToken, schedulerZkAuth } from '../framework-token';
import type { Artifacts } from './artifacts';

export interface LocalOptions {
  workDir: string;
  agents: number;
  nodes: number;
  framework: string;
  cluster: string;
  zkPort: number;
  mesosPort: number;
  apiPort: number;
  pbPort: number;
  httpPort: number;
  directorApiPort: number;
  nodeCpus: number;
  nodeMem: number;
  nodeDisk: number;
  /** Which Riak the cluster runs: the real release (default) or riak-local. */
  riak: RiakKind;
  /**
   * For upgrade drills: more names for the package the cluster runs, each a catalogue entry of
   * its own (the same release under a second name), so `cluster upgrade` has somewhere to go.
   */
  riakAliases: string[];
  /** How long each wait (registration, cluster ready, director healthy) may take. */
  timeoutMs: number;
}

export interface LocalEndpoints {
  zookeeper: string;
  mesos: string;
  scheduler: string;
  explorer: string;
  directorPb: string;
  directorHttp: string;
  directorApi: string;
}

/** `<work-dir>/local.json`: who runs the system, what it started, and where it answers. */
export interface LocalState {
  pid: number;
  startedAt: string;
  ready: boolean;
  failed?: string;
  components: Record<string, number>;
  endpoints?: LocalEndpoints;
  /**
   * The APIs' tokens (docs/security.md): the scheduler's (made by it, read from ZooKeeper) and
   * the director's (made by `local up`). The file is readable by its owner only.
   */
  tokens?: { scheduler?: string; director?: string };
  /**
   * The framework's ZooKeeper credentials (docs/security.md, "ZooKeeper"), made at random by
   * `local up`; also in `zk-auth.json` (the scheduler's) and `director-zk-auth` beside it, all
   * readable by their owner only.
   */
  zkAuth?: FrameworkZkCredentials;
}

/** Three random ZooKeeper identities for the local system. */
export function makeZkCredentials(): FrameworkZkCredentials {
  const secret = () => randomBytes(24).toString('base64url');
  return {
    scheduler: `riak-mesos-scheduler:${secret()}`,
    node: `riak-mesos-node:${secret()}`,
    director: `riak-mesos-director:${secret()}`,
  };
}

/** What the stack tells the person waiting: one step at a time. */
export interface Progress {
  step<T>(what: string, fn: () => Promise<T>): Promise<T>;
  warn(message: string): void;
}

/** The Riak versions the local scheduler offers, by the kind `local up --riak` names. */
export const RIAK_KINDS = ['real', 'local'] as const;
export type RiakKind = (typeof RIAK_KINDS)[number];
export const RIAK_VERSION_OF: Record<RiakKind, string> = {
  real: 'riak-kv-3.2',
  local: 'riak-local',
};
/**
 * The local cluster's advanced.config: Riak hands a vnode off only after it has been idle for
 * `vnode_inactivity_timeout` (60 s by default), which makes joins and leaves take minutes on one
 * machine. Locally they take seconds; production clusters keep Riak's defaults.
 */
export const LOCAL_ADVANCED_CONFIG = `%% The local system's cluster: handoff within seconds (riak-mesos local up).
[{riak_core, [{vnode_inactivity_timeout, 2000},
              {vnode_management_timer, 1000},
              {handoff_concurrency, 4}]}].
`;
const NO_REAL_RIAK =
  "no real Riak package: run 'npm run setup' (it provides one in .cache/riak/), set RIAK_PACKAGE to a root/riak/… tarball, or use '--riak local' for the development node";

export function statePath(workDir: string): string {
  return join(workDir, 'local.json');
}

export function readState(workDir: string): LocalState | undefined {
  try {
    return JSON.parse(readFileSync(statePath(workDir), 'utf8')) as LocalState;
  } catch {
    return undefined;
  }
}

function writeState(workDir: string, state: LocalState): void {
  const tmp = `${statePath(workDir)}.tmp`;
  writeFileSync(tmp, JSON.stringify(state, null, 2), { mode: 0o600 });
  renameSync(tmp, statePath(workDir));
}

function portFree(port: number, host = '127.0.0.1'): Promise<boolean> {
  return new Promise((resolve) => {
    const s = createServer();
    s.once('error', () => resolve(false));
    s.listen(port, host, () => s.close(() => resolve(true)));
  });
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function sha256Of(file: string): string {
  return createHash('sha256').update(readFileSync(file)).digest('hex');
}

async function poll<T>(
  what: string,
  timeoutMs: number,
  check: () => Promise<T | undefined>,
  alive?: () => string | undefined,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let lastError = '';
  for (;;) {
    const dead = alive?.();
    if (dead) throw new CliError(`${what}: ${dead}`);
    try {
      const v = await check();
      if (v !== undefined) return v;
    } catch (err) {
      lastError = (err as Error).message;
    }
    if (Date.now() > deadline)
      throw new CliError(
        `timed out after ${Math.round(timeoutMs / 1000)} s: ${what}${lastError ? ` (last error: ${lastError})` : ''}`,
      );
    await sleep(500);
  }
}

/** A JSON answer read with its schema: undefined while not there, an error when not that. */
async function getJson<S extends z.ZodType>(
  url: string,
  schema: S,
): Promise<z.output<S> | undefined> {
  const res = await fetch(url, { signal: AbortSignal.timeout(3000) });
  if (!res.ok) return undefined;
  const checked = schema.safeParse(await res.json());
  if (!checked.success)
    throw new Error(`unexpected answer from ${url}: ${formatIssues(checked.error, 'body')}`);
  return checked.data;
}

/** What `local up` reads of the Mesos master's `/master/state`. */
const masterStateSchema = z.object({
  slaves: z.array(z.unknown()).optional(),
  agents: z.array(z.unknown()).optional(),
});

interface Supervised {
  name: string;
  group: ProcessGroup;
  restarts: number;
  stopping: boolean;
}

/**
 * The whole system on one machine: a real ZooKeeper, local Mesos with agents, the scheduler (kept
 * running like Marathon would), a Riak cluster of dev nodes and the director. Everything lives
 * under the work directory; `stop()` leaves nothing running.
 */
export class LocalStack {
  private zk: ZooKeeperProcess | undefined;
  private readonly supervised = new Map<string, Supervised>();
  private state: LocalState;
  private stopped = false;

  constructor(
    private readonly o: LocalOptions,
    private artifacts: Artifacts,
    private readonly progress: Progress,
  ) {
    this.state = {
      pid: process.pid,
      startedAt: new Date().toISOString(),
      ready: false,
      components: {},
    };
  }

  get endpoints(): LocalEndpoints {
    const h = '127.0.0.1';
    return {
      zookeeper: `${h}:${this.o.zkPort}`,
      mesos: `http://${h}:${this.o.mesosPort}`,
      scheduler: `http://${h}:${this.o.apiPort}`,
      explorer: `http://${h}:${this.o.apiPort}/explorer`,
      directorPb: `${h}:${this.o.pbPort}`,
      directorHttp: `http://${h}:${this.o.httpPort}`,
      directorApi: `http://${h}:${this.o.directorApiPort}`,
    };
  }

  /** Refuses to start over a running system or on ports in use; then clears the work directory. */
  async prepare(): Promise<void> {
    if (this.o.riak === 'real' && !this.artifacts.realRiakPackage) throw new CliError(NO_REAL_RIAK);
    const old = readState(this.o.workDir);
    if (old && old.pid !== process.pid && isAlive(old.pid))
      throw new CliError(
        `the local system is already running (pid ${old.pid}, work dir ${this.o.workDir}); stop it with 'riak-mesos local down'`,
      );
    const leftovers = existsSync(this.o.workDir) ? processesUnder(this.o.workDir) : [];
    if (leftovers.length > 0)
      throw new CliError(
        `processes from an earlier run are still running in ${this.o.workDir} (pids ${leftovers.join(', ')}); run 'riak-mesos local down' first`,
      );
    const ports: [string, number][] = [
      ['--zk-port', this.o.zkPort],
      ['--mesos-port', this.o.mesosPort],
      ['--api-port', this.o.apiPort],
      ['--pb-port', this.o.pbPort],
      ['--http-port', this.o.httpPort],
      ['--director-api-port', this.o.directorApiPort],
    ];
    const taken: string[] = [];
    for (const [flag, port] of ports) if (!(await portFree(port))) taken.push(`${port} (${flag})`);
    if (new Set(ports.map((p) => p[1])).size !== ports.length)
      throw new CliError('every port of the local system must be different');
    if (taken.length > 0)
      throw new CliError(`ports in use on 127.0.0.1: ${taken.join(', ')}; choose others`);
    rmSync(this.o.workDir, { recursive: true, force: true });
    mkdirSync(join(this.o.workDir, 'logs'), { recursive: true });
    this.snapshotPackages();
    this.makeZkAuth();
    writeState(this.o.workDir, this.state);
  }

  /** The scheduler's credentials file (all three) and the director's (its own). */
  private get zkAuthFiles(): { scheduler: string; director: string } {
    return {
      scheduler: join(this.o.workDir, 'zk-auth.json'),
      director: join(this.o.workDir, 'director-zk-auth'),
    };
  }

  /**
   * ZooKeeper ACLs on, with no flag: three random identities, written for the scheduler and the
   * director (mode 0600) and kept in the state file, where the CLI finds the scheduler's.
   */
  private makeZkAuth(): void {
    const credentials = makeZkCredentials();
    const files = this.zkAuthFiles;
    writeFileSync(files.scheduler, `${JSON.stringify(credentials)}\n`, { mode: 0o600 });
    chmodSync(files.scheduler, 0o600);
    writeFileSync(files.director, `${credentials.director}\n`, { mode: 0o600 });
    chmodSync(files.director, 0o600);
    this.state.zkAuth = credentials;
  }

  /**
   * The packages the system fetches are copied into the work directory when it starts: a rebuild
   * of dist/ while it runs (a developer's, or a test's) must not change what a relaunched node or
   * a restarted scheduler gets, and the scheduler checks each package's sha256 against the
   * catalogue it was started with.
   */
  private snapshotPackages(): void {
    const dir = join(this.o.workDir, 'packages');
    mkdirSync(dir, { recursive: true });
    const copy = (file: string) => {
      const to = join(dir, basename(file));
      copyFileSync(file, to);
      return to;
    };
    const a = this.artifacts;
    this.artifacts = {
      ...a,
      executorPackage: copy(a.executorPackage),
      riakPackage: copy(a.riakPackage),
      ...(a.realRiakPackage ? { realRiakPackage: copy(a.realRiakPackage) } : {}),
    };
  }

  private record(name: string, pid: number | undefined): void {
    if (pid === undefined) delete this.state.components[name];
    else this.state.components[name] = pid;
    writeState(this.o.workDir, this.state);
  }

  private spawn(name: string, script: string, args: string[]): Supervised {
    const log = join(this.o.workDir, 'logs', `${name}.log`);
    // The service's runtime-env.json beside its bundle, as its package's launcher applies it.
    const { env, nodeArgs } = startupBeside(
      script,
      { ...process.env, LOG_FORMAT: process.env.LOG_FORMAT ?? 'json' },
      (m) => this.progress.warn(m),
    );
    const group = new ProcessGroup(process.execPath, [...nodeArgs, script, ...args], {
      cwd: this.o.workDir,
      env,
      stdoutFile: log,
      stderrFile: log,
    });
    const s: Supervised = this.supervised.get(name) ?? {
      name,
      group,
      restarts: 0,
      stopping: false,
    };
    s.group = group;
    this.supervised.set(name, s);
    this.record(name, group.pid);
    void group.exited.then((exit) => {
      if (s.group !== group || s.stopping || this.stopped) return;
      const how = exit.signal ? `signal ${exit.signal}` : `exit status ${exit.code}`;
      if (!this.state.ready) return; // a failed start is reported by the step waiting for it
      s.restarts += 1;
      const delay = Math.min(30000, 1000 * 2 ** Math.min(s.restarts - 1, 5));
      this.progress.warn(
        `${name} stopped (${how}); restarting it in ${delay / 1000} s as Marathon would (log: ${log})`,
      );
      setTimeout(() => {
        if (!this.stopped && !s.stopping) this.spawn(name, script, args);
      }, delay).unref();
    });
    return s;
  }

  private deadCheck(name: string): () => string | undefined {
    return () => {
      const s = this.supervised.get(name);
      return s && !s.group.running
        ? `${name} exited; see ${join(this.o.workDir, 'logs', `${name}.log`)}`
        : undefined;
    };
  }

  /** The Riak version the cluster is created with. */
  get riakVersion(): string {
    return RIAK_VERSION_OF[this.o.riak];
  }

  /**
   * The scheduler's catalogue: the version the cluster runs first (the scheduler's default), the
   * other package when there is one, each with its sha256 (the scheduler checks local files), then
   * the aliases (`--riak-alias`): the package the cluster runs again under each other name.
   */
  private riakCatalogue(): {
    name: string;
    url: string;
    sha256: string;
    rootPath: string;
    flavour: string;
  }[] {
    const entry = (kind: RiakKind, file: string) => ({
      name: RIAK_VERSION_OF[kind],
      url: pathToFileURL(file).href,
      sha256: sha256Of(file),
      rootPath: 'root',
      flavour: kind === 'real' ? 'kv3' : 'riak-local',
    });
    const real = this.artifacts.realRiakPackage;
    const all = [
      ...(real ? [entry('real', real)] : []),
      entry('local', this.artifacts.riakPackage),
    ].sort((a, b) => Number(b.name === this.riakVersion) - Number(a.name === this.riakVersion));
    const runs = all[0];
    return [...all, ...this.o.riakAliases.map((name) => ({ ...runs, name }))];
  }

  private schedulerArgs(): string[] {
    const urls = { executor: pathToFileURL(this.artifacts.executorPackage).href };
    return [
      '--name',
      this.o.framework,
      '--master',
      this.endpoints.mesos,
      '--zk',
      this.endpoints.zookeeper,
      '--zk-auth-file',
      this.zkAuthFiles.scheduler,
      '--ip',
      '127.0.0.1',
      '--port',
      String(this.o.apiPort),
      '--hostname',
      '127.0.0.1',
      '--user',
      userInfo().username,
      '--role',
      'riak',
      '--failover-timeout',
      '3600',
      '--node-cpus',
      String(this.o.nodeCpus),
      '--node-mem',
      String(this.o.nodeMem),
      '--node-disk',
      String(this.o.nodeDisk),
      '--constraints',
      this.o.agents >= this.o.nodes ? '[["hostname","UNIQUE"]]' : '[]',
      '--resource-urls',
      JSON.stringify(urls),
      '--riak-versions',
      JSON.stringify(this.riakCatalogue()),
    ];
  }

  /** Starts everything, one step at a time, and records it in `local.json`. */
  async up(): Promise<LocalEndpoints> {
    const e = this.endpoints;
    const t = this.o.timeoutMs;
    try {
      await this.progress.step(`ZooKeeper on ${e.zookeeper}`, async () => {
        this.zk = await startZooKeeperServer({
          dir: join(this.o.workDir, 'zookeeper'),
          port: this.o.zkPort,
          detached: true,
          tickTimeMs: 500,
          startTimeoutMs: t,
        });
        this.record('zookeeper', this.zk.pid);
      });

      await this.progress.step(
        `local Mesos with ${this.o.agents} agents on ${e.mesos}`,
        async () => {
          this.spawn('mesos-local', this.artifacts.mesosLocal, [
            '--agents',
            String(this.o.agents),
            '--port',
            String(this.o.mesosPort),
            '--work-dir',
            join(this.o.workDir, 'mesos'),
          ]);
          await poll(
            'local Mesos to have its agents',
            t,
            async () => {
              const s = await getJson(`${e.mesos}/master/state`, masterStateSchema);
              const n = (s?.slaves ?? s?.agents ?? []).length;
              return n >= this.o.agents ? n : undefined;
            },
            this.deadCheck('mesos-local'),
          );
        },
      );

      await this.progress.step(`scheduler on ${e.scheduler}`, async () => {
        this.spawn('scheduler', this.artifacts.scheduler, this.schedulerArgs());
        await poll(
          'the scheduler to register with Mesos',
          t,
          async () => {
            const h = await getJson(`${e.scheduler}/healthcheck`, healthcheckViewSchema);
            return h?.registered && h.leader ? true : undefined;
          },
          this.deadCheck('scheduler'),
        );
      });

      // The scheduler made its API token at its first start, before its API answered.
      const token = await readFrameworkToken(
        e.zookeeper,
        this.o.framework,
        undefined,
        this.state.zkAuth ? schedulerZkAuth(this.state.zkAuth) : undefined,
      );
      if (!token)
        throw new CliError(
          'the scheduler keeps no API token in ZooKeeper; it should have made one at start',
        );
      this.state.tokens = { ...this.state.tokens, scheduler: token };
      writeState(this.o.workDir, this.state);
      const api = new HttpClient(`${e.scheduler}/api/v1`, 'scheduler', {
        authorization: `Bearer ${token}`,
      });
      const cluster = encodeURIComponent(this.o.cluster);
      await this.progress.step(
        `Riak cluster '${this.o.cluster}' of ${this.o.nodes} nodes (${this.riakVersion}${this.o.riak === 'real' ? ', real Riak' : ', development node'})`,
        async () => {
          await api.request('POST', `/clusters/${cluster}/create`, {
            riak_version: this.riakVersion,
          });
          if (this.o.riak === 'real')
            await api.request('PUT', `/clusters/${cluster}/advancedConfig`, LOCAL_ADVANCED_CONFIG);
          await api.request('POST', `/clusters/${cluster}/nodes`, { nodes: this.o.nodes });
          await poll(
            `${this.o.nodes} Riak nodes running and joined`,
            t,
            async () => {
              const path = `/clusters/${cluster}/nodes`;
              const { body: answer } = await api.request('GET', path);
              const body = parseAnswer(nodeListAnswerSchema, answer, `GET /api/v1${path}`);
              const wanted = body.nodes.filter((n) => n.wanted);
              return wanted.length === this.o.nodes &&
                wanted.every((n) => n.state === 'running' && n.member)
                ? true
                : undefined;
            },
            this.deadCheck('scheduler'),
          );
        },
      );

      await this.progress.step(
        `director on ${e.directorPb} (PB) and ${e.directorHttp}`,
        async () => {
          const directorToken = randomBytes(32).toString('base64url');
          const tokenFile = join(this.o.workDir, 'director-api-token');
          writeFileSync(tokenFile, `${directorToken}\n`, { mode: 0o600 });
          this.state.tokens = { ...this.state.tokens, director: directorToken };
          writeState(this.o.workDir, this.state);
          this.spawn('director', this.artifacts.director, [
            '--api-token-file',
            tokenFile,
            '--zk',
            e.zookeeper,
            '--zk-auth-file',
            this.zkAuthFiles.director,
            '--framework',
            this.o.framework,
            '--cluster',
            this.o.cluster,
            '--host',
            '127.0.0.1',
            '--pb-port',
            String(this.o.pbPort),
            '--http-port',
            String(this.o.httpPort),
            '--api-host',
            '127.0.0.1',
            '--api-port',
            String(this.o.directorApiPort),
          ]);
          await poll(
            'the director to have healthy Riak nodes',
            t,
            async () => {
              const res = await fetch(`${e.directorApi}/health`, {
                signal: AbortSignal.timeout(3000),
              });
              return res.ok ? true : undefined;
            },
            this.deadCheck('director'),
          );
        },
      );
    } catch (err) {
      this.state.failed = (err as Error).message;
      writeState(this.o.workDir, this.state);
      throw err;
    }
    this.state.ready = true;
    this.state.endpoints = e;
    writeState(this.o.workDir, this.state);
    return e;
  }

  /** Stops the director, scheduler, local Mesos (and with it every task) and ZooKeeper. */
  async stop(): Promise<{ leftovers: number }> {
    if (this.stopped) return { leftovers: 0 };
    this.stopped = true;
    for (const [name, grace] of [
      ['director', 5000],
      ['scheduler', 10000],
      ['mesos-local', 30000],
    ] as const) {
      const s = this.supervised.get(name);
      if (!s) continue;
      s.stopping = true;
      await this.progress.step(`stopping ${name}`, () => s.group.stop(grace));
      this.record(name, undefined);
    }
    if (this.zk) {
      const zk = this.zk;
      await this.progress.step('stopping ZooKeeper', () => zk.stop());
      this.record('zookeeper', undefined);
    }
    const leftovers = killProcessesUnder(this.o.workDir);
    // A failed start keeps its reason for `local status` and a detached `local up` to report.
    if (this.state.failed) writeState(this.o.workDir, this.state);
    else rmSync(statePath(this.o.workDir), { force: true });
    return { leftovers };
  }
}

/**
 * `local down` from another terminal: asks the running `local up` to stop (SIGTERM) and waits;
 * if it is gone, stops what it recorded and anything left in the work directory.
 */
export async function stopRunning(
  workDir: string,
  timeoutMs: number,
): Promise<{ wasRunning: boolean; leftovers: number }> {
  const state = readState(workDir);
  let wasRunning = false;
  if (state && isAlive(state.pid) && state.pid !== process.pid) {
    wasRunning = true;
    process.kill(state.pid, 'SIGTERM');
    const deadline = Date.now() + timeoutMs;
    while (isAlive(state.pid) && Date.now() < deadline) await sleep(200);
    if (isAlive(state.pid)) process.kill(state.pid, 'SIGKILL');
  }
  if (state)
    for (const pid of Object.values(state.components)) {
      if (!isAlive(pid)) continue;
      wasRunning = true;
      try {
        process.kill(-pid, 'SIGTERM');
      } catch {
        try {
          process.kill(pid, 'SIGTERM');
        } catch {
          // Gone.
        }
      }
    }
  if (state) await sleep(1000);
  // Whatever still runs in the work directory (tasks orphaned by a killed agent).
  const leftovers = killProcessesUnder(workDir);
  rmSync(statePath(workDir), { force: true });
  return { wasRunning: wasRunning || leftovers > 0, leftovers };
}
