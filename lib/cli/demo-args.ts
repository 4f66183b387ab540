// `kvm-tod demo`'s options: parsed and checked, each mistake a usage error.
import { parseArgs, UsageError } from './args';
import { BACKEND_CHOICES, BackendChoice } from './backends';
import { formatDuration, parseDuration } from './duration';
import { CATCH_UP, DemoPolicy, FREEZE, thresholdPolicy } from './policies';

export const DEFAULT_PAUSE_MS = 3000;
export const MIN_PAUSE_MS = 100;
const MAX_PAUSE_MS = 24 * 3_600_000;

export const POLICY_CHOICES = ['freeze', 'catch-up', 'both', 'threshold:<duration>'] as const;

export interface DemoArgs {
  pauseMs: number;
  backend: BackendChoice;
  /** As given: 'freeze', 'catch-up', 'both', 'threshold:2s'. */
  policy: string;
  policies: DemoPolicy[];
  json: boolean;
}

/** `--policy`: the policies the library runs under, in the order shown. */
export function parsePolicy(text: string): DemoPolicy[] {
  if (text === 'freeze') return [FREEZE];
  if (text === 'catch-up') return [CATCH_UP];
  if (text === 'both') return [FREEZE, CATCH_UP];
  const bad = `kvm-tod demo: bad --policy '${text}'`;
  if (text.startsWith('threshold:')) {
    const parsed = parseDuration(text.slice('threshold:'.length));
    if ('error' in parsed) throw new UsageError(`${bad}: ${parsed.error}`);
    if (parsed.ms > MAX_PAUSE_MS) throw new UsageError(`${bad}: a threshold of at most 24h`);
    return [thresholdPolicy(parsed.ms)];
  }
  throw new UsageError(`${bad}: use one of ${POLICY_CHOICES.join(', ')} (e.g. threshold:2s)`);
}

export function parseDemoArgs(argv: string[]): DemoArgs | 'help' {
  const { values, positionals } = parseArgs('kvm-tod demo', argv, {
    pause: { type: 'string' },
    backend: { type: 'string' },
    policy: { type: 'string' },
    json: { type: 'boolean' },
    help: { type: 'boolean', short: 'h' },
  });
  if (values.help) return 'help';
  if (positionals.length > 0)
    throw new UsageError(`kvm-tod demo: unexpected argument '${positionals[0]}' (see 'kvm-tod demo --help')`);
  let pauseMs = DEFAULT_PAUSE_MS;
  if (values.pause !== undefined) {
    const parsed = parseDuration(String(values.pause));
    if ('error' in parsed) throw new UsageError(`kvm-tod demo: bad --pause: ${parsed.error}`);
    if (parsed.ms < MIN_PAUSE_MS) {
      throw new UsageError(
        `kvm-tod demo: bad --pause: ${formatDuration(parsed.ms)} is too short to tell a held clock from a running one; give at least ${MIN_PAUSE_MS}ms`,
      );
    }
    if (parsed.ms > MAX_PAUSE_MS) throw new UsageError(`kvm-tod demo: bad --pause: at most 24h`);
    pauseMs = parsed.ms;
  }
  const backend = (values.backend ?? 'auto') as string;
  if (!(BACKEND_CHOICES as readonly string[]).includes(backend)) {
    throw new UsageError(`kvm-tod demo: bad --backend '${backend}': use one of ${BACKEND_CHOICES.join(', ')}`);
  }
  const policy = String(values.policy ?? 'freeze');
  const policies = parsePolicy(policy);
  return { pauseMs, backend: backend as BackendChoice, policy, policies, json: Boolean(values.json) };
}
