import { z } from 'zod';

/**
 * ZooKeeper digest credentials of the framework's processes (docs/security.md, "ZooKeeper"):
 * what the operator supplies to the scheduler, director and EPMD replacement, and what the
 * scheduler hands each executor in its task data.
 */

/** A ZooKeeper digest credential as written: `user:password`. */
export interface ZkCredential {
  user: string;
  password: string;
}

const USER = /^[A-Za-z0-9_.-]{1,64}$/;

/** `user:password` split at the first colon (the password may hold colons). */
export function splitZkCredential(text: string): ZkCredential {
  const at = text.indexOf(':');
  return at < 0
    ? { user: '', password: '' }
    : { user: text.slice(0, at), password: text.slice(at + 1) };
}

/**
 * `user:password`: a user of letters, digits and `_.-`; a password of 8 to 256 visible
 * characters. Kept as text (it travels as text); `splitZkCredential` takes it apart.
 */
export const zkCredentialSchema = z
  .string({ error: 'must be user:password' })
  .superRefine((text, ctx) => {
    const { user, password } = splitZkCredential(text);
    if (!USER.test(user))
      ctx.addIssue({
        code: 'custom',
        message: 'must be user:password, the user made of letters, digits and _.- (at most 64)',
      });
    else if (!/^\S{8,256}$/.test(password))
      ctx.addIssue({
        code: 'custom',
        message: 'must be user:password, the password 8 to 256 characters without spaces',
      });
  });

/** An ACL id of the digest scheme: `user:base64(sha1(user:password))` (no password in it). */
export const zkDigestIdSchema = z
  .string()
  .regex(/^[A-Za-z0-9_.-]{1,64}:[A-Za-z0-9+/]{27}=$/, 'must be a digest id user:base64(sha1)');

/**
 * The scheduler's credentials file (`--zk-auth-file`, `RIAK_MESOS_ZK_AUTH_FILE`): the three
 * identities, e.g. `{"scheduler":"u1:p1","node":"u2:p2","director":"u3:p3"}`. The scheduler acts
 * as `scheduler`, gives executors `node`, and grants `director` read access to published nodes
 * (it needs only its id, but one file of the three keeps the operator's secret in one place).
 * Three different users.
 */
export const frameworkZkCredentialsSchema = z
  .object({
    scheduler: zkCredentialSchema,
    node: zkCredentialSchema,
    director: zkCredentialSchema,
  })
  .strict()
  .refine(
    (c) =>
      new Set([c.scheduler, c.node, c.director].map((x) => splitZkCredential(x).user)).size === 3,
    'scheduler, node and director must be three different users',
  );
export type FrameworkZkCredentials = z.output<typeof frameworkZkCredentialsSchema>;

/**
 * What a node's processes (the executor and its EPMD replacement, or the `erlpmd` daemon) need:
 * the node credential, and the ids of the scheduler and director to grant them access to what
 * they create. In the task data (`ZkAuth`) and in the erlpmd daemon's credentials file.
 */
export const nodeZkAuthSchema = z
  .object({
    node: zkCredentialSchema,
    schedulerId: zkDigestIdSchema,
    directorId: zkDigestIdSchema,
  })
  .strict();
export type NodeZkAuth = z.output<typeof nodeZkAuthSchema>;
