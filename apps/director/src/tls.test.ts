/**
 * The director's API over https (docs/security.md#tls) with the director's real entry point as a
 * process and a throwaway CA: https with the CA works, plain http and clients without the CA are
 * refused, a renewed certificate is taken on SIGHUP, and bad TLS settings stop the start naming
 * the setting. ZooKeeper is not needed: the API answers before the director reaches it.
 */
import type { ChildProcess } from 'node:child_process';
import { spawn } from 'node:child_process';
import { copyFileSync, mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { TestCertificates } from '@riak-mesos/testing';
import { freePorts, getStatus, makeTestCertificates, tempDir, waitFor } from '@riak-mesos/testing';

jest.setTimeout(60000);

const ROOT = join(__dirname, '..', '..', '..');
const MAIN = join(__dirname, 'main.ts');

let dir: string;
let certs: TestCertificates;
let renewed: TestCertificates;
const children: ChildProcess[] = [];

function run(args: string[], cwd: string) {
  // tsx as a loader of this node (not its CLI, which would not pass SIGHUP on), in `cwd`: a
  // director without a token writes the one it makes there.
  const loader = pathToFileURL(join(ROOT, 'node_modules', 'tsx', 'dist', 'loader.mjs')).href;
  const child = spawn(process.execPath, ['--import', loader, MAIN, ...args], {
    cwd,
    env: {
      ...process.env,
      LOG_LEVEL: 'info',
      LOG_FORMAT: 'json',
      TSX_TSCONFIG_PATH: join(ROOT, 'tsconfig.base.json'),
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  children.push(child);
  let err = '';
  child.stderr.on('data', (c: Buffer) => (err += c.toString()));
  const exited = new Promise<number | null>((r) => child.on('exit', (code) => r(code)));
  return { child, stderr: () => err, exited };
}

beforeAll(async () => {
  dir = await tempDir('director-tls');
  mkdirSync(join(dir, 'first'));
  mkdirSync(join(dir, 'second'));
  certs = makeTestCertificates(join(dir, 'first'));
  renewed = makeTestCertificates(join(dir, 'second'));
});

afterAll(() => {
  for (const c of children) if (c.exitCode === null) c.kill('SIGKILL');
  rmSync(dir, { recursive: true, force: true });
});

describe('director API over https', () => {
  it('refuses to start on bad TLS settings, naming the setting', async () => {
    const cases: [string[], RegExp][] = [
      [['--tls-cert', certs.cert], /tlsKey: --tls-cert needs --tls-key/],
      [['--tls-key', certs.key], /tlsCert: --tls-key needs --tls-cert/],
      [
        ['--tls-cert', join(dir, 'missing.pem'), '--tls-key', certs.key],
        /tlsCert \(--tls-cert\): cannot read the certificate .*missing\.pem/,
      ],
      [
        ['--tls-cert', certs.cert, '--tls-key', certs.otherKey],
        /tlsKey \(--tls-key\): .*other\.key is not the private key of the certificate/,
      ],
    ];
    for (const [args, message] of cases) {
      const r = run(['--zk', '127.0.0.1:9', ...args], dir);
      expect(await r.exited).toBe(2);
      expect(r.stderr()).toMatch(message);
      expect(r.stderr()).not.toMatch(/\n\s+at /);
    }
  });

  it('serves https only, with the certificate reloaded on SIGHUP', async () => {
    const work = join(dir, 'work');
    mkdirSync(work);
    const cert = join(work, 'api.pem');
    const key = join(work, 'api.key');
    copyFileSync(certs.cert, cert);
    copyFileSync(certs.key, key);
    const [pb, http, api] = await freePorts(3);
    const r = run(
      [
        ...['--zk', '127.0.0.1:9', '--host', '127.0.0.1', '--api-host', '127.0.0.1'],
        ...['--pb-port', String(pb), '--http-port', String(http), '--api-port', String(api)],
        ...['--tls-cert', cert, '--tls-key', key],
      ],
      work,
    );
    await waitFor(
      async () => {
        if (r.child.exitCode !== null) throw new Error(`exited: ${r.stderr()}`);
        return (await getStatus(api, '/status', { ca: certs.ca }).catch(() => 0)) === 200;
      },
      { timeoutMs: 30000, what: 'the director API over https' },
    );
    await expect(getStatus(api, '/status', { tls: false })).rejects.toThrow();
    await expect(getStatus(api, '/status')).rejects.toMatchObject({
      code: 'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
    });
    // A renewed certificate (another CA here, to tell them apart), taken on SIGHUP.
    copyFileSync(renewed.cert, cert);
    copyFileSync(renewed.key, key);
    r.child.kill('SIGHUP');
    await waitFor(
      async () => (await getStatus(api, '/status', { ca: renewed.ca }).catch(() => 0)) === 200,
      {
        timeoutMs: 10000,
        what: 'the renewed certificate',
      },
    );
    await expect(getStatus(api, '/status', { ca: certs.ca })).rejects.toThrow();
    expect(r.stderr()).toMatch(/TLS certificate reloaded/);
    // A bad pair on SIGHUP keeps the certificate in use.
    copyFileSync(certs.otherKey, key);
    r.child.kill('SIGHUP');
    await waitFor(() => /TLS certificate NOT reloaded/.test(r.stderr()), {
      timeoutMs: 10000,
      what: 'the refused reload',
    });
    expect(await getStatus(api, '/status', { ca: renewed.ca })).toBe(200);
    r.child.kill('SIGTERM');
    expect(await r.exited).toBe(0);
  });
});
