import { EventEmitter } from 'node:events';
import { encodePublishedNode, publishedNodeSchema } from '@riak-mesos/framework-contract';
import type { Logger } from '@riak-mesos/logging';
import type { ChildWatch, DataWatch, FrameworkLayout, ZkClient } from '@riak-mesos/zk';
import { FRAMEWORKS_ROOT, NoNodeError, frameworkLayout, isValidName } from '@riak-mesos/zk';

/** A running Riak node as its executor publishes it under `coordinatedNodes/<task id>`. */
export interface RiakNode {
  /** The znode name: the Mesos task id. */
  id: string;
  framework: string;
  cluster: string;
  /** Erlang node name, e.g. `riak-default-1@agent1.example`. */
  nodeName: string;
  hostname: string;
  pbPort: number;
  httpPort: number;
  disterlPort: number;
}

export class InvalidNodeDataError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'InvalidNodeDataError';
  }
}

/** Parses and validates one coordinatedNodes child's data; throws InvalidNodeDataError. */
export function parseCoordinatedNode(id: string, data: Buffer | string): RiakNode {
  const raw = typeof data === 'string' ? data : data.toString('utf8');
  let json: unknown;
  try {
    json = JSON.parse(raw);
  } catch (err) {
    throw new InvalidNodeDataError(
      `node ${id}: data is not JSON (${(err as Error).message}): ${preview(raw)}`,
    );
  }
  if (typeof json !== 'object' || json === null || Array.isArray(json)) {
    throw new InvalidNodeDataError(`node ${id}: data must be a JSON object: ${preview(raw)}`);
  }
  // The record's schema (@riak-mesos/framework-contract): keys in any order, extra keys ignored.
  const checked = publishedNodeSchema.safeParse(json);
  if (!checked.success) {
    const problems = checked.error.issues
      .map((i) => `${i.path.join('.') || '(data)'} ${i.message}`)
      .join('; ');
    throw new InvalidNodeDataError(`node ${id}: ${problems}`);
  }
  const d = checked.data;
  return {
    id,
    framework: d.FrameworkName,
    cluster: d.ClusterName,
    nodeName: d.NodeName,
    hostname: d.Hostname,
    pbPort: d.PBPort,
    httpPort: d.HTTPPort,
    disterlPort: d.DisterlPort,
  };
}

function preview(s: string): string {
  const printable = s.replace(/[^\x20-\x7e]/g, '?');
  return printable.length > 120 ? `${printable.slice(0, 120)}…` : printable;
}

/** The JSON an executor publishes, keys in the original's order (for tests and tools). */
export function encodeCoordinatedNode(n: Omit<RiakNode, 'id'>): string {
  return encodePublishedNode({
    FrameworkName: n.framework,
    ClusterName: n.cluster,
    NodeName: n.nodeName,
    DisterlPort: n.disterlPort,
    PBPort: n.pbPort,
    HTTPPort: n.httpPort,
    Hostname: n.hostname,
  });
}

export interface DiscoveryTarget {
  framework: string;
  cluster: string;
}

/**
 * Watches the coordinatedNodes of one framework: the children (nodes added and removed) and each
 * child's data (nodes changed). Emits `nodes` with the current nodes of the target cluster,
 * coalesced so that a burst of changes gives one event. `configure` switches framework and
 * cluster: every watch of the old target is closed before the new one is set, and events still in
 * flight for the old target are dropped.
 */
export class Discovery extends EventEmitter {
  private target: DiscoveryTarget;
  private layout: FrameworkLayout;
  private generation = 0;
  private childWatch: ChildWatch | undefined;
  private readonly dataWatches = new Map<string, DataWatch>();
  private readonly parsed = new Map<string, RiakNode>();
  private readonly invalid = new Map<string, string>();
  private emitScheduled = false;
  private stopped = false;
  private lastEmitted = '';
  /** True once the children of the current target have been read at least once. */
  private listed = false;

  constructor(
    private readonly zk: ZkClient,
    target: DiscoveryTarget,
    private readonly logger: Logger,
  ) {
    super();
    this.target = { ...target };
    this.layout = frameworkLayout(target.framework);
  }

  get framework(): string {
    return this.target.framework;
  }

  get cluster(): string {
    return this.target.cluster;
  }

  /** The znode whose children are the published nodes. */
  get location(): string {
    return this.layout.coordinatedNodes;
  }

  /** Watches currently open (children watch plus one per child); for status and tests. */
  get openWatches(): number {
    return (this.childWatch ? 1 : 0) + this.dataWatches.size;
  }

  get synced(): boolean {
    return this.listed;
  }

  start(): void {
    this.watch();
  }

  /** Nodes of the target cluster, sorted by id. */
  nodes(): RiakNode[] {
    return [...this.parsed.values()]
      .filter((n) => n.cluster === this.target.cluster)
      .sort((a, b) => a.id.localeCompare(b.id));
  }

  /** Every valid node of the framework, whatever its cluster. */
  allNodes(): RiakNode[] {
    return [...this.parsed.values()].sort((a, b) => a.id.localeCompare(b.id));
  }

  /** Children whose data could not be used, and why. */
  invalidNodes(): { id: string; error: string }[] {
    return [...this.invalid.entries()].map(([id, error]) => ({ id, error }));
  }

  /** Switches to another framework and cluster (validated by the caller or here). */
  configure(target: DiscoveryTarget): void {
    const layout = frameworkLayout(target.framework);
    if (target.framework === this.target.framework && target.cluster === this.target.cluster) {
      return;
    }
    const sameFramework = target.framework === this.target.framework;
    this.target = { ...target };
    if (sameFramework) {
      // Same znodes, another cluster: the watches stay, the filter changes.
      this.scheduleEmit();
      return;
    }
    this.closeWatches();
    this.layout = layout;
    this.scheduleEmit();
    this.watch();
  }

  stop(): void {
    this.stopped = true;
    this.closeWatches();
  }

  private closeWatches(): void {
    this.generation++;
    this.childWatch?.close();
    this.childWatch = undefined;
    for (const w of this.dataWatches.values()) w.close();
    this.dataWatches.clear();
    this.parsed.clear();
    this.invalid.clear();
    this.listed = false;
  }

  private watch(): void {
    if (this.stopped) return;
    const generation = ++this.generation;
    const layout = this.layout;
    this.logger.info('watching published nodes', {
      path: layout.coordinatedNodes,
      framework: this.target.framework,
      cluster: this.target.cluster,
    });
    const cw = this.zk.watchChildren(layout.coordinatedNodes);
    this.childWatch = cw;
    cw.on('change', (children: string[] | null) => {
      if (generation !== this.generation) return;
      this.listed = true;
      this.onChildren(layout, generation, children ?? []);
    });
  }

  private onChildren(layout: FrameworkLayout, generation: number, children: string[]): void {
    const present = new Set(children);
    for (const [id, w] of this.dataWatches) {
      if (present.has(id)) continue;
      w.close();
      this.dataWatches.delete(id);
      this.parsed.delete(id);
      this.invalid.delete(id);
    }
    for (const id of children) {
      if (this.dataWatches.has(id)) continue;
      if (!isValidName(id)) {
        this.invalid.set(id, `node name '${String(id)}' is not a valid task id`);
        continue;
      }
      const dw = this.zk.watchData(layout.coordinatedNode(id));
      this.dataWatches.set(id, dw);
      dw.on('change', (data: Buffer | null) => {
        if (generation !== this.generation || this.dataWatches.get(id) !== dw) return;
        this.onData(id, data);
      });
    }
    this.scheduleEmit();
  }

  private onData(id: string, data: Buffer | null): void {
    if (data === null) {
      this.parsed.delete(id);
      this.invalid.delete(id);
    } else {
      try {
        const node = parseCoordinatedNode(id, data);
        this.parsed.set(id, node);
        this.invalid.delete(id);
        if (node.framework !== this.target.framework) {
          this.logger.debug('node publishes another framework name', {
            id,
            published: node.framework,
            watched: this.target.framework,
          });
        }
      } catch (err) {
        this.parsed.delete(id);
        const message = (err as Error).message;
        if (this.invalid.get(id) !== message) {
          this.logger.warn('ignoring a published node with invalid data', { id, error: message });
        }
        this.invalid.set(id, message);
      }
    }
    this.scheduleEmit();
  }

  private scheduleEmit(): void {
    if (this.emitScheduled || this.stopped) return;
    this.emitScheduled = true;
    setImmediate(() => {
      this.emitScheduled = false;
      if (this.stopped) return;
      const nodes = this.nodes();
      const key = JSON.stringify(nodes);
      if (key === this.lastEmitted) return;
      this.lastEmitted = key;
      this.emit('nodes', nodes);
    });
  }

  /** Names of the frameworks under `/riak/frameworks`. */
  async frameworks(): Promise<string[]> {
    try {
      return (await this.zk.children(FRAMEWORKS_ROOT)).sort();
    } catch (err) {
      if (err instanceof NoNodeError) return [];
      throw err;
    }
  }
}
