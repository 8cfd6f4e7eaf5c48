/**
 * The rule for a name that becomes one ZooKeeper path segment, with no dependency at all: the
 * framework contract checks names with it in every process and in the explorer's browser bundle
 * (`@riak-mesos/zk/name-rule`). `validateName` (names.ts) says what is wrong with a bad one.
 */
export const MAX_NAME_LENGTH = 100;
export const NAME_PATTERN = /^[A-Za-z0-9][A-Za-z0-9_.-]*$/;

/** A valid name: 1 to 100 letters, digits, `_`, `-` and `.`, starting with a letter or digit. */
export function isValidName(value: unknown): value is string {
  return (
    typeof value === 'string' &&
    value.length > 0 &&
    value.length <= MAX_NAME_LENGTH &&
    NAME_PATTERN.test(value)
  );
}
