import { z } from 'zod';

/**
 * Configuration versions of a cluster (docs/operations.md#configuration-versions-and-validation):
 * every change of its riak.conf or advanced.config template, its Riak version or the node
 * resources is a new immutable version; the newest is the target the nodes roll to.
 */

/** What a version may change, by the field names the API uses. */
export const CONFIG_FIELDS = ['riak_conf', 'advanced_config', 'riak_version', 'resources'] as const;
export type ConfigField = (typeof CONFIG_FIELDS)[number];

/** The node resources (scheduler settings `node.cpus`, `node.mem`, `node.disk` in MB). */
export const nodeResourcesViewSchema = z.object({
  cpus: z.number().positive(),
  mem: z.number().positive(),
  disk: z.number().positive(),
});
export type NodeResourcesView = z.output<typeof nodeResourcesViewSchema>;

/** A diff of one field: unified-diff lines (`@@ … @@` hunk headers, ` `, `-`, `+`). */
export const fieldDiffViewSchema = z.object({
  field: z.enum(CONFIG_FIELDS),
  lines: z.array(z.string()),
});
export type FieldDiffView = z.output<typeof fieldDiffViewSchema>;

/** What every view of a version has: who made it when, and what it changed. */
const configVersionHeadSchema = z.object({
  id: z.number().int().positive(),
  created_at: z.string(),
  /** The API principal that made the change, or `scheduler` for a change of its settings. */
  author: z.string().min(1),
  changes: z.array(z.enum(CONFIG_FIELDS)),
  note: z.string().nullable(),
  /** Problems the rules found that could not be refused (a change of the scheduler's settings). */
  warnings: z.array(z.string()),
});
export type ConfigVersionHead = z.output<typeof configVersionHeadSchema>;

/** One version in the list, with its diff to the target. */
export const configVersionSummaryViewSchema = configVersionHeadSchema.extend({
  /** From this version to the target (what rolling to the target changes); empty for the target. */
  diff_to_target: z.array(fieldDiffViewSchema),
});
export type ConfigVersionSummaryView = z.output<typeof configVersionSummaryViewSchema>;

/** `GET /clusters/{cluster}/configurations` (`?diff=ID`: only that version). */
export const configurationsAnswerSchema = z.object({
  cluster: z.string().min(1),
  /** The target version: what the cluster's nodes run once rolled (`POST …/config/apply`). */
  target: z.number().int().positive().nullable(),
  /** How many versions are kept (the oldest beyond go). */
  kept: z.number().int().positive(),
  versions: z.array(configVersionSummaryViewSchema),
});
export type ConfigurationsAnswer = z.output<typeof configurationsAnswerSchema>;

/** `GET /clusters/{cluster}/configurations/{id}`: one version in full. */
export const configVersionViewSchema = configVersionHeadSchema.extend({
  target: z.boolean(),
  riak_version: z.string().min(1),
  /** null: the package's own file. */
  riak_conf: z.string().nullable(),
  advanced_config: z.string().nullable(),
  resources: nodeResourcesViewSchema,
});
export type ConfigVersionView = z.output<typeof configVersionViewSchema>;
export const configVersionAnswerSchema = z.object({ configuration: configVersionViewSchema });

/** One violated rule of a refused change. */
export const ruleViolationViewSchema = z.object({
  rule: z.string().min(1),
  field: z.string().min(1),
  message: z.string().min(1),
});
export type RuleViolationView = z.output<typeof ruleViolationViewSchema>;

/** A change the rules refused (HTTP 409): every violated rule, one message each. */
export const ruleRefusalAnswerSchema = z.object({
  error: z.object({
    status: z.literal(409),
    code: z.literal('rules_violated'),
    message: z.string(),
    /** The first violation's field. */
    field: z.string(),
    violations: z.array(ruleViolationViewSchema).min(1),
  }),
});
export type RuleRefusalAnswer = z.output<typeof ruleRefusalAnswerSchema>;

/** A change validated only (`?dry_run=true`, `POST …/config/validate`): it passed the rules. */
export const configValidationAnswerSchema = z.object({
  cluster: z.string().min(1),
  valid: z.literal(true),
  /** What the change would change against the target (nothing: it would store no version). */
  changes: z.array(z.enum(CONFIG_FIELDS)),
  diff: z.array(fieldDiffViewSchema),
});
export type ConfigValidationAnswer = z.output<typeof configValidationAnswerSchema>;

/**
 * A template stored (`PUT …/config`, `PUT …/advancedConfig`): the target configuration version
 * it made (the same when it changed nothing) and what it changed. The route's own key (`config`
 * or `advancedConfig`: `stored`) is not read.
 */
export const templateStoredAnswerSchema = z.object({
  cluster: z.string().min(1),
  config_version: z.number().int().positive().nullable(),
  changes: z.array(z.enum(CONFIG_FIELDS)),
  note: z.string(),
});
export type TemplateStoredAnswer = z.output<typeof templateStoredAnswerSchema>;

const flag = (field: string) =>
  z
    .enum(['true', 'false'], { error: `${field} must be true or false` })
    .transform((v) => v === 'true');

/** Query of the changing routes: validate only (`dry_run`), pass the n_val rule (`force`). */
export const configChangeQuerySchema = z.strictObject({
  dry_run: flag('dry_run').optional(),
  force: flag('force').optional(),
});

/**
 * `POST /clusters/{cluster}/config/validate`: a proposed change as JSON; absent fields stay as the
 * target has them (`null` template: the package's own file).
 */
export const configValidateRequestSchema = z.strictObject({
  riak_conf: z.string({ error: 'riak_conf must be text' }).min(1).nullable().optional(),
  advanced_config: z.string({ error: 'advanced_config must be text' }).min(1).nullable().optional(),
  riak_version: z.string({ error: 'riak_version must be text' }).min(1).max(200).optional(),
  force: z.boolean({ error: 'force must be true or false' }).optional(),
});
export type ConfigValidateRequest = z.output<typeof configValidateRequestSchema>;

/** `GET …/configurations?diff=ID`. */
export const configurationsQuerySchema = z.strictObject({
  diff: z
    .string({ error: 'diff must be given once' })
    .regex(/^[1-9]\d{0,8}$/, { error: 'diff must be a version id (a whole number from 1)' })
    .transform(Number)
    .optional(),
});
