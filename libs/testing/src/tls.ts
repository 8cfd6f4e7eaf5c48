import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { join } from 'node:path';

/** Throwaway TLS material for tests, as files in a directory. */
export interface TestCertificates {
  /** The CA's certificate (what clients trust). */
  ca: string;
  /** A server certificate issued by the CA for `localhost` and 127.0.0.1, and its key. */
  cert: string;
  key: string;
  /** A key that belongs to no certificate here (a wrong pair with `cert`). */
  otherKey: string;
}

function openssl(args: string[], dir: string): void {
  execFileSync('openssl', args, { cwd: dir, stdio: ['ignore', 'ignore', 'pipe'] });
}

/**
 * Makes a CA and a server certificate it signs (for localhost, 127.0.0.1 and `names`) with the
 * `openssl` binary, in `dir`. Takes well under a second (EC keys).
 */
export function makeTestCertificates(dir: string, names: string[] = []): TestCertificates {
  const ec = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];
  openssl(
    [
      'req',
      '-x509',
      ...ec,
      '-keyout',
      'ca.key',
      '-out',
      'ca.pem',
      '-days',
      '2',
      '-subj',
      '/CN=test CA',
    ],
    dir,
  );
  openssl(
    ['req', ...ec, '-keyout', 'server.key', '-out', 'server.csr', '-subj', '/CN=localhost'],
    dir,
  );
  const san = ['DNS:localhost', 'IP:127.0.0.1', ...names.map((n) => `DNS:${n}`)].join(',');
  writeFileSync(join(dir, 'server.ext'), `subjectAltName=${san}\n`);
  openssl(
    [
      'x509',
      '-req',
      '-in',
      'server.csr',
      '-CA',
      'ca.pem',
      '-CAkey',
      'ca.key',
      '-CAcreateserial',
      '-out',
      'server.pem',
      '-days',
      '2',
      '-extfile',
      'server.ext',
    ],
    dir,
  );
  openssl(
    [
      'genpkey',
      '-algorithm',
      'EC',
      '-pkeyopt',
      'ec_paramgen_curve:prime256v1',
      '-out',
      'other.key',
    ],
    dir,
  );
  return {
    ca: join(dir, 'ca.pem'),
    cert: join(dir, 'server.pem'),
    key: join(dir, 'server.key'),
    otherKey: join(dir, 'other.key'),
  };
}

/**
 * The status code of a GET to 127.0.0.1:`port` `path`: over https trusting only `ca` (or Node's
 * own roots without it), or plain http with `tls: false`. Rejects on a connection or TLS error
 * and after 5 s.
 */
export function getStatus(
  port: number,
  path: string,
  opts: { ca?: string; tls?: boolean } = {},
): Promise<number> {
  return new Promise((resolve, reject) => {
    const options = {
      host: '127.0.0.1',
      port,
      path,
      agent: false as const,
      ...(opts.ca ? { ca: readFileSync(opts.ca) } : {}),
    };
    const req = (opts.tls === false ? httpRequest : httpsRequest)(options, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode ?? 0));
    });
    req.on('error', reject);
    req.setTimeout(5000, () => req.destroy(new Error('timed out')));
    req.end();
  });
}
