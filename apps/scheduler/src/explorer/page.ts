/**
 * The console: one page served by the scheduler at `/explorer` (and `/`), markup and style only.
 * Its code is browser/client.ts, served at `/explorer.js` (explorer/script.ts); the content security
 * policy allows scripts from the scheduler itself and nowhere else, inline ones not at all.
 * Light and dark themes follow the system setting; boxes filled by data reserve their space.
 */
export const EXPLORER_HTML = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="color-scheme" content="light dark">
<title>Riak Mesos Explorer</title>
<style>
  :root { --fg: #1d2430; --bg: #f5f6f8; --card: #fff; --muted: #6b7280; --line: #e5e7eb; --head: #1d2430;
    --ok-bg: #d1fae5; --ok: #065f46; --bad-bg: #fee2e2; --bad: #991b1b; --warn-bg: #fef3c7; --warn: #92400e;
    --info-bg: #dbeafe; --info: #1e40af; --grey-bg: #e5e7eb; --grey: #374151; --link: #1d4ed8;
    font-family: system-ui, sans-serif; color: var(--fg); background: var(--bg); }
  @media (prefers-color-scheme: dark) {
    :root { --fg: #e5e7eb; --bg: #0f141b; --card: #1a212b; --muted: #9aa4b2; --line: #2c3542; --head: #0a0e13;
      --ok-bg: #064e3b; --ok: #a7f3d0; --bad-bg: #7f1d1d; --bad: #fecaca; --warn-bg: #78350f; --warn: #fde68a;
      --info-bg: #1e3a8a; --info: #bfdbfe; --grey-bg: #374151; --grey: #e5e7eb; --link: #93c5fd; }
  }
  body { margin: 0; }
  a { color: var(--link); }
  header { background: var(--head); color: #fff; padding: 10px 24px; display: flex; flex-wrap: wrap; align-items: center; gap: 16px; }
  header h1 { font-size: 18px; margin: 0; font-weight: 600; }
  header nav { display: flex; gap: 12px; }
  header nav a, header a { color: #cbd5e1; font-size: 13px; }
  header nav a[aria-current] { color: #fff; font-weight: 600; }
  header .right { margin-left: auto; display: flex; gap: 12px; align-items: center; }
  #conn { font-size: 12px; padding: 2px 8px; border-radius: 10px; background: #8a6d00; }
  #conn.live { background: #1f7a3f; }
  main { padding: 16px 24px; display: grid; gap: 16px; max-width: 1400px; }
  .card, .panel, #login, #events { background: var(--card); border-radius: 8px; box-shadow: 0 1px 3px rgba(0,0,0,.12); padding: 12px 16px; }
  .card h2, .page-title { margin: 0 0 8px; font-size: 17px; display: flex; gap: 10px; align-items: baseline; flex-wrap: wrap; }
  .panel h3, #events h3 { margin: 0 0 8px; font-size: 15px; }
  #view { display: grid; gap: 16px; min-height: 300px; }
  .muted { color: var(--muted); font-size: 12px; font-weight: 400; }
  .error { color: var(--bad); }
  table { border-collapse: collapse; width: 100%; font-size: 13px; }
  th, td { text-align: left; padding: 5px 8px; border-bottom: 1px solid var(--line); vertical-align: top; }
  th { color: var(--muted); font-weight: 500; }
  td.num { font-variant-numeric: tabular-nums; }
  td.why { color: var(--warn); }
  .table-wrap, .panel, .card { overflow-x: auto; }
  .state { padding: 1px 8px; border-radius: 10px; font-size: 12px; background: var(--grey-bg); color: var(--grey); white-space: nowrap; }
  .n-running, .s-COMPLETE, .h-running { background: var(--ok-bg); color: var(--ok); }
  .n-failed, .s-ERROR, .h-error, .b-down { background: var(--bad-bg); color: var(--bad); }
  td.backends ul { margin: 4px 0 0; padding: 0; list-style: none; font-size: 12px; }
  .n-starting, .n-launching, .n-reserving, .n-restarting, .n-leaving, .n-requested,
  .s-WAITING, .s-DELAYED, .h-delayed, .h-degraded, .b-draining, .h-recovering, .h-waiting_for_operator { background: var(--warn-bg); color: var(--warn); }
  .s-IN_PROGRESS, .s-PREPARED, .s-STARTING, .s-STARTED, .h-deploying, .h-initializing { background: var(--info-bg); color: var(--info); }
  .s-ABORTED { text-decoration: line-through; }
  .counts { margin: 0 0 6px; font-size: 13px; display: flex; flex-wrap: wrap; gap: 4px; align-items: baseline; }
  ul.reasons { margin: 0 0 8px; padding: 0; list-style: none; font-size: 12px; display: grid; gap: 2px; }
  .charts { display: grid; grid-template-columns: repeat(auto-fit, minmax(280px, 1fr)); gap: 12px; min-height: 190px; }
  figure.chart-box { margin: 0; }
  figure.chart-box figcaption { font-size: 13px; font-weight: 600; }
  svg.chart { width: 100%; height: 110px; display: block; border-left: 1px solid var(--line); }
  svg.chart .grid { stroke: var(--line); stroke-dasharray: 3 3; }
  svg.chart .axis { stroke: var(--muted); }
  .legend, .ring-legend { font-size: 12px; display: flex; flex-wrap: wrap; gap: 4px 12px; }
  .ring-legend { list-style: none; padding: 0; margin: 0; flex-direction: column; }
  i.swatch { display: inline-block; width: 10px; height: 10px; border-radius: 2px; margin-right: 4px; }
  .latency table { font-size: 12px; }
  .two { display: grid; grid-template-columns: minmax(0, 2fr) minmax(260px, 1fr); gap: 16px; }
  .box-head { min-height: 48px; } .box-throughput { min-height: 200px; } .box-members, .box-ring { min-height: 240px; }
  .box-plans, .box-pending, .box-tasks, .box-types { min-height: 80px; }
  .box-configs, .box-endpoints { min-height: 140px; }
  .v-target { background: var(--info-bg); color: var(--info); }
  td .note { font-size: 12px; color: var(--warn); margin-top: 2px; }
  .endpoints table { font-size: 12px; }
  .endpoints h4 { margin: 8px 0 4px; font-size: 13px; }
  #upgrade-version { min-width: 9em; }
  figure.diff { margin: 6px 0; }
  figure.diff figcaption { font-size: 12px; font-weight: 600; }
  figure.diff pre { background: var(--bg); padding: 6px 8px; border-radius: 4px; }
  figure.diff span { display: block; white-space: pre; }
  figure.diff .add { background: var(--ok-bg); color: var(--ok); }
  figure.diff .del { background: var(--bad-bg); color: var(--bad); }
  figure.diff .hunk { color: var(--info); }
  .ring-box { display: flex; gap: 16px; align-items: center; flex-wrap: wrap; }
  svg.ring { width: 180px; height: 180px; flex: none; }
  svg.ring .ring-track { fill: none; stroke: var(--line); stroke-width: 30; }
  svg.ring .arc { stroke: var(--card); stroke-width: 1; }
  svg.ring .arc.pending { stroke: var(--fg); stroke-dasharray: 4 3; stroke-width: 2; }
  svg.ring .ring-count { fill: var(--fg); font-size: 13px; }
  .pending-note { color: var(--warn); }
  pre { font-size: 12px; overflow-x: auto; margin: 4px 0; }
  .plan { margin-bottom: 10px; }
  .plan h4 { margin: 0 0 4px; font-size: 13px; display: flex; gap: 8px; align-items: center; flex-wrap: wrap; }
  .plan table { font-size: 12px; }
  .controls { display: flex; flex-wrap: wrap; gap: 12px; }
  fieldset { border: 1px solid var(--line); border-radius: 8px; display: flex; gap: 8px; align-items: center; flex-wrap: wrap; background: var(--card); }
  legend { font-size: 12px; color: var(--muted); }
  input[type=number] { width: 4em; }
  #settings fieldset { margin-bottom: 10px; } #pft-seconds { width: 7em; }
  fieldset.template { flex-direction: column; align-items: stretch; }
  fieldset.template p { margin: 0; }
  textarea { font: 12px ui-monospace, monospace; width: 100%; box-sizing: border-box; resize: vertical; background: var(--bg); color: var(--fg); border: 1px solid var(--line); border-radius: 6px; }
  .tpl-result .ok { color: var(--ok); } .tpl-result .error { color: var(--bad); font-weight: 600; }
  button { font: inherit; font-size: 12px; padding: 3px 10px; border-radius: 6px; border: 1px solid var(--line); background: var(--bg); color: var(--fg); cursor: pointer; }
  button:focus-visible, a:focus-visible, select:focus-visible, input:focus-visible, textarea:focus-visible, summary:focus-visible { outline: 2px solid var(--link); outline-offset: 2px; }
  td.actions { white-space: nowrap; } td.actions button + button { margin-left: 4px; }
  details summary { cursor: pointer; font-size: 13px; padding: 3px 0; }
  #notice { min-height: 1.3em; font-size: 13px; margin: 0; }
  #notice.ok { color: var(--ok); } #notice.error { color: var(--bad); font-weight: 600; }
  #login { display: flex; gap: 8px; align-items: center; flex-wrap: wrap; }
  #login[hidden] { display: none; }
  #login input { flex: 1; font-family: ui-monospace, monospace; padding: 4px 8px; }
  #events .filters { display: flex; gap: 8px; flex-wrap: wrap; font-size: 12px; margin-bottom: 6px; }
  #log { font-family: ui-monospace, monospace; font-size: 12px; height: 200px; overflow: auto; }
  body[data-page=events] #log { height: 60vh; }
  dialog { border: 1px solid var(--line); border-radius: 8px; background: var(--card); color: var(--fg); max-width: 520px; }
  dialog::backdrop { background: rgba(0,0,0,.4); }
  dialog menu { display: flex; gap: 8px; justify-content: flex-end; padding: 0; }
  dialog #confirm-ok { background: var(--bad-bg); color: var(--bad); font-weight: 600; }
  button.link { border: none; background: none; color: var(--link); padding: 0; text-decoration: underline; font-size: 13px; }
  .warning { color: var(--warn); font-size: 12px; }
  .data-bar { display: flex; gap: 8px; align-items: center; }
  ul.bucket-list { columns: 4 160px; padding-left: 18px; }
  pre.value { background: var(--bg); padding: 6px 8px; border-radius: 4px; white-space: pre-wrap; word-break: break-all; }
  code.vclock { font-size: 11px; word-break: break-all; }
  /* Below this the members table (its actions last) does not fit beside the ring: one column. */
  @media (max-width: 1440px) {
    .two { grid-template-columns: 1fr; }
  }
  @media (max-width: 760px) {
    main { padding: 8px; }
    .two { grid-template-columns: 1fr; }
    th, td { padding: 4px; }
  }
</style>
</head>
<body>
<header>
  <h1>Riak Mesos Explorer</h1>
  <nav aria-label="pages"><a href="#/">Overview</a><a href="#/events">Events</a></nav>
  <span id="framework" class="muted"></span>
  <span class="right"><a id="offers" href="api/v1/debug/offers">offer decisions</a><button type="button" id="signout">Sign out</button><span id="conn">connecting</span></span>
</header>
<main>
  <form id="login" hidden><label for="token">API token (<code>riak-mesos framework token</code>)</label><input id="token" type="password" autocomplete="off"><button type="submit">Sign in</button></form>
  <p id="notice" role="status" aria-live="polite"></p>
  <div id="view"><p id="empty">No clusters yet.</p></div>
  <section id="events" aria-label="events">
    <h3>Events</h3>
    <div class="filters">
      <label>cluster <select id="f-cluster"><option value="">all</option></select></label>
      <label>node <input id="f-node" type="search" placeholder="any"></label>
      <label>kind <select id="f-kind"><option value="">all</option><option>node</option><option>task</option><option>plan</option><option>cluster</option><option>operation</option><option>node-deleted</option><option>cluster-deleted</option><option>scheduler</option><option>console</option></select></label>
    </div>
    <div id="log" aria-live="off"></div>
  </section>
</main>
<dialog id="confirm" aria-labelledby="confirm-title">
  <form method="dialog">
    <h3 id="confirm-title"></h3>
    <p id="confirm-text"></p>
    <menu><button id="confirm-cancel" value="cancel">Cancel</button><button id="confirm-ok" value="ok"></button></menu>
  </form>
</dialog>
<script src="explorer.js"></script>
</body>
</html>
`;
