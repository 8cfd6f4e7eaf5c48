import type { Logger } from '@riak-mesos/logging';
import type { ChildWatch, DataWatch, ZkClient } from '@riak-mesos/zk';
import {
  BadVersionError,
  NoNodeError,
  NodeExistsError,
  frameworkLayout,
  isValidName,
} from '@riak-mesos/zk';
import { z } from 'zod';
import type { Registration } from './protocol';

/** Where registrations live. `register` answers false when the name is held by a live node. */
export interface EpmdStore {
  register(r: Registration): Promise<boolean>;
  unregister(name: string): Promise<void>;
  lookup(name: string): Promise<Registration | undefined>;
  /**
   * A registration known without waiting (memory, or a watch-kept cache), for the lookup fast
   * path; undefined means "ask `lookup`", not "not registered".
   */
  known?(name: string): Registration | undefined;
  list(): Promise<Registration[]>;
  close(): Promise<void>;
}

/** Registrations in memory: what a stock epmd does, for one host. */
export class MemoryStore implements EpmdStore {
  private readonly regs = new Map<string, Registration>();
  register(r: Registration): Promise<boolean> {
    if (this.regs.has(r.name)) return Promise.resolve(false);
    this.regs.set(r.name, r);
    return Promise.resolve(true);
  }
  unregister(name: string): Promise<void> {
    this.regs.delete(name);
    return Promise.resolve();
  }
  lookup(name: string): Promise<Registration | undefined> {
    return Promise.resolve(this.regs.get(name));
  }
  known(name: string): Registration | undefined {
    return this.regs.get(name);
  }
  list(): Promise<Registration[]> {
    return Promise.resolve([...this.regs.values()]);
  }
  close(): Promise<void> {
    return Promise.resolve();
  }
}

const regSchema = z.object({
  name: z.string(),
  port: z.number().int().min(1).max(65535),
  nodeType: z.number().int(),
  protocol: z.number().int(),
  highestVersion: z.number().int(),
  lowestVersion: z.number().int(),
  extra: z.string(),
  creation: z.number().int(),
  host: z.string().optional(),
  /** The ZooKeeper session (hex) that made it; registrations of older versions have none. */
  session: z.string().optional(),
});

/** Who holds a registration: the host its EPMD runs on and the ZooKeeper session that owns it. */
export interface RegistrationOwner {
  /** The host the registration says it was made on (absent in registrations of old versions). */
  host?: string;
  /** The session that owns the ephemeral znode (hex), as ZooKeeper says: the one that counts. */
  session: string;
}

function encode(r: Registration, host: string, session: string): Buffer {
  return Buffer.from(JSON.stringify({ ...r, extra: r.extra.toString('base64'), host, session }));
}

function ownerHost(data: Buffer): string | undefined {
  try {
    return regSchema.parse(JSON.parse(data.toString('utf8'))).host;
  } catch {
    return undefined;
  }
}

function decode(data: Buffer): Registration | undefined {
  try {
    const p = regSchema.parse(JSON.parse(data.toString('utf8')));
    return {
      name: p.name,
      port: p.port,
      nodeType: p.nodeType,
      protocol: p.protocol,
      highestVersion: p.highestVersion,
      lowestVersion: p.lowestVersion,
      extra: Buffer.from(p.extra, 'base64'),
      creation: p.creation,
    };
  } catch {
    return undefined;
  }
}

/**
 * Registrations shared through ZooKeeper: one ephemeral znode per node under the framework's
 * `erlpmd/nodes/`, holding JSON, so a dead host's entries vanish with its session. Each records
 * its owner (host and ZooKeeper session); only the owning session removes it. A name held by a
 * live node elsewhere is refused and logged with its owner, never taken over. Lookups are served from a cache kept current by watches (a
 * child watch for membership and a data watch per node), falling back to ZooKeeper on a miss.
 */
export class ZkStore implements EpmdStore {
  private readonly dir: string;
  private readonly cache = new Map<string, Registration>();
  private readonly dataWatches = new Map<string, DataWatch>();
  private children: ChildWatch | undefined;
  private ready: Promise<void> | undefined;

  constructor(
    private readonly zk: ZkClient,
    framework: string,
    private readonly host: string,
    private readonly logger?: Logger,
  ) {
    this.dir = frameworkLayout(framework).erlpmdNodes;
  }

  /** Creates the directory and starts the watches. */
  async start(): Promise<void> {
    this.ready ??= (async () => {
      await this.zk.ensurePath(this.dir);
      this.children = this.zk.watchChildren(this.dir);
      this.children.on('change', (names: string[] | null) => this.sync(names ?? []));
      this.sync((await this.children.initial()) ?? []);
    })();
    return this.ready;
  }

  private sync(names: string[]): void {
    const present = new Set(names);
    for (const [n, w] of this.dataWatches) {
      if (present.has(n)) continue;
      w.close();
      this.dataWatches.delete(n);
      this.cache.delete(n);
    }
    for (const n of names) {
      if (this.dataWatches.has(n) || !isValidName(n)) continue;
      const w = this.zk.watchData(`${this.dir}/${n}`);
      w.on('change', (data: Buffer | null) => {
        const r = data ? decode(data) : undefined;
        if (r) this.cache.set(n, r);
        else this.cache.delete(n);
      });
      this.dataWatches.set(n, w);
    }
  }

  async register(r: Registration): Promise<boolean> {
    await this.start();
    if (!isValidName(r.name)) return false;
    try {
      await this.zk.createEphemeral(
        `${this.dir}/${r.name}`,
        encode(r, this.host, this.zk.sessionId),
      );
    } catch (err) {
      if (err instanceof NodeExistsError) {
        const owner = await this.owner(r.name).catch(() => undefined);
        this.logger?.warn('refusing a registration: the name is held by a live node', {
          name: r.name,
          host: this.host,
          ownerHost: owner?.host,
          ownerSession: owner?.session,
        });
        return false;
      }
      throw err;
    }
    this.cache.set(r.name, r);
    return true;
  }

  /**
   * Removes this store's own registration of `name`. A registration of the same name made by
   * another session is left alone: a node replaced on another host keeps its short name, and the
   * old node stopping later must not take the new node's registration with it.
   */
  async unregister(name: string): Promise<void> {
    this.cache.delete(name);
    const path = `${this.dir}/${name}`;
    const stat = await this.zk.exists(path);
    if (!stat) return;
    if (stat.ephemeralOwner !== this.zk.sessionId) {
      this.logger?.info('leaving a registration of this name made by another session', {
        name,
        owner: stat.ephemeralOwner,
      });
      return;
    }
    try {
      await this.zk.delete(path, stat.version);
    } catch (err) {
      if (!(err instanceof NoNodeError) && !(err instanceof BadVersionError)) throw err;
    }
  }

  known(name: string): Registration | undefined {
    return this.cache.get(name);
  }

  /**
   * Removes the registration of `name` only if it was made on `host`: a node replaced on another
   * host (its agent lost) still holds it there, and the scheduler named that host to the
   * replacement. True when it was removed (or already gone).
   */
  async takeOver(name: string, host: string): Promise<boolean> {
    const path = `${this.dir}/${name}`;
    const got = await this.zk.getOrNull(path);
    if (!got) return true;
    if (ownerHost(got.data) !== host) return false;
    try {
      await this.zk.delete(path, got.stat.version);
    } catch (err) {
      if (!(err instanceof NoNodeError) && !(err instanceof BadVersionError)) throw err;
    }
    this.logger?.warn('took over the registration of a replaced node', {
      name,
      replacedHost: host,
      replacedSession: got.stat.ephemeralOwner,
    });
    return true;
  }

  /** Who holds the registration of `name` now (ZooKeeper's ephemeral owner), if anyone. */
  async owner(name: string): Promise<RegistrationOwner | undefined> {
    if (!isValidName(name)) return undefined;
    const got = await this.zk.getOrNull(`${this.dir}/${name}`);
    if (!got) return undefined;
    const host = ownerHost(got.data);
    return { session: got.stat.ephemeralOwner, ...(host !== undefined ? { host } : {}) };
  }

  /** The ZooKeeper session this store registers with (hex). */
  get session(): string {
    return this.zk.sessionId;
  }

  async lookup(name: string): Promise<Registration | undefined> {
    await this.start();
    const cached = this.cache.get(name);
    if (cached) return cached;
    if (!isValidName(name)) return undefined;
    const got = await this.zk.getOrNull(`${this.dir}/${name}`);
    return got ? decode(got.data) : undefined;
  }

  async list(): Promise<Registration[]> {
    await this.start();
    const names = await this.zk.children(this.dir).catch(() => [] as string[]);
    const out: Registration[] = [];
    for (const n of names.sort()) {
      const r = this.cache.get(n) ?? (await this.lookup(n));
      if (r) out.push(r);
    }
    return out;
  }

  close(): Promise<void> {
    this.children?.close();
    for (const w of this.dataWatches.values()) w.close();
    this.dataWatches.clear();
    return Promise.resolve();
  }
}
