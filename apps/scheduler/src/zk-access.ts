import type { FrameworkZkCredentials, NodeZkAuth } from '@riak-mesos/framework-contract';
import { splitZkCredential } from '@riak-mesos/framework-contract';
import type { Logger } from '@riak-mesos/logging';
import type { FrameworkZkIds } from '@riak-mesos/zk';
import {
  ZkClient,
  frameworkLayout,
  frameworkZkIds,
  frameworkZkOptions,
  secureFrameworkTree,
} from '@riak-mesos/zk';

/** The ACL ids of the configured credentials. */
export function zkIds(credentials: FrameworkZkCredentials): FrameworkZkIds {
  return frameworkZkIds({
    scheduler: splitZkCredential(credentials.scheduler),
    node: splitZkCredential(credentials.node),
    director: splitZkCredential(credentials.director),
  });
}

/** What an executor gets in its task data (`ZkAuth`): the node credential and the others' ids. */
export function nodeZkAuth(credentials: FrameworkZkCredentials): NodeZkAuth {
  const ids = zkIds(credentials);
  return { node: credentials.node, schedulerId: ids.scheduler, directorId: ids.director };
}

export interface SchedulerZkOptions {
  connect: string;
  framework: string;
  credentials?: FrameworkZkCredentials;
  connectTimeoutMs?: number;
  sessionTimeoutMs?: number;
  logger: Logger;
}

/**
 * The scheduler's ZooKeeper session (docs/security.md, "ZooKeeper"). With credentials it acts as
 * the scheduler identity, every znode it creates gets the rule's ACL, and everything already
 * under the framework's root is secured in place (idempotent, each change logged). Without, it
 * runs as before and warns, at every start, that ZooKeeper is open.
 */
export async function connectSchedulerZk(o: SchedulerZkOptions): Promise<ZkClient> {
  const layout = frameworkLayout(o.framework);
  const base = {
    connect: o.connect,
    logger: o.logger,
    ...(o.connectTimeoutMs !== undefined ? { connectTimeoutMs: o.connectTimeoutMs } : {}),
    ...(o.sessionTimeoutMs !== undefined ? { sessionTimeoutMs: o.sessionTimeoutMs } : {}),
  };
  if (!o.credentials) {
    o.logger.warn(
      'ZooKeeper is OPEN: no credentials (--zk-auth-file), so every znode of the framework, its API token, executor key and Erlang cookies included, can be read and changed by anyone who reaches ZooKeeper',
      { root: layout.root },
    );
    return ZkClient.connect(base);
  }
  const ids = zkIds(o.credentials);
  const zk = await ZkClient.connect({
    ...base,
    ...frameworkZkOptions(layout, splitZkCredential(o.credentials.scheduler), ids),
  });
  try {
    const secured = await secureFrameworkTree(zk, layout, ids, o.logger);
    o.logger.info('ZooKeeper ACLs on', {
      root: layout.root,
      scheduler: splitZkCredential(o.credentials.scheduler).user,
      node: splitZkCredential(o.credentials.node).user,
      director: splitZkCredential(o.credentials.director).user,
      checked: secured.checked,
      changed: secured.changed.length,
      ...(secured.refused.length > 0 ? { refused: secured.refused } : {}),
    });
  } catch (err) {
    await zk.close().catch(() => undefined);
    throw err;
  }
  return zk;
}
