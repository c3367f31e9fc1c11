//! Engines over ssh (`ssh://root@127.0.0.1:PORT`): the harness's sshd runs the remote
//! `docker system dial-stdio` against the private dockerd, so everything done over ssh is
//! checked with the docker CLI on that same dockerd. The key comes from the run's ssh-agent
//! (`--host`) or from a Podman connection's identity file with no agent at all (by name).
//! A copy from a second, local dockerd (unix socket) to the ssh engine keeps the ID; a
//! refused key, a changed host key, a remote without docker, a port nobody listens on and
//! one that never speaks are clear errors naming the engine, quickly;
//! no ssh process outlives the CLI.

use slipway_engine_tests::faults::PrivateDockerd;
use slipway_engine_tests::*;
use std::collections::BTreeSet;
use std::path::Path;
use std::process::Output;
use std::time::{Duration, Instant};

fn ssh_host() -> String {
    let h = env("SLIPWAY_TEST_SSH_HOST");
    assert!(h.starts_with("ssh://") && h.contains("@127.0.0.1:"), "{h}");
    h
}

/// slipway-cli with its own config home; `SSH_AUTH_SOCK` (the run's agent) is kept.
fn cli(config_home: &Path, args: &[&str]) -> Output {
    run_cli(&mut slipway_cli_in(config_home), args)
}

fn id_by_docker_cli(image: &str) -> String {
    docker_cli(&["image", "inspect", "--format", "{{.Id}}", image])
        .trim()
        .to_owned()
}

/// Settings folders for `cli_by_name` (see `slipway_cli_isolated`) with one Podman 5
/// connection, `sw-ssh`, to the ssh engine, with `identity` as its key.
fn ssh_connection(identity: &str) -> tempfile::TempDir {
    let root = tempfile::tempdir().unwrap();
    podman_connection(
        &root.path().join("config"),
        "sw-ssh",
        &ssh_host(),
        Some(identity),
    );
    root
}

/// slipway-cli that finds engines only in the settings under `root` (no contexts but those,
/// no sockets, no agent).
fn cli_by_name(root: &Path, args: &[&str]) -> Output {
    run_cli(slipway_cli_isolated(root).env_remove("SSH_AUTH_SOCK"), args)
}

/// The ssh processes of this run's sshd port still alive (ours, not the harness check's).
fn ssh_processes() -> Vec<String> {
    let port = env("SLIPWAY_TEST_SSH_PORT");
    let mut found = Vec::new();
    for entry in std::fs::read_dir("/proc").unwrap().flatten() {
        let dir = entry.path();
        let comm = std::fs::read_to_string(dir.join("comm")).unwrap_or_default();
        if comm.trim() != "ssh" {
            continue;
        }
        let cmd = std::fs::read(dir.join("cmdline")).unwrap_or_default();
        let cmd = String::from_utf8_lossy(&cmd).replace('\0', " ");
        if cmd.contains(&format!("-p {port} ")) {
            found.push(cmd);
        }
    }
    found
}

#[tokio::test]
async fn images_over_ssh_are_the_ones_the_docker_cli_lists_on_that_engine() {
    let home = tempfile::tempdir().unwrap();
    let out = cli(
        home.path(),
        &["--host", &ssh_host(), "--json", "images", "ls"],
    );
    let listed = listed_ids(&ok_json(&out));
    let by_cli = docker_cli_image_ids();
    assert!(listed.contains(&id_by_docker_cli(&base_image())));
    assert_eq!(listed, by_cli);

    // The core API, too: the engine is the private dockerd, reached over ssh.
    let engine = slipway_core::Engine::connect(slipway_core::EngineSpec::host(ssh_host()))
        .await
        .expect("the ssh engine answers");
    assert_eq!(engine.info.host, ssh_host());
    let by_core: BTreeSet<String> = engine
        .list(&slipway_core::images::ListOptions::default())
        .await
        .unwrap()
        .into_iter()
        .map(|i| i.id)
        .collect();
    assert_eq!(by_core, by_cli);
}

#[test]
fn build_push_and_pull_over_ssh_land_in_the_engine_behind_it() {
    let home = tempfile::tempdir().unwrap();
    let host = ssh_host();
    let marker = unique("ssh-build");
    let ctx = context(&[(
        "Dockerfile",
        &dockerfile(&[&format!("RUN echo {marker} > /marker")]),
    )]);
    let tag = format!("{marker}:1");
    let built = ok_json(&cli(
        home.path(),
        &[
            "--host",
            &host,
            "--json",
            "images",
            "build",
            ctx.path().to_str().unwrap(),
            "-t",
            &tag,
        ],
    ));
    let id = built["id"].as_str().expect("an id").to_owned();
    assert_eq!(
        id_by_docker_cli(&tag),
        id,
        "the build is in the private dockerd"
    );

    // Push through the open harness registry, drop the image, pull it back: all over ssh.
    let remote = format!("{}/ssh/{marker}:1", registry());
    docker_cli(&["tag", &tag, &remote]);
    let pushed = ok_json(&cli(
        home.path(),
        &["--host", &host, "--json", "images", "push", &remote],
    ));
    assert!(pushed.get("response").is_some(), "{pushed}");
    docker_cli(&["rmi", &tag, &remote]);
    assert!(
        !docker_cli_raw(&["image", "inspect", &remote])
            .status
            .success()
    );
    let pulled = ok_json(&cli(
        home.path(),
        &["--host", &host, "--json", "images", "pull", &remote],
    ));
    assert_eq!(pulled["id"].as_str(), Some(id.as_str()), "{pulled}");
    assert_eq!(id_by_docker_cli(&remote), id);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_copy_from_a_local_dockerd_to_the_ssh_engine_named_by_a_podman_connection_keeps_the_id() {
    // The source: a second dockerd of this run, on a unix socket (a really other engine).
    let local = tokio::task::spawn_blocking(|| PrivateDockerd::start(""))
        .await
        .unwrap();
    let source = slipway_core::Engine::connect(slipway_core::EngineSpec::host(&local.host))
        .await
        .expect("the second dockerd answers");
    let tag = format!("{}:1", unique("ssh-copy"));
    let id = build_lines(
        &source,
        &[&format!("RUN echo {} > /marker", unique("m"))],
        &[&tag],
    )
    .await;
    assert!(
        !docker_cli_raw(&["image", "inspect", &tag]).status.success(),
        "not on the ssh side before the copy"
    );

    // The destination by name, with the connection's identity file and no agent.
    let root = ssh_connection(&env("SLIPWAY_TEST_SSH_KEY"));
    let (host, image) = (local.host.clone(), tag.clone());
    let out = tokio::task::spawn_blocking(move || {
        cli_by_name(
            root.path(),
            &[
                "--json",
                "images",
                "cp",
                &format!("{host}::{image}"),
                "sw-ssh::",
            ],
        )
    })
    .await
    .unwrap();
    let copied = ok_json(&out);
    assert_eq!(
        copied["images"][0]["id"].as_str(),
        Some(id.as_str()),
        "{copied}"
    );
    assert_eq!(
        id_by_docker_cli(&tag),
        id,
        "the docker CLI sees the same ID"
    );
    docker_cli(&["rmi", &tag]);
}

#[test]
fn a_podman_connection_with_an_identity_file_is_the_ssh_engine_by_name() {
    let root = ssh_connection(&env("SLIPWAY_TEST_SSH_KEY"));
    let rows = ok_json(&cli_by_name(root.path(), &["--json", "engines", "ls"]));
    let row = engine_row(&rows, "sw-ssh");
    assert_eq!(row["url"].as_str(), Some(ssh_host().as_str()));
    assert_eq!(row["reachable"], true, "{row}");
    assert_eq!(row["kind"], "docker", "{row}");

    let listed = ok_json(&cli_by_name(
        root.path(),
        &["--context", "sw-ssh", "--json", "images", "ls"],
    ));
    assert!(
        listed_ids(&listed).contains(&id_by_docker_cli(&base_image())),
        "{listed}"
    );
}

#[test]
fn a_docker_context_over_ssh_uses_the_agent_and_is_current_by_name() {
    let root = tempfile::tempdir().unwrap();
    let docker_config = root.path().join("docker");
    docker_context(&docker_config, "sw-ssh-context", &ssh_host(), false);
    current_docker_context(&docker_config, "sw-ssh-context");
    // No --host, no --context: the current context, as the docker CLI picks it; the run's
    // agent (SSH_AUTH_SOCK) is kept.
    let out = run_cli(
        &mut slipway_cli_isolated(root.path()),
        &["--json", "images", "ls"],
    );
    assert_eq!(listed_ids(&ok_json(&out)), docker_cli_image_ids());
}

/// The error object of a failed run, the engine's own attempt inside "no engine answered".
fn attempt_error(out: &Output) -> serde_json::Value {
    assert!(!out.status.success());
    let e = json_of(out)["error"].clone();
    e["kind"]["tried"][0]["error"].clone()
}

/// `run` must fail within `limit`: the engine's own attempt error.
fn attempt_error_within(limit: Duration, run: impl FnOnce() -> Output) -> serde_json::Value {
    let started = Instant::now();
    let out = run();
    let took = started.elapsed();
    assert!(took < limit, "took {took:?}");
    attempt_error(&out)
}

/// `images ls` on the `sw-ssh` connection with the key in the harness variable `key_var`:
/// the attempt error, within 5 s.
fn by_name_with_key_fails_within_5_s(key_var: &str) -> serde_json::Value {
    let root = ssh_connection(&env(key_var));
    attempt_error_within(Duration::from_secs(5), || {
        cli_by_name(
            root.path(),
            &["--context", "sw-ssh", "--json", "images", "ls"],
        )
    })
}

/// `images ls` with `--host host`: the attempt error, within `limit`.
fn by_host_fails_within(host: &str, limit: Duration) -> serde_json::Value {
    let home = tempfile::tempdir().unwrap();
    attempt_error_within(limit, || {
        cli(home.path(), &["--host", host, "--json", "images", "ls"])
    })
}

#[test]
fn a_refused_key_is_a_clear_error_naming_the_engine_within_seconds() {
    let e = by_name_with_key_fails_within_5_s("SLIPWAY_TEST_SSH_REFUSED_KEY");
    assert_eq!(e["kind"]["type"], "ssh_auth_refused", "{e}");
    assert_eq!(e["code"], 401, "{e}");
    let message = e["message"].as_str().unwrap();
    assert!(message.contains(&ssh_host()), "{message}");
    assert!(message.contains("Permission denied"), "{message}");
}

#[test]
fn a_remote_without_docker_is_a_clear_error_with_the_shells_words() {
    // This key's login runs `docker system dial-stdio` with no docker on the PATH.
    let e = by_name_with_key_fails_within_5_s("SLIPWAY_TEST_SSH_NODOCKER_KEY");
    assert_eq!(e["kind"]["type"], "ssh_no_docker", "{e}");
    assert!(e["message"].as_str().unwrap().contains(&ssh_host()), "{e}");
    assert!(
        e["detail"].as_str().unwrap().contains("docker"),
        "the remote shell's words: {e}"
    );
}

#[test]
fn a_host_key_that_is_not_the_known_one_is_refused() {
    // The same sshd on a second port, listed in known_hosts with another key.
    let host = env("SLIPWAY_TEST_SSH_WRONG_HOST_KEY_HOST");
    let e = by_host_fails_within(&host, Duration::from_secs(5));
    assert_eq!(e["kind"]["type"], "ssh_host_key_rejected", "{e}");
    assert_eq!(e["code"], 403, "{e}");
    assert!(e["message"].as_str().unwrap().contains(&host), "{e}");
}

#[test]
fn an_ssh_port_nobody_listens_on_fails_within_the_connect_bound() {
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let host = format!("ssh://root@127.0.0.1:{port}");
    let e = by_host_fails_within(&host, Duration::from_secs(10));
    assert_eq!(e["kind"]["type"], "ssh_unreachable", "{e}");
    assert!(e["message"].as_str().unwrap().contains(&host), "{e}");
    assert!(
        e["detail"].as_str().unwrap().contains("Connection refused"),
        "{e}"
    );
}

#[test]
fn an_ssh_port_that_never_speaks_fails_within_the_connect_bound() {
    // Accepts the TCP connection, then says nothing (a wedged sshd, a wrong service).
    let silent = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let host = format!("ssh://root@{}", silent.local_addr().unwrap());
    let e = by_host_fails_within(&host, Duration::from_secs(12));
    assert!(
        e["kind"]["type"] == "ssh_unreachable" || e["kind"]["type"] == "ssh_timeout",
        "{e}"
    );
    assert!(e["message"].as_str().unwrap().contains(&host), "{e}");
    drop(silent);
}

#[test]
fn no_ssh_process_outlives_the_cli() {
    let home = tempfile::tempdir().unwrap();
    // A raw request (pull) and typed ones (list, inspect) in one run each.
    let pull = format!("{}/{}", registry(), base_image());
    ok_json(&cli(
        home.path(),
        &["--host", &ssh_host(), "--json", "images", "pull", &pull],
    ));
    ok_json(&cli(
        home.path(),
        &["--host", &ssh_host(), "--json", "images", "ls"],
    ));
    no_ssh_left_within(Duration::from_secs(5));
}

/// Waits until no ssh of this run's sshd port is left, at most `limit`.
fn no_ssh_left_within(limit: Duration) {
    let deadline = Instant::now() + limit;
    loop {
        let left = ssh_processes();
        if left.is_empty() {
            return;
        }
        assert!(Instant::now() < deadline, "still running: {left:?}");
        std::thread::sleep(Duration::from_millis(100));
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_dropped_engine_ends_its_ssh_connections_in_a_long_lived_process() {
    // As in the app: the process stays, the engine (and its idle connections) goes.
    let engine = slipway_core::Engine::connect(slipway_core::EngineSpec::host(ssh_host()))
        .await
        .expect("the ssh engine answers");
    engine
        .list(&slipway_core::images::ListOptions::default())
        .await
        .unwrap();
    // A raw request too (inspect goes the raw way where it can).
    engine.get(&base_image()).await.unwrap();
    assert!(
        !ssh_processes().is_empty(),
        "idle connections are kept while in use"
    );
    drop(engine);
    tokio::task::spawn_blocking(|| no_ssh_left_within(Duration::from_secs(5)))
        .await
        .unwrap();
}
