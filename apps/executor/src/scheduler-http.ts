import type { IncomingHttpHeaders } from 'node:http';
import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { rootCertificates } from 'node:tls';

export interface GetOptions {
  headers?: Record<string, string>;
  /** PEM certificates trusted besides the system's (the task data's `SchedulerCA`). */
  ca?: string;
  timeoutMs: number;
}

export interface TextAnswer {
  status: number;
  headers: IncomingHttpHeaders;
  body: string;
}

/** Text bodies above this are refused (templates are a few KiB). */
const LIMIT = 4 << 20;

/**
 * GETs `url` (http or https) and reads the answer as text. For https, `ca` is trusted besides
 * Node's roots (the scheduler's private CA). Rejects with Node's error (its `code` says why:
 * `ECONNREFUSED`, `UNABLE_TO_VERIFY_LEAF_SIGNATURE`, `ERR_TLS_CERT_ALTNAME_INVALID`, …).
 */
export function getText(url: string, o: GetOptions): Promise<TextAnswer> {
  const u = new URL(url);
  const https = u.protocol === 'https:';
  return new Promise((resolve, reject) => {
    const req = (https ? httpsRequest : httpRequest)(
      u,
      {
        method: 'GET',
        headers: o.headers ?? {},
        agent: false,
        signal: AbortSignal.timeout(o.timeoutMs),
        ...(https && o.ca ? { ca: [...rootCertificates, o.ca] } : {}),
      },
      (res) => {
        const chunks: Buffer[] = [];
        let size = 0;
        res.on('data', (c: Buffer) => {
          size += c.length;
          if (size > LIMIT) req.destroy(new Error(`answer larger than ${LIMIT} bytes`));
          else chunks.push(c);
        });
        res.on('end', () =>
          resolve({
            status: res.statusCode ?? 0,
            headers: res.headers,
            body: Buffer.concat(chunks).toString('utf8'),
          }),
        );
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.end();
  });
}
