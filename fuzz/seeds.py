#!/usr/bin/env python3
"""Writes the seed corpora in fuzz/corpus/<target>/ (committed; regenerate only when a target's
input layout or the API changes).

    python3 fuzz/seeds.py                        # hand-written seeds only
    scripts/with-emulator.sh target/release/mindra-emulator python3 fuzz/seeds.py
                                                 # also bodies captured from the emulator

Sources: the cases of shared docs/sse-conformance.md (SSE streams, with the reads split where
a case splits them), the emulator's documented responses (emulator/README.md) and, when
MINDRA_BASE_URL is set, the real bodies of a running emulator's scenarios, and typical
Retry-After values. Each file is named after what it holds, so a diff shows what changed.
The input layouts are documented at the top of each fuzz_targets/<target>.rs.
"""

import json
import os
import shutil
import struct
import urllib.error
import urllib.request

HERE = os.path.dirname(os.path.abspath(__file__))
CORPUS = os.path.join(HERE, "corpus")

# ---- sse_parser: [config][counts][sizes...][stream] ---------------------------------------
# config bits 0-2: small bound index into SMALL_BOUNDS = [0, 1, 3, 8, 16, 40, 64, 1024];
# bit 3: reset after piece (counts >> 4). counts bits 0-3: number of sizes.


def sse_seed(stream, sizes=(), small=4, reset_after=None):
    assert len(sizes) <= 15
    config = small & 7
    counts = len(sizes)
    if reset_after is not None:
        config |= 8
        counts |= (reset_after & 15) << 4
    return bytes([config, counts]) + bytes(sizes) + stream


def pieces(*parts):
    """A stream given as its network reads: the sizes of all reads but the last, and the bytes."""
    return [len(p) for p in parts[:-1]], b"".join(parts)


CONFORMANCE = {
    "case01_hello": b"data: hello\n\n",
    "case02_no_space": b"data:hello\n\n",
    "case03_two_spaces": b"data:  x\n\n",
    "case04_two_lines": b"data: a\ndata: b\n\n",
    "case05_field_no_colon": b"data\n\n",
    "case06_two_empty_data": b"data\ndata\n\n",
    "case07_event_without_data": b"event: chunk\n\n",
    "case08_empty_event_name": b"event:\ndata: x\n\n",
    "case09_comments": b": ping\n\n:\n",
    "case10_crlf": b"data: a\r\n\r\n",
    "case11_lone_cr": b"data: a\r\rdata: b\r\r",
    "case16_bom": b"\xef\xbb\xbfdata: x\n\n",
    "case20_invalid_utf8": b"data: \xff\n\n",
    "case21_id_persists": b"id: 7\ndata: a\n\ndata: b\n\n",
    "case22_id_only": b"id: 7\n\n",
    "case23_empty_id": b"id: 7\n\nid\n\n",
    "case25_retry": b"retry: 3000\n\nretry: 3s\nretry: -1\nretry: +5\nretry: \n\n",
    "case26_retry_zero": b"retry: 0\n\n",
    "case27_names_exact": b"Data: x\n\ndata : x\n\n",
    "case28_eof_before_blank": b"data: x",
    "case29_done": b'event: done\ndata: {"execution_id":"e","status":"completed","final_answer":"ok"}\n\n',
    "case31_chunk_done": b'event: chunk\ndata: {"content":"a"}\n\nevent: done\ndata: {"execution_id":"e","status":"completed","final_answer":"ok"}\n\n',
    "case32_heartbeat": b"event: heartbeat\ndata: {}\n\ndata: next\n\n",
    "nul_in_data_and_id": b"id: a\x00b\ndata: a\x00b\n\n",
    "colons_in_value": b"data: a: b :c \n\n",
}

SPLIT_CASES = {
    "case12_split_crlf": pieces(b"data: A\r\n", b"data: B\r", b"\n", b"data: C\r\n", b"\n"),
    "case13_cr_cr_lf": pieces(b"data: one\r", b"\r", b"\n"),
    "case16_bom_split": pieces(b"\xef", b"\xbb\xbfdata: x\n\n"),
    "case18_utf8_split": pieces(b"data: \xe4\xbd", b"\xa0\n\n"),
}


def sse_seeds():
    seeds = {}
    for name, stream in CONFORMANCE.items():
        seeds[name] = sse_seed(stream)
    for name, (sizes, stream) in SPLIT_CASES.items():
        seeds[name] = sse_seed(stream, sizes)
    # Case 15 in one-byte reads (15 sizes of 1, then the rest).
    case15 = b"id:one\r\ndata:x\r\n\ndata:two\n\rdata:unfinished"
    seeds["case15_one_byte_reads"] = sse_seed(case15, [1] * 15)
    # Case 30 with a small bound: an over-long line, and an event whose data outgrows it.
    seeds["case30_long_line_bound16"] = sse_seed(b"data: ok\n\n" + b"data: " + b"x" * 40 + b"\n\n", small=4)
    seeds["case30_long_event_bound40"] = sse_seed(b"data: 0123456789\n" * 5 + b"\n", small=5)
    seeds["case30_no_newline_bound8"] = sse_seed(b"x:" + b"y" * 60, [3, 0, 5], small=3)
    # Reconnects: a reset in the middle of an event, of a CRLF, of a BOM.
    seeds["reset_mid_event"] = sse_seed(
        b"retry: 250\nid: 4\ndata: done\n\nid: 5\nevent: e\ndata: lost\ndata: par" + b"\xef\xbb\xbfdata: new\n\n",
        [len(b"retry: 250\nid: 4\ndata: done\n\nid: 5\nevent: e\ndata: lost\ndata: par")],
        reset_after=0,
    )
    seeds["reset_after_cr"] = sse_seed(b"data: a\r\ndata: b\n\n", [8], reset_after=0)
    seeds["reset_partial_bom"] = sse_seed(b"\xef\xbb\xbfdata: c\n\ndata: d\n\n", [2], reset_after=0)
    # The emulator's streams as documented (emulator/README.md).
    def events(*pairs, ids=False):
        out = b""
        for n, (name, data) in enumerate(pairs, 1):
            if ids:
                out += b"id: %d\n" % n
            out += b"event: " + name.encode() + b"\ndata: " + json.dumps(data, separators=(",", ":")).encode() + b"\n\n"
        return out
    done = lambda answer, status="completed": ("done", {"execution_id": "ex_0123456789abcdef", "status": status, "final_answer": answer})
    seeds["emulator_hello"] = sse_seed(events(
        ("chunk", {"content": "Hello"}), ("chunk", {"content": ", "}), ("chunk", {"content": "world!"}),
        ("tool_executing", {"tool_name": "search", "tool_input": {"query": "Say hello"}}),
        ("tool_result", {"tool_name": "search", "result": "3 results"}),
        ("chunk", {"content": " (found 3 results)"}), done("Hello, world!")))
    seeds["emulator_approval"] = sse_seed(events(
        ("chunk", {"content": "I will email the report."}),
        ("approval_request", {"approval_id": "ap_0123456789abcdef", "tool_name": "send_email",
                              "tool_input": {"to": "ops@example.com", "subject": "Report"}}))
        + b": keep-alive\n\n" * 2 + events(
        ("tool_executing", {"tool_name": "send_email", "tool_input": {"to": "ops@example.com", "subject": "Report"}}),
        ("tool_result", {"tool_name": "send_email", "result": "sent"}), done("Email sent.")), [40, 7, 0, 13])
    seeds["emulator_drop_with_ids_reconnect"] = sse_seed(
        b"retry: 100\n\n" + events(*[("chunk", {"content": "part%d" % i}) for i in (1, 2, 3)], ids=True)
        + b"retry: 100\n\nid: 4\nevent: chunk\ndata: {\"content\":\"part4\"}\n\n",
        [12 + len(events(*[("chunk", {"content": "part%d" % i}) for i in (1, 2, 3)], ids=True))],
        reset_after=0)
    seeds["emulator_unknown_event"] = sse_seed(events(
        ("chunk", {"content": "a"}), ("heartbeat", {}), ("chunk", {"content": "b"}), done("ab")), [5, 5, 5])
    return seeds


# ---- run_response / error_body: [status hi][status lo][flags][body] ------------------------


def status_seed(status, body, request_id=True):
    return struct.pack(">H", status) + bytes([1 if request_id else 0]) + body


RUN_OK = {
    "execution_id": "ex_0123456789abcdef", "status": "running", "workflow_slug": "hello",
    "workflow_name": "Hello World", "stream_url": "/api/v1/workflows/execute/ex_0123456789abcdef/stream",
    "created_at": "2026-11-29T10:00:00Z", "conversation_id": "conv_0123456789abcdef",
}


def run_response_seeds():
    compact = lambda v: json.dumps(v, separators=(",", ":")).encode()
    seeds = {
        "hello": status_seed(200, compact(RUN_OK)),
        "no_conversation": status_seed(200, compact({**RUN_OK, "conversation_id": None})),
        "no_conversation_field": status_seed(201, compact({k: v for k, v in RUN_OK.items() if k != "conversation_id"})),
        "extra_field_pretty": status_seed(200, json.dumps({**RUN_OK, "extra": [1, {"a": None}]}, indent=2).encode()),
        "truncated": status_seed(200, b'{"execution_id": "ex_trunc", "status": "runn'),
        "missing_field": status_seed(200, compact({k: v for k, v in RUN_OK.items() if k != "execution_id"})),
        "wrong_type": status_seed(200, compact({**RUN_OK, "execution_id": 1})),
        "escapes": status_seed(200, compact({**RUN_OK, "workflow_name": "H\u00e9llo \"w\"\n\ud83d\ude00"}).replace(b"H", b"\\u0048", 1)),
        "array": status_seed(200, b"[]", False),
        "empty": status_seed(200, b"", False),
        "not_utf8": status_seed(200, b"\xff\xfe", False),
        "not_sse_object": status_seed(200, b"{}"),
        "duplicate_key": status_seed(200, compact(RUN_OK)[:-1] + b',"status":"again"}'),
    }
    return seeds


def error_body_seeds():
    compact = lambda v: json.dumps(v, separators=(",", ":")).encode()
    err = lambda message, code: compact({"error": message, "code": code})
    return {
        "unauthorized_401": status_seed(401, err("Invalid API key", "UNAUTHORIZED")),
        "not_found_404": status_seed(404, err("Workflow 'nope' not found", "WORKFLOW_NOT_FOUND")),
        "invalid_request_400": status_seed(400, err("task must be a string", "INVALID_REQUEST")),
        "expired_400": status_seed(400, err("Approval expired", "APPROVAL_EXPIRED")),
        "conflict_409": status_seed(409, err("Approval already decided", "APPROVAL_ALREADY_DECIDED")),
        "rate_limited_429": status_seed(429, err("Rate limit exceeded", "RATE_LIMITED")),
        "server_500": status_seed(500, err("Internal error", "INTERNAL_ERROR"), False),
        "unavailable_503": status_seed(503, err("Service unavailable", "SERVICE_UNAVAILABLE")),
        "bad_gateway_html_502": status_seed(502, b"<html><body><h1>502 Bad Gateway</h1></body></html>", False),
        "empty_message": status_seed(404, err("", "X")),
        "null_fields": status_seed(418, b'{"error":null,"code":null}'),
        "no_fields": status_seed(400, b"{}"),
        "empty_body_599": status_seed(599, b"", False),
        "status_700": status_seed(700, b"\x00\r\n\t", False),
        "long_text": status_seed(500, b"x" * 600),
    }


# ---- retry_after: [now u64][n u64][value] -------------------------------------------------


def retry_after_seeds():
    now = 784111777  # Sun, 06 Nov 1994 08:49:37 GMT
    head = struct.pack(">QQ", now, 120)
    values = {
        "seconds_1": b"1", "seconds_120": b"120", "seconds_zero_padded": b" 0 ", "seconds_huge": b"99999999999999999999999",
        "date_future": b"Sun, 06 Nov 1994 08:49:47 GMT", "date_past": b"Sat, 05 Nov 1994 08:49:37 GMT",
        "date_2026": b"Thu, 01 Jan 2026 00:00:00 GMT", "date_leap_second": b"Wed, 31 Dec 2025 23:59:60 GMT",
        "date_rfc850": b"Sunday, 06-Nov-94 08:49:37 GMT", "date_asctime": b"Sun Nov  6 08:49:37 1994",
        "date_utc": b"Sun, 06 Nov 1994 08:49:37 UTC", "negative": b"-1", "fraction": b"1.5", "word": b"soon",
        "empty": b"", "date_non_ascii": "Sun, 06 N\u00f6v 1994 08:49:3 GMT".encode(),
    }
    return {name: head + value for name, value in values.items()}


# ---- event_decode: [pick][flags][data] or [0xff][flags][name 0xff data] -------------------


def event_seeds():
    c = lambda v: json.dumps(v, separators=(",", ":")).encode()
    pick = {"chunk": 0, "tool_executing": 1, "tool_result": 2, "approval_request": 3, "done": 4, "message": 5}
    seeds = {
        "chunk": (0, c({"content": "Hel\nlo"})),
        "tool_executing": (1, b'{"tool_name":"search","tool_input": {"q" : [1, 2]} }'),
        "tool_executing_null_input": (1, b'{"tool_name":"t","tool_input":null}'),
        "tool_result_string": (2, b'{"tool_name":"t","result":"42 \\"x\\""}'),
        "tool_result_number": (2, b'{"tool_name":"t","result":12.50}'),
        "tool_result_null": (2, b'{"tool_name":"t","result":null}'),
        "tool_result_absent": (2, b'{"tool_name":"t"}'),
        "approval_request": (3, c({"approval_id": "ap_1", "tool_name": "send_email", "tool_input": {"to": "ops@example.com", "subject": "Report"}})),
        "done": (4, c({"execution_id": "e", "status": "completed", "final_answer": "ok"})),
        "done_failed_null": (4, c({"execution_id": "e", "status": "failed", "final_answer": None})),
        "message_text": (5, b"plain text"),
        "chunk_bad": (0, b'{"content":5}'),
        "done_array": (4, b"[1]"),
    }
    out = {name: bytes([p, 1]) + data for name, (p, data) in seeds.items()}
    out["heartbeat"] = bytes([0xFF, 0]) + b"heartbeat\xff{}"
    out["empty_name"] = bytes([0xFF, 1]) + b"\xff{}"
    return out


# ---- c_strings: [flags][bytes] -------------------------------------------------------------


def c_string_seeds():
    return {
        "ascii": b"\x00hello", "empty": b"\x00", "utf8": b"\x01" + "h\u00e9llo \u4f60 \U0001F600".encode(),
        "invalid_utf8": b"\x00\xff\xfe", "truncated_utf8": b"\x00\xe4\xbd", "embedded_nul": b"\x01ab\x00cd",
        "nul_first": b"\x00\x00abc", "surrogate_encoded": b"\x00\xed\xa0\x80",
        "json_metadata": b'\x00{"user":"ada"}',
    }


# ---- metadata: the text ---------------------------------------------------------------------


def metadata_seeds():
    return {
        "object": b'{"user":"ada"}', "exact": b' {"b": 1,  "a":123456789012345678901234567890, "u":"\\u00e9"} ',
        "make_demo": b'{"source":"make demo"}', "array": b"[]", "number": b"1", "string": b'"x"',
        "null": b"null", "unclosed": b"{", "two_objects": b"{} {}", "missing_value": b'{"a":}',
        "not_json": b"not json", "space": b" ", "trailing": b"{}x", "huge_number": b'{ "n" : 1e400 }',
        "escapes": b'{"s":"\\ud800\\n\\"\\/","t":[true,false,null,-0.5E+3]}',
        "deep_arrays": b'{"a":' + b"[" * 200 + b"]" * 200 + b"}",
        "deep_objects": b'{"a":' * 200 + b"1" + b"}" * 200,
        "deep_unclosed": b"{" + b"[" * 2000,
        "knobs": b'{"retry_after":"1","delay_ms":10,"events":3,"chunk_size":2,"drops":1,"reason":null}',
    }


# ---- captures from a running emulator -------------------------------------------------------


def emulator_captures(seeds):
    base = os.environ.get("MINDRA_BASE_URL")
    key = os.environ.get("MINDRA_API_KEY", "")
    if not base:
        return
    def request(method, path, body=None, headers=None):
        req = urllib.request.Request(base + path, data=body, method=method,
                                     headers={"x-api-key": key, "content-type": "application/json", **(headers or {})})
        try:
            with urllib.request.urlopen(req, timeout=10) as response:
                return response.status, response.read()
        except urllib.error.HTTPError as error:
            return error.code, error.read()
    for slug, metadata in [("hello", {}), ("no-conversation", {}), ("truncated", {}), ("missing-field", {}),
                           ("nope", {}), ("rate-limited", {}), ("server-error", {}), ("bad-gateway", {}),
                           ("tools", {}), ("unknown-event", {}), ("many-events", {"events": 3, "chunk_size": 4}),
                           ("keepalive", {"pause_ms": 300}), ("drop-with-ids", {"drops": 0}), ("not-sse", {})]:
        body = json.dumps({"task": "fuzz seed", "metadata": metadata}).encode()
        status, answer = request("POST", "/v1/workflows/%s/run" % slug, body)
        name = "captured_" + slug.replace("-", "_")
        if 200 <= status < 300:
            seeds["run_response"][name] = status_seed(status, answer)
            try:
                stream_url = json.loads(answer)["stream_url"]
            except (ValueError, KeyError):
                continue
            _, stream = request("GET", stream_url, headers={"accept": "text/event-stream"})
            seeds["sse_parser"][name] = sse_seed(stream, [7, 64, 1])
        elif status != 307:
            seeds["error_body"][name] = status_seed(status, answer)
    status, answer = request("GET", "/v1/workflows/execute/ex_0000000000000000/stream")
    seeds["error_body"]["captured_execution_not_found"] = status_seed(status, answer)


def main():
    seeds = {
        "sse_parser": sse_seeds(),
        "run_response": run_response_seeds(),
        "error_body": error_body_seeds(),
        "retry_after": retry_after_seeds(),
        "event_decode": event_seeds(),
        "c_strings": c_string_seeds(),
        "metadata": metadata_seeds(),
    }
    emulator_captures(seeds)
    for target, files in seeds.items():
        directory = os.path.join(CORPUS, target)
        shutil.rmtree(directory, ignore_errors=True)
        os.makedirs(directory)
        for name, data in files.items():
            with open(os.path.join(directory, name), "wb") as f:
                f.write(data)
        print("%-13s %3d seeds" % (target, len(files)))


if __name__ == "__main__":
    main()
