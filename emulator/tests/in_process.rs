//! The library API: bind, print nothing, serve on a runtime of the test's own, stop.

mod common;

use std::net::{Ipv4Addr, SocketAddr};

use mindra_emulator::{Emulator, TEST_API_KEY};

#[test]
fn embedded_emulator_serves_and_stops() {
    let rt = tokio::runtime::Runtime::new().unwrap();
    let emu = rt
        .block_on(Emulator::bind(SocketAddr::from((Ipv4Addr::LOCALHOST, 0))))
        .unwrap()
        .quiet(true);
    let addr = emu.local_addr().to_string();
    assert_eq!(emu.base_url(), format!("http://{addr}"));
    let (stop_tx, stop_rx) = tokio::sync::oneshot::channel::<()>();
    let server = rt.spawn(emu.serve(async {
        let _ = stop_rx.await;
    }));

    let mut c = common::Http::connect(&addr);
    c.send(
        "POST",
        "/v1/workflows/hello/run",
        &[("x-api-key", TEST_API_KEY)],
        br#"{"task":"t"}"#,
    );
    let r = c.response();
    assert_eq!(r.status, 200);
    assert!(mindra_emulator::scenario_slugs().any(|s| s == "hello"));

    stop_tx.send(()).unwrap();
    rt.block_on(server).unwrap().unwrap();
}
