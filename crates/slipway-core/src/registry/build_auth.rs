//! The credentials a build sends for its base images (`X-Registry-Config`), as `docker build`
//! sends them: one entry per registry the Docker config knows (`auths`, `credHelpers`, and
//! what its `credsStore` lists), each looked up through its helper within a bound. The engine
//! picks the one for the registry a `FROM` names; nothing else sees them, nothing logs them.

use crate::credentials::{docker_config_path, lookup};
use crate::reference::DEFAULT_REGISTRY;
use bollard::auth::DockerCredentials;
use std::collections::{BTreeSet, HashMap};
use std::time::Duration;

/// `https://index.docker.io/v1/`, `http://127.0.0.1:5000/v2/` → `docker.io`, `127.0.0.1:5000`.
fn registry_of(key: &str) -> String {
    let host = key
        .trim_start_matches("https://")
        .trim_start_matches("http://");
    let host = host.split('/').next().unwrap_or_default();
    match host {
        "index.docker.io" | "registry-1.docker.io" => DEFAULT_REGISTRY.to_owned(),
        other => other.to_owned(),
    }
}

/// The key the engine looks a registry up by (Docker Hub keeps its legacy index URL).
pub(crate) fn engine_key(registry: &str) -> String {
    match registry {
        DEFAULT_REGISTRY => "https://index.docker.io/v1/".to_owned(),
        other => other.to_owned(),
    }
}

/// The registries the config names, and the store that may know more.
fn named_in_config(config: &serde_json::Value) -> (BTreeSet<String>, Option<String>) {
    let mut registries = BTreeSet::new();
    for section in ["auths", "credHelpers"] {
        if let Some(map) = config[section].as_object() {
            registries.extend(map.keys().map(|k| registry_of(k)).filter(|r| !r.is_empty()));
        }
    }
    let store = config["credsStore"]
        .as_str()
        .filter(|s| !s.is_empty())
        .map(str::to_owned);
    (registries, store)
}

/// What `docker-credential-<store> list` names (server URL → user); nothing if it fails.
async fn listed_by_store(store: &str, limit: Duration) -> BTreeSet<String> {
    let program = format!("docker-credential-{store}");
    let run = tokio::process::Command::new(&program)
        .arg("list")
        .stdin(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .kill_on_drop(true)
        .output();
    let listed = match tokio::time::timeout(limit, run).await {
        Ok(Ok(out)) if out.status.success() => {
            serde_json::from_slice::<HashMap<String, String>>(&out.stdout).ok()
        }
        _ => None,
    };
    if listed.is_none() {
        tracing::debug!(%program, "the credential store listed nothing for the build");
    }
    listed
        .unwrap_or_default()
        .keys()
        .map(|k| registry_of(k))
        .collect()
}

/// Every registry with credentials in the Docker config, each with them; `None` when there
/// are none (no header then). A helper that fails or hangs leaves its registry out: a base
/// image from there then fails to pull with the engine's own "unauthorized".
#[tracing::instrument(level = "debug")]
pub async fn for_build(limit: Duration) -> Option<HashMap<String, DockerCredentials>> {
    let config = docker_config_path().and_then(|p| std::fs::read(p).ok())?;
    let config: serde_json::Value = serde_json::from_slice(&config).ok()?;
    let (mut registries, store) = named_in_config(&config);
    if let Some(store) = store {
        registries.extend(listed_by_store(&store, limit).await);
    }
    let found = futures_util::future::join_all(registries.iter().map(|r| lookup(None, r, limit)));
    let mut out = HashMap::new();
    for (registry, creds) in registries.iter().zip(found.await) {
        match creds {
            Ok(Some(c)) => {
                out.insert(engine_key(registry), c.to_bollard());
            }
            Ok(None) => {}
            Err(e) => tracing::warn!(%registry, error = %e, "left out of the build's credentials"),
        }
    }
    (!out.is_empty()).then_some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn config_keys_name_registries_as_the_engine_does() {
        let config = serde_json::json!({
            "auths": {
                "https://index.docker.io/v1/": {"auth": "eDp5"},
                "127.0.0.1:5001": {"auth": "eDp5"},
                "http://127.0.0.2:5000/v2/": {}
            },
            "credHelpers": {"registry.example.test": "pass"},
            "credsStore": "desktop"
        });
        let (registries, store) = named_in_config(&config);
        assert_eq!(
            registries.into_iter().collect::<Vec<_>>(),
            [
                "127.0.0.1:5001",
                "127.0.0.2:5000",
                "docker.io",
                "registry.example.test"
            ]
        );
        assert_eq!(store.as_deref(), Some("desktop"));
        assert_eq!(engine_key("docker.io"), "https://index.docker.io/v1/");
        assert_eq!(engine_key("127.0.0.1:5001"), "127.0.0.1:5001");
    }
}
