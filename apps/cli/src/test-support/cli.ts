import { Writable } from 'node:stream';
import { run } from '../program';

/** A writable that keeps what it is given, for a command's stdout or stderr. */
function sink(): { stream: Writable; text: () => string } {
  const chunks: string[] = [];
  return {
    stream: new Writable({ write: (c: Buffer, _e, cb) => (chunks.push(c.toString()), cb()) }),
    text: () => chunks.join(''),
  };
}

export interface CliRun {
  code: number;
  out: string;
  err: string;
}

/**
 * The `riak-mesos` program run in this process as a user would run it, with `home` as its HOME
 * (so no config of the machine's leaks in), and what it printed.
 */
export async function runCli(
  home: string,
  args: string[],
  env: NodeJS.ProcessEnv = {},
): Promise<CliRun> {
  const out = sink();
  const err = sink();
  const code = await run(args, { out: out.stream, err: err.stream, env: { HOME: home, ...env } });
  return { code, out: out.text(), err: err.text() };
}
