//! Who an engine is (kind, version, API version, OS/arch), asked once per connection.
//!
//! On a local socket the `/_ping` headers say it all (`Server: Libpod/4.3.1 (linux)` or
//! `Docker/20.10.24 (linux)`, `Api-Version`), in ~20 ms on either engine; Podman's `/version`
//! runs conmon and the OCI runtime and asks the package manager for their versions — ~0.5 s
//! per command (more with many images). A remote engine, or one whose headers say too
//! little, is asked `/version`: its architecture may not be this machine's.

use super::{EngineInfo, EngineKind};
use crate::engine::Engine;
use crate::error::{Operation, Result};
use bytes::Bytes;
use futures_util::StreamExt;

impl Engine {
    /// The engine's identity from `/_ping` when that is enough to tell (local sockets).
    pub(super) async fn identify_by_ping(&self) -> Result<Option<EngineInfo>> {
        if !self.info.host.starts_with("unix://") {
            return Ok(None);
        }
        let what = Operation::Request {
            method: "GET".into(),
            path: "/_ping".into(),
        };
        let (status, headers, mut body) = self.exchange_unversioned("/_ping", &what).await?;
        // Read to the end: the connection goes back to the pool for the next request.
        while let Some(chunk) = body.next().await {
            chunk?;
        }
        if status != 200 {
            return Ok(None);
        }
        let header = |name: &str| {
            headers
                .get(name)
                .and_then(|v| v.to_str().ok())
                .map(str::trim)
                .filter(|v| !v.is_empty())
        };
        Ok(info_from_ping(
            &self.info.host,
            header("server"),
            header("api-version"),
        ))
    }

    /// GET `path` as given (no `/vX.Y` prefix: the version is what we are finding out).
    async fn exchange_unversioned(
        &self,
        path: &str,
        what: &Operation,
    ) -> Result<(u16, http::HeaderMap, crate::engine::http::BodyStream)> {
        self.exchange_with_headers("GET", path, false, &[], Bytes::new(), what)
            .await
    }
}

/// `Server: Libpod/4.3.1 (linux)` / `Docker/20.10.24+dfsg1 (linux)` and `Api-Version: 1.41`
/// into an identity; `None` when either is missing or not of that shape.
fn info_from_ping(host: &str, server: Option<&str>, api: Option<&str>) -> Option<EngineInfo> {
    let (product, rest) = server?.split_once('/')?;
    let kind = match product {
        "Libpod" => EngineKind::Podman,
        "Docker" => EngineKind::Docker,
        _ => return None,
    };
    let (version, os) = match rest.split_once(' ') {
        Some((v, os)) => (v, os.trim_matches(|c| c == '(' || c == ')' || c == ' ')),
        None => (rest, std::env::consts::OS),
    };
    Some(
        EngineInfo {
            host: host.to_owned(),
            kind,
            version: version.to_owned(),
            api_version: api?.to_owned(),
            os: os.to_owned(),
            // A local socket: the engine runs on this machine's architecture (as Go names it).
            arch: go_arch(std::env::consts::ARCH).to_owned(),
            buildkit: false,
        }
        .with_capabilities(),
    )
}

fn go_arch(rust: &str) -> &str {
    match rust {
        "x86_64" => "amd64",
        "aarch64" => "arm64",
        "x86" => "386",
        "powerpc64" => "ppc64le",
        "arm" => "arm",
        other => other,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn podman_and_docker_ping_headers_name_the_engine() {
        let p = info_from_ping("unix:///p", Some("Libpod/4.3.1 (linux)"), Some("1.41")).unwrap();
        assert_eq!(
            (
                p.kind,
                p.version.as_str(),
                p.api_version.as_str(),
                p.os.as_str()
            ),
            (EngineKind::Podman, "4.3.1", "1.41", "linux")
        );
        let d = info_from_ping(
            "unix:///d",
            Some("Docker/20.10.24+dfsg1 (linux)"),
            Some("1.41"),
        )
        .unwrap();
        assert_eq!(
            (d.kind, d.version.as_str(), d.os.as_str()),
            (EngineKind::Docker, "20.10.24+dfsg1", "linux")
        );
        assert!(!d.arch.is_empty());
        // BuildKit: Docker from API 1.39, never Podman.
        assert!(d.buildkit && !p.buildkit);
        let old = info_from_ping("unix:///o", Some("Docker/18.06 (linux)"), Some("1.38")).unwrap();
        assert!(!old.buildkit);
    }

    #[test]
    fn headers_that_say_too_little_mean_asking_version() {
        assert!(info_from_ping("unix:///x", None, Some("1.41")).is_none());
        assert!(info_from_ping("unix:///x", Some("Docker/27.0 (linux)"), None).is_none());
        assert!(info_from_ping("unix:///x", Some("nginx/1.2"), Some("1.41")).is_none());
        assert!(info_from_ping("unix:///x", Some("Docker"), Some("1.41")).is_none());
    }
}
