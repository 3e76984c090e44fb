#define _GNU_SOURCE
#include "common.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

uint64_t now_ns(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

double now_s(void) { return (double)now_ns() / 1e9; }

int cmp_double(const void *a, const void *b) {
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

double median(const double *v, int n) {
    double tmp[MAX_RUNS];
    if (n <= 0) return NAN;
    memcpy(tmp, v, (size_t)n * sizeof *v);
    qsort(tmp, (size_t)n, sizeof *tmp, cmp_double);
    return n % 2 ? tmp[n / 2] : (tmp[n / 2 - 1] + tmp[n / 2]) / 2;
}

double quantile(double *v, size_t n, double p) {
    if (n == 0) return NAN;
    qsort(v, n, sizeof *v, cmp_double);
    size_t rank = (size_t)ceil(p * (double)n);
    if (rank < 1) rank = 1;
    return v[rank - 1];
}

long long proc_cpu_ticks(pid_t pid) {
    if (pid <= 0) return 0;
    char path[64], buf[1024];
    snprintf(path, sizeof path, "/proc/%d/stat", (int)pid);
    FILE *f = fopen(path, "r");
    if (!f) return 0;
    size_t n = fread(buf, 1, sizeof buf - 1, f);
    fclose(f);
    buf[n] = '\0';
    /* Fields after the ")" that closes comm: state is field 3; utime 14, stime 15. */
    char *p = strrchr(buf, ')');
    if (!p) return 0;
    p += 2;
    unsigned long long utime = 0, stime = 0;
    if (sscanf(p, "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %llu %llu", &utime, &stime) != 2)
        return 0;
    return (long long)(utime + stime);
}

double ticks_per_s(void) { return (double)sysconf(_SC_CLK_TCK); }

long status_kib(const char *field) {
    FILE *f = fopen("/proc/self/status", "r");
    if (!f) return -1;
    char line[256];
    size_t fl = strlen(field);
    long kib = -1;
    while (fgets(line, sizeof line, f)) {
        if (strncmp(line, field, fl) == 0 && line[fl] == ':') {
            kib = strtol(line + fl + 1, NULL, 10);
            break;
        }
    }
    fclose(f);
    return kib;
}

void die(const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    fputs("bench: ", stderr);
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
    va_end(ap);
    exit(1);
}

static void json_num(FILE *f, const char *key, double v) {
    if (isnan(v)) fprintf(f, "\"%s\":null,", key);
    else fprintf(f, "\"%s\":%.6g,", key, v);
}

static void human_num(char *out, size_t n, double v) {
    if (isnan(v)) snprintf(out, n, "-");
    else if (fabs(v) >= 1e6) snprintf(out, n, "%.3fM", v / 1e6);
    else if (fabs(v) >= 1e4) snprintf(out, n, "%.0f", v);
    else if (fabs(v) >= 100) snprintf(out, n, "%.1f", v);
    else snprintf(out, n, "%.3g", v);
}

void emit(const result *r) {
    double ratio = (isnan(r->peer) || r->peer == 0) ? NAN : r->mindra / r->peer;
    char m[32], p[32], sc[64] = "";
    human_num(m, sizeof m, r->mindra);
    human_num(p, sizeof p, r->peer);
    if (!isnan(r->server_cpu_mindra))
        snprintf(sc, sizeof sc, "  server CPU %.0f%% / %.0f%%", 100 * r->server_cpu_mindra,
                 isnan(r->server_cpu_peer) ? NAN : 100 * r->server_cpu_peer);
    char ratio_s[32] = "";
    if (!isnan(ratio)) snprintf(ratio_s, sizeof ratio_s, "  ratio %.2fx", ratio);
    printf("%-30s %-10s mindra %-10s %s %-10s%s%s%s%s%s\n", r->name, r->unit, m,
           r->peer_label ? r->peer_label : "peer", p, ratio_s, r->target ? "  target " : "",
           r->target ? r->target : "", r->pass < 0 ? "" : (r->pass ? " MET" : " MISSED"), sc);
    fflush(stdout);

    const char *path = getenv("BENCH_RESULTS");
    if (!path || !*path) return;
    FILE *f = fopen(path, "a");
    if (!f) die("cannot append to %s", path);
    fprintf(f, "{\"name\":\"%s\",\"unit\":\"%s\",\"better\":\"%s\",\"peer_label\":\"%s\",",
            r->name, r->unit, r->better, r->peer_label ? r->peer_label : "");
    json_num(f, "mindra", r->mindra);
    json_num(f, "peer", r->peer);
    json_num(f, "ratio", ratio);
    fprintf(f, "\"runs\":%d,", r->runs);
    json_num(f, "server_cpu_mindra", r->server_cpu_mindra);
    json_num(f, "server_cpu_peer", r->server_cpu_peer);
    if (r->target) fprintf(f, "\"target\":\"%s\",", r->target);
    else fprintf(f, "\"target\":null,");
    if (r->pass < 0) fprintf(f, "\"pass\":null");
    else fprintf(f, "\"pass\":%s", r->pass ? "true" : "false");
    if (r->extra && *r->extra) fprintf(f, ",%s", r->extra);
    fprintf(f, "}\n");
    fclose(f);
}
