// The demo's options as the command line gives them, and their limits: what the command
// parses (command.ts) and what both reports show (report-text.ts, report-json.ts).
import type { BackendChoice } from './backends';
import type { LinuxHold } from './linux-guest';
import type { DemoPolicy } from './policies';

export const DEFAULT_PAUSE_MS = 3000;
export const MIN_PAUSE_MS = 100;
export const MAX_PAUSE_MS = 24 * 3_600_000;

export const POLICY_CHOICES = ['freeze', 'catch-up', 'both', 'threshold:<duration>'] as const;

export interface DemoArgs {
  pauseMs: number;
  backend: BackendChoice;
  /** As given: 'freeze', 'catch-up', 'both', 'threshold:2s'. */
  policy: string;
  policies: DemoPolicy[];
  json: boolean;
  /** `--guest linux`: the holds the Linux guest runs under (none first); else undefined. */
  linux?: LinuxHold[];
}

/** The Linux guest's pause when none is given: well past its watchdogs' thresholds. */
export const LINUX_DEFAULT_PAUSE_MS = 15_000;
