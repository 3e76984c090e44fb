/*
 * Proof that the sanitizer build of the C tests (mk/sanitize.mk) really checks something.
 * Compiled and linked exactly like them (C99 strict flags, -fsanitize=address,undefined,
 * -fno-sanitize-recover=all, against the normal release libmindra.so), it does one thing
 * per mode; `make test-sanitize` expects each bad mode to FAIL with the named report:
 *
 *   ok            clean use of libmindra, must pass            (no report)
 *   overflow      reads one byte past a malloc'd buffer        heap-buffer-overflow
 *   ub            signed integer overflow                      runtime error: signed integer overflow
 *   double-free   frees a libmindra result twice               attempting double-free
 *   use-after-free  reads a libmindra string after freeing it  heap-use-after-free
 *   leak          never frees a libmindra result               detected memory leaks
 *
 * The last three show that memory allocated by the (uninstrumented) Rust code through the
 * system allocator is tracked by ASan's interposed malloc/free: misuse of it from C is caught.
 * No network: mindra_run_workflow with a NULL slug fails before any request.
 */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mindra.h"

/* A result allocated by libmindra: the NULL slug is refused with an error message. */
static MindraRunResult *refused_run(void) {
    MindraRunResult *run = mindra_run_workflow(NULL, "task", NULL);
    if (!run || run->error != MINDRA_ERR_INVALID_ARGUMENT || !run->error_message) {
        fprintf(stderr, "asan_canary: unexpected result from libmindra\n");
        exit(2);
    }
    return run;
}

int main(int argc, char **argv) {
    const char *mode = argc > 1 ? argv[1] : "ok";
    if (strcmp(mode, "ok") == 0) {
        MindraRunResult *run = refused_run();
        printf("libmindra %s: %s\n", mindra_version(), run->error_message);
        mindra_run_result_free(run);
        return 0;
    }
    if (strcmp(mode, "overflow") == 0) {
        size_t size = strlen(mode); /* not a constant, so the compiler cannot see the bug */
        char *buffer = malloc(size);
        volatile char past;
        if (!buffer) return 2;
        memset(buffer, 'x', size);
        past = buffer[size]; /* one byte past the end */
        printf("read %d past the buffer: ASan is not active\n", past);
        free(buffer);
        return 0;
    }
    if (strcmp(mode, "ub") == 0) {
        volatile int big = INT_MAX - (int)strlen(mode) + 2;
        int sum = big + (int)strlen(mode); /* INT_MAX + 2 */
        printf("INT_MAX + 2 = %d: UBSan is not active\n", sum);
        return 0;
    }
    if (strcmp(mode, "double-free") == 0) {
        MindraRunResult *run = refused_run();
        mindra_run_result_free(run);
        mindra_run_result_free(run);
        printf("freed twice: ASan did not notice\n");
        return 0;
    }
    if (strcmp(mode, "use-after-free") == 0) {
        MindraRunResult *run = refused_run();
        char *message = run->error_message;
        volatile char first;
        mindra_run_result_free(run);
        first = message[0];
        printf("read '%c' after free: ASan did not notice\n", first);
        return 0;
    }
    if (strcmp(mode, "leak") == 0) {
        MindraRunResult *run = refused_run();
        run = NULL; /* the only pointer to it is gone */
        printf("leaked a result%s\n", run ? "" : ": LeakSanitizer must report it at exit");
        return 0;
    }
    fprintf(stderr, "usage: asan_canary [ok|overflow|ub|double-free|use-after-free|leak]\n");
    return 2;
}
