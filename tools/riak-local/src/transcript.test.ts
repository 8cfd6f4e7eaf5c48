import { join } from 'node:path';
import {
  REPO_ROOT,
  collapseRepeats,
  loadTranscript,
  normalise,
  parseTranscript,
  pick,
} from './transcript';

const SAMPLE = [
  '# a comment',
  '$ (cd riak1 && bin/riak ping)',
  'pong',
  '[rc=0, 0.2s]',
  '',
  '$ curl -sS http://127.0.0.1:18098/ping',
  'OK',
  '',
  '# NOTE: between entries',
  '$ (cd riak1 && bin/riak admin ringready)',
  "FALSE ['riak2@127.0.0.2'] down.  All nodes need to be up to check.",
  'error',
  '[rc=0]',
  '$ (cd riak2 && bin/riak stop)',
  '[rc=1, 0.2s]',
].join('\n');

describe('transcript', () => {
  it('reads commands, outputs and exit codes', () => {
    const entries = parseTranscript(SAMPLE);
    expect(entries.map((e) => [e.command, e.output, e.rc, e.line])).toEqual([
      ['(cd riak1 && bin/riak ping)', ['pong'], 0, 2],
      ['curl -sS http://127.0.0.1:18098/ping', ['OK'], undefined, 6],
      [
        '(cd riak1 && bin/riak admin ringready)',
        ["FALSE ['riak2@127.0.0.2'] down.  All nodes need to be up to check.", 'error'],
        0,
        10,
      ],
      ['(cd riak2 && bin/riak stop)', [], 1, 14],
    ]);
  });

  it('picks an entry by command, output, exit code and position', () => {
    const entries = parseTranscript(SAMPLE);
    expect(pick(entries, /ringready/, { output: /FALSE/ }).line).toBe(10);
    expect(pick(entries, /bin\/riak/, { after: entries[0] }).line).toBe(10);
    expect(pick(entries, /stop/, { rc: 1 }).output).toEqual([]);
    expect(() => pick(entries, /ringready/, { output: /TRUE/ })).toThrow(/no entry/);
  });

  it('normalises values and keeps the columns', () => {
    const names = { 'riak@127.0.0.1': '<n1>', 'riak2@127.0.0.2': '<n2>' };
    expect(
      normalise(
        [
          'valid     100.0%      --      riak@127.0.0.1',
          'valid       0.0%     50.0%    riak2@127.0.0.2',
          '| (C) riak@127.0.0.1  |valid |  up   |100.0|  --   |',
          '|     riak2@127.0.0.2 |valid |  up   | 50.0|  --   |',
          "'riak2@127.0.0.2' waiting to handoff 64 partitions",
          'Transfers resulting from cluster changes: 32',
          "  32 transfers from 'riak@127.0.0.1' to 'riak2@127.0.0.2'",
          '!!!! WARNING: ulimit -n is 20000; 65536 is the recommended minimum.',
        ],
        names,
      ),
    ).toEqual([
      `valid${' '.repeat(9)}P%      --      <n1>`,
      `valid${' '.repeat(9)}P%${' '.repeat(8)}P%    <n2>`,
      '| (C) <n1>  |valid |  up   |    P|  --   |',
      '|     <n2> |valid |  up   |    P|  --   |',
      "'<n2>' waiting to handoff N partitions",
      'Transfers resulting from cluster changes: N',
      "  N transfers from '<n1>' to '<n2>'",
      '!!!! WARNING: ulimit -n is N; 65536 is the recommended minimum.',
    ]);
    // A misaligned column stays visible.
    expect(normalise(['valid    100.0%'], {})).not.toEqual(normalise(['valid     100.0%'], {}));
  });

  it('collapses repeated poll lines', () => {
    expect(collapseRepeats(['a', 'a', 'a', 'b', 'a'])).toEqual(['a', 'b', 'a']);
  });
});

it('says where the transcript was expected when it is missing', () => {
  const path = join(REPO_ROOT, 'no-such-directory', 'real-riak-3.2-transcript.txt');
  expect(() => loadTranscript(path)).toThrow(/transcript is missing: expected .*no-such-directory/);
});
