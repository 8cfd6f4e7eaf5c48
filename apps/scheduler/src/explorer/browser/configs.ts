/**
 * A cluster's configuration versions (docs/operations.md, "Configuration versions and
 * validation"): the versions with their time, author and what each changed, the target marked;
 * on demand one version's line diff to the target (`GET …/configurations?diff=ID`) beside the
 * version in full (`GET …/configurations/{id}`). The diff asked for is kept across refreshes and
 * drawn again from what was read; it is read again when asked again.
 */
import type {
  ConfigField,
  ConfigurationsAnswer,
  ConfigVersionView,
  FieldDiffView,
} from '@riak-mesos/framework-contract';
import {
  configVersionAnswerSchema,
  configurationsAnswerSchema,
} from '@riak-mesos/framework-contract';
import { badge, button, el, panel, table } from './dom';
import { get, messageOf, path } from './http';

const FIELD_NAMES: Record<ConfigField, string> = {
  riak_conf: 'riak.conf',
  advanced_config: 'advanced.config',
  riak_version: 'Riak version',
  resources: 'node resources',
};

/** The diff shown: of which version of which cluster, as read, or why it could not be. */
type Shown =
  | {
      cluster: string;
      id: number;
      target: number | null;
      diff: FieldDiffView[];
      full: ConfigVersionView;
    }
  | { cluster: string; id: number; error: string };
let shown: Shown | undefined;

/** A diff line's kind, for its colour: hunk header, added, removed, context. */
export function lineKind(line: string): 'hunk' | 'add' | 'del' | 'ctx' {
  if (line.startsWith('@@')) return 'hunk';
  if (line.startsWith('+')) return 'add';
  if (line.startsWith('-')) return 'del';
  return 'ctx';
}

/** Line diffs, one figure per field, removed lines red and added green. */
export function diffFigures(diff: FieldDiffView[]): HTMLElement {
  return el(
    'div',
    { class: 'diffs' },
    diff.map((f) =>
      el('figure', { class: 'diff', 'data-field': f.field }, [
        el('figcaption', {}, [FIELD_NAMES[f.field]]),
        el(
          'pre',
          {},
          f.lines.map((l) => el('span', { class: lineKind(l) }, [`${l}\n`])),
        ),
      ]),
    ),
  );
}

function diffView(s: Shown): HTMLElement {
  if ('error' in s) return el('p', { class: 'error' }, [`version ${s.id}: ${s.error}`]);
  const v = s.full;
  const r = v.resources;
  return el('div', { 'data-version': String(s.id) }, [
    el('h4', {}, [
      s.id === s.target
        ? `Version ${s.id} (the target)`
        : `Version ${s.id} → target ${s.target ?? '-'}`,
    ]),
    el('p', { class: 'muted' }, [
      `${v.riak_version} · cpus ${r.cpus} · mem ${r.mem} MB · disk ${r.disk} MB · riak.conf ` +
        (v.riak_conf === null ? "the package's own" : 'a template') +
        ' · advanced.config ' +
        (v.advanced_config === null ? "the package's own" : 'a template'),
    ]),
    s.diff.length === 0
      ? el('p', { class: 'muted' }, ['nothing to change: this version is the target'])
      : diffFigures(s.diff),
    v.riak_conf === null
      ? null
      : el('details', {}, [
          el('summary', {}, [`riak.conf of version ${s.id}`]),
          el('pre', {}, [v.riak_conf]),
        ]),
  ]);
}

/** Reads version `id`'s diff to the target and the version in full, then draws it. */
async function showDiff(cluster: string, id: number): Promise<void> {
  const c = path('clusters', cluster);
  try {
    const [list, one] = await Promise.all([
      get(`${c}/configurations?diff=${id}`, configurationsAnswerSchema),
      get(`${c}${path('configurations', String(id))}`, configVersionAnswerSchema),
    ]);
    const [v] = list.versions;
    shown = {
      cluster,
      id,
      target: list.target,
      diff: v?.diff_to_target ?? [],
      full: one.configuration,
    };
  } catch (e) {
    shown = { cluster, id, error: messageOf(e) };
  }
  document.getElementById('config-diff')?.replaceChildren(diffView(shown));
}

export function configsPanel(cluster: string, configs: ConfigurationsAnswer | string): HTMLElement {
  if (typeof configs === 'string')
    return panel('Configuration versions', { id: 'configs' }, [
      el('p', { class: 'muted' }, [configs]),
    ]);
  // Newest first: the target is (almost always) the top row.
  const rows = [...configs.versions].reverse().map((v) => {
    const isTarget = v.id === configs.target;
    return el('tr', { 'data-version': String(v.id), ...(isTarget ? { 'data-target': '' } : {}) }, [
      el('td', { class: 'num' }, [
        String(v.id),
        isTarget ? ' ' : '',
        isTarget ? badge('target', 'v') : null,
      ]),
      el('td', {}, [v.created_at]),
      el('td', {}, [v.author]),
      el('td', {}, [
        v.changes.length ? v.changes.map((f) => FIELD_NAMES[f]).join(', ') : '(first)',
      ]),
      el('td', {}, [[v.note, ...v.warnings].filter(Boolean).join(' · ')]),
      el('td', { class: 'actions' }, [
        button(
          isTarget ? 'Show' : 'Diff to target',
          { 'data-action': `diff-${v.id}`, 'data-focus': `diff-${v.id}` },
          () => void showDiff(cluster, v.id),
        ),
      ]),
    ]);
  });
  const mine = shown?.cluster === cluster ? shown : undefined;
  return panel('Configuration versions', { id: 'configs' }, [
    table(['Version', 'Created', 'Author', 'Changed', 'Note', ''], rows),
    el('p', { class: 'muted' }, [
      `target: version ${configs.target ?? '-'} (what configuration apply rolls the nodes to) · ` +
        `the last ${configs.kept} are kept`,
    ]),
    el('div', { id: 'config-diff', 'aria-live': 'polite' }, mine ? [diffView(mine)] : []),
  ]);
}
