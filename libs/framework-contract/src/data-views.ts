import { z } from 'zod';

/**
 * Read-only views of the data in a cluster's Riak, asked of one running node's HTTP API by the
 * scheduler (`GET /api/v1/clusters/{c}/nodes/{n}/data/…`, docs/api.md). Listing buckets and keys
 * walks every key on every node of the cluster: Riak warns against it on a real cluster, and so
 * do these answers.
 */

/** What listing buckets or keys costs, said with each such answer. */
export const LISTING_WARNING =
  'listing walks every key of the bucket type on every node: expensive on a real cluster; use it to look, not in a program';

/** Most keys one page carries. */
export const MAX_KEYS_PAGE = 1000;

/** A key as the API takes it: 1–512 characters, none of them a control character. */
export const riakKeySchema = z
  .string()
  .min(1, { error: 'key must not be empty' })
  .max(512, { error: 'key is at most 512 characters' })

  .regex(/^[^\u0000-\u001f\u007f]+$/, { error: 'key must not hold control characters' });

/** `GET …/data/types/{type}/buckets`. */
export const dataBucketsAnswerSchema = z.object({
  type: z.string().min(1),
  buckets: z.array(z.string()),
  warning: z.string(),
});
export type DataBucketsAnswer = z.output<typeof dataBucketsAnswerSchema>;

/** `?limit=` (1–MAX_KEYS_PAGE, default 100) and `?after=` (the last key of the page before). */
export const dataKeysQuerySchema = z.strictObject({
  limit: z
    .string()
    .regex(/^\d+$/, { error: `limit must be a whole number from 1 to ${MAX_KEYS_PAGE}` })
    .transform(Number)
    .pipe(
      z
        .number()
        .min(1, { error: `limit must be a whole number from 1 to ${MAX_KEYS_PAGE}` })
        .max(MAX_KEYS_PAGE, { error: `limit must be a whole number from 1 to ${MAX_KEYS_PAGE}` }),
    )
    .optional(),
  after: riakKeySchema.optional(),
});
export type DataKeysQuery = z.output<typeof dataKeysQuerySchema>;

/** `GET …/data/types/{type}/buckets/{bucket}/keys`: one page of the keys, in order. */
export const dataKeysAnswerSchema = z.object({
  type: z.string().min(1),
  bucket: z.string().min(1),
  keys: z.array(z.string()),
  /** The key to pass as `after` for the next page; null on the last page. */
  next: z.string().nullable(),
  /** How many keys the bucket had when listed. */
  total: z.number().int().nonnegative(),
  warning: z.string(),
});
export type DataKeysAnswer = z.output<typeof dataKeysAnswerSchema>;

/** One value of an object (one sibling). */
export const dataSiblingSchema = z.object({
  content_type: z.string(),
  /** `utf8` for text and JSON, `base64` for anything else. */
  encoding: z.enum(['utf8', 'base64']),
  value: z.string(),
  last_modified: z.string().nullable(),
  etag: z.string().nullable(),
  /** Riak's tombstone of a deleted sibling. */
  deleted: z.boolean(),
});
export type DataSibling = z.output<typeof dataSiblingSchema>;

/** `GET …/data/types/{type}/buckets/{bucket}/keys/{key}`. */
export const dataObjectAnswerSchema = z.object({
  type: z.string().min(1),
  bucket: z.string().min(1),
  key: z.string().min(1),
  vclock: z.string().nullable(),
  /** One entry, or several when Riak keeps siblings (allow_mult). */
  siblings: z.array(dataSiblingSchema).min(1),
});
export type DataObjectAnswer = z.output<typeof dataObjectAnswerSchema>;
