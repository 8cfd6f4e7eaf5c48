import { z } from 'zod';
import { isValidName } from '@riak-mesos/zk/name-rule';
import { riakNodeNameSchema } from './node-name';
import { nodeZkAuthSchema } from './zk-auth';

/**
 * The task data the scheduler puts in `TaskInfo.data` (UTF-8 JSON) and the executor reads:
 * the original framework's keys, plus a few (docs/packages-and-task-data.md). The scheduler
 * builds a `TaskData` and checks it with this schema before sending; the executor parses with it.
 */

export const portSchema = z
  .number({ error: 'must be a port number' })
  .int('must be a port number')
  .min(1, 'must be a port from 1 to 65535')
  .max(65535, 'must be a port from 1 to 65535');

const relative = (what: string) =>
  z
    .string()
    .min(1)
    .refine((p) => !p.startsWith('/') && !p.split('/').includes('..'), {
      message: `${what} must be a relative path inside the sandbox`,
    });

/** A framework, cluster or node name: one ZooKeeper path segment (see `isValidName`). */
export const frameworkNameSchema = (what: string) =>
  z.string().refine(isValidName, { message: `${what} is not a valid name` });

export const taskDataSchema = z
  .object({
    FullyQualifiedNodeName: riakNodeNameSchema,
    Host: z.string().regex(/^[A-Za-z0-9_.:-]+$/, 'must be a host name or address'),
    Zookeepers: z.array(z.string().regex(/^[^\s:/,]+:\d+$/, 'must be host:port')).min(1),
    ZookeeperChroot: z
      .string()
      .regex(/^(\/[A-Za-z0-9_.-]+)*$/, 'must be empty or /a/path')
      .default(''),
    FrameworkName: frameworkNameSchema('FrameworkName'),
    URI: z.string().regex(/^https?:\/\/[^\s]+$/, 'must be the http(s) URL of the scheduler'),
    ClusterName: frameworkNameSchema('ClusterName'),
    HTTPPort: portSchema,
    PBPort: portSchema,
    DisterlPort: portSchema,
    HandoffPort: portSchema,
    RiakRootPath: relative('RiakRootPath').default('root'),
    PersistentPath: relative('PersistentPath').default('data'),
    Cookie: z
      .string()
      .regex(/^[A-Za-z0-9_@.+-]{1,255}$/, 'must be letters, digits and _@.+-')
      .default('riak'),
    /**
     * The task's credential for the scheduler API (`Authorization: Bearer`): it reads only the
     * task's own cluster's templates. Only here, never in labels, environment or command line.
     */
    ApiCredential: z
      .string()
      .regex(/^[A-Za-z0-9_.:-]{1,512}$/, 'must be a credential the scheduler made')
      .optional(),
    /**
     * The node's ZooKeeper identity (docs/security.md, "ZooKeeper"), when the scheduler has
     * credentials: the executor and its EPMD replacement authenticate with `node` and grant the
     * scheduler and director what the ACL rule says. Like `Cookie`, only here.
     */
    ZkAuth: nodeZkAuthSchema.optional(),
    /**
     * PEM certificates the executor trusts (besides the system's) for an https `URI`: the CA of
     * the scheduler's certificate (`--tls-ca-file`, or the certificate itself). Only here.
     */
    SchedulerCA: z
      .string()
      .max(65536, 'must be at most 64 KiB of PEM')
      .regex(/-----BEGIN CERTIFICATE-----/, 'must be PEM certificates')
      .optional(),
    /**
     * The node replaces one of the same name on this host (its agent was lost): the executor may
     * take over the EPMD registration that node's session still holds there, and no other.
     */
    ReplacesHost: z
      .string()
      .regex(/^[A-Za-z0-9_.-]{1,255}$/, 'must be a host name')
      .optional(),
  })
  .refine(
    (d) => new Set([d.HTTPPort, d.PBPort, d.DisterlPort, d.HandoffPort]).size === 4,
    'HTTP, PB, distribution and handoff ports must differ',
  );

/** Task data as read (defaults filled in), and as the scheduler builds it (every key set). */
export type TaskData = z.output<typeof taskDataSchema>;
/** Task data as it may be sent: the keys with defaults may be left out. */
export type TaskDataInput = z.input<typeof taskDataSchema>;
