// Over 400 lines: the store is the scheduler's one writer of its ZooKeeper state (scheduler, clusters,
// nodes, plans), so that every compare-and-set and transaction is in one place.
import { randomUUID } from 'node:crypto';
import { EventEmitter } from 'node:events';
import type { Logger } from '@riak-mesos/logging';
import { createLogger } from '@riak-mesos/logging';
import type { FrameworkLayout, TransactionOp, Versioned, ZkClient } from '@riak-mesos/zk';
import {
  BadVersionError,
  DocumentStore,
  NoNodeError,
  NodeExistsError,
  TransactionError,
  frameworkLayout,
  validateName,
} from '@riak-mesos/zk';
import type { RegisteredDirector } from './directors';
import { ensureDirectorsNode, registeredDirectors } from './directors';
import { DocumentView } from './document-view';
import type { ClusterDoc, NodeDoc, SchedulerDoc } from './model';
import {
  SCHEMA_VERSION,
  clusterSchema,
  legacyCookie,
  newCookie,
  nodeKey,
  nodeSchema,
  schedulerSchema,
} from './model';
import type { NodeState } from './node-state';
import { assertTransition } from './node-state';
import type { PlanDoc } from './plans/model';
import { FINISHED_PLANS_KEPT, PLAN_SCHEMA_VERSION, isFinished, planDocSchema } from './plans/model';

/** A transaction that lost a race (a version moved, a document appeared): tried again. */
function raced(err: unknown): boolean {
  return (
    err instanceof TransactionError &&
    (err.cause instanceof BadVersionError || err.cause instanceof NodeExistsError)
  );
}

export class NotFoundError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'NotFoundError';
  }
}

export class ConflictError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ConflictError';
  }
}

export interface StoreEvents {
  cluster: [ClusterDoc, ClusterDoc | null];
  node: [NodeDoc, NodeDoc | null];
  'node-deleted': [NodeDoc];
  'cluster-deleted': [ClusterDoc];
  plan: [PlanDoc, PlanDoc | null];
}

/**
 * The scheduler's persistent state in ZooKeeper: the scheduler document (framework id), one
 * document per cluster and one per node. Every change goes through compare-and-set; changes that
 * span documents (adding nodes bumps the cluster's generation) are single transactions, so
 * ZooKeeper never holds a half-made change. Emits an event after every successful write.
 *
 * Reads of clusters and nodes are answered from an in-memory view kept current by ZooKeeper
 * watches (document-view.ts), so their cost grows with what changes, not with how much there is;
 * writes of other processes (a standby's API) arrive through the watches, and this store's own
 * writes update the view as soon as ZooKeeper accepts them. Until the view has read everything
 * (at start, and after a session expiry until the new session has re-read it) reads go to
 * ZooKeeper. Documents read are frozen (they are shared): change them by copy.
 */
export class SchedulerStore extends EventEmitter<StoreEvents> {
  readonly layout: FrameworkLayout;
  private readonly scheduler: DocumentStore<SchedulerDoc>;
  private readonly clusters: DocumentStore<ClusterDoc>;
  private readonly nodes: DocumentStore<NodeDoc>;
  private readonly clusterView: DocumentView<ClusterDoc>;
  private readonly nodeView: DocumentView<NodeDoc>;
  private readonly planDocs: DocumentStore<PlanDoc>;
  /** Each cluster's plans in memory, kept current by watches (by cluster and its creation time). */
  private readonly planViews = new Map<string, Promise<DocumentView<PlanDoc> | undefined>>();
  private readonly planLog = createLogger('scheduler-plans');

  constructor(
    private readonly zk: ZkClient,
    readonly frameworkName: string,
    private readonly logger: Logger = createLogger('scheduler-store'),
  ) {
    super();
    this.layout = frameworkLayout(frameworkName);
    this.scheduler = new DocumentStore(zk, {
      kind: 'scheduler',
      schemaVersion: SCHEMA_VERSION,
      schema: schedulerSchema,
    });
    this.clusters = new DocumentStore(zk, {
      kind: 'cluster',
      schemaVersion: SCHEMA_VERSION,
      schema: clusterSchema,
    });
    this.nodes = new DocumentStore(zk, {
      kind: 'node',
      schemaVersion: SCHEMA_VERSION,
      schema: nodeSchema,
    });
    this.clusterView = new DocumentView(zk, this.layout.clusters, this.clusters, logger);
    this.nodeView = new DocumentView(zk, this.layout.nodes, this.nodes, logger);
    this.planDocs = new DocumentStore(zk, {
      kind: 'plan',
      schemaVersion: PLAN_SCHEMA_VERSION,
      schema: planDocSchema,
    });
  }

  /** Makes the framework's paths and reads every cluster and node into the in-memory view. */
  async init(): Promise<void> {
    await this.zk.ensurePath(this.layout.clusters);
    await this.zk.ensurePath(this.layout.nodes);
    await this.zk.ensurePath(this.layout.coordinatedNodes);
    await this.zk.ensurePath(this.layout.erlpmdNodes);
    await Promise.all([this.clusterView.start(), this.nodeView.start()]);
    await this.ensureClusterCookies();
    for (const c of await this.listClusters())
      await ensureDirectorsNode(this.zk, this.layout, c.name);
  }

  /**
   * Gives each cluster of an older scheduler its cookie: a random one, unless a node of it has
   * been launched with the old guessable `<framework>-<cluster>`, which is then kept (nodes with
   * different cookies cannot talk; docs/security.md) and warned about at every start. A
   * compare-and-set that finds a cookie already there changes nothing, so schedulers may race.
   */
  private async ensureClusterCookies(): Promise<void> {
    for (const c of await this.listClusters()) {
      const legacy = legacyCookie(this.frameworkName, c.name);
      if (!c.cookie) {
        const launched = (await this.listNodes(c.name)).some(
          (n) =>
            n.executorId !== undefined || !['requested', 'reserving', 'reserved'].includes(n.state),
        );
        const cookie = launched ? legacy : newCookie();
        await this.updateCluster(c.name, (x) => (x.cookie ? undefined : { ...x, cookie })).catch(
          (err: Error) => {
            if (!(err instanceof NotFoundError)) throw err;
          },
        );
      }
      if ((await this.getCluster(c.name))?.cookie === legacy)
        this.logger.warn(
          'cluster keeps the guessable Erlang cookie of an older scheduler (its nodes run with it)',
          { cluster: c.name },
        );
    }
  }

  /** Whether cluster and node reads are answered from memory (the view has read everything). */
  get viewSynced(): boolean {
    return this.clusterView.synced && this.nodeView.synced;
  }

  /** The store's ZooKeeper client (for the documents kept beside its own: config-versions.ts). */
  get zookeeper(): ZkClient {
    return this.zk;
  }

  /** Requests this store's ZooKeeper client has sent (for the metrics and the benchmark). */
  get zookeeperRequests(): number {
    return this.zk.requests;
  }

  /** The same by operation (`get`, `children`, `set`, …). */
  zookeeperRequestsByOperation(): Map<string, number> {
    return this.zk.requestsByOperation();
  }

  /** Stops following ZooKeeper (reads go to ZooKeeper from then on). */
  close(): void {
    for (const v of this.planViews.values()) void v.then((x) => x?.close());
    this.clusterView.close();
    this.nodeView.close();
  }

  /**
   * Read-modify-write with compare-and-set: the first attempt starts from the view's copy (no
   * read), a conflict re-reads ZooKeeper. The view gets the written document (as stored).
   */
  private async casUpdate<T>(
    docs: DocumentStore<T>,
    view: DocumentView<T>,
    name: string,
    path: string,
    fn: (current: T) => T | undefined,
    missing: () => Error,
  ): Promise<{ before: T; after: T }> {
    for (let attempt = 0; ; attempt++) {
      const current =
        (attempt === 0 && view.synced ? view.get(name) : undefined) ?? (await docs.read(path));
      if (!current) throw missing();
      const next = fn(current.value);
      if (next === undefined) return { before: current.value, after: current.value };
      const bytes = docs.encode(next, path);
      try {
        const stat = await this.zk.set(path, bytes, current.version);
        const stored = docs.decode(bytes, path);
        view.written(name, stored, stat);
        return { before: current.value, after: stored };
      } catch (err) {
        const conflict = err instanceof BadVersionError || err instanceof NoNodeError;
        if (!conflict || attempt >= 20) throw err;
      }
    }
  }

  // ---- scheduler document ----

  async getScheduler(): Promise<SchedulerDoc> {
    return (await this.scheduler.read(this.layout.scheduler))?.value ?? {};
  }

  async updateScheduler(fn: (doc: SchedulerDoc) => SchedulerDoc): Promise<SchedulerDoc> {
    const res = await this.scheduler.update(this.layout.scheduler, (cur) => fn(cur ?? {}));
    return res!.value;
  }

  // ---- clusters ----

  async listClusters(): Promise<ClusterDoc[]> {
    if (this.clusterView.synced)
      return this.clusterView.values().sort((a, b) => a.name.localeCompare(b.name));
    const { documents } = await this.clusters.list(this.layout.clusters);
    return [...documents.values()].map((d) => d.value);
  }

  async getCluster(name: string): Promise<ClusterDoc | null> {
    validateName('cluster', name);
    if (this.clusterView.synced) return this.clusterView.get(name)?.value ?? null;
    return (await this.clusters.read(this.layout.cluster(name)))?.value ?? null;
  }

  async requireCluster(name: string): Promise<ClusterDoc> {
    const c = await this.getCluster(name);
    if (!c) throw new NotFoundError(`cluster '${name}' does not exist`);
    return c;
  }

  async createCluster(name: string, riakVersion: string): Promise<ClusterDoc> {
    validateName('cluster', name);
    // The node key `<framework>-<cluster>-<n>` must itself be a valid name.
    validateName('node', nodeKey(this.frameworkName, name, 1_000_000));
    const doc: ClusterDoc = {
      name,
      state: 'requested',
      riakVersion,
      nextGeneration: 1,
      createdAt: new Date().toISOString(),
      cookie: newCookie(),
    };
    try {
      await this.clusters.create(this.layout.cluster(name), doc);
    } catch (err) {
      if (err instanceof NodeExistsError)
        throw new ConflictError(`cluster '${name}' already exists`);
      throw err;
    }
    await ensureDirectorsNode(this.zk, this.layout, name);
    await this.clusterView.created(name);
    this.emit('cluster', doc, null);
    return doc;
  }

  async updateCluster(
    name: string,
    fn: (c: ClusterDoc) => ClusterDoc | undefined,
  ): Promise<ClusterDoc> {
    const { before, after } = await this.casUpdate(
      this.clusters,
      this.clusterView,
      name,
      this.layout.cluster(name),
      fn,
      () => new NotFoundError(`cluster '${name}' does not exist`),
    );
    if (before !== after) this.emit('cluster', after, before);
    return after;
  }

  /**
   * A cluster change with other writes in one transaction (a configuration version made with it,
   * config-versions.ts): `fn` answers the next document and the operations to go with it
   * (undefined: no change). A conflict (the cluster or an operation's path changed) starts again
   * from ZooKeeper, so nothing is ever half-written.
   */
  async updateClusterWith(
    name: string,
    fn: (c: ClusterDoc) => { next: ClusterDoc; ops: TransactionOp[] } | undefined,
  ): Promise<{ before: ClusterDoc; after: ClusterDoc }> {
    const path = this.layout.cluster(name);
    for (let attempt = 0; attempt < 20; attempt++) {
      const current =
        (attempt === 0 && this.clusterView.synced ? this.clusterView.get(name) : undefined) ??
        (await this.clusters.read(path));
      if (!current) throw new NotFoundError(`cluster '${name}' does not exist`);
      const change = fn(current.value);
      if (!change) return { before: current.value, after: current.value };
      const bytes = this.clusters.encode(change.next, path);
      try {
        await this.zk.transaction([
          { op: 'set', path, data: bytes, version: current.version },
          ...change.ops,
        ]);
      } catch (err) {
        if (raced(err)) continue;
        throw err;
      }
      await this.clusterView.created(name);
      const after = this.clusters.decode(bytes, path);
      this.emit('cluster', after, current.value);
      return { before: current.value, after };
    }
    throw new ConflictError(`cluster '${name}' kept changing; try again`);
  }

  async deleteCluster(name: string): Promise<void> {
    const cluster = await this.requireCluster(name);
    const nodes = await this.listNodes(name);
    if (nodes.length > 0)
      throw new ConflictError(`cluster '${name}' still has ${nodes.length} node(s)`);
    await this.zk.deleteRecursive(this.layout.plans(name)); // its plans are under it
    await this.zk.deleteRecursive(this.layout.configurations(name)); // and its config versions
    await this.zk.deleteRecursive(this.layout.directors(name)); // and its directors' registrations
    for (const [key, view] of this.planViews)
      if (key.startsWith(`${name}@`)) {
        this.planViews.delete(key);
        void view.then((v) => v?.close());
      }
    await this.zk.delete(this.layout.cluster(name));
    this.clusterView.removed(name);
    this.emit('cluster-deleted', cluster);
  }

  /** The directors registered for a cluster (directors.ts). */
  registeredDirectors(cluster: string): Promise<RegisteredDirector[]> {
    return registeredDirectors(this.zk, this.layout, cluster, this.logger);
  }

  // ---- nodes ----

  async listNodes(cluster?: string): Promise<NodeDoc[]> {
    const all = this.nodeView.synced
      ? this.nodeView.values()
      : [...(await this.nodes.list(this.layout.nodes)).documents.values()].map((d) => d.value);
    return (cluster === undefined ? all : all.filter((n) => n.cluster === cluster)).sort(
      (a, b) => a.generation - b.generation || a.key.localeCompare(b.key),
    );
  }

  async getNode(key: string): Promise<NodeDoc | null> {
    validateName('node', key);
    if (this.nodeView.synced) return this.nodeView.get(key)?.value ?? null;
    return (await this.nodes.read(this.layout.node(key)))?.value ?? null;
  }

  async requireNode(cluster: string, key: string): Promise<NodeDoc> {
    const n = await this.getNode(key);
    if (!n || n.cluster !== cluster)
      throw new NotFoundError(`node '${key}' does not exist in cluster '${cluster}'`);
    return n;
  }

  /**
   * Adds `count` nodes to a cluster in one transaction: the cluster's generation counter moves
   * and the node documents appear together, or nothing changes.
   */
  async addNodes(clusterName: string, count: number): Promise<NodeDoc[]> {
    if (!Number.isInteger(count) || count < 1 || count > 100)
      throw new RangeError('the number of nodes to add must be a whole number from 1 to 100');
    for (let attempt = 0; attempt < 20; attempt++) {
      const current =
        (attempt === 0 && this.clusterView.synced
          ? this.clusterView.get(clusterName)
          : undefined) ?? (await this.clusters.read(this.layout.cluster(clusterName)));
      if (!current) throw new NotFoundError(`cluster '${clusterName}' does not exist`);
      const cluster = current.value;
      if (cluster.state === 'shutting_down' || cluster.state === 'shutdown')
        throw new ConflictError(`cluster '${clusterName}' is being destroyed`);
      const now = new Date().toISOString();
      const nodes: NodeDoc[] = [];
      for (let i = 0; i < count; i++)
        nodes.push(this.newNode(clusterName, cluster.nextGeneration + i, now));
      const next: ClusterDoc = { ...cluster, nextGeneration: cluster.nextGeneration + count };
      try {
        await this.zk.transaction([
          {
            op: 'set',
            path: this.layout.cluster(clusterName),
            data: this.clusters.encode(next),
            version: current.version,
          },
          ...nodes.map((n) => ({
            op: 'create' as const,
            path: this.layout.node(n.key),
            data: this.nodes.encode(n),
          })),
        ]);
      } catch (err) {
        if (raced(err)) continue;
        throw err;
      }
      // The transaction's answer has no stat: read the documents into the view (and watch them).
      await Promise.all([
        this.clusterView.created(clusterName),
        ...nodes.map((n) => this.nodeView.created(n.key)),
      ]);
      this.emit('cluster', next, cluster);
      for (const n of nodes) this.emit('node', n, null);
      return nodes;
    }
    throw new ConflictError(`cluster '${clusterName}' kept changing; try again`);
  }

  /**
   * Writes the record of an adopted orphan task (framework/orphan-adoption.ts) and raises its
   * cluster's next generation past it, in one transaction; ConflictError if the key is taken.
   */
  async adoptNode(node: NodeDoc, nextGeneration: number): Promise<NodeDoc> {
    for (let attempt = 0; attempt < 20; attempt++) {
      const current = await this.clusters.read(this.layout.cluster(node.cluster));
      if (!current) throw new NotFoundError(`cluster '${node.cluster}' does not exist`);
      const cluster = current.value;
      const next = {
        ...cluster,
        nextGeneration: Math.max(cluster.nextGeneration, nextGeneration),
      };
      try {
        await this.zk.transaction([
          {
            op: 'set',
            path: this.layout.cluster(node.cluster),
            data: this.clusters.encode(next),
            version: current.version,
          },
          { op: 'create', path: this.layout.node(node.key), data: this.nodes.encode(node) },
        ]);
      } catch (err) {
        if (err instanceof TransactionError && err.cause instanceof BadVersionError) continue;
        if (err instanceof TransactionError && err.cause instanceof NodeExistsError)
          throw new ConflictError(`node '${node.key}' already has a record`);
        throw err;
      }
      await Promise.all([this.clusterView.created(node.cluster), this.nodeView.created(node.key)]);
      this.emit('cluster', next, cluster);
      this.emit('node', node, null);
      return node;
    }
    throw new ConflictError(`cluster '${node.cluster}' kept changing; try again`);
  }

  /** A new node of generation `generation`, requested: a new key and a new volume. */
  private newNode(cluster: string, generation: number, now: string): NodeDoc {
    const key = nodeKey(this.frameworkName, cluster, generation);
    return {
      key,
      cluster,
      generation,
      state: 'requested',
      wanted: true,
      persistenceId: `${key}-${randomUUID()}`,
      reservedPorts: [],
      taskId: key,
      member: false,
      failures: 0,
      createdAt: now,
      updatedAt: now,
    };
  }

  /**
   * A node's replacement (replace.ts) in one transaction: a new node (the cluster's next
   * generation, a new volume, avoiding the old node's agent), the old node marked `replacedBy`,
   * and the replace plan `makePlan` builds, after `guard` accepted the cluster's nodes and plans
   * as they are (it throws to refuse). All of it is written, or nothing.
   */
  async replaceNode(
    clusterName: string,
    oldKey: string,
    guard: (cluster: ClusterDoc, nodes: NodeDoc[], plans: PlanDoc[]) => void,
    makePlan: (old: NodeDoc, by: NodeDoc) => PlanDoc,
  ): Promise<{ node: NodeDoc; plan: PlanDoc }> {
    const dir = this.layout.plans(clusterName);
    for (let attempt = 0; attempt < 20; attempt++) {
      const current = await this.clusters.read(this.layout.cluster(clusterName));
      if (!current) throw new NotFoundError(`cluster '${clusterName}' does not exist`);
      const old = await this.nodes.read(this.layout.node(oldKey));
      if (!old || old.value.cluster !== clusterName)
        throw new NotFoundError(`node '${oldKey}' does not exist in cluster '${clusterName}'`);
      await this.zk.ensurePath(dir);
      const dirStat = await this.zk.exists(dir);
      if (!dirStat) continue;
      const cluster = current.value;
      guard(cluster, await this.listNodes(clusterName), await this.listPlans(clusterName));
      const generation = cluster.nextGeneration;
      const now = new Date().toISOString();
      const node: NodeDoc = {
        ...this.newNode(clusterName, generation, now),
        replaces: {
          node: oldKey,
          ...(old.value.agentId !== undefined ? { agentId: old.value.agentId } : {}),
        },
      };
      const key = node.key;
      const replaced: NodeDoc = { ...old.value, replacedBy: key, updatedAt: now };
      const plan = makePlan(old.value, node);
      try {
        await this.zk.transaction([
          {
            op: 'set',
            path: this.layout.cluster(clusterName),
            data: this.clusters.encode({ ...cluster, nextGeneration: generation + 1 }),
            version: current.version,
          },
          {
            op: 'set',
            path: this.layout.node(oldKey),
            data: this.nodes.encode(replaced),
            version: old.version,
          },
          { op: 'create', path: this.layout.node(key), data: this.nodes.encode(node) },
          { op: 'set', path: dir, data: '', version: dirStat.version },
          {
            op: 'create',
            path: this.layout.plan(clusterName, plan.id),
            data: this.planDocs.encode(plan),
          },
        ]);
      } catch (err) {
        if (raced(err)) continue;
        throw err;
      }
      await Promise.all([
        this.clusterView.created(clusterName),
        this.nodeView.created(oldKey),
        this.nodeView.created(key),
        this.plansView(clusterName).then((v) => v?.created(plan.id)),
      ]);
      this.emit('cluster', { ...cluster, nextGeneration: generation + 1 }, cluster);
      this.emit('node', replaced, old.value);
      this.emit('node', node, null);
      this.emit('plan', plan, null);
      return { node, plan };
    }
    throw new ConflictError(`cluster '${clusterName}' kept changing; try again`);
  }

  /** Read-modify-write of a node; a state change is checked against the state machine. */
  async updateNode(key: string, fn: (n: NodeDoc) => NodeDoc | undefined): Promise<NodeDoc> {
    const { before, after } = await this.casUpdate(
      this.nodes,
      this.nodeView,
      key,
      this.layout.node(key),
      (cur) => {
        const next = fn(cur);
        if (next === undefined) return undefined;
        assertTransition(cur.state, next.state);
        return { ...next, updatedAt: new Date().toISOString() };
      },
      () => new NotFoundError(`node '${key}' does not exist`),
    );
    if (before !== after) this.emit('node', after, before);
    return after;
  }

  async transitionNode(
    key: string,
    state: NodeState,
    patch: Partial<NodeDoc> = {},
  ): Promise<NodeDoc> {
    return this.updateNode(key, (n) => ({ ...n, ...patch, state }));
  }

  async deleteNode(key: string): Promise<void> {
    const node = await this.getNode(key);
    if (!node) return;
    await this.zk.delete(this.layout.node(key));
    this.nodeView.removed(key);
    this.emit('node-deleted', node);
  }

  async readNodeVersioned(key: string): Promise<Versioned<NodeDoc> | null> {
    if (this.nodeView.synced) return this.nodeView.get(key) ?? null;
    return this.nodes.read(this.layout.node(key));
  }

  // ---- plans (docs/scheduler.md#plans) ----

  /**
   * The in-memory view of a cluster's plans once it has any (a recreated cluster gets a new one):
   * the driver reads them every tick, which then costs no ZooKeeper request.
   */
  private plansView(cluster: string): Promise<DocumentView<PlanDoc> | undefined> {
    return this.getCluster(cluster).then(async (c) => {
      if (!c) return undefined;
      const key = `${cluster}@${c.createdAt}`;
      const known = this.planViews.get(key);
      if (known) return known;
      const dir = this.layout.plans(cluster);
      if (!(await this.zk.exists(dir))) return undefined;
      const raced = this.planViews.get(key);
      if (raced) return raced;
      const view = new DocumentView(this.zk, dir, this.planDocs, this.planLog);
      const started = view.start().then(() => view);
      this.planViews.set(key, started);
      return started;
    });
  }

  /** A cluster's plans, oldest first. */
  async listPlans(cluster: string): Promise<PlanDoc[]> {
    const view = await this.plansView(cluster);
    const all = view?.synced
      ? view.values()
      : [...(await this.planDocs.list(this.layout.plans(cluster))).documents.values()].map(
          (d) => d.value,
        );
    return all.sort((a, b) => a.createdAt.localeCompare(b.createdAt) || a.id.localeCompare(b.id));
  }

  async getPlan(cluster: string, id: string): Promise<PlanDoc | null> {
    const view = await this.plansView(cluster);
    if (view?.synced) return view.get(id)?.value ?? null;
    return (await this.planDocs.read(this.layout.plan(cluster, id)))?.value ?? null;
  }

  async requirePlan(cluster: string, id: string): Promise<PlanDoc> {
    await this.requireCluster(cluster);
    const plan = await this.getPlan(cluster, id);
    if (!plan) throw new NotFoundError(`cluster '${cluster}' has no plan '${id}'`);
    return plan;
  }

  /**
   * Creates a plan; `guard` gets the cluster's plans as they are and throws to refuse (e.g. a
   * second rolling plan). The plans' parent is written with compare-and-set in the same
   * transaction, so two creations racing cannot both pass their guard. Finished plans beyond the
   * last few are then deleted.
   */
  async createPlan(plan: PlanDoc, guard?: (plans: PlanDoc[]) => void): Promise<PlanDoc> {
    const name = plan.cluster;
    const dir = this.layout.plans(name);
    for (let attempt = 0; attempt < 20; attempt++) {
      await this.requireCluster(name);
      await this.zk.ensurePath(dir);
      const stat = await this.zk.exists(dir);
      if (!stat) continue;
      guard?.(await this.listPlans(name));
      try {
        await this.zk.transaction([
          { op: 'set', path: dir, data: '', version: stat.version },
          { op: 'create', path: this.layout.plan(name, plan.id), data: this.planDocs.encode(plan) },
        ]);
      } catch (err) {
        if (err instanceof TransactionError && err.cause instanceof BadVersionError) continue;
        if (err instanceof TransactionError && err.cause instanceof NodeExistsError)
          throw new ConflictError(`cluster '${name}' already has a plan '${plan.id}'`);
        throw err;
      }
      await (await this.plansView(name))?.created(plan.id);
      this.emit('plan', plan, null);
      await this.pruneFinishedPlans(name);
      return plan;
    }
    throw new ConflictError(`the plans of cluster '${name}' kept changing; try again`);
  }

  /** Read-modify-write of a plan with compare-and-set; `fn` returns undefined to leave it. */
  async updatePlan(
    cluster: string,
    id: string,
    fn: (p: PlanDoc) => PlanDoc | undefined,
  ): Promise<PlanDoc> {
    const missing = () => new NotFoundError(`cluster '${cluster}' has no plan '${id}'`);
    const view = await this.plansView(cluster);
    if (!view) throw missing();
    const path = this.layout.plan(cluster, id);
    const { before, after } = await this.casUpdate(this.planDocs, view, id, path, fn, missing);
    if (before !== after) this.emit('plan', after, before);
    return after;
  }

  /** Deletes the oldest finished plans of a cluster beyond the last `keep`. */
  async pruneFinishedPlans(cluster: string, keep = FINISHED_PLANS_KEPT): Promise<void> {
    const finished = (await this.listPlans(cluster)).filter(isFinished);
    const view = await this.plansView(cluster);
    for (const p of finished.slice(0, Math.max(0, finished.length - keep))) {
      await this.zk.delete(this.layout.plan(cluster, p.id)).catch(() => undefined);
      view?.removed(p.id);
    }
  }
}
