/* The benchmarks' C peer parser: see sse_parser.h. */
#include "sse_parser.h"

#include <stdlib.h>
#include <string.h>

/* Buffers bigger than this are given back after use, so one big line or event does not pin
 * its memory for the rest of a long stream. */
#define KEEP_CAPACITY ((size_t)64 * 1024)

static const unsigned char BOM[3] = {0xEF, 0xBB, 0xBF};

static int buf_reserve(sse_buf *b, size_t need) {
    if (need <= b->cap) {
        return 0;
    }
    size_t cap = b->cap ? b->cap * 2 : 128;
    while (cap < need) {
        cap *= 2;
    }
    char *p = realloc(b->p, cap);
    if (!p) {
        return -1;
    }
    b->p = p;
    b->cap = cap;
    return 0;
}

static int buf_append(sse_buf *b, const char *s, size_t n) {
    /* +1: room for a NUL terminator at any time. */
    if (buf_reserve(b, b->len + n + 1)) {
        return -1;
    }
    memcpy(b->p + b->len, s, n);
    b->len += n;
    return 0;
}

static void buf_release(sse_buf *b) {
    free(b->p);
    b->p = NULL;
    b->len = b->cap = 0;
}

static void buf_trim(sse_buf *b) {
    if (b->cap > KEEP_CAPACITY) {
        buf_release(b);
    }
    b->len = 0;
}

void sse_init(sse_parser *p, size_t max_line, sse_callback cb, void *user) {
    memset(p, 0, sizeof *p);
    p->max_line = max_line;
    p->cb = cb;
    p->user = user;
    p->retry_ms = -1;
}

void sse_free(sse_parser *p) {
    buf_release(&p->line);
    buf_release(&p->data);
    buf_release(&p->type);
    buf_release(&p->id_buf);
    buf_release(&p->last_id);
    buf_release(&p->scratch);
}

void sse_reset_connection(sse_parser *p) {
    buf_trim(&p->line);
    buf_trim(&p->data);
    p->type.len = 0;
    p->id_buf.len = 0;
    p->id_pending = 0;
    p->pending_cr = 0;
    p->bom_matched = 0;
    p->bom_done = 0;
}

static int fail(sse_parser *p, int error) {
    p->error = error;
    buf_release(&p->line);
    buf_release(&p->data);
    buf_release(&p->type);
    buf_release(&p->id_buf);
    return error;
}

/* True when s[0..n) is all ASCII (the common case: no decoding needed). */
static int is_ascii(const unsigned char *s, size_t n) {
    size_t i = 0;
    for (; i + 8 <= n; i += 8) {
        uint64_t w;
        memcpy(&w, s + i, 8);
        if (w & UINT64_C(0x8080808080808080)) {
            return 0;
        }
    }
    for (; i < n; i++) {
        if (s[i] & 0x80) {
            return 0;
        }
    }
    return 1;
}

/* WHATWG "UTF-8 decode" with replacement, back to UTF-8: valid sequences are copied, each
 * maximal invalid subpart becomes U+FFFD. Returns the text to use (s itself when valid). */
static const char *utf8_lossy(sse_parser *p, const char *text, size_t n, size_t *out_len) {
    const unsigned char *s = (const unsigned char *)text;
    if (is_ascii(s, n)) {
        *out_len = n;
        return text;
    }
    sse_buf *o = &p->scratch;
    o->len = 0;
    if (buf_reserve(o, n * 3 + 1)) {
        return NULL;
    }
    size_t i = 0;
    int replaced = 0;
    while (i < n) {
        unsigned char b = s[i];
        if (b < 0x80) {
            o->p[o->len++] = (char)b;
            i++;
            continue;
        }
        int need;
        unsigned char lo = 0x80, hi = 0xBF;
        if (b >= 0xC2 && b <= 0xDF) {
            need = 1;
        } else if (b >= 0xE0 && b <= 0xEF) {
            need = 2;
            if (b == 0xE0) lo = 0xA0;
            if (b == 0xED) hi = 0x9F;
        } else if (b >= 0xF0 && b <= 0xF4) {
            need = 3;
            if (b == 0xF0) lo = 0x90;
            if (b == 0xF4) hi = 0x8F;
        } else {
            memcpy(o->p + o->len, "\xEF\xBF\xBD", 3);
            o->len += 3;
            replaced = 1;
            i++;
            continue;
        }
        size_t j = i + 1;
        int k = 0;
        while (k < need && j < n && s[j] >= lo && s[j] <= hi) {
            lo = 0x80;
            hi = 0xBF;
            j++;
            k++;
        }
        if (k == need) {
            memcpy(o->p + o->len, s + i, j - i);
            o->len += j - i;
        } else {
            /* The maximal subpart s[i..j) is replaced; s[j] is decoded afresh. */
            memcpy(o->p + o->len, "\xEF\xBF\xBD", 3);
            o->len += 3;
            replaced = 1;
        }
        i = j;
    }
    if (!replaced) {
        *out_len = n;
        return text;
    }
    *out_len = o->len;
    return o->p;
}

static int set_value(sse_parser *p, sse_buf *target, const char *value, size_t n) {
    size_t len;
    const char *text = utf8_lossy(p, value, n, &len);
    if (!text) {
        return fail(p, SSE_NOMEM);
    }
    target->len = 0;
    if (buf_append(target, text, len)) {
        return fail(p, SSE_NOMEM);
    }
    target->p[target->len] = '\0';
    return SSE_OK;
}

static int dispatch(sse_parser *p) {
    if (p->id_pending) {
        p->id_pending = 0;
        p->last_id.len = 0;
        if (buf_append(&p->last_id, p->id_buf.p ? p->id_buf.p : "", p->id_buf.len)) {
            return fail(p, SSE_NOMEM);
        }
        p->last_id.p[p->last_id.len] = '\0';
        p->seen_id = 1;
    }
    if (p->data.len == 0) {
        p->type.len = 0;
        return SSE_OK;
    }
    p->data.len--; /* the LF after the last data line */
    p->data.p[p->data.len] = '\0';
    sse_event ev;
    if (p->type.len) {
        p->type.p[p->type.len] = '\0';
        ev.type = p->type.p;
        ev.type_len = p->type.len;
    } else {
        ev.type = "message";
        ev.type_len = 7;
    }
    ev.data = p->data.p;
    ev.data_len = p->data.len;
    ev.id = p->last_id.len ? p->last_id.p : NULL;
    ev.id_len = p->last_id.len;
    int stop = p->cb ? p->cb(p->user, &ev) : 0;
    buf_trim(&p->data);
    p->type.len = 0;
    return stop ? SSE_STOPPED : SSE_OK;
}

/* Interprets one complete line (without its terminator). */
static int process_line(sse_parser *p, const char *line, size_t len) {
    if (len == 0) {
        return dispatch(p);
    }
    if (line[0] == ':') {
        return SSE_OK; /* comment */
    }
    const char *colon = memchr(line, ':', len);
    size_t name_len;
    const char *value;
    size_t value_len;
    if (colon) {
        name_len = (size_t)(colon - line);
        value = colon + 1;
        value_len = len - name_len - 1;
        if (value_len && value[0] == ' ') {
            value++;
            value_len--;
        }
    } else {
        name_len = len;
        value = line + len;
        value_len = 0;
    }
    switch (name_len) {
    case 4:
        if (memcmp(line, "data", 4) == 0) {
            size_t n;
            const char *text = utf8_lossy(p, value, value_len, &n);
            if (!text) {
                return fail(p, SSE_NOMEM);
            }
            if (p->data.len + n + 1 > p->max_line) {
                return fail(p, SSE_TOO_LONG);
            }
            if (buf_append(&p->data, text, n) || buf_append(&p->data, "\n", 1)) {
                return fail(p, SSE_NOMEM);
            }
        }
        break;
    case 5:
        if (memcmp(line, "event", 5) == 0) {
            return set_value(p, &p->type, value, value_len);
        }
        if (memcmp(line, "retry", 5) == 0 && value_len) {
            uint64_t ms = 0;
            for (size_t i = 0; i < value_len; i++) {
                unsigned char c = (unsigned char)value[i];
                if (c < '0' || c > '9') {
                    return SSE_OK; /* ignored */
                }
                uint64_t d = (uint64_t)(c - '0');
                ms = ms > (UINT64_MAX - d) / 10 ? UINT64_MAX : ms * 10 + d;
            }
            p->retry_ms = ms > INT64_MAX ? INT64_MAX : (int64_t)ms;
        }
        break;
    case 2:
        if (memcmp(line, "id", 2) == 0 && !memchr(value, '\0', value_len)) {
            p->id_pending = 1;
            return set_value(p, &p->id_buf, value, value_len);
        }
        break;
    default:
        break;
    }
    return SSE_OK;
}

/* Matches (part of) a leading BOM; returns how many bytes of in[] it used. */
static size_t strip_bom(sse_parser *p, const char *in, size_t n, int *rc) {
    size_t i = 0;
    *rc = SSE_OK;
    while (i < n && p->bom_matched < 3) {
        if ((unsigned char)in[i] != BOM[p->bom_matched]) {
            /* Not a BOM: the bytes matched so far are ordinary line content. */
            p->bom_done = 1;
            if ((size_t)p->bom_matched > p->max_line) {
                *rc = fail(p, SSE_TOO_LONG);
            } else if (buf_append(&p->line, (const char *)BOM, (size_t)p->bom_matched)) {
                *rc = fail(p, SSE_NOMEM);
            }
            return i;
        }
        p->bom_matched++;
        i++;
    }
    if (p->bom_matched == 3) {
        p->bom_done = 1;
    }
    return i;
}

int sse_feed(sse_parser *p, const char *in, size_t n) {
    if (p->error) {
        return p->error;
    }
    if (n == 0) {
        return SSE_OK;
    }
    if (!p->bom_done) {
        int rc;
        size_t used = strip_bom(p, in, n, &rc);
        if (rc) {
            return rc;
        }
        in += used;
        n -= used;
        if (n == 0) {
            return SSE_OK;
        }
    }
    if (p->pending_cr) {
        p->pending_cr = 0;
        if (in[0] == '\n') {
            in++;
            n--;
        }
    }
    const char *end = in + n;
    /* The next LF and CR at or after `in` (end when none), each searched again only once
     * passed, so a feed is scanned in linear time whatever its line ends. */
    const char *lf = in, *cr = in;
    int lf_known = 0, cr_known = 0;
    while (in < end) {
        if (!lf_known || lf < in) {
            lf = memchr(in, '\n', (size_t)(end - in));
            if (!lf) lf = end;
            lf_known = 1;
        }
        if (!cr_known || cr < in) {
            /* A CR after the next LF does not matter yet. */
            cr = memchr(in, '\r', (size_t)(lf - in));
            if (!cr) cr = lf; /* none before lf: search again once past lf */
            cr_known = 1;
        }
        const char *eol = cr < lf ? cr : lf;
        if (eol == end) {
            break;
        }
        size_t pos = (size_t)(eol - in);
        size_t next;
        if (*eol == '\n') {
            next = pos + 1;
        } else if (eol + 1 < end) {
            next = pos + 1 + (eol[1] == '\n');
        } else {
            p->pending_cr = 1; /* its LF, if any, comes with the next feed */
            next = pos + 1;
        }
        int rc;
        if (p->line.len == 0) {
            if (pos > p->max_line) {
                return fail(p, SSE_TOO_LONG);
            }
            rc = process_line(p, in, pos);
        } else {
            if (p->line.len + pos > p->max_line) {
                return fail(p, SSE_TOO_LONG);
            }
            if (buf_append(&p->line, in, pos)) {
                return fail(p, SSE_NOMEM);
            }
            rc = process_line(p, p->line.p, p->line.len);
            buf_trim(&p->line);
        }
        if (rc) {
            return rc;
        }
        in += next;
        /* cr == lf == eol when the line ended at a CR that was not found before lf */
        if (cr <= eol) cr_known = 0;
    }
    if (in < end) {
        size_t rest = (size_t)(end - in);
        if (p->line.len + rest > p->max_line) {
            return fail(p, SSE_TOO_LONG);
        }
        if (buf_append(&p->line, in, rest)) {
            return fail(p, SSE_NOMEM);
        }
    }
    return SSE_OK;
}
