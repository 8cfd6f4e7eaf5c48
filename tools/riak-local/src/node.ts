/**
 * The dev node's core. Over 400 lines because RiakNode is the node's state (ring, store, peers,
 * transfers, hints) together with the one protocol handler that reads and changes it; what only
 * riak-admin asks is in node-admin.ts, its text layouts in format.ts.
 */
import { createHash, randomUUID } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import type { Server } from 'node:net';
import { join } from 'node:path';
import type { Registered } from '@riak-mesos/epmd';
import { EpmdClient } from '@riak-mesos/epmd';
import type { NodeConfig } from './config';
import type { TransferView } from './format';
import { NodeAdmin } from './node-admin';
import type { Ring, Staged } from './ring';
import {
  PLAN_CHANGED,
  changeType,
  claimant,
  clear,
  commit,
  joinDone,
  memberOf,
  newer,
  pendingTransfers,
  partitionIndex,
  removeMember,
  replicas,
  stage,
  standalone,
  typeActive,
} from './ring';
import type { StoredObject } from './store';
import { ObjectStore, keyId, maxClock, merge, parseKeyId, sameVersion } from './store';
import type { Key } from './store';
import { Connection, serve } from './wire';

export const VERSION = '2.2.3-local';

/** A running transfer: a joining node's pull, a leaving node's push, or a hinted handoff. */
export interface Transfer {
  from: string;
  to: string;
  kind: 'handoff' | 'join' | 'hinted';
  objects: number;
  bytes: number;
  /** Objects to move, when known (pushes know it). */
  total?: number;
  startedAt: number;
  lastUpdate?: number;
  /** Riak's index of the first partition concerned. */
  partition: string;
}

/** Services a node registers once KV is up (what `riak-admin services` lists on Riak 3.2). */
export const SERVICES = ['riak_kv', 'riak_pipe', 'riak_repl'];

/** Writes a line to the console (stdout) and to `<log dir>/console.log`, Riak-style. */
export type Log = (level: 'info' | 'warning' | 'error', message: string) => void;

export class KvError extends Error {
  constructor(
    message: string,
    readonly status: number,
  ) {
    super(message);
    this.name = 'KvError';
  }
}

/**
 * A request before riak_kv is up. Riak answers HTTP 500 with `Error:` and the reason
 * (`all_nodes_down` for writes, `{insufficient_vnodes,0,need,2}` for reads); PB gets the reason.
 */
export class NotReadyError extends KvError {
  constructor(readonly reason: string) {
    super(`Error:\n${reason}`, 500);
    this.name = 'NotReadyError';
  }
}

/** The partition a key falls in: its SHA-1 on the 2^160 ring, as Riak hashes keys. */
export function partitionOfKey(ring: Ring, id: string): number {
  const h = BigInt(`0x${createHash('sha1').update(id).digest('hex')}`);
  return Number(h / (2n ** 160n / BigInt(ring.ringSize)));
}

/**
 * A Riak-compatible development node: the ring and claimant, replicated and durable key/value
 * storage, and the distribution protocol other nodes and `riak-admin` speak to it.
 */
export class RiakNode {
  ring: Ring;
  readonly store: ObjectStore;
  readonly admin: NodeAdmin;
  private readonly peers = new Map<string, Promise<Connection>>();
  private servers: Server[] = [];
  private registration: Registered | undefined;
  private gossipTimer: NodeJS.Timeout | undefined;
  private stopping = false;
  readonly transfers = new Map<string, Transfer>();
  /** Keys written while a member did not answer, by member: handed off once it answers. */
  readonly hints = new Map<string, Set<string>>();
  readonly stats = { gets: 0, puts: 0, deletes: 0, readRepairs: 0 };
  readonly startedAt = Date.now();
  distPort = 0;
  /**
   * Set once the node serves KV (what `wait-for-service riak_kv` waits for). Until then it
   * answers ping and riak-admin but refuses requests, as Riak does before riak_kv is up.
   */
  kvUp = false;
  onStop: (() => void) | undefined;

  constructor(
    readonly config: NodeConfig,
    private readonly log: Log,
  ) {
    mkdirSync(config.dataDir, { recursive: true });
    this.store = new ObjectStore(join(config.dataDir, 'leveldb'));
    this.ring = this.loadRing();
    this.admin = new NodeAdmin(this);
  }

  get name(): string {
    return this.config.nodename;
  }

  private ringFile(): string {
    return join(this.config.dataDir, 'ring', 'ring.json');
  }

  private loadRing(): Ring {
    const file = this.ringFile();
    if (existsSync(file)) {
      try {
        const r = JSON.parse(readFileSync(file, 'utf8')) as Ring;
        if (memberOf(r, this.name)) return r;
      } catch {
        // Unreadable: start standalone.
      }
    }
    return standalone(this.name, this.config.ringSize, randomUUID());
  }

  private saveRing(): void {
    const file = this.ringFile();
    mkdirSync(join(this.config.dataDir, 'ring'), { recursive: true });
    writeFileSync(`${file}.tmp`, JSON.stringify(this.ring));
    renameSync(`${file}.tmp`, file);
  }

  async start(): Promise<void> {
    await this.store.open();
    const c = this.config;
    const dist = await serve(
      { host: c.host, port: c.distPort, name: this.name, cookie: c.cookie },
      (op, args, peer) => this.handle(op, args, peer),
    );
    this.distPort = (dist.address() as { port: number }).port;
    const handoff = await serve(
      { host: c.host, port: c.handoffPort, name: this.name, cookie: c.cookie },
      (op, args) =>
        op === 'dump'
          ? Promise.resolve(this.dump(args as { after?: number }))
          : Promise.reject(new Error(`handoff port serves dump only, not ${op}`)),
    );
    this.servers.push(dist, handoff);
    await this.register();
    this.log('info', `Node ${this.name} listening for distribution on ${c.host}:${this.distPort}`);
    this.gossipTimer = setInterval(() => void this.tick(), 3000);
    this.gossipTimer.unref();
    void this.tick();
  }

  /** Every few seconds: catch up on the ring, hand off hints, resume unfinished transfers. */
  private async tick(): Promise<void> {
    await this.gossip();
    const me = memberOf(this.ring, this.name);
    if (me?.pending || me?.status === 'leaving') void this.resumeDuties();
    await this.handoffHints();
  }

  /** Adds the HTTP and PB servers (owned by the caller) so that stop() closes them. */
  addServer(s: Server): void {
    this.servers.push(s);
  }

  private async register(): Promise<void> {
    const client = new EpmdClient({ port: this.config.epmdPort });
    this.registration = await client.register({ name: this.config.alive, port: this.distPort });
    this.registration.socket.on('close', () => {
      if (this.stopping) return;
      this.log('warning', 'lost the EPMD registration; registering again');
      const retry = (): void => {
        this.register().catch(() => {
          if (!this.stopping) setTimeout(retry, 1000).unref();
        });
      };
      setTimeout(retry, 200).unref();
    });
  }

  async stop(): Promise<void> {
    if (this.stopping) return;
    this.stopping = true;
    clearInterval(this.gossipTimer);
    this.registration?.close();
    for (const s of this.servers) s.close();
    for (const p of this.peers.values())
      void p.then(
        (c) => c.close(),
        () => undefined,
      );
    await this.store.close();
  }

  // ---- peers ------------------------------------------------------------------------------

  private async connectTo(name: string): Promise<Connection> {
    const at = name.indexOf('@');
    if (at < 1) throw new Error(`bad node name ${name}`);
    const alive = name.slice(0, at);
    const host = name.slice(at + 1);
    const reg = await new EpmdClient({ port: this.config.epmdPort, timeoutMs: 2000 }).portPlease(
      alive,
    );
    if (!reg) throw new Error(`Node '${name}' not found (not registered with EPMD)`);
    return Connection.open({
      host,
      port: reg.port,
      name: this.name,
      cookie: this.config.cookie,
      timeoutMs: 3000,
    });
  }

  /** Calls `op` on another node (a connection per peer, re-made when it breaks). */
  async call<T = unknown>(name: string, op: string, args?: unknown, timeoutMs = 10000): Promise<T> {
    if (name === this.name) return (await this.handle(op, args, this.name)) as T;
    let p = this.peers.get(name);
    if (!p) {
      p = this.connectTo(name);
      this.peers.set(name, p);
      p.catch(() => this.peers.get(name) === p && this.peers.delete(name));
    }
    let conn: Connection;
    try {
      conn = await p;
    } catch (err) {
      this.peers.delete(name);
      throw err;
    }
    if (!conn.open) {
      this.peers.delete(name);
      return this.call(name, op, args, timeoutMs);
    }
    return conn.call<T>(op, args, timeoutMs);
  }

  async reachable(name: string): Promise<boolean> {
    try {
      return (await this.call(name, 'ping', undefined, 2000)) === 'pong';
    } catch {
      return false;
    }
  }

  // ---- ring -------------------------------------------------------------------------------

  /** Takes a newer ring (or, `force`d, the ring of the cluster this node joins). */
  adopt(ring: Ring, force = false): void {
    if (!force && !newer(ring, this.ring)) return;
    const before = memberOf(this.ring, this.name)?.status;
    const wasMember = Boolean(memberOf(this.ring, this.name));
    this.ring = ring;
    const me = memberOf(ring, this.name);
    if (!me) {
      if (wasMember && !force) {
        this.log('info', `${this.name} left the cluster`);
        this.ring = standalone(this.name, this.config.ringSize, randomUUID());
        this.saveRing();
        if (before === 'leaving' || before === 'exiting') {
          // As Riak: a node that has left shuts down.
          this.log('info', 'shutting down after leaving the cluster');
          setTimeout(() => this.onStop?.(), 100).unref();
        }
        return;
      }
    }
    this.saveRing();
    if (me && me.status !== before) this.log('info', `${this.name} is now ${me.status}`);
    void this.resumeDuties();
  }

  /** Sends the ring to every member (and to nodes that just left it). */
  private broadcast(extra: string[] = []): void {
    const targets = new Set([...this.ring.members.map((m) => m.name), ...extra]);
    targets.delete(this.name);
    for (const t of targets) this.call(t, 'ring_update', this.ring, 3000).catch(() => undefined);
  }

  /** Takes a newer ring from the claimant, so that missed updates are caught up. */
  private async gossip(): Promise<void> {
    const c = claimant(this.ring);
    if (!c || c === this.name || this.stopping) return;
    try {
      const r = await this.call<Ring>(c, 'get_ring', undefined, 3000);
      if (newer(r, this.ring)) this.adopt(r);
    } catch {
      // The claimant is down; another member takes over when the ring says so.
    }
  }

  /** Runs `op` on the claimant (this node or another). */
  async onClaimant<T>(op: string, args?: unknown): Promise<T> {
    const c = claimant(this.ring);
    if (!c) throw new Error('the cluster has no valid member to act as claimant');
    return this.call<T>(c, op, args);
  }

  private claimantUpdate(next: Ring, extra: string[] = []): Ring {
    this.ring = { ...next, claimant: claimant(next) };
    this.saveRing();
    this.broadcast(extra);
    void this.resumeDuties();
    return next;
  }

  // ---- transfers --------------------------------------------------------------------------

  private duties: Promise<void> | undefined;

  /** Work the ring asks of this node: pull data after joining, hand off before leaving. */
  private resumeDuties(): Promise<void> {
    this.duties ??= this.doDuties()
      .catch((err: Error) => this.log('warning', `transfer interrupted: ${err.message}`))
      .finally(() => (this.duties = undefined));
    return this.duties;
  }

  private async doDuties(): Promise<void> {
    const me = memberOf(this.ring, this.name);
    if (me?.pending) {
      const pulled = join(this.config.dataDir, 'ring', `joined-${this.ring.clusterId}`);
      if (!existsSync(pulled)) {
        for (const peer of replicas(this.ring).filter((n) => n !== this.name))
          await this.transfer(peer, this.name, 'join');
        writeFileSync(pulled, new Date().toISOString());
      }
      await this.onClaimant('join_done', { node: this.name });
    }
    if (me?.status === 'leaving') {
      const others = replicas(this.ring).filter((n) => n !== this.name);
      for (const peer of others) await this.transfer(this.name, peer, 'handoff');
      await this.onClaimant('leave_done', { node: this.name });
    }
  }

  /** Riak's index of the first partition moving from `from` to `to`, as transfers shows it. */
  private firstPartition(from: string, to: string): string {
    const p = pendingTransfers(this.ring).find(([, a, b]) => a === from && b === to)?.[0] ?? 0;
    return String(partitionIndex(this.ring, p));
  }

  /**
   * Copies objects from `from` to `to` (one of them is this node), merging: every object of the
   * sending node, or `entries` when given (a hinted handoff).
   */
  private async transfer(
    from: string,
    to: string,
    kind: Transfer['kind'],
    entries?: [string, StoredObject][],
    partition = this.firstPartition(from, to),
  ): Promise<void> {
    const id = `${kind}:${from}->${to}`;
    const t: Transfer = { from, to, kind, objects: 0, bytes: 0, startedAt: Date.now(), partition };
    this.transfers.set(id, t);
    const moved = (batch: [string, StoredObject][]) => {
      t.objects += batch.length;
      t.bytes += batch.reduce((s, [, o]) => s + o.value.length, 0);
      t.lastUpdate = Date.now();
    };
    try {
      if (from === this.name) {
        const all = entries ?? this.store.entries();
        t.total = all.length;
        for (let i = 0; i < all.length; i += 500) {
          await this.call(to, 'kv_merge_many', all.slice(i, i + 500), 30000);
          moved(all.slice(i, i + 500));
        }
      } else {
        let after = 0;
        for (;;) {
          const page = await this.call<{ entries: [string, StoredObject][]; next?: number }>(
            from,
            'dump',
            { after },
            30000,
          );
          for (const [k, o] of page.entries) await this.store.merge(k, o);
          moved(page.entries);
          if (page.next === undefined) break;
          after = page.next;
        }
      }
      this.log('info', `${kind} transfer ${from} -> ${to} done: ${t.objects} objects`);
    } finally {
      this.transfers.delete(id);
    }
  }

  private dump(args: { after?: number }): { entries: [string, StoredObject][]; next?: number } {
    const all = this.store.entries();
    const from = Math.max(0, Number(args?.after ?? 0));
    const entries = all.slice(from, from + 1000);
    return { entries, ...(from + 1000 < all.length ? { next: from + 1000 } : {}) };
  }

  private handingOff = false;

  /** Hinted handoff: keys written while a member did not answer go to it once it answers. */
  private async handoffHints(): Promise<void> {
    if (this.handingOff || this.stopping) return;
    this.handingOff = true;
    try {
      const members = new Set(replicas(this.ring));
      for (const [peer, ids] of this.hints) {
        if (!members.has(peer)) this.hints.delete(peer);
        if (!members.has(peer) || ids.size === 0 || !(await this.reachable(peer))) continue;
        const batch = [...ids];
        const entries = batch.flatMap((id): [string, StoredObject][] => {
          const o = this.store.get(id);
          return o ? [[id, o]] : [];
        });
        const first = String(partitionIndex(this.ring, partitionOfKey(this.ring, batch[0])));
        await this.transfer(this.name, peer, 'hinted', entries, first);
        for (const id of batch) ids.delete(id);
        if (ids.size === 0) this.hints.delete(peer);
      }
    } catch (err) {
      this.log('warning', `hinted handoff interrupted: ${(err as Error).message}`);
    } finally {
      this.handingOff = false;
    }
  }

  /** What this node still has to hand off, and what it is transferring now. */
  localTransfers(): { waiting: number; active: TransferView[] } {
    const hinted = new Set<number>();
    for (const ids of this.hints.values())
      for (const id of ids) hinted.add(partitionOfKey(this.ring, id));
    const owned = pendingTransfers(this.ring).filter(([, owner]) => owner === this.name).length;
    const active = [...this.transfers.values()].map((t): TransferView => ({
      type: t.kind === 'hinted' ? 'hinted_handoff' : 'ownership_transfer',
      from: t.from,
      to: t.to,
      partition: t.partition,
      startedAt: t.startedAt,
      objects: t.objects,
      bytes: t.bytes,
      ...(t.lastUpdate !== undefined ? { lastUpdate: t.lastUpdate } : {}),
      ...(t.total !== undefined ? { total: t.total } : {}),
    }));
    return { waiting: hinted.size + owned, active };
  }

  // ---- key/value --------------------------------------------------------------------------

  private quorum(n: number): number {
    return Math.floor(n / 2) + 1;
  }

  /**
   * Resolves with the successes once `need` calls succeeded, or once every call has settled and
   * at least one succeeded (Riak's sloppy quorum: with members down, the ones that answer stand
   * in for them); rejects when none succeeded.
   */
  private enough<T>(calls: Promise<T>[], need: number): Promise<T[]> {
    return new Promise((resolve, reject) => {
      const ok: T[] = [];
      let settled = 0;
      let done = false;
      const check = () => {
        if (done) return;
        if (ok.length >= need || (settled === calls.length && ok.length > 0)) {
          done = true;
          resolve([...ok]);
        } else if (settled === calls.length) {
          done = true;
          reject(new KvError('Insufficient vnodes available: no replica answered', 503));
        }
      };
      for (const c of calls)
        c.then(
          (v) => {
            ok.push(v);
            settled++;
            check();
          },
          () => {
            settled++;
            check();
          },
        );
      check();
    });
  }

  /** Before riak_kv is up, requests fail as Riak's do. */
  private requireKv(kind: 'read' | 'write' | 'list'): void {
    if (this.kvUp) return;
    throw new NotReadyError(
      kind === 'write'
        ? 'all_nodes_down'
        : kind === 'read'
          ? '{insufficient_vnodes,0,need,2}'
          : 'insufficient_vnodes_available',
    );
  }

  /** Requests name `default` or a created and activated bucket type, as Riak requires. */
  requireType(type: string): void {
    if (!typeActive(this.ring, type)) throw new KvError(`Unknown bucket type: ${type}`, 404);
  }

  async kvGet(k: Key): Promise<StoredObject | undefined> {
    this.requireKv('read');
    this.requireType(k.type);
    this.stats.gets++;
    const id = keyId(k);
    const nodes = replicas(this.ring);
    const calls = nodes.map((n) =>
      n === this.name
        ? Promise.resolve(this.store.get(id) ?? null)
        : this.call<StoredObject | null>(n, 'kv_get', { id }, 3000),
    );
    const got = await this.enough(calls, this.quorum(nodes.length));
    const merged = got.reduce<StoredObject | undefined>(
      (a, b) => merge(a, b ?? undefined),
      undefined,
    );
    // Read repair: whoever answers with an older version gets the merged one.
    if (merged)
      calls.forEach((c, i) => {
        void c.then(
          (v) => {
            if (!sameVersion(v ?? undefined, merged)) {
              this.stats.readRepairs++;
              void this.call(nodes[i], 'kv_merge', { id, o: merged }, 3000).catch(() => undefined);
            }
          },
          () => undefined,
        );
      });
    return merged && !merged.deleted ? merged : undefined;
  }

  private hint(member: string, id: string): void {
    const ids = this.hints.get(member) ?? new Set<string>();
    ids.add(id);
    this.hints.set(member, ids);
  }

  /**
   * Stores a new version coordinated by this node; resolves once a quorum of members has it
   * durably, or every member that answered when others are down (which get it by hinted handoff).
   */
  async kvPut(
    k: Key,
    value: Buffer,
    contentType: string,
    clientClock: Record<string, number> | undefined,
    deleted = false,
  ): Promise<StoredObject> {
    this.requireKv('write');
    this.requireType(k.type);
    if (deleted) this.stats.deletes++;
    else this.stats.puts++;
    const id = keyId(k);
    const local = this.store.get(id);
    // The new version descends what this node has and what the client read (allow_mult=false).
    const vclock = maxClock(local?.vclock ?? {}, clientClock ?? {});
    vclock[this.name] = (vclock[this.name] ?? 0) + 1;
    const o: StoredObject = {
      value: value.toString('base64'),
      contentType,
      vclock,
      ts: Date.now(),
      deleted,
    };
    const nodes = replicas(this.ring);
    const calls = nodes.map((n) =>
      n === this.name
        ? this.store.merge(id, o)
        : this.call(n, 'kv_merge', { id, o }, 5000).catch((err: Error) => {
            this.hint(n, id);
            throw err;
          }),
    );
    await this.enough(calls, this.quorum(nodes.length));
    return o;
  }

  /** Keys of a bucket: the union over the replicas that answer, without deleted ones. */
  async listKeys(type: string, bucket: string): Promise<string[]> {
    this.requireKv('list');
    this.requireType(type);
    const nodes = replicas(this.ring);
    const lists = await Promise.allSettled(
      nodes.map((n) => this.call<string[]>(n, 'kv_keys', { type, bucket }, 10000)),
    );
    const keys = new Set<string>();
    for (const l of lists) if (l.status === 'fulfilled') for (const k of l.value) keys.add(k);
    return [...keys].sort();
  }

  async listBuckets(type: string): Promise<string[]> {
    this.requireKv('list');
    this.requireType(type);
    const nodes = replicas(this.ring);
    const lists = await Promise.allSettled(
      nodes.map((n) => this.call<string[]>(n, 'kv_buckets', { type }, 10000)),
    );
    const out = new Set<string>();
    for (const l of lists) if (l.status === 'fulfilled') for (const b of l.value) out.add(b);
    return [...out].sort();
  }

  private localKeys(type: string, bucket: string): string[] {
    const out: string[] = [];
    for (const id of this.store.ids()) {
      const k = parseKeyId(id);
      if (k.type === type && k.bucket === bucket && !this.store.get(id)!.deleted) out.push(k.key);
    }
    return out;
  }

  private localBuckets(type: string): string[] {
    const out = new Set<string>();
    for (const id of this.store.ids()) {
      const k = parseKeyId(id);
      if (k.type === type && !this.store.get(id)!.deleted) out.add(k.bucket);
    }
    return [...out];
  }

  // ---- the distribution protocol ----------------------------------------------------------

  /** Everything other nodes and riak-admin may ask (one switch: the protocol's operations). */
  async handle(op: string, args: unknown, _peer: string): Promise<unknown> {
    const a = (args ?? {}) as Record<string, unknown>;
    if (op.startsWith('admin_')) return this.admin.handle(op, a);
    switch (op) {
      case 'ping':
        return 'pong';
      case 'pid':
        return process.pid;
      case 'version':
        return VERSION;
      case 'stop':
        setTimeout(() => this.onStop?.(), 50).unref();
        return 'ok';
      case 'services':
        return this.kvUp ? SERVICES : [];
      case 'get_ring':
        return this.ring;
      case 'ring_update': {
        const r = args as Ring;
        if (r.clusterId === this.ring.clusterId) this.adopt(r);
        else if (
          memberOf(r, this.name)?.status === 'joining' ||
          memberOf(r, this.name)?.status === 'valid'
        )
          if (
            this.ring.members.length === 1 ||
            memberOf(this.ring, this.name)?.status === 'joining'
          )
            this.adopt(r, true);
        return 'ok';
      }
      case 'kv_get':
        return this.store.get(String(a.id)) ?? null;
      case 'kv_merge':
        await this.store.merge(String(a.id), a.o as StoredObject);
        return 'ok';
      case 'kv_merge_many':
        for (const [id, o] of args as [string, StoredObject][]) await this.store.merge(id, o);
        return 'ok';
      case 'kv_keys':
        return this.localKeys(String(a.type), String(a.bucket));
      case 'kv_buckets':
        return this.localBuckets(String(a.type));
      case 'dump':
        return this.dump(a);
      // Claimant side of membership changes.
      case 'join_request': {
        if (claimant(this.ring) !== this.name) return this.onClaimant('join_request', args);
        if (a.ringSize !== undefined && a.ringSize !== this.ring.ringSize)
          throw new Error('different_ring_sizes');
        const node = String(a.node);
        return this.claimantUpdate(stage(this.ring, { action: 'join', node }), [node]);
      }
      case 'stage': {
        if (claimant(this.ring) !== this.name) return this.onClaimant('stage', args);
        return this.claimantUpdate(stage(this.ring, a as unknown as Staged));
      }
      case 'clear': {
        if (claimant(this.ring) !== this.name) return this.onClaimant('clear');
        const dropped = this.ring.staged.filter((s) => s.action === 'join').map((s) => s.node);
        return this.claimantUpdate(clear(this.ring), dropped);
      }
      case 'commit': {
        if (claimant(this.ring) !== this.name) return this.onClaimant('commit', args);
        if (JSON.stringify(this.ring.staged) !== String(a.plan)) throw new Error(PLAN_CHANGED);
        const removed = this.ring.staged.filter((s) => s.action === 'remove').map((s) => s.node);
        return this.claimantUpdate(commit(this.ring), removed);
      }
      case 'join_done': {
        if (claimant(this.ring) !== this.name) return this.onClaimant('join_done', args);
        return this.claimantUpdate(joinDone(this.ring, String(a.node)));
      }
      case 'leave_done': {
        if (claimant(this.ring) !== this.name) return this.onClaimant('leave_done', args);
        const node = String(a.node);
        if (!memberOf(this.ring, node)) return this.ring;
        const next = removeMember(this.ring, node);
        if (node !== this.name) return this.claimantUpdate(next, [node]);
        next.claimant = claimant(next);
        // The claimant itself has left: the others get the ring without it, then it stops.
        this.ring = next;
        this.broadcast();
        this.ring = standalone(this.name, this.config.ringSize, randomUUID());
        this.saveRing();
        this.log('info', 'shutting down after leaving the cluster');
        setTimeout(() => this.onStop?.(), 100).unref();
        return next;
      }
      case 'type_change': {
        if (claimant(this.ring) !== this.name) return this.onClaimant('type_change', args);
        return this.claimantUpdate(
          changeType(
            this.ring,
            a.action as 'create' | 'activate' | 'update',
            String(a.name),
            (a.props ?? {}) as Record<string, unknown>,
          ),
        );
      }
      case 'remote':
        return this.call(String(a.node), String(a.op), a.args, 10000);
      case 'local_transfers':
        return this.localTransfers();
      case 'stats':
        return this.statsView();
      default:
        throw new Error(`unknown operation ${op}`);
    }
  }

  statsView(): Record<string, unknown> {
    return {
      nodename: this.name,
      riak_kv_version: VERSION,
      ring_num_partitions: this.ring.ringSize,
      ring_members: this.ring.members.map((m) => m.name),
      ring_ownership: JSON.stringify(this.ring.members.map((m) => m.name)),
      connected_nodes: [...this.peers.keys()],
      node_gets: this.stats.gets,
      node_puts: this.stats.puts,
      node_deletes: this.stats.deletes,
      read_repairs: this.stats.readRepairs,
      objects: this.store.size,
      uptime_seconds: Math.floor((Date.now() - this.startedAt) / 1000),
      storage_backend: 'riak_local_log',
    };
  }
}
