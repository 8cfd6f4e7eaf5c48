/**
 * The floor of an EPMD on Node's TCP handles: the transport our server uses, answering a fixed
 * PORT2_RESP to the first data and closing, with no parsing, lookup or bookkeeping. What stands
 * between this and the C epmd is the runtime; what stands between this and our server is ours.
 * Run by bench/epmd/run.ts: node floor.js <port>
 */
import { encodePort2, transportFor } from '@riak-mesos/epmd';

const answer = encodePort2({
  name: 'riak-default-1',
  port: 40000,
  nodeType: 77,
  protocol: 0,
  highestVersion: 6,
  lowestVersion: 5,
  extra: Buffer.alloc(0),
  creation: 1,
});

void transportFor('handle').listen('127.0.0.1', Number(process.argv[2]), (c) => {
  c.onData = () => c.end(answer);
});
