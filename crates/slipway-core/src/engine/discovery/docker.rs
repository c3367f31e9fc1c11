//! Docker contexts, read the way the docker CLI stores them: one folder per context under
//! `contexts/meta/<sha256(name)>/meta.json`, its TLS files under
//! `contexts/tls/<sha256(name)>/docker/`, the current one in `config.json`.

use super::{
    DiscoveredEngine, Discovery, DiscoveryEnv, EngineSource, TlsFiles, invalid, read_optional,
    socket_exists,
};
use serde::Deserialize;
use sha2::{Digest, Sha256};
use std::collections::BTreeMap;
use std::path::Path;

pub(super) const DEFAULT_SOCKET: &str = "unix:///var/run/docker.sock";
const DEFAULT_CONTEXT: &str = "default";

#[derive(Deserialize)]
struct Meta {
    #[serde(rename = "Name")]
    name: String,
    #[serde(rename = "Endpoints", default)]
    endpoints: BTreeMap<String, Endpoint>,
}

#[derive(Deserialize)]
struct Endpoint {
    #[serde(rename = "Host", default)]
    host: Option<String>,
    #[serde(rename = "SkipTLSVerify", default)]
    skip_tls_verify: bool,
}

#[derive(Deserialize)]
struct Config {
    #[serde(rename = "currentContext", default)]
    current_context: Option<String>,
}

/// The folder name the docker CLI gives a context.
pub(super) fn context_dir(name: &str) -> String {
    format!("{:x}", Sha256::digest(name.as_bytes()))
}

pub(super) fn contexts(env: &DiscoveryEnv, found: &mut Discovery) {
    let config_dir = env.docker_config_dir();
    let current = current_name(env, config_dir.as_deref(), found);
    let mut named = Vec::new();
    if let Some(dir) = &config_dir {
        let meta_root = dir.join("contexts").join("meta");
        let mut folders: Vec<_> = std::fs::read_dir(&meta_root)
            .into_iter()
            .flatten()
            .flatten()
            .map(|d| d.path())
            .collect();
        folders.sort();
        for folder in folders {
            let path = folder.join("meta.json");
            let Some(text) = read_optional(&path, found) else {
                continue;
            };
            let meta: Meta = match serde_json::from_str(&text) {
                Ok(m) => m,
                Err(e) => {
                    found.skip(&path, invalid(&path, e));
                    continue;
                }
            };
            let Some(endpoint) = meta.endpoints.get("docker") else {
                found.skip(&path, invalid(&path, "no docker endpoint"));
                continue;
            };
            let Some(host) = endpoint.host.clone().filter(|h| !h.trim().is_empty()) else {
                found.skip(&path, invalid(&path, "no Endpoints.docker.Host"));
                continue;
            };
            let tls_dir = dir
                .join("contexts")
                .join("tls")
                .join(context_dir(&meta.name))
                .join("docker");
            named.push(DiscoveredEngine {
                current: meta.name == current,
                name: meta.name,
                host: super::super::normalize_host(&host),
                source: EngineSource::DockerContext,
                tls: tls_files(&tls_dir, endpoint.skip_tls_verify),
                identity: None,
                podman_default: false,
            });
        }
    }
    // Named contexts first: a default that reaches the same socket folds into them.
    named.sort_by(|a, b| a.name.cmp(&b.name));
    for entry in named {
        found.add(entry);
    }
    let (host, source) = match &env.docker_host {
        Some(h) => (super::super::normalize_host(h), EngineSource::DockerHost),
        None => (DEFAULT_SOCKET.to_owned(), EngineSource::DockerContext),
    };
    let is_current = current == DEFAULT_CONTEXT;
    let system_allowed = env.system_sockets.iter().any(|s| s == DEFAULT_SOCKET);
    let listed =
        env.docker_host.is_some() || (system_allowed && (socket_exists(&host) || is_current));
    if listed {
        found.add(DiscoveredEngine {
            name: DEFAULT_CONTEXT.to_owned(),
            host,
            source,
            tls: None,
            identity: None,
            current: is_current,
            podman_default: false,
        });
    }
}

/// The context the docker CLI uses: `DOCKER_HOST` means `default`, then `DOCKER_CONTEXT`,
/// then `config.json`'s `currentContext`, else `default`.
fn current_name(env: &DiscoveryEnv, config_dir: Option<&Path>, found: &mut Discovery) -> String {
    if env.docker_host.is_some() {
        return DEFAULT_CONTEXT.to_owned();
    }
    if let Some(name) = &env.docker_context {
        return name.clone();
    }
    let from_config = config_dir.and_then(|dir| {
        let path = dir.join("config.json");
        let text = read_optional(&path, found)?;
        match serde_json::from_str::<Config>(&text) {
            Ok(c) => c.current_context.filter(|c| !c.is_empty()),
            Err(e) => {
                found.skip(&path, invalid(&path, e));
                None
            }
        }
    });
    from_config.unwrap_or_else(|| DEFAULT_CONTEXT.to_owned())
}

/// The context's TLS files that exist; none at all and no skip-verify means no TLS material.
fn tls_files(dir: &Path, skip_verify: bool) -> Option<TlsFiles> {
    let file = |n: &str| {
        let p = dir.join(n);
        p.is_file().then(|| p.display().to_string())
    };
    let tls = TlsFiles {
        ca: file("ca.pem"),
        cert: file("cert.pem"),
        key: file("key.pem"),
        skip_verify,
    };
    (tls != TlsFiles::default()).then_some(tls)
}
