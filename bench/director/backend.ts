/**
 * Fast Riak-PB-speaking backends for the director benchmark, in their own process so that their
 * CPU is not the load generator's. Usage: `tsx bench/director/backend.ts <count>`; prints one JSON
 * line `{"nodes":[{"pb":port,"http":port},...]}` once listening, and runs until killed.
 *
 * PB (`<4-byte length><code><payload>`): RpbPingReq (1) → RpbPingResp (2); RpbGetReq (9) →
 * RpbGetResp (10) with a 100-byte value; RpbPutReq (11) → RpbPutResp (12) echoing the payload
 * (like `return_body`), used for bulk transfer. Anything else → RpbErrorResp (0).
 * HTTP: `GET /ping` → 200 OK (for health checks).
 */
import { createServer as createHttpServer } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { createServer } from 'node:net';

const PING_RESP = Buffer.from([0, 0, 0, 1, 2]);
const ERROR_RESP = Buffer.from([0, 0, 0, 1, 0]);
const VALUE = Buffer.alloc(100, 0x61);
// RpbGetResp { content: [{ value }] }: field 1 (content) holding field 1 (value).
const GET_RESP = (() => {
  const content = Buffer.concat([Buffer.from([0x0a, VALUE.length]), VALUE]);
  const body = Buffer.concat([Buffer.from([0x0a, content.length]), content]);
  const head = Buffer.alloc(5);
  head.writeUInt32BE(body.length + 1, 0);
  head[4] = 10;
  return Buffer.concat([head, body]);
})();
const MAX_FRAME = 64 * 1024 * 1024;

function serve(s: Socket): void {
  s.setNoDelay(true);
  let buf: Buffer = Buffer.alloc(0);
  s.on('error', () => s.destroy());
  s.on('data', (chunk: Buffer) => {
    buf = buf.length ? Buffer.concat([buf, chunk]) : chunk;
    const out: Buffer[] = [];
    while (buf.length >= 5) {
      const len = buf.readUInt32BE(0);
      if (len < 1 || len > MAX_FRAME) {
        s.destroy();
        return;
      }
      if (buf.length < 4 + len) break;
      const code = buf[4];
      if (code === 1) out.push(PING_RESP);
      else if (code === 9) out.push(GET_RESP);
      else if (code === 11) {
        const reply = Buffer.from(buf.subarray(0, 4 + len));
        reply[4] = 12;
        out.push(reply);
      } else out.push(ERROR_RESP);
      buf = buf.subarray(4 + len);
    }
    if (out.length === 1) s.write(out[0]);
    else if (out.length > 1) s.write(Buffer.concat(out));
  });
}

async function listen(
  server: ReturnType<typeof createServer> | ReturnType<typeof createHttpServer>,
) {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  return (server.address() as AddressInfo).port;
}

async function main(): Promise<void> {
  const count = Number(process.argv[2] ?? 3);
  const nodes: { pb: number; http: number }[] = [];
  for (let i = 0; i < count; i++) {
    const pb = await listen(createServer({ noDelay: true }, serve));
    const http = await listen(
      createHttpServer((req, res) => {
        req.resume();
        res.writeHead(req.url === '/ping' ? 200 : 404, { 'content-type': 'text/plain' });
        res.end(req.url === '/ping' ? 'OK' : 'not found');
      }),
    );
    nodes.push({ pb, http });
  }
  process.stdout.write(JSON.stringify({ nodes }) + '\n');
  process.on('SIGTERM', () => process.exit(0));
}

void main();
