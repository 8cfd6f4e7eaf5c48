// A project's runtime-env.json: environment variables its service is started with, wherever it
// is started from one place (the package's launcher, the bundle's directory for `local up` and
// the benchmarks). `{"why": "...", "env": {"NAME": "value"}}`; a variable the environment sets
// already keeps its value. Names and values are checked, so that the launcher can quote them.
const fs = require('node:fs');
const path = require('node:path');

const NAME = /^[A-Z_][A-Z0-9_]*$/;
const VALUE = /^[A-Za-z0-9._:=,/+-]*$/;

/** The checked `env` of `<dir>/runtime-env.json`, or {} without one. Throws on a bad file. */
function runtimeEnvOf(dir) {
  const file = path.join(dir, 'runtime-env.json');
  if (!fs.existsSync(file)) return {};
  const parsed = JSON.parse(fs.readFileSync(file, 'utf8'));
  const env = parsed && typeof parsed === 'object' ? parsed.env : undefined;
  if (!env || typeof env !== 'object' || Array.isArray(env))
    throw new Error(`${file}: "env" must be an object of variables`);
  for (const [name, value] of Object.entries(env)) {
    if (!NAME.test(name)) throw new Error(`${file}: ${name} is not a variable name`);
    if (typeof value !== 'string' || !VALUE.test(value))
      throw new Error(`${file}: ${name}'s value must be a string of ${VALUE.source}`);
  }
  return env;
}

/** Launcher lines that set each variable unless already set, and export it. */
function launcherLines(env) {
  return Object.entries(env).flatMap(([name, value]) => [
    `: "\${${name}:=${value}}"`,
    `export ${name}`,
  ]);
}

module.exports = { runtimeEnvOf, launcherLines };
