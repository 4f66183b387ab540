// Options that cannot be misspelt silently: an own key of an options object that is not one
// of the call's options is a TypeError ERR_INVALID_ARG_VALUE naming it (and the option it is
// nearest to), before anything is done. Every options object of the public API, found in
// the shipped typings (dist/index.d.ts), is covered here; each accepts every option its type
// declares.
'use strict';
const assert = require('assert');
const fs = require('fs');
const path = require('path');
const ts = require('typescript');
const kvm = require('../..');
const { CountingDevice } = require('@kvm-tod/testkit/counting-device');

const HOST_1970 = { high: 0, low: 0x7d91048bca000000n };

/** A TOD clock whose device counts its calls: what an options error must leave untouched. */
function todClock() {
  const device = new CountingDevice(HOST_1970);
  device.clockKind = 'tod';
  return { device, clock: new kvm.GuestClock(device, { warn: () => assert.fail('no warning expected') }) };
}

const guestClockOptions = () => ({
  warn: () => {},
  protectedGuest: false,
  name: 'vm0',
  policy: 'freeze',
  vcpus: [4],
  maxDowntimeNs: 1n,
});

// Each call of the public API that takes an options object: every option it has (valid
// values), a misspelling and the option it must suggest, and the call itself with `nothingDone`
// checking that a refused call did nothing.
const CALLS = {
  GuestClock: {
    every: guestClockOptions,
    typo: ['vcpu', 'vcpus'],
    call: (options) => {
      const device = new kvm.KvmClockDevice(3);
      const clock = new kvm.GuestClock(device, options);
      return { device, clock };
    },
  },
  createGuestClock: {
    every: guestClockOptions,
    typo: ['vcpu', 'vcpus'],
    call: (options) => kvm.createGuestClock(3, options),
  },
  createTodClock: {
    every: guestClockOptions,
    typo: ['polcy', 'policy'],
    call: (options) => kvm.createTodClock(3, options),
  },
  createKvmClock: {
    every: guestClockOptions,
    typo: ['maxDowntime', 'maxDowntimeNs'],
    call: (options) => kvm.createKvmClock(3, options),
  },
  SimulatedS390Tod: {
    every: () => ({ hostTod: () => HOST_1970, multipleEpoch: false, protectedGuest: false }),
    typo: ['hosttod', 'hostTod'],
    call: (options) => new kvm.SimulatedS390Tod(options),
  },
  saveTodSection: {
    every: () => ({ format: 'extended' }),
    typo: ['formats', 'format'],
    call: (options, state = todClock()) => kvm.saveTodSection(state.clock, options),
    nothingDone: (call) => {
      const state = todClock();
      state.clock.vmStateChanged(true);
      assert.throws(() => call(state));
      assert.strictEqual(state.device.reads, 0, 'the clock was read');
    },
  },
  saveClockSection: {
    every: () => ({ format: 'todclock' }),
    typo: ['Format', 'format'],
    call: (options, state = todClock()) => kvm.saveClockSection(state.clock, options),
    nothingDone: (call) => {
      const state = todClock();
      state.clock.vmStateChanged(true);
      assert.throws(() => call(state));
      assert.strictEqual(state.device.reads, 0, 'the clock was read');
    },
  },
  setKvmClock: {
    every: () => ({ realtime: 0n }),
    typo: ['realTime', 'realtime'],
    // A descriptor that is not a VM: a call that reaches the kernel fails with ENOTTY.
    call: (options) => withDevNull((fd) => kvm.setKvmClock(fd, 1n, options)),
    accepted: (call, options) => assert.throws(() => call(options), { name: 'KvmError', code: 'ENOTTY' }),
  },
};

function withDevNull(fn) {
  const fd = fs.openSync('/dev/null', 'r');
  try {
    return fn(fd);
  } finally {
    fs.closeSync(fd);
  }
}

/** Whether `error` is the unknown-option error for `key`. */
function unknownOption(key, suggestion) {
  return (error) => {
    assert.ok(error instanceof TypeError, `${error && error.name}: ${error && error.message}`);
    assert.strictEqual(error.code, 'ERR_INVALID_ARG_VALUE');
    assert.ok(error.message.startsWith(`The "options.${key}" property is not an option`), error.message);
    if (suggestion !== undefined) assert.match(error.message, new RegExp(`did you mean "${suggestion}"\\?`));
    return true;
  };
}

/** The options each export of the package's typings takes: { 'createGuestClock': ['name', ...] }. */
function declaredOptions() {
  const index = path.join(__dirname, '..', '..', 'dist', 'index.d.ts');
  // Only the package's own declarations: no lib, no @types (quick, also under qemu-user)
  const program = ts.createProgram([index], { noEmit: true, noLib: true, types: [], skipLibCheck: true });
  const checker = program.getTypeChecker();
  const module = checker.getSymbolAtLocation(program.getSourceFile(index));
  const found = {};
  for (const exported of checker.getExportsOfModule(module)) {
    const symbol = exported.flags & ts.SymbolFlags.Alias ? checker.getAliasedSymbol(exported) : exported;
    const declaration = symbol.valueDeclaration;
    if (!declaration) continue; // a type
    const type = checker.getTypeOfSymbolAtLocation(symbol, declaration);
    const signatures = [
      ...type.getCallSignatures(),
      ...type.getConstructSignatures(),
      // the methods of an exported class: none takes options today, and one that did would show here
      ...(symbol.flags & ts.SymbolFlags.Class
        ? checker
            .getPropertiesOfType(checker.getDeclaredTypeOfSymbol(symbol))
            .flatMap((p) => checker.getTypeOfSymbolAtLocation(p, declaration).getCallSignatures())
        : []),
    ];
    for (const signature of signatures) {
      for (const parameter of signature.getParameters()) {
        const parameterType = checker.getNonNullableType(checker.getTypeOfSymbolAtLocation(parameter, declaration));
        const typeName = checker.typeToString(parameterType);
        if (parameter.getName() !== 'options' && !/Options$/.test(typeName)) continue;
        found[exported.getName()] = checker
          .getPropertiesOfType(parameterType)
          .map((p) => p.getName())
          .sort();
      }
    }
  }
  return found;
}

describe('options cannot be misspelt silently', () => {
  it('every options object of the public API (dist/index.d.ts) is covered here, with every option it declares', () => {
    const declared = declaredOptions();
    assert.deepStrictEqual(Object.keys(declared).sort(), Object.keys(CALLS).sort());
    for (const [name, { every }] of Object.entries(CALLS)) {
      assert.deepStrictEqual(Object.keys(every()).sort(), declared[name], `${name}: the options the test passes`);
    }
  });

  for (const [name, { every, typo, call, nothingDone, accepted }] of Object.entries(CALLS)) {
    describe(name, () => {
      it('takes every option its type declares', () => {
        if (accepted) accepted(call, every());
        else call(every());
        // undefined and {} stay the defaults
        if (accepted) accepted(call, {});
        else call({});
      });

      it(`a misspelt option ("${typo[0]}") is a TypeError ERR_INVALID_ARG_VALUE that suggests "${typo[1]}"`, () => {
        const options = { ...every(), [typo[0]]: every()[typo[1]] };
        delete options[typo[1]];
        assert.throws(() => call(options), unknownOption(typo[0], typo[1]));
        if (nothingDone) nothingDone((state) => call(options, state));
      });

      it('an option that is nothing like one is refused too, even with the value undefined', () => {
        for (const key of ['zzz', 'toString', 'constructor']) {
          assert.throws(() => call({ [key]: undefined }), unknownOption(key));
        }
        assert.throws(() => call(JSON.parse('{"__proto__": 1}')), unknownOption('__proto__'));
      });

      it("only the object's own string keys count: inherited keys and symbols are not read", () => {
        const inherited = Object.create({ vcpu: [4], formt: 'x', zzz: 1 });
        const withSymbol = { [Symbol('tag')]: true };
        for (const options of [inherited, withSymbol]) {
          if (accepted) accepted(call, options);
          else call(options);
        }
      });
    });
  }

  it("the issue's typo: createGuestClock(vmFd, { vcpu: [fd] }) throws; the pause notice is not quietly off", () => {
    if (!['x64', 's390x'].includes(process.arch)) return; // createGuestClock itself refuses other architectures
    assert.throws(() => kvm.createGuestClock(3, { vcpu: [4] }), {
      name: 'TypeError',
      code: 'ERR_INVALID_ARG_VALUE',
      message:
        'The "options.vcpu" property is not an option (did you mean "vcpus"?): the options are warn, ' +
        'protectedGuest, name, policy, vcpus, maxDowntimeNs. Received an instance of Array',
    });
    assert.deepStrictEqual(kvm.createKvmClock(3, { vcpus: [4] }).device.vcpus, [4]);
  });

  it('a refused GuestClock registers no vCPU with its device', () => {
    const device = new kvm.KvmClockDevice(3);
    assert.throws(() => new kvm.GuestClock(device, { vcpus: [4], vcpu: [5] }), { code: 'ERR_INVALID_ARG_VALUE' });
    assert.deepStrictEqual(device.vcpus, []);
  });

  it('a hostile options object: its own error comes back, no other', () => {
    class Mine extends Error {}
    const proxy = new Proxy(
      {},
      {
        ownKeys() {
          throw new Mine('ownKeys');
        },
      },
    );
    assert.throws(() => kvm.createKvmClock(3, proxy), Mine);
  });
});
