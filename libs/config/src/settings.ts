import { readFileSync } from 'node:fs';
import { Option } from 'commander';
import type { z } from 'zod';

/** Where a setting's value came from. */
export type Origin =
  | { kind: 'default' }
  | { kind: 'file'; path: string }
  | { kind: 'env'; name: string }
  | { kind: 'flag'; flag: string };

/** `default`, `file:<path>`, `env:VAR` or `flag:--x`, as `--print-config` shows it. */
export function originLabel(o: Origin): string {
  switch (o.kind) {
    case 'default':
      return 'default';
    case 'file':
      return `file:${o.path}`;
    case 'env':
      return `env:${o.name}`;
    case 'flag':
      return `flag:${o.flag}`;
  }
}

/** `config file <path>`, `environment VAR`, `flag --x` or `default`, for error messages. */
export function describeOrigin(o: Origin): string {
  switch (o.kind) {
    case 'default':
      return 'default';
    case 'file':
      return `config file ${o.path}`;
    case 'env':
      return `environment ${o.name}`;
    case 'flag':
      return `flag ${o.flag}`;
  }
}

/**
 * Turns the text of an environment variable or a flag into the raw value the schema checks
 * (e.g. JSON, or the contents of a file). Throws to refuse; the message names `from`
 * (`environment VAR` or `flag --x`), as the loader prints it after the setting's name only.
 */
export type TextReader = (text: string, from: string) => unknown;

export interface EnvSource {
  name: string;
  /** Overrides the setting's `read` for this variable. */
  read?: TextReader;
}

export interface FlagSource {
  /** Commander's flags: `--pb-port <port>`, `--no-api` (sets false), `--relaxed` (sets true). */
  flags: string;
  /** Overrides the setting's `read` for this flag. */
  read?: TextReader;
}

/** One row of a settings table; the table's key is the setting's dotted name (`health.rise`). */
export interface Setting<S extends z.ZodType = z.ZodType> {
  description: string;
  /** Checks (and converts) the raw value: text from the environment or a flag, JSON from a file. */
  schema: S;
  /** The value when no source gives one; also checked by the schema. None: the setting is unset. */
  default?: unknown;
  /** How help shows the default, when not its JSON (e.g. `5s`, `the machine's host name`). */
  defaultText?: string;
  /** Environment variables, lowest precedence first. */
  env?: string | EnvSource | readonly (string | EnvSource)[];
  flag?: string | FlagSource;
  /** Whether the config file may set it, under its dotted name as nested objects (default true). */
  file?: boolean;
  /** Reads the text of every environment variable and flag of this setting (default: as is). */
  read?: TextReader;
  /** Masked by `printConfig`. */
  secret?: boolean;
  /** Values commander accepts for the flag (it refuses others before the loader runs). */
  choices?: readonly string[];
}

export type SettingsTable = Record<string, Setting>;

/** An error in the configuration: the message names every problem; print it, exit 2. */
export class ConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ConfigError';
  }
}

/** A ConfigError listing problems, in the form every loader uses. */
export function invalidConfiguration(problems: readonly string[]): ConfigError {
  return new ConfigError(`invalid configuration:\n  ${problems.join('\n  ')}`);
}

type UnionToIntersection<U> = (U extends unknown ? (x: U) => void : never) extends (
  x: infer I,
) => void
  ? I
  : never;
type Expand<K extends string, V> = K extends `${infer H}.${infer R}`
  ? { [P in H]: Expand<R, V> }
  : { [P in K]: V };
/** The nested configuration a table describes: `{'health.rise': int}` → `{health: {rise: number}}`. */
export type ConfigOf<T extends SettingsTable> = UnionToIntersection<
  { [K in keyof T & string]: Expand<K, z.output<T[K]['schema']>> }[keyof T & string]
>;

export interface ResolvedValue {
  key: string;
  /** The checked value (undefined: not set). */
  value: unknown;
  origin: Origin;
  secret: boolean;
  description: string;
}

export interface Resolved<C> {
  config: C;
  /** Every setting in table order, with its value and origin (for `--print-config`). */
  values: ResolvedValue[];
}

export interface LoadOptions {
  /** Commander's option values (attribute names: `pbPort`, `api` for `--no-api`). */
  flags?: Record<string, unknown>;
  env?: NodeJS.ProcessEnv;
  /** A JSON config file (an object, keys as the settings' dotted names, nested). */
  file?: string;
  /** Defaults known only at run time (e.g. the host name), by setting name. */
  defaults?: Record<string, unknown>;
}

export function envSources(s: Setting): EnvSource[] {
  const list = s.env === undefined ? [] : Array.isArray(s.env) ? s.env : [s.env];
  return list.map((e: string | EnvSource) => (typeof e === 'string' ? { name: e } : e));
}

export function flagSource(s: Setting): FlagSource | undefined {
  return typeof s.flag === 'string' ? { flags: s.flag } : s.flag;
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Reads a JSON config file holding an object; throws ConfigError naming the file otherwise. */
export function readConfigFile(path: string): Record<string, unknown> {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    throw new ConfigError(`cannot read config file ${path}: ${(err as Error).message}`);
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (err) {
    throw new ConfigError(`config file ${path} is not valid JSON: ${(err as Error).message}`);
  }
  if (!isObject(parsed)) throw new ConfigError(`config file ${path} must hold a JSON object`);
  return parsed;
}

/** `riakVersions[1] (riak-kv-3.2).sha256`: array elements with a `name` are named by it. */
function issuePath(key: string, path: readonly PropertyKey[], raw: unknown): string {
  let out = key;
  let at: unknown = raw;
  for (const p of path) {
    at = isObject(at) || Array.isArray(at) ? (at as Record<PropertyKey, unknown>)[p] : undefined;
    if (typeof p === 'number') {
      const name = isObject(at) ? at.name : undefined;
      out += `[${p}]${typeof name === 'string' && name ? ` (${name})` : ''}`;
    } else out += `.${String(p)}`;
  }
  return out;
}

function setPath(target: Record<string, unknown>, key: string, value: unknown): void {
  const parts = key.split('.');
  let o = target;
  for (const p of parts.slice(0, -1)) {
    if (!isObject(o[p])) o[p] = {};
    o = o[p] as Record<string, unknown>;
  }
  o[parts[parts.length - 1]] = value;
}

interface Candidate {
  raw: unknown;
  origin: Origin;
}

/** The file's values by setting name; unknown keys (a typo is not a no-op) become problems. */
function fromFile(
  table: SettingsTable,
  file: Record<string, unknown>,
  path: string,
  problems: string[],
): Map<string, unknown> {
  const keys = Object.keys(table).filter((k) => table[k].file !== false);
  const found = new Map<string, unknown>();
  const walk = (obj: Record<string, unknown>, prefix: string) => {
    for (const [k, v] of Object.entries(obj)) {
      const key = prefix + k;
      if (keys.includes(key)) found.set(key, v);
      else if (keys.some((s) => s.startsWith(`${key}.`))) {
        if (isObject(v)) walk(v, `${key}.`);
        else problems.push(`${key}: must be an object (from config file ${path})`);
      } else {
        const where = prefix ? `${prefix.slice(0, -1)}: ` : '';
        problems.push(`${where}unknown key '${k}' (from config file ${path})`);
      }
    }
  };
  walk(file, '');
  return found;
}

/** The value a flag gives: switches count only when switched (commander sets `--no-x` true by default). */
function flagValue(
  source: FlagSource,
  flags: Record<string, unknown>,
): string | boolean | undefined {
  const option = new Option(source.flags);
  const v = flags[option.attributeName()];
  if (option.negate) return v === false ? false : undefined;
  if (!option.required && !option.optional) return v === true ? true : undefined;
  return typeof v === 'string' ? v : undefined;
}

/** The long name of a flag as written (`--pb-port`). */
export function flagName(source: FlagSource): string {
  const option = new Option(source.flags);
  return option.long ?? option.short ?? source.flags;
}

/**
 * Resolves a table: defaults < config file < environment < flags, every value checked by its
 * schema and kept with its origin. Throws ConfigError listing every problem, each naming the
 * setting, the problem and where the value came from. (About 70 lines: the four layers in order.)
 */
export function loadSettings<T extends SettingsTable>(
  table: T,
  options: LoadOptions = {},
): Resolved<ConfigOf<T>> {
  const { flags = {}, env = process.env, file, defaults = {} } = options;
  const problems: string[] = [];
  const candidates = new Map<string, Candidate>();
  const failed = new Set<string>();
  for (const [key, s] of Object.entries(table)) {
    const d = key in defaults ? defaults[key] : s.default;
    if (d !== undefined)
      candidates.set(key, { raw: structuredClone(d), origin: { kind: 'default' } });
  }
  if (file !== undefined) {
    for (const [key, raw] of fromFile(table, readConfigFile(file), file, problems))
      candidates.set(key, { raw, origin: { kind: 'file', path: file } });
  }
  const readText = (key: string, text: string, origin: Origin, read?: TextReader) => {
    try {
      candidates.set(key, { raw: read ? read(text, describeOrigin(origin)) : text, origin });
    } catch (err) {
      problems.push(`${key}: ${(err as Error).message}`);
      failed.add(key);
    }
  };
  for (const [key, s] of Object.entries(table)) {
    for (const e of envSources(s)) {
      const text = env[e.name]?.trim();
      if (text) readText(key, text, { kind: 'env', name: e.name }, e.read ?? s.read);
    }
  }
  for (const [key, s] of Object.entries(table)) {
    const source = flagSource(s);
    const v = source && flagValue(source, flags);
    if (source === undefined || v === undefined) continue;
    const origin: Origin = { kind: 'flag', flag: flagName(source) };
    if (typeof v === 'boolean') candidates.set(key, { raw: v, origin });
    else readText(key, v, origin, source.read ?? s.read);
  }
  const config: Record<string, unknown> = {};
  const values: ResolvedValue[] = [];
  for (const [key, s] of Object.entries(table)) {
    if (failed.has(key)) continue;
    const c = candidates.get(key) ?? { raw: undefined, origin: { kind: 'default' } as const };
    const checked = s.schema.safeParse(c.raw);
    if (!checked.success) {
      for (const i of checked.error.issues)
        problems.push(
          `${issuePath(key, i.path, c.raw)}: ${i.message} (from ${describeOrigin(c.origin)})`,
        );
      continue;
    }
    if (checked.data !== undefined) setPath(config, key, checked.data);
    values.push({
      key,
      value: checked.data,
      origin: c.origin,
      secret: s.secret === true,
      description: s.description,
    });
  }
  if (problems.length > 0) throw invalidConfiguration(problems);
  return { config: config as ConfigOf<T>, values };
}
