//! The pure part of a prune preview: which images match, which stay and why, and the bytes
//! any ticked subset frees. No engine here, so the rules can be tested on any image graph.

use super::{KeepReason, KeptItem, PlanItem, PlanLayer};
use crate::images::{ImageSummary, PruneOptions};
use crate::protection::{Protection, repository};
use std::collections::{BTreeMap, HashMap, HashSet};

/// Layers → bytes freed when `ticked` go and every other listed image stays.
pub(super) fn space_for(items: &[PlanItem], ticked: &HashSet<String>) -> i64 {
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

/// Creation times read in full precision (nanoseconds since the epoch) by image ID. The
/// list gives whole seconds; two tags built in one second need the engine's inspect time.
pub(super) type PreciseCreated = HashMap<String, i128>;

/// An image's creation time in nanoseconds: the precise one where read, else the list's
/// seconds (the precise time's floor, so both kinds of value order consistently).
fn created_nanos(image: &ImageSummary, precise: &PreciseCreated) -> i128 {
    precise
        .get(&image.id)
        .copied()
        .unwrap_or(i128::from(image.created) * 1_000_000_000)
}

/// Images whose creation second another image of one of their repositories shares: the
/// only ones whose rank needs the engine's full-precision time.
pub(super) fn tied_in_seconds(images: &[ImageSummary]) -> Vec<String> {
    let mut by_second: HashMap<(&str, i64), HashSet<&str>> = HashMap::new();
    for image in images {
        for tag in &image.tags {
            by_second
                .entry((repository(tag), image.created))
                .or_default()
                .insert(&image.id);
        }
    }
    let mut tied: Vec<String> = by_second
        .into_values()
        .filter(|ids| ids.len() > 1)
        .flatten()
        .map(str::to_owned)
        .collect();
    tied.sort();
    tied.dedup();
    tied
}

/// Candidates that "keep the newest N tags of each repository" spares: the first such
/// repository and the candidate's tags that rank among the newest. Every tag of a repository
/// ranks, in use or not: "newest 3" means the three newest.
fn kept_as_newest(
    everything: &[ImageSummary],
    candidates: &[&ImageSummary],
    keep: u32,
    precise: &PreciseCreated,
) -> HashMap<String, (String, Vec<String>)> {
    let mut by_repo: BTreeMap<&str, Vec<(i128, &str, &str)>> = BTreeMap::new();
    for image in everything {
        for tag in &image.tags {
            by_repo.entry(repository(tag)).or_default().push((
                created_nanos(image, precise),
                tag,
                &image.id,
            ));
        }
    }
    let wanted: HashSet<&str> = candidates.iter().map(|c| c.id.as_str()).collect();
    let mut kept: HashMap<String, (String, Vec<String>)> = HashMap::new();
    for (repo, mut tags) in by_repo {
        // Newest first; equal times (one image's tags) fall back to the tag, so it is stable.
        tags.sort_by(|a, b| b.0.cmp(&a.0).then(b.1.cmp(a.1)));
        for (_, tag, id) in tags.into_iter().take(keep as usize) {
            if wanted.contains(id) {
                let entry = kept
                    .entry(id.to_owned())
                    .or_insert_with(|| (repo.to_owned(), Vec::new()));
                entry.1.push(tag.to_owned());
            }
        }
    }
    for (_, tags) in kept.values_mut() {
        tags.sort();
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
pub(super) fn select(
    top_level: &[ImageSummary],
    everything: &[ImageSummary],
    options: &PruneOptions,
    protection: &Protection,
    cutoff: Option<i64>,
    precise: &PreciseCreated,
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
        Some(n) => kept_as_newest(top_level, &matched, n, precise),
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
            newest
                .get(&image.id)
                .map(|(repo, tags)| KeepReason::KeepNewest {
                    repository: repo.clone(),
                    keep: options.keep.unwrap_or_default(),
                    tags: tags.clone(),
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

/// The order `prune_exact` removes ticked images in: children before parents, so a parent
/// is free to go when its turn comes. By depth in the image graph (`everything`, as the
/// engine lists it now), not by creation time: a child built in the same second as its
/// parent would otherwise go second, and the parent, still holding a child, be refused.
pub(super) fn removal_order<'a>(
    items: &'a [PlanItem],
    everything: &[ImageSummary],
) -> Vec<&'a PlanItem> {
    let parent: HashMap<&str, &str> = everything
        .iter()
        .map(|i| (i.id.as_str(), i.parent_id.as_str()))
        .collect();
    let depth = |id: &str| {
        let (mut at, mut n) = (id, 0usize);
        // Bounded by the graph's size, should an engine ever report a cycle.
        while let Some(p) = parent
            .get(at)
            .filter(|p| !p.is_empty() && n <= parent.len())
        {
            at = p;
            n += 1;
        }
        n
    };
    let mut order: Vec<(usize, &PlanItem)> = items.iter().map(|i| (depth(&i.id), i)).collect();
    order.sort_by(|a, b| b.0.cmp(&a.0).then(b.1.created.cmp(&a.1.created)));
    order.into_iter().map(|(_, i)| i).collect()
}

/// Per going image: bytes only it holds, and its layers no staying image uses.
pub(super) fn plan_items(
    going: Vec<ImageSummary>,
    per_image: &[crate::system::ImageLayers],
) -> Vec<PlanItem> {
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
        let (going, kept) = select(
            &top,
            &all_images,
            &all(),
            &Protection::default(),
            None,
            &HashMap::new(),
        );
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
        let (going, kept) = select(
            &top,
            &top,
            &options,
            &Protection::default(),
            None,
            &HashMap::new(),
        );
        assert_eq!(ids(&going), vec!["a1"]);
        assert!(kept.iter().any(|k| k.id == "a2"
            && k.reason
                == KeepReason::KeepNewest {
                    repository: "app".into(),
                    keep: 2,
                    tags: vec!["app:2".into()],
                }));
        assert!(kept.iter().any(|k| k.id == "b1"));
    }

    #[test]
    fn keep_newest_ranks_two_tags_built_in_one_second_by_the_engines_precise_time() {
        // Same second in the list; `app:b` sorts after `app:a` but was built first.
        let top = vec![
            image("new", "", &["app:a"], 100),
            image("old", "", &["app:b"], 100),
            image("older", "", &["app:c"], 99),
            image("lone", "", &["other:1"], 100),
        ];
        assert_eq!(
            tied_in_seconds(&top),
            vec!["new", "old"],
            "only the tie is read"
        );
        let precise: PreciseCreated = [
            ("new".to_string(), 100_900_000_000),
            ("old".to_string(), 100_100_000_000),
        ]
        .into();
        let options = PruneOptions {
            keep: Some(1),
            ..all()
        };
        let (going, kept) = select(&top, &top, &options, &Protection::default(), None, &precise);
        assert_eq!(ids(&going), vec!["old", "older"]);
        let new = kept
            .iter()
            .find(|k| k.id == "new")
            .expect("the newer one stays");
        assert_eq!(
            new.reason,
            KeepReason::KeepNewest {
                repository: "app".into(),
                keep: 1,
                tags: vec!["app:a".into()],
            },
            "the reason names the tag it kept"
        );
        // Without the precise times the seconds tie falls to the tag order: the older one.
        let (going, _) = select(
            &top,
            &top,
            &options,
            &Protection::default(),
            None,
            &HashMap::new(),
        );
        assert_eq!(ids(&going), vec!["new", "older"]);
    }

    #[test]
    fn an_image_kept_in_several_repositories_names_every_tag_that_kept_it() {
        let top = vec![
            image("x", "", &["app:1", "app:latest", "other:9"], 5),
            image("y", "", &["other:10"], 6),
        ];
        let options = PruneOptions {
            keep: Some(2),
            ..all()
        };
        let (_, kept) = select(
            &top,
            &top,
            &options,
            &Protection::default(),
            None,
            &HashMap::new(),
        );
        let x = kept.iter().find(|k| k.id == "x").unwrap();
        let KeepReason::KeepNewest { tags, .. } = &x.reason else {
            panic!("{:?}", x.reason)
        };
        assert_eq!(tags, &["app:1", "app:latest", "other:9"]);
    }

    #[test]
    fn pinned_images_stay_and_the_pattern_is_named() {
        let top = vec![image("a", "", &["db:1"], 1), image("b", "", &["web:1"], 1)];
        let pins = Protection::new(["db".to_string()]).unwrap();
        let (going, kept) = select(&top, &top, &all(), &pins, None, &HashMap::new());
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
        let (going, _) = select(
            &top,
            &top,
            &options,
            &Protection::default(),
            Some(50),
            &HashMap::new(),
        );
        assert_eq!(ids(&going), vec!["old"]);
        let negated = PruneOptions {
            labels: vec!["!team=x".into()],
            ..Default::default()
        };
        let (going, _) = select(
            &top,
            &top,
            &negated,
            &Protection::default(),
            None,
            &HashMap::new(),
        );
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
