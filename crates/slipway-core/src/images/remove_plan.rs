//! What a removal will do, decided before anything is sent: for the selected names and IDs,
//! which names go, which images are deleted, which containers go with them (Podman's force),
//! and what is refused and why. Every front end shows this plan and runs exactly it
//! ([`crate::Engine::remove_planned`]); the engines' rules are in [`super::remove_rules`].
//!
//! One image is removed all or nothing: when every name of an image is selected and the last
//! one would be refused (a container uses it), no name is removed — the image is refused as a
//! whole, with the reason and whether Force would do it. An image is never left half-untagged.

use super::ContainerRef;
use super::remove_rules::{Conflict, EngineModel, KeptFor, StepEffect, Target};
use crate::cleanup::protection::{Protection, short_name};
use crate::engine::EngineKind;
use crate::error::{Error, ErrorKind};
use crate::reference::{Reference, looks_like_id};
use serde::{Deserialize, Serialize};
use std::collections::HashMap;

/// What the user asked to remove.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct RemovalRequest {
    /// Names (`repo:tag`, as listed) or image IDs.
    pub references: Vec<String>,
    pub force: bool,
    /// Keep untagged parents (Docker's `--no-prune`).
    #[serde(default)]
    pub noprune: bool,
}

/// Why nothing will be done to an image.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum RefusalReason {
    /// A pin protects it (even with force).
    Pinned {
        pattern: String,
    },
    /// Containers were created from it.
    InUse {
        containers: Vec<ContainerRef>,
    },
    /// Running containers use it: Docker refuses even with force.
    Running {
        containers: Vec<ContainerRef>,
    },
    /// Images are built on it: Docker refuses even with force.
    HasChildren {
        children: Vec<String>,
    },
    /// Asked for by ID while it has several names: that needs force.
    SeveralNames {
        names: Vec<String>,
    },
    /// Podman's force would delete these containers, and nobody agreed to that.
    ContainersNotAccepted {
        containers: Vec<ContainerRef>,
    },
    NotFound,
    /// A short ID that matches several images.
    Ambiguous {
        ids: Vec<String>,
    },
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct Refusal {
    #[serde(flatten)]
    pub reason: RefusalReason,
    /// What is refused, as the sentence names it (the name or ID asked for).
    #[serde(default)]
    pub subject: String,
    /// An English sentence for the CLI and logs (the app words its own from `reason`).
    pub message: String,
    /// Force would remove it (see the forced plan for what else Force does).
    pub forceable: bool,
}

impl Refusal {
    /// The refusal as an error (its kind carries the reason, for front ends to word).
    pub fn to_error(&self) -> Error {
        Error::of(ErrorKind::RemoveRefused {
            image: self.subject.clone(),
            refusal: self.clone(),
        })
    }

    /// The status a refusal has as an error.
    pub fn status(&self) -> u16 {
        match self.reason {
            RefusalReason::NotFound => 404,
            RefusalReason::Ambiguous { .. } => 400,
            _ => 409,
        }
    }
}

/// One request sent to the engine.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct RemoveStep {
    pub reference: String,
    pub force: bool,
}

/// What removing the selection does to one image.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct ImageRemoval {
    /// Empty when the reference matched no image.
    pub id: String,
    /// Its names now.
    pub tags: Vec<String>,
    #[cfg_attr(feature = "specta", specta(type = f64))]
    pub size: i64,
    /// The selected references that mean this image.
    pub requested: Vec<String>,
    /// Names that will be removed.
    pub untag: Vec<String>,
    /// The image itself will be deleted.
    pub delete: bool,
    /// Untagged parent images the engine deletes with it.
    pub parents_deleted: Vec<String>,
    /// Containers deleted with it (only Podman's force does this).
    pub containers_deleted: Vec<ContainerRef>,
    /// Containers made from it that stay (Docker's force deletes the image, not them).
    pub containers_kept: Vec<ContainerRef>,
    /// Every name goes but the image stays: these images are built on it.
    pub kept_for_children: Vec<String>,
    pub refusal: Option<Refusal>,
    /// The requests that do it, in order.
    pub steps: Vec<RemoveStep>,
}

/// The whole prediction, with the totals a summary line needs.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct RemovalPlan {
    pub engine: EngineKind,
    pub force: bool,
    /// In the order they will be removed (images built on others first).
    pub images: Vec<ImageRemoval>,
    pub names_removed: u32,
    pub images_deleted: u32,
    pub containers_deleted: u32,
    pub refused: u32,
    /// Some refusal would go away with force.
    pub force_would_help: bool,
}

impl RemovalPlan {
    fn new(engine: EngineKind, force: bool, images: Vec<ImageRemoval>) -> Self {
        let count = |f: &dyn Fn(&ImageRemoval) -> usize| images.iter().map(f).sum::<usize>() as u32;
        Self {
            engine,
            force,
            names_removed: count(&|i| i.untag.len()),
            images_deleted: count(&|i| usize::from(i.delete) + i.parents_deleted.len()),
            containers_deleted: count(&|i| i.containers_deleted.len()),
            refused: count(&|i| usize::from(i.refusal.is_some())),
            force_would_help: images
                .iter()
                .any(|i| i.refusal.as_ref().is_some_and(|r| r.forceable)),
            images,
        }
    }
}

/// The totals again, after images were refused at the last moment.
pub(crate) fn recount(plan: RemovalPlan) -> RemovalPlan {
    RemovalPlan::new(plan.engine, plan.force, plan.images)
}

/// Which image a reference means, looked up in the model the way the engine resolves it.
pub fn resolve(model: &EngineModel, reference: &str) -> Result<Target, RefusalReason> {
    Resolver::new(model).resolve(reference)
}

/// [`resolve`] for many references: names and IDs indexed once.
pub struct Resolver<'a> {
    model: &'a EngineModel,
    /// Every name and digest reference, exactly as listed → image ID.
    names: HashMap<&'a str, &'a str>,
}

impl<'a> Resolver<'a> {
    pub fn new(model: &'a EngineModel) -> Self {
        let mut names = HashMap::new();
        for image in model.images() {
            for n in image.tags.iter().chain(&image.digests) {
                names.entry(n.as_str()).or_insert(image.id.as_str());
            }
        }
        Self { model, names }
    }

    pub fn resolve(&self, reference: &str) -> Result<Target, RefusalReason> {
        let r = reference.trim();
        if looks_like_id(r) {
            let hex = r.strip_prefix("sha256:").unwrap_or(r);
            let full = format!("sha256:{hex}");
            if self.model.image(&full).is_some() {
                return Ok(Target::Id(full));
            }
            let found: Vec<&str> = self
                .model
                .images()
                .map(|i| i.id.as_str())
                .filter(|id| id.strip_prefix("sha256:").unwrap_or(id).starts_with(hex))
                .collect();
            match found.as_slice() {
                [one] => return Ok(Target::Id((*one).to_owned())),
                [] => {}
                many => {
                    return Err(RefusalReason::Ambiguous {
                        ids: many.iter().map(|s| s.to_string()).collect(),
                    });
                }
            }
        }
        if let Some(id) = self.names.get(r) {
            return Ok(Target::Name {
                id: (*id).to_owned(),
                name: r.to_owned(),
            });
        }
        let Ok(wanted) = Reference::parse(r) else {
            return Err(RefusalReason::NotFound);
        };
        let is_digest = wanted.digest.is_some();
        // The same name spelled otherwise (`x` = `x:latest` = `docker.io/library/x:latest`),
        // then Podman's short-name match (`x` = `localhost/x`).
        let tiers: [&dyn Fn(&str) -> bool; 2] = [&|n| !is_digest && wanted.matches_name(n), &|n| {
            short_name(n) == short_name(&wanted.normalized())
        }];
        for matches in tiers {
            for image in self.model.images() {
                let names = if is_digest {
                    &image.digests
                } else {
                    &image.tags
                };
                if let Some(name) = names.iter().find(|n| matches(n)) {
                    return Ok(Target::Name {
                        id: image.id.clone(),
                        name: name.clone(),
                    });
                }
            }
        }
        Err(RefusalReason::NotFound)
    }
}

/// The plan for `request` on the engine `model` describes. Pure: the model is not changed.
pub fn plan_removal(
    model: &EngineModel,
    request: &RemovalRequest,
    protection: &Protection,
) -> RemovalPlan {
    let mut groups: Vec<Group> = Vec::new();
    let mut index: HashMap<String, usize> = HashMap::new();
    let mut missing: Vec<ImageRemoval> = Vec::new();
    let resolver = Resolver::new(model);
    for reference in &request.references {
        match resolver.resolve(reference) {
            Ok(target) => {
                let id = target.id().to_owned();
                let at = *index.entry(id.clone()).or_insert_with(|| {
                    groups.push(Group::new(id));
                    groups.len() - 1
                });
                groups[at].add(reference, target);
            }
            Err(reason) => missing.push(ImageRemoval {
                requested: vec![reference.clone()],
                refusal: Some(refusal(model.kind, reference, reason, false)),
                ..Default::default()
            }),
        }
    }
    // Images built on others first, so a selected parent is free to go after its children.
    groups.sort_by_key(|g| std::cmp::Reverse(model.depth(&g.id)));
    let mut state = model.clone();
    let mut images = Vec::new();
    for group in groups {
        images.push(plan_group(&mut state, &group, request, protection));
    }
    images.extend(missing);
    RemovalPlan::new(model.kind, request.force, images)
}

/// The references that mean one image.
struct Group {
    id: String,
    requested: Vec<String>,
    names: Vec<String>,
    by_id: bool,
}

impl Group {
    fn new(id: String) -> Self {
        Self {
            id,
            requested: Vec::new(),
            names: Vec::new(),
            by_id: false,
        }
    }

    fn add(&mut self, reference: &str, target: Target) {
        if !self.requested.iter().any(|r| r == reference) {
            self.requested.push(reference.to_owned());
        }
        match target {
            Target::Id(_) => self.by_id = true,
            Target::Name { name, .. } if !self.names.contains(&name) => self.names.push(name),
            Target::Name { .. } => {}
        }
    }
}

fn plan_group(
    state: &mut EngineModel,
    group: &Group,
    request: &RemovalRequest,
    protection: &Protection,
) -> ImageRemoval {
    let Some(image) = state.image(&group.id).cloned() else {
        // Deleted already, as the untagged parent of an image removed before it.
        return ImageRemoval {
            id: group.id.clone(),
            requested: group.requested.clone(),
            delete: true,
            ..Default::default()
        };
    };
    let mut out = ImageRemoval {
        id: image.id.clone(),
        tags: image.tags.clone(),
        size: image.size,
        requested: group.requested.clone(),
        ..Default::default()
    };
    let label = group
        .names
        .first()
        .cloned()
        .unwrap_or_else(|| short_hex(&image.id));
    if let Some(p) = protection.matching(&image.id, &image.tags) {
        let reason = RefusalReason::Pinned {
            pattern: p.to_owned(),
        };
        out.refusal = Some(refusal(state.kind, &label, reason, false));
        return out;
    }
    let whole = group.by_id || image.tags.iter().all(|t| group.names.contains(t));
    let named = |force| -> Vec<(Target, bool)> {
        group
            .names
            .iter()
            .map(|n| {
                let t = Target::Name {
                    id: image.id.clone(),
                    name: n.clone(),
                };
                (t, force)
            })
            .collect()
    };
    if !whole {
        // Some names of an image that keeps others: only those names go, on both engines.
        let trial = simulate(state, &named(false), request.noprune);
        return settle(state, out, trial);
    }
    let by_id = |force| vec![(Target::Id(image.id.clone()), force)];
    let plain = if group.by_id || image.tags.is_empty() {
        by_id(false)
    } else {
        named(false)
    };
    let reason = match simulate(state, &plain, request.noprune) {
        Ok(trial) => return settle(state, out, Ok(trial)),
        Err(c) => c,
    };
    let forced = simulate(state, &by_id(true), request.noprune);
    if request.force {
        return settle(state, out, forced);
    }
    // Without force: refuse the whole image, saying whether force would do it.
    let forceable = forced.is_ok_and(|t| t.effect.deleted.contains(&image.id));
    state.rollback();
    out.refusal = Some(refusal(state.kind, &label, to_reason(reason), forceable));
    out
}

/// A group's requests applied to the model, which can still take them back
/// ([`EngineModel::rollback`]) until they are kept ([`EngineModel::commit`]).
struct Trial {
    effect: StepEffect,
    steps: Vec<RemoveStep>,
}

/// Run `steps` on `state`; any refusal undoes them all (nothing half done).
fn simulate(
    state: &mut EngineModel,
    steps: &[(Target, bool)],
    noprune: bool,
) -> Result<Trial, Conflict> {
    state.begin();
    let mut effect = StepEffect::default();
    let mut sent = Vec::new();
    for (target, force) in steps {
        let e = match state.apply(target, *force, noprune) {
            Ok(e) => e,
            Err(c) => {
                state.rollback();
                return Err(c);
            }
        };
        effect.untagged.extend(e.untagged);
        effect.deleted.extend(e.deleted);
        effect.containers_deleted.extend(e.containers_deleted);
        effect.containers_kept.extend(e.containers_kept);
        effect.kept_for = e.kept_for.or(effect.kept_for);
        sent.push(RemoveStep {
            reference: match target {
                Target::Id(id) => id.clone(),
                Target::Name { name, .. } => name.clone(),
            },
            force: *force,
        });
    }
    Ok(Trial {
        effect,
        steps: sent,
    })
}

/// Keep a trial's changes to the shared model and describe them; a refused one changed nothing.
fn settle(
    state: &mut EngineModel,
    mut out: ImageRemoval,
    trial: Result<Trial, Conflict>,
) -> ImageRemoval {
    let label = out
        .requested
        .first()
        .cloned()
        .unwrap_or_else(|| out.id.clone());
    match trial {
        Err(c) => out.refusal = Some(refusal(state.kind, &label, to_reason(c), false)),
        Ok(t) => {
            out.untag = t.effect.untagged.clone();
            out.delete = t.effect.deleted.contains(&out.id);
            out.parents_deleted = t
                .effect
                .deleted
                .iter()
                .filter(|d| **d != out.id)
                .cloned()
                .collect();
            out.containers_deleted = t.effect.containers_deleted;
            out.containers_kept = t.effect.containers_kept;
            if let Some(KeptFor::Children(c)) = t.effect.kept_for {
                out.kept_for_children = c;
            }
            out.steps = t.steps;
            state.commit();
        }
    }
    out
}

fn to_reason(c: Conflict) -> RefusalReason {
    match c {
        Conflict::InUse(containers) => RefusalReason::InUse { containers },
        Conflict::Running(containers) => RefusalReason::Running { containers },
        Conflict::HasChildren(children) => RefusalReason::HasChildren { children },
        Conflict::SeveralNames(names) => RefusalReason::SeveralNames { names },
    }
}

fn short_hex(id: &str) -> String {
    id.strip_prefix("sha256:")
        .unwrap_or(id)
        .chars()
        .take(12)
        .collect()
}

pub(crate) fn container_list(containers: &[ContainerRef]) -> String {
    containers
        .iter()
        .map(|c| format!("{} ({}, {})", c.name, short_hex(&c.id), c.state))
        .collect::<Vec<_>>()
        .join(", ")
}

/// The refusal with its English sentence.
pub(crate) fn refusal(
    kind: EngineKind,
    what: &str,
    reason: RefusalReason,
    forceable: bool,
) -> Refusal {
    let message = match &reason {
        RefusalReason::Pinned { pattern } => {
            format!("{what} is pinned by \"{pattern}\": unpin it to delete it.")
        }
        RefusalReason::InUse { containers } => {
            let list = container_list(containers);
            match (kind, forceable) {
                (_, false) => format!("{what} is used by container(s) {list}: remove them first."),
                (EngineKind::Docker, true) => format!(
                    "{what} is used by container(s) {list}: remove them first, or force (the image is deleted, the containers stay)."
                ),
                (EngineKind::Podman, true) => format!(
                    "{what} is used by container(s) {list}: remove them first, or force (Podman then deletes those containers too)."
                ),
            }
        }
        RefusalReason::Running { containers } => format!(
            "{what} is used by running container(s) {}: stop and remove them first (force cannot do this).",
            container_list(containers)
        ),
        RefusalReason::HasChildren { children } => format!(
            "{what} has {} image(s) built on it ({}): remove them first (force cannot do this).",
            children.len(),
            children
                .iter()
                .map(|c| short_hex(c))
                .collect::<Vec<_>>()
                .join(", ")
        ),
        RefusalReason::SeveralNames { names } => format!(
            "{what} has several names ({}): removing it by ID removes them all, which needs force.",
            names.join(", ")
        ),
        RefusalReason::ContainersNotAccepted { containers } => format!(
            "Removing {what} with force would also delete container(s) {} (Podman deletes the containers of an image it removes by force): remove them first, or confirm deleting them.",
            container_list(containers)
        ),
        RefusalReason::NotFound => format!("No such image: {what}"),
        RefusalReason::Ambiguous { ids } => {
            format!("{what} matches {} images; give more of the ID.", ids.len())
        }
    };
    Refusal {
        reason,
        subject: what.to_owned(),
        message,
        forceable,
    }
}

#[cfg(test)]
#[path = "remove_plan_tests.rs"]
mod tests;
