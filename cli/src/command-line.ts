// The command line: Node's own parser (util.parseArgs) with the messages a user should
// see, the errors that become an exit status (a usage error is 2), and how the command
// shows any error: a KVM error by its code and errno, anything else by its message. Never
// a stack trace (KVM_TOD_DEBUG=1 adds one, for us).
import * as util from 'util';

/** A mistake on the command line: one line on stderr and exit status 2. */
export class UsageError extends Error {
  override get name(): string {
    return 'UsageError';
  }
}

export interface OptionSpec {
  type: 'string' | 'boolean';
  short?: string;
}

export interface Parsed {
  values: Record<string, string | boolean | undefined>;
  positionals: string[];
}

/**
 * Parses `argv` against `options` with util.parseArgs: `--name value`, `--name=value`,
 * `-x`, `--flag`, and `--` to end the options. util.parseArgs's own checks are not strict
 * (`strict: false`) so that its tokens can be checked here, in order, in our words: an
 * unknown option, a missing value, or a value given to a flag is a UsageError naming
 * `command`.
 */
export function parseArgs(command: string, argv: string[], options: Record<string, OptionSpec>): Parsed {
  const { tokens } = util.parseArgs({ args: argv, options, strict: false, allowPositionals: true, tokens: true });
  const help = `see '${command} --help'`;
  const values: Parsed['values'] = {};
  const positionals: string[] = [];
  for (const token of tokens) {
    if (token.kind === 'positional') positionals.push(token.value);
    if (token.kind !== 'option') continue;
    const spec = Object.prototype.hasOwnProperty.call(options, token.name) ? options[token.name] : undefined;
    if (spec === undefined) throw new UsageError(`${command}: unknown option '${token.rawName}' (${help})`);
    const name = `--${token.name}`;
    if (spec.type === 'boolean') {
      if (token.value !== undefined) throw new UsageError(`${command}: option '${name}' takes no value (${help})`);
      values[token.name] = true;
      continue;
    }
    // util.parseArgs takes any next argument for the value; one that looks like an option
    // (`--pause --json`) means the value was forgotten. A negative number (`--pause -1s`) is
    // a value, for the caller to call negative.
    const value = token.value;
    const optionLike = value !== undefined && value.startsWith('-') && value !== '-' && !/^-\.?\d/.test(value);
    if (value === undefined || (!token.inlineValue && optionLike))
      throw new UsageError(`${command}: option '${name}' needs a value (${help})`);
    values[token.name] = value;
  }
  return { values, positionals };
}

/** A failure the command reports with an exit status of its own, not a crash. */
export class CliError extends Error {
  constructor(
    message: string,
    readonly exitCode: number,
  ) {
    super(message);
  }
}

interface SystemErrorLike {
  code?: unknown;
  errno?: unknown;
  message?: unknown;
}

/** The error's errno name and number, when it has them: `{ code: 'ENOENT', errno: -2 }`. */
export function errnoOf(error: unknown): { code: string; errno: number } | undefined {
  const e = error as SystemErrorLike | null;
  if (e && typeof e === 'object' && typeof e.code === 'string' && typeof e.errno === 'number') {
    return { code: e.code, errno: e.errno };
  }
  return undefined;
}

/** One line: KvmError messages already name the call, the code and the errno. */
export function describeError(error: unknown): string {
  if (error instanceof Error) {
    const sys = errnoOf(error);
    if (sys && !error.message.includes(sys.code)) return `${error.message} (${sys.code}, errno ${sys.errno})`;
    return error.message;
  }
  return String(error);
}

/** `ENOENT (errno -2)` or the message: the short form for a report cell. */
export function shortError(error: unknown): string {
  const sys = errnoOf(error);
  return sys ? `${sys.code} (errno ${sys.errno})` : describeError(error);
}
