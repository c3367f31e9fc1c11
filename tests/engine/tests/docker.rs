//! The image API against a real, private dockerd (Debian's docker.io, API 1.41), with
//! registries on 127.0.0.1. Cross-checked with the docker CLI on the same engine.

use futures_util::StreamExt;
use slipway_core::build::BuildOptions;
use slipway_core::credentials::Credentials;
use slipway_core::images::{ListOptions, PruneOptions, SearchOptions};
use slipway_core::progress::{self, Progress};
use slipway_core::transfer::{ImportOptions, PullOptions};
use slipway_core::{CancellationToken, Engine, EngineKind, EngineSpec};
use slipway_engine_tests::*;
use std::collections::{BTreeMap, HashSet};
use std::time::{Duration, Instant};

// ---------- connection ----------

#[tokio::test]
async fn connect_reports_docker_and_the_negotiated_api_version() {
    let e = docker().await;
    assert_eq!(e.info.kind, EngineKind::Docker);
    assert_eq!(
        e.info.api_version, "1.41",
        "Debian's dockerd 20.10 speaks API 1.41"
    );
    assert!(e.info.version.starts_with("20.10"), "{}", e.info.version);
    assert_eq!(e.info.os, "linux");
}

#[tokio::test]
async fn an_engine_that_is_not_there_is_a_503_naming_the_socket() {
    let err = Engine::connect(EngineSpec::host("unix:///tmp/slipway-no-such.sock"))
        .await
        .unwrap_err();
    assert_eq!(err.code, 503);
    assert!(
        err.message.contains("/tmp/slipway-no-such.sock"),
        "{}",
        err.message
    );
}

// ---------- list / get / inspect / history ----------

#[tokio::test]
async fn list_holds_exactly_the_ids_the_docker_cli_shows() {
    let e = docker().await;
    build_tagged(&e, &unique("list-check")).await;
    let ours: HashSet<String> = e.image_ids().await.unwrap();
    let theirs: HashSet<String> = docker_cli(&["images", "-q", "--no-trunc"])
        .lines()
        .map(str::to_owned)
        .collect();
    assert_eq!(ours, theirs);
}

#[tokio::test]
async fn get_agrees_with_docker_inspect() {
    let e = docker().await;
    let tag = format!("{}:v1", unique("get-check"));
    let id = build_tagged(&e, &tag).await;
    let ours = e.get(&tag).await.unwrap();
    let theirs: serde_json::Value = serde_json::from_str(&docker_cli(&["inspect", &tag])).unwrap();
    let theirs = &theirs[0];
    assert_eq!(ours.id, id);
    assert_eq!(ours.id, theirs["Id"]);
    assert_eq!(serde_json::json!(ours.tags), theirs["RepoTags"]);
    assert_eq!(ours.created, theirs["Created"]);
    assert_eq!(ours.size, theirs["Size"].as_i64().unwrap());
    let json = serde_json::to_value(&ours).unwrap();
    assert!(
        json["id"].is_string() && json["tags"].is_array(),
        "seed shape {{id,tags}}: {json}"
    );
}

#[tokio::test]
async fn get_of_a_missing_image_is_404_json_naming_it() {
    let e = docker().await;
    let err = e.get("slipway-missing:nope").await.unwrap_err();
    assert_eq!(err.code, 404);
    assert!(err.message.contains("slipway-missing:nope"));
    assert_eq!(err.to_json()["error"]["code"], 404);
}

#[tokio::test]
async fn get_of_an_invalid_reference_is_400() {
    let e = docker().await;
    assert_eq!(e.get("Bad Name").await.unwrap_err().code, 400);
}

#[tokio::test]
async fn inspect_keeps_fields_the_newest_api_dropped() {
    let e = docker().await;
    let tag = unique("inspect-check");
    build_tagged(&e, &tag).await;
    let v = e.inspect(&tag).await.unwrap();
    // API 1.41 sends Parent and ContainerConfig; bollard's model for 1.53 has neither.
    assert!(v.get("Parent").is_some(), "{v}");
    assert!(v.get("ContainerConfig").is_some(), "{v}");
}

#[tokio::test]
async fn history_has_as_many_rows_as_docker_history() {
    let e = docker().await;
    let tag = unique("history-check");
    let ctx = context(&[(
        "Dockerfile",
        &dockerfile(&["ENV A=1", "RUN echo x > /x", "LABEL b=2"]),
    )]);
    build_in(&e, ctx.path(), &[&tag]).await;
    let ours = e.history(&tag).await.unwrap();
    let theirs = docker_cli(&["history", "-q", &tag]);
    assert_eq!(ours.len(), theirs.lines().count());
    assert!(
        ours.iter()
            .any(|h| h.created_by.contains("echo x") && !h.empty_layer)
    );
    assert!(
        ours.iter()
            .any(|h| h.created_by.contains("ENV A=1") && h.empty_layer)
    );
}

// ---------- list filters ----------

#[tokio::test]
async fn label_filter_lists_only_labelled_images() {
    let e = docker().await;
    let marker = unique("lbl");
    let ctx = context(&[(
        "Dockerfile",
        &dockerfile(&[&format!("LABEL slipway.test={marker}")]),
    )]);
    let id = build_in(&e, ctx.path(), &[&unique("labelled")]).await;
    let filters = vec![("label".into(), format!("slipway.test={marker}"))];
    let list = e
        .list(&ListOptions {
            filters,
            ..Default::default()
        })
        .await
        .unwrap();
    assert_eq!(
        list.iter().map(|i| i.id.clone()).collect::<Vec<_>>(),
        vec![id]
    );
    assert_eq!(list[0].labels.get("slipway.test"), Some(&marker));
}

#[tokio::test]
async fn reference_filter_matches_by_repository() {
    let e = docker().await;
    let repo = unique("ref-filter");
    build_tagged(&e, &format!("{repo}:a")).await;
    build_tagged(&e, &format!("{repo}:b")).await;
    let filters = vec![("reference".into(), repo.clone())];
    let list = e
        .list(&ListOptions {
            filters,
            ..Default::default()
        })
        .await
        .unwrap();
    let tags: HashSet<String> = list.into_iter().flat_map(|i| i.tags).collect();
    assert_eq!(
        tags,
        HashSet::from([format!("{repo}:a"), format!("{repo}:b")])
    );
}

#[tokio::test]
async fn dangling_filter_lists_untagged_images_only() {
    let e = docker().await;
    let tag = unique("dangle");
    let old = build_tagged(&e, &tag).await;
    build_tagged(&e, &tag).await; // takes the name: the first becomes dangling
    let filters = vec![("dangling".into(), "true".into())];
    let list = e
        .list(&ListOptions {
            filters,
            ..Default::default()
        })
        .await
        .unwrap();
    assert!(list.iter().any(|i| i.id == old));
    assert!(
        list.iter().all(|i| i.tags.is_empty()),
        "dangling images have no tags"
    );
}

#[tokio::test]
async fn before_filter_excludes_newer_images() {
    let e = docker().await;
    let first = unique("before-a");
    build_tagged(&e, &first).await;
    tokio::time::sleep(Duration::from_millis(1100)).await;
    let second = unique("before-b");
    let second_id = build_tagged(&e, &second).await;
    let filters = vec![("before".into(), second.clone())];
    let list = e
        .list(&ListOptions {
            filters,
            ..Default::default()
        })
        .await
        .unwrap();
    assert!(list.iter().all(|i| i.id != second_id));
    assert!(
        list.iter()
            .any(|i| i.tags.contains(&format!("{first}:latest")))
    );
}

#[tokio::test]
async fn containers_column_counts_containers_using_the_image() {
    let e = docker().await;
    let tag = unique("in-use");
    let id = build_tagged(&e, &tag).await;
    let name = unique("ctr");
    docker_cli(&["create", "--name", &name, &tag]);
    let list = e.list(&ListOptions::default()).await.unwrap();
    assert_eq!(list.iter().find(|i| i.id == id).unwrap().containers, 1);
    docker_cli(&["rm", &name]);
}

#[tokio::test]
async fn details_list_the_containers_made_from_exactly_this_image() {
    let e = docker().await;
    let base = unique("using-base");
    build_tagged(&e, &base).await;
    let child = unique("using-child");
    let ctx = context(&[("Dockerfile", &format!("FROM {base}\nLABEL child=1\n"))]);
    build_in(&e, ctx.path(), &[&child]).await;
    let on_base = unique("ctr-base");
    let on_child = unique("ctr-child");
    docker_cli(&["create", "--name", &on_base, &base]);
    docker_cli(&["create", "--name", &on_child, &child]);
    let using = e.containers_using(&base).await.unwrap();
    docker_cli(&["rm", &on_base, &on_child]);
    let names: Vec<&str> = using.iter().map(|c| c.name.as_str()).collect();
    assert_eq!(
        names,
        [on_base.as_str()],
        "a child image's container is not the base's"
    );
    assert_eq!(using[0].state, "created");
}

// ---------- tag / remove ----------

#[tokio::test]
async fn tag_creates_a_name_the_docker_cli_sees() {
    let e = docker().await;
    let src = unique("tag-src");
    let id = build_tagged(&e, &src).await;
    let target = format!("{}:v2", unique("tag-dst"));
    e.tag(&src, &target).await.unwrap();
    let theirs = docker_cli(&["inspect", "--format", "{{.Id}}", &target]);
    assert_eq!(theirs.trim(), id);
}

#[tokio::test]
async fn tag_of_a_missing_image_is_404() {
    let e = docker().await;
    assert_eq!(
        e.tag("slipway-missing:x", "whatever:1")
            .await
            .unwrap_err()
            .code,
        404
    );
}

#[tokio::test]
async fn tag_with_a_digest_is_refused_as_400() {
    let e = docker().await;
    let d = format!("x@sha256:{}", "a".repeat(64));
    assert_eq!(e.tag(&base_image(), &d).await.unwrap_err().code, 400);
}

#[tokio::test]
async fn remove_returns_success_and_the_image_is_gone() {
    let e = docker().await;
    let tag = unique("rm-me");
    let id = build_tagged(&e, &tag).await;
    let r = e.remove(&tag, false, false).await.unwrap();
    assert_eq!(serde_json::to_value(&r).unwrap()["result"], "success");
    assert!(r.deleted.contains(&id), "{r:?}");
    assert!(!docker_cli_raw(&["inspect", &id]).status.success());
}

#[tokio::test]
async fn remove_of_one_of_two_names_only_untags() {
    let e = docker().await;
    let a = unique("two-names-a");
    let id = build_tagged(&e, &a).await;
    let b = unique("two-names-b");
    e.tag(&a, &b).await.unwrap();
    let r = e.remove(&b, false, false).await.unwrap();
    assert_eq!(r.untagged, vec![format!("{b}:latest")]);
    assert!(r.deleted.is_empty());
    assert_eq!(e.get(&a).await.unwrap().id, id);
}

#[tokio::test]
async fn remove_of_a_missing_image_is_404() {
    let e = docker().await;
    assert_eq!(
        e.remove("slipway-missing:gone", false, false)
            .await
            .unwrap_err()
            .code,
        404
    );
}

#[tokio::test]
async fn remove_of_an_image_in_use_is_409_and_force_removes_it() {
    let e = docker().await;
    let tag = unique("busy");
    let id = build_tagged(&e, &tag).await;
    let name = unique("user");
    docker_cli(&["create", "--name", &name, &tag]);
    let err = e.remove(&id, false, false).await.unwrap_err();
    assert_eq!(err.code, 409, "{}", err.message);
    e.remove(&id, true, false).await.unwrap();
    assert!(e.get(&tag).await.is_err(), "forced removal untags it");
    docker_cli(&["rm", &name]);
}

// ---------- build ----------

#[tokio::test]
async fn build_returns_the_seed_shape_with_id_and_tag() {
    let e = docker().await;
    let tag = format!("{}:1", unique("built"));
    let ctx = context(&[("Dockerfile", &dockerfile(&["RUN echo hi > /hi"]))]);
    let r = e
        .build(
            ctx.path(),
            &BuildOptions {
                tags: vec![tag.clone()],
                ..Default::default()
            },
            &mut progress::ignore,
            &no_cancel(),
        )
        .await
        .unwrap();
    assert!(r.id.starts_with("sha256:"));
    assert_eq!(r.tag, vec![tag.clone()]);
    let v = serde_json::to_value(&r).unwrap();
    assert!(v["id"].is_string() && v["tag"].is_array());
    assert_eq!(
        docker_cli(&["run", "--rm", &tag, "cat", "/hi"]).trim(),
        "hi"
    );
}

#[tokio::test]
async fn build_applies_every_tag() {
    let e = docker().await;
    let tags: Vec<String> = (0..3).map(|i| format!("{}:{i}", unique("multi"))).collect();
    let ctx = context(&[("Dockerfile", &dockerfile(&[]))]);
    let r = e
        .build(
            ctx.path(),
            &BuildOptions {
                tags: tags.clone(),
                ..Default::default()
            },
            &mut progress::ignore,
            &no_cancel(),
        )
        .await
        .unwrap();
    let got: HashSet<String> = r.tag.into_iter().collect();
    assert!(tags.iter().all(|t| got.contains(t)), "{got:?}");
}

#[tokio::test]
async fn dockerignored_files_are_not_in_the_built_image() {
    let e = docker().await;
    let tag = unique("ignore");
    let ctx = context(&[
        ("Dockerfile", &dockerfile(&["COPY . /ctx"])),
        (".dockerignore", "secret.txt\nlogs/**\n!logs/keep.log\n"),
        ("secret.txt", "password"),
        ("app.txt", "app"),
        ("logs/a.log", "x"),
        ("logs/keep.log", "y"),
    ]);
    build_in(&e, ctx.path(), &[&tag]).await;
    let files = docker_cli(&["run", "--rm", &tag, "find", "/ctx", "-type", "f"]);
    let files: HashSet<&str> = files.lines().collect();
    assert!(files.contains("/ctx/app.txt"), "{files:?}");
    assert!(files.contains("/ctx/logs/keep.log"), "{files:?}");
    assert!(!files.contains("/ctx/secret.txt"), "{files:?}");
    assert!(!files.contains("/ctx/logs/a.log"), "{files:?}");
}

#[tokio::test]
async fn a_failing_run_step_reports_the_engine_message_and_the_step() {
    let e = docker().await;
    let ctx = context(&[("Dockerfile", &dockerfile(&["RUN echo fine", "RUN exit 3"]))]);
    let before = docker_cli(&["ps", "-aq"]);
    let err = e
        .build(
            ctx.path(),
            &BuildOptions {
                tags: vec![unique("fails")],
                ..Default::default()
            },
            &mut progress::ignore,
            &no_cancel(),
        )
        .await
        .unwrap_err();
    assert!(
        err.message.contains("returned a non-zero code: 3"),
        "{}",
        err.message
    );
    assert!(err.message.contains("Step 3/3"), "{}", err.message);
    assert_eq!(
        docker_cli(&["ps", "-aq"]),
        before,
        "forcerm leaves no container behind"
    );
}

#[tokio::test]
async fn build_args_target_and_labels_take_effect() {
    let e = docker().await;
    let tag = unique("args");
    let df = format!(
        "FROM {b} AS first\nARG GREETING=default\nRUN echo $GREETING > /greeting\n\nFROM {b} AS second\nRUN echo second > /greeting\n",
        b = base_image()
    );
    let ctx = context(&[("Dockerfile", &df)]);
    let options = BuildOptions {
        tags: vec![tag.clone()],
        target: Some("first".into()),
        build_args: BTreeMap::from([("GREETING".into(), "hello-arg".into())]),
        labels: BTreeMap::from([("org.example.team".into(), "slipway".into())]),
        ..Default::default()
    };
    e.build(ctx.path(), &options, &mut progress::ignore, &no_cancel())
        .await
        .unwrap();
    assert_eq!(
        docker_cli(&["run", "--rm", &tag, "cat", "/greeting"]).trim(),
        "hello-arg"
    );
    let d = e.get(&tag).await.unwrap();
    assert_eq!(
        d.labels.get("org.example.team").map(String::as_str),
        Some("slipway")
    );
}

#[tokio::test]
async fn a_dockerfile_outside_the_context_is_used() {
    let e = docker().await;
    let tag = unique("external-df");
    let ctx = context(&[("data.txt", "from-context")]);
    let elsewhere = context(&[(
        "Custom.Dockerfile",
        &dockerfile(&["COPY data.txt /data.txt"]),
    )]);
    let options = BuildOptions {
        tags: vec![tag.clone()],
        dockerfile: Some(elsewhere.path().join("Custom.Dockerfile")),
        ..Default::default()
    };
    e.build(ctx.path(), &options, &mut progress::ignore, &no_cancel())
        .await
        .unwrap();
    assert_eq!(
        docker_cli(&["run", "--rm", &tag, "cat", "/data.txt"]).trim(),
        "from-context"
    );
}

#[tokio::test]
async fn build_progress_counts_steps() {
    let e = docker().await;
    let ctx = context(&[("Dockerfile", &dockerfile(&["RUN true", "ENV X=1"]))]);
    let (seen, mut sink) = collector();
    e.build(
        ctx.path(),
        &BuildOptions {
            tags: vec![unique("steps")],
            ..Default::default()
        },
        &mut sink,
        &no_cancel(),
    )
    .await
    .unwrap();
    let steps: Vec<(u32, u32)> = seen
        .lock()
        .unwrap()
        .iter()
        .filter_map(|p| match p {
            Progress::Build(b) => Some((b.step, b.total_steps)),
            _ => None,
        })
        .collect();
    assert!(
        steps.contains(&(1, 3)) && steps.contains(&(3, 3)),
        "{steps:?}"
    );
}

#[tokio::test]
async fn bad_build_input_is_refused_before_the_engine_is_asked() {
    let e = docker().await;
    let file = tempfile::NamedTempFile::new().unwrap();
    let opts = BuildOptions::default();
    let err = e
        .build(file.path(), &opts, &mut progress::ignore, &no_cancel())
        .await
        .unwrap_err();
    assert_eq!(err.code, 400, "a file is not a context: {}", err.message);
    let err = e
        .build(
            std::path::Path::new("/nonexistent/slipway"),
            &opts,
            &mut progress::ignore,
            &no_cancel(),
        )
        .await
        .unwrap_err();
    assert_eq!(err.code, 400);
    let empty = context(&[("README", "no Dockerfile here")]);
    let err = e
        .build(empty.path(), &opts, &mut progress::ignore, &no_cancel())
        .await
        .unwrap_err();
    assert_eq!(err.code, 400);
    assert!(err.message.contains("Dockerfile"), "{}", err.message);
    let bad_tag = BuildOptions {
        tags: vec!["Not A Tag".into()],
        ..Default::default()
    };
    let ctx = context(&[("Dockerfile", &dockerfile(&[]))]);
    assert_eq!(
        e.build(ctx.path(), &bad_tag, &mut progress::ignore, &no_cancel())
            .await
            .unwrap_err()
            .code,
        400
    );
}

#[tokio::test]
async fn cancelling_a_build_leaves_no_tagged_image_and_no_container() {
    let e = docker().await;
    let tag = unique("cancelled-build");
    let ctx = context(&[("Dockerfile", &dockerfile(&["RUN sleep 30"]))]);
    let cancel = CancellationToken::new();
    let trigger = cancel.clone();
    tokio::spawn(async move {
        tokio::time::sleep(Duration::from_secs(2)).await;
        trigger.cancel();
    });
    let started = Instant::now();
    let err = e
        .build(
            ctx.path(),
            &BuildOptions {
                tags: vec![tag.clone()],
                ..Default::default()
            },
            &mut progress::ignore,
            &cancel,
        )
        .await
        .unwrap_err();
    assert_eq!(err.code, 499);
    assert!(started.elapsed() < Duration::from_secs(20));
    // The engine stops the step and removes its container shortly after the request closes.
    let deadline = Instant::now() + Duration::from_secs(20);
    while !docker_cli(&["ps", "-aq"]).trim().is_empty() && Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
    assert_eq!(
        docker_cli(&["ps", "-aq", "--filter", "status=running"]).trim(),
        ""
    );
    assert!(e.get(&tag).await.is_err());
}

// ---------- registry: pull / push / login ----------

async fn pushed_to_open_registry(e: &Engine) -> (String, String) {
    let repo = format!("{}/{}", registry(), unique("roundtrip"));
    let tag = format!("{repo}:v1");
    let id = build_tagged(e, &tag).await;
    e.push(&tag, None, &mut progress::ignore, &no_cancel())
        .await
        .unwrap();
    (tag, id)
}

#[tokio::test]
async fn push_then_pull_round_trips_through_the_registry_with_byte_progress() {
    let e = docker().await;
    // A layer of a few MiB: tiny blobs finish before the engine reports any bytes.
    let tag = format!("{}/{}:v1", registry(), unique("roundtrip"));
    let ctx = random_context(4);
    let id = build_in(&e, ctx.path(), &[&tag]).await;
    e.push(&tag, None, &mut progress::ignore, &no_cancel())
        .await
        .unwrap();
    e.remove(&tag, false, false).await.unwrap();
    let (seen, mut sink) = collector();
    let r = e
        .pull(&tag, &PullOptions::default(), &mut sink, &no_cancel())
        .await
        .unwrap();
    assert_eq!(r.id, id, "the same image comes back");
    assert_eq!(r.tag, vec![tag.clone()]);
    assert!(
        r.digest
            .as_deref()
            .is_some_and(|d| d.starts_with("sha256:"))
    );
    let seen = seen.lock().unwrap();
    let overall = seen.iter().rev().find_map(|p| match p {
        Progress::Overall(o) => Some(o.clone()),
        _ => None,
    });
    let o = overall.expect("overall progress was sent");
    assert!(o.bytes_total > 0 && o.bytes_done > 0, "{o:?}");
    assert_eq!(o.layers_done, o.layers_total);
}

#[tokio::test]
async fn push_reports_the_repository_the_digest_and_per_layer_progress() {
    let e = docker().await;
    let tag = format!("{}/{}:v1", registry(), unique("pushed"));
    build_tagged(&e, &tag).await;
    let (seen, mut sink) = collector();
    let r = e.push(&tag, None, &mut sink, &no_cancel()).await.unwrap();
    assert!(
        r.response.starts_with("The push refers to repository ["),
        "{}",
        r.response
    );
    let digest = r.digest.expect("digest of the pushed manifest");
    let remote = e.registry_data(&tag, None).await.unwrap();
    assert_eq!(remote.digest, digest);
    let layers: Vec<String> = seen
        .lock()
        .unwrap()
        .iter()
        .filter_map(|p| match p {
            Progress::Layer(l) => Some(l.layer.clone()),
            _ => None,
        })
        .collect();
    assert!(!layers.is_empty(), "push progress names its layers");
}

#[tokio::test]
async fn registry_data_reports_digest_and_platform_without_pulling() {
    let e = docker().await;
    let (tag, _) = pushed_to_open_registry(&e).await;
    let d = e.registry_data(&tag, None).await.unwrap();
    assert!(d.digest.starts_with("sha256:"));
    assert!(
        d.platforms.iter().any(|p| p.starts_with("linux/")),
        "{:?}",
        d.platforms
    );
}

#[tokio::test]
async fn pulling_a_tag_the_registry_lacks_is_404_naming_it() {
    let e = docker().await;
    let tag = format!("{}/{}:nope", registry(), unique("absent"));
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
}

#[tokio::test]
async fn pulling_from_an_unreachable_registry_fails_fast_with_a_clear_cause() {
    let e = docker().await;
    let started = Instant::now();
    let err = e
        .pull(
            "127.0.0.1:9/nothing:1",
            &PullOptions::default(),
            &mut progress::ignore,
            &no_cancel(),
        )
        .await
        .unwrap_err();
    assert!(started.elapsed() < Duration::from_secs(10));
    assert_eq!(err.code, 502, "{}", err.message);
    assert!(
        err.message.contains("could not be reached"),
        "{}",
        err.message
    );
}

fn auth_creds(password: &str) -> Credentials {
    Credentials::basic(&auth_registry(), &env("SLIPWAY_TEST_AUTH_USER"), password)
}

#[tokio::test]
async fn push_to_the_auth_registry_works_with_good_credentials() {
    let e = docker().await;
    let password = env("SLIPWAY_TEST_AUTH_PASSWORD");
    // The harness picked a password whose standard base64 has '+' or '/': the header must
    // be sent base64url or the engine misreads it.
    let tag = format!("{}/{}:v1", auth_registry(), unique("private"));
    build_tagged(&e, &tag).await;
    let r = e
        .push(
            &tag,
            Some(&auth_creds(&password)),
            &mut progress::ignore,
            &no_cancel(),
        )
        .await
        .unwrap();
    assert!(r.digest.is_some());
    e.remove(&tag, false, false).await.unwrap();
    let pulled = e
        .pull(
            &tag,
            &PullOptions {
                credentials: Some(auth_creds(&password)),
                ..Default::default()
            },
            &mut progress::ignore,
            &no_cancel(),
        )
        .await
        .unwrap();
    assert_eq!(pulled.tag, vec![tag]);
}

#[tokio::test]
async fn the_test_password_really_exercises_base64url() {
    use std::process::Command;
    let json = format!(
        r#"{{"username":"{}","password":"{}","serveraddress":"{}"}}"#,
        env("SLIPWAY_TEST_AUTH_USER"),
        env("SLIPWAY_TEST_AUTH_PASSWORD"),
        auth_registry()
    );
    let out = Command::new("base64")
        .arg("-w0")
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .spawn()
        .and_then(|mut c| {
            use std::io::Write;
            c.stdin.take().unwrap().write_all(json.as_bytes())?;
            c.wait_with_output()
        });
    let std_b64 = String::from_utf8(out.unwrap().stdout).unwrap();
    assert!(std_b64.contains('+') || std_b64.contains('/'), "{std_b64}");
}

#[tokio::test]
async fn push_with_bad_credentials_fails_fast_with_an_auth_message() {
    let e = docker().await;
    let tag = format!("{}/{}:v1", auth_registry(), unique("denied"));
    build_tagged(&e, &tag).await;
    let started = Instant::now();
    let err = e
        .push(
            &tag,
            Some(&auth_creds("wrong-password")),
            &mut progress::ignore,
            &no_cancel(),
        )
        .await
        .unwrap_err();
    assert!(
        started.elapsed() < Duration::from_secs(10),
        "took {:?}",
        started.elapsed()
    );
    assert_eq!(err.code, 401, "{}", err.message);
    assert!(
        err.message.contains("refused the credentials"),
        "{}",
        err.message
    );
}

#[tokio::test]
async fn login_accepts_good_and_refuses_bad_credentials() {
    let e = docker().await;
    let ok = e
        .login(&auth_creds(&env("SLIPWAY_TEST_AUTH_PASSWORD")))
        .await
        .unwrap();
    assert!(ok.contains("Login Succeeded"), "{ok}");
    let err = e.login(&auth_creds("nope")).await.unwrap_err();
    assert_eq!(err.code, 401, "{}", err.message);
}

#[tokio::test]
async fn a_cancelled_pull_leaves_no_image() {
    let e = docker().await;
    let repo = format!("{}/{}", registry(), unique("big"));
    let tag = format!("{repo}:v1");
    let ctx = random_context(96);
    build_in(&e, ctx.path(), &[&tag]).await;
    e.push(&tag, None, &mut progress::ignore, &no_cancel())
        .await
        .unwrap();
    e.remove(&tag, false, false).await.unwrap();
    let cancel = CancellationToken::new();
    let trigger = cancel.clone();
    let mut sink = move |p: Progress| {
        if let Progress::Layer(l) = p
            && l.status.starts_with("Downloading")
        {
            trigger.cancel();
        }
    };
    let err = e
        .pull(&tag, &PullOptions::default(), &mut sink, &cancel)
        .await
        .unwrap_err();
    assert_eq!(err.code, 499, "{}", err.message);
    tokio::time::sleep(Duration::from_secs(1)).await;
    assert!(
        e.get(&tag).await.is_err(),
        "no image after a cancelled pull"
    );
    assert!(!docker_cli(&["images", "--format", "{{.Repository}}"]).contains(&repo));
}

// ---------- prune ----------

#[tokio::test]
async fn prune_deletes_exactly_the_dangling_images_the_dry_run_listed() {
    let e = docker().await;
    let tag = unique("prune-me");
    let keep = build_tagged(&e, &unique("prune-keep")).await;
    build_tagged(&e, &tag).await;
    build_tagged(&e, &tag).await; // the first becomes dangling
    let plan = e.prune_plan(&PruneOptions::default()).await.unwrap();
    assert!(!plan.images.is_empty());
    assert!(plan.images.iter().all(|i| i.tags.is_empty()));
    let planned: HashSet<String> = plan.images.iter().map(|i| i.id.clone()).collect();
    let r = e.prune(&PruneOptions::default()).await.unwrap();
    let deleted: HashSet<String> = r
        .images_deleted
        .iter()
        .filter_map(|d| d.deleted.clone())
        .collect();
    assert!(
        planned.is_subset(&deleted),
        "planned {planned:?} deleted {deleted:?}"
    );
    assert!(r.space_reclaimed > 0);
    // The preview's bytes are what the engine then reports freed (within 1%).
    let diff = (r.space_reclaimed - plan.space_to_reclaim).abs();
    assert!(
        diff * 100 <= plan.space_to_reclaim.max(1),
        "predicted {} freed {}",
        plan.space_to_reclaim,
        r.space_reclaimed
    );
    assert!(e.get(&keep).await.is_ok(), "tagged images stay");
    let v = serde_json::to_value(&r).unwrap();
    assert!(
        v["images_deleted"][0]["Deleted"].is_string()
            || v["images_deleted"][0]["Untagged"].is_string(),
        "{v}"
    );
}

#[tokio::test]
async fn prune_all_keeps_images_in_use_and_honours_labels() {
    let e = docker().await;
    let marker = unique("prune-label");
    let ctx = context(&[(
        "Dockerfile",
        &dockerfile(&[&format!("LABEL slipway.prune={marker}")]),
    )]);
    let unused = build_in(&e, ctx.path(), &[&unique("unused")]).await;
    // A different first step, so this image does not sit on top of `unused` via the cache.
    let ctx2 = context(&[(
        "Dockerfile",
        &dockerfile(&["ENV USED=1", &format!("LABEL slipway.prune={marker}")]),
    )]);
    let used_tag = unique("used");
    let used = build_in(&e, ctx2.path(), &[&used_tag]).await;
    let name = unique("holder");
    docker_cli(&["create", "--name", &name, &used_tag]);
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
    e.prune(&options).await.unwrap();
    assert!(e.get(&unused).await.is_err());
    assert!(
        e.get(&used).await.is_ok(),
        "an image a container uses is never pruned"
    );
    assert!(
        e.get(&base_image()).await.is_ok(),
        "images without the label stay"
    );
    docker_cli(&["rm", &name]);
}

#[tokio::test]
async fn prune_all_does_not_promise_the_parent_of_an_image_that_stays() {
    let e = docker().await;
    let marker = unique("prune-parent");
    let parent_tag = unique("parent");
    let ctx = context(&[(
        "Dockerfile",
        &dockerfile(&[&format!("LABEL slipway.prune={marker}")]),
    )]);
    let parent = build_in(&e, ctx.path(), &[&parent_tag]).await;
    let child_tag = unique("child");
    let child_df = format!("FROM {parent_tag}\nENV CHILD=1\n");
    let ctx2 = context(&[("Dockerfile", &child_df)]);
    build_in(&e, ctx2.path(), &[&child_tag]).await;
    let name = unique("child-user");
    docker_cli(&["create", "--name", &name, &child_tag]);
    let options = PruneOptions {
        all: true,
        labels: vec![format!("slipway.prune={marker}")],
        ..Default::default()
    };
    let plan = e.prune_plan(&options).await.unwrap();
    assert!(plan.images.is_empty(), "{:?}", plan.images);
    e.prune(&options).await.unwrap();
    assert!(
        e.get(&parent).await.is_ok(),
        "the parent's layers are still needed"
    );
    docker_cli(&["rm", &name]);
}

#[tokio::test]
async fn prune_until_spares_images_newer_than_the_cutoff() {
    let e = docker().await;
    let tag = unique("fresh");
    build_tagged(&e, &tag).await;
    build_tagged(&e, &tag).await;
    let options = PruneOptions {
        until: Some("240h".into()),
        ..Default::default()
    };
    let plan = e.prune_plan(&options).await.unwrap();
    assert!(
        plan.images.is_empty(),
        "nothing is ten days old: {:?}",
        plan.images
    );
    let r = e.prune(&options).await.unwrap();
    assert!(r.images_deleted.is_empty(), "{r:?}");
    assert_eq!(
        e.prune_plan(&PruneOptions {
            until: Some("soon".into()),
            ..Default::default()
        })
        .await
        .unwrap_err()
        .code,
        400
    );
}

// ---------- save / load / import ----------

#[tokio::test]
async fn save_remove_load_restores_the_same_ids() {
    let e = docker().await;
    let a = unique("saved-a");
    let b = unique("saved-b");
    let id_a = build_tagged(&e, &a).await;
    let id_b = build_tagged(&e, &b).await;
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("images.tar");
    let (seen, mut sink) = collector();
    let bytes = e
        .save(&[a.clone(), b.clone()], &file, &mut sink, &no_cancel())
        .await
        .unwrap();
    assert_eq!(bytes, std::fs::metadata(&file).unwrap().len());
    assert!(
        seen.lock()
            .unwrap()
            .iter()
            .any(|p| matches!(p, Progress::Bytes { .. }))
    );
    e.remove(&a, false, false).await.unwrap();
    e.remove(&b, false, false).await.unwrap();
    let loaded = e
        .load(&file, &mut progress::ignore, &no_cancel())
        .await
        .unwrap();
    assert_eq!(loaded.loaded.len(), 2, "{loaded:?}");
    assert_eq!(e.get(&a).await.unwrap().id, id_a);
    assert_eq!(e.get(&b).await.unwrap().id, id_b);
}

#[tokio::test]
async fn saving_a_missing_image_fails_and_leaves_the_old_file_alone() {
    let e = docker().await;
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("keep.tar");
    std::fs::write(&file, b"precious").unwrap();
    let err = e
        .save(
            &["slipway-missing:x".into()],
            &file,
            &mut progress::ignore,
            &no_cancel(),
        )
        .await
        .unwrap_err();
    assert_eq!(err.code, 404);
    assert_eq!(std::fs::read(&file).unwrap(), b"precious");
    assert_eq!(
        std::fs::read_dir(dir.path()).unwrap().count(),
        1,
        "no partial file left"
    );
}

#[tokio::test]
async fn loading_a_file_that_is_not_an_image_tar_is_a_clear_error() {
    let e = docker().await;
    let file = tempfile::NamedTempFile::new().unwrap();
    std::fs::write(file.path(), b"this is not a tar").unwrap();
    let err = e
        .load(file.path(), &mut progress::ignore, &no_cancel())
        .await
        .unwrap_err();
    assert!((400..500).contains(&err.code) || err.code == 500, "{err:?}");
    assert!(!err.message.is_empty());
    let missing = e
        .load(
            std::path::Path::new("/nonexistent.tar"),
            &mut progress::ignore,
            &no_cancel(),
        )
        .await
        .unwrap_err();
    assert_eq!(missing.code, 400);
}

#[tokio::test]
async fn import_makes_an_image_from_a_rootfs_tarball_with_changes() {
    let e = docker().await;
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().join("root");
    std::fs::create_dir_all(root.join("bin")).unwrap();
    std::fs::copy(env("SLIPWAY_TEST_BUSYBOX"), root.join("bin/busybox")).unwrap();
    std::fs::write(root.join("hello.txt"), "imported").unwrap();
    let tarball = dir.path().join("rootfs.tar");
    let ok = std::process::Command::new("tar")
        .arg("-C")
        .arg(&root)
        .arg("-cf")
        .arg(&tarball)
        .arg(".")
        .status()
        .unwrap();
    assert!(ok.success());
    let tag = format!("{}:imported", unique("import"));
    let options = ImportOptions {
        reference: Some(tag.clone()),
        changes: vec![
            "ENV IMPORTED=yes".into(),
            r#"CMD ["/bin/busybox","cat","/hello.txt"]"#.into(),
        ],
        ..Default::default()
    };
    let r = e
        .import(&tarball, &options, &mut progress::ignore, &no_cancel())
        .await
        .unwrap();
    assert_eq!(r.tag, vec![tag.clone()]);
    assert!(
        e.get(&tag)
            .await
            .unwrap()
            .env
            .contains(&"IMPORTED=yes".to_owned())
    );
    assert_eq!(docker_cli(&["run", "--rm", &tag]).trim(), "imported");
}

// ---------- disk usage, events, search, build cache ----------

#[tokio::test]
async fn df_totals_agree_with_the_listed_sizes() {
    let e = docker().await;
    build_tagged(&e, &unique("df")).await;
    let df = e.df().await.unwrap();
    let list = e.list(&ListOptions::default()).await.unwrap();
    assert_eq!(df.source, "engine");
    assert_eq!(df.images.count as usize, list.len());
    let largest = list.iter().map(|i| i.size).max().unwrap();
    let sum: i64 = list.iter().map(|i| i.size).sum();
    // Shared layers count once: at least the largest image, at most every image summed.
    assert!(
        df.images.size >= largest && df.images.size <= sum,
        "{} not in [{largest}, {sum}]",
        df.images.size
    );
    let usage = e.image_usage().await.unwrap();
    // The engine's per-image shared bytes (one df request) agree with Slipway's own layer
    // accounting, which Podman relies on.
    let mut computed = e.computed_image_usage().await.unwrap();
    let mut from_df = usage.clone();
    computed.sort_by(|a, b| a.id.cmp(&b.id));
    from_df.sort_by(|a, b| a.id.cmp(&b.id));
    assert_eq!(from_df, computed);
    // The snapshot is both at once, from the same df answer.
    let snapshot = e.usage_snapshot().await.unwrap();
    assert_eq!(snapshot.disk.images.size, df.images.size);
    let mut snap_images = snapshot.images.clone();
    snap_images.sort_by(|a, b| a.id.cmp(&b.id));
    assert_eq!(snap_images, computed);
    for u in &usage {
        let listed = list.iter().find(|i| i.id == u.id).unwrap().size;
        assert_eq!(
            u.unique_size + u.shared_size,
            listed,
            "layer accounting adds up for {}",
            u.id
        );
    }
}

#[tokio::test]
async fn the_event_stream_sees_a_tag_made_with_the_docker_cli() {
    let e = docker().await;
    let src = unique("evt-src");
    build_tagged(&e, &src).await;
    let mut events = Box::pin(e.image_events());
    tokio::time::sleep(Duration::from_millis(300)).await;
    let target = unique("evt-dst");
    docker_cli(&["tag", &src, &target]);
    let found = tokio::time::timeout(Duration::from_secs(10), async {
        while let Some(ev) = events.next().await {
            let ev = ev.unwrap();
            if ev.action == "tag" && ev.name.as_deref() == Some(&format!("{target}:latest")) {
                return true;
            }
        }
        false
    })
    .await;
    assert_eq!(found, Ok(true));
}

#[tokio::test]
async fn search_without_internet_is_a_clean_error_not_a_hang() {
    let e = docker().await;
    let started = Instant::now();
    let err = e
        .search(
            "busybox",
            &SearchOptions {
                limit: Some(5),
                ..Default::default()
            },
        )
        .await
        .unwrap_err();
    assert!(started.elapsed() < Duration::from_secs(30));
    assert!(
        err.message.contains("Searching for \"busybox\""),
        "{}",
        err.message
    );
    assert_eq!(
        e.search("  ", &SearchOptions::default())
            .await
            .unwrap_err()
            .code,
        400
    );
}

#[tokio::test]
async fn build_cache_prune_answers_on_api_1_41() {
    let e = docker().await;
    let r = e.prune_build_cache(Some(0), true, None).await.unwrap();
    assert!(r.space_reclaimed >= 0);
}

#[tokio::test]
async fn search_of_a_registry_without_a_search_api_names_the_term() {
    let e = docker().await;
    let term = format!("{}/slipway", registry());
    let err = e
        .search(&term, &SearchOptions::default())
        .await
        .unwrap_err();
    assert_eq!(err.code, 404, "{}", err.message);
    assert!(err.message.contains(&term), "{}", err.message);
}

// ---------- registry API (tags of a private repository) ----------

#[tokio::test]
async fn tags_of_a_private_repository_come_from_the_registry_api() {
    let e = docker().await;
    let repo = format!("{}/{}", registry(), unique("tags"));
    build_tagged(&e, &format!("{repo}:1.0")).await;
    e.tag(&format!("{repo}:1.0"), &format!("{repo}:2.0"))
        .await
        .unwrap();
    docker_cli(&["push", &format!("{repo}:1.0")]);
    docker_cli(&["push", &format!("{repo}:2.0")]);
    let tags = slipway_core::registry::list_tags(&repo, None)
        .await
        .unwrap();
    assert_eq!(tags, ["1.0", "2.0"]);
    let missing = format!("{}/{}", registry(), unique("nothing-here"));
    assert_eq!(
        slipway_core::registry::list_tags(&missing, None)
            .await
            .unwrap_err()
            .code,
        404
    );
}

#[tokio::test]
async fn listing_tags_on_the_auth_registry_needs_the_login() {
    let e = docker().await;
    let repo = format!("{}/{}", auth_registry(), unique("tags-auth"));
    build_tagged(&e, &format!("{repo}:1")).await;
    let creds = Credentials::basic(
        &auth_registry(),
        &env("SLIPWAY_TEST_AUTH_USER"),
        &env("SLIPWAY_TEST_AUTH_PASSWORD"),
    );
    e.push(
        &format!("{repo}:1"),
        Some(&creds),
        &mut progress::ignore,
        &no_cancel(),
    )
    .await
    .unwrap();
    let wrong = Credentials::basic(&auth_registry(), "slipway", "wrong");
    let refused = slipway_core::registry::list_tags(&repo, Some(&wrong))
        .await
        .unwrap_err();
    assert_eq!(refused.code, 401, "{}", refused.message);
    let tags = slipway_core::registry::list_tags(&repo, Some(&creds))
        .await
        .unwrap();
    assert_eq!(tags, ["1"]);
}
