import { z } from 'zod';
import { PLAN_STRATEGIES } from './plans';

/**
 * What the scheduler's HTTP API takes (docs/api.md#input): the scheduler parses every body and
 * query with these schemas on receipt, the CLI builds these types and checks them before sending.
 * Objects are strict: an unknown field is refused, as are wrong types and values out of range.
 * The `…QuerySchema`s are the same parameters sent as query strings (text: numbers in digits).
 */

/** At most this many nodes are added by one request. */
export const MAX_NODES_PER_REQUEST = 100;
/** At most this many offer evaluations are shown by `GET /debug/offers`. */
export const MAX_OFFER_EVALUATIONS = 50;
/** Bucket type properties: at most this many, of at most this many bytes of JSON in all. */
export const MAX_BUCKET_TYPE_PROPS = 64;
export const MAX_BUCKET_TYPE_PROPS_BYTES = 8192;

const BUCKET_PROP_NAME = /^[a-z][a-z0-9_]{0,63}$/;

const nodeCount = z
  .number({ error: `nodes must be a whole number from 1 to ${MAX_NODES_PER_REQUEST}` })
  .int({ error: `nodes must be a whole number from 1 to ${MAX_NODES_PER_REQUEST}` })
  .min(1, { error: `nodes must be a whole number from 1 to ${MAX_NODES_PER_REQUEST}` })
  .max(MAX_NODES_PER_REQUEST, {
    error: `nodes must be a whole number from 1 to ${MAX_NODES_PER_REQUEST}`,
  });

const strategy = z.enum(PLAN_STRATEGIES, {
  error: `strategy must be one of ${PLAN_STRATEGIES.join(', ')}`,
});

/** A rolling plan's step timeout (seconds): from 10 s to a week. */
const MIN_STEP_TIMEOUT_SECONDS = 10;
const MAX_STEP_TIMEOUT_SECONDS = 7 * 24 * 3600;
const STEP_TIMEOUT_RANGE = `step_timeout_seconds must be a whole number of seconds from ${MIN_STEP_TIMEOUT_SECONDS} to ${MAX_STEP_TIMEOUT_SECONDS}`;
const stepTimeout = z
  .number({ error: STEP_TIMEOUT_RANGE })
  .int({ error: STEP_TIMEOUT_RANGE })
  .min(MIN_STEP_TIMEOUT_SECONDS, { error: STEP_TIMEOUT_RANGE })
  .max(MAX_STEP_TIMEOUT_SECONDS, { error: STEP_TIMEOUT_RANGE });

const riakVersion = z
  .string({ error: 'riak_version must be the name of a Riak version, as text' })
  .min(1, { error: 'riak_version must not be empty' })
  .max(200, { error: 'riak_version is longer than 200 characters' });

/** A query parameter: given once, as text. */
const once = (field: string) => z.string({ error: `${field} must be given once` });

/** A whole number sent as a query parameter: decimal digits, then checked as the body's number. */
const digits = <T extends z.ZodType<number, number>>(field: string, schema: T, message: string) =>
  once(field)
    .regex(/^\d{1,9}$/, { error: message })
    .transform(Number)
    .pipe(schema);

/** The longest permanent-failure timeout a cluster may set: 30 days. */
export const MAX_PERMANENT_FAILURE_TIMEOUT_SECONDS = 30 * 24 * 3600;
const PFT_RANGE = `permanent_failure_timeout_seconds must be a whole number of seconds from 0 (never) to ${MAX_PERMANENT_FAILURE_TIMEOUT_SECONDS}`;
const permanentFailureTimeout = z
  .number({ error: PFT_RANGE })
  .int({ error: PFT_RANGE })
  .min(0, { error: PFT_RANGE })
  .max(MAX_PERMANENT_FAILURE_TIMEOUT_SECONDS, { error: PFT_RANGE });

/**
 * `PUT /clusters/{cluster}` and `POST …/create`: the Riak version (default: the catalogue's
 * first) and the cluster's own permanent-failure timeout (default: the scheduler's).
 */
export const createClusterRequestSchema = z.strictObject({
  riak_version: riakVersion.optional(),
  permanent_failure_timeout_seconds: permanentFailureTimeout.optional(),
});
export type CreateClusterRequest = z.output<typeof createClusterRequestSchema>;
export const createClusterQuerySchema = z.strictObject({
  riak_version: once('riak_version').pipe(riakVersion).optional(),
  permanent_failure_timeout_seconds: digits(
    'permanent_failure_timeout_seconds',
    permanentFailureTimeout,
    PFT_RANGE,
  ).optional(),
});

/**
 * `PUT /clusters/{cluster}/permanent-failure-timeout`: how long a node's agent may be unreachable
 * before the node is replaced on another agent (0: never); `null` goes back to the scheduler's
 * default.
 */
export const permanentFailureTimeoutRequestSchema = z.strictObject({
  permanent_failure_timeout_seconds: permanentFailureTimeout.nullable(),
});
export type PermanentFailureTimeoutRequest = z.output<typeof permanentFailureTimeoutRequestSchema>;

/** A cluster's node count a scale asks for (`count`). */
export const MAX_CLUSTER_NODES = 1000;
const COUNT_RANGE = `count must be a whole number from 1 to ${MAX_CLUSTER_NODES}`;
const clusterCount = z
  .number({ error: COUNT_RANGE })
  .int({ error: COUNT_RANGE })
  .min(1, { error: COUNT_RANGE })
  .max(MAX_CLUSTER_NODES, { error: COUNT_RANGE });

/**
 * `POST /clusters/{cluster}/nodes`: how many nodes to add (`nodes`, default 1) and the deploy
 * plan's strategy; or the node count to reach (`count`): more nodes are added, fewer are removed
 * one at a time through leave and handoff (a serial remove plan); below the cluster's `n_val`
 * only with `force`.
 */
export const addNodesRequestSchema = z
  .strictObject({
    nodes: nodeCount.optional(),
    count: clusterCount.optional(),
    strategy: strategy.optional(),
    force: z.boolean({ error: 'force must be true or false' }).optional(),
  })
  .superRefine((v, ctx) => {
    if (v.nodes !== undefined && v.count !== undefined)
      ctx.addIssue({
        code: 'custom',
        path: ['count'],
        message: 'give nodes (how many to add) or count (the number to reach), not both',
      });
    if (v.force !== undefined && v.count === undefined)
      ctx.addIssue({ code: 'custom', path: ['force'], message: 'force goes with count' });
  });
export type AddNodesRequest = z.output<typeof addNodesRequestSchema>;
export const addNodesQuerySchema = z.strictObject({
  nodes: digits(
    'nodes',
    nodeCount,
    `nodes must be a whole number from 1 to ${MAX_NODES_PER_REQUEST}`,
  ).optional(),
  strategy: once('strategy').pipe(strategy).optional(),
});

/**
 * `POST /clusters/{cluster}/restart`, `…/config/apply` and `…/nodes/{node}/restart`: the
 * rolling plan's strategy (default serial) and step timeout (default 1800 s: a step whose node is
 * not back as a valid ring member that long after its restart is an ERROR, and the plan stops).
 */
export const rollingRequestSchema = z.strictObject({
  strategy: strategy.optional(),
  step_timeout_seconds: stepTimeout.optional(),
});
export type RollingRequest = z.output<typeof rollingRequestSchema>;
export const rollingQuerySchema = z.strictObject({
  strategy: once('strategy').pipe(strategy).optional(),
  step_timeout_seconds: digits('step_timeout_seconds', stepTimeout, STEP_TIMEOUT_RANGE).optional(),
});

/**
 * `POST /clusters/{cluster}/upgrade`: the version to go to (required, in the body or the query),
 * the strategy and the step timeout as for a restart.
 */
export const upgradeRequestSchema = z.strictObject({
  riak_version: riakVersion.optional(),
  strategy: strategy.optional(),
  step_timeout_seconds: stepTimeout.optional(),
});
export type UpgradeRequest = z.output<typeof upgradeRequestSchema> & { riak_version: string };
export const upgradeQuerySchema = z.strictObject({
  riak_version: once('riak_version').pipe(riakVersion).optional(),
  strategy: once('strategy').pipe(strategy).optional(),
  step_timeout_seconds: digits('step_timeout_seconds', stepTimeout, STEP_TIMEOUT_RANGE).optional(),
});

/**
 * `PUT /clusters/{cluster}/constraints`: `{"constraints": …}` (or the bare array), where the
 * value is `[[field, operator, value?], …]` or that as a JSON string (the framework flag's form).
 * The entries are checked by the placement library, which names the constraint and the problem.
 */
export const constraintsRequestSchema = z.preprocess(
  (v) => (Array.isArray(v) ? { constraints: v } : v),
  z.strictObject({
    constraints: z.union([z.array(z.unknown()), z.string()], {
      error:
        'send {"constraints": [[field, operator, value?], …]} (or that array as a JSON string)',
    }),
  }),
);
export type ConstraintsRequest = z.output<typeof constraintsRequestSchema>;

/** Bucket type properties as Riak takes them: lower-case names, JSON values. */
export const bucketTypePropsSchema = z
  .record(z.string(), z.json(), { error: 'props must be an object of bucket properties' })
  .superRefine((props, ctx) => {
    const names = Object.keys(props);
    if (names.length === 0) ctx.addIssue({ code: 'custom', message: 'props has no properties' });
    if (names.length > MAX_BUCKET_TYPE_PROPS)
      ctx.addIssue({
        code: 'custom',
        message: `props has ${names.length} properties; at most ${MAX_BUCKET_TYPE_PROPS}`,
      });
    for (const name of names)
      if (!BUCKET_PROP_NAME.test(name))
        ctx.addIssue({
          code: 'custom',
          path: [name],
          message: `'${name.slice(0, 64)}' is not a bucket property name (lower-case letters, digits, _)`,
        });
    if (JSON.stringify(props).length > MAX_BUCKET_TYPE_PROPS_BYTES)
      ctx.addIssue({ code: 'custom', message: 'props is larger than 8 KiB' });
  });

/** `POST /clusters/{cluster}/nodes/{node}/types/{type}`: create or update a bucket type. */
export const bucketTypePropsRequestSchema = z.strictObject({ props: bucketTypePropsSchema });
export type BucketTypePropsRequest = z.output<typeof bucketTypePropsRequestSchema>;

/** `POST /clusters/{cluster}/plans/{plan}/{control}`: the phase and step it is meant for. */
export const planControlQuerySchema = z.strictObject({
  phase: once('phase').min(1, { error: 'phase must be a name' }).optional(),
  step: once('step').min(1, { error: 'step must be a name' }).optional(),
});
export type PlanControlQuery = z.output<typeof planControlQuerySchema>;

const offerLimit = z
  .number()
  .int()
  .min(1, { error: `limit must be a whole number from 1 to ${MAX_OFFER_EVALUATIONS}` })
  .max(MAX_OFFER_EVALUATIONS, {
    error: `limit must be a whole number from 1 to ${MAX_OFFER_EVALUATIONS}`,
  });
/** `GET /debug/offers`: how many evaluations (default 10). */
export const offersQuerySchema = z.strictObject({
  limit: digits(
    'limit',
    offerLimit,
    `limit must be a whole number from 1 to ${MAX_OFFER_EVALUATIONS}`,
  ).optional(),
});

/** A route that takes nothing: an empty JSON object at most, and no query parameters. */
export const emptyRequestSchema = z.strictObject({});

/** The first thing wrong with a request: the field it concerns (`body` for the body itself). */
export interface RequestIssue {
  field: string;
  message: string;
}

/**
 * The first issue of a failed request parse, as the API answers it: the field named, and a
 * message that names it too. `where` says what was parsed: `body` or `query`.
 */
export function requestIssue(error: z.ZodError, where: 'body' | 'query' = 'body'): RequestIssue {
  const issue = error.issues[0];
  if (!issue) return { field: where, message: `the ${where} is invalid` };
  if (issue.code === 'unrecognized_keys') {
    const field = [...issue.path.map(String), issue.keys[0] ?? '?'].join('.');
    return {
      field,
      message:
        where === 'query'
          ? `unknown query parameter '${field}'`
          : `unknown field '${field}' in the body`,
    };
  }
  if (issue.path.length === 0)
    return where === 'body' && issue.code === 'invalid_type'
      ? { field: 'body', message: 'the body must be a JSON object' }
      : { field: where, message: `${where}: ${issue.message}` };
  const field = issue.path.map(String).join('.');
  const top = String(issue.path[0]);
  const named = issue.message.startsWith(top) || issue.message.startsWith(`'`);
  return { field, message: named ? issue.message : `${field}: ${issue.message}` };
}
