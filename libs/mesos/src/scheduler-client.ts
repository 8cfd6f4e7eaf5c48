import { EventEmitter } from 'node:events';
import type { IncomingMessage } from 'node:http';
import type { Logger } from '@riak-mesos/logging';
import { createLogger } from '@riak-mesos/logging';
import type { WireFormat } from './codec';
import {
  CONTENT_TYPES,
  decodeSchedulerEvent,
  encodeSchedulerCall,
  formatOfContentType,
} from './codec';
import type { Credentials } from './http';
import { Backoff, MesosHttpError, basicAuth, post, readBody, resolveLocation, sleep } from './http';
import type { MasterDetector } from './master';
import { createMasterDetector } from './master';
import { RecordIODecoder } from './recordio';
import type {
  AgentID,
  ExecutorID,
  Filters,
  FrameworkInfo,
  InverseOffer,
  KillPolicy,
  MasterInfo,
  MesosRequest,
  Offer,
  OfferID,
  OfferOperation,
  SchedulerCall,
  SchedulerEvent,
  TaskID,
  TaskStatus,
} from './types';

export interface SchedulerClientOptions {
  /** `http(s)://host:port`, `host:port`, or `zk://h1:p,h2:p/mesos`. */
  master: string | MasterDetector;
  frameworkInfo: FrameworkInfo;
  /** Wire format of calls and events (default protobuf). */
  format?: WireFormat;
  credentials?: Credentials;
  /**
   * Certificates trusted for https masters (Node's roots plus a private CA); with a zk://
   * master, also: the masters found there are reached over https.
   */
  ca?: string[];
  logger?: Logger;
  /** Missing heartbeats for `interval × this` means the connection is lost (default 5, as Mesos advises). */
  heartbeatMissFactor?: number;
  backoff?: { initialMs?: number; maxMs?: number };
  /** Timeout of each call other than SUBSCRIBE. */
  callTimeoutMs?: number;
}

export interface SubscribedInfo {
  frameworkId: string;
  heartbeatIntervalSeconds?: number;
  masterInfo?: MasterInfo;
  master: string;
  streamId: string;
}

export interface SchedulerClientEvents {
  subscribed: [SubscribedInfo];
  offers: [Offer[]];
  inverse_offers: [InverseOffer[]];
  rescind: [OfferID];
  rescind_inverse_offer: [OfferID];
  update: [TaskStatus];
  message: [{ agent_id: AgentID; executor_id: ExecutorID; data: Buffer }];
  failure: [{ agent_id?: AgentID; executor_id?: ExecutorID; status?: number }];
  /** Mesos sent ERROR (e.g. the framework was removed): the subscription ends for good. */
  error: [Error];
  heartbeat: [];
  /** The subscription stream ended; the client re-subscribes by itself with backoff. */
  disconnected: [string];
  /** Every decoded event. */
  event: [SchedulerEvent];
}

/**
 * A Mesos v1 scheduler API client: SUBSCRIBE over a long-lived RecordIO stream, every call type,
 * the leading master followed (307 redirects, or ZooKeeper for `zk://`), missed heartbeats
 * detected, and re-subscription with the framework id and capped exponential backoff.
 */
export class SchedulerClient extends EventEmitter<SchedulerClientEvents> {
  private readonly detector: MasterDetector;
  private readonly ownsDetector: boolean;
  private readonly format: WireFormat;
  private readonly logger: Logger;
  private readonly backoff: Backoff;
  private frameworkInfo: FrameworkInfo;
  private redirect: string | undefined;
  private active: { base: string; streamId: string; response: IncomingMessage } | undefined;
  private running = false;
  private readonly abort = new AbortController();
  private loop: Promise<void> | undefined;
  private watchdog: NodeJS.Timeout | undefined;

  constructor(private readonly options: SchedulerClientOptions) {
    super();
    this.ownsDetector = typeof options.master === 'string';
    this.logger = options.logger ?? createLogger('mesos-scheduler-client');
    this.detector =
      typeof options.master === 'string'
        ? createMasterDetector(options.master, this.logger, options.ca ? 'https' : 'http')
        : options.master;
    this.format = options.format ?? 'protobuf';
    this.frameworkInfo = structuredClone(options.frameworkInfo);
    this.backoff = new Backoff(options.backoff?.initialMs ?? 500, options.backoff?.maxMs ?? 30000);
    this.detector.on('change', (url) => {
      this.logger.info('leading master changed; re-subscribing', { master: url });
      this.redirect = undefined;
      this.dropStream('leading master changed');
    });
  }

  get frameworkId(): string | undefined {
    return this.frameworkInfo.id?.value;
  }

  get subscribed(): boolean {
    return this.active !== undefined;
  }

  /** The master the client is subscribed to. */
  get master(): string | undefined {
    return this.active?.base;
  }

  /** Starts subscribing (and re-subscribing after any loss) until `stop()`. */
  start(): void {
    if (this.running) return;
    this.running = true;
    this.loop = this.run();
  }

  async stop(): Promise<void> {
    this.running = false;
    this.abort.abort();
    this.dropStream('client stopped');
    await this.loop;
    if (this.ownsDetector) await this.detector.close();
  }

  /** Ends the current stream (the client re-subscribes); for tests and drills. */
  dropStream(reason: string): void {
    clearTimeout(this.watchdog);
    const a = this.active;
    this.active = undefined;
    a?.response.destroy(new Error(reason));
  }

  private async run(): Promise<void> {
    while (this.running) {
      let base: string;
      try {
        base = this.redirect ?? (await this.detector.current());
      } catch (err) {
        this.logger.warn('cannot find the leading master', { error: (err as Error).message });
        await sleep(this.backoff.next(), this.abort.signal);
        continue;
      }
      try {
        await this.subscribeOnce(base);
      } catch (err) {
        if (!this.running) break;
        if (err instanceof MesosHttpError && !err.retriable) {
          this.logger.error('Mesos refused the subscription', {
            status: err.status,
            error: err.message,
          });
          this.running = false;
          this.emit('error', err);
          break;
        }
        if (err instanceof MesosHttpError && err.status === 307) continue; // follow the redirect now
        this.logger.warn('subscription failed; retrying', {
          master: base,
          error: (err as Error).message,
        });
      }
      if (this.running) await sleep(this.backoff.next(), this.abort.signal);
    }
  }

  private headers(streamId?: string) {
    return {
      'content-type': CONTENT_TYPES[this.format],
      accept: CONTENT_TYPES[this.format],
      ...basicAuth(this.options.credentials),
      ...(streamId ? { 'mesos-stream-id': streamId } : {}),
    };
  }

  private async subscribeOnce(base: string): Promise<void> {
    const url = `${base}/api/v1/scheduler`;
    const call: SchedulerCall = {
      type: 'SUBSCRIBE',
      subscribe: { framework_info: this.frameworkInfo },
    };
    if (this.frameworkInfo.id) call.framework_id = this.frameworkInfo.id;
    const res = await post(url, {
      headers: { ...this.headers(), connection: 'keep-alive' },
      body: encodeSchedulerCall(call, this.format),
      dedicated: true,
      signal: this.abort.signal,
      ...(this.options.ca ? { ca: this.options.ca } : {}),
    });
    if (res.statusCode === 307) {
      const location = res.headers.location;
      res.resume();
      if (!location) throw new MesosHttpError(307, 'redirect without a Location', url);
      this.redirect = resolveLocation(location, url);
      this.logger.info('following redirect to the leading master', { master: this.redirect });
      throw new MesosHttpError(307, '', url);
    }
    if (res.statusCode !== 200) {
      const body = await readBody(res).catch(() => '');
      throw new MesosHttpError(res.statusCode ?? 0, body, url);
    }
    const streamId = String(res.headers['mesos-stream-id'] ?? '');
    const format = formatOfContentType(res.headers['content-type']) ?? this.format;
    const decoder = new RecordIODecoder();
    this.active = { base, streamId, response: res };
    let ended = 'stream ended';
    try {
      for await (const chunk of res) {
        for (const record of decoder.push(chunk as Buffer))
          this.handle(decodeSchedulerEvent(record, format), base, streamId);
      }
    } catch (err) {
      ended = (err as Error).message;
    } finally {
      clearTimeout(this.watchdog);
      if (this.active?.response === res) this.active = undefined;
    }
    if (this.running) {
      this.logger.warn('subscription stream ended; re-subscribing', {
        master: base,
        reason: ended,
      });
      this.emit('disconnected', ended);
    }
  }

  private armWatchdog(intervalSeconds: number): void {
    clearTimeout(this.watchdog);
    const factor = this.options.heartbeatMissFactor ?? 5;
    this.watchdog = setTimeout(
      () => {
        this.logger.warn('no heartbeat from Mesos; treating the connection as lost', {
          waitedSeconds: intervalSeconds * factor,
        });
        this.dropStream('missed heartbeats');
      },
      intervalSeconds * factor * 1000,
    );
    this.watchdog.unref();
  }

  private heartbeatInterval: number | undefined;

  private handle(event: SchedulerEvent, base: string, streamId: string): void {
    if (this.heartbeatInterval) this.armWatchdog(this.heartbeatInterval);
    this.emit('event', event);
    switch (event.type) {
      case 'SUBSCRIBED': {
        const s = event.subscribed!;
        this.frameworkInfo.id = s.framework_id;
        this.heartbeatInterval = s.heartbeat_interval_seconds;
        if (this.heartbeatInterval) this.armWatchdog(this.heartbeatInterval);
        this.backoff.reset();
        this.logger.info('subscribed to Mesos', {
          frameworkId: s.framework_id.value,
          master: base,
        });
        this.emit('subscribed', {
          frameworkId: s.framework_id.value,
          heartbeatIntervalSeconds: s.heartbeat_interval_seconds,
          masterInfo: s.master_info,
          master: base,
          streamId,
        });
        break;
      }
      case 'OFFERS':
        this.emit('offers', event.offers?.offers ?? []);
        break;
      case 'INVERSE_OFFERS':
        this.emit('inverse_offers', event.inverse_offers?.inverse_offers ?? []);
        break;
      case 'RESCIND':
        this.emit('rescind', event.rescind!.offer_id);
        break;
      case 'RESCIND_INVERSE_OFFER':
        this.emit('rescind_inverse_offer', event.rescind_inverse_offer!.inverse_offer_id);
        break;
      case 'UPDATE':
        this.emit('update', event.update!.status);
        break;
      case 'MESSAGE':
        this.emit('message', { ...event.message!, data: Buffer.from(event.message!.data) });
        break;
      case 'FAILURE':
        this.emit('failure', event.failure ?? {});
        break;
      case 'ERROR':
        this.logger.error('Mesos sent an error; the subscription ends', {
          message: event.error?.message,
        });
        this.running = false;
        this.emit('error', new Error(`Mesos: ${event.error?.message ?? 'unknown error'}`));
        this.dropStream('Mesos error');
        break;
      case 'HEARTBEAT':
        this.emit('heartbeat');
        break;
      default:
        this.logger.debug('ignoring an event of unknown type', { type: event.type });
    }
  }

  /** Sends a call on the current subscription (202 expected). */
  /**
   * A call of the master's operator API (`POST /api/v1`, JSON; e.g. `{type: 'GET_TASKS'}`) on the
   * master this client is subscribed to, with its credentials; answers the parsed JSON, to be
   * checked with the schemas of operator.ts.
   */
  async operatorCall(call: { type: string }): Promise<unknown> {
    const base = this.active?.base ?? this.redirect ?? (await this.detector.current());
    const url = `${base}/api/v1`;
    const res = await post(url, {
      headers: {
        'content-type': 'application/json',
        accept: 'application/json',
        ...basicAuth(this.options.credentials),
      },
      body: Buffer.from(JSON.stringify(call)),
      timeoutMs: this.options.callTimeoutMs ?? 15000,
      ...(this.options.ca ? { ca: this.options.ca } : {}),
    });
    const text = await readBody(res, 64 << 20);
    if (res.statusCode !== 200) throw new MesosHttpError(res.statusCode ?? 0, text, url);
    try {
      return JSON.parse(text) as unknown;
    } catch {
      throw new MesosHttpError(res.statusCode ?? 0, `not JSON: ${text.slice(0, 200)}`, url);
    }
  }

  async call(call: Omit<SchedulerCall, 'framework_id'>): Promise<void> {
    const active = this.active;
    if (!active || !this.frameworkInfo.id)
      throw new MesosHttpError(0, 'not subscribed to Mesos', 'scheduler client');
    const url = `${active.base}/api/v1/scheduler`;
    const body = encodeSchedulerCall({ ...call, framework_id: this.frameworkInfo.id }, this.format);
    const res = await post(url, {
      headers: this.headers(active.streamId),
      body,
      timeoutMs: this.options.callTimeoutMs ?? 15000,
      ...(this.options.ca ? { ca: this.options.ca } : {}),
    });
    if (res.statusCode === 202 || res.statusCode === 200) {
      res.resume();
      return;
    }
    const text = await readBody(res).catch(() => '');
    if (res.statusCode === 307) this.dropStream('calls redirected: this master no longer leads');
    throw new MesosHttpError(res.statusCode ?? 0, text, url);
  }

  accept(offerIds: OfferID[], operations: OfferOperation[], filters?: Filters) {
    return this.call({
      type: 'ACCEPT',
      accept: { offer_ids: offerIds, operations, ...(filters ? { filters } : {}) },
    });
  }
  decline(offerIds: OfferID[], filters?: Filters) {
    return this.call({
      type: 'DECLINE',
      decline: { offer_ids: offerIds, ...(filters ? { filters } : {}) },
    });
  }
  acceptInverseOffers(ids: OfferID[], filters?: Filters) {
    return this.call({
      type: 'ACCEPT_INVERSE_OFFERS',
      accept_inverse_offers: { inverse_offer_ids: ids, ...(filters ? { filters } : {}) },
    });
  }
  declineInverseOffers(ids: OfferID[], filters?: Filters) {
    return this.call({
      type: 'DECLINE_INVERSE_OFFERS',
      decline_inverse_offers: { inverse_offer_ids: ids, ...(filters ? { filters } : {}) },
    });
  }
  revive() {
    return this.call({ type: 'REVIVE' });
  }
  suppress() {
    return this.call({ type: 'SUPPRESS' });
  }
  kill(taskId: TaskID, agentId?: AgentID, killPolicy?: KillPolicy) {
    return this.call({
      type: 'KILL',
      kill: {
        task_id: taskId,
        ...(agentId ? { agent_id: agentId } : {}),
        ...(killPolicy ? { kill_policy: killPolicy } : {}),
      },
    });
  }
  shutdown(executorId: ExecutorID, agentId: AgentID) {
    return this.call({
      type: 'SHUTDOWN',
      shutdown: { executor_id: executorId, agent_id: agentId },
    });
  }
  acknowledge(agentId: AgentID, taskId: TaskID, uuid: Uint8Array) {
    return this.call({
      type: 'ACKNOWLEDGE',
      acknowledge: { agent_id: agentId, task_id: taskId, uuid },
    });
  }
  /** Explicit reconciliation of the given tasks; with none, implicit (every task Mesos knows). */
  reconcile(tasks: { task_id: TaskID; agent_id?: AgentID }[] = []) {
    return this.call({ type: 'RECONCILE', reconcile: { tasks } });
  }
  message(agentId: AgentID, executorId: ExecutorID, data: Uint8Array) {
    return this.call({
      type: 'MESSAGE',
      message: { agent_id: agentId, executor_id: executorId, data },
    });
  }
  request(requests: MesosRequest[]) {
    return this.call({ type: 'REQUEST', request: { requests } });
  }
  /** Removes the framework from Mesos: every task is killed. */
  async teardown() {
    await this.call({ type: 'TEARDOWN' });
    this.running = false;
    this.dropStream('torn down');
  }
}
