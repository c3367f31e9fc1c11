//! `slipway-cli engines ls` and `--context` from a user's own settings files: a temporary
//! DOCKER_CONFIG with contexts (the private dockerd, an unreachable loopback port) and a
//! temporary Podman connections file (the private Podman service). The system's sockets
//! are kept out (`SLIPWAY_SYSTEM_SOCKETS=`), HOME and XDG folders are temporary.

use slipway_engine_tests::*;
use std::process::{Command, Output};
use std::time::{Duration, Instant};

struct Settings {
    root: tempfile::TempDir,
    /// A loopback port nothing listens on.
    dead_port: u16,
}

fn settings() -> Settings {
    let root = tempfile::tempdir().unwrap();
    let dead_port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let docker_config = root.path().join("docker");
    docker_context(&docker_config, "sw-live", &docker_host(), false);
    docker_context(
        &docker_config,
        "sw-dead",
        &format!("tcp://127.0.0.1:{dead_port}"),
        false,
    );
    write_file(&docker_config.join("config.json"), r#"{"auths":{}}"#);
    podman_connection(
        &root.path().join("config"),
        "sw-podman",
        &podman_host(),
        None,
    );
    Settings { root, dead_port }
}

fn cli(s: &Settings, args: &[&str]) -> Output {
    run_cli(&mut slipway_cli_isolated(s.root.path()), args)
}

#[test]
fn engines_ls_shows_both_live_engines_and_why_the_dead_one_is_not_reachable() {
    let s = settings();
    let started = Instant::now();
    let out = cli(&s, &["engines", "ls", "--json"]);
    let took = started.elapsed();
    assert_success(&out);
    assert!(took < Duration::from_secs(10), "engines ls took {took:?}");
    let rows = json_of(&out);

    let live = engine_row(&rows, "sw-live");
    assert_eq!(live["reachable"], true, "{live}");
    assert_eq!(live["kind"], "docker");
    assert_eq!(live["source"], "docker_context");
    assert_eq!(live["url"], docker_host());
    assert!(live["version"].as_str().is_some_and(|v| !v.is_empty()));

    let podman = engine_row(&rows, "sw-podman");
    assert_eq!(podman["reachable"], true, "{podman}");
    assert_eq!(podman["kind"], "podman");
    assert_eq!(podman["source"], "podman_connection");

    let dead = engine_row(&rows, "sw-dead");
    assert_eq!(dead["reachable"], false);
    assert_eq!(dead["url"], format!("tcp://127.0.0.1:{}", s.dead_port));
    let why = dead["error"]["message"].as_str().expect("a reason");
    assert!(why.contains(&s.dead_port.to_string()), "{why}");
    assert!(dead["kind"].is_null());
}

#[test]
fn engines_ls_table_marks_the_current_context() {
    let s = settings();
    current_docker_context(&s.root.path().join("docker"), "sw-live");
    let out = cli(&s, &["engines", "ls"]);
    assert!(out.status.success());
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.starts_with("NAME"), "{text}");
    let live = text.lines().find(|l| l.starts_with("sw-live")).unwrap();
    assert!(live.starts_with("sw-live *"), "{text}");
    assert!(live.contains("docker") && live.contains("yes"), "{live}");
    let dead = text.lines().find(|l| l.starts_with("sw-dead")).unwrap();
    assert!(dead.contains("no: "), "{dead}");
}

#[test]
fn context_selects_the_engine_by_name() {
    let s = settings();
    let out = cli(&s, &["--context", "sw-live", "images", "ls", "--json"]);
    assert_success(&out);
    let theirs = docker_cli_image_ids();
    assert!(!theirs.is_empty(), "the harness loads a base image");
    assert_eq!(listed_ids(&json_of(&out)), theirs);

    // The Podman connection by name reaches Podman.
    let out = cli(&s, &["--context", "sw-podman", "engine", "--json"]);
    assert_success(&out);
    assert_eq!(json_of(&out)["kind"], "podman");
}

#[test]
fn docker_context_variable_is_honoured_and_an_unknown_name_is_a_clear_error() {
    let s = settings();
    let out = run_cli(
        slipway_cli_isolated(s.root.path()).env("DOCKER_CONTEXT", "sw-podman"),
        &["engine", "--json"],
    );
    assert_success(&out);
    assert_eq!(json_of(&out)["kind"], "podman");

    let started = Instant::now();
    let out = cli(
        &s,
        &["--context", "no-such-engine", "images", "ls", "--json"],
    );
    assert!(started.elapsed() < Duration::from_secs(5));
    assert!(!out.status.success());
    let v = json_of(&out);
    assert_eq!(v["error"]["code"], 404, "{v}");
    let message = v["error"]["message"].as_str().unwrap();
    assert!(message.contains("\"no-such-engine\""), "{message}");
}

#[test]
fn images_cp_takes_engine_names_from_the_users_settings() {
    let s = settings();
    let tag = format!("sw-named-copy-{}:1", std::process::id());
    docker_cli(&["tag", "slipway-test/busybox:latest", &tag]);
    let id = docker_cli(&["image", "inspect", "--format", "{{.Id}}", &tag])
        .trim()
        .to_owned();
    let out = cli(
        &s,
        &[
            "--json",
            "images",
            "cp",
            &format!("sw-live::{tag}"),
            "sw-podman::",
        ],
    );
    let podman = |args: &[&str]| {
        Command::new("podman")
            .args(["--remote", "--url", &podman_host()])
            .args(args)
            .output()
            .expect("podman runs")
    };
    let theirs = podman(&[
        "image",
        "inspect",
        "--format",
        "{{.Id}}",
        &format!("localhost/{tag}"),
    ]);
    // Clean up before asserting: the harness's engines outlive a failed test.
    podman(&["rmi", &format!("localhost/{tag}")]);
    docker_cli(&["rmi", &tag]);
    assert_success(&out);
    let copied = json_of(&out);
    assert_eq!(copied["destination"], podman_host(), "{copied}");
    assert_eq!(copied["images"][0]["id"], id.as_str());
    assert_eq!(
        String::from_utf8_lossy(&theirs.stdout)
            .trim()
            .trim_start_matches("sha256:"),
        id.trim_start_matches("sha256:"),
        "Podman's own CLI sees the copied ID"
    );

    // A name that is neither an address nor a known engine is refused before anything moves.
    let out = cli(
        &s,
        &[
            "--json",
            "images",
            "cp",
            &format!("sw-nowhere::{tag}"),
            "sw-podman::",
        ],
    );
    assert!(!out.status.success());
    let e = json_of(&out);
    assert_eq!(e["error"]["code"], 404, "{e}");
    assert!(
        e["error"]["message"]
            .as_str()
            .unwrap()
            .contains("sw-nowhere"),
        "{e}"
    );
}
