//! Asking each discovered engine who it is, all at once, each within its own bound: one
//! engine that does not answer never delays the others.

use super::DiscoveredEngine;
use crate::error::{Error, ErrorKind, whole_seconds};
use crate::{Engine, EngineKind, EngineSpec};
use serde::{Deserialize, Serialize};
use std::time::Duration;

/// How long one engine gets to answer `engines ls`.
pub const PROBE_TIMEOUT: Duration = Duration::from_secs(3);

/// What an engine said when asked, or why it could not be asked.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct Probe {
    pub reachable: bool,
    pub kind: Option<EngineKind>,
    pub version: Option<String>,
    pub api_version: Option<String>,
    pub error: Option<Error>,
}

/// Connect to one engine (as `--host` would) within `limit`.
#[tracing::instrument(level = "debug", skip(engine), fields(name = %engine.name, host = %engine.host))]
pub async fn probe(engine: &DiscoveredEngine, limit: Duration) -> Probe {
    let connect = Engine::connect(EngineSpec::of(engine));
    let result = match tokio::time::timeout(limit, connect).await {
        Ok(r) => r.map_err(unwrap_single_attempt),
        Err(_) => Err(Error::of(ErrorKind::EngineProbeTimeout {
            host: engine.host.clone(),
            seconds: whole_seconds(limit),
        })),
    };
    match result {
        Ok(e) => Probe {
            reachable: true,
            kind: Some(e.info.kind),
            version: Some(e.info.version),
            api_version: Some(e.info.api_version),
            error: None,
        },
        Err(error) => Probe {
            reachable: false,
            kind: None,
            version: None,
            api_version: None,
            error: Some(error),
        },
    }
}

/// Every engine probed concurrently; the answers in the same order.
pub async fn probe_all(engines: &[DiscoveredEngine], limit: Duration) -> Vec<Probe> {
    futures_util::future::join_all(engines.iter().map(|e| probe(e, limit))).await
}

/// `connect` with one host says "no engine answered. Tried: …"; the attempt's own error
/// is the reason for that one engine.
fn unwrap_single_attempt(e: Error) -> Error {
    match e.kind.as_deref() {
        Some(ErrorKind::NoEngine { tried }) if tried.len() == 1 => tried[0].error.clone(),
        _ => e,
    }
}
