/* Shared helpers of the C benchmark programs: clocks, medians, /proc readings, result lines. */
#ifndef BENCH_COMMON_H
#define BENCH_COMMON_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#define MAX_RUNS 32

double now_s(void);
uint64_t now_ns(void);
int cmp_double(const void *a, const void *b);
double median(const double *v, int n);
/* The p-quantile (0..1) by the nearest-rank method; sorts v in place. */
double quantile(double *v, size_t n, double p);

/* utime + stime of a process in clock ticks (0 when pid <= 0 or unreadable). */
long long proc_cpu_ticks(pid_t pid);
double ticks_per_s(void);
/* A "VmHWM:"-style field of /proc/self/status, in KiB (-1 when absent). */
long status_kib(const char *field);

/* Dies with a message (the benchmarks never continue after a wrong answer). */
void die(const char *fmt, ...) __attribute__((noreturn, format(printf, 1, 2)));

/* One measurement's result: printed as a human line and appended as one JSON line to the
 * results file ($BENCH_RESULTS). `extra` is JSON members to add ("" or `"k":v,...`). */
typedef struct result {
    const char *name;
    const char *unit;
    const char *better; /* "higher" or "lower" */
    const char *peer_label;
    double mindra, peer; /* medians; peer may be NAN (no peer) */
    int runs;
    double server_cpu_mindra, server_cpu_peer; /* share of one core, NAN when unknown */
    const char *target;                        /* human text, NULL when none */
    int pass;                                  /* -1 no target, 0 missed, 1 met */
    const char *extra;
} result;

void emit(const result *r);

#endif
