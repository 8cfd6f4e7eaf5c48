import type { Logger } from '@riak-mesos/logging';
import type { DocumentStore, Stat, Versioned, ZkClient } from '@riak-mesos/zk';
import { ClientClosedError, InvalidDocumentError, joinPath } from '@riak-mesos/zk';

interface Entry<T> {
  value: T;
  version: number;
  /** ZooKeeper's zxid of the change that made this state: a larger one is a newer state. */
  mzxid: number;
}

interface Loop {
  again: boolean;
  done: Promise<void>;
}

/**
 * An in-memory copy of the documents directly under one parent node, kept current by ZooKeeper
 * watches: a child watch on the parent and a data watch on every document. Every state read
 * carries its `mzxid`, so an older answer that arrives after a newer one (a watch's re-read racing
 * the store's own write) is dropped and the view never goes backwards. A listing removes a
 * document only if the listing is newer than the document's state (`pzxid` against `mzxid`).
 *
 * Not synced (`synced` false) until the first full read, and again from a session expiry until
 * the new session has re-read everything (watches die with a session); callers then read
 * ZooKeeper directly. Values are frozen: they are shared by every reader.
 */
export class DocumentView<T> {
  private readonly entries = new Map<string, Entry<T>>();
  /** The mzxid of the last state seen of a deleted document: reads of it at or before that are stale. */
  private readonly deleted = new Map<string, number>();
  private readonly reads = new Map<string, Loop>();
  private readonly watchers = new Map<string, () => void>();
  /** Local writes per name, so that a "no such node" read racing a local create is re-read. */
  private readonly localWrites = new Map<string, number>();
  private listing: Loop | undefined;
  private names: string[] = [];
  private isSynced = false;
  private generation = 0;
  private failures = 0;
  private closed = false;
  private readonly onExpired = () => {
    this.isSynced = false;
    this.generation++;
  };
  private readonly onSession = () => void this.resync();
  private readonly childWatcher = () => void this.list();

  constructor(
    private readonly zk: ZkClient,
    readonly parent: string,
    private readonly docs: DocumentStore<T>,
    private readonly log: Logger,
  ) {}

  get synced(): boolean {
    return this.isSynced && !this.closed;
  }

  /** Reads everything once and follows changes from then on. */
  async start(): Promise<void> {
    this.zk.on('expired', this.onExpired);
    this.zk.on('session', this.onSession);
    await this.resync();
  }

  close(): void {
    this.closed = true;
    this.isSynced = false;
    this.zk.off('expired', this.onExpired);
    this.zk.off('session', this.onSession);
  }

  /** Every document (only meaningful when `synced`). */
  values(): T[] {
    return [...this.entries.values()].map((e) => e.value);
  }

  /** A document and its version (only meaningful when `synced`). */
  get(name: string): Versioned<T> | undefined {
    const e = this.entries.get(name);
    return e && { value: e.value, version: e.version };
  }

  /** A document this process wrote (its `set` answered `stat`). */
  written(name: string, value: T, stat: Stat): void {
    this.bump(name);
    this.apply(name, value, stat);
  }

  /** A document this process created (the answer has no stat): reads it, which also watches it. */
  async created(name: string): Promise<void> {
    this.bump(name);
    await this.read(name);
  }

  /** A document this process deleted. */
  removed(name: string): void {
    this.bump(name);
    this.remove(name);
  }

  private bump(name: string): void {
    this.localWrites.set(name, (this.localWrites.get(name) ?? 0) + 1);
  }

  private async resync(): Promise<void> {
    const generation = ++this.generation;
    const failures = this.failures;
    await this.list();
    // After a new session every data watch is gone: read (and so watch) every document again.
    await Promise.all(this.names.map((n) => this.read(n)));
    if (generation !== this.generation || this.closed) return;
    if (this.failures !== failures) {
      // Something could not be read: not synced; the whole read is repeated shortly.
      setTimeout(() => void this.resync(), 500).unref();
      return;
    }
    this.isSynced = true;
    this.log.debug('document view synced', { parent: this.parent, documents: this.entries.size });
  }

  /** Lists the children (re-arming the child watch); coalesces triggers while a listing runs. */
  private list(): Promise<void> {
    if (this.listing) {
      this.listing.again = true;
      return this.listing.done;
    }
    const loop: Loop = { again: false, done: Promise.resolve() };
    loop.done = (async () => {
      try {
        do {
          loop.again = false;
          await this.listOnce();
        } while (loop.again && !this.closed);
      } finally {
        this.listing = undefined;
      }
    })();
    this.listing = loop;
    return loop.done;
  }

  private async listOnce(): Promise<void> {
    let got: { children: string[]; stat: Stat } | null;
    try {
      got = await this.zk.childrenWatched(this.parent, this.childWatcher);
    } catch (err) {
      this.retryLater(err, () => void this.list());
      return;
    }
    const names = new Set(got?.children ?? []);
    const pzxid = got?.stat.pzxid ?? Number.MAX_SAFE_INTEGER;
    for (const [name, e] of [...this.entries])
      if (!names.has(name) && e.mzxid < pzxid) this.remove(name);
    for (const name of names)
      if (!this.entries.has(name) && !this.reads.has(name)) void this.read(name);
    this.names = [...names].sort();
  }

  /** Reads one document (re-arming its data watch); coalesces triggers while a read runs. */
  private read(name: string): Promise<void> {
    const running = this.reads.get(name);
    if (running) {
      running.again = true;
      return running.done;
    }
    const loop: Loop = { again: false, done: Promise.resolve() };
    loop.done = (async () => {
      try {
        do {
          loop.again = false;
          if (await this.readOnce(name)) loop.again = true;
        } while (loop.again && !this.closed);
      } finally {
        this.reads.delete(name);
      }
    })();
    this.reads.set(name, loop);
    return loop.done;
  }

  /** One read; answers true when it must be repeated. */
  private async readOnce(name: string): Promise<boolean> {
    const path = joinPath(this.parent, name);
    const writesBefore = this.localWrites.get(name) ?? 0;
    let got: { data: Buffer; stat: Stat } | null;
    try {
      got = await this.zk.getWatched(path, this.watcherOf(name));
    } catch (err) {
      this.retryLater(err, () => void this.read(name));
      return false;
    }
    if (!got) {
      // Gone (no watch is left on a missing node; the child watch sees a re-creation), unless
      // this process wrote it while the read was on its way: then the answer may predate that.
      if ((this.localWrites.get(name) ?? 0) !== writesBefore) return true;
      this.remove(name);
      this.watchers.delete(name);
      return false;
    }
    let value: T;
    try {
      value = this.docs.decode(got.data, path);
    } catch (err) {
      if (!(err instanceof InvalidDocumentError)) throw err;
      this.log.warn('ignoring an invalid document', { path, error: err.message });
      this.remove(name);
      return false;
    }
    this.apply(name, value, got.stat);
    return false;
  }

  private apply(name: string, value: T, stat: Stat): void {
    const current = this.entries.get(name);
    if (current && current.mzxid >= stat.mzxid) return;
    const gone = this.deleted.get(name);
    if (!current && gone !== undefined && stat.mzxid <= gone) return;
    this.deleted.delete(name);
    this.entries.set(name, { value: deepFreeze(value), version: stat.version, mzxid: stat.mzxid });
  }

  private remove(name: string): void {
    const e = this.entries.get(name);
    if (!e) return;
    this.entries.delete(name);
    this.deleted.set(name, e.mzxid);
  }

  private watcherOf(name: string): () => void {
    let w = this.watchers.get(name);
    if (!w) {
      w = () => void this.read(name);
      this.watchers.set(name, w);
    }
    return w;
  }

  private retryLater(err: unknown, again: () => void): void {
    if (err instanceof ClientClosedError || this.closed) return;
    this.failures++;
    this.log.warn('document view read failed; retrying', {
      parent: this.parent,
      error: (err as Error).message,
    });
    setTimeout(again, 500).unref();
  }
}

function deepFreeze<V>(value: V): V {
  if (value && typeof value === 'object' && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const v of Object.values(value)) deepFreeze(v);
  }
  return value;
}
