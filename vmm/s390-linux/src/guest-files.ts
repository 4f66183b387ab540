// Where the guest's kernel and initramfs are: both in build/s390x/guest/, where
// scripts/guest-initramfs.sh (npm run build:s390x) puts the s390 box's own kernel and the
// initramfs it builds. Inside the box there is no compiler: both are built on the host and
// carried in with the package's build/s390x/.
import * as fs from 'fs';
import * as path from 'path';

export interface GuestFiles {
  kernel: string;
  initrd: string;
}

/** The package's folder (dist/ is one below it). */
export const packageRoot = path.resolve(__dirname, '..');

/** The guest's files (S390_LINUX_KERNEL / S390_LINUX_INITRD override them); throws if one is missing. */
export function guestFiles(): GuestFiles {
  const files = {
    kernel: process.env.S390_LINUX_KERNEL ?? path.join(packageRoot, 'build', 's390x', 'guest', 'vmlinuz'),
    initrd: process.env.S390_LINUX_INITRD ?? path.join(packageRoot, 'build', 's390x', 'guest', 'initramfs.cpio'),
  };
  for (const [what, file] of Object.entries(files))
    if (!fs.existsSync(file))
      throw new Error(
        `no guest ${what} at ${file}: build it on the host with \`npm run build:s390x -w @kvm-tod/vmm-s390-linux\`` +
          " (after one `npm run s390-box -- true`, which caches the kernel's .deb)",
      );
  return files;
}
