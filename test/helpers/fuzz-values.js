// Shared pieces of the property-based fuzzing: arbitraries for "anything a
// caller could pass", hostile values (getters and Proxies that throw, objects without
// a prototype, values that change between reads), and the one judgement every fuzz
// property makes: is what a call threw one of the errors the API documents?
'use strict';
const fc = require('fast-check');

/** The caller's own error: thrown by our getters and Proxies, it must come back unchanged. */
class UserError extends Error {
  get name() {
    return 'UserError';
  }
}

const userThrow = (what) => () => {
  throw new UserError(`user code threw (${what})`);
};

/** A Proxy whose every trap throws the caller's error. */
function throwingProxy(target = {}) {
  const trap = userThrow('proxy trap');
  return new Proxy(target, {
    get: trap,
    set: trap,
    has: trap,
    ownKeys: trap,
    getPrototypeOf: trap,
    getOwnPropertyDescriptor: trap,
    defineProperty: trap,
    deleteProperty: trap,
    apply: trap,
    construct: trap,
    isExtensible: trap,
  });
}

function revokedProxy() {
  const { proxy, revoke } = Proxy.revocable({}, {});
  revoke();
  return proxy;
}

/** An object whose listed properties are getters that throw the caller's error. */
function throwingGetters(...keys) {
  const o = {};
  for (const k of keys) Object.defineProperty(o, k, { get: userThrow(`getter ${String(k)}`), enumerable: true });
  return o;
}

/** A Tod that is valid at the first read and out of range at every later one. */
function shiftyTod() {
  let reads = 0;
  return {
    get high() {
      return reads++ === 0 ? 7 : 4096;
    },
    get low() {
      return reads++ <= 1 ? 0x123456789n : -1n;
    },
  };
}

/**
 * Hostile values, made fresh for every use (a Proxy cannot be shrunk or reused, and a
 * shifty getter has state): the name says what it is, for readable counterexamples.
 */
const HOSTILE = {
  throwingProxy: () => throwingProxy(),
  throwingFunctionProxy: () => throwingProxy(function target() {}),
  revokedProxy,
  transparentProxyOfTod: () => new Proxy({ high: 1, low: 2n }, {}),
  transparentProxyOfBytes: () => new Proxy(new Uint8Array([0]), {}),
  throwingTodGetters: () => throwingGetters('high', 'low'),
  throwingLowGetter: () => Object.assign(throwingGetters('low'), { high: 0 }),
  throwingOptionGetters: () =>
    throwingGetters('realtime', 'format', 'warn', 'protectedGuest', 'name', 'policy', 'hostTod', 'multipleEpoch'),
  throwingToPrimitive: () => ({ [Symbol.toPrimitive]: userThrow('toPrimitive') }),
  throwingToStringValueOf: () => ({ toString: userThrow('toString'), valueOf: userThrow('valueOf') }),
  nullPrototype: () => Object.create(null),
  nullPrototypeTod: () => Object.assign(Object.create(null), { high: 3, low: 4n }),
  shiftyTod,
  functionWithTodFields: () => Object.assign(() => {}, { high: 0, low: 0n }),
  symbol: () => Symbol('fuzz'),
  hugeArray: () => new Array(1 << 20),
  hugeString: () => 'x'.repeat(1 << 20),
  invalidDate: () => new Date(NaN),
  detachedBytes: () => {
    const b = new Uint8Array(4);
    structuredClone(b.buffer, { transfer: [b.buffer] });
    return b;
  },
};

/**
 * A hostile value stands in the generated data as a token, and is made at call time by
 * `materialize` (a Proxy cannot be printed by a counterexample report, nor reused: a
 * shifty getter has state).
 */
class Hostile {
  constructor(name) {
    this.name = name;
  }

  toString() {
    return `<hostile ${this.name}>`;
  }
}

const hostile = fc.constantFrom(...Object.keys(HOSTILE)).map((name) => new Hostile(name));

/** The value a generated argument stands for: hostile tokens made, one level of fields too. */
function materialize(v) {
  if (v instanceof Hostile) return HOSTILE[v.name]();
  if (
    v !== null &&
    typeof v === 'object' &&
    Object.getPrototypeOf(v) === Object.prototype &&
    Object.values(v).some((x) => x instanceof Hostile)
  ) {
    const out = {};
    for (const [k, x] of Object.entries(v)) out[k] = x instanceof Hostile ? HOSTILE[x.name]() : x;
    return out;
  }
  return v;
}

/** Numbers where argument checks usually go wrong. */
const edgeNumber = fc.constantFrom(
  0,
  -0,
  1,
  -1,
  0.5,
  -0.5,
  255,
  256,
  2 ** 31 - 1,
  2 ** 31,
  2 ** 32 - 1,
  2 ** 32,
  2 ** 53,
  2 ** 53 + 2,
  -(2 ** 31),
  Number.MAX_SAFE_INTEGER,
  Number.MIN_SAFE_INTEGER,
  Number.MAX_VALUE,
  Number.MIN_VALUE,
  Number.EPSILON,
  NaN,
  Infinity,
  -Infinity,
);
/** Bigints around the 64-bit and 72-bit edges, and far beyond. */
const edgeBigInt = fc.constantFrom(
  0n,
  1n,
  -1n,
  255n,
  256n,
  (1n << 63n) - 1n,
  1n << 63n,
  (1n << 64n) - 1n,
  1n << 64n,
  (1n << 72n) - 1n,
  1n << 72n,
  -(1n << 64n),
  1n << 1000n,
  -(1n << 1000n),
);

/** Anything a JavaScript caller can pass. */
const anyValue = fc.oneof(
  {
    weight: 4,
    arbitrary: fc.anything({
      withBigInt: true,
      withNullPrototype: true,
      withObjectString: true,
      withBoxedValues: true,
      withMap: true,
      withSet: true,
      withDate: true,
      withTypedArray: true,
      withSparseArray: true,
      maxDepth: 2,
    }),
  },
  { weight: 2, arbitrary: fc.double() },
  { weight: 2, arbitrary: edgeNumber },
  { weight: 2, arbitrary: fc.bigInt() },
  { weight: 2, arbitrary: edgeBigInt },
  { weight: 2, arbitrary: hostile },
);

/** A Tod-shaped object with each field anything, often in range. */
const todLike = fc.oneof(
  fc.record({ high: fc.integer({ min: 0, max: 255 }), low: fc.bigInt({ min: 0n, max: (1n << 64n) - 1n }) }),
  fc.record({ high: fc.oneof(edgeNumber, anyValue), low: fc.oneof(edgeBigInt, anyValue) }, { requiredKeys: [] }),
  hostile,
  anyValue,
);

const TYPE_CODES = new Set(['ERR_INVALID_ARG_TYPE', 'ERR_INVALID_ARG_VALUE']);

/**
 * Why `error` is not one of the documented errors, or null when it is: a TypeError or
 * RangeError with Node's code, a KvmError, a TodSectionError, the caller's own error, or
 * (only where the caller's own revoked Proxy was touched) the engine's TypeError for it.
 * `extra` lists more accepted codes (e.g. deviceFor's ERR_KVM_TOD_UNSUPPORTED_ARCH).
 */
function undocumented(error, kvm, extra = []) {
  if (error instanceof UserError) return null;
  if (!(error instanceof Error)) return `threw a non-Error: ${safeString(error)}`;
  if (error instanceof kvm.KvmError) {
    if (!Number.isInteger(error.errno) || error.errno >= 0) return `KvmError with errno ${error.errno}`;
    if (typeof error.code !== 'string' || typeof error.syscall !== 'string') return 'KvmError without code or syscall';
    return null;
  }
  if (error instanceof kvm.TodSectionError)
    return error.code === 'ERR_KVM_TOD_BAD_SECTION' ? null : `TodSectionError code ${error.code}`;
  if (error instanceof TypeError && /proxy that has been revoked/.test(error.message)) return null;
  if (error instanceof TypeError && TYPE_CODES.has(error.code)) return null;
  if (error instanceof RangeError && error.code === 'ERR_OUT_OF_RANGE') return null;
  if (extra.includes(error.code)) return null;
  return `undocumented ${error.name} (code ${safeString(error.code)}): ${error.message}`;
}

function safeString(v) {
  try {
    return typeof v === 'bigint' ? `${v}n` : String(v);
  } catch {
    return Object.prototype.toString.call(v);
  }
}

/**
 * Runs `fn`; returns null when it returned or threw a documented error, else why not.
 * The result of a successful call is passed to `onResult` (for cleanup of descriptors).
 */
function judge(kvm, fn, { extra, onResult } = {}) {
  let result;
  try {
    result = fn();
  } catch (error) {
    return undocumented(error, kvm, extra);
  }
  if (onResult) onResult(result);
  return null;
}

module.exports = {
  UserError,
  HOSTILE,
  Hostile,
  hostile,
  materialize,
  anyValue,
  edgeNumber,
  edgeBigInt,
  todLike,
  throwingProxy,
  throwingGetters,
  shiftyTod,
  undocumented,
  judge,
  safeString,
};
