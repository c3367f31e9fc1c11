//! Removal on the real engines: the rules Slipway encodes (slipway-core images/remove_rules.rs)
//! are checked request by request against dockerd 20.10 and Podman 4.3, and the removal plan
//! the app and CLI show is checked against what the engine then did.

use slipway_core::images::{
    ContainerConsent, EngineModel, MovePolicy, RefusalReason, RemovalRequest, TagOutcome, resolve,
};
use slipway_core::protection::Protection;
use slipway_core::{Engine, EngineKind};
use slipway_engine_tests::*;
use std::collections::BTreeSet;
use std::process::{Command, Output};

/// The docker CLI against either private engine (Podman's service speaks Docker's API).
fn cli_on(e: &Engine, args: &[&str]) -> String {
    let cli = std::env::var("SLIPWAY_TEST_DOCKER_CLI").unwrap_or_else(|_| "docker".into());
    let out = Command::new(cli)
        .arg("-H")
        .arg(&e.info.host)
        .args(args)
        .env_remove("DOCKER_CONTEXT")
        .output()
        .expect("docker CLI runs");
    assert!(
        out.status.success(),
        "docker {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).trim().to_owned()
}

fn can_run(e: &Engine) -> bool {
    e.info.kind == EngineKind::Docker || env("SLIPWAY_TEST_PODMAN_CAN_RUN") == "1"
}

/// A fresh image with `tags` (as `FROM base` + a unique file), and its names as the engine
/// lists them (Podman qualifies them).
async fn image_with(e: &Engine, tags: &[&str]) -> (String, Vec<String>) {
    let marker = unique("m");
    let id = build_lines(e, &[&format!("RUN echo {marker} > /marker")], &tags[..1]).await;
    for t in &tags[1..] {
        e.tag(&id, t).await.unwrap();
    }
    let names = e.get(&id).await.unwrap().tags;
    (id, names)
}

/// A stopped (created) container of `image`.
fn stopped_container(e: &Engine, image: &str) -> String {
    cli_on(e, &["create", image, "true"])
}

/// What a person can see of an engine: images with their names, and the containers.
fn visible(m: &EngineModel) -> (BTreeSet<(String, Vec<String>)>, BTreeSet<String>) {
    let images = m
        .images()
        .map(|i| {
            let mut t = i.tags.clone();
            t.sort();
            (i.id.clone(), t)
        })
        .collect();
    let containers = m
        .containers()
        .iter()
        .map(|c| c.container.id.clone())
        .collect();
    (images, containers)
}

/// Send one request to the engine and the same to the model: both must refuse or both
/// succeed, and leave the same images, names and containers.
async fn step_matches(e: &Engine, reference: &str, force: bool) {
    let before = e.removal_model().await.unwrap();
    let target = resolve(&before, reference).expect("the reference resolves");
    let mut predicted = before.clone();
    let sim = predicted.apply(&target, force, false);
    let real = e.remove(reference, force, false).await;
    let after = e.removal_model().await.unwrap();
    assert_eq!(
        sim.is_ok(),
        real.is_ok(),
        "{:?} rm {reference} force={force}: rules said {sim:?}, the engine {real:?}",
        e.info.kind
    );
    assert_eq!(
        visible(&predicted),
        visible(&after),
        "{:?} rm {reference} force={force}: the rules and the engine disagree on what is left",
        e.info.kind
    );
}

async fn rules_match_the_engine(e: &Engine) {
    // Two names, a stopped container: name, last name, last name forced.
    let (id, names) = image_with(e, &[&unique("r2a"), &unique("r2b")]).await;
    stopped_container(e, &id);
    step_matches(e, &names[0], false).await;
    step_matches(e, &names[1], false).await;
    step_matches(e, &names[1], true).await;
    // By ID with two names and a stopped container, then forced.
    let (id, _) = image_with(e, &[&unique("rid1"), &unique("rid2")]).await;
    stopped_container(e, &id);
    step_matches(e, &id, false).await;
    step_matches(e, &id, true).await;
    // An untagged image a stopped container uses, by ID.
    let (id, names) = image_with(e, &[&unique("runt")]).await;
    stopped_container(e, &id);
    e.tag(&id, &unique("other")).await.unwrap();
    e.remove(&names[0], false, false).await.unwrap();
    let other = e.get(&id).await.unwrap().tags;
    step_matches(e, &other[0], true).await;
    // A parent with an image built on it: by ID, by ID forced, by its last name (each on
    // its own parent: Podman deletes it at the first request).
    for (by_id, force) in [(true, false), (true, true), (false, false)] {
        let (parent_id, names) = image_with(e, &[&unique("rparent")]).await;
        let ctx = context(&[(
            "Dockerfile",
            &format!("FROM {}\nRUN echo {} > /k\n", names[0], unique("k")),
        )]);
        build_in(e, ctx.path(), &[&unique("rkid")]).await;
        let reference = if by_id { &parent_id } else { &names[0] };
        step_matches(e, reference, force).await;
    }
    // A multi-step build: deleting it takes its untagged intermediate parents.
    let id = build_lines(
        e,
        &[
            &format!("RUN echo {} > /a", unique("a")),
            "RUN echo b > /b",
            "ENV X=1",
        ],
        &[&unique("rchain")],
    )
    .await;
    step_matches(e, &id, false).await;
    if can_run(e) {
        // A running container: by name, by name forced, then by ID forced if it is still there.
        let (id, names) = image_with(e, &[&unique("rrun")]).await;
        let c = cli_on(e, &["run", "-d", "--network", "none", &id, "sleep", "300"]);
        step_matches(e, &names[0], false).await;
        step_matches(e, &names[0], true).await;
        if e.get(&id).await.is_ok() {
            step_matches(e, &id, true).await;
        }
        let _ = Command::new(std::env::var("SLIPWAY_TEST_DOCKER_CLI").unwrap_or("docker".into()))
            .args(["-H", &e.info.host, "rm", "-f", &c])
            .output();
    }
}

#[tokio::test]
async fn docker_removal_rules_match_dockerd_request_by_request() {
    rules_match_the_engine(&docker().await).await;
}

#[tokio::test]
async fn podman_removal_rules_match_podman_request_by_request() {
    rules_match_the_engine(&podman().await).await;
}

fn request(refs: &[String], force: bool) -> RemovalRequest {
    RemovalRequest {
        references: refs.to_vec(),
        force,
        noprune: false,
    }
}

/// Two names on an image a stopped container uses: the plan, then the run, then the engine.
async fn two_names_in_use(e: &Engine) -> (String, Vec<String>, String) {
    let (id, names) = image_with(e, &[&unique("inuse-a"), &unique("inuse-b")]).await;
    let container = stopped_container(e, &id);
    (id, names, container)
}

async fn container_exists(e: &Engine, id: &str) -> bool {
    e.removal_model()
        .await
        .unwrap()
        .containers()
        .iter()
        .any(|c| c.container.id.starts_with(id) || id.starts_with(&c.container.id))
}

async fn without_force_nothing_is_untagged(e: &Engine) {
    let (id, names, container) = two_names_in_use(e).await;
    let none = Protection::default();
    let plan = e
        .plan_removal(&request(&names, false), &none)
        .await
        .unwrap();
    let item = &plan.images[0];
    let refusal = item.refusal.as_ref().expect("refused");
    assert!(
        matches!(&refusal.reason, RefusalReason::InUse { containers } if container.starts_with(&containers[0].id[..12])),
        "{refusal:?}"
    );
    assert!(refusal.forceable, "force is offered");
    assert!(item.untag.is_empty() && !item.delete);
    let report = e
        .remove_planned(&request(&names, false), &none, &ContainerConsent::None)
        .await
        .unwrap();
    let outcome = &report.outcomes[0];
    assert!(outcome.as_planned, "{outcome:?}");
    assert!(!report.complete);
    let mut left = e.get(&id).await.unwrap().tags;
    left.sort();
    let mut all = names.clone();
    all.sort();
    assert_eq!(left, all, "both names are still there: nothing half done");
    assert_eq!(report.left.len(), 2, "both can be retried");
    assert!(container_exists(e, &container).await);
}

#[tokio::test]
async fn docker_plan_for_an_in_use_image_with_two_names_is_what_dockerd_does() {
    let e = docker().await;
    without_force_nothing_is_untagged(&e).await;
    // With force: the image goes, the container stays (Docker keeps its layers).
    let (id, names, container) = two_names_in_use(&e).await;
    let none = Protection::default();
    let plan = e.plan_removal(&request(&names, true), &none).await.unwrap();
    let item = &plan.images[0];
    assert!(item.delete && item.refusal.is_none(), "{item:?}");
    assert!(item.containers_deleted.is_empty());
    assert_eq!(item.containers_kept.len(), 1);
    let report = e
        .remove_planned(&request(&names, true), &none, &ContainerConsent::None)
        .await
        .unwrap();
    assert!(
        report.complete && report.outcomes[0].as_planned,
        "{report:#?}"
    );
    assert!(e.get(&id).await.is_err(), "the image is gone");
    assert!(
        container_exists(&e, &container).await,
        "the container stays"
    );
}

#[tokio::test]
async fn podman_plan_for_an_in_use_image_with_two_names_is_what_podman_does() {
    let e = podman().await;
    without_force_nothing_is_untagged(&e).await;
    // Forced: Podman would delete the container, so the plan lists it first …
    let (id, names, container) = two_names_in_use(&e).await;
    let none = Protection::default();
    let plan = e.plan_removal(&request(&names, true), &none).await.unwrap();
    let item = &plan.images[0];
    assert!(item.delete);
    assert_eq!(item.containers_deleted.len(), 1, "{item:?}");
    assert!(container.starts_with(&item.containers_deleted[0].id[..12]));
    // … and without consent nothing goes.
    let report = e
        .remove_planned(&request(&names, true), &none, &ContainerConsent::None)
        .await
        .unwrap();
    assert!(matches!(
        report.outcomes[0].refusal.as_ref().map(|r| &r.reason),
        Some(RefusalReason::ContainersNotAccepted { .. })
    ));
    assert!(
        container_exists(&e, &container).await,
        "no container deleted unseen"
    );
    assert_eq!(e.get(&id).await.unwrap().tags.len(), 2);
    // With consent for exactly the listed container, both go, as planned.
    let listed = ContainerConsent::Only(vec![item.containers_deleted[0].id.clone()]);
    let report = e
        .remove_planned(&request(&names, true), &none, &listed)
        .await
        .unwrap();
    assert!(
        report.complete && report.outcomes[0].as_planned,
        "{report:#?}"
    );
    assert_eq!(report.outcomes[0].containers_deleted.len(), 1);
    assert!(!container_exists(&e, &container).await);
    assert!(e.get(&id).await.is_err());
}

fn slipway(host: &str, args: &[&str]) -> Output {
    Command::new(slipway_cli())
        .arg("--host")
        .arg(host)
        .args(args)
        .output()
        .expect("slipway-cli runs")
}

#[tokio::test]
async fn cli_force_on_podman_lists_the_containers_and_deletes_them_only_when_told() {
    let e = podman().await;
    let (id, names, container) = two_names_in_use(&e).await;
    let mut args = vec!["images", "rm", "--force"];
    args.extend(names.iter().map(String::as_str));
    let out = slipway(&e.info.host, &args);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success(), "refused: {stderr}");
    assert!(
        stderr.contains(&container[..12]) && stderr.contains("--delete-containers"),
        "the containers are named, and how to delete them: {stderr}"
    );
    assert!(container_exists(&e, &container).await);
    assert_eq!(e.get(&id).await.unwrap().tags.len(), 2);
    args.push("--delete-containers");
    let out = slipway(&e.info.host, &args);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        stdout.contains(&format!("Deleted container: {container}")),
        "{stdout}"
    );
    assert!(!container_exists(&e, &container).await);
}

#[tokio::test]
async fn cli_rm_of_both_names_of_an_in_use_image_leaves_both_on_docker() {
    let e = docker().await;
    let (id, names, _) = two_names_in_use(&e).await;
    let mut args = vec!["images", "rm"];
    args.extend(names.iter().map(String::as_str));
    let out = slipway(&e.info.host, &args);
    assert!(!out.status.success());
    assert_eq!(e.get(&id).await.unwrap().tags.len(), 2, "not half untagged");
}

/// A name on one image given to another: reported (with the holder) until moving from it.
async fn tag_conflict(e: &Engine) -> (String, String) {
    let name = format!("{}:1", unique("held"));
    let (holder, _) = image_with(e, &[&name]).await;
    let (source, _) = image_with(e, &[&unique("mover")]).await;
    match e
        .tag_checked(&source, &name, &MovePolicy::Ask)
        .await
        .unwrap()
    {
        TagOutcome::Conflict { holder: h, .. } => {
            assert_eq!(h.id, holder, "{:?}", e.info.kind);
            assert!(
                h.keeps.is_empty(),
                "the holder would be left without a name"
            );
        }
        other => panic!("{:?}: {other:?}", e.info.kind),
    }
    assert_eq!(e.get(&name).await.unwrap().id, holder, "nothing moved");
    let wrong = MovePolicy::From(source.clone());
    assert!(matches!(
        e.tag_checked(&source, &name, &wrong).await.unwrap(),
        TagOutcome::Conflict { .. }
    ));
    let moved = e
        .tag_checked(&source, &name, &MovePolicy::From(holder.clone()))
        .await
        .unwrap();
    assert!(matches!(moved, TagOutcome::Tagged { moved_from: Some(ref h), .. } if h.id == holder));
    assert_eq!(e.get(&name).await.unwrap().id, source);
    assert!(e.get(&holder).await.unwrap().tags.is_empty());
    (name, holder)
}

#[tokio::test]
async fn tagging_a_name_another_image_holds_reports_it_until_moving_from_that_image() {
    let e = docker().await;
    let (name, holder) = tag_conflict(&e).await;
    // The CLI moves like `docker tag`, and says so.
    let back = slipway(&e.info.host, &["images", "tag", &holder, &name]);
    assert!(back.status.success());
    let stderr = String::from_utf8_lossy(&back.stderr);
    assert!(stderr.contains("moved"), "{stderr}");
    assert_eq!(e.get(&name).await.unwrap().id, holder);
}

#[tokio::test]
async fn podman_tagging_a_held_name_is_reported_the_same_way() {
    tag_conflict(&podman().await).await;
}
