//! Every engine a user has, found the way their own tools find them: Docker contexts,
//! Podman connections (Podman 5's JSON file and Podman 4's `containers.conf`) and the
//! well-known sockets that exist. Reading never fails as a whole: a missing file is
//! nothing to report, a file that cannot be read or understood is skipped with a reason.
//!
//! The environment is passed in (`DiscoveryEnv`), so tests never depend on the process's.

mod docker;
pub mod manual;
mod podman;
mod probe;
#[cfg(test)]
mod tests;

use crate::error::{Error, ErrorKind, Result};
use serde::{Deserialize, Serialize};
use std::path::{Path, PathBuf};

pub use probe::{PROBE_TIMEOUT, Probe, probe, probe_all};

/// Where an engine entry came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "snake_case")]
pub enum EngineSource {
    /// Added by hand (the app's dialog, `slipway-cli engines add`).
    Manual,
    DockerContext,
    PodmanConnection,
    /// A well-known socket that exists (Docker, Docker Desktop, Colima, Rancher, OrbStack, Podman).
    Socket,
    /// The docker CLI's `default` context when `DOCKER_HOST` sets it.
    DockerHost,
}

/// TLS material named by a Docker context (paths only; nothing is read here).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct TlsFiles {
    pub ca: Option<String>,
    pub cert: Option<String>,
    pub key: Option<String>,
    pub skip_verify: bool,
}

/// One engine a user has.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct DiscoveredEngine {
    /// Stable: the context or connection name, or a name for the well-known socket.
    pub name: String,
    /// `unix:///…`, `tcp://…`, `ssh://…`, `npipe://…`.
    pub host: String,
    pub source: EngineSource,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tls: Option<TlsFiles>,
    /// The ssh identity file of a Podman connection.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub identity: Option<String>,
    /// The engine the docker CLI would use now (`DOCKER_HOST`, `DOCKER_CONTEXT`, `currentContext`).
    pub current: bool,
    /// Podman's default connection (`Default` in Podman 5, `active_service` in Podman 4).
    #[serde(default)]
    pub podman_default: bool,
}

/// A settings file that was there but could not be used.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct SkippedFile {
    pub path: String,
    pub reason: Error,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct Discovery {
    pub engines: Vec<DiscoveredEngine>,
    pub skipped: Vec<SkippedFile>,
}

impl Discovery {
    /// The entry with this name (a Docker context or a Podman connection, or a socket's name).
    pub fn named(&self, name: &str) -> Result<&DiscoveredEngine> {
        self.engines.iter().find(|e| e.name == name).ok_or_else(|| {
            Error::of(ErrorKind::UnknownEngine {
                name: name.to_owned(),
            })
        })
    }

    pub fn current(&self) -> Option<&DiscoveredEngine> {
        self.engines.iter().find(|e| e.current)
    }

    fn skip(&mut self, path: &Path, reason: Error) {
        tracing::debug!(path = %path.display(), %reason, "engine settings file skipped");
        self.skipped.push(SkippedFile {
            path: path.display().to_string(),
            reason,
        });
    }

    /// Add an entry unless its address is already listed; the first (named) one stays.
    fn add(&mut self, entry: DiscoveredEngine) {
        let key = same_place(&entry.host);
        if let Some(known) = self.engines.iter_mut().find(|e| same_place(&e.host) == key) {
            known.current |= entry.current;
            return;
        }
        if self.engines.iter().any(|e| e.name == entry.name) {
            return; // a Docker context and a Podman connection of one name: the first wins
        }
        self.engines.push(entry);
    }
}

/// The address compared for duplicates: a socket path without `unix://` or a trailing slash.
fn same_place(host: &str) -> String {
    let h = host.trim();
    let h = h.strip_prefix("unix://").unwrap_or(h);
    h.trim_end_matches('/').to_owned()
}

/// What discovery reads from the environment.
#[derive(Debug, Clone, Default)]
pub struct DiscoveryEnv {
    pub home: Option<PathBuf>,
    /// `DOCKER_CONFIG`; else `~/.docker`.
    pub docker_config: Option<PathBuf>,
    pub docker_host: Option<String>,
    pub docker_context: Option<String>,
    /// `XDG_CONFIG_HOME`; else `~/.config`.
    pub xdg_config_home: Option<PathBuf>,
    pub xdg_runtime_dir: Option<PathBuf>,
    /// `PODMAN_CONNECTIONS_CONF`: Podman 5's connections file, in place of the usual one.
    pub podman_connections_conf: Option<PathBuf>,
    /// System-wide sockets to look for (`/var/run/docker.sock`, `/run/podman/podman.sock`).
    pub system_sockets: Vec<String>,
    /// Slipway's own config folder (the pins file's), where `engines.json` keeps the engines
    /// added by hand; `None`: none are read.
    pub slipway_config_dir: Option<PathBuf>,
}

/// The system-wide sockets of this platform.
pub fn system_sockets() -> Vec<String> {
    if cfg!(windows) {
        vec![
            "npipe:////./pipe/docker_engine".to_owned(),
            "npipe:////./pipe/podman-machine-default".to_owned(),
        ]
    } else {
        vec![
            docker::DEFAULT_SOCKET.to_owned(),
            "unix:///run/podman/podman.sock".to_owned(),
        ]
    }
}

impl DiscoveryEnv {
    /// This process's environment. `SLIPWAY_SYSTEM_SOCKETS` (`:`-separated, may be empty)
    /// replaces the system-wide sockets: sandboxes and tests that must not reach the system's.
    pub fn from_process() -> Self {
        let var = |n: &str| std::env::var(n).ok().filter(|v| !v.trim().is_empty());
        let path = |n: &str| var(n).map(PathBuf::from);
        Self {
            home: path("HOME").or_else(dirs::home_dir),
            docker_config: path("DOCKER_CONFIG"),
            docker_host: var("DOCKER_HOST"),
            docker_context: var("DOCKER_CONTEXT"),
            xdg_config_home: path("XDG_CONFIG_HOME"),
            xdg_runtime_dir: path("XDG_RUNTIME_DIR"),
            podman_connections_conf: path("PODMAN_CONNECTIONS_CONF"),
            system_sockets: match std::env::var("SLIPWAY_SYSTEM_SOCKETS") {
                Ok(list) => list
                    .split(':')
                    .filter(|s| !s.is_empty())
                    .map(|s| format!("unix://{s}"))
                    .collect(),
                Err(_) => system_sockets(),
            },
            slipway_config_dir: manual::default_path()
                .ok()
                .and_then(|p| p.parent().map(Path::to_path_buf)),
        }
    }

    fn docker_config_dir(&self) -> Option<PathBuf> {
        self.docker_config
            .clone()
            .or_else(|| self.home.as_ref().map(|h| h.join(".docker")))
    }

    fn config_home(&self) -> Option<PathBuf> {
        self.xdg_config_home
            .clone()
            .or_else(|| self.home.as_ref().map(|h| h.join(".config")))
    }
}

/// Every engine of this process's environment.
pub fn engines() -> Discovery {
    discover(&DiscoveryEnv::from_process())
}

/// Every engine the environment names: engines added by hand first, then Docker contexts,
/// then Podman connections, then well-known sockets that exist (each address once, under
/// its first name).
pub fn discover(env: &DiscoveryEnv) -> Discovery {
    let mut found = Discovery::default();
    manual::engines(env, &mut found);
    found_others(env, &mut found);
    found
}

/// The engines Slipway finds itself (all but those added by hand).
fn discover_found(env: &DiscoveryEnv) -> Discovery {
    let mut found = Discovery::default();
    found_others(env, &mut found);
    found
}

fn found_others(env: &DiscoveryEnv, found: &mut Discovery) {
    docker::contexts(env, found);
    podman::connections(env, found);
    sockets(env, found);
}

/// The well-known sockets that exist, named after what usually serves them.
fn sockets(env: &DiscoveryEnv, found: &mut Discovery) {
    let mut candidates: Vec<(String, String)> = Vec::new();
    for s in &env.system_sockets {
        let name = if s.contains("podman") {
            "podman-rootful"
        } else {
            "docker-system"
        };
        candidates.push((name.to_owned(), s.clone()));
    }
    if let Some(home) = &env.home {
        let at = |p: &str| format!("unix://{}", home.join(p).display());
        candidates.push(("docker-desktop".into(), at(".docker/run/docker.sock")));
        candidates.push((
            "docker-desktop-linux".into(),
            at(".docker/desktop/docker.sock"),
        ));
        candidates.push(("rancher-desktop".into(), at(".rd/docker.sock")));
        candidates.push(("orbstack".into(), at(".orbstack/run/docker.sock")));
        let mut profiles: Vec<String> = std::fs::read_dir(home.join(".colima"))
            .into_iter()
            .flatten()
            .flatten()
            .filter(|d| d.path().join("docker.sock").exists())
            .filter_map(|d| d.file_name().into_string().ok())
            .collect();
        profiles.sort();
        for p in profiles {
            let name = if p == "default" {
                "colima".to_owned()
            } else {
                format!("colima-{p}")
            };
            candidates.push((name, at(&format!(".colima/{p}/docker.sock"))));
        }
        if cfg!(target_os = "macos") {
            let machine = ".local/share/containers/podman/machine";
            candidates.push((
                "podman-machine".into(),
                at(&format!("{machine}/podman.sock")),
            ));
            candidates.push((
                "podman-machine-default".into(),
                at(&format!("{machine}/podman-machine-default/podman.sock")),
            ));
        }
    }
    if let Some(run) = &env.xdg_runtime_dir {
        let at = |p: &str| format!("unix://{}", run.join(p).display());
        candidates.push(("podman".into(), at("podman/podman.sock")));
        candidates.push(("docker-rootless".into(), at("docker.sock")));
    }
    for (name, host) in candidates {
        if socket_exists(&host) {
            found.add(DiscoveredEngine {
                name,
                host,
                source: EngineSource::Socket,
                tls: None,
                identity: None,
                current: false,
                podman_default: false,
            });
        }
    }
}

fn socket_exists(host: &str) -> bool {
    match host.strip_prefix("unix://") {
        Some(path) => Path::new(path).exists(),
        // Named pipes cannot be checked without opening them: listed, probed later.
        None => host.starts_with("npipe://"),
    }
}

/// A file's text; `None` when it is not there (nothing to report), skipped when unreadable.
fn read_optional(path: &Path, found: &mut Discovery) -> Option<String> {
    match std::fs::read_to_string(path) {
        Ok(text) => Some(text),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => None,
        Err(e) => {
            found.skip(
                path,
                Error::of(ErrorKind::CannotRead {
                    path: path.display().to_string(),
                })
                .with_detail(e),
            );
            None
        }
    }
}

/// The reason for a file that is there but not what its tool writes.
fn invalid(path: &Path, detail: impl std::fmt::Display) -> Error {
    Error::of(ErrorKind::EngineSettingsInvalid {
        path: path.display().to_string(),
    })
    .with_detail(detail)
}
