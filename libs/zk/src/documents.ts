import type { ZodType } from 'zod';
import type { ZkClient } from './client';
import { BadVersionError, InvalidDocumentError, NoNodeError, NodeExistsError } from './errors';

export interface DocumentStoreOptions<T> {
  /** What the documents are, e.g. `cluster`; stored in each document and checked on read. */
  kind: string;
  /** The schema version this code writes. */
  schemaVersion: number;
  schema: ZodType<T>;
  /**
   * Turns the data of an older schema version into the current shape. Without it, a document of
   * another version is an InvalidDocumentError.
   */
  migrate?: (data: unknown, fromVersion: number) => unknown;
}

export interface Versioned<T> {
  value: T;
  /** ZooKeeper's data version, for compare-and-set. */
  version: number;
}

interface Envelope {
  kind: string;
  schemaVersion: number;
  data: unknown;
}

/**
 * Typed JSON documents in ZooKeeper: `{"kind", "schemaVersion", "data"}`, validated on every
 * read and write, written with compare-and-set.
 */
export class DocumentStore<T> {
  constructor(
    private readonly zk: ZkClient,
    private readonly options: DocumentStoreOptions<T>,
  ) {}

  /** Validates `value` and returns the bytes that would be stored (for transactions). */
  encode(value: T, path = '(new document)'): Buffer {
    const checked = this.options.schema.safeParse(value);
    if (!checked.success) {
      throw new InvalidDocumentError(
        `refusing to write an invalid ${this.options.kind} document at ${path}: ${formatIssues(checked.error.issues)}`,
        path,
      );
    }
    const envelope: Envelope = {
      kind: this.options.kind,
      schemaVersion: this.options.schemaVersion,
      data: checked.data,
    };
    return Buffer.from(JSON.stringify(envelope));
  }

  /** Parses and validates stored bytes. */
  decode(bytes: Buffer, path: string): T {
    let envelope: Envelope;
    try {
      envelope = JSON.parse(bytes.toString('utf8')) as Envelope;
    } catch (err) {
      throw new InvalidDocumentError(
        `${this.options.kind} document at ${path} is not valid JSON: ${(err as Error).message}`,
        path,
      );
    }
    if (
      !envelope ||
      typeof envelope !== 'object' ||
      envelope.kind !== this.options.kind ||
      typeof envelope.schemaVersion !== 'number'
    ) {
      throw new InvalidDocumentError(
        `document at ${path} is not a ${this.options.kind} document (expected {"kind":"${this.options.kind}","schemaVersion":N,"data":...})`,
        path,
      );
    }
    let data = envelope.data;
    if (envelope.schemaVersion !== this.options.schemaVersion) {
      if (!this.options.migrate || envelope.schemaVersion > this.options.schemaVersion) {
        throw new InvalidDocumentError(
          `${this.options.kind} document at ${path} has schema version ${envelope.schemaVersion}; this program reads version ${this.options.schemaVersion}`,
          path,
        );
      }
      data = this.options.migrate(data, envelope.schemaVersion);
    }
    const checked = this.options.schema.safeParse(data);
    if (!checked.success) {
      throw new InvalidDocumentError(
        `${this.options.kind} document at ${path} is invalid: ${formatIssues(checked.error.issues)}`,
        path,
      );
    }
    return checked.data;
  }

  async read(path: string): Promise<Versioned<T> | null> {
    const got = await this.zk.getOrNull(path);
    if (!got) return null;
    return { value: this.decode(got.data, path), version: got.stat.version };
  }

  async create(path: string, value: T, options: { parents?: boolean } = {}): Promise<Versioned<T>> {
    await this.zk.create(path, this.encode(value, path), { parents: options.parents ?? true });
    return { value, version: 0 };
  }

  /** Writes only if the stored version is still `expectedVersion` (BadVersionError otherwise). */
  async write(path: string, value: T, expectedVersion: number): Promise<Versioned<T>> {
    const stat = await this.zk.set(path, this.encode(value, path), expectedVersion);
    return { value, version: stat.version };
  }

  /**
   * Read-modify-write with compare-and-set, retried on conflict. `fn` gets the current value
   * (null if absent) and returns the new one, or `undefined` to leave the document as it is.
   */
  async update(
    path: string,
    fn: (current: T | null) => T | undefined,
    retries = 20,
  ): Promise<Versioned<T> | null> {
    for (let attempt = 0; ; attempt++) {
      const current = await this.read(path);
      const next = fn(current ? current.value : null);
      if (next === undefined) return current;
      try {
        return current
          ? await this.write(path, next, current.version)
          : await this.create(path, next);
      } catch (err) {
        const conflict =
          err instanceof BadVersionError ||
          err instanceof NodeExistsError ||
          err instanceof NoNodeError;
        if (!conflict || attempt >= retries) throw err;
      }
    }
  }

  /** Every valid document directly under `parent`, by child name; invalid ones are reported. */
  async list(
    parent: string,
  ): Promise<{ documents: Map<string, Versioned<T>>; invalid: InvalidDocumentError[] }> {
    const documents = new Map<string, Versioned<T>>();
    const invalid: InvalidDocumentError[] = [];
    let names: string[];
    try {
      names = await this.zk.children(parent);
    } catch (err) {
      if (err instanceof NoNodeError) return { documents, invalid };
      throw err;
    }
    for (const name of names.sort()) {
      try {
        const doc = await this.read(`${parent}/${name}`);
        if (doc) documents.set(name, doc);
      } catch (err) {
        if (err instanceof InvalidDocumentError) invalid.push(err);
        else throw err;
      }
    }
    return { documents, invalid };
  }
}

function formatIssues(issues: { path: PropertyKey[]; message: string }[]): string {
  return issues
    .slice(0, 5)
    .map((i) => `${i.path.length ? i.path.map(String).join('.') : '(root)'}: ${i.message}`)
    .join('; ');
}
