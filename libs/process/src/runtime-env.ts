/**
 * A service's runtime environment, as its build leaves it beside its bundle
 * (`dist/<project>/runtime-env.json`, written by scripts/bundle.js from the project's own
 * runtime-env.json, which the package's launcher applies too): variables the service is started
 * with wherever it is started from dist/ (`local up`, the benchmarks). A variable the environment
 * sets already keeps its value.
 */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { z } from 'zod';

// The same rules as scripts/runtime-env.js, which writes the file.
const NAME = /^[A-Z_][A-Z0-9_]*$/;
const runtimeEnvSchema = z.object({
  env: z
    .record(
      z.string(),
      z.string().regex(/^[A-Za-z0-9._:=,/+-]*$/, 'has a character a launcher cannot quote'),
    )
    .superRefine((env, ctx) => {
      for (const name of Object.keys(env))
        if (!NAME.test(name))
          ctx.addIssue({ code: 'custom', path: [name], message: 'is not a variable name' });
    }),
});

/** The variables in `runtime-env.json` beside `script`; {} without the file. Throws on a bad one. */
export function runtimeEnvBeside(script: string): Record<string, string> {
  const file = join(dirname(script), 'runtime-env.json');
  if (!existsSync(file)) return {};
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(file, 'utf8'));
  } catch (err) {
    throw new Error(`${file}: not JSON (${(err as Error).message})`);
  }
  const parsed = runtimeEnvSchema.safeParse(raw);
  if (!parsed.success)
    throw new Error(
      `${file}: ${parsed.error.issues.map((i) => `${i.path.join('.')} ${i.message}`).join('; ')}`,
    );
  return parsed.data.env;
}

/** `env` with the variables beside `script` added where `env` has none of its own. */
export function withRuntimeEnv(script: string, env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  const out = { ...env };
  for (const [name, value] of Object.entries(runtimeEnvBeside(script)))
    if (out[name] === undefined) out[name] = value;
  return out;
}
