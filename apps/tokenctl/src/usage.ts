// The error for a command line tokenctl cannot run (exit code 1), shown above the help of
// the command it was for (program.ts builds that help from the flags).

export class UsageError extends Error {
  override name = "UsageError";
  /** The help to print below the message; the command's when it is known. */
  readonly help: string | undefined;

  constructor(message: string, options: { help?: string } = {}) {
    super(message);
    this.help = options.help;
  }
}
