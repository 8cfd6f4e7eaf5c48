import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from '@riak-mesos/testing';
import { loadCliConfig } from './config';
import { directorApp, schedulerApp } from './marathon';
import { runCli } from './test-support/cli';

const dir = mkdtempSync(join(tmpdir(), 'cli-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const cli = (args: string[], env: NodeJS.ProcessEnv = {}) => runCli(dir, args, env);

const exampleConfig = {
  resources: {
    scheduler: 'http://pkgs/scheduler.tar.gz',
    executor: 'http://pkgs/executor.tar.gz',
    director: 'http://pkgs/director.tar.gz',
    'riak-kv-2-2': 'http://pkgs/riak.tar.gz',
  },
  riak: {
    'framework-name': 'riak',
    marathon: 'http://marathon.mesos:8080',
    master: 'zk://zk1:2181/mesos',
    zk: 'zk1:2181',
    user: 'root',
    role: 'riak',
    'auth-principal': 'riak',
    scheduler: { cpus: 0.5, mem: 2048, constraints: '[["hostname","UNIQUE"]]' },
    node: { cpus: 8, mem: 16000, disk: 200000 },
    director: { 'use-public': true, cpus: 0.5, mem: 1024 },
  },
};
const configFile = join(dir, 'config.json');
writeFileSync(configFile, JSON.stringify(exampleConfig));

describe('help and usage', () => {
  it('prints help for every group and exits 0', async () => {
    for (const args of [
      ['--help'],
      ['cluster', '--help'],
      ['node', '--help'],
      ['framework', '--help'],
      ['director', '--help'],
      ['config', '--help'],
      ['riak', '--help'],
      ['package', '--help'],
      ['package', 'riak', '--help'],
    ]) {
      const r = await cli(args);
      expect(r.code).toBe(0);
      expect(r.out).toMatch(/Usage: riak-mesos/);
    }
  });

  it('exits 2 with a message on unknown commands and missing arguments', async () => {
    const unknown = await cli(['clusterr']);
    expect(unknown.code).toBe(2);
    expect(unknown.err).toMatch(/unknown command 'clusterr'/);
    const missing = await cli(['cluster', 'create']);
    expect(missing.code).toBe(2);
    expect(missing.err).toMatch(/missing required argument 'name'/);
  });
});

describe('errors', () => {
  it('says where the scheduler is missing', async () => {
    const r = await cli(['cluster', 'list'], { RIAK_MESOS_LOCAL_DIR: join(dir, 'no-local') });
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/where is the scheduler\? give --url/);
  });

  it('uses the running local system when nothing else says where the scheduler is', async () => {
    const local = join(dir, 'local');
    mkdirSync(local, { recursive: true });
    const port = await freePort();
    const state = (ready: boolean, pid: number) =>
      writeFileSync(
        join(local, 'local.json'),
        JSON.stringify({
          pid,
          startedAt: new Date().toISOString(),
          ready,
          components: {},
          endpoints: { scheduler: `http://127.0.0.1:${port}` },
        }),
      );
    state(true, process.pid);
    const r = await cli(['cluster', 'list'], { RIAK_MESOS_LOCAL_DIR: local });
    expect(r.code).toBe(1);
    expect(r.err).toContain(`cannot reach the scheduler at http://127.0.0.1:${port}`);
    // Not yet up, or its owner gone: not used.
    state(false, process.pid);
    expect((await cli(['cluster', 'list'], { RIAK_MESOS_LOCAL_DIR: local })).err).toMatch(
      /where is the scheduler/,
    );
    state(true, 2 ** 22 + 12345);
    expect((await cli(['cluster', 'list'], { RIAK_MESOS_LOCAL_DIR: local })).err).toMatch(
      /where is the scheduler/,
    );
  });

  it('refuses bucket type properties that are not JSON before asking anyone', async () => {
    const r = await cli([
      '--url',
      'http://127.0.0.1:9',
      'node',
      'bucket-type',
      'create',
      'default',
      'riak-default-1',
      'maps',
      '{n_val: 3}',
    ]);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/<props> is not valid JSON/);
  });

  it('says when the scheduler cannot be reached', async () => {
    const port = await freePort();
    const r = await cli(['--url', `http://127.0.0.1:${port}`, 'cluster', 'list']);
    expect(r.code).toBe(1);
    expect(r.err).toContain(`cannot reach the scheduler at http://127.0.0.1:${port}: ECONNREFUSED`);
  });

  it('rejects bad config files and flags', async () => {
    const bad = join(dir, 'bad.json');
    writeFileSync(bad, '{ nope');
    expect((await cli(['--config', bad, 'config', 'show'])).err).toMatch(/is not valid JSON/);
    writeFileSync(bad, JSON.stringify({ riak: { instances: -1 } }));
    expect((await cli(['--config', bad, 'config', 'show'])).err).toMatch(/riak.instances/);
    expect((await cli(['--url', 'ftp://x', 'cluster', 'list'])).err).toMatch(
      /must start with http/,
    );
    expect((await cli(['--timeout', '0', 'config', 'show'])).err).toMatch(
      /--timeout must be a positive number/,
    );
    expect((await cli(['--config', join(dir, 'missing.json'), 'config', 'show'])).err).toMatch(
      /cannot read config file/,
    );
    expect(
      (await cli(['--url', 'http://127.0.0.1:1', 'cluster', 'add-node', 'x', '--nodes', 'three']))
        .err,
    ).toMatch(/--nodes must be a whole number/);
    const off = ['--url', 'http://127.0.0.1:1', 'cluster'];
    for (const [args, why] of [
      [['restart', 'x', '--step-timeout', '5'], /^riak-mesos: --step-timeout: .*from 10 to/],
      [['upgrade', 'x', 'riak-kv-3.2', '--step-timeout', 'soon'], /^riak-mesos: --step-timeout: /],
      [['scale', 'x', '--count', '0'], /^riak-mesos: --count: count must be a whole number from 1/],
      [['scale', 'x', '--count', 'three'], /--count must be a whole number/],
    ] as const) {
      const r = await cli([...off, ...args]);
      expect({ args, code: r.code, err: r.err }).toEqual({
        args,
        code: 2,
        err: expect.stringMatching(why),
      });
    }
  });
});

describe('configuration', () => {
  it('layers flags over environment over the file', () => {
    const c = loadCliConfig(
      { config: configFile, framework: 'flagfw' },
      { RIAK_MESOS_URL: 'http://env:9090/', RIAK_MESOS_FRAMEWORK: 'envfw' },
    );
    expect(c.frameworkName).toBe('flagfw');
    expect(c.schedulerUrl).toBe('http://env:9090');
    expect(c.marathonUrl).toBe('http://marathon.mesos:8080');
    expect(loadCliConfig({ config: configFile }, {}).frameworkName).toBe('riak');
  });

  it('shows the configuration in effect', async () => {
    const r = await cli(['--config', configFile, 'config', 'show']);
    expect(r.code).toBe(0);
    expect(JSON.parse(r.out)).toMatchObject({
      frameworkName: 'riak',
      marathonUrl: 'http://marathon.mesos:8080',
    });
  });
});

describe('Marathon app definitions', () => {
  const config = loadCliConfig({ config: configFile }, {});

  it('builds the scheduler app with the original health check and constraints', () => {
    const app = schedulerApp(config);
    expect(app).toMatchObject({
      id: '/riak',
      cpus: 0.5,
      mem: 2048,
      ports: [0],
      uris: ['http://pkgs/scheduler.tar.gz'],
      constraints: [['hostname', 'UNIQUE']],
    });
    expect(app.healthChecks[0]).toEqual({
      protocol: 'HTTP',
      path: '/healthcheck',
      portIndex: 0,
      gracePeriodSeconds: 300,
      intervalSeconds: 60,
      timeoutSeconds: 20,
      maxConsecutiveFailures: 5,
    });
    expect(JSON.parse(app.env.RIAK_MESOS_RESOURCE_URLS)).toEqual({
      executor: 'http://pkgs/executor.tar.gz',
      'riak-kv-2-2': 'http://pkgs/riak.tar.gz',
    });
    expect(app.env).toMatchObject({
      RIAK_MESOS_ZK: 'zk1:2181',
      RIAK_MESOS_MASTER: 'zk://zk1:2181/mesos',
      RIAK_MESOS_CPUS: '8',
    });
  });

  it('builds the director app: three ports, health on port index 2, public role when asked', () => {
    const app = directorApp(config, 'default');
    expect(app).toMatchObject({
      id: '/riak-default-director',
      ports: [0, 0, 0],
      acceptedResourceRoles: ['public'],
    });
    expect(app.env).toEqual({
      DIRECTOR_ZK: 'zk1:2181',
      DIRECTOR_FRAMEWORK: 'riak',
      DIRECTOR_CLUSTER: 'default',
    });
    expect(app.healthChecks[0]).toMatchObject({
      path: '/health',
      portIndex: 2,
      gracePeriodSeconds: 3,
      intervalSeconds: 10,
      timeoutSeconds: 10,
      maxConsecutiveFailures: 3,
    });
  });

  it('prints the app with --dry-run', async () => {
    const r = await cli(['--config', configFile, 'framework', 'install', '--dry-run']);
    expect(r.code).toBe(0);
    expect(JSON.parse(r.out).id).toBe('/riak');
  });
});
