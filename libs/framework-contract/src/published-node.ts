import { z } from 'zod';
import { isValidName } from '@riak-mesos/zk/name-rule';
import { riakNodeNameSchema } from './node-name';

/**
 * The record an executor publishes for a running node at
 * `/riak/frameworks/<fw>/coordinator/coordinatedNodes/<task id>` (ephemeral) and the director
 * reads: the original framework's keys. Readers take keys in any order and ignore extra keys, so
 * executors may add fields; ports written as numeric strings are read too.
 */

const port = z.preprocess(
  (v) => (typeof v === 'string' && /^\d+$/.test(v.trim()) ? Number(v) : v),
  z
    .number({ error: 'must be a port number' })
    .int('must be a port number')
    .min(1, 'must be a port from 1 to 65535')
    .max(65535, 'must be a port from 1 to 65535'),
);
const text = z.string({ error: 'must be a string' }).min(1, 'must not be empty');
const name = text.refine(isValidName, 'must be a name (letters, digits, _ - .)');

export const publishedNodeSchema = z.object({
  FrameworkName: name,
  ClusterName: name,
  NodeName: riakNodeNameSchema,
  DisterlPort: port,
  PBPort: port,
  HTTPPort: port,
  Hostname: text.refine((h) => !/[\s/]/.test(h), 'must be a host name or address'),
});
export type PublishedNode = z.output<typeof publishedNodeSchema>;

/** The record as JSON, keys in the original's order (what executors write). */
export function encodePublishedNode(n: PublishedNode): string {
  const checked = publishedNodeSchema.parse(n);
  return JSON.stringify({
    FrameworkName: checked.FrameworkName,
    ClusterName: checked.ClusterName,
    NodeName: checked.NodeName,
    DisterlPort: checked.DisterlPort,
    PBPort: checked.PBPort,
    HTTPPort: checked.HTTPPort,
    Hostname: checked.Hostname,
  });
}
