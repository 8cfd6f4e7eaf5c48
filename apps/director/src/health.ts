import { request } from 'node:http';
import { connect } from 'node:net';
import type { Logger } from '@riak-mesos/logging';
import { CODES, encodeFrame } from '@riak-mesos/riak-pb';
import type { Backend, BackendPool } from './backends';

const RPB_ERROR_RESP = CODES.RpbErrorResp;
const RPB_PING_RESP = CODES.RpbPingResp;
/** An RpbPingReq frame (`00 00 00 01 01`): length 1 (the code byte alone), code 1. */
export const PB_PING_FRAME = encodeFrame(CODES.RpbPingReq);

/** Where a check connects; kept apart from Backend so the checks can be used on any address. */
export interface CheckTarget {
  host: string;
  port: number;
}

export type HealthCheck = (target: CheckTarget, timeoutMs: number) => Promise<void>;

/**
 * PB ping: sends RpbPingReq and expects RpbPingResp. Resolves when the answer comes; rejects with
 * the reason (connect error, timeout, error response, unexpected code, closed early).
 */
export const pbPing: HealthCheck = (target, timeoutMs) =>
  new Promise<void>((resolve, reject) => {
    let settled = false;
    let received = Buffer.alloc(0);
    const socket = connect({ host: target.host, port: target.port, noDelay: true });
    const finish = (err?: Error) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      socket.destroy();
      if (err) reject(err);
      else resolve();
    };
    const timer = setTimeout(
      () => finish(new Error(`PB ping timed out after ${timeoutMs} ms`)),
      timeoutMs,
    );
    socket.on('connect', () => socket.write(PB_PING_FRAME));
    socket.on('data', (chunk: Buffer) => {
      received = Buffer.concat([received, chunk]);
      if (received.length < 5) return;
      const length = received.readUInt32BE(0);
      const code = received[4];
      if (code === RPB_PING_RESP && length === 1) finish();
      else if (code === RPB_ERROR_RESP) finish(new Error('PB ping answered with RpbErrorResp'));
      else finish(new Error(`PB ping answered with message code ${code} (length ${length})`));
    });
    socket.on('error', (err) => finish(new Error(`PB ping: ${describeError(err)}`)));
    socket.on('close', () => finish(new Error('PB ping: connection closed before the answer')));
  });

/** HTTP ping: `GET /ping` must answer 200. */
export const httpPing: HealthCheck = (target, timeoutMs) =>
  new Promise<void>((resolve, reject) => {
    let settled = false;
    const finish = (err?: Error) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      req.destroy();
      if (err) reject(err);
      else resolve();
    };
    const req = request({
      host: target.host,
      port: target.port,
      method: 'GET',
      path: '/ping',
      agent: false,
      headers: { connection: 'close', 'user-agent': 'riak-mesos-director' },
    });
    const timer = setTimeout(
      () => finish(new Error(`HTTP ping timed out after ${timeoutMs} ms`)),
      timeoutMs,
    );
    req.on('response', (res) => {
      res.resume();
      if (res.statusCode === 200) finish();
      else finish(new Error(`HTTP ping answered ${res.statusCode}`));
    });
    req.on('error', (err) => finish(new Error(`HTTP ping: ${describeError(err)}`)));
    req.end();
  });

export function describeError(err: unknown): string {
  const e = err as NodeJS.ErrnoException;
  if (e && e.code && e.message && !e.message.includes(e.code)) return `${e.code}: ${e.message}`;
  return e?.message ?? String(err);
}

export interface HealthCheckerOptions {
  intervalMs: number;
  timeoutMs: number;
  logger: Logger;
}

/**
 * Active health checks of every backend of a pool: one check at a time per backend, every
 * `intervalMs` (the first soon after it is added, spread over the interval), results fed to the
 * pool's rise/fall counters. Draining backends are checked too, so a revived one has a known state.
 */
export class HealthChecker {
  private readonly timers = new Map<Backend, NodeJS.Timeout>();
  private stopped = false;
  private readonly onAdded = (b: Backend) => this.schedule(b, this.firstDelay());
  private readonly onRetired = (b: Backend) => {
    clearTimeout(this.timers.get(b));
    this.timers.delete(b);
  };

  constructor(
    private readonly pool: BackendPool,
    private readonly check: HealthCheck,
    private readonly options: HealthCheckerOptions,
  ) {}

  start(): void {
    this.pool.on('added', this.onAdded);
    this.pool.on('retired', this.onRetired);
    for (const b of this.pool.list()) this.schedule(b, this.firstDelay());
  }

  private firstDelay(): number {
    return Math.floor(Math.random() * Math.min(this.options.intervalMs, 200));
  }

  private schedule(b: Backend, delayMs: number): void {
    if (this.stopped || b.retired) return;
    clearTimeout(this.timers.get(b));
    const t = setTimeout(() => void this.run(b), delayMs);
    t.unref();
    this.timers.set(b, t);
  }

  private async run(b: Backend): Promise<void> {
    if (this.stopped || b.retired) return;
    let ok = true;
    let detail: string | undefined;
    try {
      await this.check({ host: b.host, port: b.port }, this.options.timeoutMs);
    } catch (err) {
      ok = false;
      detail = (err as Error).message;
    }
    if (this.stopped || b.retired) return;
    if (!ok) {
      this.options.logger.debug('health check failed', {
        listener: this.pool.name,
        id: b.id,
        address: b.address,
        error: detail,
      });
    }
    this.pool.reportCheck(b, ok, detail);
    this.schedule(b, this.options.intervalMs);
  }

  stop(): void {
    this.stopped = true;
    this.pool.off('added', this.onAdded);
    this.pool.off('retired', this.onRetired);
    for (const t of this.timers.values()) clearTimeout(t);
    this.timers.clear();
  }
}
