// tokenctl's command line as a commander program built from the flag table (command-line.ts)
// and the commands (commands/index.ts): `--help` for the program and for each command, and
// a usage error for anything else it cannot parse.
import { CommanderError, Option, Command as Program } from "commander";
import type { Command } from "./command.js";
import { FLAGS, type FlagName, type Flags } from "./command-line.js";
import { COMMANDS } from "./commands/index.js";
import { UsageError } from "./usage.js";

const COMMON_FLAGS = (Object.keys(FLAGS) as FlagName[]).filter((name) => "common" in FLAGS[name]);

const AFTER_HELP = `
Run tokenctl COMMAND --help for a command's flags.
Exit codes: 0 ok, 1 usage, 2 server error (with WeChat's errcode when there is one).`;

function option(name: FlagName): Option {
  const spec: { value?: string; multiple?: boolean; description: string } = FLAGS[name];
  const option = new Option(
    spec.value === undefined ? `--${name}` : `--${name} <${spec.value}>`,
    spec.description,
  );
  return spec.multiple === true
    ? option.argParser((value: string, previous: string[] | undefined) => [
        ...(previous ?? []),
        value,
      ])
    : option;
}

/** The flags a command was given, by their names in the table. */
function givenFlags(program: Program, command: Program, names: readonly FlagName[]): Flags {
  const given: Record<string, unknown> = {};
  for (const [from, name] of [
    ...COMMON_FLAGS.map((name) => [program, name] as const),
    ...names.map((name) => [command, name] as const),
  ]) {
    const value = from.getOptionValue(option(name).attributeName());
    if (value !== undefined) {
      given[name] = value;
    }
  }
  return given as Flags;
}

/** A parsed command line: the command to run, or help that was printed. */
export type CommandLine =
  | { help: true }
  | { help: false; name: string; command: Command; flags: Flags };

interface Parser {
  program: Program;
  /** The command the parser was in when it failed, for its help. */
  failedIn: Program;
  chosen: CommandLine | undefined;
}

function parser(): Parser {
  const program = new Program("tokenctl")
    .description(
      "The wxtoken command-line client: credentials, signatures, messages, the apps' status (apps), third-party platforms.",
    )
    .usage("COMMAND [flags]")
    .exitOverride()
    .configureHelp({ showGlobalOptions: true, sortSubcommands: false })
    .addHelpText("after", AFTER_HELP);
  const state: Parser = { program, failedIn: program, chosen: undefined };
  const output = (command: Program) => ({
    writeOut: (text: string) => process.stdout.write(text),
    writeErr: (text: string) => process.stderr.write(text),
    outputError: () => {
      state.failedIn = command;
    },
  });
  program.configureOutput(output(program));
  for (const name of COMMON_FLAGS) {
    program.addOption(option(name));
  }
  for (const [name, command] of Object.entries(COMMANDS)) {
    const sub = program
      .command(name)
      .summary(command.summary)
      .description(command.summary)
      .allowExcessArguments()
      .action(() => {
        const [extra] = sub.args;
        if (extra !== undefined) {
          state.failedIn = sub;
          throw new UsageError(`unexpected argument '${extra}'`);
        }
        state.chosen = {
          help: false,
          name,
          command,
          flags: givenFlags(program, sub, command.flags),
        };
      });
    sub.configureOutput(output(sub));
    for (const flag of command.flags) {
      sub.addOption(option(flag));
    }
  }
  return state;
}

/** The message of commander's error as tokenctl says it. */
function usageMessage(error: CommanderError, failedIn: Program): string {
  if (error.code === "commander.help") {
    return "no command given";
  }
  const message = error.message.replace(/^error: /, "");
  const unknown = /^unknown option '(--[^'=]+)/.exec(message)?.[1];
  const takenElsewhere = unknown !== undefined && Object.hasOwn(FLAGS, unknown.slice(2));
  return takenElsewhere && failedIn.parent !== null
    ? `${failedIn.name()} does not take ${unknown}`
    : message;
}

/** The help of the program, or of one command. */
export function helpText(command?: string): string {
  const { program } = parser();
  const sub = program.commands.find((candidate) => candidate.name() === command);
  return (sub ?? program).helpInformation();
}

/**
 * Parses `argv` (the arguments after the executable); help asked for is printed. A command
 * line that cannot be run throws a UsageError carrying the help to show with it.
 */
export function parseCommandLine(argv: readonly string[]): CommandLine {
  const state = parser();
  try {
    state.program.parse(argv, { from: "user" });
  } catch (error) {
    if (error instanceof CommanderError) {
      if (error.exitCode === 0) {
        return { help: true };
      }
      throw new UsageError(usageMessage(error, state.failedIn), {
        help: state.failedIn.helpInformation(),
      });
    }
    if (error instanceof UsageError) {
      throw new UsageError(error.message, { help: state.failedIn.helpInformation() });
    }
    throw error;
  }
  if (state.chosen === undefined) {
    throw new UsageError("no command given", { help: state.program.helpInformation() });
  }
  return state.chosen;
}
