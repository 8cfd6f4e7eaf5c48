import type { Logger } from '@riak-mesos/logging';
import type { FrameworkZkIds } from './acl-rule';
import { aclText, frameworkAcl } from './acl-rule';
import type { DigestAuth, ZkClient, ZkClientOptions } from './client';
import { digestId } from './client';
import { NoAuthError, NoNodeError } from './errors';
import type { FrameworkLayout } from './layout';
import { joinPath } from './names';

/**
 * What a framework process gives ZkClient.connect to act as `self` with the framework's ACLs:
 * its credential on every session, and the rule for every node it creates.
 */
export function frameworkZkOptions(
  layout: FrameworkLayout,
  self: DigestAuth,
  ids: FrameworkZkIds,
): Pick<ZkClientOptions, 'auth' | 'aclFor'> {
  return { auth: [self], aclFor: (path) => frameworkAcl(layout, path, ids) };
}

/** The ACL ids of the three credentials. */
export function frameworkZkIds(credentials: {
  scheduler: DigestAuth;
  node: DigestAuth;
  director: DigestAuth;
}): FrameworkZkIds {
  const id = (c: DigestAuth) => digestId(c.user, c.password);
  return {
    scheduler: id(credentials.scheduler),
    node: id(credentials.node),
    director: id(credentials.director),
  };
}

export interface SecureResult {
  /** Nodes whose ACL was set. */
  changed: string[];
  /** Nodes seen (the root and everything under it). */
  checked: number;
  /** Nodes whose ACL this client may not read or change (left as they are). */
  refused: string[];
}

/**
 * Securing in place: gives every node under the framework's root (the root included) the ACL
 * of the rule, for a layout made without credentials or by an older version. Idempotent: a node
 * already right is left alone. Nodes that vanish meanwhile (ephemerals) are skipped. Run by the
 * scheduler (which holds ALL on everything) at every start; logs each change.
 */
export async function secureFrameworkTree(
  zk: ZkClient,
  layout: FrameworkLayout,
  ids: FrameworkZkIds,
  logger: Logger,
): Promise<SecureResult> {
  const result: SecureResult = { changed: [], checked: 0, refused: [] };
  const visit = async (path: string): Promise<void> => {
    let children: string[];
    try {
      const wanted = frameworkAcl(layout, path, ids);
      const current = await zk.getAcl(path);
      result.checked++;
      if (aclText(current) !== aclText(wanted)) {
        await zk.setAcl(path, wanted);
        result.changed.push(path);
        logger.info('ZooKeeper ACL set', {
          path,
          was: aclText(current),
          now: aclText(wanted),
        });
      }
      children = await zk.children(path);
    } catch (err) {
      if (err instanceof NoNodeError) return;
      if (err instanceof NoAuthError) {
        result.refused.push(path);
        logger.warn('cannot secure a ZooKeeper node: its ACL does not let the scheduler in', {
          path,
        });
        return;
      }
      throw err;
    }
    for (const c of children.sort()) await visit(joinPath(path, c));
  };
  await visit(layout.root);
  if (result.changed.length > 0)
    logger.warn(
      'secured the framework in ZooKeeper: nodes made without credentials now have ACLs',
      {
        root: layout.root,
        changed: result.changed.length,
        checked: result.checked,
      },
    );
  return result;
}
