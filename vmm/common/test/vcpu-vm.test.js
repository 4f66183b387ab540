// The stop/cont handshake both Linux-guest VMMs run on (src/vcpu-vm.ts, src/vcpu-thread.ts),
// without KVM: a VM whose vCPU thread is runVcpuThread over a fake guest
// (fixtures/fake-vcpu.js). What a VMM relies on: the state hook hears false only once the
// vCPU is out of the guest and parked, and true before it enters again; device state crosses
// only while stopped; the guest's lines, notes and end reach the main thread; close ends the
// thread and releases the VM. The same code runs real guests in the boxes (test:kvm,
// test:s390-kernel).
'use strict';
const assert = require('assert');
const path = require('path');
const { VcpuVm, State, STATE, STOP_TIMEOUT_MS } = require('..');

// The words the test shares with the fake guest: immediate_exit, whether it is inside
// enter(), how many times it entered.
const FAKE = { IMMEDIATE_EXIT: 0, IN_GUEST: 1, ENTRIES: 2 };

class FakeVm extends VcpuVm {
  constructor({ stateHook, haltAfter, stayMs } = {}) {
    super(stateHook, 120_000); // a worker's start under qemu-user (test:s390x) takes seconds
    this.fake = new Int32Array(new SharedArrayBuffer(12));
    this.kicks = [];
    this.released = false;
    this.startThread(path.join(__dirname, 'fixtures', 'fake-vcpu.js'), {
      kvmFd: -1,
      vmFd: -1,
      vcpuFd: -1,
      fake: this.fake.buffer,
      haltAfter,
      stayMs,
    });
  }
  kick(tid) {
    this.kicks.push(tid);
    Atomics.store(this.fake, FAKE.IMMEDIATE_EXIT, 1);
    Atomics.notify(this.fake, FAKE.IMMEDIATE_EXIT);
  }
  closeDescriptors() {
    this.released = true;
  }
  giveUp(error) {
    this.abort(error);
  }
  inGuest() {
    return Atomics.load(this.fake, FAKE.IN_GUEST) === 1;
  }
  entries() {
    return Atomics.load(this.fake, FAKE.ENTRIES);
  }
  workerState() {
    return Atomics.load(this.control, STATE);
  }
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
async function until(what, ok, timeoutMs = 60_000) {
  const deadline = Date.now() + timeoutMs;
  while (!ok()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(5);
  }
}

describe('vmm-common: the stop/cont handshake (a fake vCPU, no KVM)', function () {
  this.timeout(240_000);
  const vms = [];
  const make = (options) => {
    const vm = new FakeVm(options);
    vms.push(vm);
    return vm;
  };
  afterEach(async () => {
    for (const vm of vms.splice(0)) await vm.close();
  });

  it('stop: the hook hears false once the vCPU is out of the guest and parked; cont: true before it runs', async () => {
    const heard = [];
    // A guest that leaves its KVM_RUN only when kicked: stop() must kick it out.
    const vm = make({
      stayMs: 600_000,
      stateHook: (running) =>
        heard.push({ running, inGuest: vm.inGuest(), state: vm.workerState(), entries: vm.entries() }),
    });
    await vm.start();
    await until('the vCPU in the guest', () => vm.inGuest());
    vm.stop();
    assert.ok(vm.kicks.length > 0, 'kicked out of the guest');
    assert.ok(
      vm.kicks.every((tid) => tid === 1234),
      `kicked by the thread id it gave: ${vm.kicks}`,
    );
    const stoppedAt = vm.entries();
    await sleep(30);
    assert.strictEqual(vm.entries(), stoppedAt, 'a stopped vCPU does not enter the guest');
    vm.cont();
    await until('the vCPU back in the guest', () => vm.entries() > stoppedAt);
    assert.deepStrictEqual(
      heard.map((h) => h.running),
      [true, false, true],
    );
    const [start, stop, cont] = heard;
    assert.strictEqual(start.entries, 0, 'start: the hook before the first entry');
    assert.strictEqual(stop.inGuest, false);
    assert.strictEqual(stop.state, State.Stopped);
    assert.strictEqual(cont.state, State.Stopped, 'cont: the hook while the vCPU is still parked');
    assert.strictEqual(cont.entries, stoppedAt);
  });

  it('stop(false) stops without telling the hook (a VMM reading where a silent guest is)', async () => {
    const heard = [];
    const vm = make({ stateHook: (running) => heard.push(running) });
    await vm.start();
    vm.stop(false);
    assert.strictEqual(vm.workerState(), State.Stopped);
    assert.deepStrictEqual(heard, [true]);
  });

  it("the devices' state crosses only while stopped, and a second VM goes on from it", async () => {
    const source = make();
    await source.start();
    await source.waitForLine(/^tick/, 10_000);
    assert.throws(() => source.saveDevices(), /saveDevices: the vCPU is not stopped/);
    assert.throws(() => source.loadDevices(Buffer.from('{}')), /loadDevices: the vCPU is not stopped/);
    source.stop();
    const bytes = source.saveDevices();
    const saved = JSON.parse(bytes.toString());
    assert.ok(saved.counter >= 5, bytes.toString());

    const destination = make(); // a fresh VM is stopped: a migration's destination
    destination.loadDevices(bytes);
    assert.deepStrictEqual(JSON.parse(destination.saveDevices().toString()), saved);
    await destination.start();
    const next = await destination.waitForLine(/^tick/, 10_000);
    assert.ok(Number(next.text.split(' ')[1]) > saved.counter, `${next.text} after ${saved.counter}`);
  });

  it('bytes the devices cannot take: an error at once, naming why; the vCPU stays stopped and usable', async () => {
    const vm = make();
    vm.saveDevices(); // its thread is up
    const t0 = Date.now();
    assert.throws(() => vm.loadDevices(Buffer.from('not json')), /the vCPU thread could not load its devices: .*JSON/);
    assert.throws(() => vm.loadDevices(Buffer.from('{}')), /could not load its devices: .*undefined/);
    assert.throws(() => vm.loadDevices(Buffer.alloc(16385)), /device state of 16385 bytes/);
    assert.ok(Date.now() - t0 < STOP_TIMEOUT_MS, 'no wait for the timeout');
    assert.strictEqual(vm.workerState(), State.Stopped);
    vm.loadDevices(Buffer.from(JSON.stringify({ counter: 100, console: { pending: [], startNs: '0' } })));
    await vm.start();
    assert.strictEqual((await vm.waitForLine(/^tick/, 10_000)).text, 'tick 105');
  });

  it("the guest's lines come stamped, its notes once, its end with the reason; waitForLine then rejects", async () => {
    const vm = make({ haltAfter: 3 });
    const exited = new Promise((resolve) => vm.once('exit', resolve));
    await vm.start();
    assert.strictEqual(await exited, 'halted');
    assert.strictEqual(vm.exit, 'halted');
    assert.deepStrictEqual(
      vm.lines.map((l) => l.text),
      ['tick 5', 'tick 10', 'tick 15'],
    );
    assert.ok(vm.lines.every((l) => typeof l.startNs === 'bigint' && l.startNs <= l.endNs));
    assert.deepStrictEqual(vm.notes, ['first line printed']);
    assert.strictEqual(vm.tail(2), 'tick 10\ntick 15');
    assert.strictEqual((await vm.waitForLine(/tick 10/, 1000)).text, 'tick 10', 'a line already printed');
    await assert.rejects(vm.waitForLine(/never/, 1000), /the guest ended \(halted\) before printing \/never\//);
  });

  it('waitForLine: a timeout names the pattern and the last lines; an abort rejects with its error', async () => {
    const vm = make();
    await vm.start();
    await vm.waitForLine(/^tick/, 10_000);
    await assert.rejects(
      vm.waitForLine(/never/, 50),
      /no guest line matching \/never\/ within 50 ms; its last lines:\ntick/,
    );
    const waiting = vm.waitForLine(/never/, 10_000);
    const error = new Error('the VMM gave up');
    vm.giveUp(error);
    await assert.rejects(waiting, (e) => e === error);
    await assert.rejects(vm.waitForLine(/never/, 10_000), (e) => e === error);
  });

  it('start twice is refused; close ends the thread, releases the VM once, and may be called again', async () => {
    const vm = make();
    await vm.start();
    await assert.rejects(vm.start(), /already started/);
    await vm.close();
    assert.strictEqual(vm.exit, 'quit');
    assert.strictEqual(vm.workerState(), State.Exited);
    assert.strictEqual(vm.released, true);
    vm.released = false;
    await vm.close();
    assert.strictEqual(vm.released, false, 'the second close does nothing');
  });
});
