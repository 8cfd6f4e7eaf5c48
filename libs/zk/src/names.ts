import { InvalidNameError } from './errors';
import { MAX_NAME_LENGTH, NAME_PATTERN as NAME, isValidName } from './name-rule';

export { MAX_NAME_LENGTH, isValidName };

/**
 * Checks a name that becomes one ZooKeeper path segment (and often a file or Erlang node name):
 * 1 to 100 characters, letters, digits, `_`, `-` and `.`, starting with a letter or digit (so never
 * `.` or `..`), no `/`, no white space or control characters. Returns the name, or throws
 * InvalidNameError saying what is wrong.
 */
export function validateName(kind: string, value: unknown): string {
  if (typeof value !== 'string') throw new InvalidNameError(`${kind} name must be a string`);
  if (value.length === 0) throw new InvalidNameError(`${kind} name must not be empty`);
  if (value.length > MAX_NAME_LENGTH) {
    throw new InvalidNameError(
      `${kind} name is ${value.length} characters long; at most ${MAX_NAME_LENGTH} are allowed`,
    );
  }
  if (!NAME.test(value)) {
    const bad = [...value].find((c, i) =>
      i === 0 ? !/[A-Za-z0-9]/.test(c) : !/[A-Za-z0-9_.-]/.test(c),
    );
    const shown =
      bad === undefined
        ? ''
        : /[\x20-\x7e]/.test(bad)
          ? `'${bad}'`
          : `U+${bad.codePointAt(0)!.toString(16).toUpperCase().padStart(4, '0')}`;
    throw new InvalidNameError(
      `${kind} name '${printable(value)}' is invalid: use letters, digits, '_', '-' and '.', starting with a letter or digit (found ${shown})`,
    );
  }
  return value;
}

function printable(s: string): string {
  return s
    .replace(/[^\x20-\x7e]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`)
    .slice(0, 120);
}

/** Checks an absolute ZooKeeper path: `/` or `/a/b` with no empty, `.` or `..` segments. */
export function validatePath(path: string): string {
  if (path === '/') return path;
  if (!path.startsWith('/') || path.endsWith('/')) {
    throw new InvalidNameError(
      `ZooKeeper path '${printable(path)}' must start with '/' and not end with '/'`,
    );
  }
  for (const segment of path.slice(1).split('/')) {
    if (segment === '' || segment === '.' || segment === '..' || /[\x00-\x1f\x7f]/.test(segment)) {
      throw new InvalidNameError(
        `ZooKeeper path '${printable(path)}' has an invalid segment '${printable(segment)}'`,
      );
    }
  }
  return path;
}

export function joinPath(...parts: string[]): string {
  const joined = parts.join('/').replace(/\/+/g, '/');
  return joined.length > 1 && joined.endsWith('/') ? joined.slice(0, -1) : joined;
}
