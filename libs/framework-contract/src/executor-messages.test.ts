import type { ExecutorReply, ExecutorRequest } from './executor-messages';
import {
  executorReplySchema,
  executorRequestSchema,
  parseExecutorReply,
  parseExecutorRequest,
} from './executor-messages';

const requests: ExecutorRequest[] = [
  { version: 1, id: 'j', type: 'join', target: 'riak-default-1@10.0.0.5' },
  { version: 1, id: 'l', type: 'leave' },
  { version: 1, id: 'r', type: 'remove', target: 'riak-default-2@agent2' },
  { version: 1, id: 's', type: 'status' },
  { version: 1, id: 'v', type: 'status', view: 'transfers' },
  { version: 1, id: 't', type: 'status', view: 'types', bucketType: 'maps' },
  { version: 1, id: 'f', type: 'finish' },
  { version: 1, id: 'b', type: 'bucket-type', bucketType: 'maps', props: { datatype: 'map' } },
];

const status = {
  members: [
    { name: 'riak-default-1@10.0.0.5', status: 'valid' as const, ring: '50.0%' },
    {
      name: 'riak-default-2@agent2',
      status: 'joining' as const,
      ring: '0.0%',
      pendingRing: '50.0%',
    },
  ],
  ringReady: true,
};

const replies: ExecutorReply[] = [
  { version: 1, id: 'j', type: 'join', ok: true, result: status },
  { version: 1, id: 'j2', type: 'join', ok: false, error: 'cluster join failed' },
  { version: 1, id: 'l', type: 'leave', ok: true },
  { version: 1, id: 'r', type: 'remove', ok: true, result: status },
  { version: 1, id: 's', type: 'status', ok: true, result: status },
  {
    version: 1,
    id: 'v',
    type: 'status',
    ok: true,
    result: { view: 'transfers', output: 'No transfers active\n', active: false },
  },
  {
    version: 1,
    id: 'rr',
    type: 'status',
    ok: true,
    result: { view: 'ringready', output: 'TRUE All nodes agree on the ring\n', ringReady: true },
  },
  { version: 1, id: 'f', type: 'finish', ok: false, error: 'no' },
  {
    version: 1,
    id: 'b',
    type: 'bucket-type',
    ok: false,
    refused: true,
    error: 'cannot_modify_datatype',
  },
  {
    version: 1,
    id: 'b2',
    type: 'bucket-type',
    ok: true,
    result: { view: 'types', output: 'maps is active\n' },
  },
];

const requestError = (value: unknown) => {
  const r = parseExecutorRequest(JSON.stringify(value));
  return r.ok ? '' : r.error;
};
const replyError = (value: unknown) => {
  const r = parseExecutorReply(JSON.stringify(value));
  return r.ok ? '' : r.error;
};

describe('executor requests', () => {
  it.each(requests.map((r) => [r.type, r] as const))('%s round-trips through JSON', (_t, r) => {
    expect(parseExecutorRequest(JSON.stringify(r))).toEqual({ ok: true, request: r });
    expect(executorRequestSchema.parse(r)).toEqual(r);
  });

  it("accepts the original's bare finish", () => {
    expect(parseExecutorRequest(Buffer.from('finish\n'))).toEqual({
      ok: true,
      request: { version: 1, type: 'finish' },
    });
  });

  it('drops keys it does not know', () => {
    expect(parseExecutorRequest(JSON.stringify({ ...requests[1], extra: 1 }))).toEqual({
      ok: true,
      request: requests[1],
    });
  });

  it('rejects a bad request with what is wrong and the reply to send', () => {
    expect(parseExecutorRequest('{nope')).toMatchObject({
      ok: false,
      error: expect.stringMatching(/^the message is not JSON: /),
      rejection: { version: 1, type: 'unknown', ok: false },
    });
    expect(parseExecutorRequest(JSON.stringify({ version: 2, id: 'x', type: 'leave' }))).toEqual({
      ok: false,
      error: 'invalid leave request: version: must be 1 (the executor protocol version)',
      rejection: {
        version: 1,
        id: 'x',
        type: 'leave',
        ok: false,
        error: 'invalid leave request: version: must be 1 (the executor protocol version)',
      },
    });
    expect(requestError({ version: 1, id: 'x', type: 'dance' })).toMatch(
      /^invalid request: type: Invalid discriminator value. Expected 'join' \| 'leave'/,
    );
    expect(requestError({ version: 1, id: 'x', type: 'join' })).toBe(
      'invalid join request: target: must be an Erlang node name <name>@<host>',
    );
    expect(requestError({ version: 1, id: 'x', type: 'remove', target: 'nohost' })).toBe(
      'invalid remove request: target: must be <name>@<host>',
    );
    expect(requestError({ version: 1, type: 'leave' })).toBe(
      'invalid leave request: id: must be a string',
    );
    expect(requestError({ version: 1, id: 's', type: 'status', view: 'disk' })).toMatch(
      /^invalid status request: view: Invalid option: expected one of "status"\|"ringready"/,
    );
    expect(requestError({ version: 1, id: 's', type: 'status', bucketType: 'maps' })).toBe(
      "invalid status request: bucketType: bucketType goes only with view 'types'",
    );
    expect(
      requestError({ version: 1, id: 'b', type: 'bucket-type', bucketType: '../x', props: {} }),
    ).toMatch(/^invalid bucket-type request: bucketType: must be a bucket type name/);
    expect(
      requestError({ version: 1, id: 'b', type: 'bucket-type', bucketType: 'm', props: [1] }),
    ).toMatch(/^invalid bucket-type request: props: /);
    expect(requestError([1])).toMatch(/^invalid request: \(message\): /);
    const long = parseExecutorRequest(
      JSON.stringify({ id: 'i'.repeat(500), type: 't'.repeat(99) }),
    );
    expect(long.ok || [long.rejection.id?.length, long.rejection.type.length]).toEqual([200, 64]);
  });
});

describe('executor replies', () => {
  it.each(replies.map((r) => [`${r.type} ${r.id}`, r] as const))(
    '%s round-trips through JSON',
    (_t, r) => {
      expect(parseExecutorReply(JSON.stringify(r))).toEqual({ ok: true, reply: r });
      expect(executorReplySchema.parse(r)).toEqual(r);
    },
  );

  it('rejects a reply that breaks the contract, keeping its id to fail the request', () => {
    expect(parseExecutorReply('not json')).toMatchObject({ ok: false, reason: 'json' });
    expect(
      parseExecutorReply(JSON.stringify({ version: 1, id: 's', type: 'status', ok: true })),
    ).toEqual({
      ok: false,
      reason: 'schema',
      error: 'result: a successful answer has a result',
      id: 's',
    });
    expect(replyError({ version: 1, id: 'j', type: 'join', ok: false })).toBe(
      'error: a failed answer must say why',
    );
    expect(
      replyError({ version: 1, id: 's', type: 'status', ok: true, result: { members: 'x' } }),
    ).toMatch(/^result: /);
    expect(
      replyError({
        version: 1,
        id: 's',
        type: 'status',
        ok: true,
        result: { members: [{ name: 'a@b', status: 'lost', ring: '1%' }], ringReady: true },
      }),
    ).toMatch(/^result: /);
    expect(replyError({ version: 1, id: 's', type: 'status', ok: 'yes' })).toBe(
      'ok: must be true or false',
    );
    expect(replyError({ version: 3, id: 'l', type: 'leave', ok: true })).toBe(
      'version: must be 1 (the executor protocol version)',
    );
    expect(replyError({ version: 1, id: 'x', type: 'dance', ok: false, error: 'e' })).toMatch(
      /^type: Invalid discriminator value/,
    );
    expect(replyError(null)).toMatch(/^\(reply\): /);
  });

  it('reads the rejection of a request of a known type as a failed answer of that type', () => {
    const r = parseExecutorRequest(JSON.stringify({ version: 1, id: 'j', type: 'join' }));
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(parseExecutorReply(JSON.stringify(r.rejection))).toEqual({
      ok: true,
      reply: { version: 1, id: 'j', type: 'join', ok: false, error: r.error },
    });
  });
});
