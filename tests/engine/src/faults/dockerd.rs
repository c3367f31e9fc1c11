//! A private dockerd the fault suite may kill, freeze and restart: started with the harness's
//! own `engines.sh docker-up` (its containerd, data-root, exec-root, pidfile and socket in a
//! folder inside the harness state dir), so the harness's teardown sweeps it even when this
//! process dies without running `Drop`.

use slipway_core::{Engine, EngineSpec};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

pub struct PrivateDockerd {
    dir: PathBuf,
    extra_args: String,
    pub host: String,
}

fn engines_sh() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../harness/engines.sh")
}

impl PrivateDockerd {
    /// Start one (with extra dockerd flags, e.g. `--max-download-attempts=1`).
    pub fn start(extra_args: &str) -> Self {
        use std::sync::atomic::{AtomicU32, Ordering};
        static N: AtomicU32 = AtomicU32::new(0);
        let state = crate::env("SLIPWAY_TEST_STATE");
        // Short: the sockets inside must stay under the unix path limit.
        let dir = PathBuf::from(state).join(format!(
            "f{}{}",
            std::process::id() % 10_000,
            N.fetch_add(1, Ordering::Relaxed)
        ));
        let d = Self {
            host: format!("unix://{}/docker/docker.sock", dir.display()),
            dir,
            extra_args: extra_args.to_owned(),
        };
        d.up();
        d
    }

    fn up(&self) {
        let out = Command::new("bash")
            .arg(engines_sh())
            .arg("docker-up")
            .arg(&self.dir)
            .env("SLIPWAY_HARNESS_DOCKERD_ARGS", &self.extra_args)
            .output()
            .expect("bash runs");
        assert!(
            out.status.success(),
            "engines.sh docker-up {} failed:\n{}",
            self.dir.display(),
            String::from_utf8_lossy(&out.stderr)
        );
    }

    pub fn pid(&self) -> u32 {
        self.recorded_pid().expect("dockerd pid recorded")
    }

    fn recorded_pid(&self) -> Option<u32> {
        std::fs::read_to_string(self.dir.join("pids/dockerd.pid"))
            .ok()?
            .trim()
            .parse()
            .ok()
    }

    fn signal(&self, signal: &str) {
        let status = Command::new("kill")
            .arg(format!("-{signal}"))
            .arg(self.pid().to_string())
            .status()
            .expect("kill runs");
        assert!(status.success(), "kill -{signal} dockerd");
    }

    /// `kill -9` the dockerd; returns once it is gone, with the moment it was signalled.
    pub fn kill9(&self) -> Instant {
        kill9(self.pid())
    }

    /// SIGSTOP: the engine keeps its sockets but answers nothing.
    pub fn freeze(&self) -> Instant {
        let at = Instant::now();
        self.signal("STOP");
        at
    }

    pub fn thaw(&self) {
        self.signal("CONT");
    }

    /// Start what is not running again (after `kill9`), keeping its data.
    pub fn restart(&self) {
        self.up();
    }

    pub async fn engine(&self, stall: Duration) -> Engine {
        Engine::connect(EngineSpec::host(self.host.clone()))
            .await
            .expect("the private dockerd answers")
            .with_stall_timeout(stall)
    }

    /// The docker CLI against this engine; panics on failure.
    pub fn docker(&self, args: &[&str]) -> String {
        let out = Command::new(std::env::var("SLIPWAY_TEST_DOCKER_CLI").unwrap_or("docker".into()))
            .arg("-H")
            .arg(&self.host)
            .args(args)
            .output()
            .expect("docker CLI runs");
        assert!(
            out.status.success(),
            "docker {args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8_lossy(&out.stdout).into_owned()
    }
}

/// `kill -9 pid`; returns once it is gone, with the moment it was signalled.
pub fn kill9(pid: u32) -> Instant {
    let at = Instant::now();
    let status = Command::new("kill")
        .arg("-KILL")
        .arg(pid.to_string())
        .status()
        .expect("kill runs");
    assert!(status.success(), "kill -9 {pid}");
    let deadline = Instant::now() + Duration::from_secs(10);
    while is_running(pid) {
        assert!(Instant::now() < deadline, "{pid} survived kill -9");
        std::thread::sleep(Duration::from_millis(5));
    }
    at
}

/// Alive and not a zombie.
fn is_running(pid: u32) -> bool {
    match std::fs::read_to_string(format!("/proc/{pid}/stat")) {
        Ok(stat) => stat
            .rsplit_once(')')
            .and_then(|(_, rest)| rest.split_whitespace().next())
            .is_some_and(|state| state != "Z" && state != "X"),
        Err(_) => false,
    }
}

impl Drop for PrivateDockerd {
    fn drop(&mut self) {
        // A frozen engine cannot be stopped politely.
        if let Some(pid) = self.recorded_pid() {
            let _ = Command::new("kill")
                .arg("-CONT")
                .arg(pid.to_string())
                .status();
        }
        let out = Command::new("bash")
            .arg(engines_sh())
            .arg("down")
            .arg(&self.dir)
            .output();
        if let Ok(out) = out
            && !out.status.success()
        {
            eprintln!(
                "engines.sh down {} failed: {}",
                self.dir.display(),
                String::from_utf8_lossy(&out.stderr)
            );
        }
    }
}
