import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { tempDir } from '@riak-mesos/testing';
import type { CliOptions } from './config';
import { printConfig } from '@riak-mesos/config';
import { ConfigError, DEFAULTS, buildCommand, loadConfig, resolveConfig } from './config';

function flags(...argv: string[]): CliOptions {
  const cmd = buildCommand().exitOverride();
  cmd.parse(['node', 'director', ...argv]);
  return cmd.opts<CliOptions>();
}

function problem(fn: () => unknown): string {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError);
    return (err as Error).message;
  }
  throw new Error('expected a ConfigError');
}

describe('director configuration', () => {
  it('has the original defaults', () => {
    const c = loadConfig({}, {});
    expect(c).toEqual(DEFAULTS);
    expect(c.pbPort).toBe(8087);
    expect(c.httpPort).toBe(8098);
    expect(c.api.port).toBe(9000);
    expect(c.connectTimeoutMs).toBe(5000);
    expect(c.idleTimeoutMs).toBe(180000);
    expect(c.maxConnPerBackend).toBe(1024);
  });

  it('takes Marathon ports as the original: PORT0 HTTP, PORT1 PB, PORT2 API', () => {
    const c = loadConfig({}, { PORT0: '31000', PORT1: '31001', PORT2: '31002' });
    expect([c.httpPort, c.pbPort, c.api.port]).toEqual([31000, 31001, 31002]);
  });

  it('reads DIRECTOR_* variables, and flags win over them', () => {
    const env = {
      DIRECTOR_ZK: 'zk://z1:2181,z2:2181/riak',
      DIRECTOR_FRAMEWORK: 'fw',
      DIRECTOR_CLUSTER: 'c1',
      DIRECTOR_WEB_ENABLED: 'false',
      DIRECTOR_BALANCE: 'roundrobin',
      DIRECTOR_CONNECT_TIMEOUT: '2s',
      DIRECTOR_HEALTH_RISE: '4',
      PORT1: '31001',
      DIRECTOR_PB_PORT: '31555',
    };
    const c = loadConfig({}, env);
    expect(c.zk).toBe('zk://z1:2181,z2:2181/riak');
    expect([c.framework, c.cluster]).toEqual(['fw', 'c1']);
    expect(c.api.enabled).toBe(false);
    expect(c.balance).toBe('roundrobin');
    expect(c.connectTimeoutMs).toBe(2000);
    expect(c.health.rise).toBe(4);
    expect(c.pbPort).toBe(31555);
    const f = loadConfig(
      flags('--cluster', 'c2', '--pb-port', '1234', '--idle-timeout', '3m'),
      env,
    );
    expect(f.cluster).toBe('c2');
    expect(f.pbPort).toBe(1234);
    expect(f.idleTimeoutMs).toBe(180000);
    expect(loadConfig(flags('--no-api'), {}).api.enabled).toBe(false);
  });

  it('reads a JSON file, below the environment', async () => {
    const dir = await tempDir('director-config');
    const file = join(dir, 'director.json');
    await writeFile(
      file,
      JSON.stringify({
        zk: 'h:2181',
        cluster: 'from-file',
        health: { intervalMs: 500, timeoutMs: 250 },
        api: { port: 9100 },
      }),
    );
    const c = loadConfig({ config: file }, { DIRECTOR_CLUSTER: 'from-env' });
    expect(c.zk).toBe('h:2181');
    expect(c.cluster).toBe('from-env');
    expect(c.health).toEqual({ ...DEFAULTS.health, intervalMs: 500, timeoutMs: 250 });
    expect(c.api).toEqual({ ...DEFAULTS.api, port: 9100 });
  });

  it('rejects bad values with the key, the reason and where it came from', () => {
    const msg = problem(() =>
      loadConfig(flags('--pb-port', '70000', '--balance', 'roundrobin'), {
        DIRECTOR_CLUSTER: 'bad/name',
        DIRECTOR_CONNECT_TIMEOUT: 'soon',
        DIRECTOR_ZK: 'h:99999',
      }),
    );
    expect(msg).toMatch(/pbPort: must be at most 65535 \(from flag --pb-port\)/);
    expect(msg).toMatch(
      /cluster: cluster name 'bad\/name' is invalid.*\(from environment DIRECTOR_CLUSTER\)/,
    );
    expect(msg).toMatch(/connectTimeoutMs: must be a duration.*DIRECTOR_CONNECT_TIMEOUT/);
    expect(msg).toMatch(/zk: .*invalid port/);
  });

  it('rejects unknown keys, bad JSON and unreadable files', async () => {
    const dir = await tempDir('director-config');
    const typo = join(dir, 'typo.json');
    await writeFile(typo, JSON.stringify({ clustr: 'x', health: { raise: 2 } }));
    const msg = problem(() => loadConfig({ config: typo }, {}));
    expect(msg).toMatch(/unknown key 'clustr'/);
    expect(msg).toMatch(/health: unknown key 'raise'/);
    const bad = join(dir, 'bad.json');
    await writeFile(bad, '{"zk": ');
    expect(problem(() => loadConfig({ config: bad }, {}))).toMatch(/is not valid JSON/);
    await writeFile(bad, '[1]');
    expect(problem(() => loadConfig({ config: bad }, {}))).toMatch(/must hold a JSON object/);
    expect(problem(() => loadConfig({ config: join(dir, 'missing.json') }, {}))).toMatch(
      /cannot read config file/,
    );
  });

  it('rejects listeners sharing a port', () => {
    expect(problem(() => loadConfig({}, { PORT0: '9000' }))).toMatch(
      /httpPort and api.port are both 9000/,
    );
    expect(loadConfig({ api: false }, { PORT0: '9000' }).httpPort).toBe(9000);
  });

  it('rejects a bad boolean and a bad balance mode from the environment', () => {
    const msg = problem(() =>
      loadConfig({}, { DIRECTOR_WEB_ENABLED: 'maybe', DIRECTOR_BALANCE: 'random' }),
    );
    expect(msg).toMatch(/api.enabled: must be true or false/);
    expect(msg).toMatch(/balance: must be 'leastconn' or 'roundrobin'/);
  });

  it('keeps the origin of every value and prints them, layered', async () => {
    const dir = await tempDir('director-config');
    const file = join(dir, 'director.json');
    await writeFile(file, JSON.stringify({ cluster: 'from-file', health: { rise: 5 } }));
    const r = resolveConfig(flags('--config', file, '--pb-port', '1234', '--no-api'), {
      PORT0: '31000',
      DIRECTOR_HTTP_PORT: '31500',
      DIRECTOR_FRAMEWORK: 'fw',
    });
    const origin = (key: string) => r.values.find((v) => v.key === key)?.origin;
    expect(origin('cluster')).toEqual({ kind: 'file', path: file });
    expect(origin('health.rise')).toEqual({ kind: 'file', path: file });
    expect(origin('httpPort')).toEqual({ kind: 'env', name: 'DIRECTOR_HTTP_PORT' });
    expect(origin('framework')).toEqual({ kind: 'env', name: 'DIRECTOR_FRAMEWORK' });
    expect(origin('pbPort')).toEqual({ kind: 'flag', flag: '--pb-port' });
    expect(origin('api.enabled')).toEqual({ kind: 'flag', flag: '--no-api' });
    expect(origin('zk')).toEqual({ kind: 'default' });
    const text = printConfig(r);
    expect(text).toMatch(/^httpPort\s+31500\s+env:DIRECTOR_HTTP_PORT$/m);
    expect(text).toMatch(/^api\.enabled\s+false\s+flag:--no-api$/m);
    expect(text).toMatch(new RegExp(`^health\\.rise\\s+5\\s+file:${file}$`, 'm'));
    expect(text).toMatch(/^connectTimeoutMs\s+5000\s+default$/m);
  });

  it('shows every variable and the default of a flag in its help', () => {
    const help = buildCommand().helpInformation();
    expect(help).toMatch(
      /--pb-port <port>\s+protocol buffers proxy port \(env PORT1,\s+DIRECTOR_PB_PORT; default 8087\)/,
    );
    expect(help).toMatch(/--print-config \[format\]/);
  });

  it('takes the TLS files from flags, DIRECTOR_TLS_* or the file, both or neither', async () => {
    const file = join(await tempDir('director-tls-config'), 'c.json');
    await writeFile(file, JSON.stringify({ tlsCert: 'f.pem', tlsKey: 'f.key' }));
    expect(loadConfig({ config: file }, {})).toMatchObject({ tlsCert: 'f.pem', tlsKey: 'f.key' });
    const env = { DIRECTOR_TLS_CERT: 'e.pem', DIRECTOR_TLS_KEY: 'e.key' };
    expect(loadConfig({}, env)).toMatchObject({ tlsCert: 'e.pem', tlsKey: 'e.key' });
    expect(loadConfig({}, {}).tlsCert).toBeUndefined();
    expect(() => loadConfig({}, { DIRECTOR_TLS_CERT: 'e.pem' })).toThrow(
      /tlsKey: --tls-cert needs --tls-key \(DIRECTOR_TLS_KEY\)/,
    );
  });

  it('sizes the PB connection pool from the file, DIRECTOR_POOL_* or flags, warm-up within size', async () => {
    expect(loadConfig({}, {}).pool).toEqual({ size: 32, warmup: 4, idleTimeMs: 60000 });
    const file = join(await tempDir('director-pool-config'), 'c.json');
    await writeFile(file, JSON.stringify({ pool: { size: 8, idleTimeMs: '30s' } }));
    const env = { DIRECTOR_POOL_WARMUP: '2' };
    expect(loadConfig({ config: file }, env).pool).toEqual({
      size: 8,
      warmup: 2,
      idleTimeMs: 30000,
    });
    expect(loadConfig(flags('--pool-size', '0', '--pool-warmup', '0'), {}).pool.size).toBe(0);
    expect(loadConfig(flags('--pool-size', '2'), env).pool).toMatchObject({ size: 2, warmup: 2 });
    expect(problem(() => loadConfig(flags('--pool-size', '1'), env))).toMatch(
      /pool\.warmup: 2 \(from environment DIRECTOR_POOL_WARMUP\) is more than pool\.size 1 \(from flag --pool-size\)/,
    );
    expect(problem(() => loadConfig({}, { DIRECTOR_POOL_SIZE: '-1' }))).toMatch(/pool\.size/);
  });

  it('runs one process unless --workers (DIRECTOR_WORKERS) asks for more', () => {
    expect(loadConfig({}, {}).workers).toBe(1);
    expect(loadConfig(flags('--workers', '2'), {}).workers).toBe(2);
    expect(problem(() => loadConfig({}, { DIRECTOR_WORKERS: '0' }))).toMatch(
      /workers: must be at least 1 \(from environment DIRECTOR_WORKERS\)/,
    );
    expect(loadConfig({}, {}).workerAccept).toBe('shared');
    expect(loadConfig(flags('--worker-accept', 'primary'), {}).workerAccept).toBe('primary');
    expect(problem(() => loadConfig({}, { DIRECTOR_WORKER_ACCEPT: 'kernel' }))).toMatch(
      /workerAccept: must be 'shared' or 'primary' \(from environment DIRECTOR_WORKER_ACCEPT\)/,
    );
  });
});

describe("the director's ZooKeeper credential", () => {
  it('comes from a file only its owner reads, or the environment, and is checked', async () => {
    const dir = await tempDir('director-zk-auth');
    const file = join(dir, 'zk-auth');
    await writeFile(file, 'director:director-secret\n', { mode: 0o600 });
    expect(loadConfig(flags('--zk-auth-file', file), {}).zkAuth).toBe('director:director-secret');
    expect(loadConfig(flags(), { DIRECTOR_ZK_AUTH_FILE: file }).zkAuth).toBe(
      'director:director-secret',
    );
    expect(loadConfig(flags(), {}).zkAuth).toBeUndefined();
    const open = join(dir, 'open');
    await writeFile(open, 'director:director-secret\n', { mode: 0o644 });
    expect(problem(() => loadConfig(flags('--zk-auth-file', open), {}))).toMatch(
      /is open to other users \(mode 0644\)/,
    );
    expect(problem(() => loadConfig(flags(), { DIRECTOR_ZK_AUTH: 'director:short' }))).toMatch(
      /zkAuth: must be user:password, the password 8 to 256/,
    );
  });
});
