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

#endif
