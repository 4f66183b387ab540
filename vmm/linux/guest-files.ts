// Where the guest's kernel and initramfs are: scripts/linux-guest-initramfs.sh builds (or
// finds) them and prints their paths.
import { execFileSync } from 'child_process';
import * as path from 'path';

export interface GuestFiles {
  kernel: string;
  initrd: string;
}

/** The package root, from dist/vmm/linux/ or vmm/linux/. */
export const repoRoot = path.resolve(
  __dirname,
  '..',
  '..',
  __dirname.includes(`${path.sep}dist${path.sep}`) ? '..' : '',
);

/** Runs the script (idempotent: it rebuilds only what changed) and reads its answer. */
export function guestFiles(): GuestFiles {
  const out = execFileSync('bash', [path.join(repoRoot, 'scripts', 'linux-guest-initramfs.sh')], {
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const get = (key: string): string => {
    const m = new RegExp(`^${key}=(.*)$`, 'm').exec(out);
    if (!m) throw new Error(`scripts/linux-guest-initramfs.sh printed no ${key}=`);
    return m[1];
  };
  return { kernel: get('kernel'), initrd: get('initrd') };
}
