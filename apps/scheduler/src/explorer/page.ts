/**
 * The explorer: one self-contained page served by the scheduler at `/explorer` (and `/`). It lists
 * clusters and nodes with their state, endpoints, basic Riak stats and why a node waits for an
 * offer (`pending_reason`), and each cluster's active plans and its last finished one with their
 * phases and steps (`GET /clusters/{c}/plans`). It follows the event stream (`/api/v1/events`) to
 * update live, and reads the lists again every 10 s for what changes without an event (a node's
 * pending reason). No front-end framework: plain DOM code; data only ever goes into text nodes
 * and attribute values, never into markup.
 *
 * Authentication (docs/security.md): the page asks for the API token when the scheduler answers
 * 401, keeps it in sessionStorage (this tab only, gone when it closes) and sends it as an
 * `Authorization` header, never in a cookie or a URL; the event stream, whose requests cannot
 * have headers, offers it as the WebSocket subprotocol `bearer.<token>`.
 */
export const EXPLORER_HTML = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Riak Mesos Explorer</title>
<style>
  :root { font-family: system-ui, sans-serif; color: #1d2430; background: #f5f6f8; }
  body { margin: 0; }
  header { background: #1d2430; color: #fff; padding: 12px 24px; display: flex; align-items: center; gap: 16px; }
  header h1 { font-size: 18px; margin: 0; font-weight: 600; }
  #conn { font-size: 12px; padding: 2px 8px; border-radius: 10px; background: #8a6d00; }
  #conn.live { background: #1f7a3f; }
  main { padding: 16px 24px; display: grid; gap: 16px; }
  section.cluster { background: #fff; border-radius: 8px; box-shadow: 0 1px 3px rgba(0,0,0,.12); padding: 12px 16px; }
  section.cluster h2 { margin: 0 0 8px; font-size: 16px; display: flex; gap: 12px; align-items: baseline; }
  .muted { color: #6b7280; font-size: 12px; font-weight: 400; }
  table { border-collapse: collapse; width: 100%; font-size: 13px; }
  th, td { text-align: left; padding: 6px 8px; border-bottom: 1px solid #e5e7eb; }
  th { color: #6b7280; font-weight: 500; }
  .state { padding: 1px 8px; border-radius: 10px; font-size: 12px; background: #e5e7eb; }
  .state.running { background: #d1fae5; color: #065f46; }
  .state.failed { background: #fee2e2; color: #991b1b; }
  .state.starting, .state.launching, .state.reserving, .state.restarting, .state.leaving { background: #fef3c7; color: #92400e; }
  #log { font-family: ui-monospace, monospace; font-size: 12px; background: #fff; border-radius: 8px; padding: 8px 16px; max-height: 200px; overflow: auto; }
  #empty { color: #6b7280; }
  header a { color: #cbd5e1; font-size: 12px; margin-left: auto; }
  td.why { color: #92400e; }
  .plans { margin-top: 12px; display: grid; gap: 8px; }
  .plan h4 { margin: 0 0 4px; font-size: 13px; display: flex; gap: 8px; align-items: baseline; }
  .plan table { font-size: 12px; }
  .plan td, .plan th { padding: 3px 8px; }
  .s-COMPLETE { background: #d1fae5; color: #065f46; }
  .s-ERROR { background: #fee2e2; color: #991b1b; }
  .s-IN_PROGRESS, .s-PREPARED, .s-STARTING, .s-STARTED { background: #dbeafe; color: #1e40af; }
  .s-WAITING, .s-DELAYED { background: #fef3c7; color: #92400e; }
  .s-ABORTED { background: #e5e7eb; color: #374151; text-decoration: line-through; }
  #login { background: #fff; border-radius: 8px; padding: 12px 16px; display: flex; gap: 8px; align-items: center; }
  #login[hidden] { display: none; }
  #login input { flex: 1; font-family: ui-monospace, monospace; padding: 4px 8px; }
</style>
</head>
<body>
<header><h1>Riak Mesos Explorer</h1><span id="framework" class="muted"></span><a id="offers" href="api/v1/debug/offers">offer decisions</a><span id="conn">connecting</span></header>
<main>
  <form id="login" hidden><label for="token">API token (<code>riak-mesos framework token</code>)</label><input id="token" type="password" autocomplete="off"><button type="submit">Sign in</button></form>
  <div id="clusters"><p id="empty">No clusters yet.</p></div>
  <div><h3>Events</h3><div id="log"></div></div>
</main>
<script>
(function () {
  'use strict';
  var base = location.pathname.replace(/\\/(explorer\\/?)?$/, '');
  var api = base + '/api/v1';
  var stats = {};
  var TOKEN_KEY = 'riak-mesos-token';
  var token = sessionStorage.getItem(TOKEN_KEY) || '';
  var started = false;
  function headers() {
    var h = { accept: 'application/json' };
    if (token) h.authorization = 'Bearer ' + token;
    return h;
  }
  var login = document.getElementById('login');
  function askToken() {
    login.hidden = false;
    document.getElementById('conn').textContent = 'sign in';
    document.getElementById('token').focus();
  }
  login.addEventListener('submit', function (ev) {
    ev.preventDefault();
    token = document.getElementById('token').value.trim();
    sessionStorage.setItem(TOKEN_KEY, token);
    login.hidden = true;
    start();
  });
  var offers = document.getElementById('offers');
  offers.setAttribute('href', api + '/debug/offers');
  // A link cannot send the token: the offer decisions are fetched with it and shown as JSON.
  offers.addEventListener('click', function (ev) {
    ev.preventDefault();
    fetch(api + '/debug/offers', { headers: headers() }).then(function (r) { return r.text(); }).then(function (t) {
      window.open(URL.createObjectURL(new Blob([t], { type: 'application/json' })), '_blank');
    });
  });
  var FINISHED = { COMPLETE: true, ABORTED: true };
  function badge(status) { return el('span', { class: 'state s-' + status }, [status]); }
  function unique(list) { return list.filter(function (x, i) { return list.indexOf(x) === i; }); }
  // The plans to show: every active one, then the newest finished one (the list is oldest first).
  function shownPlans(plans) {
    var done = plans.filter(function (p) { return FINISHED[p.status]; });
    return plans.filter(function (p) { return !FINISHED[p.status]; }).concat(done.slice(-1));
  }
  function renderPlan(p) {
    var notes = [unique(p.phases.map(function (ph) { return ph.strategy; })).join(', '), p.id];
    if (p.targetRiakVersion) notes.push('to ' + p.targetRiakVersion);
    if (p.interrupted) notes.push('interrupted');
    if (p.message) notes.push(p.message);
    var rows = [];
    p.phases.forEach(function (ph) {
      var flags = (ph.interrupted ? ' · interrupted' : '') + (ph.awaitingContinue ? ' · waits for continue' : '');
      ph.steps.forEach(function (st, i) {
        rows.push(el('tr', { 'data-step': st.name }, [
          el('td', {}, i === 0 ? [ph.name + ' (' + ph.strategy + flags + ') ', badge(ph.status)] : []),
          el('td', {}, [st.node]),
          el('td', {}, [badge(st.status)]),
          el('td', {}, [st.message || ''])
        ]));
      });
    });
    return el('div', { class: 'plan', 'data-plan': p.id }, [
      el('h4', {}, [(FINISHED[p.status] ? 'last finished: ' : '') + p.kind, badge(p.status), el('span', { class: 'muted' }, [notes.join(' · ')])]),
      el('table', {}, [
        el('thead', {}, [el('tr', {}, ['Phase', 'Node', 'Step', 'Message'].map(function (h) { return el('th', {}, [h]); }))]),
        el('tbody', {}, rows)
      ])
    ]);
  }
  function el(tag, attrs, children) {
    var e = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (k) { e.setAttribute(k, attrs[k]); });
    (children || []).forEach(function (c) { e.appendChild(typeof c === 'string' ? document.createTextNode(c) : c); });
    return e;
  }
  function get(path) {
    return fetch(api + path, { headers: headers() }).then(function (r) {
      if (r.status === 401) { askToken(); throw new Error('sign in with the API token'); }
      if (!r.ok) throw new Error(path + ': HTTP ' + r.status);
      return r.json();
    });
  }
  function render(clusters) {
    var root = document.getElementById('clusters');
    root.textContent = '';
    if (!clusters.length) { root.appendChild(el('p', { id: 'empty' }, ['No clusters yet.'])); return; }
    clusters.forEach(function (c) {
      var waiting = c.nodeDocs.some(function (n) { return n.pending_reason; });
      var rows = c.nodeDocs.map(function (n) {
        var s = stats[n.name] || {};
        var why = n.pending_reason
          ? el('td', { class: 'why', title: 'since ' + n.pending_reason.at }, [n.pending_reason.text])
          : el('td', {}, []);
        return el('tr', { 'data-node': n.name }, [
          el('td', {}, [n.name]),
          el('td', {}, [el('span', { class: 'state ' + n.state }, [n.state])]),
          el('td', {}, [n.member ? 'yes' : 'no']),
          el('td', {}, [n.hostname || '-']),
          el('td', {}, [n.endpoints ? 'http ' + n.endpoints.http + ' / pb ' + n.endpoints.pb : '-']),
          el('td', {}, [s.ring_members !== undefined ? String(s.ring_members) : '-']),
          el('td', {}, [s.node_gets !== undefined ? s.node_gets + ' / ' + s.node_puts : '-'])
        ].concat(waiting ? [why] : []));
      });
      var heads = ['Node', 'State', 'Member', 'Host', 'Endpoints', 'Ring members', 'Gets / puts'].concat(waiting ? ['Waiting because'] : []);
      var plans = shownPlans(c.planDocs);
      var op = c.operation && (c.operation.state === 'running' || c.operation.state === 'paused')
        ? ' · ' + c.operation.kind + ' ' + c.operation.done + '/' + c.operation.order.length + ' (' + c.operation.state + ')' : '';
      root.appendChild(el('section', { class: 'cluster', 'data-cluster': c.name }, [
        el('h2', {}, [c.name, el('span', { class: 'state ' + c.state }, [c.state]), el('span', { class: 'muted' }, [c.riak_version + op])]),
        el('table', {}, [
          el('thead', {}, [el('tr', {}, heads.map(function (h) { return el('th', {}, [h]); }))]),
          el('tbody', {}, rows)
        ]),
        el('div', { class: 'plans' }, plans.map(renderPlan))
      ]));
    });
  }
  // One refresh at a time; a change announced while one runs makes one more run after it, so the
  // page never stays on a state read before the last event.
  var pending = null;
  var again = false;
  function load(c) {
    var path = '/clusters/' + encodeURIComponent(c.name);
    return Promise.all([
      get(path + '/nodes'),
      // A scheduler without plans answers 404: the cluster is shown without them.
      get(path + '/plans').catch(function () { return { plans: [] }; })
    ]).then(function (r) {
      c.nodeDocs = Array.isArray(r[0].nodes) ? r[0].nodes : [];
      c.planDocs = Array.isArray(r[1].plans) ? r[1].plans : [];
      return c;
    });
  }
  function refresh() {
    if (pending) { again = true; return pending; }
    pending = get('/clusters').then(function (body) {
      return Promise.all(body.clusters.map(load));
    }).then(render).catch(function (e) { log('refresh failed: ' + e.message); }).then(function () {
      pending = null;
      if (again) { again = false; return refresh(); }
    });
    return pending;
  }
  function refreshStats() {
    var rows = document.querySelectorAll('tr[data-node]');
    Array.prototype.forEach.call(rows, function (tr) {
      var node = tr.getAttribute('data-node');
      var cluster = tr.closest('section').getAttribute('data-cluster');
      if (tr.querySelector('.state.running') === null) return;
      get('/clusters/' + encodeURIComponent(cluster) + '/nodes/' + encodeURIComponent(node) + '/stats')
        .then(function (s) { stats[node] = s; }).catch(function () {});
    });
  }
  function log(line) {
    var box = document.getElementById('log');
    box.insertBefore(el('div', {}, [new Date().toLocaleTimeString() + '  ' + line]), box.firstChild);
    while (box.childNodes.length > 100) box.removeChild(box.lastChild);
  }
  function describe(e) {
    if (e.type === 'node') return 'node ' + e.node + ': ' + (e.previousState || 'new') + ' -> ' + e.state + (e.member ? ' (member)' : '');
    if (e.type === 'cluster') return 'cluster ' + e.cluster + ': ' + (e.previousState || 'new') + ' -> ' + e.state;
    if (e.type === 'task') return 'task ' + e.taskId + ': ' + e.state + (e.message ? ' (' + e.message + ')' : '');
    if (e.type === 'plan') return 'cluster ' + e.cluster + ': plan ' + e.plan.id + ' ' + e.plan.status;
    if (e.type === 'operation') return 'cluster ' + e.cluster + ': ' + e.operation.kind + ' ' + e.operation.done + '/' + e.operation.order.length + ' ' + e.operation.state;
    return e.type + ' ' + (e.cluster || e.node || e.state || '');
  }
  var lastSeq = 0;
  function connect() {
    var url = (location.protocol === 'https:' ? 'wss://' : 'ws://') + location.host + api + '/events' + (lastSeq ? '?since=' + lastSeq : '');
    var ws = token ? new WebSocket(url, ['bearer.' + token]) : new WebSocket(url);
    var conn = document.getElementById('conn');
    ws.onopen = function () { conn.textContent = 'live'; conn.className = 'live'; refresh(); };
    ws.onmessage = function (m) {
      var e = JSON.parse(m.data);
      if (e.type === 'hello') { document.getElementById('framework').textContent = e.frameworkId ? 'framework ' + e.frameworkId : ''; return; }
      lastSeq = e.seq || lastSeq;
      log(describe(e));
      refresh();
    };
    ws.onclose = function () { conn.textContent = 'reconnecting'; conn.className = ''; setTimeout(connect, 2000); };
  }
  function start() {
    // Nothing is shown until the API answers: without the token, the page asks for it.
    get('/clusters').then(function () {
      if (started) return;
      started = true;
      refresh().then(refreshStats);
      setInterval(function () { refresh().then(refreshStats); }, 10000);
      connect();
    }).catch(function (e) { log(e.message); });
  }
  start();
})();
</script>
</body>
</html>
`;
