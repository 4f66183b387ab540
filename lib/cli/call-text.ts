// Device calls in words, for the checks and the report.
import type { DeviceCalls } from './devices';

/** `1 read`, `2 writes`, `1 read, 1 write`, `no device call`. */
export function stepCallText(calls: DeviceCalls): string {
  const parts: string[] = [];
  if (calls.reads) parts.push(`${calls.reads} read${calls.reads === 1 ? '' : 's'}`);
  if (calls.writes) parts.push(`${calls.writes} write${calls.writes === 1 ? '' : 's'}`);
  return parts.length ? parts.join(', ') : 'no device call';
}

/** `0 reads, 0 writes`, `1 read, 2 writes`: both counts, always. */
export function callText(calls: DeviceCalls): string {
  return `${calls.reads} read${calls.reads === 1 ? '' : 's'}, ${calls.writes} write${calls.writes === 1 ? '' : 's'}`;
}
