//! A user's engine settings as the docker CLI and Podman write them, into a test's own
//! DOCKER_CONFIG or XDG_CONFIG_HOME: Docker contexts (with their TLS folders) and Podman
//! connections.

use sha2::{Digest, Sha256};
use std::path::{Path, PathBuf};

/// Writes `text` to `path`, its folders created.
pub fn write_file(path: &Path, text: &str) {
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(path, text).unwrap();
}

/// The folder name `docker context create` gives a context: its name's SHA-256.
fn context_hash(name: &str) -> String {
    format!("{:x}", Sha256::digest(name.as_bytes()))
}

/// A Docker context `name` for `host`, as `docker context create --docker host=…` stores it:
/// contexts/meta/<sha256(name)>/meta.json.
pub fn docker_context(docker_config: &Path, name: &str, host: &str, skip_tls_verify: bool) {
    let meta = serde_json::json!({
        "Name": name,
        "Metadata": {},
        "Endpoints": {"docker": {"Host": host, "SkipTLSVerify": skip_tls_verify}},
    });
    write_file(
        &docker_config
            .join("contexts/meta")
            .join(context_hash(name))
            .join("meta.json"),
        &meta.to_string(),
    );
}

/// The folder of the context's TLS files (contexts/tls/<sha256(name)>/docker, for ca.pem,
/// cert.pem, key.pem), created.
pub fn docker_context_tls_dir(docker_config: &Path, name: &str) -> PathBuf {
    let tls = docker_config
        .join("contexts/tls")
        .join(context_hash(name))
        .join("docker");
    std::fs::create_dir_all(&tls).unwrap();
    tls
}

/// A config.json that makes `name` the current context, as `docker context use` does.
pub fn current_docker_context(docker_config: &Path, name: &str) {
    write_file(
        &docker_config.join("config.json"),
        &format!(r#"{{"currentContext":"{name}"}}"#),
    );
}

/// A Podman 5 connections file (containers/podman-connections.json) with one connection,
/// `name` (the default) to `uri`, with `identity` as its key when given.
pub fn podman_connection(xdg_config_home: &Path, name: &str, uri: &str, identity: Option<&str>) {
    let mut connection = serde_json::json!({ "URI": uri });
    if let Some(identity) = identity {
        connection["Identity"] = identity.into();
    }
    let mut connections = serde_json::json!({
        "Connection": {"Default": name, "Connections": {}},
    });
    connections["Connection"]["Connections"][name] = connection;
    write_file(
        &xdg_config_home.join("containers/podman-connections.json"),
        &connections.to_string(),
    );
}
