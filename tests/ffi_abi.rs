//! The C ABI called directly from Rust: NULLs, invalid UTF-8, frees of NULL, and outputs.

use mindra::ffi::approval::*;
use mindra::ffi::client::*;
use mindra::ffi::error::*;
use mindra::ffi::event::*;
use mindra::ffi::run::*;
use mindra::ffi::stream::*;
use mindra::ffi::version::*;
use std::ffi::{c_char, CStr};
use std::ptr::{null, null_mut};

const KEY: &CStr = c"mk_0123456789abcdef0123456789abcdef";
/// Nothing listens on port 9 (discard) here; no test below reaches the network anyway.
const BASE: &CStr = c"http://127.0.0.1:9";

fn text(ptr: *const c_char) -> String {
    assert!(!ptr.is_null());
    unsafe { CStr::from_ptr(ptr) }.to_str().unwrap().to_string()
}

fn client() -> *mut MindraClient {
    let client = unsafe { mindra_client_new(KEY.as_ptr(), BASE.as_ptr(), null_mut()) };
    assert!(!client.is_null());
    client
}

#[test]
fn version_and_kind_names_are_static_strings() {
    assert_eq!(text(mindra_version()), env!("CARGO_PKG_VERSION"));
    assert_eq!(text(mindra_error_kind_name(0)), "ok");
    assert_eq!(text(mindra_error_kind_name(7)), "not_found");
    assert_eq!(text(mindra_error_kind_name(13)), "internal");
    for unknown in [-1, 14, i32::MIN, i32::MAX] {
        assert_eq!(text(mindra_error_kind_name(unknown)), "unknown");
    }
}

#[test]
fn frees_accept_null() {
    unsafe {
        mindra_client_free(null_mut());
        mindra_run_result_free(null_mut());
        mindra_error_free(null_mut());
        mindra_stream_free(null_mut());
        mindra_event_free(null_mut());
        mindra_stream_cancel(null());
    }
}

#[test]
fn null_and_invalid_arguments_are_invalid_argument_and_nothing_is_sent() {
    let client = client();
    let bad_utf8 = c"he\xffllo".as_ptr();
    unsafe {
        for (slug, task) in [
            (null(), c"t".as_ptr()),
            (c"hello".as_ptr(), null()),
            (c"".as_ptr(), c"t".as_ptr()),
            (c"..".as_ptr(), c"t".as_ptr()),
            (bad_utf8, c"t".as_ptr()),
            (c"hello".as_ptr(), bad_utf8),
        ] {
            let result = mindra_client_run_workflow(client, slug, task, null());
            assert!(!result.is_null());
            assert_eq!(
                (*result).error,
                MindraErrorKind::MINDRA_ERR_INVALID_ARGUMENT
            );
            assert_eq!((*result).http_status, 0);
            assert!(!(*result).error_message.is_null());
            assert!((*result).execution_id.is_null());
            mindra_run_result_free(result);
        }
        let result = mindra_client_run_workflow(client, c"hello".as_ptr(), c"t".as_ptr(), bad_utf8);
        assert_eq!(
            (*result).error,
            MindraErrorKind::MINDRA_ERR_INVALID_METADATA
        );
        mindra_run_result_free(result);
        let result =
            mindra_client_run_workflow(client, c"hello".as_ptr(), c"t".as_ptr(), c"[1]".as_ptr());
        assert_eq!(
            (*result).error,
            MindraErrorKind::MINDRA_ERR_INVALID_METADATA
        );
        mindra_run_result_free(result);

        let mut error: *mut MindraError = null_mut();
        assert!(mindra_stream_open(client, null(), &mut error).is_null());
        assert_eq!((*error).kind, MindraErrorKind::MINDRA_ERR_INVALID_ARGUMENT);
        mindra_error_free(error);
        error = null_mut();
        assert!(mindra_stream_next(null_mut(), &mut error).is_null());
        assert_eq!((*error).kind, MindraErrorKind::MINDRA_ERR_INVALID_ARGUMENT);
        mindra_error_free(error);
        assert!(mindra_stream_next(null_mut(), null_mut()).is_null());

        for (execution, approval) in [
            (null(), c"ap".as_ptr()),
            (c"ex".as_ptr(), null()),
            (c".".as_ptr(), c"ap".as_ptr()),
            (c"ex".as_ptr(), c"".as_ptr()),
            (c"ex".as_ptr(), bad_utf8),
        ] {
            let mut error: *mut MindraError = null_mut();
            let kind = mindra_approve(client, execution, approval, null(), &mut error);
            assert_eq!(kind, MindraErrorKind::MINDRA_ERR_INVALID_ARGUMENT);
            assert_eq!((*error).kind, kind);
            mindra_error_free(error);
            let kind = mindra_reject(client, execution, approval, c"r".as_ptr(), null_mut());
            assert_eq!(kind, MindraErrorKind::MINDRA_ERR_INVALID_ARGUMENT);
        }
        assert_eq!(
            mindra_client_set_timeout_ms(null_mut(), 5),
            MindraErrorKind::MINDRA_ERR_INVALID_ARGUMENT
        );
        assert_eq!(
            mindra_client_set_max_retries(null_mut(), 5),
            MindraErrorKind::MINDRA_ERR_INVALID_ARGUMENT
        );
        assert_eq!(
            mindra_client_set_max_reconnects(null_mut(), 5),
            MindraErrorKind::MINDRA_ERR_INVALID_ARGUMENT
        );
        mindra_client_free(client);
    }
}

#[test]
fn client_errors_are_config_and_error_out_is_written_only_when_given() {
    unsafe {
        let mut error: *mut MindraError = std::ptr::dangling_mut::<MindraError>();
        let client = mindra_client_new(KEY.as_ptr(), c"http://example.com".as_ptr(), &mut error);
        assert!(client.is_null());
        assert_eq!((*error).kind, MindraErrorKind::MINDRA_ERR_CONFIG);
        assert_eq!((*error).http_status, 0);
        assert!((*error).code.is_null() && (*error).request_id.is_null());
        assert!(!text((*error).message).contains(KEY.to_str().unwrap()));
        mindra_error_free(error);

        let bad_key = c"mk_\xff".as_ptr();
        error = null_mut();
        assert!(mindra_client_new(bad_key, BASE.as_ptr(), &mut error).is_null());
        assert_eq!((*error).kind, MindraErrorKind::MINDRA_ERR_CONFIG);
        mindra_error_free(error);

        // Success writes NULL into error_out.
        error = std::ptr::dangling_mut::<MindraError>();
        let client = mindra_client_new(KEY.as_ptr(), BASE.as_ptr(), &mut error);
        assert!(!client.is_null());
        assert!(error.is_null());
        mindra_client_free(client);
    }
}

#[test]
fn event_structs_free_every_field() {
    // Built through the Rust API and handed out as C structs, as mindra_stream_next does.
    let sse = mindra::sse::SseEvent {
        event: "tool_result".into(),
        data: r#"{"tool_name":"calc","result":{"v":"\u0000"}}"#.into(),
        id: Some("9".into()),
    };
    let event = mindra::Event::try_from(sse).unwrap();
    let c_event = MindraEvent::boxed(event);
    unsafe {
        assert_eq!((*c_event).r#type, MindraEventType::MINDRA_EVENT_TOOL_RESULT);
        assert_eq!(text((*c_event).tool_name), "calc");
        assert_eq!(text((*c_event).result), r#"{"v":"\u0000"}"#);
        assert_eq!(text((*c_event).id), "9");
        assert!((*c_event).content.is_null() && (*c_event).final_answer.is_null());
        mindra_event_free(c_event);
    }
}

#[test]
fn a_nul_in_received_text_becomes_u_fffd_in_every_field() {
    let c_event = |name: &str, data: &str| {
        let sse = mindra::sse::SseEvent {
            event: name.into(),
            data: data.into(),
            id: None,
        };
        MindraEvent::boxed(mindra::Event::try_from(sse).unwrap())
    };
    unsafe {
        // An escaped NUL decodes into a NUL in `content` (an owned field, not a slice of
        // `data`); `data` itself keeps the escape and needs no replacement.
        let e = c_event("chunk", r#"{"content":"a\u0000b\u0000"}"#);
        assert_eq!(text((*e).content), "a\u{FFFD}b\u{FFFD}");
        assert_eq!(text((*e).data), r#"{"content":"a\u0000b\u0000"}"#);
        mindra_event_free(e);
        // A plain field is a slice of NUL-free data: copied whole.
        let e = c_event("tool_executing", r#"{"tool_name":"calc","tool_input":[1]}"#);
        assert_eq!(text((*e).tool_name), "calc");
        assert_eq!(text((*e).tool_input), "[1]");
        mindra_event_free(e);
        // Raw NUL bytes in an undocumented event's name and data (SSE allows them).
        let e = c_event("x\0y", "\0d\0\0");
        assert_eq!((*e).r#type, MindraEventType::MINDRA_EVENT_OTHER);
        assert_eq!(text((*e).event), "x\u{FFFD}y");
        assert_eq!(text((*e).data), "\u{FFFD}d\u{FFFD}\u{FFFD}");
        mindra_event_free(e);
    }
}
