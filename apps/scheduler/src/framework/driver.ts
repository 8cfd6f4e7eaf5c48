import { randomUUID } from 'node:crypto';
import type { ExecutorReply, ExecutorRequestBody } from '@riak-mesos/framework-contract';
import { riakNodeName } from '@riak-mesos/framework-contract';
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
import { progressPlans } from '../plans';
import type { SchedulerStore } from '../store';
import type { NodeDecision, PendingReason } from './offer-evaluator';
import { agentOfOffer, evaluateOffers } from './offer-evaluator';
import { ExecutorChannel } from './executor-channel';
import { OfferLog } from './offer-log';
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
  /** ZooKeeper servers and chroot as executors should use them. */
  zookeepers: string[];
  zookeeperChroot: string;
  /** How often the driver looks for work (joins, removals, rolling operations). */
  tickMs?: number;
}

/** Thrown (and reported) when Mesos no longer knows the stored framework id. */
export class UnknownFrameworkError extends Error {}

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
  private readonly o: DriverOptions;
  private queue: Promise<void> = Promise.resolve();
  private ticker: NodeJS.Timeout | undefined;
  private reconcileTimer: NodeJS.Timeout | undefined;
  private suppressed = false;
  /** Some offers were declined with a long filter since the last REVIVE. */
  private filtered = false;
  private stopped = false;
  private readonly agents = new Map<string, PlacementAgent>();
  private readonly inFlight = new Set<string>();
  private readonly leaveSent = new Set<string>();
  /** Kills of replaced nodes' old tasks, repeated until Mesos reports the task gone. */
  private readonly staleKills = new Map<string, NodeJS.Timeout>();
  private lastExplicitReconcile = 0;
  /** CPUs of each removed node's reservation released so far (in this process). */
  private released = new Map<string, number>();
  /** When each unknown reservation (node label @ agent) was last reported. */
  private readonly unknownWarned = new Map<string, number>();
  /** The latest offer evaluations, for `GET /api/v1/debug/offers`. */
  readonly offerLog = new OfferLog(50);
  /** Whether a requested node may be placed now (set by the plans); all may when unset. */
  mayPlace: ((key: string) => boolean) | undefined;
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
      logger: options.logger.child({ component: 'mesos-scheduler-client' }),
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
      // A task of ours that no node claims: stop it (left from an earlier life of the cluster).
      if (!TERMINAL.has(s.state)) {
        this.log.warn('killing a task no node owns', { task: taskId, state: s.state });
        await this.client.kill(s.task_id, s.agent_id).catch(() => undefined);
      }
    } else await this.applyUpdate(node, s);
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
    // Mesos may split one agent's resources over several offers (the executor's share of a
    // reservation often comes back on its own); they are handled as one, and accepted together.
    const { offers, idsOf } = mergeByAgent(received);
    for (const offer of offers) this.agents.set(offer.agent_id.value, agentOfOffer(offer));
    const store = this.o.store;
    const nodes = await store.listNodes();
    const evaluation = evaluateOffers({
      offers,
      nodes,
      clusters: new Map((await store.listClusters()).map((c) => [c.name, c])),
      config: this.o.config,
      launch: {
        schedulerUrl: this.o.schedulerUrl,
        zookeepers: this.o.zookeepers,
        zookeeperChroot: this.o.zookeeperChroot,
      },
      agents: this.agents,
      released: this.released,
      now: Date.now(),
      newExecutorId: (n) => `${n.key}-${randomUUID()}`,
      ...(this.mayPlace ? { mayPlace: this.mayPlace } : {}),
    });
    this.released = evaluation.released;
    if (evaluation.releasedAny) this.lastRelease = Date.now();
    const ops = new Map<string, OfferOperation[]>(offers.map((o) => [o.id.value, []]));
    const applied: NodeDecision[] = [];
    for (const d of evaluation.decisions) {
      if (d.kind === 'keep-unknown') {
        this.warnUnknownReservation(d);
        continue;
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

  /** Reservations no record owns are kept; said once per node label and agent per hour. */
  private warnUnknownReservation(d: NodeDecision): void {
    const id = `${d.node}@${d.agentId}`;
    const last = this.unknownWarned.get(id) ?? 0;
    this.o.metrics?.unknownReservations.inc();
    if (Date.now() - last < 3600_000) return;
    this.unknownWarned.set(id, Date.now());
    this.log.warn(d.message, { node: d.node, agent: d.agentId });
  }

  /**
   * Each waiting node's reason, written to its record only when the text changes (so an idle
   * offer batch writes nothing); nodes that got what they waited for lose theirs.
   */
  private async recordPending(
    pending: ReadonlyMap<string, PendingReason>,
    nodes: readonly NodeDoc[],
  ): Promise<void> {
    for (const n of nodes) {
      const reason = pending.get(n.key);
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
    for (const n of nodes) await this.progressRemoval(n);
    await this.replaceLost(nodes);
    for (const c of clusters) {
      const members = nodes.filter((n) => n.cluster === c.name);
      await this.progressJoins(c, members);
      await this.progressPlans(c, members);
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
    }
    if (Date.now() - this.lastExplicitReconcile > this.o.config.reconcileIntervalSeconds * 1000)
      await this.reconcile();
  }

  /**
   * With `replaceAfterAgentLostSeconds` set: a node whose agent has been unreachable that long
   * is placed again elsewhere with a new volume (its data comes back from the other replicas);
   * its old member is force-removed before the new one joins, and what it left on the old agent
   * is killed and released if that agent ever returns.
   */
  private async replaceLost(nodes: NodeDoc[]): Promise<void> {
    const after = this.o.config.replaceAfterAgentLostSeconds;
    if (after <= 0) return;
    for (const n of nodes) {
      if (
        !n.wanted ||
        !n.agentLostSince ||
        !['launching', 'starting', 'running', 'restarting'].includes(n.state)
      )
        continue;
      if (Date.now() - Date.parse(n.agentLostSince) < after * 1000) continue;
      this.log.warn('replacing a node whose agent is lost', {
        node: n.key,
        agent: n.agentId,
        lostSince: n.agentLostSince,
      });
      await this.o.store.transitionNode(n.key, 'requested', {
        persistenceId: `${n.key}-${randomUUID()}`,
        // A new task id: the old task may still exist on the lost agent.
        taskId: `${n.key}-r${Date.now().toString(36)}`,
        agentId: undefined,
        hostname: undefined,
        reservedPorts: [],
        ports: undefined,
        executorId: undefined,
        member: false,
        agentLostSince: undefined,
        replacedName: n.member && n.hostname ? riakNodeName(n.key, n.hostname) : undefined,
      });
      await this.revive();
    }
  }

  /** Graceful removal: leave the ring, hand off, stop, then release (on the next offer). */
  private async progressRemoval(n: NodeDoc): Promise<void> {
    if (n.wanted) return;
    const store = this.o.store;
    switch (n.state) {
      case 'requested':
        await store.transitionNode(n.key, 'shut_down');
        await store.deleteNode(n.key);
        return;
      case 'reserving':
      case 'reserved':
      case 'failed':
      case 'restarting':
      case 'shut_down':
        await store.transitionNode(n.key, 'unreserving');
        await this.revive();
        return;
      case 'running':
        if (n.member && (await this.otherMembers(n)).length > 0) {
          await store.transitionNode(n.key, 'leaving');
          this.leave(n);
        } else {
          await store.transitionNode(n.key, 'shutting_down');
          await this.killTask(n);
        }
        return;
      case 'leaving':
        if (!this.leaveSent.has(n.key)) this.leave(n);
        return;
      case 'unreserving':
        // Released in part by an earlier scheduler process and nothing more offered since.
        if (Date.now() - Date.parse(n.updatedAt) > 120000) {
          this.log.warn('forgetting a removed node whose reservation is no longer offered', {
            node: n.key,
          });
          await store.deleteNode(n.key);
        }
        return;
      case 'shutting_down':
        // A kill can be lost (the agent was unreachable): repeat it until the task is gone.
        if (Date.now() - Date.parse(n.updatedAt) > 10000) {
          await store.updateNode(n.key, (x) => ({ ...x }));
          await this.killTask(n);
        }
        return;
      case 'launching':
      case 'starting':
        await store.transitionNode(n.key, 'shutting_down');
        await this.killTask(n);
        return;
      default:
        return;
    }
  }

  /** Asks Mesos to kill a node's task; a lost kill is repeated by the caller's state. */
  private killTask(n: NodeDoc): Promise<void> {
    return this.client
      .kill({ value: n.taskId }, n.agentId ? { value: n.agentId } : undefined)
      .catch(() => undefined);
  }

  private async otherMembers(n: NodeDoc): Promise<NodeDoc[]> {
    return (await this.o.store.listNodes(n.cluster)).filter(
      (x) => x.key !== n.key && x.member && x.wanted && x.state === 'running',
    );
  }

  private leave(n: NodeDoc): void {
    this.leaveSent.add(n.key);
    this.ask(n, { type: 'leave' }, 30 * 60 * 1000).then(
      (answer) =>
        this.serial('left', async () => {
          this.leaveSent.delete(n.key);
          if (answer.ok !== true) {
            this.log.warn('leave failed; trying again', { node: n.key, error: answer.error });
            return;
          }
          this.log.info('node left the cluster; stopping it', { node: n.key });
          const cur = await this.o.store.getNode(n.key);
          if (!cur || cur.state !== 'leaving') return;
          await this.o.store.transitionNode(n.key, 'shutting_down', { member: false });
          await this.ask(cur, { type: 'finish' }, 5000).catch(() => this.killTask(n));
        }),
      (err: Error) => {
        this.leaveSent.delete(n.key);
        this.log.warn('leave did not complete; trying again', { node: n.key, error: err.message });
      },
    );
  }

  /** Running nodes that are not members join a running member (the first node seeds the ring). */
  private async progressJoins(c: ClusterDoc, nodes: NodeDoc[]): Promise<void> {
    const members = nodes.filter((n) => n.member && n.state === 'running' && n.wanted);
    for (const n of nodes) {
      if (n.member || !n.wanted || n.state !== 'running' || this.inFlight.has(n.key)) continue;
      if (!nodes.some((x) => x.member)) {
        // The first node of a cluster is its ring; later nodes join it.
        await this.o.store.updateNode(n.key, (x) => ({ ...x, member: true }));
        this.log.info('node seeds the cluster ring', { node: n.key, cluster: c.name });
        return;
      }
      const target = members[0];
      if (!target) return;
      if (n.replacedName) {
        // The member it replaces is gone for good: a running member force-removes it first.
        const gone = n.replacedName;
        this.inFlight.add(n.key);
        this.ask(target, { type: 'remove', target: gone }).then(
          (answer) =>
            this.serial('removed', async () => {
              this.inFlight.delete(n.key);
              if (answer.ok === true) {
                await this.o.store.updateNode(n.key, (x) => ({ ...x, replacedName: undefined }));
                this.log.info('force-removed the member a node replaces', {
                  node: n.key,
                  removed: gone,
                });
              } else
                this.log.warn('force-remove failed; will retry', {
                  node: n.key,
                  error: answer.error,
                });
            }),
          (err: Error) => {
            this.inFlight.delete(n.key);
            this.log.warn('force-remove did not complete; will retry', {
              node: n.key,
              error: err.message,
            });
          },
        );
        continue;
      }
      this.inFlight.add(n.key);
      const targetName = riakNodeName(target.key, target.hostname ?? '');
      this.log.info('joining node to its cluster', { node: n.key, target: targetName });
      this.ask(n, { type: 'join', target: targetName }).then(
        (answer) =>
          this.serial('joined', async () => {
            this.inFlight.delete(n.key);
            if (answer.ok === true) {
              await this.o.store.updateNode(n.key, (x) => ({
                ...x,
                member: true,
                lastTaskMessage: `joined ${targetName}`,
              }));
              this.log.info('node joined', { node: n.key, target: targetName });
            } else {
              await this.o.store.updateNode(n.key, (x) => ({
                ...x,
                lastTaskMessage: `join failed: ${String(answer.error)}`,
              }));
              this.log.warn('join failed; will retry', { node: n.key, error: answer.error });
            }
          }),
        (err: Error) => {
          this.inFlight.delete(n.key);
          this.log.warn('join did not complete; will retry', { node: n.key, error: err.message });
        },
      );
    }
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
      killTask: (n) => this.killTask(n),
      revive: () => this.revive(),
      later: (what, fn) => this.serial(what, fn),
      inFlight: this.inFlight,
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
