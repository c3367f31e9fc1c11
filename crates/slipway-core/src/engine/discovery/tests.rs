use super::docker::context_dir;
use super::*;
use crate::error::ErrorKind;
use std::fs;
use std::path::Path;

/// An environment with nothing but the folders under `root` (no system sockets).
fn env_in(root: &Path) -> DiscoveryEnv {
    DiscoveryEnv {
        home: Some(root.join("home")),
        docker_config: Some(root.join("docker")),
        xdg_config_home: Some(root.join("config")),
        ..DiscoveryEnv::default()
    }
}

fn write(path: &Path, text: &str) {
    fs::create_dir_all(path.parent().unwrap()).unwrap();
    fs::write(path, text).unwrap();
}

fn context(docker: &Path, name: &str, host: &str, skip_verify: bool) {
    let meta = serde_json::json!({
        "Name": name,
        "Metadata": {},
        "Endpoints": {"docker": {"Host": host, "SkipTLSVerify": skip_verify}},
    });
    write(
        &docker
            .join("contexts/meta")
            .join(context_dir(name))
            .join("meta.json"),
        &meta.to_string(),
    );
}

fn two_contexts(root: &Path) {
    let docker = root.join("docker");
    context(&docker, "lab-tls", "tcp://127.0.0.1:23760", false);
    context(&docker, "build-ssh", "ssh://user@127.0.0.1:2222", false);
    let tls = docker
        .join("contexts/tls")
        .join(context_dir("lab-tls"))
        .join("docker");
    for f in ["ca.pem", "cert.pem", "key.pem"] {
        write(&tls.join(f), "-----BEGIN CERTIFICATE-----\n");
    }
}

#[test]
fn context_folders_are_the_sha256_of_the_name_like_the_docker_cli() {
    // `docker context create default-ish` stores it under this folder.
    assert_eq!(
        context_dir("default"),
        "37a8eec1ce19687d132fe29051dca629d164e2c4958ba141d5f4133a33f0688f"
    );
}

#[test]
fn docker_contexts_come_with_their_address_and_tls_files() {
    let root = tempfile::tempdir().unwrap();
    two_contexts(root.path());
    let found = discover(&env_in(root.path()));
    assert!(found.skipped.is_empty(), "{:?}", found.skipped);

    let tls = found.named("lab-tls").unwrap();
    assert_eq!(tls.host, "tcp://127.0.0.1:23760");
    assert_eq!(tls.source, EngineSource::DockerContext);
    let files = tls.tls.as_ref().expect("the context's TLS files");
    assert!(files.ca.as_deref().unwrap().ends_with("docker/ca.pem"));
    assert!(files.cert.as_deref().unwrap().ends_with("docker/cert.pem"));
    assert!(files.key.as_deref().unwrap().ends_with("docker/key.pem"));
    assert!(!files.skip_verify);

    let ssh = found.named("build-ssh").unwrap();
    assert_eq!(ssh.host, "ssh://user@127.0.0.1:2222");
    assert_eq!(ssh.tls, None);
    // No DOCKER_HOST, no currentContext: `default` is current, and it is not listed here
    // (no system sockets in this environment), so nothing else is current.
    assert!(!tls.current && !ssh.current);
}

#[test]
fn docker_context_env_wins_over_current_context_and_docker_host_over_both() {
    let root = tempfile::tempdir().unwrap();
    two_contexts(root.path());
    write(
        &root.path().join("docker/config.json"),
        r#"{"auths":{},"currentContext":"build-ssh"}"#,
    );
    let mut env = env_in(root.path());
    let current = |env: &DiscoveryEnv| discover(env).current().map(|e| e.name.clone());
    assert_eq!(current(&env).as_deref(), Some("build-ssh"));

    env.docker_context = Some("lab-tls".into());
    assert_eq!(current(&env).as_deref(), Some("lab-tls"));

    env.docker_host = Some("tcp://127.0.0.1:1".into());
    let found = discover(&env);
    let default = found.current().unwrap();
    assert_eq!(
        (default.name.as_str(), default.host.as_str(), default.source),
        ("default", "tcp://127.0.0.1:1", EngineSource::DockerHost)
    );
}

#[test]
fn a_broken_meta_json_is_skipped_with_a_typed_reason_and_the_others_still_listed() {
    let root = tempfile::tempdir().unwrap();
    two_contexts(root.path());
    let broken = root
        .path()
        .join("docker/contexts/meta")
        .join(context_dir("broken"))
        .join("meta.json");
    write(&broken, "{\"Name\": \"broken\", ");
    write(&root.path().join("docker/config.json"), "not json");
    let found = discover(&env_in(root.path()));
    assert!(found.named("lab-tls").is_ok() && found.named("build-ssh").is_ok());
    let paths: Vec<&str> = found.skipped.iter().map(|s| s.path.as_str()).collect();
    assert_eq!(found.skipped.len(), 2, "{paths:?}");
    let meta = found
        .skipped
        .iter()
        .find(|s| s.path == broken.display().to_string())
        .expect("the broken meta.json is reported");
    assert!(matches!(
        meta.reason.kind.as_deref(),
        Some(ErrorKind::EngineSettingsInvalid { path }) if *path == broken.display().to_string()
    ));
    assert!(meta.reason.detail.is_some(), "the parser's words");
    assert!(
        found
            .skipped
            .iter()
            .any(|s| s.path.ends_with("config.json"))
    );
}

#[cfg(unix)]
#[test]
fn an_unreadable_file_is_skipped_with_a_reason_not_fatal() {
    let root = tempfile::tempdir().unwrap();
    let conf = root.path().join("config/containers/containers.conf");
    write(&conf, "");
    // A folder where the file should be: reading it fails with something other than "missing".
    fs::remove_file(&conf).unwrap();
    fs::create_dir_all(&conf).unwrap();
    let found = discover(&env_in(root.path()));
    assert_eq!(found.skipped.len(), 1, "{:?}", found.skipped);
    assert!(matches!(
        found.skipped[0].reason.kind.as_deref(),
        Some(ErrorKind::CannotRead { .. })
    ));
}

#[test]
fn missing_files_are_nothing_to_report() {
    let root = tempfile::tempdir().unwrap();
    let found = discover(&env_in(root.path()));
    assert_eq!(found, Discovery::default());
}

#[test]
fn podman_5_connections_and_podman_4_destinations_are_both_read() {
    let root = tempfile::tempdir().unwrap();
    write(
        &root
            .path()
            .join("config/containers/podman-connections.json"),
        r#"{"Connection":{"Default":"remote5","Connections":{
            "remote5":{"URI":"ssh://core@127.0.0.1:2200/run/user/1000/podman/podman.sock","Identity":"/keys/id_ed25519","IsMachine":false},
            "local5":{"URI":"unix:///tmp/slipway-test-none/podman.sock"}}},"Farm":{}}"#,
    );
    write(
        &root.path().join("config/containers/containers.conf"),
        r#"
[engine]
active_service = "old4"
[engine.service_destinations.old4]
uri = "ssh://root@127.0.0.1:2201/run/podman/podman.sock"
identity = "/keys/id_rsa"
[engine.service_destinations.remote5]
uri = "ssh://other@127.0.0.1:9/ignored"
"#,
    );
    let found = discover(&env_in(root.path()));
    assert!(found.skipped.is_empty(), "{:?}", found.skipped);
    let remote = found.named("remote5").unwrap();
    assert_eq!(remote.source, EngineSource::PodmanConnection);
    assert_eq!(remote.identity.as_deref(), Some("/keys/id_ed25519"));
    assert!(
        remote.host.starts_with("ssh://core@"),
        "Podman 5's file wins a shared name"
    );
    assert!(remote.podman_default);
    assert_eq!(found.named("local5").unwrap().identity, None);
    let old = found.named("old4").unwrap();
    assert_eq!(old.host, "ssh://root@127.0.0.1:2201/run/podman/podman.sock");
    assert_eq!(old.identity.as_deref(), Some("/keys/id_rsa"));
    assert!(
        !old.podman_default,
        "Podman 5's Default wins over active_service"
    );
}

#[test]
fn podman_connections_conf_replaces_the_usual_file_and_a_bad_toml_is_skipped() {
    let root = tempfile::tempdir().unwrap();
    let elsewhere = root.path().join("elsewhere.json");
    write(
        &elsewhere,
        r#"{"Connection":{"Connections":{"p":{"URI":"tcp://127.0.0.1:8888"}}}}"#,
    );
    write(
        &root.path().join("config/containers/containers.conf"),
        "[engine\nactive_service = ",
    );
    let mut env = env_in(root.path());
    env.podman_connections_conf = Some(elsewhere);
    let found = discover(&env);
    assert_eq!(found.named("p").unwrap().host, "tcp://127.0.0.1:8888");
    assert_eq!(found.skipped.len(), 1);
    assert!(matches!(
        found.skipped[0].reason.kind.as_deref(),
        Some(ErrorKind::EngineSettingsInvalid { .. })
    ));
}

#[cfg(unix)]
#[test]
fn one_socket_reached_two_ways_is_listed_once_under_its_name() {
    let root = tempfile::tempdir().unwrap();
    let sock = root.path().join("home/.colima/default/docker.sock");
    write(&sock, ""); // a plain file stands in: only its existence is checked here
    let other = root.path().join("home/.colima/work/docker.sock");
    write(&other, "");
    write(&root.path().join("home/.rd/docker.sock"), "");
    let mut env = env_in(root.path());
    context(
        &root.path().join("docker"),
        "colima",
        &format!("unix://{}/", sock.display()),
        false,
    );
    env.docker_host = Some(sock.display().to_string());
    let found = discover(&env);
    let names: Vec<&str> = found.engines.iter().map(|e| e.name.as_str()).collect();
    assert_eq!(names, ["colima", "rancher-desktop", "colima-work"]);
    let colima = found.named("colima").unwrap();
    assert_eq!(
        colima.source,
        EngineSource::DockerContext,
        "the named source stays"
    );
    assert!(
        colima.current,
        "DOCKER_HOST's default folded into it, still current"
    );
    assert!(found.named("default").is_err());
}

#[test]
fn an_unknown_name_is_a_typed_404() {
    let e = Discovery::default().named("nope").unwrap_err();
    assert_eq!(e.code, 404);
    assert!(e.message.contains("\"nope\""), "{}", e.message);
}

#[tokio::test]
async fn probing_reports_each_engine_and_a_dead_one_does_not_hold_up_the_rest() {
    // A port nothing listens on (bound, then closed) and a socket path that is not there.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    // A listener that accepts and never answers: the probe's bound ends it.
    let silent = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let silent_port = silent.local_addr().unwrap().port();
    let _hold = tokio::spawn(async move {
        let mut kept = Vec::new();
        while let Ok((s, _)) = silent.accept().await {
            kept.push(s);
        }
    });
    let entry = |name: &str, host: String| DiscoveredEngine {
        name: name.into(),
        host,
        source: EngineSource::DockerContext,
        tls: None,
        identity: None,
        current: false,
        podman_default: false,
    };
    let engines = [
        entry("closed", format!("tcp://127.0.0.1:{port}")),
        entry("silent", format!("tcp://127.0.0.1:{silent_port}")),
        entry("gone", "unix:///tmp/slipway-no-such-dir/docker.sock".into()),
    ];
    let started = std::time::Instant::now();
    let probes = probe_all(&engines, std::time::Duration::from_millis(800)).await;
    assert!(
        started.elapsed() < std::time::Duration::from_secs(3),
        "{:?}",
        started.elapsed()
    );
    assert!(probes.iter().all(|p| !p.reachable && p.error.is_some()));
    assert!(matches!(
        probes[1].error.as_ref().unwrap().kind.as_deref(),
        Some(ErrorKind::EngineProbeTimeout { .. })
    ));
    assert!(matches!(
        probes[2].error.as_ref().unwrap().kind.as_deref(),
        Some(ErrorKind::NoSocket { .. })
    ));
}
