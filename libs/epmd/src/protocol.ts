/**
 * The EPMD wire protocol (Erlang's "Distribution Protocol", EPMD part). Requests are framed with a
 * 2-byte big-endian length; replies are raw.
 */
export const ALIVE2_REQ = 120; // 'x'
export const ALIVE2_RESP = 121; // 'y'
export const ALIVE2_X_RESP = 118; // 'v'
export const PORT_PLEASE2_REQ = 122; // 'z'
export const PORT2_RESP = 119; // 'w'
export const NAMES_REQ = 110; // 'n'
export const DUMP_REQ = 100; // 'd'
export const KILL_REQ = 107; // 'k'
export const STOP_REQ = 115; // 's'
/**
 * Not in stock EPMD, which closes the connection on it: opens a lookup session, a connection
 * that stays open for any number of PORT_PLEASE2 requests, each answered with a PORT2_RESP
 * framed like a request (2-byte length). Request: the code and the highest session version the
 * client speaks; answer (framed): the code, result 0 and the version chosen.
 */
export const LOOKUP_SESSION_REQ = 82; // 'R'
/** The lookup session version this library speaks. */
export const LOOKUP_SESSION_VERSION = 1;

export const NODE_TYPE_NORMAL = 77; // 'M'
export const NODE_TYPE_HIDDEN = 72; // 'H'

/** Longest node (alive) name accepted, as Erlang allows 255 characters. */
export const MAX_NAME_LENGTH = 255;

export interface Registration {
  name: string;
  port: number;
  nodeType: number;
  protocol: number;
  highestVersion: number;
  lowestVersion: number;
  extra: Buffer;
  creation: number;
}

export class EpmdProtocolError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'EpmdProtocolError';
  }
}

export type Request =
  | { type: 'alive2'; registration: Omit<Registration, 'creation'> }
  | { type: 'port_please2'; name: string }
  | { type: 'names' }
  | { type: 'dump' }
  | { type: 'kill' }
  | { type: 'stop'; name: string }
  | { type: 'lookup_session'; version: number };

const NAME = /^[A-Za-z0-9_.-]+$/;

function name(buf: Buffer, what: string): string {
  if (buf.length === 0 || buf.length > MAX_NAME_LENGTH)
    throw new EpmdProtocolError(`${what}: name length ${buf.length} out of range`);
  const s = buf.toString('latin1');
  if (!NAME.test(s)) throw new EpmdProtocolError(`${what}: invalid node name`);
  return s;
}

/** Parses one request body (after the length prefix). Throws EpmdProtocolError on anything malformed. */
export function parseRequest(body: Buffer): Request {
  if (body.length === 0) throw new EpmdProtocolError('empty request');
  const code = body[0];
  switch (code) {
    case ALIVE2_REQ: {
      if (body.length < 13) throw new EpmdProtocolError('ALIVE2_REQ too short');
      const port = body.readUInt16BE(1);
      const nodeType = body[3];
      const protocol = body[4];
      const highestVersion = body.readUInt16BE(5);
      const lowestVersion = body.readUInt16BE(7);
      const nlen = body.readUInt16BE(9);
      if (11 + nlen + 2 > body.length)
        throw new EpmdProtocolError('ALIVE2_REQ name runs past the request');
      const n = name(body.subarray(11, 11 + nlen), 'ALIVE2_REQ');
      const elen = body.readUInt16BE(11 + nlen);
      const extraStart = 13 + nlen;
      if (extraStart + elen !== body.length)
        throw new EpmdProtocolError('ALIVE2_REQ extra length does not match the request');
      if (port === 0) throw new EpmdProtocolError('ALIVE2_REQ port 0');
      if (nodeType !== NODE_TYPE_NORMAL && nodeType !== NODE_TYPE_HIDDEN)
        throw new EpmdProtocolError(`ALIVE2_REQ unknown node type ${nodeType}`);
      if (lowestVersion > highestVersion)
        throw new EpmdProtocolError('ALIVE2_REQ lowest version above highest');
      return {
        type: 'alive2',
        registration: {
          name: n,
          port,
          nodeType,
          protocol,
          highestVersion,
          lowestVersion,
          extra: Buffer.from(body.subarray(extraStart)),
        },
      };
    }
    case PORT_PLEASE2_REQ:
      return { type: 'port_please2', name: name(body.subarray(1), 'PORT_PLEASE2_REQ') };
    case NAMES_REQ:
      if (body.length !== 1) throw new EpmdProtocolError('NAMES_REQ takes no arguments');
      return { type: 'names' };
    case DUMP_REQ:
      if (body.length !== 1) throw new EpmdProtocolError('DUMP_REQ takes no arguments');
      return { type: 'dump' };
    case KILL_REQ:
      if (body.length !== 1) throw new EpmdProtocolError('KILL_REQ takes no arguments');
      return { type: 'kill' };
    case STOP_REQ:
      return { type: 'stop', name: name(body.subarray(1), 'STOP_REQ') };
    case LOOKUP_SESSION_REQ:
      if (body.length !== 2 || body[1] === 0)
        throw new EpmdProtocolError('LOOKUP_SESSION_REQ takes one version byte, 1 or more');
      return { type: 'lookup_session', version: body[1] };
    default:
      throw new EpmdProtocolError(`unknown request ${code}`);
  }
}

/**
 * Splits the first frame (2-byte length, then the body) off `buf`: its body and what follows
 * once it is whole, undefined while it is not, null when its length is 0 or over `max`.
 */
export function takeFrame(
  buf: Buffer,
  max = 0xffff,
): { body: Buffer; rest: Buffer | undefined } | undefined | null {
  if (buf.length < 2) return undefined;
  const len = buf.readUInt16BE(0);
  if (len === 0 || len > max) return null;
  if (buf.length < 2 + len) return undefined;
  return {
    body: buf.subarray(2, 2 + len),
    rest: buf.length > 2 + len ? buf.subarray(2 + len) : undefined,
  };
}

export function frame(body: Buffer): Buffer {
  const out = Buffer.alloc(2 + body.length);
  out.writeUInt16BE(body.length, 0);
  body.copy(out, 2);
  return out;
}

export function encodeAlive2(r: Omit<Registration, 'creation'>): Buffer {
  const n = Buffer.from(r.name, 'latin1');
  const b = Buffer.alloc(13 + n.length + r.extra.length);
  b[0] = ALIVE2_REQ;
  b.writeUInt16BE(r.port, 1);
  b[3] = r.nodeType;
  b[4] = r.protocol;
  b.writeUInt16BE(r.highestVersion, 5);
  b.writeUInt16BE(r.lowestVersion, 7);
  b.writeUInt16BE(n.length, 9);
  n.copy(b, 11);
  b.writeUInt16BE(r.extra.length, 11 + n.length);
  r.extra.copy(b, 13 + n.length);
  return frame(b);
}

/** A framed PORT_PLEASE2_REQ. */
export function encodePortPlease2(name: string): Buffer {
  return frame(Buffer.concat([Buffer.from([PORT_PLEASE2_REQ]), Buffer.from(name, 'latin1')]));
}

/** The framed answer opening a lookup session: the version both sides speak. */
export function encodeLookupSessionAnswer(clientVersion: number): Buffer {
  return frame(
    Buffer.from([LOOKUP_SESSION_REQ, 0, Math.min(clientVersion, LOOKUP_SESSION_VERSION)]),
  );
}

/** ALIVE2_X_RESP (32-bit creation) for nodes of distribution version 6 and up, else ALIVE2_RESP. */
export function encodeAliveResponse(result: number, creation: number, extended: boolean): Buffer {
  if (extended) {
    const b = Buffer.alloc(6);
    b[0] = ALIVE2_X_RESP;
    b[1] = result;
    b.writeUInt32BE(creation >>> 0, 2);
    return b;
  }
  const b = Buffer.alloc(4);
  b[0] = ALIVE2_RESP;
  b[1] = result;
  b.writeUInt16BE(creation & 0xffff, 2);
  return b;
}

export function encodePort2(r: Registration | undefined): Buffer {
  if (!r) return Buffer.from([PORT2_RESP, 1]);
  const n = Buffer.from(r.name, 'latin1');
  const b = Buffer.alloc(14 + n.length + r.extra.length);
  b[0] = PORT2_RESP;
  b[1] = 0;
  b.writeUInt16BE(r.port, 2);
  b[4] = r.nodeType;
  b[5] = r.protocol;
  b.writeUInt16BE(r.highestVersion, 6);
  b.writeUInt16BE(r.lowestVersion, 8);
  b.writeUInt16BE(n.length, 10);
  n.copy(b, 12);
  b.writeUInt16BE(r.extra.length, 12 + n.length);
  r.extra.copy(b, 14 + n.length);
  return b;
}

export function decodePort2(b: Buffer): Registration | undefined {
  if (b.length < 2 || b[0] !== PORT2_RESP) throw new EpmdProtocolError('not a PORT2_RESP');
  if (b[1] !== 0) return undefined;
  if (b.length < 14) throw new EpmdProtocolError('PORT2_RESP too short');
  const nlen = b.readUInt16BE(10);
  const elen = b.readUInt16BE(12 + nlen);
  return {
    name: b.subarray(12, 12 + nlen).toString('latin1'),
    port: b.readUInt16BE(2),
    nodeType: b[4],
    protocol: b[5],
    highestVersion: b.readUInt16BE(6),
    lowestVersion: b.readUInt16BE(8),
    extra: Buffer.from(b.subarray(14 + nlen, 14 + nlen + elen)),
    creation: 0,
  };
}

/** NAMES reply: the EPMD port (4 bytes) and one line per normal node, as stock epmd prints. */
export function encodeNames(epmdPort: number, regs: Registration[]): Buffer {
  const head = Buffer.alloc(4);
  head.writeUInt32BE(epmdPort, 0);
  const lines = regs
    .filter((r) => r.nodeType === NODE_TYPE_NORMAL)
    .map((r) => `name ${r.name} at port ${r.port}\n`);
  return Buffer.concat([head, Buffer.from(lines.join(''), 'latin1')]);
}

/** DUMP reply in stock epmd's format (angle brackets around names). */
export function encodeDump(epmdPort: number, regs: Registration[]): Buffer {
  const head = Buffer.alloc(4);
  head.writeUInt32BE(epmdPort, 0);
  const lines = regs.map(
    (r, i) => `active name     <${r.name}> at port ${r.port}, fd = ${i + 1}\n`,
  );
  return Buffer.concat([head, Buffer.from(lines.join(''), 'latin1')]);
}
