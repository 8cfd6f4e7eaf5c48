/**
 * The console's pictures as numbers (no DOM here, so they are unit-tested in Node): the ring's
 * donut, one arc per member sized by its share of the ring as Riak's member-status prints it, and
 * the throughput chart's lines. The browser code (browser/charts.ts) turns these into SVG.
 */
import type { StatsHistoryView } from '@riak-mesos/framework-contract';

/** Colours for members and nodes, in order; a cluster of more nodes reuses them. */
export const PALETTE = [
  '#2f7ed8',
  '#e4572e',
  '#17a673',
  '#a05195',
  '#f2a541',
  '#2ec4b6',
  '#8d6a4f',
  '#d45087',
  '#6b7b8c',
  '#9bc53d',
] as const;

export function colourOf(i: number): string {
  return PALETTE[i % PALETTE.length];
}

/** `"40.6%"` → 40.6; `"--"`, empty or unparsable → undefined. */
export function percent(text: string | undefined): number | undefined {
  if (text === undefined) return undefined;
  const m = /^\s*(\d+(?:\.\d+)?)\s*%\s*$/.exec(text);
  return m ? Number(m[1]) : undefined;
}

export interface RingMemberInput {
  name: string;
  status: string;
  ring: string;
  pendingRing?: string;
}

export interface RingArc {
  name: string;
  status: string;
  colour: string;
  /** Share of the ring now, in percent. */
  share: number;
  /** Share once pending transfers finish, when Riak says one differs. */
  pending?: number;
  /** Fractions of the full turn, 0..1. */
  start: number;
  end: number;
}

/**
 * One arc per member, in member-status order, each as long as its ring percentage (normalised so
 * that rounding in Riak's print does not leave a gap). A member owning nothing gets no length.
 */
export function ringArcs(members: RingMemberInput[]): RingArc[] {
  const shares = members.map((m) => percent(m.ring) ?? 0);
  const total = shares.reduce((a, b) => a + b, 0);
  let at = 0;
  return members.map((m, i) => {
    const share = shares[i];
    const len = total > 0 ? share / total : 0;
    const pending = percent(m.pendingRing);
    const arc: RingArc = {
      name: m.name,
      status: m.status,
      colour: colourOf(i),
      share,
      start: at,
      end: at + len,
    };
    if (pending !== undefined && Math.abs(pending - share) >= 0.05) arc.pending = pending;
    at += len;
    return arc;
  });
}

/**
 * The SVG path of a ring segment between fractions `start` and `end` of a turn (0 at 12 o'clock,
 * clockwise), between radii `inner` and `outer` around (cx, cy). A whole turn is drawn as two
 * halves (an SVG arc cannot start and end at one point).
 */
export function arcPath(
  cx: number,
  cy: number,
  outer: number,
  inner: number,
  start: number,
  end: number,
): string {
  if (end - start >= 0.9999)
    return `${arcPath(cx, cy, outer, inner, 0, 0.5)} ${arcPath(cx, cy, outer, inner, 0.5, 1)}`;
  const point = (r: number, f: number) => {
    const a = f * 2 * Math.PI - Math.PI / 2;
    return `${round(cx + r * Math.cos(a))} ${round(cy + r * Math.sin(a))}`;
  };
  const large = end - start > 0.5 ? 1 : 0;
  return [
    `M ${point(outer, start)}`,
    `A ${outer} ${outer} 0 ${large} 1 ${point(outer, end)}`,
    `L ${point(inner, end)}`,
    `A ${inner} ${inner} 0 ${large} 0 ${point(inner, start)}`,
    'Z',
  ].join(' ');
}

function round(n: number): number {
  return Math.round(n * 100) / 100;
}

export type Metric = 'gets_per_second' | 'puts_per_second' | 'get_p99_ms' | 'put_p99_ms';

export interface ChartLine {
  node: string;
  colour: string;
  /**
   * An SVG path in the chart's box: one run of lines per stretch of samples, broken where samples
   * are missing (a node restarting, a scheduler failing over); empty when there is nothing to draw.
   */
  path: string;
  /** How many samples had a value. */
  count: number;
  /** The newest value, when there is one. */
  last: number | undefined;
  /** The largest value drawn. */
  max: number;
}

export interface Chart {
  lines: ChartLine[];
  /** The value at the top of the box (a round number at least as large as every value). */
  top: number;
  /** How many seconds the box spans. */
  seconds: number;
}

/** The next "nice" number (1, 2, 5 × 10^k) at least `n`, never below 1. */
export function niceTop(n: number): number {
  if (!(n > 1)) return 1;
  const mag = 10 ** Math.floor(Math.log10(n));
  for (const f of [1, 2, 5, 10]) if (f * mag >= n) return f * mag;
  return 10 * mag;
}

/**
 * One line per node (in `nodes` order, for stable colours) of `metric` ending at `now`, in a
 * `width` × `height` box (y grows downwards). The box spans from the oldest sample (at least 30
 * sampling intervals, at most the history's window): a scheduler that started sampling a minute ago
 * draws that minute across the box, not in a sliver at the end of an hour. Samples without a value
 * break nothing: they are left out of the line.
 */
export function chartLines(
  history: StatsHistoryView,
  metric: Metric,
  nodes: string[],
  now: number,
  width: number,
  height: number,
): Chart {
  const values = nodes.map((n) =>
    (history.nodes[n] ?? []).flatMap((s) => {
      const v = s[metric];
      return v === null ? [] : [{ t: Date.parse(s.at), v }];
    }),
  );
  const oldest = Math.min(now, ...values.flat().map((p) => p.t));
  const span = Math.min(
    history.window_seconds * 1000,
    Math.max(now - oldest, 30 * Math.max(1, history.interval_seconds) * 1000),
  );
  const from = now - span;
  // More than two and a half intervals between samples: a gap, not a line across it.
  const gapMs = 2.5 * Math.max(1, history.interval_seconds) * 1000;
  const top = niceTop(Math.max(0, ...values.flat().map((p) => p.v)));
  const lines = nodes.map((node, i) => {
    const pts = values[i];
    const x = (t: number) => round(((Math.max(from, t) - from) / (now - from)) * width);
    const y = (v: number) => round(height - (v / top) * height);
    return {
      node,
      colour: colourOf(i),
      path: pts
        .map((p, j) => {
          const gap = j === 0 || p.t - pts[j - 1].t > gapMs;
          return `${gap ? 'M' : 'L'} ${x(p.t)} ${y(p.v)}`;
        })
        .join(' '),
      count: pts.length,
      last: pts.length ? pts[pts.length - 1].v : undefined,
      max: Math.max(0, ...pts.map((p) => p.v)),
    };
  });
  return { lines, top, seconds: Math.round(span / 1000) };
}
