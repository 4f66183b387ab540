// One ioctl, retried on EINTR: a signal landing in the VMM (SIGCHLD, a timer)
// must not turn into a failed clock read.
#ifndef KVM_TOD_IOCTL_H_
#define KVM_TOD_IOCTL_H_

#include <cerrno>
#include <sys/ioctl.h>

namespace kvmtod {

// Returns the ioctl's result, or -errno.
template <typename Arg>
inline long Ioctl(int fd, unsigned long request, Arg arg) {
  long r;
  do {
    r = ::ioctl(fd, request, arg);
  } while (r < 0 && errno == EINTR);
  return r < 0 ? -errno : r;
}

}  // namespace kvmtod

#endif  // KVM_TOD_IOCTL_H_
