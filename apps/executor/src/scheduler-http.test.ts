import { readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:https';
import type { Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import type { TestCertificates } from '@riak-mesos/testing';
import { makeTestCertificates, tempDir } from '@riak-mesos/testing';
import { getText } from './scheduler-http';

let dir: string;
let certs: TestCertificates;
let server: Server;
let url: string;

beforeAll(async () => {
  dir = await tempDir('executor-https');
  certs = makeTestCertificates(dir);
  server = createServer(
    { cert: readFileSync(certs.cert), key: readFileSync(certs.key) },
    (req, res) => {
      res.setHeader('content-type', 'text/plain');
      res.end(`template for ${req.headers.authorization ?? 'nobody'}`);
    },
  );
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  url = `https://127.0.0.1:${(server.address() as AddressInfo).port}/api/v1/clusters/c/config`;
});

afterAll(async () => {
  server.closeAllConnections();
  await new Promise((r) => server.close(r));
  rmSync(dir, { recursive: true, force: true });
});

describe('getText (the template fetch) over https', () => {
  it("reads the answer when the task data's CA signed the scheduler's certificate", async () => {
    const ca = readFileSync(certs.ca, 'utf8');
    const answer = await getText(url, { ca, timeoutMs: 5000, headers: { authorization: 'x' } });
    expect(answer).toMatchObject({ status: 200, body: 'template for x' });
  });

  it('refuses the certificate without the CA, with the TLS error code', async () => {
    await expect(getText(url, { timeoutMs: 5000 })).rejects.toMatchObject({
      code: 'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
    });
  });
});
