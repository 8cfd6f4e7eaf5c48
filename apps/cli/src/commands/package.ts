import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import {
  accessSync,
  constants,
  cpSync,
  createReadStream,
  existsSync,
  mkdtempSync,
  readFileSync,
  readdirSync,
  renameSync,
  rmSync,
  statSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, dirname, join, relative, resolve } from 'node:path';
import type { Command } from 'commander';
import { isValidName } from '@riak-mesos/zk';
import type { Context } from '../context';
import { CliError } from '../errors';

type Ctx = () => Context;

export const FLAVOURS = ['kv2', 'kv3', 'ts1', 'riak-local'] as const;
export type Flavour = (typeof FLAVOURS)[number];

/** Left out of a package: node state, not software. */
const EXCLUDED_TOP = new Set(['data', 'log', 'erl_crash.dump']);
/** Cuttlefish's output (wherever it was written), regenerated at every start. */
const EXCLUDED_ANYWHERE = ['generated.conf', 'generated.configs'];
/** Where an OS package (deb, rpm) puts Riak's configuration. */
const SYSTEM_ETC = '/etc/riak';

export interface ReleaseInfo {
  flavour: Flavour;
  /** The release version (`releases/<vsn>/`), or riak-local's VERSION. */
  version: string;
  /** How it was told. */
  evidence: string;
}

function isDir(p: string): boolean {
  try {
    return statSync(p).isDirectory();
  } catch {
    return false;
  }
}

function readText(p: string, limit = 65536): string {
  try {
    return readFileSync(p, 'utf8').slice(0, limit);
  } catch {
    return '';
  }
}

/** The release version: `releases/start_erl.data`, else `releases/RELEASES`, else the newest `releases/<vsn>/`. */
function releaseVersion(dir: string): string | undefined {
  const startErl = readText(join(dir, 'releases', 'start_erl.data'))
    .trim()
    .split(/\s+/)[1];
  if (startErl) return startErl;
  const rel = /\{release,\s*"[^"]*",\s*"([^"]+)"/.exec(readText(join(dir, 'releases', 'RELEASES')));
  if (rel?.[1]) return rel[1];
  const dirs = isDir(join(dir, 'releases'))
    ? readdirSync(join(dir, 'releases')).filter(
        (d) => /^\d/.test(d) && isDir(join(dir, 'releases', d)),
      )
    : [];
  return dirs.sort((a, b) => a.localeCompare(b, undefined, { numeric: true })).at(-1);
}

/**
 * What a release directory holds: riak-local (its packages say so: `lib/riak-local.js`, a
 * launcher naming riak-local), Riak TS (the `riak_ql` application), or Riak KV 2 or 3 by the
 * release version (`releases/<vsn>/`), else the `riak_kv` application's version.
 */
export function inspectRelease(dir: string): ReleaseInfo {
  if (
    existsSync(join(dir, 'lib', 'riak-local.js')) ||
    readText(join(dir, 'bin', 'riak'), 2048).includes('riak-local')
  )
    return {
      flavour: 'riak-local',
      version: readText(join(dir, 'VERSION')).trim() || 'unknown',
      evidence: 'a riak-local launcher',
    };
  const libs = isDir(join(dir, 'lib')) ? readdirSync(join(dir, 'lib')) : [];
  const riakKv = libs.map((l) => /^riak_kv-(.+)$/.exec(l)?.[1]).find((v) => v !== undefined);
  const vsn = releaseVersion(dir);
  const hasAdmin = existsSync(join(dir, 'bin', 'riak-admin'));
  if (!riakKv && !hasAdmin)
    throw new CliError(
      `${dir} does not look like a Riak KV or TS release (no lib/riak_kv-* and no bin/riak-admin); give --flavour if it is one`,
    );
  if (libs.some((l) => l.startsWith('riak_ql-')))
    return { flavour: 'ts1', version: vsn ?? 'unknown', evidence: 'the riak_ql application' };
  const major = (v: string | undefined) => (v && /^\d+\./.test(v) ? parseInt(v, 10) : undefined);
  const fromVsn = major(vsn);
  const fromKv = major(riakKv);
  const m = fromVsn ?? (fromKv && fromKv > 0 ? fromKv : undefined);
  const evidence = fromVsn !== undefined ? `release ${vsn}` : `riak_kv ${riakKv}`;
  if (m === 2) return { flavour: 'kv2', version: vsn ?? riakKv ?? 'unknown', evidence };
  if (m !== undefined && m >= 3) return { flavour: 'kv3', version: vsn ?? 'unknown', evidence };
  throw new CliError(
    `cannot tell which Riak ${dir} is (release ${vsn ?? 'unknown'}, riak_kv ${riakKv ?? 'none'}); give --flavour kv2|kv3|ts1|riak-local`,
  );
}

function kindOf(flavour: Flavour): string {
  return flavour === 'riak-local' ? 'riak-local' : flavour === 'ts1' ? 'riak-ts' : 'riak-kv';
}

/** The catalogue name a package gets by default: `riak-kv-3.2`, `riak-ts-1.5`, `riak-local`. */
export function defaultName(info: ReleaseInfo): string {
  const kind = kindOf(info.flavour);
  if (info.flavour === 'riak-local') return kind;
  const mm = /^(\d+)\.(\d+)/.exec(info.version);
  return mm ? `${kind}-${mm[1]}.${mm[2]}` : kind;
}

/** `riak-kv-3.2.2p1-nhse.tar.gz`, in the current directory. */
function defaultFile(info: ReleaseInfo): string {
  return `${kindOf(info.flavour)}-${info.version.replace(/[^A-Za-z0-9_.-]/g, '_')}.tar.gz`;
}

/** A word the shell takes as it is. */
function shellQuote(text: string): string {
  return `'${text.replace(/'/g, `'\\''`)}'`;
}

async function sha256Of(file: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(file)) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

function runTar(args: string[]): Promise<void> {
  return new Promise((done, fail) => {
    execFile('tar', args, { maxBuffer: 16 * 1024 * 1024 }, (err, _stdout, stderr) => {
      if (!err) return done();
      const e = err as Error & { code?: unknown };
      fail(
        new CliError(
          e.code === 'ENOENT'
            ? 'tar is not installed: packaging needs GNU tar'
            : `tar failed (${String(e.code)}): ${stderr.trim().split('\n').slice(-3).join('; ') || e.message}`,
        ),
      );
    });
  });
}

export interface PackageOptions {
  from: string;
  out?: string;
  name?: string;
  flavour?: string;
  etc?: string;
}

export interface PackageResult {
  file: string;
  bytes: number;
  sha256: string;
  release: ReleaseInfo;
  /** Where etc/ came from. */
  etc: string;
  /** The `--riak-versions` entry for it (url: the file; replace it with where you publish it). */
  entry: { name: string; url: string; sha256: string; rootPath: string; flavour: Flavour };
  notes: string[];
}

/** Checks the options and says what will be packaged, before anything is written. */
function plan(o: PackageOptions, cwd: string) {
  const from = resolve(cwd, o.from);
  if (!existsSync(from)) throw new CliError(`--from ${o.from}: no such directory`);
  if (!isDir(from)) throw new CliError(`--from ${o.from}: not a directory`);
  if (!existsSync(join(from, 'bin', 'riak')))
    throw new CliError(
      `${from} is not a Riak release: it has no bin/riak (give the release directory: a source build's _build/rel/rel/riak, or an installed Riak's directory such as /usr/lib/riak)`,
    );
  let release: ReleaseInfo;
  if (o.flavour !== undefined) {
    if (!(FLAVOURS as readonly string[]).includes(o.flavour))
      throw new CliError(`--flavour must be one of ${FLAVOURS.join(', ')}`, 2);
    const vsn =
      o.flavour === 'riak-local'
        ? readText(join(from, 'VERSION')).trim()
        : (releaseVersion(from) ?? '');
    release = { flavour: o.flavour as Flavour, version: vsn || 'unknown', evidence: '--flavour' };
  } else release = inspectRelease(from);
  const name = o.name ?? defaultName(release);
  if (!isValidName(name) || name === 'executor')
    throw new CliError(
      `--name '${name}' is not a version name: letters, digits, _ - . starting with a letter or digit (and not 'executor')`,
      2,
    );
  let etc: string;
  if (o.etc !== undefined) {
    etc = resolve(cwd, o.etc);
    if (!isDir(etc)) throw new CliError(`--etc ${o.etc}: no such directory`);
  } else if (isDir(join(from, 'etc'))) etc = join(from, 'etc');
  else if (isDir(SYSTEM_ETC)) etc = SYSTEM_ETC;
  else
    throw new CliError(
      `${from} has no etc/ and there is no ${SYSTEM_ETC}: give --etc <dir> (the directory holding riak.conf)`,
    );
  const out = resolve(cwd, o.out ?? defaultFile(release));
  if (!/\.(tar\.gz|tgz)$/.test(out))
    throw new CliError(
      `--out ${o.out}: the name must end in .tar.gz or .tgz (the Mesos fetcher extracts by extension)`,
      2,
    );
  const inside = relative(from, out);
  if (!inside.startsWith('..') && !inside.startsWith('/'))
    throw new CliError(`--out ${out} is inside the release being packaged; write it elsewhere`, 2);
  if (isDir(out)) throw new CliError(`cannot write ${out}: it is a directory`);
  const parent = dirname(out);
  try {
    accessSync(parent, constants.W_OK);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    const why =
      code === 'ENOENT'
        ? 'does not exist'
        : code === 'ENOTDIR'
          ? 'is not a directory'
          : `is not writable (${code})`;
    throw new CliError(`cannot write ${out}: ${parent} ${why}`);
  }
  if (!isDir(parent)) throw new CliError(`cannot write ${out}: ${parent} is not a directory`);
  return { from, release, name, etc, out };
}

/** Absolute install paths an OS package's scripts may hold (they do not move with the package). */
function installPathNotes(from: string): string[] {
  const scripts = ['bin/riak', 'lib/env.sh'].map((f) => readText(join(from, f)));
  const found = ['/usr/lib/riak', '/usr/lib64/riak', '/var/lib/riak', '/etc/riak'].filter((p) =>
    scripts.some((s) => s.includes(p)),
  );
  return found.length
    ? [
        `its scripts name ${found.join(', ')}: scripts of an OS package may only run where Riak is installed at those paths; a source build's release (relative paths) is the portable choice`,
      ]
    : [];
}

/**
 * Makes a framework Riak package from a release directory: a `.tar.gz` whose top level is
 * `root/riak/…` (so its root path is `root`), without data/, log/ and generated configuration,
 * with etc/ from the release, `--etc`, or /etc/riak. Written with the system's GNU tar (links
 * followed, owner root) to a temporary name, then renamed into place.
 */
export async function packageRiak(o: PackageOptions, cwd = process.cwd()): Promise<PackageResult> {
  const p = plan(o, cwd);
  const notes = installPathNotes(p.from);
  if (p.etc === SYSTEM_ETC && o.etc === undefined)
    notes.push(`etc/ taken from ${SYSTEM_ETC} (the release has none)`);
  const entries = readdirSync(p.from).filter((e) => !EXCLUDED_TOP.has(e) && e !== 'etc');
  const stage = mkdtempSync(join(tmpdir(), 'riak-package-'));
  const tmp = join(dirname(p.out), `.${basename(p.out)}.${process.pid}.tmp`);
  try {
    cpSync(p.etc, join(stage, 'etc'), { recursive: true, dereference: true });
    await runTar([
      '-czf',
      tmp,
      '--owner=0',
      '--group=0',
      '--numeric-owner',
      '--sort=name',
      '--dereference',
      ...EXCLUDED_ANYWHERE.map((x) => `--exclude=${x}`),
      // Every member under root/riak/, symbolic link targets left as they are.
      '--transform=s,^,root/riak/,S',
      '-C',
      p.from,
      ...entries,
      '-C',
      stage,
      'etc',
    ]);
    renameSync(tmp, p.out);
  } finally {
    rmSync(tmp, { force: true });
    rmSync(stage, { recursive: true, force: true });
  }
  const sha256 = await sha256Of(p.out);
  return {
    file: p.out,
    bytes: statSync(p.out).size,
    sha256,
    release: p.release,
    etc: p.etc,
    entry: { name: p.name, url: p.out, sha256, rootPath: 'root', flavour: p.release.flavour },
    notes,
  };
}

export function registerPackage(program: Command, ctx: Ctx, err: NodeJS.WritableStream): void {
  const pkg = program.command('package').description('make packages the framework deploys');
  pkg
    .command('riak')
    .description(
      "make a Riak package (root/riak/… in a .tar.gz) from a release directory: a source build's _build/rel/rel/riak or an installed Riak; prints its sha256 and a --riak-versions entry",
    )
    .requiredOption('--from <dir>', 'the release directory (holding bin/riak, releases/, lib/)')
    .option('--out <file>', 'the package to write (default ./riak-kv-<version>.tar.gz)')
    .option('--name <name>', 'the version name in the catalogue (default riak-kv-<major.minor>)')
    .option(
      '--flavour <flavour>',
      `what the release is (${FLAVOURS.join(', ')}); detected if not given`,
    )
    .option(
      '--etc <dir>',
      "configuration to include as etc/ (default: the release's etc/, else /etc/riak)",
    )
    .action(async (o: PackageOptions) => {
      const c = ctx();
      if (!c.config.json) err.write(`packaging ${resolve(o.from)} …\n`);
      const r = await packageRiak(o);
      c.result(r, () => {
        for (const n of r.notes) err.write(`note: ${n}\n`);
        c.print(
          `${r.file}: ${r.release.flavour} ${r.release.version} (${r.release.evidence}), ${(r.bytes / 1e6).toFixed(1)} MB, etc/ from ${r.etc}`,
        );
        c.print(`sha256 ${r.sha256}`);
        c.print('scheduler catalogue entry (put the URL you publish it at in "url"):');
        c.print(`--riak-versions ${shellQuote(JSON.stringify([r.entry]))}`);
      });
    });
}
