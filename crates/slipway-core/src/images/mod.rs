//! Local image operations: list, get, inspect, history, remove, prune; naming in `tag`,
//! removal plans in `remove_*`, registry search and data in `search`.

mod remove_plan;
mod remove_rules;
mod remove_run;
mod search;
mod tag;

pub use crate::cleanup::PrunePlan;
use crate::engine::Engine;
use crate::error::{Error, ErrorKind, Operation, Result};
use crate::reference::validate_image_ref;
use bollard::query_parameters::{
    ListContainersOptionsBuilder, ListImagesOptions, PruneImagesOptions, RemoveImageOptions,
};
pub use remove_plan::{
    ImageRemoval, Refusal, RefusalReason, RemovalPlan, RemovalRequest, RemoveStep, Resolver,
    plan_removal, resolve,
};
pub use remove_rules::{EngineModel, ModelContainer, ModelImage, Target};
pub use remove_run::{ContainerConsent, ImageOutcome, RemovalReport};
pub use search::{RegistryData, SearchOptions, SearchResult};
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, HashMap, HashSet};
pub use tag::{MovePolicy, TagHolder, TagOutcome};

mod filters;
mod history;
mod layers;
mod quick;
pub use filters::{
    MAX_DURATION_SECS, build_cache_until, check_filter, check_label, check_search_limit,
    parse_duration, parse_filter, until_cutoff,
};
use history::history_rows;

/// One row of `list` — `{"id","tags"}` plus what a grid shows.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct ImageSummary {
    pub id: String,
    pub tags: Vec<String>,
    pub digests: Vec<String>,
    pub parent_id: String,
    /// Unix seconds.
    #[cfg_attr(feature = "specta", specta(type = f64))]
    pub created: i64,
    #[cfg_attr(feature = "specta", specta(type = f64))]
    pub size: i64,
    /// Bytes shared with other images; -1 where the engine did not compute it.
    #[cfg_attr(feature = "specta", specta(type = f64))]
    pub shared_size: i64,
    /// Containers (running or not) created from this image.
    #[cfg_attr(feature = "specta", specta(type = f64))]
    pub containers: i64,
    pub labels: BTreeMap<String, String>,
}

impl ImageSummary {
    pub fn is_dangling(&self) -> bool {
        self.tags.is_empty()
    }
}

/// A container created from an image (details view: "containers using it").
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct ContainerRef {
    pub id: String,
    pub name: String,
    /// `running`, `exited`, `created`, …
    pub state: String,
    /// The engine's human text ("Exited (0) 2 minutes ago").
    pub status: String,
}

/// `get` — `{"id","tags"}` plus the summary a details view shows.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct ImageDetails {
    pub id: String,
    pub tags: Vec<String>,
    pub digests: Vec<String>,
    pub parent: String,
    pub created: String,
    pub author: String,
    pub comment: String,
    pub os: String,
    pub architecture: String,
    #[cfg_attr(feature = "specta", specta(type = f64))]
    pub size: i64,
    pub labels: BTreeMap<String, String>,
    pub env: Vec<String>,
    pub cmd: Vec<String>,
    pub entrypoint: Vec<String>,
    pub working_dir: String,
    pub user: String,
    pub exposed_ports: Vec<String>,
    pub layers: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct HistoryEntry {
    pub id: String,
    #[cfg_attr(feature = "specta", specta(type = f64))]
    pub created: i64,
    pub created_by: String,
    #[cfg_attr(feature = "specta", specta(type = f64))]
    pub size: i64,
    pub tags: Vec<String>,
    pub comment: String,
    /// Metadata-only steps (ENV, CMD …) add no layer.
    pub empty_layer: bool,
}

/// `remove` — `{"result":"success"}` plus what the engine untagged and deleted.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct RemoveResult {
    pub result: String,
    pub untagged: Vec<String>,
    pub deleted: Vec<String>,
    /// Containers deleted with the image (Podman's force, when the user agreed).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub containers_deleted: Vec<String>,
}

impl RemoveResult {
    /// The same removal as `prune` reports it: untagged names, then deleted IDs.
    pub fn into_deleted_items(self) -> impl Iterator<Item = DeletedItem> {
        let untagged = self.untagged.into_iter().map(|u| DeletedItem {
            deleted: None,
            untagged: Some(u),
        });
        let deleted = self.deleted.into_iter().map(|d| DeletedItem {
            deleted: Some(d),
            untagged: None,
        });
        untagged.chain(deleted)
    }
}

/// One entry of `images_deleted`, spelled as the engine spells it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct DeletedItem {
    #[serde(rename = "Deleted", skip_serializing_if = "Option::is_none", default)]
    pub deleted: Option<String>,
    #[serde(rename = "Untagged", skip_serializing_if = "Option::is_none", default)]
    pub untagged: Option<String>,
}

/// `prune` — `{"images_deleted":[{"Deleted":..}],"space_reclaimed":N}`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct PruneResult {
    pub images_deleted: Vec<DeletedItem>,
    #[cfg_attr(feature = "specta", specta(type = f64))]
    pub space_reclaimed: i64,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct ListOptions {
    /// Include intermediate images.
    pub all: bool,
    pub digests: bool,
    /// Engine filters: `dangling=true`, `label=k=v`, `before=img`, `since=img`, `reference=pat`.
    pub filters: Vec<(String, String)>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct PruneOptions {
    /// All unused images, not only dangling ones.
    pub all: bool,
    /// Only images created before this (a Go duration like `24h` or a timestamp).
    pub until: Option<String>,
    /// `label=k=v` / `label!=k=v` filters, as `k=v` or `!k=v`.
    pub labels: Vec<String>,
    /// Keep the newest N tags of each repository (with `all`).
    #[serde(default)]
    pub keep: Option<u32>,
    /// Pins: images these patterns match are never pruned (see [`crate::protection`]).
    #[serde(default)]
    pub protect: Vec<String>,
}

/// Engines report "<none>:<none>" for untagged images; that is no tag at all.
fn real_names(names: Vec<String>) -> Vec<String> {
    names
        .into_iter()
        .filter(|t| !t.starts_with("<none>"))
        .collect()
}

fn to_filter_map(pairs: &[(String, String)]) -> HashMap<String, Vec<String>> {
    let mut map: HashMap<String, Vec<String>> = HashMap::new();
    for (k, v) in pairs {
        map.entry(k.clone()).or_default().push(v.clone());
    }
    map
}

impl Engine {
    /// `list()`: images as the engine reports them, with container counts filled in.
    #[tracing::instrument(skip(self), err(level = "debug", Display))]
    pub async fn list(&self, options: &ListOptions) -> Result<Vec<ImageSummary>> {
        // `until` is applied here, as prune reads it: Docker before API 1.47 refuses it in a
        // list ("Invalid filter 'until'"), and it is one rule on every engine this way.
        let mut cutoff: Option<i64> = None;
        let mut filters = Vec::new();
        for (k, v) in &options.filters {
            check_filter(k, v)?;
            if k == "until" {
                let c = until_cutoff(v)?;
                cutoff = Some(cutoff.map_or(c, |o| o.min(c)));
            } else {
                filters.push((k.clone(), v.clone()));
            }
        }
        let podman = self.is_podman();
        let opts = ListImagesOptions {
            all: options.all,
            // Podman answers `digests=true` with an empty body; its RepoDigests come anyway.
            digests: options.digests && !podman,
            filters: (!filters.is_empty()).then(|| to_filter_map(&filters)),
            shared_size: self.api_at_least(1, 42),
            manifests: false,
        };
        let images = self
            .api
            .list_images(Some(opts))
            .await
            .map_err(Error::from)?;
        let usage = self.containers_per_image().await?;
        let mut images = images;
        if podman {
            // Docker lists newest first; Podman oldest first (a stable sort keeps ties).
            images.sort_by_key(|i| std::cmp::Reverse(i.created));
        }
        Ok(images
            .into_iter()
            .filter(|i| cutoff.is_none_or(|c| i.created < c))
            .map(|i| ImageSummary {
                containers: usage.get(&i.id).copied().unwrap_or(0),
                id: i.id,
                tags: real_names(i.repo_tags),
                digests: real_names(i.repo_digests),
                parent_id: i.parent_id,
                created: i.created,
                size: i.size,
                // Podman computes no shared size and says 0; Docker says -1 for "not computed".
                shared_size: if podman { -1 } else { i.shared_size },
                labels: i.labels.into_iter().collect(),
            })
            .collect())
    }

    /// Image ID → number of containers using it. Engines before API 1.42 report -1 in
    /// the image list, so count from the container list instead.
    #[tracing::instrument(skip(self), level = "debug")]
    pub(crate) async fn containers_per_image(&self) -> Result<HashMap<String, i64>> {
        let opts = ListContainersOptionsBuilder::default().all(true).build();
        let containers = self
            .api
            .list_containers(Some(opts))
            .await
            .map_err(Error::from)?;
        let mut map = HashMap::new();
        for c in containers {
            if let Some(id) = c.image_id {
                *map.entry(full_id(&id)).or_insert(0) += 1;
            }
        }
        Ok(map)
    }

    /// Containers (running or not) created from this image — exactly it, not images built
    /// on top of it (the engine's `ancestor` filter would include those).
    #[tracing::instrument(skip(self), err(level = "debug", Display))]
    pub async fn containers_using(&self, image: &str) -> Result<Vec<ContainerRef>> {
        let inspected = self.inspect(image).await?;
        let id = full_id(inspected["Id"].as_str().unwrap_or_default());
        let opts = ListContainersOptionsBuilder::default().all(true).build();
        let containers = self
            .api
            .list_containers(Some(opts))
            .await
            .map_err(Error::from)?;
        Ok(containers
            .into_iter()
            .filter(|c| c.image_id.as_deref().map(full_id).as_deref() == Some(&*id))
            .map(|c| ContainerRef {
                id: c.id.unwrap_or_default(),
                name: c
                    .names
                    .unwrap_or_default()
                    .first()
                    .map(|n| n.trim_start_matches('/').to_owned())
                    .unwrap_or_default(),
                state: c.state.map(|s| s.to_string()).unwrap_or_default(),
                status: c.status.unwrap_or_default(),
            })
            .collect())
    }

    /// `get(image_id)`: one image by ID, short ID or reference. Missing → 404.
    #[tracing::instrument(skip(self), err(level = "debug", Display))]
    pub async fn get(&self, image: &str) -> Result<ImageDetails> {
        let i = self.inspect(image).await?;
        let s = |v: &serde_json::Value| v.as_str().unwrap_or_default().to_owned();
        let strings = |v: &serde_json::Value| -> Vec<String> {
            v.as_array()
                .map(|a| a.iter().map(s).collect())
                .unwrap_or_default()
        };
        let keys = |v: &serde_json::Value| -> Vec<String> {
            v.as_object()
                .map(|o| o.keys().cloned().collect())
                .unwrap_or_default()
        };
        let config = &i["Config"];
        Ok(ImageDetails {
            id: s(&i["Id"]),
            tags: real_names(strings(&i["RepoTags"])),
            digests: real_names(strings(&i["RepoDigests"])),
            parent: s(&i["Parent"]),
            created: s(&i["Created"]),
            author: s(&i["Author"]),
            comment: s(&i["Comment"]),
            os: s(&i["Os"]),
            architecture: s(&i["Architecture"]),
            size: i["Size"].as_i64().unwrap_or_default(),
            labels: config["Labels"]
                .as_object()
                .map(|o| o.iter().map(|(k, v)| (k.clone(), s(v))).collect())
                .unwrap_or_default(),
            env: strings(&config["Env"]),
            cmd: strings(&config["Cmd"]),
            entrypoint: strings(&config["Entrypoint"]),
            working_dir: s(&config["WorkingDir"]),
            user: s(&config["User"]),
            exposed_ports: keys(&config["ExposedPorts"]),
            layers: strings(&i["RootFS"]["Layers"]),
        })
    }

    /// The engine's full inspect document, for a raw JSON view. Read raw where possible:
    /// bollard's model is the newest API's and drops fields older engines send (`Parent` …).
    #[tracing::instrument(skip(self), err(level = "debug", Display))]
    pub async fn inspect(&self, image: &str) -> Result<serde_json::Value> {
        validate_image_ref(image)?;
        match self
            .raw_json("GET", &format!("/images/{image}/json"), None)
            .await
        {
            Ok(v) => return Ok(v),
            Err(e) if e.is_not_found() => {
                return Err(Error::of(ErrorKind::ImageNotFound {
                    image: image.into(),
                }));
            }
            Err(e) if e.code != 501 => return Err(e),
            Err(_) => {}
        }
        let i = self
            .api
            .inspect_image(image)
            .await
            .map_err(|e| missing(image, e))?;
        serde_json::to_value(i).map_err(Error::unexpected)
    }

    /// One row per history step, newest first (as `docker history`). Read raw where possible:
    /// over the engine's kept-alive connections (a walk over every image asks this of each).
    #[tracing::instrument(skip(self), err(level = "debug", Display))]
    pub async fn history(&self, image: &str) -> Result<Vec<HistoryEntry>> {
        validate_image_ref(image)?;
        match self
            .raw_json("GET", &format!("/images/{image}/history"), None)
            .await
        {
            Ok(v) => return history_rows(&v, image),
            Err(e) if e.is_not_found() => {
                return Err(Error::of(ErrorKind::ImageNotFound {
                    image: image.into(),
                }));
            }
            Err(e) if e.code != 501 => return Err(e),
            Err(_) => {}
        }
        let rows = self
            .api
            .image_history(image)
            .await
            .map_err(|e| missing(image, e))?;
        Ok(rows
            .into_iter()
            .map(|h| HistoryEntry {
                empty_layer: h.size == 0,
                id: h.id,
                created: h.created,
                created_by: h.created_by,
                size: h.size,
                tags: real_names(h.tags),
                comment: h.comment,
            })
            .collect())
    }

    /// `remove(image_id)`: 404 when missing, 409 when a container uses it (unless `force`).
    #[tracing::instrument(skip(self), err(level = "debug", Display))]
    pub async fn remove(&self, image: &str, force: bool, noprune: bool) -> Result<RemoveResult> {
        validate_image_ref(image)?;
        let opts = RemoveImageOptions {
            force,
            noprune,
            platforms: None,
        };
        let items = match self.api.remove_image(image, Some(opts), None).await {
            Ok(items) => items,
            Err(e) => return Err(self.removal_error(image, missing(image, e)).await),
        };
        Ok(RemoveResult {
            result: "success".into(),
            untagged: items.iter().filter_map(|i| i.untagged.clone()).collect(),
            deleted: items
                .iter()
                .filter_map(|i| i.deleted.as_deref().map(full_id))
                .collect(),
            containers_deleted: Vec::new(),
        })
    }

    /// Podman refuses an ID with several names as a 500 ("please force removal"); Docker
    /// with a 409. Both become the refusal the removal plan gives for it.
    async fn removal_error(&self, image: &str, e: Error) -> Error {
        if !(self.is_podman() && e.code == 500 && e.message.contains("please force removal")) {
            return e;
        }
        let names = match self.get(image).await {
            Ok(d) => d.tags,
            Err(_) => return e.with_code(409),
        };
        let reason = RefusalReason::SeveralNames { names };
        remove_plan::refusal(crate::EngineKind::Podman, image, reason, true).to_error()
    }

    /// `prune()`: delete unused images. Docker prunes itself; Podman's compat prune fails
    /// with `dangling=false` (HTTP 500), so "all" there is done as explicit removals.
    #[tracing::instrument(skip(self), err(level = "debug", Display))]
    pub async fn prune(&self, options: &PruneOptions) -> Result<PruneResult> {
        if self.is_podman() && options.all {
            return self.prune_by_removal(options).await;
        }
        let mut filters: Vec<(String, String)> =
            vec![("dangling".into(), (!options.all).to_string())];
        if let Some(u) = &options.until {
            // As unix seconds: the engine reads no `d` and would wrap nothing we refused.
            filters.push(("until".into(), until_cutoff(u)?.to_string()));
        }
        for l in &options.labels {
            check_label(l.strip_prefix('!').unwrap_or(l))?;
            match l.strip_prefix('!') {
                Some(neg) => filters.push(("label!".into(), neg.to_owned())),
                None => filters.push(("label".into(), l.clone())),
            }
        }
        let opts = PruneImagesOptions {
            filters: Some(to_filter_map(&filters)),
        };
        let r = self
            .api
            .prune_images(Some(opts))
            .await
            .map_err(Error::from)?;
        Ok(PruneResult {
            images_deleted: r
                .images_deleted
                .unwrap_or_default()
                .into_iter()
                .map(|i| DeletedItem {
                    deleted: i.deleted.as_deref().map(full_id),
                    untagged: i.untagged,
                })
                .collect(),
            space_reclaimed: r.space_reclaimed.unwrap_or_default(),
        })
    }

    /// Remove exactly the planned images one by one; used where the engine's prune can't.
    async fn prune_by_removal(&self, options: &PruneOptions) -> Result<PruneResult> {
        let plan = self.prune_plan(options).await?;
        let mut result = PruneResult {
            images_deleted: Vec::new(),
            space_reclaimed: 0,
        };
        for image in &plan.images {
            // Several names on one image: remove by ID with force so all names go at once,
            // which is what prune does; an image used by a container was filtered out already.
            match self.remove(&image.id, true, false).await {
                Ok(r) => {
                    result.space_reclaimed += image.size;
                    result.images_deleted.extend(r.into_deleted_items());
                }
                // Gone in the meantime (removed with a parent): nothing left to do.
                Err(e) if e.is_not_found() => {}
                Err(e) => {
                    return Err(e.during(Operation::Remove {
                        image: image.id.clone(),
                    }));
                }
            }
        }
        Ok(result)
    }

    /// IDs of every image the engine holds (top level), for cross-checks and set differences.
    pub async fn image_ids(&self) -> Result<HashSet<String>> {
        Ok(self
            .list(&ListOptions::default())
            .await?
            .into_iter()
            .map(|i| i.id)
            .collect())
    }
}

/// Podman reports deleted IDs as bare hex; Docker and every list use `sha256:<hex>`.
fn full_id(id: &str) -> String {
    if id.len() == 64 && id.chars().all(|c| c.is_ascii_hexdigit()) {
        format!("sha256:{id}")
    } else {
        id.to_owned()
    }
}

/// A 404 from the engine becomes a sentence naming what was asked for.
pub(crate) fn missing(image: &str, e: bollard::errors::Error) -> Error {
    let e = Error::from(e);
    if e.is_not_found() {
        Error::of(ErrorKind::ImageNotFound {
            image: image.into(),
        })
    } else {
        e
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn none_tags_are_not_names_so_dangling_images_show_no_tag() {
        assert!(real_names(vec!["<none>:<none>".into()]).is_empty());
        assert_eq!(real_names(vec!["a:1".into()]), vec!["a:1".to_owned()]);
    }

    #[test]
    fn bare_hex_ids_from_podman_get_the_algorithm_prefix() {
        let hex = "4eae18d6b0541fda7dd801fc9bd514c9d5691bc62354a94e5efecc0808ae9589";
        assert_eq!(full_id(hex), format!("sha256:{hex}"));
        assert_eq!(full_id(&format!("sha256:{hex}")), format!("sha256:{hex}"));
    }

    #[test]
    fn prune_items_serialise_with_the_engine_spelling() {
        let r = PruneResult {
            images_deleted: vec![DeletedItem {
                deleted: Some("sha256:1".into()),
                untagged: None,
            }],
            space_reclaimed: 7,
        };
        assert_eq!(
            serde_json::to_value(&r).unwrap(),
            serde_json::json!({"images_deleted":[{"Deleted":"sha256:1"}],"space_reclaimed":7})
        );
    }
}
