import { Transform } from 'node:stream';
import type { TransformCallback } from 'node:stream';

/** Frames one record: `<length in bytes, decimal>\n<record>`, as Mesos streams events. */
export function encodeRecord(record: Uint8Array): Buffer {
  return Buffer.concat([Buffer.from(`${record.length}\n`), record]);
}

export class RecordIOError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'RecordIOError';
  }
}

/** The largest record accepted by default (Mesos offers for big clusters can be large). */
export const DEFAULT_MAX_RECORD_BYTES = 64 * 1024 * 1024;
const MAX_LENGTH_DIGITS = 20;

/**
 * Streaming RecordIO decoder: gives the same records for any split of the byte stream. A length
 * that is not a decimal number, longer than 20 digits, or larger than the maximum is an error
 * (and the decoder stops: after garbage, nothing that follows can be trusted).
 */
export class RecordIODecoder {
  private chunks: Buffer[] = [];
  private buffered = 0;
  private expected: number | undefined;
  private failed: RecordIOError | undefined;

  constructor(private readonly maxRecordBytes = DEFAULT_MAX_RECORD_BYTES) {}

  /** Feeds bytes; returns the records completed by them. Throws RecordIOError on garbage. */
  push(data: Uint8Array): Buffer[] {
    if (this.failed) throw this.failed;
    if (data.length) {
      this.chunks.push(Buffer.from(data.buffer, data.byteOffset, data.byteLength));
      this.buffered += data.length;
    }
    const out: Buffer[] = [];
    for (;;) {
      if (this.expected === undefined) {
        const header = this.readHeader();
        if (header === undefined) break;
        this.expected = header;
      }
      if (this.buffered < this.expected) break;
      out.push(this.take(this.expected));
      this.expected = undefined;
    }
    return out;
  }

  /** True when no partial record is held. */
  get idle(): boolean {
    return this.buffered === 0 && this.expected === undefined;
  }

  private fail(message: string): never {
    this.failed = new RecordIOError(message);
    throw this.failed;
  }

  private readHeader(): number | undefined {
    const all = this.chunks.length === 1 ? this.chunks[0] : Buffer.concat(this.chunks);
    this.chunks = all.length ? [all] : [];
    const nl = all.indexOf(0x0a);
    if (nl === -1) {
      if (all.length > MAX_LENGTH_DIGITS)
        this.fail(`RecordIO length header longer than ${MAX_LENGTH_DIGITS} characters`);
      if (all.length && !/^[0-9]*$/.test(all.toString('latin1')))
        this.fail(`RecordIO length is not a decimal number: '${printable(all)}'`);
      return undefined;
    }
    const text = all.subarray(0, nl).toString('latin1');
    if (!/^[0-9]{1,20}$/.test(text))
      this.fail(`RecordIO length is not a decimal number: '${printable(all.subarray(0, nl))}'`);
    const length = Number(text);
    if (length > this.maxRecordBytes)
      this.fail(
        `RecordIO record of ${length} bytes is larger than the limit of ${this.maxRecordBytes}`,
      );
    this.take(nl + 1);
    return length;
  }

  private take(n: number): Buffer {
    const all = this.chunks.length === 1 ? this.chunks[0] : Buffer.concat(this.chunks);
    const record = Buffer.from(all.subarray(0, n));
    const rest = all.subarray(n);
    this.chunks = rest.length ? [rest] : [];
    this.buffered = rest.length;
    return record;
  }
}

function printable(b: Buffer): string {
  return b
    .subarray(0, 24)
    .toString('latin1')
    .replace(/[^\x20-\x7e]/g, '?');
}

/** A Transform stream from bytes to records (object mode on the readable side). */
export class RecordIOStream extends Transform {
  private readonly decoder: RecordIODecoder;
  constructor(maxRecordBytes?: number) {
    super({ readableObjectMode: true });
    this.decoder = new RecordIODecoder(maxRecordBytes);
  }
  override _transform(chunk: Buffer, _enc: BufferEncoding, callback: TransformCallback): void {
    try {
      for (const r of this.decoder.push(chunk)) this.push(r);
      callback();
    } catch (err) {
      callback(err as Error);
    }
  }
}
