// Over 400 lines: the cases of the one settings table (every setting, layer and error form).
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { REPO_ROOT } from '@riak-mesos/testing';
import {
  ConfigError,
  buildCommand,
  defaultTaskUser,
  guessFlavour,
  loadConfig,
  localPackagePath,
  resolveConfig,
  verifyRiakPackages,
} from './config';
import { printConfig } from '@riak-mesos/config';
import type { LaunchSpec } from './framework/task-info';
import { riakPackage, taskData } from './framework/task-info';

const dir = mkdtempSync(join(tmpdir(), 'sched-config-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function parse(argv: string[]) {
  return buildCommand().exitOverride().parse(argv, { from: 'user' }).opts();
}

describe('loadConfig', () => {
  it('uses defaults like the original', () => {
    const c = loadConfig({}, {}, 'sched.example');
    expect(c).toMatchObject({
      name: 'riak',
      port: 9090,
      user: defaultTaskUser(),
      persistentPath: 'data',
      hostname: 'sched.example',
      master: 'http://master.mesos:5050',
      checkpoint: true,
    });
    expect(c.executor).toEqual({ cpus: 0.1, mem: 32 });
    expect(c.permanentFailureTimeoutSeconds).toBe(1200);
    expect(c.replaceAfterAgentLostSeconds).toBeUndefined();
  });

  it('takes the deprecated --replace-after-agent-lost as the permanent-failure timeout, unless that is given too', () => {
    expect(loadConfig({ replaceAfterAgentLost: '30' }, {}).permanentFailureTimeoutSeconds).toBe(30);
    expect(
      loadConfig({ permanentFailureTimeout: '90' }, { RIAK_MESOS_REPLACE_AFTER_AGENT_LOST: '30' })
        .permanentFailureTimeoutSeconds,
    ).toBe(90);
    expect(
      loadConfig({}, { RIAK_MESOS_PERMANENT_FAILURE_TIMEOUT: '0' }).permanentFailureTimeoutSeconds,
    ).toBe(0);
  });

  it('layers file, then RIAK_MESOS_* environment, then flags', () => {
    const file = join(dir, 'c.json');
    writeFileSync(
      file,
      JSON.stringify({ name: 'fromfile', port: 1000, node: { cpus: 2 }, role: 'filerole' }),
    );
    const c = loadConfig(parse(['--config', file, '--port', '3000']), {
      RIAK_MESOS_PORT: '2000',
      RIAK_MESOS_NAME: 'fromenv',
      RIAK_MESOS_CONSTRAINTS: '[["hostname","UNIQUE"]]',
    });
    expect(c.name).toBe('fromenv');
    expect(c.port).toBe(3000);
    expect(c.role).toBe('filerole');
    expect(c.node).toEqual({ cpus: 2, mem: 2048, disk: 4096 });
    expect(c.constraints).toEqual([{ field: 'hostname', operator: 'UNIQUE' }]);
  });

  it('accepts the DC/OS quoted constraint form and host:port masters', () => {
    const c = loadConfig(
      parse(['--constraints', '"[[\\"rack_id\\",\\"GROUP_BY\\",\\"2\\"]]"', '--master', 'm1:5050']),
    );
    expect(c.constraints).toEqual([{ field: 'rack_id', operator: 'GROUP_BY', value: '2' }]);
    expect(c.master).toBe('http://m1:5050');
    expect(loadConfig(parse(['--master', 'zk://z1:2181,z2:2181/mesos'])).master).toBe(
      'zk://z1:2181,z2:2181/mesos',
    );
  });

  it('reads secrets from files', () => {
    const secret = join(dir, 'secret');
    writeFileSync(secret, 'hunter2\n');
    const c = loadConfig(
      parse(['--principal', 'riak', '--secret-file', secret, '--master', 'https://m:5050']),
    );
    expect(c.secret).toBe('hunter2');
  });

  it('reads the ZooKeeper credentials from a file only its owner reads, or the environment', () => {
    const creds = { scheduler: 's:password-s', node: 'n:password-n', director: 'd:password-d' };
    const file = join(dir, 'zk-auth.json');
    writeFileSync(file, JSON.stringify(creds), { mode: 0o600 });
    expect(loadConfig(parse(['--zk-auth-file', file])).zkAuth).toEqual(creds);
    expect(loadConfig({}, { RIAK_MESOS_ZK_AUTH_FILE: file }).zkAuth).toEqual(creds);
    expect(loadConfig({}, { RIAK_MESOS_ZK_AUTH: JSON.stringify(creds) }).zkAuth).toEqual(creds);
    expect(loadConfig({}, {}).zkAuth).toBeUndefined();
    chmodSync(file, 0o640);
    expect(() => loadConfig(parse(['--zk-auth-file', file]))).toThrow(
      /is open to other users \(mode 0640\): make it readable by its owner only/,
    );
    const same = join(dir, 'zk-auth-same.json');
    writeFileSync(same, JSON.stringify({ ...creds, node: 's:password-x' }), { mode: 0o600 });
    expect(() => loadConfig(parse(['--zk-auth-file', same]))).toThrow(
      /zkAuth: scheduler, node and director must be three different users/,
    );
    const short = join(dir, 'zk-auth-short.json');
    writeFileSync(short, JSON.stringify({ ...creds, director: 'd:short' }), { mode: 0o600 });
    expect(() => loadConfig(parse(['--zk-auth-file', short]))).toThrow(
      /zkAuth.director: must be user:password, the password 8 to 256 characters/,
    );
  });

  it.each([
    [['--name', '../etc'], /name: must be letters/],
    [['--port', '70000'], /port/],
    [['--node-cpus', '-1'], /node.cpus/],
    [
      ['--constraints', '[["hostname","NEVER"]]'],
      /constraints: constraint 1: unknown operator 'NEVER'/,
    ],
    [['--master', 'ftp://x'], /master: must be/],
    [['--role', '*'], /role: must not be/],
    [['--resource-urls', '{bad'], /--resource-urls is not valid JSON/],
    [['--zk', 'a:b:c'], /zk:/],
    [['--persistent-path', '../x'], /persistentPath/],
    [['--secret-file', '/nonexistent/secret'], /cannot read the secret file/],
  ])('rejects %j with a clear error', (argv, message) => {
    expect(() => loadConfig(parse(argv))).toThrow(ConfigError);
    expect(() => loadConfig(parse(argv))).toThrow(message);
  });

  it('rejects unknown keys and non-objects in the file', () => {
    const file = join(dir, 'bad.json');
    writeFileSync(file, JSON.stringify({ prot: 1 }));
    expect(() => loadConfig({ config: file })).toThrow(/unknown key 'prot'/);
    writeFileSync(file, '[1]');
    expect(() => loadConfig({ config: file })).toThrow(/must hold a JSON object/);
    expect(() => loadConfig({ config: join(dir, 'missing.json') })).toThrow(
      /cannot read config file/,
    );
  });
});

describe('origins and --print-config', () => {
  it('keeps where every value came from: PORT0 below RIAK_MESOS_PORT below --port', () => {
    const file = join(dir, 'origins.json');
    writeFileSync(
      file,
      JSON.stringify({ node: { mem: 4096 }, relaunchBackoff: { maxSeconds: 60 } }),
    );
    const origin = (r: ReturnType<typeof resolveConfig>, key: string) =>
      r.values.find((v) => v.key === key)?.origin;
    const env = { PORT0: '31000', RIAK_MESOS_CPUS: '3' };
    const r = resolveConfig(parse(['--config', file, '--role', 'r1']), env, 'h1');
    expect(r.config.port).toBe(31000);
    expect(origin(r, 'port')).toEqual({ kind: 'env', name: 'PORT0' });
    expect(r.config.node).toEqual({ cpus: 3, mem: 4096, disk: 4096 });
    expect(origin(r, 'node.cpus')).toEqual({ kind: 'env', name: 'RIAK_MESOS_CPUS' });
    expect(origin(r, 'node.mem')).toEqual({ kind: 'file', path: file });
    expect(r.config.relaunchBackoff).toEqual({ initialSeconds: 2, factor: 2, maxSeconds: 60 });
    expect(origin(r, 'role')).toEqual({ kind: 'flag', flag: '--role' });
    expect(origin(r, 'hostname')).toEqual({ kind: 'default' });
    expect(r.config.hostname).toBe('h1');
    const both = resolveConfig(parse(['--port', '33000']), { ...env, RIAK_MESOS_PORT: '32000' });
    expect(both.config.port).toBe(33000);
    expect(resolveConfig({}, { ...env, RIAK_MESOS_PORT: '32000' }).config.port).toBe(32000);
  });

  it('prints secrets masked, with the origin of each', () => {
    const secret = join(dir, 'print-secret');
    writeFileSync(secret, 'sekrit-password\n');
    const argv = ['--principal', 'p', '--secret-file', secret, '--allow-insecure-mesos-auth'];
    const r = resolveConfig(parse(argv), {
      RIAK_MESOS_API_BASIC: 'ops:sekrit-password',
    });
    expect(r.config.secret).toBe('sekrit-password');
    const text = printConfig(r);
    expect(text).not.toContain('sekrit');
    expect(text).toMatch(/^secret\s+"\*{8}"\s+flag:--secret-file$/m);
    expect(text).toMatch(/^apiBasic\s+"\*{8}"\s+env:RIAK_MESOS_API_BASIC$/m);
    expect(text).toMatch(/^apiToken\s+\(not set\)\s+default$/m);
    expect(text).toMatch(/^principal\s+"p"\s+flag:--principal$/m);
    expect(JSON.parse(printConfig(r, 'json')).master).toEqual({
      value: 'http://master.mesos:5050',
      origin: 'default',
    });
  });

  it('names the origin of a bad value, and refuses unknown nested keys in the file', () => {
    const file = join(dir, 'nested.json');
    writeFileSync(file, JSON.stringify({ node: { cpu: 2 }, executor: 1 }));
    expect(() => loadConfig({ config: file }, {})).toThrow(
      `node: unknown key 'cpu' (from config file ${file})`,
    );
    expect(() => loadConfig({ config: file }, {})).toThrow(
      `executor: must be an object (from config file ${file})`,
    );
    expect(() => loadConfig({}, { RIAK_MESOS_ROLE: '*' })).toThrow(
      "role: must not be '*': reservations need a role (from environment RIAK_MESOS_ROLE)",
    );
    expect(() => loadConfig(parse(['--secret-file', join(dir, 'print-secret')]), {})).toThrow(
      'secret: a secret needs a principal',
    );
  });

  it('prints the configuration as a process and exits 0', async () => {
    const child = spawn(
      join(REPO_ROOT, 'node_modules', '.bin', 'tsx'),
      [
        join(REPO_ROOT, 'apps', 'scheduler', 'src', 'main.ts'),
        '--print-config',
        'json',
        '--zk',
        'z:2181',
      ],
      { env: { ...process.env, RIAK_MESOS_NAME: 'printed' }, stdio: ['ignore', 'pipe', 'inherit'] },
    );
    let stdout = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
    expect(code).toBe(0);
    const printed = JSON.parse(stdout);
    expect(printed.name).toEqual({ value: 'printed', origin: 'env:RIAK_MESOS_NAME' });
    expect(printed.zk).toEqual({ value: 'z:2181', origin: 'flag:--zk' });
  }, 30000);
});

describe('the Riak package catalogue', () => {
  const pkg = join(dir, 'riak-kv-3.2.tar.gz');
  writeFileSync(pkg, 'not really a tarball, but bytes with a checksum\n');
  const sha = createHash('sha256').update('not really a tarball, but bytes with a checksum\n');
  const sha256 = sha.digest('hex');
  const kv3 = { name: 'riak-kv-3.2', url: pkg, sha256, flavour: 'kv3' };
  const local = {
    name: 'riak-local',
    url: pathToFileURL(pkg).href,
    sha256: sha256.toUpperCase(),
    rootPath: 'root',
    flavour: 'riak-local',
  };

  it('takes --riak-versions, defaulting rootPath, then old-style resourceUrls entries', () => {
    const c = loadConfig(
      parse([
        '--riak-versions',
        JSON.stringify([kv3, local]),
        '--resource-urls',
        JSON.stringify({
          executor: 'http://pkgs/executor.tar.gz',
          'riak-kv-2-2': 'http://pkgs/riak-2.2.tar.gz',
          'riak-ts-1-5': 'http://pkgs/riak-ts.tar.gz',
        }),
      ]),
      {},
    );
    expect(c.riakVersions).toEqual([
      { ...kv3, rootPath: 'root' },
      { ...local, sha256 },
      { name: 'riak-kv-2-2', url: 'http://pkgs/riak-2.2.tar.gz', rootPath: 'root', flavour: 'kv2' },
      { name: 'riak-ts-1-5', url: 'http://pkgs/riak-ts.tar.gz', rootPath: 'root', flavour: 'ts1' },
    ]);
    expect(c.resourceUrls.executor).toBe('http://pkgs/executor.tar.gz');
  });

  it('reads RIAK_MESOS_RIAK_VERSIONS and the config file key riakVersions, flags winning', () => {
    const remote = { name: 'riak-kv-3.0', url: 'https://pkgs/riak-3.0.tar.gz', flavour: 'kv3' };
    const file = join(dir, 'versions.json');
    writeFileSync(file, JSON.stringify({ riakVersions: [remote] }));
    expect(loadConfig({ config: file }, {}).riakVersions).toEqual([
      { ...remote, rootPath: 'root' },
    ]);
    const env = { RIAK_MESOS_RIAK_VERSIONS: JSON.stringify([{ ...remote, rootPath: 'pkg' }]) };
    expect(loadConfig({ config: file }, env).riakVersions[0]?.rootPath).toBe('pkg');
    expect(
      loadConfig(parse(['--config', file, '--riak-versions', JSON.stringify([kv3])]), env)
        .riakVersions,
    ).toEqual([{ ...kv3, rootPath: 'root' }]);
  });

  it.each([
    [
      'an unknown flavour',
      [{ ...kv3, flavour: 'kv4' }],
      /riakVersions\[0\] \(riak-kv-3.2\)\.flavour: must be one of kv2, kv3, ts1, riak-local/,
    ],
    [
      'no flavour',
      [{ name: 'x', url: 'https://p/x.tar.gz' }],
      /riakVersions\[0\] \(x\)\.flavour: must be one of/,
    ],
    [
      'a name twice',
      [kv3, { ...kv3, url: 'https://p/other.tar.gz' }],
      /riakVersions\[1\] \(riak-kv-3.2\)\.name: 'riak-kv-3.2' is named twice/,
    ],
    [
      'a local file without sha256',
      [{ ...kv3, sha256: undefined }],
      /riakVersions\[0\] \(riak-kv-3.2\)\.sha256: required for a local file/,
    ],
    ['a short sha256', [{ ...kv3, sha256: 'abc' }], /\.sha256: must be 64 hexadecimal digits/],
    [
      'a relative url',
      [{ ...kv3, url: 'pkgs/riak.tar.gz' }],
      /\.url: must be a package URL .* or an absolute path/,
    ],
    [
      'a rootPath outside',
      [{ ...kv3, rootPath: '../etc' }],
      /\.rootPath: must be a relative path inside the package/,
    ],
    [
      'the name executor',
      [{ ...kv3, name: 'executor' }],
      /\.name: 'executor' names the executor package/,
    ],
    ['a bad name', [{ ...kv3, name: '../x' }], /\.name: must be letters/],
    [
      'an unknown key',
      [{ ...kv3, sha: sha256 }],
      /riakVersions\[0\] \(riak-kv-3.2\): Unrecognized key: "sha"/,
    ],
    ['an object', { name: 'riak-kv-3.2' }, /riakVersions: .*expected array/],
  ])('rejects %s, naming the field', (_what, versions, message) => {
    const flags = parse(['--riak-versions', JSON.stringify(versions)]);
    expect(() => loadConfig(flags, {})).toThrow(ConfigError);
    expect(() => loadConfig(flags, {})).toThrow(message);
  });

  it('refuses a version named both in riakVersions and resourceUrls, and JSON that is not', () => {
    expect(() =>
      loadConfig(
        parse([
          '--riak-versions',
          JSON.stringify([kv3]),
          '--resource-urls',
          JSON.stringify({ 'riak-kv-3.2': 'http://pkgs/x.tar.gz' }),
        ]),
        {},
      ),
    ).toThrow(/resourceUrls.riak-kv-3.2: 'riak-kv-3.2' is also in riakVersions/);
    expect(() => loadConfig(parse(['--riak-versions', '[{']), {})).toThrow(
      /--riak-versions is not valid JSON/,
    );
    expect(() => loadConfig({}, { RIAK_MESOS_RIAK_VERSIONS: 'nope' })).toThrow(
      /RIAK_MESOS_RIAK_VERSIONS is not valid JSON/,
    );
  });

  it("gives task data the RiakRootPath of the version's entry", () => {
    const c = loadConfig(
      parse([
        '--riak-versions',
        JSON.stringify([{ ...kv3, rootPath: 'pkg/riak-3.2' }]),
        '--resource-urls',
        JSON.stringify({ 'riak-kv-2-2': 'http://pkgs/riak-2.2.tar.gz' }),
      ]),
      {},
    );
    const spec = (riakVersion: string) =>
      ({
        node: { key: 'riak-default-1', cluster: 'default', reservedPorts: [31000, 31001] },
        offer: { hostname: 'agent1' },
        frameworkName: 'riak',
        riakVersion,
        cookie: 'riak',
        schedulerUrl: 'http://sched:9090',
        zookeepers: ['zk:2181'],
        zookeeperChroot: '',
        executorId: 'e1',
      }) as unknown as LaunchSpec;
    expect(taskData(c, spec('riak-kv-3.2')).RiakRootPath).toBe('pkg/riak-3.2');
    expect(taskData(c, spec('riak-kv-2-2')).RiakRootPath).toBe('root');
    expect(riakPackage(c, 'riak-kv-2-2')?.url).toBe('http://pkgs/riak-2.2.tar.gz');
    expect(riakPackage(c, 'riak-kv-9')).toBeUndefined();
  });

  it('guesses old-style flavours from the name', () => {
    expect(
      ['riak-kv-2-2', 'riak-ts-1-5', 'riak_ts', 'riak-kv-3', 'riak-3.2', 'riak-local', 'riak'].map(
        guessFlavour,
      ),
    ).toEqual(['kv2', 'ts1', 'ts1', 'kv3', 'kv3', 'riak-local', 'kv2']);
  });

  it('tells local files from remote URLs', () => {
    expect(localPackagePath('/srv/riak.tar.gz')).toBe('/srv/riak.tar.gz');
    expect(localPackagePath('file:///srv/riak%20kv.tar.gz')).toBe('/srv/riak kv.tar.gz');
    expect(localPackagePath('https://pkgs/riak.tar.gz')).toBeUndefined();
    expect(localPackagePath('hdfs://nn/riak.tar.gz')).toBeUndefined();
  });

  it('checks the sha256 of local packages and skips remote ones', async () => {
    const remote = {
      name: 'remote',
      url: 'https://pkgs/riak.tar.gz',
      sha256: '0'.repeat(64),
      rootPath: 'root',
      flavour: 'kv3' as const,
    };
    const versions = loadConfig(
      parse(['--riak-versions', JSON.stringify([kv3, local])]),
      {},
    ).riakVersions;
    expect((await verifyRiakPackages([...versions, remote])).map((v) => v.name)).toEqual([
      'riak-kv-3.2',
      'riak-local',
    ]);
    const wrong = { ...versions[0], sha256: '1'.repeat(64) };
    await expect(verifyRiakPackages([wrong])).rejects.toThrow(ConfigError);
    await expect(verifyRiakPackages([wrong])).rejects.toThrow(
      `Riak version 'riak-kv-3.2': ${pkg} has sha256 ${sha256}, the catalogue says ${'1'.repeat(64)}; refusing to start`,
    );
    const gone = { ...versions[0], url: join(dir, 'missing.tar.gz') };
    await expect(verifyRiakPackages([gone])).rejects.toThrow(
      /Riak version 'riak-kv-3.2': cannot read its package .*missing.tar.gz: ENOENT/,
    );
  });

  it('the scheduler refuses to start when a local package does not match its sha256', async () => {
    const versions = JSON.stringify([{ ...kv3, sha256: '2'.repeat(64) }]);
    const child = spawn(
      join(REPO_ROOT, 'node_modules', '.bin', 'tsx'),
      [join(REPO_ROOT, 'apps', 'scheduler', 'src', 'main.ts'), '--riak-versions', versions],
      // ZooKeeper is never reached: the check comes first.
      {
        env: { ...process.env, RIAK_MESOS_ZK: '127.0.0.1:1' },
        stdio: ['ignore', 'ignore', 'pipe'],
      },
    );
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
    expect(code).toBe(2);
    expect(stderr).toContain(
      `riak-mesos-scheduler: Riak version 'riak-kv-3.2': ${pkg} has sha256 ${sha256}, the catalogue says ${'2'.repeat(64)}`,
    );
  }, 30000);
});
