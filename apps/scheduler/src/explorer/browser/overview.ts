/**
 * The overview (`#/`): each cluster with its health (colour and word, with the reasons), its
 * nodes counted by state, a live chart of gets and puts per second per node over the last hour,
 * and each node's p99 latencies, all from the scheduler's stats history; and where clients reach
 * it: its registered directors with their backends' health, and its running members
 * (`GET …/endpoints`).
 */
import type {
  EndpointsAnswer,
  HealthAnswer,
  HealthReason,
  StatsSample,
} from '@riak-mesos/framework-contract';
import { chart } from './charts';
import { badge, el, fmt, table } from './dom';
import type { ClusterData, Overview } from './model';
import { countByState } from './model';

export function healthBadge(state: string | undefined): HTMLElement {
  return badge(state ?? 'unknown', 'h');
}

export function reasonsList(reasons: HealthReason[] | undefined, cluster?: string): HTMLElement {
  const shown = (reasons ?? []).filter((r) => !cluster || r.cluster === cluster);
  return el(
    'ul',
    { class: 'reasons' },
    shown.map((r) => el('li', {}, [badge(r.state, 'h'), ' ', r.text])),
  );
}

function last(samples: StatsSample[] | undefined, key: keyof StatsSample): number | undefined {
  for (let i = (samples?.length ?? 0) - 1; i >= 0; i--) {
    const v = samples?.[i][key];
    if (typeof v === 'number') return v;
  }
  return undefined;
}

/** The charts and latency table of one cluster (also on its own page). */
export function throughput(d: ClusterData, now: number): HTMLElement {
  if (typeof d.history === 'string')
    return el('div', { class: 'charts' }, [el('p', { class: 'error' }, [d.history])]);
  const h = d.history;
  const nodes = d.nodes.map((n) => n.name);
  const note = !h.sampling
    ? 'this scheduler does not sample stats (a standby, or --stats-interval 0)'
    : `sampled every ${h.interval_seconds} s`;
  return el('div', { class: 'charts' }, [
    chart(h, 'gets_per_second', 'Gets / s', nodes, now),
    chart(h, 'puts_per_second', 'Puts / s', nodes, now),
    el('div', { class: 'latency' }, [
      table(
        ['Node', 'Get p99 ms', 'Put p99 ms'],
        nodes.map((n) =>
          el('tr', { 'data-node': n }, [
            el('td', {}, [n]),
            el('td', {}, [fmt(last(h.nodes[n], 'get_p99_ms'))]),
            el('td', {}, [fmt(last(h.nodes[n], 'put_p99_ms'))]),
          ]),
        ),
      ),
      el('p', { class: 'muted' }, [note]),
    ]),
  ]);
}

type Endpoint = EndpointsAnswer['nodes'][number];

/**
 * A director's backends' health as it published it: per listener how many are up (green when
 * all, amber otherwise), then each backend that is not up with its state and last error.
 */
function backendsCell(x: Endpoint): HTMLElement {
  if (x.kind !== 'director') return el('td', {}, ['']);
  if (!x.backends) return el('td', { class: 'muted' }, ['not published (an older director)']);
  const backends = x.backends;
  const lanes = (['protobuf', 'http'] as const).map((listener) => {
    const of = backends.filter((b) => b.listener === listener);
    const up = of.filter((b) => b.state === 'up').length;
    const all = of.length > 0 && up === of.length;
    return el(
      'span',
      { class: `state ${all ? 'h-running' : 'h-degraded'}`, 'data-listener': listener },
      [`${listener === 'protobuf' ? 'PB' : 'HTTP'} ${up}/${of.length} up`],
    );
  });
  const notUp = backends.filter((b) => b.state !== 'up');
  return el('td', { class: 'backends', title: `as of ${x.backends_at ?? '?'}` }, [
    ...lanes.flatMap((l) => [l, ' ']),
    notUp.length
      ? el(
          'ul',
          {},
          notUp.map((b) =>
            el('li', { 'data-backend': `${b.listener}/${b.node}` }, [
              badge(b.state, 'b'),
              ` ${b.listener === 'protobuf' ? 'PB' : 'HTTP'} ${b.node} (${b.address})`,
              b.error ? `: ${b.error}` : '',
            ]),
          ),
        )
      : null,
  ]);
}

/**
 * Where clients reach a cluster: its directors first, with their backends' health, then its
 * running ring members (under `title` when given: the overview's cards have no panel heading).
 */
export function endpointsTable(e: EndpointsAnswer | string, title?: string): HTMLElement {
  if (typeof e === 'string') return el('p', { class: 'error' }, [`endpoints: ${e}`]);
  const row = (x: Endpoint) =>
    el('tr', { 'data-endpoint': `${x.kind}/${x.name}` }, [
      el('td', {}, [x.kind]),
      el('td', {}, [x.name]),
      el('td', {}, [x.pb]),
      el('td', {}, [x.http]),
      ...(e.directors.length ? [backendsCell(x)] : []),
    ]);
  const rows = [...e.directors, ...e.nodes].map(row);
  const heads = ['Kind', 'Name', 'PB', 'HTTP', ...(e.directors.length ? ['Backends'] : [])];
  return el('div', { class: 'endpoints' }, [
    title ? el('h4', {}, [title]) : null,
    rows.length ? table(heads, rows) : null,
    el('p', { class: 'muted' }, [
      (e.directors.length
        ? `${e.directors.length} director${e.directors.length === 1 ? '' : 's'} registered`
        : 'no director registered') +
        ` · ${e.nodes.length} running member${e.nodes.length === 1 ? '' : 's'}`,
    ]),
  ]);
}

function clusterCard(d: ClusterData, health: HealthAnswer, now: number): HTMLElement {
  const name = d.cluster.name;
  const counts = countByState(d.nodes);
  const active = d.plans.filter((p) => p.status !== 'COMPLETE' && p.status !== 'ABORTED');
  return el('article', { class: 'card', 'data-cluster': name }, [
    el('h2', {}, [
      el('a', { href: `#/clusters/${encodeURIComponent(name)}` }, [name]),
      healthBadge(health.clusters?.[name]),
      el('span', { class: 'muted' }, [d.cluster.riak_version]),
    ]),
    el('p', { class: 'counts' }, [
      `${d.nodes.length} node${d.nodes.length === 1 ? '' : 's'}`,
      ...counts.flatMap(([state, n]) => [
        ' · ',
        el('span', { class: `state n-${state}` }, [`${n} ${state}`]),
      ]),
      ...active.map((p) => el('span', { class: 'muted' }, [` · ${p.kind} plan ${p.status}`])),
    ]),
    reasonsList(health.reasons, name),
    throughput(d, now),
    endpointsTable(d.endpoints, 'Endpoints'),
  ]);
}

export function renderOverview(root: HTMLElement, o: Overview, now: number): void {
  root.replaceChildren(
    el('h2', { class: 'page-title' }, ['Clusters ', healthBadge(o.health.state)]),
    ...(o.clusters.length === 0
      ? [el('p', { id: 'empty' }, ['No clusters yet.'])]
      : o.clusters.map((d) => clusterCard(d, o.health, now))),
  );
}
