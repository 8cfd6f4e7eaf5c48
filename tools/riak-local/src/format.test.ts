/**
 * riak-admin's layouts for states a live test cannot hold still (a join right after its commit,
 * transfers in flight), compared with a real node's output from golden/real-riak-3.2-extra.txt.
 */
import type { TransferView } from './format';
import {
  EXECUTOR_COMPAT,
  centre,
  formatClusterStatus,
  formatMemberStatus,
  formatPlan,
  formatRingStatus,
  formatTransfers,
} from './format';
import type { Ring } from './ring';
import { commit, stage, standalone } from './ring';
import type { TranscriptEntry } from './transcript';
import { EXTRA_PATH, loadTranscript, normalise, pick } from './transcript';

const n1 = 'riak@127.0.0.1';
const n2 = 'riak2@127.0.0.1';
const NAMES = { [n1]: '<node1>', [n2]: '<node2>' };

let extra: TranscriptEntry[];
beforeAll(() => {
  extra = loadTranscript(EXTRA_PATH);
});

/** The real entry's lines after `# right after the commit`, normalised; without `ok`. */
function real(command: RegExp): string[] {
  const mark = pick(extra, /cluster commit/, { output: /^Cluster changes committed/ });
  const lines = pick(extra, command, { after: mark }).output.slice(0, -1);
  return normalise(lines, NAMES);
}

const text = (s: string) => normalise(s.split('\n'), NAMES);

/** Two nodes on a 16-partition ring, the second's join committed and its transfer pending. */
function afterCommit(): Ring {
  return commit(stage(standalone(n1, 16, 'c'), { action: 'join', node: n2 }));
}

describe('layouts right after a join is committed', () => {
  it('member-status: Ring and Pending columns', () => {
    const want = real(/admin member-status/).map((l) =>
      EXECUTOR_COMPAT.quoteMemberStatusNames ? l.replace(/(<node\d>)$/, "'$1'") : l,
    );
    expect(text(formatMemberStatus(afterCommit()))).toEqual(want);
  });

  it('cluster status: the pending column and ring ready', () => {
    const got = formatClusterStatus({ ring: afterCommit(), down: [], ringReady: false });
    expect(text(got)).toEqual(real(/admin cluster status/));
  });

  it('ring-status: owner, next owner and each partition waiting', () => {
    // Which partitions move is a value (Riak's claim and riak-local's round-robin differ), and
    // riak-local reports its transfer per member, not per partition: every partition waits on it.
    const want = real(/admin ring-status/).map((l) =>
      l
        .replace(/^Index: \d+$/, 'Index: I')
        .replace(
          /All transfers complete\. Waiting for claimant to change ownership\./,
          'Waiting on: [riak_kv_vnode,riak_pipe_vnode]',
        ),
    );
    const got = formatRingStatus({ ring: afterCommit(), down: [], ringReady: false });
    expect(text(got).map((l) => l.replace(/^Index: \d+$/, 'Index: I'))).toEqual(want);
  });
});

describe('layouts', () => {
  it('centres as Erlang does: the odd space on the right', () => {
    expect(centre('node', 21)).toBe(`${' '.repeat(8)}node${' '.repeat(9)}`);
    expect(centre(' Claimant ', 79, '=')).toBe(`${'='.repeat(34)} Claimant ${'='.repeat(35)}`);
  });

  it('plan of a force-remove: the lost replicas and the reassigned partitions', () => {
    let r = commit(stage(standalone(n1, 16, 'c'), { action: 'join', node: n2 }));
    r = { ...r, members: r.members.map((m) => ({ name: m.name, status: m.status })) };
    const lines = formatPlan(stage(r, { action: 'remove', node: n2 })).split('\n');
    expect(lines).toContain(`force-remove   '${n2}'`);
    expect(lines).toContain(`WARNING: All of '${n2}' replicas will be lost`);
    expect(lines).toContain('Partitions reassigned from cluster changes: 8');
    expect(lines).toContain(`  8 reassigned from '${n2}' to '${n1}'`);
    expect(lines).toContain('NOTE: Applying these changes will result in 1 cluster transition');
    expect(lines.some((l) => l.startsWith('Transfers resulting'))).toBe(false);
  });

  it('transfers: waiting members, down members, and an active transfer in riak_core’s layout', () => {
    const t: TransferView = {
      type: 'ownership_transfer',
      from: n1,
      to: n2,
      partition: '0',
      startedAt: Date.UTC(2026, 0, 2, 3, 4, 5),
      lastUpdate: Date.UTC(2026, 0, 2, 3, 4, 6),
      objects: 50,
      bytes: 2048,
      total: 100,
    };
    const out = formatTransfers(
      {
        down: ['c@h'],
        waiting: [
          [n1, 3],
          [n2, 0],
        ],
        active: [t],
      },
      Date.UTC(2026, 0, 2, 3, 4, 7),
    ).split('\n');
    expect(out.slice(0, 5)).toEqual([
      "Nodes ['c@h'] are currently down.",
      `'${n1}' waiting to handoff 3 partitions`,
      '',
      'Active Transfers:',
      '',
    ]);
    expect(out.slice(5, 13)).toEqual([
      'transfer type: ownership_transfer',
      'vnode type: riak_kv_vnode',
      'partition: 0',
      'started: 2026-01-02 03:04:05 [2.00 s ago]',
      'last update: 2026-01-02 03:04:06 [1.00 s ago]',
      'total size: 100 objects',
      'objects transferred: 50',
      '',
    ]);
    const box = out.slice(13, 17);
    expect(box.map((l) => l.length)).toEqual([62, 62, 62, 62]);
    expect(box[0].trim()).toBe('25 Objs/s');
    expect(box[1]).toBe(`${centre(n1, 25)}  =======>  ${centre(n2, 25)}`);
    expect(box[2].trim()).toBe(`|${'='.repeat(21)}${' '.repeat(22)}|  50%`);
    expect(box[3].trim()).toBe('1.00 KB/s');
    expect(out.slice(17)).toEqual(['', '', "Node 'c@h' could not be contacted"]);
  });
});
