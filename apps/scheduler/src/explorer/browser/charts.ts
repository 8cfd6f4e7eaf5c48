/**
 * The console's pictures in SVG: a throughput chart per cluster (gets and puts per second of each
 * node over the last hour) and the ring as a donut, one arc per member (../geometry.ts).
 */
import type { StatsHistoryView } from '@riak-mesos/framework-contract';
import type { Metric, RingMemberInput } from '../geometry';
import { arcPath, chartLines, colourOf, ringArcs } from '../geometry';
import { el, fmt, svg } from './dom';

const W = 360;
const H = 110;

function span(seconds: number): string {
  if (seconds >= 3600) return 'hour';
  return seconds >= 120 ? `${Math.round(seconds / 60)} min` : `${seconds} s`;
}

/** One small chart of `metric` for every node, with its top value and a legend. */
export function chart(
  history: StatsHistoryView,
  metric: Metric,
  title: string,
  nodes: string[],
  now: number,
): HTMLElement {
  const { lines, top, seconds } = chartLines(history, metric, nodes, now, W, H);
  const box = svg(
    'svg',
    {
      viewBox: `0 0 ${W} ${H}`,
      preserveAspectRatio: 'none',
      class: 'chart',
      role: 'img',
      'aria-label': `${title}, last ${span(seconds)}`,
      'data-metric': metric,
    },
    [
      svg('line', { x1: 0, y1: H / 2, x2: W, y2: H / 2, class: 'grid' }),
      svg('line', { x1: 0, y1: H, x2: W, y2: H, class: 'axis' }),
      ...lines
        .filter((l) => l.count > 0)
        .map((l) =>
          svg('path', {
            d: l.path,
            stroke: l.colour,
            fill: 'none',
            'stroke-width': 1.5,
            'vector-effect': 'non-scaling-stroke',
            'data-node': l.node,
            'data-max': l.max,
          }),
        ),
    ],
  );
  return el('figure', { class: 'chart-box' }, [
    el('figcaption', {}, [
      title,
      el('span', { class: 'muted' }, [` top ${top} · last ${span(seconds)}`]),
    ]),
    box,
    el(
      'div',
      { class: 'legend' },
      lines.map((l) =>
        el('span', {}, [
          el('i', { class: 'swatch', style: `background:${l.colour}` }),
          `${l.node} ${fmt(l.last)}`,
        ]),
      ),
    ),
  ]);
}

/** The ring as a donut: one arc per member; a member whose share will change is outlined. */
export function ringPicture(members: RingMemberInput[]): HTMLElement {
  const arcs = ringArcs(members);
  const size = 180;
  const c = size / 2;
  const pic = svg(
    'svg',
    {
      viewBox: `0 0 ${size} ${size}`,
      class: 'ring',
      role: 'img',
      'aria-label': `ring ownership of ${arcs.length} members`,
    },
    [
      svg('circle', { cx: c, cy: c, r: 70, class: 'ring-track' }),
      ...arcs
        .filter((a) => a.end > a.start)
        .map((a) =>
          svg(
            'path',
            {
              d: arcPath(c, c, 85, 55, a.start, a.end),
              fill: a.colour,
              class: a.pending !== undefined ? 'arc pending' : 'arc',
              'data-member': a.name,
            },
            [svg('title', {}, [`${a.name}: ${a.share}%`])],
          ),
        ),
      svg('text', { x: c, y: c + 5, 'text-anchor': 'middle', class: 'ring-count' }, [
        `${arcs.length} members`,
      ]),
    ],
  );
  const legend = el(
    'ul',
    { class: 'ring-legend' },
    arcs.map((a, i) =>
      el('li', {}, [
        el('i', { class: 'swatch', style: `background:${colourOf(i)}` }),
        `${a.name} ${a.share}%`,
        a.pending !== undefined
          ? el('span', { class: 'pending-note' }, [` → ${a.pending}% pending`])
          : null,
        ` (${a.status})`,
      ]),
    ),
  );
  return el('div', { class: 'ring-box' }, [pic, legend]);
}
