import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Logger } from '@riak-mesos/logging';
import type {
  FrameworkInfo,
  Offer,
  OfferOperation,
  Resource,
  SchedulerCall,
  SchedulerEvent,
  TaskInfo,
  TaskState,
  TaskStatus,
  WireFormat,
} from '@riak-mesos/mesos';
import {
  CONTENT_TYPES,
  MesosCodecError,
  TERMINAL_TASK_STATES,
  decodeSchedulerCall,
  encodeRecord,
  encodeSchedulerEvent,
  formatOfContentType,
  resources as R,
} from '@riak-mesos/mesos';
import type { Agent, MasterLink } from './agent';

interface Framework {
  id: string;
  info: FrameworkInfo;
  stream?: { res: ServerResponse; id: string; format: WireFormat };
  heartbeat?: NodeJS.Timeout;
  failoverTimer?: NodeJS.Timeout;
  suppressed: boolean;
  /** Agent id → time until which offers from it are refused. */
  filters: Map<string, number>;
  /** Updates waiting for the scheduler to be connected (the agents keep retrying too). */
  active: boolean;
  /** OFFERS events sent (one batch per allocation round with something to offer). */
  offerBatches: number;
}

interface Task {
  frameworkId: string;
  agentId: string;
  info: TaskInfo;
  executorId?: string;
  state: TaskState;
  statuses: TaskStatus[];
  unreachable: boolean;
}

interface OutstandingOffer {
  id: string;
  frameworkId: string;
  agentId: string;
  resources: Resource[];
}

export interface MasterOptions {
  logger: Logger;
  heartbeatIntervalSeconds: number;
  allocationIntervalMs: number;
  agentPingTimeoutMs: number;
  /** principal → secret; when set, every scheduler call must authenticate. */
  credentials?: Map<string, string>;
}

export class HttpAnswer extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

/**
 * The local Mesos master: the v1 scheduler API, offers from agents' unreserved and role-reserved
 * resources, operations (LAUNCH, RESERVE, UNRESERVE, CREATE, DESTROY) validated as Mesos does,
 * framework failover, reconciliation, and the state Mesos shows in /master/state.
 */
export class Master implements MasterLink {
  readonly id = randomUUID();
  readonly frameworks = new Map<string, Framework>();
  readonly completedFrameworks = new Map<string, FrameworkInfo>();
  readonly agents = new Map<string, Agent>();
  readonly tasks = new Map<string, Task>();
  readonly offers = new Map<string, OutstandingOffer>();
  private allocator: NodeJS.Timeout | undefined;
  private readonly unreachableTimers = new Map<string, NodeJS.Timeout>();
  private readonly log: Logger;
  port = 0;
  host = '127.0.0.1';

  constructor(private readonly o: MasterOptions) {
    this.log = o.logger;
  }

  start(): void {
    this.allocator = setInterval(() => this.allocate(), this.o.allocationIntervalMs);
    this.allocator.unref();
  }

  stop(): void {
    clearInterval(this.allocator);
    for (const f of this.frameworks.values()) {
      clearInterval(f.heartbeat);
      clearTimeout(f.failoverTimer);
      f.stream?.res.end();
    }
    for (const t of this.unreachableTimers.values()) clearTimeout(t);
  }

  addAgent(agent: Agent): void {
    this.agents.set(agent.id, agent);
  }

  // ---- HTTP ----

  async handleScheduler(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const format = formatOfContentType(req.headers['content-type']);
    if (!format)
      throw new HttpAnswer(
        415,
        'Expecting Content-Type of application/json or application/x-protobuf',
      );
    const principal = this.authenticate(req);
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    let call: SchedulerCall;
    try {
      call = decodeSchedulerCall(Buffer.concat(chunks), format);
    } catch (err) {
      throw new HttpAnswer(
        400,
        err instanceof MesosCodecError
          ? `Failed to parse body into Call: ${err.message}`
          : 'bad request',
      );
    }
    if (call.type === 'SUBSCRIBE') {
      this.subscribe(call, principal, format, req, res);
      return;
    }
    const fwId = call.framework_id?.value;
    const fw = fwId ? this.frameworks.get(fwId) : undefined;
    if (!fw || !fw.stream)
      throw new HttpAnswer(403, `Framework ${fwId ?? '(none)'} is not subscribed`);
    if (req.headers['mesos-stream-id'] !== fw.stream.id)
      throw new HttpAnswer(
        400,
        `The stream ID '${String(req.headers['mesos-stream-id'])}' included in this request didn't match the stream ID currently associated with framework ID ${fw.id}`,
      );
    await this.dispatch(fw, call);
    res.writeHead(202).end();
  }

  private authenticate(req: IncomingMessage): string | undefined {
    if (!this.o.credentials || this.o.credentials.size === 0) return undefined;
    const h = req.headers.authorization ?? '';
    if (!h.startsWith('Basic ')) throw new HttpAnswer(401, 'Missing credentials');
    const [principal, ...rest] = Buffer.from(h.slice(6), 'base64').toString('utf8').split(':');
    if (!principal || this.o.credentials.get(principal) !== rest.join(':'))
      throw new HttpAnswer(401, 'Authentication failed');
    return principal;
  }

  private subscribe(
    call: SchedulerCall,
    principal: string | undefined,
    format: WireFormat,
    req: IncomingMessage,
    res: ServerResponse,
  ): void {
    const info = call.subscribe?.framework_info;
    if (!info) throw new HttpAnswer(400, 'Expecting subscribe to be present');
    if (principal && info.principal !== principal)
      throw new HttpAnswer(
        403,
        `Framework principal '${info.principal ?? ''}' does not match authenticated principal '${principal}'`,
      );
    const role = info.roles?.[0] ?? info.role ?? '*';
    if (role === '*' && (info.roles?.length ?? 0) > 0)
      throw new HttpAnswer(400, 'Role * is not allowed in roles');
    let id = info.id?.value ?? call.framework_id?.value;
    if (id && this.completedFrameworks.has(id))
      throw new HttpAnswer(403, `Framework ${id} has been removed`);
    id ??= `${this.id}-${String(this.frameworks.size + this.completedFrameworks.size).padStart(4, '0')}`;
    let fw = this.frameworks.get(id);
    if (fw?.stream) {
      // Failover: the old scheduler instance is told and disconnected.
      this.sendTo(fw, { type: 'ERROR', error: { message: 'Framework failed over' } });
      fw.stream.res.end();
    }
    if (!fw) {
      fw = {
        id,
        info: { ...info, id: { value: id } },
        suppressed: false,
        filters: new Map(),
        active: true,
        offerBatches: 0,
      };
      this.frameworks.set(id, fw);
      this.log.info('framework registered', { framework: id, name: info.name });
    } else {
      fw.info = { ...info, id: { value: id } };
      this.log.info('framework re-subscribed', { framework: id });
    }
    clearTimeout(fw.failoverTimer);
    clearInterval(fw.heartbeat);
    const streamId = randomUUID();
    res.writeHead(200, { 'content-type': CONTENT_TYPES[format], 'mesos-stream-id': streamId });
    const f = fw;
    f.stream = { res, id: streamId, format };
    f.suppressed = false;
    // An explicit idle time: with none (0) Linux refuses TCP_KEEPIDLE and keeps its two hours.
    req.socket.setKeepAlive(true, 30000);
    res.on('close', () => {
      if (f.stream?.res === res) this.disconnected(f, 'subscription stream closed');
    });
    this.sendTo(f, {
      type: 'SUBSCRIBED',
      subscribed: {
        framework_id: { value: id },
        heartbeat_interval_seconds: this.o.heartbeatIntervalSeconds,
        master_info: {
          id: this.id,
          ip: 0x7f000001,
          port: this.port,
          hostname: this.host,
          address: { hostname: this.host, ip: this.host, port: this.port },
        },
      },
    });
    f.heartbeat = setInterval(
      () => this.sendTo(f, { type: 'HEARTBEAT' }),
      this.o.heartbeatIntervalSeconds * 1000,
    );
    f.heartbeat.unref();
    // Pending status updates are re-sent by the agents' retries.
    setImmediate(() => this.allocate());
  }

  private disconnected(fw: Framework, reason: string): void {
    clearInterval(fw.heartbeat);
    fw.stream = undefined;
    this.rescindAll(fw, false);
    const timeout = fw.info.failover_timeout ?? 0;
    this.log.warn('framework disconnected', {
      framework: fw.id,
      reason,
      failoverTimeoutSeconds: timeout,
    });
    fw.failoverTimer = setTimeout(
      () => this.removeFramework(fw, 'failover timeout expired'),
      Math.min(timeout * 1000, 2 ** 31 - 1),
    );
    fw.failoverTimer.unref();
  }

  /** Removes a framework: its tasks are killed; its reservations and volumes stay. */
  removeFramework(fw: Framework, reason: string): void {
    this.log.warn('removing framework', { framework: fw.id, reason });
    clearTimeout(fw.failoverTimer);
    clearInterval(fw.heartbeat);
    fw.stream?.res.end();
    this.rescindAll(fw, false);
    for (const agent of this.agents.values()) agent.shutdownFramework(fw.id);
    this.frameworks.delete(fw.id);
    this.completedFrameworks.set(fw.id, fw.info);
  }

  /** Fault: every subscription stream closes, offers are dropped; state is kept (as a new leader recovers it). */
  failover(): void {
    for (const fw of this.frameworks.values()) {
      clearInterval(fw.heartbeat);
      const s = fw.stream;
      fw.stream = undefined;
      s?.res.destroy();
      fw.failoverTimer = setTimeout(
        () => this.removeFramework(fw, 'failover timeout expired'),
        Math.min((fw.info.failover_timeout ?? 0) * 1000, 2 ** 31 - 1),
      );
      fw.failoverTimer.unref();
    }
    this.offers.clear();
    this.log.warn('master failed over');
  }

  dropStream(frameworkId: string): boolean {
    const fw = this.frameworks.get(frameworkId);
    if (!fw?.stream) return false;
    fw.stream.res.destroy();
    return true;
  }

  private sendTo(fw: Framework, event: SchedulerEvent): boolean {
    const s = fw.stream;
    if (!s || s.res.destroyed) return false;
    s.res.write(encodeRecord(encodeSchedulerEvent(event, s.format)));
    return true;
  }

  // ---- calls ----

  private async dispatch(fw: Framework, call: SchedulerCall): Promise<void> {
    switch (call.type) {
      case 'TEARDOWN':
        this.removeFramework(fw, 'teardown');
        return;
      case 'ACCEPT':
        await this.accept(
          fw,
          call.accept!.offer_ids ?? [],
          call.accept!.operations ?? [],
          call.accept!.filters?.refuse_seconds,
        );
        return;
      case 'DECLINE':
        this.decline(
          fw,
          (call.decline?.offer_ids ?? []).map((o) => o.value),
          call.decline?.filters?.refuse_seconds,
        );
        return;
      case 'ACCEPT_INVERSE_OFFERS':
      case 'DECLINE_INVERSE_OFFERS':
      case 'REQUEST':
        return;
      case 'REVIVE':
        fw.suppressed = false;
        fw.filters.clear();
        setImmediate(() => this.allocate());
        return;
      case 'SUPPRESS':
        fw.suppressed = true;
        return;
      case 'KILL':
        this.kill(fw, call.kill!.task_id.value);
        return;
      case 'SHUTDOWN':
        this.agents
          .get(call.shutdown!.agent_id.value)
          ?.shutdownExecutor(fw.id, call.shutdown!.executor_id.value);
        return;
      case 'ACKNOWLEDGE': {
        const a = call.acknowledge!;
        this.agents.get(a.agent_id.value)?.acknowledge(fw.id, a.task_id.value, Buffer.from(a.uuid));
        return;
      }
      case 'RECONCILE':
        this.reconcile(fw, call.reconcile?.tasks ?? []);
        return;
      case 'MESSAGE': {
        const m = call.message!;
        this.agents.get(m.agent_id.value)?.message(fw.id, m.executor_id.value, m.data);
        return;
      }
      default:
        throw new HttpAnswer(400, `unsupported call ${call.type}`);
    }
  }

  private role(fw: Framework): string {
    return fw.info.roles?.[0] ?? fw.info.role ?? '*';
  }

  private partitionAware(fw: Framework): boolean {
    return (fw.info.capabilities ?? []).some((c) => c.type === 'PARTITION_AWARE');
  }

  private decline(fw: Framework, offerIds: string[], refuseSeconds = 5): void {
    for (const id of offerIds) {
      const o = this.offers.get(id);
      if (!o || o.frameworkId !== fw.id) continue;
      this.offers.delete(id);
      fw.filters.set(o.agentId, Date.now() + Math.max(0, refuseSeconds) * 1000);
    }
  }

  private async accept(
    fw: Framework,
    offerIds: { value: string }[],
    operations: OfferOperation[],
    refuseSeconds = 5,
  ): Promise<void> {
    const offers = offerIds.map((i) => this.offers.get(i.value));
    const valid =
      offers.length > 0 &&
      offers.every((o) => o && o.frameworkId === fw.id) &&
      new Set(offers.map((o) => o!.agentId)).size === 1;
    for (const i of offerIds) this.offers.delete(i.value);
    const launches = operations
      .filter((op) => op.type === 'LAUNCH')
      .flatMap((op) => op.launch?.task_infos ?? []);
    if (!valid) {
      this.log.warn('ACCEPT with invalid or rescinded offers', {
        framework: fw.id,
        offers: offerIds.map((i) => i.value),
      });
      for (const t of launches)
        this.masterUpdate(
          fw,
          t,
          'TASK_DROPPED',
          'REASON_INVALID_OFFERS',
          'Task launched with invalid offers',
        );
      return;
    }
    const agent = this.agents.get(offers[0]!.agentId)!;
    let available = offers.flatMap((o) => o!.resources);
    available = R.addResources([], available);
    const role = this.role(fw);
    for (const op of operations) {
      try {
        switch (op.type) {
          case 'RESERVE': {
            const rs = op.reserve?.resources ?? [];
            for (const r of rs) {
              const res = R.reservationOf(r);
              if (!res || res.type !== 'DYNAMIC' || res.role !== role)
                throw new Error(`RESERVE must reserve for the framework's role '${role}'`);
              if (res.principal !== undefined && res.principal !== fw.info.principal)
                throw new Error(
                  `reservation principal '${res.principal}' does not match the framework principal '${fw.info.principal ?? ''}'`,
                );
              if (r.disk?.persistence)
                throw new Error('RESERVE must not carry a persistent volume');
            }
            const unreserved = rs.map(R.bare);
            available = R.subtractResources(available, unreserved);
            agent.resources = R.addResources(R.subtractResources(agent.resources, unreserved), rs);
            available = R.addResources(available, rs);
            break;
          }
          case 'UNRESERVE': {
            const rs = op.unreserve?.resources ?? [];
            for (const r of rs) {
              if (!R.isDynamicallyReserved(r, role))
                throw new Error('UNRESERVE of resources not dynamically reserved for the role');
              if (r.disk?.persistence)
                throw new Error('UNRESERVE of a persistent volume: DESTROY it first');
            }
            const unreserved = rs.map(R.bare);
            available = R.subtractResources(available, rs);
            agent.resources = R.addResources(R.subtractResources(agent.resources, rs), unreserved);
            available = R.addResources(available, unreserved);
            break;
          }
          case 'CREATE': {
            const vs = op.create?.volumes ?? [];
            for (const v of vs) {
              if (v.name !== 'disk' || !v.disk?.persistence || !v.disk.volume)
                throw new Error('CREATE needs disk resources with persistence and volume');
              if (!R.isDynamicallyReserved(v, role) && R.reservationOf(v)?.role !== role)
                throw new Error('persistent volumes need disk reserved for the role');
              if (agent.resources.some((x) => x.disk?.persistence?.id === v.disk!.persistence!.id))
                throw new Error(
                  `persistence id '${v.disk.persistence.id}' already exists on the agent`,
                );
            }
            const plain = vs.map(R.withoutVolume);
            available = R.addResources(R.subtractResources(available, plain), vs);
            agent.resources = R.addResources(R.subtractResources(agent.resources, plain), vs);
            for (const v of vs) await agent.createVolume(v);
            break;
          }
          case 'DESTROY': {
            const vs = op.destroy?.volumes ?? [];
            const inUse = agent.volumesInUse();
            for (const v of vs) {
              if (!v.disk?.persistence) throw new Error('DESTROY needs persistent volumes');
              if (inUse.has(v.disk.persistence.id))
                throw new Error(`volume '${v.disk.persistence.id}' is in use by a task`);
            }
            const plain = vs.map(R.withoutVolume);
            available = R.addResources(R.subtractResources(available, vs), plain);
            agent.resources = R.addResources(R.subtractResources(agent.resources, vs), plain);
            for (const v of vs) await agent.destroyVolume(v);
            break;
          }
          case 'LAUNCH':
            for (const t of op.launch?.task_infos ?? []) {
              const problem = this.validateTask(fw, agent, t, available);
              if (problem) {
                this.masterUpdate(fw, t, 'TASK_ERROR', 'REASON_TASK_INVALID', problem);
                continue;
              }
              const needs = [
                ...(t.resources ?? []),
                ...(t.executor && !agent.hasExecutor(fw.id, t.executor.executor_id.value)
                  ? (t.executor.resources ?? [])
                  : []),
              ];
              available = R.subtractResources(available, needs);
              const task: Task = {
                frameworkId: fw.id,
                agentId: agent.id,
                info: t,
                executorId: t.executor?.executor_id.value,
                state: 'TASK_STAGING',
                statuses: [],
                unreachable: false,
              };
              this.tasks.set(taskKey(fw.id, t.task_id.value), task);
              await agent.launch(fw.info, t);
            }
            break;
          default:
            throw new Error(`operation ${op.type} is not supported`);
        }
      } catch (err) {
        // Mesos drops an invalid operation and goes on with the next.
        this.log.warn('dropping invalid operation', {
          framework: fw.id,
          operation: op.type,
          error: (err as Error).message,
        });
      }
    }
    fw.filters.set(agent.id, Date.now() + Math.max(0, refuseSeconds) * 1000);
  }

  private validateTask(
    fw: Framework,
    agent: Agent,
    t: TaskInfo,
    available: Resource[],
  ): string | undefined {
    if (t.agent_id.value !== agent.id)
      return `Task uses agent ${t.agent_id.value} but the offer is from ${agent.id}`;
    const existing = this.tasks.get(taskKey(fw.id, t.task_id.value));
    if (existing && !TERMINAL_TASK_STATES.has(existing.state))
      return `Task has duplicate ID: ${t.task_id.value}`;
    if (!t.executor && !t.command) return 'Task has neither an executor nor a command';
    if (t.executor && t.command)
      return 'Task should have at most one of CommandInfo or ExecutorInfo present';
    const needs = [
      ...(t.resources ?? []),
      ...(t.executor && !agent.hasExecutor(fw.id, t.executor.executor_id.value)
        ? (t.executor.resources ?? [])
        : []),
    ];
    if (!R.containsResources(available, needs))
      return `Task uses more resources ${needs.map(R.describeResource).join(';')} than available ${available.map(R.describeResource).join(';')}`;
    return undefined;
  }

  private masterUpdate(
    fw: Framework,
    t: { task_id: { value: string }; agent_id?: { value: string } },
    state: TaskState,
    reason: TaskStatus['reason'],
    message: string,
  ): void {
    const status: TaskStatus = {
      task_id: t.task_id,
      state,
      source: 'SOURCE_MASTER',
      reason,
      message,
      timestamp: Date.now() / 1000,
      ...(t.agent_id ? { agent_id: t.agent_id } : {}),
    };
    this.sendTo(fw, { type: 'UPDATE', update: { status } });
  }

  private kill(fw: Framework, taskId: string): void {
    const task = this.tasks.get(taskKey(fw.id, taskId));
    if (!task || TERMINAL_TASK_STATES.has(task.state)) {
      this.masterUpdate(
        fw,
        { task_id: { value: taskId } },
        this.partitionAware(fw) ? 'TASK_UNKNOWN' : 'TASK_LOST',
        'REASON_RECONCILIATION',
        'Attempted to kill an unknown task',
      );
      return;
    }
    const agent = this.agents.get(task.agentId);
    if (!agent?.up || !agent.kill(fw.id, taskId))
      this.log.warn('kill of a task whose agent is unreachable', { task: taskId });
  }

  private reconcile(
    fw: Framework,
    tasks: { task_id: { value: string }; agent_id?: { value: string } }[],
  ): void {
    const send = (t: Task) => {
      const last = t.statuses[t.statuses.length - 1];
      const state: TaskState = t.unreachable
        ? this.partitionAware(fw)
          ? 'TASK_UNREACHABLE'
          : 'TASK_LOST'
        : t.state;
      this.sendTo(fw, {
        type: 'UPDATE',
        update: {
          status: {
            task_id: t.info.task_id,
            agent_id: { value: t.agentId },
            state,
            source: 'SOURCE_MASTER',
            reason: 'REASON_RECONCILIATION',
            timestamp: Date.now() / 1000,
            ...(last?.data ? { data: last.data } : {}),
            ...(t.executorId ? { executor_id: { value: t.executorId } } : {}),
          },
        },
      });
    };
    if (tasks.length === 0) {
      for (const t of this.tasks.values())
        if (t.frameworkId === fw.id && !TERMINAL_TASK_STATES.has(t.state)) send(t);
      return;
    }
    for (const q of tasks) {
      const t = this.tasks.get(taskKey(fw.id, q.task_id.value));
      if (t && !TERMINAL_TASK_STATES.has(t.state)) send(t);
      else if (t) send(t);
      else
        this.masterUpdate(
          fw,
          { task_id: q.task_id, ...(q.agent_id ? { agent_id: q.agent_id } : {}) },
          this.partitionAware(fw) ? 'TASK_UNKNOWN' : 'TASK_LOST',
          'REASON_RECONCILIATION',
          'Reconciliation: Task is unknown',
        );
    }
  }

  // ---- offers ----

  private rescindAll(fw: Framework, notify: boolean): void {
    for (const [id, o] of this.offers) {
      if (o.frameworkId !== fw.id) continue;
      this.offers.delete(id);
      if (notify) this.sendTo(fw, { type: 'RESCIND', rescind: { offer_id: { value: id } } });
    }
  }

  private rescindAgent(agentId: string): void {
    for (const [id, o] of this.offers) {
      if (o.agentId !== agentId) continue;
      this.offers.delete(id);
      const fw = this.frameworks.get(o.frameworkId);
      if (fw) this.sendTo(fw, { type: 'RESCIND', rescind: { offer_id: { value: id } } });
    }
  }

  /**
   * Offers every connected, unsuppressed framework what each up agent has free for its role.
   * `force` (benchmarks: an offer batch on demand) offers to that framework even when it is
   * suppressed or has filters, and to no other; answers the number of offers sent.
   */
  allocate(force?: string): number {
    const now = Date.now();
    let sent = 0;
    for (const fw of this.frameworks.values()) {
      if (force !== undefined && fw.id !== force) continue;
      if (!fw.stream || (fw.suppressed && force === undefined)) continue;
      const role = this.role(fw);
      const batch: Offer[] = [];
      for (const agent of this.agents.values()) {
        if (!agent.up || this.unreachableTimers.has(agent.id)) continue;
        if ((fw.filters.get(agent.id) ?? 0) > now && force === undefined) continue;
        // What is neither used by tasks nor already offered (Mesos may have several offers per agent).
        let free: Resource[];
        try {
          free = R.subtractResources(agent.resources, agent.used());
          for (const o of this.offers.values())
            if (o.agentId === agent.id) free = R.subtractResources(free, o.resources);
        } catch {
          continue;
        }
        const forRole = free.filter((r) => {
          const res = R.reservationOf(r);
          return res === undefined || res.role === role;
        });
        if (!forRole.some((r) => (r.scalar?.value ?? 0) > 0 || (r.ranges?.range?.length ?? 0) > 0))
          continue;
        const id = randomUUID();
        const offered = forRole.map((r) => ({ ...r, allocation_info: { role } }));
        this.offers.set(id, { id, frameworkId: fw.id, agentId: agent.id, resources: forRole });
        batch.push({
          id: { value: id },
          framework_id: { value: fw.id },
          agent_id: { value: agent.id },
          hostname: agent.hostname,
          url: {
            scheme: 'http',
            address: { hostname: agent.hostname, ip: agent.ip, port: agent.port },
            path: '/slave(1)',
          },
          resources: offered,
          attributes: agent.attributes,
          executor_ids: [],
          allocation_info: { role },
        });
      }
      if (batch.length) {
        fw.offerBatches++;
        sent += batch.length;
        this.sendTo(fw, { type: 'OFFERS', offers: { offers: batch } });
      }
    }
    return sent;
  }

  // ---- from agents ----

  statusUpdate(agent: Agent, frameworkId: string, status: TaskStatus): void {
    const task = this.tasks.get(taskKey(frameworkId, status.task_id.value));
    if (task) {
      task.state = status.state;
      task.unreachable = false;
      if (
        !task.statuses.some(
          (s) => s.uuid && status.uuid && Buffer.from(s.uuid).equals(Buffer.from(status.uuid)),
        )
      )
        task.statuses.push(status);
    }
    const fw = this.frameworks.get(frameworkId);
    if (fw) this.sendTo(fw, { type: 'UPDATE', update: { status } });
    else if (!this.completedFrameworks.has(frameworkId))
      this.log.debug('status update for a disconnected framework; the agent retries', {
        framework: frameworkId,
      });
    void agent;
  }

  executorMessage(agent: Agent, frameworkId: string, executorId: string, data: Buffer): void {
    const fw = this.frameworks.get(frameworkId);
    if (fw)
      this.sendTo(fw, {
        type: 'MESSAGE',
        message: { agent_id: { value: agent.id }, executor_id: { value: executorId }, data },
      });
  }

  executorExited(
    agent: Agent,
    frameworkId: string,
    executorId: string,
    status: number | undefined,
  ): void {
    const fw = this.frameworks.get(frameworkId);
    if (fw)
      this.sendTo(fw, {
        type: 'FAILURE',
        failure: {
          agent_id: { value: agent.id },
          executor_id: { value: executorId },
          ...(status !== undefined ? { status } : {}),
        },
      });
  }

  /** The agent process went away: after the ping timeout its tasks are unreachable (or lost). */
  agentDown(agent: Agent): void {
    this.rescindAgent(agent.id);
    const timer = setTimeout(() => {
      this.log.warn('agent unreachable', { agent: agent.id });
      for (const t of this.tasks.values()) {
        if (t.agentId !== agent.id || TERMINAL_TASK_STATES.has(t.state)) continue;
        t.unreachable = true;
        const fw = this.frameworks.get(t.frameworkId);
        if (!fw) continue;
        const state: TaskState = this.partitionAware(fw) ? 'TASK_UNREACHABLE' : 'TASK_LOST';
        this.sendTo(fw, {
          type: 'UPDATE',
          update: {
            status: {
              task_id: t.info.task_id,
              agent_id: { value: agent.id },
              state,
              source: 'SOURCE_MASTER',
              reason: 'REASON_AGENT_REMOVED',
              message: 'Agent is unreachable',
              timestamp: Date.now() / 1000,
              unreachable_time: { nanoseconds: Date.now() * 1e6 },
            },
          },
        });
      }
      for (const fw of this.frameworks.values())
        this.sendTo(fw, { type: 'FAILURE', failure: { agent_id: { value: agent.id } } });
    }, this.o.agentPingTimeoutMs);
    timer.unref();
    this.unreachableTimers.set(agent.id, timer);
  }

  agentReregistered(agent: Agent, liveTasks: { frameworkId: string; taskId: string }[]): void {
    clearTimeout(this.unreachableTimers.get(agent.id));
    this.unreachableTimers.delete(agent.id);
    const live = new Set(liveTasks.map((t) => taskKey(t.frameworkId, t.taskId)));
    for (const [k, t] of this.tasks) {
      if (t.agentId !== agent.id || TERMINAL_TASK_STATES.has(t.state)) continue;
      const fw = this.frameworks.get(t.frameworkId);
      if (live.has(k)) {
        if (t.unreachable && fw) {
          t.unreachable = false;
          this.sendTo(fw, {
            type: 'UPDATE',
            update: {
              status: {
                task_id: t.info.task_id,
                agent_id: { value: agent.id },
                state: t.state,
                source: 'SOURCE_MASTER',
                reason: 'REASON_AGENT_REREGISTERED',
                message: 'Agent re-registered',
                timestamp: Date.now() / 1000,
              },
            },
          });
        }
        continue;
      }
      // Gone with the agent restart; the agent's own terminal update (if any) also arrives.
      t.unreachable = false;
      if (t.state === 'TASK_STAGING' || t.state === 'TASK_STARTING' || t.state === 'TASK_RUNNING') {
        t.state = fw && this.partitionAware(fw) ? 'TASK_GONE' : 'TASK_LOST';
        if (fw)
          this.sendTo(fw, {
            type: 'UPDATE',
            update: {
              status: {
                task_id: t.info.task_id,
                agent_id: { value: agent.id },
                state: t.state,
                source: 'SOURCE_MASTER',
                reason: 'REASON_AGENT_REREGISTERED',
                message: 'Task is gone after the agent restarted',
                timestamp: Date.now() / 1000,
              },
            },
          });
      }
    }
    setImmediate(() => this.allocate());
  }

  // ---- operator API (the part the scheduler reads) ----

  /** `POST /api/v1` of the operator API, JSON: GET_TASKS and GET_AGENTS as real Mesos answers. */
  operator(call: { type?: unknown }): unknown {
    if (call.type === 'GET_TASKS') {
      const tasks = [...this.tasks.values()]
        .filter((t) => !TERMINAL_TASK_STATES.has(t.state))
        .map((t) => ({
          name: t.info.name,
          task_id: t.info.task_id,
          framework_id: { value: t.frameworkId },
          agent_id: { value: t.agentId },
          ...(t.executorId || t.info.executor
            ? { executor_id: { value: t.executorId ?? t.info.executor!.executor_id.value } }
            : {}),
          state: t.unreachable ? 'TASK_UNREACHABLE' : t.state,
          resources: t.info.resources ?? [],
          ...(t.info.labels ? { labels: t.info.labels } : {}),
          statuses: t.statuses,
        }));
      return { type: 'GET_TASKS', get_tasks: { tasks } };
    }
    if (call.type === 'GET_AGENTS')
      return {
        type: 'GET_AGENTS',
        get_agents: {
          agents: [...this.agents.values()].map((a) => ({
            agent_info: { id: { value: a.id }, hostname: a.hostname, port: a.port },
            active: a.up,
          })),
        },
      };
    return undefined;
  }

  // ---- state ----

  state() {
    const tasksOf = (fwId: string, terminal: boolean) =>
      [...this.tasks.values()]
        .filter((t) => t.frameworkId === fwId && TERMINAL_TASK_STATES.has(t.state) === terminal)
        .map((t) => ({
          id: t.info.task_id.value,
          name: t.info.name,
          framework_id: fwId,
          executor_id: t.executorId ?? '',
          slave_id: t.agentId,
          agent_id: t.agentId,
          state: t.unreachable ? 'TASK_UNREACHABLE' : t.state,
          resources: t.info.resources ?? [],
          statuses: t.statuses.map((s) => ({
            state: s.state,
            timestamp: s.timestamp,
            source: s.source,
            reason: s.reason,
            message: s.message,
          })),
        }));
    const frameworks = [...this.frameworks.values()].map((f) => ({
      id: f.id,
      name: f.info.name,
      role: this.role(f),
      principal: f.info.principal,
      active: Boolean(f.stream),
      connected: Boolean(f.stream),
      suppressed: f.suppressed,
      offer_batches: f.offerBatches,
      failover_timeout: f.info.failover_timeout ?? 0,
      checkpoint: f.info.checkpoint ?? false,
      tasks: tasksOf(f.id, false),
      completed_tasks: tasksOf(f.id, true),
      offers: [...this.offers.values()]
        .filter((o) => o.frameworkId === f.id)
        .map((o) => ({ id: o.id, agent_id: o.agentId, resources: o.resources })),
    }));
    const agents = [...this.agents.values()].map((a) => {
      const reserved: Record<string, Resource[]> = {};
      for (const r of a.resources) {
        const res = R.reservationOf(r);
        if (res) (reserved[res.role ?? '*'] ??= []).push(r);
      }
      return {
        id: a.id,
        hostname: a.hostname,
        port: a.port,
        pid: `slave(1)@${a.ip}:${a.port}`,
        active: a.up && !this.unreachableTimers.has(a.id),
        attributes: Object.fromEntries(
          a.attributes.map((x) => [x.name, x.text?.value ?? x.scalar?.value ?? '']),
        ),
        resources: a.resources,
        reserved_resources_full: reserved,
        unreserved_resources_full: a.resources.filter((r) => !R.reservationOf(r)),
        used_resources_full: a.used(),
        volumes: a.resources
          .filter((r) => r.disk?.persistence)
          .map((r) => ({
            persistence_id: r.disk!.persistence!.id,
            role: R.reservationOf(r)?.role,
            container_path: r.disk!.volume?.container_path,
            path: a.volumePath(R.reservationOf(r)?.role ?? '*', r.disk!.persistence!.id),
          })),
      };
    });
    return {
      id: this.id,
      hostname: this.host,
      leader: `master@${this.host}:${this.port}`,
      frameworks,
      completed_frameworks: [...this.completedFrameworks.entries()].map(([id, info]) => ({
        id,
        name: info.name,
      })),
      slaves: agents,
      agents,
    };
  }
}

function taskKey(fw: string, task: string): string {
  return `${fw}\u0000${task}`;
}
