import { execFile } from 'node:child_process';
import { chmod, copyFile, mkdir } from 'node:fs/promises';
import { createWriteStream } from 'node:fs';
import { get as httpGet } from 'node:http';
import { get as httpsGet } from 'node:https';
import { basename, join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { promisify } from 'node:util';
import type { CommandInfoURI } from '@riak-mesos/mesos';

const run = promisify(execFile);

export class FetchError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'FetchError';
  }
}

function download(url: string, target: string, redirects = 5): Promise<void> {
  return new Promise((resolve, reject) => {
    const get = url.startsWith('https:') ? httpsGet : httpGet;
    const req = get(url, (res) => {
      if (
        res.statusCode &&
        res.statusCode >= 300 &&
        res.statusCode < 400 &&
        res.headers.location &&
        redirects > 0
      ) {
        res.resume();
        download(new URL(res.headers.location, url).toString(), target, redirects - 1).then(
          resolve,
          reject,
        );
        return;
      }
      if (res.statusCode !== 200) {
        res.resume();
        reject(new FetchError(`fetching ${url}: HTTP ${res.statusCode}`));
        return;
      }
      pipeline(res, createWriteStream(target)).then(resolve, reject);
    });
    req.setTimeout(60000, () => req.destroy(new FetchError(`fetching ${url}: timed out`)));
    req.on('error', (err) => reject(new FetchError(`fetching ${url}: ${err.message}`)));
  });
}

const ARCHIVE = /\.(tar\.gz|tgz|tar\.bz2|tar\.xz|tar|zip)$/;

/**
 * The Mesos fetcher: puts each CommandInfo URI in the sandbox (http, https, file:// or an absolute
 * path), extracts archives unless `extract` is false, sets the executable bit when asked.
 */
export async function fetchUris(uris: CommandInfoURI[], sandbox: string): Promise<void> {
  await mkdir(sandbox, { recursive: true });
  for (const uri of uris) {
    const value = uri.value;
    const name = uri.output_file ?? basename(new URL(value, 'file:///').pathname);
    if (!name || name.includes('..'))
      throw new FetchError(`cannot name the local copy of ${value}`);
    const target = join(sandbox, name);
    if (/^https?:\/\//.test(value)) await download(value, target);
    else if (value.startsWith('file://') || value.startsWith('/')) {
      const path = value.startsWith('file://')
        ? decodeURIComponent(new URL(value).pathname)
        : value;
      await copyFile(path, target).catch((err: Error) => {
        throw new FetchError(`fetching ${value}: ${err.message}`);
      });
    } else
      throw new FetchError(
        `unsupported URI ${value} (use http, https, file:// or an absolute path)`,
      );
    if (uri.executable) await chmod(target, 0o755);
    else if ((uri.extract ?? true) && ARCHIVE.test(name)) {
      try {
        if (name.endsWith('.zip')) await run('unzip', ['-q', '-o', target, '-d', sandbox]);
        else await run('tar', ['-xf', target, '-C', sandbox]);
      } catch (err) {
        throw new FetchError(`extracting ${name}: ${(err as Error).message.split('\n')[0]}`);
      }
    }
  }
}
