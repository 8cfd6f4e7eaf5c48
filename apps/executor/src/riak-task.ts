/**
 * One Riak node's task, from launch to stop, and the framework messages it answers. Over 400
 * lines because it is one lifecycle over one set of resources (the release, Riak's process group,
 * the ZooKeeper session, the published node, the EPMD replacement): its steps share that state
 * and the order of stopping it, which is easier to keep right in one place.
 */
import { existsSync, mkdirSync, readFileSync, rmSync, symlinkSync } from 'node:fs';
import { join } from 'node:path';
import { getText } from './scheduler-http';
import { EpmdServer, ZkStore } from '@riak-mesos/epmd';
import type { TransportKind } from '@riak-mesos/epmd';
import type {
  ExecutorRejection,
  ExecutorReply,
  ExecutorRequest,
  LeaveResult,
  NodeViewName,
  StatusResult,
  ViewResult,
} from '@riak-mesos/framework-contract';
import {
  encodePublishedNode,
  parseExecutorRequest,
  splitZkCredential,
  statusResultSchema,
} from '@riak-mesos/framework-contract';
import type { Logger } from '@riak-mesos/logging';
import type { TaskID, TaskInfo, TaskState } from '@riak-mesos/mesos';
import { ProcessGroup, runCommand } from '@riak-mesos/process';
import { RiakPbClient } from '@riak-mesos/riak-pb';
import {
  applyAdvancedSettings,
  int,
  mergeAdvancedConfig,
  renderAdvancedConfig,
  renderRiakConf,
  str,
  templateSetsKey,
  tuple,
} from '@riak-mesos/riak-config';
import {
  NoNodeError,
  NodeExistsError,
  ZkClient,
  digestId,
  frameworkLayout,
  frameworkZkOptions,
  isValidName,
} from '@riak-mesos/zk';
import type { TaskData } from './task-data';
import { TaskDataError, parseTask } from './task-data';
import {
  adminOutcome,
  committed,
  cuttlefishErrors,
  parseMemberStatus,
  parseRingReady,
  serviceUp,
  transfersActive,
} from './riak-admin';
import type { Release } from './release';
import { probeRelease } from './release';
import { deliver } from './deliver';
import type { DistributionBinding } from './dist-interface';
import { distributionBinding } from './dist-interface';
import { privateDir, restrictTree, writePrivateFile } from './private-files';

export interface ExecutorSettings {
  sandbox: string;
  /** Directory holding riak_mesos_epmd.beam, when the package has it. */
  beamDir?: string;
  readyTimeoutMs: number;
  stopGraceMs: number;
  templateRetries: number;
  leaveTimeoutMs: number;
  /** Between unpublishing the node and stopping Riak, for the director to drain it. */
  drainMs: number;
  /** How long an answer to the scheduler is retried while the agent cannot take it. */
  replyTimeoutMs: number;
  zkSessionTimeoutMs: number;
  /** How the embedded EPMD replacement carries connections (default `auto`). */
  epmdTransport?: TransportKind;
}

export interface StatusSink {
  update(u: {
    task_id: TaskID;
    state: TaskState;
    message?: string;
    data?: Buffer;
  }): Promise<unknown>;
  message(data: Buffer): Promise<unknown>;
}

/** riak-admin commands behind the node views the scheduler's API serves. */
const VIEWS: Record<Exclude<NodeViewName, 'status'>, string[]> = {
  ringready: ['ringready'],
  transfers: ['transfers'],
  aae: ['aae-status'],
  types: ['bucket-type', 'list'],
};

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** How long a `finish` waits for its answer to go out before the node is stopped anyway. */
const FINISH_ANSWER_WAIT_MS = 10000;

export class StepError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'StepError';
  }
}

/** Riak refused what was asked (as opposed to failing): the answer says `refused: true`. */
export class RefusedError extends StepError {
  constructor(message: string) {
    super(message);
    this.name = 'RefusedError';
  }
}

/**
 * One Riak node's task: configure, start the EPMD replacement and Riak, wait until Riak answers,
 * publish the node, and stop everything it started on kill, shutdown, finish or failure.
 */
export class RiakTask {
  private data: TaskData | undefined;
  private epmdPort = 0;
  private clusterManagerPort: number | undefined;
  private release: Release | undefined;
  /** Where the distribution listener binds (the address of the node's name, when known). */
  private dist: DistributionBinding | undefined;
  private env: NodeJS.ProcessEnv | undefined;
  private zk: ZkClient | undefined;
  private epmd: EpmdServer | undefined;
  private riak: ProcessGroup | undefined;
  private published: string | undefined;
  /**
   * `leaving`: a leave was taken (the node is unpublished, then its leave committed and its data
   * handed off); `left`: the node is out of the ring (Riak stops by itself then).
   */
  private state: 'starting' | 'running' | 'leaving' | 'left' | 'stopping' | 'done' = 'starting';
  /** The leave in progress, until it is committed (shared by repeated leave requests). */
  private leaving: Promise<void> | undefined;
  /** Riak agreed to the leave: a clean exit of Riak from then on is the end of the leave. */
  private leaveCommitted = false;
  /** Watches for the end of the handoff while someone waits for it. */
  private leftWatch: Promise<void> | undefined;
  private terminal: Promise<void> | undefined;
  /** Resolves when the task has sent its last update. */
  readonly finished: Promise<void>;
  private finish!: () => void;

  constructor(
    readonly task: TaskInfo,
    private readonly settings: ExecutorSettings,
    private readonly sink: StatusSink,
    private readonly log: Logger,
  ) {
    this.finished = new Promise((r) => (this.finish = r));
  }

  private get riakRoot(): string {
    return join(this.settings.sandbox, this.data!.RiakRootPath, 'riak');
  }

  /** The shipped riak_mesos_epmd module's directory, when the package has it. */
  private get beamDir(): string | undefined {
    const beam = this.settings.beamDir;
    return beam && existsSync(join(beam, 'riak_mesos_epmd.beam')) ? beam : undefined;
  }

  /**
   * The environment of every Riak command: its EPMD port, and the EPMD module when shipped. An
   * Erlang release boots in embedded mode, which loads nothing outside its boot script, so the
   * node is started in interactive mode (relx's `CODE_LOADING_MODE`, which Riak's own start hook
   * also sets) for `-epmd_module` to find riak_mesos_epmd on `-pa`.
   */
  private get riakEnv(): NodeJS.ProcessEnv {
    if (this.env) return this.env;
    const env: NodeJS.ProcessEnv = { ...process.env, ERL_EPMD_PORT: String(this.epmdPort) };
    const beam = this.beamDir;
    if (beam) {
      env.ERL_FLAGS = [process.env.ERL_FLAGS, `-epmd_module riak_mesos_epmd -pa ${beam}`]
        .filter(Boolean)
        .join(' ');
      env.CODE_LOADING_MODE = 'interactive';
    }
    return (this.env = env);
  }

  /** `bin/riak` of the release, to completion. */
  private riakTool(args: string[], timeoutMs: number) {
    return runCommand(join(this.riakRoot, 'bin', 'riak'), args, {
      env: this.riakEnv,
      cwd: this.riakRoot,
      timeoutMs,
    });
  }

  private async update(state: TaskState, message?: string, data?: unknown): Promise<void> {
    this.log.info('task status', { task: this.task.task_id.value, state, message });
    await this.sink.update({
      task_id: this.task.task_id,
      state,
      ...(message ? { message } : {}),
      ...(data ? { data: Buffer.from(JSON.stringify(data)) } : {}),
    });
  }

  async launch(): Promise<void> {
    await this.update('TASK_STARTING');
    try {
      ({
        data: this.data,
        epmdPort: this.epmdPort,
        clusterManagerPort: this.clusterManagerPort,
      } = parseTask(this.task));
      await this.configure();
      await this.checkConfig();
      this.checkStarting();
      await this.startEpmd();
      if (this.state !== 'starting') {
        // Stopped while the EPMD replacement came up: the teardown has run already.
        await this.epmd?.stop().catch(() => undefined);
        await this.zk?.close().catch(() => undefined);
        return;
      }
      this.startRiak();
      await this.awaitReady();
      await this.publish();
      if (this.state !== 'starting') return;
      this.state = 'running';
      const d = this.data;
      await this.update('TASK_RUNNING', `Riak node ${d.FullyQualifiedNodeName} is up`, {
        RexPort: d.HTTPPort,
        NodeName: d.FullyQualifiedNodeName,
        Hostname: d.Host,
        HTTPPort: d.HTTPPort,
        PBPort: d.PBPort,
        DisterlPort: d.DisterlPort,
        HandoffPort: d.HandoffPort,
        EpmdPort: this.epmdPort,
      });
    } catch (err) {
      if (this.state !== 'starting') return;
      const reason =
        err instanceof TaskDataError || err instanceof StepError
          ? err.message
          : `unexpected error: ${(err as Error).message}`;
      this.log.error('launch failed', { task: this.task.task_id.value, reason });
      await this.stop('TASK_FAILED', reason);
    }
  }

  // ---- steps ----------------------------------------------------------------------------------

  private checkStarting(): void {
    if (this.state !== 'starting') throw new StepError('stopped while starting');
  }

  private async fetchTemplate(path: string): Promise<string | undefined> {
    const base = this.data!.URI.replace(/\/+$/, '');
    const url = `${base}/api/v1/clusters/${encodeURIComponent(this.data!.ClusterName)}/${path}`;
    let last = '';
    for (let attempt = 0; attempt <= this.settings.templateRetries; attempt++) {
      if (attempt > 0) await sleep(Math.min(5000, 500 * 2 ** (attempt - 1)));
      try {
        const credential = this.data!.ApiCredential;
        const ca = this.data!.SchedulerCA;
        const res = await getText(url, {
          timeoutMs: 5000,
          ...(credential ? { headers: { authorization: `Bearer ${credential}` } } : {}),
          ...(ca ? { ca } : {}),
        });
        if (res.status === 404) return undefined;
        if (res.status >= 200 && res.status < 300) return res.body;
        last = `HTTP ${res.status}`;
        if (res.status < 500) break;
      } catch (err) {
        const e = err as { code?: string; message?: string; errors?: { code?: string }[] };
        last = e.code ?? e.errors?.[0]?.code ?? e.message ?? String(err);
      }
    }
    throw new StepError(`cannot fetch ${path} template from the scheduler at ${url}: ${last}`);
  }

  private async configure(): Promise<void> {
    const d = this.data!;
    const root = this.riakRoot;
    if (!existsSync(join(root, 'bin', 'riak')))
      throw new StepError(
        `no Riak release at ${join(d.RiakRootPath, 'riak')} in the sandbox (bin/riak missing)`,
      );
    const release = (this.release = probeRelease(root));
    if (release.hasRepl && this.clusterManagerPort === undefined)
      throw new StepError(
        'the task has no port left for the replication cluster manager (it needs a sixth port)',
      );
    const clusterManager = release.hasRepl ? `${d.Host}:${this.clusterManagerPort}` : undefined;
    const volume = join(this.settings.sandbox, d.PersistentPath);
    if (!existsSync(volume))
      throw new StepError(`the persistent volume ${d.PersistentPath} is not in the sandbox`);
    const dataDir = join(volume, 'riak');
    mkdirSync(dataDir, { recursive: true });
    const [conf, advanced] = await Promise.all([
      this.fetchTemplate('config'),
      this.fetchTemplate('advancedConfig'),
    ]);
    const etc = join(root, 'etc');
    mkdirSync(etc, { recursive: true });
    const confFile = join(etc, 'riak.conf');
    const vars = {
      fullyqualifiednodename: d.FullyQualifiedNodeName,
      nodename: d.FullyQualifiedNodeName,
      host: d.Host,
      bindaddress: d.Host,
      httpport: d.HTTPPort,
      pbport: d.PBPort,
      handoffport: d.HandoffPort,
      disterlport: d.DisterlPort,
      epmdport: this.epmdPort,
      cepmdport: this.epmdPort,
      data_dir: dataDir,
      clustername: d.ClusterName,
      frameworkname: d.FrameworkName,
      zookeepers: d.Zookeepers.join(','),
      uri: d.URI,
      riakrootpath: d.RiakRootPath,
      cookie: d.Cookie,
    };
    const template = conf ?? (existsSync(confFile) ? readFileSync(confFile, 'utf8') : '');
    this.dist = await distributionBinding(d.Host);
    try {
      // Only the task's user reads the files that carry the cookie (riak.conf, vm.args).
      writePrivateFile(
        confFile,
        renderRiakConf(template, vars, {
          nodename: d.FullyQualifiedNodeName,
          dataDir,
          bindAddress: d.Host,
          httpPort: d.HTTPPort,
          pbPort: d.PBPort,
          handoffPort: d.HandoffPort,
          disterlPort: d.DisterlPort,
          // A cookie the cluster's own riak.conf sets is the operator's choice, the same on every
          // node of the cluster; otherwise the framework's per-cluster cookie.
          cookie:
            conf !== undefined && templateSetsKey(conf, 'distributed_cookie')
              ? undefined
              : d.Cookie,
          ...(clusterManager ? { clusterManager } : {}),
        }),
      );
      this.writeAdvancedConfig(advanced, vars, dataDir);
    } catch (err) {
      throw new StepError(`cannot render the Riak configuration: ${(err as Error).message}`);
    }
    this.log.info('configured', {
      riakConf: confFile,
      dataDir,
      customTemplate: conf !== undefined,
      start: release.start,
      clusterManager,
      distributionAddress: this.dist.address ?? 'every interface',
      distributionBindingReason: this.dist.reason,
    });
  }

  /**
   * advanced.config: the cluster's template over the package's own file, with what the framework
   * controls on top. For an Erlang release, cuttlefish merges `vm_args` into the generated vm.args:
   * `-start_epmd false` there is what stops the release's scripts (nodetool) from starting a stock
   * `epmd -daemon` at the node's EPMD port, and `-epmd_module` makes its admin commands resolve
   * peers as the node does. riak_core's `cluster_mgr` wins over riak.conf, so it is set here too.
   */
  private writeAdvancedConfig(
    template: string | undefined,
    vars: Record<string, unknown>,
    dataDir: string,
  ): void {
    const d = this.data!;
    const release = this.release!;
    const file = join(this.riakRoot, 'etc', 'advanced.config');
    const own = existsSync(file) ? readFileSync(file, 'utf8') : undefined;
    const rendered =
      template !== undefined
        ? renderAdvancedConfig(template, vars as Parameters<typeof renderAdvancedConfig>[1])
        : undefined;
    // The template's settings over the package's own file, which holds settings the node cannot
    // start without (Riak 3.x: riak_core's schema_dirs).
    const text =
      rendered !== undefined && own !== undefined
        ? mergeAdvancedConfig(own, rendered)
        : (rendered ?? own);
    if (!release.erts && !release.hasRepl) {
      if (text !== undefined) writePrivateFile(file, text);
      return;
    }
    const vmArgs: [string, string][] = release.erts ? [['-start_epmd', 'false']] : [];
    if (release.erts && this.beamDir) vmArgs.push(['-epmd_module', 'riak_mesos_epmd']);
    // Replication's data root wins in advanced.config too; the package's says ./data, which is
    // the sandbox, not the persistent volume.
    const set = release.hasRepl
      ? [
          {
            app: 'riak_core',
            key: 'cluster_mgr',
            value: tuple(str(d.Host), int(this.clusterManagerPort!)),
          },
          { app: 'riak_repl', key: 'data_root', value: str(join(dataDir, 'riak_repl')) },
        ]
      : [];
    // The distribution listens on the address of the node's name only (it wins over riak.conf's
    // erlang.distribution.interface); riak.conf has no such setting in every release.
    const ip = this.dist?.address;
    if (release.erts && ip)
      set.push({
        app: 'kernel',
        key: 'inet_dist_use_interface',
        value: tuple(...ip.split('.').map((x) => int(Number(x)))),
      });
    writePrivateFile(
      file,
      applyAdvancedSettings(
        text ?? '[].',
        { vmArgs, set },
        "%% Written by the Riak Mesos Framework executor for this node; vm_args and cluster_mgr are\n%% the framework's. The cluster's advanced.config template is where changes belong.\n",
      ),
    );
  }

  /**
   * The release's own configuration checker on the rendered files, before anything starts.
   *
   * A KV 3.x release (relx scripts) checks with cuttlefish, which is run directly: `riak
   * chkconfig` loses cuttlefish's messages on failure, and in a fresh sandbox any script command
   * first boots a throw-away `-sname riak` VM to learn the host name, which starts a stock `epmd
   * -daemon` at the node's EPMD port. Cuttlefish's output is linked as the release's vm.args and
   * sys.config, as its start hook does, so that every later script command reads this node's
   * name and `-start_epmd false`. Other releases run `riak chkconfig` where they have it.
   */
  private async checkConfig(): Promise<void> {
    const release = this.release!;
    const root = this.riakRoot;
    if (release.cuttlefish && release.erts) {
      // Cuttlefish writes the cookie into vm.args there: a directory only the task's user enters.
      const generated = join(root, 'generated.conf');
      privateDir(generated);
      const cf = await runCommand(
        join(release.erts, 'bin', 'escript'),
        [
          release.cuttlefish.script,
          '-e',
          join(root, 'etc'),
          '-d',
          generated,
          '-s',
          release.cuttlefish.schemaDir,
          '-c',
          join(root, 'etc', 'riak.conf'),
        ],
        { env: this.riakEnv, cwd: root, timeoutMs: 60000 },
      );
      restrictTree(generated);
      const config = /-config\s+(\S+)/.exec(cf.out)?.[1];
      const vmArgs = /-vm_args\s+(\S+)/.exec(cf.out)?.[1];
      if (cf.code !== 0 || !config || !vmArgs) {
        const why = cuttlefishErrors(cf.out);
        throw new StepError(
          `Riak rejected the rendered configuration (cuttlefish): ${
            why.length ? why.join('; ') : cf.out.trim().split('\n').slice(-3).join(' ')
          }`,
        );
      }
      for (const [link, target] of [
        ['vm.args', vmArgs],
        ['sys.config', config],
      ]) {
        rmSync(join(root, link), { force: true });
        symlinkSync(target, join(root, link));
      }
      this.log.info('configuration checked', { checker: 'cuttlefish', vmArgs, config });
      return;
    }
    if (!release.chkconfig) return;
    const r = await this.riakTool(['chkconfig'], 60000);
    if (r.code !== 0 || !/config is OK/.test(r.out)) {
      const why = cuttlefishErrors(r.out);
      throw new StepError(
        `Riak rejected the rendered configuration (riak chkconfig): ${
          why.length ? why.join('; ') : r.out.trim().split('\n').slice(-3).join(' ')
        }`,
      );
    }
    this.log.info('configuration checked', { checker: 'riak chkconfig' });
  }

  private async startEpmd(): Promise<void> {
    const d = this.data!;
    // The node's ZooKeeper identity (docs/security.md, "ZooKeeper"): from the task data only; the
    // EPMD replacement runs in this process on this session, so it goes nowhere else.
    const auth = d.ZkAuth;
    const layout = frameworkLayout(d.FrameworkName);
    if (!auth)
      this.log.warn(
        'ZooKeeper is OPEN: the scheduler gave no ZooKeeper credentials, so this node registers and publishes itself where anyone who reaches ZooKeeper can change it',
        { root: layout.root },
      );
    try {
      this.zk = await ZkClient.connect({
        connect: d.Zookeepers.join(',') + d.ZookeeperChroot,
        sessionTimeoutMs: this.settings.zkSessionTimeoutMs,
        connectTimeoutMs: 15000,
        ...(auth
          ? frameworkZkOptions(layout, splitZkCredential(auth.node), {
              scheduler: auth.schedulerId,
              node: digestId(
                splitZkCredential(auth.node).user,
                splitZkCredential(auth.node).password,
              ),
              director: auth.directorId,
            })
          : {}),
      });
    } catch (err) {
      throw new StepError(
        `cannot reach ZooKeeper ${d.Zookeepers.join(',')}: ${(err as Error).message}`,
      );
    }
    const store = new ZkStore(this.zk, d.FrameworkName, d.Host, this.log);
    await this.awaitRegistrationFree(store);
    this.epmd = new EpmdServer({
      port: this.epmdPort,
      addresses: ['127.0.0.1'],
      store,
      logger: this.log,
      transport: this.settings.epmdTransport,
    });
    try {
      await this.epmd.start();
    } catch (err) {
      throw new StepError(
        `cannot start the EPMD replacement on 127.0.0.1:${this.epmdPort}: ${(err as Error).message}`,
      );
    }
  }

  /**
   * A relaunch after a killed executor finds the node's EPMD registration of the old ZooKeeper
   * session until that session expires; Riak would refuse to start with its name taken. Wait it
   * out. A registration is its owner's (the session that made it) and is not removed here, with one
   * exception the scheduler names: a node replacing one whose agent was lost takes over the
   * registration made on that agent's host (`ReplacesHost`). Any other one still held past the
   * wait belongs to a live node, perhaps on another host, and fails the launch.
   */
  private async awaitRegistrationFree(store: ZkStore): Promise<void> {
    const alive = this.data!.FullyQualifiedNodeName.split('@')[0];
    const deadline = Date.now() + 2 * this.settings.zkSessionTimeoutMs + 10000;
    let logged = false;
    for (;;) {
      const owner = await store.owner(alive);
      if (!owner) return;
      const replaced = this.data!.ReplacesHost;
      if (
        replaced !== undefined &&
        owner.host === replaced &&
        (await store.takeOver(alive, replaced))
      )
        continue;
      if (Date.now() > deadline)
        throw new StepError(
          `the Erlang name ${alive} is held in the EPMD registrations by a live node on ` +
            `${owner.host ?? 'an unknown host'} (ZooKeeper session ${owner.session}); it is not taken over`,
        );
      if (!logged) {
        this.log.info('waiting for the previous session to release the EPMD registration', {
          name: alive,
          ownerHost: owner.host,
          ownerSession: owner.session,
        });
        logged = true;
      }
      await sleep(500);
    }
  }

  private startRiak(): void {
    const root = this.riakRoot;
    const log = join(this.settings.sandbox, 'riak.log');
    this.riak = new ProcessGroup(join(root, 'bin', 'riak'), [this.release!.start], {
      cwd: root,
      env: this.riakEnv,
      stdoutFile: log,
      stderrFile: log,
    });
    const riak = this.riak;
    this.log.info('Riak started', { pid: riak.pid, log, command: this.release!.start });
    void riak.exited.then((exit) => {
      if (this.riak !== riak) return;
      const how = exit.signal ? `signal ${exit.signal}` : `exit status ${exit.code}`;
      if (this.state === 'running') {
        this.log.error('Riak exited', { how });
        void this.stop('TASK_FAILED', `Riak exited unexpectedly (${how}); see riak.log`);
      } else if (
        this.state === 'left' ||
        (this.state === 'leaving' && this.leaveCommitted && exit.code === 0)
      ) {
        // A node that has handed everything off shuts itself down: that is the leave's end.
        this.log.info('Riak stopped after leaving the cluster', { how });
        this.state = 'left';
      } else if (this.state === 'leaving') {
        // Not the clean shutdown of a node that has left: its handoff may not have finished.
        this.log.error('Riak exited while leaving the cluster', { how });
        void this.stop(
          'TASK_FAILED',
          `Riak exited while leaving the cluster (${how}), before it had left; see riak.log`,
        );
      }
    });
  }

  /**
   * An admin command (`riak-admin …` or `riak admin …`, as the release has it). A trailing
   * `error` line fails it whatever the exit status; the `ok`/`error` trailer is not in `out`.
   */
  private async admin(args: string[], timeoutMs = 60000): Promise<{ code: number; out: string }> {
    const { tool, prefix } = this.release!.admin;
    const r = await runCommand(join(this.riakRoot, 'bin', tool), [...prefix, ...args], {
      env: this.riakEnv,
      cwd: this.riakRoot,
      timeoutMs,
    });
    const { ok, text } = adminOutcome(r.out, r.code);
    return { code: ok ? 0 : r.code || 1, out: text };
  }

  /**
   * Ready means Riak serves requests, not only that the VM answers: `riak ping` says pong seconds
   * before riak_kv is up (requests then fail with all_nodes_down). So: ping, then
   * `wait-for-service riak_kv` (it prints `riak_kv is not up: []` every few seconds until it is;
   * each call is cut at 15 s, so a dead node is noticed), then a PB ping and an HTTP /ping on the
   * node's own listeners.
   */
  private async awaitReady(): Promise<void> {
    const deadline = Date.now() + this.settings.readyTimeoutMs;
    const riak = this.riak!;
    let waiting = 'riak ping';
    for (;;) {
      if (!riak.running) throw new StepError('Riak exited while starting; see riak.log');
      if (this.state !== 'starting') throw new StepError('stopped while starting');
      if (await this.readyProbe((what) => (waiting = what))) return;
      if (Date.now() > deadline)
        throw new StepError(
          `Riak was not ready within ${this.settings.readyTimeoutMs / 1000} s (waiting for ${waiting}); see riak.log`,
        );
      await sleep(1000);
    }
  }

  /** One pass of the readiness probes; `waiting` is told which one has not passed yet. */
  private async readyProbe(waiting: (what: string) => void): Promise<boolean> {
    const d = this.data!;
    waiting('riak ping');
    const ping = await this.riakTool(['ping'], 15000);
    if (ping.code !== 0 || !ping.out.includes('pong')) return false;
    waiting('riak_kv (wait-for-service)');
    const kv = await this.admin(['wait-for-service', 'riak_kv', d.FullyQualifiedNodeName], 15000);
    if (kv.code !== 0 || !serviceUp(kv.out, 'riak_kv')) return false;
    waiting(`a PB ping on ${d.Host}:${d.PBPort}`);
    try {
      const pb = await RiakPbClient.connect(d.PBPort, d.Host, 3000);
      try {
        await pb.ping();
      } finally {
        pb.close();
      }
    } catch {
      return false;
    }
    waiting(`HTTP /ping on ${d.Host}:${d.HTTPPort}`);
    try {
      const res = await fetch(`http://${d.Host}:${d.HTTPPort}/ping`, {
        signal: AbortSignal.timeout(3000),
      });
      return res.ok;
    } catch {
      return false;
    }
  }

  private async publish(): Promise<void> {
    const d = this.data!;
    const layout = frameworkLayout(d.FrameworkName);
    const path = layout.coordinatedNode(this.task.task_id.value);
    // The record the director reads (@riak-mesos/framework-contract), checked as it is encoded.
    let body: string;
    try {
      body = encodePublishedNode({
        FrameworkName: d.FrameworkName,
        ClusterName: d.ClusterName,
        NodeName: d.FullyQualifiedNodeName,
        DisterlPort: d.DisterlPort,
        PBPort: d.PBPort,
        HTTPPort: d.HTTPPort,
        Hostname: d.Host,
      });
    } catch (err) {
      throw new StepError(`cannot publish the node: ${(err as Error).message}`);
    }
    await this.zk!.ensurePath(layout.coordinatedNodes);
    // A node left by the previous executor's session vanishes when that session expires.
    const deadline = Date.now() + this.settings.zkSessionTimeoutMs + 10000;
    for (;;) {
      try {
        await this.zk!.createEphemeral(path, body);
        this.published = path;
        return;
      } catch (err) {
        // Anything but "it exists" fails the launch (it was retried at once, without end).
        if (!(err instanceof NodeExistsError))
          throw new StepError(
            `cannot publish the node at ${path} in ZooKeeper: ${(err as Error).message}`,
          );
        const stale = await this.zk!.exists(path);
        if (!stale) continue;
        if (Date.now() > deadline) {
          // Ours by name (the task id): the old session outlived the wait; replace it.
          await this.zk!.delete(path).catch(() => undefined);
          continue;
        }
        this.log.info('waiting for the previous session to release the published node', {
          path,
          error: (err as Error).message,
        });
        await sleep(1000);
      }
    }
  }

  // ---- stopping -------------------------------------------------------------------------------

  /**
   * Stops everything started, then sends `state`. Safe to call more than once. `maxDrainMs` caps
   * the drain where whoever stops the executor allows less time (the agent's grace period).
   */
  stop(state: TaskState, message?: string, opts: { maxDrainMs?: number } = {}): Promise<void> {
    this.terminal ??= (async () => {
      this.state = 'stopping';
      try {
        await this.teardown(opts.maxDrainMs);
      } catch (err) {
        this.log.error('stopping failed', { error: (err as Error).message });
      }
      this.state = 'done';
      await this.update(state, message).catch((err: Error) =>
        this.log.error('cannot send the last status update', { error: err.message }),
      );
      this.finish();
    })();
    return this.terminal;
  }

  /** Removes the published node, so that the director sends the node no new request. */
  private async unpublish(): Promise<boolean> {
    const path = this.published;
    if (!path || !this.zk) return false;
    this.published = undefined;
    try {
      await this.zk.delete(path);
    } catch (err) {
      if (!(err instanceof NoNodeError)) {
        // It goes with the ZooKeeper session when that is closed.
        this.log.warn('could not remove the published node', { error: (err as Error).message });
        return false;
      }
    }
    this.log.info('unpublished the node', { path });
    return true;
  }

  /**
   * The order of stopping a serving node: unpublish it, give the director a bounded time to finish
   * the requests it has sent (RIAK_MESOS_DRAIN), and only then stop Riak.
   */
  private async unpublishAndDrain(maxDrainMs = Infinity): Promise<void> {
    const unpublished = await this.unpublish();
    const drainMs = Math.max(0, Math.min(this.settings.drainMs, maxDrainMs));
    if (!unpublished || !this.riak?.running || drainMs === 0) return;
    this.log.info('draining before Riak stops', { drainMs });
    await sleep(drainMs);
  }

  private async teardown(maxDrainMs?: number): Promise<void> {
    await this.unpublishAndDrain(maxDrainMs);
    const riak = this.riak;
    if (riak?.running && this.data) {
      const stopped = await this.riakTool(['stop'], this.settings.stopGraceMs);
      this.log.info('riak stop', { code: stopped.code, out: stopped.out });
    }
    // Whatever is left of the node's process group goes, politely then by force.
    if (riak) await riak.stop(riak.running ? 5000 : 1000);
    await this.epmd?.stop().catch(() => undefined);
    await this.zk?.close().catch(() => undefined);
    this.log.info('stopped everything the task started');
  }

  // ---- framework messages ---------------------------------------------------------------------

  /**
   * Sends an answer, retried with backoff while the agent cannot take it (restarting, briefly
   * unreachable) for up to RIAK_MESOS_REPLY_TIMEOUT. Never throws; answers whether it went out.
   */
  private async send(reply: ExecutorReply | ExecutorRejection): Promise<boolean> {
    const data = Buffer.from(JSON.stringify(reply));
    const what = { id: reply.id, type: reply.type };
    const sent = await deliver(() => this.sink.message(data), {
      deadlineMs: this.settings.replyTimeoutMs,
      onRetry: (err, attempt, waitMs) =>
        this.log.warn('cannot send an answer to the scheduler yet; trying again', {
          ...what,
          attempt,
          waitMs,
          error: err.message,
        }),
    });
    if (!sent)
      this.log.error('gave up sending an answer to the scheduler', {
        ...what,
        afterMs: this.settings.replyTimeoutMs,
      });
    return sent;
  }

  /**
   * A framework message from the scheduler, parsed with the contract's schema
   * (@riak-mesos/framework-contract): a request that fails it is logged and answered with an
   * error naming the problem; the bare payload `finish` of the original is taken too.
   */
  async onMessage(raw: Buffer): Promise<void> {
    const parsed = parseExecutorRequest(raw);
    if (!parsed.ok) {
      this.log.warn('rejecting a framework message', {
        error: parsed.error,
        text: raw.toString('utf8').slice(0, 200),
      });
      await this.send(parsed.rejection);
      return;
    }
    const m = parsed.request;
    this.log.info('framework message', { id: m.id, type: m.type });
    if (m.type === 'finish') {
      // Answered before the node stops (the scheduler waits for it); an answer the agent cannot
      // take at once does not hold the stop up for long, and is still tried meanwhile.
      if (m.id !== undefined) {
        const answered = this.send({ version: 1, id: m.id, type: 'finish', ok: true });
        await Promise.race([answered, sleep(FINISH_ANSWER_WAIT_MS)]);
      }
      await this.stop('TASK_FINISHED', 'finished at the scheduler’s request');
      return;
    }
    try {
      await this.send(await this.answer(m));
    } catch (err) {
      this.log.warn('framework message failed', { type: m.type, error: (err as Error).message });
      await this.send({
        version: 1,
        id: m.id,
        type: m.type,
        ok: false,
        error: (err as Error).message,
        ...(err instanceof RefusedError ? { refused: true } : {}),
      });
    }
  }

  /** Does what a request asks and answers it; a failure throws (StepError, RefusedError). */
  private async answer(m: Exclude<ExecutorRequest, { type: 'finish' }>): Promise<ExecutorReply> {
    const head = { version: 1, id: m.id, ok: true } as const;
    switch (m.type) {
      case 'status':
        return {
          ...head,
          type: m.type,
          result:
            m.view && m.view !== 'status'
              ? await this.view(m.view, m.bucketType)
              : await this.status(),
        };
      case 'bucket-type':
        return { ...head, type: m.type, result: await this.bucketType(m.bucketType, m.props) };
      case 'join':
        await this.join(m.target);
        return { ...head, type: m.type, result: await this.status() };
      case 'leave':
        return { ...head, type: m.type, ...(await this.leave(m.wait ?? true)) };
      case 'remove': {
        // A member that is gone for good (its node is being replaced elsewhere).
        this.requireRunning();
        const members = parseMemberStatus((await this.admin(['member-status'])).out);
        const row = members.find((r) => r.name === m.target);
        if (row && row.status !== 'leaving') {
          // An unreachable member (it may be the claimant) is marked down first, so that the
          // others can plan and commit without it, and is then force-removed. Riak refuses
          // `down` for a node that is up: one whose agent Mesos lost but whose Riak still
          // answers its peers leaves instead, handing its partitions off (the claimant cannot be
          // force-removed anyway), and stops itself once it has.
          const down = await this.admin(['down', m.target]);
          const isDown = down.code === 0 && !/fail|error/i.test(down.out);
          this.log.info(isDown ? 'marked the member to remove as down' : 'the member is up', {
            target: m.target,
            out: down.out.trim().slice(0, 200),
          });
          const verb = isDown ? 'force-remove' : 'leave';
          const r = await this.admin(['cluster', verb, m.target]);
          if (r.code !== 0 || /^\s*(failed|error)/im.test(r.out))
            throw new StepError(`cluster ${verb} ${m.target} failed: ${r.out}`);
          await this.planAndCommit();
        }
        return { ...head, type: m.type, result: await this.status() };
      }
    }
  }

  private requireRunning(): void {
    if (this.state !== 'running') throw new StepError(`the node is not running (${this.state})`);
  }

  /** Riak answers: running, or leaving and still up (its views show the handoff). */
  private requireServing(): void {
    if (this.state === 'leaving' && this.riak?.running) return;
    this.requireRunning();
  }

  async status(): Promise<StatusResult> {
    this.requireServing();
    const [members, ready] = await Promise.all([
      this.admin(['member-status'], 30000),
      this.admin(['ringready'], 30000),
    ]);
    if (members.code !== 0) throw new StepError(`member-status failed: ${members.out}`);
    // The parser's rows, held to the reply's schema (member states are Riak's five).
    return statusResultSchema.parse({
      members: parseMemberStatus(members.out),
      ringReady: ready.code === 0 && parseRingReady(ready.out),
    });
  }

  /**
   * Creates a bucket type with `props` and activates it, or updates an existing one (activating
   * it if it was only created): `riak-admin bucket-type create|update|activate`. Activation waits
   * while Riak says the type cannot be activated yet (not every node has it). Answers the type's
   * status afterwards.
   */
  async bucketType(name: string, props: Record<string, unknown>): Promise<ViewResult> {
    this.requireRunning();
    // Checked by the request's schema already; it goes on riak-admin's command line.
    if (!isValidName(name)) throw new RefusedError(`invalid bucket type name '${String(name)}'`);
    const json = JSON.stringify({ props });
    const status = await this.admin(['bucket-type', 'status', name], 30000);
    const exists = status.code === 0;
    const r = await this.admin(['bucket-type', exists ? 'update' : 'create', name, json], 30000);
    if (r.code !== 0)
      throw new RefusedError(
        `riak-admin bucket-type ${exists ? 'update' : 'create'} ${name}: ${r.out.trim()}`,
      );
    const deadline = Date.now() + 30000;
    for (;;) {
      const now = await this.admin(['bucket-type', 'status', name], 30000);
      if (now.code === 0 && /^\S+ is active/.test(now.out)) break;
      const a = await this.admin(['bucket-type', 'activate', name], 30000);
      if (a.code === 0) break;
      if (Date.now() > deadline)
        throw new StepError(`riak-admin bucket-type activate ${name} failed: ${a.out.trim()}`);
      await sleep(1000);
    }
    return this.view('types', name);
  }

  /** One of Riak's own views, as riak-admin prints it (parsed where we know the format). */
  async view(name: Exclude<NodeViewName, 'status'>, bucketType?: string): Promise<ViewResult> {
    this.requireServing();
    let args = VIEWS[name];
    if (name === 'types' && bucketType !== undefined) {
      if (!isValidName(bucketType))
        throw new StepError(`invalid bucket type name '${String(bucketType)}'`);
      args = ['bucket-type', 'status', bucketType];
    }
    const r = await this.admin(args, 30000);
    if (r.code !== 0 && name !== 'ringready')
      throw new StepError(`riak-admin ${args.join(' ')} failed: ${r.out.split('\n').slice(-1)[0]}`);
    return {
      view: name,
      output: r.out,
      ...(name === 'ringready' ? { ringReady: r.code === 0 && parseRingReady(r.out) } : {}),
      ...(name === 'transfers' ? { active: transfersActive(r.out) } : {}),
    };
  }

  /** Stages, plans and commits; a plan changed by someone else's commit is planned again. */
  private async planAndCommit(): Promise<void> {
    for (let attempt = 0; ; attempt++) {
      const plan = await this.admin(['cluster', 'plan']);
      if (plan.code !== 0) throw new StepError(`cluster plan failed: ${plan.out}`);
      if (/no staged changes/i.test(plan.out)) return;
      const commit = await this.admin(['cluster', 'commit']);
      // A refused commit (the plan changed) says so, `ok` and exit 0 on KV 3.x.
      if (commit.code === 0 && committed(commit.out)) return;
      if (attempt >= 5) throw new StepError(`cluster commit failed: ${commit.out}`);
      await sleep(500 + Math.floor(Math.random() * 1000));
    }
  }

  private async join(target: string): Promise<void> {
    this.requireRunning();
    const self = this.data!.FullyQualifiedNodeName;
    const before = parseMemberStatus((await this.admin(['member-status'])).out);
    if (
      before.some((r) => r.name === target) &&
      before.some((r) => r.name === self && r.status === 'valid')
    )
      return; // already together
    const join = await this.admin(['cluster', 'join', target]);
    if (join.code !== 0 && !/already a member/i.test(join.out))
      throw new StepError(`cluster join ${target} failed: ${join.out}`);
    await this.planAndCommit();
  }

  /**
   * Takes the node out of the ring; safe to repeat. The first request unpublishes the node and
   * drains it (its Riak shuts itself down once it has handed its data off), then commits `cluster
   * leave`. A repeated request shares the leave in progress, or answers at once once the node has
   * left. `wait`: answer once the node has left, or as soon as the leave is committed.
   * RIAK_MESOS_LEAVE_TIMEOUT bounds a waiting answer only: the leave itself is never abandoned.
   */
  private async leave(wait: boolean): Promise<LeaveResult> {
    const already = this.state === 'leaving' || this.state === 'left';
    if (!already) {
      this.requireRunning();
      this.state = 'leaving';
      this.leaveCommitted = false;
      this.leaving = this.beginLeave();
    }
    await this.leaving;
    if (wait && this.state !== 'left') await this.awaitLeft();
    if (this.state !== 'leaving' && this.state !== 'left')
      throw new StepError(`the node is stopping (${this.state}); it left no later than that`);
    return { state: this.state, already };
  }

  private async beginLeave(): Promise<void> {
    try {
      await this.unpublishAndDrain();
      const leave = await this.admin(['cluster', 'leave']);
      if (leave.code !== 0 && !/already leaving/i.test(leave.out))
        throw new StepError(`cluster leave failed: ${leave.out}`);
      await this.planAndCommit();
    } catch (err) {
      if (this.state === 'leaving') {
        // Not leaving after all: the node serves again.
        this.state = 'running';
        await this.publish().catch((e: Error) =>
          this.log.warn('could not publish the node again', { error: e.message }),
        );
      }
      throw err;
    }
    this.leaveCommitted = true;
    this.log.info('leave committed; the node hands its data off');
  }

  /** Resolves once the node has left; throws past RIAK_MESOS_LEAVE_TIMEOUT or when stopped. */
  private async awaitLeft(): Promise<void> {
    if (!this.leftWatch) {
      const watch = this.watchLeft();
      const done = () => {
        if (this.leftWatch === watch) this.leftWatch = undefined;
      };
      watch.then(done, done);
      this.leftWatch = watch;
    }
    const seconds = this.settings.leaveTimeoutMs / 1000;
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () =>
          reject(
            new StepError(
              `the node is still leaving (handing its data off) after ${seconds} s; the leave goes on: ask again`,
            ),
          ),
        this.settings.leaveTimeoutMs,
      );
    });
    try {
      await Promise.race([this.leftWatch ?? Promise.resolve(), timeout]);
    } finally {
      clearTimeout(timer);
    }
  }

  /**
   * One watch for every waiting leave: `left` once the node is out of the ring with no transfer
   * going on, or once Riak has shut itself down after the committed leave (see startRiak).
   */
  private async watchLeft(): Promise<void> {
    const self = this.data!.FullyQualifiedNodeName;
    for (;;) {
      if (this.state === 'left') return;
      if (this.state !== 'leaving') throw new StepError(`stopped while leaving (${this.state})`);
      if (this.riak?.running) {
        const members = await this.admin(['member-status'], 15000);
        const transfers = await this.admin(['transfers'], 15000);
        if (
          this.state === 'leaving' &&
          members.code === 0 &&
          !parseMemberStatus(members.out).some((r) => r.name === self) &&
          !transfersActive(transfers.out)
        ) {
          this.log.info('the node has left the ring');
          this.state = 'left';
          return;
        }
      }
      await sleep(1000);
    }
  }
}
