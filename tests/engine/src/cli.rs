//! `slipway-cli` as a user runs it, with files of the test's own (never the user's), and what
//! it prints: the JSON on stdout, the image IDs and engine rows in it.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

pub fn slipway_cli() -> PathBuf {
    // The CLI binary built by the same `cargo test` run (target/debug/slipway-cli).
    let mut p = std::env::current_exe().unwrap();
    p.pop();
    if p.ends_with("deps") {
        p.pop();
    }
    p.join("slipway-cli")
}

/// `slipway-cli` as a user runs it, with its own files (the pins) under `config_home`
/// (`XDG_CONFIG_HOME`): never the user's. `DOCKER_HOST` is removed; pass `--host`.
pub fn slipway_cli_in(config_home: &Path) -> Command {
    let mut c = Command::new(slipway_cli());
    c.env("XDG_CONFIG_HOME", config_home)
        .env_remove("SLIPWAY_CONFIG_DIR")
        .env_remove("DOCKER_HOST");
    c
}

/// `slipway_cli_in` a throw-away config home of this test process, with no pins.
pub fn slipway_cli_command() -> Command {
    static HOME: std::sync::OnceLock<tempfile::TempDir> = std::sync::OnceLock::new();
    slipway_cli_in(HOME.get_or_init(|| tempfile::tempdir().unwrap()).path())
}

/// `slipway-cli` that finds engines only in the settings folders under `root`, created here:
/// HOME `root/home`, DOCKER_CONFIG `root/docker`, XDG_CONFIG_HOME `root/config` (Podman's
/// connections, Slipway's own files), XDG_RUNTIME_DIR `root/run`. No system sockets, and none
/// of the run's engine variables (DOCKER_HOST, DOCKER_CONTEXT, DOCKER_TLS_VERIFY, DOCKER_TLS,
/// DOCKER_CERT_PATH, PODMAN_CONNECTIONS_CONF, SLIPWAY_CONFIG_DIR): set the one a test is about.
pub fn slipway_cli_isolated(root: &Path) -> Command {
    for d in ["home", "config", "run", "docker"] {
        std::fs::create_dir_all(root.join(d)).unwrap();
    }
    let mut c = Command::new(slipway_cli());
    c.env("HOME", root.join("home"))
        .env("DOCKER_CONFIG", root.join("docker"))
        .env("XDG_CONFIG_HOME", root.join("config"))
        .env("XDG_RUNTIME_DIR", root.join("run"))
        .env("SLIPWAY_SYSTEM_SOCKETS", "");
    for var in [
        "DOCKER_HOST",
        "DOCKER_CONTEXT",
        "DOCKER_TLS_VERIFY",
        "DOCKER_TLS",
        "DOCKER_CERT_PATH",
        "PODMAN_CONNECTIONS_CONF",
        "SLIPWAY_CONFIG_DIR",
    ] {
        c.env_remove(var);
    }
    c
}

/// Runs `cli` (one of the above) with `args`; its exit code and stderr go to the test's own
/// output, shown when the test fails.
pub fn run_cli(cli: &mut Command, args: &[&str]) -> Output {
    let out = cli
        .args(args)
        .output()
        .expect("slipway-cli runs (cargo build -p slipway-cli)");
    eprintln!(
        "slipway-cli {args:?} -> {:?}\n{}",
        out.status.code(),
        String::from_utf8_lossy(&out.stderr)
    );
    out
}

/// The JSON a run printed (`--json`), success or error.
pub fn json_of(out: &Output) -> serde_json::Value {
    serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
        panic!(
            "stdout is not JSON ({e}): {}\nstderr: {}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        )
    })
}

/// A run that must have succeeded (what it printed shown when not).
pub fn assert_success(out: &Output) {
    assert!(
        out.status.success(),
        "{}\n{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}

/// The JSON of a run that must have succeeded.
pub fn ok_json(out: &Output) -> serde_json::Value {
    assert_success(out);
    json_of(out)
}

/// The `id`s of an `images ls --json` listing (sorted, so a failed comparison reads well).
pub fn listed_ids(listing: &serde_json::Value) -> BTreeSet<String> {
    listing
        .as_array()
        .unwrap_or_else(|| panic!("a list: {listing}"))
        .iter()
        .map(|i| i["id"].as_str().unwrap().to_owned())
        .collect()
}

/// The row of `engines ls --json` named `name`.
pub fn engine_row<'a>(rows: &'a serde_json::Value, name: &str) -> &'a serde_json::Value {
    rows.as_array()
        .unwrap_or_else(|| panic!("a list: {rows}"))
        .iter()
        .find(|r| r["name"] == name)
        .unwrap_or_else(|| panic!("{name} is listed: {rows:#}"))
}

/// Runs `cmd` with `input` on its stdin (closed after it, like a pipe) and its output captured.
pub fn output_with_stdin(cmd: &mut Command, input: &str) -> Output {
    use std::io::Write;
    let mut child = cmd
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("the program runs");
    let mut stdin = child.stdin.take().unwrap();
    stdin.write_all(input.as_bytes()).unwrap();
    drop(stdin);
    child.wait_with_output().unwrap()
}
