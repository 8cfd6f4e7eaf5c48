import Table from 'cli-table3';
import ora from 'ora';
import type { z } from 'zod';
import { isAlive } from '@riak-mesos/process';
import { parseAnswer } from './answers';
import type { CliConfig, GlobalOptions } from './config';
import { loadCliConfig } from './config';
import { CliError } from './errors';
import { HttpClient } from './http';
import { distDir, workDirOf } from './local/artifacts';
import { readState } from './local/stack';
import type { FrameworkZkCredentials, ZkCredential } from '@riak-mesos/framework-contract';
import { readFrameworkToken, readZkAuthFile, schedulerZkAuth } from './framework-token';
import { Marathon } from './marathon';

/** What every command gets: configuration, the scheduler API client, and output helpers. */
export class Context {
  readonly config: CliConfig;
  private schedulerClient: HttpClient | undefined;

  constructor(
    opts: GlobalOptions,
    private readonly out: NodeJS.WritableStream = process.stdout,
    private readonly err: NodeJS.WritableStream = process.stderr,
    private readonly env: NodeJS.ProcessEnv = process.env,
  ) {
    this.config = loadCliConfig(opts, env);
  }

  /**
   * The scheduler API: from --url / RIAK_MESOS_URL / config, else found through Marathon, else
   * the one of the local system (`riak-mesos local up`) when it is running.
   */
  async scheduler(): Promise<HttpClient> {
    if (this.schedulerClient) return this.schedulerClient;
    let url = this.config.schedulerUrl;
    if (!url && !this.config.marathonUrl) url = this.localScheduler();
    const local = url !== undefined && url === this.localScheduler();
    if (!url) {
      if (!this.config.marathonUrl)
        throw new CliError(
          'where is the scheduler? give --url http://host:port, set RIAK_MESOS_URL, set riak.marathon in the config file, or start the local system with `riak-mesos local up`',
        );
      const tasks = await new Marathon(this.config).tasks(`/${this.config.frameworkName}`);
      const task = tasks?.find((t) => t.ports.length > 0);
      if (!task)
        throw new CliError(
          `framework '${this.config.frameworkName}' has no running scheduler in Marathon; run 'riak-mesos framework install' first`,
        );
      // Installed with riak.tls-cert: the scheduler serves https (framework install sets it).
      const scheme = this.config.file.riak['tls-cert'] ? 'https' : 'http';
      url = `${scheme}://${task.host}:${task.ports[0]}`;
    }
    const token = this.config.apiToken ?? (local ? this.localToken() : await this.zkToken());
    // X-Requested-With: a scheduler without authentication takes changes only with it (CSRF).
    const headers: Record<string, string> = {
      'x-requested-with': 'riak-mesos-cli',
      ...(token ? { authorization: `Bearer ${token}` } : {}),
    };
    this.schedulerClient = new HttpClient(url, 'scheduler', headers, 15000, this.config.ca);
    return this.schedulerClient;
  }

  /** ZooKeeper of the framework, when known: RIAK_MESOS_ZK, riak.zk, or the local system's. */
  zkConnect(): string | undefined {
    return this.env.RIAK_MESOS_ZK ?? this.config.file.riak.zk ?? this.localState()?.zookeeper;
  }

  /**
   * The scheduler's ZooKeeper credential (ZooKeeper ACLs, docs/security.md): from the file
   * `file` or RIAK_MESOS_ZK_AUTH_FILE names, else the running local system's.
   */
  zkAuth(file?: string): ZkCredential | undefined {
    const named = file ?? this.env.RIAK_MESOS_ZK_AUTH_FILE;
    if (named) return schedulerZkAuth(readZkAuthFile(named));
    const local = this.localState()?.zkAuth;
    return local ? schedulerZkAuth(local) : undefined;
  }

  /** The token the scheduler keeps in ZooKeeper, when ZooKeeper is known and has one. */
  private async zkToken(): Promise<string | undefined> {
    const zk = this.env.RIAK_MESOS_ZK ?? this.config.file.riak.zk;
    if (!zk) return undefined;
    // Unreadable: the request goes without, and the scheduler's 401 says what to do.
    try {
      return await readFrameworkToken(zk, this.config.frameworkName, 5000, this.zkAuth());
    } catch {
      return undefined;
    }
  }

  /** The local system's scheduler token (`local up` keeps it in its state file). */
  private localToken(): string | undefined {
    return this.localState()?.token;
  }

  /** The running local system's endpoints and token. */
  private localState():
    { zookeeper: string; token?: string; zkAuth?: FrameworkZkCredentials } | undefined {
    const state = readState(workDirOf(undefined, distDir(undefined), this.env));
    if (!state?.ready || !state.endpoints || !isAlive(state.pid)) return undefined;
    return {
      zookeeper: state.endpoints.zookeeper,
      token: state.tokens?.scheduler,
      ...(state.zkAuth ? { zkAuth: state.zkAuth } : {}),
    };
  }

  /** The local system's scheduler, if `local up` runs and has come up. */
  private localScheduler(): string | undefined {
    const state = readState(workDirOf(undefined, distDir(undefined), this.env));
    if (!state?.ready || !state.endpoints || !isAlive(state.pid)) return undefined;
    return state.endpoints.scheduler;
  }

  /** A scheduler API request; the answer's body is unchecked (see `call` for checked answers). */
  api = async (
    method: string,
    path: string,
    body?: unknown,
    options?: { accept404?: boolean; text?: boolean },
  ) => (await this.scheduler()).request(method, `/api/v1${path}`, body, options);

  /** A scheduler API request whose answer is parsed with its contract schema. */
  call = async <S extends z.ZodType>(
    schema: S,
    method: string,
    path: string,
    body?: unknown,
  ): Promise<z.output<S>> =>
    parseAnswer(schema, (await this.api(method, path, body)).body, `${method} /api/v1${path}`);

  print(line = ''): void {
    this.out.write(`${line}\n`);
  }

  /** `--json` prints the value; otherwise `human` prints it for people. */
  result(value: unknown, human: () => void): void {
    if (this.config.json) this.print(JSON.stringify(value, null, 2));
    else human();
  }

  table(head: string[], rows: (string | number | boolean | null | undefined)[][]): void {
    const t = new Table({ head, style: { head: [], border: [] } });
    for (const r of rows) t.push(r.map((c) => (c === null || c === undefined ? '-' : String(c))));
    this.print(t.toString());
  }

  /**
   * Polls `check` until it returns a value, with a spinner on a terminal (or progress lines
   * otherwise), failing after the configured timeout.
   */
  async wait<T>(
    what: string,
    check: () => Promise<T | undefined | false>,
    progress?: () => string,
  ): Promise<T> {
    const tty = Boolean((this.err as NodeJS.WriteStream).isTTY) && !this.config.json;
    const spinner = tty ? ora({ text: what, stream: this.err }).start() : undefined;
    const deadline = Date.now() + this.config.timeoutMs;
    let last = '';
    try {
      for (;;) {
        const value = await check();
        if (value !== undefined && value !== false) {
          spinner?.succeed(what);
          return value;
        }
        const note = progress?.() ?? '';
        if (spinner) spinner.text = note ? `${what} (${note})` : what;
        else if (note !== last && !this.config.json) this.err.write(`${what}: ${note}\n`);
        last = note;
        if (Date.now() > deadline)
          throw new CliError(
            `timed out after ${this.config.timeoutMs / 1000} s: ${what}${note ? ` (${note})` : ''}`,
          );
        await new Promise((r) => setTimeout(r, 1000));
      }
    } catch (err) {
      spinner?.fail(what);
      throw err;
    }
  }
}
