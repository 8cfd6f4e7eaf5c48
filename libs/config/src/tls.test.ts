import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { rootCertificates } from 'node:tls';
import type { TestCertificates } from '@riak-mesos/testing';
import { makeTestCertificates } from '@riak-mesos/testing';
import { ConfigError } from './settings';
import { readCaFile, readTlsServerFiles } from './tls';

let dir: string;
let certs: TestCertificates;

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'config-tls-'));
  certs = makeTestCertificates(dir);
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function error(f: () => unknown): string {
  try {
    f();
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError);
    return (err as Error).message;
  }
  throw new Error('no error');
}

describe('readTlsServerFiles', () => {
  it('answers undefined for neither file, and both files for a matching pair', () => {
    expect(readTlsServerFiles({})).toBeUndefined();
    const files = readTlsServerFiles({ cert: certs.cert, key: certs.key });
    expect(files?.cert.toString()).toContain('BEGIN CERTIFICATE');
    expect(files?.key.toString()).toContain('PRIVATE KEY');
  });

  it('refuses one without the other, naming the missing setting', () => {
    expect(error(() => readTlsServerFiles({ cert: certs.cert }))).toMatch(
      /^tlsKey \(--tls-key\): a TLS certificate needs its private key/,
    );
    expect(error(() => readTlsServerFiles({ key: certs.key }))).toMatch(
      /^tlsCert \(--tls-cert\): a TLS key needs its certificate/,
    );
  });

  it('refuses unreadable files, files that are not PEM and a key of another certificate', () => {
    expect(
      error(() => readTlsServerFiles({ cert: join(dir, 'missing.pem'), key: certs.key })),
    ).toMatch(/^tlsCert \(--tls-cert\): cannot read the certificate .*missing\.pem/);
    const junk = join(dir, 'junk.pem');
    writeFileSync(junk, 'not a key');
    expect(error(() => readTlsServerFiles({ cert: certs.cert, key: junk }))).toMatch(
      /^tlsKey \(--tls-key\): .*junk\.pem holds no PEM private key/,
    );
    expect(error(() => readTlsServerFiles({ cert: certs.cert, key: certs.otherKey }))).toMatch(
      /^tlsKey \(--tls-key\): .*other\.key is not the private key of the certificate/,
    );
    expect(
      error(() =>
        readTlsServerFiles({ cert: certs.cert, certName: 'x (--x)', keyName: 'y (--y)' }),
      ),
    ).toMatch(/^y \(--y\)/);
  });
});

describe('readCaFile', () => {
  it("adds the CA to Node's roots, and names the setting for a bad file", () => {
    expect(readCaFile(undefined, 'ca')).toBeUndefined();
    const ca = readCaFile(certs.ca, 'caFile (--ca-file)');
    expect(ca).toHaveLength(rootCertificates.length + 1);
    expect(error(() => readCaFile(join(dir, 'none'), 'caFile (--ca-file)'))).toMatch(
      /^caFile \(--ca-file\): cannot read the certificate/,
    );
  });
});
