import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigError, buildCommand, loadConfig } from './config';

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
      user: 'root',
      persistentPath: 'data',
      hostname: 'sched.example',
      master: 'http://master.mesos:5050',
      checkpoint: true,
    });
    expect(c.executor).toEqual({ cpus: 0.1, mem: 32 });
    expect(c.replaceAfterAgentLostSeconds).toBe(0);
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
    const c = loadConfig(parse(['--principal', 'riak', '--secret-file', secret]));
    expect(c.secret).toBe('hunter2');
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
