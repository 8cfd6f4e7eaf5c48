/**
 * The operator's console, bundled for the browser (scripts/bundle.js, from
 * apps/scheduler/bundle.json) and served at `/explorer.js` beside the page (../page.ts). Hash
 * routes: `#/` the overview (./overview.ts), `#/clusters/{name}` a cluster (./cluster-page.ts),
 * `#/events` the event stream on its own. It follows the event stream (`/api/v1/events`) to
 * update live, and reads again every 5 s for what changes without an event (stats, reasons).
 *
 * Every answer and every event is parsed with the framework contract's schemas (./http.ts): an
 * answer that does not match is shown as an error naming the field, never drawn from a guess.
 * The event stream, whose requests cannot have headers, gets the token as the WebSocket
 * subprotocol `bearer.<token>` (docs/security.md).
 */
// First: it configures zod before any module of the contract parses anything.
import './no-eval';
import { clusterListAnswerSchema, parseEventStreamMessage } from '@riak-mesos/framework-contract';
import { clusterSkeleton, renderCluster } from './cluster-page';
import { notice, whenChanged } from './controls';
import { byId, el } from './dom';
import { addEvent, say, setUpFilters } from './events-panel';
import {
  AnswerError,
  api,
  currentToken,
  get,
  headers,
  messageOf,
  setToken,
  whenUnauthorized,
} from './http';
import { loadClusterDetail, loadOverview } from './model';
import { renderOverview } from './overview';

const REFRESH_MS = 5000;
let started = false;

type Route = { page: 'overview' } | { page: 'cluster'; name: string } | { page: 'events' };

function route(): Route {
  const h = location.hash.replace(/^#\/?/, '');
  const m = /^clusters\/([^/]+)$/.exec(h);
  if (m) return { page: 'cluster', name: decodeURIComponent(m[1]) };
  if (h === 'events') return { page: 'events' };
  return { page: 'overview' };
}

function askToken(): void {
  byId('login').hidden = false;
  byId('conn').textContent = 'sign in';
  byId('conn').className = '';
  byId('token').focus();
}
whenUnauthorized(askToken);

/** Builds the current route's frame (once per visit): its boxes are then filled by refresh. */
function enter(): void {
  const r = route();
  const view = byId('view');
  document.body.dataset.page = r.page;
  for (const a of document.querySelectorAll<HTMLAnchorElement>('nav a'))
    a.toggleAttribute(
      'aria-current',
      a.getAttribute('href') === `#/${r.page === 'events' ? 'events' : ''}`,
    );
  if (r.page === 'cluster') view.replaceChildren(...clusterSkeleton(r.name));
  else if (r.page === 'overview') view.replaceChildren(el('p', { class: 'muted' }, ['loading…']));
  else view.replaceChildren();
  void refresh();
}

/** Puts back the focus on the control it was on before a box was rebuilt. */
async function keepingFocus(draw: () => Promise<void>): Promise<void> {
  const key = document.activeElement?.getAttribute('data-focus');
  await draw();
  if (key && document.activeElement === document.body)
    document.querySelector<HTMLElement>(`[data-focus="${CSS.escape(key)}"]`)?.focus();
}

/** Which page a route is, to tell whether an answer read for one still belongs on screen. */
function keyOf(r: Route): string {
  return r.page === 'cluster' ? `cluster/${r.name}` : r.page;
}

async function draw(): Promise<void> {
  const r = route();
  const view = byId('view');
  // An answer read for a page the operator has left since is dropped, not drawn over the new one.
  const still = () => keyOf(route()) === keyOf(r);
  if (r.page === 'overview') {
    const o = await loadOverview();
    if (still()) renderOverview(view, o, Date.now());
  } else if (r.page === 'cluster') {
    const d = await loadClusterDetail(r.name);
    if (!still()) return;
    if (!d) view.replaceChildren(el('p', { class: 'error' }, [`no cluster named ${r.name}`]));
    else {
      if (!view.querySelector('#head-box')) view.replaceChildren(...clusterSkeleton(r.name));
      renderCluster(view, d, Date.now());
    }
  }
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
  pending = keepingFocus(draw)
    .catch((e: unknown) => say(`refresh failed: ${messageOf(e)}`))
    .then(() => {
      pending = null;
      if (again) {
        again = false;
        return refresh();
      }
    });
  return pending;
}

let lastSeq = 0;
function connect(): void {
  const scheme = location.protocol === 'https:' ? 'wss://' : 'ws://';
  const url = `${scheme}${location.host}${api}/events${lastSeq ? `?since=${lastSeq}` : ''}`;
  const token = currentToken();
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
      // A newer scheduler's event, or a broken one: said, and the page read again.
      say(`event not understood (${parsed.error})`);
      void refresh();
      return;
    }
    const e = parsed.data;
    if (e.type === 'hello') {
      byId('framework').textContent = e.frameworkId ? `framework ${e.frameworkId}` : '';
      return;
    }
    lastSeq = e.seq;
    addEvent(e);
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
      if (started) return void refresh();
      started = true;
      enter();
      setInterval(() => void refresh(), REFRESH_MS);
      connect();
    },
    // Without the token the sign-in form asks for it; anything else is said.
    (e: unknown) => {
      if (!(e instanceof AnswerError && e.status === 401)) say(messageOf(e));
    },
  );
}

byId('login').addEventListener('submit', (ev) => {
  ev.preventDefault();
  setToken(byId<HTMLInputElement>('token').value.trim());
  byId('login').hidden = true;
  notice('', true);
  start();
});

byId('signout').addEventListener('click', () => {
  setToken('');
  notice('signed out: the API refuses every call until you sign in again', false);
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

whenChanged(() => void refresh());
window.addEventListener('hashchange', enter);
setUpFilters();
start();
