import type { Command } from 'commander';
import { Option } from 'commander';
import type { PrintFormat } from './print';
import { PRINT_FORMATS } from './print';
import { versionText } from './version';
import type { Setting, SettingsTable } from './settings';
import { envSources, flagSource } from './settings';

/** `(env A, B; default 5s)` after a flag's description. */
function helpSuffix(s: Setting): string {
  const parts: string[] = [];
  const env = envSources(s).map((e) => e.name);
  if (env.length > 0) parts.push(`env ${env.join(', ')}`);
  const d = s.defaultText ?? (s.default === undefined ? undefined : JSON.stringify(s.default));
  if (d !== undefined) parts.push(`default ${d}`);
  return parts.length > 0 ? ` (${parts.join('; ')})` : '';
}

export interface SettingOptionsOptions {
  /** Adds `-c, --config <file>` (a JSON file of settings). */
  configFile?: boolean;
}

/**
 * Adds one option per setting that has a flag (help says its variables and default), and
 * `--print-config [format]` (text or json) and `--version` (the release and the Node.js runtime);
 * with `configFile`, also `-c, --config <file>`.
 * Commander parses; `loadSettings` takes `command.opts()` as its `flags`.
 */
export function addSettingOptions(
  command: Command,
  table: SettingsTable,
  options: SettingOptionsOptions = {},
): Command {
  command.version(
    versionText(command.name()),
    '--version',
    'print the version and the runtime, then exit',
  );
  if (options.configFile) command.option('-c, --config <file>', 'JSON configuration file');
  for (const s of Object.values(table)) {
    const source = flagSource(s);
    if (!source) continue;
    const option = new Option(source.flags, `${s.description}${helpSuffix(s)}`);
    if (s.choices) option.choices(s.choices);
    command.addOption(option);
  }
  command.addOption(
    new Option(
      '--print-config [format]',
      'print every setting with its value and origin (secrets masked), then exit',
    ).choices(PRINT_FORMATS),
  );
  return command;
}

/** The format `--print-config` asked for, if it was given. */
export function printConfigFormat(opts: Record<string, unknown>): PrintFormat | undefined {
  const v = opts.printConfig;
  if (v === undefined || v === false) return undefined;
  return v === 'json' ? 'json' : 'text';
}
