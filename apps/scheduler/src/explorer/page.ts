/**
 * The explorer: one page served by the scheduler at `/explorer` (and `/`), markup and style only.
 * Its code is browser/client.ts, served at `/explorer.js` (explorer/script.ts); the content security
 * policy allows scripts from the scheduler itself and nowhere else, inline ones not at all.
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
<script src="explorer.js"></script>
</body>
</html>
`;
