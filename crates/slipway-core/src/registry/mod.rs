//! Talking to registries directly (not through the engine): listing a repository's tags
//! with the OCI distribution API (`oci-client`), for private registries the engine's search
//! does not cover. Credentials come from the same place as for pull and push.

pub mod build_auth;
pub mod credentials;
pub mod manifest;

use crate::credentials::Credentials;
use crate::error::{Error, ErrorKind, Operation, Peer, Result, whole_seconds};
use crate::reference::Reference;
use oci_client::client::{ClientConfig, ClientProtocol};
use oci_client::errors::OciDistributionError;
use oci_client::secrets::RegistryAuth;
use std::time::Duration;

/// Tags of `repository` (`host[:port]/path`, `path` for Docker Hub), sorted, newest
/// conventions aside. A tag or digest written on the reference is ignored. Bounded by the
/// default stall timeout; see `list_tags_within`.
pub async fn list_tags(repository: &str, explicit: Option<&Credentials>) -> Result<Vec<String>> {
    list_tags_within(repository, explicit, crate::DEFAULT_STALL_TIMEOUT).await
}

/// `list_tags`, giving up when the registry (or a credential helper) is silent for `limit`:
/// connect, each read and the whole call are bounded, and the 504 names the registry.
#[tracing::instrument(skip(explicit), err(level = "debug", Display))]
pub async fn list_tags_within(
    repository: &str,
    explicit: Option<&Credentials>,
    limit: Duration,
) -> Result<Vec<String>> {
    let r = Reference::parse(repository)?;
    let registry = r.registry().to_owned();
    let oci_ref = oci_reference(&r, "latest");
    let (client, auth) = client_for(&registry, explicit, limit).await?;
    // Token exchanges and paging are several requests: the whole gets twice the limit.
    let mut tags = tokio::time::timeout(limit * 2, client.list_tags(&oci_ref, &auth, None, None))
        .await
        .map_err(|_| {
            Error::of(ErrorKind::Stalled {
                operation: Operation::ListTags {
                    repository: repository.to_owned(),
                },
                peer: Peer::Registry {
                    registry: registry.clone(),
                },
                seconds: whole_seconds(limit * 2),
            })
        })?
        .map_err(|e| {
            let listing = Operation::ListTags {
                repository: repository.to_owned(),
            };
            classify(e, &registry, repository, listing)
        })?
        .tags;
    tags.sort();
    Ok(tags)
}

/// `r` as oci-client names it, at `tag` (a digest written on `r` wins).
fn oci_reference(r: &Reference, tag: &str) -> oci_client::Reference {
    let registry = r.registry().to_owned();
    let path = r
        .qualified_repository()
        .strip_prefix(&format!("{registry}/"))
        .map(str::to_owned)
        .unwrap_or_else(|| r.path.clone());
    match &r.digest {
        Some(d) => oci_client::Reference::with_digest(registry, path, d.clone()),
        None => oci_client::Reference::with_tag(registry, path, tag.to_owned()),
    }
}

/// A client for `registry` with every read bounded by `limit`, and the credentials pull
/// and push would use there.
async fn client_for(
    registry: &str,
    explicit: Option<&Credentials>,
    limit: Duration,
) -> Result<(oci_client::Client, RegistryAuth)> {
    let auth = match credentials::lookup(explicit, registry, limit).await? {
        Some(Credentials {
            username: Some(u),
            password: Some(p),
            ..
        }) => RegistryAuth::Basic(u, p),
        Some(Credentials {
            identity_token: Some(t),
            ..
        }) => RegistryAuth::Bearer(t),
        _ => RegistryAuth::Anonymous,
    };
    let client = oci_client::Client::new(ClientConfig {
        protocol: protocol_for(registry),
        connect_timeout: Some(limit),
        read_timeout: Some(limit),
        ..Default::default()
    });
    Ok((client, auth))
}

/// Docker talks plain HTTP to loopback registries (they are insecure by default) and HTTPS
/// everywhere else; so does this.
fn protocol_for(registry: &str) -> ClientProtocol {
    if is_loopback(registry) {
        ClientProtocol::Http
    } else {
        ClientProtocol::Https
    }
}

/// `localhost[:port]` for a registry at 127.0.0.1 or [::1]: the same registry under the
/// name Podman's login lets speak plain HTTP.
pub(crate) fn localhost_alias(registry: &str) -> Option<String> {
    let (host, port) = match registry.rsplit_once(':') {
        Some((h, p)) if p.chars().all(|c| c.is_ascii_digit()) => (h, Some(p)),
        _ => (registry, None),
    };
    let host = host.trim_start_matches('[').trim_end_matches(']');
    let ip = host.parse::<std::net::IpAddr>().ok()?;
    let same_host = ip == std::net::Ipv4Addr::LOCALHOST || ip == std::net::Ipv6Addr::LOCALHOST;
    same_host.then(|| match port {
        Some(p) => format!("localhost:{p}"),
        None => "localhost".to_owned(),
    })
}

fn is_loopback(registry: &str) -> bool {
    let host = registry
        .rsplit_once(':')
        .filter(|(_, port)| port.chars().all(|c| c.is_ascii_digit()))
        .map_or(registry, |(h, _)| h);
    let host = host.trim_start_matches('[').trim_end_matches(']');
    host == "localhost"
        || host
            .parse::<std::net::IpAddr>()
            .is_ok_and(|ip| ip.is_loopback())
}

fn classify(
    e: OciDistributionError,
    registry: &str,
    repository: &str,
    listing: Operation,
) -> Error {
    let (registry, repository) = (registry.to_owned(), repository.to_owned());
    match e {
        OciDistributionError::UnauthorizedError { .. }
        | OciDistributionError::AuthenticationFailure(_) => {
            Error::of(ErrorKind::RegistryNeedsLogin {
                registry,
                repository,
            })
        }
        OciDistributionError::ServerError { code: 404, .. }
        | OciDistributionError::RegistryError { .. } => Error::of(ErrorKind::NotInRegistry {
            registry,
            repository,
        }),
        OciDistributionError::ServerError { code, message, .. } => {
            Error::of(ErrorKind::RegistryAnswered {
                registry,
                status: code,
            })
            .with_detail(message)
        }
        OciDistributionError::RequestError(e) if e.is_timeout() => {
            Error::of(ErrorKind::RegistrySlow { registry })
                .with_detail(e)
                .during(listing)
        }
        OciDistributionError::RequestError(e) => {
            Error::of(ErrorKind::RegistryUnreachable { registry })
                .with_detail(e)
                .during(listing)
        }
        other => Error::raw(502, other.to_string()).during(listing),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Like Docker: loopback registries are spoken to over plain HTTP, others over HTTPS.
    #[test]
    fn loopback_registries_use_http() {
        for r in [
            "127.0.0.1:5000",
            "localhost:5000",
            "localhost",
            "[::1]:5000",
            "127.8.9.1",
        ] {
            assert!(is_loopback(r), "{r}");
        }
        for r in ["docker.io", "registry.example.com:5000", "10.0.0.1:5000"] {
            assert!(!is_loopback(r), "{r}");
        }
    }

    #[test]
    fn loopback_addresses_have_a_localhost_alias() {
        let alias = |r: &str| localhost_alias(r);
        assert_eq!(alias("127.0.0.1:5000").as_deref(), Some("localhost:5000"));
        assert_eq!(alias("[::1]:5000").as_deref(), Some("localhost:5000"));
        assert_eq!(alias("127.0.0.1").as_deref(), Some("localhost"));
        for r in [
            "localhost:5000",
            "127.0.0.2:5000",
            "10.0.0.1:5000",
            "docker.io",
        ] {
            assert_eq!(alias(r), None, "{r}");
        }
    }
}
