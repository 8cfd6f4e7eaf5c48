import { ZkClient, frameworkLayout } from '@riak-mesos/zk';
import { CliError } from './errors';

/**
 * The scheduler API token the scheduler made at its first start and keeps in ZooKeeper
 * (docs/security.md); undefined when there is none (the scheduler has configured credentials or
 * runs with --insecure-no-auth). Throws CliError when ZooKeeper cannot be read.
 */
export async function readFrameworkToken(
  zkConnect: string,
  framework: string,
  timeoutMs = 15000,
): Promise<string | undefined> {
  const path = frameworkLayout(framework).apiToken;
  let zk: ZkClient;
  try {
    zk = await ZkClient.connect({ connect: zkConnect, connectTimeoutMs: timeoutMs });
  } catch (err) {
    throw new CliError(`cannot reach ZooKeeper at ${zkConnect}: ${(err as Error).message}`);
  }
  try {
    const node = await zk.getOrNull(path);
    return node ? node.data.toString('utf8').trim() : undefined;
  } catch (err) {
    throw new CliError(`cannot read ${path} in ZooKeeper: ${(err as Error).message}`);
  } finally {
    await zk.close().catch(() => undefined);
  }
}
