// How the command shows an error: a KVM error by its code and errno, anything else
// by its message. Never a stack trace (KVM_TOD_DEBUG=1 adds one, for us).

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
