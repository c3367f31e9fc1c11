//! What the fault-injection suite (tests/faults.rs) needs: a private dockerd it may kill,
//! a registry proxy that injects faults, an engine relay that strikes at an exact request,
//! images big enough for a fault to land mid-transfer, and the CLI run asynchronously (the
//! proxies live in the test's runtime).

mod dockerd;
mod engine_relay;
mod registry_proxy;

pub use dockerd::{PrivateDockerd, kill9};
pub use engine_relay::{EngineRelay, Hook, Rules};
pub use registry_proxy::{Fault, RegistryProxy};

use slipway_core::Engine;
use std::io::Write;
use std::path::Path;
use std::time::{Duration, Instant};

/// One line of the closing note's table, written past the test harness's capture so it
/// shows in the log of a passing run: `FAULT | case | outcome | seconds`.
pub fn record(case: &str, outcome: &str, seconds: Duration) {
    let line = format!(
        "FAULT | {case} | {outcome} | {:.2}\n",
        seconds.as_secs_f64()
    );
    let _ = std::io::stderr().write_all(line.as_bytes());
}

/// A build context `FROM <base>` + `COPY blob /blob` with `mib` MiB of bytes no other call
/// makes (so a push really uploads and a pull really downloads them).
pub fn unique_blob_context(mib: usize) -> tempfile::TempDir {
    let dir = crate::context(&[("Dockerfile", &crate::dockerfile(&["COPY blob /blob"]))]);
    let seed = crate::unique("blob");
    let mut state = seed.bytes().fold(0xcbf2_9ce4_8422_2325u64, |h, b| {
        (h ^ u64::from(b)).wrapping_mul(0x100_0000_01b3)
    }) | 1;
    let mut f = std::io::BufWriter::new(std::fs::File::create(dir.path().join("blob")).unwrap());
    let mut buf = vec![0u8; 1 << 20];
    for _ in 0..mib {
        for chunk in buf.chunks_mut(8) {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            chunk.copy_from_slice(&state.to_le_bytes()[..chunk.len()]);
        }
        f.write_all(&buf).unwrap();
    }
    f.flush().unwrap();
    dir
}

/// Build a `mib` MiB image of unique bytes tagged `tag`; returns its ID.
pub async fn big_image(engine: &Engine, tag: &str, mib: usize) -> String {
    let ctx = unique_blob_context(mib);
    crate::build_in(engine, ctx.path(), &[tag]).await
}

/// Put a `mib` MiB image into the harness registry as `faults/<unique>:1` and forget it
/// locally (its layers too), so pulling it downloads every byte. Returns the repository path.
pub async fn image_in_registry(engine: &Engine, mib: usize) -> String {
    let path = format!("faults/{}:1", crate::unique("pull"));
    let tag = format!("{}/{path}", crate::registry());
    big_image(engine, &tag, mib).await;
    engine
        .push(
            &tag,
            None,
            &mut slipway_core::progress::ignore,
            &crate::no_cancel(),
        )
        .await
        .expect("seeding the registry");
    engine
        .remove(&tag, false, false)
        .await
        .expect("forget it locally");
    path
}

/// The CLI's result, with how long it ran after `since` (the fault).
pub struct CliRun {
    pub code: Option<i32>,
    pub json: serde_json::Value,
    pub stderr: String,
}

impl CliRun {
    pub fn error_code(&self) -> u64 {
        self.json["error"]["code"]
            .as_u64()
            .unwrap_or_else(|| panic!("no error: {}", self.json))
    }

    pub fn message(&self) -> &str {
        self.json["error"]["message"].as_str().unwrap_or_default()
    }
}

/// `slipway-cli --host HOST --json --stall-timeout S ARGS…`, started now.
pub fn cli(host: &str, stall: Duration, args: &[&str]) -> tokio::process::Child {
    tokio::process::Command::new(crate::slipway_cli())
        .arg("--host")
        .arg(host)
        .arg("--json")
        .arg("--stall-timeout")
        .arg(stall.as_secs().to_string())
        .args(args)
        .env_remove("DOCKER_HOST")
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .kill_on_drop(true)
        .spawn()
        .expect("slipway-cli runs (cargo build -p slipway-cli)")
}

/// Wait for a CLI run to end (at most `limit`), parse its JSON output.
pub async fn finish(child: tokio::process::Child, limit: Duration) -> CliRun {
    let out = tokio::time::timeout(limit, child.wait_with_output())
        .await
        .unwrap_or_else(|_| panic!("slipway-cli still running after {limit:?}"))
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    CliRun {
        code: out.status.code(),
        json: serde_json::from_str(&stdout).unwrap_or_else(|e| {
            panic!(
                "stdout is not JSON ({e}): {stdout}\nstderr: {}",
                String::from_utf8_lossy(&out.stderr)
            )
        }),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

/// Poll `ready` every 5 ms until it holds; panics after `limit` naming `what`.
pub async fn wait_for(what: &str, limit: Duration, mut ready: impl FnMut() -> bool) {
    let deadline = Instant::now() + limit;
    while !ready() {
        assert!(Instant::now() < deadline, "timed out waiting until {what}");
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
}

/// Names in `dir`, for "no partial file left" checks.
pub fn files_in(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    names
}

// What every fault case shares: its bounds and how it reads a CLI run.

/// The stall timeout the suite runs with.
pub const STALL: Duration = Duration::from_secs(3);
/// How long after a kill -9 the error must be there.
pub const DEAD_ENGINE: Duration = Duration::from_secs(2);
/// Slack for a loaded 2-core machine on top of the stall timeout.
pub const SLACK: Duration = Duration::from_secs(3);
/// Generous bound for setting up (building, pushing) and for operations that should work.
pub const LONG: Duration = Duration::from_secs(120);
pub const MIB: u64 = 1 << 20;

pub fn short(message: &str) -> String {
    message.chars().take(110).collect()
}

/// The outcome column: exit code and error code of a CLI run.
pub fn outcome(run: &CliRun) -> String {
    format!(
        "exit {}, {} \"{}\"",
        run.code.map_or("signal".into(), |c| c.to_string()),
        run.error_code(),
        short(run.message())
    )
}

pub fn assert_failed_naming(run: &CliRun, code: u64, words: &[&str]) {
    assert_ne!(run.code, Some(0), "must not succeed: {}", run.json);
    assert_eq!(run.error_code(), code, "{}", run.json);
    assert_eq!(
        run.json.as_object().unwrap().len(),
        1,
        "only the error: {}",
        run.json
    );
    for w in words {
        assert!(run.message().contains(w), "names {w}: {}", run.message());
    }
}

pub async fn pull_works(host: &str, image: &str) -> CliRun {
    let run = finish(cli(host, STALL, &["images", "pull", image]), LONG).await;
    assert_eq!(
        run.code,
        Some(0),
        "the next pull works: {} {}",
        run.json,
        run.stderr
    );
    assert!(
        run.json["id"].as_str().unwrap().starts_with("sha256:"),
        "{}",
        run.json
    );
    run
}
