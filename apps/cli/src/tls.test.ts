/**
 * The CLI against the real scheduler serving its API over https (docs/security.md#tls), with a
 * throwaway CA: trusted through --ca-file, RIAK_MESOS_CA_FILE or riak.ca-file; without it, or
 * with plain http, one clear line and a non-zero exit (also from the real `riak-mesos` process).
 * The event stream is wss with the same CA.
 */
import { spawn } from 'node:child_process';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import WebSocket from 'ws';
import type { ProcessGroup } from '@riak-mesos/process';
import type { TestCertificates, ZooKeeperServer } from '@riak-mesos/testing';
import { REPO_ROOT, makeTestCertificates, startZooKeeper, tempDir } from '@riak-mesos/testing';
import { runCli } from './test-support/cli';
import { startSchedulerApi } from './test-support/scheduler';

jest.setTimeout(120000);

let dir: string;
let zk: ZooKeeperServer;
let certs: TestCertificates;
let url: string;
let scheduler: ProcessGroup;
let env: NodeJS.ProcessEnv;

beforeAll(async () => {
  dir = await tempDir('cli-tls');
  certs = makeTestCertificates(dir);
  zk = await startZooKeeper();
  ({
    url,
    process: scheduler,
    env,
  } = await startSchedulerApi(dir, zk.connectString, ['--hostname', '127.0.0.1'], certs));
}, 90000);

afterAll(async () => {
  await scheduler?.stop();
  await zk?.close();
  rmSync(dir, { recursive: true, force: true });
});

const cli = (args: string[], extra: NodeJS.ProcessEnv = {}) =>
  runCli(dir, ['--url', url, ...args], { ...env, ...extra });

describe('the CLI and an https scheduler', () => {
  it('works when it trusts the CA: --ca-file, RIAK_MESOS_CA_FILE or riak.ca-file', async () => {
    expect(url).toMatch(/^https:/);
    const flag = await cli(['--ca-file', certs.ca, 'cluster', 'list']);
    expect([flag.code, flag.err]).toEqual([0, '']);
    const fromEnv = await cli(['cluster', 'list'], { RIAK_MESOS_CA_FILE: certs.ca });
    expect([fromEnv.code, fromEnv.err]).toEqual([0, '']);
    const config = join(dir, 'config.json');
    writeFileSync(config, JSON.stringify({ riak: { 'ca-file': certs.ca } }));
    const fromFile = await cli(['--config', config, 'cluster', 'list']);
    expect([fromFile.code, fromFile.err]).toEqual([0, '']);
  });

  it('fails with one clear line without the CA, with plain http, or a bad CA file', async () => {
    const untrusted = await cli(['cluster', 'list']);
    expect(untrusted.code).toBe(1);
    expect(untrusted.err).toMatch(
      /^riak-mesos: TLS: the scheduler at https:\/\/127\.0\.0\.1:\d+ has a certificate this CLI does not trust \(UNABLE_TO_VERIFY_LEAF_SIGNATURE\); give the CA that signed it with --ca-file/,
    );
    expect(untrusted.err.trim().split('\n')).toHaveLength(1);
    const plain = await runCli(
      dir,
      ['--url', url.replace('https:', 'http:'), 'cluster', 'list'],
      env,
    );
    expect(plain.code).toBe(1);
    expect(plain.err).toMatch(/cannot reach the scheduler at http:.*use https:\/\//);
    const missing = await cli(['--ca-file', join(dir, 'none.pem'), 'cluster', 'list']);
    expect(missing.code).toBe(2);
    expect(missing.err).toMatch(/^riak-mesos: --ca-file: cannot read the certificate .*none\.pem/);
    const notPem = join(dir, 'not.pem');
    writeFileSync(notPem, 'hello');
    const bad = await cli(['cluster', 'list'], { RIAK_MESOS_CA_FILE: notPem });
    expect(bad.code).toBe(2);
    expect(bad.err).toMatch(/^riak-mesos: RIAK_MESOS_CA_FILE: .*not\.pem holds no PEM certificate/);
  });

  it('the real riak-mesos process: no stack trace, exit 1, without the CA', async () => {
    const loader = `file://${join(REPO_ROOT, 'node_modules', 'tsx', 'dist', 'loader.mjs')}`;
    const child = spawn(
      process.execPath,
      [
        '--import',
        loader,
        join(REPO_ROOT, 'apps', 'cli', 'src', 'main.ts'),
        '--url',
        url,
        'cluster',
        'list',
      ],
      {
        cwd: dir,
        env: {
          ...process.env,
          ...env,
          HOME: dir,
          TSX_TSCONFIG_PATH: join(REPO_ROOT, 'tsconfig.base.json'),
        },
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    let err = '';
    child.stderr.on('data', (c: Buffer) => (err += c.toString()));
    const code = await new Promise<number | null>((r) => child.on('exit', (c) => r(c)));
    expect(code).toBe(1);
    expect(err).toMatch(/^riak-mesos: TLS: .*does not trust/);
    expect(err).not.toMatch(/\n\s+at /);
  });

  it('serves the event stream over wss to a client trusting the CA', async () => {
    const token = (await cli(['framework', 'token'])).out.trim();
    const ws = new WebSocket(`${url.replace('https:', 'wss:')}/api/v1/events`, {
      headers: { authorization: `Bearer ${token}` },
      ca: readFileSync(certs.ca),
    });
    const hello = await new Promise<string>((resolve, reject) => {
      ws.once('message', (m: Buffer) => resolve(m.toString()));
      ws.once('error', reject);
    });
    ws.close();
    expect(JSON.parse(hello)).toMatchObject({ type: 'hello' });
  });
});
