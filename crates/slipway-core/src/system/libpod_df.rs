//! Podman's own disk usage, `GET /libpod/system/df`: every image's unique and shared bytes in
//! one request (its compat `/system/df` leaves them wrong). The same figures `podman system
//! df -v` prints, and the ones Slipway's layer accounting reaches (the engine suite compares).

use super::ImageUsage;
use crate::engine::Engine;
use crate::error::Result;
use std::collections::HashSet;

impl Engine {
    /// Per-image bytes from Podman's libpod df; `None` where it cannot be asked (not Podman,
    /// a transport the raw path does not reach, a service without the endpoint) or answers
    /// without images, so the caller adds them up from layers instead.
    pub(crate) async fn libpod_image_usage(&self) -> Result<Option<Vec<ImageUsage>>> {
        if !self.is_podman() {
            return Ok(None);
        }
        match self.raw_json("GET", "/libpod/system/df", None).await {
            Ok(v) => Ok(usage_from_libpod_df(&v)),
            Err(e) if e.code == 501 || e.code == 404 => Ok(None),
            Err(e) => Err(e),
        }
    }
}

/// `Images` of a libpod df answer as usage rows, one per image ID (Podman lists an image once
/// per name, intermediate images included).
fn usage_from_libpod_df(v: &serde_json::Value) -> Option<Vec<ImageUsage>> {
    let mut seen = HashSet::new();
    let mut out = Vec::new();
    for img in v["Images"].as_array()? {
        let id = img["ImageID"].as_str()?;
        let id = match id.starts_with("sha256:") {
            true => id.to_owned(),
            false => format!("sha256:{id}"),
        };
        let num = |k: &str| img[k].as_i64();
        let (size, unique, shared) = (num("Size")?, num("UniqueSize")?, num("SharedSize")?);
        if seen.insert(id.clone()) {
            out.push(ImageUsage {
                id,
                size,
                unique_size: unique,
                shared_size: shared,
            });
        }
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_image_once_with_podmans_own_unique_and_shared_bytes() {
        let v = serde_json::json!({"Images": [
            {"Repository": "localhost/a", "Tag": "1", "ImageID": "abc", "Size": 10,
             "SharedSize": 4, "UniqueSize": 6, "Containers": 0},
            {"Repository": "localhost/a", "Tag": "2", "ImageID": "abc", "Size": 10,
             "SharedSize": 4, "UniqueSize": 6, "Containers": 0},
            {"Repository": "<none>", "Tag": "<none>", "ImageID": "def", "Size": 4,
             "SharedSize": 4, "UniqueSize": 0, "Containers": 1}
        ]});
        let got = usage_from_libpod_df(&v).unwrap();
        assert_eq!(got.len(), 2);
        assert_eq!(
            got[0],
            ImageUsage {
                id: "sha256:abc".into(),
                size: 10,
                unique_size: 6,
                shared_size: 4
            }
        );
        assert_eq!(got[1].id, "sha256:def");
    }

    #[test]
    fn an_answer_without_images_or_sizes_is_not_taken_for_zero_bytes() {
        assert_eq!(usage_from_libpod_df(&serde_json::json!({})), None);
        let v = serde_json::json!({"Images": [{"ImageID": "abc", "Size": 10}]});
        assert_eq!(usage_from_libpod_df(&v), None);
    }
}
