/**
 * The explorer's browser code, bundled for the browser (scripts/bundle.js, from apps/scheduler/bundle.json) and served at
 * `/explorer.js` beside the page (page.ts). It lists clusters and nodes with their state,
 * endpoints, basic Riak stats and why a node waits for an offer (`pending_reason`), and each
 * cluster's active plans and its last finished one with their phases and steps. It follows the
 * event stream (`/api/v1/events`) to update live, and reads the lists again every 10 s for what
 * changes without an event (a node's pending reason).
 *
 * Every answer and every event is parsed with the framework contract's schemas, as the CLI parses
 * them: an answer that does not match is shown as an error naming the field, never drawn from a
 * guess. Data only ever goes into text nodes and attribute values, never into markup.
 *
 * Authentication (docs/security.md): the page asks for the API token when the scheduler answers
 * 401, keeps it in sessionStorage (this tab only, gone when it closes) and sends it as an
 * `Authorization` header, never in a cookie or a URL; the event stream, whose requests cannot
 * have headers, offers it as the WebSocket subprotocol `bearer.<token>`.
 */
import type { z } from 'zod';
import type {
  ClusterView,
  NodeStatsView,
  NodeView,
  PlanView,
  StampedEvent,
} from '@riak-mesos/framework-contract';
import {
  clusterListAnswerSchema,
  formatIssues,
  nodeListAnswerSchema,
  nodeStatsViewSchema,
  parseEventStreamMessage,
  planListAnswerSchema,
} from '@riak-mesos/framework-contract';

const TOKEN_KEY = 'riak-mesos-token';
const FINISHED = new Set(['COMPLETE', 'ABORTED']);
const base = location.pathname.replace(/\/(explorer\/?)?$/, '');
const api = `${base}/api/v1`;
const stats = new Map<string, NodeStatsView>();
let token = sessionStorage.getItem(TOKEN_KEY) ?? '';
let started = false;

interface ClusterShown {
  cluster: ClusterView;
  nodes: NodeView[];
  plans: PlanView[];
}

class AnswerError extends Error {}

function byId<T extends HTMLElement>(id: string): T {
  const found = document.getElementById(id);
  if (!found) throw new Error(`the page has no #${id}`);
  return found as T;
}

function headers(): Record<string, string> {
  const h: Record<string, string> = { accept: 'application/json' };
  if (token) h.authorization = `Bearer ${token}`;
  return h;
}

type Child = Node | string;
function el(tag: string, attrs: Record<string, string> = {}, children: Child[] = []): HTMLElement {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) e.setAttribute(k, v);
  for (const c of children) e.appendChild(typeof c === 'string' ? document.createTextNode(c) : c);
  return e;
}

function log(line: string): void {
  const box = byId('log');
  box.insertBefore(el('div', {}, [`${new Date().toLocaleTimeString()}  ${line}`]), box.firstChild);
  while (box.childNodes.length > 100 && box.lastChild) box.removeChild(box.lastChild);
}

function askToken(): void {
  byId('login').hidden = false;
  byId('conn').textContent = 'sign in';
  byId('token').focus();
}

/** GETs an API path and parses its answer with the contract's schema. */
async function get<S extends z.ZodType>(path: string, schema: S): Promise<z.output<S>> {
  const r = await fetch(api + path, { headers: headers() });
  if (r.status === 401) {
    askToken();
    throw new AnswerError('sign in with the API token');
  }
  if (!r.ok) throw new AnswerError(`${path}: HTTP ${r.status}`);
  const parsed = schema.safeParse(await r.json());
  if (!parsed.success)
    throw new AnswerError(`${path}: unexpected answer (${formatIssues(parsed.error)})`);
  return parsed.data;
}

function badge(status: string): HTMLElement {
  return el('span', { class: `state s-${status}` }, [status]);
}

/** The plans to show: every active one, then the newest finished one (the list is oldest first). */
function shownPlans(plans: PlanView[]): PlanView[] {
  const done = plans.filter((p) => FINISHED.has(p.status));
  return plans.filter((p) => !FINISHED.has(p.status)).concat(done.slice(-1));
}

function renderPlan(p: PlanView): HTMLElement {
  const notes = [[...new Set(p.phases.map((ph) => ph.strategy))].join(', '), p.id];
  if (p.targetRiakVersion) notes.push(`to ${p.targetRiakVersion}`);
  if (p.interrupted) notes.push('interrupted');
  if (p.message) notes.push(p.message);
  const rows: HTMLElement[] = [];
  for (const ph of p.phases) {
    const flags =
      (ph.interrupted ? ' · interrupted' : '') +
      (ph.awaitingContinue ? ' · waits for continue' : '');
    ph.steps.forEach((st, i) => {
      rows.push(
        el('tr', { 'data-step': st.name }, [
          el('td', {}, i === 0 ? [`${ph.name} (${ph.strategy}${flags}) `, badge(ph.status)] : []),
          el('td', {}, [st.node]),
          el(
            'td',
            st.nextAttemptAt ? { title: `next attempt at ${st.nextAttemptAt}` } : {},
            st.nextAttemptAt
              ? [
                  badge(st.status),
                  ` next attempt ${new Date(st.nextAttemptAt).toLocaleTimeString()}`,
                ]
              : [badge(st.status)],
          ),
          el('td', {}, [st.message ?? '']),
        ]),
      );
    });
  }
  return el('div', { class: 'plan', 'data-plan': p.id }, [
    el('h4', {}, [
      (FINISHED.has(p.status) ? 'last finished: ' : '') + p.kind,
      badge(p.status),
      el('span', { class: 'muted' }, [notes.join(' · ')]),
    ]),
    el('table', {}, [
      el('thead', {}, [
        el(
          'tr',
          {},
          ['Phase', 'Node', 'Step', 'Message'].map((h) => el('th', {}, [h])),
        ),
      ]),
      el('tbody', {}, rows),
    ]),
  ]);
}

function statText(v: NodeStatsView[keyof NodeStatsView]): string {
  return v === undefined || v === null ? '-' : String(v);
}

function nodeRow(n: NodeView, waiting: boolean): HTMLElement {
  const s = stats.get(n.name);
  const cells = [
    el('td', {}, [n.name]),
    el('td', {}, [
      el(
        'span',
        n.relaunch_after
          ? { class: `state ${n.state}`, title: `relaunch backoff until ${n.relaunch_after}` }
          : { class: `state ${n.state}` },
        [n.relaunch_after ? `${n.state} (delayed)` : n.state],
      ),
    ]),
    el('td', {}, [n.member ? 'yes' : 'no']),
    el('td', {}, [n.hostname ?? '-']),
    el('td', {}, [n.endpoints ? `http ${n.endpoints.http} / pb ${n.endpoints.pb}` : '-']),
    el('td', {}, [statText(s?.ring_members)]),
    el('td', {}, [s ? `${statText(s.node_gets)} / ${statText(s.node_puts)}` : '-']),
  ];
  if (waiting)
    cells.push(
      n.pending_reason
        ? el('td', { class: 'why', title: `since ${n.pending_reason.at}` }, [n.pending_reason.text])
        : el('td'),
    );
  return el('tr', { 'data-node': n.name }, cells);
}

function render(shown: ClusterShown[]): void {
  const root = byId('clusters');
  root.textContent = '';
  if (shown.length === 0) {
    root.appendChild(el('p', { id: 'empty' }, ['No clusters yet.']));
    return;
  }
  for (const { cluster: c, nodes, plans } of shown) {
    const waiting = nodes.some((n) => n.pending_reason);
    const heads = ['Node', 'State', 'Member', 'Host', 'Endpoints', 'Ring members', 'Gets / puts'];
    if (waiting) heads.push('Waiting because');
    const op = c.operation;
    const opText =
      op && (op.state === 'running' || op.state === 'paused')
        ? ` · ${op.kind} ${op.done}/${op.order.length} (${op.state})`
        : '';
    root.appendChild(
      el('section', { class: 'cluster', 'data-cluster': c.name }, [
        el('h2', {}, [
          c.name,
          el('span', { class: `state ${c.state}` }, [c.state]),
          el('span', { class: 'muted' }, [c.riak_version + opText]),
        ]),
        el('table', {}, [
          el('thead', {}, [
            el(
              'tr',
              {},
              heads.map((h) => el('th', {}, [h])),
            ),
          ]),
          el(
            'tbody',
            {},
            nodes.map((n) => nodeRow(n, waiting)),
          ),
        ]),
        el('div', { class: 'plans' }, shownPlans(plans).map(renderPlan)),
      ]),
    );
  }
}

async function load(cluster: ClusterView): Promise<ClusterShown> {
  const path = `/clusters/${encodeURIComponent(cluster.name)}`;
  const [nodes, plans] = await Promise.all([
    get(`${path}/nodes`, nodeListAnswerSchema),
    // A scheduler without plans answers 404: the cluster is shown without them.
    get(`${path}/plans`, planListAnswerSchema).catch((e: unknown) => {
      if (e instanceof AnswerError && /HTTP 404$/.test(e.message)) return { plans: [] };
      throw e;
    }),
  ]);
  return { cluster, nodes: nodes.nodes, plans: plans.plans };
}

// One refresh at a time; a change announced while one runs makes one more run after it, so the
// page never stays on a state read before the last event.
let pending: Promise<void> | null = null;
let again = false;
function refresh(): Promise<void> {
  if (pending) {
    again = true;
    return pending;
  }
  pending = get('/clusters', clusterListAnswerSchema)
    .then((body) => Promise.all(body.clusters.map(load)))
    .then(render)
    .catch((e: unknown) => log(`refresh failed: ${e instanceof Error ? e.message : String(e)}`))
    .then(() => {
      pending = null;
      if (again) {
        again = false;
        return refresh();
      }
    });
  return pending;
}

function refreshStats(): void {
  for (const tr of document.querySelectorAll<HTMLElement>('tr[data-node]')) {
    const node = tr.getAttribute('data-node');
    const cluster = tr.closest('section')?.getAttribute('data-cluster');
    if (!node || !cluster || tr.querySelector('.state.running') === null) continue;
    const path = `/clusters/${encodeURIComponent(cluster)}/nodes/${encodeURIComponent(node)}/stats`;
    get(path, nodeStatsViewSchema).then(
      (s) => stats.set(node, s),
      () => undefined,
    );
  }
}

function describe(e: StampedEvent): string {
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

let lastSeq = 0;
function connect(): void {
  const scheme = location.protocol === 'https:' ? 'wss://' : 'ws://';
  const url = `${scheme}${location.host}${api}/events${lastSeq ? `?since=${lastSeq}` : ''}`;
  const ws = token ? new WebSocket(url, [`bearer.${token}`]) : new WebSocket(url);
  const conn = byId('conn');
  ws.onopen = () => {
    conn.textContent = 'live';
    conn.className = 'live';
    void refresh();
  };
  ws.onmessage = (m: MessageEvent<unknown>) => {
    let data: unknown;
    try {
      data = typeof m.data === 'string' ? JSON.parse(m.data) : undefined;
    } catch {
      data = undefined;
    }
    const parsed = parseEventStreamMessage(data);
    if (!parsed.success) {
      // A newer scheduler's event, or a broken one: said, and the lists read again.
      log(`event not understood (${parsed.error})`);
      void refresh();
      return;
    }
    const e = parsed.data;
    if (e.type === 'hello') {
      byId('framework').textContent = e.frameworkId ? `framework ${e.frameworkId}` : '';
      return;
    }
    lastSeq = e.seq;
    log(describe(e));
    void refresh();
  };
  ws.onclose = () => {
    conn.textContent = 'reconnecting';
    conn.className = '';
    setTimeout(connect, 2000);
  };
}

function start(): void {
  // Nothing is shown until the API answers: without the token, the page asks for it.
  get('/clusters', clusterListAnswerSchema).then(
    () => {
      if (started) return;
      started = true;
      void refresh().then(refreshStats);
      setInterval(() => void refresh().then(refreshStats), 10000);
      connect();
    },
    (e: unknown) => log(e instanceof Error ? e.message : String(e)),
  );
}

byId('login').addEventListener('submit', (ev) => {
  ev.preventDefault();
  token = byId<HTMLInputElement>('token').value.trim();
  sessionStorage.setItem(TOKEN_KEY, token);
  byId('login').hidden = true;
  start();
});

const offers = byId<HTMLAnchorElement>('offers');
offers.setAttribute('href', `${api}/debug/offers`);
// A link cannot send the token: the offer decisions are fetched with it and shown as JSON.
offers.addEventListener('click', (ev) => {
  ev.preventDefault();
  void fetch(`${api}/debug/offers`, { headers: headers() })
    .then((r) => r.text())
    .then((t) => {
      window.open(URL.createObjectURL(new Blob([t], { type: 'application/json' })), '_blank');
    });
});

start();
