import { PbBoundaryTracker } from './pb-boundary';

/** A PB frame: 4-byte length of code + payload, the code, the payload. */
function frame(code: number, payloadBytes = 0): Buffer {
  const out = Buffer.alloc(5 + payloadBytes, 7);
  out.writeUInt32BE(1 + payloadBytes, 0);
  out[4] = code;
  return out;
}

/** Feeds `bytes` in chunks of `size`, calling `each` after every chunk. */
function feed(bytes: Buffer, size: number, into: (b: Buffer) => void, each?: () => void): void {
  for (let i = 0; i < bytes.length; i += size) {
    into(bytes.subarray(i, i + size));
    each?.();
  }
}

const PUT = 11;
const PUT_RESP = 12;
const GET = 9;
const ERROR_RESP = 0;
const LIST_KEYS = 17;

describe('PB request boundaries', () => {
  it('is at a boundary only when every request has its whole answer, however the bytes are split', () => {
    for (const size of [1, 2, 3, 5, 7, 64]) {
      const t = new PbBoundaryTracker();
      expect(t.atBoundary).toBe(true);
      const requests = Buffer.concat([frame(PUT, 40), frame(GET, 9)]);
      feed(
        requests,
        size,
        (b) => t.fromClient(b),
        () => expect(t.atBoundary).toBe(false),
      );
      const answers = Buffer.concat([frame(PUT_RESP, 3), frame(ERROR_RESP, 20)]);
      const seen: boolean[] = [];
      feed(
        answers,
        size,
        (b) => t.fromServer(b),
        () => seen.push(t.atBoundary),
      );
      // Only the last chunk completes the second answer.
      expect(seen.slice(0, -1).every((x) => !x)).toBe(true);
      expect(seen.at(-1)).toBe(true);
      expect(t.pinned).toBeUndefined();
    }
  });

  it('counts a request from its header: half a request sent is not a boundary', () => {
    const t = new PbBoundaryTracker();
    const put = frame(PUT, 10);
    t.fromClient(put.subarray(0, 3));
    expect(t.atBoundary).toBe(false);
    t.fromClient(put.subarray(3));
    expect(t.atBoundary).toBe(false);
    t.fromServer(frame(PUT_RESP));
    expect(t.atBoundary).toBe(true);
  });

  it('pins a connection that streams, sets connection state, or sends a code it does not know', () => {
    for (const code of [LIST_KEYS, 15, 23, 25, 40, 5, 253, 255, 200]) {
      const t = new PbBoundaryTracker();
      t.fromClient(frame(code, 4));
      expect(t.pinned).toBe(`request code ${code}`);
      expect(t.atBoundary).toBe(false);
      t.fromServer(frame(code + 1, 4));
      expect(t.atBoundary).toBe(false);
    }
  });

  it('pins on an answer nobody asked for and on a frame of length 0', () => {
    const unasked = new PbBoundaryTracker();
    unasked.fromServer(frame(PUT_RESP));
    expect(unasked.pinned).toBe('an answer nobody asked for');
    const extra = new PbBoundaryTracker();
    extra.fromClient(frame(PUT));
    extra.fromServer(Buffer.concat([frame(PUT_RESP), frame(PUT_RESP)]));
    expect(extra.pinned).toBe('an answer nobody asked for');
    const zero = new PbBoundaryTracker();
    zero.fromClient(Buffer.alloc(4));
    expect(zero.pinned).toBe('malformed request frame');
    expect(zero.atBoundary).toBe(false);
  });

  it('follows pipelined requests answered in one chunk', () => {
    const t = new PbBoundaryTracker();
    t.fromClient(Buffer.concat([frame(1), frame(1), frame(7)]));
    t.fromServer(Buffer.concat([frame(2), frame(2)]));
    expect(t.atBoundary).toBe(false);
    t.fromServer(frame(8, 30));
    expect(t.atBoundary).toBe(true);
  });
});
