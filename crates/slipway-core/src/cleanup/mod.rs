//! Safe cleanup. A prune is a preview first — exactly which images would go, each with the
//! bytes only it holds, and which matching images stay and why — then a confirm that removes
//! exactly the ticked set by explicit removals, re-checking each image just before it goes.

pub mod build_cache;
pub mod protection;

use crate::engine::Engine;
use crate::error::{Error, Result};
use crate::images::{
    DeletedItem, ImageSummary, ListOptions, PruneOptions, check_label, until_cutoff,
};
use crate::progress::ProgressFn;
use crate::protection::{Protection, repository};
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, HashMap, HashSet};
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
    /// Among the newest `keep` tags of `repository`.
    KeepNewest { repository: String, keep: u32 },
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
    pub reason: String,
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

/// Layers → bytes freed when `ticked` go and every other listed image stays.
fn space_for(items: &[PlanItem], ticked: &HashSet<String>) -> i64 {
    let staying: HashSet<&str> = items
        .iter()
        .filter(|i| !ticked.contains(&i.id))
        .flat_map(|i| i.layers.iter().map(|l| l.id.as_str()))
        .collect();
    let mut going: HashMap<&str, i64> = HashMap::new();
    for item in items.iter().filter(|i| ticked.contains(&i.id)) {
        for l in item
            .layers
            .iter()
            .filter(|l| !staying.contains(l.id.as_str()))
        {
            going.insert(&l.id, l.size);
        }
    }
    going.values().sum()
}

/// Candidates that "keep the newest N tags of each repository" spares, with the repository.
/// Every tag of a repository ranks, in use or not: "newest 3" means the three newest.
fn kept_as_newest(
    everything: &[ImageSummary],
    candidates: &[&ImageSummary],
    keep: u32,
) -> HashMap<String, String> {
    let mut by_repo: BTreeMap<&str, Vec<(i64, &str, &str)>> = BTreeMap::new();
    for image in everything {
        for tag in &image.tags {
            by_repo
                .entry(repository(tag))
                .or_default()
                .push((image.created, tag, &image.id));
        }
    }
    let wanted: HashSet<&str> = candidates.iter().map(|c| c.id.as_str()).collect();
    let mut kept = HashMap::new();
    for (repo, mut tags) in by_repo {
        // Newest first; equal seconds fall back to the tag, so the order is stable.
        tags.sort_by(|a, b| b.0.cmp(&a.0).then(b.1.cmp(a.1)));
        for (_, _, id) in tags.into_iter().take(keep as usize) {
            if wanted.contains(id) {
                kept.entry(id.to_owned()).or_insert_with(|| repo.to_owned());
            }
        }
    }
    kept
}

/// IDs of every ancestor of an image that is not among `going`.
fn ancestors_of_kept(all: &[ImageSummary], going: &HashSet<&str>) -> HashSet<String> {
    let parent: HashMap<&str, &str> = all
        .iter()
        .map(|i| (i.id.as_str(), i.parent_id.as_str()))
        .collect();
    let mut kept = HashSet::new();
    for image in all.iter().filter(|i| !going.contains(i.id.as_str())) {
        let mut at = parent.get(image.id.as_str()).copied().unwrap_or_default();
        // Stop at the root or at an ancestor already walked from another image.
        while !at.is_empty() && kept.insert(at.to_owned()) {
            at = parent.get(at).copied().unwrap_or_default();
        }
    }
    kept
}

/// `key` or `key=value` against an image's labels, as the engine's label filter reads it.
fn label_matches(labels: &BTreeMap<String, String>, filter: &str) -> bool {
    match filter.split_once('=') {
        Some((k, v)) => labels.get(k).is_some_and(|x| x == v),
        None => labels.contains_key(filter),
    }
}

/// The pure part of a preview: which images match, which of those stay and why.
fn select(
    top_level: &[ImageSummary],
    everything: &[ImageSummary],
    options: &PruneOptions,
    protection: &Protection,
    cutoff: Option<i64>,
) -> (Vec<ImageSummary>, Vec<KeptItem>) {
    let matched: Vec<&ImageSummary> = top_level
        .iter()
        .filter(|i| options.all || i.is_dangling())
        .filter(|i| cutoff.is_none_or(|c| i.created < c))
        .filter(|i| {
            options.labels.iter().all(|l| match l.strip_prefix('!') {
                Some(neg) => !label_matches(&i.labels, neg),
                None => label_matches(&i.labels, l),
            })
        })
        .collect();
    let newest = match options.keep {
        Some(n) => kept_as_newest(top_level, &matched, n),
        None => HashMap::new(),
    };
    let mut kept = Vec::new();
    let mut going: Vec<&ImageSummary> = Vec::new();
    for image in matched {
        let reason = if let Some(pattern) = protection.matching(&image.id, &image.tags) {
            Some(KeepReason::Protected {
                pattern: pattern.to_owned(),
            })
        } else if image.containers > 0 {
            Some(KeepReason::InUse {
                containers: image.containers,
            })
        } else {
            newest.get(&image.id).map(|repo| KeepReason::KeepNewest {
                repository: repo.clone(),
                keep: options.keep.unwrap_or_default(),
            })
        };
        match reason {
            Some(reason) => kept.push(KeptItem {
                id: image.id.clone(),
                tags: image.tags.clone(),
                reason,
            }),
            None => going.push(image),
        }
    }
    // An image that is the parent of one that stays is only untagged by the engine, never
    // deleted: it is not something this prune frees. Dropping one can make its own parent
    // needed in turn, hence the loop.
    loop {
        let ids: HashSet<&str> = going.iter().map(|i| i.id.as_str()).collect();
        let needed = ancestors_of_kept(everything, &ids);
        let (stay, go): (Vec<&ImageSummary>, Vec<&ImageSummary>) =
            going.into_iter().partition(|i| needed.contains(&i.id));
        going = go;
        if stay.is_empty() {
            break;
        }
        kept.extend(stay.into_iter().map(|i| KeptItem {
            id: i.id.clone(),
            tags: i.tags.clone(),
            reason: KeepReason::NeededByKept,
        }));
    }
    let mut going: Vec<ImageSummary> = going.into_iter().cloned().collect();
    going.sort_by(|a, b| b.created.cmp(&a.created).then(a.id.cmp(&b.id)));
    kept.sort_by(|a, b| a.id.cmp(&b.id));
    (going, kept)
}

/// Per going image: bytes only it holds, and its layers no staying image uses.
fn plan_items(going: Vec<ImageSummary>, per_image: &[crate::system::ImageLayers]) -> Vec<PlanItem> {
    let ids: HashSet<&str> = going.iter().map(|i| i.id.as_str()).collect();
    let mut users: HashMap<&str, usize> = HashMap::new();
    let mut used_by_staying: HashSet<&str> = HashSet::new();
    for (id, layers) in per_image {
        for (l, _) in layers {
            *users.entry(l).or_default() += 1;
            if !ids.contains(id.as_str()) {
                used_by_staying.insert(l);
            }
        }
    }
    let layers_of: HashMap<&str, &Vec<(String, i64)>> =
        per_image.iter().map(|(id, l)| (id.as_str(), l)).collect();
    going
        .into_iter()
        .map(|image| {
            let own = layers_of.get(image.id.as_str()).copied();
            let own = own.map(Vec::as_slice).unwrap_or_default();
            // A layer listed twice in one image (same diff twice) still has one user.
            let mut seen = HashSet::new();
            let mine: Vec<&(String, i64)> = own.iter().filter(|(l, _)| seen.insert(l)).collect();
            PlanItem {
                unique_size: mine
                    .iter()
                    .filter(|(l, _)| users.get(l.as_str()) == Some(&1))
                    .map(|(_, s)| s)
                    .sum(),
                layers: mine
                    .iter()
                    .filter(|(l, _)| !used_by_staying.contains(l.as_str()))
                    .map(|(l, s)| PlanLayer {
                        id: l.clone(),
                        size: *s,
                    })
                    .collect(),
                id: image.id,
                tags: image.tags,
                created: image.created,
                size: image.size,
            }
        })
        .collect()
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
            return Err(Error::bad_request(
                "\"Keep the newest N tags\" applies to tagged images: use it with \"all unused\".",
            ));
        }
        let top_level = self.list(&ListOptions::default()).await?;
        let everything = self
            .list(&ListOptions {
                all: true,
                ..Default::default()
            })
            .await?;
        let (going, kept) = select(&top_level, &everything, options, &protection, cutoff);
        let per_image = if going.is_empty() {
            Vec::new()
        } else {
            self.image_layers().await?
        };
        let images = plan_items(going, &per_image);
        let all: HashSet<String> = images.iter().map(|i| i.id.clone()).collect();
        Ok(PrunePlan {
            space_to_reclaim: space_for(&images, &all),
            images,
            kept,
        })
    }

    /// Delete exactly `items` (a preview's ticked images), by explicit removals. Each image
    /// is re-read just before it goes: one that gained a tag, got a container or a pin since
    /// the preview stays and is reported in `skipped`. With `save_to`, the set is first saved
    /// to that tar; a failed or cancelled save deletes nothing.
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
            return Err(Error::bad_request("Tick at least one image to delete."));
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
            self.save(&refs, path, progress, cancel)
                .await
                .map_err(|e| e.context("Saving before deleting; nothing was deleted"))?;
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
        // Children before parents (newer first), so a parent is free to go when its turn comes.
        let mut order: Vec<&PlanItem> = items.iter().collect();
        order.sort_by_key(|i| std::cmp::Reverse(i.created));
        for item in order {
            if cancel.is_cancelled() {
                outcome
                    .skipped
                    .push(skipped(item, "Cancelled before it was removed."));
                continue;
            }
            match self
                .remove_as_previewed(item, protection, &mut outcome)
                .await
            {
                Ok(()) => {}
                Err(e) if e.is_not_found() => {
                    if !outcome
                        .images_deleted
                        .iter()
                        .any(|d| d.deleted.as_deref() == Some(item.id.as_str()))
                    {
                        outcome.skipped.push(skipped(item, "Already gone."));
                    }
                }
                Err(e) => outcome.skipped.push(skipped(item, &e.message)),
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
            return Err(Error::conflict(format!("Pinned by \"{p}\".")));
        }
        if let Some(new) = now.tags.iter().find(|t| !item.tags.contains(t)) {
            return Err(Error::conflict(format!("Tagged {new} after the preview.")));
        }
        let users = self.containers_using(&item.id).await?;
        if !users.is_empty() {
            return Err(Error::conflict(format!(
                "Used by container {} since the preview.",
                users[0].name
            )));
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
            Ok(left) if !left.tags.is_empty() => Err(Error::conflict(format!(
                "Tagged {} after the preview.",
                left.tags[0]
            ))),
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
                return Err(Error::conflict(format!(
                    "{image} is pinned by \"{p}\": unpin it to delete it."
                )));
            }
        }
        self.remove(image, force, noprune).await
    }
}

fn skipped(item: &PlanItem, reason: &str) -> SkippedItem {
    SkippedItem {
        id: item.id.clone(),
        tags: item.tags.clone(),
        reason: reason.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn image(id: &str, parent: &str, tags: &[&str], created: i64) -> ImageSummary {
        ImageSummary {
            id: id.into(),
            tags: tags.iter().map(|t| t.to_string()).collect(),
            digests: vec![],
            parent_id: parent.into(),
            created,
            size: 1,
            shared_size: -1,
            containers: 0,
            labels: BTreeMap::new(),
        }
    }

    fn ids(items: &[ImageSummary]) -> Vec<&str> {
        items.iter().map(|i| i.id.as_str()).collect()
    }

    fn all() -> PruneOptions {
        PruneOptions {
            all: true,
            ..Default::default()
        }
    }

    #[test]
    fn parents_of_images_that_stay_are_kept_and_say_so() {
        let all_images = [
            image("base", "", &["base:1"], 1),
            image("mid", "base", &[], 2),
            image("used", "mid", &["used:1"], 3),
            image("lone", "", &[], 4),
        ];
        let mut top = all_images.to_vec();
        top.remove(1);
        top[1].containers = 1;
        let (going, kept) = select(&top, &all_images, &all(), &Protection::default(), None);
        assert_eq!(ids(&going), vec!["lone"]);
        let reasons: Vec<(&str, &KeepReason)> =
            kept.iter().map(|k| (k.id.as_str(), &k.reason)).collect();
        assert!(reasons.contains(&("base", &KeepReason::NeededByKept)));
        assert!(reasons.contains(&("used", &KeepReason::InUse { containers: 1 })));
    }

    #[test]
    fn keep_newest_spares_the_newest_tags_of_each_repository_counting_used_ones() {
        let mut top = vec![
            image("a1", "", &["app:1"], 1),
            image("a2", "", &["app:2"], 2),
            image("a3", "", &["app:3"], 3),
            image("b1", "", &["other:1"], 1),
        ];
        top[2].containers = 1; // app:3 is in use and still counts as one of the newest
        let options = PruneOptions {
            keep: Some(2),
            ..all()
        };
        let (going, kept) = select(&top, &top, &options, &Protection::default(), None);
        assert_eq!(ids(&going), vec!["a1"]);
        assert!(kept.iter().any(|k| k.id == "a2"
            && k.reason
                == KeepReason::KeepNewest {
                    repository: "app".into(),
                    keep: 2
                }));
        assert!(kept.iter().any(|k| k.id == "b1"));
    }

    #[test]
    fn pinned_images_stay_and_the_pattern_is_named() {
        let top = vec![image("a", "", &["db:1"], 1), image("b", "", &["web:1"], 1)];
        let pins = Protection::new(["db".to_string()]).unwrap();
        let (going, kept) = select(&top, &top, &all(), &pins, None);
        assert_eq!(ids(&going), vec!["b"]);
        assert_eq!(
            kept[0].reason,
            KeepReason::Protected {
                pattern: "db".into()
            }
        );
    }

    #[test]
    fn dangling_mode_and_filters_leave_tagged_new_and_unlabelled_images_alone() {
        let mut top = vec![
            image("old", "", &[], 10),
            image("new", "", &[], 100),
            image("tagged", "", &["t:1"], 10),
        ];
        top[0].labels.insert("team".into(), "x".into());
        let options = PruneOptions {
            labels: vec!["team=x".into()],
            ..Default::default()
        };
        let (going, _) = select(&top, &top, &options, &Protection::default(), Some(50));
        assert_eq!(ids(&going), vec!["old"]);
        let negated = PruneOptions {
            labels: vec!["!team=x".into()],
            ..Default::default()
        };
        let (going, _) = select(&top, &top, &negated, &Protection::default(), None);
        assert_eq!(ids(&going), vec!["new"]);
    }

    fn item(id: &str, layers: &[(&str, i64)]) -> PlanItem {
        PlanItem {
            id: id.into(),
            tags: vec![],
            created: 0,
            size: 0,
            unique_size: 0,
            layers: layers
                .iter()
                .map(|(l, s)| PlanLayer {
                    id: l.to_string(),
                    size: *s,
                })
                .collect(),
        }
    }

    #[test]
    fn a_layer_two_ticked_images_share_is_freed_once_and_not_while_one_stays() {
        let items = [item("a", &[("x", 10), ("s", 5)]), item("b", &[("s", 5)])];
        let both: HashSet<String> = ["a".into(), "b".into()].into();
        assert_eq!(space_for(&items, &both), 15);
        let only_a: HashSet<String> = ["a".into()].into();
        assert_eq!(space_for(&items, &only_a), 10, "b stays and keeps s");
        assert_eq!(space_for(&items, &HashSet::new()), 0);
    }

    #[test]
    fn plan_items_count_unique_bytes_and_drop_layers_a_staying_image_uses() {
        let per_image = vec![
            (
                "a".to_string(),
                vec![("base".to_string(), 100), ("x".to_string(), 10)],
            ),
            ("keep".to_string(), vec![("base".to_string(), 100)]),
        ];
        let items = plan_items(vec![image("a", "", &[], 1)], &per_image);
        assert_eq!(items[0].unique_size, 10);
        assert_eq!(
            items[0].layers,
            vec![PlanLayer {
                id: "x".into(),
                size: 10
            }]
        );
    }
}
