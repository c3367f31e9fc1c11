//! The image API against a real `podman system service` (Debian's podman 4.3 with runc),
//! through its Docker-compatible API. Podman's quirks are asserted, not skipped.

use futures_util::StreamExt;
use slipway_core::build::BuildOptions;
use slipway_core::images::{ListOptions, PruneOptions};
use slipway_core::progress::{self, Progress};
use slipway_core::transfer::PullOptions;
use slipway_core::{Engine, EngineKind};
use slipway_engine_tests::*;
use std::collections::HashSet;
use std::process::Command;
use std::time::Duration;

/// The podman remote client, talking to the private service only.
fn podman_cli(args: &[&str]) -> String {
    let out = Command::new("podman")
        .args(["--remote", "--url", &podman_host()])
        .args(args)
        .output()
        .expect("podman runs");
    assert!(
        out.status.success(),
        "podman {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

async fn build_unique(e: &Engine, tag: &str) -> String {
    build_lines(e, &[&format!("RUN echo {} > /marker", unique("m"))], &[tag]).await
}

#[tokio::test]
async fn connect_reports_podman() {
    let e = podman().await;
    assert_eq!(e.info.kind, EngineKind::Podman);
    assert!(e.info.version.starts_with("4."), "{}", e.info.version);
}

#[tokio::test]
async fn list_holds_exactly_the_ids_podman_shows() {
    let e = podman().await;
    build_unique(&e, &unique("p-list")).await;
    let ours = e.image_ids().await.unwrap();
    let theirs: HashSet<String> = podman_cli(&["images", "-q", "--no-trunc"])
        .lines()
        .map(str::to_owned)
        .collect();
    assert_eq!(ours, theirs);
}

#[tokio::test]
async fn names_come_back_fully_qualified_and_short_names_still_resolve() {
    let e = podman().await;
    let tag = format!("{}:v1", unique("p-names"));
    let id = build_unique(&e, &tag).await;
    let got = e.get(&tag).await.unwrap();
    assert_eq!(got.id, id);
    // Podman's quirk: names come back fully qualified (a compat build lands in docker.io/library).
    assert_eq!(got.tags, vec![format!("docker.io/library/{tag}")]);
    let r = slipway_core::reference::Reference::parse(&tag).unwrap();
    assert!(
        r.matches_name(&got.tags[0]),
        "the qualified name is the one the user typed"
    );
    // Images podman built itself (the harness's base) live under localhost/ instead.
    let base = e.get(&base_image()).await.unwrap();
    assert_eq!(base.tags, vec![format!("localhost/{}", base_image())]);
}

#[tokio::test]
async fn build_applies_every_tag_and_build_args() {
    let e = podman().await;
    let a = unique("p-multi-a");
    let b = unique("p-multi-b");
    let ctx = context(&[(
        "Dockerfile",
        &dockerfile(&["ARG V=default", "RUN echo $V > /v"]),
    )]);
    let options = BuildOptions {
        tags: vec![a.clone(), b.clone()],
        build_args: [("V".to_owned(), "from-arg".to_owned())].into(),
        ..Default::default()
    };
    let r = e
        .build(ctx.path(), &options, &mut progress::ignore, &no_cancel())
        .await
        .unwrap();
    let tags: HashSet<String> = r.tag.into_iter().collect();
    assert!(
        tags.contains(&format!("docker.io/library/{a}:latest")),
        "{tags:?}"
    );
    assert!(
        tags.contains(&format!("docker.io/library/{b}:latest")),
        "{tags:?}"
    );
    if env("SLIPWAY_TEST_PODMAN_CAN_RUN") == "1" {
        let out = podman_cli(&["run", "--rm", "--network", "none", &a, "cat", "/v"]);
        assert_eq!(out.trim(), "from-arg");
    }
}

#[tokio::test]
async fn build_progress_reads_podman_step_lines() {
    let e = podman().await;
    let ctx = context(&[("Dockerfile", &dockerfile(&["RUN true", "ENV X=1"]))]);
    let (seen, mut sink) = collector();
    e.build(
        ctx.path(),
        &BuildOptions {
            tags: vec![unique("p-steps")],
            ..Default::default()
        },
        &mut sink,
        &no_cancel(),
    )
    .await
    .unwrap();
    let totals: HashSet<u32> = seen
        .lock()
        .unwrap()
        .iter()
        .filter_map(|p| match p {
            Progress::Build(b) => Some(b.total_steps),
            _ => None,
        })
        .collect();
    assert!(totals.contains(&3), "STEP i/3 lines were read: {totals:?}");
}

#[tokio::test]
async fn a_failing_run_step_reports_its_message() {
    let e = podman().await;
    let ctx = context(&[("Dockerfile", &dockerfile(&["RUN exit 7"]))]);
    let err = e
        .build(
            ctx.path(),
            &BuildOptions {
                tags: vec![unique("p-fail")],
                ..Default::default()
            },
            &mut progress::ignore,
            &no_cancel(),
        )
        .await
        .unwrap_err();
    assert!(
        err.message.contains("exit 7") || err.message.contains("exit status 7"),
        "{}",
        err.message
    );
}

#[tokio::test]
async fn dockerignored_files_are_not_in_the_image() {
    let e = podman().await;
    let tag = unique("p-ignore");
    let ctx = context(&[
        (
            "Dockerfile",
            &dockerfile(&["COPY . /ctx", "RUN find /ctx -type f | sort > /listing"]),
        ),
        (".dockerignore", "secret.txt\n"),
        ("secret.txt", "password"),
        ("app.txt", "app"),
    ]);
    let options = BuildOptions {
        tags: vec![tag.clone()],
        ..Default::default()
    };
    e.build(ctx.path(), &options, &mut progress::ignore, &no_cancel())
        .await
        .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("img.tar");
    e.save(
        std::slice::from_ref(&tag),
        &file,
        &mut progress::ignore,
        &no_cancel(),
    )
    .await
    .unwrap();
    // Look inside the saved layers for the files, without running a container.
    let listing = Command::new("sh")
        .arg("-c")
        .arg(format!(
            "cd {d} && tar -xf img.tar && for l in $(find . -name '*.tar' ! -name img.tar) */layer.tar; do tar -tf $l 2>/dev/null; done | sort -u",
            d = dir.path().display()
        ))
        .output()
        .unwrap();
    let listing = String::from_utf8_lossy(&listing.stdout);
    assert!(listing.contains("ctx/app.txt"), "{listing}");
    assert!(!listing.contains("ctx/secret.txt"), "{listing}");
}

#[tokio::test]
async fn get_and_remove_of_missing_images_are_404() {
    let e = podman().await;
    assert_eq!(e.get("slipway-missing:x").await.unwrap_err().code, 404);
    assert_eq!(
        e.remove("slipway-missing:x", false, false)
            .await
            .unwrap_err()
            .code,
        404
    );
}

#[tokio::test]
async fn tag_then_remove_one_name_only_untags() {
    let e = podman().await;
    let a = unique("p-tag-a");
    let id = build_unique(&e, &a).await;
    let b = format!("{}:two", unique("p-tag-b"));
    e.tag(&a, &b).await.unwrap();
    assert_eq!(e.get(&b).await.unwrap().id, id);
    let r = e.remove(&b, false, false).await.unwrap();
    assert_eq!(r.result, "success");
    assert!(r.deleted.is_empty(), "{r:?}");
    assert_eq!(e.get(&a).await.unwrap().id, id);
}

#[tokio::test]
async fn remove_of_an_image_in_use_is_409_and_force_removes_it() {
    let e = podman().await;
    let tag = unique("p-busy");
    let id = build_unique(&e, &tag).await;
    let ctr = podman_cli(&["create", "--network", "none", &tag]);
    let err = e.remove(&id, false, false).await.unwrap_err();
    assert_eq!(err.code, 409, "{}", err.message);
    e.remove(&id, true, false).await.unwrap();
    assert!(e.get(&id).await.is_err());
    let _ = Command::new("podman")
        .args(["--remote", "--url", &podman_host(), "rm", "-f", ctr.trim()])
        .output();
}

#[tokio::test]
async fn push_and_pull_round_trip_with_layer_counts_but_no_per_layer_push_progress() {
    let e = podman().await;
    let tag = format!("{}/{}:v1", registry(), unique("p-round"));
    let ctx = random_context(3);
    let id = {
        let options = BuildOptions {
            tags: vec![tag.clone()],
            ..Default::default()
        };
        e.build(ctx.path(), &options, &mut progress::ignore, &no_cancel())
            .await
            .unwrap()
            .id
    };
    let (pushed, mut push_sink) = collector();
    let r = e
        .push(&tag, None, &mut push_sink, &no_cancel())
        .await
        .unwrap();
    assert!(
        r.response.contains(tag.rsplit_once(':').unwrap().0),
        "{}",
        r.response
    );
    // Podman's quirk: push sends no per-layer progress.
    assert!(
        !pushed
            .lock()
            .unwrap()
            .iter()
            .any(|p| matches!(p, Progress::Layer(_))),
        "podman push now reports layers: update the quirk note"
    );
    e.remove(&tag, true, false).await.unwrap();
    assert!(e.get(&id).await.is_err());
    let (seen, mut sink) = collector();
    let pulled = e
        .pull(&tag, &PullOptions::default(), &mut sink, &no_cancel())
        .await
        .unwrap();
    assert_eq!(pulled.id, id, "same image back");
    assert_eq!(pulled.tag, vec![tag]);
    let last = seen.lock().unwrap().iter().rev().find_map(|p| match p {
        Progress::Overall(o) => Some(o.clone()),
        _ => None,
    });
    let o = last.expect("podman pull reports layers");
    assert!(
        o.layers_total > 0 && o.layers_done <= o.layers_total,
        "{o:?}"
    );
}

#[tokio::test]
async fn pulling_a_missing_image_is_an_error_although_podman_answers_200() {
    let e = podman().await;
    let tag = format!("{}/{}:nope", registry(), unique("p-absent"));
    let err = e
        .pull(
            &tag,
            &PullOptions::default(),
            &mut progress::ignore,
            &no_cancel(),
        )
        .await
        .unwrap_err();
    assert_eq!(err.code, 404, "{}", err.message);
    assert!(err.message.contains(&tag), "{}", err.message);
    assert!(e.get(&tag).await.is_err());
}

#[tokio::test]
async fn push_to_the_auth_registry_with_good_and_bad_credentials() {
    let e = podman().await;
    let tag = format!("{}/{}:v1", auth_registry(), unique("p-private"));
    build_unique(&e, &tag).await;
    let user = env("SLIPWAY_TEST_AUTH_USER");
    let bad = slipway_core::credentials::Credentials::basic(&auth_registry(), &user, "wrong");
    let err = e
        .push(&tag, Some(&bad), &mut progress::ignore, &no_cancel())
        .await
        .unwrap_err();
    assert_eq!(err.code, 401, "{}", err.message);
    let good = slipway_core::credentials::Credentials::basic(
        &auth_registry(),
        &user,
        &env("SLIPWAY_TEST_AUTH_PASSWORD"),
    );
    e.push(&tag, Some(&good), &mut progress::ignore, &no_cancel())
        .await
        .unwrap();
}

#[tokio::test]
async fn prune_removes_dangling_images() {
    let e = podman().await;
    let tag = unique("p-dangling");
    let old = build_unique(&e, &tag).await;
    build_unique(&e, &tag).await;
    let plan = e.prune_plan(&PruneOptions::default()).await.unwrap();
    assert!(plan.images.iter().any(|i| i.id == old), "{:?}", plan.images);
    e.prune(&PruneOptions::default()).await.unwrap();
    assert!(e.get(&old).await.is_err());
}

#[tokio::test]
async fn prune_all_works_through_explicit_removals() {
    let e = podman().await;
    // The quirk: the engine's own prune-all (dangling=false) answers 500.
    let sock = podman_host().trim_start_matches("unix://").to_owned();
    let raw = Command::new("curl")
        .args([
            "-s",
            "-o",
            "/dev/null",
            "-w",
            "%{http_code}",
            "--unix-socket",
            &sock,
            "-X",
            "POST",
        ])
        .arg("http://d/v1.41/images/prune?filters=%7B%22dangling%22%3A%5B%22false%22%5D%7D")
        .output()
        .unwrap();
    assert_eq!(
        String::from_utf8_lossy(&raw.stdout),
        "500",
        "podman fixed prune-all: simplify Engine::prune"
    );
    let marker = unique("p-prune-all");
    let unused = build_lines(
        &e,
        &[&format!("LABEL slipway.prune={marker}")],
        &[&unique("p-unused")],
    )
    .await;
    let used_tag = unique("p-used");
    let used = build_lines(
        &e,
        &["ENV USED=1", &format!("LABEL slipway.prune={marker}")],
        &[&used_tag],
    )
    .await;
    let ctr = podman_cli(&["create", "--network", "none", &used_tag]);
    let options = PruneOptions {
        all: true,
        labels: vec![format!("slipway.prune={marker}")],
        ..Default::default()
    };
    let plan = e.prune_plan(&options).await.unwrap();
    assert_eq!(
        plan.images.iter().map(|i| i.id.clone()).collect::<Vec<_>>(),
        vec![unused.clone()]
    );
    let r = e.prune(&options).await.unwrap();
    assert!(
        r.images_deleted
            .iter()
            .any(|d| d.deleted.as_deref() == Some(unused.as_str())),
        "{r:?}"
    );
    assert!(e.get(&unused).await.is_err());
    assert!(e.get(&used).await.is_ok(), "in use: kept");
    let _ = Command::new("podman")
        .args(["--remote", "--url", &podman_host(), "rm", "-f", ctr.trim()])
        .output();
}

#[tokio::test]
async fn save_remove_load_restores_the_same_ids() {
    let e = podman().await;
    let a = unique("p-save-a");
    let b = unique("p-save-b");
    let id_a = build_unique(&e, &a).await;
    let id_b = build_unique(&e, &b).await;
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("both.tar");
    e.save(
        &[a.clone(), b.clone()],
        &file,
        &mut progress::ignore,
        &no_cancel(),
    )
    .await
    .unwrap();
    e.remove(&a, true, false).await.unwrap();
    e.remove(&b, true, false).await.unwrap();
    let loaded = e
        .load(&file, &mut progress::ignore, &no_cancel())
        .await
        .unwrap();
    assert!(!loaded.loaded.is_empty());
    assert_eq!(e.get(&a).await.unwrap().id, id_a);
    assert_eq!(e.get(&b).await.unwrap().id, id_b);
}

#[tokio::test]
async fn disk_usage_is_computed_from_layers_and_adds_up() {
    let e = podman().await;
    build_unique(&e, &unique("p-df")).await;
    let df = e.df().await.unwrap();
    assert_eq!(df.source, "computed", "podman's /system/df is not trusted");
    let list = e.list(&ListOptions::default()).await.unwrap();
    assert_eq!(df.images.count as usize, list.len());
    let largest = list.iter().map(|i| i.size).max().unwrap();
    let sum: i64 = list.iter().map(|i| i.size).sum();
    assert!(
        df.images.size >= largest && df.images.size <= sum,
        "{} not in [{largest}, {sum}]",
        df.images.size
    );
}

#[tokio::test]
async fn the_event_stream_sees_a_tag() {
    let e = podman().await;
    let src = unique("p-evt");
    build_unique(&e, &src).await;
    let mut events = Box::pin(e.image_events());
    let target = unique("p-evt-dst");
    podman_cli(&["tag", &src, &target]);
    let found = tokio::time::timeout(Duration::from_secs(10), async {
        while let Some(ev) = events.next().await {
            let ev = ev.unwrap();
            if ev.action == "tag" {
                return true;
            }
        }
        false
    })
    .await;
    assert_eq!(found, Ok(true));
}

#[tokio::test]
async fn search_finds_the_seeded_image_in_the_local_registry() {
    let e = podman().await;
    let term = format!("{}/slipway", registry());
    let hits = e
        .search(
            &term,
            &slipway_core::images::SearchOptions {
                limit: Some(10),
                ..Default::default()
            },
        )
        .await
        .unwrap();
    // Podman spells the fields its own way (`Name`, `Stars`); they still arrive filled in.
    let names: Vec<&str> = hits.iter().map(|h| h.name.as_str()).collect();
    assert!(
        names.contains(&format!("{}/slipway-test/busybox", registry()).as_str()),
        "{names:?}"
    );
}

#[tokio::test]
async fn prune_all_preview_is_deleted_exactly_through_explicit_removals() {
    let e = podman().await;
    let marker = unique("p-exact");
    let a = build_lines(
        &e,
        &[
            &format!("RUN echo {marker} > /a"),
            &format!("LABEL slipway.exact={marker}"),
        ],
        &[&unique("p-exact-a")],
    )
    .await;
    let b = build_lines(
        &e,
        &[
            &format!("RUN echo {marker} > /b"),
            &format!("LABEL slipway.exact={marker}"),
        ],
        &[],
    )
    .await;
    let options = PruneOptions {
        all: true,
        labels: vec![format!("slipway.exact={marker}")],
        ..Default::default()
    };
    let plan = e.prune_plan(&options).await.unwrap();
    let planned: HashSet<String> = plan.images.iter().map(|i| i.id.clone()).collect();
    assert_eq!(planned, HashSet::from([a.clone(), b.clone()]));
    let outcome = e
        .prune_exact(
            &plan.images,
            &slipway_core::protection::Protection::default(),
            None,
            &mut progress::ignore,
            &no_cancel(),
        )
        .await
        .unwrap();
    assert!(outcome.skipped.is_empty(), "{outcome:?}");
    assert!(e.get(&a).await.is_err() && e.get(&b).await.is_err());
    let deleted: HashSet<String> = outcome
        .images_deleted
        .iter()
        .filter_map(|d| d.deleted.clone())
        .collect();
    assert!(planned.is_subset(&deleted), "{outcome:?}");
    // Freed is measured (layers before minus after, Podman's df being untrusted) and matches
    // the prediction made from the same images' layers.
    assert!(outcome.predicted > 0, "{outcome:?}");
    assert!(
        (outcome.space_reclaimed - outcome.predicted).abs() * 100 <= outcome.predicted,
        "{outcome:?}"
    );
    assert_eq!(outcome.predicted, plan.space_to_reclaim);
}

#[path = "podman/parity.rs"]
mod parity;

#[path = "podman/quick.rs"]
mod quick;
