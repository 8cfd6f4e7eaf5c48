import { aclText, directorRegistrationAcl, frameworkAcl } from './acl-rule';
import { digestId } from './client';
import { frameworkLayout } from './layout';

const ids = {
  scheduler: digestId('sched', 'password-s'),
  node: digestId('node', 'password-n'),
  director: digestId('director', 'password-d'),
};
const layout = frameworkLayout('riak');

/** The rule's answer as `role=perms`, sorted: easy to read in expectations. */
function rule(path: string): string[] {
  const names = new Map(Object.entries(ids).map(([role, id]) => [`digest:${id}`, role]));
  return aclText(frameworkAcl(layout, path, ids))
    .split(',')
    .map((e) => {
      const at = e.lastIndexOf('=');
      return `${names.get(e.slice(0, at)) ?? e.slice(0, at)}=${e.slice(at + 1)}`;
    })
    .sort();
}

describe('frameworkAcl, the ZooKeeper ACL rule', () => {
  it('gives nothing to world:anyone, anywhere', () => {
    const paths = [
      '/',
      '/riak',
      '/riak/frameworks',
      layout.root,
      layout.scheduler,
      layout.schedulerLeader,
      `${layout.schedulerLeader}/member-0000000001`,
      layout.clusters,
      layout.cluster('default'),
      layout.plans('default'),
      layout.plan('default', 'p1'),
      layout.directors('default'),
      layout.director('default', 'host-8087'),
      layout.nodes,
      layout.node('riak-default-1'),
      layout.secrets,
      layout.apiToken,
      layout.executorKey,
      `${layout.root}/coordinator`,
      layout.coordinatedNodes,
      layout.coordinatedNode('task-1'),
      `${layout.root}/erlpmd`,
      layout.erlpmdNodes,
      layout.erlpmdNode('riak-default-1'),
      '/elsewhere/entirely',
    ];
    for (const p of paths) {
      const acl = frameworkAcl(layout, p, ids);
      expect(acl.length).toBeGreaterThan(0);
      expect(acl.every((a) => a.id.scheme === 'digest')).toBe(true);
      expect(rule(p)).toContain('scheduler=rwcda');
    }
  });

  it('keeps the scheduler records, cookies and secrets to the scheduler alone', () => {
    for (const p of [
      layout.root,
      layout.scheduler,
      `${layout.schedulerLeader}/member-0000000001`,
      layout.clusters,
      layout.cluster('default'),
      layout.plan('default', 'p1'),
      layout.configurations('default'),
      layout.configuration('default', 7), // templates may hold secrets
      layout.node('riak-default-1'),
      layout.secrets,
      layout.apiToken,
      layout.executorKey,
      `${layout.root}/coordinator`,
      `${layout.root}/erlpmd`,
    ])
      expect(rule(p)).toEqual(['scheduler=rwcda']);
  });

  it('lets executors publish nodes and the director read them', () => {
    expect(rule(layout.coordinatedNodes)).toEqual(['director=r', 'node=rcd', 'scheduler=rwcda']);
    expect(rule(layout.coordinatedNode('task-1'))).toEqual([
      'director=r',
      'node=rwcda',
      'scheduler=rwcda',
    ]);
  });

  it('lets nodes register with the EPMD replacement, and keeps the director out', () => {
    expect(rule(layout.erlpmdNodes)).toEqual(['node=rcd', 'scheduler=rwcda']);
    expect(rule(layout.erlpmdNode('riak-default-1'))).toEqual(['node=rwcda', 'scheduler=rwcda']);
  });

  it('lets the director register itself under its cluster, and the scheduler read it', () => {
    expect(rule(layout.directors('default'))).toEqual(['director=rcd', 'scheduler=rwcda']);
    expect(rule(layout.director('default', 'host-8087'))).toEqual([
      'director=rwcda',
      'scheduler=rwcda',
    ]);
    // Nothing deeper, and not the cluster itself nor its plans.
    expect(rule(`${layout.director('default', 'host-8087')}/x`)).toEqual(['scheduler=rwcda']);
    expect(rule(layout.cluster('directors'))).toEqual(['scheduler=rwcda']);
    expect(rule(layout.plans('default'))).toEqual(['scheduler=rwcda']);
    // The director, knowing the scheduler's id, applies the same rule.
    expect(
      aclText(directorRegistrationAcl({ scheduler: ids.scheduler, director: ids.director })),
    ).toBe(aclText(frameworkAcl(layout, layout.director('default', 'h'), ids)));
  });

  it('lets the director list the frameworks above the root', () => {
    for (const p of ['/', '/riak', '/riak/frameworks'])
      expect(rule(p)).toEqual(['director=r', 'scheduler=rwcda']);
    // Another framework's root is not an ancestor of this one's.
    expect(rule('/riak/frameworks/other')).toEqual(['scheduler=rwcda']);
  });

  it('writes ACLs in a stable order whatever order they come in', () => {
    const acl = frameworkAcl(layout, layout.coordinatedNode('t'), ids);
    expect(aclText([...acl].reverse())).toBe(aclText(acl));
  });
});
