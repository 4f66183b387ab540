// Scenario 1: a VM that just starts is never held; its clock runs from creation.
import { ScenarioDef, start } from './scenario';

export const SIMPLE_START: ScenarioDef = {
  id: 'simple-start',
  number: 1,
  title: 'simple start',
  plan: 'Start a simple VM: the TOD keeps running, no backup or restore happens.',
  expect: 'runs',
  interval: 'from VM creation, through start, to the end of the pause',
  expectedCalls: { vm: { reads: 0, writes: 0 } },
  expectedFacts: { notHeldAtCreation: 'a new VM is not held', notHeldAfterStart: 'not held after start' },
  holds: [],
  inFlight: [],
  nominalHoldsMs: () => [],
  phases: [
    (run) => {
      const vm = run.vm('vm');
      run.markBefore(vm);
      run.fact('notHeldAtCreation', !vm.vmm.held);
    },
    (run) => {
      const vm = run.vms.get('vm')!;
      start(run, vm);
      run.fact('notHeldAfterStart', !vm.vmm.held);
    },
    (run) => run.markAfter(run.vms.get('vm')!),
  ],
  story: (facts, jumpOk) =>
    `${facts.notHeldAtCreation && facts.notHeldAfterStart ? 'never held' : 'held (it must not be)'}, ` +
    (jumpOk ? 'kept running' : 'but it did not run with the host'),
};
