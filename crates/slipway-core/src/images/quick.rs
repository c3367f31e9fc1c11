//! A first list for the grid where the engine's own list is slow. Podman 4.3 takes ~10 s to
//! list 1,000 images (1.5 cores of its service, 29 s while the app's window starts beside it)
//! but answers its `/libpod/system/df` in ~0.6 s with each name's image ID, creation time,
//! size and containers. The app paints those rows, and the full list (digests, labels,
//! untagged images) replaces them when it comes. Docker lists fast: no quick list there.

use crate::engine::Engine;
use crate::error::{Operation, Result};
use crate::images::ImageSummary;
use bytes::Bytes;
use futures_util::StreamExt;
use std::collections::{BTreeMap, HashMap};

/// Libpod's routes answer under a versioned path only; 4.0.0 is what every Podman 4 and 5 serves.
const PODMAN_DF: &str = "/v4.0.0/libpod/system/df";

impl Engine {
    /// The named images, from the engine's df, for a grid to show before [`Engine::list`]
    /// answers; `None` where the list itself is the quick way (Docker) or the df answer is
    /// not one we can read (the caller then waits for the list). Untagged images are not in
    /// it: Podman's df shows build intermediates the same way, which the list leaves out.
    #[tracing::instrument(skip(self), err(level = "debug", Display))]
    pub async fn quick_list(&self) -> Result<Option<Vec<ImageSummary>>> {
        if !self.is_podman() {
            return Ok(None);
        }
        let what = Operation::Request {
            method: "GET".into(),
            path: PODMAN_DF.into(),
        };
        let (status, _, mut body) = self
            .exchange_with_headers("GET", PODMAN_DF, false, &[], Bytes::new(), &what)
            .await?;
        let mut bytes = Vec::new();
        while let Some(chunk) = body.next().await {
            bytes.extend_from_slice(&chunk?);
        }
        if status != 200 {
            tracing::debug!(status, "no quick list: the engine's df answered otherwise");
            return Ok(None);
        }
        Ok(serde_json::from_slice(&bytes)
            .ok()
            .and_then(|v| from_podman_df(&v)))
    }
}

/// One summary per image ID from df's one row per name, newest first as the list has them.
fn from_podman_df(v: &serde_json::Value) -> Option<Vec<ImageSummary>> {
    let mut images: Vec<ImageSummary> = Vec::new();
    let mut at: HashMap<String, usize> = HashMap::new();
    for row in v.get("Images")?.as_array()? {
        let text = |k: &str| row.get(k).and_then(|x| x.as_str());
        let number = |k: &str| row.get(k).and_then(|x| x.as_i64());
        let (id, repo, tag) = (text("ImageID")?, text("Repository")?, text("Tag")?);
        if repo == "<none>" || tag == "<none>" {
            continue;
        }
        let id = match id.starts_with("sha256:") {
            true => id.to_owned(),
            false => format!("sha256:{id}"),
        };
        let i = *at.entry(id.clone()).or_insert_with(|| {
            images.push(ImageSummary {
                id,
                tags: Vec::new(),
                digests: Vec::new(),
                parent_id: String::new(),
                created: text("Created")
                    .and_then(|c| chrono::DateTime::parse_from_rfc3339(c).ok())
                    .map_or(0, |t| t.timestamp()),
                size: number("Size").unwrap_or(0),
                // As the list says it for Podman: not computed.
                shared_size: -1,
                containers: number("Containers").unwrap_or(0),
                labels: BTreeMap::new(),
            });
            images.len() - 1
        });
        images[i].tags.push(format!("{repo}:{tag}"));
    }
    images.sort_by_key(|i| std::cmp::Reverse(i.created));
    Some(images)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn one_summary_per_image_with_every_name_and_no_untagged_rows() {
        let df = json!({"Images": [
            {"Repository": "<none>", "Tag": "<none>", "ImageID": "aa", "Created": "2026-01-01T00:00:09Z", "Size": 5, "Containers": 0},
            {"Repository": "localhost/a", "Tag": "1", "ImageID": "bb", "Created": "2026-01-01T00:00:01.5Z", "Size": 7, "Containers": 2},
            {"Repository": "localhost/c", "Tag": "x", "ImageID": "cc", "Created": "2026-01-01T00:00:03Z", "Size": 9, "Containers": 0},
            {"Repository": "localhost/a", "Tag": "latest", "ImageID": "bb", "Created": "2026-01-01T00:00:01.5Z", "Size": 7, "Containers": 2},
        ]});
        let images = from_podman_df(&df).unwrap();
        let got: Vec<(&str, Vec<&str>, i64, i64, i64)> = images
            .iter()
            .map(|i| {
                let tags = i.tags.iter().map(String::as_str).collect();
                (i.id.as_str(), tags, i.created, i.size, i.containers)
            })
            .collect();
        assert_eq!(
            got,
            vec![
                ("sha256:cc", vec!["localhost/c:x"], 1_767_225_603, 9, 0),
                (
                    "sha256:bb",
                    vec!["localhost/a:1", "localhost/a:latest"],
                    1_767_225_601,
                    7,
                    2
                ),
            ]
        );
        assert!(images.iter().all(|i| i.shared_size == -1));
    }

    #[test]
    fn an_answer_of_another_shape_is_no_quick_list() {
        assert!(from_podman_df(&json!({"Volumes": []})).is_none());
        assert!(from_podman_df(&json!({"Images": [{"Repository": "a"}]})).is_none());
    }
}
