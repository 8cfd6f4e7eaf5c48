import type { Resolved, ResolvedValue } from './settings';
import { originLabel } from './settings';

export type PrintFormat = 'text' | 'json';
export const PRINT_FORMATS: readonly PrintFormat[] = ['text', 'json'];

const MASK = '********';

function shown(v: ResolvedValue): unknown {
  if (v.value === undefined) return undefined;
  return v.secret ? MASK : v.value;
}

/**
 * Every setting with its value and origin (`default`, `file:<path>`, `env:VAR`, `flag:--x`),
 * secrets masked: as text (one aligned line per setting, values as JSON) or as a JSON object
 * keyed by setting name.
 */
export function printConfig(
  resolved: Pick<Resolved<unknown>, 'values'>,
  format: PrintFormat = 'text',
): string {
  if (format === 'json') {
    const out: Record<string, { value?: unknown; origin: string }> = {};
    for (const v of resolved.values) {
      const value = shown(v);
      out[v.key] =
        value === undefined
          ? { origin: originLabel(v.origin) }
          : { value, origin: originLabel(v.origin) };
    }
    return `${JSON.stringify(out, null, 2)}\n`;
  }
  const rows = resolved.values.map((v) => {
    const value = shown(v);
    return [
      v.key,
      value === undefined ? '(not set)' : JSON.stringify(value),
      originLabel(v.origin),
    ];
  });
  const header = ['setting', 'value', 'origin'];
  const width = (i: number) => Math.max(header[i].length, ...rows.map((r) => r[i].length));
  const line = (r: string[]) =>
    `${r[0].padEnd(width(0))}  ${r[1].padEnd(width(1))}  ${r[2]}`.trimEnd();
  return `${[header, ...rows].map(line).join('\n')}\n`;
}
