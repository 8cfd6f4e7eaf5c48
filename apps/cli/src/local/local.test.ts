import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ProcessGroup, isAlive, processesUnder } from '@riak-mesos/process';
import { findDist, locateArtifacts } from './artifacts';
import { readState, stopRunning } from './stack';
import { runCli } from '../test-support/cli';

const dir = mkdtempSync(join(tmpdir(), 'cli-local-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const cli = (args: string[]) => runCli(dir, args);

/** A dist/ with every artifact the local system needs (empty files: only their presence counts). */
function fakeDist(root: string, missing: string[] = []): string {
  const files = [
    'tools/mesos-local/main.js',
    'apps/scheduler/main.js',
    'apps/director/main.js',
    'packages/riak-mesos-executor-0.1.0.tar.gz',
    'packages/riak-local-0.1.0.tar.gz',
    'packages/riak-local-0.10.0.tar.gz',
  ];
  for (const f of files.filter((x) => !missing.includes(x))) {
    mkdirSync(join(root, 'dist', f, '..'), { recursive: true });
    writeFileSync(join(root, 'dist', f), '');
  }
  return join(root, 'dist');
}

describe('artifacts', () => {
  it('finds dist/ next to nx.json, walking up', () => {
    const root = mkdtempSync(join(dir, 'repo-'));
    writeFileSync(join(root, 'nx.json'), '{}');
    mkdirSync(join(root, 'apps', 'cli'), { recursive: true });
    expect(findDist([join(root, 'apps', 'cli')])).toBe(join(root, 'dist'));
  });

  it('names every missing artifact and how to build them', () => {
    const root = mkdtempSync(join(dir, 'repo-'));
    const dist = fakeDist(root, [
      'apps/director/main.js',
      'packages/riak-local-0.1.0.tar.gz',
      'packages/riak-local-0.10.0.tar.gz',
    ]);
    expect(() => locateArtifacts(dist)).toThrow(
      /director\/main\.js.*riak-local-<version>.*npm start/,
    );
    expect(() => locateArtifacts(undefined)).toThrow(/no dist/);
  });

  it('takes the newest package version', () => {
    const root = mkdtempSync(join(dir, 'repo-'));
    const a = locateArtifacts(fakeDist(root));
    expect(a.riakPackage).toMatch(/riak-local-0\.10\.0\.tar\.gz$/);
  });
});

describe('riak-mesos local', () => {
  it('rejects bad flags with a clear message before starting anything', async () => {
    const root = mkdtempSync(join(dir, 'repo-'));
    const dist = fakeDist(root);
    const work = join(root, 'work');
    const r = await cli(['local', 'up', '--dist', dist, '--work-dir', work, '--nodes', 'three']);
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/--nodes must be a whole number/);
    const c = await cli(['local', 'up', '--dist', dist, '--work-dir', work, '--cluster', '../x']);
    expect(c.code).toBe(1);
    expect(c.err).toMatch(/--cluster must be letters/);
    const up = ['local', 'up', '--dist', dist, '--work-dir', work, '--riak', 'local'];
    const a = await cli([...up, '--riak-alias', 'b', '--riak-alias', 'no/slash']);
    expect({ code: a.code, err: a.err }).toEqual({
      code: 2,
      err: expect.stringMatching(/--riak-alias 'no\/slash' is not a version name/),
    });
    const twice = await cli([...up, '--riak-alias', 'riak-kv-3.2']);
    expect(twice.code).toBe(2);
    expect(twice.err).toMatch(/--riak-alias 'riak-kv-3.2' names a version the catalogue already/);
    const m = await cli(['local', 'up', '--dist', join(root, 'nothing'), '--work-dir', work]);
    expect(m.code).toBe(1);
    expect(m.err).toMatch(/not built: missing/);
  });

  it('needs a real Riak package for --riak real (the default), and says how to get one', async () => {
    const root = mkdtempSync(join(dir, 'repo-'));
    const dist = fakeDist(root);
    const saved = process.env.RIAK_PACKAGE;
    process.env.RIAK_PACKAGE = join(root, 'no-such-package.tar.gz');
    try {
      const r = await cli(['local', 'up', '--dist', dist, '--work-dir', join(root, 'w')]);
      expect(r.code).toBe(1);
      expect(r.err).toMatch(/no real Riak package: run 'npm run setup'.*--riak local/);
    } finally {
      if (saved === undefined) delete process.env.RIAK_PACKAGE;
      else process.env.RIAK_PACKAGE = saved;
    }
    const bad = await cli([
      'local',
      'up',
      '--dist',
      dist,
      '--work-dir',
      join(root, 'w'),
      '--riak',
      'kv2',
    ]);
    expect(bad.code).not.toBe(0);
    expect(bad.err).toMatch(/--riak.*kv2.*real, local/s);
  });

  it('refuses ports in use, naming them', async () => {
    const root = mkdtempSync(join(dir, 'repo-'));
    const dist = fakeDist(root);
    const blocker = createServer();
    await new Promise<void>((r) => blocker.listen(0, '127.0.0.1', () => r()));
    const port = (blocker.address() as { port: number }).port;
    try {
      const r = await cli([
        'local',
        'up',
        '--dist',
        dist,
        '--work-dir',
        join(root, 'w'),
        '--zk-port',
        String(port),
        '--riak',
        'local',
      ]);
      expect(r.code).toBe(1);
      expect(r.err).toContain(`${port} (--zk-port)`);
    } finally {
      blocker.close();
    }
  });

  it('status and down say when nothing runs', async () => {
    const work = join(dir, 'idle');
    const s = await cli(['local', 'status', '--work-dir', work]);
    expect(s.code).toBe(3);
    expect(s.out).toMatch(/not running/);
    const d = await cli(['local', 'down', '--work-dir', work]);
    expect(d.code).toBe(0);
    expect(d.out).toMatch(/was not running/);
  });

  it('down stops what a killed `local up` left behind in its work directory', async () => {
    const work = join(dir, 'orphans');
    mkdirSync(join(work, 'mesos', 'sandbox'), { recursive: true });
    const orphan = new ProcessGroup('sleep', ['60'], { cwd: join(work, 'mesos', 'sandbox') });
    const component = new ProcessGroup('sleep', ['60'], { cwd: tmpdir() });
    writeFileSync(
      join(work, 'local.json'),
      JSON.stringify({
        pid: 999999999,
        startedAt: '',
        ready: true,
        components: { director: component.pid },
      }),
    );
    await new Promise((r) => setTimeout(r, 100));
    const result = await stopRunning(work, 5000);
    expect(result).toEqual({ wasRunning: true, leftovers: 1 });
    await Promise.all([orphan.exited, component.exited]);
    expect(isAlive(orphan.pid!)).toBe(false);
    expect(isAlive(component.pid!)).toBe(false);
    expect(processesUnder(work)).toEqual([]);
    expect(readState(work)).toBeUndefined();
  });
});
