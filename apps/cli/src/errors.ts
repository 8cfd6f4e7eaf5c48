/** An error the CLI reports as one line on stderr, exiting non-zero (default 1). */
export class CliError extends Error {
  constructor(
    message: string,
    readonly exitCode = 1,
  ) {
    super(message);
    this.name = 'CliError';
  }
}
