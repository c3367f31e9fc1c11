//! Fault injection outside the engine: a registry that fails, stalls, drops or refuses, a
//! full disk, signals to the CLI, empty files and a credential helper that hangs. Each case
//! checks what a user would see — an error (never "done") within the stall timeout, a
//! message naming the cause, no partial file — and that the next operation works.
//!
//! Each prints `FAULT | case | outcome | seconds` for the closing note's table
//! (the engine's own faults are in faults.rs).

use slipway_engine_tests::faults::*;
use slipway_engine_tests::*;
use std::time::{Duration, Instant};

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
