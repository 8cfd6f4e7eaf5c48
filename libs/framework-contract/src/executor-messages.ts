import { z } from 'zod';
import { isValidName } from '@riak-mesos/zk/name-rule';
import { formatIssues, isJsonObject } from './issues';
import { riakNodeNameSchema } from './node-name';

/**
 * The framework messages between the scheduler and a node's executor (Mesos MESSAGE events, UTF-8
 * JSON), version 1. Requests are one union on `type`; every reply echoes the request's `version`,
 * `id` and `type`, says `ok`, and carries `error` (and `refused` when Riak refused) or a `result`
 * whose shape depends on the type. Both sides parse what they receive with these schemas.
 */
export const EXECUTOR_PROTOCOL_VERSION = 1;

export const EXECUTOR_REQUEST_TYPES = [
  'join',
  'leave',
  'remove',
  'status',
  'finish',
  'bucket-type',
] as const;
export type ExecutorRequestType = (typeof EXECUTOR_REQUEST_TYPES)[number];

/** The views of one node that `status` answers (`status`, the default, is member status). */
export const NODE_VIEWS = ['status', 'ringready', 'transfers', 'aae', 'types'] as const;
export type NodeViewName = (typeof NODE_VIEWS)[number];

/** The member states `riak-admin member-status` prints. */
export const MEMBER_STATUSES = ['valid', 'leaving', 'exiting', 'joining', 'down'] as const;

const version = z.literal(EXECUTOR_PROTOCOL_VERSION, {
  error: `must be ${EXECUTOR_PROTOCOL_VERSION} (the executor protocol version)`,
});
const requestId = z.string({ error: 'must be a string' }).min(1).max(200);
const bucketTypeName = z.string({ error: 'must be a string' }).refine(isValidName, {
  message: 'must be a bucket type name (letters, digits, _ - ., starting with a letter or digit)',
});

export const joinRequestSchema = z.object({
  version,
  id: requestId,
  type: z.literal('join'),
  /** A running member to join. */
  target: riakNodeNameSchema,
});
export const leaveRequestSchema = z.object({
  version,
  id: requestId,
  type: z.literal('leave'),
  /**
   * true (the default): answer once the node has left the ring (bounded by the executor's
   * RIAK_MESOS_LEAVE_TIMEOUT; past it the answer fails and the leave goes on). false: answer as soon
   * as the leave is committed, with `state` `leaving` (or `left`), for a sender that waits
   * for the handoff itself. Repeating a leave is always safe.
   */
  wait: z.boolean({ error: 'must be true or false' }).optional(),
});
export const removeRequestSchema = z.object({
  version,
  id: requestId,
  type: z.literal('remove'),
  /**
   * A member gone for good, taken out of the ring by the node asked: marked down and
   * force-removed, or, when Riak says it is still up, made to leave (with handoff).
   */
  target: riakNodeNameSchema,
});
export const statusRequestSchema = z
  .object({
    version,
    id: requestId,
    type: z.literal('status'),
    view: z.enum(NODE_VIEWS).optional(),
    /** With view `types`: one bucket type's status instead of the list. */
    bucketType: bucketTypeName.optional(),
  })
  .refine((r) => r.bucketType === undefined || r.view === 'types', {
    message: "bucketType goes only with view 'types'",
    path: ['bucketType'],
  });
/**
 * The executor stops the node and ends the task; a request with an id is answered first. The id is
 * optional (the original's bare `finish`, which gets no answer).
 */
export const finishRequestSchema = z.object({
  version,
  id: requestId.optional(),
  type: z.literal('finish'),
});
export const bucketTypeRequestSchema = z.object({
  version,
  id: requestId,
  type: z.literal('bucket-type'),
  bucketType: bucketTypeName,
  /** Riak's bucket properties to create or update the type with. */
  props: z.record(z.string(), z.unknown()),
});

export const executorRequestSchema = z.discriminatedUnion('type', [
  joinRequestSchema,
  leaveRequestSchema,
  removeRequestSchema,
  statusRequestSchema,
  finishRequestSchema,
  bucketTypeRequestSchema,
]);
export type ExecutorRequest = z.output<typeof executorRequestSchema>;

type DistributiveOmit<T, K extends PropertyKey> = T extends unknown ? Omit<T, K> : never;
/** A request as its sender writes it; `version` and `id` are added when it is sent. */
export type ExecutorRequestBody = DistributiveOmit<ExecutorRequest, 'version' | 'id'>;

// ---- replies ------------------------------------------------------------------------------------

export const memberSchema = z.object({
  name: z.string().min(1),
  status: z.enum(MEMBER_STATUSES),
  ring: z.string(),
  pendingRing: z.string().optional(),
});
export type Member = z.output<typeof memberSchema>;

/** Member status and ring readiness (`status` without a view, `join`, `remove`). */
export const statusResultSchema = z.object({
  members: z.array(memberSchema),
  ringReady: z.boolean(),
});
export type StatusResult = z.output<typeof statusResultSchema>;

/** One of Riak's own views as riak-admin printed it, with what could be parsed from it. */
export const viewResultSchema = z.object({
  view: z.enum(NODE_VIEWS).exclude(['status']),
  output: z.string(),
  /** `ringready`: whether all nodes agree on the ring. */
  ringReady: z.boolean().optional(),
  /** `transfers`: whether handoff is still going on. */
  active: z.boolean().optional(),
});
export type ViewResult = z.output<typeof viewResultSchema>;

const replyBase = {
  version,
  id: requestId.optional(),
  ok: z.boolean({ error: 'must be true or false' }),
  error: z.string().optional(),
  /** Riak refused what was asked (as opposed to failing). */
  refused: z.boolean().optional(),
};

/** A failed answer must say why; a successful one must carry the result, when its type has one. */
function answered(needsResult: boolean) {
  return (r: { ok: boolean; error?: string; result?: unknown }, ctx: z.RefinementCtx) => {
    if (!r.ok && r.error === undefined)
      ctx.addIssue({ code: 'custom', path: ['error'], message: 'a failed answer must say why' });
    if (r.ok && needsResult && r.result === undefined)
      ctx.addIssue({
        code: 'custom',
        path: ['result'],
        message: 'a successful answer has a result',
      });
  };
}

export const joinReplySchema = z
  .object({ ...replyBase, type: z.literal('join'), result: statusResultSchema.optional() })
  .superRefine(answered(true));
/** Where a node is in leaving: handing its data off (`leaving`) or out of the ring (`left`). */
export const LEAVE_STATES = ['leaving', 'left'] as const;
export const leaveResultSchema = z.object({
  state: z.enum(LEAVE_STATES),
  /** An earlier leave had started it: this one found the node leaving or left. */
  already: z.boolean(),
});
export type LeaveResult = z.output<typeof leaveResultSchema>;

/**
 * A successful answer says where the node is (`state`, `already`, beside `ok`; not a `result`,
 * which is Riak's member status in the other answers). Executors older than the leave state
 * answer without them, once the node has left.
 */
export const leaveReplySchema = z
  .object({ ...replyBase, type: z.literal('leave'), ...leaveResultSchema.partial().shape })
  .superRefine(answered(false));
export const removeReplySchema = z
  .object({ ...replyBase, type: z.literal('remove'), result: statusResultSchema.optional() })
  .superRefine(answered(true));
export const statusReplySchema = z
  .object({
    ...replyBase,
    type: z.literal('status'),
    result: z.union([statusResultSchema, viewResultSchema]).optional(),
  })
  .superRefine(answered(true));
/**
 * The executor answers a `finish` that has an id with `ok: true` as soon as it takes it, before it
 * stops the node (`TASK_FINISHED` follows once everything is stopped).
 */
export const finishReplySchema = z
  .object({ ...replyBase, type: z.literal('finish') })
  .superRefine(answered(false));
export const bucketTypeReplySchema = z
  .object({ ...replyBase, type: z.literal('bucket-type'), result: viewResultSchema.optional() })
  .superRefine(answered(true));

export const executorReplySchema = z.discriminatedUnion('type', [
  joinReplySchema,
  leaveReplySchema,
  removeReplySchema,
  statusReplySchema,
  finishReplySchema,
  bucketTypeReplySchema,
]);
export type ExecutorReply = z.output<typeof executorReplySchema>;
export type ExecutorReplyTo<T extends ExecutorRequestType> = Extract<ExecutorReply, { type: T }>;

/**
 * The executor's answer to a request it could not read: the request's id and type echoed as far
 * as they could be read (a type it does not know, too), `ok: false` and what was wrong.
 */
export interface ExecutorRejection {
  version: typeof EXECUTOR_PROTOCOL_VERSION;
  id?: string;
  type: string;
  ok: false;
  error: string;
}

// ---- parsing ------------------------------------------------------------------------------------

export type RequestParse =
  | { ok: true; request: ExecutorRequest }
  | { ok: false; error: string; rejection: ExecutorRejection };

/** Payloads as bytes (a Buffer in Node): UTF-8, bad sequences replaced (then refused by the schema). */
const utf8 = new TextDecoder('utf-8');

/**
 * Reads a request as the executor receives it: JSON checked with the schema, or the original's
 * bare payload `finish`. A request that fails comes back with what was wrong and the rejection to
 * answer it with.
 */
export function parseExecutorRequest(payload: string | Uint8Array): RequestParse {
  const text = (typeof payload === 'string' ? payload : utf8.decode(payload)).trim();
  if (text === 'finish')
    return { ok: true, request: { version: EXECUTOR_PROTOCOL_VERSION, type: 'finish' } };
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (err) {
    return rejected(undefined, `the message is not JSON: ${(err as Error).message}`);
  }
  const checked = executorRequestSchema.safeParse(json);
  if (checked.success) return { ok: true, request: checked.data };
  return rejected(json, `invalid ${describe(json)}: ${formatIssues(checked.error, '(message)')}`);
}

function describe(json: unknown): string {
  const type = isJsonObject(json) && typeof json.type === 'string' ? json.type : undefined;
  return type !== undefined && (EXECUTOR_REQUEST_TYPES as readonly string[]).includes(type)
    ? `${type} request`
    : 'request';
}

function rejected(json: unknown, error: string): RequestParse {
  const o = isJsonObject(json) ? json : {};
  const id = typeof o.id === 'string' && o.id.length > 0 ? o.id.slice(0, 200) : undefined;
  const type = typeof o.type === 'string' ? o.type.slice(0, 64) : 'unknown';
  return {
    ok: false,
    error,
    rejection: {
      version: EXECUTOR_PROTOCOL_VERSION,
      ...(id !== undefined ? { id } : {}),
      type,
      ok: false,
      error,
    },
  };
}

export type ReplyParse =
  | { ok: true; reply: ExecutorReply }
  | {
      ok: false;
      /** `json`: not JSON; `schema`: JSON that breaks the contract. */
      reason: 'json' | 'schema';
      error: string;
      /** The reply's id, when one could be read (to fail the request it answers). */
      id?: string;
    };

/** Reads a reply as the scheduler receives it. */
export function parseExecutorReply(payload: string | Uint8Array): ReplyParse {
  const text = typeof payload === 'string' ? payload : utf8.decode(payload);
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (err) {
    return { ok: false, reason: 'json', error: `not JSON: ${(err as Error).message}` };
  }
  const checked = executorReplySchema.safeParse(json);
  if (checked.success) return { ok: true, reply: checked.data };
  const id = isJsonObject(json) && typeof json.id === 'string' ? json.id : undefined;
  return {
    ok: false,
    reason: 'schema',
    error: formatIssues(checked.error, '(reply)'),
    ...(id !== undefined ? { id } : {}),
  };
}
