/** What the executor reads from a release, on the real Riak KV 3.2 package and on riak-local. */
import { execFileSync } from 'node:child_process';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import {
  RIAK_LOCAL_PACKAGE,
  buildNodePackages,
  requireRiakPackage,
  tempDir,
} from '@riak-mesos/testing';
import { probeRelease } from './release';

let dir: string;

beforeAll(async () => {
  await buildNodePackages();
  dir = await tempDir('release-probe');
  for (const [name, pkg] of [
    ['real', requireRiakPackage()],
    ['local', RIAK_LOCAL_PACKAGE],
  ]) {
    execFileSync('mkdir', ['-p', join(dir, name)]);
    execFileSync('tar', ['xzf', pkg, '-C', join(dir, name)]);
  }
}, 120000);

afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('real Riak: reading a release', () => {
  it('KV 3.2: foreground, riak-admin, cuttlefish, its own erts, replication', () => {
    const r = probeRelease(join(dir, 'real', 'root', 'riak'));
    expect(r.start).toBe('foreground');
    expect(r.admin).toEqual({ tool: 'riak-admin', prefix: [] });
    expect(r.chkconfig).toBe(true);
    expect(r.erts).toMatch(/erts-\d+\.\d+/);
    expect(r.cuttlefish?.script).toMatch(/bin\/cuttlefish$/);
    expect(r.hasRepl).toBe(true);
  });
});

describe('reading riak-local', () => {
  it('console, no erts, no cuttlefish, no replication', () => {
    const r = probeRelease(join(dir, 'local', 'root', 'riak'));
    expect(r.start).toBe('console');
    expect(r.erts).toBeUndefined();
    expect(r.cuttlefish).toBeUndefined();
    expect(r.hasRepl).toBe(false);
  });
});
