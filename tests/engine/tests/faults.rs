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
use std::time::{Duration, Instant};

/// The stall timeout the suite runs with.
const STALL: Duration = Duration::from_secs(3);
/// How long after a kill -9 the error must be there.
const DEAD_ENGINE: Duration = Duration::from_secs(2);
/// Slack for a loaded 2-core machine on top of the stall timeout.
const SLACK: Duration = Duration::from_secs(3);
/// Generous bound for setting up (building, pushing) and for operations that should work.
const LONG: Duration = Duration::from_secs(120);
const MIB: u64 = 1 << 20;

fn short(message: &str) -> String {
    message.chars().take(110).collect()
}

/// The outcome column: exit code and error code of a CLI run.
fn outcome(run: &CliRun) -> String {
    format!(
        "exit {}, {} \"{}\"",
        run.code.map_or("signal".into(), |c| c.to_string()),
        run.error_code(),
        short(run.message())
    )
}

fn assert_failed_naming(run: &CliRun, code: u64, words: &[&str]) {
    assert_ne!(run.code, Some(0), "must not succeed: {}", run.json);
    assert_eq!(run.error_code(), code, "{}", run.json);
    assert_eq!(
        run.json.as_object().unwrap().len(),
        1,
        "only the error: {}",
        run.json
    );
    for w in words {
        assert!(run.message().contains(w), "names {w}: {}", run.message());
    }
}

async fn pull_works(host: &str, image: &str) -> CliRun {
    let run = finish(cli(host, STALL, &["images", "pull", image]), LONG).await;
    assert_eq!(
        run.code,
        Some(0),
        "the next pull works: {} {}",
        run.json,
        run.stderr
    );
    assert!(
        run.json["id"].as_str().unwrap().starts_with("sha256:"),
        "{}",
        run.json
    );
    run
}

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

/// Registry faults behind the engine, each on an image the engine does not have yet. The
/// engine gives up a blob after its first retry (`--max-download-attempts=1`; the default
/// retries five times, 5 s + 10 s + … apart), so a dropped download ends in its error.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn registry_faults_end_pulls_in_errors_that_name_them_and_the_next_pull_works() {
    let d = PrivateDockerd::start("--max-download-attempts=1");
    let e = d.engine(STALL).await;
    let proxy = RegistryProxy::start(&registry(), Fault::Pass { throttle: None }).await;
    let cases: [(&str, Fault, u64, &[&str], Duration); 4] = [
        (
            "registry answers 500 (manifest)",
            Fault::ManifestStatus(500),
            500,
            &["500"],
            STALL,
        ),
        (
            "registry stalls after headers (blob)",
            Fault::StallBlobs,
            504,
            &["stalled", "3 s"],
            STALL + SLACK,
        ),
        // dockerd retries a broken download once, after 5 s, whatever the flag says.
        (
            "registry drops the connection mid-blob",
            Fault::DropBlobsAfter(MIB),
            500,
            &["unexpected EOF"],
            Duration::from_secs(5) + SLACK,
        ),
        (
            "registry answers 401",
            Fault::Unauthorized,
            401,
            &["refused the credentials", "log in"],
            STALL,
        ),
    ];
    for (case, fault, code, words, bound) in cases {
        let path = image_in_registry(&e, 8).await;
        let image = format!("{}/{path}", proxy.addr);
        proxy.set(fault);
        let started = Instant::now();
        let run = finish(cli(&d.host, STALL, &["images", "pull", &image]), LONG).await;
        let took = started.elapsed();
        record(&format!("{case} (CLI pull)"), &outcome(&run), took);
        assert_ne!(run.code, Some(0), "{case}: {}", run.json);
        assert_eq!(run.error_code(), code, "{case}: {}", run.json);
        for w in words.iter().chain([&image.as_str()]) {
            assert!(
                run.message().contains(w),
                "{case} names {w}: {}",
                run.message()
            );
        }
        assert!(took <= bound, "{case} took {took:?}");
        assert!(
            e.get(&image).await.is_err(),
            "{case}: no image nobody reported"
        );
        proxy.set(Fault::Pass { throttle: None });
        pull_works(&d.host, &image).await;
    }
}

/// A tmpfs mounted for the test, unmounted however the test ends (inside the harness state
/// dir, so even a killed test run leaves no mount: the harness unmounts what is below it).
struct Tmpfs(tempfile::TempDir);

impl Tmpfs {
    fn mount(size: &str) -> Self {
        let dir = tempfile::tempdir_in(env("SLIPWAY_TEST_STATE")).unwrap();
        let status = std::process::Command::new("mount")
            .args([
                "-t",
                "tmpfs",
                "-o",
                &format!("size={size}"),
                "slipway-faults",
            ])
            .arg(dir.path())
            .status()
            .unwrap();
        assert!(status.success(), "mount tmpfs (the suite runs as root)");
        Self(dir)
    }
}

impl Drop for Tmpfs {
    fn drop(&mut self) {
        let _ = std::process::Command::new("umount")
            .arg(self.0.path())
            .status();
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn saving_onto_a_full_disk_says_so_and_leaves_no_file() {
    let e = docker().await;
    let tag = format!("{}:1", unique("faults-full"));
    big_image(&e, &tag, 16).await;
    let disk = Tmpfs::mount("4m");
    let file = disk.0.path().join("images.tar");
    let started = Instant::now();
    let run = finish(
        cli(
            &docker_host(),
            STALL,
            &["images", "save", &tag, "-o", file.to_str().unwrap()],
        ),
        LONG,
    )
    .await;
    record(
        "save onto a full 4 MiB tmpfs (CLI)",
        &outcome(&run),
        started.elapsed(),
    );
    assert_failed_naming(
        &run,
        507,
        &["No space left while writing", file.to_str().unwrap()],
    );
    assert_eq!(
        files_in(disk.0.path()),
        Vec::<String>::new(),
        "no file, no partial file"
    );
    e.remove(&tag, false, false).await.unwrap();
}

/// SIGTERM, SIGHUP and SIGINT to a CLI save still writing (the engine's answer paced by a
/// relay): cancelled, exit 128 + signal, no partial file.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_signal_during_a_cli_save_cancels_it_and_leaves_no_partial_file() {
    let e = docker().await;
    let tag = format!("{}:1", unique("faults-sig"));
    big_image(&e, &tag, 16).await;
    let relay = EngineRelay::start(
        &docker_host(),
        Rules {
            throttle: Some(2 * MIB),
            ..Default::default()
        },
    )
    .await;
    for (signal, number) in [("TERM", 15), ("HUP", 1), ("INT", 2)] {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("images.tar");
        let partial = dir.path().join(".images.tar.partial");
        let run = cli(
            &relay.host,
            STALL,
            &["images", "save", &tag, "-o", file.to_str().unwrap()],
        );
        let pid = run.id().unwrap();
        wait_for("the save writes its partial file", LONG, || {
            std::fs::metadata(&partial).is_ok_and(|m| m.len() >= 256 * 1024)
        })
        .await;
        let sent = Instant::now();
        let status = std::process::Command::new("kill")
            .arg(format!("-{signal}"))
            .arg(pid.to_string())
            .status()
            .unwrap();
        assert!(status.success());
        let run = finish(run, LONG).await;
        record(
            &format!("SIG{signal} during CLI save"),
            &outcome(&run),
            sent.elapsed(),
        );
        assert_eq!(run.code, Some(128 + number), "{}", run.json);
        assert_failed_naming(&run, 499, &["cancelled"]);
        assert_eq!(
            files_in(dir.path()),
            Vec::<String>::new(),
            "no file, no partial file"
        );
    }
    e.remove(&tag, false, false).await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_empty_file_is_refused_for_load_and_import_before_any_engine_is_asked() {
    let dir = tempfile::tempdir().unwrap();
    let empty = dir.path().join("empty.tar");
    std::fs::write(&empty, b"").unwrap();
    // No engine at this address: the answer must not depend on one.
    let nowhere = format!("unix://{}/no-engine.sock", dir.path().display());
    for args in [
        vec!["images", "load", "-i", empty.to_str().unwrap()],
        vec![
            "images",
            "import",
            empty.to_str().unwrap(),
            "faults/empty:1",
        ],
    ] {
        let started = Instant::now();
        let run = finish(cli(&nowhere, STALL, &args), LONG).await;
        record(
            &format!("empty file to {}", args[1]),
            &outcome(&run),
            started.elapsed(),
        );
        assert_failed_naming(&run, 400, &[empty.to_str().unwrap(), "empty"]);
    }
}

/// A `docker-credential-*` helper that never answers: the pull fails with 504 within the
/// stall timeout instead of hanging on it.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_credential_helper_that_hangs_is_given_up_after_the_stall_timeout() {
    let dir = tempfile::tempdir().unwrap();
    let bin = dir.path().join("bin");
    std::fs::create_dir(&bin).unwrap();
    let pidfile = dir.path().join("helper.pid");
    let helper = bin.join("docker-credential-slipwayhang");
    std::fs::write(
        &helper,
        format!(
            "#!/bin/sh\necho $$ > {}\nexec sleep 600\n",
            pidfile.display()
        ),
    )
    .unwrap();
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(&helper, std::fs::Permissions::from_mode(0o755)).unwrap();
    let config = dir.path().join("config");
    std::fs::create_dir(&config).unwrap();
    std::fs::write(
        config.join("config.json"),
        r#"{"credsStore":"slipwayhang"}"#,
    )
    .unwrap();
    let image = format!("{}/faults/none:1", registry());
    let started = Instant::now();
    let child = tokio::process::Command::new(slipway_cli())
        .args(["--host", &docker_host(), "--json", "--stall-timeout", "3"])
        .args(["images", "pull", &image])
        .env("DOCKER_CONFIG", &config)
        .env(
            "PATH",
            format!("{}:{}", bin.display(), std::env::var("PATH").unwrap()),
        )
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .kill_on_drop(true)
        .spawn()
        .unwrap();
    let run = finish(child, LONG).await;
    let took = started.elapsed();
    if let Ok(pid) = std::fs::read_to_string(&pidfile) {
        let _ = std::process::Command::new("kill").arg(pid.trim()).status();
    }
    record(
        "credential helper never answers (CLI pull)",
        &outcome(&run),
        took,
    );
    assert_failed_naming(&run, 504, &["credential helper", &registry()]);
    assert!(took <= STALL + SLACK, "took {took:?}");
}
