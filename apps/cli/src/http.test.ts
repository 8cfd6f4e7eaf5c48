import { readFileSync, rmSync } from 'node:fs';
import type { Server as HttpServer, IncomingMessage, ServerResponse } from 'node:http';
import { createServer as createHttpServer } from 'node:http';
import type { Server as HttpsServer } from 'node:https';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { rootCertificates } from 'node:tls';
import type { TestCertificates } from '@riak-mesos/testing';
import { makeTestCertificates, tempDir } from '@riak-mesos/testing';
import { CliError } from './errors';
import { HttpClient } from './http';

// The CLI's HTTP client against real servers on loopback: https with a throwaway CA, and the
// one-line messages for each way a connection can fail.

let dir: string;
let certs: TestCertificates;
let ca: string[];
let tls: HttpsServer;
let plain: HttpServer;
const port = (s: HttpServer | HttpsServer) => (s.address() as AddressInfo).port;

beforeAll(async () => {
  dir = await tempDir('cli-http');
  certs = makeTestCertificates(dir);
  ca = [...rootCertificates, readFileSync(certs.ca, 'utf8')];
  const answer = (req: IncomingMessage, res: ServerResponse) => {
    if (req.url === '/slow') return; // never answers
    res.setHeader('content-type', 'application/json');
    res.end(JSON.stringify({ ok: true }));
  };
  tls = createHttpsServer({ cert: readFileSync(certs.cert), key: readFileSync(certs.key) }, answer);
  plain = createHttpServer(answer);
  // Every loopback address: 127.0.0.2 reaches it too, a name the certificate does not list.
  await new Promise<void>((r) => tls.listen(0, '0.0.0.0', () => r()));
  await new Promise<void>((r) => plain.listen(0, '127.0.0.1', () => r()));
});

afterAll(async () => {
  for (const s of [tls, plain]) {
    s.closeAllConnections();
    await new Promise((r) => s.close(r));
  }
  rmSync(dir, { recursive: true, force: true });
});

async function failure(client: HttpClient, path = '/x'): Promise<string> {
  try {
    await client.get(path);
  } catch (err) {
    expect(err).toBeInstanceOf(CliError);
    return (err as Error).message;
  }
  throw new Error('no error');
}

describe('HttpClient', () => {
  it('talks https to a server whose CA it trusts', async () => {
    const c = new HttpClient(`https://127.0.0.1:${port(tls)}`, 'scheduler', {}, 5000, ca);
    expect(await c.get('/x')).toEqual({ status: 200, body: { ok: true } });
  });

  it('says what to do for each TLS failure', async () => {
    const untrusted = new HttpClient(`https://127.0.0.1:${port(tls)}`, 'scheduler');
    expect(await failure(untrusted)).toMatch(
      /^TLS: the scheduler at https:\/\/127\.0\.0\.1:\d+ has a certificate this CLI does not trust \(UNABLE_TO_VERIFY_LEAF_SIGNATURE\); give the CA/,
    );
    const otherName = new HttpClient(`https://127.0.0.2:${port(tls)}`, 'scheduler', {}, 5000, ca);
    expect(await failure(otherName)).toMatch(
      /^TLS: the certificate of the scheduler at https:\/\/127\.0\.0\.2:\d+ is not for this host name .*127\.0\.0\.2/,
    );
    const httpsToHttp = new HttpClient(`https://127.0.0.1:${port(plain)}`, 'scheduler');
    expect(await failure(httpsToHttp)).toMatch(
      /^TLS: cannot make a TLS connection to the scheduler .*is it served over plain http\? then use http:\/\//,
    );
    const httpToHttps = new HttpClient(`http://127.0.0.1:${port(tls)}`, 'scheduler');
    expect(await failure(httpToHttps)).toMatch(
      /^cannot reach the scheduler at http:.*if it is served over https, use https:\/\//,
    );
  });

  it('names a timeout and a refused connection', async () => {
    const slow = new HttpClient(`http://127.0.0.1:${port(plain)}`, 'scheduler', {}, 300);
    expect(await failure(slow, '/slow')).toBe(
      `the scheduler at http://127.0.0.1:${port(plain)} did not answer within 0.3 s`,
    );
    const closed = new HttpClient('http://127.0.0.1:9', 'Marathon');
    expect(await failure(closed)).toBe(
      'cannot reach the Marathon at http://127.0.0.1:9: ECONNREFUSED',
    );
  });
});
