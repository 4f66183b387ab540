/*
 * qemu-exec-shim.c: an LD_PRELOAD for the s390x side of `npm run test:s390x`. Under
 * qemu-user, a program that starts another s390x program (a test spawning
 * process.execPath) needs binfmt_misc, which containers and CI machines often lack:
 * the host kernel cannot run the s390x file, and glibc then hands it to /bin/sh. This
 * does what binfmt_misc would: an exec of an s390x ELF becomes an exec of
 * $KVM_TOD_QEMU (qemu-s390x-static) on it, with argv[0] kept (qemu's -0). Every other
 * exec goes to libc unchanged. Not product code; scripts/test-s390x.sh builds it.
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

extern char **environ;

/* An ELF for IBM S/390 (e_machine 22, big-endian at offset 18). */
static int is_s390x_elf(const char *path) {
  unsigned char h[20];
  int fd = open(path, O_RDONLY | O_CLOEXEC);
  if (fd < 0) return 0;
  ssize_t n = read(fd, h, sizeof h);
  close(fd);
  return n == (ssize_t)sizeof h && memcmp(h, "\177ELF", 4) == 0 && h[18] == 0 && h[19] == 22;
}

static int exec_through_qemu(const char *path, char *const argv[], char *const envp[]) {
  int (*real)(const char *, char *const[], char *const[]) =
      (int (*)(const char *, char *const[], char *const[]))dlsym(RTLD_NEXT, "execve");
  const char *qemu = getenv("KVM_TOD_QEMU");
  if (qemu == NULL || strchr(path, '/') == NULL || !is_s390x_elf(path)) return real(path, argv, envp);
  size_t argc = 0;
  while (argv[argc] != NULL) argc++;
  char **args = calloc(argc + 5, sizeof *args);
  if (args == NULL) return real(path, argv, envp);
  size_t i = 0;
  args[i++] = (char *)qemu;
  args[i++] = "-0";
  args[i++] = argc > 0 ? argv[0] : (char *)path;
  args[i++] = (char *)path;
  for (size_t k = 1; k < argc; k++) args[i++] = argv[k];
  args[i] = NULL;
  real(qemu, args, envp);
  free(args);
  return -1;
}

int execve(const char *path, char *const argv[], char *const envp[]) {
  return exec_through_qemu(path, argv, envp);
}

int execv(const char *path, char *const argv[]) { return exec_through_qemu(path, argv, environ); }

/* Only paths with a '/' are redirected; a bare name goes to libc's PATH search. */
int execvp(const char *file, char *const argv[]) {
  if (strchr(file, '/') != NULL) return exec_through_qemu(file, argv, environ);
  int (*real)(const char *, char *const[]) = (int (*)(const char *, char *const[]))dlsym(RTLD_NEXT, "execvp");
  return real(file, argv);
}

int execvpe(const char *file, char *const argv[], char *const envp[]) {
  if (strchr(file, '/') != NULL) return exec_through_qemu(file, argv, envp);
  int (*real)(const char *, char *const[], char *const[]) =
      (int (*)(const char *, char *const[], char *const[]))dlsym(RTLD_NEXT, "execvpe");
  return real(file, argv, envp);
}
