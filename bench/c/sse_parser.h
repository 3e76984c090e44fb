/*
 * A WHATWG event-stream parser in C ("Parsing an event stream" and "Interpreting an event
 * stream", html.spec.whatwg.org, section 9.2): the peer parser of the benchmarks.
 *
 * Fed raw bytes as they arrive (split anywhere, empty feeds allowed), it frames lines on
 * LF, CRLF and lone CR (a CR at the end of one feed and an LF at the start of the next are one
 * line end), strips one leading BOM, skips comment lines, joins `data` lines with "\n", keeps
 * the event type, the last event id (an `id` containing NUL is ignored) and the `retry` time
 * (ASCII digits only), drops an unterminated last event, and decodes field values as UTF-8
 * with U+FFFD for invalid sequences (the spec decodes the whole stream that way). A line, or a
 * pending event's data, longer than `max_line` bytes is an error (memory stays bounded).
 *
 * Complete lines inside one feed are parsed in place (no copy); only a line split across
 * feeds is copied into the line buffer. Events are handed to a callback the moment their
 * blank line is parsed, with pointers into the parser's buffers (valid during the call).
 */
#ifndef BENCH_SSE_PARSER_H
#define BENCH_SSE_PARSER_H

#include <stddef.h>
#include <stdint.h>

#define SSE_DEFAULT_MAX_LINE ((size_t)16 * 1024 * 1024)

typedef struct sse_event {
    const char *type; /* "message" when none was given; NUL-terminated */
    size_t type_len;
    const char *data; /* the data lines joined with "\n"; NUL-terminated (may contain NUL) */
    size_t data_len;
    const char *id; /* the last event id string, or NULL when it is empty */
    size_t id_len;
} sse_event;

/* Returns 0 to go on, non-zero to stop: sse_feed then returns SSE_STOPPED at once (the rest
 * of that feed is not parsed). */
typedef int (*sse_callback)(void *user, const sse_event *event);

enum { SSE_OK = 0, SSE_STOPPED = 1, SSE_TOO_LONG = -1, SSE_NOMEM = -2 };

typedef struct sse_buf {
    char *p;
    size_t len, cap;
} sse_buf;

typedef struct sse_parser {
    size_t max_line;
    sse_callback cb;
    void *user;
    sse_buf line;     /* a line split across feeds */
    sse_buf data;     /* data buffer: each value followed by LF */
    sse_buf type;     /* event type buffer */
    sse_buf id_buf;   /* last event ID buffer */
    sse_buf last_id;  /* last event ID string (committed at each blank line) */
    sse_buf scratch;  /* U+FFFD replacement of an invalid UTF-8 value */
    int pending_cr;   /* the previous feed ended with CR */
    int bom_matched;  /* bytes of a leading BOM matched so far */
    int bom_done;
    int id_pending;
    int seen_id;
    int64_t retry_ms; /* -1 until a valid retry field */
    int error;        /* sticky: SSE_TOO_LONG or SSE_NOMEM */
} sse_parser;

void sse_init(sse_parser *p, size_t max_line, sse_callback cb, void *user);
void sse_free(sse_parser *p);
/* SSE_OK, SSE_STOPPED (the callback asked to stop), or a sticky error. */
int sse_feed(sse_parser *p, const char *bytes, size_t len);
/* A new connection's body starts (reconnect): drop the old line, CR, BOM state and the pending
 * event; keep the last event id, retry and seen_id. */
void sse_reset_connection(sse_parser *p);

#endif
