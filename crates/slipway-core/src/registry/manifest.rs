//! What a registry says about an image, read from the registry itself: for engines without
//! Docker's `/distribution` endpoint (Podman), `registry-data` asks the registry directly.

use super::{classify, client_for, oci_reference};
use crate::credentials::Credentials;
use crate::error::{Error, ErrorKind, Operation, Peer, Result, whole_seconds};
use crate::images::RegistryData;
use crate::reference::Reference;
use oci_client::manifest::{
    IMAGE_MANIFEST_LIST_MEDIA_TYPE, IMAGE_MANIFEST_MEDIA_TYPE, OCI_IMAGE_INDEX_MEDIA_TYPE,
    OCI_IMAGE_MEDIA_TYPE,
};
use std::time::Duration;

/// Digest, media type, size and platforms of `reference`'s manifest, as Docker's
/// `/distribution/{name}/json` gives them. Each request is bounded by `limit`.
#[tracing::instrument(skip(explicit), err(level = "debug", Display))]
pub async fn manifest_data(
    reference: &str,
    explicit: Option<&Credentials>,
    limit: Duration,
) -> Result<RegistryData> {
    let r = Reference::parse(reference)?;
    let registry = r.registry().to_owned();
    let asking = || Operation::AskRegistry {
        reference: r.to_string(),
    };
    let fail = |e| classify(e, &registry, &r.repository(), asking());
    let stalled = |_| {
        Error::of(ErrorKind::Stalled {
            operation: asking(),
            peer: Peer::Registry {
                registry: registry.clone(),
            },
            seconds: whole_seconds(limit * 2),
        })
    };
    let image = oci_reference(&r, r.tag_or_default().unwrap_or("latest"));
    let (client, auth) = client_for(&registry, explicit, limit).await?;
    let accepted = [
        OCI_IMAGE_MEDIA_TYPE,
        OCI_IMAGE_INDEX_MEDIA_TYPE,
        IMAGE_MANIFEST_MEDIA_TYPE,
        IMAGE_MANIFEST_LIST_MEDIA_TYPE,
    ];
    let (bytes, digest) = tokio::time::timeout(
        limit * 2,
        client.pull_manifest_raw(&image, &auth, &accepted),
    )
    .await
    .map_err(stalled)?
    .map_err(fail)?;
    let manifest: serde_json::Value =
        serde_json::from_slice(&bytes).map_err(|e| Error::unexpected(e).during(asking()))?;
    let platforms = match manifest["manifests"].as_array() {
        Some(entries) => entries.iter().map(|m| platform(&m["platform"])).collect(),
        None => {
            // A single image: its platform is in the config blob.
            let config = manifest["config"]["digest"].as_str().unwrap_or_default();
            let mut blob = Vec::new();
            tokio::time::timeout(limit * 2, client.pull_blob(&image, config, &mut blob))
                .await
                .map_err(stalled)?
                .map_err(fail)?;
            let config: serde_json::Value =
                serde_json::from_slice(&blob).map_err(|e| Error::unexpected(e).during(asking()))?;
            vec![platform(&config)]
        }
    };
    Ok(RegistryData {
        digest,
        media_type: manifest["mediaType"]
            .as_str()
            .unwrap_or_default()
            .to_owned(),
        size: i64::try_from(bytes.len()).unwrap_or(i64::MAX),
        platforms,
    })
}

/// `os/architecture[/variant]`, as Docker spells a platform.
fn platform(v: &serde_json::Value) -> String {
    let s = |k: &str| v[k].as_str().unwrap_or_default();
    let mut p = format!("{}/{}", s("os"), s("architecture"));
    if !s("variant").is_empty() {
        p.push('/');
        p.push_str(s("variant"));
    }
    p
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn platforms_are_spelled_as_docker_does() {
        let arm = serde_json::json!({"os": "linux", "architecture": "arm", "variant": "v7"});
        assert_eq!(platform(&arm), "linux/arm/v7");
        let amd = serde_json::json!({"os": "linux", "architecture": "amd64"});
        assert_eq!(platform(&amd), "linux/amd64");
    }
}
