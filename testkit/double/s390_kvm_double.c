/*
 * s390_kvm_double.c: a syscall-level double of the s390 kernel's KVM TOD clock
 * attribute group, for tests only (LD_PRELOAD). It models the kernel
 * (Linux's arch/s390/kvm/kvm-s390.c);
 * it is not the product, and it copies no kernel code.
 *
 * Why: the TOD ioctls only work on IBM Z. On x86 they answer ENOTTY and under
 * qemu-user every KVM ioctl answers ENOSYS, so without this the successful s390
 * path, the pre-4.15 fallback and big-endian marshalling would never run in CI.
 *
 * Inert unless KVM_S390_DOUBLE=1. Every variable is read with getenv() on every
 * call, because tests flip process.env at run time (Node's process.env writes
 * reach the C environment). When inert, every call goes to the real libc.
 *
 * Environment (all optional except the first):
 *   KVM_S390_DOUBLE=1              turn the double on
 *   KVM_S390_DOUBLE_FACILITY_139=0 the guest lacks the multiple-epoch facility
 *                                  (default on): GET EXT reports epoch index 0,
 *                                  SET EXT with a nonzero epoch index is EINVAL
 *   KVM_S390_DOUBLE_PRE_4_15=1     a kernel before 4.15: GET/SET of EXT are ENXIO
 *   KVM_S390_DOUBLE_PV=1           a protected (Secure Execution) guest: SET is
 *                                  EOPNOTSUPP, as kvm-s390.c does; PV=all makes GET
 *                                  EOPNOTSUPP too, as Documentation/virt/kvm/devices/vm.rst lists
 *   KVM_S390_DOUBLE_NO_PGSTE=1     a process without page-table extensions (PGSTE;
 *                                  vm.allocate_pgste was 0 when it started): KVM_CREATE_VM
 *                                  is EINVAL, as s390_enable_sie() makes it
 *   KVM_S390_DOUBLE_FAIL_GET=E[:N[:token]]   fail the Nth TOD-group GET with errno E
 *   KVM_S390_DOUBLE_FAIL_SET=E[:N[:token]]   ... SET
 *   KVM_S390_DOUBLE_FAIL_HAS=E[:N[:token]]   ... HAS
 *       E is a name (EIO, EFAULT, EBUSY, ENXIO, ...) or a number. N counts the
 *       calls of that kind since the variable's value last changed (a test appends
 *       a fresh token so that a repeated setting restarts the count); N omitted or
 *       0 fails every call. The failure is answered before any other check.
 *   KVM_S390_DOUBLE_QEMU_ERRNO=1   for runs under qemu-user (scripts/test-s390x.sh sets
 *                                  it), read whether or not the double is on: qemu answers
 *                                  every ioctl it does not emulate (all of KVM's) with
 *                                  ENOSYS, even on a closed or non-KVM descriptor, where a
 *                                  kernel answers EBADF or ENOTTY. With this set, a KVM
 *                                  ioctl (type 0xAE) that the double passes on and qemu
 *                                  refuses with ENOSYS gets the kernel's answer instead:
 *                                  EBADF for a descriptor that is not open, else ENOTTY.
 *
 * Descriptors: while the double is on, open("/dev/kvm") hands out a stand-in memfd,
 * tracked as a fake KVM, whether or not a real /dev/kvm works here (so a test on the
 * double keeps to the double's VMs; a real KVM beside it changes nothing).
 * On a fake KVM fd: KVM_GET_API_VERSION = 12, KVM_CREATE_VM (type 0) = a fake VM fd,
 * KVM_CHECK_EXTENSION = 1 for KVM_CAP_VM_ATTRIBUTES and 0 for anything else, any
 * other ioctl ENOTTY. On a fake VM fd the double answers the device-attribute ioctls
 * (group KVM_S390_VM_TOD as the kernel does, any other group ENXIO) and
 * KVM_CHECK_EXTENSION(KVM_CAP_VM_ATTRIBUTES) = 1; any other ioctl is ENOTTY.
 * Untracked fds (the real /dev/kvm opened while the double was off): the kernel.
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/kvm.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

/* The s390 UAPI (asm/kvm.h on s390 only), spelled out so the x86 build works. */
#define S390_VM_TOD 1
#define S390_VM_TOD_LOW 0
#define S390_VM_TOD_HIGH 1
#define S390_VM_TOD_EXT 2
struct tod_clock_ext { uint8_t epoch_idx; uint64_t tod; }; /* 16 bytes, tod at 8 */
_Static_assert(sizeof(struct tod_clock_ext) == 16, "kvm_s390_vm_tod_clock layout");

#define KVM_PATH "/dev/kvm"
#define TOD_UNIX_EPOCH 0x7D91048BCA000000ULL /* TOD of 1970-01-01, epoch 1900 */

enum kind { FREE = 0, FAKE_KVM, FAKE_VM };
struct tracked {
  int fd;
  enum kind kind;
  uint64_t epoch; /* guest TOD - host TOD, mod 2^64 (kvm->arch.epoch) */
  uint8_t epdx;   /* epoch index difference (kvm->arch.epdx) */
  dev_t dev;      /* what fd referred to when tracked: Node's fs.closeSync and */
  ino_t ino;      /* libuv close with a raw syscall that close() below never sees */
};
/* Indexed by descriptor number, so a lookup costs the same for 1 VM or 1000 (the
 * bench's VM scaling); a stand-in numbered beyond the table is refused (EMFILE). */
#define MAX_TRACKED 65536
static struct tracked table[MAX_TRACKED];
static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;

static int (*real_open)(const char *, int, ...);
static int (*real_open64)(const char *, int, ...);
static int (*real_ioctl)(int, unsigned long, ...);
static int (*real_close)(int);

static void resolve(void) {
  /* Racing threads store the same pointers, so no lock is needed. */
  if (!real_close) {
    real_open = (int (*)(const char *, int, ...))dlsym(RTLD_NEXT, "open");
    real_open64 = (int (*)(const char *, int, ...))dlsym(RTLD_NEXT, "open64");
    real_ioctl = (int (*)(int, unsigned long, ...))dlsym(RTLD_NEXT, "ioctl");
    real_close = (int (*)(int))dlsym(RTLD_NEXT, "close");
  }
}

static int env_is(const char *name, const char *value) {
  const char *v = getenv(name);
  return v != NULL && strcmp(v, value) == 0;
}
static int active(void) { return env_is("KVM_S390_DOUBLE", "1"); }

/* --- the descriptor table -------------------------------------------------- */

/* Whether entry's number still refers to what was tracked (needs the lock). */
static int still_same(const struct tracked *e) {
  struct stat st;
  return fstat(e->fd, &st) == 0 && st.st_dev == e->dev && st.st_ino == e->ino;
}

/* 0, or EMFILE when fd is beyond the table. */
static int track(int fd, enum kind kind) {
  struct stat st;
  if (fd < 0 || fd >= MAX_TRACKED) return EMFILE;
  if (fstat(fd, &st) != 0) return errno;
  pthread_mutex_lock(&lock);
  table[fd] = (struct tracked){fd, kind, 0, 0, st.st_dev, st.st_ino};
  pthread_mutex_unlock(&lock);
  return 0;
}

/* A copy of the entry for fd; kind FREE when untracked, or when the number now
 * refers to another file (closed without close(), then reused). */
static struct tracked lookup(int fd) {
  struct tracked t = {fd, FREE, 0, 0, 0, 0};
  if (fd < 0 || fd >= MAX_TRACKED) return t;
  pthread_mutex_lock(&lock);
  if (table[fd].kind != FREE) {
    if (still_same(&table[fd])) t = table[fd];
    else table[fd].kind = FREE;
  }
  pthread_mutex_unlock(&lock);
  return t;
}

static void store_epoch(int fd, uint64_t epoch, uint8_t epdx) {
  if (fd < 0 || fd >= MAX_TRACKED) return;
  pthread_mutex_lock(&lock);
  if (table[fd].kind != FREE) {
    table[fd].epoch = epoch;
    table[fd].epdx = epdx;
  }
  pthread_mutex_unlock(&lock);
}

static void forget(int fd) {
  if (fd < 0 || fd >= MAX_TRACKED) return;
  pthread_mutex_lock(&lock);
  table[fd].kind = FREE;
  pthread_mutex_unlock(&lock);
}

/* --- user memory ------------------------------------------------------------ */

/* Copies n bytes through a pipe: write() and read() answer EFAULT for a bad
 * address instead of crashing, in the kernel and under qemu-user alike, which is
 * what copy_from_user/copy_to_user do for the real ioctl. Returns 0 or EFAULT. */
static int copy_checked(void *dst, const void *src, size_t n) {
  int p[2];
  if (pipe2(p, O_CLOEXEC) != 0) return errno;
  int err = 0;
  if (write(p[1], src, n) != (ssize_t)n || read(p[0], dst, n) != (ssize_t)n) err = EFAULT;
  real_close(p[0]);
  real_close(p[1]);
  return err;
}

/* --- the host clock --------------------------------------------------------- */

/* The host's 72-bit TOD (epoch index in bits 64..71) from CLOCK_REALTIME. */
static void host_tod(uint64_t *tod, uint8_t *epoch_idx) {
  struct timespec ts;
  clock_gettime(CLOCK_REALTIME, &ts);
  unsigned __int128 units = (unsigned __int128)TOD_UNIX_EPOCH +
                            (unsigned __int128)ts.tv_sec * 4096000000u +
                            (unsigned __int128)ts.tv_nsec * 4096u / 1000u;
  *tod = (uint64_t)units;
  *epoch_idx = (uint8_t)(units >> 64);
}

/* --- injected failures ------------------------------------------------------ */

struct failure { const char *var; char last[128]; unsigned long count; };
static struct failure fail_get = {"KVM_S390_DOUBLE_FAIL_GET", "", 0};
static struct failure fail_set = {"KVM_S390_DOUBLE_FAIL_SET", "", 0};
static struct failure fail_has = {"KVM_S390_DOUBLE_FAIL_HAS", "", 0};

static int errno_named(const char *s, size_t len) {
  static const struct { const char *name; int value; } names[] = {
      {"EPERM", EPERM},   {"EINTR", EINTR},   {"EIO", EIO},         {"ENXIO", ENXIO},
      {"EBADF", EBADF},   {"EAGAIN", EAGAIN}, {"ENOMEM", ENOMEM},   {"EACCES", EACCES},
      {"EFAULT", EFAULT}, {"EBUSY", EBUSY},   {"EINVAL", EINVAL},   {"ENOTTY", ENOTTY},
      {"ENOSYS", ENOSYS}, {"E2BIG", E2BIG},   {"ENODEV", ENODEV},   {"EOPNOTSUPP", EOPNOTSUPP},
  };
  for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
    if (strlen(names[i].name) == len && strncmp(names[i].name, s, len) == 0) return names[i].value;
  }
  int n = atoi(s);
  return n > 0 ? n : EIO; /* an unknown name still fails, loudly enough */
}

/* The errno to inject for this call, or 0. */
static int injected(struct failure *f) {
  const char *v = getenv(f->var);
  if (v == NULL || *v == '\0') return 0;
  int err = 0;
  pthread_mutex_lock(&lock);
  if (strncmp(f->last, v, sizeof f->last) != 0) { /* a new setting restarts the count */
    strncpy(f->last, v, sizeof f->last - 1);
    f->count = 0;
  }
  f->count++;
  const char *colon = strchr(v, ':');
  unsigned long nth = colon ? strtoul(colon + 1, NULL, 10) : 0;
  if (nth == 0 || f->count == nth) err = errno_named(v, colon ? (size_t)(colon - v) : strlen(v));
  pthread_mutex_unlock(&lock);
  return err;
}

/* --- the TOD attribute group (kvm_s390_{get,set}_tod, kvm_s390_vm_has_attr) --- */

static int tod_get(const struct tracked *vm, const struct kvm_device_attr *a) {
  int err = injected(&fail_get);
  if (err) return err;
  if (a->flags) return EINVAL;
  if (env_is("KVM_S390_DOUBLE_PV", "all")) return EOPNOTSUPP;
  uint64_t host;
  uint8_t host_idx;
  host_tod(&host, &host_idx);
  uint64_t tod = host + vm->epoch;
  switch (a->attr) {
    case S390_VM_TOD_LOW:
      return copy_checked((void *)(uintptr_t)a->addr, &tod, sizeof tod);
    case S390_VM_TOD_HIGH: {
      uint8_t high = 0; /* the legacy extension byte is always 0 */
      return copy_checked((void *)(uintptr_t)a->addr, &high, sizeof high);
    }
    case S390_VM_TOD_EXT: {
      if (env_is("KVM_S390_DOUBLE_PRE_4_15", "1")) return ENXIO;
      struct tod_clock_ext ext;
      memset(&ext, 0, sizeof ext); /* the padding reaches the caller zeroed, as in the kernel */
      ext.tod = tod;
      if (!env_is("KVM_S390_DOUBLE_FACILITY_139", "0")) {
        ext.epoch_idx = (uint8_t)(host_idx + vm->epdx + (tod < host ? 1 : 0)); /* carry */
      }
      return copy_checked((void *)(uintptr_t)a->addr, &ext, sizeof ext);
    }
    default:
      return ENXIO;
  }
}

/* The kernel's epoch arithmetic for a guest TOD of (idx, tod). */
static void set_clock(const struct tracked *vm, uint8_t idx, uint64_t tod) {
  uint64_t host;
  uint8_t host_idx;
  host_tod(&host, &host_idx);
  uint64_t epoch = tod - host;
  uint8_t epdx = 0;
  if (!env_is("KVM_S390_DOUBLE_FACILITY_139", "0")) {
    epdx = (uint8_t)(idx - host_idx - (tod < host ? 1 : 0)); /* borrow */
  }
  store_epoch(vm->fd, epoch, epdx);
}

static int tod_set(const struct tracked *vm, const struct kvm_device_attr *a) {
  int err = injected(&fail_set);
  if (err) return err;
  if (a->flags) return EINVAL;
  if (getenv("KVM_S390_DOUBLE_PV") && !env_is("KVM_S390_DOUBLE_PV", "0")) return EOPNOTSUPP;
  void *addr = (void *)(uintptr_t)a->addr;
  switch (a->attr) {
    case S390_VM_TOD_LOW: {
      uint64_t tod;
      if ((err = copy_checked(&tod, addr, sizeof tod))) return err;
      set_clock(vm, 0, tod); /* LOW sets the whole clock with epoch index 0 */
      return 0;
    }
    case S390_VM_TOD_HIGH: {
      uint8_t high;
      if ((err = copy_checked(&high, addr, sizeof high))) return err;
      return high != 0 ? EINVAL : 0;
    }
    case S390_VM_TOD_EXT: {
      if (env_is("KVM_S390_DOUBLE_PRE_4_15", "1")) return ENXIO;
      struct tod_clock_ext ext;
      if ((err = copy_checked(&ext, addr, sizeof ext))) return err;
      if (ext.epoch_idx != 0 && env_is("KVM_S390_DOUBLE_FACILITY_139", "0")) return EINVAL;
      set_clock(vm, ext.epoch_idx, ext.tod);
      return 0;
    }
    default:
      return ENXIO;
  }
}

static int tod_has(const struct kvm_device_attr *a) {
  int err = injected(&fail_has);
  if (err) return err;
  /* The kernel reports LOW and HIGH only, even where EXT works. */
  return a->attr == S390_VM_TOD_LOW || a->attr == S390_VM_TOD_HIGH ? 0 : ENXIO;
}

/* A device-attribute ioctl on a tracked VM fd: 0 or a positive errno. */
static int vm_attr(const struct tracked *vm, unsigned long request, void *arg) {
  struct kvm_device_attr a;
  int err = copy_checked(&a, arg, sizeof a);
  if (err) return err;
  if (a.group != S390_VM_TOD) return ENXIO;
  if (request == KVM_GET_DEVICE_ATTR) return tod_get(vm, &a);
  if (request == KVM_SET_DEVICE_ATTR) return tod_set(vm, &a);
  return tod_has(&a);
}

/* --- the interposed calls ---------------------------------------------------- */

/* The kernel's ioctl, with qemu-user's ENOSYS for KVM ioctls turned into what a
 * kernel answers for a descriptor that is not KVM (see KVM_S390_DOUBLE_QEMU_ERRNO). */
static int pass(int fd, unsigned long request, void *arg) {
  int r = real_ioctl(fd, request, arg);
  if (r < 0 && errno == ENOSYS && _IOC_TYPE(request) == KVMIO && env_is("KVM_S390_DOUBLE_QEMU_ERRNO", "1")) {
    errno = fcntl(fd, F_GETFD) < 0 ? EBADF : ENOTTY;
  }
  return r;
}

static int fail(int err) {
  errno = err;
  return -1;
}

/* A stand-in descriptor: a memfd, because each has an inode of its own, so a
 * number reused by another file is told apart from it (see still_same). */
static int stand_in(int cloexec) {
  return memfd_create("kvm-s390-double", cloexec ? MFD_CLOEXEC : 0);
}

/* When the double is on, opening /dev/kvm always hands out a stand-in, even where the
 * real device works (the KVM box, an x86 host with KVM): a test on the double keeps to
 * the double's VMs, never an x86 VM dressed up as an s390 one, and a real /dev/kvm
 * beside it changes nothing. With the double off, /dev/kvm is the kernel's. */
static int tracked_stand_in(int cloexec, enum kind kind) {
  int fd = stand_in(cloexec);
  if (fd < 0) return fd;
  int err = track(fd, kind);
  if (err) {
    real_close(fd);
    return fail(err);
  }
  return fd;
}

static int open_kvm(int flags) { return tracked_stand_in((flags & O_CLOEXEC) != 0, FAKE_KVM); }

static int do_open(int (*real)(const char *, int, ...), const char *path, int flags, mode_t mode) {
  if (path != NULL && strcmp(path, KVM_PATH) == 0 && active()) return open_kvm(flags);
  return real(path, flags, mode);
}

static mode_t mode_arg(int flags, va_list ap) {
  return (flags & O_CREAT) || (flags & O_TMPFILE) == O_TMPFILE ? va_arg(ap, mode_t) : 0;
}

int open(const char *path, int flags, ...) {
  resolve();
  va_list ap;
  va_start(ap, flags);
  mode_t mode = mode_arg(flags, ap);
  va_end(ap);
  return do_open(real_open, path, flags, mode);
}

int open64(const char *path, int flags, ...) {
  resolve();
  va_list ap;
  va_start(ap, flags);
  mode_t mode = mode_arg(flags, ap);
  va_end(ap);
  return do_open(real_open64, path, flags, mode);
}

int close(int fd) {
  resolve();
  forget(fd); /* always, even when inert: a reused number must not look tracked */
  return real_close(fd);
}

int ioctl(int fd, unsigned long request, ...) {
  resolve();
  va_list ap;
  va_start(ap, request);
  void *arg = va_arg(ap, void *);
  va_end(ap);
  if (!active()) return pass(fd, request, arg);
  struct tracked t = lookup(fd);
  switch (t.kind) {
    case FREE:
      return pass(fd, request, arg);
    case FAKE_KVM:
      if (request == KVM_GET_API_VERSION) return 12;
      if (request == KVM_CHECK_EXTENSION) return (uintptr_t)arg == KVM_CAP_VM_ATTRIBUTES;
      if (request == KVM_CREATE_VM) {
        if ((uintptr_t)arg != 0) return fail(EINVAL); /* ucontrol VMs are not modelled */
        if (env_is("KVM_S390_DOUBLE_NO_PGSTE", "1")) return fail(EINVAL);
        return tracked_stand_in(1, FAKE_VM);
      }
      return fail(ENOTTY);
    case FAKE_VM:
      if (request == KVM_GET_DEVICE_ATTR || request == KVM_SET_DEVICE_ATTR ||
          request == KVM_HAS_DEVICE_ATTR) {
        int err = vm_attr(&t, request, arg);
        return err ? fail(err) : 0;
      }
      if (request == KVM_CHECK_EXTENSION && (uintptr_t)arg == KVM_CAP_VM_ATTRIBUTES) return 1;
      if (request == KVM_CHECK_EXTENSION) return 0;
      return fail(ENOTTY);
  }
  return pass(fd, request, arg);
}
