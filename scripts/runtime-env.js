// A project's runtime-env.json: how its service is started wherever it is started, from one place
// (the package's launcher, the bundle's directory for `local up` and the benchmarks).
// `{"why": "...", "env": {"NAME": "value"}, "nodeArgs": ["--flag"]}`:
// - a variable the environment sets already keeps its value;
// - each node flag is checked against the runtime when the service starts (`node <flag> -e 0`),
//   and left out, with a warning, if that runtime refuses it (V8's flags are not a stable API).
// Names, values and flags are checked here, so that the launcher can quote them.
const fs = require('node:fs');
const path = require('node:path');

const NAME = /^[A-Z_][A-Z0-9_]*$/;
const VALUE = /^[A-Za-z0-9._:=,/+-]*$/;
const FLAG = /^--[a-z0-9-]+(=[A-Za-z0-9._:,/+-]+)?$/;

/** The checked `{env, nodeArgs}` of `<dir>/runtime-env.json`; empty without one. Throws if bad. */
function runtimeOf(dir) {
  const file = path.join(dir, 'runtime-env.json');
  if (!fs.existsSync(file)) return { env: {}, nodeArgs: [] };
  const parsed = JSON.parse(fs.readFileSync(file, 'utf8'));
  const env = parsed && typeof parsed === 'object' ? (parsed.env ?? {}) : undefined;
  if (!env || typeof env !== 'object' || Array.isArray(env))
    throw new Error(`${file}: "env" must be an object of variables`);
  for (const [name, value] of Object.entries(env)) {
    if (!NAME.test(name)) throw new Error(`${file}: ${name} is not a variable name`);
    if (typeof value !== 'string' || !VALUE.test(value))
      throw new Error(`${file}: ${name}'s value must be a string of ${VALUE.source}`);
  }
  const nodeArgs = parsed.nodeArgs ?? [];
  if (!Array.isArray(nodeArgs) || nodeArgs.some((f) => typeof f !== 'string' || !FLAG.test(f)))
    throw new Error(`${file}: "nodeArgs" must be a list of flags matching ${FLAG.source}`);
  return { env, nodeArgs };
}

/**
 * Launcher lines: each variable set unless already set, and exported; each node flag added to
 * `$flags` only if the runtime takes it (the launcher puts `$flags` before the script). The lines
 * expect `$node` to name the runtime.
 */
function launcherLines({ env, nodeArgs }) {
  const lines = Object.entries(env).flatMap(([name, value]) => [
    `: "\${${name}:=${value}}"`,
    `export ${name}`,
  ]);
  if (nodeArgs.length > 0) {
    lines.push('flags=');
    for (const flag of nodeArgs)
      lines.push(
        `if "$node" ${flag} -e 0 2>/dev/null; then flags="$flags ${flag}"; ` +
          `else echo "$0: this Node.js refuses ${flag}; starting without it" >&2; fi`,
      );
  }
  return lines;
}

module.exports = { runtimeOf, launcherLines };
