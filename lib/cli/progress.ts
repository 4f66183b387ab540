// The progress line while the VMs wait out the pause.
import type { DemoArgs } from './demo-args';
import { formatDuration } from './duration';

export function progressWriter(args: DemoArgs): { update: (waitedMs: number) => void; done: () => void } | undefined {
  // A progress line only for a person watching: never in a pipe or a log.
  if (!process.stdout.isTTY) return undefined;
  const stream = args.json ? process.stderr : process.stdout;
  const total = formatDuration(args.pauseMs);
  return {
    update: (waitedMs) =>
      stream.write(
        `\r\x1b[K  waiting ${formatDuration(waitedMs)} of ${total}: the VMs are stopped (held with kvm-tod, running without)`,
      ),
    done: () => stream.write('\r\x1b[K'),
  };
}
