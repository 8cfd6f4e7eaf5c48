/**
 * Reads a transcript of a real Riak session (`$ command`, its output, `[rc=N, time]`) and
 * normalises output for comparison: values (node names, percentages, counts) become
 * placeholders, the layout stays, so that riak-local's output can be compared line by line.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

export interface TranscriptEntry {
  /** The command after `$ `. */
  command: string;
  /** What it printed, line by line. */
  output: string[];
  /** Its exit status, when the transcript records one (curl commands have none). */
  rc?: number;
  /** 1-based line of the `$` line, to point at it when a comparison fails. */
  line: number;
}

const RC = /^\[rc=(\d+)(?:, [\d.]+s)?\]$/;

/**
 * Entries in order. An entry's output runs to its `[rc=…]` line or, without one, to the next
 * `$ ` or `# ` line (trailing blank lines dropped). `# ` lines between entries are comments.
 */
export function parseTranscript(text: string): TranscriptEntry[] {
  const entries: TranscriptEntry[] = [];
  let current: TranscriptEntry | undefined;
  const close = () => {
    if (!current) return;
    while (current.rc === undefined && current.output.at(-1) === '') current.output.pop();
    entries.push(current);
    current = undefined;
  };
  text.split('\n').forEach((l, i) => {
    if (l.startsWith('$ ')) {
      close();
      current = { command: l.slice(2), output: [], line: i + 1 };
      return;
    }
    if (!current) return;
    const rc = RC.exec(l);
    if (rc) {
      current.rc = Number(rc[1]);
      close();
    } else if (l.startsWith('# ')) close();
    else current.output.push(l);
  });
  close();
  return entries;
}

/** Finds the `nth` entry (0-based) whose command, output and exit status match (`after` one). */
export function pick(
  entries: TranscriptEntry[],
  command: RegExp,
  options: { output?: RegExp; nth?: number; rc?: number; after?: TranscriptEntry } = {},
): TranscriptEntry {
  const found = entries.filter(
    (e) =>
      command.test(e.command) &&
      (!options.after || e.line > options.after.line) &&
      (!options.output || options.output.test(e.output.join('\n'))) &&
      (options.rc === undefined || e.rc === options.rc),
  );
  const e = found[options.nth ?? 0];
  if (!e)
    throw new Error(
      `no entry ${String(command)}${options.output ? ` with output ${String(options.output)}` : ''} in the reference transcript`,
    );
  return e;
}

/** Right-aligned numbers keep their field's width: `   50.0%` and `  100.0%` both become `      P%`. */
const field = (m: string, token: string) =>
  `${' '.repeat(Math.max(0, m.length - token.length))}${token}`;

/**
 * Replaces values with placeholders: node names (`names` maps each to its role), percentages
 * (their column kept), and the counts of partitions, transfers and open files.
 */
export function normalise(lines: string[], names: Record<string, string>): string[] {
  const byLength = Object.keys(names).sort((a, b) => b.length - a.length);
  return lines.map((line) => {
    let s = line;
    for (const n of byLength) s = s.split(n).join(names[n]);
    return s
      .replace(/ *\d+\.\d%/g, (m) => field(m, 'P%'))
      .replace(/(?<=\|) *\d+\.\d(?=\|)/g, (m) => field(m, 'P'))
      .replace(/waiting to handoff \d+ partitions/, 'waiting to handoff N partitions')
      .replace(
        /^(Transfers resulting|Partitions reassigned)( from cluster changes:) \d+$/,
        '$1$2 N',
      )
      .replace(/^ {2}\d+ (transfers|reassigned) from/, '  N $1 from')
      .replace(/ulimit -n is \d+;/, 'ulimit -n is N;');
  });
}

/** Consecutive repeats of a line as one (how many times a poll printed is a count too). */
export function collapseRepeats(lines: string[]): string[] {
  return lines.filter((l, i) => i === 0 || l !== lines[i - 1]);
}

/** The repository's root, from this file (tools/riak-local/src). */
export const REPO_ROOT = join(__dirname, '..', '..', '..');

/** Where the real session's transcript is: ../shared/reference/ next to the checkout. */
export const TRANSCRIPT_PATH = join(
  REPO_ROOT,
  '..',
  'shared',
  'reference',
  'real-riak-3.2-transcript.txt',
);

/** Outputs of a real node the transcript lacks, recorded by golden/capture-real.sh. */
export const EXTRA_PATH = join(
  REPO_ROOT,
  'tools',
  'riak-local',
  'golden',
  'real-riak-3.2-extra.txt',
);

/** Reads a reference transcript, failing with where it was expected when it is not there. */
export function loadTranscript(path: string): TranscriptEntry[] {
  if (!existsSync(path))
    throw new Error(
      `The real Riak transcript is missing: expected ${path} (../shared/reference/ relative to ` +
        'the repository root). The golden tests compare riak-local with it and cannot run without it.',
    );
  const entries = parseTranscript(readFileSync(path, 'utf8'));
  if (entries.length === 0) throw new Error(`${path} has no "$ command" entries`);
  return entries;
}
