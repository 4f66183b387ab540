// Where the guest's kernel and initramfs are: the s390 box's kernel (.cache/s390-box/vmlinuz,
// cached by `npm run s390-box`) and the initramfs scripts/guest-initramfs.sh builds into
// build/guest/. Inside the box there is no compiler: both are built on the host and carried in.
import * as fs from 'fs';
import * as path from 'path';

export interface GuestFiles {
  kernel: string;
  initrd: string;
}

/** The package's folder (dist/ is one below it). */
export const packageRoot = path.resolve(__dirname, '..');
/** The repository's root (the package is vmm/s390-linux/ in it). */
export const repoRoot = path.resolve(packageRoot, '..', '..');

/** The guest's files (S390_LINUX_KERNEL / S390_LINUX_INITRD override them); throws if one is missing. */
export function guestFiles(): GuestFiles {
  const files = {
    kernel: process.env.S390_LINUX_KERNEL ?? path.join(repoRoot, '.cache', 's390-box', 'vmlinuz'),
    initrd: process.env.S390_LINUX_INITRD ?? path.join(packageRoot, 'build', 'guest', 'initramfs.cpio'),
  };
  for (const [what, file] of Object.entries(files))
    if (!fs.existsSync(file))
      throw new Error(
        `no guest ${what} at ${file}: build it on the host with \`bash vmm/s390-linux/scripts/guest-initramfs.sh\`` +
          ' (after one `npm run s390-box -- true`, which caches the kernel)',
      );
  return files;
}
