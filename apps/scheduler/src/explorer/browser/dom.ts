/**
 * Building the console's DOM: data only ever goes into text nodes and attribute values, never
 * into markup.
 */
type Child = Node | string | null | undefined | false;

export function byId<T extends HTMLElement>(id: string): T {
  const found = document.getElementById(id);
  if (!found) throw new Error(`the page has no #${id}`);
  return found as T;
}

function append(e: Element, children: Child[]): void {
  for (const c of children)
    if (c !== null && c !== undefined && c !== false)
      e.appendChild(typeof c === 'string' ? document.createTextNode(c) : c);
}

export function el(
  tag: string,
  attrs: Record<string, string> = {},
  children: Child[] = [],
): HTMLElement {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) e.setAttribute(k, v);
  append(e, children);
  return e;
}

const SVG = 'http://www.w3.org/2000/svg';
export function svg(
  tag: string,
  attrs: Record<string, string | number> = {},
  children: Child[] = [],
): SVGElement {
  const e = document.createElementNS(SVG, tag);
  for (const [k, v] of Object.entries(attrs)) e.setAttribute(k, String(v));
  append(e, children);
  return e;
}

/** A state as a coloured pill with its word (colour alone never carries the meaning). */
export function badge(status: string, prefix = 's'): HTMLElement {
  return el('span', { class: `state ${prefix}-${status}` }, [status]);
}

export function table(
  heads: string[],
  rows: HTMLElement[],
  attrs: Record<string, string> = {},
): HTMLElement {
  return el('table', attrs, [
    el('thead', {}, [
      el(
        'tr',
        {},
        heads.map((h) => el('th', { scope: 'col' }, [h])),
      ),
    ]),
    el('tbody', {}, rows),
  ]);
}

export function button(
  text: string,
  attrs: Record<string, string>,
  onClick: () => void,
): HTMLElement {
  const b = el('button', { type: 'button', ...attrs }, [text]);
  b.addEventListener('click', onClick);
  return b;
}

export function panel(
  title: string,
  attrs: Record<string, string>,
  children: Child[],
): HTMLElement {
  return el('section', { class: 'panel', ...attrs }, [el('h3', {}, [title]), ...children]);
}

export function fmt(n: number | undefined | null, digits = 1): string {
  return n === undefined || n === null ? '-' : n.toFixed(digits);
}
