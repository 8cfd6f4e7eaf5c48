import {
  existsSync,
  mkdirSync,
  readFileSync,
  renameSync,
  writeFileSync,
  openSync,
  fsyncSync,
  closeSync,
} from 'node:fs';
import type { FileHandle } from 'node:fs/promises';
import { open } from 'node:fs/promises';
import { join } from 'node:path';

export type VClock = Record<string, number>;

/** A stored Riak object (allow_mult=false: one value per key, last write wins on conflict). */
export interface StoredObject {
  /** base64 of the value bytes */
  value: string;
  contentType: string;
  vclock: VClock;
  /** Wall-clock milliseconds of the write that made this version. */
  ts: number;
  deleted: boolean;
}

export interface Key {
  type: string;
  bucket: string;
  key: string;
}

export function keyId(k: Key): string {
  return `${k.type}\u0000${k.bucket}\u0000${k.key}`;
}

export function parseKeyId(id: string): Key {
  const [type, bucket, key] = id.split('\u0000');
  return { type, bucket, key };
}

/** True when `a` has seen everything `b` has. */
export function descends(a: VClock, b: VClock): boolean {
  return Object.entries(b).every(([actor, n]) => (a[actor] ?? 0) >= n);
}

export function maxClock(a: VClock, b: VClock): VClock {
  const out: VClock = { ...a };
  for (const [actor, n] of Object.entries(b)) out[actor] = Math.max(out[actor] ?? 0, n);
  return out;
}

/**
 * The version to keep of two: the one that descends the other, or for concurrent writes the
 * later one (ties broken by content, so every node picks the same), with both clocks merged.
 */
export function merge(
  a: StoredObject | undefined,
  b: StoredObject | undefined,
): StoredObject | undefined {
  if (!a) return b;
  if (!b) return a;
  if (descends(a.vclock, b.vclock)) return a;
  if (descends(b.vclock, a.vclock)) return b;
  const later =
    a.ts !== b.ts
      ? a.ts > b.ts
        ? a
        : b
      : `${a.deleted}${a.value}` >= `${b.deleted}${b.value}`
        ? a
        : b;
  return { ...later, vclock: maxClock(a.vclock, b.vclock) };
}

export function sameVersion(a: StoredObject | undefined, b: StoredObject | undefined): boolean {
  if (!a || !b) return a === b;
  return descends(a.vclock, b.vclock) && descends(b.vclock, a.vclock) && a.deleted === b.deleted;
}

/**
 * Objects in memory, made durable in an append-only log (`kv.log`) under the data directory:
 * every change is written and fdatasync'd before it is acknowledged (writes that arrive together
 * share one sync). The log is compacted when the node starts.
 */
export class ObjectStore {
  private readonly objects = new Map<string, StoredObject>();
  private fh: FileHandle | undefined;
  private queue: { line: string; done: (err?: Error) => void }[] = [];
  private flushing = false;
  private readonly file: string;

  constructor(dir: string) {
    mkdirSync(dir, { recursive: true });
    this.file = join(dir, 'kv.log');
  }

  async open(): Promise<void> {
    if (existsSync(this.file)) {
      const lines = readFileSync(this.file, 'utf8').split('\n');
      for (const line of lines) {
        if (!line) continue;
        try {
          const r = JSON.parse(line) as { id: string; o: StoredObject };
          this.objects.set(r.id, r.o);
        } catch {
          // A torn last line from a crash mid-write: that write was never acknowledged.
        }
      }
      // Compact: one line per object, written aside and renamed over the log.
      const tmp = `${this.file}.compact`;
      writeFileSync(
        tmp,
        [...this.objects].map(([id, o]) => `${JSON.stringify({ id, o })}\n`).join(''),
      );
      const fd = openSync(tmp, 'r+');
      fsyncSync(fd);
      closeSync(fd);
      renameSync(tmp, this.file);
    }
    this.fh = await open(this.file, 'a');
  }

  async close(): Promise<void> {
    while (this.flushing || this.queue.length) await new Promise((r) => setTimeout(r, 5));
    await this.fh?.close();
    this.fh = undefined;
  }

  get(id: string): StoredObject | undefined {
    return this.objects.get(id);
  }

  get size(): number {
    return this.objects.size;
  }

  ids(): IterableIterator<string> {
    return this.objects.keys();
  }

  entries(): [string, StoredObject][] {
    return [...this.objects];
  }

  /** Merges `incoming` with what is stored; persists and resolves with the result. */
  async merge(id: string, incoming: StoredObject): Promise<StoredObject> {
    const current = this.objects.get(id);
    const next = merge(current, incoming)!;
    if (current && sameVersion(current, next) && current.ts === next.ts) return current;
    this.objects.set(id, next);
    await this.append(JSON.stringify({ id, o: next }));
    return next;
  }

  private append(line: string): Promise<void> {
    return new Promise((resolve, reject) => {
      this.queue.push({ line, done: (err) => (err ? reject(err) : resolve()) });
      void this.flush();
    });
  }

  private async flush(): Promise<void> {
    if (this.flushing || !this.fh) return;
    this.flushing = true;
    try {
      while (this.queue.length) {
        const batch = this.queue;
        this.queue = [];
        try {
          await this.fh.write(batch.map((b) => `${b.line}\n`).join(''));
          await this.fh.datasync();
          for (const b of batch) b.done();
        } catch (err) {
          for (const b of batch) b.done(err as Error);
        }
      }
    } finally {
      this.flushing = false;
    }
  }
}
