//! The engines' own rules for `DELETE /images/{name}`, as measured on dockerd 20.10 and Podman
//! 4.3 (the engine suites compare them with what the engines do: tests/engine/tests/removal.rs).
//!
//! Docker (daemon/images/image_delete.go):
//! - by name, other references left: only the name goes, whatever uses the image;
//! - by name, the last reference, a container (running or not) uses it, no force: 409;
//! - by name, the last reference, forced: the name goes, then the image is deleted unless a
//!   running container uses it or images are built on it (then it silently stays, nameless);
//!   a stopped container does not stop it: the container stays and keeps the layers;
//! - by ID with several names and no force: 409 ("referenced in multiple repositories");
//! - by ID: images built on it, or a running container, refuse it even with force (409
//!   "cannot be forced"); a stopped container refuses it without force only;
//! - a deleted image's untagged parents go too when nothing else needs them.
//!
//! Podman (libimage, through its Docker-compatible API):
//! - by name, other names left: only the name goes (forced or not);
//! - by ID with several names and no force: 500 ("please force removal");
//! - a container (running or not) uses it, no force: 409; forced: Podman deletes those
//!   containers first — running ones too — and reports only the image;
//! - images built on it do not stop it: the image record goes, its layers stay for them;
//! - untagged parents go too, as with Docker.

use super::ContainerRef;
use crate::engine::EngineKind;
use crate::reference::Reference;
use std::collections::{BTreeMap, BTreeSet, HashMap};

/// An image as the rules see it.
#[derive(Debug, Clone, PartialEq)]
pub struct ModelImage {
    /// `sha256:<hex>`.
    pub id: String,
    pub tags: Vec<String>,
    /// `repo@sha256:…` references (Docker counts them as references too).
    pub digests: Vec<String>,
    /// `sha256:<hex>`, empty for none.
    pub parent: String,
    pub size: i64,
}

/// A container and the image it was created from.
#[derive(Debug, Clone, PartialEq)]
pub struct ModelContainer {
    pub container: ContainerRef,
    pub image_id: String,
}

impl ModelContainer {
    /// Docker counts paused and restarting containers as running.
    pub fn running(&self) -> bool {
        matches!(
            self.container.state.as_str(),
            "running" | "paused" | "restarting"
        )
    }
}

/// Everything the rules need to know about one engine, at one moment. Indexed, so planning
/// the removal of thousands of images stays quick.
#[derive(Debug, Clone, PartialEq)]
pub struct EngineModel {
    pub kind: EngineKind,
    /// Every image by ID, intermediate ones included (they decide parents and children).
    images: BTreeMap<String, ModelImage>,
    /// Image ID → the images whose parent it is.
    kids: HashMap<String, BTreeSet<String>>,
    containers: Vec<ModelContainer>,
    undo: Option<Undo>,
}

/// Why a removal would be refused, in the engine's terms.
#[derive(Debug, Clone, PartialEq)]
pub enum Conflict {
    InUse(Vec<ContainerRef>),
    Running(Vec<ContainerRef>),
    HasChildren(Vec<String>),
    SeveralNames(Vec<String>),
}

/// Why an image lost every name yet stays.
#[derive(Debug, Clone, PartialEq)]
pub enum KeptFor {
    Children(Vec<String>),
    Running(Vec<ContainerRef>),
}

/// What one request did to the model.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct StepEffect {
    /// Tags removed (digest references are not listed).
    pub untagged: Vec<String>,
    /// Image IDs deleted: the target first, then pruned parents.
    pub deleted: Vec<String>,
    pub containers_deleted: Vec<ContainerRef>,
    /// Containers that use a deleted image and stay (Docker's force).
    pub containers_kept: Vec<ContainerRef>,
    pub kept_for: Option<KeptFor>,
}

/// What one request names: an image by ID, or one of its names.
#[derive(Debug, Clone, PartialEq)]
pub enum Target {
    Id(String),
    Name { id: String, name: String },
}

impl Target {
    pub fn id(&self) -> &str {
        match self {
            Target::Id(id) | Target::Name { id, .. } => id,
        }
    }
}

/// How the model was before the requests since [`EngineModel::begin`]: each image as it was
/// before its first change, and the containers removed. Cheaper than copying the model.
#[derive(Debug, Clone, Default, PartialEq)]
struct Undo {
    images: Vec<ModelImage>,
    containers: Vec<ModelContainer>,
}

impl EngineModel {
    pub fn new(kind: EngineKind, images: Vec<ModelImage>, containers: Vec<ModelContainer>) -> Self {
        let mut model = Self {
            kind,
            images: BTreeMap::new(),
            kids: HashMap::new(),
            containers,
            undo: None,
        };
        for i in images {
            model.insert(i);
        }
        model
    }

    pub fn images(&self) -> impl Iterator<Item = &ModelImage> {
        self.images.values()
    }

    pub fn containers(&self) -> &[ModelContainer] {
        &self.containers
    }

    fn insert(&mut self, image: ModelImage) {
        if let Some(old) = self.images.get(&image.id) {
            let parent = old.parent.clone();
            self.unlink(&parent, &image.id);
        }
        if !image.parent.is_empty() {
            self.kids
                .entry(image.parent.clone())
                .or_default()
                .insert(image.id.clone());
        }
        self.images.insert(image.id.clone(), image);
    }

    fn unlink(&mut self, parent: &str, child: &str) {
        if let Some(k) = self.kids.get_mut(parent) {
            k.remove(child);
        }
    }

    /// Remember changes from now on, so [`Self::rollback`] can take them back.
    pub fn begin(&mut self) {
        self.undo = Some(Undo::default());
    }

    /// Keep the changes since [`Self::begin`].
    pub fn commit(&mut self) {
        self.undo = None;
    }

    /// Take back every change since [`Self::begin`].
    pub fn rollback(&mut self) {
        let Some(undo) = self.undo.take() else {
            return;
        };
        for saved in undo.images {
            self.insert(saved);
        }
        self.containers.extend(undo.containers);
    }

    /// Note an image's state before it changes (once per image).
    fn save(&mut self, id: &str) {
        let Some(current) = self.images.get(id).cloned() else {
            return;
        };
        if let Some(undo) = &mut self.undo
            && !undo.images.iter().any(|i| i.id == id)
        {
            undo.images.push(current);
        }
    }

    pub fn image(&self, id: &str) -> Option<&ModelImage> {
        self.images.get(id)
    }

    fn image_mut(&mut self, id: &str) -> Option<&mut ModelImage> {
        self.images.get_mut(id)
    }

    pub fn children(&self, id: &str) -> Vec<String> {
        self.kids
            .get(id)
            .map(|k| k.iter().cloned().collect())
            .unwrap_or_default()
    }

    pub fn users(&self, id: &str) -> Vec<&ModelContainer> {
        self.containers
            .iter()
            .filter(|c| c.image_id == id)
            .collect()
    }

    fn refs(&self, id: &str) -> usize {
        self.image(id)
            .map(|i| i.tags.len() + i.digests.len())
            .unwrap_or(0)
    }

    /// How many ancestors an image has here (children sort before their parents).
    pub fn depth(&self, id: &str) -> usize {
        let mut depth = 0;
        let mut at = self.image(id).map(|i| i.parent.clone()).unwrap_or_default();
        while let Some(p) = self.image(&at) {
            depth += 1;
            at = p.parent.clone();
            if depth > self.images.len() {
                break;
            }
        }
        depth
    }

    /// Apply one `DELETE /images/{target}?force=` as the engine would.
    pub fn apply(
        &mut self,
        target: &Target,
        force: bool,
        noprune: bool,
    ) -> Result<StepEffect, Conflict> {
        let mut effect = StepEffect::default();
        match self.kind {
            EngineKind::Docker => self.docker(target, force, noprune, &mut effect)?,
            EngineKind::Podman => self.podman(target, force, &mut effect)?,
        }
        Ok(effect)
    }

    fn docker(
        &mut self,
        target: &Target,
        force: bool,
        noprune: bool,
        effect: &mut StepEffect,
    ) -> Result<(), Conflict> {
        let Some(image) = self.image(target.id()).cloned() else {
            return Ok(());
        };
        let users = self.container_refs(&image.id, |_| true);
        match target {
            Target::Name { name, .. } => {
                if !force && docker_single_reference(&image) && !users.is_empty() {
                    return Err(Conflict::InUse(users));
                }
                self.untag(&image.id, name, effect);
                if self.refs(&image.id) > 0 {
                    return Ok(());
                }
                self.docker_delete(&image.id, force, noprune, true, effect)
            }
            Target::Id(_) => {
                if docker_single_reference(&image) {
                    self.docker_conflict(&image.id, force, false)
                        .map_or(Ok(()), |(c, _)| Err(c))?;
                    let names = image.tags.clone();
                    names.iter().for_each(|n| self.untag(&image.id, n, effect));
                }
                self.docker_delete(&image.id, force, noprune, false, effect)
            }
        }
    }

    /// Docker's `checkImageDeleteConflict`: images built on it and running containers always
    /// conflict; without force, remaining references and stopped containers too.
    /// Returns the conflict and whether it is "used" (by a container).
    fn docker_conflict(&self, id: &str, force: bool, check_refs: bool) -> Option<(Conflict, bool)> {
        let children = self.children(id);
        if !children.is_empty() {
            return Some((Conflict::HasChildren(children), false));
        }
        let running = self.container_refs(id, ModelContainer::running);
        if !running.is_empty() {
            return Some((Conflict::Running(running), true));
        }
        if !force {
            if check_refs && self.refs(id) > 0 {
                let names = self.image(id).map(|i| i.tags.clone()).unwrap_or_default();
                return Some((Conflict::SeveralNames(names), false));
            }
            let stopped = self.container_refs(id, |c| !c.running());
            if !stopped.is_empty() {
                return Some((Conflict::InUse(stopped), true));
            }
        }
        None
    }

    fn docker_delete(
        &mut self,
        id: &str,
        force: bool,
        noprune: bool,
        quiet: bool,
        effect: &mut StepEffect,
    ) -> Result<(), Conflict> {
        if let Some((conflict, used)) = self.docker_conflict(id, force, true) {
            let dangling = self.refs(id) == 0 && self.children(id).is_empty();
            if quiet && (!dangling || used) {
                // The name went; the image stays without one (Docker says nothing about it).
                effect.kept_for = match conflict {
                    Conflict::HasChildren(c) => Some(KeptFor::Children(c)),
                    Conflict::Running(c) | Conflict::InUse(c) => Some(KeptFor::Running(c)),
                    Conflict::SeveralNames(_) => None,
                };
                return Ok(());
            }
            return Err(conflict);
        }
        effect.containers_kept = self.container_refs(id, |_| true);
        let parent = self.delete_image(id, effect);
        if !noprune {
            self.prune_parents(parent, effect);
        }
        Ok(())
    }

    fn podman(
        &mut self,
        target: &Target,
        force: bool,
        effect: &mut StepEffect,
    ) -> Result<(), Conflict> {
        let Some(image) = self.image(target.id()).cloned() else {
            return Ok(());
        };
        match target {
            Target::Name { name, .. } if image.tags.len() != 1 => {
                self.untag(&image.id, name, effect);
                if self.image(&image.id).is_some_and(|i| !i.tags.is_empty()) {
                    return Ok(());
                }
            }
            Target::Id(_) if image.tags.len() > 1 && !force => {
                return Err(Conflict::SeveralNames(image.tags.clone()));
            }
            _ => {}
        }
        let users = self.container_refs(&image.id, |_| true);
        if !users.is_empty() {
            if !force {
                return Err(Conflict::InUse(users));
            }
            // Podman's force removes the containers first, running ones included.
            let (gone, kept) = std::mem::take(&mut self.containers)
                .into_iter()
                .partition(|c| c.image_id == image.id);
            self.containers = kept;
            if let Some(undo) = &mut self.undo {
                undo.containers.extend::<Vec<ModelContainer>>(gone);
            }
            effect.containers_deleted = users;
        }
        let parent = self.delete_image(&image.id, effect);
        self.prune_parents(parent, effect);
        Ok(())
    }

    fn container_refs(
        &self,
        id: &str,
        pick: impl Fn(&ModelContainer) -> bool,
    ) -> Vec<ContainerRef> {
        self.users(id)
            .into_iter()
            .filter(|c| pick(c))
            .map(|c| c.container.clone())
            .collect()
    }

    /// Remove a tag; Docker also drops that repository's digests when no tag of it is left.
    fn untag(&mut self, id: &str, name: &str, effect: &mut StepEffect) {
        let kind = self.kind;
        self.save(id);
        let Some(image) = self.image_mut(id) else {
            return;
        };
        let before = image.tags.len();
        image.tags.retain(|t| t != name);
        if image.tags.len() < before {
            effect.untagged.push(name.to_owned());
        }
        if kind == EngineKind::Docker {
            let repo = repository_of(name);
            if !image.tags.iter().any(|t| repository_of(t) == repo) {
                image.digests.retain(|d| repository_of(d) != repo);
            }
        }
    }

    /// The image record goes with every name; images built on it lose their parent.
    /// Returns the deleted image's parent (empty for none).
    fn delete_image(&mut self, id: &str, effect: &mut StepEffect) -> String {
        let Some(image) = self.image(id).cloned() else {
            return String::new();
        };
        effect.untagged.extend(image.tags);
        effect.deleted.push(id.to_owned());
        self.save(id);
        self.images.remove(id);
        self.unlink(&image.parent, id);
        for c in self.kids.remove(id).unwrap_or_default() {
            self.save(&c);
            if let Some(child) = self.images.get_mut(&c) {
                child.parent.clear();
            }
        }
        image.parent
    }

    /// Untagged parents nothing else needs go with their last child.
    fn prune_parents(&mut self, mut parent: String, effect: &mut StepEffect) {
        while self.image(&parent).is_some()
            && self.refs(&parent) == 0
            && self.children(&parent).is_empty()
            && self.users(&parent).is_empty()
        {
            parent = self.delete_image(&parent.clone(), effect);
        }
    }
}

/// `repo:tag` / `repo@digest` → `repo`, the way the engine compares repositories.
fn repository_of(name: &str) -> String {
    let base = name.split('@').next().unwrap_or(name);
    Reference::parse(base)
        .map(|r| r.qualified_repository())
        .unwrap_or_else(|_| base.to_owned())
}

/// Docker's `isSingleReference`: one tag at most, and every digest in that tag's repository.
fn docker_single_reference(image: &ModelImage) -> bool {
    let refs = image.tags.len() + image.digests.len();
    if refs <= 1 {
        return refs == 1;
    }
    if image.tags.len() > 1 {
        return false;
    }
    let single = image
        .tags
        .first()
        .or(image.digests.first())
        .map(|s| repository_of(s))
        .unwrap_or_default();
    image.digests.iter().all(|d| repository_of(d) == single)
}
