/**
 * A cluster's page (`#/clusters/{name}`): health, controls, throughput, the members with Riak's
 * own member-status and the ring as a donut, the plans with their phases and steps (live, with
 * their controls), the nodes waiting for a place and why, where clients reach the cluster, the
 * configuration versions, the settings (permanent-failure timeout, templates), each node's task
 * history, and the bucket types. The controls bar and the settings are built once per visit
 * (their inputs keep what is typed); the rest is rebuilt on every refresh into boxes whose space
 * is reserved (no layout shift).
 */
import type { PlanView } from '@riak-mesos/framework-contract';
import { riakVersionsViewSchema } from '@riak-mesos/framework-contract';
import { ringPicture } from './charts';
import type { PlanControl } from './controls';
import {
  STRATEGIES,
  actionButton,
  addNodes,
  planControl,
  notice,
  rolling,
  upgrade,
} from './controls';
import { configsPanel } from './configs';
import { badge, el, panel, table } from './dom';
import { dataBrowser, setDataNode, setTypes, typeNames } from './data-browser';
import type { ClusterDetail } from './model';
import { get, messageOf } from './http';
import { membersPanel } from './members';
import { settingsPanel } from './settings';
import { endpointsTable, healthBadge, reasonsList, throughput } from './overview';

const FINISHED = new Set(['COMPLETE', 'ABORTED']);

function select(id: string, label: string, options: readonly string[]): HTMLElement {
  return el('label', {}, [
    `${label} `,
    el(
      'select',
      { id },
      options.map((o) => el('option', { value: o }, [o])),
    ),
  ]);
}

function valueOf(id: string): string {
  const e = document.getElementById(id);
  return e instanceof HTMLInputElement || e instanceof HTMLSelectElement ? e.value : '';
}

/** The cluster's target configuration version as last read (what configuration apply rolls to). */
let target: number | undefined;

/** Fills the upgrade's choice with the scheduler's Riak versions (`GET /riak/versions`). */
function loadVersions(): void {
  get('/riak/versions', riakVersionsViewSchema).then(
    (v) =>
      document
        .getElementById('upgrade-version')
        ?.replaceChildren(...v.versions.map((n) => el('option', { value: n }, [n]))),
    (e: unknown) => notice(`Riak versions: ${messageOf(e)}`, false),
  );
}

/** The controls bar: built once per visit of the page. */
export function controlsBar(cluster: string): HTMLElement {
  loadVersions();
  return el('div', { class: 'controls', id: 'controls' }, [
    el('fieldset', {}, [
      el('legend', {}, ['Add nodes']),
      el('label', {}, [
        'count ',
        el('input', { id: 'add-count', type: 'number', min: '1', max: '100', value: '1' }),
      ]),
      select('add-strategy', 'strategy', ['parallel', 'serial', 'canary']),
      actionButton('Add nodes', 'add-nodes', () =>
        addNodes(cluster, Math.max(1, Number(valueOf('add-count')) || 1), valueOf('add-strategy')),
      ),
    ]),
    el('fieldset', {}, [
      el('legend', {}, ['Rolling']),
      select('rolling-strategy', 'strategy', STRATEGIES),
      actionButton('Rolling restart', 'rolling-restart', () =>
        rolling(cluster, 'restart', valueOf('rolling-strategy')),
      ),
      actionButton('Apply configuration', 'config-apply', () =>
        rolling(cluster, 'config/apply', valueOf('rolling-strategy'), target),
      ),
      el('span', { class: 'muted', id: 'apply-target' }, []),
    ]),
    el('fieldset', {}, [
      el('legend', {}, ['Upgrade']),
      el('label', {}, ['to ', el('select', { id: 'upgrade-version' }, [])]),
      select('upgrade-strategy', 'strategy', STRATEGIES),
      actionButton('Upgrade', 'upgrade', () =>
        upgrade(cluster, valueOf('upgrade-version'), valueOf('upgrade-strategy')),
      ),
    ]),
  ]);
}

function ringPanel(d: ClusterDetail): HTMLElement {
  const members = typeof d.members === 'string' ? [] : d.members.members;
  return panel('Ring', { id: 'ring' }, [
    members.length > 0
      ? ringPicture(members)
      : el('p', { class: 'muted' }, ['no member-status yet']),
    el('p', { class: 'muted' }, [
      "Each member's share of the ring, from Riak's member-status; the API does not give which " +
        'partition each member owns, so the arcs are shares, not partition positions. An outlined ' +
        'arc will change when pending transfers finish.',
    ]),
    d.transfers ? el('pre', { class: 'transfers' }, [d.transfers]) : null,
  ]);
}

function planControls(p: PlanView): HTMLElement[] {
  if (FINISHED.has(p.status)) return [];
  const controls: PlanControl[] =
    p.interrupted || p.phases.some((ph) => ph.awaitingContinue) ? ['continue'] : ['interrupt'];
  return controls.map((k) =>
    actionButton(k === 'continue' ? 'Continue' : 'Interrupt', `${k}-${p.id}`, () =>
      planControl(p.cluster, p.id, k),
    ),
  );
}

function planBox(p: PlanView): HTMLElement {
  const notes = [[...new Set(p.phases.map((ph) => ph.strategy))].join(', '), p.id];
  if (p.targetRiakVersion) notes.push(`to ${p.targetRiakVersion}`);
  if (p.interrupted) notes.push('interrupted');
  if (p.message) notes.push(p.message);
  const done = p.phases.flatMap((ph) => ph.steps).filter((s) => s.status === 'COMPLETE').length;
  const all = p.phases.flatMap((ph) => ph.steps).length;
  const rows: HTMLElement[] = [];
  for (const ph of p.phases) {
    const flags =
      (ph.interrupted ? ' · interrupted' : '') +
      (ph.awaitingContinue ? ' · waits for continue' : '');
    ph.steps.forEach((st, i) => {
      const canForce = !FINISHED.has(p.status) && !FINISHED.has(st.status);
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
          el('td', { class: 'actions' }, [
            canForce
              ? actionButton('Force complete', `force-${p.id}-${st.name}`, () =>
                  planControl(p.cluster, p.id, 'force-complete', {
                    phase: ph.name,
                    name: st.name,
                    node: st.node,
                  }),
                )
              : null,
          ]),
        ]),
      );
    });
  }
  return el('div', { class: 'plan', 'data-plan': p.id }, [
    el('h4', {}, [
      (FINISHED.has(p.status) ? 'last finished: ' : '') + p.kind,
      badge(p.status),
      el('span', { class: 'muted' }, [notes.join(' · ')]),
      el('progress', {
        max: String(all || 1),
        value: String(done),
        'aria-label': `${done} of ${all} steps`,
      }),
      ...planControls(p),
    ]),
    table(['Phase', 'Node', 'Step', 'Message', ''], rows),
  ]);
}

/** The plans to show: every active one, then the newest finished one (the list is oldest first). */
export function shownPlans(plans: PlanView[]): PlanView[] {
  const done = plans.filter((p) => FINISHED.has(p.status));
  return plans.filter((p) => !FINISHED.has(p.status)).concat(done.slice(-1));
}

function plansPanel(d: ClusterDetail): HTMLElement {
  const shown = shownPlans(d.data.plans);
  return panel(
    'Plans',
    { id: 'plans' },
    shown.length ? shown.map(planBox) : [el('p', { class: 'muted' }, ['no plans yet'])],
  );
}

function pendingPanel(d: ClusterDetail): HTMLElement {
  const waiting = d.data.nodes.filter((n) => n.pending_reason);
  return panel('Waiting for a place', { id: 'pending' }, [
    waiting.length
      ? table(
          ['Node', 'State', 'Why', 'Since'],
          waiting.map((n) =>
            el('tr', { 'data-node': n.name }, [
              el('td', {}, [n.name]),
              el('td', {}, [badge(n.state, 'n')]),
              el('td', { class: 'why' }, [n.pending_reason?.text ?? '']),
              el('td', {}, [n.pending_reason?.at ?? '']),
            ]),
          ),
        )
      : el('p', { class: 'muted' }, ['no node is waiting']),
  ]);
}

function tasksPanel(d: ClusterDetail, open: Set<string>): HTMLElement {
  return panel(
    'Task history',
    { id: 'tasks' },
    d.data.nodes.map((n) => {
      const t = d.tasks.get(n.name);
      const details = el(
        'details',
        open.has(n.name) ? { 'data-node': n.name, open: '' } : { 'data-node': n.name },
        [
          el('summary', {}, [
            n.name,
            el('span', { class: 'muted' }, [
              typeof t === 'string'
                ? ` ${t}`
                : ` ${t?.tasks.length ?? 0} changes · last ${n.last_task_state ?? '-'}`,
            ]),
          ]),
          typeof t === 'object'
            ? table(
                ['At', 'Task', 'State', 'Reason', 'Message'],
                [...t.tasks]
                  .reverse()
                  .map((e) =>
                    el('tr', {}, [
                      el('td', {}, [e.at]),
                      el('td', {}, [e.task_id]),
                      el('td', {}, [e.state]),
                      el('td', {}, [e.reason ?? '']),
                      el('td', {}, [e.message ?? '']),
                    ]),
                  ),
              )
            : null,
        ],
      );
      details.addEventListener('toggle', () => {
        if ((details as HTMLDetailsElement).open) open.add(n.name);
        else open.delete(n.name);
      });
      return details;
    }),
  );
}

function typesPanel(d: ClusterDetail): HTMLElement {
  return panel('Bucket types', { id: 'types' }, [
    typeof d.types === 'string'
      ? el('p', { class: 'muted' }, [d.types])
      : el('pre', {}, [d.types.output.trim() || '(none)']),
  ]);
}

/** Which nodes' task histories are open, kept across refreshes. */
const openTasks = new Set<string>();

/** Fills the page's boxes (the controls bar is left as it is). */
export function renderCluster(root: HTMLElement, d: ClusterDetail, now: number): void {
  const name = d.data.cluster.name;
  const set = (id: string, node: HTMLElement) => {
    const box = root.querySelector(`#${id}-box`);
    box?.replaceChildren(node);
  };
  set(
    'head',
    el('div', {}, [
      el('h2', { class: 'page-title' }, [
        el('a', { href: '#/' }, ['Clusters']),
        ' / ',
        name,
        ' ',
        healthBadge(d.health.state),
        el('span', { class: 'muted' }, [` ${d.data.cluster.riak_version}`]),
      ]),
      reasonsList(d.health.reasons),
    ]),
  );
  set('throughput', throughput(d.data, now));
  set('members', membersPanel(d));
  set('ring', ringPanel(d));
  set('plans', plansPanel(d));
  set('pending', pendingPanel(d));
  set('endpoints', panel('Endpoints', { id: 'endpoints' }, [endpointsTable(d.data.endpoints)]));
  set('configs', configsPanel(name, d.configs));
  set('tasks', tasksPanel(d, openTasks));
  set('types', typesPanel(d));
  target = d.data.cluster.config_version;
  const applyTarget = root.querySelector('#apply-target');
  if (applyTarget)
    applyTarget.textContent = target !== undefined ? `rolls to version ${target}` : '';
  setDataNode(d.data.nodes.find((n) => n.state === 'running')?.name);
  if (typeof d.types !== 'string') setTypes(typeNames(d.types.output));
}

/** The page's boxes, empty until the first answer: each reserves its space in the style. */
export function clusterSkeleton(cluster: string): HTMLElement[] {
  const box = (id: string) => el('div', { id: `${id}-box`, class: `box box-${id}` });
  return [
    box('head'),
    controlsBar(cluster),
    box('throughput'),
    el('div', { class: 'two' }, [box('members'), box('ring')]),
    box('plans'),
    box('pending'),
    box('configs'),
    settingsPanel(cluster),
    box('endpoints'),
    box('tasks'),
    box('types'),
    dataBrowser(cluster),
  ];
}
