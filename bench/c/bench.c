/*
 * The C benchmarks of libmindra: every figure is measured beside its peer (libcurl, with cJSON
 * and the WHATWG parser in sse_parser.c) in the same process and run, interleaved run by run
 * (A B, B A, ...), and reported as medians with the ratio libmindra/peer. bench/run.sh starts
 * the servers and calls the subcommands below; see bench/README.md.
 *
 * Environment: BENCH_BASE_URL (the nginx server), BENCH_API_KEY, BENCH_SERVER_PID (its worker,
 * for the server's CPU share), BENCH_RUNS (default 5), BENCH_RESULTS (the JSON-lines file).
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <cjson/cJSON.h>
#include <curl/curl.h>
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <pthread.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "common.h"
#include "mindra.h"
#include "sse_parser.h"

extern char **environ;

static const char *base_url, *api_key;
static pid_t server_pid;
static int runs = 5;
static volatile size_t sink; /* every touched field feeds it, so nothing is optimised away */

static const char *TASK = "Summarise the quarterly report for the board";
static const char *SLUG = "bench";

static const char *env_or(const char *name, const char *fallback) {
    const char *v = getenv(name);
    return v && *v ? v : fallback;
}

/* ------------------------------------------------------------------------------------------ */
/* Interleaved runs */

typedef struct contestant {
    const char *label;
    double (*fn)(void *ctx, double *wall_s); /* returns the figure of one run */
    void *ctx;
    double v[MAX_RUNS];
    double server_s, wall_s;
    long conns; /* connections nginx accepted during this contestant's runs (-1 unknown) */
    double ops; /* operations per run (calls, events, processes): for the CPU cost per op */
    double cpu_us[MAX_RUNS]; /* client CPU (user + system, this process and its children) per op */
} contestant;

/* CPU time used by this process (all threads) and its waited-for children, in seconds. */
static double client_cpu_s(void) {
    struct rusage a, b;
    getrusage(RUSAGE_SELF, &a);
    getrusage(RUSAGE_CHILDREN, &b);
    return (double)(a.ru_utime.tv_sec + a.ru_stime.tv_sec + b.ru_utime.tv_sec + b.ru_stime.tv_sec) +
           (double)(a.ru_utime.tv_usec + a.ru_stime.tv_usec + b.ru_utime.tv_usec +
                    b.ru_stime.tv_usec) / 1e6;
}

static int count_conns; /* ask nginx's stub_status around every run */
static long nginx_accepts(void);

/* BENCH_SIDE=mindra or peer runs one side only (for profiling; the peer is the last). */
static void interleave(contestant *c, int nc, int nruns) {
    double tps = ticks_per_s();
    const char *side = getenv("BENCH_SIDE");
    for (int r = 0; r < nruns; r++) {
        for (int k = 0; k < nc; k++) {
            int idx = r % 2 ? nc - 1 - k : k;
            if (side && !strcmp(side, "mindra") && idx == nc - 1) continue;
            if (side && !strcmp(side, "peer") && idx != nc - 1) continue;
            contestant *x = &c[idx];
            double wall = 0;
            long a0 = count_conns ? nginx_accepts() : -1;
            long long t0 = proc_cpu_ticks(server_pid);
            double c0 = client_cpu_s();
            x->v[r] = x->fn(x->ctx, &wall);
            double c1 = client_cpu_s();
            long long t1 = proc_cpu_ticks(server_pid);
            x->cpu_us[r] = x->ops > 0 ? (c1 - c0) * 1e6 / x->ops : NAN;
            long a1 = count_conns ? nginx_accepts() : -1;
            /* Each status request is one connection of its own (counted in a1). */
            if (a0 < 0 || a1 < 0 || x->conns < 0) x->conns = -1;
            else x->conns += a1 - a0 - 1;
            x->server_s += (double)(t1 - t0) / tps;
            x->wall_s += wall;
        }
    }
}

static double server_share(const contestant *c) {
    return server_pid > 0 && c->wall_s > 0 ? c->server_s / c->wall_s : NAN;
}

static void emit_pair(const char *name, const char *unit, const char *better, contestant *m,
                      contestant *p, const char *target, double min_ratio, const char *extra) {
    result r = {0};
    r.name = name;
    r.unit = unit;
    r.better = better;
    r.peer_label = p->label;
    r.mindra = median(m->v, runs);
    r.peer = median(p->v, runs);
    r.runs = runs;
    r.server_cpu_mindra = server_share(m);
    r.server_cpu_peer = server_share(p);
    r.target = target;
    r.pass = target ? (r.mindra / r.peer >= min_ratio) : -1;
    /* Every sample, and the median of the ratios of runs made back to back (less sensitive
     * to load that drifts over the whole measurement than the ratio of the medians). */
    char all[2048];
    size_t o = 0;
    double pr[MAX_RUNS];
    char cpu_line[256] = "";
    o += (size_t)snprintf(all + o, sizeof all - o, "%s%s\"mindra_samples\":[", extra ? extra : "",
                          extra && *extra ? "," : "");
    for (int i = 0; i < runs; i++)
        o += (size_t)snprintf(all + o, sizeof all - o, "%s%.6g", i ? "," : "", m->v[i]);
    o += (size_t)snprintf(all + o, sizeof all - o, "],\"peer_samples\":[");
    for (int i = 0; i < runs; i++) {
        o += (size_t)snprintf(all + o, sizeof all - o, "%s%.6g", i ? "," : "", p->v[i]);
        pr[i] = m->v[i] / p->v[i];
    }
    o += (size_t)snprintf(all + o, sizeof all - o, "],\"pair_ratio_median\":%.4g", median(pr, runs));
    if (m->ops > 0 && p->ops > 0) {
        double mc = median(m->cpu_us, runs), pc = median(p->cpu_us, runs);
        o += (size_t)snprintf(all + o, sizeof all - o,
                              ",\"mindra_cpu_us_per_op\":%.4g,\"peer_cpu_us_per_op\":%.4g,"
                              "\"cpu_ratio\":%.4g",
                              mc, pc, mc / pc);
        snprintf(cpu_line, sizeof cpu_line,
                 "%-30s %-10s mindra %-10.2f %s %-10.2f  CPU ratio %.2fx (lower is better)\n",
                 "  (client CPU per op)", "us", mc, p->label, pc, mc / pc);
    }
    if (count_conns)
        snprintf(all + o, sizeof all - o, ",\"mindra_new_connections\":%ld,\"peer_new_connections\":%ld",
                 m->conns, p->conns);
    r.extra = all;
    emit(&r);
    fputs(cpu_line, stdout);
}

/* ------------------------------------------------------------------------------------------ */
/* libcurl helpers */

typedef struct growbuf {
    char *p;
    size_t len, cap;
} growbuf;

static size_t collect_body(char *data, size_t size, size_t nmemb, void *user) {
    growbuf *b = user;
    size_t n = size * nmemb;
    if (b->len + n + 1 > b->cap) {
        size_t cap = b->cap ? b->cap : 1024;
        while (cap < b->len + n + 1) cap *= 2;
        char *p = realloc(b->p, cap);
        if (!p) return 0;
        b->p = p;
        b->cap = cap;
    }
    memcpy(b->p + b->len, data, n);
    b->len += n;
    b->p[b->len] = '\0';
    return n;
}

/* Appends s as a JSON string literal to out (capacity cap); returns the length written. */
static size_t json_string(char *out, size_t cap, const char *s) {
    size_t o = 0;
    out[o++] = '"';
    for (; *s && o + 8 < cap; s++) {
        unsigned char c = (unsigned char)*s;
        if (c == '"' || c == '\\') {
            out[o++] = '\\';
            out[o++] = (char)c;
        } else if (c < 0x20) {
            o += (size_t)snprintf(out + o, cap - o, "\\u%04x", c);
        } else {
            out[o++] = (char)c;
        }
    }
    out[o++] = '"';
    out[o] = '\0';
    return o;
}

static char *url_of(const char *base, const char *path) {
    char *u = malloc(strlen(base) + strlen(path) + 1);
    strcpy(u, base);
    strcat(u, path);
    return u;
}

/* ------------------------------------------------------------------------------------------ */
/* Runs: mindra_client_run_workflow / mindra_run_workflow vs libcurl + cJSON */

typedef struct peer_exec {
    char *execution_id, *status, *workflow_slug, *workflow_name, *stream_url, *created_at,
        *conversation_id;
} peer_exec;

static char *take_string(const cJSON *root, const char *key, int optional, int *ok) {
    const cJSON *item = cJSON_GetObjectItemCaseSensitive(root, key);
    if (optional && (!item || cJSON_IsNull(item))) return NULL;
    if (!cJSON_IsString(item)) {
        *ok = 0;
        return NULL;
    }
    return strdup(item->valuestring);
}

/* What a C program with libcurl does with the run response: check the status, parse the body,
 * copy the documented fields into malloc'd strings (as libmindra hands them out). */
static int peer_parse_run(const char *body, size_t len, peer_exec *e) {
    cJSON *root = cJSON_ParseWithLength(body, len);
    if (!cJSON_IsObject(root)) {
        cJSON_Delete(root);
        return 0;
    }
    int ok = 1;
    e->execution_id = take_string(root, "execution_id", 0, &ok);
    e->status = take_string(root, "status", 0, &ok);
    e->workflow_slug = take_string(root, "workflow_slug", 0, &ok);
    e->workflow_name = take_string(root, "workflow_name", 0, &ok);
    e->stream_url = take_string(root, "stream_url", 0, &ok);
    e->created_at = take_string(root, "created_at", 0, &ok);
    e->conversation_id = take_string(root, "conversation_id", 1, &ok);
    cJSON_Delete(root);
    return ok;
}

static void peer_exec_touch_free(peer_exec *e) {
    sink += strlen(e->execution_id) + strlen(e->status) + strlen(e->workflow_slug) +
            strlen(e->workflow_name) + strlen(e->stream_url) + strlen(e->created_at) +
            (e->conversation_id ? strlen(e->conversation_id) : 0);
    free(e->execution_id);
    free(e->status);
    free(e->workflow_slug);
    free(e->workflow_name);
    free(e->stream_url);
    free(e->created_at);
    free(e->conversation_id);
}

static void mindra_touch_free(MindraRunResult *r) {
    if (r->error != MINDRA_OK)
        die("mindra run failed: %s: %s (HTTP %u)", mindra_error_kind_name((int32_t)r->error),
            r->error_message, (unsigned)r->http_status);
    sink += strlen(r->execution_id) + strlen(r->status) + strlen(r->workflow_slug) +
            strlen(r->workflow_name) + strlen(r->stream_url) + strlen(r->created_at) +
            (r->conversation_id ? strlen(r->conversation_id) : 0);
    mindra_run_result_free(r);
}

typedef struct curl_runner {
    CURL *h;
    struct curl_slist *headers;
    char *url;
    growbuf body;
} curl_runner;

static void curl_runner_init(curl_runner *c) {
    memset(c, 0, sizeof *c);
    c->h = curl_easy_init();
    char key[256];
    snprintf(key, sizeof key, "x-api-key: %s", api_key);
    c->headers = curl_slist_append(NULL, key);
    c->headers = curl_slist_append(c->headers, "content-type: application/json");
    c->headers = curl_slist_append(c->headers, "accept: application/json");
    char path[256];
    snprintf(path, sizeof path, "/v1/workflows/%s/run", SLUG);
    c->url = url_of(base_url, path);
    curl_easy_setopt(c->h, CURLOPT_URL, c->url);
    curl_easy_setopt(c->h, CURLOPT_HTTPHEADER, c->headers);
    curl_easy_setopt(c->h, CURLOPT_USERAGENT, "bench-libcurl");
    curl_easy_setopt(c->h, CURLOPT_WRITEFUNCTION, collect_body);
    curl_easy_setopt(c->h, CURLOPT_WRITEDATA, &c->body);
    curl_easy_setopt(c->h, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(c->h, CURLOPT_TIMEOUT_MS, 30000L);
}

static void curl_runner_free(curl_runner *c) {
    curl_easy_cleanup(c->h);
    curl_slist_free_all(c->headers);
    free(c->url);
    free(c->body.p);
}

/* One run through libcurl: the request body is built per call, as libmindra does. */
static void curl_run_once(curl_runner *c) {
    char body[512];
    size_t n = (size_t)snprintf(body, sizeof body, "{\"task\":");
    n += json_string(body + n, sizeof body - n, TASK);
    n += (size_t)snprintf(body + n, sizeof body - n, ",\"metadata\":{}}");
    curl_easy_setopt(c->h, CURLOPT_POSTFIELDSIZE, (long)n);
    curl_easy_setopt(c->h, CURLOPT_POSTFIELDS, body);
    c->body.len = 0;
    CURLcode rc = curl_easy_perform(c->h);
    if (rc != CURLE_OK) die("curl run failed: %s", curl_easy_strerror(rc));
    long status = 0;
    curl_easy_getinfo(c->h, CURLINFO_RESPONSE_CODE, &status);
    if (status < 200 || status > 299) die("curl run: HTTP %ld", status);
    peer_exec e = {0};
    if (!peer_parse_run(c->body.p, c->body.len, &e)) die("curl run: bad JSON: %s", c->body.p);
    peer_exec_touch_free(&e);
}

typedef struct seq_ctx {
    MindraClient *client; /* NULL: the default client (mindra_run_workflow) */
    curl_runner curl;
    int calls;
} seq_ctx;

static double seq_mindra(void *p, double *wall) {
    seq_ctx *c = p;
    double t0 = now_s();
    for (int i = 0; i < c->calls; i++)
        mindra_touch_free(mindra_client_run_workflow(c->client, SLUG, TASK, NULL));
    *wall = now_s() - t0;
    return c->calls / *wall;
}

static double seq_mindra_default(void *p, double *wall) {
    seq_ctx *c = p;
    double t0 = now_s();
    for (int i = 0; i < c->calls; i++) mindra_touch_free(mindra_run_workflow(SLUG, TASK, NULL));
    *wall = now_s() - t0;
    return c->calls / *wall;
}

static double seq_curl(void *p, double *wall) {
    seq_ctx *c = p;
    double t0 = now_s();
    for (int i = 0; i < c->calls; i++) curl_run_once(&c->curl);
    *wall = now_s() - t0;
    return c->calls / *wall;
}

static MindraClient *new_client(const char *url) {
    MindraError *err = NULL;
    MindraClient *c = mindra_client_new(api_key, url, &err);
    if (!c) die("mindra_client_new: %s", err ? err->message : "?");
    /* Experiments only (bench/README.md, "Profiling"): a client timeout other than the
     * default 30 s; 0 means none. */
    const char *t = getenv("BENCH_MINDRA_TIMEOUT_MS");
    if (t && *t) mindra_client_set_timeout_ms(c, strtoull(t, NULL, 10));
    return c;
}

/* nginx's stub_status "accepts": connections accepted since start. */
static long nginx_accepts(void) {
    CURL *h = curl_easy_init();
    growbuf b = {0};
    char *url = url_of(base_url, "/nginx_status");
    curl_easy_setopt(h, CURLOPT_URL, url);
    curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, collect_body);
    curl_easy_setopt(h, CURLOPT_WRITEDATA, &b);
    long accepts = -1;
    if (curl_easy_perform(h) == CURLE_OK && b.p) {
        const char *p = strstr(b.p, "requests\n");
        if (p) accepts = strtol(p + 9, NULL, 10);
    }
    curl_easy_cleanup(h);
    free(b.p);
    free(url);
    return accepts;
}

static int cmd_runs(int calls) {
    seq_ctx m = {.client = new_client(base_url), .calls = calls};
    seq_ctx d = {.client = NULL, .calls = calls};
    seq_ctx p = {.calls = calls};
    curl_runner_init(&p.curl);
    /* The default client reads the environment on first use. */
    setenv("MINDRA_API_KEY", api_key, 1);
    setenv("MINDRA_BASE_URL", base_url, 1);
    /* Warm up: connections open, code paged in. */
    for (int i = 0; i < 50; i++) {
        mindra_touch_free(mindra_client_run_workflow(m.client, SLUG, TASK, NULL));
        mindra_touch_free(mindra_run_workflow(SLUG, TASK, NULL));
        curl_run_once(&p.curl);
    }
    count_conns = 1;
    contestant c[3] = {{.label = "mindra_client_run_workflow", .fn = seq_mindra, .ctx = &m},
                       {.label = "mindra_run_workflow", .fn = seq_mindra_default, .ctx = &d},
                       {.label = "libcurl+cJSON", .fn = seq_curl, .ctx = &p}};
    for (int i = 0; i < 3; i++) c[i].ops = calls;
    interleave(c, 3, runs);
    char extra[256];
    snprintf(extra, sizeof extra,
             "\"calls_per_run\":%d,\"mindra_copies\":\"7 fields + raw_json + request_id\","
             "\"peer_copies\":\"7 fields\"",
             calls);
    emit_pair("run_sequential", "calls/s", "higher", &c[0], &c[2], ">= 1.00x libcurl", 1.0,
              extra);
    emit_pair("run_sequential_default_client", "calls/s", "higher", &c[1], &c[2],
              ">= 1.00x libcurl", 1.0, extra);
    mindra_client_free(m.client);
    curl_runner_free(&p.curl);
    return 0;
}

/* ------------------------------------------------------------------------------------------ */
/* Threads: one MindraClient shared by N threads vs one easy handle per thread */

#define MAX_THREADS 64

typedef struct thr_ctx {
    MindraClient *client;
    curl_runner curl[MAX_THREADS];
    int calls, threads, use_curl;
    pthread_barrier_t barrier;
} thr_ctx;

typedef struct thr_arg {
    thr_ctx *ctx;
    int index;
} thr_arg;

static void *thr_main(void *p) {
    thr_arg *a = p;
    thr_ctx *c = a->ctx;
    int mine = c->calls / c->threads + (a->index < c->calls % c->threads);
    pthread_barrier_wait(&c->barrier);
    for (int i = 0; i < mine; i++) {
        if (c->use_curl) curl_run_once(&c->curl[a->index]);
        else mindra_touch_free(mindra_client_run_workflow(c->client, SLUG, TASK, NULL));
    }
    return NULL;
}

static double thr_run(thr_ctx *c, double *wall) {
    pthread_t t[MAX_THREADS];
    thr_arg a[MAX_THREADS];
    pthread_barrier_init(&c->barrier, NULL, (unsigned)c->threads + 1);
    for (int i = 0; i < c->threads; i++) {
        a[i].ctx = c;
        a[i].index = i;
        pthread_create(&t[i], NULL, thr_main, &a[i]);
    }
    pthread_barrier_wait(&c->barrier);
    double t0 = now_s();
    for (int i = 0; i < c->threads; i++) pthread_join(t[i], NULL);
    *wall = now_s() - t0;
    pthread_barrier_destroy(&c->barrier);
    return c->calls / *wall;
}

static double thr_mindra(void *p, double *wall) {
    thr_ctx *c = p;
    c->use_curl = 0;
    return thr_run(c, wall);
}

static double thr_curl(void *p, double *wall) {
    thr_ctx *c = p;
    c->use_curl = 1;
    return thr_run(c, wall);
}

static int cmd_threads(int calls, int threads) {
    if (threads < 1 || threads > MAX_THREADS) die("threads: 1..%d", MAX_THREADS);
    thr_ctx *c = calloc(1, sizeof *c);
    c->client = new_client(base_url);
    c->calls = calls;
    c->threads = threads;
    for (int i = 0; i < threads; i++) curl_runner_init(&c->curl[i]);
    double w;
    int saved = c->calls;
    c->calls = threads * 20; /* warm up: every thread's connection opened */
    thr_mindra(c, &w);
    thr_curl(c, &w);
    c->calls = saved;
    count_conns = 1;
    contestant x[2] = {{.label = "mindra (shared client)", .fn = thr_mindra, .ctx = c},
                       {.label = "libcurl+cJSON (handle/thread)", .fn = thr_curl, .ctx = c}};
    x[0].ops = x[1].ops = calls;
    interleave(x, 2, runs);
    char name[64], extra[128];
    snprintf(name, sizeof name, "run_%d_threads", threads);
    snprintf(extra, sizeof extra, "\"calls_per_run\":%d,\"threads\":%d", calls, threads);
    emit_pair(name, "calls/s", "higher", &x[0], &x[1], ">= 1.00x libcurl", 1.0, extra);
    for (int i = 0; i < threads; i++) curl_runner_free(&c->curl[i]);
    mindra_client_free(c->client);
    free(c);
    return 0;
}

/* ------------------------------------------------------------------------------------------ */
/* One call from a fresh process: build/examples/run_workflow vs the curl command line */

typedef struct spawn_ctx {
    char **argv;
    int count;
} spawn_ctx;

static double spawn_many(void *p, double *wall) {
    spawn_ctx *c = p;
    posix_spawn_file_actions_t fa;
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_addopen(&fa, 1, "/dev/null", O_WRONLY, 0);
    double t0 = now_s();
    for (int i = 0; i < c->count; i++) {
        pid_t pid;
        int rc = posix_spawn(&pid, c->argv[0], &fa, NULL, c->argv, environ);
        if (rc) die("spawn %s: %s", c->argv[0], strerror(rc));
        int status;
        if (waitpid(pid, &status, 0) < 0) die("waitpid: %s", strerror(errno));
        if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
            die("%s failed (status %d)", c->argv[0], status);
    }
    *wall = now_s() - t0;
    posix_spawn_file_actions_destroy(&fa);
    return *wall * 1000.0 / c->count; /* ms per call */
}

static int cmd_spawn(int count, const char *example, const char *curl_path) {
    setenv("MINDRA_API_KEY", api_key, 1);
    setenv("MINDRA_BASE_URL", base_url, 1);
    char *ex_argv[] = {(char *)example, (char *)SLUG, (char *)TASK, NULL};
    char key[256], body[512], path[128];
    snprintf(key, sizeof key, "x-api-key: %s", api_key);
    size_t n = (size_t)snprintf(body, sizeof body, "{\"task\":");
    n += json_string(body + n, sizeof body - n, TASK);
    snprintf(body + n, sizeof body - n, ",\"metadata\":{}}");
    snprintf(path, sizeof path, "/v1/workflows/%s/run", SLUG);
    char *url = url_of(base_url, path);
    char *curl_argv[] = {(char *)curl_path, "-s", "-f", "-X", "POST", "-H", key, "-H",
                         "content-type: application/json", "-H", "accept: application/json",
                         "-d", body, url, NULL};
    spawn_ctx m = {ex_argv, count}, p = {curl_argv, count};
    double w;
    m.count = p.count = 20; /* warm the page cache */
    spawn_many(&m, &w);
    spawn_many(&p, &w);
    m.count = p.count = count;
    contestant c[2] = {{.label = "run_workflow example", .fn = spawn_many, .ctx = &m},
                       {.label = "curl CLI", .fn = spawn_many, .ctx = &p}};
    c[0].ops = c[1].ops = count;
    interleave(c, 2, runs);
    char extra[64];
    snprintf(extra, sizeof extra, "\"processes_per_run\":%d", count);
    emit_pair("run_fresh_process", "ms/call", "lower", &c[0], &c[1], NULL, 0, extra);
    free(url);
    return 0;
}

/* ------------------------------------------------------------------------------------------ */
/* SSE throughput: mindra_stream_next vs libcurl + sse_parser (+ cJSON) */

typedef struct sse_count {
    long long events, content_bytes;
    int done, bad;
    int json; /* decode chunk data with cJSON */
    uint64_t latency_ack_fd_plus1; /* latency mode: ack socket + 1 (0: off) */
    double *lat;
    size_t nlat, cap_lat;
} sse_count;

static int on_event(void *user, const sse_event *ev) {
    sse_count *c = user;
    sink += ev->type_len + ev->data_len + (ev->id ? ev->id_len : 0);
    if (ev->type_len == 4 && memcmp(ev->type, "done", 4) == 0) {
        cJSON *root = cJSON_ParseWithLength(ev->data, ev->data_len);
        const cJSON *fa = cJSON_GetObjectItemCaseSensitive(root, "final_answer");
        if (cJSON_IsString(fa)) sink += strlen(fa->valuestring);
        else c->bad++;
        cJSON_Delete(root);
        c->done = 1;
        return 1; /* stop: libmindra closes the connection at done too */
    }
    c->events++;
    if (!c->json) return 0;
    if (ev->type_len == 5 && memcmp(ev->type, "chunk", 5) == 0) {
        cJSON *root = cJSON_ParseWithLength(ev->data, ev->data_len);
        const cJSON *content = cJSON_GetObjectItemCaseSensitive(root, "content");
        if (cJSON_IsString(content)) {
            size_t n = strlen(content->valuestring);
            sink += n;
            c->content_bytes += (long long)n;
            if (c->latency_ack_fd_plus1) {
                uint64_t stamp = strtoull(content->valuestring, NULL, 10);
                uint64_t t = now_ns();
                if (c->nlat < c->cap_lat) c->lat[c->nlat++] = (double)(t - stamp) / 1000.0;
                if (write((int)(c->latency_ack_fd_plus1 - 1), "a", 1) != 1) c->bad++;
            }
        } else {
            c->bad++;
        }
        cJSON_Delete(root);
    }
    return 0;
}

typedef struct sse_curl {
    sse_parser parser;
    sse_count *count;
    CURL *h;
    int paused_after_first; /* memory test: pause receiving after the first event */
} sse_curl;

static size_t sse_write(char *data, size_t size, size_t nmemb, void *user) {
    sse_curl *s = user;
    size_t n = size * nmemb;
    int rc = sse_feed(&s->parser, data, n);
    if (rc == SSE_STOPPED) return s->count->done ? 0 : n;
    if (rc != SSE_OK) return 0;
    return n;
}

static CURL *sse_handle(const char *url, struct curl_slist *headers, sse_curl *s) {
    CURL *h = curl_easy_init();
    curl_easy_setopt(h, CURLOPT_URL, url);
    curl_easy_setopt(h, CURLOPT_HTTPHEADER, headers);
    curl_easy_setopt(h, CURLOPT_USERAGENT, "bench-libcurl");
    curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, sse_write);
    curl_easy_setopt(h, CURLOPT_WRITEDATA, s);
    curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(h, CURLOPT_FAILONERROR, 1L);
    s->h = h;
    return h;
}

static struct curl_slist *sse_headers(void) {
    char key[256];
    snprintf(key, sizeof key, "x-api-key: %s", api_key);
    struct curl_slist *h = curl_slist_append(NULL, key);
    h = curl_slist_append(h, "accept: text/event-stream");
    h = curl_slist_append(h, "cache-control: no-cache");
    return h;
}

/* Streams url through libcurl + the parser; returns 0 on a complete stream (done seen). */
static int curl_stream(const char *url, sse_count *count) {
    struct curl_slist *headers = sse_headers();
    sse_curl s = {0};
    s.count = count;
    sse_init(&s.parser, SSE_DEFAULT_MAX_LINE, on_event, count);
    CURL *h = sse_handle(url, headers, &s);
    CURLcode rc = curl_easy_perform(h);
    int ok = (rc == CURLE_OK || rc == CURLE_WRITE_ERROR) && count->done && !count->bad &&
             !s.parser.error;
    if (!ok) fprintf(stderr, "curl stream: %s\n", curl_easy_strerror(rc));
    curl_easy_cleanup(h);
    curl_slist_free_all(headers);
    sse_free(&s.parser);
    return ok ? 0 : -1;
}

static int mindra_touch_event(MindraEvent *e, sse_count *c) {
    sink += strlen(e->event) + strlen(e->data) + (e->id ? strlen(e->id) : 0);
    if (e->type == MINDRA_EVENT_DONE) {
        sink += e->final_answer ? strlen(e->final_answer) : 0;
        c->done = 1;
    } else {
        c->events++;
        if (e->content) {
            size_t n = strlen(e->content);
            sink += n;
            c->content_bytes += (long long)n;
        }
    }
    return e->type == MINDRA_EVENT_DONE;
}

static int mindra_stream_all(MindraClient *client, const char *path, sse_count *c) {
    MindraError *err = NULL;
    MindraStream *s = mindra_stream_open(client, path, &err);
    if (!s) die("mindra_stream_open %s: %s", path, err ? err->message : "?");
    for (;;) {
        MindraEvent *e = mindra_stream_next(s, &err);
        if (!e) break;
        mindra_touch_event(e, c);
        mindra_event_free(e);
    }
    if (err) die("mindra_stream_next: %s: %s", mindra_error_kind_name((int32_t)err->kind),
                 err->message);
    mindra_stream_free(s);
    return c->done ? 0 : -1;
}

typedef struct sse_ctx {
    MindraClient *client;
    const char *path;
    char *url;
    long long events, content_bytes, file_bytes;
    int json;
    double mb_s[2][MAX_RUNS];
    int run_m, run_p;
} sse_ctx;

static void sse_check(const sse_ctx *x, const sse_count *c, const char *who) {
    if (!c->done || c->events != x->events || (x->json && c->content_bytes != x->content_bytes))
        die("%s: %lld events, %lld content bytes, done %d (expected %lld, %lld)", who, c->events,
            c->content_bytes, c->done, x->events, x->content_bytes);
}

static double sse_mindra(void *p, double *wall) {
    sse_ctx *x = p;
    sse_count c = {0};
    double t0 = now_s();
    if (mindra_stream_all(x->client, x->path, &c)) die("mindra stream incomplete");
    *wall = now_s() - t0;
    sse_check(x, &c, "mindra");
    x->mb_s[0][x->run_m++] = (double)x->file_bytes / *wall / 1e6;
    return (double)c.events / *wall;
}

static double sse_curl_run(void *p, double *wall) {
    sse_ctx *x = p;
    sse_count c = {0};
    c.json = x->json;
    double t0 = now_s();
    if (curl_stream(x->url, &c)) die("curl stream incomplete");
    *wall = now_s() - t0;
    sse_check(x, &c, "libcurl");
    x->mb_s[1][x->run_p++] = (double)x->file_bytes / *wall / 1e6;
    return (double)c.events / *wall;
}

static int cmd_sse(const char *mode, const char *path, long long file_bytes, long long events,
                   long long chunk_size) {
    sse_ctx x = {0};
    x.client = new_client(base_url);
    x.path = path;
    x.url = url_of(base_url, path);
    x.events = events;
    x.content_bytes = events * chunk_size;
    x.file_bytes = file_bytes;
    x.json = strcmp(mode, "fields") == 0;
    double w;
    /* Warm-up: page cache and code. */
    sse_mindra(&x, &w);
    sse_curl_run(&x, &w);
    x.run_m = x.run_p = 0;
    contestant c[2] = {{.label = "mindra_stream_next", .fn = sse_mindra, .ctx = &x},
                       {.label = x.json ? "libcurl+parser+cJSON" : "libcurl+parser", .fn = sse_curl_run, .ctx = &x}};
    c[0].ops = c[1].ops = (double)events;
    interleave(c, 2, runs);
    char extra[256];
    snprintf(extra, sizeof extra,
             "\"mindra_mb_s\":%.1f,\"peer_mb_s\":%.1f,\"events\":%lld,\"file_bytes\":%lld",
             median(x.mb_s[0], runs), median(x.mb_s[1], runs), events, file_bytes);
    if (x.json)
        emit_pair("sse_events_with_fields", "events/s", "higher", &c[0], &c[1],
                  ">= 1.00x libcurl+cJSON", 1.0, extra);
    else
        emit_pair("sse_framing_only", "events/s", "higher", &c[0], &c[1], NULL, 0, extra);
    printf("%-30s %-10s mindra %-10.1f %s %-10.1f\n", x.json ? "  (same run, MB/s)" : "  (MB/s)",
           "MB/s", median(x.mb_s[0], runs), c[1].label, median(x.mb_s[1], runs));
    mindra_client_free(x.client);
    free(x.url);
    return 0;
}

/* ------------------------------------------------------------------------------------------ */
/* First-event latency (against bench/c/latency_server.c) */

static int connect_ack(const char *url) {
    const char *host = strstr(url, "://");
    host = host ? host + 3 : url;
    const char *colon = strrchr(host, ':');
    if (!colon) die("latency URL needs a port: %s", url);
    int port = atoi(colon + 1);
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a = {0};
    a.sin_family = AF_INET;
    a.sin_port = htons((uint16_t)port);
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (connect(fd, (struct sockaddr *)&a, sizeof a)) die("ack connect: %s", strerror(errno));
    int one = 1;
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    if (write(fd, "ACK\n", 4) != 4) die("ack hello");
    return fd;
}

static void latency_emit(const char *name, double *m, size_t nm, double *p, size_t np,
                         double cpu_m, double cpu_p, int events, int gap_us) {
    double m50 = quantile(m, nm, 0.5), m99 = quantile(m, nm, 0.99);
    double p50 = quantile(p, np, 0.5), p99 = quantile(p, np, 0.99);
    char extra[256];
    snprintf(extra, sizeof extra,
             "\"mindra_p99\":%.2f,\"peer_p99\":%.2f,\"mindra_max\":%.2f,\"peer_max\":%.2f,"
             "\"events\":%d,\"gap_us\":%d",
             m99, p99, m[nm - 1], p[np - 1], events, gap_us);
    result r = {name, "us", "lower", "libcurl+parser+cJSON", m50, p50, 1, cpu_m, cpu_p,
                "median < 1000 us", m50 < 1000.0, extra};
    emit(&r);
    char extra99[128];
    snprintf(extra99, sizeof extra99, "\"events\":%d,\"gap_us\":%d", events, gap_us);
    result r99 = {"first_event_latency_p99", "us", "lower", "libcurl+parser+cJSON", m99, p99, 1,
                  cpu_m, cpu_p, NULL, -1, extra99};
    emit(&r99);
}

static int cmd_latency(const char *url, int events, int gap_us, pid_t lat_pid) {
    double tps = ticks_per_s();
    double *lm = calloc((size_t)events, sizeof *lm), *lp = calloc((size_t)events, sizeof *lp);
    size_t nm = 0;
    double cpu[2];

    /* libmindra */
    {
        MindraClient *client = new_client(url);
        int ack = connect_ack(url);
        MindraError *err = NULL;
        long long t0 = proc_cpu_ticks(lat_pid);
        double w0 = now_s();
        MindraStream *s = mindra_stream_open(client, "/stream", &err);
        if (!s) die("latency open: %s", err ? err->message : "?");
        for (;;) {
            MindraEvent *e = mindra_stream_next(s, &err);
            if (!e) break;
            if (e->type == MINDRA_EVENT_CHUNK) {
                uint64_t stamp = strtoull(e->content, NULL, 10);
                uint64_t t = now_ns();
                if (nm < (size_t)events) lm[nm++] = (double)(t - stamp) / 1000.0;
                if (write(ack, "a", 1) != 1) die("ack write");
            }
            mindra_event_free(e);
        }
        if (err) die("latency next: %s", err->message);
        cpu[0] = (double)(proc_cpu_ticks(lat_pid) - t0) / tps / (now_s() - w0);
        mindra_stream_free(s);
        close(ack);
        mindra_client_free(client);
    }
    /* libcurl + parser + cJSON */
    sse_count c = {0};
    {
        c.json = 1;
        c.lat = lp;
        c.cap_lat = (size_t)events;
        int ack = connect_ack(url);
        c.latency_ack_fd_plus1 = (uint64_t)ack + 1;
        char *u = url_of(url, "/stream");
        long long t0 = proc_cpu_ticks(lat_pid);
        double w0 = now_s();
        if (curl_stream(u, &c)) die("latency: curl stream incomplete");
        cpu[1] = (double)(proc_cpu_ticks(lat_pid) - t0) / tps / (now_s() - w0);
        close(ack);
        free(u);
    }
    if (nm != (size_t)events || c.nlat != (size_t)events)
        die("latency: %zu / %zu samples of %d", nm, c.nlat, events);
    latency_emit("first_event_latency", lm, nm, lp, c.nlat, cpu[0], cpu[1], events, gap_us);
    free(lm);
    free(lp);
    return 0;
}

/* ------------------------------------------------------------------------------------------ */
/* Memory: each measurement in a fresh child process (VmHWM is per process) */

typedef struct mem_report {
    double base_mib, a_mib, b_mib; /* baseline, first checkpoint, end */
} mem_report;

static double kib_mib(long kib) { return (double)kib / 1024.0; }

static int pause_after_first(void *user, const sse_event *ev) {
    sse_curl *s = user;
    on_event(s->count, ev);
    if (!s->paused_after_first) {
        s->paused_after_first = 1;
        curl_easy_pause(s->h, CURLPAUSE_RECV);
        return 1;
    }
    return 1;
}

static size_t sse_write_pause(char *data, size_t size, size_t nmemb, void *user) {
    sse_curl *s = user;
    size_t n = size * nmemb;
    if (!s->paused_after_first) sse_feed(&s->parser, data, n);
    return n;
}

/* N streams open at once, each has read its first event. */
static mem_report mem_streams_child(int use_curl, const char *path, int n) {
    mem_report r;
    r.base_mib = kib_mib(status_kib("VmHWM"));
    if (!use_curl) {
        MindraClient *client = new_client(base_url);
        MindraStream **s = calloc((size_t)n, sizeof *s);
        for (int i = 0; i < n; i++) {
            MindraError *err = NULL;
            s[i] = mindra_stream_open(client, path, &err);
            if (!s[i]) die("open %d: %s", i, err ? err->message : "?");
            MindraEvent *e = mindra_stream_next(s[i], &err);
            if (!e) die("first event %d: %s", i, err ? err->message : "?");
            mindra_event_free(e);
        }
        r.a_mib = kib_mib(status_kib("VmHWM"));
        r.b_mib = kib_mib(status_kib("VmRSS"));
        for (int i = 0; i < n; i++) mindra_stream_free(s[i]);
        free(s);
        mindra_client_free(client);
    } else {
        CURLM *multi = curl_multi_init();
        struct curl_slist *headers = sse_headers();
        char *url = url_of(base_url, path);
        sse_curl *s = calloc((size_t)n, sizeof *s);
        sse_count *cnt = calloc((size_t)n, sizeof *cnt);
        for (int i = 0; i < n; i++) {
            s[i].count = &cnt[i];
            sse_init(&s[i].parser, SSE_DEFAULT_MAX_LINE, pause_after_first, &s[i]);
            CURL *h = sse_handle(url, headers, &s[i]);
            curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, sse_write_pause);
            curl_multi_add_handle(multi, h);
        }
        double deadline = now_s() + 30;
        for (;;) {
            int running = 0, have = 0;
            curl_multi_perform(multi, &running);
            for (int i = 0; i < n; i++) have += s[i].paused_after_first;
            if (have == n) break;
            if (now_s() > deadline || running == 0) die("curl: %d of %d streams started", have, n);
            curl_multi_poll(multi, NULL, 0, 100, NULL);
        }
        r.a_mib = kib_mib(status_kib("VmHWM"));
        r.b_mib = kib_mib(status_kib("VmRSS"));
        for (int i = 0; i < n; i++) {
            curl_multi_remove_handle(multi, s[i].h);
            curl_easy_cleanup(s[i].h);
            sse_free(&s[i].parser);
        }
        curl_multi_cleanup(multi);
        curl_slist_free_all(headers);
        free(url);
        free(s);
        free(cnt);
    }
    return r;
}

/* One long stream of big events: VmHWM once `checkpoint` events are read, and at the end. */
typedef struct big_state {
    sse_count count;
    long long checkpoint;
    double hwm_checkpoint;
} big_state;

static int big_event(void *user, const sse_event *ev) {
    big_state *b = user;
    int stop = on_event(&b->count, ev);
    if (b->count.events == b->checkpoint && b->hwm_checkpoint == 0)
        b->hwm_checkpoint = kib_mib(status_kib("VmHWM"));
    return stop;
}

static mem_report mem_big_child(int use_curl, const char *path, long long checkpoint,
                                long long events) {
    mem_report r;
    r.base_mib = kib_mib(status_kib("VmHWM"));
    big_state b = {0};
    b.checkpoint = checkpoint;
    b.count.json = 1;
    if (!use_curl) {
        MindraClient *client = new_client(base_url);
        MindraError *err = NULL;
        MindraStream *s = mindra_stream_open(client, path, &err);
        if (!s) die("open: %s", err ? err->message : "?");
        for (;;) {
            MindraEvent *e = mindra_stream_next(s, &err);
            if (!e) break;
            mindra_touch_event(e, &b.count);
            mindra_event_free(e);
            if (b.count.events == checkpoint && b.hwm_checkpoint == 0)
                b.hwm_checkpoint = kib_mib(status_kib("VmHWM"));
        }
        if (err) die("next: %s", err->message);
        mindra_stream_free(s);
        mindra_client_free(client);
    } else {
        struct curl_slist *headers = sse_headers();
        char *url = url_of(base_url, path);
        sse_curl s = {0};
        s.count = &b.count;
        sse_init(&s.parser, SSE_DEFAULT_MAX_LINE, big_event, &b);
        CURL *h = sse_handle(url, headers, &s);
        CURLcode rc = curl_easy_perform(h);
        if (rc != CURLE_OK && rc != CURLE_WRITE_ERROR) die("curl: %s", curl_easy_strerror(rc));
        curl_easy_cleanup(h);
        sse_free(&s.parser);
        curl_slist_free_all(headers);
        free(url);
    }
    if (b.count.events != events || !b.count.done)
        die("big stream: %lld of %lld events", b.count.events, events);
    r.a_mib = b.hwm_checkpoint;
    r.b_mib = kib_mib(status_kib("VmHWM"));
    return r;
}

typedef struct mem_job {
    int kind; /* 0 streams, 1 big */
    const char *path;
    long long n, checkpoint, events;
} mem_job;

static mem_report in_child(const mem_job *job, int use_curl) {
    int fd[2];
    if (pipe(fd)) die("pipe");
    fflush(NULL);
    pid_t pid = fork();
    if (pid == 0) {
        close(fd[0]);
        curl_global_init(CURL_GLOBAL_DEFAULT);
        mem_report r = job->kind == 0
                           ? mem_streams_child(use_curl, job->path, (int)job->n)
                           : mem_big_child(use_curl, job->path, job->checkpoint, job->events);
        if (write(fd[1], &r, sizeof r) != (ssize_t)sizeof r) _exit(3);
        _exit(0);
    }
    close(fd[1]);
    mem_report r;
    ssize_t got = read(fd[0], &r, sizeof r);
    close(fd[0]);
    int status;
    waitpid(pid, &status, 0);
    if (got != (ssize_t)sizeof r || !WIFEXITED(status) || WEXITSTATUS(status))
        die("memory child failed (status %d)", status);
    return r;
}

static int cmd_mem(const mem_job *job, int nruns) {
    double ma[MAX_RUNS], mb[MAX_RUNS], mbase[MAX_RUNS], pa[MAX_RUNS], pb[MAX_RUNS],
        pbase[MAX_RUNS];
    for (int r = 0; r < nruns; r++) {
        for (int k = 0; k < 2; k++) {
            int use_curl = (r + k) % 2;
            mem_report x = in_child(job, use_curl);
            if (use_curl) {
                pa[r] = x.a_mib;
                pb[r] = x.b_mib;
                pbase[r] = x.base_mib;
            } else {
                ma[r] = x.a_mib;
                mb[r] = x.b_mib;
                mbase[r] = x.base_mib;
            }
        }
    }
    char extra[512];
    if (job->kind == 0) {
        double m = median(ma, nruns), p = median(pa, nruns);
        snprintf(extra, sizeof extra,
                 "\"streams\":%lld,\"mindra_rss_mib\":%.1f,\"peer_rss_mib\":%.1f,"
                 "\"mindra_baseline_mib\":%.1f,\"peer_baseline_mib\":%.1f,"
                 "\"mindra_per_stream_kib\":%.0f,\"peer_per_stream_kib\":%.0f",
                 job->n, median(mb, nruns), median(pb, nruns), median(mbase, nruns),
                 median(pbase, nruns), (m - median(mbase, nruns)) * 1024 / (double)job->n,
                 (p - median(pbase, nruns)) * 1024 / (double)job->n);
        result r = {"mem_100_open_streams", "MiB VmHWM", "lower", "libcurl multi+parser", m, p,
                    nruns, NAN, NAN, "< 50 MiB", m < 50.0, extra};
        emit(&r);
    } else {
        double m10 = median(ma, nruns), m100 = median(mb, nruns);
        double p10 = median(pa, nruns), p100 = median(pb, nruns);
        snprintf(extra, sizeof extra,
                 "\"mindra_hwm_10mib\":%.1f,\"mindra_hwm_100mib\":%.1f,"
                 "\"peer_hwm_10mib\":%.1f,\"peer_hwm_100mib\":%.1f,"
                 "\"mindra_growth_mib\":%.2f,\"peer_growth_mib\":%.2f,\"events\":%lld",
                 m10, m100, p10, p100, m100 - m10, p100 - p10, job->events);
        /* Flat: the peak after 100 MiB is within 1 MiB of the peak after 10 MiB. */
        result r = {"mem_stream_100mib", "MiB VmHWM", "lower", "libcurl+parser+cJSON", m100,
                    p100, nruns, NAN, NAN, "flat (growth 10->100 MiB < 1 MiB)",
                    (m100 - m10) < 1.0, extra};
        emit(&r);
    }
    return 0;
}

/* ------------------------------------------------------------------------------------------ */
/* Input generation and the in-memory parser rate */

/* Writes `events` events `event: NAME\ndata: {"content":"<size bytes>"}\n\n` then a done event,
 * the same shape as the emulator's many-events scenario, with varied ASCII text. */
static int cmd_gen(const char *path, long long events, long long size, const char *name) {
    static const char words[] =
        "the quick brown fox jumps over the lazy dog while seven wizards quietly judge boxing "
        "matches and a jovial sphinx of black quartz reviews my vow ";
    size_t wl = sizeof words - 1;
    FILE *f = fopen(path, "w");
    if (!f) die("cannot write %s", path);
    char *content = malloc((size_t)size + 1);
    for (long long i = 0; i < events; i++) {
        size_t off = (size_t)(i * 7) % wl;
        for (long long k = 0; k < size; k++) content[k] = words[(off + (size_t)k) % wl];
        content[size] = '\0';
        fprintf(f, "event: %s\ndata: {\"content\":\"%s\"}\n\n", name, content);
    }
    fprintf(f,
            "event: done\ndata: {\"execution_id\":\"ex_0123456789abcdef\",\"status\":"
            "\"completed\",\"final_answer\":\"%lld chunks sent\"}\n\n",
            events);
    free(content);
    if (fclose(f)) die("write %s failed", path);
    return 0;
}

static int count_only(void *user, const sse_event *ev) {
    long long *n = user;
    sink += ev->type_len + ev->data_len;
    (*n)++;
    return 0;
}

/* One run of the Rust micro-benchmark (benches/sse_parser.rs, built by cargo bench --no-run):
 * its MB/s, read from the JSON line it writes to BENCH_RUST_OUT. */
static double rust_parser_once(const char *rust_bin, const char *out) {
    unlink(out);
    pid_t pid = fork();
    if (pid == 0) {
        setenv("BENCH_RUNS", "1", 1);
        setenv("BENCH_RUST_OUT", out, 1);
        int devnull = open("/dev/null", O_WRONLY);
        if (devnull >= 0) dup2(devnull, 1);
        execl(rust_bin, rust_bin, "--bench", (char *)NULL);
        _exit(127);
    }
    int status;
    waitpid(pid, &status, 0);
    if (!WIFEXITED(status) || WEXITSTATUS(status)) die("%s failed (status %d)", rust_bin, status);
    FILE *rf = fopen(out, "r");
    if (!rf) die("%s wrote no result", rust_bin);
    char line[512] = "";
    double v = NAN;
    if (fgets(line, sizeof line, rf)) {
        cJSON *j = cJSON_Parse(line);
        const cJSON *m = cJSON_GetObjectItemCaseSensitive(j, "mb_s");
        if (cJSON_IsNumber(m)) v = m->valuedouble;
        cJSON_Delete(j);
    }
    fclose(rf);
    if (isnan(v)) die("%s: no mb_s in its result", rust_bin);
    return v;
}

/* The C parser alone over the file in memory, in 64 KiB pieces, interleaved run by run with
 * the Rust micro-benchmark of libmindra's parser over the same bytes (it generates them). */
static int cmd_parse_mem(const char *path, const char *rust_bin) {
    FILE *f = fopen(path, "rb");
    if (!f) die("cannot read %s", path);
    struct stat st;
    fstat(fileno(f), &st);
    size_t n = (size_t)st.st_size;
    char *buf = malloc(n);
    if (fread(buf, 1, n, f) != n) die("short read %s", path);
    fclose(f);
    char out[256];
    snprintf(out, sizeof out, "/tmp/bench-rust-sse-%d.json", (int)getpid());
    double v[MAX_RUNS], rv[MAX_RUNS], pr[MAX_RUNS];
    long long events = 0;
    for (int r = 0; r < runs; r++) {
        if (r % 2 == 0) rv[r] = rust_parser_once(rust_bin, out);
        sse_parser p;
        events = 0;
        sse_init(&p, SSE_DEFAULT_MAX_LINE, count_only, &events);
        double t0 = now_s();
        for (size_t at = 0; at < n; at += 65536)
            sse_feed(&p, buf + at, n - at < 65536 ? n - at : 65536);
        double w = now_s() - t0;
        sse_free(&p);
        v[r] = (double)n / w / 1e6;
        if (r % 2 == 1) rv[r] = rust_parser_once(rust_bin, out);
        pr[r] = rv[r] / v[r];
    }
    unlink(out);
    free(buf);
    char extra[512];
    size_t o = (size_t)snprintf(extra, sizeof extra,
                                "\"events\":%lld,\"bytes\":%zu,\"piece\":65536,"
                                "\"pair_ratio_median\":%.4g,\"mindra_samples\":[",
                                events, n, median(pr, runs));
    for (int r = 0; r < runs; r++) o += (size_t)snprintf(extra + o, sizeof extra - o, "%s%.1f", r ? "," : "", rv[r]);
    o += (size_t)snprintf(extra + o, sizeof extra - o, "],\"peer_samples\":[");
    for (int r = 0; r < runs; r++) o += (size_t)snprintf(extra + o, sizeof extra - o, "%s%.1f", r ? "," : "", v[r]);
    snprintf(extra + o, sizeof extra - o, "]");
    result res = {"sse_parser_in_memory", "MB/s", "higher", "C sse_parser.c", median(rv, runs),
                  median(v, runs), runs, NAN, NAN, NULL, -1, extra};
    emit(&res);
    return 0;
}

/* ------------------------------------------------------------------------------------------ */
/* The summary table of a results file */

static int cmd_report(const char *path) {
    FILE *f = fopen(path, "r");
    if (!f) die("cannot read %s", path);
    static char line[65536];
    const char *fmt = "%-30s %-9s %11s %11s %7s %-5s %-24s %9s  %s\n";
    printf("\n");
    printf(fmt, "measurement", "unit", "libmindra", "peer", "ratio", "", "target", "CPU/op", "server CPU");
    printf(fmt, "", "", "", "", "m/peer", "", "", "m/peer", "m / peer");
    printf("%.*s\n", 126, "----------------------------------------------------------------------"
                          "----------------------------------------------------------------------");
    int missed = 0, met = 0;
    while (fgets(line, sizeof line, f)) {
        cJSON *j = cJSON_Parse(line);
        if (!j) continue;
        const char *name = cJSON_GetStringValue(cJSON_GetObjectItem(j, "name"));
        const char *unit = cJSON_GetStringValue(cJSON_GetObjectItem(j, "unit"));
        const char *target = cJSON_GetStringValue(cJSON_GetObjectItem(j, "target"));
        const cJSON *m = cJSON_GetObjectItem(j, "mindra"), *p = cJSON_GetObjectItem(j, "peer"),
                    *ra = cJSON_GetObjectItem(j, "ratio"), *pass = cJSON_GetObjectItem(j, "pass"),
                    *sm = cJSON_GetObjectItem(j, "server_cpu_mindra"),
                    *sp = cJSON_GetObjectItem(j, "server_cpu_peer"),
                    *cr = cJSON_GetObjectItem(j, "cpu_ratio");
        char ms[32] = "-", ps[32] = "-", rs[32] = "-", ss[48] = "", cs[32] = "";
        if (cJSON_IsNumber(m)) snprintf(ms, sizeof ms, "%.4g", m->valuedouble);
        if (cJSON_IsNumber(p)) snprintf(ps, sizeof ps, "%.4g", p->valuedouble);
        if (cJSON_IsNumber(ra)) snprintf(rs, sizeof rs, "%.2fx", ra->valuedouble);
        if (cJSON_IsNumber(cr)) snprintf(cs, sizeof cs, "%.2fx", cr->valuedouble);
        if (cJSON_IsNumber(sm))
            snprintf(ss, sizeof ss, "%.0f%% / %.0f%%", 100 * sm->valuedouble,
                     cJSON_IsNumber(sp) ? 100 * sp->valuedouble : NAN);
        const char *st = cJSON_IsTrue(pass) ? "MET" : cJSON_IsFalse(pass) ? "MISS" : "";
        missed += cJSON_IsFalse(pass);
        met += cJSON_IsTrue(pass);
        printf(fmt, name ? name : "?", unit ? unit : "", ms, ps, rs, st, target ? target : "", cs,
               ss);
        cJSON_Delete(j);
    }
    fclose(f);
    printf("\ntargets: %d met, %d missed (ratios are libmindra / peer, medians of the same run; "
           "CPU/op is client CPU per call or event, lower is better)\n",
           met, missed);
    return 0;
}

/* ------------------------------------------------------------------------------------------ */

static void usage(void) {
    fputs("usage: bench gen FILE EVENTS CHUNK_SIZE NAME | runs CALLS | threads CALLS N |\n"
          "       spawn COUNT EXAMPLE CURL | sse fields|raw PATH FILE_BYTES EVENTS CHUNK_SIZE |\n"
          "       latency URL EVENTS GAP_US SERVER_PID | mem-streams PATH N |\n"
          "       mem-big PATH CHECKPOINT_EVENTS EVENTS | parse-mem FILE RUST_BENCH_BINARY |\n"
          "       report RESULTS\n",
          stderr);
    exit(2);
}

int main(int argc, char **argv) {
    if (argc < 2) usage();
    const char *cmd = argv[1];
    if (!strcmp(cmd, "gen") && argc == 6)
        return cmd_gen(argv[2], atoll(argv[3]), atoll(argv[4]), argv[5]);
    if (!strcmp(cmd, "report") && argc == 3) return cmd_report(argv[2]);

    base_url = env_or("BENCH_BASE_URL", "");
    api_key = env_or("BENCH_API_KEY", "mk_0123456789abcdef0123456789abcdef");
    server_pid = (pid_t)atoi(env_or("BENCH_SERVER_PID", "0"));
    runs = atoi(env_or("BENCH_RUNS", "5"));
    if (runs < 1 || runs > MAX_RUNS) die("BENCH_RUNS: 1..%d", MAX_RUNS);
    if (!strcmp(cmd, "parse-mem") && argc == 4) return cmd_parse_mem(argv[2], argv[3]);
    if (!*base_url && strcmp(cmd, "latency") != 0) die("BENCH_BASE_URL is not set");
    curl_global_init(CURL_GLOBAL_DEFAULT);

    if (!strcmp(cmd, "runs") && argc == 3) return cmd_runs(atoi(argv[2]));
    if (!strcmp(cmd, "threads") && argc == 4) return cmd_threads(atoi(argv[2]), atoi(argv[3]));
    if (!strcmp(cmd, "spawn") && argc == 5) return cmd_spawn(atoi(argv[2]), argv[3], argv[4]);
    if (!strcmp(cmd, "sse") && argc == 7)
        return cmd_sse(argv[2], argv[3], atoll(argv[4]), atoll(argv[5]), atoll(argv[6]));
    if (!strcmp(cmd, "latency") && argc == 6)
        return cmd_latency(argv[2], atoi(argv[3]), atoi(argv[4]), (pid_t)atoi(argv[5]));
    if (!strcmp(cmd, "mem-streams") && argc == 4) {
        mem_job j = {0, argv[2], atoll(argv[3]), 0, 0};
        return cmd_mem(&j, runs < 3 ? runs : 3);
    }
    if (!strcmp(cmd, "mem-big") && argc == 5) {
        mem_job j = {1, argv[2], 0, atoll(argv[3]), atoll(argv[4])};
        return cmd_mem(&j, runs < 3 ? runs : 3);
    }
    usage();
}
