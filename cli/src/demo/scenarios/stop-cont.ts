// Scenario 4: stop and cont, each repeated; only the first of each does anything.
import { jumped, releaseStory, resume, ScenarioDef, start, stop } from './scenario';

export const STOP_CONT: ScenarioDef = {
  id: 'stop-cont',
  number: 4,
  title: 'stop/cont, repeated',
  plan: 'stop/cont stops and starts the TOD; several stops or conts in a row have no effect.',
  expect: 'held',
  interval: 'from the first stop to just after the first cont',
  expectedCalls: { vm: { reads: 1, writes: 1 } },
  expectedFacts: {
    heldAtStop: 'held at the first stop',
    stillHeld: 'still held after 3 stops',
    releasedAtCont: 'released at the first cont',
    stillReleased: 'still released after 3 conts',
  },
  holds: [{ from: ['vm', 'stop'], to: ['vm', 'cont'] }],
  inFlight: [],
  nominalHoldsMs: (pauseMs) => [pauseMs],
  phases: [
    (run) => {
      const vm = run.vm('vm');
      start(run, vm);
      run.markBefore(vm);
      stop(run, vm, 'stop');
      run.fact('heldAtStop', vm.vmm.held);
      stop(run, vm, 'stop again');
    },
    (run) => {
      const vm = run.vms.get('vm')!;
      stop(run, vm, 'stop a third time');
      run.fact('stillHeld', vm.vmm.held);
    },
    (run) => {
      const vm = run.vms.get('vm')!;
      resume(run, vm, 'cont', 'releasedAtCont');
      start(run, vm, 'cont again');
      start(run, vm, 'cont a third time');
      run.fact('stillReleased', !vm.vmm.held);
    },
  ],
  story: (facts, jumpOk, caughtUp) =>
    `${facts.heldAtStop ? 'held at stop' : 'not held at stop'}, ` +
    `${releaseStory(facts.releasedAtCont, 'cont', caughtUp && jumpOk)}, ` +
    `repeats ${facts.stillHeld && facts.stillReleased ? 'ignored' : 'changed it'}` +
    jumped(jumpOk, caughtUp),
};
