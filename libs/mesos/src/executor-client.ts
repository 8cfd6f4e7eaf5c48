import { randomUUID } from 'node:crypto';
import { EventEmitter } from 'node:events';
import type { IncomingMessage } from 'node:http';
import type { Logger } from '@riak-mesos/logging';
import { createLogger } from '@riak-mesos/logging';
import { z } from 'zod';
import type { WireFormat } from './codec';
import {
  CONTENT_TYPES,
  decodeExecutorEvent,
  encodeExecutorCall,
  formatOfContentType,
} from './codec';
import { Backoff, MesosHttpError, post, readBody, sleep } from './http';
import { RecordIODecoder } from './recordio';
import type {
  AgentInfo,
  ExecutorCall,
  ExecutorEvent,
  ExecutorInfo,
  FrameworkInfo,
  KillPolicy,
  TaskID,
  TaskInfo,
  TaskStatus,
} from './types';

/** What the agent tells an executor through its environment. */
export interface ExecutorEnvironment {
  agentEndpoint: string;
  frameworkId: string;
  executorId: string;
  directory?: string;
  sandbox?: string;
  checkpoint: boolean;
  /** How long to keep trying to re-subscribe after losing the agent (checkpointing only). */
  recoveryTimeoutMs: number;
  subscriptionBackoffMaxMs: number;
  shutdownGracePeriodMs: number;
}

/** Parses Mesos durations such as `15mins`, `2secs`, `500ms`, `1hrs`, `1days`. */
export function parseMesosDuration(text: string): number {
  const m = /^\s*([0-9]+(?:\.[0-9]+)?)\s*(ns|us|ms|secs?|mins?|hrs?|days?|weeks?)\s*$/.exec(text);
  if (!m) throw new Error(`'${text}' is not a Mesos duration (like 15mins, 2secs, 500ms)`);
  const n = Number(m[1]);
  const unit = m[2].replace(/s$/, '');
  const ms: Record<string, number> = {
    n: 1e-6,
    u: 1e-3,
    m: 1,
    sec: 1000,
    min: 60000,
    hr: 3600000,
    day: 86400000,
    week: 604800000,
  };
  const factor = unit === 'ns' ? ms.n : unit === 'us' ? ms.u : unit === 'm' ? ms.m : ms[unit];
  return n * factor;
}

const envSchema = z.object({
  MESOS_AGENT_ENDPOINT: z
    .string()
    .regex(/^[^\s/:]+:\d{1,5}$|^\[[0-9a-fA-F:]+\]:\d{1,5}$/, 'must be host:port'),
  MESOS_FRAMEWORK_ID: z.string().min(1),
  MESOS_EXECUTOR_ID: z.string().min(1),
  MESOS_DIRECTORY: z.string().optional(),
  MESOS_SANDBOX: z.string().optional(),
  MESOS_CHECKPOINT: z.enum(['0', '1']).optional(),
  MESOS_RECOVERY_TIMEOUT: z.string().optional(),
  MESOS_SUBSCRIPTION_BACKOFF_MAX: z.string().optional(),
  MESOS_EXECUTOR_SHUTDOWN_GRACE_PERIOD: z.string().optional(),
});

/** Reads and validates the executor environment; throws one error listing every problem. */
export function executorEnvironment(env: NodeJS.ProcessEnv = process.env): ExecutorEnvironment {
  const parsed = envSchema.safeParse(env);
  if (!parsed.success) {
    throw new Error(
      `not started by a Mesos agent (or a bad environment): ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`,
    );
  }
  const e = parsed.data;
  const duration = (name: string, value: string | undefined, fallback: number) => {
    if (value === undefined || value === '') return fallback;
    try {
      return parseMesosDuration(value);
    } catch (err) {
      throw new Error(`${name}: ${(err as Error).message}`);
    }
  };
  return {
    agentEndpoint: e.MESOS_AGENT_ENDPOINT,
    frameworkId: e.MESOS_FRAMEWORK_ID,
    executorId: e.MESOS_EXECUTOR_ID,
    directory: e.MESOS_DIRECTORY,
    sandbox: e.MESOS_SANDBOX ?? e.MESOS_DIRECTORY,
    checkpoint: e.MESOS_CHECKPOINT === '1',
    recoveryTimeoutMs: duration('MESOS_RECOVERY_TIMEOUT', e.MESOS_RECOVERY_TIMEOUT, 15 * 60000),
    subscriptionBackoffMaxMs: duration(
      'MESOS_SUBSCRIPTION_BACKOFF_MAX',
      e.MESOS_SUBSCRIPTION_BACKOFF_MAX,
      2000,
    ),
    shutdownGracePeriodMs: duration(
      'MESOS_EXECUTOR_SHUTDOWN_GRACE_PERIOD',
      e.MESOS_EXECUTOR_SHUTDOWN_GRACE_PERIOD,
      5000,
    ),
  };
}

export interface ExecutorClientEvents {
  subscribed: [
    {
      executorInfo: ExecutorInfo;
      frameworkInfo: FrameworkInfo;
      agentInfo: AgentInfo;
      reconnected: boolean;
    },
  ];
  launch: [TaskInfo];
  kill: [{ task_id: TaskID; kill_policy?: KillPolicy }];
  acknowledged: [{ task_id: TaskID; uuid: Buffer }];
  message: [Buffer];
  error: [string];
  shutdown: [];
  /** The agent is gone: for good (not checkpointing, or the recovery timeout passed). The executor should end its tasks and exit. */
  lost: [string];
  disconnected: [string];
  event: [ExecutorEvent];
}

export type StatusUpdate = Omit<TaskStatus, 'uuid' | 'timestamp' | 'source' | 'executor_id'>;

/**
 * A Mesos v1 executor API client: SUBSCRIBE, reliable UPDATEs (each with a fresh uuid, kept until
 * the agent acknowledges it and re-sent on re-subscription), MESSAGE, and recovery from an agent
 * restart (re-subscribing with the unacknowledged tasks and updates within the recovery timeout).
 */
export class ExecutorClient extends EventEmitter<ExecutorClientEvents> {
  private readonly logger: Logger;
  private readonly format: WireFormat;
  private readonly url: string;
  private readonly unackedUpdates = new Map<string, TaskStatus>();
  private readonly unackedTasks = new Map<string, TaskInfo>();
  private running = false;
  private connected = false;
  private everSubscribed = false;
  private response: IncomingMessage | undefined;
  private loop: Promise<void> | undefined;
  private readonly abort = new AbortController();

  constructor(
    readonly env: ExecutorEnvironment,
    options: { logger?: Logger; format?: WireFormat } = {},
  ) {
    super();
    this.logger = options.logger ?? createLogger('mesos-executor-client');
    this.format = options.format ?? 'protobuf';
    this.url = `http://${env.agentEndpoint}/api/v1/executor`;
  }

  static fromEnvironment(
    env: NodeJS.ProcessEnv = process.env,
    options?: { logger?: Logger; format?: WireFormat },
  ): ExecutorClient {
    return new ExecutorClient(executorEnvironment(env), options);
  }

  /** Updates sent but not yet acknowledged, oldest first. */
  get pendingUpdates(): TaskStatus[] {
    return [...this.unackedUpdates.values()];
  }

  start(): void {
    if (this.running) return;
    this.running = true;
    this.loop = this.run();
  }

  async stop(): Promise<void> {
    this.running = false;
    this.abort.abort();
    this.response?.destroy();
    await this.loop;
  }

  private base(type: ExecutorCall['type']): ExecutorCall {
    return {
      executor_id: { value: this.env.executorId },
      framework_id: { value: this.env.frameworkId },
      type,
    };
  }

  private async run(): Promise<void> {
    const backoff = new Backoff(
      Math.min(1000, this.env.subscriptionBackoffMaxMs),
      this.env.subscriptionBackoffMaxMs,
    );
    let lostSince: number | undefined;
    while (this.running) {
      try {
        await this.subscribeOnce();
        lostSince = undefined;
      } catch (err) {
        if (!this.running) break;
        if (err instanceof MesosHttpError && !err.retriable && err.status !== 404) {
          this.running = false;
          this.emit('lost', `the agent refused the subscription: ${err.message}`);
          break;
        }
        this.logger.warn('cannot subscribe with the agent', { error: (err as Error).message });
      }
      if (!this.running) break;
      if (this.everSubscribed && !this.env.checkpoint) {
        this.running = false;
        this.emit('lost', 'disconnected from the agent and not checkpointing');
        break;
      }
      lostSince ??= Date.now();
      if (
        Date.now() - lostSince >
        (this.everSubscribed
          ? this.env.recoveryTimeoutMs
          : Math.max(this.env.recoveryTimeoutMs, 60000))
      ) {
        this.running = false;
        this.emit(
          'lost',
          `could not re-subscribe with the agent within the recovery timeout (${this.env.recoveryTimeoutMs} ms)`,
        );
        break;
      }
      await sleep(backoff.next(), this.abort.signal);
    }
  }

  private async subscribeOnce(): Promise<void> {
    const SUBSCRIBE_ANSWER_MS = 15000;
    const call = this.base('SUBSCRIBE');
    call.subscribe = {
      unacknowledged_tasks: [...this.unackedTasks.values()],
      unacknowledged_updates: [...this.unackedUpdates.values()].map((status) => ({ status })),
    };
    // An agent that accepts the connection but never answers (one restarting, say) must not hold
    // the executor forever: no answer within the limit is a failed attempt, retried with backoff.
    const answered = new AbortController();
    const timer = setTimeout(
      () =>
        answered.abort(
          new Error(`the agent did not answer SUBSCRIBE within ${SUBSCRIBE_ANSWER_MS} ms`),
        ),
      SUBSCRIBE_ANSWER_MS,
    );
    const res = await post(this.url, {
      headers: {
        'content-type': CONTENT_TYPES[this.format],
        accept: CONTENT_TYPES[this.format],
        connection: 'keep-alive',
      },
      body: encodeExecutorCall(call, this.format),
      dedicated: true,
      signal: AbortSignal.any([this.abort.signal, answered.signal]),
    }).finally(() => clearTimeout(timer));
    if (res.statusCode !== 200) {
      const body = await readBody(res).catch(() => '');
      throw new MesosHttpError(res.statusCode ?? 0, body, this.url);
    }
    const format = formatOfContentType(res.headers['content-type']) ?? this.format;
    const decoder = new RecordIODecoder();
    this.response = res;
    let reason = 'stream ended';
    try {
      for await (const chunk of res)
        for (const record of decoder.push(chunk as Buffer))
          this.handle(decodeExecutorEvent(record, format));
    } catch (err) {
      reason = (err as Error).message;
    } finally {
      this.response = undefined;
      if (this.connected) {
        this.connected = false;
        if (this.running) {
          this.logger.warn('disconnected from the agent', { reason });
          this.emit('disconnected', reason);
        }
      }
    }
  }

  private handle(event: ExecutorEvent): void {
    this.emit('event', event);
    switch (event.type) {
      case 'SUBSCRIBED': {
        const reconnected = this.everSubscribed;
        this.connected = true;
        this.everSubscribed = true;
        const s = event.subscribed!;
        this.logger.info(
          reconnected ? 're-subscribed with the agent' : 'subscribed with the agent',
          { agent: s.agent_info.hostname, pendingUpdates: this.unackedUpdates.size },
        );
        this.emit('subscribed', {
          executorInfo: s.executor_info,
          frameworkInfo: s.framework_info,
          agentInfo: s.agent_info,
          reconnected,
        });
        break;
      }
      case 'LAUNCH':
        this.unackedTasks.set(event.launch!.task.task_id.value, event.launch!.task);
        this.emit('launch', event.launch!.task);
        break;
      case 'KILL':
        this.emit('kill', event.kill!);
        break;
      case 'ACKNOWLEDGED': {
        const uuid = Buffer.from(event.acknowledged!.uuid);
        const key = uuid.toString('hex');
        const status = this.unackedUpdates.get(key);
        this.unackedUpdates.delete(key);
        if (status) this.unackedTasks.delete(status.task_id.value);
        this.emit('acknowledged', { task_id: event.acknowledged!.task_id, uuid });
        break;
      }
      case 'MESSAGE':
        this.emit('message', Buffer.from(event.message!.data));
        break;
      case 'ERROR':
        this.logger.error('the agent reported an error', { message: event.error?.message });
        this.emit('error', event.error?.message ?? 'unknown error');
        break;
      case 'SHUTDOWN':
        this.emit('shutdown');
        break;
      default:
        this.logger.debug('ignoring an event of unknown type', { type: event.type });
    }
  }

  /**
   * Sends a status update with a fresh uuid, source SOURCE_EXECUTOR and a timestamp. It is kept
   * until acknowledged and sent again on every re-subscription; sending failures are retried.
   */
  async update(status: StatusUpdate): Promise<TaskStatus> {
    const uuid = Buffer.alloc(16);
    Buffer.from(randomUUID().replace(/-/g, ''), 'hex').copy(uuid);
    const full: TaskStatus = {
      ...status,
      source: 'SOURCE_EXECUTOR',
      executor_id: { value: this.env.executorId },
      timestamp: Date.now() / 1000,
      uuid,
    };
    this.unackedUpdates.set(uuid.toString('hex'), full);
    await this.send({ ...this.base('UPDATE'), update: { status: full } }, true);
    return full;
  }

  /** Sends a framework message to the scheduler (not reliable, as in Mesos). */
  async message(data: Uint8Array): Promise<void> {
    await this.send({ ...this.base('MESSAGE'), message: { data } }, false);
  }

  private async send(call: ExecutorCall, retry: boolean): Promise<void> {
    for (let attempt = 0; ; attempt++) {
      try {
        const res = await post(this.url, {
          headers: {
            'content-type': CONTENT_TYPES[this.format],
            accept: CONTENT_TYPES[this.format],
          },
          body: encodeExecutorCall(call, this.format),
          timeoutMs: 10000,
        });
        const body =
          res.statusCode === 202 ? (res.resume(), '') : await readBody(res).catch(() => '');
        if (res.statusCode === 202) return;
        throw new MesosHttpError(res.statusCode ?? 0, body, this.url);
      } catch (err) {
        // Without a connection the update stays pending and goes out with the next SUBSCRIBE.
        if (
          !retry ||
          !this.running ||
          attempt >= 5 ||
          (err instanceof MesosHttpError && !err.retriable && err.status !== 0)
        ) {
          if (retry)
            this.logger.warn(
              'status update not delivered yet; it will be re-sent on re-subscription',
              { error: (err as Error).message },
            );
          else throw err;
          return;
        }
        await sleep(Math.min(2000, 200 * 2 ** attempt), this.abort.signal);
      }
    }
  }
}
