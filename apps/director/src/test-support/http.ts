import { request } from 'node:http';
import type { Socket } from 'node:net';
import { connect } from 'node:net';

export interface HttpResult {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
  json: () => any;
}

/** One HTTP request on a fresh connection. */
export function http(
  port: number,
  method: string,
  path: string,
  options: { headers?: Record<string, string>; body?: string } = {},
): Promise<HttpResult> {
  return new Promise((resolve, reject) => {
    const req = request(
      { host: '127.0.0.1', port, method, path, agent: false, headers: options.headers },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          const body = Buffer.concat(chunks).toString();
          resolve({
            status: res.statusCode ?? 0,
            headers: res.headers,
            body,
            json: () => JSON.parse(body),
          });
        });
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.setTimeout(10000, () => req.destroy(new Error(`${method} ${path} timed out`)));
    req.end(options.body);
  });
}

/** Sends raw bytes and resolves with whatever comes back before the peer closes (or timeout). */
export function raw(
  port: number,
  data: Buffer | string,
  options: { end?: boolean; waitMs?: number } = {},
): Promise<Buffer> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    const s: Socket = connect({ port, host: '127.0.0.1' });
    const done = () => {
      clearTimeout(t);
      s.destroy();
      resolve(Buffer.concat(chunks));
    };
    const t = setTimeout(done, options.waitMs ?? 2000);
    s.on('connect', () => {
      s.write(data, () => {
        if (options.end) s.end();
      });
    });
    s.on('data', (c: Buffer) => chunks.push(c));
    s.on('error', done);
    s.on('close', done);
  });
}
