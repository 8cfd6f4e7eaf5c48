import { readFileSync } from 'node:fs';
import { createSecureContext, rootCertificates } from 'node:tls';
import { ConfigError } from './settings';

/** A server's certificate chain and private key (PEM), read from the configured files. */
export interface TlsServerFiles {
  cert: Buffer;
  key: Buffer;
}

/** The settings naming a server's certificate and key files, and how errors name them. */
export interface TlsServerSettings {
  cert?: string;
  key?: string;
  /** How errors name the settings (default `tlsCert`/`tlsKey`, with their flags). */
  certName?: string;
  keyName?: string;
}

function readPem(path: string, setting: string, what: string): Buffer {
  let data: Buffer;
  try {
    data = readFileSync(path);
  } catch (err) {
    throw new ConfigError(`${setting}: cannot read the ${what} ${path}: ${(err as Error).message}`);
  }
  if (!data.toString('latin1').includes('-----BEGIN '))
    throw new ConfigError(`${setting}: ${path} holds no PEM ${what}`);
  return data;
}

/**
 * Both TLS files or neither: undefined for neither (plain http); the files, read and checked
 * (readable, PEM, and the key belongs to the certificate) for both. Throws ConfigError naming the
 * setting for one without the other, an unreadable file or a key that is not the certificate's.
 * Cheap (a few milliseconds): servers call it again to reload their certificate on SIGHUP.
 */
export function readTlsServerFiles(s: TlsServerSettings): TlsServerFiles | undefined {
  const certName = s.certName ?? 'tlsCert (--tls-cert)';
  const keyName = s.keyName ?? 'tlsKey (--tls-key)';
  if (s.cert === undefined && s.key === undefined) return undefined;
  if (s.cert === undefined)
    throw new ConfigError(`${certName}: a TLS key needs its certificate (${keyName} is set)`);
  if (s.key === undefined)
    throw new ConfigError(
      `${keyName}: a TLS certificate needs its private key (${certName} is set)`,
    );
  const cert = readPem(s.cert, certName, 'certificate');
  const key = readPem(s.key, keyName, 'private key');
  try {
    createSecureContext({ cert, key });
  } catch (err) {
    throw new ConfigError(
      `${keyName}: ${s.key} is not the private key of the certificate ${s.cert} (${certName}), or one of them is not valid PEM: ${(err as Error).message}`,
    );
  }
  return { cert, key };
}

/**
 * The certificates a client trusts: Node's built-in roots plus the PEM CA file (a private CA),
 * or undefined (Node's defaults) without one. Throws ConfigError naming `setting` for an
 * unreadable file or one that holds no certificate.
 */
export function readCaFile(path: string | undefined, setting: string): string[] | undefined {
  if (path === undefined) return undefined;
  return [...rootCertificates, readCertificates(path, setting)];
}

/**
 * The PEM certificates of a file (a CA, or a certificate chain), checked; throws ConfigError
 * naming `setting` for an unreadable file or one that holds no valid certificate.
 */
export function readCertificates(path: string, setting: string): string {
  const pem = readPem(path, setting, 'certificate').toString('utf8');
  if (!pem.includes('-----BEGIN CERTIFICATE-----'))
    throw new ConfigError(`${setting}: ${path} holds no PEM certificate`);
  try {
    createSecureContext({ ca: pem });
  } catch (err) {
    throw new ConfigError(
      `${setting}: ${path} holds no valid certificate: ${(err as Error).message}`,
    );
  }
  return pem;
}
