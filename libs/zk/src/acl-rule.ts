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
  /** The director: reads the published nodes, registers itself under its cluster. */
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

/** `clusters/<c>/directors` (the parent) or `clusters/<c>/directors/<id>` (a registration). */
function directorsPath(layout: FrameworkLayout, path: string): 'parent' | 'registration' | null {
  if (!under(path, layout.clusters)) return null;
  const rest = path.slice(layout.clusters.length + 1).split('/');
  if (rest.length < 2 || rest[1] !== 'directors') return null;
  if (rest.length === 2) return 'parent';
  return rest.length === 3 ? 'registration' : null;
}

/**
 * The ACL of a director's own registration (`clusters/<c>/directors/<id>`): the director ALL, the
 * scheduler ALL. Apart so the director, which knows only the scheduler's id (from the data of the
 * `directors` node the scheduler made), applies the same rule.
 */
export function directorRegistrationAcl(
  ids: Pick<FrameworkZkIds, 'scheduler' | 'director'>,
): ACL[] {
  return [grant(ids.scheduler, ALL), grant(ids.director, ALL)];
}

/**
 * THE rule: the ACL of a znode the framework creates at `path` (relative to the chroot; `/` for
 * the chroot's own nodes). Nothing is ever given to `world:anyone`. ZooKeeper checks each znode's
 * own ACL (no inheritance): making a child needs CREATE on its parent, listing children READ on
 * it, deleting a child DELETE on the parent.
 *
 * - The published nodes (`coordinatedNodes/<task>`): nodes ALL (executors make and delete them),
 *   director READ, scheduler ALL; their parent: nodes READ, CREATE, DELETE, director READ.
 * - Director registrations (`clusters/<c>/directors/<id>`): director ALL, scheduler ALL; their
 *   parent (made by the scheduler with the cluster): director READ, CREATE, DELETE.
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
  const directors = directorsPath(layout, path);
  if (directors === 'parent') return [scheduler, grant(ids.director, READ | CREATE | DELETE)];
  if (directors === 'registration') return directorRegistrationAcl(ids);
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
