/**
 * Golden tests: riak-local against what a real Riak KV 3.2 node printed. The reference outputs are
 * read at test time from the real session's transcript (../shared/reference/, next to the checkout;
 * the test fails when it is missing) and from golden/real-riak-3.2-extra.txt (outputs the
 * transcript lacks, recorded from the real release by golden/capture-real.sh). The same commands
 * run against two riak-local nodes named as the real ones were, riak@127.0.0.1 and
 * riak2@127.0.0.2, through `bin/riak`, `bin/riak admin` and `bin/riak-admin`; values (node names,
 * percentages, counts) are normalised and the outputs compared line by line, with exit codes.
 *
 * Where riak-local knowingly differs (for the executor's parsers: EXECUTOR_COMPAT in format.ts, and
 * its exit code after `error`), the expected output is changed in one visible place, `expected()`.
 *
 * Over 400 lines: one scenario, in the transcript's order (a node down, one node, a join, a leave,
 * a member down), each step compared with its real counterpart; splitting it would split state.
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { EpmdServer } from '@riak-mesos/epmd';
import { freePorts, tempDir, waitFor } from '@riak-mesos/testing';
import { EXECUTOR_COMPAT } from './format';
import type { TranscriptEntry } from './transcript';
import {
  EXTRA_PATH,
  REPO_ROOT,
  TRANSCRIPT_PATH,
  collapseRepeats,
  loadTranscript,
  normalise,
  pick,
} from './transcript';

interface Run {
  code: number | null;
  out: string;
}

/** Runs a command to completion (or stops it once `enough` says so), stdout and stderr together. */
function exec(
  file: string,
  args: string[],
  env: NodeJS.ProcessEnv,
  cwd: string,
  enough?: (out: string) => boolean,
): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(file, args, { env: { ...process.env, ...env }, cwd });
    let out = '';
    const more = (d: Buffer) => {
      out += d.toString();
      if (enough?.(out)) child.kill('SIGTERM');
    };
    child.stdout.on('data', more);
    child.stderr.on('data', more);
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, out }));
  });
}

interface LocalNode {
  name: string;
  host: string;
  root: string;
  http: number;
  env: NodeJS.ProcessEnv;
  pid?: number;
}

/** Real names, and the other name node 2 had in the transcript, to their roles. */
const NAMES: Record<string, string> = {
  'riak@127.0.0.1': '<node1>',
  'riak2@127.0.0.2': '<node2>',
  'riak@127.0.0.2': '<node2>',
  'riak2@127.0.0.1': '<node2>',
};

let transcript: TranscriptEntry[];
let extra: TranscriptEntry[];
let epmd: EpmdServer;
let work: string;
let n1: LocalNode;
let n2: LocalNode;

const riak = (n: LocalNode, ...args: string[]) =>
  exec(join(n.root, 'bin', 'riak'), args, n.env, n.root);
const riakAdmin = (n: LocalNode, ...args: string[]) =>
  exec(join(n.root, 'bin', 'riak-admin'), args, n.env, n.root);

const lines = (out: string) => (out === '' ? [] : out.replace(/\n$/, '').split('\n'));

/** A member-status row: status, ring, pending, node. */
const MEMBER_ROW = /^((?:valid|joining|leaving|exiting|down) +\S+% +(?:--|\S+%) +)(\S+@\S+)$/;

/**
 * What riak-local should print and exit with for a real entry: Riak's output, with riak-local's
 * deliberate differences (each explained where it is decided) applied.
 */
function expected(real: TranscriptEntry): { lines: string[]; rc: number | undefined } {
  let out = real.output;
  if (EXECUTOR_COMPAT.quoteMemberStatusNames) out = out.map((l) => l.replace(MEMBER_ROW, "$1'$2'"));
  const last = out.at(-1);
  let rc = real.rc;
  // admin.ts: riak-local exits 1 after `error` (Riak: 0), except for ringready.
  if ((last === 'error' || last === '{error,undefined}') && !/ringready/.test(real.command)) rc = 1;
  // format.ts EXECUTOR_COMPAT: a refused commit is an error, not Riak's `ok`.
  if (
    EXECUTOR_COMPAT.commitRefusalFails &&
    /cluster commit/.test(real.command) &&
    out[0] !== 'Cluster changes committed'
  ) {
    out = [...out.slice(0, -1), 'error'];
    rc = 1;
  }
  return { lines: out, rc };
}

/** Compares a riak-local run with a real entry, line by line after normalising values. */
function same(real: TranscriptEntry, got: Run, options: { rc?: boolean; repeats?: boolean } = {}) {
  const want = expected(real);
  const fix = (l: string[]) => {
    const n = normalise(l, NAMES);
    return options.repeats ? collapseRepeats(n) : n;
  };
  const where = `${real.line}: $ ${real.command}`;
  expect({ where, lines: fix(lines(got.out)) }).toEqual({ where, lines: fix(want.lines) });
  if (options.rc !== false) expect({ where, rc: got.code }).toEqual({ where, rc: want.rc });
}

const fromTranscript = (command: RegExp, o?: Parameters<typeof pick>[2]) =>
  pick(transcript, command, o);
const fromExtra = (command: RegExp, o?: Parameters<typeof pick>[2]) => pick(extra, command, o);

/** Riak's start hook warns about a low open-files limit; the real run had one. */
let lowNofile = false;

function withoutUlimitWarning(e: TranscriptEntry): TranscriptEntry {
  return lowNofile ? e : { ...e, output: e.output.filter((l) => !l.startsWith('!!!!')) };
}

async function makeNode(name: string, host: string, kvDelayMs: number, tarball: string) {
  const dir = join(work, name.split('@')[0]);
  mkdirSync(dir, { recursive: true });
  const untar = await exec('tar', ['-xzf', tarball, '-C', dir], {}, dir);
  if (untar.code !== 0) throw new Error(`tar: ${untar.out}`);
  const root = join(dir, 'root', 'riak');
  const [http, pb, handoff, dist] = await freePorts(4);
  writeFileSync(
    join(root, 'etc', 'riak.conf'),
    [
      `nodename = ${name}`,
      'distributed_cookie = golden',
      `listener.http.internal = ${host}:${http}`,
      `listener.protobuf.internal = ${host}:${pb}`,
      `handoff.port = ${handoff}`,
      `erlang.distribution.port_range.minimum = ${dist}`,
      'ring_size = 64',
      '',
    ].join('\n'),
  );
  const env = {
    ERL_EPMD_PORT: String(epmd.port),
    RIAK_LOCAL_KV_START_DELAY_MS: String(kvDelayMs),
  };
  return { name, host, root, http, env } satisfies LocalNode;
}

/** The pid `riak pid` reports, kept to make sure the node is gone at the end. */
async function rememberPid(n: LocalNode): Promise<void> {
  const r = await riak(n, 'pid');
  if (r.code === 0) n.pid = Number(r.out.trim());
}

const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

beforeAll(async () => {
  transcript = loadTranscript(TRANSCRIPT_PATH);
  extra = loadTranscript(EXTRA_PATH);
  const built = await exec(
    process.execPath,
    [join(REPO_ROOT, 'tools', 'riak-local', 'package.js')],
    {},
    REPO_ROOT,
  );
  if (built.code !== 0) throw new Error(`packaging failed: ${built.out}`);
  const tarball = join(REPO_ROOT, built.out.trim().split('\n').pop()!);
  const nofile = await exec('sh', ['-c', 'ulimit -n'], {}, REPO_ROOT);
  lowNofile = Number(nofile.out.trim()) < 65536;
  work = await tempDir('riak-local-golden');
  epmd = new EpmdServer({ port: 0 });
  await epmd.start();
  n1 = await makeNode('riak@127.0.0.1', '127.0.0.1', 1000, tarball);
  // Node 2's riak_kv comes up 20 s after ping, so that the window before it can be looked at
  // (8 s was too short on a loaded CI machine: six commands ran in the window, each a VM start).
  n2 = await makeNode('riak2@127.0.0.2', '127.0.0.2', 20000, tarball);
}, 120000);

afterAll(async () => {
  for (const n of [n1, n2]) {
    if (!n) continue;
    if (n.pid && alive(n.pid)) await riak(n, 'stop');
    if (n.pid && alive(n.pid)) {
      process.kill(n.pid, 'SIGKILL');
      await waitFor(() => !alive(n.pid!), { timeoutMs: 5000, what: `${n.name} to be gone` });
    }
  }
  await epmd?.stop();
  if (work) await rm(work, { recursive: true, force: true });
});

describe('riak-local prints what real Riak 3.2 prints', () => {
  it('reads the reference transcript', () => {
    expect(existsSync(TRANSCRIPT_PATH)).toBe(true);
    expect(readFileSync(TRANSCRIPT_PATH, 'utf8')).toContain('bin/riak admin member-status');
  });

  it('a node that is not running: ping, admin commands, stop, wait-for-service', async () => {
    const notRunning = { output: /is not responding to pings/, rc: 1 };
    same(fromTranscript(/riak2 && bin\/riak ping/, notRunning), await riak(n2, 'ping'));
    for (const args of [['member-status'], ['cluster', 'join', n1.name], ['cluster', 'plan']]) {
      const real = fromTranscript(
        new RegExp(`riak2 && bin/riak admin ${args.join(' ')}`),
        notRunning,
      );
      same(real, await riak(n2, 'admin', ...args));
    }
    same(fromExtra(/riak1 && bin\/riak stop/, { rc: 1 }), await riak(n1, 'stop'));
    same(
      fromExtra(/riak1 && bin\/riak admin services/, { rc: 1 }),
      await riak(n1, 'admin', 'services'),
    );
    // Riak's wait-for-service keeps asking while the node does not answer; stopped after two.
    const wait = await exec(
      join(n1.root, 'bin', 'riak'),
      ['admin', 'wait-for-service', 'riak_kv'],
      n1.env,
      n1.root,
      (out) => out.split('\n').length > 2,
    );
    same(fromExtra(/riak1 && bin\/riak admin wait-for-service/, { rc: 124 }), wait, {
      rc: false,
      repeats: true,
    });
  });

  it('riak chkconfig', async () => {
    const real = fromExtra(/bin\/riak chkconfig/);
    // Riak also prints the paths of the files cuttlefish generated; riak-local generates none.
    same({ ...real, output: real.output.slice(0, 1) }, await riak(n1, 'chkconfig'));
  });

  it('riak start: the deprecation notice; then ping, and start again refused', async () => {
    same(withoutUlimitWarning(fromTranscript(/riak1 && bin\/riak start/)), await riak(n1, 'start'));
    await rememberPid(n1);
    same(fromTranscript(/riak1 && bin\/riak ping/), await riak(n1, 'ping'));
    same(fromExtra(/riak1 && bin\/riak start/), await riak(n1, 'start'));
  });

  it('member-status and ringready of one node, through riak admin and riak-admin', async () => {
    same(
      fromTranscript(/riak1 && bin\/riak admin member-status/),
      await riak(n1, 'admin', 'member-status'),
    );
    same(
      fromTranscript(/riak1 && bin\/riak-admin member-status/),
      await riakAdmin(n1, 'member-status'),
    );
    same(
      fromTranscript(/riak1 && bin\/riak admin ringready/),
      await riak(n1, 'admin', 'ringready'),
    );
    same(
      fromExtra(/riak1 && bin\/riak admin cluster status/),
      await riak(n1, 'admin', 'cluster', 'status'),
    );
  });

  it('one node: transfers, plan, commit and clear with nothing staged, refusals', async () => {
    const admin = (...a: string[]) => riak(n1, 'admin', ...a);
    same(fromExtra(/riak1 && bin\/riak admin transfers/), await admin('transfers'));
    same(fromExtra(/riak1 && bin\/riak admin cluster plan/), await admin('cluster', 'plan'));
    same(fromExtra(/riak1 && bin\/riak admin cluster commit/), await admin('cluster', 'commit'));
    same(fromExtra(/riak1 && bin\/riak admin cluster clear/), await admin('cluster', 'clear'));
    same(fromExtra(/riak1 && bin\/riak admin cluster leave\)$/), await admin('cluster', 'leave'));
    same(fromExtra(/cluster join\)$/), await admin('cluster', 'join'));
    same(fromExtra(/cluster join nosuch/), await admin('cluster', 'join', 'nosuch@127.0.0.1'));
    same(
      fromExtra(/riak1 && bin\/riak admin cluster join riak@/),
      await admin('cluster', 'join', n1.name),
    );
    same(
      fromExtra(/cluster force-remove riak2/),
      await admin('cluster', 'force-remove', 'riak2@127.0.0.1'),
    );
    same(fromExtra(/bucket-type list/), await admin('bucket-type', 'list'));
    same(fromExtra(/bucket-type status nosuch/), await admin('bucket-type', 'status', 'nosuch'));
  });

  it('riak daemon; before riak_kv is up: pong, [] services, 500s, wait-for-service', async () => {
    same(withoutUlimitWarning(fromExtra(/riak2 && bin\/riak daemon/)), await riak(n2, 'daemon'));
    await rememberPid(n2);
    const url = (path: string) => `http://${n2.host}:${n2.http}${path}`;
    // The HTTP listener opens just after the node answers ping.
    await waitFor(async () => (await fetch(url('/ping')).catch(() => undefined))?.ok === true, {
      timeoutMs: 8000,
      what: 'node 2 to answer HTTP /ping',
    });
    const put = await fetch(url('/buckets/test/keys/k1'), {
      method: 'PUT',
      body: 'v',
      headers: { 'content-type': 'text/plain' },
    });
    const get = await fetch(url('/buckets/test/keys/k1'));
    // The transcript has each body followed by its status line (curl -w); trailing newlines of the
    // bodies cannot be told apart from curl's, so bodies are compared without them.
    const real = fromTranscript(/curl PUT\/GET on .*leveled/, { output: /all_nodes_down/ }).output;
    const cut = real.indexOf('500');
    const body = (l: string[]) => l.join('\n').replace(/\n+$/, '');
    expect({ status: put.status, body: body(lines(await put.text())) }).toEqual({
      status: 500,
      body: body(real.slice(0, cut)),
    });
    expect({ status: get.status, body: body(lines(await get.text())) }).toEqual({
      status: 500,
      body: body(real.slice(cut + 1, real.indexOf('500', cut + 1))),
    });
    same(fromTranscript(/riak2 && bin\/riak ping/, { output: /^pong$/ }), await riak(n2, 'ping'));
    same(
      fromExtra(/riak1 && bin\/riak admin services/, { rc: 0 }),
      await riak(n2, 'admin', 'services'),
    );
    same(
      fromTranscript(/bin\/riak admin wait-for-service riak_kv/),
      await riak(n2, 'admin', 'wait-for-service', 'riak_kv'),
      { repeats: true },
    );
  });

  it('join: staged, member-status on both nodes, plan, ringready, commit', async () => {
    const joined = await riak(n2, 'admin', 'cluster', 'join', n1.name);
    same(fromTranscript(/riak2 && bin\/riak admin cluster join/, { rc: 0 }), joined);
    same(
      fromExtra(/riak2 && bin\/riak admin cluster join/, { nth: 1 }),
      await riak(n2, 'admin', 'cluster', 'join', n1.name),
    );
    const joining = { output: /joining/ };
    same(
      fromTranscript(/riak2 && bin\/riak admin member-status/, joining),
      await riak(n2, 'admin', 'member-status'),
    );
    same(
      fromTranscript(/riak1 && bin\/riak admin member-status/, joining),
      await riak(n1, 'admin', 'member-status'),
    );
    same(
      fromExtra(/riak1 && bin\/riak admin cluster status/, joining),
      await riak(n1, 'admin', 'cluster', 'status'),
    );
    same(
      fromExtra(/riak1 && bin\/riak admin cluster commit/, { nth: 1 }),
      await riak(n1, 'admin', 'cluster', 'commit'),
    );
    same(
      fromTranscript(/riak1 && bin\/riak admin cluster plan/, { output: /join/ }),
      await riak(n1, 'admin', 'cluster', 'plan'),
    );
    same(
      fromTranscript(/riak1 && bin\/riak admin ringready/, { output: /riak2/ }),
      await riak(n1, 'admin', 'ringready'),
    );
    same(
      fromTranscript(/riak1 && bin\/riak admin cluster commit/),
      await riak(n1, 'admin', 'cluster', 'commit'),
    );
    same(
      fromTranscript(/riak1 && bin\/riak admin cluster plan/, { output: /^There are no/ }),
      await riak(n1, 'admin', 'cluster', 'plan'),
    );
  });

  it('once the join has settled: member-status, transfers, ring-status, cluster status', async () => {
    // Right after the commit the new member's transfer is pending (format.test.ts compares that
    // state); here it has finished.
    const settled = fromTranscript(/riak1 && bin\/riak admin member-status/, {
      output: /valid +50\.0% +--/,
    });
    await waitFor(
      async () => !/%\s+\d+\.\d%/.test((await riak(n1, 'admin', 'member-status')).out),
      {
        timeoutMs: 30000,
        what: 'the join transfer to finish',
      },
    );
    same(settled, await riak(n1, 'admin', 'member-status'));
    same(fromExtra(/riak1 && bin\/riak admin transfers/), await riak(n1, 'admin', 'transfers'));
    same(
      fromTranscript(/riak1 && bin\/riak admin ring-status/),
      await riak(n1, 'admin', 'ring-status'),
    );
    same(
      fromTranscript(/riak1 && bin\/riak admin cluster status/),
      await riak(n1, 'admin', 'cluster', 'status'),
    );
  });

  it('leave: staged, planned in two transitions, cleared', async () => {
    same(
      fromTranscript(/riak2 && bin\/riak admin cluster leave/),
      await riak(n2, 'admin', 'cluster', 'leave'),
    );
    same(
      fromTranscript(/riak1 && bin\/riak admin cluster plan/, { output: /leave/ }),
      await riak(n1, 'admin', 'cluster', 'plan'),
    );
    same(
      fromTranscript(/riak1 && bin\/riak admin cluster clear/),
      await riak(n1, 'admin', 'cluster', 'clear'),
    );
    same(
      fromTranscript(/riak1 && bin\/riak admin cluster plan/, { output: /^There are no/, nth: 1 }),
      await riak(n1, 'admin', 'cluster', 'plan'),
    );
  });

  it('a member down: stop, ping, member-status, ring-status, ringready, transfers, cluster status', async () => {
    const put = await fetch(`http://${n2.host}:${n2.http}/buckets/test/keys/k3`, {
      method: 'PUT',
      body: 'from node2',
      headers: { 'content-type': 'text/plain' },
    });
    expect(put.status).toBe(204);
    same(fromTranscript(/riak2 && bin\/riak stop/), await riak(n2, 'stop'));
    same(fromTranscript(/riak2 && bin\/riak ping/, { output: /riak2@/ }), await riak(n2, 'ping'));
    same(fromExtra(/riak2 && bin\/riak stop/, { rc: 1 }), await riak(n2, 'stop'));
    // As in the transcript, the member that is up still reads (and writes) with the other down.
    const read = await fetch(`http://${n1.host}:${n1.http}/buckets/test/keys/k3`);
    expect({ status: read.status, body: await read.text() }).toEqual({
      status: 200,
      body: 'from node2',
    });
    const write = await fetch(`http://${n1.host}:${n1.http}/buckets/test/keys/k4`, {
      method: 'PUT',
      body: 'while node2 is down',
      headers: { 'content-type': 'text/plain' },
    });
    expect(write.status).toBe(204);
    const down = { output: /riak2@127\.0\.0\.2'\]|down!/ };
    const stopped = fromTranscript(/riak2 && bin\/riak stop/);
    same(
      fromTranscript(/riak1 && bin\/riak admin member-status/, { after: stopped }),
      await riak(n1, 'admin', 'member-status'),
    );
    same(
      fromTranscript(/riak1 && bin\/riak admin ring-status/, down),
      await riak(n1, 'admin', 'ring-status'),
    );
    same(
      fromTranscript(/riak1 && bin\/riak admin ringready/, down),
      await riak(n1, 'admin', 'ringready'),
    );
    // The write above waits for node 2 (hinted handoff), as Riak's fallbacks do.
    same(
      fromTranscript(/riak1 && bin\/riak admin transfers/, down),
      await riak(n1, 'admin', 'transfers'),
    );
    same(
      fromTranscript(/riak1 && bin\/riak admin cluster status/, down),
      await riak(n1, 'admin', 'cluster', 'status'),
    );
  });

  it('riak stop, then ping', async () => {
    same(fromTranscript(/riak1 && bin\/riak stop/), await riak(n1, 'stop'));
    same(fromTranscript(/riak1 && bin\/riak ping/, { rc: 1 }), await riak(n1, 'ping'));
    expect(alive(n1.pid!)).toBe(false);
    expect(alive(n2.pid!)).toBe(false);
  });
});
