//! Podman connections: Podman 5's `podman-connections.json`
//! (`{"Connection":{"Default":..,"Connections":{name:{"URI","Identity"}}}}`) and Podman 4's
//! `[engine.service_destinations.NAME]` with `[engine] active_service` in `containers.conf`.

use super::{DiscoveredEngine, Discovery, DiscoveryEnv, EngineSource, invalid, read_optional};
use serde::Deserialize;
use std::collections::BTreeMap;

#[derive(Deserialize, Default)]
struct ConnectionsFile {
    #[serde(rename = "Connection", default)]
    connection: ConnectionConfig,
}

#[derive(Deserialize, Default)]
struct ConnectionConfig {
    #[serde(rename = "Default", default)]
    default: Option<String>,
    #[serde(rename = "Connections", default)]
    connections: BTreeMap<String, Destination>,
}

#[derive(Deserialize)]
struct Destination {
    #[serde(rename = "URI")]
    uri: String,
    #[serde(rename = "Identity", default)]
    identity: Option<String>,
}

#[derive(Deserialize, Default)]
struct ContainersConf {
    #[serde(default)]
    engine: EngineTable,
}

#[derive(Deserialize, Default)]
struct EngineTable {
    #[serde(default)]
    active_service: Option<String>,
    #[serde(default)]
    service_destinations: BTreeMap<String, TomlDestination>,
}

#[derive(Deserialize)]
struct TomlDestination {
    uri: String,
    #[serde(default)]
    identity: Option<String>,
}

struct Connection {
    name: String,
    uri: String,
    identity: Option<String>,
    is_default: bool,
}

pub(super) fn connections(env: &DiscoveryEnv, found: &mut Discovery) {
    let mut all = Vec::new();
    let dir = env.config_home().map(|c| c.join("containers"));
    let json_path = env
        .podman_connections_conf
        .clone()
        .or_else(|| dir.as_ref().map(|d| d.join("podman-connections.json")));
    if let Some(path) = json_path
        && let Some(text) = read_optional(&path, found)
    {
        match serde_json::from_str::<ConnectionsFile>(&text) {
            Ok(file) => {
                let default = file.connection.default;
                for (name, d) in file.connection.connections {
                    all.push(Connection {
                        is_default: default.as_deref() == Some(name.as_str()),
                        name,
                        uri: d.uri,
                        identity: d.identity,
                    });
                }
            }
            Err(e) => found.skip(&path, invalid(&path, e)),
        }
    }
    if let Some(path) = dir.map(|d| d.join("containers.conf"))
        && let Some(text) = read_optional(&path, found)
    {
        match toml::from_str::<ContainersConf>(&text) {
            Ok(conf) => {
                let active = conf.engine.active_service;
                let has_default = all.iter().any(|c| c.is_default);
                for (name, d) in conf.engine.service_destinations {
                    // Podman 5 reads both files; the JSON one wins a name they share.
                    if all.iter().any(|c| c.name == name) {
                        continue;
                    }
                    all.push(Connection {
                        is_default: !has_default && active.as_deref() == Some(name.as_str()),
                        name,
                        uri: d.uri,
                        identity: d.identity,
                    });
                }
            }
            Err(e) => found.skip(&path, invalid(&path, e.message())),
        }
    }
    for c in all {
        found.add(DiscoveredEngine {
            name: c.name,
            host: c.uri,
            source: EngineSource::PodmanConnection,
            tls: None,
            identity: c.identity.filter(|i| !i.is_empty()),
            current: false,
            podman_default: c.is_default,
        });
    }
}
