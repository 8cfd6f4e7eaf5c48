/**
 * Config templates: plain variable substitution in the Mustache form (`{{httpport}}`), with the
 * original Go-template form (`{{.HTTPPort}}`) converted first, as the original executor did.
 * Values are inserted as they are (never HTML-escaped: the original's mustache.erl escaped them,
 * which broke values with `&`, `<` or quotes).
 */

export const TEMPLATE_VARIABLES: Readonly<Record<string, string>> = {
  fullyqualifiednodename: 'the node name, <node-key>@<agent host>',
  nodename: 'same as fullyqualifiednodename',
  host: "the agent's host name",
  bindaddress: 'the address Riak listens on',
  httpport: 'Riak HTTP port',
  pbport: 'Riak protocol buffers port',
  handoffport: 'handoff port',
  disterlport: 'Erlang distribution port (minimum = maximum)',
  epmdport: "the node's EPMD replacement port",
  cepmdport: 'same as epmdport (the original advanced.config name)',
  data_dir: "the data directory (on the node's persistent volume)",
  clustername: 'the cluster name',
  frameworkname: 'the framework name',
  zookeepers: 'ZooKeeper servers, comma-separated host:port',
  uri: "the scheduler's URL",
  riakrootpath: 'the directory of riak/ inside the Riak package',
  cookie: 'the Erlang distribution cookie of the cluster',
};

export type TemplateVars = Partial<Record<keyof typeof TEMPLATE_VARIABLES, string | number>> &
  Record<string, string | number | undefined>;

/** A template problem, with its position (1-based) and the variable when one is to blame. */
export class TemplateError extends Error {
  constructor(
    message: string,
    readonly line: number,
    readonly column: number,
    readonly variable?: string,
  ) {
    super(`line ${line}, column ${column}: ${message}`);
    this.name = 'TemplateError';
  }
}

/**
 * The original executor's conversion of Go templates: each `{{+.X}}+` loses the dot after the
 * braces and is lower-cased; `{{{` becomes `{ {{` and `}}}` becomes `}} }` (a literal brace
 * next to a variable, as Erlang terms need). Idempotent.
 */
export function convertGoTemplates(text: string): string {
  return text.replace(/\{\{+\.[^}]+\}\}+/g, (m) => {
    let s = m.replace(/^(\{+)\./, '$1');
    if (s.startsWith('{{{')) s = '{ ' + s.slice(1);
    if (s.endsWith('}}}')) s = s.slice(0, -1) + ' }';
    return s.toLowerCase();
  });
}

interface Tag {
  name: string;
  start: number;
  end: number;
  line: number;
  column: number;
}

function position(text: string, index: number): { line: number; column: number } {
  let line = 1;
  let last = -1;
  for (let i = 0; i < index; i++) {
    if (text.charCodeAt(i) === 10) {
      line++;
      last = i;
    }
  }
  return { line, column: index - last };
}

/** Finds every `{{ name }}` tag; anything but a plain variable name is an error. */
export function scanTags(text: string): Tag[] {
  const tags: Tag[] = [];
  const re = /\{\{([\s\S]*?)\}\}/g;
  let m: RegExpExecArray | null;
  while ((m = re.exec(text))) {
    const inner = m[1];
    const { line, column } = position(text, m.index);
    if (/^[#/^>!&{=]/.test(inner.trim())) {
      throw new TemplateError(
        `'{{${inner}}}' is not supported: config templates only substitute variables like {{httpport}}`,
        line,
        column,
      );
    }
    const name = inner.trim();
    if (!/^[a-z_][a-z0-9_]*$/.test(name))
      throw new TemplateError(
        `'{{${inner}}}' is not a variable name (lower-case letters, digits and _)`,
        line,
        column,
      );
    tags.push({ name, start: m.index, end: m.index + m[0].length, line, column });
  }
  const stray = text.replace(re, '').indexOf('{{');
  if (stray !== -1) {
    const idx = findUnclosed(text);
    const { line, column } = position(text, idx);
    throw new TemplateError("'{{' is never closed", line, column);
  }
  return tags;
}

function findUnclosed(text: string): number {
  let i = 0;
  for (;;) {
    const open = text.indexOf('{{', i);
    if (open === -1) return 0;
    const close = text.indexOf('}}', open + 2);
    if (close === -1) return open;
    i = close + 2;
  }
}

/** Checks every variable is known; the first unknown one is reported with its line. */
export function checkVariables(
  text: string,
  known: readonly string[] = Object.keys(TEMPLATE_VARIABLES),
): Tag[] {
  const tags = scanTags(text);
  for (const t of tags) {
    if (!known.includes(t.name)) {
      throw new TemplateError(
        `unknown variable '${t.name}'; known: ${known.join(', ')}`,
        t.line,
        t.column,
        t.name,
      );
    }
  }
  return tags;
}

/** Converts Go-template syntax, checks the variables and substitutes them (unescaped). */
export function render(template: string, vars: TemplateVars): string {
  const text = convertGoTemplates(template);
  const tags = checkVariables(text);
  let out = '';
  let at = 0;
  for (const t of tags) {
    const v = vars[t.name];
    if (v === undefined)
      throw new TemplateError(`no value for variable '${t.name}'`, t.line, t.column, t.name);
    out += text.slice(at, t.start) + String(v);
    at = t.end;
  }
  return out + text.slice(at);
}

/** Values of the right shape for every variable, to validate a template before any node uses it. */
export const SAMPLE_VARS: TemplateVars = {
  fullyqualifiednodename: 'riak-default-1@host.example',
  nodename: 'riak-default-1@host.example',
  host: 'host.example',
  bindaddress: '0.0.0.0',
  httpport: 31001,
  pbport: 31002,
  handoffport: 31003,
  disterlport: 31004,
  epmdport: 31005,
  cepmdport: 31005,
  data_dir: '../../data',
  clustername: 'default',
  frameworkname: 'riak',
  zookeepers: 'zk.example:2181',
  uri: 'http://scheduler.example:9090',
  riakrootpath: 'root',
  cookie: 'riak',
};
