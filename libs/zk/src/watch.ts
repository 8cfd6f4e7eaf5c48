import { EventEmitter } from 'node:events';
import type { Logger } from '@riak-mesos/logging';
import { ClientClosedError } from './errors';

/**
 * What a watch needs from the client: a read that also sets a one-shot watcher. The read answers
 * `null` when the node does not exist (a creation watch is then set), and `undefined` when the
 * node appeared between two steps (read again).
 */
export interface WatchBackend {
  getData(path: string, watcher: () => void): Promise<Buffer | null | undefined>;
  getChildren(path: string, watcher: () => void): Promise<string[] | null | undefined>;
  logger: Logger;
}

/**
 * A watch that never misses a change: every trigger re-reads and re-arms in one call, so a change
 * made between the trigger and the re-arm is seen by the read. `change` is emitted only when the
 * value differs from the last one emitted. Also an async iterator of values (latest wins).
 */
abstract class Watch<T> extends EventEmitter implements AsyncIterable<T | null> {
  private last: string | undefined;
  private running = false;
  private again = false;
  private closed = false;
  private waiters: ((v: IteratorResult<T | null>) => void)[] = [];
  private pending: { value: T | null } | undefined;
  private current: T | null = null;
  private hasValue = false;

  constructor(
    readonly path: string,
    protected readonly backend: WatchBackend,
    private readonly onClose: () => void,
  ) {
    super();
  }

  protected abstract read(watcher: () => void): Promise<T | null | undefined>;
  protected abstract key(value: T | null): string;

  /** The last value read (null while the node does not exist). */
  get value(): T | null {
    return this.current;
  }

  /** Resolves with the first value read. */
  async initial(): Promise<T | null> {
    if (this.hasValue) return this.current;
    return new Promise((resolve) => this.once('change', resolve));
  }

  /** Re-reads and re-arms; coalesces calls that arrive while a read is in flight. */
  rearm(): void {
    if (this.closed) return;
    if (this.running) {
      this.again = true;
      return;
    }
    this.running = true;
    void this.cycle();
  }

  private async cycle(): Promise<void> {
    try {
      do {
        this.again = false;
        let value: T | null | undefined;
        do {
          value = await this.read(() => this.rearm());
        } while (value === undefined && !this.closed);
        if (this.closed) return;
        this.deliver(value ?? null);
      } while (this.again && !this.closed);
    } catch (err) {
      if (!(err instanceof ClientClosedError) && !this.closed) {
        this.backend.logger.warn('watch read failed; retrying', {
          path: this.path,
          error: (err as Error).message,
        });
        setTimeout(() => {
          this.running = false;
          this.rearm();
        }, 500).unref();
        return;
      }
    }
    this.running = false;
  }

  private deliver(value: T | null): void {
    const k = this.key(value);
    this.current = value;
    this.hasValue = true;
    if (k === this.last) return;
    this.last = k;
    this.emit('change', value);
    const waiter = this.waiters.shift();
    if (waiter) waiter({ value, done: false });
    else this.pending = { value };
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.onClose();
    for (const w of this.waiters.splice(0)) w({ value: undefined, done: true });
    this.emit('close');
    this.removeAllListeners('change');
  }

  [Symbol.asyncIterator](): AsyncIterator<T | null> {
    return {
      next: () => {
        if (this.pending) {
          const { value } = this.pending;
          this.pending = undefined;
          return Promise.resolve({ value, done: false });
        }
        if (this.closed) return Promise.resolve({ value: undefined, done: true });
        return new Promise((resolve) => this.waiters.push(resolve));
      },
      return: () => {
        this.close();
        return Promise.resolve({ value: undefined, done: true });
      },
    };
  }
}

export class DataWatch extends Watch<Buffer> {
  protected read(watcher: () => void): Promise<Buffer | null | undefined> {
    return this.backend.getData(this.path, watcher);
  }
  protected key(value: Buffer | null): string {
    return value === null ? '\u0000absent' : 'v' + value.toString('base64');
  }
}

export class ChildWatch extends Watch<string[]> {
  protected async read(watcher: () => void): Promise<string[] | null | undefined> {
    const children = await this.backend.getChildren(this.path, watcher);
    return children ? [...children].sort() : children;
  }
  protected key(value: string[] | null): string {
    return value === null ? '\u0000absent' : JSON.stringify(value);
  }
}
