/**
 * Placement constraints in Marathon's language: `[field, operator, value?]`, where the field is
 * `hostname` or an agent attribute. Operators: UNIQUE, CLUSTER, GROUP_BY, LIKE, UNLIKE, MAX_PER, IS.
 *
 * Accepted input forms (all that users of the original relied on): a JSON array of arrays, a
 * string holding that JSON (the DC/OS package form, e.g. `"[[\"hostname\",\"UNIQUE\"]]"`), the
 * same string HTML-escaped (`&quot;`), or double-encoded JSON.
 */

export type ConstraintOperator =
  'UNIQUE' | 'CLUSTER' | 'GROUP_BY' | 'LIKE' | 'UNLIKE' | 'MAX_PER' | 'IS';

export interface Constraint {
  field: string;
  operator: ConstraintOperator;
  value?: string;
}

/** What a constraint can see of an agent. */
export interface PlacementAgent {
  hostname: string;
  /** Attribute values as Mesos renders them: text as is, scalars as numbers, ranges `[a-b,c-d]`, sets `{a,b}`. */
  attributes: Record<string, string>;
}

export class ConstraintError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ConstraintError';
  }
}

const OPERATORS: readonly ConstraintOperator[] = [
  'UNIQUE',
  'CLUSTER',
  'GROUP_BY',
  'LIKE',
  'UNLIKE',
  'MAX_PER',
  'IS',
];

function unescapeHtml(s: string): string {
  return s
    .replace(/&quot;/g, '"')
    .replace(/&#34;/g, '"')
    .replace(/&#39;/g, "'")
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&amp;/g, '&');
}

/** Parses and validates constraints from any accepted form; throws ConstraintError saying what is wrong. */
export function parseConstraints(input: unknown): Constraint[] {
  let value = input;
  for (let depth = 0; typeof value === 'string' && depth < 4; depth++) {
    const text = unescapeHtml(value).trim();
    if (text === '') return [];
    try {
      value = JSON.parse(text);
    } catch (err) {
      throw new ConstraintError(`constraints are not valid JSON: ${(err as Error).message}`);
    }
  }
  if (value === undefined || value === null) return [];
  if (!Array.isArray(value))
    throw new ConstraintError(
      'constraints must be a JSON array of [field, operator, value?] arrays',
    );
  return value.map((entry: unknown, i) => parseOne(entry, i));
}

function parseOne(entry: unknown, index: number): Constraint {
  const where = `constraint ${index + 1}`;
  if (!Array.isArray(entry) || entry.length < 2 || entry.length > 3) {
    throw new ConstraintError(
      `${where} must be [field, operator] or [field, operator, value]; got ${JSON.stringify(entry)}`,
    );
  }
  const [field, op, raw] = entry as unknown[];
  if (typeof field !== 'string' || field.trim() === '')
    throw new ConstraintError(`${where}: the field must be a non-empty string`);
  if (typeof op !== 'string') throw new ConstraintError(`${where}: the operator must be a string`);
  const operator = op.toUpperCase() as ConstraintOperator;
  if (!OPERATORS.includes(operator)) {
    throw new ConstraintError(
      `${where}: unknown operator '${op}'; use one of ${OPERATORS.join(', ')}`,
    );
  }
  if (raw !== undefined && typeof raw !== 'string' && typeof raw !== 'number') {
    throw new ConstraintError(`${where}: the value must be a string`);
  }
  const value = raw === undefined ? undefined : String(raw);
  switch (operator) {
    case 'UNIQUE':
      if (value !== undefined) throw new ConstraintError(`${where}: UNIQUE takes no value`);
      break;
    case 'CLUSTER':
      break;
    case 'GROUP_BY':
      if (value !== undefined && !/^[1-9]\d*$/.test(value))
        throw new ConstraintError(
          `${where}: GROUP_BY takes an optional positive whole number of groups`,
        );
      break;
    case 'MAX_PER':
      if (value === undefined || !/^[1-9]\d*$/.test(value))
        throw new ConstraintError(`${where}: MAX_PER needs a positive whole number`);
      break;
    case 'LIKE':
    case 'UNLIKE':
      if (value === undefined)
        throw new ConstraintError(`${where}: ${operator} needs a regular expression`);
      try {
        new RegExp(`^(?:${value})$`);
      } catch (err) {
        throw new ConstraintError(
          `${where}: invalid regular expression '${value}': ${(err as Error).message}`,
        );
      }
      break;
    case 'IS':
      if (value === undefined) throw new ConstraintError(`${where}: IS needs a value`);
      break;
  }
  return value === undefined ? { field, operator } : { field, operator, value };
}

function fieldValue(agent: PlacementAgent, field: string): string | undefined {
  if (field === 'hostname') return agent.hostname;
  return agent.attributes[field];
}

/** An agent holding one of a group's tasks, and (when known) the task's name for messages. */
export interface PlacedAgent extends PlacementAgent {
  holder?: string;
}

/**
 * How a group's tasks are spread, per constraint field: value → number of tasks (and the names
 * of the tasks, for reasons). Kept up to date as tasks are placed, so that checking a constraint
 * costs O(distinct values), not O(tasks).
 */
export class PlacementCounts {
  private readonly byField = new Map<string, Map<string, number>>();
  private readonly holdersByField = new Map<string, Map<string, string[]>>();

  constructor(private readonly fields: readonly string[]) {
    for (const f of fields) this.byField.set(f, new Map());
  }

  static of(constraints: readonly Constraint[], placed: readonly PlacedAgent[]): PlacementCounts {
    const counts = new PlacementCounts([...new Set(constraints.map((c) => c.field))]);
    for (const a of placed) counts.add(a, a.holder);
    return counts;
  }

  add(agent: PlacementAgent, holder?: string): void {
    for (const f of this.fields) {
      const v = fieldValue(agent, f);
      if (v === undefined) continue;
      const m = this.byField.get(f)!;
      m.set(v, (m.get(v) ?? 0) + 1);
      if (holder === undefined) continue;
      let h = this.holdersByField.get(f);
      if (!h) this.holdersByField.set(f, (h = new Map<string, string[]>()));
      h.set(v, [...(h.get(v) ?? []), holder]);
    }
  }

  values(field: string): Map<string, number> {
    let m = this.byField.get(field);
    if (!m) {
      m = new Map();
      this.byField.set(field, m);
    }
    return m;
  }

  /** The named tasks on agents whose `field` is `value`. */
  holders(field: string, value: string): readonly string[] {
    return this.holdersByField.get(field)?.get(value) ?? [];
  }
}

/** Whether one more task may go on `candidate`, given how the group is spread already. */
export function satisfiesCounts(
  constraint: Constraint,
  candidate: PlacementAgent,
  counts: PlacementCounts,
): boolean {
  const mine = fieldValue(candidate, constraint.field);
  switch (constraint.operator) {
    case 'IS':
      return mine === constraint.value;
    case 'LIKE':
      return mine !== undefined && regex(constraint.value!).test(mine);
    case 'UNLIKE':
      return mine === undefined || !regex(constraint.value!).test(mine);
    default:
      break;
  }
  if (mine === undefined) return false;
  const values = counts.values(constraint.field);
  const own = values.get(mine) ?? 0;
  switch (constraint.operator) {
    case 'UNIQUE':
      return own === 0;
    case 'CLUSTER': {
      if (constraint.value !== undefined) return mine === constraint.value;
      return values.size === 0 || (values.size === 1 && own > 0);
    }
    case 'MAX_PER':
      return own < Number(constraint.value);
    case 'GROUP_BY': {
      const expected = constraint.value === undefined ? undefined : Number(constraint.value);
      // While fewer groups are in use than expected, only a group not yet used is acceptable.
      if (expected !== undefined && values.size < expected) return own === 0;
      if (values.size === 0) return true;
      let min = values.has(mine) ? Infinity : 0;
      for (const c of values.values()) if (c < min) min = c;
      return own <= min;
    }
  }
}

/**
 * Why one more task may not go on `candidate` (undefined when it may), in words an operator can
 * act on, e.g. `hostname UNIQUE: host-2 already holds riak-default-2`.
 */
export function explainCounts(
  constraint: Constraint,
  candidate: PlacementAgent,
  counts: PlacementCounts,
): string | undefined {
  if (satisfiesCounts(constraint, candidate, counts)) return undefined;
  const { field, operator, value } = constraint;
  const rule = value === undefined ? `${field} ${operator}` : `${field} ${operator} ${value}`;
  const mine = fieldValue(candidate, field);
  if (mine === undefined) return `${rule}: the agent has no ${field}`;
  const held = counts.holders(field, mine);
  const own = counts.values(field).get(mine) ?? 0;
  const holding = held.length ? held.join(', ') : `${own} node${own === 1 ? '' : 's'}`;
  switch (operator) {
    case 'IS':
    case 'LIKE':
    case 'UNLIKE':
      return `${rule}: the agent's ${field} is ${mine}`;
    case 'UNIQUE':
    case 'MAX_PER':
      return `${rule}: ${mine} already holds ${holding}`;
    case 'CLUSTER': {
      const used = [...counts.values(field).keys()].join(', ');
      return value === undefined
        ? `${rule}: the cluster is on ${used}, the agent's ${field} is ${mine}`
        : `${rule}: the agent's ${field} is ${mine}`;
    }
    case 'GROUP_BY':
      return `${rule}: ${mine} already holds ${holding}; other ${field} values hold fewer`;
  }
}

const regexCache = new Map<string, RegExp>();
function regex(source: string): RegExp {
  let r = regexCache.get(source);
  if (!r) {
    r = new RegExp(`^(?:${source})$`);
    if (regexCache.size > 1000) regexCache.clear();
    regexCache.set(source, r);
  }
  return r;
}

/**
 * Whether one more task may go on `candidate`, given the agents the group's other tasks are
 * already placed on (one entry per task, so an agent appears once per task it runs).
 */
export function satisfies(
  constraint: Constraint,
  candidate: PlacementAgent,
  placed: readonly PlacedAgent[],
): boolean {
  return satisfiesCounts(constraint, candidate, PlacementCounts.of([constraint], placed));
}

/** All constraints hold for placing one more task on `candidate`. */
export function satisfiesAll(
  constraints: readonly Constraint[],
  candidate: PlacementAgent,
  placed: readonly PlacementAgent[] | PlacementCounts,
): boolean {
  const counts =
    placed instanceof PlacementCounts ? placed : PlacementCounts.of(constraints, placed);
  return constraints.every((c) => satisfiesCounts(c, candidate, counts));
}

/** Mesos attribute rendering, for building PlacementAgent from an offer's attributes. */
export function renderAttributeValue(attr: {
  type?: string;
  text?: { value: string };
  scalar?: { value: number };
  ranges?: { range?: { begin: number | string; end: number | string }[] };
  set?: { item?: string[] };
}): string {
  if (attr.text) return attr.text.value;
  if (attr.scalar) return String(attr.scalar.value);
  if (attr.ranges)
    return `[${(attr.ranges.range ?? []).map((r) => `${r.begin}-${r.end}`).join(',')}]`;
  if (attr.set) return `{${(attr.set.item ?? []).join(',')}}`;
  return '';
}

export function formatConstraint(c: Constraint): string {
  return JSON.stringify(
    c.value === undefined ? [c.field, c.operator] : [c.field, c.operator, c.value],
  );
}
