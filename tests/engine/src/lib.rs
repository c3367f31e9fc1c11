//! What every real-engine test needs: the harness's addresses, a connected engine, the docker
//! CLI pointed at the private engine, and small fixture builders (slipway-cli runs in `cli`,
//! users' engine settings files in `contexts`). Shared by the engine suites and the
//! real-window (E2E) suite.

use slipway_core::build::BuildOptions;
use slipway_core::progress::Progress;
use slipway_core::{CancellationToken, Engine, EngineSpec};
use std::path::Path;
use std::process::Command;

/// A harness variable; missing means the suite was not started by the harness.
pub fn env(name: &str) -> String {
    std::env::var(name).unwrap_or_else(|_| {
        panic!("{name} is not set: run the real-engine suites through tests/harness/with-engines.sh (make test)")
    })
}

pub fn docker_host() -> String {
    let h = env("SLIPWAY_TEST_DOCKER_HOST");
    assert!(
        !h.contains("/var/run/docker.sock") && !h.ends_with("/run/docker.sock"),
        "refusing to test against the system engine {h}"
    );
    h
}

pub fn podman_host() -> String {
    env("SLIPWAY_TEST_PODMAN_HOST")
}

pub fn registry() -> String {
    env("SLIPWAY_TEST_REGISTRY")
}

pub fn auth_registry() -> String {
    env("SLIPWAY_TEST_AUTH_REGISTRY")
}

pub fn base_image() -> String {
    env("SLIPWAY_TEST_BASE_IMAGE")
}

pub async fn docker() -> Engine {
    Engine::connect(EngineSpec::host(docker_host()))
        .await
        .expect("private dockerd answers")
}

pub async fn podman() -> Engine {
    Engine::connect(EngineSpec::host(podman_host()))
        .await
        .expect("private podman service answers")
}

/// Run the docker CLI against the private engine; returns stdout, panics on failure.
pub fn docker_cli(args: &[&str]) -> String {
    let out = docker_cli_raw(args);
    assert!(
        out.status.success(),
        "docker {args:?} failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// What `docker images -q --no-trunc` lists on the private engine (compare with `listed_ids`).
pub fn docker_cli_image_ids() -> std::collections::BTreeSet<String> {
    docker_cli(&["images", "-q", "--no-trunc"])
        .lines()
        .map(str::to_owned)
        .collect()
}

pub fn docker_cli_raw(args: &[&str]) -> std::process::Output {
    docker_cli_raw_with(&[], args)
}

/// [`docker_cli_raw`] with extra environment variables (e.g. `DOCKER_BUILDKIT=1`).
pub fn docker_cli_raw_with(env: &[(&str, &str)], args: &[&str]) -> std::process::Output {
    let cli = std::env::var("SLIPWAY_TEST_DOCKER_CLI").unwrap_or_else(|_| "docker".into());
    Command::new(cli)
        .arg("-H")
        .arg(docker_host())
        .args(args)
        .envs(env.iter().copied())
        .env_remove("DOCKER_CONTEXT")
        .output()
        .expect("docker CLI runs")
}

/// A name no other test uses.
pub fn unique(prefix: &str) -> String {
    use std::sync::atomic::{AtomicU32, Ordering};
    static N: AtomicU32 = AtomicU32::new(0);
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .subsec_nanos();
    format!(
        "{prefix}-{}-{nanos:x}-{}",
        std::process::id(),
        N.fetch_add(1, Ordering::Relaxed)
    )
}

/// A build context folder with the given files (path → contents).
pub fn context(files: &[(&str, &str)]) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    for (name, body) in files {
        let p = dir.path().join(name);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(p, body).unwrap();
    }
    dir
}

/// `FROM <base>` plus lines.
pub fn dockerfile(lines: &[&str]) -> String {
    let mut s = format!("FROM {}\n", base_image());
    for l in lines {
        s.push_str(l);
        s.push('\n');
    }
    s
}

/// Build a small image tagged `tag` from the base with a marker file, so each is distinct.
pub async fn build_tagged(engine: &Engine, tag: &str) -> String {
    let marker = unique("marker");
    build_lines(engine, &[&format!("RUN echo {marker} > /marker")], &[tag]).await
}

/// Build `FROM <base>` plus `lines`, tagged `tags`; returns the image ID.
pub async fn build_lines(engine: &Engine, lines: &[&str], tags: &[&str]) -> String {
    let ctx = context(&[("Dockerfile", &dockerfile(lines))]);
    build_in(engine, ctx.path(), tags).await
}

/// A token nobody cancels, for operations run to the end.
pub fn no_cancel() -> CancellationToken {
    CancellationToken::new()
}

pub async fn build_in(engine: &Engine, path: &Path, tags: &[&str]) -> String {
    let options = BuildOptions {
        tags: tags.iter().map(|t| t.to_string()).collect(),
        ..Default::default()
    };
    engine
        .build(
            path,
            &options,
            &mut slipway_core::progress::ignore,
            &CancellationToken::new(),
        )
        .await
        .expect("build succeeds")
        .id
}

/// Collect progress into a Vec while an operation runs.
pub fn collector() -> (
    std::sync::Arc<std::sync::Mutex<Vec<Progress>>>,
    impl FnMut(Progress) + Send,
) {
    let seen = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
    let sink = seen.clone();
    (seen, move |p| sink.lock().unwrap().push(p))
}

/// A folder that holds a file that is a random-bytes layer of `mib` MiB.
pub fn random_context(mib: usize) -> tempfile::TempDir {
    let dir = context(&[("Dockerfile", &dockerfile(&["COPY blob /blob"]))]);
    let mut f = std::fs::File::create(dir.path().join("blob")).unwrap();
    let mut state = 0x9E37_79B9_7F4A_7C15u64 ^ u64::from(std::process::id());
    let mut buf = vec![0u8; 1 << 20];
    for _ in 0..mib {
        for chunk in buf.chunks_mut(8) {
            // xorshift: incompressible bytes so the registry stores the full size.
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            chunk.copy_from_slice(&state.to_le_bytes()[..chunk.len()]);
        }
        std::io::Write::write_all(&mut f, &buf).unwrap();
    }
    dir
}

pub mod cli;
pub mod contexts;
pub mod counter;
pub mod faults;

pub use cli::*;
pub use contexts::*;
