//! Fault injection: the engine killed (`kill -9`) or frozen (SIGSTOP) mid-operation, a
//! registry that fails, stalls, drops or refuses, a full disk and signals to the CLI. Each
//! case checks what a user would see — an error (never "done") within the stall timeout or
//! 2 s for a dead engine, a message naming the cause, no partial file, no image reported that
//! the engine lacks — and that the next operation works once the engine is back.
//!
//! Every case that strikes the engine gets a private dockerd of its own (tests/engine/src/
//! faults); each prints `FAULT | case | outcome | seconds` for the closing note's table.

use slipway_core::build::BuildOptions;
use slipway_core::progress::{self, Progress};
use slipway_core::{Engine, EngineSpec};
use slipway_engine_tests::faults::*;
use slipway_engine_tests::*;
use std::sync::{Arc, Mutex};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn dockerd_killed_during_a_pull_is_an_error_at_once_and_the_next_pull_works() {
    let d = PrivateDockerd::start("");
    let e = d.engine(STALL).await;
    let path = image_in_registry(&e, 24).await;
    let proxy = RegistryProxy::start(
        &registry(),
        Fault::Pass {
            throttle: Some(4 * MIB),
        },
    )
    .await;
    let image = format!("{}/{path}", proxy.addr);
    let run = cli(&d.host, STALL, &["images", "pull", &image]);
    proxy
        .wait_until("the pull downloads", LONG, |p| p.blob_bytes_down() >= MIB)
        .await;
    let killed = d.kill9();
    let run = finish(run, LONG).await;
    let took = killed.elapsed();
    record("kill -9 dockerd during pull (CLI)", &outcome(&run), took);
    assert_failed_naming(&run, 503, &["Pulling", &d.host]);
    assert!(took <= DEAD_ENGINE, "took {took:?}");

    d.restart();
    let e = d.engine(STALL).await;
    assert!(
        e.get(&image).await.is_err(),
        "no image appeared that nobody reported"
    );
    proxy.set(Fault::Pass { throttle: None });
    let again = pull_works(&d.host, &image).await;
    assert_eq!(again.json["id"], e.get(&image).await.unwrap().id.as_str());
}

/// The bug this suite was written for: a push whose engine died was reported done with
/// `"digest": null` and exit 0.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn dockerd_killed_during_a_push_is_never_reported_done() {
    let d = PrivateDockerd::start("");
    let e = d.engine(STALL).await;
    let proxy = RegistryProxy::start(
        &registry(),
        Fault::Pass {
            throttle: Some(4 * MIB),
        },
    )
    .await;
    let repo = format!("faults/{}", unique("push"));
    let tag = format!("{}/{repo}:1", proxy.addr);
    big_image(&e, &tag, 24).await;
    let run = cli(&d.host, STALL, &["images", "push", &tag]);
    proxy
        .wait_until("the push uploads", LONG, |p| p.blob_bytes_up() >= MIB)
        .await;
    let killed = d.kill9();
    let run = finish(run, LONG).await;
    let took = killed.elapsed();
    record("kill -9 dockerd during push (CLI)", &outcome(&run), took);
    assert_failed_naming(&run, 503, &["Pushing", &d.host]);
    assert!(run.json.get("digest").is_none());
    assert!(took <= DEAD_ENGINE, "took {took:?}");

    d.restart();
    proxy.set(Fault::Pass { throttle: None });
    let again = finish(cli(&d.host, STALL, &["images", "push", &tag]), LONG).await;
    assert_eq!(again.code, Some(0), "{} {}", again.json, again.stderr);
    let digest = again.json["digest"].as_str().expect("a digest").to_owned();
    // The registry has exactly the manifest the push reported.
    let head = std::process::Command::new("curl")
        .args([
            "-sfI",
            "-H",
            "Accept: application/vnd.docker.distribution.manifest.v2+json",
        ])
        .arg(format!("http://{}/v2/{repo}/manifests/1", registry()))
        .output()
        .unwrap();
    let headers = String::from_utf8_lossy(&head.stdout).to_ascii_lowercase();
    assert!(headers.contains(&digest), "{headers}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn dockerd_killed_during_a_build_fails_the_build_and_leaves_no_tag() {
    let d = PrivateDockerd::start("");
    let e = d.engine(STALL).await;
    let tag = format!("{}:1", unique("faults-build"));
    let ctx = context(&[(
        "Dockerfile",
        &dockerfile(&["RUN echo step-started && sleep 60"]),
    )]);
    let options = BuildOptions {
        tags: vec![tag.clone()],
        ..Default::default()
    };
    let killed = Mutex::new(None);
    let mut on_progress = |p: Progress| {
        if let Progress::Build(step) = p
            && step.line.trim() == "step-started"
            && killed.lock().unwrap().is_none()
        {
            *killed.lock().unwrap() = Some(d.kill9());
        }
    };
    let r = e
        .build(ctx.path(), &options, &mut on_progress, &no_cancel())
        .await;
    let took = killed
        .lock()
        .unwrap()
        .expect("the RUN step started")
        .elapsed();
    let err = r.expect_err("a build whose engine died is not done");
    record(
        "kill -9 dockerd during build (core)",
        &format!("{} \"{}\"", err.code, short(&err.message)),
        took,
    );
    assert_eq!(err.code, 503, "{}", err.message);
    assert!(
        err.message.contains("The build failed at Step 2/2"),
        "{}",
        err.message
    );
    assert!(err.message.contains(&d.host), "{}", err.message);
    assert_eq!(
        err.message.matches("The build").count(),
        1,
        "{}",
        err.message
    );
    assert!(took <= DEAD_ENGINE, "took {took:?}");

    d.restart();
    let e = d.engine(STALL).await;
    assert!(e.get(&tag).await.unwrap_err().is_not_found());
    let quick = context(&[("Dockerfile", &dockerfile(&["LABEL after=restart"]))]);
    let id = build_in(&e, quick.path(), &[&tag]).await;
    assert_eq!(e.get(&tag).await.unwrap().id, id);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn dockerd_killed_during_a_save_leaves_no_file_and_the_next_save_is_whole() {
    let d = PrivateDockerd::start("");
    let e = d.engine(STALL).await;
    let tag = format!("{}:1", unique("faults-save"));
    big_image(&e, &tag, 32).await;
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("images.tar");
    let killed = Mutex::new(None);
    let mut on_progress = |p: Progress| {
        if let Progress::Bytes { done, .. } = p
            && done >= MIB
            && killed.lock().unwrap().is_none()
        {
            *killed.lock().unwrap() = Some(d.kill9());
        }
    };
    let r = e
        .save(
            std::slice::from_ref(&tag),
            &file,
            &mut on_progress,
            &no_cancel(),
        )
        .await;
    let took = killed
        .lock()
        .unwrap()
        .expect("the save was writing")
        .elapsed();
    let err = r.expect_err("a save whose engine died is not done");
    record(
        "kill -9 dockerd during save (core)",
        &format!("{} \"{}\"", err.code, short(&err.message)),
        took,
    );
    assert_eq!(err.code, 503, "{}", err.message);
    assert!(
        err.message.contains("Saving") && err.message.contains(&d.host),
        "{}",
        err.message
    );
    assert!(took <= DEAD_ENGINE, "took {took:?}");
    assert_eq!(
        files_in(dir.path()),
        Vec::<String>::new(),
        "no file, no partial file"
    );

    d.restart();
    let e = d.engine(STALL).await;
    let bytes = e
        .save(
            std::slice::from_ref(&tag),
            &file,
            &mut progress::ignore,
            &no_cancel(),
        )
        .await
        .unwrap();
    assert_eq!(std::fs::metadata(&file).unwrap().len(), bytes);
    let listing = std::process::Command::new("tar")
        .arg("-tf")
        .arg(&file)
        .output()
        .unwrap();
    assert!(listing.status.success());
    assert!(String::from_utf8_lossy(&listing.stdout).contains("manifest.json"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn dockerd_killed_during_a_load_is_an_error_and_the_next_load_works() {
    let d = PrivateDockerd::start("");
    let e = d.engine(STALL).await;
    let tag = format!("{}:1", unique("faults-load"));
    big_image(&e, &tag, 24).await;
    let dir = tempfile::tempdir().unwrap();
    let tar = dir.path().join("load.tar");
    e.save(
        std::slice::from_ref(&tag),
        &tar,
        &mut progress::ignore,
        &no_cancel(),
    )
    .await
    .unwrap();
    e.remove(&tag, false, false).await.unwrap();
    // The upload paced to 8 MiB/s (3 s), so the kill lands while it is under way.
    let relay = EngineRelay::start(
        &d.host,
        Rules {
            throttle_up: Some(8 * MIB),
            ..Default::default()
        },
    )
    .await;
    let through = Engine::connect(EngineSpec::host(relay.host.clone()))
        .await
        .unwrap()
        .with_stall_timeout(STALL);
    let total = std::fs::metadata(&tar).unwrap().len();
    let killed = Mutex::new(None);
    let mut on_progress = |p: Progress| {
        if let Progress::Bytes { done, .. } = p
            && done >= MIB
            && killed.lock().unwrap().is_none()
        {
            assert!(done < total, "the kill comes before the upload ended");
            *killed.lock().unwrap() = Some(d.kill9());
        }
    };
    let r = through.load(&tar, &mut on_progress, &no_cancel()).await;
    let took = killed
        .lock()
        .unwrap()
        .expect("the upload was under way")
        .elapsed();
    let err = r.expect_err("a load whose engine died is not done");
    record(
        "kill -9 dockerd during load (core)",
        &format!("{} \"{}\"", err.code, short(&err.message)),
        took,
    );
    assert_eq!(err.code, 503, "{}", err.message);
    assert!(
        err.message.contains("Loading") && err.message.contains(&relay.host),
        "{}",
        err.message
    );
    assert!(took <= DEAD_ENGINE, "took {took:?}");

    d.restart();
    let e = d.engine(STALL).await;
    let loaded = e
        .load(&tar, &mut progress::ignore, &no_cancel())
        .await
        .unwrap();
    assert!(loaded.loaded.contains(&tag), "{loaded:?}");
    assert!(e.get(&tag).await.is_ok());
}

/// `images prune --all` through a relay that kills dockerd just before the second DELETE:
/// exit ≠ 0, and the error lists exactly what the engine had deleted by then.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn dockerd_killed_half_way_through_a_prune_exits_non_zero_saying_what_went() {
    let d = PrivateDockerd::start("");
    let e = d.engine(STALL).await;
    let marker = unique("faults-prune");
    let mut built = Vec::new();
    for i in 0..4 {
        let ctx = context(&[(
            "Dockerfile",
            &dockerfile(&[
                &format!("LABEL slipway.faults={marker}"),
                &format!("ENV N={i}"),
            ]),
        )]);
        let tag = format!("{marker}-{i}:1");
        built.push((build_in(&e, ctx.path(), &[&tag]).await, tag));
    }
    let killed_at = Arc::new(Mutex::new(None));
    let pid = d.pid();
    let at = killed_at.clone();
    let hook: Hook = Arc::new(move || *at.lock().unwrap() = Some(kill9(pid)));
    let relay = EngineRelay::start(
        &d.host,
        Rules {
            strike: Some((b"DELETE /", 2, hook)),
            ..Default::default()
        },
    )
    .await;
    let label = format!("label=slipway.faults={marker}");
    let run = cli(
        &relay.host,
        STALL,
        &["images", "prune", "--all", "--filter", &label],
    );
    let run = finish(run, LONG).await;
    let took = killed_at
        .lock()
        .unwrap()
        .unwrap_or_else(|| panic!("the second delete never came: {} {}", run.json, run.stderr))
        .elapsed();
    record(
        "kill -9 dockerd half-way through prune --all (CLI)",
        &outcome(&run),
        took,
    );
    assert_failed_naming(
        &run,
        503,
        &["The prune stopped: 1 of 4 images were deleted", &relay.host],
    );
    assert!(took <= DEAD_ENGINE, "took {took:?}");

    d.restart();
    let e = d.engine(STALL).await;
    let mut gone = Vec::new();
    for (id, _) in &built {
        if e.get(id).await.is_err() {
            gone.push(id.clone());
        }
    }
    assert_eq!(
        gone.len(),
        1,
        "exactly one image went before the engine died"
    );
    assert!(
        run.message().contains(&gone[0]),
        "the error names it: {}",
        run.message()
    );
    let again = finish(
        cli(
            &d.host,
            STALL,
            &["images", "prune", "--all", "--filter", &label],
        ),
        LONG,
    )
    .await;
    assert_eq!(again.code, Some(0), "{}", again.json);
    for (id, _) in &built {
        assert!(
            e.get(id).await.is_err(),
            "the second prune deleted the rest"
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_frozen_dockerd_during_a_pull_is_a_stall_error_and_the_pull_works_once_thawed() {
    let d = PrivateDockerd::start("");
    let e = d.engine(STALL).await;
    let path = image_in_registry(&e, 24).await;
    let proxy = RegistryProxy::start(
        &registry(),
        Fault::Pass {
            throttle: Some(4 * MIB),
        },
    )
    .await;
    let image = format!("{}/{path}", proxy.addr);
    let run = cli(&d.host, STALL, &["images", "pull", &image]);
    proxy
        .wait_until("the pull downloads", LONG, |p| p.blob_bytes_down() >= MIB)
        .await;
    let frozen = d.freeze();
    let run = finish(run, LONG).await;
    let took = frozen.elapsed();
    d.thaw();
    record(
        "SIGSTOP dockerd during pull (CLI, stall 3 s)",
        &outcome(&run),
        took,
    );
    assert_failed_naming(&run, 504, &["Pulling", "stalled", &d.host, "3 s"]);
    assert!(took <= STALL + SLACK, "took {took:?}");

    proxy.set(Fault::Pass { throttle: None });
    pull_works(&d.host, &image).await;
}
