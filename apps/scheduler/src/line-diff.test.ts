import { lineOps, unifiedDiff } from './line-diff';

describe('line diff', () => {
  it('is empty for equal texts and shows every line of a new or removed text', () => {
    expect(unifiedDiff('a\nb\n', 'a\nb\n')).toEqual([]);
    expect(unifiedDiff(undefined, 'a\nb\n')).toEqual(['@@ -0,0 +1,2 @@', '+a', '+b']);
    expect(unifiedDiff('a\n', undefined)).toEqual(['@@ -1,1 +0,0 @@', '-a']);
  });

  it('shows a changed line with two lines of context, and far changes as separate hunks', () => {
    const from = ['l1', 'l2', 'l3', 'l4', 'l5', 'l6', 'l7', 'l8', 'l9', 'l10'].join('\n') + '\n';
    const to = from.replace('l2\n', 'L2\n').replace('l9\n', 'l9\nnew\n');
    expect(unifiedDiff(from, to)).toEqual([
      '@@ -1,4 +1,4 @@',
      ' l1',
      '-l2',
      '+L2',
      ' l3',
      ' l4',
      '@@ -8,3 +8,4 @@',
      ' l8',
      ' l9',
      '+new',
      ' l10',
    ]);
  });

  it('keeps the longest common subsequence in the middle', () => {
    const ops = lineOps('a\nx\nb\ny\nc\n', 'a\nb\nz\nc\n');
    expect(ops.map((o) => `${o.kind}${o.text}`)).toEqual([' a', '-x', ' b', '-y', '+z', ' c']);
  });

  it('turns one text into the other (applying the ops gives the new text back)', () => {
    const from = Array.from({ length: 300 }, (_, i) => `k${i % 17} = ${i}`).join('\n');
    const to = from
      .replace(/= 1(\d)\b/g, '= 2$1')
      .split('\n')
      .reverse()
      .slice(40)
      .join('\n');
    const ops = lineOps(from, to);
    expect(ops.filter((o) => o.kind !== '+').map((o) => o.text)).toEqual(from.split('\n'));
    expect(ops.filter((o) => o.kind !== '-').map((o) => o.text)).toEqual(to.split('\n'));
  });
});
