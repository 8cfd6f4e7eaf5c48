/**
 * A cluster's settings on its page, built once per visit like the controls bar (what is typed
 * stays across refreshes): the permanent-failure timeout (`…/permanent-failure-timeout`) and the
 * riak.conf and advanced.config templates (`…/config`, `…/advancedConfig`).
 *
 * "Check" asks the API to validate a template without storing it (`?dry_run=true`) and shows,
 * under it, what it would change or why the API refuses it (syntax with its line, or the
 * configuration rules). "Save" asks for confirmation (a new configuration version; running nodes
 * take it only through a configuration apply, which rolls them), then stores it; a refusal is
 * shown under the template as well as in the notice.
 */
import type { PermanentFailureTimeoutAnswer } from '@riak-mesos/framework-contract';
import {
  MAX_PERMANENT_FAILURE_TIMEOUT_SECONDS as MAX_TIMEOUT,
  configValidationAnswerSchema,
  permanentFailureTimeoutAnswerSchema,
  templateStoredAnswerSchema,
} from '@riak-mesos/framework-contract';
import { diffFigures } from './configs';
import type { Action } from './controls';
import { actionButton } from './controls';
import { button, byId, el } from './dom';
import { get, getText, messageOf, path, putText, send } from './http';

const TEMPLATES = [
  { route: 'config', file: 'riak.conf' },
  { route: 'advancedConfig', file: 'advanced.config' },
] as const;
type Route = (typeof TEMPLATES)[number]['route'];

const c = (cluster: string) => path('clusters', cluster);

function say(id: string, ok: boolean, children: (HTMLElement | string)[]): void {
  document.getElementById(id)?.replaceChildren(el('div', { class: ok ? 'ok' : 'error' }, children));
}

function timeoutText(t: PermanentFailureTimeoutAnswer): string {
  const now = t.permanent_failure_timeout_seconds;
  return (
    `now ${now === 0 ? 'never (0)' : `${now} s`}, ` +
    (t.own ? "the cluster's own" : `the scheduler's default (${t.default_seconds} s)`)
  );
}

async function loadTimeout(cluster: string): Promise<void> {
  try {
    const t = await get(
      `${c(cluster)}/permanent-failure-timeout`,
      permanentFailureTimeoutAnswerSchema,
    );
    byId('pft-now').textContent = timeoutText(t);
    const input = byId<HTMLInputElement>('pft-seconds');
    if (!input.value) input.value = String(t.permanent_failure_timeout_seconds);
  } catch (e) {
    byId('pft-now').textContent = `permanent-failure timeout: ${messageOf(e)}`;
  }
}

/** Sets the cluster's own timeout (`seconds`), or goes back to the scheduler's (`null`). */
export function setTimeoutAction(cluster: string, seconds: number | null): Action {
  return {
    title:
      seconds === null
        ? `Use the scheduler's permanent-failure timeout for ${cluster}`
        : `Set the permanent-failure timeout of ${cluster} to ${seconds} s`,
    consequence:
      (seconds === 0
        ? `No node of ${cluster} is replaced automatically when its agent stays unreachable: it ` +
          'waits for its agent (its volume and data kept) or for an operator to replace it.'
        : `A node of ${cluster} whose agent stays unreachable for ` +
          (seconds === null ? "the scheduler's timeout" : `${seconds} s`) +
          ' is replaced on another agent: its old member is force-removed from the ring through ' +
          'a live one and a new node with a new volume joins; its replicas are rebuilt from the ' +
          "other members, and the lost agent's volume is released if that agent ever returns. " +
          'Nodes already unreachable are counted from when they were lost.') +
      ' Nothing is restarted by this change.',
    run: async () => {
      const t = await send(
        'PUT',
        `${c(cluster)}/permanent-failure-timeout`,
        { permanent_failure_timeout_seconds: seconds },
        permanentFailureTimeoutAnswerSchema,
      );
      byId('pft-now').textContent = timeoutText(t);
      byId<HTMLInputElement>('pft-seconds').value = String(t.permanent_failure_timeout_seconds);
      return timeoutText(t);
    },
  };
}

async function loadTemplate(cluster: string, route: Route, file: string): Promise<void> {
  const note = byId(`tpl-${route}-now`);
  try {
    const text = await getText(`${c(cluster)}/${route}`);
    note.textContent =
      text === undefined ? `no template: nodes use the package's own ${file}` : 'stored template';
    const area = byId<HTMLTextAreaElement>(`tpl-${route}`);
    if (area.dataset.edited === undefined) area.value = text ?? '';
  } catch (e) {
    note.textContent = `${file}: ${messageOf(e)}`;
  }
}

/** Validates the template as typed (`?dry_run=true`): what it would change, or why not. */
async function check(cluster: string, route: Route, file: string): Promise<void> {
  const out = `tpl-${route}-result`;
  try {
    const v = await putText(
      `${c(cluster)}/${route}?dry_run=true`,
      byId<HTMLTextAreaElement>(`tpl-${route}`).value,
      configValidationAnswerSchema,
    );
    say(out, true, [
      v.changes.length
        ? `${file} passes the checks; storing it changes ${v.changes.join(', ')}:`
        : `${file} passes the checks; it changes nothing`,
      ...(v.diff.length ? [diffFigures(v.diff)] : []),
    ]);
  } catch (e) {
    say(out, false, [`refused: ${messageOf(e)}`]);
  }
}

/** Stores the template as typed: a new configuration version, rolled out by a config apply. */
export function saveTemplateAction(cluster: string, route: Route, file: string): Action {
  const out = `tpl-${route}-result`;
  return {
    title: `Store the ${file} template of ${cluster}`,
    consequence:
      `The ${file} template becomes a new configuration version of ${cluster} (the target). ` +
      'Running nodes keep their configuration until a configuration apply, which rolls every ' +
      'node to it: each is stopped and started again on its volume, one after another as the ' +
      'strategy says. New and replacing nodes start on it at once. No data is removed.',
    run: async () => {
      try {
        const r = await putText(
          `${c(cluster)}/${route}`,
          byId<HTMLTextAreaElement>(`tpl-${route}`).value,
          templateStoredAnswerSchema,
        );
        const said = r.changes.length
          ? `stored as configuration version ${r.config_version ?? '-'}; apply the configuration to roll the nodes to it`
          : 'stored; it changed nothing';
        say(out, true, [said]);
        delete byId<HTMLTextAreaElement>(`tpl-${route}`).dataset.edited;
        void loadTemplate(cluster, route, file);
        return said;
      } catch (e) {
        say(out, false, [`refused: ${messageOf(e)}`]);
        throw e;
      }
    },
  };
}

function timeoutBox(cluster: string): HTMLElement {
  const seconds = () => {
    const raw = byId<HTMLInputElement>('pft-seconds').value.trim();
    const n = Number(raw);
    return raw !== '' && Number.isInteger(n) && n >= 0 && n <= MAX_TIMEOUT ? n : -1;
  };
  return el('fieldset', { id: 'pft' }, [
    el('legend', {}, ['Permanent-failure timeout']),
    el('label', {}, [
      'replace a node whose agent is unreachable after ',
      el('input', {
        id: 'pft-seconds',
        type: 'number',
        min: '0',
        max: String(MAX_TIMEOUT),
        step: '1',
      }),
      ' s (0: never)',
    ]),
    actionButton('Set', 'pft-set', () => {
      const n = seconds();
      if (n < 0)
        return {
          title: 'Set the permanent-failure timeout',
          consequence: `Not sent: the timeout is a whole number of seconds from 0 to ${MAX_TIMEOUT}.`,
          run: () => Promise.reject(new Error(`seconds must be 0 to ${MAX_TIMEOUT}`)),
        };
      return setTimeoutAction(cluster, n);
    }),
    actionButton("Scheduler's default", 'pft-default', () => setTimeoutAction(cluster, null)),
    el('span', { class: 'muted', id: 'pft-now' }, []),
  ]);
}

function templateBox(cluster: string, route: Route, file: string): HTMLElement {
  const area = el('textarea', {
    id: `tpl-${route}`,
    rows: '8',
    spellcheck: 'false',
    'aria-label': `${file} template`,
  });
  area.addEventListener('input', () => (area.dataset.edited = ''));
  return el('fieldset', { class: 'template', 'data-template': route }, [
    el('legend', {}, [file]),
    el('p', { class: 'muted', id: `tpl-${route}-now` }, []),
    area,
    el('div', {}, [
      button('Check', { 'data-action': `check-${route}` }, () => void check(cluster, route, file)),
      actionButton(`Save ${file}`, `save-${route}`, () => saveTemplateAction(cluster, route, file)),
    ]),
    el('div', { id: `tpl-${route}-result`, class: 'tpl-result', 'aria-live': 'polite' }, []),
  ]);
}

/** The settings panel: built once per visit, filled from the API. */
export function settingsPanel(cluster: string): HTMLElement {
  const box = el('section', { class: 'panel', id: 'settings' }, [
    el('h3', {}, ['Settings']),
    timeoutBox(cluster),
    ...TEMPLATES.map((t) => templateBox(cluster, t.route, t.file)),
  ]);
  queueMicrotask(() => {
    void loadTimeout(cluster);
    for (const t of TEMPLATES) void loadTemplate(cluster, t.route, t.file);
  });
  return box;
}
