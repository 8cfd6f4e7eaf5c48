import { z } from 'zod';
import { operationViewSchema } from './api-views';
import { formatIssues, isJsonObject } from './issues';
import { planViewSchema } from './plans';

/**
 * The scheduler's event stream (`GET /api/v1/events`, a WebSocket, docs/api.md): first a `hello`,
 * then one message per state change, each numbered (`seq`) and timed. The scheduler builds
 * `SchedulerEvent`s; the explorer and any other follower parse every message with
 * `parseEventStreamMessage`. States are strings: the scheduler's lifecycles own their lists.
 */

const state = z.string().min(1);

export const schedulerEventSchema = z.discriminatedUnion('type', [
  z.object({
    type: z.literal('cluster'),
    cluster: z.string().min(1),
    state,
    previousState: state.nullable(),
    riakVersion: z.string().min(1),
    operation: operationViewSchema.optional(),
  }),
  z.object({ type: z.literal('cluster-deleted'), cluster: z.string().min(1) }),
  z.object({
    type: z.literal('node'),
    cluster: z.string().min(1),
    node: z.string().min(1),
    state,
    previousState: state.nullable(),
    member: z.boolean(),
    agentId: z.string().optional(),
    hostname: z.string().optional(),
  }),
  z.object({
    type: z.literal('node-deleted'),
    cluster: z.string().min(1),
    node: z.string().min(1),
  }),
  z.object({
    type: z.literal('task'),
    node: z.string().min(1),
    taskId: z.string().min(1),
    state,
    reason: z.string().optional(),
    message: z.string().optional(),
    agentId: z.string().optional(),
  }),
  z.object({
    type: z.literal('operation'),
    cluster: z.string().min(1),
    operation: operationViewSchema,
  }),
  z.object({ type: z.literal('plan'), cluster: z.string().min(1), plan: planViewSchema }),
  z.object({
    type: z.literal('scheduler'),
    state: z.enum(['leader', 'standby', 'subscribed', 'disconnected']),
    frameworkId: z.string().optional(),
  }),
]);
export type SchedulerEvent = z.output<typeof schedulerEventSchema>;

const stamp = z.object({ seq: z.number().int().positive(), time: z.string().min(1) });

/** An event as sent: numbered in order from the scheduler's start, with its time (ISO 8601). */
export const stampedEventSchema = z.intersection(schedulerEventSchema, stamp);
export type StampedEvent = SchedulerEvent & z.output<typeof stamp>;

/** The first message on every connection: who answers, and whether it leads. */
export const eventStreamHelloSchema = z.object({
  type: z.literal('hello'),
  leader: z.boolean(),
  registered: z.boolean(),
  frameworkId: z.string().optional(),
});
export type EventStreamHello = z.output<typeof eventStreamHelloSchema>;

/** Any message of the stream. */
export type EventStreamMessage = EventStreamHello | StampedEvent;

/**
 * Parses one message of the stream (already JSON-decoded) by its `type`, so a bad event is
 * described field by field (`node: …; member: …`), not as "matches neither hello nor an event".
 */
export function parseEventStreamMessage(
  data: unknown,
): { success: true; data: EventStreamMessage } | { success: false; error: string } {
  const schema =
    isJsonObject(data) && data.type === 'hello' ? eventStreamHelloSchema : stampedEventSchema;
  const parsed = schema.safeParse(data);
  return parsed.success
    ? { success: true, data: parsed.data }
    : { success: false, error: formatIssues(parsed.error) };
}
