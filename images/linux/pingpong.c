/* /init of the Linux baseline guest (bench/linux_baseline.py).
 *
 * Runs as PID 1 of a stock Debian kernel booted by QEMU with
 * -icount shift=0, where the TSC advances once per guest instruction
 * (shared/TESTING.md), so rdtsc deltas are instruction counts. Measures a
 * 1-byte pipe ping-pong between this process and a child, both pinned to
 * CPU 0 (the same-core round trip that Atoll's Call + ReplyRecv is
 * compared with), prints `baseline: <name> <value>` lines on the console
 * and powers the machine off.
 *
 * Built with `gcc -static` (glibc); the figures include the libc
 * read/write wrappers and the loop, as Atoll's include its stubs. */
#define _GNU_SOURCE
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/reboot.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <unistd.h>

#define WARMUP     1000
#define ITERATIONS 10000

static int console = 1;

static void say(const char *fmt, ...)
{
    char buf[512];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(buf, sizeof buf, fmt, ap);
    va_end(ap);
    if (n < 0)
        return;
    if ((size_t)n >= sizeof buf)
        n = sizeof buf - 1;
    for (int off = 0; off < n;) {
        ssize_t w = write(console, buf + off, n - off);
        if (w <= 0)
            return;
        off += w;
    }
}

static _Noreturn void power_off(void)
{
    sync();
    reboot(RB_POWER_OFF);
    /* Only reached if power-off failed; PID 1 must not exit. */
    for (;;)
        pause();
}

static inline uint64_t rdtsc(void)
{
    uint32_t lo, hi;
    __asm__ volatile("lfence; rdtsc" : "=a"(lo), "=d"(hi)::"memory");
    return ((uint64_t)hi << 32) | lo;
}

/* The same calibration as services/bench: a 1000-nop block minus an empty
 * rdtsc pair must count about 1000. */
static uint64_t measure_nops(void)
{
    uint64_t t0 = rdtsc();
    __asm__ volatile(".rept 1000\n\tnop\n\t.endr" ::: "memory");
    return rdtsc() - t0;
}

static uint64_t measure_empty(void)
{
    uint64_t t0 = rdtsc();
    uint64_t t1 = rdtsc();
    return t1 - t0;
}

/* Prints one file of /sys/devices/system/cpu/vulnerabilities, so the
 * report can say which mitigations the baseline paid for. */
static void show_vulnerability(const char *name)
{
    char path[128], buf[160];
    snprintf(path, sizeof path, "/sys/devices/system/cpu/vulnerabilities/%s", name);
    int fd = open(path, O_RDONLY);
    if (fd < 0)
        return;
    ssize_t n = read(fd, buf, sizeof buf - 1);
    close(fd);
    if (n <= 0)
        return;
    buf[n] = 0;
    buf[strcspn(buf, "\n")] = 0;
    say("baseline: info %s: %s\n", name, buf);
}

static int round_trips(int ping, int pong, int count)
{
    char c = 'x';
    for (int i = 0; i < count; i++) {
        if (write(ping, &c, 1) != 1 || read(pong, &c, 1) != 1)
            return -1;
    }
    return 0;
}

int main(void)
{
    int fd = open("/dev/console", O_WRONLY | O_NOCTTY);
    if (fd >= 0)
        console = fd;

    struct utsname u;
    if (uname(&u) == 0)
        say("baseline: info kernel %s %s\n", u.release, u.version);
    if (mount("sysfs", "/sys", "sysfs", 0, NULL) == 0) {
        show_vulnerability("meltdown");
        show_vulnerability("spectre_v2");
        show_vulnerability("retbleed");
    }

    uint64_t empty = measure_empty();
    say("baseline: calibration_1000_nops %llu\n", (unsigned long long)(measure_nops() - empty));
    say("baseline: rdtsc_overhead %llu\n", (unsigned long long)empty);

    /* Pin to CPU 0 before fork so the child inherits it. */
    cpu_set_t set;
    CPU_ZERO(&set);
    CPU_SET(0, &set);
    if (sched_setaffinity(0, sizeof set, &set) != 0)
        say("baseline: error sched_setaffinity failed\n");

    int to_child[2], to_parent[2];
    if (pipe(to_child) || pipe(to_parent)) {
        say("baseline: error pipe failed\n");
        power_off();
    }
    pid_t pid = fork();
    if (pid < 0) {
        say("baseline: error fork failed\n");
        power_off();
    }
    if (pid == 0) {
        /* Echo each byte back until the parent closes its end. */
        close(to_child[1]);
        close(to_parent[0]);
        char c;
        while (read(to_child[0], &c, 1) == 1)
            if (write(to_parent[1], &c, 1) != 1)
                break;
        _exit(0);
    }
    close(to_child[0]);
    close(to_parent[1]);

    if (round_trips(to_child[1], to_parent[0], WARMUP) != 0) {
        say("baseline: error ping-pong failed\n");
        power_off();
    }
    uint64_t t0 = rdtsc();
    int err = round_trips(to_child[1], to_parent[0], ITERATIONS);
    uint64_t t1 = rdtsc();
    if (err) {
        say("baseline: error ping-pong failed\n");
        power_off();
    }
    say("baseline: linux_pipe_round_trip %llu\n", (unsigned long long)((t1 - t0) / ITERATIONS));
    say("baseline: iterations %d\n", ITERATIONS);

    close(to_child[1]);
    waitpid(pid, NULL, 0);
    say("baseline: done\n");
    power_off();
}
