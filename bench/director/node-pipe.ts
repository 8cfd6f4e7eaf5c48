/**
 * The thinnest TCP proxy Node.js can run, as a yardstick for the director benchmark: what a proxy
 * costs on this runtime before any logic of its own. Each client connection gets the next
 * backend in turn, connected on the client's path, and is piped both ways (`pipe()`, TCP_NODELAY,
 * half-close passed on). No health checks, no pool, no protocol knowledge.
 *
 * Usage: `tsx bench/director/node-pipe.ts host:port[,host:port...]`; prints one JSON line
 * `{"port":N}` once listening on 127.0.0.1, and runs until killed.
 */
import type { AddressInfo, Socket } from 'node:net';
import { connect, createServer } from 'node:net';

const backends = (process.argv[2] ?? '').split(',').map((b) => {
  const [host, port] = b.split(':');
  if (!host || !Number(port)) {
    console.error(`node-pipe: '${b}' is not host:port`);
    process.exit(2);
  }
  return { host, port: Number(port) };
});

let next = 0;
const server = createServer({ allowHalfOpen: true, noDelay: true }, (client: Socket) => {
  const b = backends[next++ % backends.length];
  const upstream = connect({ host: b.host, port: b.port, allowHalfOpen: true, noDelay: true });
  const close = () => {
    client.destroy();
    upstream.destroy();
  };
  client.on('error', close);
  upstream.on('error', close);
  client.on('close', () => upstream.end());
  upstream.on('close', () => client.end());
  client.pipe(upstream);
  upstream.pipe(client);
});
server.listen(0, '127.0.0.1', () => {
  console.log(JSON.stringify({ port: (server.address() as AddressInfo).port }));
});
