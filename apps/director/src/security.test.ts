/**
 * Security of the director's API with the director as it runs in production: its bundle as a
 * child process (against a real ZooKeeper), started without a token (docs/security.md). It makes
 * one at start in its working directory; changes without it, with a wrong one, from a cross-site
 * form or to a foreign Host are refused and change nothing.
 */
import { readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { ProcessGroup } from '@riak-mesos/process';
import type { ZooKeeperServer } from '@riak-mesos/testing';
import {
  REPO_ROOT,
  bundle,
  freePorts,
  startZooKeeper,
  tempDir,
  uniqueChroot,
  waitFor,
} from '@riak-mesos/testing';
import { http } from './test-support/http';

jest.setTimeout(120000);

let zkServer: ZooKeeperServer;
let work: string;
let api: number;
let director: ProcessGroup;
let token: string;

/** The cluster the director proxies, as its /status says. */
async function target(): Promise<{ framework: string; cluster: string }> {
  const status = (await http(api, 'GET', '/status')).json() as {
    status: { framework: string; cluster: string };
  };
  return { framework: status.status.framework, cluster: status.status.cluster };
}

beforeAll(async () => {
  work = await tempDir('director-security');
  await bundle('apps/director');
  zkServer = await startZooKeeper();
  const [pb, httpPort, apiPort] = await freePorts(3);
  api = apiPort;
  director = new ProcessGroup(
    process.execPath,
    [
      join(REPO_ROOT, 'dist', 'apps', 'director', 'main.js'),
      ...['--zk', zkServer.connectString + uniqueChroot('director-security')],
      ...['--framework', 'riak', '--cluster', 'default', '--host', '127.0.0.1'],
      ...['--pb-port', String(pb), '--http-port', String(httpPort)],
      ...['--api-host', '127.0.0.1', '--api-port', String(api)],
    ],
    {
      cwd: work,
      stdoutFile: join(work, 'director.log'),
      stderrFile: join(work, 'director.log'),
      env: { ...process.env, LOG_LEVEL: 'info' },
    },
  );
  await waitFor(
    async () => (await http(api, 'GET', '/status').catch(() => undefined))?.status === 200,
    { timeoutMs: 30000, what: 'the director API' },
  );
  token = readFileSync(join(work, 'director-api-token'), 'utf8').trim();
}, 120000);

afterAll(async () => {
  await director?.stop(5000);
  await zkServer?.close();
});

describe('the director API with no token configured', () => {
  it('made a random token of at least 128 bits, in a file only its user reads', () => {
    expect(Buffer.from(token, 'base64url').length).toBeGreaterThanOrEqual(16);
    expect(statSync(join(work, 'director-api-token')).mode & 0o077).toBe(0);
  });

  it('answers 401 to unauthenticated and wrong-token changes, which change nothing', async () => {
    const attempts: Record<string, string>[] = [
      {},
      { authorization: 'Bearer wrong-token-wrong-token' },
      { authorization: `Bearer ${token}x` },
      { authorization: `Basic ${Buffer.from(`riak:${token}`).toString('base64')}` },
    ];
    for (const headers of attempts) {
      const res = await http(api, 'PUT', '/frameworks/evil/clusters/elsewhere', {
        headers: { ...headers, 'content-type': 'application/json' },
        body: '{}',
      });
      expect(res.status).toBe(401);
      expect(res.json()).toMatchObject({ error: { status: 401, code: 'unauthorized' } });
    }
    expect(await target()).toEqual({ framework: 'riak', cluster: 'default' });
  });

  it('refuses a cross-site form (POST or form-encoded) and a foreign Host', async () => {
    const form = await http(api, 'POST', '/frameworks/evil/clusters/elsewhere', {
      headers: {
        'content-type': 'application/x-www-form-urlencoded',
        origin: 'http://evil.example',
      },
      body: 'x=1',
    });
    expect(form.status).toBe(405);
    const formPut = await http(api, 'PUT', '/frameworks/evil/clusters/elsewhere', {
      headers: { 'content-type': 'application/x-www-form-urlencoded', cookie: 'a=b' },
      body: 'x=1',
    });
    expect(formPut.status).toBe(401);
    const rebound = await http(api, 'PUT', '/frameworks/evil/clusters/elsewhere', {
      headers: { host: `evil.example:${api}`, authorization: `Bearer ${token}` },
    });
    expect(rebound.status).toBe(421);
    expect((await http(api, 'GET', '/status', { headers: { host: 'evil.example' } })).status).toBe(
      421,
    );
    expect(await target()).toEqual({ framework: 'riak', cluster: 'default' });
  });

  it('takes the change with the token', async () => {
    const res = await http(api, 'PUT', '/frameworks/riak/clusters/blue', {
      headers: { authorization: `Bearer ${token}`, host: `localhost:${api}` },
    });
    expect(res.status).toBe(200);
    expect(await target()).toEqual({ framework: 'riak', cluster: 'blue' });
  });
});
