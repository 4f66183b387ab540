/*
 * The double's raw kernel behaviour that the addon never shows JavaScript: a bad
 * user address (EFAULT), nonzero flags (EINVAL), unknown groups and attributes
 * (ENXIO), HAS, the zeroed padding of the EXT struct, and that it goes inert the
 * moment KVM_S390_DOUBLE is unset. Run with the double preloaded and
 * KVM_S390_DOUBLE=1 (test/double-selftest.test.js does both). Prints one
 * "ok"/"not ok" line per check (TAP) and exits with the number of failures.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <linux/kvm.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <time.h>
#include <unistd.h>

struct tod_clock_ext { uint8_t epoch_idx; uint64_t tod; };

static int failures, count;

static void check(int ok, const char *what) {
  printf("%s %d - %s\n", ok ? "ok" : "not ok", ++count, what);
  if (!ok) failures++;
}

/* The errno of one attribute ioctl, 0 on success. */
static int attr(int fd, unsigned long req, uint32_t flags, uint32_t group, uint64_t a, void *addr) {
  struct kvm_device_attr da = {.flags = flags, .group = group, .attr = a, .addr = (uintptr_t)addr};
  return ioctl(fd, req, &da) == 0 ? 0 : errno;
}

int main(void) {
  int kvm = open("/dev/kvm", O_RDWR | O_CLOEXEC);
  check(kvm >= 0, "open /dev/kvm (real or stand-in)");
  if (kvm < 0) return 1;
  check(ioctl(kvm, KVM_GET_API_VERSION, 0) == 12, "KVM_GET_API_VERSION is 12");
  check(ioctl(kvm, KVM_CHECK_EXTENSION, KVM_CAP_VM_ATTRIBUTES) == 1, "KVM_CAP_VM_ATTRIBUTES is 1");
  int vm = ioctl(kvm, KVM_CREATE_VM, 0);
  check(vm >= 0, "KVM_CREATE_VM");
  if (vm < 0) return 1;

  uint64_t low = 0;
  uint8_t high = 0xff;
  void *bad = (void *)(uintptr_t)8; /* never mapped */
  check(attr(vm, KVM_GET_DEVICE_ATTR, 0, 1, 0, bad) == EFAULT, "GET LOW to a bad addr: EFAULT");
  check(attr(vm, KVM_GET_DEVICE_ATTR, 0, 1, 2, bad) == EFAULT, "GET EXT to a bad addr: EFAULT");
  check(attr(vm, KVM_SET_DEVICE_ATTR, 0, 1, 0, bad) == EFAULT, "SET LOW from a bad addr: EFAULT");
  check(attr(vm, KVM_SET_DEVICE_ATTR, 0, 1, 2, NULL) == EFAULT, "SET EXT from NULL: EFAULT");
  check(ioctl(vm, KVM_GET_DEVICE_ATTR, bad) < 0 && errno == EFAULT, "a bad kvm_device_attr pointer: EFAULT");
  check(attr(vm, KVM_GET_DEVICE_ATTR, 1, 1, 0, &low) == EINVAL, "GET with flags 1: EINVAL");
  check(attr(vm, KVM_SET_DEVICE_ATTR, 0x80000000u, 1, 0, &low) == EINVAL, "SET with flags 0x80000000: EINVAL");
  check(attr(vm, KVM_GET_DEVICE_ATTR, 0, 0, 0, &low) == ENXIO, "GET of group 0 (MEM_CTRL): ENXIO");
  check(attr(vm, KVM_SET_DEVICE_ATTR, 0, 99, 0, &low) == ENXIO, "SET of group 99: ENXIO");
  check(attr(vm, KVM_HAS_DEVICE_ATTR, 0, 99, 0, NULL) == ENXIO, "HAS of group 99: ENXIO");
  check(attr(vm, KVM_GET_DEVICE_ATTR, 0, 1, 3, &low) == ENXIO, "GET of TOD attr 3: ENXIO");
  check(attr(vm, KVM_SET_DEVICE_ATTR, 0, 1, 3, &low) == ENXIO, "SET of TOD attr 3: ENXIO");
  check(attr(vm, KVM_HAS_DEVICE_ATTR, 0, 1, 0, NULL) == 0, "HAS LOW: yes");
  check(attr(vm, KVM_HAS_DEVICE_ATTR, 0, 1, 1, NULL) == 0, "HAS HIGH: yes");
  check(attr(vm, KVM_HAS_DEVICE_ATTR, 0, 1, 2, NULL) == ENXIO, "HAS EXT: ENXIO, as the kernel says");
  check(attr(vm, KVM_GET_DEVICE_ATTR, 0, 1, 1, &high) == 0 && high == 0, "GET HIGH reads 0");
  high = 1;
  check(attr(vm, KVM_SET_DEVICE_ATTR, 0, 1, 1, &high) == EINVAL, "SET HIGH 1: EINVAL");

  struct tod_clock_ext ext;
  memset(&ext, 0xaa, sizeof ext);
  check(attr(vm, KVM_GET_DEVICE_ATTR, 0, 1, 2, &ext) == 0, "GET EXT");
  unsigned char *bytes = (unsigned char *)&ext;
  int zero = 1;
  for (int i = 1; i < 8; i++) zero &= bytes[i] == 0;
  check(zero, "GET EXT zeroes the padding (bytes 1..7)");
  struct timespec ts;
  clock_gettime(CLOCK_REALTIME, &ts);
  uint64_t host = 0x7D91048BCA000000ULL + (uint64_t)ts.tv_sec * 4096000000ULL + (uint64_t)ts.tv_nsec * 4096 / 1000;
  uint64_t diff = host > ext.tod ? host - ext.tod : ext.tod - host;
  check(diff < 10ULL * 4096000000ULL, "a new VM's TOD is the host TOD (within 10 s)");

  low = 0x1234;
  check(attr(vm, KVM_SET_DEVICE_ATTR, 0, 1, 0, &low) == 0, "SET LOW");
  check(attr(vm, KVM_GET_DEVICE_ATTR, 0, 1, 0, &low) == 0 && low >= 0x1234 && low < 0x1234 + 10ULL * 4096000000ULL,
        "GET LOW continues from the value set");

  int err;
  int untracked = open("/dev/null", O_RDONLY);
  err = attr(untracked, KVM_GET_DEVICE_ATTR, 0, 1, 0, &low);
  /* ENOTTY from a kernel, ENOSYS from qemu-user: either way not the double's answer. */
  check(err == ENOTTY || err == ENOSYS, "an untracked fd goes to the kernel: ENOTTY (ENOSYS under qemu-user)");
  close(untracked);

  unsetenv("KVM_S390_DOUBLE");
  err = attr(vm, KVM_GET_DEVICE_ATTR, 0, 1, 0, &low);
  check(err != 0, "inert once KVM_S390_DOUBLE is unset: the kernel answers");
  printf("# inert GET answered errno %d (%s)\n", err, strerror(err));
  setenv("KVM_S390_DOUBLE", "1", 1);

  close(vm);
  close(kvm);
  printf("1..%d\n", count);
  return failures;
}
