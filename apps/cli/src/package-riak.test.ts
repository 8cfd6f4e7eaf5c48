import { chmodSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { isAlive, runCommand } from '@riak-mesos/process';
import { freePort, requireRiakPackage, tempDir, waitFor } from '@riak-mesos/testing';
import { inspectRelease } from './commands/package';
import { runCli } from './test-support/cli';

let dir: string;
beforeAll(async () => {
  dir = await tempDir('cli-package-riak');
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const cli = (args: string[]) => runCli(dir, args);

/** Processes whose program lies under `root` (Riak's scripts leave an `epmd -daemon` behind). */
function programsUnder(root: string): number[] {
  const pids: number[] = [];
  for (const e of readdirSync('/proc')) {
    if (!/^\d+$/.test(e)) continue;
    try {
      const argv0 = readFileSync(`/proc/${e}/cmdline`, 'utf8').split('\0')[0] ?? '';
      if (argv0.startsWith(`${root}/`) && isAlive(Number(e))) pids.push(Number(e));
    } catch {
      // Gone while we looked.
    }
  }
  return pids;
}

async function stopProgramsUnder(root: string): Promise<void> {
  for (const pid of programsUnder(root)) process.kill(pid, 'SIGKILL');
  await waitFor(() => programsUnder(root).length === 0, { what: `processes under ${root} gone` });
}

async function sh(cmd: string, args: string[], o: { cwd?: string; env?: NodeJS.ProcessEnv } = {}) {
  const r = await runCommand(cmd, args, { ...o, timeoutMs: 120000 });
  if (r.code !== 0) throw new Error(`${cmd} ${args.join(' ')} exited ${r.code}: ${r.out}`);
  return r.out;
}

/** A small directory shaped like a release, for the cases that do not need a real one. */
function fakeRelease(name: string, files: Record<string, string>): string {
  const root = join(dir, name);
  for (const [path, text] of Object.entries(files)) {
    mkdirSync(join(root, path, '..'), { recursive: true });
    writeFileSync(join(root, path), text);
  }
  return root;
}

describe('riak-mesos package riak', () => {
  it('packages the real Riak release as root/riak/…, which then passes chkconfig', async () => {
    const source = join(dir, 'source');
    mkdirSync(source);
    await sh('tar', ['-xzf', requireRiakPackage(), '-C', source]);
    const release = join(source, 'root', 'riak');
    // A release that has run: node state that must stay out of the package.
    for (const [path, text] of [
      ['data/ring/riak_core_ring.default.20260101', 'ring'],
      ['log/console.log', 'log line'],
      ['generated.conf/app.2026.01.01.config', '[].'],
    ] as const) {
      mkdirSync(join(release, path, '..'), { recursive: true });
      writeFileSync(join(release, path), text);
    }
    const out = join(dir, 'out', 'riak-kv-3.2.tar.gz');
    mkdirSync(join(dir, 'out'));

    const r = await cli(['package', 'riak', '--from', release, '--out', out]);
    expect(r.err).not.toMatch(/riak-mesos:/);
    expect(r.code).toBe(0);
    expect(r.out).toContain(`${out}: kv3 3.2.2p1-nhse (release 3.2.2p1-nhse)`);
    const printed = /^sha256 ([0-9a-f]{64})$/m.exec(r.out)?.[1];
    expect((await sh('sha256sum', [out])).split(' ')[0]).toBe(printed);
    const entry = /^--riak-versions '(.*)'$/m.exec(r.out)?.[1];
    expect(JSON.parse(entry ?? 'null')).toEqual([
      { name: 'riak-kv-3.2', url: out, sha256: printed, rootPath: 'root', flavour: 'kv3' },
    ]);

    const members = (await sh('tar', ['-tzf', out])).split('\n');
    expect(members).toEqual(
      expect.arrayContaining([
        'root/riak/bin/riak',
        'root/riak/bin/riak-admin',
        'root/riak/etc/riak.conf',
        'root/riak/etc/advanced.config',
        'root/riak/releases/start_erl.data',
      ]),
    );
    expect(members.filter((m) => !m.startsWith('root/riak/'))).toEqual([]);
    expect(members.filter((m) => /^root\/riak\/(data|log)(\/|$)|generated\.conf/.test(m))).toEqual(
      [],
    );

    const unpacked = join(dir, 'unpacked');
    mkdirSync(unpacked);
    await sh('tar', ['-xzf', out, '-C', unpacked]);
    const riak = join(unpacked, 'root', 'riak');
    try {
      // A private EPMD port: the script starts an epmd there, never on the machine's 4369.
      const epmdPort = await freePort();
      const check = await runCommand(join(riak, 'bin', 'riak'), ['chkconfig'], {
        cwd: riak,
        env: { ...process.env, ERL_EPMD_PORT: String(epmdPort) },
        timeoutMs: 60000,
      });
      expect(check.out).toContain('config is OK');
      expect(check.code).toBe(0);
    } finally {
      await stopProgramsUnder(unpacked);
    }
  }, 180000);

  it('prints JSON with --json, and takes etc/ from --etc for an installed Riak', async () => {
    const release = fakeRelease('installed', {
      'bin/riak': '#!/bin/sh\nRUNNER_ETC_DIR=/etc/riak\nRUNNER_BASE_DIR=/usr/lib/riak\n',
      'bin/riak-admin': '#!/bin/sh\n',
      'releases/start_erl.data': '5.10.3 2.2.3\n',
      'lib/riak_kv-2.1.7/ebin/riak_kv.app': '{application, riak_kv, []}.',
      'data/ring/x': 'ring',
    });
    chmodSync(join(release, 'bin', 'riak'), 0o755);
    const etc = fakeRelease('system-etc', { 'riak.conf': 'nodename = riak@127.0.0.1\n' });
    const out = join(dir, 'installed.tgz');
    const r = await cli([
      '--json',
      'package',
      'riak',
      '--from',
      release,
      '--etc',
      etc,
      '--out',
      out,
      '--name',
      'riak-kv-2.2-deb',
    ]);
    expect(r.code).toBe(0);
    const answer = JSON.parse(r.out) as Record<string, unknown>;
    expect(answer).toMatchObject({
      file: out,
      etc,
      release: { flavour: 'kv2', version: '2.2.3' },
      entry: { name: 'riak-kv-2.2-deb', url: out, rootPath: 'root', flavour: 'kv2' },
    });
    expect(answer.notes).toEqual([
      expect.stringMatching(/its scripts name \/usr\/lib\/riak, \/etc\/riak/),
    ]);
    expect((await sh('sha256sum', [out])).split(' ')[0]).toBe(answer.sha256);
    expect((await sh('tar', ['-tzf', out])).split('\n').sort()).toEqual([
      'root/riak/bin/',
      'root/riak/bin/riak',
      'root/riak/bin/riak-admin',
      'root/riak/etc/',
      'root/riak/etc/riak.conf',
      'root/riak/lib/',
      'root/riak/lib/riak_kv-2.1.7/',
      'root/riak/lib/riak_kv-2.1.7/ebin/',
      'root/riak/lib/riak_kv-2.1.7/ebin/riak_kv.app',
      'root/riak/releases/',
      'root/riak/releases/start_erl.data',
    ]);
  });

  it.each([
    [
      'a missing directory',
      ['--from', '/nonexistent/riak'],
      1,
      /--from \/nonexistent\/riak: no such directory/,
    ],
    [
      'a directory without bin/riak',
      ['--from', '<tmp>'],
      1,
      /is not a Riak release: it has no bin\/riak/,
    ],
    ['no --from', [], 2, /required option '--from <dir>' not specified/],
  ])('refuses %s with a message', async (_what, args, code, message) => {
    const r = await cli(['package', 'riak', ...args.map((a) => (a === '<tmp>' ? dir : a))]);
    expect(r.code).toBe(code);
    expect(r.err).toMatch(message);
  });

  it('refuses an output it cannot write, or one without a tarball name', async () => {
    const release = fakeRelease('kv3', {
      'bin/riak': '#!/bin/sh\n',
      'bin/riak-admin': '#!/bin/sh\n',
      'releases/RELEASES': '[{release,"riak","3.0.16","12.3",[]}].',
      'etc/riak.conf': '',
    });
    const attempt = (out: string) => cli(['package', 'riak', '--from', release, '--out', out]);
    const missingDir = await attempt(join(dir, 'no-such-dir', 'riak.tar.gz'));
    expect(missingDir.code).toBe(1);
    expect(missingDir.err).toMatch(
      /cannot write .*no-such-dir\/riak.tar.gz: .*no-such-dir does not exist/,
    );
    const underFile = await attempt(join(release, 'bin', 'riak', 'x.tar.gz'));
    expect(underFile.err).toMatch(/inside the release being packaged/);
    writeFileSync(join(dir, 'a-file'), '');
    const overFile = await attempt(join(dir, 'a-file', 'x.tar.gz'));
    expect(overFile.code).toBe(1);
    expect(overFile.err).toMatch(/cannot write .*a-file\/x.tar.gz: .*a-file is not a directory/);
    const zip = await attempt(join(dir, 'riak.zip'));
    expect(zip.code).toBe(2);
    expect(zip.err).toMatch(/must end in .tar.gz or .tgz/);
    const badName = await cli(['package', 'riak', '--from', release, '--name', '../x']);
    expect(badName.code).toBe(2);
    expect(badName.err).toMatch(/--name '..\/x' is not a version name/);
    const badFlavour = await cli(['package', 'riak', '--from', release, '--flavour', 'kv9']);
    expect(badFlavour.err).toMatch(/--flavour must be one of kv2, kv3, ts1, riak-local/);
  });
});

describe('telling what a release is', () => {
  it.each([
    [
      'Riak KV 3 by releases/RELEASES',
      {
        'bin/riak': '',
        'bin/riak-admin': '',
        'releases/RELEASES': '[{release,"riak","3.0.16","12.3",[]}].',
      },
      { flavour: 'kv3', version: '3.0.16' },
    ],
    [
      'Riak KV 2 by the release directory',
      { 'bin/riak': '', 'releases/2.2.3/riak.rel': '', 'lib/riak_kv-2.1.7/x': '' },
      { flavour: 'kv2', version: '2.2.3' },
    ],
    [
      'Riak TS by riak_ql',
      {
        'bin/riak': '',
        'releases/start_erl.data': '5.10.3 1.5.2',
        'lib/riak_kv-2.1.7/x': '',
        'lib/riak_ql-1.5.2/x': '',
      },
      { flavour: 'ts1', version: '1.5.2' },
    ],
    [
      'riak-local by its launcher',
      { 'bin/riak': '#!/bin/sh\n# riak of riak-local 0.1.0\n', VERSION: '0.1.0\n' },
      { flavour: 'riak-local', version: '0.1.0' },
    ],
  ])('%s', (name, files, expected) => {
    expect(inspectRelease(fakeRelease(`detect-${name.replace(/\W+/g, '-')}`, files))).toMatchObject(
      expected,
    );
  });

  it('says when it cannot tell', () => {
    expect(() => inspectRelease(fakeRelease('not-riak', { 'bin/riak': '' }))).toThrow(
      /does not look like a Riak KV or TS release .*give --flavour/,
    );
    expect(() =>
      inspectRelease(fakeRelease('old-riak', { 'bin/riak-admin': '', 'releases/1.4.12/x': '' })),
    ).toThrow(/cannot tell which Riak .* \(release 1.4.12, riak_kv none\); give --flavour/);
  });
});
