// The command line: a small parser with the messages a user should see, and the
// error that becomes exit status 2.

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
      name = byShort.get(arg[1]) as string;
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
