//! An engine over TLS: a private dockerd listening on tcp://127.0.0.1:PORT with --tlsverify
//! (tests/harness/tls-engine.sh, started here inside the harness state dir, certificates made
//! with openssl for the run). Reached like the docker CLI reaches it — DOCKER_TLS_VERIFY +
//! DOCKER_CERT_PATH, or a Docker context with TLS files — and compared with the docker CLI
//! against the same engine; without a client certificate, with one from another CA, or with
//! an untrusted engine certificate, the error names the engine within 5 s.

use slipway_core::engine::discovery::TlsFiles;
use slipway_core::{CancellationToken, Engine, EngineSpec};
use slipway_engine_tests::*;
use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::OnceLock;
use std::time::{Duration, Instant};

/// The bound the issue sets on a refused TLS connection.
const CLEAR_WITHIN: Duration = Duration::from_secs(5);

struct TlsEngine {
    host: String,
    certs: PathBuf,
}

fn tls_engine_sh() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../harness/tls-engine.sh")
}

/// One TLS dockerd for the whole suite, inside the harness state dir: the harness's teardown
/// stops it and removes its folder.
fn engine() -> &'static TlsEngine {
    static ENGINE: OnceLock<TlsEngine> = OnceLock::new();
    ENGINE.get_or_init(|| {
        let dir = PathBuf::from(env("SLIPWAY_TEST_STATE"))
            .join(format!("tls{}", std::process::id() % 10_000));
        let out = Command::new("bash")
            .arg(tls_engine_sh())
            .arg("up")
            .arg(&dir)
            .output()
            .expect("bash runs");
        assert!(
            out.status.success(),
            "tls-engine.sh up failed:\n{}",
            String::from_utf8_lossy(&out.stderr)
        );
        let port = std::fs::read_to_string(dir.join("tls-port")).unwrap();
        TlsEngine {
            host: format!("tcp://127.0.0.1:{}", port.trim()),
            certs: dir.join("certs"),
        }
    })
}

fn certs(client: &str) -> PathBuf {
    engine().certs.join(client)
}

/// The docker CLI against the TLS engine with a client folder (DOCKER_CERT_PATH's layout).
fn docker_tls(client: &str, args: &[&str]) -> Output {
    let cli = std::env::var("SLIPWAY_TEST_DOCKER_CLI").unwrap_or_else(|_| "docker".into());
    let config = tempfile::tempdir().unwrap();
    Command::new(cli)
        .env("DOCKER_CONFIG", config.path())
        .env("DOCKER_CERT_PATH", certs(client))
        .env_remove("DOCKER_CONTEXT")
        .env_remove("DOCKER_HOST")
        .args(["--tlsverify", "-H", &engine().host])
        .args(args)
        .output()
        .expect("docker CLI runs")
}

fn docker_tls_ok(args: &[&str]) -> String {
    let out = docker_tls("client", args);
    assert!(
        out.status.success(),
        "docker --tlsverify {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

fn docker_ids(listing: &str) -> BTreeSet<String> {
    listing.lines().map(str::to_owned).collect()
}

/// slipway-cli as a user runs it: a throw-away HOME, DOCKER_CONFIG and XDG folders, no
/// system sockets, no TLS variables but the ones given.
fn cli(root: &Path, vars: &[(&str, &Path)], args: &[&str]) -> Output {
    run_cli(slipway_cli_isolated(root).envs(vars.iter().copied()), args)
}

/// `--host` the TLS engine with DOCKER_TLS_VERIFY=1 and DOCKER_CERT_PATH=certs/<client>.
fn cli_verify(client: &str, args: &[&str]) -> Output {
    let root = tempfile::tempdir().unwrap();
    let dir = certs(client);
    let mut all = vec!["--host", engine().host.as_str(), "--json"];
    all.extend_from_slice(args);
    cli(
        root.path(),
        &[
            ("DOCKER_TLS_VERIFY", Path::new("1")),
            ("DOCKER_CERT_PATH", &dir),
        ],
        &all,
    )
}

#[test]
fn docker_tls_verify_and_cert_path_list_what_the_docker_cli_lists() {
    let theirs = docker_ids(&docker_tls_ok(&["images", "-q", "--no-trunc"]));
    assert!(!theirs.is_empty(), "the TLS engine has its base image");
    // The client key in each PEM form users have: PKCS#8, PKCS#1 (RSA), SEC1 (EC).
    for client in ["client", "client-rsa", "client-ec"] {
        let out = cli_verify(client, &["images", "ls"]);
        assert_eq!(listed_ids(&ok_json(&out)), theirs, "{client}");
    }
    // DOCKER_TLS=1 alone: TLS without checking the engine (a CA that did not sign it is fine).
    let root = tempfile::tempdir().unwrap();
    let dir = certs("wrong-ca");
    let out = cli(
        root.path(),
        &[("DOCKER_TLS", Path::new("1")), ("DOCKER_CERT_PATH", &dir)],
        &["--host", &engine().host, "--json", "images", "ls"],
    );
    assert_eq!(
        listed_ids(&ok_json(&out)),
        theirs,
        "DOCKER_TLS without verification"
    );
    let info = ok_json(&cli_verify("client", &["engine"]));
    assert_eq!(info["host"], engine().host);
    assert_eq!(info["kind"], "docker");
}

/// Each refusal: a non-zero exit, the usual error shape with its status and kind, the engine
/// named, well within the bound — and the docker CLI refuses the same files too.
fn assert_refused(client: &str, code: u16, kind: &str) {
    let started = Instant::now();
    let out = cli_verify(client, &["images", "ls"]);
    let took = started.elapsed();
    assert!(!out.status.success(), "{client}: refused");
    let e = &json_of(&out)["error"];
    assert_eq!(e["code"], code, "{client}: {e}");
    assert_eq!(e["kind"]["type"], kind, "{client}: {e}");
    let message = e["message"].as_str().unwrap();
    assert!(message.contains(&engine().host), "{client}: {message}");
    assert!(took < CLEAR_WITHIN, "{client}: {took:?}");
    let theirs = docker_tls(client, &["images"]);
    assert!(!theirs.status.success(), "docker refuses {client} too");
}

#[test]
fn without_a_client_certificate_the_engine_wants_one_within_5_s() {
    engine();
    assert_refused("no-cert", 401, "engine_wants_certificate");
}

/// dockerd speaks TLS 1.3: it judges the client certificate after the handshake, so the
/// refusal arrives at the first read — still said as the certificate problem.
#[test]
fn a_client_certificate_from_another_ca_is_refused_by_name_within_5_s() {
    engine();
    assert_refused("wrong-client", 403, "engine_refused_certificate");
}

#[test]
fn an_engine_certificate_from_an_unknown_ca_is_not_trusted_within_5_s() {
    engine();
    assert_refused("wrong-ca", 502, "engine_certificate_untrusted");
}

#[test]
fn plain_http_to_the_tls_port_is_a_clear_error_naming_the_engine() {
    let root = tempfile::tempdir().unwrap();
    let started = Instant::now();
    let out = cli(
        root.path(),
        &[],
        &["--host", &engine().host, "--json", "images", "ls"],
    );
    assert!(!out.status.success());
    assert!(started.elapsed() < CLEAR_WITHIN);
    let e = &json_of(&out)["error"];
    assert_eq!(e["code"], 400, "{e}");
    assert_eq!(e["kind"]["type"], "engine_wants_tls", "{e}");
    let message = e["message"].as_str().unwrap();
    assert!(message.contains(&engine().host), "{message}");
    assert!(
        message.contains("DOCKER_TLS_VERIFY"),
        "how to reach it: {message}"
    );
}

/// A Docker context's files, as `docker context create --docker host=…,ca=…,cert=…,key=…`
/// stores them: meta.json and tls/<sha256(name)>/docker/{ca,cert,key}.pem.
fn tls_context(docker_config: &Path, name: &str, client: &str) -> PathBuf {
    tls_context_with(docker_config, name, client, false)
}

fn tls_context_with(docker_config: &Path, name: &str, client: &str, skip_verify: bool) -> PathBuf {
    docker_context(docker_config, name, &engine().host, skip_verify);
    let tls = docker_context_tls_dir(docker_config, name);
    for f in ["ca.pem", "cert.pem", "key.pem"] {
        std::fs::copy(certs(client).join(f), tls.join(f)).unwrap();
    }
    tls
}

/// The docker CLI with that DOCKER_CONFIG, by context name.
fn docker_by_context(docker_config: &Path, name: &str, args: &[&str]) -> Output {
    let cli = std::env::var("SLIPWAY_TEST_DOCKER_CLI").unwrap_or_else(|_| "docker".into());
    Command::new(cli)
        .env("DOCKER_CONFIG", docker_config)
        .env_remove("DOCKER_HOST")
        .env_remove("DOCKER_CONTEXT")
        .env_remove("DOCKER_TLS_VERIFY")
        .env_remove("DOCKER_CERT_PATH")
        .args(["--context", name])
        .args(args)
        .output()
        .expect("docker CLI runs")
}

#[test]
fn a_docker_context_with_tls_files_is_discovered_reachable_and_selected_by_name() {
    let root = tempfile::tempdir().unwrap();
    let config = root.path().join("docker");
    tls_context(&config, "sw-tls", "client");

    let started = Instant::now();
    let rows = ok_json(&cli(root.path(), &[], &["engines", "ls", "--json"]));
    let good = engine_row(&rows, "sw-tls");
    assert_eq!(good["reachable"], true, "{good}");
    assert_eq!(good["kind"], "docker");
    assert_eq!(good["url"], engine().host);
    assert_eq!(good["source"], "docker_context");
    assert!(started.elapsed() < Duration::from_secs(10));

    // The same address with a client certificate from another CA (a DOCKER_CONFIG of its
    // own: discovery shows one engine per address).
    let other = tempfile::tempdir().unwrap();
    tls_context(&other.path().join("docker"), "sw-tls-wrong", "wrong-client");
    let rows = ok_json(&cli(other.path(), &[], &["engines", "ls", "--json"]));
    let wrong = engine_row(&rows, "sw-tls-wrong");
    assert_eq!(wrong["reachable"], false, "{wrong}");
    assert_eq!(wrong["error"]["code"], 403, "{wrong}");
    let why = wrong["error"]["message"].as_str().unwrap();
    assert!(
        why.contains("refused Slipway's client certificate"),
        "{why}"
    );
    let started = Instant::now();
    let out = cli(
        other.path(),
        &[],
        &["--context", "sw-tls-wrong", "--json", "images", "ls"],
    );
    assert!(started.elapsed() < CLEAR_WITHIN);
    assert_eq!(json_of(&out)["error"]["code"], 403);

    // SkipTLSVerify: an engine certificate from a CA we do not have is accepted on purpose.
    let skip = tempfile::tempdir().unwrap();
    tls_context_with(&skip.path().join("docker"), "sw-tls-skip", "wrong-ca", true);
    let out = cli(
        skip.path(),
        &[],
        &["--context", "sw-tls-skip", "--json", "images", "ls"],
    );
    assert!(!listed_ids(&ok_json(&out)).is_empty());

    // By name, --context and DOCKER_CONTEXT: what the docker CLI lists by the same context.
    let theirs = docker_by_context(&config, "sw-tls", &["images", "-q", "--no-trunc"]);
    assert!(
        theirs.status.success(),
        "{}",
        String::from_utf8_lossy(&theirs.stderr)
    );
    let theirs = docker_ids(&String::from_utf8_lossy(&theirs.stdout));
    let out = cli(
        root.path(),
        &[],
        &["--context", "sw-tls", "--json", "images", "ls"],
    );
    assert_eq!(listed_ids(&ok_json(&out)), theirs);
    let out = cli(
        root.path(),
        &[("DOCKER_CONTEXT", Path::new("sw-tls"))],
        &["--json", "images", "ls"],
    );
    assert_eq!(listed_ids(&ok_json(&out)), theirs);
}

/// The TLS engine with the ca/cert/key.pem files in `tls`, as discovery passes a context's.
fn spec_with_files(tls: &Path) -> EngineSpec {
    EngineSpec {
        host: Some(engine().host.clone()),
        ignore_env: true,
        tls: Some(TlsFiles {
            ca: Some(tls.join("ca.pem").display().to_string()),
            cert: Some(tls.join("cert.pem").display().to_string()),
            key: Some(tls.join("key.pem").display().to_string()),
            skip_verify: false,
        }),
        identity: None,
    }
}

#[test]
fn a_context_whose_key_file_is_gone_names_the_file() {
    let root = tempfile::tempdir().unwrap();
    let config = root.path().join("docker");
    let tls = tls_context(&config, "sw-tls-nokey", "client");
    // Discovery lists the files that exist; this one goes after discovery, as files do.
    let spec = spec_with_files(&tls);
    std::fs::remove_file(tls.join("key.pem")).unwrap();
    let rt = tokio::runtime::Runtime::new().unwrap();
    let e = rt.block_on(Engine::connect(spec)).unwrap_err();
    assert_eq!(e.code, 400, "{e:?}");
    assert!(
        e.message
            .contains(&tls.join("key.pem").display().to_string()),
        "{}",
        e.message
    );
    assert!(e.message.contains(&engine().host), "{}", e.message);
}

#[test]
fn push_and_pull_through_the_registry_over_tls() {
    let tag = format!("{}/{}:1", registry(), unique("tls-push"));
    let base = base_image();
    let out = cli_verify("client", &["images", "tag", &base, &tag]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let pushed = ok_json(&cli_verify("client", &["images", "push", &tag]));
    assert!(pushed["response"].is_string(), "{pushed}");
    let id = docker_tls_ok(&["image", "inspect", "--format", "{{.Id}}", &tag]);
    ok_json(&cli_verify("client", &["images", "rm", &tag]));
    assert!(
        !docker_tls("client", &["image", "inspect", &tag])
            .status
            .success()
    );

    let pulled = ok_json(&cli_verify("client", &["images", "pull", &tag]));
    assert_eq!(pulled["id"], id.trim(), "{pulled}");
    assert_eq!(
        docker_tls_ok(&["image", "inspect", "--format", "{{.Id}}", &tag]).trim(),
        id.trim(),
        "the docker CLI sees the pulled image"
    );
    ok_json(&cli_verify("client", &["images", "rm", &tag]));
}

/// A pull through `e` run to the end, its progress not watched.
async fn pull(e: &Engine, tag: &str) -> slipway_core::Result<slipway_core::transfer::PullResult> {
    e.pull(
        tag,
        &Default::default(),
        &mut |_| {},
        &CancellationToken::new(),
    )
    .await
}

/// The raw transport (pull streams) and bollard's on one engine value: files replaced under
/// a connected engine are read again, and the refusal is the certificate problem.
#[test]
fn replaced_certificate_files_are_read_again_and_a_refusal_names_the_engine() {
    let root = tempfile::tempdir().unwrap();
    let tls = tls_context(&root.path().join("docker"), "sw-tls-swap", "client");
    let spec = spec_with_files(&tls);
    let rt = tokio::runtime::Runtime::new().unwrap();
    rt.block_on(async {
        let e = Engine::connect(spec).await.expect("the TLS engine answers");
        let tag = format!("{}/{}:1", registry(), unique("tls-raw"));
        e.tag(&base_image(), &tag).await.unwrap();
        e.push(&tag, None, &mut |_| {}, &CancellationToken::new())
            .await
            .expect("push over TLS");
        e.remove(&tag, false, false).await.unwrap();
        let pulled = pull(&e, &tag).await.expect("pull over TLS");
        assert!(pulled.id.starts_with("sha256:"));

        for f in ["cert.pem", "key.pem"] {
            std::fs::copy(certs("wrong-client").join(f), tls.join(f)).unwrap();
        }
        let started = Instant::now();
        let err = pull(&e, &tag).await.unwrap_err();
        assert!(started.elapsed() < CLEAR_WITHIN);
        assert_eq!(err.code, 403, "{err:?}");
        assert!(err.message.contains(&engine().host), "{}", err.message);
        docker_tls_ok(&["image", "rm", &tag]);
    });
}

#[test]
fn images_cp_from_the_main_engine_to_the_tls_engine_keeps_the_id() {
    let root = tempfile::tempdir().unwrap();
    tls_context(&root.path().join("docker"), "sw-tls", "client");
    let rt = tokio::runtime::Runtime::new().unwrap();
    let tag = format!("{}:1", unique("tls-cp"));
    let id = rt.block_on(async {
        let d = docker().await;
        build_lines(
            &d,
            &[&format!("RUN echo {} > /marker", unique("m"))],
            &[&tag],
        )
        .await
    });
    let out = cli(
        root.path(),
        &[],
        &[
            "--json",
            "images",
            "cp",
            &format!("{}::{tag}", docker_host()),
            "sw-tls::",
        ],
    );
    let copied = ok_json(&out);
    assert_eq!(copied["images"][0]["id"], id, "{copied}");
    assert_eq!(
        docker_tls_ok(&["image", "inspect", "--format", "{{.Id}}", &tag]).trim(),
        id,
        "the docker CLI over TLS sees the same ID"
    );
    docker_tls_ok(&["image", "rm", &tag]);
    docker_cli(&["image", "rm", &tag]);
}

/// A user's settings as the issue describes them: one DOCKER_CONFIG with two contexts — one
/// over ssh (the harness sshd), one over TLS — beside a Podman connections file (the harness
/// Podman, when it runs). `engines ls` finds each, reaches each with its own transport, and
/// `--context` lists each one's images.
#[test]
fn one_docker_config_with_an_ssh_and_a_tls_context_beside_a_podman_connection() {
    let root = tempfile::tempdir().unwrap();
    let config = root.path().join("docker");
    tls_context(&config, "sw-lab-tls", "client");
    let ssh = env("SLIPWAY_TEST_SSH_HOST");
    docker_context(&config, "sw-build-ssh", &ssh, false);
    let podman = std::env::var("SLIPWAY_TEST_PODMAN_HOST").ok();
    if let Some(host) = &podman {
        podman_connection(&root.path().join("config"), "sw-podman", host, None);
    }

    let rows = ok_json(&cli(root.path(), &[], &["engines", "ls", "--json"]));
    let tls = engine_row(&rows, "sw-lab-tls");
    assert_eq!(
        (tls["reachable"].clone(), tls["url"].clone()),
        (true.into(), engine().host.clone().into()),
        "{tls}"
    );
    let by_ssh = engine_row(&rows, "sw-build-ssh");
    assert_eq!(by_ssh["reachable"], true, "{by_ssh}");
    assert_eq!(by_ssh["url"], ssh.as_str());
    assert_eq!(by_ssh["source"], "docker_context");
    if podman.is_some() {
        let p = engine_row(&rows, "sw-podman");
        assert_eq!(p["reachable"], true, "{p}");
        assert_eq!(p["kind"], "podman");
        assert_eq!(p["source"], "podman_connection");
    }

    // Each by name: the TLS engine's images are its own, the ssh one's the harness dockerd's.
    let over_tls = cli(
        root.path(),
        &[],
        &["--context", "sw-lab-tls", "--json", "images", "ls"],
    );
    let theirs = docker_ids(&docker_tls_ok(&["images", "-q", "--no-trunc"]));
    assert_eq!(listed_ids(&ok_json(&over_tls)), theirs);
    let over_ssh = cli(
        root.path(),
        &[],
        &["--context", "sw-build-ssh", "--json", "images", "ls"],
    );
    assert_eq!(listed_ids(&ok_json(&over_ssh)), docker_cli_image_ids());
}
