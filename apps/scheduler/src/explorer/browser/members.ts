/**
 * The members table of a cluster's page: each node's state with what its record says of it
 * (replacement, an unreachable agent, a backoff), Riak's own member-status, its endpoints, the
 * configuration version it was launched with, and its controls (restart, replace, remove).
 */
import type { Member, NodeView } from '@riak-mesos/framework-contract';
import { actionButton, removeNode, replaceNode, restartNode } from './controls';
import { badge, el, panel, table } from './dom';
import type { ClusterDetail } from './model';

/** What a node's record says beside its state: replacement, an unreachable agent, a backoff. */
function nodeNotes(n: NodeView): HTMLElement[] {
  const notes = [
    n.relaunch_after ? `relaunch after ${n.relaunch_after}` : '',
    n.replaces ? `replaces ${n.replaces}` : '',
    n.replaced_by ? `replaced by ${n.replaced_by}` : '',
    n.agent_lost_since ? `agent unreachable since ${n.agent_lost_since}` : '',
    n.replace_held ? `not replaced: ${n.replace_held.text}` : '',
  ].filter(Boolean);
  return notes.map((t) => el('div', { class: 'note' }, [t]));
}

/** The configuration version a node runs, and whether the target differs. */
function configCell(n: NodeView, targetVersion: number | undefined): string {
  if (n.config_version === undefined || n.config_version === null) return '-';
  return targetVersion !== undefined && n.config_version !== targetVersion
    ? `${n.config_version} (target ${targetVersion})`
    : String(n.config_version);
}

/** Riak's member entry of a node, by its Erlang node name. */
function memberOf(members: Member[], n: NodeView): Member | undefined {
  return n.node_name ? members.find((m) => m.name === n.node_name) : undefined;
}

export function membersPanel(d: ClusterDetail): HTMLElement {
  const cluster = d.data.cluster.name;
  const members = typeof d.members === 'string' ? [] : d.members.members;
  const rows = d.data.nodes.map((n) => {
    const m = memberOf(members, n);
    return el('tr', { 'data-node': n.name }, [
      el('td', {}, [n.name]),
      el('td', {}, [badge(n.state, 'n'), ...nodeNotes(n)]),
      el('td', {}, [m ? m.status : n.member ? 'member' : '-']),
      el('td', { class: 'num' }, [m ? m.ring : '-']),
      el('td', { class: 'num' }, [m?.pendingRing ?? '-']),
      el('td', {}, [n.hostname ?? '-']),
      el('td', {}, [n.endpoints ? `http ${n.endpoints.http} · pb ${n.endpoints.pb}` : '-']),
      el('td', { class: 'num' }, [configCell(n, d.data.cluster.config_version)]),
      el('td', { class: 'actions' }, [
        actionButton('Restart', `restart-${n.name}`, () => restartNode(cluster, n.name)),
        n.wanted
          ? actionButton('Replace', `replace-${n.name}`, () => replaceNode(cluster, n.name))
          : null,
        n.wanted
          ? actionButton('Remove', `remove-${n.name}`, () => removeNode(cluster, n.name))
          : null,
      ]),
    ]);
  });
  // Ring members no node record names (a node added by hand, or left over): shown, not hidden.
  for (const m of members)
    if (!d.data.nodes.some((n) => n.node_name === m.name))
      rows.push(
        el('tr', { 'data-member': m.name }, [
          el('td', {}, [m.name]),
          el('td', {}, ['(no node record)']),
          el('td', {}, [m.status]),
          el('td', { class: 'num' }, [m.ring]),
          el('td', { class: 'num' }, [m.pendingRing ?? '-']),
          el('td', {}, []),
          el('td', {}, []),
          el('td', {}, []),
          el('td', {}, []),
        ]),
      );
  const note =
    typeof d.members === 'string'
      ? el('p', { class: 'error' }, [`member-status: ${d.members}`])
      : el('p', { class: 'muted' }, [
          `member-status as ${d.members.node} sees it · ring ${d.members.ringReady ? 'ready' : 'not ready'}`,
        ]);
  return panel('Members', { id: 'members' }, [
    table(
      ['Node', 'State', 'Riak status', 'Ring', 'Pending', 'Host', 'Endpoints', 'Config', ''],
      rows,
    ),
    note,
  ]);
}
