/**
 * The live event stream, kept (the last 300) and shown through filters by cluster, node and kind.
 */
import type { StampedEvent } from '@riak-mesos/framework-contract';
import { byId, el } from './dom';

interface Shown {
  at: string;
  kind: string;
  cluster: string;
  node: string;
  text: string;
}

const kept: Shown[] = [];
const MAX = 300;

export function describe(e: StampedEvent): string {
  switch (e.type) {
    case 'node':
      return `node ${e.node}: ${e.previousState ?? 'new'} -> ${e.state}${e.member ? ' (member)' : ''}`;
    case 'cluster':
      return `cluster ${e.cluster}: ${e.previousState ?? 'new'} -> ${e.state}`;
    case 'task':
      return `task ${e.taskId}: ${e.state}${e.message ? ` (${e.message})` : ''}`;
    case 'plan':
      return `cluster ${e.cluster}: plan ${e.plan.id} ${e.plan.status}`;
    case 'operation':
      return `cluster ${e.cluster}: ${e.operation.kind} ${e.operation.done}/${e.operation.order.length} ${e.operation.state}`;
    case 'cluster-deleted':
      return `cluster ${e.cluster} deleted`;
    case 'node-deleted':
      return `node ${e.node} deleted`;
    case 'scheduler':
      return `scheduler ${e.state}`;
  }
}

function fieldsOf(e: StampedEvent): { cluster: string; node: string } {
  return {
    cluster: 'cluster' in e && typeof e.cluster === 'string' ? e.cluster : '',
    node: 'node' in e && typeof e.node === 'string' ? e.node : '',
  };
}

/** A line the console itself says (a refresh that failed, an event it did not understand). */
export function say(text: string): void {
  add({ at: new Date().toLocaleTimeString(), kind: 'console', cluster: '', node: '', text });
}

export function addEvent(e: StampedEvent): void {
  add({ at: new Date().toLocaleTimeString(), kind: e.type, ...fieldsOf(e), text: describe(e) });
}

function add(s: Shown): void {
  kept.unshift(s);
  kept.length = Math.min(kept.length, MAX);
  const select = byId<HTMLSelectElement>('f-cluster');
  if (s.cluster && ![...select.options].some((o) => o.value === s.cluster))
    select.appendChild(el('option', { value: s.cluster }, [s.cluster]));
  show();
}

function show(): void {
  const cluster = byId<HTMLSelectElement>('f-cluster').value;
  const kind = byId<HTMLSelectElement>('f-kind').value;
  const node = byId<HTMLInputElement>('f-node').value.trim();
  const rows = kept.filter(
    (s) =>
      (!cluster || s.cluster === cluster) &&
      (!kind || s.kind === kind) &&
      (!node || s.node.includes(node) || s.text.includes(node)),
  );
  byId('log').replaceChildren(
    ...rows
      .slice(0, 100)
      .map((s) =>
        el('div', { 'data-kind': s.kind }, [`${s.at}  `, el('b', {}, [s.kind]), `  ${s.text}`]),
      ),
  );
}

export function setUpFilters(): void {
  for (const id of ['f-cluster', 'f-kind']) byId(id).addEventListener('change', show);
  byId('f-node').addEventListener('input', show);
}
