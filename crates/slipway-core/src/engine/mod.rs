//! Finding and connecting to an engine (Docker or Podman), always at the negotiated API version.

pub mod discovery;
pub(crate) mod http;
mod identify;
pub(crate) mod pool;
pub(crate) mod raw;
pub(crate) mod ssh;
pub(crate) mod stall;
pub(crate) mod tls;

use crate::credentials::fix_registry_auth_header;
use crate::error::{Attempt, Error, ErrorKind, Result};
use bollard::{API_DEFAULT_VERSION, Docker};
use serde::{Deserialize, Serialize};
use std::path::PathBuf;
use std::time::Duration;

pub use stall::DEFAULT_STALL_TIMEOUT;

/// bollard's timeout covers a request up to its response headers, upload included, so long
/// operations (build, load, import, save) get a day there; the stall guard on their streams
/// bounds them instead (no bytes either way for the stall timeout ends them).
const STREAM_TIMEOUT: Duration = Duration::from_secs(24 * 3600);
/// The shortest stall timeout: bollard counts its timeouts in whole seconds.
const MIN_STALL_TIMEOUT: Duration = Duration::from_secs(1);

/// Where to find the engine. Resolution order follows the docker CLI: an explicit host,
/// then `DOCKER_HOST`, then the well-known sockets of Docker and Podman.
#[derive(Debug, Clone, Default)]
pub struct EngineSpec {
    /// `unix:///path`, `/path/to.sock`, `tcp://host:port`, `ssh://user@host`, `npipe://…`.
    pub host: Option<String>,
    /// Ignore `DOCKER_HOST` (the app's saved choice when the user picked one on purpose).
    pub ignore_env: bool,
    /// TLS material for a `tcp://` host (a Docker context's files, or ones the user picked);
    /// `None`: Docker's environment conventions (`DOCKER_TLS_VERIFY`, `DOCKER_CERT_PATH`).
    pub tls: Option<discovery::TlsFiles>,
    /// The ssh identity file for an `ssh://` host (a Podman connection's); `None`: the agent
    /// and ssh's own configuration.
    pub identity: Option<String>,
}

impl EngineSpec {
    pub fn host(host: impl Into<String>) -> Self {
        Self {
            host: Some(host.into()),
            ..Self::default()
        }
    }

    /// How to reach a discovered engine: its address with its own TLS files or identity.
    pub fn of(entry: &discovery::DiscoveredEngine) -> Self {
        Self {
            host: Some(entry.host.clone()),
            ignore_env: true,
            tls: entry.tls.clone(),
            identity: entry.identity.clone(),
        }
    }

    /// The hosts to try, in order.
    pub fn candidates(&self) -> Vec<String> {
        if let Some(h) = &self.host {
            return vec![normalize_host(h)];
        }
        if !self.ignore_env
            && let Ok(h) = std::env::var("DOCKER_HOST")
            && !h.trim().is_empty()
        {
            return vec![normalize_host(&h)];
        }
        default_sockets()
    }
}

/// A bare path means a unix socket, like `docker -H /path`.
fn normalize_host(h: &str) -> String {
    let h = h.trim();
    if h.starts_with('/') {
        format!("unix://{h}")
    } else {
        h.to_owned()
    }
}

/// Well-known engine sockets on this platform, Docker first.
pub fn default_sockets() -> Vec<String> {
    let mut out = Vec::new();
    let home = std::env::var_os("HOME").map(PathBuf::from);
    #[cfg(windows)]
    {
        out.push("npipe:////./pipe/docker_engine".to_owned());
        out.push("npipe:////./pipe/podman-machine-default".to_owned());
    }
    #[cfg(unix)]
    {
        out.push("unix:///var/run/docker.sock".to_owned());
        if let Some(home) = &home {
            // Docker Desktop (macOS and Linux) and Colima/Rancher-style per-user sockets.
            out.push(format!("unix://{}/.docker/run/docker.sock", home.display()));
            out.push(format!(
                "unix://{}/.docker/desktop/docker.sock",
                home.display()
            ));
        }
        if let Ok(xdg) = std::env::var("XDG_RUNTIME_DIR") {
            out.push(format!("unix://{xdg}/podman/podman.sock"));
            out.push(format!("unix://{xdg}/docker.sock"));
        }
        out.push("unix:///run/podman/podman.sock".to_owned());
        #[cfg(target_os = "macos")]
        if let Some(home) = &home {
            // Podman machine on macOS exposes its API socket here.
            out.push(format!(
                "unix://{}/.local/share/containers/podman/machine/podman.sock",
                home.display()
            ));
            out.push(format!(
                "unix://{}/.local/share/containers/podman/machine/podman-machine-default/podman.sock",
                home.display()
            ));
        }
    }
    let _ = home;
    out
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "lowercase")]
pub enum EngineKind {
    Docker,
    Podman,
}

/// What we learnt about the engine when connecting.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct EngineInfo {
    pub host: String,
    pub kind: EngineKind,
    pub version: String,
    pub api_version: String,
    pub os: String,
    pub arch: String,
    /// Builds can use BuildKit (`--builder buildkit`): Docker from API 1.39; Podman has none.
    #[serde(default)]
    pub buildkit: bool,
}

impl EngineInfo {
    /// Whether the engine's API is at least `major.minor`.
    pub fn api_at_least(&self, major: u32, minor: u32) -> bool {
        let mut it = self
            .api_version
            .split('.')
            .map(|p| p.parse::<u32>().unwrap_or(0));
        let (ma, mi) = (it.next().unwrap_or(0), it.next().unwrap_or(0));
        (ma, mi) >= (major, minor)
    }

    /// The facts that follow from who the engine is (set once it said so).
    pub(crate) fn with_capabilities(mut self) -> Self {
        self.buildkit = self.kind == EngineKind::Docker && self.api_at_least(1, 39);
        self
    }

    /// Before the engine said who it is (only its address is known).
    fn unknown(host: &str) -> Self {
        Self {
            host: host.to_owned(),
            kind: EngineKind::Docker,
            version: String::new(),
            api_version: String::new(),
            os: String::new(),
            arch: String::new(),
            buildkit: false,
        }
    }

    fn from_version(host: &str, version: bollard::models::SystemVersion) -> Self {
        let is_podman = version
            .components
            .iter()
            .flatten()
            .any(|c| c.name.contains("Podman"));
        Self {
            host: host.to_owned(),
            kind: if is_podman {
                EngineKind::Podman
            } else {
                EngineKind::Docker
            },
            version: version.version.unwrap_or_default(),
            api_version: version.api_version.unwrap_or_default(),
            os: version.os.unwrap_or_default(),
            arch: version.arch.unwrap_or_default(),
            buildkit: false,
        }
        .with_capabilities()
    }
}

/// A connected engine. Cheap to clone.
#[derive(Clone)]
pub struct Engine {
    /// Quick calls (list, inspect, tag …): bounded by the stall timeout as a whole.
    pub(crate) api: Docker,
    /// Streams (build, load, import, save, events): bounded by the stall guard.
    pub(crate) long: Docker,
    /// No bytes for this long and a request or stream is given up (504).
    pub(crate) stall: Duration,
    pub info: EngineInfo,
    /// How this engine was reached beyond its address (kept for raw requests and reconnects).
    pub(crate) transport: Transport,
    /// Idle raw connections, shared by this engine's clones.
    pub(crate) pool: pool::Pool,
}

/// The TLS files or ssh identity an engine was connected with.
#[derive(Debug, Clone, Default)]
pub(crate) struct Transport {
    pub(crate) tls: Option<discovery::TlsFiles>,
    pub(crate) identity: Option<String>,
}

impl std::fmt::Debug for Engine {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Engine").field("info", &self.info).finish()
    }
}

impl Engine {
    /// Connect to the first candidate that answers. The error names every host tried.
    #[tracing::instrument(level = "info")]
    pub async fn connect(spec: EngineSpec) -> Result<Self> {
        let candidates = spec.candidates();
        let mut tried = Vec::new();
        for host in &candidates {
            match Self::connect_host(host, &spec).await {
                Ok(engine) => return Ok(engine),
                // The engine is there and TLS said no: that is the answer, not "none answered".
                Err(error) if tls::is_tls_failure(&error) => return Err(error),
                Err(error) => {
                    tracing::debug!(%host, %error, "engine candidate did not answer");
                    tried.push(Attempt {
                        host: host.clone(),
                        error,
                    });
                }
            }
        }
        Err(Error::of(ErrorKind::NoEngine { tried }))
    }

    #[tracing::instrument(level = "debug")]
    async fn connect_host(host: &str, spec: &EngineSpec) -> Result<Self> {
        let limit = Duration::from_secs(10);
        let docker = client_for(host, spec)?.with_timeout(limit);
        let docker = docker.with_request_modifier(fix_registry_auth_header);
        let mut engine = Self {
            transport: Transport {
                tls: spec.tls.clone(),
                identity: spec.identity.clone(),
            },
            api: docker.clone().with_timeout(DEFAULT_STALL_TIMEOUT),
            long: docker.clone().with_timeout(STREAM_TIMEOUT),
            stall: limit,
            info: EngineInfo::unknown(host),
            pool: pool::Pool::default(),
        };
        // One question per connection: `/_ping` on local sockets (see identify.rs), else
        // `/version`. bollard's `negotiate_version()` would ask `/version` again, only to
        // lower the client's version, and bollard builds every request path without that
        // version prefix anyway, so the engine answers each at its own API version — the one
        // this answer names and `api_at_least` reads.
        let pinged = engine
            .identify_by_ping()
            .await
            .map_err(|e| unreachable(host, e))?;
        let info = match pinged {
            Some(info) => info,
            None => {
                let version =
                    docker
                        .version()
                        .await
                        .map_err(|e| match host.starts_with("ssh://") {
                            // ssh's own complaint (refused key, host key, no docker there), typed.
                            true => ssh::bollard_failure(host, &e, limit),
                            false => unreachable(host, e.into()),
                        })?;
                EngineInfo::from_version(host, version)
            }
        };
        tracing::info!(?info, "connected");
        engine.info = info;
        engine.stall = DEFAULT_STALL_TIMEOUT;
        Ok(engine)
    }

    /// Give up any request or stream that moves no bytes for `limit` (default 120 s, at
    /// least 1 s): the error (504) names the operation, the engine and the limit. Quick calls
    /// get the same bound as a whole.
    pub fn with_stall_timeout(mut self, limit: Duration) -> Self {
        let limit = limit.max(MIN_STALL_TIMEOUT);
        self.stall = limit;
        self.api = self.api.with_timeout(limit);
        self
    }

    pub fn stall_timeout(&self) -> Duration {
        self.stall
    }

    /// How to reach this engine again (reconnects keep its TLS files and ssh identity).
    pub fn spec(&self) -> EngineSpec {
        EngineSpec {
            host: Some(self.info.host.clone()),
            ignore_env: true,
            tls: self.transport.tls.clone(),
            identity: self.transport.identity.clone(),
        }
    }

    /// An engine value for a socket nobody asked yet (unit tests with a fake engine).
    #[cfg(test)]
    pub(crate) fn unconnected(host: &str) -> Self {
        let path = host.strip_prefix("unix://").expect("a unix socket address");
        let docker = Docker::connect_with_unix(path, 120, API_DEFAULT_VERSION).unwrap();
        Self {
            pool: pool::Pool::default(),
            transport: Transport::default(),
            api: docker.clone(),
            long: docker,
            stall: DEFAULT_STALL_TIMEOUT,
            info: EngineInfo {
                host: host.to_owned(),
                kind: EngineKind::Docker,
                version: "test".into(),
                api_version: "1.41".into(),
                os: "linux".into(),
                arch: "amd64".into(),
                buildkit: true,
            },
        }
    }

    pub fn is_podman(&self) -> bool {
        self.info.kind == EngineKind::Podman
    }

    /// Whether the negotiated API is at least `major.minor`.
    pub fn api_at_least(&self, major: u32, minor: u32) -> bool {
        self.info.api_at_least(major, minor)
    }
}

fn unreachable(host: &str, e: Error) -> Error {
    let e = tls::plain_to_tls(host, e);
    if (e.code >= 500 || e.code == 0) && !tls::is_tls_failure(&e) {
        Error::of(ErrorKind::EngineDidNotAnswer {
            host: host.to_owned(),
        })
        .with_detail(e.message)
    } else {
        e
    }
}

fn client_for(host: &str, spec: &EngineSpec) -> Result<Docker> {
    let secs = DEFAULT_STALL_TIMEOUT.as_secs();
    let bad = |e: bollard::errors::Error| {
        Error::of(ErrorKind::EngineAddressUnusable {
            host: host.to_owned(),
        })
        .with_detail(e)
    };
    if let Some(path) = host.strip_prefix("unix://") {
        if !std::path::Path::new(path).exists() {
            return Err(Error::of(ErrorKind::NoSocket { path: path.into() }));
        }
        return Docker::connect_with_unix(path, secs, API_DEFAULT_VERSION).map_err(bad);
    }
    if host.starts_with("tcp://") || host.starts_with("http://") || host.starts_with("https://") {
        if let Some(settings) = tls::settings_for(host, spec.tls.as_ref())? {
            return tls::bollard_client(host, settings, secs);
        }
        return Docker::connect_with_http(host, secs, API_DEFAULT_VERSION).map_err(bad);
    }
    if host.starts_with("ssh://") {
        return ssh::bollard_client(host, secs, spec.identity.as_deref());
    }
    #[cfg(windows)]
    if let Some(pipe) = host.strip_prefix("npipe://") {
        return Docker::connect_with_named_pipe(pipe, secs, API_DEFAULT_VERSION).map_err(bad);
    }
    Err(Error::of(ErrorKind::EngineAddressNotUnderstood {
        host: host.to_owned(),
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn explicit_host_wins_over_everything_like_docker_dash_h() {
        let spec = EngineSpec::host("/tmp/x.sock");
        assert_eq!(spec.candidates(), vec!["unix:///tmp/x.sock".to_owned()]);
    }

    #[test]
    fn default_candidates_try_docker_before_podman() {
        let list = default_sockets();
        let docker = list.iter().position(|h| h.contains("docker")).unwrap();
        let podman = list.iter().position(|h| h.contains("podman")).unwrap();
        assert!(docker < podman, "{list:?}");
    }

    #[test]
    fn unknown_schemes_are_refused_before_any_connection() {
        let e = client_for("ftp://x", &EngineSpec::default()).unwrap_err();
        assert_eq!(e.code, 400);
    }
}
