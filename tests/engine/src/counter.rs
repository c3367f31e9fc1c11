//! `request-counter` (tests/bench/counter) in front of a private engine: what a command asked
//! of the engine, one `METHOD PATH` line per request, so a suite can hold the core to a
//! request budget (the same count with more images, one `/_ping` per command).

use std::path::PathBuf;
use std::process::{Child, Command};
use std::time::{Duration, Instant};

/// A counting proxy; killed when dropped.
pub struct RequestCounter {
    child: Child,
    log: PathBuf,
    connections: PathBuf,
    /// `unix://…` of the proxy: give it to the client as its engine address.
    pub host: String,
    _dir: tempfile::TempDir,
}

impl RequestCounter {
    /// A proxy in front of `upstream` (`unix:///…`, a harness engine).
    pub fn start(upstream: &str) -> Self {
        let dir = tempfile::tempdir().unwrap();
        let listen = dir.path().join("proxy.sock");
        let log = dir.path().join("requests.log");
        let connections = dir.path().join("connections.log");
        let child = Command::new(binary())
            .arg("--listen")
            .arg(&listen)
            .arg("--upstream")
            .arg(
                upstream
                    .strip_prefix("unix://")
                    .expect("a unix socket engine"),
            )
            .arg("--log")
            .arg(&log)
            .arg("--connections")
            .arg(&connections)
            .spawn()
            .expect("request-counter runs (cargo build -p slipway-request-counter)");
        let deadline = Instant::now() + Duration::from_secs(10);
        while !listen.exists() {
            assert!(Instant::now() < deadline, "request-counter did not listen");
            std::thread::sleep(Duration::from_millis(20));
        }
        Self {
            child,
            log,
            connections,
            host: format!("unix://{}", listen.display()),
            _dir: dir,
        }
    }

    /// Every request forwarded so far.
    pub fn requests(&self) -> Vec<String> {
        std::fs::read_to_string(&self.log)
            .unwrap_or_default()
            .lines()
            .map(str::to_owned)
            .collect()
    }

    /// How many connections clients opened so far.
    pub fn connections(&self) -> usize {
        std::fs::read_to_string(&self.connections)
            .unwrap_or_default()
            .lines()
            .count()
    }

    /// The requests `f` made (those logged while it ran).
    pub fn during<T>(&self, f: impl FnOnce() -> T) -> (T, Vec<String>) {
        let before = self.requests().len();
        let out = f();
        (out, self.requests().split_off(before))
    }
}

impl Drop for RequestCounter {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// target/<profile>/request-counter, beside the CLI this suite runs.
fn binary() -> PathBuf {
    crate::cli::slipway_cli().with_file_name("request-counter")
}
