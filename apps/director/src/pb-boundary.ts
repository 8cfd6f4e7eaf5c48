/**
 * Request boundaries of a Riak PB connection, from the bytes the proxy forwards. A PB frame is
 * `<4-byte big-endian length of code + payload><1-byte message code><payload>`; the requests
 * below are answered by exactly one frame (the answer or `RpbErrorResp`) and leave no state on
 * the connection. So while a client sends only those, the proxy knows when every request it
 * forwarded has its whole answer: at such a moment the connection can move to another Riak node
 * without the client noticing (the director's drain of a leaving node, docs/director.md).
 *
 * Anything else pins the connection to its node for good: a streaming request (list keys,
 * map/reduce, 2i, folds), one that sets connection state (`RpbSetClientIdReq`, `RpbAuthReq`,
 * `RpbStartTls`), a code this table does not know, an answer nobody asked for, or a malformed
 * frame. A pinned connection is proxied as before and drained the old way.
 *
 * Codes: riak_pb's riak_pb_messages.csv (facts, not code).
 */
export const SINGLE_ANSWER_REQUESTS: ReadonlySet<number> = new Set([
  1, // RpbPingReq
  7, // RpbGetServerInfoReq
  9, // RpbGetReq
  11, // RpbPutReq
  13, // RpbDelReq
  19, // RpbGetBucketReq
  21, // RpbSetBucketReq
  27, // RpbSearchQueryReq
  29, // RpbResetBucketReq
  31, // RpbGetBucketTypeReq
  32, // RpbSetBucketTypeReq
  33, // RpbGetBucketKeyPreflistReq
  50, // RpbCounterUpdateReq
  52, // RpbCounterGetReq
  54, // RpbYokozunaIndexGetReq
  56, // RpbYokozunaIndexPutReq
  57, // RpbYokozunaIndexDeleteReq
  58, // RpbYokozunaSchemaGetReq
  60, // RpbYokozunaSchemaPutReq
  80, // DtFetchReq
  82, // DtUpdateReq
]);

/** What a FrameWalker reports: a frame's start (its code) and its end. */
interface FrameSink {
  frameStart(code: number): void;
  frameEnd(): void;
}

/**
 * Walks frames across chunk boundaries, reporting each frame's start (code) and end to its sink.
 * On the hot path of every PB message: no allocation per chunk, and a header that lies whole in
 * the chunk is read in place.
 */
class FrameWalker {
  private readonly header = Buffer.alloc(5);
  private headerHave = 0;
  /** Payload bytes of the current frame still to come. */
  private payloadLeft = 0;

  constructor(private readonly sink: FrameSink) {}

  /** Between frames: nothing of a frame seen but not finished. */
  get atFrameBoundary(): boolean {
    return this.headerHave === 0 && this.payloadLeft === 0;
  }

  /**
   * Feeds bytes. Returns false on a malformed frame (length 0), after which it stops walking.
   */
  walk(chunk: Buffer): boolean {
    const n = chunk.length;
    let i = 0;
    while (i < n) {
      if (this.payloadLeft > 0) {
        const take = Math.min(this.payloadLeft, n - i);
        this.payloadLeft -= take;
        i += take;
        if (this.payloadLeft === 0) this.sink.frameEnd();
        continue;
      }
      let length: number;
      let code: number;
      if (this.headerHave === 0 && n - i >= 5) {
        length = chunk.readUInt32BE(i);
        code = chunk[i + 4];
        i += 5;
      } else {
        const take = Math.min(5 - this.headerHave, n - i);
        chunk.copy(this.header, this.headerHave, i, i + take);
        this.headerHave += take;
        i += take;
        // A length of 0 (no code) is malformed as soon as its 4 bytes are in.
        if (this.headerHave >= 4 && this.header.readUInt32BE(0) === 0) return false;
        if (this.headerHave < 5) break;
        this.headerHave = 0;
        length = this.header.readUInt32BE(0);
        code = this.header[4];
      }
      if (length === 0) return false;
      this.sink.frameStart(code);
      this.payloadLeft = length - 1;
      if (this.payloadLeft === 0) this.sink.frameEnd();
    }
    return true;
  }
}

export class PbBoundaryTracker {
  private readonly fromClientFrames = new FrameWalker({
    frameStart: (code) => {
      if (SINGLE_ANSWER_REQUESTS.has(code)) this.outstanding++;
      else this.pin(`request code ${code}`);
    },
    frameEnd: () => undefined,
  });
  private readonly fromServerFrames = new FrameWalker({
    frameStart: () => {
      if (this.outstanding === 0) this.pin('an answer nobody asked for');
    },
    frameEnd: () => {
      if (this.outstanding > 0) {
        this.outstanding--;
        this.answered++;
      }
    },
  });
  /** Requests forwarded (counted from their first bytes) whose answer has not fully passed. */
  private outstanding = 0;
  /** Why the connection stays on its node; undefined while it may move. */
  pinned: string | undefined;
  /** Answers that have fully passed (each ends one forwarded request). */
  answered = 0;

  /** Bytes the client sent, about to be forwarded to the node. */
  fromClient(chunk: Buffer): void {
    if (this.pinned) return;
    if (!this.fromClientFrames.walk(chunk)) this.pin('malformed request frame');
  }

  /** Bytes the node sent, about to be forwarded to the client. */
  fromServer(chunk: Buffer): void {
    if (this.pinned) return;
    if (!this.fromServerFrames.walk(chunk)) this.pin('malformed answer frame');
  }

  /** Every forwarded request fully answered, and no frame half passed either way. */
  get atBoundary(): boolean {
    return (
      this.pinned === undefined &&
      this.outstanding === 0 &&
      this.fromClientFrames.atFrameBoundary &&
      this.fromServerFrames.atFrameBoundary
    );
  }

  private pin(why: string): void {
    this.pinned ??= why;
  }
}
