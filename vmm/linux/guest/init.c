// The Linux guest's /init (built static, runs as PID 1 from the initramfs). It prints the
// guest's own CLOCK_REALTIME and CLOCK_MONOTONIC at a steady rate on the console, so that
// whoever reads the serial port sees what the guest saw across a pause. Settings come from
// the kernel command line (the kernel hands unknown name=value words to init as
// environment variables):
//   kvmtod_tick_ms=N   period between clock lines (default 200)
//   kvmtod_busy=1      also run a task that never sleeps: it opens and closes /dev/null in a
//                      loop, so the CPU never idles (an idle CPU's tick restart touches the
//                      soft-lockup watchdog) and RCU always has freed files to wait for
//                      (a grace period in flight is what the RCU stall detector watches)
// Every line it prints starts with "kvmtod-", so the VMM tells them from the kernel's.
#define _GNU_SOURCE
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/reboot.h>
#include <sys/stat.h>
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

static void busy_task(void) {
  pid_t pid = fork();
  if (pid != 0) return;
  for (;;) {
    int fd = open("/dev/null", O_RDONLY);
    if (fd >= 0) close(fd);
  }
}

int main(void) {
  open_console();
  mkdir("/proc", 0755);
  mkdir("/sys", 0755);
  mount("proc", "/proc", "proc", 0, NULL);
  mount("sysfs", "/sys", "sysfs", 0, NULL);
  setvbuf(stdout, NULL, _IOLBF, 0);
  signal(SIGCHLD, SIG_IGN);  // no zombies from the busy task

  long tick_ms = env_long("kvmtod_tick_ms", 200);
  if (tick_ms < 1) tick_ms = 1;
  print_clocksource();
  if (env_long("kvmtod_busy", 0)) {
    busy_task();
    printf("kvmtod-guest busy task started\n");
  }

  // Paced by relative sleeps, not absolute deadlines: after a leap of the clock the guest
  // prints its next line one tick later instead of a burst of missed ones.
  struct timespec pause = {tick_ms / 1000, (tick_ms % 1000) * 1000000L};
  for (unsigned long seq = 0;; seq++) {
    struct timespec rt, mono;
    clock_gettime(CLOCK_REALTIME, &rt);
    clock_gettime(CLOCK_MONOTONIC, &mono);
    printf("kvmtod-clock %lu %lld.%09ld %lld.%09ld\n", seq, (long long)rt.tv_sec, rt.tv_nsec,
           (long long)mono.tv_sec, mono.tv_nsec);
    while (clock_nanosleep(CLOCK_MONOTONIC, 0, &pause, &pause) != 0) {
    }
    pause.tv_sec = tick_ms / 1000;
    pause.tv_nsec = (tick_ms % 1000) * 1000000L;
  }
  reboot(RB_AUTOBOOT);
  return 0;
}
