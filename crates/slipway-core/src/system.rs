//! Disk usage and build-cache prune. The event streams are in [`crate::events`].

pub use crate::events::ImageEvent;

use crate::engine::Engine;
use crate::error::{Error, ErrorKind, Result};
use crate::images::{ImageSummary, ListOptions};
use serde::{Deserialize, Serialize};
use std::collections::HashMap;

/// One row of `df`: how many, how many in use, bytes, bytes a prune could free.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct UsageRow {
    #[cfg_attr(feature = "specta", specta(type = f64))]
    pub count: u64,
    #[cfg_attr(feature = "specta", specta(type = f64))]
    pub active: u64,
    #[cfg_attr(feature = "specta", specta(type = f64))]
    pub size: i64,
    #[cfg_attr(feature = "specta", specta(type = f64))]
    pub reclaimable: i64,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct DiskUsage {
    pub images: UsageRow,
    pub build_cache: UsageRow,
    pub containers: UsageRow,
    pub volumes: UsageRow,
    /// `engine` when the engine's own `/system/df` was used, `computed` when Slipway
    /// added it up from layers (Podman, whose compat `df` is wrong).
    pub source: String,
}

/// [`Engine::usage_snapshot`]: the system's usage and each image's unique/shared bytes.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct UsageSnapshot {
    pub disk: DiskUsage,
    pub images: Vec<ImageUsage>,
}

/// Per-image layer accounting: what only this image holds vs what it shares.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct ImageUsage {
    pub id: String,
    #[cfg_attr(feature = "specta", specta(type = f64))]
    pub size: i64,
    #[cfg_attr(feature = "specta", specta(type = f64))]
    pub unique_size: i64,
    #[cfg_attr(feature = "specta", specta(type = f64))]
    pub shared_size: i64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct BuildCachePruneResult {
    pub caches_deleted: Vec<String>,
    #[cfg_attr(feature = "specta", specta(type = f64))]
    pub space_reclaimed: i64,
}

/// An image's ID and its layers (diff ID, bytes), oldest first.
pub(crate) type ImageLayers = (String, Vec<(String, i64)>);

fn i(v: &serde_json::Value) -> i64 {
    v.as_i64().unwrap_or_default()
}

impl Engine {
    /// System disk usage. Docker's own numbers where they can be read (raw: bollard's model
    /// reads nothing on API 1.41); computed from image layers on Podman.
    #[tracing::instrument(skip(self), err(level = "debug", Display))]
    pub async fn df(&self) -> Result<DiskUsage> {
        match self.engine_df().await? {
            Some(v) => Ok(usage_from_engine_df(&v)),
            None => {
                let images = self.list(&ListOptions::default()).await?;
                let layers = self.image_layers_of(images.clone()).await?;
                self.computed_df(images, &layers).await
            }
        }
    }

    /// The engine's own `/system/df` answer where it can be trusted and reached: `None` on
    /// Podman (its compat df is wrong) and where the raw transport is unavailable (TLS/ssh).
    pub(crate) async fn engine_df(&self) -> Result<Option<serde_json::Value>> {
        if self.is_podman() {
            return Ok(None);
        }
        // Docker 20.10 refuses a df while another runs (the UI refreshing during a prune):
        // wait for it rather than fail.
        let mut tries = 0;
        loop {
            match self.raw_json("GET", "/system/df", None).await {
                Ok(v) => return Ok(Some(v)),
                Err(e) if e.code == 501 => return Ok(None),
                Err(e) if e.message.contains("already running") && tries < 50 => {
                    tries += 1;
                    tokio::time::sleep(std::time::Duration::from_millis(100)).await;
                }
                Err(e) => return Err(e),
            }
        }
    }

    /// Disk usage added up from the listed images' layers (a walk over every image costs two
    /// requests per image: the caller walks once for this and the per-image figures).
    async fn computed_df(
        &self,
        images: Vec<ImageSummary>,
        per_image: &[ImageLayers],
    ) -> Result<DiskUsage> {
        let total = layer_total(per_image);
        let layers = account_layers(per_image);
        let used: i64 = images
            .iter()
            .filter(|i| i.containers > 0)
            .filter_map(|i| layers.iter().find(|l| l.id == i.id))
            .map(|l| l.unique_size)
            .sum();
        let containers = self
            .api
            .list_containers(Some(
                bollard::query_parameters::ListContainersOptionsBuilder::default()
                    .all(true)
                    .size(true)
                    .build(),
            ))
            .await
            .map_err(Error::from)?;
        let running = |c: &&bollard::models::ContainerSummary| {
            c.state.as_ref().is_some_and(|s| s.to_string() == "running")
        };
        let csize: i64 = containers
            .iter()
            .map(|c| c.size_rw.unwrap_or_default())
            .sum();
        let cstopped: i64 = containers
            .iter()
            .filter(|c| !running(c))
            .map(|c| c.size_rw.unwrap_or_default())
            .sum();
        let volumes = self
            .api
            .list_volumes(None::<bollard::query_parameters::ListVolumesOptions>)
            .await
            .map_err(Error::from)?;
        Ok(DiskUsage {
            images: UsageRow {
                count: images.len() as u64,
                active: images.iter().filter(|i| i.containers > 0).count() as u64,
                size: total,
                reclaimable: total - used,
            },
            build_cache: UsageRow::default(),
            containers: UsageRow {
                count: containers.len() as u64,
                active: containers.iter().filter(running).count() as u64,
                size: csize,
                reclaimable: cstopped,
            },
            volumes: UsageRow {
                count: volumes.volumes.map(|v| v.len() as u64).unwrap_or_default(),
                ..Default::default()
            },
            source: "computed".into(),
        })
    }

    /// Unique and shared bytes per image. Docker's `/system/df` has them in one request
    /// (any API version); Podman's compat `df` does not, so there they are added up from
    /// each image's layers (two requests per image).
    #[tracing::instrument(skip(self), err(level = "debug", Display))]
    pub async fn image_usage(&self) -> Result<Vec<ImageUsage>> {
        let df = self.engine_df().await?;
        self.image_usage_from(df.as_ref()).await
    }

    /// Per-image bytes from a df answer when it has them, else added up from layers.
    async fn image_usage_from(&self, df: Option<&serde_json::Value>) -> Result<Vec<ImageUsage>> {
        match df.and_then(usage_from_df_images) {
            Some(usage) => Ok(usage),
            None => self.computed_image_usage().await,
        }
    }

    /// Disk usage and per-image bytes together. On Docker both come from one `/system/df`
    /// request — the daemon refuses a second df while one runs, so asking for them separately
    /// and at once makes one of them fail.
    #[tracing::instrument(skip(self), err(level = "debug", Display))]
    pub async fn usage_snapshot(&self) -> Result<UsageSnapshot> {
        let df = self.engine_df().await?;
        if let Some(v) = &df
            && let Some(images) = usage_from_df_images(v)
        {
            let disk = usage_from_engine_df(v);
            return Ok(UsageSnapshot { disk, images });
        }
        // Both from one list and one walk over the images' layers, not one each.
        let listed = self.list(&ListOptions::default()).await?;
        let layers = self.image_layers_of(listed.clone()).await?;
        let images = account_layers(&layers);
        let disk = match &df {
            Some(v) => usage_from_engine_df(v),
            None => self.computed_df(listed, &layers).await?,
        };
        Ok(UsageSnapshot { disk, images })
    }

    /// Bytes of all image layers, shared ones once — `df().images.size` without the rest of
    /// df: the engine's own figure on Docker, else added up from `layers` (read here when
    /// not given; a caller that already has them saves a walk over every image).
    pub(crate) async fn layer_bytes(&self, layers: Option<&[ImageLayers]>) -> Result<i64> {
        if let Some(v) = self.engine_df().await? {
            return Ok(usage_from_engine_df(&v).images.size);
        }
        Ok(match layers {
            Some(l) => layer_total(l),
            None => layer_total(&self.image_layers().await?),
        })
    }

    /// [`Self::image_usage`] from layers and history, whatever the engine.
    #[tracing::instrument(skip(self), err(level = "debug", Display))]
    pub async fn computed_image_usage(&self) -> Result<Vec<ImageUsage>> {
        Ok(account_layers(&self.image_layers().await?))
    }

    /// Remove build cache; `keep_storage` bytes are kept (API 1.41's `keep-storage`,
    /// `reserved-space` on newer engines).
    #[tracing::instrument(skip(self), err(level = "debug", Display))]
    pub async fn prune_build_cache(
        &self,
        keep_storage: Option<i64>,
        all: bool,
        until: Option<&str>,
    ) -> Result<BuildCachePruneResult> {
        crate::build_cache::check_keep_storage(keep_storage)?;
        if self.is_podman() {
            // Podman has no `/build/prune`: a bare 404 would read as a missing image.
            return Err(Error::of(ErrorKind::NoBuildCacheOnPodman));
        }
        let mut query = String::from("/build/prune?");
        if let Some(k) = keep_storage {
            let key = if self.api_at_least(1, 48) {
                "reserved-space"
            } else {
                "keep-storage"
            };
            query.push_str(&format!("{key}={k}&"));
        }
        if all {
            query.push_str("all=1&");
        }
        if let Some(u) = until {
            let u = crate::images::build_cache_until(u)?;
            let filters = serde_json::json!({ "until": { u: true } }).to_string();
            query.push_str(&format!("filters={}&", crate::raw::query_escape(&filters)));
        }
        let v = self
            .raw_json("POST", query.trim_end_matches(['&', '?']), None)
            .await?;
        Ok(BuildCachePruneResult {
            caches_deleted: v["CachesDeleted"]
                .as_array()
                .map(|a| {
                    a.iter()
                        .filter_map(|x| x.as_str().map(str::to_owned))
                        .collect()
                })
                .unwrap_or_default(),
            space_reclaimed: i(&v["SpaceReclaimed"]),
        })
    }
}

/// Docker's `/system/df` (any API version) into rows, reclaimable as the docker CLI counts it.
/// Per-image bytes from `/system/df`; `None` when the engine left `SharedSize` uncomputed.
fn usage_from_df_images(v: &serde_json::Value) -> Option<Vec<ImageUsage>> {
    let images = v["Images"].as_array()?;
    images
        .iter()
        .map(|img| {
            let (size, shared) = (i(&img["Size"]), i(&img["SharedSize"]));
            (shared >= 0).then(|| ImageUsage {
                id: img["Id"].as_str().unwrap_or_default().to_owned(),
                size,
                unique_size: size - shared,
                shared_size: shared,
            })
        })
        .collect()
}

fn usage_from_engine_df(v: &serde_json::Value) -> DiskUsage {
    let empty = Vec::new();
    let images = v["Images"].as_array().unwrap_or(&empty);
    let layers = i(&v["LayersSize"]);
    let used: i64 = images
        .iter()
        .filter(|img| i(&img["Containers"]) > 0 && i(&img["SharedSize"]) >= 0)
        .map(|img| i(&img["Size"]) - i(&img["SharedSize"]))
        .sum();
    let containers = v["Containers"].as_array().unwrap_or(&empty);
    let running = |c: &&serde_json::Value| c["State"] == "running";
    let volumes = v["Volumes"].as_array().unwrap_or(&empty);
    let cache = v["BuildCache"].as_array().unwrap_or(&empty);
    DiskUsage {
        images: UsageRow {
            count: images.len() as u64,
            active: images.iter().filter(|x| i(&x["Containers"]) > 0).count() as u64,
            size: layers,
            reclaimable: (layers - used).max(0),
        },
        build_cache: UsageRow {
            count: cache.len() as u64,
            active: cache.iter().filter(|c| c["InUse"] == true).count() as u64,
            size: cache
                .iter()
                .filter(|c| c["Shared"] != true)
                .map(|c| i(&c["Size"]))
                .sum(),
            reclaimable: cache
                .iter()
                .filter(|c| c["InUse"] != true && c["Shared"] != true)
                .map(|c| i(&c["Size"]))
                .sum(),
        },
        containers: UsageRow {
            count: containers.len() as u64,
            active: containers.iter().filter(running).count() as u64,
            size: containers.iter().map(|c| i(&c["SizeRw"])).sum(),
            reclaimable: containers
                .iter()
                .filter(|c| !running(c))
                .map(|c| i(&c["SizeRw"]))
                .sum(),
        },
        volumes: UsageRow {
            count: volumes.len() as u64,
            active: volumes
                .iter()
                .filter(|x| i(&x["UsageData"]["RefCount"]) > 0)
                .count() as u64,
            size: volumes
                .iter()
                .map(|x| i(&x["UsageData"]["Size"]).max(0))
                .sum(),
            reclaimable: volumes
                .iter()
                .filter(|x| i(&x["UsageData"]["RefCount"]) == 0)
                .map(|x| i(&x["UsageData"]["Size"]).max(0))
                .sum(),
        },
        source: "engine".into(),
    }
}

/// Bytes freed by deleting `going`: layers no other image uses, each counted once.
pub(crate) fn freed_bytes(
    per_image: &[ImageLayers],
    going: &std::collections::HashSet<String>,
) -> i64 {
    let mut kept_layers = std::collections::HashSet::new();
    for (_, layers) in per_image.iter().filter(|(id, _)| !going.contains(id)) {
        kept_layers.extend(layers.iter().map(|(l, _)| l.as_str()));
    }
    let mut freed: HashMap<&str, i64> = HashMap::new();
    for (_, layers) in per_image.iter().filter(|(id, _)| going.contains(id)) {
        for (l, size) in layers
            .iter()
            .filter(|(l, _)| !kept_layers.contains(l.as_str()))
        {
            freed.insert(l.as_str(), *size);
        }
    }
    freed.values().sum()
}

/// Every distinct layer counted once.
fn layer_total(per_image: &[ImageLayers]) -> i64 {
    let mut sizes: HashMap<&str, i64> = HashMap::new();
    for (_, layers) in per_image {
        for (l, size) in layers {
            sizes.insert(l.as_str(), *size);
        }
    }
    sizes.values().sum()
}

/// Given each image's (layer, bytes) list, bytes only it holds and bytes it shares.
fn account_layers(per_image: &[ImageLayers]) -> Vec<ImageUsage> {
    let mut users: HashMap<&str, usize> = HashMap::new();
    for (_, layers) in per_image {
        let mut seen = std::collections::HashSet::new();
        for (l, _) in layers {
            if seen.insert(l.as_str()) {
                *users.entry(l.as_str()).or_default() += 1;
            }
        }
    }
    per_image
        .iter()
        .map(|(id, layers)| {
            let mut seen = std::collections::HashSet::new();
            let (mut unique, mut shared) = (0, 0);
            for (l, size) in layers {
                if !seen.insert(l.as_str()) {
                    continue;
                }
                if users[l.as_str()] > 1 {
                    shared += size;
                } else {
                    unique += size;
                }
            }
            ImageUsage {
                id: id.clone(),
                size: unique + shared,
                unique_size: unique,
                shared_size: shared,
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Docker's df answer carries the shared bytes per image; unique is what is left.
    #[test]
    fn df_images_give_unique_and_shared_bytes() {
        let v = serde_json::json!({"Images": [
            {"Id": "sha256:a", "Size": 100, "SharedSize": 30},
            {"Id": "sha256:b", "Size": 50, "SharedSize": 0}
        ]});
        let u = usage_from_df_images(&v).unwrap();
        assert_eq!((u[0].unique_size, u[0].shared_size), (70, 30));
        assert_eq!((u[1].unique_size, u[1].shared_size), (50, 0));
    }

    /// An engine that did not compute shared sizes (-1) must not yield "all unique".
    #[test]
    fn uncomputed_shared_size_falls_back() {
        let v = serde_json::json!({"Images": [{"Id": "sha256:a", "Size": 100, "SharedSize": -1}]});
        assert!(usage_from_df_images(&v).is_none());
    }

    fn img(id: &str, layers: &[(&str, i64)]) -> ImageLayers {
        (
            id.into(),
            layers.iter().map(|(l, s)| (l.to_string(), *s)).collect(),
        )
    }

    #[test]
    fn shared_layers_are_not_counted_as_unique_so_sizes_add_up() {
        let images = [
            img("a", &[("base", 100), ("a1", 10)]),
            img("b", &[("base", 100), ("b1", 5)]),
        ];
        let u = account_layers(&images);
        assert_eq!((u[0].unique_size, u[0].shared_size), (10, 100));
        assert_eq!((u[1].unique_size, u[1].shared_size), (5, 100));
        assert_eq!(layer_total(&images), 115);
    }

    #[test]
    fn only_layers_nobody_else_uses_count_as_freed() {
        let images = [
            img("a", &[("base", 100), ("a1", 10)]),
            img("b", &[("base", 100), ("b1", 5)]),
        ];
        let going = std::collections::HashSet::from(["a".to_owned()]);
        assert_eq!(freed_bytes(&images, &going), 10);
        let both = std::collections::HashSet::from(["a".to_owned(), "b".to_owned()]);
        assert_eq!(freed_bytes(&images, &both), 115);
    }

    #[test]
    fn docker_df_of_api_1_41_is_read_with_cli_reclaimable_rule() {
        let v = serde_json::json!({
            "LayersSize": 1000,
            "Images": [
                {"Id":"a","Size":600,"SharedSize":100,"Containers":1},
                {"Id":"b","Size":500,"SharedSize":100,"Containers":0}
            ],
            "Containers": [{"State":"exited","SizeRw":7}],
            "Volumes": [],
            "BuildCache": [{"Size": 30, "InUse": false, "Shared": false}]
        });
        let d = usage_from_engine_df(&v);
        assert_eq!(d.images.size, 1000);
        assert_eq!(d.images.reclaimable, 500);
        assert_eq!((d.containers.count, d.containers.reclaimable), (1, 7));
        assert_eq!(d.build_cache.reclaimable, 30);
    }
}
