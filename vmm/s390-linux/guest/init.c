// The s390x Linux guest's /init (built static with s390x-linux-gnu-gcc, runs as PID 1 from
// the initramfs). It prints the guest's own CLOCK_REALTIME and CLOCK_MONOTONIC at a steady
// rate on the console (the SCLP VT220 console the VMM reads), so that the VMM sees what the
// guest saw across a pause. Settings come from the kernel command line (the kernel hands
// unknown name=value words to init as environment variables):
//   kvmtod_tick_ms=N      period between clock lines (default 500)
//   kvmtod_busy=LOAD,...  tasks that keep the CPU from idling, each a process of its own:
//                         fork   fork and reap a child in a loop (the load of the seed's report:
//                                every exit frees its task through RCU, so a grace period is
//                                nearly always in flight)
//                         files  open and close /dev/null in a loop (RCU frees each file)
//                         spin   a loop in user space that never enters the kernel
// Every line it prints starts with "kvmtod-", so the VMM tells them from the kernel's.
#define _GNU_SOURCE
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static long env_long(const char *name, long fallback) {
  const char *v = getenv(name);
  return v && *v ? strtol(v, NULL, 10) : fallback;
}

// The kernel opens /dev/console for init only if the initramfs has that node; this one
// mounts devtmpfs and opens the console itself, so the archive needs no device nodes.
static void open_console(void) {
  mkdir("/dev", 0755);
  mount("devtmpfs", "/dev", "devtmpfs", 0, NULL);
  int fd = open("/dev/console", O_RDWR | O_NOCTTY);
  if (fd < 0) return;
  dup2(fd, 0);
  dup2(fd, 1);
  dup2(fd, 2);
  if (fd > 2) close(fd);
}

static void print_clocksource(void) {
  char name[64] = "?";
  FILE *f = fopen("/sys/devices/system/clocksource/clocksource0/current_clocksource", "r");
  if (f) {
    if (fgets(name, sizeof name, f)) name[strcspn(name, "\n")] = 0;
    fclose(f);
  }
  printf("kvmtod-guest ready clocksource=%s\n", name);
}

// The facility list the guest's kernel sees (STFLE, as /proc/cpuinfo shows it), for the
// VMM's report: the CPU model it set is KVM's, but the STFLE the guest runs is the machine's
// SIE, which is what decides.
static void print_facilities(void) {
  char line[4096];
  FILE *f = fopen("/proc/cpuinfo", "r");
  if (!f) return;
  while (fgets(line, sizeof line, f)) {
    if (strncmp(line, "facilities", 10) == 0) {
      line[strcspn(line, "\n")] = 0;
      printf("kvmtod-guest %s\n", line);
      break;
    }
  }
  fclose(f);
}

static void fork_loop(void) {
  for (;;) {
    pid_t child = fork();
    if (child == 0) _exit(0);
    if (child > 0) waitpid(child, NULL, 0);
  }
}

static void files_loop(void) {
  for (;;) {
    int fd = open("/dev/null", O_RDONLY);
    if (fd >= 0) close(fd);
  }
}

static void spin_loop(void) {
  for (volatile unsigned long i = 0;; i++) {
  }
}

// Starts one process per load named in `list` (comma-separated); prints what it started.
static void start_loads(const char *list) {
  char names[128];
  snprintf(names, sizeof names, "%s", list);
  for (char *save = NULL, *name = strtok_r(names, ",", &save); name; name = strtok_r(NULL, ",", &save)) {
    void (*loop)(void) = strcmp(name, "fork") == 0    ? fork_loop
                         : strcmp(name, "files") == 0 ? files_loop
                         : strcmp(name, "spin") == 0  ? spin_loop
                                                      : NULL;
    if (!loop) {
      printf("kvmtod-guest unknown load %s\n", name);
      continue;
    }
    if (fork() == 0) loop();
    printf("kvmtod-guest busy task started: %s\n", name);
  }
}

int main(void) {
  open_console();
  mkdir("/proc", 0755);
  mkdir("/sys", 0755);
  mount("proc", "/proc", "proc", 0, NULL);
  mount("sysfs", "/sys", "sysfs", 0, NULL);
  setvbuf(stdout, NULL, _IOLBF, 0);

  long tick_ms = env_long("kvmtod_tick_ms", 500);
  if (tick_ms < 1) tick_ms = 1;
  print_clocksource();
  print_facilities();
  const char *busy = getenv("kvmtod_busy");
  if (busy && *busy && strcmp(busy, "0") != 0) start_loads(busy);

  // Paced by relative sleeps, not absolute deadlines: after a leap of the clock the guest
  // prints its next line one tick later instead of a burst of missed ones.
  for (unsigned long seq = 0;; seq++) {
    struct timespec rt, mono;
    clock_gettime(CLOCK_REALTIME, &rt);
    clock_gettime(CLOCK_MONOTONIC, &mono);
    printf("kvmtod-clock %lu %lld.%09ld %lld.%09ld\n", seq, (long long)rt.tv_sec, rt.tv_nsec, (long long)mono.tv_sec,
           mono.tv_nsec);
    struct timespec pause = {tick_ms / 1000, (tick_ms % 1000) * 1000000L};
    while (clock_nanosleep(CLOCK_MONOTONIC, 0, &pause, &pause) != 0) {
    }
  }
  return 0;
}
