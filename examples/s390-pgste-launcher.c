/*
 * pgste-exec: starts a program (node) with the page-table extensions (PGSTE) that KVM on
 * s390x needs for KVM_CREATE_VM, without the sysctl vm.allocate_pgste. Linked with
 * `--s390-pgste`, this file's executable carries the ELF program header PT_S390_PGSTE, so the
 * kernel gives it PGSTE when it starts, and the program it execs inherits them (as every
 * child does). QEMU is linked the same way; the official node binary is not.
 *
 *   cc -O2 -Wl,--s390-pgste -o pgste-exec examples/s390-pgste-launcher.c   (on the s390x host)
 *   ./pgste-exec node my-vmm.js
 *
 * `readelf -l pgste-exec` lists a S390_PGSTE program header. The s390 box checks it
 * (test/s390-kernel/pgste.test.js): with vm.allocate_pgste 0, node started through it
 * creates a VM, and node started directly gets EINVAL.
 */
#include <stdio.h>
#include <unistd.h>

int main(int argc, char **argv) {
  if (argc < 2) {
    fprintf(stderr, "usage: %s <program> [arguments...]\n", argv[0]);
    return 2;
  }
  execvp(argv[1], argv + 1);
  perror(argv[1]);
  return 127;
}
