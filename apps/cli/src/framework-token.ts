import { readFileSync, statSync } from 'node:fs';
import type { FrameworkZkCredentials, ZkCredential } from '@riak-mesos/framework-contract';
import {
  formatIssues,
  frameworkZkCredentialsSchema,
  splitZkCredential,
} from '@riak-mesos/framework-contract';
import { NoAuthError, ZkClient, frameworkLayout } from '@riak-mesos/zk';
import { CliError } from './errors';

/**
 * The framework's ZooKeeper credentials file (the scheduler's `--zk-auth-file`: JSON with
 * `scheduler`, `node` and `director`), checked to be readable by its owner only. The CLI reads
 * ZooKeeper as the scheduler identity.
 */
export function readZkAuthFile(file: string): FrameworkZkCredentials {
  let text: string;
  try {
    if ((statSync(file).mode & 0o077) !== 0)
      throw new Error('it is open to other users: make it readable by its owner only (chmod 600)');
    text = readFileSync(file, 'utf8');
  } catch (err) {
    throw new CliError(
      `cannot use the ZooKeeper credentials file ${file}: ${(err as Error).message}`,
    );
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (err) {
    throw new CliError(
      `the ZooKeeper credentials file ${file} is not JSON: ${(err as Error).message}`,
    );
  }
  const parsed = frameworkZkCredentialsSchema.safeParse(json);
  if (!parsed.success)
    throw new CliError(`the ZooKeeper credentials file ${file}: ${formatIssues(parsed.error)}`);
  return parsed.data;
}

/** The scheduler identity of a credentials set, as ZkClient takes it. */
export function schedulerZkAuth(credentials: FrameworkZkCredentials): ZkCredential {
  return splitZkCredential(credentials.scheduler);
}

/**
 * The scheduler API token the scheduler made at its first start and keeps in ZooKeeper
 * (docs/security.md); undefined when there is none (the scheduler has configured credentials or
 * runs with --insecure-no-auth). Throws CliError when ZooKeeper cannot be read. With ZooKeeper
 * ACLs on (docs/security.md), `auth` is the scheduler's credential.
 */
export async function readFrameworkToken(
  zkConnect: string,
  framework: string,
  timeoutMs = 15000,
  auth?: ZkCredential,
): Promise<string | undefined> {
  const path = frameworkLayout(framework).apiToken;
  let zk: ZkClient;
  try {
    zk = await ZkClient.connect({
      connect: zkConnect,
      connectTimeoutMs: timeoutMs,
      ...(auth ? { auth: [auth] } : {}),
    });
  } catch (err) {
    throw new CliError(`cannot reach ZooKeeper at ${zkConnect}: ${(err as Error).message}`);
  }
  try {
    const node = await zk.getOrNull(path);
    return node ? node.data.toString('utf8').trim() : undefined;
  } catch (err) {
    if (err instanceof NoAuthError)
      throw new CliError(
        `ZooKeeper refuses to show ${path}: the framework runs with ZooKeeper ACLs; give its credentials file with --zk-auth-file or RIAK_MESOS_ZK_AUTH_FILE`,
      );
    throw new CliError(`cannot read ${path} in ZooKeeper: ${(err as Error).message}`);
  } finally {
    await zk.close().catch(() => undefined);
  }
}
