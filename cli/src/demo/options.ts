// The demo's options as the command line gives them, and their limits: what the command
// parses (command.ts) and what both reports show (report-text.ts, report-json.ts).
import { REPORT_WIDTH } from '../text';
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
  /** `--wide`: the report at its full width (every column in the table, no line wrapped). */
  wide: boolean;
  /** `--guest linux`: the holds the Linux guest runs under (none first); else undefined. */
  linux?: LinuxHold[];
}

/** The report's width: REPORT_WIDTH columns, or no limit under `--wide`. */
export const reportWidth = (args: { wide: boolean }): number => (args.wide ? Infinity : REPORT_WIDTH);

/** The Linux guest's pause when none is given: well past its watchdogs' thresholds. */
export const LINUX_DEFAULT_PAUSE_MS = 15_000;
