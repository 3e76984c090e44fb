/*
 * Conformance tests of the benchmarks' C SSE parser (the peer of libmindra's parser): the
 * applicable cases of docs/sse-conformance.md and a few more, each fed whole, split in two at
 * every offset, one byte at a time with empty feeds between, and (short inputs) split in three
 * at every pair of offsets; every way must give the same events. `make bench` runs it before
 * measuring anything, so the peer is known to be a correct parser, not a toy.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sse_parser.h"

typedef struct {
    char *p;
    size_t len, cap;
} text;

static void put(text *t, const char *s, size_t n) {
    if (t->len + n + 1 > t->cap) {
        t->cap = (t->len + n + 1) * 2;
        t->p = realloc(t->p, t->cap);
    }
    memcpy(t->p + t->len, s, n);
    t->len += n;
    t->p[t->len] = '\0';
}

/* One event as "type\x1f" "data\x1f" "id or -\x1e". */
static void put_event(text *t, const char *type, size_t tl, const char *data, size_t dl,
                      const char *id, size_t il) {
    put(t, type, tl);
    put(t, "\x1f", 1);
    put(t, data, dl);
    put(t, "\x1f", 1);
    if (id) {
        put(t, id, il);
    } else {
        put(t, "-", 1);
    }
    put(t, "\x1e", 1);
}

static int collect(void *user, const sse_event *ev) {
    put_event(user, ev->type, ev->type_len, ev->data, ev->data_len, ev->id, ev->id_len);
    return 0;
}

/* Everything observable: the events, then the last id, retry and error. */
static text run(size_t max_line, const char *in, size_t n, const size_t *cuts, size_t ncuts,
                int bytewise) {
    text t = {0};
    sse_parser p;
    sse_init(&p, max_line, collect, &t);
    int rc = SSE_OK;
    if (bytewise) {
        rc = sse_feed(&p, in, 0);
        for (size_t i = 0; i < n && rc == SSE_OK; i++) {
            rc = sse_feed(&p, in + i, 1);
            if (rc == SSE_OK) rc = sse_feed(&p, in + i, 0);
        }
    } else {
        size_t at = 0;
        for (size_t c = 0; c <= ncuts && rc == SSE_OK; c++) {
            size_t to = c < ncuts ? cuts[c] : n;
            rc = sse_feed(&p, in + at, to - at);
            at = to;
        }
    }
    char tail[128];
    snprintf(tail, sizeof tail, "last_id=%s seen=%d retry=%lld error=%d",
             p.last_id.len ? p.last_id.p : "", p.seen_id, (long long)p.retry_ms, rc);
    put(&t, tail, strlen(tail));
    sse_free(&p);
    return t;
}

static int failures, checks;

static void show(const char *label, const text *t) {
    fprintf(stderr, "  %s: ", label);
    for (size_t i = 0; i < t->len; i++) {
        unsigned char c = (unsigned char)t->p[i];
        if (c == 0x1f) fputs(" | ", stderr);
        else if (c == 0x1e) fputs(" ;; ", stderr);
        else if (c < 0x20 || c >= 0x7f) fprintf(stderr, "\\x%02X", c);
        else fputc(c, stderr);
    }
    fputc('\n', stderr);
}

/* expected: events as put_event would write them, then the tail. */
static void check_n(const char *name, size_t max_line, const char *in, size_t n,
                    const text *expected) {
    checks++;
    text whole = run(max_line, in, n, NULL, 0, 0);
    int bad = whole.len != expected->len || memcmp(whole.p, expected->p, whole.len) != 0;
    if (bad) {
        fprintf(stderr, "FAIL %s (whole)\n", name);
        show("expected", expected);
        show("got     ", &whole);
    }
    for (size_t i = 0; i <= n && !bad; i++) {
        text t = run(max_line, in, n, &i, 1, 0);
        if (t.len != whole.len || memcmp(t.p, whole.p, t.len)) {
            fprintf(stderr, "FAIL %s (split at %zu)\n", name, i);
            show("whole", &whole);
            show("split", &t);
            bad = 1;
        }
        free(t.p);
    }
    if (!bad) {
        text t = run(max_line, in, n, NULL, 0, 1);
        if (t.len != whole.len || memcmp(t.p, whole.p, t.len)) {
            fprintf(stderr, "FAIL %s (byte at a time)\n", name);
            show("whole", &whole);
            show("bytes", &t);
            bad = 1;
        }
        free(t.p);
    }
    for (size_t i = 0; i <= n && !bad && n <= 160; i++) {
        for (size_t j = i; j <= n && !bad; j++) {
            size_t cuts[2] = {i, j};
            text t = run(max_line, in, n, cuts, 2, 0);
            if (t.len != whole.len || memcmp(t.p, whole.p, t.len)) {
                fprintf(stderr, "FAIL %s (split at %zu,%zu)\n", name, i, j);
                bad = 1;
            }
            free(t.p);
        }
    }
    free(whole.p);
    failures += bad;
}

/* Expected events: triples of (type, data, id-or-NULL), NULL-terminated by type. */
static void check(const char *name, const char *in, size_t n, const char *const *events,
                  const char *tail) {
    text e = {0};
    for (size_t i = 0; events && events[i]; i += 3) {
        put_event(&e, events[i], strlen(events[i]), events[i + 1], strlen(events[i + 1]),
                  events[i + 2], events[i + 2] ? strlen(events[i + 2]) : 0);
    }
    put(&e, tail, strlen(tail));
    check_n(name, SSE_DEFAULT_MAX_LINE, in, n, &e);
    free(e.p);
}

#define IN(s) s, sizeof(s) - 1
#define NOID "last_id= seen=0 retry=-1 error=0"
#define E(...) ((const char *const[]){__VA_ARGS__, NULL})

int main(void) {
    check("1 basic", IN("data: hello\n\n"), E("message", "hello", NULL), NOID);
    check("2 no space", IN("data:hello\n\n"), E("message", "hello", NULL), NOID);
    check("3 one space removed", IN("data:  x\n\n"), E("message", " x", NULL), NOID);
    check("4 data joined", IN("data: a\ndata: b\n\n"), E("message", "a\nb", NULL), NOID);
    check("5 field without colon", IN("data\n\n"), E("message", "", NULL), NOID);
    check("6 two empty data", IN("data\ndata\n\n"), E("message", "\n", NULL), NOID);
    check("7 no data no event", IN("event: chunk\n\n"), NULL, NOID);
    check("7b type reset", IN("event: chunk\n\ndata: x\n\n"), E("message", "x", NULL), NOID);
    check("8 empty event name", IN("event:\ndata: x\n\n"), E("message", "x", NULL), NOID);
    check("9 comments", IN(": ping\n\n:\n"), NULL, NOID);
    check("10 CRLF", IN("data: a\r\n\r\n"), E("message", "a", NULL), NOID);
    check("11 lone CR", IN("data: a\r\rdata: b\r\r"), E("message", "a", NULL, "message", "b", NULL),
          NOID);
    check("12 mixed", IN("data: A\r\ndata: B\r\ndata: C\r\n\n"), E("message", "A\nB\nC", NULL),
          NOID);
    check("13 CR CR LF", IN("data: one\r\r\n"), E("message", "one", NULL), NOID);
    check("15 tail dropped", IN("id:one\r\ndata:x\r\n\ndata:two\n\rdata:unfinished"),
          E("message", "x", "one", "message", "two", "one"), "last_id=one seen=1 retry=-1 error=0");
    check("16 BOM", IN("\xEF\xBB\xBF" "data: x\n\n"), E("message", "x", NULL), NOID);
    check("16b only one BOM", IN("\xEF\xBB\xBF\xEF\xBB\xBF" "data: x\n\ndata: y\n\n"),
          E("message", "y", NULL), NOID);
    check("16c partial BOM is content", IN("\xEF\xBB" "data: x\n\ndata: y\n\n"),
          E("message", "y", NULL), NOID);
    check("18 split UTF-8", IN("data: \xE4\xBD\xA0\n\n"), E("message", "\xE4\xBD\xA0", NULL), NOID);
    check("20 invalid UTF-8", IN("data: \xFF\n\n"), E("message", "\xEF\xBF\xBD", NULL), NOID);
    check("20b maximal subparts", IN("data: a\xF0\x9F\x98z\xED\xA0\x80\xC3\n\n"),
          E("message", "a\xEF\xBF\xBDz\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD", NULL),
          NOID);
    check("21 id persists", IN("id: 7\ndata: a\n\ndata: b\n\n"),
          E("message", "a", "7", "message", "b", "7"), "last_id=7 seen=1 retry=-1 error=0");
    check("22 id alone", IN("id: 7\n\n"), NULL, "last_id=7 seen=1 retry=-1 error=0");
    check("23 empty id", IN("id: 7\n\nid\n\n"), NULL, "last_id= seen=1 retry=-1 error=0");
    check("23b id with NUL ignored", IN("id: 7\n\nid: a\0b\ndata: x\n\n"), E("message", "x", "7"),
          "last_id=7 seen=1 retry=-1 error=0");
    check("25 retry", IN("retry: 3000\n\n"), NULL, "last_id= seen=0 retry=3000 error=0");
    check("25b bad retry", IN("retry: 3s\nretry: -1\nretry: +5\nretry: \n\n"), NULL, NOID);
    check("26 retry 0", IN("retry: 0\n\n"), NULL, "last_id= seen=0 retry=0 error=0");
    check("27 names are exact", IN("Data: x\n\ndata : x\n\n"), NULL, NOID);
    check("28 unterminated", IN("data: x"), NULL, NOID);
    check("31 typed events",
          IN("event: chunk\ndata: {\"content\":\"a\"}\n\nevent: done\ndata: {\"s\":1}\n\n"),
          E("chunk", "{\"content\":\"a\"}", NULL, "done", "{\"s\":1}", NULL), NOID);
    check("32 other name", IN("event: heartbeat\ndata: {}\n\ndata: next\n\n"),
          E("heartbeat", "{}", NULL, "message", "next", NULL), NOID);
    check("last type wins", IN("event: a\nevent: b\ndata: x\n\ndata: y\n\n"),
          E("b", "x", NULL, "message", "y", NULL), NOID);
    check("colons kept", IN("data: a: b :c \n\n"), E("message", "a: b :c ", NULL), NOID);
    check("blank lines", IN("\n\n\n\r\r\n\r\ndata: x\n\n\n"), E("message", "x", NULL), NOID);
    {
        text e = {0};
        put_event(&e, "message", 7, "a\0b", 3, NULL, 0);
        put(&e, NOID, strlen(NOID));
        check_n("NUL in data kept", SSE_DEFAULT_MAX_LINE, IN("data: a\0b\n\n"), &e);
        free(e.p);
    }

    /* The bound: a line over it is an error, exactly at it is fine. */
    {
        text e = {0};
        put(&e, "last_id= seen=0 retry=-1 error=-1", 33);
        check_n("30 line over bound", 32, IN("data: xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx\n\n"), &e);
        check_n("30 no newline", 32, IN("x:yyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyy"), &e);
        check_n("30 data over bound", 40, IN("data: 0123456789\ndata: 0123456789\ndata: 0123456789\ndata: 0123456789\n"), &e);
        free(e.p);
        text ok = {0};
        put_event(&ok, "message", 7, "zzzzzzzzzzzzzzzzzzzzzzzzzzz", 27, NULL, 0);
        put(&ok, NOID, strlen(NOID));
        check_n("30 at the bound", 32, IN("data:zzzzzzzzzzzzzzzzzzzzzzzzzzz\r\n\r\n"), &ok);
        free(ok.p);
    }

    /* A 1 MiB data line in 64 KiB pieces. */
    {
        size_t n = 1024 * 1024;
        char *in = malloc(n + 16);
        memcpy(in, "data: ", 6);
        memset(in + 6, 'v', n);
        memcpy(in + 6 + n, "\n\n", 2);
        text t = {0};
        sse_parser p;
        sse_init(&p, SSE_DEFAULT_MAX_LINE, collect, &t);
        for (size_t at = 0; at < n + 8; at += 65536) {
            size_t len = n + 8 - at < 65536 ? n + 8 - at : 65536;
            if (sse_feed(&p, in + at, len) != SSE_OK) failures++;
        }
        checks++;
        if (t.len != 7 + 1 + n + 1 + 1 + 1 || p.line.cap > 64 * 1024) {
            fprintf(stderr, "FAIL 1 MiB line (%zu bytes of events)\n", t.len);
            failures++;
        }
        sse_free(&p);
        free(t.p);
        free(in);
    }

    /* Random streams over the bytes that matter, fed whole and in random pieces. */
    {
        static const char *atoms[] = {"data", "event", "id", "retry", ":", " ", "\r", "\n",
                                      "\r\n", "x", "7", "\xEF\xBB\xBF", "\xFF", "\xE4\xBD",
                                      "\xA0", "chunk", "\0"};
        unsigned seed = 12345;
        int bad = 0;
        for (int k = 0; k < 3000 && !bad; k++) {
            char in[256];
            size_t n = 0;
            int atoms_n = 1 + (int)((seed = seed * 1103515245u + 12345u) >> 16) % 40;
            for (int a = 0; a < atoms_n; a++) {
                seed = seed * 1103515245u + 12345u;
                const char *atom = atoms[(seed >> 16) % (sizeof atoms / sizeof atoms[0])];
                size_t al = atom[0] ? strlen(atom) : 1; /* "\0" is one NUL byte */
                if (n + al < sizeof in) {
                    memcpy(in + n, atom, al);
                    n += al;
                }
            }
            text whole = run(SSE_DEFAULT_MAX_LINE, in, n, NULL, 0, 0);
            size_t cuts[5];
            size_t nc = 0, at = 0;
            while (nc < 5) {
                seed = seed * 1103515245u + 12345u;
                at += (seed >> 16) % (n / 3 + 2);
                if (at > n) break;
                cuts[nc++] = at;
            }
            text split = run(SSE_DEFAULT_MAX_LINE, in, n, cuts, nc, 0);
            text bytes = run(SSE_DEFAULT_MAX_LINE, in, n, NULL, 0, 1);
            if (split.len != whole.len || memcmp(split.p, whole.p, whole.len) ||
                bytes.len != whole.len || memcmp(bytes.p, whole.p, whole.len)) {
                fprintf(stderr, "FAIL random stream %d\n", k);
                show("whole", &whole);
                show("split", &split);
                bad = 1;
            }
            free(whole.p);
            free(split.p);
            free(bytes.p);
        }
        checks++;
        failures += bad;
    }

    printf("sse_parser: %d passed, %d failed\n", checks - failures, failures);
    return failures ? 1 : 0;
}
