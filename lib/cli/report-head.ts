// The lines before the demo's table: the backend and why, the pause, the policies
// other than the default, and an injected fault.
import type { AnyBackend, BackendChoice } from './backends';
import type { DemoArgs } from './demo-args';
import { FAULT_DESCRIPTIONS } from './devices';
import { formatDuration } from './duration';
import { Fault, FAULT_ENV, faultKinds } from './fault';

/** The first line of the report: which backend, and why when auto fell back. */
export function backendLine(backend: AnyBackend, requested: BackendChoice, fallbackReason: string | undefined): string {
  if (fallbackReason !== undefined) {
    return `kvm-tod demo: backend simulated (auto fell back to the built-in s390 simulation: ${fallbackReason})`;
  }
  return `kvm-tod demo: backend ${backend.name}${requested === 'auto' ? ` (auto: ${process.arch} with a usable /dev/kvm)` : ''}`;
}

/** The report's head after the first line. */
export function headLines(args: DemoArgs, backend: AnyBackend, fault: Fault | undefined): string[] {
  const lines = [`VMs: ${backend.description}`, pauseLine(args), ...policyLines(args, backend)];
  if (fault) lines.push(`fault injected (${FAULT_ENV}): ${fault.scenario}: ${faultText(fault, args)}`);
  return lines;
}

/** The pause line: who runs across the pause. */
function pauseLine(args: DemoArgs): string {
  const pause = `pause: ${formatDuration(args.pauseMs)}, shared by the scenarios; `;
  if (args.policies.length === 1) return `${pause}each also runs without kvm-tod (the control)`;
  return `${pause}each runs with kvm-tod under ${args.policies.map((p) => p.label).join(' and under ')}, and without kvm-tod (the control)`;
}

/** What a policy other than the default does, for the report's head. */
function policyLines(args: DemoArgs, backend: AnyBackend): string[] {
  if (args.policies.length === 1 && args.policies[0].id === 'freeze') return [];
  const stream =
    backend.name === 'kvmclock'
      ? "the demo's kvmclock stream with the source's wall time"
      : "saveTodSection(clock, { format: 'extended' }): the TOD and the source's wall time";
  const lines: string[] = [];
  for (const p of args.policies) {
    if (p.id === 'freeze')
      lines.push(
        "policy freeze: at cont the guest continues from the instant it stopped (QEMU's rule): it sees no jump",
      );
    else if (p.id === 'catch-up')
      lines.push(
        'policy catch-up: at cont the held clock is moved on by the time it was held: the guest ends where it would have been',
      );
    else
      lines.push(
        `policy ${p.label} (${p.id}): holds shorter than ${p.label.replace('catch-up after ', '')} are frozen, longer ones caught up (catchUpAfter)`,
      );
  }
  lines.push(
    `  migrations under ${args.policies
      .filter((p) => p.id !== 'freeze')
      .map((p) => p.label)
      .join(', ')} send ${stream}, so the destination counts the downtime`,
  );
  return lines;
}

/** The fault line's description: one kind, or each policy's where they differ. */
function faultText(fault: Fault, args: DemoArgs): string {
  const kinds = faultKinds(fault, args.policies, args.pauseMs);
  if (kinds.every((k) => k === kinds[0])) return FAULT_DESCRIPTIONS[kinds[0]];
  return args.policies.map((p, i) => `${p.label}: ${FAULT_DESCRIPTIONS[kinds[i]]}`).join('; ');
}
