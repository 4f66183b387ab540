// SimulatedS390Tod behaves as the s390 kernel does: guest = host + epoch, the
// epoch index carrying and borrowing with facility 139, and the kernel's errors.
'use strict';
const assert = require('assert');
const { SimulatedS390Tod, KvmError, todToUnixNs, todDiffNs } = require('../..');

const MAX64 = (1n << 64n) - 1n;

function manualHost(start = { high: 0, low: 1000n }) {
  const host = { ...start };
  return { host, hostTod: () => ({ ...host }) };
}

describe('SimulatedS390Tod', () => {
  it('a new VM reads the host TOD (epoch 0)', () => {
    const { host, hostTod } = manualHost({ high: 2, low: 12345n });
    const dev = new SimulatedS390Tod({ hostTod });
    assert.deepStrictEqual(dev.read(), { high: 2, low: 12345n });
    host.low += 10n;
    assert.deepStrictEqual(dev.read(), { high: 2, low: 12355n });
  });

  it('after a write the guest runs on from the written value with the host', () => {
    const { host, hostTod } = manualHost();
    const dev = new SimulatedS390Tod({ hostTod });
    dev.write({ high: 0, low: 50n });
    host.low += 7n;
    assert.deepStrictEqual(dev.read(), { high: 0, low: 57n });
  });

  it('the epoch index carries when the guest clock wraps past 2^64', () => {
    const { host, hostTod } = manualHost({ high: 0, low: 100n });
    const dev = new SimulatedS390Tod({ hostTod });
    dev.write({ high: 3, low: MAX64 - 4n });
    host.low += 10n;
    assert.deepStrictEqual(dev.read(), { high: 4, low: 5n });
  });

  it('the epoch index borrows when the guest is set behind the host', () => {
    const { hostTod } = manualHost({ high: 1, low: 1000n });
    const dev = new SimulatedS390Tod({ hostTod });
    dev.write({ high: 1, low: 10n });
    assert.deepStrictEqual(dev.read(), { high: 1, low: 10n });
  });

  it('without facility 139 reads have epoch index 0 and a nonzero one is EINVAL', () => {
    const { hostTod } = manualHost({ high: 1, low: 5n });
    const dev = new SimulatedS390Tod({ hostTod, multipleEpoch: false });
    assert.strictEqual(dev.read().high, 0);
    assert.throws(
      () => dev.write({ high: 1, low: 0n }),
      (e) => {
        assert.ok(e instanceof KvmError);
        assert.strictEqual(e.code, 'EINVAL');
        assert.strictEqual(e.request, 'KVM_SET_DEVICE_ATTR');
        assert.strictEqual(e.attribute, 'KVM_S390_VM_TOD_EXT');
        return true;
      },
    );
    dev.write({ high: 0, low: 99n });
    assert.deepStrictEqual(dev.read(), { high: 0, low: 99n });
  });

  it('a protected guest answers EOPNOTSUPP to reads and writes', () => {
    const dev = new SimulatedS390Tod({ protectedGuest: true });
    assert.throws(() => dev.read(), { name: 'KvmError', code: 'EOPNOTSUPP', request: 'KVM_GET_DEVICE_ATTR' });
    assert.throws(() => dev.write({ high: 0, low: 0n }), { code: 'EOPNOTSUPP', request: 'KVM_SET_DEVICE_ATTR' });
  });

  it('rejects a malformed Tod before changing anything', () => {
    const { hostTod } = manualHost();
    const dev = new SimulatedS390Tod({ hostTod });
    dev.write({ high: 0, low: 500n });
    assert.throws(() => dev.write({ high: 0, low: -1n }), RangeError);
    assert.deepStrictEqual(dev.read(), { high: 0, low: 500n });
  });

  it('by default follows the real clock', async () => {
    const dev = new SimulatedS390Tod();
    const a = dev.read();
    const nowNs = BigInt(Date.now()) * 1_000_000n;
    assert.ok(Math.abs(Number(todToUnixNs(a) - nowNs)) < 1e9);
    await new Promise((r) => setTimeout(r, 50));
    const ms = Number(todDiffNs(dev.read(), a)) / 1e6;
    assert.ok(ms >= 45 && ms < 1000, `advanced ${ms} ms across 50 ms`);
  });
});
