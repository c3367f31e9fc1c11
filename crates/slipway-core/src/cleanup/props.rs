//! Property tests of the prune preview on random image graphs (parents, tags, containers,
//! pins, labels, keep-N, until): what the preview lists is safe to delete, its bytes are the
//! bytes only it holds, and removing exactly it — in `prune_exact`'s order, by the engine's
//! rules for removal without force — deletes exactly it.
//!
//! The engine here is a small pure model of dockerd's removal rules (moby
//! `daemon/images/image_delete.go`: untag by name, then delete if nothing else refers to the
//! image, pruning untagged parents; refuse an image with children or containers). The real
//! engine suites check preview == deleted on dockerd itself; this explores graphs they can't.

use super::plan::{PreciseCreated, plan_items, removal_order, select, space_for};
use super::{KeepReason, PlanItem};
use crate::images::{ImageSummary, PruneOptions};
use crate::protection::Protection;
use proptest::prelude::*;
use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};

const REPOS: [&str; 4] = ["app", "web", "team/api", "docker.io/library/db"];
const TAGS: [&str; 3] = ["1", "2", "latest"];

/// One image of a generated graph, before it is turned into engine rows.
#[derive(Debug, Clone)]
struct Spec {
    parent: Option<usize>,
    tags: Vec<(usize, usize)>,
    containers: i64,
    created_after_parent: i64,
    new_layers: Vec<i64>,
    base_layer: Option<usize>,
    labelled: bool,
}

#[derive(Debug, Clone)]
enum Pin {
    Tag(usize),
    Repository(usize),
    Glob,
    IdPrefix(usize, usize),
}

#[derive(Debug, Clone)]
struct Case {
    specs: Vec<Spec>,
    all: bool,
    keep: Option<u32>,
    until: Option<i64>,
    label: Option<bool>,
    pins: Vec<Pin>,
}

fn spec() -> impl Strategy<Value = Spec> {
    (
        (any::<bool>(), any::<usize>()),
        prop::collection::vec((0..REPOS.len(), 0..TAGS.len()), 0..3),
        prop_oneof![4 => Just(0i64), 1 => 1..3i64],
        0..3i64,
        prop::collection::vec(1..1000i64, 0..3),
        prop::option::of(0..2usize),
        any::<bool>(),
    )
        .prop_map(
            |((has_parent, p), tags, containers, after, new_layers, base_layer, labelled)| Spec {
                parent: has_parent.then_some(p),
                tags,
                containers,
                created_after_parent: after,
                new_layers,
                base_layer,
                labelled,
            },
        )
}

fn pin() -> impl Strategy<Value = Pin> {
    prop_oneof![
        any::<usize>().prop_map(Pin::Tag),
        any::<usize>().prop_map(Pin::Repository),
        Just(Pin::Glob),
        (any::<usize>(), 12..20usize).prop_map(|(i, n)| Pin::IdPrefix(i, n)),
    ]
}

fn case() -> impl Strategy<Value = Case> {
    (
        prop::collection::vec(spec(), 1..10),
        any::<bool>(),
        prop::option::of(1..4u32),
        prop::option::of(0..12i64),
        prop::option::of(any::<bool>()),
        prop::collection::vec(pin(), 0..3),
    )
        .prop_map(|(specs, all, keep, until, label, pins)| Case {
            specs,
            all,
            keep: keep.filter(|_| all),
            until,
            label,
            pins,
        })
}

fn id_of(i: usize) -> String {
    format!("sha256:{:064x}", 0xabc0_0000_u64 + i as u64 * 0x1_0001)
}

/// The engine's view of a generated case.
struct World {
    /// Every image (`images -a`), oldest first.
    everything: Vec<ImageSummary>,
    /// What `images` lists: not the untagged images that have children.
    top_level: Vec<ImageSummary>,
    /// Each top-level image's layers (as `image_layers` reads them).
    per_image: Vec<(String, Vec<(String, i64)>)>,
    protection: Protection,
    options: PruneOptions,
    cutoff: Option<i64>,
}

fn world(case: &Case) -> World {
    let mut used_tags = HashSet::new();
    let mut images: Vec<ImageSummary> = Vec::new();
    let mut layers: Vec<Vec<(String, i64)>> = Vec::new();
    for (i, s) in case.specs.iter().enumerate() {
        let parent = s.parent.filter(|_| i > 0).map(|p| p % i);
        let mut own: Vec<(String, i64)> = match parent {
            Some(p) => layers[p].clone(),
            None => s
                .base_layer
                .map(|b| vec![(format!("base{b}"), 500)])
                .unwrap_or_default(),
        };
        own.extend(
            s.new_layers
                .iter()
                .enumerate()
                .map(|(n, size)| (format!("layer{i}.{n}"), *size)),
        );
        // A tag names one image: later images do not get a tag an earlier one has.
        let tags: Vec<String> = s
            .tags
            .iter()
            .map(|(r, t)| format!("{}:{}", REPOS[*r], TAGS[*t]))
            .filter(|t| used_tags.insert(t.clone()))
            .collect();
        let created = parent.map_or(0, |p| images[p].created) + s.created_after_parent;
        images.push(ImageSummary {
            id: id_of(i),
            tags,
            digests: vec![],
            parent_id: parent.map(id_of).unwrap_or_default(),
            created: created + i64::from(parent.is_none()) * (i as i64 % 5),
            size: own.iter().map(|(_, s)| s).sum(),
            shared_size: -1,
            containers: s.containers,
            labels: if s.labelled {
                BTreeMap::from([("team".to_string(), "x".to_string())])
            } else {
                BTreeMap::new()
            },
        });
        layers.push(own);
    }
    let has_children: HashSet<&str> = images.iter().map(|i| i.parent_id.as_str()).collect();
    let top: Vec<usize> = (0..images.len())
        .filter(|&i| !images[i].tags.is_empty() || !has_children.contains(images[i].id.as_str()))
        .collect();
    let pins: Vec<String> = case
        .pins
        .iter()
        .filter_map(|p| {
            let named = |n: usize| {
                let tagged: Vec<&ImageSummary> =
                    images.iter().filter(|i| !i.tags.is_empty()).collect();
                (!tagged.is_empty()).then(|| tagged[n % tagged.len()].tags[0].clone())
            };
            match p {
                Pin::Tag(n) => named(*n),
                Pin::Repository(n) => named(*n).map(|t| crate::protection::repository(&t).into()),
                Pin::Glob => Some("team/*".into()),
                Pin::IdPrefix(n, len) => {
                    Some(id_of(n % images.len())["sha256:".len()..][..*len].to_owned())
                }
            }
        })
        .collect();
    World {
        top_level: top.iter().map(|&i| images[i].clone()).collect(),
        per_image: top
            .iter()
            .map(|&i| (images[i].id.clone(), layers[i].clone()))
            .collect(),
        everything: images,
        protection: Protection::new(pins.clone()).unwrap(),
        options: PruneOptions {
            all: case.all,
            until: None,
            labels: match case.label {
                Some(true) => vec!["team=x".into()],
                Some(false) => vec!["!team=x".into()],
                None => vec![],
            },
            keep: case.keep,
            protect: pins,
        },
        cutoff: case.until,
    }
}

fn preview(w: &World) -> (Vec<PlanItem>, Vec<super::KeptItem>) {
    let (going, kept) = select(
        &w.top_level,
        &w.everything,
        &w.options,
        &w.protection,
        w.cutoff,
        &PreciseCreated::new(),
    );
    (plan_items(going, &w.per_image), kept)
}

fn ancestors(w: &World, id: &str) -> Vec<String> {
    let parent: HashMap<&str, &str> = w
        .everything
        .iter()
        .map(|i| (i.id.as_str(), i.parent_id.as_str()))
        .collect();
    let mut out = Vec::new();
    let mut at = parent.get(id).copied().unwrap_or_default();
    while !at.is_empty() {
        out.push(at.to_owned());
        at = parent.get(at).copied().unwrap_or_default();
    }
    out
}

// --- A model of dockerd's removal without force ---------------------------------------

#[derive(Debug, Clone)]
struct Held {
    tags: BTreeSet<String>,
    parent: String,
    containers: i64,
}

#[derive(Debug)]
enum Removal {
    NotFound,
    Conflict(&'static str),
}

/// Images as the engine holds them, and what each removal reported.
struct Model {
    images: BTreeMap<String, Held>,
    deleted: Vec<String>,
}

impl Model {
    fn new(w: &World) -> Self {
        let images = w
            .everything
            .iter()
            .map(|i| {
                let held = Held {
                    tags: i.tags.iter().cloned().collect(),
                    parent: i.parent_id.clone(),
                    containers: i.containers,
                };
                (i.id.clone(), held)
            })
            .collect();
        Self {
            images,
            deleted: Vec::new(),
        }
    }

    fn has_children(&self, id: &str) -> bool {
        self.images.values().any(|h| h.parent == id)
    }

    /// `DELETE /images/{reference}` without force (and with prune, the default).
    fn remove(&mut self, reference: &str) -> Result<(), Removal> {
        let by_tag = self
            .images
            .iter()
            .find(|(_, h)| h.tags.contains(reference))
            .map(|(id, _)| id.clone());
        if let Some(id) = by_tag {
            let held = &self.images[&id];
            if held.tags.len() == 1 && held.containers > 0 {
                return Err(Removal::Conflict("a container uses its only name"));
            }
            let held = self.images.get_mut(&id).unwrap();
            held.tags.remove(reference);
            if !held.tags.is_empty() {
                return Ok(()); // untagged only
            }
            return self.delete(&id, true);
        }
        if !self.images.contains_key(reference) {
            return Err(Removal::NotFound);
        }
        let held = &self.images[reference];
        if held.tags.len() <= 1 {
            if self.has_children(reference) {
                return Err(Removal::Conflict("image has dependent child images"));
            }
            if held.containers > 0 {
                return Err(Removal::Conflict("a container uses it"));
            }
            self.images.get_mut(reference).unwrap().tags.clear();
        }
        self.delete(reference, false)
    }

    /// moby's `imageDeleteHelper` with prune: quiet when reached through a removed name.
    fn delete(&mut self, id: &str, quiet: bool) -> Result<(), Removal> {
        let held = &self.images[id];
        let conflict = if self.has_children(id) {
            Some(("image has dependent child images", false))
        } else if held.containers > 0 {
            Some(("a container uses it", true))
        } else if !held.tags.is_empty() {
            Some(("image is referenced in multiple repositories", false))
        } else {
            None
        };
        if let Some((why, used)) = conflict {
            let dangling = held.tags.is_empty() && !self.has_children(id);
            return if quiet && (!dangling || used) {
                Ok(())
            } else {
                Err(Removal::Conflict(why))
            };
        }
        let parent = self.images.remove(id).unwrap().parent;
        self.deleted.push(id.to_owned());
        if !parent.is_empty() && self.images.contains_key(&parent) {
            self.delete(&parent, true)?;
        }
        Ok(())
    }

    /// `remove_as_previewed` once nothing changed since the preview: every name, then the ID
    /// if the image is still there untagged.
    fn remove_as_previewed(&mut self, item: &PlanItem) -> Result<(), Removal> {
        let Some(now) = self.images.get(&item.id) else {
            return Err(Removal::NotFound);
        };
        for tag in now.tags.clone() {
            self.remove(&tag)?;
        }
        match self.images.get(&item.id) {
            None => Ok(()),
            Some(left) if !left.tags.is_empty() => Err(Removal::Conflict("still tagged")),
            Some(_) => self.remove(&item.id),
        }
    }
}

/// `prune_exact`'s loop over the model: what was skipped, and why.
fn confirm(model: &mut Model, w: &World, items: &[PlanItem]) -> Vec<(String, String)> {
    let mut skipped = Vec::new();
    for item in removal_order(items, &w.everything) {
        match model.remove_as_previewed(item) {
            Ok(()) => {}
            Err(Removal::NotFound) if model.deleted.contains(&item.id) => {}
            Err(Removal::NotFound) => skipped.push((item.id.clone(), "already gone".into())),
            Err(Removal::Conflict(why)) => skipped.push((item.id.clone(), why.into())),
        }
    }
    skipped
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 1000, ..ProptestConfig::default() })]

    #[test]
    fn the_preview_never_lists_a_pinned_or_used_image_or_a_parent_of_one_that_stays(c in case()) {
        let w = world(&c);
        let (items, kept) = preview(&w);
        let going: HashSet<&str> = items.iter().map(|i| i.id.as_str()).collect();
        for item in &items {
            let image = w.everything.iter().find(|i| i.id == item.id).unwrap();
            prop_assert!(w.protection.matching(&image.id, &image.tags).is_none(),
                "pinned {:?} previewed", image.tags);
            prop_assert_eq!(image.containers, 0, "an image in use is previewed");
            prop_assert!(w.options.all || image.tags.is_empty(), "a tagged image in dangling mode");
            prop_assert!(w.cutoff.is_none_or(|c| image.created < c), "created after until");
        }
        for staying in w.everything.iter().filter(|i| !going.contains(i.id.as_str())) {
            for a in ancestors(&w, &staying.id) {
                prop_assert!(!going.contains(a.as_str()),
                    "{a} is previewed but {} stays and is built on it", staying.id);
            }
        }
        // Nothing is both going and kept, and every kept one says why.
        for k in &kept {
            prop_assert!(!going.contains(k.id.as_str()));
            if let KeepReason::KeepNewest { tags, .. } = &k.reason {
                prop_assert!(!tags.is_empty(), "keep_newest names its tags");
            }
        }
    }

    #[test]
    fn the_whole_preview_frees_the_bytes_of_layers_only_previewed_images_use(c in case()) {
        let w = world(&c);
        let (items, _) = preview(&w);
        let going: HashSet<String> = items.iter().map(|i| i.id.clone()).collect();
        let mut users: HashMap<&str, (i64, Vec<&str>)> = HashMap::new();
        for (id, layers) in &w.per_image {
            for (l, size) in layers {
                users.entry(l).or_insert((*size, vec![])).1.push(id);
            }
        }
        let expected: i64 = users
            .values()
            .filter(|(_, u)| u.iter().all(|id| going.contains(*id)))
            .map(|(size, _)| size)
            .sum();
        prop_assert_eq!(space_for(&items, &going), expected);
        // Any ticked subset frees at most the whole and at least nothing.
        let half: HashSet<String> = going.iter().step_by(2).cloned().collect();
        let part = space_for(&items, &half);
        prop_assert!((0..=expected).contains(&part));
    }

    #[test]
    fn removing_the_preview_in_prune_exacts_order_deletes_exactly_it(c in case()) {
        let w = world(&c);
        let (items, _) = preview(&w);
        let mut model = Model::new(&w);
        let skipped = confirm(&mut model, &w, &items);
        prop_assert!(skipped.is_empty(), "skipped {:?}", skipped);
        let top: HashSet<&str> = w.top_level.iter().map(|i| i.id.as_str()).collect();
        let deleted_top: BTreeSet<&str> = model
            .deleted
            .iter()
            .map(String::as_str)
            .filter(|id| top.contains(id))
            .collect();
        let previewed: BTreeSet<&str> = items.iter().map(|i| i.id.as_str()).collect();
        prop_assert_eq!(deleted_top, previewed);
        // Every image that stays keeps every name it had.
        for image in w.everything.iter().filter(|i| !model.deleted.contains(&i.id)) {
            let now = &model.images[&image.id].tags;
            prop_assert_eq!(now.len(), image.tags.len(), "{} lost a name", image.id);
        }
    }
}
