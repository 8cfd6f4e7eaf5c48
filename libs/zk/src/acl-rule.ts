import { ACL, Id, Permission } from 'node-zookeeper-client';
import type { FrameworkLayout } from './layout';
import { FRAMEWORKS_ROOT } from './layout';

/**
 * The three ZooKeeper digest identities of a framework (docs/security.md, "ZooKeeper"), as ACL
 * ids (`user:base64(sha1(user:password))`, see `digestId`): an ACL names an identity without
 * knowing its password, so a process can grant the others what they need.
 */
export interface FrameworkZkIds {
  /** The scheduler: everything of the framework. */
  scheduler: string;
  /** Every Riak node's executor and EPMD replacement: their own registrations. */
  node: string;
  /** The director: reads the published nodes. */
  director: string;
}

/** The roles of the framework's ZooKeeper identities. */
export type ZkRole = keyof FrameworkZkIds;

const { READ, CREATE, DELETE, ALL } = Permission;

function grant(id: string, perms: number): ACL {
  return new ACL(perms, new Id('digest', id));
}

function under(path: string, parent: string): boolean {
  return path.startsWith(`${parent}/`);
}

/**
 * THE rule: the ACL of a znode the framework creates at `path` (relative to the chroot; `/` for
 * the chroot's own nodes). Nothing is ever given to `world:anyone`. ZooKeeper checks each znode's
 * own ACL (no inheritance): making a child needs CREATE on its parent, listing children READ on
 * it, deleting a child DELETE on the parent.
 *
 * - The published nodes (`coordinatedNodes/<task>`): nodes ALL (executors make and delete them),
 *   director READ, scheduler ALL; their parent: nodes READ, CREATE, DELETE, director READ.
 * - EPMD registrations (`erlpmd/nodes/<name>`): nodes ALL, scheduler ALL; their parent: nodes
 *   READ, CREATE, DELETE.
 * - `/riak`, `/riak/frameworks` and a chroot's nodes (above the framework's root, perhaps shared
 *   with other frameworks): scheduler ALL, director READ (it lists the frameworks).
 * - Everything else (the root, clusters with their cookies, nodes, plans, secrets, leader
 *   election, `coordinator`, `erlpmd`): the scheduler only. The scheduler makes the parents the
 *   other roles write under (SchedulerStore.init) before any executor runs.
 */
export function frameworkAcl(layout: FrameworkLayout, path: string, ids: FrameworkZkIds): ACL[] {
  const scheduler = grant(ids.scheduler, ALL);
  if (path === layout.coordinatedNodes)
    return [scheduler, grant(ids.node, READ | CREATE | DELETE), grant(ids.director, READ)];
  if (under(path, layout.coordinatedNodes))
    return [scheduler, grant(ids.node, ALL), grant(ids.director, READ)];
  if (path === layout.erlpmdNodes) return [scheduler, grant(ids.node, READ | CREATE | DELETE)];
  if (under(path, layout.erlpmdNodes)) return [scheduler, grant(ids.node, ALL)];
  if (path === '/' || path === FRAMEWORKS_ROOT || under(FRAMEWORKS_ROOT, path))
    return [scheduler, grant(ids.director, READ)];
  return [scheduler];
}

/**
 * An ACL entry's permissions. node-zookeeper-client keeps them in `permission`; its type
 * declarations say `perms`.
 */
export function aclPerms(a: ACL): number {
  return (a as unknown as { permission?: number }).permission ?? a.perms;
}

/** An ACL as text (`digest:user:hash=perms`), in a stable order: for comparing and logging. */
export function aclText(acl: readonly ACL[]): string {
  const bits: [number, string][] = [
    [Permission.READ, 'r'],
    [Permission.WRITE, 'w'],
    [Permission.CREATE, 'c'],
    [Permission.DELETE, 'd'],
    [Permission.ADMIN, 'a'],
  ];
  const letters = (p: number) =>
    bits
      .filter(([bit]) => (p & bit) !== 0)
      .map(([, l]) => l)
      .join('');
  return acl
    .map((a) => `${a.id.scheme}:${a.id.id}=${letters(aclPerms(a))}`)
    .sort()
    .join(',');
}
