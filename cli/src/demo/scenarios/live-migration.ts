// Scenario 2: a live migration; the destination holds the migrated value from load
// until it starts.
import { jumped, releaseStory, resume, ScenarioDef, start } from './scenario';

export const LIVE_MIGRATION: ScenarioDef = {
  id: 'live-migration',
  number: 2,
  title: 'live migration',
  plan:
    'Live migration: on the destination the TOD is stopped when ' +
    'the migrated value is set, and starts when the guest starts.',
  expect: 'held',
  interval: "from the source's save to just after the destination starts",
  expectedCalls: { source: { reads: 1, writes: 0 }, destination: { reads: 0, writes: 2 } },
  expectedFacts: { heldAfterLoad: 'destination held after load', releasedAtStart: 'destination released at start' },
  holds: [
    { from: ['source', 'save (running)'], to: ['destination', 'load (not running)'] },
    { from: ['destination', 'load (not running)'], to: ['destination', 'start'] },
  ],
  inFlight: [{ from: ['source', 'save (running)'], to: ['destination', 'load (not running)'] }],
  nominalHoldsMs: (pauseMs) => [0, pauseMs],
  phases: [
    (run) => {
      const source = run.vm('source');
      start(run, source);
      const destination = run.vm('destination');
      run.markBefore(source);
      const bytes = run.step(source, 'save (running)', () => source.vmm.save());
      run.step(destination, 'load (not running)', () => destination.vmm.load(bytes));
      run.fact('heldAfterLoad', destination.vmm.held);
    },
    () => undefined,
    (run) => resume(run, run.vms.get('destination')!, 'start', 'releasedAtStart'),
  ],
  story: (facts, jumpOk, caughtUp) =>
    `${facts.heldAfterLoad ? 'held at load' : 'not held at load'}, ` +
    `${releaseStory(facts.releasedAtStart, 'start', caughtUp && jumpOk)}` +
    jumped(jumpOk, caughtUp),
};
