// Argument errors in Node's own shape (ERR_INVALID_ARG_TYPE, ERR_INVALID_ARG_VALUE,
// ERR_OUT_OF_RANGE), and a description of any value that can never throw: an error
// message built with String(value) would itself throw for an object without a
// prototype or a hostile Proxy, and inside a state hook nothing may throw.
import { types } from 'util';

type CodedError<E extends Error> = E & { code: string };

function withCode<E extends Error>(error: E, code: string): CodedError<E> {
  (error as CodedError<E>).code = code;
  return error as CodedError<E>;
}

/** `TypeError` ERR_INVALID_ARG_TYPE: `${message}. Received ${describe(received)}`. */
export function invalidArgType(message: string, received: unknown): TypeError {
  return withCode(new TypeError(`${message}. Received ${describeValue(received)}`), 'ERR_INVALID_ARG_TYPE');
}

/** `TypeError` ERR_INVALID_ARG_VALUE: `${message}. Received ${describe(received)}`. */
export function invalidArgValue(message: string, received: unknown): TypeError {
  return withCode(new TypeError(`${message}. Received ${describeValue(received)}`), 'ERR_INVALID_ARG_VALUE');
}

/** `RangeError` ERR_OUT_OF_RANGE. */
export function outOfRange(message: string): RangeError {
  return withCode(new RangeError(message), 'ERR_OUT_OF_RANGE');
}

/**
 * Every option an options type has, each `true`: the list an options argument is checked
 * against. A type, so that an option added to the interface and not here fails to compile.
 */
export type OptionNames<T> = { readonly [K in keyof Required<T>]: true };

/**
 * An options argument: undefined is `{}`; anything but an object is ERR_INVALID_ARG_TYPE;
 * an own key that is not one of `known` is ERR_INVALID_ARG_VALUE, naming the option it is
 * nearest to. A misspelt option is never ignored: `{ vcpu: [fd] }` for `{ vcpus: [fd] }`
 * would otherwise turn a feature off without a word (docs/api.md, "Options").
 */
export function optionsObject<T extends object>(
  options: T | undefined | null,
  known: OptionNames<T>,
  name = 'options',
): Partial<T> {
  if (options === undefined) return {};
  if (options === null || typeof options !== 'object') {
    throw invalidArgType(`The "${name}" argument must be an object`, options);
  }
  const names = Object.keys(known);
  for (const key of Object.keys(options)) {
    if (names.includes(key)) continue;
    const nearest = nearestName(key, names);
    const hint = nearest === undefined ? '' : ` (did you mean "${nearest}"?)`;
    const shown = key.length > 40 ? `${key.slice(0, 40)}...` : key;
    const value: unknown = Object.getOwnPropertyDescriptor(options, key)?.value;
    throw invalidArgValue(
      `The "${name}.${shown}" property is not an option${hint}: the options are ${names.join(', ')}`,
      value,
    );
  }
  return options;
}

// The known name a misspelling most likely meant: at most two edits away (or differing
// only in case), else none.
function nearestName(key: string, names: readonly string[]): string | undefined {
  let best: string | undefined;
  let bestDistance = 3;
  for (const name of names) {
    const distance = name.toLowerCase() === key.toLowerCase() ? 0 : editDistance(key, name);
    if (distance < bestDistance) [best, bestDistance] = [name, distance];
  }
  return best;
}

function editDistance(a: string, b: string): number {
  let row = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const next = [i];
    for (let j = 1; j <= b.length; j++) {
      next[j] = Math.min(row[j] + 1, next[j - 1] + 1, row[j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1));
    }
    row = next;
  }
  return row[b.length];
}

/** A short, safe description of any value: never throws, never calls user code. */
export function describeValue(value: unknown): string {
  switch (typeof value) {
    case 'bigint':
      return `${value}n`;
    case 'number':
    case 'boolean':
      return `${value}`;
    case 'string':
      return JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}...` : value);
    case 'undefined':
      return 'undefined';
    case 'symbol':
      return 'a symbol';
    case 'function':
      return 'a function';
    default:
      if (value === null) return 'null';
      if (types.isProxy(value)) return 'a Proxy';
      return `an instance of ${constructorName(value as object)}`;
  }
}

/** What an error or a thrown value says, for a warning: never throws. */
export function describeThrown(thrown: unknown): string {
  if (types.isProxy(thrown)) return 'a Proxy';
  try {
    if (thrown instanceof Error && typeof thrown.message === 'string') return thrown.message;
  } catch {
    return 'an error whose message cannot be read';
  }
  return typeof thrown === 'string' ? thrown : describeValue(thrown);
}

function constructorName(value: object): string {
  // Read without invoking getters: a hostile object cannot run code here.
  let proto: object | null;
  try {
    proto = Object.getPrototypeOf(value) as object | null;
  } catch {
    return 'Object';
  }
  if (proto === null) return 'Object (null prototype)';
  const ctor: unknown = Object.getOwnPropertyDescriptor(proto, 'constructor')?.value;
  const name: unknown = typeof ctor === 'function' ? Object.getOwnPropertyDescriptor(ctor, 'name')?.value : undefined;
  return typeof name === 'string' && name !== '' ? name : 'Object';
}

const MAX_FD = 2 ** 31 - 1;

/**
 * A descriptor argument, checked as the addon checks one (same codes, same wording):
 * a number, else ERR_INVALID_ARG_TYPE; an integer in 0..2^31-1, else ERR_OUT_OF_RANGE.
 * For the places that keep a descriptor for later, so a bad one fails at once.
 */
export function assertFd(value: unknown, name: string): number {
  if (typeof value !== 'number') throw invalidArgType(`The "${name}" argument must be of type number`, value);
  if (!Number.isInteger(value) || value < 0 || value > MAX_FD) {
    const range = `an integer >= 0 && <= ${MAX_FD}`;
    throw outOfRange(`The value of "${name}" is out of range. It must be ${range}. Received ${describeValue(value)}`);
  }
  return value;
}

/** How Node's own argument errors show what they got: `type number (1.5)`, `type string`, `null`. */
function receivedType(value: unknown): string {
  switch (typeof value) {
    case 'number':
    case 'boolean':
      return `type ${typeof value} (${value})`;
    case 'bigint':
    case 'string':
    case 'symbol':
    case 'function':
      return `type ${typeof value}`;
    case 'undefined':
      return 'undefined';
    default:
      return value === null ? 'null' : 'an instance of Object';
  }
}

/**
 * The addon's argument errors, worded here (native/src/args.cc says which argument, what
 * it wants and what it got): `kind` 'type' is ERR_INVALID_ARG_TYPE, 'range'
 * ERR_OUT_OF_RANGE, 'value' ERR_INVALID_ARG_VALUE. Never throws.
 */
export function nativeArgError(kind: string, name: string, expected: string, received: unknown): Error {
  if (kind === 'range') {
    const shown =
      typeof received === 'bigint'
        ? `${received}n`
        : typeof received === 'number'
          ? `${received}`
          : receivedType(received);
    return outOfRange(`The value of "${name}" is out of range. It must be ${expected}. Received ${shown}`);
  }
  if (kind === 'value') return withCode(new TypeError(`The argument '${name}' ${expected}`), 'ERR_INVALID_ARG_VALUE');
  return withCode(
    new TypeError(`The "${name}" argument must be of type ${expected}. Received ${receivedType(received)}`),
    'ERR_INVALID_ARG_TYPE',
  );
}
