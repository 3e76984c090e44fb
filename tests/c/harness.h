/*
 * A tiny test harness for libmindra's C tests: checks that count instead of aborting, a
 * closing "N passed, N failed" line, and raw-socket helpers to ask the emulator what it saw.
 * Header-only so each test program is one file; compiled as C99 and as C++.
 */
#ifndef MINDRA_TEST_HARNESS_H
#define MINDRA_TEST_HARNESS_H

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#include "mindra.h"

#define TEST_KEY "mk_0123456789abcdef0123456789abcdef"

static int harness_passed = 0;
static int harness_failed = 0;
static const char *harness_current = "";

#define CHECK(cond)                                                                          \
    do {                                                                                     \
        if (cond) {                                                                          \
            harness_passed++;                                                                \
        } else {                                                                             \
            harness_failed++;                                                                \
            fprintf(stderr, "FAIL %s (%s:%d): %s\n", harness_current, __FILE__, __LINE__,   \
                    #cond);                                                                  \
        }                                                                                    \
    } while (0)

#define CHECK_STR(actual, expected)                                                          \
    do {                                                                                     \
        const char *check_a_ = (actual);                                                     \
        const char *check_e_ = (expected);                                                   \
        if (check_a_ && check_e_ && strcmp(check_a_, check_e_) == 0) {                       \
            harness_passed++;                                                                \
        } else {                                                                             \
            harness_failed++;                                                                \
            fprintf(stderr, "FAIL %s (%s:%d): %s is \"%s\", expected \"%s\"\n",               \
                    harness_current, __FILE__, __LINE__, #actual,                            \
                    check_a_ ? check_a_ : "(null)", check_e_ ? check_e_ : "(null)");         \
        }                                                                                    \
    } while (0)

#define CHECK_KIND(actual, expected)                                                         \
    do {                                                                                     \
        int check_a_ = (int)(actual);                                                        \
        int check_e_ = (int)(expected);                                                      \
        if (check_a_ == check_e_) {                                                          \
            harness_passed++;                                                                \
        } else {                                                                             \
            harness_failed++;                                                                \
            fprintf(stderr, "FAIL %s (%s:%d): %s is %s, expected %s\n", harness_current,      \
                    __FILE__, __LINE__, #actual, mindra_error_kind_name(check_a_),           \
                    mindra_error_kind_name(check_e_));                                       \
        }                                                                                    \
    } while (0)

#define RUN(test)                                                                            \
    do {                                                                                     \
        harness_current = #test;                                                             \
        fprintf(stderr, "-- %s\n", #test);                                                   \
        test();                                                                              \
    } while (0)

static int harness_finish(void) {
    printf("%d passed, %d failed\n", harness_passed, harness_failed);
    return harness_failed == 0 ? 0 : 1;
}

/* Milliseconds on a monotonic clock. */
static double now_ms(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1000.0 + (double)ts.tv_nsec / 1e6;
}

/*
 * The emulator's base URL, from MINDRA_BASE_URL (set by scripts/with-emulator.sh), copied on
 * first use so that tests may change the environment afterwards.
 */
static const char *emulator_url(void) {
    static char url[256];
    if (url[0] == '\0') {
        const char *env = getenv("MINDRA_BASE_URL");
        if (!env || strlen(env) >= sizeof url) {
            fprintf(stderr, "MINDRA_BASE_URL is not set: run the tests through the Makefile\n");
            exit(2);
        }
        strcpy(url, env);
    }
    return url;
}

/* The emulator's port, parsed from its base URL (http://127.0.0.1:PORT). */
static int emulator_port(void) {
    const char *colon = strrchr(emulator_url(), ':');
    return colon ? atoi(colon + 1) : 0;
}

/* A socket connected to 127.0.0.1:port, or -1. */
static int connect_loopback(int port) {
    struct sockaddr_in addr;
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    if (fd < 0) {
        return -1;
    }
    memset(&addr, 0, sizeof addr);
    addr.sin_family = AF_INET;
    addr.sin_port = htons((unsigned short)port);
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (connect(fd, (struct sockaddr *)&addr, sizeof addr) != 0) {
        close(fd);
        return -1;
    }
    return fd;
}

/*
 * Sends one request to the emulator's test hooks and returns the response body (malloc'd,
 * caller frees), or NULL. The hooks answer with Content-Length and "Connection: close".
 */
static char *emulator_call(const char *method, const char *path) {
    char request[512];
    size_t cap = 1 << 16, len = 0;
    char *response = (char *)malloc(cap);
    char *body;
    ssize_t got;
    int fd = connect_loopback(emulator_port());
    if (fd < 0 || !response) {
        free(response);
        if (fd >= 0) close(fd);
        return NULL;
    }
    snprintf(request, sizeof request,
             "%s %s HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\nContent-Length: 0\r\n\r\n",
             method, path);
    if (write(fd, request, strlen(request)) < 0) {
        close(fd);
        free(response);
        return NULL;
    }
    while ((got = read(fd, response + len, cap - len - 1)) > 0) {
        len += (size_t)got;
        if (len + 1 == cap) {
            char *bigger = (char *)realloc(response, cap * 2);
            if (!bigger) break;
            response = bigger;
            cap *= 2;
        }
    }
    close(fd);
    response[len] = '\0';
    body = strstr(response, "\r\n\r\n");
    if (!body) {
        free(response);
        return NULL;
    }
    memmove(response, body + 4, strlen(body + 4) + 1);
    return response;
}

/* How many TCP connections the emulator has accepted since it started. */
static long emulator_connections(void) {
    char *stats = emulator_call("GET", "/_emulator/stats");
    const char *field = stats ? strstr(stats, "\"connections\":") : NULL;
    long count = field ? strtol(field + strlen("\"connections\":"), NULL, 10) : -1;
    free(stats);
    return count;
}

/* Forgets every recorded request. */
static void emulator_clear_requests(void) { free(emulator_call("DELETE", "/_emulator/requests")); }

/* Every recorded API request as JSON (caller frees). */
static char *emulator_requests(void) { return emulator_call("GET", "/_emulator/requests"); }

/* Counts the occurrences of needle in haystack. */
static int count_occurrences(const char *haystack, const char *needle) {
    int count = 0;
    size_t step = strlen(needle);
    while (haystack && (haystack = strstr(haystack, needle)) != NULL) {
        count++;
        haystack += step;
    }
    return count;
}

/*
 * ---- Hardening helpers (test_faults.c, test_abuse.c, tests/secrets, soak) ----
 * static inline, so a test that does not use one is not warned about it. They need
 * _POSIX_C_SOURCE 200809L (defined by every test before including this header).
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>

/* A field of /proc/self/status in kB ("VmRSS", "VmHWM"), or -1. */
static inline long harness_proc_status_kb(const char *field) {
    char line[256];
    size_t len = strlen(field);
    long value = -1;
    FILE *f = fopen("/proc/self/status", "r");
    if (!f) return -1;
    while (fgets(line, sizeof line, f)) {
        if (strncmp(line, field, len) == 0 && line[len] == ':') {
            value = strtol(line + len + 1, NULL, 10);
            break;
        }
    }
    fclose(f);
    return value;
}

/* Resets VmHWM (the peak RSS) to the current RSS (Linux >= 4.0); returns 0 on success. */
static inline int harness_reset_peak_rss(void) {
    int fd = open("/proc/self/clear_refs", O_WRONLY);
    int ok;
    if (fd < 0) return -1;
    ok = write(fd, "5", 1) == 1;
    close(fd);
    return ok ? 0 : -1;
}

/* How many file descriptors the process has open (entries of /proc/self/fd), or -1. */
static inline int harness_open_fds(void) {
    int count = 0;
    struct dirent *entry;
    DIR *dir = opendir("/proc/self/fd");
    if (!dir) return -1;
    while ((entry = readdir(dir)) != NULL) {
        if (entry->d_name[0] != '.') count++;
    }
    closedir(dir);
    return count - 1; /* the directory's own descriptor */
}

static inline void harness_sleep_ms(long ms) {
    struct timespec ts;
    ts.tv_sec = ms / 1000;
    ts.tv_nsec = (ms % 1000) * 1000000L;
    while (nanosleep(&ts, &ts) != 0 && errno == EINTR) {
    }
}

static inline void harness_watchdog_fired(int sig) {
    static const char msg[] = "FAIL: watchdog: the test hung\n";
    (void)sig;
    if (write(2, msg, sizeof msg - 1) < 0) {
    }
    _exit(3);
}

/* Kills the process with a message if it is still running after `seconds` (0 disarms): a
 * hung call fails the test instead of blocking the suite. */
static inline void harness_watchdog(unsigned seconds) {
    signal(SIGALRM, harness_watchdog_fired);
    alarm(seconds);
}

/* argv[0] of the test, for finding files relative to the build tree; set by
 * harness_set_argv0. */
static inline char *harness_argv0(void) {
    static char path[4096];
    return path;
}

static inline void harness_set_argv0(const char *argv0) {
    if (argv0 && strlen(argv0) < 4096) strcpy(harness_argv0(), argv0);
}

static inline int harness_exists(const char *path, int want_exec) {
    return access(path, want_exec ? X_OK : R_OK) == 0;
}

/*
 * Finds `rel` (a path inside the repository, such as "target/release/mindra-emulator") from
 * the current directory (the Makefile runs tests from the repository root) or from the test
 * binary's place (BUILD/tests/NAME, BUILD being ROOT/build). Writes the path into out and
 * returns 1, or returns 0.
 */
static inline int harness_repo_path(const char *rel, char *out, size_t size, int want_exec) {
    const char *argv0 = harness_argv0();
    const char *slash = strrchr(argv0, '/');
    if ((size_t)snprintf(out, size, "%s", rel) < size && harness_exists(out, want_exec)) return 1;
    if (slash && (size_t)snprintf(out, size, "%.*s/../../%s", (int)(slash - argv0), argv0, rel) < size &&
        harness_exists(out, want_exec)) {
        return 1;
    }
    return 0;
}

/* The emulator binary: $MINDRA_EMULATOR_BIN, or target/release/mindra-emulator. */
static inline int harness_emulator_binary(char *out, size_t size) {
    const char *env = getenv("MINDRA_EMULATOR_BIN");
    if (env && env[0] && strlen(env) < size && harness_exists(env, 1)) {
        strcpy(out, env);
        return 1;
    }
    return harness_repo_path("target/release/mindra-emulator", out, size, 1);
}

/*
 * Starts an emulator of its own with `--port 0 --quiet` and the NULL-terminated extra
 * arguments; stores its base URL in url. Returns its pid, or -1. Stop it with
 * harness_stop_emulator.
 */
static inline pid_t harness_spawn_emulator(const char *const extra[], char *url, size_t url_size) {
    char bin[4096];
    const char *argv[32];
    int fds[2], n = 0, i;
    size_t got = 0;
    pid_t pid;
    if (!harness_emulator_binary(bin, sizeof bin) || pipe(fds) != 0) return -1;
    argv[n++] = bin;
    argv[n++] = "--port";
    argv[n++] = "0";
    argv[n++] = "--quiet";
    for (i = 0; extra && extra[i] && n < 31; i++) argv[n++] = extra[i];
    argv[n] = NULL;
    pid = fork();
    if (pid < 0) {
        close(fds[0]);
        close(fds[1]);
        return -1;
    }
    if (pid == 0) {
        int devnull = open("/dev/null", O_RDWR);
        dup2(fds[1], 1);
        if (devnull >= 0) {
            dup2(devnull, 0);
            dup2(devnull, 2);
        }
        close(fds[0]);
        close(fds[1]);
        execv(bin, (char *const *)argv);
        _exit(127);
    }
    close(fds[1]);
    while (got + 1 < url_size) {
        struct pollfd p;
        char c;
        p.fd = fds[0];
        p.events = POLLIN;
        if (poll(&p, 1, 20000) <= 0 || read(fds[0], &c, 1) != 1) break;
        if (c == '\n') break;
        url[got++] = c;
    }
    url[got] = '\0';
    close(fds[0]);
    if (got == 0) {
        kill(pid, SIGKILL);
        waitpid(pid, NULL, 0);
        return -1;
    }
    return pid;
}

static inline void harness_stop_emulator(pid_t pid) {
    if (pid > 0) {
        kill(pid, SIGTERM);
        waitpid(pid, NULL, 0);
    }
}

/* A TCP socket listening on ip:0 (any free port, stored in *port), or -1. */
static inline int harness_listen(const char *ip, int *port) {
    struct sockaddr_in addr;
    socklen_t len = sizeof addr;
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    if (fd < 0) return -1;
    memset(&addr, 0, sizeof addr);
    addr.sin_family = AF_INET;
    if (inet_pton(AF_INET, ip, &addr.sin_addr) != 1 || bind(fd, (struct sockaddr *)&addr, sizeof addr) != 0 ||
        listen(fd, 16) != 0 || getsockname(fd, (struct sockaddr *)&addr, &len) != 0) {
        close(fd);
        return -1;
    }
    *port = ntohs(addr.sin_port);
    return fd;
}

#endif
