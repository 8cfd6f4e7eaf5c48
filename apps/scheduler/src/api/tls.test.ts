/**
 * The scheduler over TLS as a real process (docs/security.md#tls), with a throwaway CA and a real
 * ZooKeeper: its API is https only and takes a renewed certificate on SIGHUP; bad TLS settings
 * and a Mesos secret bound for a plain http master stop the start naming the setting; an https
 * master (a TLS server standing in for Mesos, recording what arrives) gets the subscription with
 * the credentials when its CA is given, and nothing without it.
 */
import type { ChildProcess } from 'node:child_process';
import { spawn } from 'node:child_process';
import { copyFileSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import type { IncomingHttpHeaders } from 'node:http';
import type { Server } from 'node:https';
import { createServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { TestCertificates, ZooKeeperServer } from '@riak-mesos/testing';
import {
  REPO_ROOT,
  freePort,
  getStatus,
  makeTestCertificates,
  startZooKeeper,
  tempDir,
  uniqueChroot,
  waitFor,
} from '@riak-mesos/testing';

jest.setTimeout(120000);

const VERSIONS = JSON.stringify([
  { name: 'riak-kv-3', url: 'http://packages.invalid/riak.tar.gz', flavour: 'kv3' },
]);

let dir: string;
let certs: TestCertificates;
let renewed: TestCertificates;
let zkServer: ZooKeeperServer;
let secretFile: string;
const children: ChildProcess[] = [];

/** The scheduler's real entry point (tsx as a loader of this node, so signals reach it). */
function scheduler(args: string[]) {
  const loader = pathToFileURL(join(REPO_ROOT, 'node_modules', 'tsx', 'dist', 'loader.mjs')).href;
  const child = spawn(
    process.execPath,
    [
      ...['--import', loader, join(REPO_ROOT, 'apps', 'scheduler', 'src', 'main.ts')],
      ...['--ip', '127.0.0.1', '--hostname', '127.0.0.1', '--riak-versions', VERSIONS],
      ...args,
    ],
    {
      cwd: dir,
      env: {
        ...process.env,
        LOG_LEVEL: 'info',
        LOG_FORMAT: 'json',
        TSX_TSCONFIG_PATH: join(REPO_ROOT, 'tsconfig.base.json'),
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  children.push(child);
  let out = '';
  child.stdout.on('data', (c: Buffer) => (out += c.toString()));
  child.stderr.on('data', (c: Buffer) => (out += c.toString()));
  const exited = new Promise<number | null>((r) => child.on('exit', (code) => r(code)));
  return { child, output: () => out, exited };
}

beforeAll(async () => {
  dir = await tempDir('scheduler-tls');
  mkdirSync(join(dir, 'first'));
  mkdirSync(join(dir, 'second'));
  certs = makeTestCertificates(join(dir, 'first'));
  renewed = makeTestCertificates(join(dir, 'second'));
  secretFile = join(dir, 'mesos-secret');
  writeFileSync(secretFile, 'mesos-secret\n');
  zkServer = await startZooKeeper();
});

afterAll(async () => {
  for (const c of children) if (c.exitCode === null) c.kill('SIGKILL');
  await zkServer?.stop();
});

describe('scheduler startup checks', () => {
  it('refuses bad TLS settings and a Mesos secret for a plain http master, naming the setting', async () => {
    const zk = ['--zk', '127.0.0.1:9'];
    const cases: [string[], RegExp][] = [
      [['--tls-cert', certs.cert], /tlsKey: --tls-cert needs --tls-key/],
      [
        ['--tls-cert', certs.cert, '--tls-key', certs.otherKey],
        /tlsKey \(--tls-key\): .*other\.key is not the private key of the certificate/,
      ],
      [
        ['--tls-cert', join(dir, 'missing.pem'), '--tls-key', certs.key],
        /tlsCert \(--tls-cert\): cannot read the certificate/,
      ],
      [
        ['--principal', 'riak', '--secret-file', secretFile, '--master', 'http://127.0.0.1:9'],
        /master: the Mesos secret would cross the network in clear text to http:\/\/127\.0\.0\.1:9.*--allow-insecure-mesos-auth/,
      ],
    ];
    for (const [args, message] of cases) {
      const r = scheduler([...zk, '--port', '0', ...args]);
      expect(await r.exited).toBe(2);
      expect(r.output()).toMatch(message);
      expect(r.output()).not.toMatch(/\n\s+at /);
    }
  });
});

describe('https API', () => {
  it('serves https only and takes a renewed certificate on SIGHUP', async () => {
    const cert = join(dir, 'api.pem');
    const key = join(dir, 'api.key');
    copyFileSync(certs.cert, cert);
    copyFileSync(certs.key, key);
    const port = await freePort();
    const r = scheduler([
      ...['--zk', zkServer.connectString + uniqueChroot('tls'), '--name', 'tls'],
      ...['--master', 'http://127.0.0.1:9', '--port', String(port)],
      ...['--tls-cert', cert, '--tls-key', key],
    ]);
    await waitFor(
      async () => {
        if (r.child.exitCode !== null) throw new Error(`exited: ${r.output()}`);
        return (await getStatus(port, '/healthcheck', { ca: certs.ca }).catch(() => 0)) === 200;
      },
      { timeoutMs: 60000, what: 'the https API' },
    );
    expect(r.output()).toMatch(/"message":"API listening".*"url":"https:\/\/127\.0\.0\.1:\d+"/);
    await expect(getStatus(port, '/healthcheck', { tls: false })).rejects.toThrow();
    await expect(getStatus(port, '/healthcheck')).rejects.toMatchObject({
      code: 'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
    });
    copyFileSync(renewed.cert, cert);
    copyFileSync(renewed.key, key);
    r.child.kill('SIGHUP');
    await waitFor(
      async () =>
        (await getStatus(port, '/healthcheck', { ca: renewed.ca }).catch(() => 0)) === 200,
      {
        timeoutMs: 10000,
        what: 'the renewed certificate',
      },
    );
    await expect(getStatus(port, '/healthcheck', { ca: certs.ca })).rejects.toThrow();
    await waitFor(() => /"message":"leading: subscribing to Mesos"/.test(r.output()), {
      timeoutMs: 30000,
      what: 'leadership (the SIGTERM handler)',
    });
    r.child.kill('SIGTERM');
    expect(await r.exited).toBe(0);
  });
});

describe('an https Mesos master with credentials', () => {
  let master: Server;
  let masterUrl: string;
  const arrived: { path?: string; headers: IncomingHttpHeaders }[] = [];
  let handshakeErrors = 0;

  beforeAll(async () => {
    master = createServer(
      { cert: readFileSync(certs.cert), key: readFileSync(certs.key) },
      (req, res) => {
        arrived.push({ path: req.url, headers: req.headers });
        req.resume();
        res.writeHead(503).end('not a real master');
      },
    );
    master.on('tlsClientError', () => handshakeErrors++);
    await new Promise<void>((r) => master.listen(0, '127.0.0.1', () => r()));
    masterUrl = `https://127.0.0.1:${(master.address() as AddressInfo).port}`;
  });

  afterAll(async () => {
    master.closeAllConnections();
    await new Promise((r) => master.close(r));
  });

  const start = async (name: string, extra: string[]) =>
    scheduler([
      ...['--zk', zkServer.connectString + uniqueChroot(name), '--name', name],
      ...['--port', String(await freePort()), '--master', masterUrl],
      ...['--principal', 'riak', '--secret-file', secretFile, ...extra],
    ]);

  it('gets nothing, not even the credentials, without the CA', async () => {
    const r = await start('nocamesos', []);
    await waitFor(() => handshakeErrors > 0, { timeoutMs: 60000, what: 'a TLS handshake' });
    expect(arrived).toHaveLength(0);
    r.child.kill('SIGTERM');
    await r.exited;
  });

  it('receives the subscription with the credentials when the CA is given', async () => {
    const r = await start('camesos', ['--mesos-ca-file', certs.ca]);
    await waitFor(() => arrived.length > 0, { timeoutMs: 60000, what: 'a call' });
    expect(arrived[0].path).toBe('/api/v1/scheduler');
    expect(arrived[0].headers.authorization).toBe(
      `Basic ${Buffer.from('riak:mesos-secret').toString('base64')}`,
    );
    expect(r.output()).not.toMatch(/plain http/);
    r.child.kill('SIGTERM');
    await r.exited;
  });

  it('warns at start when allowed to send the secret over plain http', async () => {
    const r = scheduler([
      ...['--zk', zkServer.connectString + uniqueChroot('insecure'), '--name', 'insecure'],
      ...['--port', String(await freePort()), '--master', 'http://127.0.0.1:9'],
      ...['--principal', 'riak', '--secret-file', secretFile, '--allow-insecure-mesos-auth'],
    ]);
    // Leading: its signal handlers are in place (they come after the election).
    await waitFor(() => /"message":"leading: subscribing to Mesos"/.test(r.output()), {
      timeoutMs: 60000,
      what: 'the scheduler to start',
    });
    expect(r.output()).toMatch(
      /"level":"warn",[^\n]*"message":"the Mesos secret goes to the master over plain http/,
    );
    r.child.kill('SIGTERM');
    expect(await r.exited).toBe(0);
  });
});
