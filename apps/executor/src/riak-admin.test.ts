import { parseMemberStatus, parseRingReady, transfersActive } from './riak-admin';

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
