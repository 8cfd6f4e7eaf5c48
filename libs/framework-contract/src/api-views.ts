import { z } from 'zod';
import { statusResultSchema, viewResultSchema } from './executor-messages';
import { pendingReasonViewSchema } from './offer-views';
import { planViewSchema } from './plans';

/**
 * What the scheduler's HTTP API answers (docs/api.md): the scheduler builds these types, the CLI
 * parses the answers with these schemas. Keys are snake_case as the API has always sent them.
 * States are strings here: the scheduler's node and cluster lifecycles own their lists.
 */

const port = z.number().int().min(1).max(65535);

/** A rolling operation over a cluster's nodes, one node at a time. */
export const operationViewSchema = z.object({
  id: z.string(),
  kind: z.enum(['restart', 'config', 'upgrade']),
  state: z.enum(['running', 'paused', 'aborted', 'done', 'failed']),
  /** Node keys in the order they are handled. */
  order: z.array(z.string()),
  /** How many of `order` are done. */
  done: z.number().int().nonnegative(),
  current: z.string().optional(),
  targetRiakVersion: z.string().optional(),
  startedAt: z.string(),
  message: z.string().optional(),
});
export type OperationView = z.output<typeof operationViewSchema>;

export const clusterViewSchema = z.object({
  name: z.string().min(1),
  state: z.string().min(1),
  riak_version: z.string().min(1),
  created_at: z.string(),
  has_riak_conf: z.boolean(),
  has_advanced_config: z.boolean(),
  /** The target configuration version (docs/operations.md); absent before versions exist. */
  config_version: z.number().int().positive().optional(),
  operation: operationViewSchema.nullable(),
  /** The cluster's own placement constraints, `[field, operator, value?]`; absent from older schedulers. */
  constraints: z.array(z.array(z.string())).optional(),
  /**
   * The cluster's own permanent-failure timeout: seconds a node's agent may stay unreachable
   * before the node is replaced elsewhere (0: never); absent: the scheduler's applies.
   */
  permanent_failure_timeout_seconds: z.number().int().nonnegative().optional(),
  /** Node keys. */
  nodes: z.array(z.string()),
});
export type ClusterView = z.output<typeof clusterViewSchema>;

export const nodePortsViewSchema = z.object({
  http: port,
  pb: port,
  handoff: port,
  disterl: port,
  epmd: port,
});

export const nodeViewSchema = z.object({
  name: z.string().min(1),
  cluster: z.string().min(1),
  state: z.string().min(1),
  wanted: z.boolean(),
  member: z.boolean(),
  agent_id: z.string().nullable(),
  hostname: z.string().nullable(),
  /** The Erlang node name, once the node has a host. */
  node_name: z.string().nullable(),
  ports: nodePortsViewSchema.nullable(),
  /** `host:port` of Riak's HTTP and PB listeners, once placed. */
  endpoints: z.object({ http: z.string(), pb: z.string() }).nullable(),
  persistence_id: z.string(),
  task_id: z.string(),
  last_task_state: z.string().nullable(),
  last_task_message: z.string().nullable(),
  riak_version: z.string().nullable(),
  failures: z.number().int().nonnegative(),
  updated_at: z.string(),
  /** Why the node waits for an offer (placement, launch); absent from older schedulers. */
  pending_reason: pendingReasonViewSchema.nullable().optional(),
  /**
   * A failed node waiting out its relaunch backoff: when its next attempt may begin (ISO time);
   * null otherwise; absent from older schedulers.
   */
  relaunch_after: z.string().nullable().optional(),
  /**
   * The configuration version the node's task was launched with (docs/operations.md); null for a
   * node not launched since versions exist; absent from older schedulers.
   */
  config_version: z.number().int().positive().nullable().optional(),
  /** Since when its agent is unreachable (ISO time); null when reachable; absent from older schedulers. */
  agent_lost_since: z.string().nullable().optional(),
  /** A replacement node: the node it replaces; a node being replaced: its replacement. */
  replaces: z.string().nullable().optional(),
  replaced_by: z.string().nullable().optional(),
  /** Why a node past its permanent-failure timeout is not replaced (yet). */
  replace_held: pendingReasonViewSchema.nullable().optional(),
});
export type NodeView = z.output<typeof nodeViewSchema>;

/** One entry of the Riak package catalogue (credentials in the URL hidden). */
export const riakVersionEntrySchema = z.object({
  name: z.string().min(1),
  url: z.string(),
  sha256: z.string().nullable().optional(),
  rootPath: z.string(),
  flavour: z.string(),
});

/** `GET /riak/versions`: the names, and the catalogue (absent from schedulers before it). */
export const riakVersionsViewSchema = z.object({
  versions: z.array(z.string()),
  catalogue: z.array(riakVersionEntrySchema).optional(),
});
export type RiakVersionsView = z.output<typeof riakVersionsViewSchema>;

const statValue = z.union([z.string(), z.number(), z.boolean(), z.null()]);
/** The node stats the API passes on from Riak's `/stats` (lists as their length). */
export const nodeStatsViewSchema = z.object({
  nodename: statValue.optional(),
  ring_members: statValue.optional(),
  connected_nodes: statValue.optional(),
  node_gets: statValue.optional(),
  node_puts: statValue.optional(),
  vnode_gets: statValue.optional(),
  vnode_puts: statValue.optional(),
  riak_kv_version: statValue.optional(),
  sys_otp_release: statValue.optional(),
});
export const NODE_STATS_KEYS = nodeStatsViewSchema.keyof().options;
export type NodeStatsView = z.output<typeof nodeStatsViewSchema>;
export type NodeStatValue = z.output<typeof statValue>;

/** A node's own view (`/status`, `/ringready`, `/transfers`, `/aae`, `/types[/…]`) as its executor answered. */
export const nodeRiakViewSchema = z.union([statusResultSchema, viewResultSchema]);
export type NodeRiakView = z.output<typeof nodeRiakViewSchema>;

/** `/healthcheck` (for Marathon and the CLI). */
export const healthcheckViewSchema = z.object({
  status: z.string(),
  leader: z.boolean(),
  registered: z.boolean(),
  framework_id: z.string().nullable(),
});
export type HealthcheckView = z.output<typeof healthcheckViewSchema>;

// ---- the answers, route by route ----------------------------------------------------------------

/** `GET /clusters`. */
export const clusterListAnswerSchema = z.object({ clusters: z.array(clusterViewSchema) });
/** `GET|PUT|DELETE /clusters/{c}`, `POST /clusters/{c}/create`. */
export const clusterAnswerSchema = z.object({ cluster: clusterViewSchema });
/** `GET|POST /clusters/{c}/nodes`. */
export const nodeListAnswerSchema = z.object({ nodes: z.array(nodeViewSchema) });
/** `GET|DELETE /clusters/{c}/nodes/{n}`. */
export const nodeAnswerSchema = z.object({ node: nodeViewSchema });
/** `GET /clusters/{c}/operation` (null: none yet). */
export const operationAnswerSchema = z.object({ operation: operationViewSchema.nullable() });
/** `POST …/restart`, `…/upgrade`, `…/config/apply`, `…/operation/{action}`, `…/nodes/{n}/restart`. */
export const startedOperationAnswerSchema = z.object({
  operation: operationViewSchema,
  /** The configuration version the plan rolls the nodes to; absent from older schedulers. */
  target_config_version: z.number().int().positive().optional(),
});

/** `POST /clusters/{c}/nodes/{n}/replace`: the new node and the replace plan. */
export const replaceAnswerSchema = z.object({ node: nodeViewSchema, plan: planViewSchema });
/** `GET|PUT /clusters/{c}/permanent-failure-timeout`. */
export const permanentFailureTimeoutAnswerSchema = z.object({
  cluster: z.string().min(1),
  /** The timeout that applies (seconds, 0: never). */
  permanent_failure_timeout_seconds: z.number().int().nonnegative(),
  /** Whether it is the cluster's own, else the scheduler's default. */
  own: z.boolean(),
  default_seconds: z.number().int().nonnegative(),
});

export type ReplaceAnswer = z.output<typeof replaceAnswerSchema>;
export type PermanentFailureTimeoutAnswer = z.output<typeof permanentFailureTimeoutAnswerSchema>;
export type ClusterListAnswer = z.output<typeof clusterListAnswerSchema>;
export type ClusterAnswer = z.output<typeof clusterAnswerSchema>;
export type NodeListAnswer = z.output<typeof nodeListAnswerSchema>;
export type NodeAnswer = z.output<typeof nodeAnswerSchema>;
export type OperationAnswer = z.output<typeof operationAnswerSchema>;
