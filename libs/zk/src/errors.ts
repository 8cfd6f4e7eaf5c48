import { Exception } from 'node-zookeeper-client';

/** Base of every error this library throws for a ZooKeeper answer. `code` is ZooKeeper's. */
export class ZkError extends Error {
  constructor(
    message: string,
    readonly code: number,
    readonly path?: string,
  ) {
    super(message);
    this.name = new.target.name;
  }
}
export class NoNodeError extends ZkError {}
export class NodeExistsError extends ZkError {}
/** Compare-and-set conflict: the node changed since the version the caller read. */
export class BadVersionError extends ZkError {}
export class NotEmptyError extends ZkError {}
export class NoAuthError extends ZkError {}
export class ConnectionLossError extends ZkError {}
export class SessionExpiredError extends ZkError {}
export class NoChildrenForEphemeralsError extends ZkError {}
/** The client was closed by its owner. */
export class ClientClosedError extends ZkError {}

/** A multi-operation transaction failed as a whole; `index` is the operation that failed. */
/** A write of a fenced client refused because its fence node is gone (see ZkClient.setFence). */
export class FencedError extends ZkError {}

export class TransactionError extends ZkError {
  constructor(
    message: string,
    code: number,
    readonly index: number,
    override readonly cause: ZkError,
  ) {
    super(message, code, cause.path);
  }
}

/** A name that cannot become a ZooKeeper path segment (or a file name). */
export class InvalidNameError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'InvalidNameError';
  }
}

/** A stored document that is not valid JSON or does not match its schema. */
export class InvalidDocumentError extends Error {
  constructor(
    message: string,
    readonly path: string,
  ) {
    super(message);
    this.name = 'InvalidDocumentError';
  }
}

const byCode = new Map<number, new (m: string, c: number, p?: string) => ZkError>([
  [Exception.NO_NODE, NoNodeError],
  [Exception.NODE_EXISTS, NodeExistsError],
  [Exception.BAD_VERSION, BadVersionError],
  [Exception.NOT_EMPTY, NotEmptyError],
  [Exception.NO_AUTH, NoAuthError],
  [Exception.CONNECTION_LOSS, ConnectionLossError],
  [Exception.SESSION_EXPIRED, SessionExpiredError],
  [Exception.NO_CHILDREN_FOR_EPHEMERALS, NoChildrenForEphemeralsError],
]);

const describe = new Map<number, string>([
  [Exception.NO_NODE, 'no such node'],
  [Exception.NODE_EXISTS, 'node already exists'],
  [Exception.BAD_VERSION, 'version conflict (the node changed since it was read)'],
  [Exception.NOT_EMPTY, 'node has children'],
  [Exception.NO_AUTH, 'not authorised'],
  [Exception.CONNECTION_LOSS, 'connection to ZooKeeper lost'],
  [Exception.SESSION_EXPIRED, 'ZooKeeper session expired'],
  [Exception.NO_CHILDREN_FOR_EPHEMERALS, 'ephemeral nodes cannot have children'],
]);

/** Turns what node-zookeeper-client reports into one of the typed errors above. */
export function toZkError(err: unknown, op: string, path?: string): ZkError | Error {
  if (err instanceof ZkError) return err;
  if (err instanceof Exception) {
    const code = err.getCode();
    const Ctor = byCode.get(code) ?? ZkError;
    const what = describe.get(code) ?? err.getName();
    return new Ctor(`ZooKeeper ${op}${path ? ` ${path}` : ''}: ${what}`, code, path);
  }
  return err instanceof Error ? err : new Error(String(err));
}
