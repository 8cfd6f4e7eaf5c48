/**
 * The TLS, Mesos-authentication and task-user settings of the scheduler (docs/security.md#tls):
 * parsing and the startup checks that need no process.
 */
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import type { TestCertificates } from '@riak-mesos/testing';
import { makeTestCertificates, tempDir } from '@riak-mesos/testing';
import { taskDataSchema } from '@riak-mesos/framework-contract';
import { ConfigError, buildCommand, defaultTaskUser, loadConfig, mesosInClear } from './config';
import type { LaunchSpec } from './framework/task-info';
import { taskData } from './framework/task-info';

let dir: string;
let certs: TestCertificates;

beforeAll(async () => {
  dir = await tempDir('scheduler-tls-config');
  certs = makeTestCertificates(dir);
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const parse = (argv: string[]) =>
  buildCommand().exitOverride().parse(argv, { from: 'user' }).opts();
const problem = (argv: string[], env: NodeJS.ProcessEnv = {}): string => {
  try {
    loadConfig(parse(argv), env);
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError);
    return (err as Error).message;
  }
  throw new Error('no error');
};

describe('TLS settings', () => {
  it('takes the certificate and key from flags, environment or the config file', () => {
    const c = loadConfig(parse(['--tls-cert', certs.cert, '--tls-key', certs.key]), {});
    expect([c.tlsCert, c.tlsKey]).toEqual([certs.cert, certs.key]);
    const e = loadConfig({}, { RIAK_MESOS_TLS_CERT: certs.cert, RIAK_MESOS_TLS_KEY: certs.key });
    expect([e.tlsCert, e.tlsKey]).toEqual([certs.cert, certs.key]);
    expect(loadConfig({}, {}).tlsCert).toBeUndefined();
  });

  it('refuses one without the other, and a CA file without TLS, naming the setting', () => {
    expect(problem(['--tls-cert', certs.cert])).toMatch(/tlsKey: --tls-cert needs --tls-key/);
    expect(problem([], { RIAK_MESOS_TLS_KEY: certs.key })).toMatch(
      /tlsCert: --tls-key needs --tls-cert/,
    );
    expect(problem(['--tls-ca-file', certs.ca])).toMatch(/tlsCaFile: only for an https API/);
  });
});

describe('Mesos authentication over the network', () => {
  const secret = () => {
    const file = `${dir}/secret`;
    writeFileSync(file, 'mesos-secret\n');
    return ['--principal', 'riak', '--secret-file', file];
  };

  it('refuses a secret for a plain http master, unless allowed', () => {
    expect(problem([...secret(), '--master', 'http://m:5050'])).toMatch(
      /master: the Mesos secret would cross the network in clear text to http:\/\/m:5050.*--allow-insecure-mesos-auth/,
    );
    expect(problem([...secret(), '--master', 'zk://z:2181/mesos'])).toMatch(/master: /);
    expect(
      loadConfig(parse([...secret(), '--master', 'http://m:5050', '--allow-insecure-mesos-auth']))
        .secret,
    ).toBe('mesos-secret');
    expect(loadConfig(parse([...secret(), '--master', 'https://m:5050'])).secret).toBe(
      'mesos-secret',
    );
    const zk = ['--master', 'zk://z:2181/mesos', '--mesos-ca-file', certs.ca];
    expect(loadConfig(parse([...secret(), ...zk])).mesosCaFile).toBe(certs.ca);
    // No secret (the local system): plain http is fine.
    expect(loadConfig(parse(['--master', 'http://m:5050'])).master).toBe('http://m:5050');
  });

  it('says which masters are reached in clear text', () => {
    expect(mesosInClear({ master: 'http://m:5050' })).toBe(true);
    expect(mesosInClear({ master: 'https://m:5050' })).toBe(false);
    expect(mesosInClear({ master: 'zk://z:2181/mesos' })).toBe(true);
    expect(mesosInClear({ master: 'zk://z:2181/mesos', mesosCaFile: 'ca.pem' })).toBe(false);
  });
});

describe('task user', () => {
  it("is the scheduler's user, or nobody for root; --user wins", () => {
    expect(defaultTaskUser({ uid: 0, username: 'root' })).toBe('nobody');
    expect(defaultTaskUser({ uid: 1000, username: 'riak' })).toBe('riak');
    expect(loadConfig({}, {}, 'h', 'riak').user).toBe('riak');
    expect(loadConfig(parse(['--user', 'ops']), {}, 'h', 'riak').user).toBe('ops');
    expect(loadConfig({}, { RIAK_MESOS_USER: 'env-user' }, 'h', 'riak').user).toBe('env-user');
  });
});

describe('task data', () => {
  it('carries the CA executors trust for an https scheduler, checked by the contract', () => {
    const c = loadConfig(parse(['--tls-cert', certs.cert, '--tls-key', certs.key]), {});
    const ca = readFileSync(certs.ca, 'utf8');
    const spec = {
      node: {
        key: 'riak-default-1',
        cluster: 'default',
        reservedPorts: [31000, 31001, 31002, 31003],
      },
      offer: { hostname: 'agent1' },
      frameworkName: 'riak',
      riakVersion: 'none',
      cookie: 'riak',
      schedulerUrl: 'https://sched:9090',
      schedulerCa: ca,
      zookeepers: ['zk:2181'],
      zookeeperChroot: '',
      executorId: 'e1',
    } as unknown as LaunchSpec;
    const data = taskData(c, spec);
    expect(data.SchedulerCA).toBe(ca);
    expect(taskDataSchema.parse(data).SchedulerCA).toBe(ca);
    const { schedulerCa: _none, ...plain } = spec;
    expect('SchedulerCA' in taskData(c, plain as LaunchSpec)).toBe(false);
    expect(taskDataSchema.safeParse({ ...data, SchedulerCA: 'not pem' }).success).toBe(false);
  });
});
