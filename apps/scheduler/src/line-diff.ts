/**
 * A line diff of two texts as unified-diff hunks (`@@ -a,n +b,m @@`, then ` `, `-`, `+` lines),
 * enough to show an operator what a configuration change changes. The common head and tail are
 * cut off, the middle is diffed by longest common subsequence; a middle too big for that (over
 * MAX_CELLS line pairs, far beyond any riak.conf) is shown as removed then added, still a correct
 * diff, only not the shortest.
 */

interface Op {
  kind: ' ' | '-' | '+';
  text: string;
}

const MAX_CELLS = 4_000_000;

function lines(text: string | undefined): string[] {
  if (text === undefined || text === '') return [];
  const out = text.split('\n');
  if (out[out.length - 1] === '') out.pop();
  return out;
}

function middleOps(a: string[], b: string[]): Op[] {
  const n = a.length;
  const m = b.length;
  if (n * m > MAX_CELLS)
    return [
      ...a.map((text) => ({ kind: '-' as const, text })),
      ...b.map((text) => ({ kind: '+' as const, text })),
    ];
  // lcs[i][j]: the longest common subsequence of a[i..] and b[j..], in one flat array.
  const w = m + 1;
  const lcs = new Uint32Array((n + 1) * w);
  for (let i = n - 1; i >= 0; i--)
    for (let j = m - 1; j >= 0; j--)
      lcs[i * w + j] =
        a[i] === b[j]
          ? lcs[(i + 1) * w + j + 1] + 1
          : Math.max(lcs[(i + 1) * w + j], lcs[i * w + j + 1]);
  const ops: Op[] = [];
  let i = 0;
  let j = 0;
  while (i < n || j < m) {
    if (i < n && j < m && a[i] === b[j]) {
      ops.push({ kind: ' ', text: a[i] });
      i++;
      j++;
    } else if (i < n && (j === m || lcs[(i + 1) * w + j] >= lcs[i * w + j + 1])) {
      ops.push({ kind: '-', text: a[i++] }); // removals first, as diff(1) shows them
    } else {
      ops.push({ kind: '+', text: b[j++] });
    }
  }
  return ops;
}

/** Every line of both texts as kept, removed or added, in order. */
export function lineOps(from: string | undefined, to: string | undefined): Op[] {
  const a = lines(from);
  const b = lines(to);
  let head = 0;
  while (head < a.length && head < b.length && a[head] === b[head]) head++;
  let tail = 0;
  while (
    tail < a.length - head &&
    tail < b.length - head &&
    a[a.length - 1 - tail] === b[b.length - 1 - tail]
  )
    tail++;
  return [
    ...a.slice(0, head).map((text) => ({ kind: ' ' as const, text })),
    ...middleOps(a.slice(head, a.length - tail), b.slice(head, b.length - tail)),
    ...a.slice(a.length - tail).map((text) => ({ kind: ' ' as const, text })),
  ];
}

/** The unified diff of two texts with `context` unchanged lines around each change; [] if equal. */
export function unifiedDiff(
  from: string | undefined,
  to: string | undefined,
  context = 2,
): string[] {
  const ops = lineOps(from, to);
  const changed = ops.map((o, k) => (o.kind === ' ' ? -1 : k)).filter((k) => k >= 0);
  if (changed.length === 0) return [];
  // Hunks: runs of changes closer than 2 × context lines, with their context.
  const hunks: [number, number][] = [];
  for (const k of changed) {
    const last = hunks[hunks.length - 1];
    if (last && k - last[1] <= 2 * context + 1) last[1] = k;
    else hunks.push([k, k]);
  }
  // Line numbers of each op in the old and the new text (1-based, before the op).
  const aAt: number[] = [];
  const bAt: number[] = [];
  let ai = 1;
  let bi = 1;
  for (const o of ops) {
    aAt.push(ai);
    bAt.push(bi);
    if (o.kind !== '+') ai++;
    if (o.kind !== '-') bi++;
  }
  const out: string[] = [];
  for (const [first, last] of hunks) {
    const start = Math.max(0, first - context);
    const end = Math.min(ops.length - 1, last + context);
    const slice = ops.slice(start, end + 1);
    const aLen = slice.filter((o) => o.kind !== '+').length;
    const bLen = slice.filter((o) => o.kind !== '-').length;
    const aStart = aLen === 0 ? aAt[start] - 1 : aAt[start];
    const bStart = bLen === 0 ? bAt[start] - 1 : bAt[start];
    out.push(`@@ -${aStart},${aLen} +${bStart},${bLen} @@`);
    for (const o of slice) out.push(`${o.kind}${o.text}`);
  }
  return out;
}
