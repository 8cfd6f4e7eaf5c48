import { randomUUID } from 'node:crypto';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import { createServer } from 'node:http';
import { mkdir, rm, symlink } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import type { Logger } from '@riak-mesos/logging';
import type {
  AgentInfo,
  Attribute,
  ExecutorCall,
  ExecutorEvent,
  ExecutorInfo,
  FrameworkInfo,
  Resource,
  TaskInfo,
  TaskStatus,
  TaskStatusReason,
  TaskState,
  WireFormat,
} from '@riak-mesos/mesos';
import {
  CONTENT_TYPES,
  MesosCodecError,
  TERMINAL_TASK_STATES,
  decodeExecutorCall,
  encodeExecutorEvent,
  encodeRecord,
  formatOfContentType,
  resources,
} from '@riak-mesos/mesos';
import { ProcessGroup, killProcessesUnder } from '@riak-mesos/process';
import { ensureLoopbackAddress } from './loopback';
import { fetchUris } from './fetcher';

/** What an agent tells the master (in-process: the agent-master protocol is not Mesos' public API). */
export interface MasterLink {
  statusUpdate(agent: Agent, frameworkId: string, status: TaskStatus): void;
  executorMessage(agent: Agent, frameworkId: string, executorId: string, data: Buffer): void;
  executorExited(
    agent: Agent,
    frameworkId: string,
    executorId: string,
    status: number | undefined,
  ): void;
  agentReregistered(agent: Agent, liveTasks: { frameworkId: string; taskId: string }[]): void;
}

export interface AgentOptions {
  id: string;
  /** Loopback address the agent (and its tasks) use, e.g. 127.0.0.2. */
  ip: string;
  port: number;
  workDir: string;
  resources: Resource[];
  attributes: Attribute[];
  logger: Logger;
  master: MasterLink;
  executorRegistrationTimeoutMs: number;
  executorReregisterTimeoutMs: number;
  statusRetryMs: number;
  executorShutdownGraceMs: number;
  /** Benchmarks: tasks are not run, only reported (see MesosLocalOptions.simulateTasks). */
  simulateTasks?: boolean;
}

interface ExecutorRun {
  frameworkId: string;
  executorId: string;
  info: ExecutorInfo | undefined;
  framework: FrameworkInfo;
  sandbox: string;
  process?: ProcessGroup;
  stream?: { res: ServerResponse; format: WireFormat };
  subscribed: boolean;
  tasks: Map<string, TaskInfo>;
  queued: TaskInfo[];
  registrationTimer?: NodeJS.Timeout;
  /** A command task run by the agent itself (no custom executor). */
  command?: TaskInfo;
  killed: Set<string>;
  shuttingDown: boolean;
  /** No process: the agent reports its tasks' states itself (simulateTasks). */
  simulated?: boolean;
}

interface StatusStream {
  frameworkId: string;
  taskId: string;
  pending: TaskStatus[];
  timer?: NodeJS.Timeout;
}

const key = (a: string, b: string) => `${a}\u0000${b}`;

/**
 * One local Mesos agent: its executor API on its own loopback address, executors and command
 * tasks as process groups in per-run sandboxes, the fetcher, persistent volumes outside the
 * sandboxes, and reliable status updates (retried until acknowledged).
 */
export class Agent {
  readonly id: string;
  readonly ip: string;
  port: number;
  readonly attributes: Attribute[];
  /** Total resources as reservations and volumes have transformed them. */
  resources: Resource[];
  up = false;
  private server: Server | undefined;
  private readonly executors = new Map<string, ExecutorRun>();
  private readonly streams = new Map<string, StatusStream>();
  private readonly log: Logger;

  constructor(private readonly o: AgentOptions) {
    this.id = o.id;
    this.ip = o.ip;
    this.port = o.port;
    this.attributes = o.attributes;
    this.resources = structuredClone(o.resources);
    this.log = o.logger.child({ agent: o.id });
  }

  get hostname(): string {
    return this.ip;
  }

  info(): AgentInfo {
    return {
      hostname: this.hostname,
      port: this.port,
      id: { value: this.id },
      resources: this.o.resources,
      attributes: this.attributes,
    };
  }

  volumePath(role: string, persistenceId: string): string {
    return join(this.o.workDir, 'volumes', this.id, role.replace(/\//g, ' '), persistenceId);
  }

  async start(): Promise<void> {
    if (this.up) return;
    // Simulated tasks bind nothing, so their address need not be on an interface.
    if (!this.o.simulateTasks) await ensureLoopbackAddress(this.ip, this.log);
    const server = createServer((req, res) => void this.handle(req, res));
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(this.port, this.ip, () => resolve());
    });
    this.port = (server.address() as { port: number }).port;
    this.server = server;
    this.up = true;
    this.log.info('agent up', { endpoint: `${this.ip}:${this.port}` });
  }

  /** Runs the agent's recovery after a restart: executors that re-subscribe in time keep their tasks. */
  async recover(): Promise<void> {
    const deadline = Date.now() + this.o.executorReregisterTimeoutMs;
    while (
      Date.now() < deadline &&
      [...this.executors.values()].some((e) => e.process?.running && !e.subscribed && !e.command)
    ) {
      await new Promise((r) => setTimeout(r, 50));
    }
    for (const run of [...this.executors.values()]) {
      if (run.command || run.subscribed || run.simulated) continue;
      this.log.warn('executor did not re-subscribe after the agent restarted; destroying it', {
        executor: run.executorId,
      });
      await this.destroyExecutor(
        run,
        'TASK_GONE',
        'REASON_EXECUTOR_REREGISTRATION_TIMEOUT',
        'executor did not re-register',
      );
    }
    const live = [...this.executors.values()].flatMap((e) =>
      [...e.tasks.keys()].map((taskId) => ({ frameworkId: e.frameworkId, taskId })),
    );
    this.o.master.agentReregistered(this, live);
    for (const s of this.streams.values()) this.forward(s);
  }

  /** Fault: the agent process stops. Checkpointing executors keep running; the others are killed. */
  async stop(): Promise<void> {
    if (!this.up) return;
    this.up = false;
    for (const s of this.streams.values()) clearTimeout(s.timer);
    for (const run of this.executors.values()) {
      run.stream?.res.destroy();
      run.stream = undefined;
      run.subscribed = false;
      if (!run.framework.checkpoint || run.command) {
        this.executors.delete(key(run.frameworkId, run.executorId));
        await run.process?.stop(this.o.executorShutdownGraceMs);
      }
    }
    this.server?.closeAllConnections();
    await new Promise<void>((r) => (this.server ? this.server.close(() => r()) : r()));
    this.server = undefined;
    this.log.warn('agent stopped');
  }

  /** Ends everything (mesos-local shutdown). */
  async destroy(): Promise<void> {
    await this.stop();
    await Promise.all(
      [...this.executors.values()].map((r) => r.process?.stop(1000) ?? Promise.resolve()),
    );
    this.executors.clear();
  }

  /** Resources used by tasks and executors on this agent. */
  used(): Resource[] {
    let used: Resource[] = [];
    for (const run of this.executors.values()) {
      if (run.info) used = resources.addResources(used, run.info.resources ?? []);
      for (const t of run.tasks.values()) used = resources.addResources(used, t.resources ?? []);
      for (const t of run.queued) used = resources.addResources(used, t.resources ?? []);
    }
    return used;
  }

  /** Persistence ids of volumes used by running tasks (DESTROY of those fails). */
  volumesInUse(): Set<string> {
    const ids = new Set<string>();
    for (const r of this.used()) if (r.disk?.persistence) ids.add(r.disk.persistence.id);
    return ids;
  }

  hasExecutor(frameworkId: string, executorId: string): boolean {
    return this.executors.has(key(frameworkId, executorId));
  }

  taskIds(frameworkId: string): string[] {
    return [...this.executors.values()]
      .filter((e) => e.frameworkId === frameworkId)
      .flatMap((e) => [...e.tasks.keys(), ...e.queued.map((t) => t.task_id.value)]);
  }

  // ---- operations from the master ----

  async createVolume(v: Resource): Promise<void> {
    const role = resources.reservationOf(v)?.role ?? '*';
    await mkdir(this.volumePath(role, v.disk!.persistence!.id), { recursive: true });
  }

  async destroyVolume(v: Resource): Promise<void> {
    const role = resources.reservationOf(v)?.role ?? '*';
    await rm(this.volumePath(role, v.disk!.persistence!.id), { recursive: true, force: true });
  }

  async launch(framework: FrameworkInfo, task: TaskInfo): Promise<void> {
    if (this.o.simulateTasks) {
      this.simulateLaunch(framework, task);
      return;
    }
    const frameworkId = framework.id!.value;
    const executorId = task.executor?.executor_id.value ?? task.task_id.value;
    const existing = this.executors.get(key(frameworkId, executorId));
    if (existing && task.executor) {
      existing.queued.push(task);
      this.deliverQueued(existing);
      return;
    }
    const sandbox = join(
      this.o.workDir,
      'agents',
      this.id,
      'frameworks',
      frameworkId,
      'executors',
      executorId,
      'runs',
      randomUUID(),
    );
    const run: ExecutorRun = {
      frameworkId,
      executorId,
      info: task.executor,
      framework,
      sandbox,
      subscribed: false,
      tasks: new Map(),
      queued: [],
      killed: new Set(),
      shuttingDown: false,
      ...(task.executor ? {} : { command: task }),
    };
    if (task.executor) run.queued.push(task);
    else run.tasks.set(task.task_id.value, task);
    this.executors.set(key(frameworkId, executorId), run);
    try {
      const command = task.executor?.command ?? task.command;
      if (!command) throw new Error('neither an executor command nor a task command');
      await fetchUris(command.uris ?? [], sandbox);
      for (const r of [...(task.executor?.resources ?? []), ...(task.resources ?? [])]) {
        const p = r.disk?.persistence;
        const path = r.disk?.volume?.container_path;
        if (!p || !path) continue;
        if (path.startsWith('/') || path.split('/').includes('..'))
          throw new Error(`volume container_path '${path}' must stay inside the sandbox`);
        const target = this.volumePath(resources.reservationOf(r)?.role ?? '*', p.id);
        await mkdir(target, { recursive: true });
        await mkdir(dirname(join(sandbox, path)), { recursive: true });
        await symlink(target, join(sandbox, path));
      }
      const env: NodeJS.ProcessEnv = {
        ...process.env,
        MESOS_AGENT_ENDPOINT: `${this.ip}:${this.port}`,
        MESOS_FRAMEWORK_ID: frameworkId,
        MESOS_EXECUTOR_ID: executorId,
        MESOS_DIRECTORY: sandbox,
        MESOS_SANDBOX: sandbox,
        MESOS_AGENT_ID: this.id,
        MESOS_SLAVE_ID: this.id,
        MESOS_CHECKPOINT: framework.checkpoint ? '1' : '0',
        MESOS_RECOVERY_TIMEOUT: '15mins',
        MESOS_SUBSCRIPTION_BACKOFF_MAX: '1secs',
        MESOS_EXECUTOR_SHUTDOWN_GRACE_PERIOD: `${Math.round(this.o.executorShutdownGraceMs / 1000)}secs`,
        LIBPROCESS_IP: this.ip,
        HOST: this.ip,
      };
      for (const v of command.environment?.variables ?? [])
        if (v.value !== undefined) env[v.name] = v.value;
      const shell = command.shell ?? true;
      run.process = new ProcessGroup(
        command.value ?? '',
        shell ? [] : (command.arguments ?? []).slice(1),
        {
          shell,
          cwd: sandbox,
          env,
          stdoutFile: join(sandbox, 'stdout'),
          stderrFile: join(sandbox, 'stderr'),
        },
      );
      const proc = run.process;
      void proc.exited.then((exit) =>
        this.onExit(run, exit.code ?? (exit.signal ? 128 : 1), exit.signal),
      );
      if (run.command) {
        this.update(frameworkId, {
          task_id: task.task_id,
          state: 'TASK_RUNNING',
          source: 'SOURCE_EXECUTOR',
          executor_id: { value: executorId },
        });
      } else {
        run.registrationTimer = setTimeout(() => {
          if (run.subscribed) return;
          this.log.warn('executor did not subscribe in time', { executor: executorId });
          void this.destroyExecutor(
            run,
            'TASK_FAILED',
            'REASON_EXECUTOR_REGISTRATION_TIMEOUT',
            'executor did not register in time',
          );
        }, this.o.executorRegistrationTimeoutMs);
        run.registrationTimer.unref();
      }
      this.log.info('launched', {
        framework: frameworkId,
        executor: executorId,
        task: task.task_id.value,
        sandbox,
      });
    } catch (err) {
      this.log.warn('launch failed', { task: task.task_id.value, error: (err as Error).message });
      this.executors.delete(key(frameworkId, executorId));
      await run.process?.stop(1000);
      for (const t of [...run.queued, ...run.tasks.values()]) {
        this.update(frameworkId, {
          task_id: t.task_id,
          state: 'TASK_FAILED',
          source: 'SOURCE_AGENT',
          reason: 'REASON_CONTAINER_LAUNCH_FAILED',
          message: `launch failed: ${(err as Error).message}`,
          executor_id: { value: executorId },
        });
      }
    }
  }

  /**
   * simulateTasks: the task counts as running on its executor (its resources are used) without
   * any process or fetch; TASK_STARTING and TASK_RUNNING are reported as its executor would.
   */
  private simulateLaunch(framework: FrameworkInfo, task: TaskInfo): void {
    const frameworkId = framework.id!.value;
    const executorId = task.executor?.executor_id.value ?? task.task_id.value;
    let run = this.executors.get(key(frameworkId, executorId));
    if (!run) {
      run = {
        frameworkId,
        executorId,
        info: task.executor,
        framework,
        sandbox: '',
        subscribed: false,
        tasks: new Map(),
        queued: [],
        killed: new Set(),
        shuttingDown: false,
        simulated: true,
      };
      this.executors.set(key(frameworkId, executorId), run);
    }
    run.tasks.set(task.task_id.value, task);
    for (const state of ['TASK_STARTING', 'TASK_RUNNING'] as const)
      this.update(frameworkId, {
        task_id: task.task_id,
        state,
        source: 'SOURCE_EXECUTOR',
        executor_id: { value: executorId },
      });
    this.log.debug('simulated task running', { framework: frameworkId, task: task.task_id.value });
  }

  /** simulateTasks: a killed task is reported killed; an executor left without tasks ends. */
  private simulateKill(run: ExecutorRun, taskId: string): void {
    const task = run.tasks.get(taskId);
    if (!task) return;
    this.update(run.frameworkId, {
      task_id: task.task_id,
      state: 'TASK_KILLED',
      source: 'SOURCE_EXECUTOR',
      executor_id: { value: run.executorId },
    });
    if (run.tasks.size === 0 && this.executors.get(key(run.frameworkId, run.executorId)) === run) {
      this.executors.delete(key(run.frameworkId, run.executorId));
      this.o.master.executorExited(this, run.frameworkId, run.executorId, 0);
    }
  }

  kill(frameworkId: string, taskId: string): boolean {
    for (const run of this.executors.values()) {
      if (run.frameworkId !== frameworkId) continue;
      if (run.simulated) {
        if (!run.tasks.has(taskId)) continue;
        this.simulateKill(run, taskId);
        return true;
      }
      const queued = run.queued.findIndex((t) => t.task_id.value === taskId);
      if (queued >= 0) {
        const [t] = run.queued.splice(queued, 1);
        this.update(frameworkId, {
          task_id: t.task_id,
          state: 'TASK_KILLED',
          source: 'SOURCE_AGENT',
          reason: 'REASON_TASK_KILLED_DURING_LAUNCH',
          executor_id: { value: run.executorId },
        });
        if (run.tasks.size === 0 && run.queued.length === 0 && !run.subscribed)
          void this.destroyExecutor(
            run,
            'TASK_KILLED',
            'REASON_TASK_KILLED_DURING_LAUNCH',
            'killed',
          );
        return true;
      }
      if (!run.tasks.has(taskId)) continue;
      run.killed.add(taskId);
      if (run.command) void run.process?.stop(this.o.executorShutdownGraceMs);
      else this.send(run, { type: 'KILL', kill: { task_id: { value: taskId } } });
      return true;
    }
    return false;
  }

  shutdownExecutor(frameworkId: string, executorId: string): void {
    const run = this.executors.get(key(frameworkId, executorId));
    if (!run) return;
    if (run.simulated) {
      for (const id of [...run.tasks.keys()]) this.simulateKill(run, id);
      if (this.executors.get(key(frameworkId, executorId)) === run) {
        this.executors.delete(key(frameworkId, executorId));
        this.o.master.executorExited(this, frameworkId, executorId, 0);
      }
      return;
    }
    run.shuttingDown = true;
    this.send(run, { type: 'SHUTDOWN' });
    const t = setTimeout(() => void run.process?.stop(1000), this.o.executorShutdownGraceMs);
    t.unref();
  }

  shutdownFramework(frameworkId: string): void {
    for (const run of this.executors.values())
      if (run.frameworkId === frameworkId) this.shutdownExecutor(frameworkId, run.executorId);
  }

  message(frameworkId: string, executorId: string, data: Uint8Array): boolean {
    const run = this.executors.get(key(frameworkId, executorId));
    if (!run?.stream) return false;
    this.send(run, { type: 'MESSAGE', message: { data } });
    return true;
  }

  /** The scheduler acknowledged an update (forwarded by the master). */
  acknowledge(frameworkId: string, taskId: string, uuid: Buffer): void {
    const s = this.streams.get(key(frameworkId, taskId));
    const head = s?.pending[0];
    if (!s || !head?.uuid || !Buffer.from(head.uuid).equals(uuid)) return;
    s.pending.shift();
    clearTimeout(s.timer);
    if (head.source === 'SOURCE_EXECUTOR') {
      // The update names its executor; a terminal update's task is already forgotten, and its
      // acknowledgement must still reach the executor (which waits for it before exiting).
      const named = head.executor_id
        ? this.executors.get(key(frameworkId, head.executor_id.value))
        : undefined;
      const run =
        named ??
        [...this.executors.values()].find(
          (e) =>
            e.frameworkId === frameworkId &&
            (e.tasks.has(taskId) || e.command?.task_id.value === taskId),
        );
      if (run && !run.command)
        this.send(run, {
          type: 'ACKNOWLEDGED',
          acknowledged: { task_id: { value: taskId }, uuid },
        });
    }
    if (TERMINAL_TASK_STATES.has(head.state) && s.pending.length === 0)
      this.streams.delete(key(frameworkId, taskId));
    else this.forward(s);
  }

  /** Latest known state of a task on this agent. */
  taskState(frameworkId: string, taskId: string): TaskState | undefined {
    const s = this.streams.get(key(frameworkId, taskId));
    return s?.pending[s.pending.length - 1]?.state;
  }

  // ---- status updates ----

  private update(
    frameworkId: string,
    status: Omit<TaskStatus, 'uuid' | 'timestamp' | 'agent_id'> & {
      uuid?: Uint8Array;
      timestamp?: number;
    },
  ): void {
    const full: TaskStatus = {
      ...status,
      agent_id: { value: this.id },
      timestamp: status.timestamp ?? Date.now() / 1000,
      uuid: status.uuid ?? uuid16(),
    };
    const k = key(frameworkId, full.task_id.value);
    let s = this.streams.get(k);
    if (!s) {
      s = { frameworkId, taskId: full.task_id.value, pending: [] };
      this.streams.set(k, s);
    }
    if (
      s.pending.some(
        (p) => p.uuid && full.uuid && Buffer.from(p.uuid).equals(Buffer.from(full.uuid)),
      )
    )
      return;
    s.pending.push(full);
    if (TERMINAL_TASK_STATES.has(full.state)) this.forgetTask(frameworkId, full.task_id.value);
    if (s.pending.length === 1) this.forward(s);
  }

  private forward(s: StatusStream): void {
    clearTimeout(s.timer);
    const head = s.pending[0];
    if (!head || !this.up) return;
    this.o.master.statusUpdate(this, s.frameworkId, head);
    s.timer = setTimeout(() => this.forward(s), this.o.statusRetryMs);
    s.timer.unref();
  }

  private forgetTask(frameworkId: string, taskId: string): void {
    for (const run of this.executors.values()) {
      if (run.frameworkId !== frameworkId) continue;
      run.tasks.delete(taskId);
    }
  }

  private onExit(run: ExecutorRun, code: number, signal: NodeJS.Signals | null): void {
    clearTimeout(run.registrationTimer);
    if (this.executors.get(key(run.frameworkId, run.executorId)) !== run) return;
    this.executors.delete(key(run.frameworkId, run.executorId));
    run.stream?.res.end();
    this.log.info('executor exited', { executor: run.executorId, code, signal });
    // As Mesos destroys the executor's container: whatever it started that still runs in its
    // sandbox (in other process groups too) is killed.
    const killed = killProcessesUnder(run.sandbox);
    if (killed)
      this.log.info('destroyed the executor container', { executor: run.executorId, killed });
    if (run.command) {
      const t = run.command;
      const killed = run.killed.has(t.task_id.value);
      const state: TaskState = killed
        ? 'TASK_KILLED'
        : code === 0
          ? 'TASK_FINISHED'
          : 'TASK_FAILED';
      this.update(run.frameworkId, {
        task_id: t.task_id,
        state,
        source: 'SOURCE_EXECUTOR',
        message: `command exited with ${signal ?? `status ${code}`}`,
        executor_id: { value: run.executorId },
      });
      return;
    }
    for (const t of [...run.tasks.values(), ...run.queued]) {
      const st = this.taskState(run.frameworkId, t.task_id.value);
      if (st && TERMINAL_TASK_STATES.has(st)) continue;
      const state: TaskState =
        run.killed.has(t.task_id.value) || run.shuttingDown ? 'TASK_KILLED' : 'TASK_FAILED';
      this.update(run.frameworkId, {
        task_id: t.task_id,
        state,
        source: 'SOURCE_AGENT',
        reason: 'REASON_EXECUTOR_TERMINATED',
        message: `executor exited with ${signal ?? `status ${code}`}`,
        executor_id: { value: run.executorId },
      });
    }
    this.o.master.executorExited(this, run.frameworkId, run.executorId, code);
  }

  private async destroyExecutor(
    run: ExecutorRun,
    state: TaskState,
    reason: TaskStatusReason,
    message: string,
  ): Promise<void> {
    this.executors.delete(key(run.frameworkId, run.executorId));
    clearTimeout(run.registrationTimer);
    run.stream?.res.end();
    for (const t of [...run.tasks.values(), ...run.queued]) {
      this.update(run.frameworkId, {
        task_id: t.task_id,
        state,
        source: 'SOURCE_AGENT',
        reason,
        message,
        executor_id: { value: run.executorId },
      });
    }
    await run.process?.stop(this.o.executorShutdownGraceMs);
  }

  // ---- executor API ----

  private send(run: ExecutorRun, event: ExecutorEvent): void {
    const s = run.stream;
    if (!s) return;
    s.res.write(encodeRecord(encodeExecutorEvent(event, s.format)));
  }

  private deliverQueued(run: ExecutorRun): void {
    if (!run.subscribed) return;
    for (const t of run.queued.splice(0)) {
      run.tasks.set(t.task_id.value, t);
      this.send(run, { type: 'LAUNCH', launch: { task: t } });
    }
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = req.url ?? '/';
    if (req.method === 'GET' && (url === '/state' || url === '/state.json')) {
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(this.state()));
      return;
    }
    if (url !== '/api/v1/executor' || req.method !== 'POST') {
      res.writeHead(404).end('no such endpoint');
      return;
    }
    const format = formatOfContentType(req.headers['content-type']);
    if (!format) {
      res
        .writeHead(415)
        .end('Expecting Content-Type of application/json or application/x-protobuf');
      return;
    }
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    let call: ExecutorCall;
    try {
      call = decodeExecutorCall(Buffer.concat(chunks), format);
    } catch (err) {
      res.writeHead(400).end(err instanceof MesosCodecError ? err.message : 'bad request');
      return;
    }
    const run = this.executors.get(key(call.framework_id.value, call.executor_id.value));
    if (!run) {
      res
        .writeHead(400)
        .end(
          `Executor ${call.executor_id.value} of framework ${call.framework_id.value} is not known to this agent`,
        );
      return;
    }
    if (call.type === 'SUBSCRIBE') {
      run.stream?.res.end();
      res.writeHead(200, { 'content-type': CONTENT_TYPES[format] });
      run.stream = { res, format };
      const reconnect = run.subscribed === false && run.tasks.size > 0;
      run.subscribed = true;
      clearTimeout(run.registrationTimer);
      res.on('close', () => {
        if (run.stream?.res === res) {
          run.stream = undefined;
          run.subscribed = false;
        }
      });
      for (const u of call.subscribe?.unacknowledged_updates ?? [])
        this.update(run.frameworkId, u.status);
      this.send(run, {
        type: 'SUBSCRIBED',
        subscribed: {
          executor_info: run.info!,
          framework_info: run.framework,
          agent_info: this.info(),
        },
      });
      if (reconnect) this.log.info('executor re-subscribed', { executor: run.executorId });
      this.deliverQueued(run);
      return;
    }
    if (!run.subscribed) {
      res.writeHead(403).end('Executor is not subscribed');
      return;
    }
    if (call.type === 'UPDATE' && call.update) {
      const st = call.update.status;
      if (!st.uuid || st.uuid.length === 0) {
        res.writeHead(400).end('TaskStatus.uuid must be set');
        return;
      }
      if (st.source !== 'SOURCE_EXECUTOR') st.source = 'SOURCE_EXECUTOR';
      this.update(run.frameworkId, { ...st, executor_id: { value: run.executorId } });
      res.writeHead(202).end();
      return;
    }
    if (call.type === 'MESSAGE' && call.message) {
      this.o.master.executorMessage(
        this,
        run.frameworkId,
        run.executorId,
        Buffer.from(call.message.data),
      );
      res.writeHead(202).end();
      return;
    }
    res.writeHead(400).end(`unsupported call ${call.type}`);
  }

  state() {
    return {
      id: this.id,
      hostname: this.hostname,
      port: this.port,
      active: this.up,
      attributes: Object.fromEntries(
        this.attributes.map((a) => [a.name, a.text?.value ?? a.scalar?.value ?? '']),
      ),
      resources: this.resources,
      used_resources: this.used(),
      executors: [...this.executors.values()].map((e) => ({
        framework_id: e.frameworkId,
        id: e.executorId,
        directory: e.sandbox,
        pid: e.process?.pid,
        subscribed: e.subscribed,
        tasks: [...e.tasks.keys()],
        queued_tasks: e.queued.map((t) => t.task_id.value),
      })),
    };
  }

  executorProcess(frameworkId: string, executorId: string): ProcessGroup | undefined {
    return this.executors.get(key(frameworkId, executorId))?.process;
  }

  findExecutorOfTask(frameworkId: string, taskId: string): string | undefined {
    for (const run of this.executors.values())
      if (
        run.frameworkId === frameworkId &&
        (run.tasks.has(taskId) || run.queued.some((t) => t.task_id.value === taskId))
      )
        return run.executorId;
    return undefined;
  }
}

function uuid16(): Buffer {
  return Buffer.from(randomUUID().replace(/-/g, ''), 'hex');
}
