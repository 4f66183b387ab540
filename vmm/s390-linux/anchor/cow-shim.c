// The anchor's one piece of C: an LD_PRELOAD shim for QEMU (not for our VMM). QEMU 7.2 refuses
// to start on s390x unless KVM_CHECK_EXTENSION(KVM_CAP_S390_COW) answers 1; the s390 box's
// kvm.ko answers 0 (Hercules' SCLP does not report what the kernel wants for it). Everything
// else goes to the real ioctl. Cross-compiled for s390x by scripts/qemu-anchor.sh.
#define _GNU_SOURCE
#include <dlfcn.h>
#include <linux/kvm.h>
#include <stdarg.h>
#include <sys/ioctl.h>

typedef int (*ioctl_fn)(int, unsigned long, ...);

int ioctl(int fd, unsigned long request, ...) {
  static ioctl_fn real;
  va_list ap;
  va_start(ap, request);
  void *arg = va_arg(ap, void *);
  va_end(ap);
  if (!real) real = (ioctl_fn)dlsym(RTLD_NEXT, "ioctl");
  if (request == KVM_CHECK_EXTENSION && (long)arg == KVM_CAP_S390_COW) return 1;
  return real(fd, request, arg);
}
