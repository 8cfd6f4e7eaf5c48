import { Command, CommanderError } from 'commander';
import { versionText } from '@riak-mesos/config';
import { registerCluster } from './commands/cluster';
import { registerConfigurations } from './commands/configurations';
import { registerConfig } from './commands/config';
import { registerFramework } from './commands/framework';
import { registerLocal } from './commands/local';
import { registerNode } from './commands/node';
import { registerPackage } from './commands/package';
import { registerPlan } from './commands/plan';
import { registerRiak } from './commands/riak';
import type { GlobalOptions } from './config';
import { Context } from './context';
import { CliError } from './errors';

export interface Io {
  out: NodeJS.WritableStream;
  err: NodeJS.WritableStream;
  env: NodeJS.ProcessEnv;
}

/** Builds the `riak-mesos` program; every command gets its Context from the global options. */
export function buildProgram(io: Io): Command {
  const program = new Command('riak-mesos')
    .description('Operate Riak KV and Riak TS clusters on Mesos through the Riak Mesos Framework')
    .version(
      versionText('riak-mesos'),
      '-V, --version',
      'print the version and the Node.js runtime',
    )
    .option(
      '--config <path>',
      'JSON config file (default ~/.config/riak-mesos/config.json or $RIAK_MESOS_CONFIG)',
    )
    .option('--url <url>', 'scheduler API, e.g. http://scheduler:9090 (or $RIAK_MESOS_URL)')
    .option('--framework <name>', 'framework name (default riak)')
    .option(
      '--ca-file <pem>',
      'trust this CA for https (a private CA of the scheduler; or $RIAK_MESOS_CA_FILE, riak.ca-file)',
    )
    .option('--json', 'print JSON for scripts')
    .option('--timeout <seconds>', 'how long waits may take', '600')
    .option('--debug', 'print stack traces of errors')
    .showHelpAfterError()
    .configureOutput({ writeOut: (s) => io.out.write(s), writeErr: (s) => io.err.write(s) })
    .exitOverride();
  let context: Context | undefined;
  const ctx = () =>
    (context ??= new Context(program.opts<GlobalOptions>(), io.out, io.err, io.env));
  registerFramework(program, ctx);
  registerCluster(program, ctx);
  registerConfigurations(
    program.commands.find((c) => c.name() === 'cluster')!,
    ctx,
  );
  registerNode(program, ctx);
  registerPlan(program, ctx);
  registerConfig(program, ctx);
  registerRiak(program, ctx);
  registerPackage(program, ctx, io.err);
  registerLocal(program, ctx, io.err);
  for (const c of program.commands)
    c.exitOverride().configureOutput({
      writeOut: (s) => io.out.write(s),
      writeErr: (s) => io.err.write(s),
    });
  return program;
}

/** Runs the CLI; resolves with the exit code instead of exiting (so tests can run it in-process). */
export async function run(
  argv: string[],
  io: Io = { out: process.stdout, err: process.stderr, env: process.env },
): Promise<number> {
  const program = buildProgram(io);
  try {
    await program.parseAsync(argv, { from: 'user' });
    return 0;
  } catch (err) {
    if (err instanceof CommanderError)
      return err.code === 'commander.helpDisplayed' ||
        err.code === 'commander.version' ||
        err.code === 'commander.help'
        ? 0
        : 2;
    if (err instanceof CliError) {
      io.err.write(`riak-mesos: ${err.message}\n`);
      return err.exitCode;
    }
    io.err.write(`riak-mesos: unexpected error: ${(err as Error).message}\n`);
    if (program.opts<GlobalOptions>().debug) io.err.write(`${(err as Error).stack}\n`);
    return 1;
  }
}
