// Over 400 lines: the driver is where Mesos' events meet the one serial work queue (subscription,
// reconciliation, updates, offer batches, the tick); every decision it acts on is made elsewhere,
// as data (offer-evaluator, status-reactions, membership, ../plans).
import { randomUUID } from 'node:crypto';
import type { ExecutorReply, ExecutorRequestBody } from '@riak-mesos/framework-contract';
import type { Logger } from '@riak-mesos/logging';
import type {
  AgentID,
  Offer,
  OfferID,
  OfferOperation,
  TaskID,
  TaskStatus,
} from '@riak-mesos/mesos';
import { SchedulerClient } from '@riak-mesos/mesos';
import type { PlacementAgent } from '@riak-mesos/placement';
import type { SchedulerConfig } from '../config';
import type { EventHub } from '../events';
import type { SchedulerMetrics } from '../metrics';
import type { ClusterDoc, NodeDoc } from '../model';
import { hasTask } from '../node-state';
import { nodesInPlans } from '../health';
import { mayPlace, planView, progressPlans } from '../plans';
import type { SchedulerStore } from '../store';
import type { NodeDecision, PendingReason, RejectionsByAgent } from './offer-evaluator';
import { accumulateRejections, agentOfOffer, evaluateOffers } from './offer-evaluator';
import { ExecutorChannel } from './executor-channel';
import { HandoffWatch } from './handoff-watch';
import { Membership } from './membership';
import { replacePermanentFailures } from './permanent-failure';
import { OfferLog } from './offer-log';
import type { OrphanTask } from './orphan-tasks';
import { OrphanTasks } from './orphan-tasks';
import type { Adoption } from './orphan-adoption';
import { adoptOrphan } from './orphan-adoption';
import { UnknownReservations } from './unknown-reservations';
import { TERMINAL, reactToStatus } from './status-reactions';

/** Node states that wait for an offer: to be placed or launched, or to have their reservation released. */
const WANTED_NEED_OFFERS: readonly string[] = [
  'requested',
  'reserving',
  'reserved',
  'restarting',
  'shut_down',
];
const UNWANTED_NEED_OFFERS: readonly string[] = [
  'reserving',
  'reserved',
  'shut_down',
  'unreserving',
  'failed',
  'restarting',
];

export interface DriverOptions {
  config: SchedulerConfig;
  store: SchedulerStore;
  events: EventHub;
  metrics?: SchedulerMetrics;
  logger: Logger;
  /** Where executors fetch templates: the scheduler's API URL. */
  schedulerUrl: string;
  /** PEM the executors trust for an https `schedulerUrl` (task data `SchedulerCA`), as of now. */
  schedulerCa?: () => string | undefined;
  /** Certificates trusted for https Mesos masters (`--mesos-ca-file` and Node's roots). */
  mesosCa?: string[];
  /** Key of the executors' per-task API credentials (api/auth.ts); none: they send none. */
  executorKey?: string;
  /** ZooKeeper servers and chroot as executors should use them. */
  zookeepers: string[];
  zookeeperChroot: string;
  /** How often the driver looks for work (joins, removals, rolling operations). */
  tickMs?: number;
}

/** How often an idle, suppressed scheduler asks for offers to see every reservation of its role. */
const INVENTORY_MS = 2 * 60 * 1000;

/** Thrown (and reported) when Mesos no longer knows the stored framework id. */
export class UnknownFrameworkError extends Error {}

/** How often a member is asked for its transfers while a handoff after a recovery runs. */
const HANDOFF_CHECK_MS = 5000;

/**
 * The scheduler's Mesos side: subscribes with the stored framework id, reconciles, turns offers
 * into reservations, volumes and launches for the wanted nodes, relaunches failed nodes on their
 * reservation, joins new nodes into their cluster, removes nodes gracefully, runs rolling
 * operations and releases everything of removed nodes. Every decision is written to ZooKeeper
 * before it is acted on; the work is serialized so that no two decisions race.
 */
export class Driver {
  readonly client: SchedulerClient;
  private readonly executors: ExecutorChannel;
  private readonly membership: Membership;
  private readonly o: DriverOptions;
  private queue: Promise<void> = Promise.resolve();
  private ticker: NodeJS.Timeout | undefined;
  private reconcileTimer: NodeJS.Timeout | undefined;
  private suppressed = false;
  /** Some offers were declined with a long filter since the last REVIVE. */
  private filtered = false;
  private stopped = false;
  private readonly agents = new Map<string, PlacementAgent>();
  /** Kills of replaced nodes' old tasks, repeated until Mesos reports the task gone. */
  private readonly staleKills = new Map<string, NodeJS.Timeout>();
  private lastExplicitReconcile = 0;
  /** Reservations offered that no record owns: kept, listed, released only on request. */
  readonly unknown = new UnknownReservations();
  /** Tasks Mesos reports that no node record owns: kept running, listed, killed only on request. */
  readonly orphans = new OrphanTasks();
  /** When offers last came (an idle scheduler asks for some every INVENTORY_MS). */
  private lastOffers = Date.now();
  /** This framework instance's id, read (or made) once per process. */
  private instanceId: string | undefined;
  /** Each waiting node's latest rejection by each agent (see accumulateRejections). */
  private readonly rejections = new Map<string, RejectionsByAgent>();
  /** The latest offer evaluations, for `GET /api/v1/debug/offers`. */
  readonly offerLog = new OfferLog(50);
  /** Handoff after a crash recovery, until a member says none waits (health's `recovering`). */
  readonly handoff: HandoffWatch;
  /** Keep offers coming for a while after a release: stray parts may still be offered. */
  private lastRelease = 0;
  onFatal: ((err: Error) => void) | undefined;

  constructor(options: DriverOptions, frameworkId: string | undefined) {
    this.o = options;
    const c = options.config;
    this.client = new SchedulerClient({
      master: c.master,
      frameworkInfo: {
        user: c.user,
        name: c.name,
        role: c.role,
        ...(c.principal ? { principal: c.principal } : {}),
        checkpoint: c.checkpoint,
        failover_timeout: c.failoverTimeoutSeconds,
        hostname: c.hostname,
        webui_url: options.schedulerUrl,
        capabilities: [{ type: 'PARTITION_AWARE' }],
        ...(frameworkId ? { id: { value: frameworkId } } : {}),
      },
      ...(c.principal && c.secret
        ? { credentials: { principal: c.principal, secret: c.secret } }
        : {}),
      ...(options.mesosCa ? { ca: options.mesosCa } : {}),
      logger: options.logger.child({ component: 'mesos-scheduler-client' }),
    });
    this.membership = new Membership({
      config: options.config,
      store: options.store,
      logger: options.logger,
      ask: (n, body, timeoutMs) => this.ask(n, body, timeoutMs),
      kill: (n) =>
        this.client
          .kill({ value: n.taskId }, n.agentId ? { value: n.agentId } : undefined)
          .catch(() => undefined),
      revive: () => this.revive(),
      later: (what, fn) => this.serial(what, fn),
    });
    this.handoff = new HandoffWatch({
      ask: (n) => this.ask(n, { type: 'status', view: 'transfers' }, 30000),
      later: (fn) => this.serial('handoff', () => Promise.resolve().then(fn)),
      intervalMs: HANDOFF_CHECK_MS,
      logger: options.logger,
    });
    this.executors = new ExecutorChannel(
      (agent, executor, data) => this.client.message(agent, executor, data),
      options.logger,
      options.metrics,
    );
    this.client.on('subscribed', (info) =>
      this.serial('subscribed', () => this.onSubscribed(info.frameworkId)),
    );
    this.client.on('offers', (offers) => this.serial('offers', () => this.onOffers(offers)));
    this.client.on('update', (s) => this.serial('update', () => this.onUpdate(s)));
    this.client.on('message', (m) => this.executors.onMessage(m.data));
    this.client.on('disconnected', (reason) => {
      this.log.warn('disconnected from the Mesos master; re-subscribing', { reason });
      this.o.metrics?.registered.set(0);
      this.o.events.publish({ type: 'scheduler', state: 'disconnected' });
    });
    this.client.on('error', (err) => {
      this.log.error('Mesos ended the subscription', { error: err.message });
      this.onFatal?.(new UnknownFrameworkError(err.message));
    });
  }

  private get log(): Logger {
    return this.o.logger;
  }

  get registered(): boolean {
    return this.client.subscribed;
  }

  start(): void {
    this.client.start();
    this.ticker = setInterval(() => this.serial('tick', () => this.tick()), this.o.tickMs ?? 1000);
    this.ticker.unref();
    this.reconcileTimer = setInterval(
      () => this.serial('reconcile', () => this.reconcile()),
      this.o.config.reconcileIntervalSeconds * 1000,
    );
    this.reconcileTimer.unref();
  }

  /** Stops talking to Mesos; tasks keep running (the framework fails over). */
  async stop(): Promise<void> {
    this.stopped = true;
    clearInterval(this.ticker);
    clearInterval(this.reconcileTimer);
    for (const t of this.staleKills.values()) clearInterval(t);
    this.staleKills.clear();
    this.executors.close();
    await this.client.stop().catch(() => undefined);
    await this.queue.catch(() => undefined);
  }

  /** Runs `fn` after everything queued before it; errors are logged, never thrown. */
  private serial(what: string, fn: () => Promise<void>): void {
    this.queue = this.queue.then(async () => {
      if (this.stopped) return;
      try {
        await fn();
      } catch (err) {
        this.log.error('driver step failed', { step: what, error: (err as Error).message });
      }
    });
  }

  // ---- registration and reconciliation ----------------------------------------------------

  private async onSubscribed(frameworkId: string): Promise<void> {
    await this.o.store.updateScheduler((d) => ({
      ...d,
      frameworkId,
      registeredAt: new Date().toISOString(),
      master: this.client.master,
    }));
    this.o.metrics?.registered.set(1);
    this.o.events.publish({ type: 'scheduler', state: 'subscribed', frameworkId });
    this.log.info('subscribed', { frameworkId, master: this.client.master });
    this.suppressed = false;
    await this.reconcile();
  }

  /** Explicit reconciliation of every task we recorded, then implicit for the rest. */
  private async reconcile(): Promise<void> {
    if (!this.client.subscribed) return;
    const nodes = await this.o.store.listNodes();
    const tasks = nodes
      .filter((n) => hasTask(n.state) && n.agentId)
      .map((n) => ({ task_id: { value: n.taskId }, agent_id: { value: n.agentId! } }));
    this.lastExplicitReconcile = Date.now();
    if (tasks.length) {
      await this.client.reconcile(tasks);
      this.o.metrics?.reconciliations.inc({ kind: 'explicit' });
    }
    await this.client.reconcile([]);
    this.o.metrics?.reconciliations.inc({ kind: 'implicit' });
  }

  // ---- status updates -----------------------------------------------------------------------

  private async onUpdate(s: TaskStatus): Promise<void> {
    const taskId = s.task_id.value;
    this.o.metrics?.taskUpdates.inc({ state: s.state });
    const node = await this.nodeForTask(taskId);
    this.o.events.publish({
      type: 'task',
      node: node?.key ?? taskId,
      taskId,
      state: s.state,
      reason: s.reason,
      message: s.message,
      agentId: s.agent_id?.value,
    });
    if (!node) {
      // A task of ours that no node claims (ZooKeeper restored from an older copy, say): it may
      // be a ring member serving data, so it is kept and listed, and only an operator kills it.
      if (this.orphans.seen(s, TERMINAL.has(s.state)))
        this.log.warn('a task no node record owns keeps running; see GET /api/v1/debug/orphans', {
          task: taskId,
          state: s.state,
          agent: s.agent_id?.value,
        });
    } else {
      this.orphans.owned(taskId);
      await this.applyUpdate(node, s);
    }
    if (s.uuid?.length && s.agent_id)
      await this.client
        .acknowledge(s.agent_id, s.task_id, s.uuid)
        .catch((err: Error) =>
          this.log.warn('acknowledge failed', { task: taskId, error: err.message }),
        );
  }

  /** The node a task belongs to: task ids are node keys, or `<key>-r<n>` after a replacement. */
  private async nodeForTask(taskId: string): Promise<NodeDoc | null> {
    const direct = await this.o.store.getNode(taskId);
    if (direct?.taskId === taskId) return direct;
    const owner = (await this.o.store.listNodes()).find((n) => n.taskId === taskId);
    return owner ?? direct;
  }

  /** The operator's kill of a task no node record owns (`DELETE /api/v1/debug/orphans/{task}`). */
  async killOrphan(taskId: string): Promise<OrphanTask | undefined> {
    const o = this.orphans.markKill(taskId);
    if (!o) return undefined;
    this.log.warn('killing a task no node record owns, as an operator asked', {
      task: taskId,
      agent: o.agentId,
    });
    await this.client.kill({ value: taskId }, o.agentId ? { value: o.agentId } : undefined);
    return o;
  }

  /**
   * The operator's adoption of a task no node record owns (`POST /api/v1/debug/orphans/{task}/
   * adopt`, orphan-adoption.ts), in the driver's serial work so that no decision races it.
   */
  adoptOrphan(taskId: string): Promise<Adoption> {
    return new Promise((resolve, reject) =>
      this.serial('adopt orphan', async () => {
        try {
          resolve(
            await adoptOrphan(
              {
                config: this.o.config,
                store: this.o.store,
                orphans: this.orphans,
                frameworkId: this.client.frameworkId,
                operator: (call) => this.client.operatorCall(call),
                reconcile: (n) =>
                  this.client.reconcile([
                    { task_id: { value: n.taskId }, agent_id: { value: n.agentId! } },
                  ]),
                log: this.log,
              },
              taskId,
            ),
          );
        } catch (err) {
          reject(err instanceof Error ? err : new Error(String(err)));
        }
      }),
    );
  }

  /**
   * A kill can be lost (an agent that just came back may not have its executor re-subscribed
   * yet): the kill of a replaced node's old task is repeated every 15 s until a terminal update
   * for it arrives, so its reservation is offered and released.
   */
  private killStale(taskId: TaskID, agentId: AgentID | undefined): void {
    const send = () => void this.client.kill(taskId, agentId).catch(() => undefined);
    send();
    if (this.staleKills.has(taskId.value)) return;
    let attempts = 0;
    const timer = setInterval(() => {
      if (++attempts > 40) return this.stopStaleKill(taskId.value);
      send();
    }, 15000);
    timer.unref();
    this.staleKills.set(taskId.value, timer);
  }

  private stopStaleKill(taskId: string): void {
    clearInterval(this.staleKills.get(taskId));
    this.staleKills.delete(taskId);
  }

  /** Acts on the node lifecycle's reaction to one update (see status-reactions.ts). */
  private async applyUpdate(node: NodeDoc, s: TaskStatus): Promise<void> {
    const r = reactToStatus(node, s, this.o.config, Date.now());
    if (r.stopKilling) this.stopStaleKill(s.task_id.value);
    if (r.log) this.log[r.log.level](r.log.message, r.log.fields);
    if (r.kill === 'until-gone') this.killStale(s.task_id, s.agent_id);
    if (r.kill === 'once') await this.client.kill(s.task_id, s.agent_id).catch(() => undefined);
    for (const c of r.changes) {
      if (c.to) await this.o.store.transitionNode(node.key, c.to, c.patch);
      else await this.o.store.updateNode(node.key, (n) => ({ ...n, ...c.patch }));
      if (c.to === 'restarting') this.o.metrics?.failures.inc({ state: s.state });
    }
    if (r.revive) await this.revive();
  }

  // ---- offers -------------------------------------------------------------------------------

  /**
   * One batch of offers: the evaluator decides (see offer-evaluator.ts); here the decisions'
   * record changes are written first, then their operations sent. A decision whose record cannot
   * be written (the node changed meanwhile) is dropped, and its offer declined.
   */
  private async onOffers(received: Offer[]): Promise<void> {
    this.o.metrics?.offersReceived.inc(received.length);
    this.lastOffers = Date.now();
    // Mesos may split one agent's resources over several offers (the executor's share of a
    // reservation often comes back on its own); they are handled as one, and accepted together.
    const { offers, idsOf } = mergeByAgent(received);
    for (const offer of offers) this.agents.set(offer.agent_id.value, agentOfOffer(offer));
    const store = this.o.store;
    const nodes = await store.listNodes();
    // Deploy plans decide when a requested node may be placed (only read when some node waits).
    const waiting = new Set(nodes.filter((n) => n.state === 'requested').map((n) => n.cluster));
    const plans = (await Promise.all([...waiting].map((c) => store.listPlans(c)))).flat();
    this.instanceId ??= (
      await store.updateScheduler((d) => (d.instanceId ? d : { ...d, instanceId: randomUUID() }))
    ).instanceId!;
    const evaluation = evaluateOffers({
      instanceId: this.instanceId,
      releaseUnknown: this.unknown.releaseRequested(),
      offers,
      nodes,
      clusters: new Map((await store.listClusters()).map((c) => [c.name, c])),
      config: this.o.config,
      launch: {
        schedulerUrl: this.o.schedulerUrl,
        ...(this.o.schedulerCa?.() ? { schedulerCa: this.o.schedulerCa() } : {}),
        ...(this.o.executorKey ? { executorKey: this.o.executorKey } : {}),
        zookeepers: this.o.zookeepers,
        zookeeperChroot: this.o.zookeeperChroot,
      },
      agents: this.agents,
      now: Date.now(),
      newExecutorId: (n) => `${n.key}-${randomUUID()}`,
      mayPlace: (key) => mayPlace(plans, key),
    });
    if (evaluation.releasedAny) this.lastRelease = Date.now();
    const ops = new Map<string, OfferOperation[]>(offers.map((o) => [o.id.value, []]));
    const applied: NodeDecision[] = [];
    for (const d of evaluation.decisions) {
      if (d.kind === 'keep-unknown' || d.kind === 'release-unknown') {
        const first = this.unknown.seen(
          d,
          offers.find((o) => o.id.value === d.offerId),
        );
        this.o.metrics?.unknownReservations.inc();
        // Said once per reservation (and on every explicit release).
        if (first || d.kind === 'release-unknown')
          this.log.warn(d.message, { agent: d.agentId, labels: d.reservation?.labels });
        if (d.kind === 'keep-unknown') continue;
      }
      try {
        await this.persist(d);
      } catch (err) {
        this.log.warn('dropped an offer decision: its node record could not be written', {
          node: d.node,
          decision: d.kind,
          error: (err as Error).message,
        });
        continue;
      }
      applied.push(d);
      ops.get(d.offerId)!.push(...d.operations);
      this.log[d.level](d.message, { node: d.node, agent: d.agentId, decision: d.kind });
      if (d.kind === 'launch') this.o.metrics?.launches.inc();
    }
    await this.recordPending(evaluation.pending, nodes);
    this.offerLog.record(offers, applied, evaluation.pending);

    // Accept what we use, decline the rest (for long when there is nothing left to do).
    const work = offers.some((o) => ops.get(o.id.value)!.length === 0)
      ? this.hasWork(await store.listNodes())
      : true;
    for (const offer of offers) {
      const list = ops.get(offer.id.value)!;
      const ids = idsOf.get(offer.id.value)!;
      if (list.length) {
        for (const op of list) this.o.metrics?.operations.inc({ type: op.type });
        this.o.metrics?.offersAccepted.inc(ids.length);
        await this.client.accept(ids, list, { refuse_seconds: 1 });
      } else {
        this.o.metrics?.offersDeclined.inc(ids.length);
        // Declined for long while idle: new work must REVIVE to clear the filter.
        if (!work) this.filtered = true;
        await this.client.decline(ids, { refuse_seconds: work ? 1 : 30 });
      }
    }
  }

  /** Writes a decision's record changes, each checked against the state it was made from. */
  private async persist(d: NodeDecision): Promise<void> {
    let first = true;
    for (const c of d.changes) {
      if (c.type === 'delete') {
        await this.o.store.deleteNode(d.node);
        continue;
      }
      const expected = first ? d.fromState : undefined;
      first = false;
      await this.o.store.updateNode(d.node, (n) => {
        if (expected !== undefined && n.state !== expected)
          throw new Error(`the node went from ${expected} to ${n.state} meanwhile`);
        return { ...n, ...c.patch, state: c.to };
      });
    }
  }

  /**
   * Each waiting node's reason, written to its record only when the text changes (so an idle
   * offer batch writes nothing); nodes that got what they waited for lose theirs.
   */
  private async recordPending(
    pending: ReadonlyMap<string, PendingReason>,
    nodes: readonly NodeDoc[],
  ): Promise<void> {
    const now = Date.now();
    for (const n of nodes) {
      let reason = pending.get(n.key);
      if (reason?.offers.length) {
        const merged = accumulateRejections(this.rejections.get(n.key), reason.offers, now);
        this.rejections.set(n.key, merged.byAgent);
        reason = merged.reason;
      } else if (n.state !== 'requested') this.rejections.delete(n.key);
      if (!reason || n.pendingReason?.text === reason.text) continue;
      await this.o.store
        .updateNode(n.key, (x) =>
          x.state === n.state
            ? { ...x, pendingReason: { text: reason.text, at: new Date().toISOString() } }
            : undefined,
        )
        .catch(() => undefined);
    }
  }

  // ---- executor messages ---------------------------------------------------------------------

  /**
   * Sends a request to a node's executor and waits for its reply (checked with the contract's
   * schema on both ways; a reply that fails it comes back as a failed answer).
   */
  ask(node: NodeDoc, body: ExecutorRequestBody, timeoutMs = 120000): Promise<ExecutorReply> {
    return this.executors.ask(node, body, timeoutMs);
  }

  // ---- the work loop --------------------------------------------------------------------------

  /** Whether offers are still needed: nodes to place, launch or release, or a recent release. */
  private hasWork(nodes: NodeDoc[]): boolean {
    if (this.unknown.releaseRequested().size > 0) return true;
    if (Date.now() - this.lastRelease < 60000) return true;
    return nodes.some((n) =>
      (n.wanted ? WANTED_NEED_OFFERS : UNWANTED_NEED_OFFERS).includes(n.state),
    );
  }

  private async revive(): Promise<void> {
    if (!this.client.subscribed) return;
    this.suppressed = false;
    await this.client.revive().catch(() => undefined);
  }

  private async tick(): Promise<void> {
    if (!this.client.subscribed) return;
    const store = this.o.store;
    const nodes = await store.listNodes();
    const clusters = await store.listClusters();
    this.handoff.prime(
      clusters.map((c) => ({ name: c.name, nodes: nodes.filter((n) => n.cluster === c.name) })),
    );
    this.handoff.retain(clusters.map((c) => c.name));
    for (const n of nodes) await this.membership.progressRemoval(n);
    await replacePermanentFailures(clusters, nodes, {
      store,
      logger: this.log,
      defaultTimeoutSeconds: this.o.config.permanentFailureTimeoutSeconds,
      revive: () => this.revive(),
    });
    for (const c of clusters) {
      const members = nodes.filter((n) => n.cluster === c.name);
      await this.membership.progressJoins(c, members);
      await this.progressPlans(c, members);
      this.handoff.progress(
        c.name,
        members,
        nodesInPlans((await store.listPlans(c.name)).map(planView)),
      );
      if (c.state === 'shutting_down' && members.length === 0) {
        await store.deleteCluster(c.name);
        this.log.info('cluster destroyed', { cluster: c.name });
      }
      if (c.state === 'requested' && members.some((m) => m.state === 'running'))
        await store.updateCluster(c.name, (x) =>
          x.state === 'requested' ? { ...x, state: 'running' } : undefined,
        );
    }
    const work = this.hasWork(await store.listNodes());
    if (work && (this.suppressed || this.filtered)) {
      this.filtered = false;
      await this.revive();
    } else if (!work && !this.suppressed) {
      this.suppressed = true;
      await this.client.suppress().catch(() => undefined);
    } else if (!work && Date.now() - this.lastOffers > INVENTORY_MS) {
      // Idle for long: ask for offers once, so reservations no record owns are still seen and
      // listed (GET /debug/reservations) while nothing else brings offers.
      this.lastOffers = Date.now();
      await this.revive();
    }
    if (Date.now() - this.lastExplicitReconcile > this.o.config.reconcileIntervalSeconds * 1000)
      await this.reconcile();
  }

  /**
   * Plans (../plans): each of the cluster's active plans progressed against its nodes, persisted,
   * then acted on (rolling restarts and upgrades restart nodes and check their ring).
   */
  private async progressPlans(c: ClusterDoc, nodes: NodeDoc[]): Promise<void> {
    await progressPlans(c, nodes, {
      store: this.o.store,
      logger: this.log,
      ask: (n, request, timeoutMs) => this.ask(n, request, timeoutMs),
      killTask: (n) => this.membership.killTask(n),
      revive: () => this.revive(),
      later: (what, fn) => this.serial(what, fn),
      inFlight: this.membership.inFlight,
    });
  }
}

/**
 * One offer per agent: the offers of an agent in one batch, their resources together under the
 * first offer's id, and every id behind it (an ACCEPT may name several offers of one agent).
 */
export function mergeByAgent(received: Offer[]): {
  offers: Offer[];
  idsOf: Map<string, OfferID[]>;
} {
  const byAgent = new Map<string, Offer>();
  const idsOf = new Map<string, OfferID[]>();
  for (const o of received) {
    const first = byAgent.get(o.agent_id.value);
    if (!first) {
      byAgent.set(o.agent_id.value, { ...o, resources: [...(o.resources ?? [])] });
      idsOf.set(o.id.value, [o.id]);
      continue;
    }
    first.resources = [...(first.resources ?? []), ...(o.resources ?? [])];
    idsOf.get(first.id.value)!.push(o.id);
  }
  return { offers: [...byAgent.values()], idsOf };
}
