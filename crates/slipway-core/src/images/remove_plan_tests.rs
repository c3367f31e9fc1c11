//! The plan on small made-up engines, one case per rule measured on the real ones (the engine
//! suite checks the same cases against dockerd and Podman: tests/engine/tests/removal.rs).

use super::*;
use crate::images::remove_rules::{ModelContainer, ModelImage};

fn id(n: &str) -> String {
    format!("sha256:{}", n.repeat(64 / n.len()))
}

fn image(n: &str, parent: &str, tags: &[&str]) -> ModelImage {
    ModelImage {
        id: id(n),
        tags: tags.iter().map(|t| t.to_string()).collect(),
        digests: vec![],
        parent: if parent.is_empty() {
            String::new()
        } else {
            id(parent)
        },
        size: 10,
    }
}

fn container(name: &str, image: &str, state: &str) -> ModelContainer {
    ModelContainer {
        container: ContainerRef {
            id: format!("{name}-id"),
            name: name.into(),
            state: state.into(),
            status: String::new(),
        },
        image_id: id(image),
    }
}

fn model(
    kind: EngineKind,
    images: Vec<ModelImage>,
    containers: Vec<ModelContainer>,
) -> EngineModel {
    EngineModel::new(kind, images, containers)
}

fn plan(m: &EngineModel, refs: &[&str], force: bool) -> RemovalPlan {
    let request = RemovalRequest {
        references: refs.iter().map(|r| r.to_string()).collect(),
        force,
        noprune: false,
    };
    plan_removal(m, &request, &Protection::default())
}

fn in_use(kind: EngineKind, state: &str) -> EngineModel {
    model(
        kind,
        vec![
            image("b", "", &["base:1"]),
            image("a", "b", &["app:1", "app:2"]),
        ],
        vec![container("web", "a", state)],
    )
}

#[test]
fn both_names_of_an_image_a_stopped_container_uses_are_refused_together_without_force() {
    for kind in [EngineKind::Docker, EngineKind::Podman] {
        let p = plan(&in_use(kind, "exited"), &["app:1", "app:2"], false);
        let a = &p.images[0];
        assert!(
            a.untag.is_empty(),
            "{kind:?}: no name goes, so nothing is left half-untagged"
        );
        assert!(!a.delete && a.steps.is_empty());
        let r = a.refusal.as_ref().unwrap();
        assert!(
            matches!(&r.reason, RefusalReason::InUse { containers } if containers[0].name == "web")
        );
        assert!(r.forceable, "{kind:?}: force would do it");
        assert!(p.force_would_help);
        assert_eq!((p.names_removed, p.images_deleted, p.refused), (0, 0, 1));
    }
}

#[test]
fn docker_force_deletes_the_image_and_keeps_the_stopped_container() {
    let p = plan(
        &in_use(EngineKind::Docker, "exited"),
        &["app:1", "app:2"],
        true,
    );
    let a = &p.images[0];
    assert!(a.refusal.is_none());
    assert!(a.delete);
    assert_eq!(a.untag, vec!["app:1", "app:2"]);
    assert!(a.containers_deleted.is_empty());
    assert_eq!(a.containers_kept[0].name, "web");
    assert_eq!(
        a.steps,
        vec![RemoveStep {
            reference: id("a"),
            force: true
        }]
    );
}

#[test]
fn podman_force_says_it_deletes_the_container_too() {
    let p = plan(
        &in_use(EngineKind::Podman, "exited"),
        &["app:1", "app:2"],
        true,
    );
    let a = &p.images[0];
    assert!(a.delete);
    assert_eq!(a.containers_deleted[0].name, "web");
    assert_eq!(p.containers_deleted, 1);
}

#[test]
fn a_running_container_cannot_be_forced_on_docker_but_is_deleted_by_podmans_force() {
    let docker = plan(
        &in_use(EngineKind::Docker, "running"),
        &["app:1", "app:2"],
        true,
    );
    let r = docker.images[0].refusal.as_ref().unwrap();
    assert!(matches!(r.reason, RefusalReason::Running { .. }), "{r:?}");
    assert!(!r.forceable);
    let unforced = plan(
        &in_use(EngineKind::Docker, "running"),
        &["app:1", "app:2"],
        false,
    );
    assert!(!unforced.images[0].refusal.as_ref().unwrap().forceable);
    let podman = plan(
        &in_use(EngineKind::Podman, "running"),
        &["app:1", "app:2"],
        true,
    );
    assert_eq!(podman.images[0].containers_deleted[0].state, "running");
}

#[test]
fn one_name_of_an_image_with_others_just_goes_whatever_uses_it() {
    for kind in [EngineKind::Docker, EngineKind::Podman] {
        for force in [false, true] {
            let p = plan(&in_use(kind, "running"), &["app:1"], force);
            let a = &p.images[0];
            assert_eq!(a.untag, vec!["app:1"], "{kind:?} force={force}");
            assert!(!a.delete && a.refusal.is_none() && a.containers_deleted.is_empty());
            assert_eq!(
                a.steps,
                vec![RemoveStep {
                    reference: "app:1".into(),
                    force: false
                }]
            );
        }
    }
}

#[test]
fn an_unused_image_goes_name_by_name_without_force_and_takes_untagged_parents() {
    let m = model(
        EngineKind::Docker,
        vec![
            image("b", "", &["base:1"]),
            image("c", "b", &[]),
            image("a", "c", &["app:1", "app:2"]),
        ],
        vec![],
    );
    let p = plan(&m, &["app:1", "app:2"], false);
    let a = &p.images[0];
    assert!(a.delete);
    assert_eq!(a.parents_deleted, vec![id("c")], "the tagged base stays");
    assert_eq!(a.steps.len(), 2);
    assert!(a.steps.iter().all(|s| !s.force));
    assert_eq!(p.images_deleted, 2);
}

#[test]
fn by_id_with_several_names_needs_force_on_both_engines() {
    for kind in [EngineKind::Docker, EngineKind::Podman] {
        let m = model(kind, vec![image("a", "", &["x:1", "y:1"])], vec![]);
        let p = plan(&m, &[&id("a")], false);
        let r = p.images[0].refusal.as_ref().unwrap();
        assert!(
            matches!(r.reason, RefusalReason::SeveralNames { .. }),
            "{kind:?}"
        );
        assert!(r.forceable);
        assert!(
            plan(&m, &[&id("a")[..19]], true).images[0].delete,
            "short IDs too"
        );
    }
}

#[test]
fn images_built_on_it_keep_docker_from_deleting_it_but_not_podman() {
    let images = vec![image("b", "", &["base:1"]), image("a", "b", &["app:1"])];
    let docker = model(EngineKind::Docker, images.clone(), vec![]);
    let by_name = &plan(&docker, &["base:1"], false).images[0];
    assert_eq!(by_name.untag, vec!["base:1"]);
    assert!(
        !by_name.delete,
        "Docker untags and keeps the data app:1 needs"
    );
    assert_eq!(by_name.kept_for_children, vec![id("a")]);
    let by_id = &plan(&docker, &[&id("b")], true).images[0];
    assert!(matches!(
        by_id.refusal.as_ref().unwrap().reason,
        RefusalReason::HasChildren { .. }
    ));
    let podman = model(EngineKind::Podman, images, vec![]);
    assert!(plan(&podman, &["base:1"], false).images[0].delete);
}

#[test]
fn a_selected_parent_goes_after_its_selected_child() {
    let m = model(
        EngineKind::Docker,
        vec![image("b", "", &["base:1"]), image("a", "b", &["app:1"])],
        vec![],
    );
    let p = plan(&m, &[&id("b"), "app:1"], false);
    assert_eq!(p.images[0].id, id("a"), "the child first");
    assert!(
        p.images.iter().all(|i| i.delete && i.refusal.is_none()),
        "{p:#?}"
    );
}

#[test]
fn pins_refuse_even_with_force_and_unknown_names_are_named() {
    let m = in_use(EngineKind::Docker, "exited");
    let request = RemovalRequest {
        references: vec!["app:1".into(), "ghost:1".into()],
        force: true,
        noprune: false,
    };
    let pins = Protection::new(["app".to_string()]).unwrap();
    let p = plan_removal(&m, &request, &pins);
    assert!(matches!(
        &p.images[0].refusal.as_ref().unwrap().reason,
        RefusalReason::Pinned { pattern } if pattern == "app"
    ));
    let ghost = p.images[1].refusal.as_ref().unwrap();
    assert_eq!(ghost.reason, RefusalReason::NotFound);
    assert_eq!(ghost.to_error().code, 404);
    assert!(ghost.message.contains("ghost:1"));
}

#[test]
fn names_are_found_however_they_are_spelled() {
    let m = model(
        EngineKind::Podman,
        vec![
            image("a", "", &["docker.io/library/app:latest"]),
            image("b", "", &["localhost/tool:1"]),
        ],
        vec![],
    );
    for (r, want) in [("app", "a"), ("app:latest", "a"), ("tool:1", "b")] {
        match resolve(&m, r).unwrap() {
            Target::Name { id: got, .. } => assert_eq!(got, id(want), "{r}"),
            other => panic!("{r}: {other:?}"),
        }
    }
}

#[test]
fn a_refused_image_is_taken_back_whole_so_later_images_see_it_still_there() {
    // app (used by a stopped container) is refused without force; its untagged parent, asked
    // for next, must still see app built on it.
    let m = model(
        EngineKind::Docker,
        vec![image("b", "", &[]), image("a", "b", &["app:1", "app:2"])],
        vec![container("web", "a", "exited")],
    );
    let p = plan(&m, &["app:1", "app:2", &id("b")], false);
    assert!(p.images.iter().all(|i| i.refusal.is_some()), "{p:#?}");
    assert!(matches!(
        p.images[1].refusal.as_ref().unwrap().reason,
        RefusalReason::HasChildren { .. }
    ));
    let forced = plan(&m, &["app:1", "app:2", &id("b")], true);
    assert!(forced.images.iter().all(|i| i.delete), "{forced:#?}");
}
