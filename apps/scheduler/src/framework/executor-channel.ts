import { randomUUID } from 'node:crypto';
import type {
  ExecutorReply,
  ExecutorRequest,
  ExecutorRequestBody,
} from '@riak-mesos/framework-contract';
import {
  EXECUTOR_PROTOCOL_VERSION,
  executorRequestSchema,
  formatIssues,
  parseExecutorReply,
} from '@riak-mesos/framework-contract';
import type { Logger } from '@riak-mesos/logging';
import type { AgentID, ExecutorID } from '@riak-mesos/mesos';
import type { SchedulerMetrics } from '../metrics';
import type { NodeDoc } from '../model';

interface Pending {
  /** The request's type: its reply must have the same. */
  type: ExecutorRequest['type'];
  resolve: (m: ExecutorReply) => void;
  timer: NodeJS.Timeout;
}

/** How a message reaches an executor (the scheduler's MESSAGE call to Mesos). */
export type SendToExecutor = (agent: AgentID, executor: ExecutorID, data: Buffer) => Promise<void>;

/**
 * The typed channel to the nodes' executors: `ask` sends a request checked with the contract's
 * schema and resolves with its reply, or rejects after a timeout; replies (`onMessage`) are parsed
 * with the contract's schema. A reply that breaks the contract is logged, counted and, when its id
 * names a request, answers that request as a failure; it is never cast.
 */
export class ExecutorChannel {
  private readonly pending = new Map<string, Pending>();

  constructor(
    private readonly send: SendToExecutor,
    private readonly log: Logger,
    private readonly metrics?: SchedulerMetrics,
  ) {}

  ask(node: NodeDoc, body: ExecutorRequestBody, timeoutMs = 120000): Promise<ExecutorReply> {
    if (!node.agentId || !node.executorId)
      return Promise.reject(new Error(`node ${node.key} has no executor`));
    const id = randomUUID();
    const checked = executorRequestSchema.safeParse({
      ...body,
      version: EXECUTOR_PROTOCOL_VERSION,
      id,
    });
    if (!checked.success)
      return Promise.reject(
        new Error(`invalid ${body.type} request to ${node.key}: ${formatIssues(checked.error)}`),
      );
    const request = checked.data;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(id);
        reject(
          new Error(`node ${node.key} did not answer ${request.type} within ${timeoutMs / 1000} s`),
        );
      }, timeoutMs);
      this.pending.set(id, { type: request.type, resolve, timer });
      this.send(
        { value: node.agentId! },
        { value: node.executorId! },
        Buffer.from(JSON.stringify(request)),
      ).catch((err: Error) => {
        clearTimeout(timer);
        this.pending.delete(id);
        reject(err);
      });
    });
  }

  /** An executor's message to the scheduler. */
  onMessage(data: Buffer): void {
    const parsed = parseExecutorReply(data);
    if (!parsed.ok) {
      this.metrics?.executorRepliesRejected.inc({ reason: parsed.reason });
      this.log.warn('rejecting an executor message that breaks the contract', {
        error: parsed.error,
        id: parsed.id,
        text: data.toString('utf8').slice(0, 200),
      });
      if (parsed.id !== undefined)
        this.settle(parsed.id, `the executor's reply breaks the contract: ${parsed.error}`);
      return;
    }
    const reply = parsed.reply;
    if (reply.id === undefined) return;
    const p = this.pending.get(reply.id);
    if (!p) return;
    if (reply.type !== p.type) {
      this.metrics?.executorRepliesRejected.inc({ reason: 'type' });
      this.log.warn('rejecting an executor reply of another type than its request', {
        id: reply.id,
        asked: p.type,
        answered: reply.type,
      });
      this.settle(reply.id, `the executor sent a ${reply.type} reply to a ${p.type} request`);
      return;
    }
    this.settle(reply.id, reply);
  }

  /** Forgets every pending request (their callers see their timeout never fire). */
  close(): void {
    for (const p of this.pending.values()) clearTimeout(p.timer);
    this.pending.clear();
  }

  /** Ends a pending request with its reply, or with a failed answer saying what was wrong. */
  private settle(id: string, answer: ExecutorReply | string): void {
    const p = this.pending.get(id);
    if (!p) return;
    clearTimeout(p.timer);
    this.pending.delete(id);
    p.resolve(typeof answer === 'string' ? failedReply(p.type, id, answer) : answer);
  }
}

/** A failed answer of a request's type, for a reply that could not be taken as it came. */
function failedReply(type: ExecutorRequest['type'], id: string, error: string): ExecutorReply {
  return { version: EXECUTOR_PROTOCOL_VERSION, id, type, ok: false, error };
}
