// What a user reaches on the package's classes at run time is what the shipped .d.ts
// declares and nothing else: TypeScript's `private` is only a compile-time word, so the
// state of a GuestClock or a device lives in #private fields, and what the library's own
// modules share is symbol-keyed (dist/internals, not exported from the package).
'use strict';
const assert = require('assert');
const fs = require('fs');
const path = require('path');
const ts = require('typescript');
const kvm = require('../..');
const internal = require('../../dist/internals');

const dist = path.join(__dirname, '..', '..', 'dist');

/** The member names a class declares in the shipped .d.ts: its documented API. */
function declaredMembers(dts, className) {
  const file = path.join(dist, dts);
  const source = ts.createSourceFile(file, fs.readFileSync(file, 'utf8'), ts.ScriptTarget.Latest);
  const decl = source.statements.find((s) => ts.isClassDeclaration(s) && s.name && s.name.text === className);
  assert.ok(decl, `no class ${className} in dist/${dts}`);
  const names = new Set();
  for (const member of decl.members) {
    if (ts.isConstructorDeclaration(member) || !member.name) continue;
    if (ts.isPrivateIdentifier(member.name)) continue; // `#private;`: unreachable by design
    assert.ok(
      !(ts.getCombinedModifierFlags(member) & ts.ModifierFlags.Private),
      `${className}.${member.name.getText(source)} is TypeScript-private: reachable at run time`,
    );
    names.add(member.name.getText(source));
  }
  return names;
}

/** The string-named keys a user reaches on an instance: its own and its class's prototype's. */
function reachableNames(instance) {
  const own = Object.getOwnPropertyNames(instance);
  const proto = Object.getOwnPropertyNames(Object.getPrototypeOf(instance)).filter((n) => n !== 'constructor');
  return new Set([...own, ...proto]);
}

/** Symbol keys on an instance and its prototype: only the library's internals may be there. */
function reachableSymbols(instance) {
  const keys = [...Reflect.ownKeys(instance), ...Reflect.ownKeys(Object.getPrototypeOf(instance))];
  return keys.filter((k) => typeof k === 'symbol');
}

const internalSymbols = new Set(Object.values(internal).filter((v) => typeof v === 'symbol'));

const cases = [
  {
    name: 'GuestClock',
    dts: 'guest-clock.d.ts',
    // new, held at a stop, running again, and a migration destination that holds a load
    instances: () => {
      const fresh = new kvm.GuestClock(new kvm.SimulatedS390Tod(), { warn: () => {} });
      const held = new kvm.GuestClock(new kvm.SimulatedS390Tod(), { policy: 'catch-up', vcpus: [3] });
      held.vmStateChanged(true);
      held.vmStateChanged(false);
      const resumed = new kvm.GuestClock(new kvm.SimulatedS390Tod());
      resumed.vmStateChanged(true);
      resumed.vmStateChanged(false);
      resumed.vmStateChanged(true);
      const loaded = new kvm.GuestClock(new kvm.SimulatedS390Tod());
      loaded.load(loaded.save());
      return [fresh, held, resumed, loaded];
    },
  },
  {
    name: 'SimulatedS390Tod',
    dts: 'devices/simulated-s390.d.ts',
    instances: () => {
      const written = new kvm.SimulatedS390Tod({ multipleEpoch: false });
      written.write(written.read());
      return [new kvm.SimulatedS390Tod(), written];
    },
  },
  {
    name: 'KvmClockDevice',
    dts: 'devices/kvmclock.d.ts',
    instances: () => {
      const withVcpus = new kvm.KvmClockDevice(2 ** 31 - 1);
      withVcpus.addVcpu(5);
      return [new kvm.KvmClockDevice(2 ** 31 - 1), withVcpus];
    },
  },
  { name: 'S390TodDevice', dts: 'devices/s390-tod.d.ts', instances: () => [new kvm.S390TodDevice(2 ** 31 - 1)] },
];

describe('what a user reaches on the classes at run time', () => {
  for (const { name, dts, instances } of cases) {
    it(`${name}: the string-named members are exactly the ones dist/${dts} declares`, () => {
      const declared = [...declaredMembers(dts, name)].filter((n) => !n.startsWith('['));
      for (const instance of instances()) {
        assert.ok(instance instanceof kvm[name]);
        assert.deepStrictEqual([...reachableNames(instance)].sort(), declared.sort());
      }
    });

    it(`${name}: any symbol-keyed member is one of the library's internals, never enumerable`, () => {
      for (const instance of instances()) {
        for (const key of reachableSymbols(instance)) {
          assert.ok(internalSymbols.has(key), `${name} has ${String(key)}`);
          assert.ok(!Object.prototype.propertyIsEnumerable.call(instance, key), `${String(key)} is enumerable`);
        }
        assert.deepStrictEqual(Object.getOwnPropertySymbols(instance), [], `${name}: symbols on the instance`);
      }
    });
  }

  it('the internals are not reachable through the package: no export names them', () => {
    const exported = new Set(Object.values(kvm));
    for (const symbol of internalSymbols) assert.ok(!exported.has(symbol), String(symbol));
    assert.throws(() => require.resolve('kvm-tod/dist/internals', { paths: [dist] }), {
      code: 'ERR_PACKAGE_PATH_NOT_EXPORTED',
    });
  });
});
