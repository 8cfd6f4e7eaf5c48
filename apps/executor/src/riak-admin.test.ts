import {
  adminOutcome,
  committed,
  cuttlefishErrors,
  parseMemberStatus,
  parseRingReady,
  serviceUp,
  transfersActive,
} from './riak-admin';

const memberStatus = `================================= Membership ==================================
Status     Ring    Pending    Node
-------------------------------------------------------------------------------
leaving    18.8%      0.0%    'dev1@127.0.0.1'
valid      40.6%     50.0%    'dev2@127.0.0.1'
joining     0.0%     50.0%    'dev3@127.0.0.1'
-------------------------------------------------------------------------------
Valid:1 / Leaving:1 / Exiting:0 / Joining:1 / Down:0
`;

describe("riak-admin output (Riak's format)", () => {
  it('reads member-status rows', () => {
    expect(parseMemberStatus(memberStatus)).toEqual([
      { status: 'leaving', ring: '18.8%', pendingRing: '0.0%', name: 'dev1@127.0.0.1' },
      { status: 'valid', ring: '40.6%', pendingRing: '50.0%', name: 'dev2@127.0.0.1' },
      { status: 'joining', ring: '0.0%', pendingRing: '50.0%', name: 'dev3@127.0.0.1' },
    ]);
    expect(parseMemberStatus("valid     100.0%      --      'a@h'\n")).toEqual([
      { status: 'valid', ring: '100.0%', name: 'a@h' },
    ]);
  });

  it('reads ringready and transfers', () => {
    expect(parseRingReady("TRUE All nodes agree on the ring ['a@h']")).toBe(true);
    expect(parseRingReady("FALSE ['b@h'] down.  All nodes need to be up to check.")).toBe(false);
    expect(transfersActive('No transfers active\n\nActive Transfers:\n\n')).toBe(false);
    expect(transfersActive("'a@h' waiting to handoff 7 partitions\n\nActive Transfers:\n")).toBe(
      true,
    );
    expect(
      transfersActive(
        'No transfers active\n\nActive Transfers:\n\ntransfer type: ownership_transfer\n',
      ),
    ).toBe(true);
  });
});

/** Riak KV 3.2's own output (../shared/reference/real-riak-3.2-transcript.txt). */
const real = {
  memberStatus: `================================= Membership ==================================
Status     Ring    Pending    Node
-------------------------------------------------------------------------------
valid       0.0%     50.0%    riak2@127.0.0.2
valid     100.0%     50.0%    riak@127.0.0.1
-------------------------------------------------------------------------------
Valid:2 / Leaving:0 / Exiting:0 / Joining:0 / Down:0
ok
`,
  ringNotReady: `FALSE ['riak2@127.0.0.2'] down.  All nodes need to be up to check.
error
`,
  cuttlefish: `2026-11-30T04:09:54.699038+00:00 [error] You've tried to set riak_control, but there is no setting with that name.
2026-11-30T04:09:54.699100+00:00 [error] Did you mean one of these?
2026-11-30T04:09:54.715982+00:00 [error] anti_entropy
2026-11-30T04:09:54.716068+00:00 [error] check_crl
2026-11-30T04:09:54.754623+00:00 [error] Error generating configuration in phase transform_datatypes
2026-11-30T04:09:54.754656+00:00 [error] Conf file attempted to set unknown variable: riak_control
`,
};

describe('Riak KV 3.x admin output', () => {
  it('reads member-status with bare node names and the ok trailer', () => {
    const { ok, text } = adminOutcome(real.memberStatus, 0);
    expect(ok).toBe(true);
    expect(text.endsWith('Valid:2 / Leaving:0 / Exiting:0 / Joining:0 / Down:0')).toBe(true);
    expect(parseMemberStatus(text)).toEqual([
      { status: 'valid', ring: '0.0%', pendingRing: '50.0%', name: 'riak2@127.0.0.2' },
      { status: 'valid', ring: '100.0%', pendingRing: '50.0%', name: 'riak@127.0.0.1' },
    ]);
  });

  it('fails a command whose output ends with error, whatever its exit status', () => {
    expect(adminOutcome(real.ringNotReady, 0)).toEqual({
      ok: false,
      text: "FALSE ['riak2@127.0.0.2'] down.  All nodes need to be up to check.",
    });
    expect(adminOutcome('No transfers active\n\nActive Transfers:\n\n\nok\n', 0).ok).toBe(true);
    expect(adminOutcome('Node x is not responding to pings', 1).ok).toBe(false);
  });

  it('tells riak_kv up from not up', () => {
    expect(serviceUp('riak_kv is not up: []\nok', 'riak_kv')).toBe(false);
    expect(serviceUp('riak_kv is up\nok', 'riak_kv')).toBe(true);
  });

  it("keeps cuttlefish's errors and drops its suggestions", () => {
    expect(cuttlefishErrors(real.cuttlefish)).toEqual([
      "You've tried to set riak_control, but there is no setting with that name.",
      'Error generating configuration in phase transform_datatypes',
      'Conf file attempted to set unknown variable: riak_control',
    ]);
  });
});

describe('Riak KV 3.x refusals that exit 0', () => {
  it('an {error,…} trailer is an error', () => {
    expect(adminOutcome('nosuch is not an existing bucket type\n{error,undefined}\n', 0)).toEqual({
      ok: false,
      text: 'nosuch is not an existing bucket type',
    });
  });

  it('a refused commit is not a commit', () => {
    expect(
      committed("You must verify the plan with 'riak-admin cluster plan' before committing"),
    ).toBe(false);
    expect(committed('Cluster changes committed')).toBe(true);
  });

  it('a member that could not be contacted is not an active transfer', () => {
    const down = `Nodes ['riak2@127.0.0.2'] are currently down.

Active Transfers:

Node 'riak2@127.0.0.2' could not be contacted`;
    expect(transfersActive(down)).toBe(false);
    expect(transfersActive(`${down}\n'riak@127.0.0.1' waiting to handoff 7 partitions`)).toBe(true);
  });
});
