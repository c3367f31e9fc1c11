//! Safe cleanup. A prune is a preview first — exactly which images would go, each with the
//! bytes only it holds, and which matching images stay and why — then a confirm that removes
//! exactly the ticked set by explicit removals, re-checking each image just before it goes.

pub mod build_cache;
pub mod pins_file;
mod plan;
#[cfg(test)]
mod props;
pub mod protection;

use crate::engine::Engine;
use crate::error::{Error, ErrorKind, Operation, Result};
use crate::images::{DeletedItem, ListOptions, PruneOptions, check_label, until_cutoff};
use crate::progress::{Progress, ProgressFn};
use crate::protection::Protection;
use plan::{PreciseCreated, plan_items, removal_order, select, space_for, tied_in_seconds};
use serde::{Deserialize, Serialize};
use std::collections::HashSet;
use std::path::Path;
use tokio_util::sync::CancellationToken;

/// A layer that only images of the preview use: it goes once none of them stays.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct PlanLayer {
    pub id: String,
    #[cfg_attr(feature = "specta", specta(type = f64))]
    pub size: i64,
}

/// One image the preview would delete, as it was seen when previewed.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct PlanItem {
    pub id: String,
    pub tags: Vec<String>,
    #[cfg_attr(feature = "specta", specta(type = f64))]
    pub created: i64,
    #[cfg_attr(feature = "specta", specta(type = f64))]
    pub size: i64,
    /// Bytes no other image holds: what deleting this one alone frees.
    #[cfg_attr(feature = "specta", specta(type = f64))]
    pub unique_size: i64,
    /// Its layers that no image outside the preview uses; what any ticked subset frees is
    /// the layers of the ticked items that no unticked item also has.
    pub layers: Vec<PlanLayer>,
}

/// Why an image the filters matched is not in the preview.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum KeepReason {
    /// Pinned by this pattern.
    Protected { pattern: String },
    /// Among the newest `keep` tags of `repository`; `tags` are this image's tags that rank
    /// among them (so a sheet can say which tag it kept).
    KeepNewest {
        repository: String,
        keep: u32,
        tags: Vec<String>,
    },
    /// Containers (running or stopped) were created from it.
    InUse {
        #[cfg_attr(feature = "specta", specta(type = f64))]
        containers: i64,
    },
    /// An image that stays is built on it; the engine would only untag it.
    NeededByKept,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct KeptItem {
    pub id: String,
    pub tags: Vec<String>,
    pub reason: KeepReason,
}

/// What a prune would delete; `prune --dry-run` prints this.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct PrunePlan {
    pub images: Vec<PlanItem>,
    /// Images the filters matched that stay, each with its reason.
    pub kept: Vec<KeptItem>,
    /// Bytes deleting every listed image frees (shared layers counted once, layers other
    /// images still use not at all).
    #[cfg_attr(feature = "specta", specta(type = f64))]
    pub space_to_reclaim: i64,
}

impl PrunePlan {
    /// Bytes freed by deleting only `ticked` of the listed images.
    pub fn space_for(&self, ticked: &HashSet<String>) -> i64 {
        space_for(&self.images, ticked)
    }
}

/// An image of the confirmed set that was not deleted, and why.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct SkippedItem {
    pub id: String,
    pub tags: Vec<String>,
    /// Why, in English (the CLI's words).
    pub reason: String,
    /// Why, as an error a front end can word in its language.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<Error>,
}

/// The confirm's result: `prune`'s shape plus what was predicted and what was skipped.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct PruneOutcome {
    pub images_deleted: Vec<DeletedItem>,
    /// Bytes the engine's image total went down by, measured before and after (the
    /// prediction when the engine could not be measured afterwards: see `measured`).
    #[cfg_attr(feature = "specta", specta(type = f64))]
    pub space_reclaimed: i64,
    pub measured: bool,
    /// Bytes the deleted images were to free, from their layers just before deleting.
    #[cfg_attr(feature = "specta", specta(type = f64))]
    pub predicted: i64,
    pub skipped: Vec<SkippedItem>,
    /// The tar the set was saved to first, if asked.
    pub saved_to: Option<String>,
}

impl Engine {
    /// What a prune would delete, deleting nothing: top-level images that are dangling (or,
    /// with `all`, every image no container uses), filtered by `until` and labels, minus
    /// pinned images, the newest `keep` tags of each repository and parents of images that
    /// stay — those are listed in `kept` with the reason.
    #[tracing::instrument(skip(self), err(level = "debug", Display))]
    pub async fn prune_plan(&self, options: &PruneOptions) -> Result<PrunePlan> {
        let protection = Protection::new(options.protect.iter().cloned())?;
        let cutoff = options.until.as_deref().map(until_cutoff).transpose()?;
        for l in &options.labels {
            check_label(l.strip_prefix('!').unwrap_or(l))?;
        }
        if options.keep.is_some() && !options.all {
            return Err(Error::of(ErrorKind::KeepNeedsAll));
        }
        // Both lists at once: on Podman each takes ~10 s at 1,000 images.
        let (top_options, everything_options) = (
            ListOptions::default(),
            ListOptions {
                all: true,
                ..Default::default()
            },
        );
        let (top_level, everything) =
            futures_util::try_join!(self.list(&top_options), self.list(&everything_options))?;
        let precise = match options.keep {
            Some(_) => self.precise_created(&tied_in_seconds(&top_level)).await?,
            None => PreciseCreated::new(),
        };
        let (going, kept) = select(
            &top_level,
            &everything,
            options,
            &protection,
            cutoff,
            &precise,
        );
        let per_image = if going.is_empty() {
            Vec::new()
        } else {
            // The layers of the images just listed, not of a third list.
            self.image_layers_of(top_level.clone()).await?
        };
        let images = plan_items(going, &per_image);
        let all: HashSet<String> = images.iter().map(|i| i.id.clone()).collect();
        Ok(PrunePlan {
            space_to_reclaim: space_for(&images, &all),
            images,
            kept,
        })
    }

    /// The engine's full-precision creation time of each of `ids` (inspect's RFC 3339
    /// `Created`, nanoseconds on Docker and Podman). One gone meanwhile is left out.
    async fn precise_created(&self, ids: &[String]) -> Result<PreciseCreated> {
        let mut out = PreciseCreated::new();
        for id in ids {
            let inspected = match self.inspect(id).await {
                Ok(v) => v,
                Err(e) if e.is_not_found() => continue,
                Err(e) => return Err(e),
            };
            let created = inspected["Created"].as_str().unwrap_or_default();
            match chrono::DateTime::parse_from_rfc3339(created) {
                Ok(t) => {
                    let nanos = i128::from(t.timestamp()) * 1_000_000_000
                        + i128::from(t.timestamp_subsec_nanos());
                    out.insert(id.clone(), nanos);
                }
                Err(e) => tracing::warn!(%id, created, error = %e, "unreadable creation time"),
            }
        }
        Ok(out)
    }

    /// Delete exactly `items` (a preview's ticked images), by explicit removals. Each image
    /// is re-read just before it goes: one that gained a tag, got a container or a pin since
    /// the preview stays and is reported in `skipped`. With `save_to`, the set is first saved
    /// to that tar (never over an existing file: the copy to keep must not cost another);
    /// a failed or cancelled save deletes nothing.
    #[tracing::instrument(skip(self, items, progress, cancel), fields(items = items.len()), err(level = "debug", Display))]
    pub async fn prune_exact(
        &self,
        items: &[PlanItem],
        protection: &Protection,
        save_to: Option<&Path>,
        progress: ProgressFn<'_>,
        cancel: &CancellationToken,
    ) -> Result<PruneOutcome> {
        if items.is_empty() {
            return Err(Error::of(ErrorKind::NothingTicked));
        }
        if let Some(path) = save_to {
            let refs: Vec<String> = items
                .iter()
                .flat_map(|i| {
                    if i.tags.is_empty() {
                        vec![i.id.clone()]
                    } else {
                        i.tags.clone()
                    }
                })
                .collect();
            let overwrite = crate::transfer::Overwrite::Refuse;
            self.save_as(&refs, path, overwrite, progress, cancel)
                .await
                .map_err(|e| e.during(Operation::SaveBeforeDelete))?;
        }
        let layers_before = self.image_layers().await?;
        let before = self.layer_bytes(Some(&layers_before)).await?;
        let mut outcome = PruneOutcome {
            images_deleted: Vec::new(),
            space_reclaimed: 0,
            measured: true,
            predicted: 0,
            skipped: Vec::new(),
            saved_to: save_to.map(|p| p.display().to_string()),
        };
        let everything = self
            .list(&ListOptions {
                all: true,
                ..Default::default()
            })
            .await?;
        for item in removal_order(items, &everything) {
            if cancel.is_cancelled() {
                outcome
                    .skipped
                    .push(skipped(item, Error::of(ErrorKind::CancelledBeforeRemoval)));
                continue;
            }
            let before = outcome.images_deleted.len();
            match self
                .remove_as_previewed(item, protection, &mut outcome)
                .await
            {
                Ok(()) => {}
                // The engine is gone or stalled: what is left cannot be judged, and a run
                // that did not delete what was asked must not look like one that did.
                Err(e) if is_engine_failure(&e) => {
                    let what = Operation::Delete {
                        image: item.tags.first().unwrap_or(&item.id).clone(),
                    };
                    return Err(stopped(self.lost(&what, e), &outcome, items.len()));
                }
                Err(e) if e.is_not_found() => {
                    if !outcome
                        .images_deleted
                        .iter()
                        .any(|d| d.deleted.as_deref() == Some(item.id.as_str()))
                    {
                        outcome
                            .skipped
                            .push(skipped(item, Error::of(ErrorKind::AlreadyGone)));
                    }
                }
                Err(e) => outcome.skipped.push(skipped(item, e)),
            }
            for d in &outcome.images_deleted[before..] {
                let line = match (&d.untagged, &d.deleted) {
                    (Some(u), _) => format!("Untagged: {u}"),
                    (_, Some(d)) => format!("Deleted: {d}"),
                    _ => continue,
                };
                progress(Progress::Message { line });
            }
        }
        // The prediction for what really went: skipped images keep their layers.
        let kept: HashSet<&str> = outcome.skipped.iter().map(|s| s.id.as_str()).collect();
        let gone: HashSet<String> = items
            .iter()
            .filter(|i| !kept.contains(i.id.as_str()))
            .map(|i| i.id.clone())
            .collect();
        outcome.predicted = crate::system::freed_bytes(&layers_before, &gone);
        // The deletions are done: a df that cannot be read now must not lose their report.
        match self.layer_bytes(None).await {
            Ok(after) => outcome.space_reclaimed = (before - after).max(0),
            Err(e) => {
                tracing::warn!(error = %e, "disk usage after the prune unavailable");
                outcome.measured = false;
                outcome.space_reclaimed = outcome.predicted;
            }
        }
        Ok(outcome)
    }

    /// Remove one previewed image if it is still what was previewed.
    async fn remove_as_previewed(
        &self,
        item: &PlanItem,
        protection: &Protection,
        outcome: &mut PruneOutcome,
    ) -> Result<()> {
        let now = self.get(&item.id).await?;
        if let Some(p) = protection.matching(&now.id, &now.tags) {
            return Err(Error::of(ErrorKind::PinnedSince { pattern: p.into() }));
        }
        if let Some(new) = now.tags.iter().find(|t| !item.tags.contains(t)) {
            return Err(Error::of(ErrorKind::TaggedSince { tag: new.clone() }));
        }
        let users = self.containers_using(&item.id).await?;
        if !users.is_empty() {
            return Err(Error::of(ErrorKind::UsedSince {
                container: users[0].name.clone(),
            }));
        }
        let mut record = |r: crate::images::RemoveResult| {
            outcome.images_deleted.extend(r.into_deleted_items());
        };
        // By name, without force: a tag added between these calls makes the engine untag
        // rather than delete, so nothing unpreviewed can go.
        for tag in &now.tags {
            record(self.remove(tag, false, false).await?);
        }
        match self.get(&item.id).await {
            Err(e) if e.is_not_found() => Ok(()),
            Err(e) => Err(e),
            Ok(left) if !left.tags.is_empty() => Err(Error::of(ErrorKind::TaggedSince {
                tag: left.tags[0].clone(),
            })),
            // Untagged but still here (digest references, or never tagged): by ID, still
            // without force, so a container or child image keeps it.
            Ok(_) => {
                record(self.remove(&item.id, false, false).await?);
                Ok(())
            }
        }
    }

    /// `remove`, unless a pin protects the image: bulk delete goes through here.
    #[tracing::instrument(skip(self), err(level = "debug", Display))]
    pub async fn remove_unless_protected(
        &self,
        image: &str,
        force: bool,
        noprune: bool,
        protection: &Protection,
    ) -> Result<crate::images::RemoveResult> {
        if !protection.is_empty() {
            let now = self.get(image).await?;
            if let Some(p) = protection.matching(&now.id, &now.tags) {
                return Err(Error::of(ErrorKind::ImagePinned {
                    image: image.to_owned(),
                    pattern: p.into(),
                }));
            }
        }
        self.remove(image, force, noprune).await
    }
}

/// The engine stopped answering (503) or stalled (504): not a reason to skip one image.
fn is_engine_failure(e: &Error) -> bool {
    matches!(e.code, 503 | 504)
}

/// The error of a prune the engine broke off, saying what was deleted before it did.
fn stopped(e: Error, outcome: &PruneOutcome, asked: usize) -> Error {
    let deleted = outcome
        .images_deleted
        .iter()
        .filter_map(|d| d.deleted.clone())
        .collect();
    let untagged = outcome
        .images_deleted
        .iter()
        .filter_map(|d| d.untagged.clone())
        .collect();
    Error::of(ErrorKind::PruneStopped {
        asked: u32::try_from(asked).unwrap_or(u32::MAX),
        deleted,
        untagged,
        cause: e,
    })
}

fn skipped(item: &PlanItem, why: Error) -> SkippedItem {
    SkippedItem {
        id: item.id.clone(),
        tags: item.tags.clone(),
        reason: why.message.clone(),
        error: Some(why),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_prune_the_engine_broke_off_says_what_went_before_it_did() {
        let outcome = PruneOutcome {
            images_deleted: vec![
                DeletedItem {
                    untagged: Some("a:1".into()),
                    deleted: None,
                },
                DeletedItem {
                    untagged: None,
                    deleted: Some("sha256:aa".into()),
                },
            ],
            space_reclaimed: 0,
            measured: false,
            predicted: 0,
            skipped: vec![],
            saved_to: None,
        };
        let e = stopped(
            Error::unavailable("the engine at unix:///e stopped"),
            &outcome,
            3,
        );
        assert_eq!(e.code, 503);
        assert!(
            e.message
                .starts_with("The prune stopped: 1 of 3 images were deleted (sha256:aa), untagged: a:1; then the engine at unix:///e stopped"),
            "{}",
            e.message
        );
        assert!(is_engine_failure(&Error::timeout("stalled")));
        assert!(!is_engine_failure(&Error::conflict("in use")));
    }
}
