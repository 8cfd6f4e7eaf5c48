import { randomUUID } from 'node:crypto';
import { EventEmitter } from 'node:events';
import type { FrameworkLayout, Versioned, ZkClient } from '@riak-mesos/zk';
import {
  BadVersionError,
  DocumentStore,
  NodeExistsError,
  TransactionError,
  frameworkLayout,
  validateName,
} from '@riak-mesos/zk';
import type { ClusterDoc, NodeDoc, SchedulerDoc } from './model';
import { SCHEMA_VERSION, clusterSchema, nodeKey, nodeSchema, schedulerSchema } from './model';
import type { NodeState } from './node-state';
import { assertTransition } from './node-state';

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
}

/**
 * The scheduler's persistent state in ZooKeeper: the scheduler document (framework id), one
 * document per cluster and one per node. Every change goes through compare-and-set; changes that
 * span documents (adding nodes bumps the cluster's generation) are single transactions, so
 * ZooKeeper never holds a half-made change. Emits an event after every successful write.
 */
export class SchedulerStore extends EventEmitter<StoreEvents> {
  readonly layout: FrameworkLayout;
  private readonly scheduler: DocumentStore<SchedulerDoc>;
  private readonly clusters: DocumentStore<ClusterDoc>;
  private readonly nodes: DocumentStore<NodeDoc>;

  constructor(
    private readonly zk: ZkClient,
    readonly frameworkName: string,
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
  }

  async init(): Promise<void> {
    await this.zk.ensurePath(this.layout.clusters);
    await this.zk.ensurePath(this.layout.nodes);
    await this.zk.ensurePath(this.layout.coordinatedNodes);
    await this.zk.ensurePath(this.layout.erlpmdNodes);
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
    const { documents } = await this.clusters.list(this.layout.clusters);
    return [...documents.values()].map((d) => d.value);
  }

  async getCluster(name: string): Promise<ClusterDoc | null> {
    validateName('cluster', name);
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
    };
    try {
      await this.clusters.create(this.layout.cluster(name), doc);
    } catch (err) {
      if (err instanceof NodeExistsError)
        throw new ConflictError(`cluster '${name}' already exists`);
      throw err;
    }
    this.emit('cluster', doc, null);
    return doc;
  }

  async updateCluster(
    name: string,
    fn: (c: ClusterDoc) => ClusterDoc | undefined,
  ): Promise<ClusterDoc> {
    let before: ClusterDoc | null = null;
    const res = await this.clusters.update(this.layout.cluster(name), (cur) => {
      if (!cur) throw new NotFoundError(`cluster '${name}' does not exist`);
      before = cur;
      return fn(cur);
    });
    const after = res!.value;
    if (before !== after) this.emit('cluster', after, before);
    return after;
  }

  async deleteCluster(name: string): Promise<void> {
    const cluster = await this.requireCluster(name);
    const nodes = await this.listNodes(name);
    if (nodes.length > 0)
      throw new ConflictError(`cluster '${name}' still has ${nodes.length} node(s)`);
    await this.zk.delete(this.layout.cluster(name));
    this.emit('cluster-deleted', cluster);
  }

  // ---- nodes ----

  async listNodes(cluster?: string): Promise<NodeDoc[]> {
    const { documents } = await this.nodes.list(this.layout.nodes);
    const all = [...documents.values()].map((d) => d.value);
    return (cluster === undefined ? all : all.filter((n) => n.cluster === cluster)).sort(
      (a, b) => a.generation - b.generation || a.key.localeCompare(b.key),
    );
  }

  async getNode(key: string): Promise<NodeDoc | null> {
    validateName('node', key);
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
      const current = await this.clusters.read(this.layout.cluster(clusterName));
      if (!current) throw new NotFoundError(`cluster '${clusterName}' does not exist`);
      const cluster = current.value;
      if (cluster.state === 'shutting_down' || cluster.state === 'shutdown')
        throw new ConflictError(`cluster '${clusterName}' is being destroyed`);
      const now = new Date().toISOString();
      const nodes: NodeDoc[] = [];
      for (let i = 0; i < count; i++) {
        const generation = cluster.nextGeneration + i;
        const key = nodeKey(this.frameworkName, clusterName, generation);
        nodes.push({
          key,
          cluster: clusterName,
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
        });
      }
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
        if (
          err instanceof TransactionError &&
          (err.cause instanceof BadVersionError || err.cause instanceof NodeExistsError)
        )
          continue;
        throw err;
      }
      this.emit('cluster', next, cluster);
      for (const n of nodes) this.emit('node', n, null);
      return nodes;
    }
    throw new ConflictError(`cluster '${clusterName}' kept changing; try again`);
  }

  /** Read-modify-write of a node; a state change is checked against the state machine. */
  async updateNode(key: string, fn: (n: NodeDoc) => NodeDoc | undefined): Promise<NodeDoc> {
    let before: NodeDoc | null = null;
    const res = await this.nodes.update(this.layout.node(key), (cur) => {
      if (!cur) throw new NotFoundError(`node '${key}' does not exist`);
      before = cur;
      const next = fn(cur);
      if (next === undefined) return undefined;
      assertTransition(cur.state, next.state);
      return { ...next, updatedAt: new Date().toISOString() };
    });
    const after = res!.value;
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
    this.emit('node-deleted', node);
  }

  async readNodeVersioned(key: string): Promise<Versioned<NodeDoc> | null> {
    return this.nodes.read(this.layout.node(key));
  }
}
