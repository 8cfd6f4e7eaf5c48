import type { IncomingMessage } from 'node:http';
import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { z } from 'zod';
import { ruleRefusalAnswerSchema } from '@riak-mesos/framework-contract';
import { CliError } from './errors';

/**
 * An error answer: a change the configuration rules refused (one line per violated rule), the
 * scheduler's `{"error": {"message"}}`, or Marathon's `{"message"}`.
 */
const errorAnswerSchema = z.union([
  ruleRefusalAnswerSchema.transform(
    (e) =>
      'refused by the configuration rules:\n' +
      e.error.violations.map((v) => `  ${v.rule} (${v.field}): ${v.message}`).join('\n'),
  ),
  z.object({ error: z.object({ message: z.string() }) }).transform((e) => e.error.message),
  z.object({ message: z.string() }).transform((e) => e.message),
]);

export interface HttpResult<T> {
  status: number;
  body: T;
}

/** Node's codes for a server certificate the client does not trust (or that names another host). */
const UNTRUSTED = new Set([
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'UNABLE_TO_GET_ISSUER_CERT',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'SELF_SIGNED_CERT_IN_CHAIN',
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'CERT_UNTRUSTED',
  'CERT_SIGNATURE_FAILURE',
]);

/** One line saying why a request failed, with what to do when it is TLS. */
export function describeRequestError(
  err: unknown,
  what: string,
  baseUrl: string,
  timeoutMs: number,
): string {
  const e = err as NodeJS.ErrnoException & { reason?: string };
  const code = e.code ?? '';
  const at = `the ${what} at ${baseUrl}`;
  if (e.name === 'AbortError' || e.name === 'TimeoutError' || code === 'ABORT_ERR')
    return `${at} did not answer within ${timeoutMs / 1000} s`;
  if (UNTRUSTED.has(code))
    return `TLS: ${at} has a certificate this CLI does not trust (${code}); give the CA that signed it with --ca-file <pem>, RIAK_MESOS_CA_FILE or riak.ca-file in the config file`;
  if (code === 'CERT_HAS_EXPIRED' || code === 'CERT_NOT_YET_VALID')
    return `TLS: ${at} has a certificate that is not valid now (${code})`;
  if (code === 'ERR_TLS_CERT_ALTNAME_INVALID')
    return `TLS: the certificate of ${at} is not for this host name (${e.reason ?? code}); use a name the certificate lists`;
  if (code === 'EPROTO' || code === 'ERR_SSL_WRONG_VERSION_NUMBER')
    return `TLS: cannot make a TLS connection to ${at} (${code}): is it served over plain http? then use http://`;
  if (baseUrl.startsWith('http:') && (code === 'ECONNRESET' || e.message === 'socket hang up'))
    return `cannot reach ${at}: the connection was closed (${code || e.message}); if it is served over https, use https://`;
  return `cannot reach ${at}: ${code || e.message}`;
}

/**
 * A small JSON-over-HTTP(S) client (Node's http and https) that turns every failure into a
 * CliError naming what failed; `ca` (Node's roots plus a private CA, `--ca-file`) is trusted for
 * https.
 */
export class HttpClient {
  constructor(
    readonly baseUrl: string,
    private readonly what: string,
    private readonly headers: Record<string, string> = {},
    private readonly timeoutMs = 15000,
    private readonly ca?: string[],
  ) {}

  private send(
    method: string,
    url: URL,
    headers: Record<string, string>,
    body: string | undefined,
  ): Promise<{ res: IncomingMessage; text: string }> {
    const https = url.protocol === 'https:';
    return new Promise((resolve, reject) => {
      const req = (https ? httpsRequest : httpRequest)(
        url,
        {
          method,
          headers: {
            ...headers,
            ...(body === undefined ? {} : { 'content-length': Buffer.byteLength(body) }),
          },
          signal: AbortSignal.timeout(this.timeoutMs),
          ...(https && this.ca ? { ca: this.ca } : {}),
        },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('end', () => resolve({ res, text: Buffer.concat(chunks).toString('utf8') }));
          res.on('error', reject);
        },
      );
      req.on('error', reject);
      req.end(body);
    });
  }

  async request<T = unknown>(
    method: string,
    path: string,
    body?: unknown,
    options: { accept404?: boolean; text?: boolean; anyStatus?: boolean } = {},
  ): Promise<HttpResult<T>> {
    const url = this.baseUrl + path;
    let answer: { res: IncomingMessage; text: string };
    try {
      answer = await this.send(
        method,
        new URL(url),
        {
          accept: 'application/json',
          ...this.headers,
          ...(body === undefined
            ? {}
            : { 'content-type': typeof body === 'string' ? 'text/plain' : 'application/json' }),
        },
        body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
      );
    } catch (err) {
      throw new CliError(describeRequestError(err, this.what, this.baseUrl, this.timeoutMs));
    }
    const { res, text } = answer;
    const status = res.statusCode ?? 0;
    let parsed: unknown = text;
    if (!options.text) {
      try {
        parsed = text === '' ? undefined : JSON.parse(text);
      } catch {
        parsed = text;
      }
    }
    // `anyStatus`: the status is the answer (health states), except a refusal of the request.
    const answered = options.anyStatus && ![400, 401, 403, 404].includes(status);
    if ((status >= 200 && status < 300) || answered || (options.accept404 && status === 404))
      return { status, body: parsed as T };
    const error = errorAnswerSchema.safeParse(parsed);
    const message = error.success ? error.data : text.slice(0, 200) || res.statusMessage || '';
    throw new CliError(`${this.what} answered ${status} to ${method} ${path}: ${message}`);
  }

  get<T = unknown>(
    path: string,
    options?: { accept404?: boolean; text?: boolean; anyStatus?: boolean },
  ) {
    return this.request<T>('GET', path, undefined, options);
  }
}
