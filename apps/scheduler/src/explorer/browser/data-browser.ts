/**
 * The data browser on a cluster's page: a bucket type's buckets, a bucket's keys a page at a time
 * (listing is expensive on a real cluster, and the page says so before it lists), and an object's
 * value, content type, vector clock and siblings. Read-only, through one running node
 * (`GET /clusters/{c}/nodes/{n}/data/…`). Built once per visit: what is open stays open across
 * the page's refreshes.
 */
import type { DataKeysAnswer } from '@riak-mesos/framework-contract';
import {
  dataBucketsAnswerSchema,
  dataKeysAnswerSchema,
  dataObjectAnswerSchema,
} from '@riak-mesos/framework-contract';
import { button, el, panel, table } from './dom';
import { get, messageOf, path } from './http';

/** The node the browser asks: the first running one, set on every refresh of the page. */
let asker: string | undefined;
export function setDataNode(node: string | undefined): void {
  asker = node;
}

/** Bucket type names from `riak-admin bucket-type list` (`name (active)` lines). */
export function typeNames(output: string): string[] {
  const names = output
    .split('\n')
    .map((l) => /^\s*([A-Za-z0-9][A-Za-z0-9_.-]*)\s+\((?:active|not active)\)/.exec(l)?.[1])
    .filter((n): n is string => n !== undefined);
  return names.length ? names : ['default'];
}

export function dataBrowser(cluster: string): HTMLElement {
  const typeSelect = el('select', { id: 'data-type', 'aria-label': 'bucket type' }, [
    el('option', { value: 'default' }, ['default']),
  ]) as HTMLSelectElement;
  const out = el('div', { id: 'data-out' });
  const status = el('p', { class: 'muted', id: 'data-status' }, [
    'Listing buckets and keys walks every key on every node: expensive on a real cluster.',
  ]);
  const base = () => {
    if (!asker) throw new Error('no node is running to ask');
    return `${path('clusters', cluster, 'nodes', asker, 'data', 'types', typeSelect.value)}`;
  };
  const run = (what: string, fn: () => Promise<HTMLElement>) => {
    status.textContent = `${what}…`;
    status.className = 'muted';
    fn().then(
      (node) => {
        status.textContent = what;
        out.replaceChildren(node);
      },
      (e: unknown) => {
        status.textContent = `${what}: ${messageOf(e)}`;
        status.className = 'error';
      },
    );
  };

  const showObject = (bucket: string, key: string) =>
    run(`object ${bucket}/${key}`, async () => {
      const o = await get(
        `${base()}${path('buckets', bucket, 'keys', key)}`,
        dataObjectAnswerSchema,
      );
      return el('div', { class: 'object', 'data-key': key }, [
        el('p', {}, [
          el('b', {}, [`${o.type} / ${o.bucket} / ${o.key}`]),
          el('span', { class: 'muted' }, [
            ` · ${o.siblings.length} sibling${o.siblings.length === 1 ? '' : 's'} · vclock `,
          ]),
          el('code', { class: 'vclock' }, [o.vclock ?? '-']),
        ]),
        ...o.siblings.map((s, i) =>
          el('div', { class: 'sibling' }, [
            el('p', { class: 'muted' }, [
              `${o.siblings.length > 1 ? `sibling ${i + 1} · ` : ''}${s.content_type}` +
                `${s.encoding === 'base64' ? ' (bytes, as base64)' : ''}` +
                `${s.last_modified ? ` · ${s.last_modified}` : ''}${s.deleted ? ' · deleted' : ''}`,
            ]),
            el('pre', { class: 'value' }, [s.value]),
          ]),
        ),
      ]);
    });

  const showKeys = (bucket: string, after?: string) =>
    run(`keys of ${bucket}`, async () => {
      const q = after ? `?limit=50&after=${encodeURIComponent(after)}` : '?limit=50';
      const k: DataKeysAnswer = await get(
        `${base()}${path('buckets', bucket, 'keys')}${q}`,
        dataKeysAnswerSchema,
      );
      return el('div', { class: 'keys', 'data-bucket': bucket }, [
        el('p', { class: 'warning' }, [`${k.total} keys · ${k.warning}`]),
        table(
          ['Key'],
          k.keys.map((key) =>
            el('tr', { 'data-key': key }, [
              el('td', {}, [button(key, { class: 'link' }, () => showObject(bucket, key))]),
            ]),
          ),
        ),
        k.next
          ? button('Next page', { 'data-action': 'keys-next' }, () =>
              showKeys(bucket, k.next ?? undefined),
            )
          : null,
      ]);
    });

  const listBuckets = () =>
    run('buckets', async () => {
      const b = await get(`${base()}/buckets`, dataBucketsAnswerSchema);
      return el('div', { class: 'buckets' }, [
        el('p', { class: 'warning' }, [b.warning]),
        b.buckets.length
          ? el(
              'ul',
              { class: 'bucket-list' },
              b.buckets.map((name) =>
                el('li', { 'data-bucket': name }, [
                  button(name, { class: 'link', 'data-focus': `bucket-${name}` }, () =>
                    showKeys(name),
                  ),
                ]),
              ),
            )
          : el('p', { class: 'muted' }, ['no buckets']),
      ]);
    });

  return panel('Data', { id: 'data' }, [
    el('div', { class: 'data-bar' }, [
      typeSelect,
      button('List buckets', { 'data-action': 'list-buckets' }, listBuckets),
    ]),
    status,
    out,
  ]);
}

/** Fills the type choice from the bucket types a node listed (keeping the one chosen). */
export function setTypes(names: string[]): void {
  const select = document.getElementById('data-type');
  if (!(select instanceof HTMLSelectElement)) return;
  const chosen = select.value;
  const have = [...select.options].map((o) => o.value);
  if (have.join() === names.join()) return;
  select.replaceChildren(...names.map((n) => el('option', { value: n }, [n])));
  if (names.includes(chosen)) select.value = chosen;
}
