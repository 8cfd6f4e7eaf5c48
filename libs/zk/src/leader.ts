import { EventEmitter } from 'node:events';
import type { Logger } from '@riak-mesos/logging';
import { createLogger } from '@riak-mesos/logging';
import type { ZkClient } from './client';
import { NoNodeError } from './errors';

const PREFIX = 'member-';

/**
 * Leader election with the ephemeral-sequential recipe: each candidate creates
 * `<path>/member-<seq>`; the lowest sequence leads; every other candidate watches only the one
 * just before it (no herd effect). Events: `elected`, `revoked` (leadership lost: the session
 * expired, or ZooKeeper was unreachable for a whole session timeout, or `stop()`).
 */
export class LeaderElection extends EventEmitter {
  private node: string | undefined;
  private leading = false;
  private stopped = true;
  private suspendTimer: NodeJS.Timeout | undefined;
  private readonly logger: Logger;
  private checking: Promise<void> | undefined;
  private recheck = false;
  private readonly zkListeners: [string, (...a: unknown[]) => void][] = [];

  constructor(
    private readonly zk: ZkClient,
    readonly path: string,
    private readonly data: Buffer | string = '',
    logger?: Logger,
  ) {
    super();
    this.logger = logger ?? createLogger('leader-election');
  }

  get isLeader(): boolean {
    return this.leading;
  }

  /** This candidate's node name, once joined. */
  get memberNode(): string | undefined {
    return this.node;
  }

  async start(): Promise<void> {
    if (!this.stopped) return;
    this.stopped = false;
    this.on_('disconnected', () => {
      // Without ZooKeeper for a whole session timeout, another candidate may lead: stop first.
      clearTimeout(this.suspendTimer);
      this.suspendTimer = setTimeout(
        () => this.revoke('ZooKeeper unreachable for a session timeout'),
        this.zk.sessionTimeout,
      );
      this.suspendTimer.unref();
    });
    this.on_('connected', () => {
      clearTimeout(this.suspendTimer);
      this.check();
    });
    this.on_('expired', () => {
      clearTimeout(this.suspendTimer);
      this.node = undefined;
      this.revoke('ZooKeeper session expired');
    });
    this.on_(
      'session',
      () =>
        void this.join().catch((err: Error) =>
          this.logger.error('could not rejoin the election', { error: err.message }),
        ),
    );
    await this.join();
  }

  private on_(event: string, fn: (...a: unknown[]) => void): void {
    this.zk.on(event, fn);
    this.zkListeners.push([event, fn]);
  }

  private async join(): Promise<void> {
    if (this.stopped) return;
    await this.zk.ensurePath(this.path);
    const created = await this.zk.create(`${this.path}/${PREFIX}`, this.data, {
      mode: 'ephemeral_sequential',
    });
    this.node = created.slice(created.lastIndexOf('/') + 1);
    this.logger.debug('joined leader election', { path: this.path, node: this.node });
    this.check();
    await this.checking;
  }

  private check(): void {
    if (this.checking) {
      this.recheck = true;
      return;
    }
    this.checking = (async () => {
      do {
        this.recheck = false;
        try {
          await this.evaluate();
        } catch (err) {
          this.logger.warn('leader election check failed; will retry', {
            error: (err as Error).message,
          });
          setTimeout(() => this.check(), 500).unref();
        }
      } while (this.recheck && !this.stopped);
    })().finally(() => {
      this.checking = undefined;
    });
  }

  private async evaluate(): Promise<void> {
    if (this.stopped || !this.node) return;
    const members = (await this.zk.children(this.path)).filter((c) => c.startsWith(PREFIX)).sort();
    const mine = members.indexOf(this.node);
    if (mine === -1) {
      // Our node is gone (session replaced): rejoin.
      this.revoke('election node vanished');
      this.node = undefined;
      await this.join();
      return;
    }
    if (mine === 0) {
      if (!this.leading) {
        this.leading = true;
        this.logger.info('elected leader', { path: this.path, node: this.node });
        this.emit('elected');
      }
      return;
    }
    const predecessor = `${this.path}/${members[mine - 1]}`;
    const watch = this.zk.watchData(predecessor);
    watch.on('change', (value) => {
      if (value === null) {
        watch.close();
        this.check();
      }
    });
  }

  private revoke(reason: string): void {
    if (!this.leading) return;
    this.leading = false;
    this.logger.warn('leadership revoked', { path: this.path, reason });
    this.emit('revoked', reason);
  }

  /** The data of the current leader, or null when there is none. */
  async leaderData(): Promise<Buffer | null> {
    let members: string[];
    try {
      members = (await this.zk.children(this.path)).filter((c) => c.startsWith(PREFIX)).sort();
    } catch (err) {
      if (err instanceof NoNodeError) return null;
      throw err;
    }
    for (const m of members) {
      const got = await this.zk.getOrNull(`${this.path}/${m}`);
      if (got) return got.data;
    }
    return null;
  }

  /** Leaves the election (deleting this candidate's node). */
  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    clearTimeout(this.suspendTimer);
    for (const [event, fn] of this.zkListeners.splice(0)) this.zk.off(event, fn);
    const node = this.node;
    this.node = undefined;
    this.revoke('stopped');
    if (node) await this.zk.delete(`${this.path}/${node}`).catch(() => undefined);
  }
}
