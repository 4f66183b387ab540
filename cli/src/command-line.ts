// The command line: a small parser with the messages a user should see, the errors that
// become an exit status (a usage error is 2), and how the command shows any error: a KVM
// error by its code and errno, anything else by its message. Never a stack trace
// (KVM_TOD_DEBUG=1 adds one, for us).

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
 * Parses `argv` against `options`: `--name value`, `--name=value`, `-x`, `--flag`,
 * and `--` to end the options. An unknown option, a missing value, or a value given
 * to a flag is a UsageError naming `command`.
 */
export function parseArgs(command: string, argv: string[], options: Record<string, OptionSpec>): Parsed {
  const values: Parsed['values'] = {};
  const positionals: string[] = [];
  const byShort = new Map(
    Object.entries(options)
      .filter(([, s]) => s.short)
      .map(([n, s]) => [s.short as string, n]),
  );
  const help = `see '${command} --help'`;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === '--') {
      positionals.push(...argv.slice(i + 1));
      break;
    }
    if (!arg.startsWith('-') || arg === '-') {
      positionals.push(arg);
      continue;
    }
    let name: string | undefined;
    let inline: string | undefined;
    if (arg.startsWith('--')) {
      const eq = arg.indexOf('=');
      name = eq === -1 ? arg.slice(2) : arg.slice(2, eq);
      inline = eq === -1 ? undefined : arg.slice(eq + 1);
      if (!Object.prototype.hasOwnProperty.call(options, name)) {
        throw new UsageError(`${command}: unknown option '--${name}' (${help})`);
      }
    } else {
      if (arg.length !== 2 || !byShort.has(arg[1]))
        throw new UsageError(`${command}: unknown option '${arg}' (${help})`);
      name = byShort.get(arg[1])!;
    }
    const spec = options[name];
    if (spec.type === 'boolean') {
      if (inline !== undefined) throw new UsageError(`${command}: option '--${name}' takes no value (${help})`);
      values[name] = true;
      continue;
    }
    let value = inline;
    if (value === undefined) {
      const next = argv[i + 1];
      if (next === undefined || (next.startsWith('-') && next !== '-')) {
        throw new UsageError(`${command}: option '--${name}' needs a value (${help})`);
      }
      value = next;
      i++;
    }
    values[name] = value;
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
