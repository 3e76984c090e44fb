//! `mindra-emulator [--port N] [--host ADDR] [--quiet] [--api-key KEY]
//! [--tls-cert FILE --tls-key FILE] [--no-record] [--max-executions N]`: serves the emulated
//! Mindra API.
//!
//! The first line on stdout is the base URL (tests read it to learn the port); everything
//! else goes to stderr. SIGTERM and SIGINT stop it with exit code 0.

use std::io::Write;
use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::path::PathBuf;
use std::process::ExitCode;

use mindra_emulator::Emulator;

const USAGE: &str = "usage: mindra-emulator [--port N] [--host ADDR] [--quiet] [--api-key KEY]\n\
  \x20                      [--tls-cert FILE --tls-key FILE] [--no-record] [--max-executions N]\n\
  --port N              port to listen on; 0 (the default) picks a free one\n\
  --host ADDR           address to listen on (default 127.0.0.1)\n\
  --quiet               do not log each request on stderr\n\
  --api-key KEY         the key requests must carry (default: the test key)\n\
  --tls-cert FILE       serve HTTPS with this PEM certificate chain (needs --tls-key)\n\
  --tls-key FILE        the PEM private key of --tls-cert\n\
  --no-record           keep no request log (for long load runs)\n\
  --max-executions N    keep at most N executions, forgetting the oldest (default: all)";

struct Args {
    host: IpAddr,
    port: u16,
    quiet: bool,
    api_key: Option<String>,
    tls_cert: Option<PathBuf>,
    tls_key: Option<PathBuf>,
    record: bool,
    max_executions: usize,
}

fn parse_args() -> Result<Args, String> {
    let mut args = Args {
        host: IpAddr::V4(Ipv4Addr::LOCALHOST),
        port: 0,
        quiet: false,
        api_key: None,
        tls_cert: None,
        tls_key: None,
        record: true,
        max_executions: 0,
    };
    let mut it = std::env::args().skip(1);
    while let Some(arg) = it.next() {
        // Accept both `--port 8080` and `--port=8080`.
        let (name, inline) = match arg.split_once('=') {
            Some((n, v)) if n.starts_with("--") => (n.to_owned(), Some(v.to_owned())),
            _ => (arg.clone(), None),
        };
        let mut value = || {
            inline
                .clone()
                .or_else(|| it.next())
                .ok_or_else(|| format!("{name} needs a value"))
        };
        match name.as_str() {
            "--port" => {
                let v = value()?;
                args.port = v.parse().map_err(|_| format!("bad port: {v}"))?;
            }
            "--host" => {
                let v = value()?;
                args.host = v.parse().map_err(|_| format!("bad host address: {v}"))?;
            }
            "--quiet" => args.quiet = true,
            "--api-key" => {
                let v = value()?;
                if v.is_empty() || v.bytes().any(|b| !(0x21..0x7f).contains(&b)) {
                    return Err(String::from("--api-key must be printable ASCII"));
                }
                args.api_key = Some(v);
            }
            "--tls-cert" => args.tls_cert = Some(PathBuf::from(value()?)),
            "--tls-key" => args.tls_key = Some(PathBuf::from(value()?)),
            "--no-record" => args.record = false,
            "--max-executions" => {
                let v = value()?;
                args.max_executions = v.parse().map_err(|_| format!("bad count: {v}"))?;
            }
            "-h" | "--help" => {
                println!("{USAGE}");
                std::process::exit(0);
            }
            other => return Err(format!("unknown argument: {other}")),
        }
    }
    if args.tls_cert.is_some() != args.tls_key.is_some() {
        return Err(String::from("--tls-cert and --tls-key go together"));
    }
    Ok(args)
}

#[tokio::main]
async fn main() -> ExitCode {
    let args = match parse_args() {
        Ok(a) => a,
        Err(msg) => {
            eprintln!("mindra-emulator: {msg}\n{USAGE}");
            return ExitCode::from(2);
        }
    };
    let tls = match (&args.tls_cert, &args.tls_key) {
        (Some(cert), Some(key)) => match mindra_emulator::tls_acceptor(cert, key) {
            Ok(acceptor) => Some(acceptor),
            Err(e) => {
                eprintln!("mindra-emulator: unusable TLS certificate or key: {e}");
                return ExitCode::from(2);
            }
        },
        _ => None,
    };
    let stop = shutdown_signal();
    let emulator = match Emulator::bind(SocketAddr::new(args.host, args.port)).await {
        Ok(e) => {
            let mut e = e
                .quiet(args.quiet)
                .record_requests(args.record)
                .max_executions(args.max_executions);
            if let Some(key) = &args.api_key {
                e = e.api_key(key);
            }
            if let Some(acceptor) = tls {
                e = e.tls(acceptor);
            }
            e
        }
        Err(e) => {
            eprintln!(
                "mindra-emulator: cannot listen on {}:{}: {e}",
                args.host, args.port
            );
            return ExitCode::FAILURE;
        }
    };

    // The listener is already bound, so a client may connect as soon as it reads this.
    let mut out = std::io::stdout().lock();
    let _ = writeln!(out, "{}", emulator.base_url());
    let _ = out.flush();
    drop(out);
    eprintln!("mindra-emulator: listening on {}", emulator.base_url());

    match emulator.serve(stop).await {
        Ok(()) => {
            eprintln!("mindra-emulator: stopped");
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("mindra-emulator: server failed: {e}");
            ExitCode::FAILURE
        }
    }
}

/// Registers the SIGINT/SIGTERM handlers now (before the URL is printed, so a harness that
/// signals right after reading it still gets a clean exit) and returns a future that
/// completes on either signal.
fn shutdown_signal() -> impl std::future::Future<Output = ()> + Send + 'static {
    #[cfg(unix)]
    let term = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate());
    #[cfg(unix)]
    let int = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::interrupt());
    async move {
        #[cfg(unix)]
        {
            match (term, int) {
                (Ok(mut term), Ok(mut int)) => {
                    tokio::select! {
                        _ = term.recv() => {}
                        _ = int.recv() => {}
                    }
                }
                _ => {
                    let _ = tokio::signal::ctrl_c().await;
                }
            }
        }
        #[cfg(not(unix))]
        {
            let _ = tokio::signal::ctrl_c().await;
        }
    }
}
