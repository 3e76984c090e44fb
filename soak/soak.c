/*
 * Soak and load: 16 threads share ONE client for a configurable time and run a mix of
 * runs, streams (hello, tools, many small events, approvals decided from another thread),
 * direct approvals and cancels against the emulator, while a sampler records the process's
 * RSS (VmRSS) and open file descriptors (/proc/self/fd) every second.
 *
 * It fails if any call returns an unexpected result, or if between the sample at 25% of the
 * run (after warm-up) and the last one the RSS grew by more than SOAK_MAX_RSS_GROWTH_KB
 * (default 8 MiB) or the descriptors by more than SOAK_MAX_FD_GROWTH (default 32).
 *
 *   soak SECONDS [THREADS]     (MINDRA_BASE_URL and MINDRA_API_KEY from the environment)
 *
 * Prints a summary: calls and errors per kind, RSS and descriptors at start, warm and end.
 */
#define _POSIX_C_SOURCE 200809L
#include <pthread.h>

#include "harness.h"

enum op {
    OP_RUN,
    OP_RUN_NOT_FOUND,
    OP_STREAM_HELLO,
    OP_STREAM_TOOLS,
    OP_STREAM_MANY,
    OP_STREAM_APPROVAL,
    OP_APPROVE_DIRECT,
    OP_CANCEL,
    OP_COUNT
};

static const char *const op_names[OP_COUNT] = {
    "run hello",        "run unknown (404)", "stream hello", "stream tools", "stream many-events",
    "stream approval (decided by another thread)", "approve then stream", "cancel a blocked stream"};

/* Out of 100. */
static const int op_weights[OP_COUNT] = {25, 5, 15, 10, 10, 15, 10, 10};

#define MAX_THREADS 64
#define MAX_SAMPLES 100000
#define MAX_REPORTED 20

static MindraClient *client;
static double deadline_ms;
static volatile int stopping = 0;

static pthread_mutex_t stats_lock = PTHREAD_MUTEX_INITIALIZER;
static long calls[OP_COUNT], errors[OP_COUNT], events_total = 0;
static int reported = 0;

/* ---- the helper thread: decisions and cancels asked for by the workers ---- */

struct job {
    int is_cancel;
    /* a decision */
    char execution_id[64], approval_id[64];
    int approve;
    /* a cancel */
    MindraStream *stream;
    int delay_ms;
    /* set by the helper once the job is done */
    int done;
    MindraErrorKind result;
    struct job *next;
};

static pthread_mutex_t queue_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t queue_cond = PTHREAD_COND_INITIALIZER;
static pthread_cond_t done_cond = PTHREAD_COND_INITIALIZER;
static struct job *queue_head = NULL, *queue_tail = NULL;
static int helper_exit = 0;

static void submit(struct job *job) {
    pthread_mutex_lock(&queue_lock);
    job->done = 0;
    job->next = NULL;
    if (queue_tail) {
        queue_tail->next = job;
    } else {
        queue_head = job;
    }
    queue_tail = job;
    pthread_cond_broadcast(&queue_cond);
    pthread_mutex_unlock(&queue_lock);
}

static void wait_done(struct job *job) {
    pthread_mutex_lock(&queue_lock);
    while (!job->done) pthread_cond_wait(&done_cond, &queue_lock);
    pthread_mutex_unlock(&queue_lock);
}

static void *helper(void *arg) {
    (void)arg;
    for (;;) {
        struct job *job;
        pthread_mutex_lock(&queue_lock);
        while (!queue_head && !helper_exit) pthread_cond_wait(&queue_cond, &queue_lock);
        if (!queue_head) {
            pthread_mutex_unlock(&queue_lock);
            return NULL;
        }
        job = queue_head;
        queue_head = job->next;
        if (!queue_head) queue_tail = NULL;
        pthread_mutex_unlock(&queue_lock);

        if (job->is_cancel) {
            harness_sleep_ms(job->delay_ms);
            mindra_stream_cancel(job->stream);
            job->result = MINDRA_OK;
        } else if (job->approve) {
            job->result = mindra_approve(client, job->execution_id, job->approval_id, NULL, NULL);
        } else {
            job->result = mindra_reject(client, job->execution_id, job->approval_id, "soak", NULL);
        }
        pthread_mutex_lock(&queue_lock);
        job->done = 1;
        pthread_cond_broadcast(&done_cond);
        pthread_mutex_unlock(&queue_lock);
    }
}

/* ---- the workers ---- */

/* Records an unexpected outcome (the first few in full). */
static void unexpected(enum op op, const char *what, int kind, const char *message) {
    pthread_mutex_lock(&stats_lock);
    errors[op]++;
    if (reported++ < MAX_REPORTED) {
        fprintf(stderr, "soak: %s: %s: %s: %s\n", op_names[op], what, mindra_error_kind_name(kind),
                message ? message : "(no message)");
    }
    pthread_mutex_unlock(&stats_lock);
}

static unsigned next_random(unsigned *state) {
    unsigned x = *state;
    x ^= x << 13;
    x ^= x >> 17;
    x ^= x << 5;
    return *state = x;
}

/* Starts slug; returns the result when it started (else NULL, error recorded). */
static MindraRunResult *start(enum op op, const char *slug, const char *metadata) {
    MindraRunResult *result = mindra_client_run_workflow(client, slug, "soak", metadata);
    if (result->error != MINDRA_OK) {
        unexpected(op, slug, (int)result->error, result->error_message);
        mindra_run_result_free(result);
        return NULL;
    }
    return result;
}

/*
 * Reads a stream to done. For an approval request, submits a decision to the helper (or
 * nothing when decided is set). Returns the number of events and stores the final answer's
 * first bytes; -1 on an unexpected error.
 */
static int read_to_done(enum op op, MindraStream *stream, const char *execution_id, int approve, int decided,
                        char *answer, size_t answer_size) {
    struct job job;
    int events = 0, submitted = 0;
    answer[0] = '\0';
    for (;;) {
        MindraError *error = NULL;
        MindraEvent *event = mindra_stream_next(stream, &error);
        if (!event) {
            if (submitted) wait_done(&job);
            if (error) {
                unexpected(op, "next", (int)error->kind, error->message);
                mindra_error_free(error);
                return -1;
            }
            if (submitted && job.result != MINDRA_OK) {
                unexpected(op, "decision", (int)job.result, "approve/reject from the helper failed");
                return -1;
            }
            return events;
        }
        events++;
        if (event->type == MINDRA_EVENT_APPROVAL_REQUEST && !decided && !submitted) {
            memset(&job, 0, sizeof job);
            snprintf(job.execution_id, sizeof job.execution_id, "%s", execution_id);
            snprintf(job.approval_id, sizeof job.approval_id, "%s", event->approval_id ? event->approval_id : "");
            job.approve = approve;
            submit(&job);
            submitted = 1;
        }
        if (event->type == MINDRA_EVENT_DONE && event->final_answer) {
            snprintf(answer, answer_size, "%s", event->final_answer);
        }
        mindra_event_free(event);
    }
}

/* Runs slug, streams it to done and checks the event count and final answer. */
static void stream_op(enum op op, const char *slug, const char *metadata, int expected_events,
                      const char *expected_answer, int approve, int decide_first) {
    char answer[128];
    int events;
    MindraError *error = NULL;
    MindraStream *stream;
    MindraRunResult *run = start(op, slug, metadata);
    if (!run) return;
    if (decide_first) {
        char approval_id[64];
        MindraErrorKind kind;
        snprintf(approval_id, sizeof approval_id, "ap_%s", run->execution_id + 3);
        kind = approve ? mindra_approve(client, run->execution_id, approval_id, "soak", &error)
                       : mindra_reject(client, run->execution_id, approval_id, NULL, &error);
        if (kind != MINDRA_OK) {
            unexpected(op, "approve", (int)kind, error ? error->message : NULL);
            mindra_error_free(error);
            mindra_run_result_free(run);
            return;
        }
    }
    stream = mindra_stream_open(client, run->stream_url, &error);
    if (!stream) {
        unexpected(op, "open", error ? (int)error->kind : 0, error ? error->message : NULL);
        mindra_error_free(error);
        mindra_run_result_free(run);
        return;
    }
    events = read_to_done(op, stream, run->execution_id, approve, decide_first, answer, sizeof answer);
    if (events >= 0 && (events != expected_events || strcmp(answer, expected_answer) != 0)) {
        char what[256];
        snprintf(what, sizeof what, "%d events, answer \"%s\" (expected %d, \"%s\")", events, answer,
                 expected_events, expected_answer);
        unexpected(op, slug, 0, what);
    }
    if (events > 0) {
        pthread_mutex_lock(&stats_lock);
        events_total += events;
        pthread_mutex_unlock(&stats_lock);
    }
    mindra_stream_free(stream);
    mindra_run_result_free(run);
}

static void cancel_op(void) {
    struct job job;
    MindraError *error = NULL;
    MindraEvent *event;
    MindraStream *stream;
    double started;
    MindraRunResult *run = start(OP_CANCEL, "slow-stream", "{\"silence_ms\":5000}");
    if (!run) return;
    stream = mindra_stream_open(client, run->stream_url, &error);
    mindra_run_result_free(run);
    if (!stream) {
        unexpected(OP_CANCEL, "open", error ? (int)error->kind : 0, error ? error->message : NULL);
        mindra_error_free(error);
        return;
    }
    event = mindra_stream_next(stream, &error); /* "Thinking..." */
    if (!event) {
        unexpected(OP_CANCEL, "first event", error ? (int)error->kind : 0, error ? error->message : NULL);
        mindra_error_free(error);
        mindra_stream_free(stream);
        return;
    }
    mindra_event_free(event);
    memset(&job, 0, sizeof job);
    job.is_cancel = 1;
    job.stream = stream;
    job.delay_ms = 20;
    submit(&job);
    started = now_ms();
    event = mindra_stream_next(stream, &error); /* blocked until the helper cancels */
    if (event || !error || error->kind != MINDRA_ERR_CANCELLED || now_ms() - started > 3000) {
        unexpected(OP_CANCEL, "next after cancel", error ? (int)error->kind : 0,
                   event ? "an event instead of CANCELLED" : error ? error->message : "no error");
    }
    mindra_event_free(event);
    mindra_error_free(error);
    wait_done(&job); /* the helper's cancel call has returned: the stream may be freed */
    mindra_stream_free(stream);
}

static void *worker(void *arg) {
    unsigned state = (unsigned)(size_t)arg * 2654435761u + 12345u;
    while (!stopping && now_ms() < deadline_ms) {
        int pick = (int)(next_random(&state) % 100), op = 0, acc = op_weights[0];
        while (pick >= acc && op < OP_COUNT - 1) acc += op_weights[++op];
        switch ((enum op)op) {
        case OP_RUN: {
            MindraRunResult *run = start(OP_RUN, "hello", "{\"soak\":true}");
            mindra_run_result_free(run);
            break;
        }
        case OP_RUN_NOT_FOUND: {
            MindraRunResult *run = mindra_client_run_workflow(client, "no-such-soak-workflow", "soak", NULL);
            if (run->error != MINDRA_ERR_NOT_FOUND || !run->error_code ||
                strcmp(run->error_code, "WORKFLOW_NOT_FOUND") != 0) {
                unexpected(OP_RUN_NOT_FOUND, "run", (int)run->error, run->error_message);
            }
            mindra_run_result_free(run);
            break;
        }
        case OP_STREAM_HELLO:
            stream_op(OP_STREAM_HELLO, "hello", NULL, 7, "Hello, world!", 1, 0);
            break;
        case OP_STREAM_TOOLS:
            stream_op(OP_STREAM_TOOLS, "tools", NULL, 5, "42", 1, 0);
            break;
        case OP_STREAM_MANY:
            stream_op(OP_STREAM_MANY, "many-events", "{\"events\":200,\"chunk_size\":32}", 201, "200 chunks sent",
                      1, 0);
            break;
        case OP_STREAM_APPROVAL: {
            int approve = (int)(next_random(&state) & 1);
            /* chunk, approval_request, then tool_executing, tool_result, done (approved) or
             * chunk, done (rejected with the reason "soak") */
            stream_op(OP_STREAM_APPROVAL, "approval", NULL, approve ? 5 : 4,
                      approve ? "Email sent." : "Email not sent: rejected: soak", approve, 0);
            break;
        }
        case OP_APPROVE_DIRECT: {
            int approve = (int)(next_random(&state) & 1);
            stream_op(OP_APPROVE_DIRECT, "approval", NULL, approve ? 5 : 4,
                      approve ? "Email sent." : "Email not sent: rejected", approve, 1);
            break;
        }
        case OP_CANCEL:
            cancel_op();
            break;
        default:
            break;
        }
        pthread_mutex_lock(&stats_lock);
        calls[op]++;
        pthread_mutex_unlock(&stats_lock);
    }
    return NULL;
}

/* ---- the sampler ---- */

static long rss_kb[MAX_SAMPLES];
static int fds[MAX_SAMPLES];
static int samples = 0;

static void *sampler(void *arg) {
    (void)arg;
    while (!stopping && samples < MAX_SAMPLES) {
        rss_kb[samples] = harness_proc_status_kb("VmRSS");
        fds[samples] = harness_open_fds();
        samples++;
        if (now_ms() >= deadline_ms) break;
        harness_sleep_ms(1000);
    }
    return NULL;
}

static long env_long(const char *name, long fallback) {
    const char *v = getenv(name);
    return v && v[0] ? strtol(v, NULL, 10) : fallback;
}

int main(int argc, char **argv) {
    long seconds = argc > 1 ? strtol(argv[1], NULL, 10) : 20;
    int threads = argc > 2 ? atoi(argv[2]) : 16;
    long max_rss_growth = env_long("SOAK_MAX_RSS_GROWTH_KB", 8 * 1024);
    long max_fd_growth = env_long("SOAK_MAX_FD_GROWTH", 32);
    pthread_t workers[MAX_THREADS], helper_thread, sampler_thread;
    MindraError *error = NULL;
    long total_calls = 0, total_errors = 0, rss_after;
    int i, warm, last, failed = 0, fds_after;
    double started;

    if (seconds < 4 || threads < 1 || threads > MAX_THREADS) {
        fprintf(stderr, "usage: soak SECONDS(>=4) [THREADS(1..%d)]\n", MAX_THREADS);
        return 2;
    }
    client = mindra_client_new(NULL, NULL, &error);
    if (!client) {
        fprintf(stderr, "soak: no client: %s\n", error ? error->message : "?");
        mindra_error_free(error);
        return 2;
    }
    mindra_client_set_timeout_ms(client, 10000);

    started = now_ms();
    deadline_ms = started + (double)seconds * 1000.0;
    pthread_create(&sampler_thread, NULL, sampler, NULL);
    pthread_create(&helper_thread, NULL, helper, NULL);
    for (i = 0; i < threads; i++) pthread_create(&workers[i], NULL, worker, (void *)(size_t)(i + 1));
    for (i = 0; i < threads; i++) pthread_join(workers[i], NULL);
    pthread_join(sampler_thread, NULL);
    pthread_mutex_lock(&queue_lock);
    helper_exit = 1;
    pthread_cond_broadcast(&queue_cond);
    pthread_mutex_unlock(&queue_lock);
    pthread_join(helper_thread, NULL);
    /* After the load: every worker finished and the client freed. */
    mindra_client_free(client);
    rss_after = harness_proc_status_kb("VmRSS");
    fds_after = harness_open_fds();

    printf("soak: %ld s, %d threads on one client, %.1f s elapsed\n", seconds, threads, (now_ms() - started) / 1000.0);
    for (i = 0; i < OP_COUNT; i++) {
        printf("  %-46s %8ld calls %4ld unexpected\n", op_names[i], calls[i], errors[i]);
        total_calls += calls[i];
        total_errors += errors[i];
    }
    printf("  %-46s %8ld calls %4ld unexpected (%.0f calls/s, %ld events read)\n", "total", total_calls, total_errors,
           (double)total_calls / (double)seconds, events_total);
    /* Both compared samples are taken under load: the one at 25% of the run (after warm-up)
     * and the last one. */
    warm = samples / 4;
    last = samples - 1;
    {
        long low = rss_kb[warm], high = rss_kb[warm];
        int fd_high = fds[warm];
        for (i = warm; i <= last; i++) {
            if (rss_kb[i] < low) low = rss_kb[i];
            if (rss_kb[i] > high) high = rss_kb[i];
            if (fds[i] > fd_high) fd_high = fds[i];
        }
        printf("  RSS  start %ld kB, warm (sample %d of %d) %ld kB, end %ld kB: %+ld kB after warm-up (limit %ld);"
               " after warm-up between %ld and %ld kB; %ld kB once the client is freed\n",
               rss_kb[0], warm, samples, rss_kb[warm], rss_kb[last], rss_kb[last] - rss_kb[warm], max_rss_growth, low,
               high, rss_after);
        printf("  fds  start %d, warm %d, end %d: %+d after warm-up (limit %ld); at most %d after warm-up;"
               " %d once the client is freed\n",
               fds[0], fds[warm], fds[last], fds[last] - fds[warm], max_fd_growth, fd_high, fds_after);
    }

    if (total_errors > 0) {
        printf("FAIL soak: %ld unexpected results\n", total_errors);
        failed++;
    }
    if (rss_kb[last] - rss_kb[warm] > max_rss_growth) {
        printf("FAIL soak: RSS grew %ld kB after warm-up\n", rss_kb[last] - rss_kb[warm]);
        failed++;
    }
    if (fds[last] - fds[warm] > max_fd_growth) {
        printf("FAIL soak: %d more descriptors after warm-up\n", fds[last] - fds[warm]);
        failed++;
    }
    if (calls[OP_CANCEL] == 0 || calls[OP_STREAM_APPROVAL] == 0) {
        printf("FAIL soak: the mix did not run every kind\n");
        failed++;
    }
    /* Freeing the client closes every connection it held. */
    if (fds_after > fds[0] + 2) {
        printf("FAIL soak: %d descriptors open after the client was freed (%d at start)\n", fds_after, fds[0]);
        failed++;
    }
    printf("%d passed, %d failed\n", 5 - failed, failed);
    return failed ? 1 : 0;
}
