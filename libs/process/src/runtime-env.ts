/**
 * A service's runtime environment, as its build leaves it beside its bundle
 * (`dist/<project>/runtime-env.json`, written by scripts/bundle.js from the project's own
 * runtime-env.json, which the package's launcher applies too): variables and node flags the
 * service is started with wherever it is started from dist/ (`local up`, the benchmarks). A
 * variable the environment sets already keeps its value; a flag the runtime refuses is left out
 * with a warning (V8's flags are not a stable API), as the launcher does.
 */
import { spawnSync } from 'node:child_process';
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
    })
    .default({}),
  nodeArgs: z
    .array(z.string().regex(/^--[a-z0-9-]+(=[A-Za-z0-9._:,/+-]+)?$/, 'is not a node flag'))
    .default([]),
});

function runtimeBeside(script: string): z.infer<typeof runtimeEnvSchema> {
  const file = join(dirname(script), 'runtime-env.json');
  if (!existsSync(file)) return { env: {}, nodeArgs: [] };
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
  return parsed.data;
}

const taken = new Map<string, boolean>();

/** Whether `node` takes `flag`: tried once per runtime and flag (`node <flag> -e 0`). */
function takes(node: string, flag: string): boolean {
  const key = `${node}\0${flag}`;
  let ok = taken.get(key);
  if (ok === undefined) {
    ok = spawnSync(node, [flag, '-e', '0'], { stdio: 'ignore' }).status === 0;
    taken.set(key, ok);
  }
  return ok;
}

export interface Startup {
  /** The environment given, with the file's variables added where it has none of its own. */
  env: NodeJS.ProcessEnv;
  /** The file's node flags that the runtime takes, to go before the script. */
  nodeArgs: string[];
}

/**
 * How to start `script` with the `runtime-env.json` beside it, read once: `env` with its
 * variables added where `env` has none of its own, and the node flags `node` (this process's
 * runtime unless given) takes; a refused flag is left out and `warn` is told why. No file: `env`
 * as it is and no flags. Throws, naming the file and the field, on a bad one.
 */
export function startupBeside(
  script: string,
  env: NodeJS.ProcessEnv,
  warn: (message: string) => void = (m) => process.stderr.write(`${m}\n`),
  node: string = process.execPath,
): Startup {
  const runtime = runtimeBeside(script);
  const out = { ...env };
  for (const [name, value] of Object.entries(runtime.env))
    if (out[name] === undefined) out[name] = value;
  const nodeArgs = runtime.nodeArgs.filter((flag) => {
    const ok = takes(node, flag);
    if (!ok)
      warn(`${node} refuses ${flag} (from ${script}'s runtime-env.json); starting without it`);
    return ok;
  });
  return { env: out, nodeArgs };
}
