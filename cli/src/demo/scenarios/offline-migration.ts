// Scenario 3: stop, migrate, cont; the clock is held from stop on the source to cont
// on the destination, and the value saved is the value held at stop.
import { jumped, pauseHalves, releaseStory, resume, ScenarioDef, start, stop } from './scenario';

export const OFFLINE_MIGRATION: ScenarioDef = {
  id: 'offline-migration',
  number: 3,
  title: 'offline migration',
  plan:
    'Offline migration (stop, migrate, cont): the TOD stops on the source ' +
    'at stop; on the destination it is held when set and starts at cont.',
  expect: 'held',
  interval: 'from stop on the source to just after cont on the destination',
  expectedCalls: { source: { reads: 1, writes: 0 }, destination: { reads: 0, writes: 2 } },
  expectedFacts: {
    heldAtStop: 'source held at stop',
    savedHeldValue: 'the saved value is the value held at stop',
    heldAfterLoad: 'destination held after load',
    releasedAtCont: 'destination released at cont',
  },
  holds: [
    { from: ['source', 'stop'], to: ['destination', 'load (not running)'] },
    { from: ['destination', 'load (not running)'], to: ['destination', 'cont'] },
  ],
  inFlight: [{ from: ['source', 'save (stopped)'], to: ['destination', 'load (not running)'] }],
  nominalHoldsMs: (pauseMs) => pauseHalves(pauseMs),
  phases: [
    (run) => {
      const source = run.vm('source');
      start(run, source);
      run.vm('destination');
      run.markBefore(source);
      stop(run, source);
      run.fact('heldAtStop', source.vmm.held);
      run.kept.heldAtStop = source.vmm.heldValue;
    },
    (run) => {
      const source = run.vms.get('source')!;
      const destination = run.vms.get('destination')!;
      const bytes = run.step(source, 'save (stopped)', () => source.vmm.save());
      const saved = run.backend.decode(bytes);
      const held = run.kept.heldAtStop;
      run.fact(
        'savedHeldValue',
        saved !== null && held !== undefined && run.backend.toNs(saved) === run.backend.toNs(held),
      );
      run.step(destination, 'load (not running)', () => destination.vmm.load(bytes));
      run.fact('heldAfterLoad', destination.vmm.held);
    },
    (run) => resume(run, run.vms.get('destination')!, 'cont', 'releasedAtCont'),
  ],
  story: (facts, jumpOk, caughtUp) =>
    `${facts.heldAtStop ? 'held at stop' : 'not held at stop'}, ${facts.heldAfterLoad ? 'at load' : 'not at load'}, ` +
    releaseStory(facts.releasedAtCont, 'cont', caughtUp && jumpOk) +
    jumped(jumpOk, caughtUp),
};
