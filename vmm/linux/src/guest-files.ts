// Where the guest's kernel and initramfs are: this package's scripts/guest-files.sh builds
// (or finds) them and prints their paths.
import { execFileSync } from 'child_process';
import * as path from 'path';

export interface GuestFiles {
  kernel: string;
  initrd: string;
}

/** This package's folder (this file runs from its dist/). */
const packageRoot = path.join(__dirname, '..');

/** Runs the script (idempotent: it rebuilds only what changed) and reads its answer. */
export function guestFiles(): GuestFiles {
  const out = execFileSync('bash', [path.join(packageRoot, 'scripts', 'guest-files.sh')], {
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const get = (key: string): string => {
    const m = new RegExp(`^${key}=(.*)$`, 'm').exec(out);
    if (!m) throw new Error(`scripts/guest-files.sh printed no ${key}=`);
    return m[1];
  };
  return { kernel: get('kernel'), initrd: get('initrd') };
}
