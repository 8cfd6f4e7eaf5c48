// One class, ZkClient, holds a ZooKeeper session's whole life (connect, calls, session loss and
// restore, ephemerals, watches, liveness), so this file is longer than most: splitting it would
// spread one state machine over files that each need its private fields.
import { createHash } from 'node:crypto';
import { EventEmitter } from 'node:events';
import type { Logger } from '@riak-mesos/logging';
import { createLogger } from '@riak-mesos/logging';
import type { Client, Event as ZkEvent, Stat as RawStat, Transaction } from 'node-zookeeper-client';
import { ACL, CreateMode, Exception, Id, Permission, createClient } from 'node-zookeeper-client';
import { parseConnectString } from './connect-string';
import {
  ClientClosedError,
  ConnectionLossError,
  FencedError,
  NoAuthError,
  NoNodeError,
  NodeExistsError,
  SessionExpiredError,
  TransactionError,
  ZkError,
  toZkError,
} from './errors';
import { joinPath, validatePath } from './names';
import { ChildWatch, DataWatch } from './watch';

export type CreateModeName =
  'persistent' | 'ephemeral' | 'persistent_sequential' | 'ephemeral_sequential';
export type ZkState = 'connecting' | 'connected' | 'disconnected' | 'expired' | 'closed';

export interface Stat {
  version: number;
  cversion: number;
  numChildren: number;
  dataLength: number;
  /** Session id owning an ephemeral node, as hex; `'0'` for persistent nodes. */
  ephemeralOwner: string;
  ctime: number;
  mtime: number;
  /** ZooKeeper transaction id of the last change of the data (orders states of one node). */
  mzxid: number;
  /** Transaction id of the last change of the children (creation or deletion of one). */
  pzxid: number;
}

export interface DigestAuth {
  user: string;
  password: string;
}

export type AclSpec = 'open' | 'read-only' | 'creator-all' | ACL[];

export interface ZkClientOptions {
  /** `host:port,host:port/optional/chroot` (a `zk://` prefix is accepted). */
  connect: string;
  sessionTimeoutMs?: number;
  /** How long `connect()` waits for a first session. */
  connectTimeoutMs?: number;
  /** Digest credentials added to every session. */
  auth?: DigestAuth[];
  /** ACL for nodes this client creates when a call gives none (and `aclFor` gives none). */
  defaultAcl?: AclSpec;
  /**
   * ACL by path (relative to the chroot; `/` for the chroot's own nodes) for every node this
   * client creates when the call gives none: parents made on the way, transactions, ephemerals
   * re-created after expiry. The framework's rule is `frameworkAcl` (acl-rule.ts).
   */
  aclFor?: (path: string) => ACL[] | undefined;
  logger?: Logger;
}

export interface CreateOptions {
  mode?: CreateModeName;
  acl?: AclSpec;
  /** Create missing parents (persistent, empty) first. */
  parents?: boolean;
}

export type TransactionOp =
  | { op: 'create'; path: string; data?: Buffer | string; mode?: CreateModeName; acl?: AclSpec }
  | { op: 'set'; path: string; data: Buffer | string; version?: number }
  | { op: 'delete'; path: string; version?: number }
  | { op: 'check'; path: string; version: number };

const MODES: Record<CreateModeName, number> = {
  persistent: CreateMode.PERSISTENT,
  ephemeral: CreateMode.EPHEMERAL,
  persistent_sequential: CreateMode.PERSISTENT_SEQUENTIAL,
  ephemeral_sequential: CreateMode.EPHEMERAL_SEQUENTIAL,
};

/** The ACL id ZooKeeper's digest scheme expects: `user:base64(sha1(user:password))`. */
export function digestId(user: string, password: string): string {
  return `${user}:${createHash('sha1').update(`${user}:${password}`).digest('base64')}`;
}

/** An ACL giving `perms` (default: all) to the digest user. */
export function digestAcl(user: string, password: string, perms: number = Permission.ALL): ACL {
  return new ACL(perms, new Id('digest', digestId(user, password)));
}

export { ACL, Id, Permission };

function toBuffer(data: Buffer | string | undefined): Buffer {
  if (data === undefined) return Buffer.alloc(0);
  return typeof data === 'string' ? Buffer.from(data) : data;
}

function convertStat(s: RawStat): Stat {
  const long = (b: Buffer) => Number(b.readBigInt64BE(0));
  return {
    version: s.version,
    cversion: s.cversion,
    numChildren: s.numChildren,
    dataLength: s.dataLength,
    ephemeralOwner: s.ephemeralOwner.readBigUInt64BE(0).toString(16),
    ctime: long(s.ctime),
    mtime: long(s.mtime),
    mzxid: long(s.mzxid),
    pzxid: long(s.pzxid),
  };
}

interface OwnedEphemeral {
  data: Buffer;
  acl: AclSpec | undefined;
}

/**
 * A ZooKeeper client with a promise API.
 *
 * - Reconnects by itself while the session lives (the underlying client moves between servers).
 * - On session expiry it makes a new session, re-creates every ephemeral node made with
 *   `createEphemeral`, re-arms every watch (which re-reads, so no change is missed), then emits
 *   `session`. Reads interrupted by a connection loss are retried once connected again.
 * - Events: `state` (ZkState), `connected`, `disconnected`, `expired`, `session` (new session
 *   after expiry, ephemerals and watches back), `error` is never emitted for ZooKeeper answers:
 *   those are thrown by the call that got them.
 */
export class ZkClient extends EventEmitter {
  private raw!: Client;
  private readonly chroot: string;
  private readonly hosts: string;
  private readonly logger: Logger;
  private readonly sessionTimeoutMs: number;
  private readonly owned = new Map<string, OwnedEphemeral>();
  private readonly watches = new Set<DataWatch | ChildWatch>();
  private _state: ZkState = 'connecting';
  private closed = false;
  private ready!: Promise<void>;
  private markReady!: () => void;
  private failReady!: (err: Error) => void;
  private sessionGeneration = 0;
  /** While set, every write also checks that this node exists, in the same multi-op. */
  private fencePath: string | undefined;
  private restoring = false;
  private readyPending = false;
  private requestCount = 0;
  private readonly requestsOf = new Map<string, number>();

  private constructor(private readonly options: ZkClientOptions) {
    super();
    const parsed = parseConnectString(options.connect);
    this.chroot = parsed.chroot;
    this.hosts = parsed.hosts;
    this.sessionTimeoutMs = options.sessionTimeoutMs ?? 15000;
    this.logger = options.logger ?? createLogger('zk');
    this.resetReady();
  }

  /** Connects and waits for a first session, or throws after `connectTimeoutMs`. */
  static async connect(options: ZkClientOptions): Promise<ZkClient> {
    const client = new ZkClient(options);
    client.open();
    const timeoutMs = options.connectTimeoutMs ?? 15000;
    let timer: NodeJS.Timeout | undefined;
    try {
      await Promise.race([
        client.ready,
        new Promise<never>((_, reject) => {
          timer = setTimeout(
            () =>
              reject(
                new ConnectionLossError(
                  `could not connect to ZooKeeper at ${client.hosts} within ${timeoutMs} ms`,
                  Exception.CONNECTION_LOSS,
                ),
              ),
            timeoutMs,
          );
        }),
      ]);
      if (client.chroot) await client.rawMkdirp(client.chroot);
    } catch (err) {
      await client.close();
      throw err;
    } finally {
      clearTimeout(timer);
    }
    return client;
  }

  get state(): ZkState {
    return this._state;
  }

  /** The current session id as hex. */
  get sessionId(): string {
    return this.raw.getSessionId().readBigUInt64BE(0).toString(16);
  }

  /**
   * Fencing: while `path` is set, every write of this client (create, set, delete, transaction)
   * is one ZooKeeper multi-op that also checks `path` exists, and fails with FencedError once it
   * does not. A leader fences on its own election node (ephemeral): once its session has ended
   * (it may not know yet), none of its writes can land, whatever was still queued.
   */
  setFence(path: string | undefined): void {
    if (path !== undefined) validatePath(path);
    this.fencePath = path;
  }

  /** Runs one write fenced (see setFence): the fence check and the write as one multi-op. */
  private async fenced(op: TransactionOp): Promise<{ path: string; stat?: RawStat }> {
    try {
      const { paths, stats } = await this.runTransaction([op]);
      return { path: paths[0], ...(stats[0] ? { stat: stats[0] } : {}) };
    } catch (err) {
      // The write itself failed: its own typed error (BadVersionError, NodeExistsError, ...).
      if (err instanceof TransactionError) throw err.cause;
      throw err;
    }
  }

  /** Session id and password: what ZooKeeper needs to resume (or forcibly end) this session. */
  sessionCredentials(): { id: Buffer; password: Buffer } {
    return { id: this.raw.getSessionId(), password: this.raw.getSessionPassword() };
  }

  /** The ACL ids (`user:base64(sha1)`, see `digestId`) of this client's digest credentials. */
  get identities(): string[] {
    return (this.options.auth ?? []).map((a) => digestId(a.user, a.password));
  }

  get sessionTimeout(): number {
    return this.raw.getSessionTimeout() || this.sessionTimeoutMs;
  }

  /** Requests sent to ZooKeeper by this client's calls and watches (liveness probes excluded). */
  get requests(): number {
    return this.requestCount;
  }

  /** `requests` by operation (`get`, `children`, `exists`, `set`, `create`, `delete`, `transaction`). */
  requestsByOperation(): Map<string, number> {
    return new Map(this.requestsOf);
  }

  /** The connect string's servers (without chroot). */
  get servers(): string {
    return this.hosts;
  }

  private resetReady(): void {
    // Callers may already wait on the pending promise: keep it until it settles.
    if (this.readyPending) return;
    this.readyPending = true;
    this.ready = new Promise<void>((resolve, reject) => {
      this.markReady = () => {
        this.readyPending = false;
        resolve();
      };
      this.failReady = (err: Error) => {
        this.readyPending = false;
        reject(err);
      };
    });
    // A rejection with nobody waiting (close before connect) must not become unhandled.
    this.ready.catch(() => undefined);
  }

  private setState(state: ZkState): void {
    if (this._state === state) return;
    this._state = state;
    this.emit('state', state);
  }

  private open(): void {
    const generation = ++this.sessionGeneration;
    const raw = createClient(this.hosts, {
      sessionTimeout: this.sessionTimeoutMs,
      spinDelay: 200,
      retries: 0,
    });
    this.raw = raw;
    for (const a of this.options.auth ?? [])
      raw.addAuthInfo('digest', Buffer.from(`${a.user}:${a.password}`));
    raw.on('connected', () => {
      if (generation !== this.sessionGeneration || this.closed) return;
      const wasExpired = this._state === 'expired';
      this.setState('connected');
      this.logger.debug('connected to ZooKeeper', { session: this.sessionId });
      if (wasExpired || generation > 1) {
        void this.restoreSession().then(() => this.markReady());
      } else {
        this.markReady();
        // Watches survive a reconnect within one session, but re-reading is cheap and closes any
        // gap in which the server could not deliver a notification.
        for (const w of this.watches) w.rearm();
      }
      this.emit('connected');
    });
    raw.on('disconnected', () => {
      if (generation !== this.sessionGeneration || this.closed) return;
      this.logger.warn('disconnected from ZooKeeper; reconnecting', { servers: this.hosts });
      this.resetReady();
      this.setState('disconnected');
      this.emit('disconnected');
      // Away longer than the session timeout, the session is gone on the server whatever the
      // library hears later (as Curator declares it lost): a new one is made, so the client
      // never waits on a reconnection that cannot bring the old session back.
      const disconnect = ++this.disconnects;
      const lost = setTimeout(() => {
        if (this._state === 'disconnected' && this.disconnects === disconnect)
          this.sessionEnded(
            generation,
            `disconnected from ZooKeeper for longer than the session timeout (${this.sessionTimeoutMs} ms)`,
          );
      }, this.sessionTimeoutMs);
      lost.unref();
    });
    raw.on('expired', () => this.sessionEnded(generation, 'ZooKeeper session expired'));
    raw.on('authenticationFailed', () => {
      this.logger.error('ZooKeeper authentication failed');
      this.failReady(new ZkError('ZooKeeper authentication failed', Exception.AUTH_FAILED));
    });
    raw.connect();
    this.watchLiveness(generation, raw);
  }

  /**
   * The session is gone: start a new one. Reached from the client library's `expired`, and also
   * when ZooKeeper answers a call with "session expired" while the library still thinks it is
   * connected: a connection that re-attached to its session just as another connection closed
   * it is left open by the server with a dead session, and the library never notices.
   */
  /** Disconnections so far: a session-loss timer counts only for the disconnection it began with. */
  private disconnects = 0;

  private sessionEnded(generation: number, why: string): void {
    if (generation !== this.sessionGeneration || this.closed) return;
    this.logger.warn(`${why}; starting a new session`);
    this.setState('expired');
    this.emit('expired');
    this.resetReady();
    this.raw.close();
    this.open();
  }

  /**
   * Asks ZooKeeper something cheap every third of a session timeout while connected, so that a
   * session that died under a live connection (see sessionEnded) is found even when the client
   * makes no calls of its own.
   */
  private watchLiveness(generation: number, raw: Client): void {
    const every = Math.max(500, Math.floor(this.sessionTimeoutMs / 3));
    const timer = setInterval(() => {
      if (generation !== this.sessionGeneration || this.closed) {
        clearInterval(timer);
        return;
      }
      if (this._state !== 'connected') return;
      raw.exists('/', (err) => {
        if (isSessionExpired(err))
          this.sessionEnded(generation, 'ZooKeeper says the session is gone');
      });
    }, every);
    timer.unref();
  }

  private async restoreSession(): Promise<void> {
    this.restoring = true;
    try {
      await this.restoreOwned();
    } finally {
      this.restoring = false;
    }
    for (const w of this.watches) w.rearm();
    this.logger.info('new ZooKeeper session established', {
      session: this.sessionId,
      ephemerals: this.owned.size,
      watches: this.watches.size,
    });
    this.emit('session');
  }

  private async restoreOwned(): Promise<void> {
    if (this.chroot) await this.rawMkdirp(this.chroot).catch(() => undefined);
    for (const [path, e] of this.owned) {
      try {
        const full = this.full(path);
        const parent = full.slice(0, full.lastIndexOf('/'));
        if (parent) await this.rawMkdirp(parent);
        await this.rawCreate(full, e.data, MODES.ephemeral, e.acl, true);
        this.logger.info('re-created ephemeral node after session expiry', { path });
      } catch (err) {
        this.logger.error('could not re-create ephemeral node after session expiry', {
          path,
          error: (err as Error).message,
        });
      }
    }
  }

  private full(path: string): string {
    validatePath(path);
    if (!this.chroot) return path;
    return path === '/' ? this.chroot : this.chroot + path;
  }

  private strip(path: string): string {
    if (!this.chroot) return path;
    const rest = path.slice(this.chroot.length);
    return rest === '' ? '/' : rest;
  }

  /** The ACL of a node created at `path` (relative to the chroot) with the call's `spec`. */
  private acl(spec: AclSpec | undefined, path: string): ACL[] {
    if (spec === undefined) {
      const byPath = this.options.aclFor?.(path);
      if (byPath) return byPath;
    }
    const s = spec ?? this.options.defaultAcl ?? 'open';
    if (Array.isArray(s)) return s;
    if (s === 'open') return [new ACL(Permission.ALL, new Id('world', 'anyone'))];
    if (s === 'read-only') return [new ACL(Permission.READ, new Id('world', 'anyone'))];
    return [new ACL(Permission.ALL, new Id('auth', ''))];
  }

  /** Runs one call on the live client, waiting while there is no session. */
  private async call<T>(
    op: string,
    path: string | undefined,
    fn: (raw: Client, cb: (err: unknown, value?: T) => void) => void,
    retryOnLoss = false,
  ): Promise<T> {
    for (let attempt = 0; ; attempt++) {
      if (this.closed)
        throw new ClientClosedError('ZooKeeper client is closed', Exception.CONNECTION_LOSS, path);
      // While a new session is being restored, only the restore itself runs.
      if (!this.restoring) await this.ready;
      const generation = this.sessionGeneration;
      this.requestCount++;
      this.requestsOf.set(op, (this.requestsOf.get(op) ?? 0) + 1);
      try {
        return await new Promise<T>((resolve, reject) => {
          fn(this.raw, (err, value) =>
            err ? reject(toZkError(err, op, path)) : resolve(value as T),
          );
        });
      } catch (err) {
        if (err instanceof SessionExpiredError && !this.restoring)
          this.sessionEnded(generation, 'ZooKeeper says the session is gone');
        if (retryOnLoss && err instanceof ConnectionLossError && attempt < 8 && !this.closed) {
          await new Promise((r) => setTimeout(r, 50 * 2 ** attempt));
          continue;
        }
        throw err;
      }
    }
  }

  async exists(path: string): Promise<Stat | null> {
    const full = this.full(path);
    const stat = await this.call<RawStat | null>(
      'exists',
      path,
      (raw, cb) => raw.exists(full, (e, s) => cb(e, s ?? null)),
      true,
    );
    return stat ? convertStat(stat) : null;
  }

  async get(path: string): Promise<{ data: Buffer; stat: Stat }> {
    const full = this.full(path);
    const [data, stat] = await this.call<[Buffer, RawStat]>(
      'get',
      path,
      (raw, cb) => raw.getData(full, (e, d, s) => cb(e, [d ?? Buffer.alloc(0), s])),
      true,
    );
    return { data: data ?? Buffer.alloc(0), stat: convertStat(stat) };
  }

  async getOrNull(path: string): Promise<{ data: Buffer; stat: Stat } | null> {
    try {
      return await this.get(path);
    } catch (err) {
      if (err instanceof NoNodeError) return null;
      throw err;
    }
  }

  async children(path: string): Promise<string[]> {
    const full = this.full(path);
    return this.call<string[]>(
      'children',
      path,
      (raw, cb) => raw.getChildren(full, (e, c) => cb(e, c)),
      true,
    );
  }

  /**
   * Reads data and stat and leaves a one-shot `watcher` for the next change or deletion; null
   * (and no watcher) when the node does not exist. For callers that keep their own view and
   * must order what they read (by `stat.mzxid`); `watchData` suits everyone else. The watcher is
   * lost with the session: re-read on `session`. One function is registered once per path.
   */
  async getWatched(
    path: string,
    watcher: () => void,
  ): Promise<{ data: Buffer; stat: Stat } | null> {
    const full = this.full(path);
    const got = await this.call<[Buffer, RawStat] | null>(
      'get',
      path,
      (raw, cb) =>
        raw.getData(full, watcher, (e, d, s) =>
          e instanceof Exception && e.getCode() === Exception.NO_NODE
            ? cb(null, null)
            : cb(e, [d ?? Buffer.alloc(0), s]),
        ),
      true,
    );
    return got ? { data: got[0], stat: convertStat(got[1]) } : null;
  }

  /** The children and the parent's stat, leaving a one-shot `watcher`; null when absent. */
  async childrenWatched(
    path: string,
    watcher: () => void,
  ): Promise<{ children: string[]; stat: Stat } | null> {
    const full = this.full(path);
    const got = await this.call<[string[], RawStat] | null>(
      'children',
      path,
      (raw, cb) =>
        raw.getChildren(full, watcher, (e, c, s) =>
          e instanceof Exception && e.getCode() === Exception.NO_NODE
            ? cb(null, null)
            : cb(e, [c, s]),
        ),
      true,
    );
    return got ? { children: got[0], stat: convertStat(got[1]) } : null;
  }

  /** Sets data; with `version`, only if the node is still at that version (BadVersionError). */
  async set(path: string, data: Buffer | string, version = -1): Promise<Stat> {
    const full = this.full(path);
    const buf = toBuffer(data);
    // An unconditional set is idempotent, so it is retried across a connection loss; a
    // conditional one is not (it may have been applied), so the caller gets the loss.
    if (this.fencePath !== undefined) {
      const { stat } = await this.fenced({ op: 'set', path, data: buf, version });
      if (this.owned.has(path)) this.owned.set(path, { ...this.owned.get(path)!, data: buf });
      return convertStat(stat!);
    }
    const stat = await this.call<RawStat>(
      'set',
      path,
      (raw, cb) => raw.setData(full, buf, version, (e, s) => cb(e, s)),
      version === -1,
    );
    if (this.owned.has(path)) this.owned.set(path, { ...this.owned.get(path)!, data: buf });
    return convertStat(stat);
  }

  /** Creates a node and returns its path (with the sequence suffix for sequential modes). */
  async create(path: string, data?: Buffer | string, options: CreateOptions = {}): Promise<string> {
    if (options.parents) {
      const parent = path.slice(0, path.lastIndexOf('/')) || '/';
      if (parent !== '/') await this.ensurePath(parent);
    }
    const created = await this.rawCreate(
      this.full(path),
      toBuffer(data),
      MODES[options.mode ?? 'persistent'],
      options.acl,
      false,
    );
    return this.strip(created);
  }

  /**
   * Creates an ephemeral node owned by this client: after a session expiry the client makes it
   * again with its latest data. `delete` of the path ends the ownership.
   */
  async createEphemeral(
    path: string,
    data?: Buffer | string,
    options: { acl?: AclSpec; parents?: boolean } = {},
  ): Promise<string> {
    const created = await this.create(path, data, { ...options, mode: 'ephemeral' });
    this.owned.set(path, { data: toBuffer(data), acl: options.acl });
    return created;
  }

  private async rawCreate(
    full: string,
    data: Buffer,
    mode: number,
    acl: AclSpec | undefined,
    replaceOwnExpired: boolean,
  ): Promise<string> {
    try {
      if (this.fencePath !== undefined) {
        const modeName = (Object.keys(MODES) as CreateModeName[]).find((k) => MODES[k] === mode);
        const made = await this.fenced({
          op: 'create',
          path: this.strip(full),
          data,
          mode: modeName ?? 'persistent',
          acl,
        });
        return this.full(made.path);
      }
      return await this.call<string>('create', this.strip(full), (raw, cb) =>
        raw.create(full, data, this.acl(acl, this.strip(full)), mode, (e, p) => cb(e, p)),
      );
    } catch (err) {
      if (replaceOwnExpired && err instanceof NodeExistsError) {
        // Left from our expired session (ZooKeeper removes it soon) or made by someone else:
        // replace it only when it is not owned by a live session other than ours.
        const current = await this.exists(this.strip(full));
        if (current && current.ephemeralOwner !== this.sessionId) {
          throw new NodeExistsError(
            `ephemeral node ${this.strip(full)} is held by another session`,
            Exception.NODE_EXISTS,
            this.strip(full),
          );
        }
        return this.strip(full);
      }
      throw err;
    }
  }

  private async rawMkdirp(full: string): Promise<void> {
    const segments = full.split('/').filter(Boolean);
    let current = '';
    for (const s of segments) {
      current += `/${s}`;
      const path = current;
      // The chroot's own nodes are `/` to the ACL rule (they are above everything it names).
      const rel = this.chroot && path.length <= this.chroot.length ? '/' : this.strip(path);
      try {
        if (this.fencePath !== undefined)
          await this.fenced({ op: 'create', path: this.strip(path), mode: 'persistent' });
        else
          await this.call<string>('create', path, (raw, cb) =>
            raw.create(path, Buffer.alloc(0), this.acl(undefined, rel), MODES.persistent, (e, p) =>
              cb(e, p),
            ),
          );
      } catch (err) {
        if (err instanceof NodeExistsError) continue;
        // ZooKeeper checks CREATE on the parent before it looks for the node: an existing node
        // under a parent this client may not create in answers NoAuth. That is fine.
        if (err instanceof NoAuthError && (await this.rawExists(path))) continue;
        throw err;
      }
    }
  }

  private async rawExists(full: string): Promise<boolean> {
    const stat = await this.call<RawStat | null>(
      'exists',
      full,
      (raw, cb) => raw.exists(full, (e, st) => cb(e, st ?? null)),
      true,
    );
    return stat !== null;
  }

  /** The ACL of a node (NoAuthError when this client may neither read nor administer it). */
  async getAcl(path: string): Promise<ACL[]> {
    const full = this.full(path);
    return this.call<ACL[]>(
      'getAcl',
      path,
      (raw, cb) => raw.getACL(full, (e, acls) => cb(e, acls)),
      true,
    );
  }

  /** Replaces a node's ACL (needs ADMIN on it); with `version`, only at that ACL version. */
  async setAcl(path: string, acl: ACL[], version = -1): Promise<void> {
    const full = this.full(path);
    await this.call<void>('setAcl', path, (raw, cb) =>
      raw.setACL(full, acl, version, (e) => cb(e)),
    );
  }

  /** `mkdir -p`: creates every missing node of `path` (persistent, empty). */
  async ensurePath(path: string): Promise<void> {
    await this.rawMkdirp(this.full(path));
  }

  /** Deletes a node; with `version`, only at that version (BadVersionError). */
  async delete(path: string, version = -1): Promise<void> {
    const full = this.full(path);
    if (this.fencePath !== undefined) await this.fenced({ op: 'delete', path, version });
    else
      await this.call<void>('delete', path, (raw, cb) => raw.remove(full, version, (e) => cb(e)));
    this.owned.delete(path);
  }

  /** Deletes a node and everything below it; a missing node is not an error. */
  async deleteRecursive(path: string): Promise<void> {
    let kids: string[];
    try {
      kids = await this.children(path);
    } catch (err) {
      if (err instanceof NoNodeError) return;
      throw err;
    }
    for (const k of kids) await this.deleteRecursive(joinPath(path, k));
    try {
      await this.delete(path);
    } catch (err) {
      if (!(err instanceof NoNodeError)) throw err;
    }
  }

  /**
   * Runs operations atomically (ZooKeeper multi): all of them happen or none. A failure throws
   * TransactionError naming the operation that failed. Returns the created paths in order.
   */
  async transaction(given: TransactionOp[]): Promise<string[]> {
    return (await this.runTransaction(given)).paths;
  }

  /** transaction(), with the stat of each `set` (for a fenced set). */
  private async runTransaction(
    given: TransactionOp[],
  ): Promise<{ paths: string[]; stats: (RawStat | undefined)[] }> {
    if (given.length === 0) return { paths: [], stats: [] };
    const fence = this.fencePath;
    const ops: TransactionOp[] =
      fence === undefined ? given : [{ op: 'check', path: fence, version: -1 }, ...given];
    try {
      return await this.call<{ paths: string[]; stats: (RawStat | undefined)[] }>(
        'transaction',
        undefined,
        (raw, cb) => {
          const t = raw.transaction();
          for (const o of ops) {
            const full = this.full(o.path);
            if (o.op === 'create')
              t.create(
                full,
                toBuffer(o.data),
                this.acl(o.acl, o.path),
                MODES[o.mode ?? 'persistent'],
              );
            else if (o.op === 'set')
              pinVersion(t.setData(full, toBuffer(o.data), o.version ?? -1), o.version ?? -1);
            else if (o.op === 'delete')
              pinVersion(t.remove(full, o.version ?? -1), o.version ?? -1);
            else pinVersion(t.check(full, o.version), o.version);
          }
          t.commit(
            (
              err,
              results: { type: number; path?: string; err?: number; stat?: RawStat }[] | undefined,
            ) => {
              if (!err) {
                const skip = fence === undefined ? 0 : 1;
                const paths = ops.map((o, i) =>
                  o.op === 'create' ? this.strip(results?.[i]?.path ?? this.full(o.path)) : o.path,
                );
                cb(null, {
                  paths: paths.slice(skip),
                  stats: ops.map((_, i) => results?.[i]?.stat).slice(skip),
                });
                return;
              }
              if (!(err instanceof Exception) || !results) return cb(err);
              const index = results.findIndex(
                (r) =>
                  r.err !== undefined &&
                  r.err !== Exception.OK &&
                  r.err !== Exception.RUNTIME_INCONSISTENCY,
              );
              const failed = index >= 0 ? index : 0;
              if (fence !== undefined && failed === 0) {
                cb(
                  new FencedError(
                    `write refused: the fence ${fence} is gone (this client no longer holds what it fenced on, e.g. leadership)`,
                    err.getCode(),
                    fence,
                  ),
                );
                return;
              }
              const cause = toZkError(err, ops[failed].op, ops[failed].path) as ZkError;
              const at = fence === undefined ? failed : failed - 1;
              cb(
                new TransactionError(
                  `transaction failed at operation ${at} (${ops[failed].op} ${ops[failed].path}): ${cause.message}`,
                  err.getCode(),
                  at,
                  cause,
                ),
              );
            },
          );
        },
      );
    } finally {
      for (const o of given) if (o.op === 'delete') this.owned.delete(o.path);
    }
  }

  /** Watches a node's data; `change` gets the data (null while the node does not exist). */
  watchData(path: string): DataWatch {
    validatePath(path);
    const w = new DataWatch(path, this.watchBackend(), () => this.watches.delete(w));
    this.watches.add(w);
    w.rearm();
    return w;
  }

  /** Watches a node's children; `change` gets the sorted names (null while the node does not exist). */
  watchChildren(path: string): ChildWatch {
    validatePath(path);
    const w = new ChildWatch(path, this.watchBackend(), () => this.watches.delete(w));
    this.watches.add(w);
    w.rearm();
    return w;
  }

  private watchBackend() {
    return {
      getData: (path: string, watcher: () => void) =>
        this.call<Buffer | null>(
          'get',
          path,
          (raw, cb) =>
            raw.getData(this.full(path), watcherOf(watcher), (e, d) => {
              if (e instanceof Exception && e.getCode() === Exception.NO_NODE) {
                // Watch for creation instead.
                raw.exists(this.full(path), watcherOf(watcher), (e2, s) =>
                  e2 ? cb(e2) : s ? cb(null, undefined) : cb(null, null),
                );
                return;
              }
              cb(e, d ?? Buffer.alloc(0));
            }),
          true,
        ),
      getChildren: (path: string, watcher: () => void) =>
        this.call<string[] | null>(
          'children',
          path,
          (raw, cb) =>
            raw.getChildren(this.full(path), watcherOf(watcher), (e, c) => {
              if (e instanceof Exception && e.getCode() === Exception.NO_NODE) {
                raw.exists(this.full(path), watcherOf(watcher), (e2, s) =>
                  e2 ? cb(e2) : s ? cb(null, undefined) : cb(null, null),
                );
                return;
              }
              cb(e, c);
            }),
          true,
        ),
      logger: this.logger,
    };
  }

  /** Ends the session: ephemeral nodes go, watches stop. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    for (const w of [...this.watches]) w.close();
    this.owned.clear();
    this.failReady(new ClientClosedError('ZooKeeper client is closed', Exception.CONNECTION_LOSS));
    const raw = this.raw;
    await new Promise<void>((resolve) => {
      if (raw.getState() === undefined || this._state !== 'connected') {
        raw.close();
        resolve();
        return;
      }
      const t = setTimeout(resolve, 2000);
      raw.once('disconnected', () => {
        clearTimeout(t);
        resolve();
      });
      raw.close();
    });
    this.setState('closed');
  }
}

/**
 * node-zookeeper-client's Transaction turns a version of 0 into -1 ("any version": it writes
 * `version || -1`), so a compare-and-set on a node's first version would pass whatever the node's
 * version is. The version of the operation just added is therefore checked and, when the client
 * changed it, set back on the queued operation; if the client no longer keeps its operations where
 * they can be seen, a version-0 condition is refused rather than sent unconditionally.
 */
function pinVersion(t: Transaction, version: number): void {
  if (version === -1) return;
  const ops = (t as unknown as { ops?: { version?: number }[] }).ops;
  const last = Array.isArray(ops) ? ops[ops.length - 1] : undefined;
  if (last && typeof last.version === 'number') {
    if (last.version !== version) last.version = version;
    return;
  }
  throw new ZkError(
    `cannot send a transaction operation conditional on version ${version} with this ZooKeeper client`,
    Exception.BAD_ARGUMENTS,
  );
}

function isSessionExpired(err: unknown): boolean {
  return err instanceof Exception && err.getCode() === Exception.SESSION_EXPIRED;
}

function watcherOf(fn: () => void): (e: ZkEvent) => void {
  return () => fn();
}

/**
 * Fault injection for tests and drills: ends `client`'s session on the server (by attaching a
 * second connection to it and closing that one), exactly as if it had expired. Resolves once the
 * client has seen `expired` (it then makes a new session by itself).
 *
 * Attaching a connection to a session makes the server drop the session's other connection, so
 * the client reconnects at once and can take the session back before the close lands, even
 * after the server has answered a later attach that the session is gone. So after each attach
 * and close the client is given time to hear it (a loaded machine is slow), and if it has not,
 * the session is attached and closed again.
 */
export async function expireSession(client: ZkClient): Promise<void> {
  const { id, password } = client.sessionCredentials();
  let expired = false;
  const onExpired = () => (expired = true);
  client.once('expired', onExpired);
  try {
    // Until the client itself has heard it: the server may say the session is gone while the
    // client's reconnection still takes it back, so it is ended again after each wait.
    const deadline = Date.now() + Math.max(20000, 5 * client.sessionTimeout);
    while (!expired && Date.now() < deadline) {
      await attachAndClose(client, id, password);
      const heard = Math.min(deadline, Date.now() + Math.max(2000, client.sessionTimeout));
      while (!expired && Date.now() < heard) await new Promise((r) => setTimeout(r, 50));
    }
    if (!expired) throw new Error('could not end the session: the client kept taking it back');
  } finally {
    client.off('expired', onExpired);
  }
}

/** One attempt of expireSession: `expired` when the server says the session is already gone. */
async function attachAndClose(
  client: ZkClient,
  id: Buffer,
  password: Buffer,
): Promise<'connected' | 'expired'> {
  const hijack = createClient(client.servers, {
    sessionTimeout: client.sessionTimeout,
    sessionId: id,
    sessionPassword: password,
  } as Record<string, unknown>);
  const outcome = await new Promise<'connected' | 'expired'>((resolve, reject) => {
    const t = setTimeout(() => {
      hijack.close();
      reject(new Error('could not attach to the session to expire it'));
    }, 10000);
    hijack.once('connected', () => {
      clearTimeout(t);
      resolve('connected');
    });
    hijack.once('expired', () => {
      clearTimeout(t);
      resolve('expired');
    });
    hijack.connect();
  });
  await new Promise<void>((resolve) => {
    const t = setTimeout(resolve, 2000);
    hijack.once('disconnected', () => {
      clearTimeout(t);
      resolve();
    });
    hijack.close();
  });
  return outcome;
}
