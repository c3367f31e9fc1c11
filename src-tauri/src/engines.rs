//! Any engine the user has, by the key the window uses for it (its name from discovery —
//! engines added by hand included — or its address), connected with its own TLS files or
//! ssh identity and the stall timeout of the settings.
//!
//! The lead points this at the multi-engine state (`AppState::engine_by_key`) when the
//! engine set lands; until then each call connects afresh.

use crate::state::AppState;
use slipway_core::engine::discovery::{self, DiscoveredEngine};
use slipway_core::{Engine, EngineSpec, Error};
use tauri::{AppHandle, Manager, Runtime};

/// The engine `key` names, connected now.
#[tracing::instrument(skip(app), err(level = "debug", Display))]
pub async fn resolve<R: Runtime>(app: &AppHandle<R>, key: &str) -> Result<Engine, Error> {
    let stall = app.state::<AppState>().stall_timeout();
    let key = key.trim().to_owned();
    let found = tauri::async_runtime::spawn_blocking(discovery::engines)
        .await
        .map_err(Error::unexpected)?;
    let spec = spec_for(&found.engines, &key)?;
    Ok(Engine::connect(spec).await?.with_stall_timeout(stall))
}

/// A discovered engine by name, then by address; an address nothing names is reached as it is.
fn spec_for(engines: &[DiscoveredEngine], key: &str) -> Result<EngineSpec, Error> {
    if let Some(e) = engines
        .iter()
        .find(|e| e.name == key)
        .or_else(|| engines.iter().find(|e| e.host == key))
    {
        return Ok(EngineSpec::of(e));
    }
    if key.contains("://") {
        return Ok(EngineSpec {
            host: Some(key.to_owned()),
            ignore_env: true,
            ..EngineSpec::default()
        });
    }
    Err(Error::of(slipway_core::error::ErrorKind::UnknownEngine {
        name: key.to_owned(),
    }))
}

#[cfg(test)]
mod tests {
    use super::*;
    use slipway_core::engine::discovery::{EngineSource, TlsFiles};

    fn entry(name: &str, host: &str) -> DiscoveredEngine {
        DiscoveredEngine {
            name: name.into(),
            host: host.into(),
            source: EngineSource::Manual,
            tls: Some(TlsFiles {
                skip_verify: true,
                ..TlsFiles::default()
            }),
            identity: None,
            current: false,
            podman_default: false,
        }
    }

    #[test]
    fn a_key_is_a_name_then_an_address_with_the_engines_own_tls() {
        let list = [
            entry("lab", "tcp://127.0.0.1:1"),
            entry("box", "unix:///b.sock"),
        ];
        let s = spec_for(&list, "lab").unwrap();
        assert_eq!(s.host.as_deref(), Some("tcp://127.0.0.1:1"));
        assert!(
            s.tls.unwrap().skip_verify,
            "the entry's TLS settings come along"
        );
        let s = spec_for(&list, "unix:///b.sock").unwrap();
        assert!(s.tls.is_some(), "found by address: still its own settings");
        let s = spec_for(&list, "tcp://127.0.0.1:9").unwrap();
        assert_eq!(
            (s.host.as_deref(), s.ignore_env),
            (Some("tcp://127.0.0.1:9"), true)
        );
        let e = spec_for(&list, "nope").unwrap_err();
        assert_eq!(e.code, 404);
    }
}
