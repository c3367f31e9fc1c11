//! Builds as users write them, through the CLI on the private dockerd: base images from a
//! private registry with the Docker config's credentials, and the build options `docker
//! build` has (limits above 2 GiB, extra hosts), checked in what the build itself saw.

use slipway_engine_tests::*;
use std::path::Path;
use std::process::Output;

/// `slipway-cli --host <dockerd> ARGS` with only the settings under `root` (its own Docker
/// config among them).
fn cli_in(root: &Path, args: &[&str]) -> Output {
    let host = docker_host();
    let mut all = vec!["--host", host.as_str()];
    all.extend_from_slice(args);
    run_cli(&mut slipway_cli_isolated(root), &all)
}

#[test]
fn a_private_base_image_builds_with_the_logged_in_credentials_and_fails_clearly_without() {
    let root = tempfile::tempdir().unwrap();
    let registry = auth_registry();
    let ctx = context(&[(
        "Dockerfile",
        &format!(
            "FROM {registry}/{}\nLABEL org.slipway.private=yes\n",
            base_image()
        ),
    )]);
    let path = ctx.path().to_str().unwrap();
    let tag = format!("{}:1", unique("private-base"));
    // --pull asks the registry even though the engine has the base image already.
    let build = [
        "--json",
        "images",
        "build",
        path,
        "--pull",
        "-t",
        tag.as_str(),
    ];

    let refused = cli_in(root.path(), &build);
    assert!(!refused.status.success(), "built without credentials");
    let error = &json_of(&refused)["error"];
    let message = error["message"].as_str().unwrap_or_default();
    assert!(message.contains(&registry), "names the registry: {error}");
    assert!(message.contains("log in"), "says what to do: {error}");
    assert!(
        docker_cli_raw(&["image", "inspect", &tag]).status.code() != Some(0),
        "nothing was tagged"
    );

    let password = env("SLIPWAY_TEST_AUTH_PASSWORD");
    let user = env("SLIPWAY_TEST_AUTH_USER");
    let host = docker_host();
    let login = output_with_stdin(
        slipway_cli_isolated(root.path()).args([
            "--host",
            &host,
            "login",
            &registry,
            "-u",
            &user,
            "--password-stdin",
        ]),
        &password,
    );
    assert_success(&login);
    let built = cli_in(root.path(), &build);
    let result = ok_json(&built);
    assert_eq!(result["tag"][0], tag.as_str(), "{result}");
    let label = docker_cli(&[
        "inspect",
        "--format",
        "{{index .Config.Labels \"org.slipway.private\"}}",
        &tag,
    ]);
    assert_eq!(label.trim(), "yes");
    let printed = format!(
        "{}{}",
        String::from_utf8_lossy(&built.stdout),
        String::from_utf8_lossy(&built.stderr)
    );
    assert!(!printed.contains(&password), "the password is not printed");
}

#[test]
fn memory_and_shm_limits_above_2_gib_reach_the_build_whole() {
    let root = tempfile::tempdir().unwrap();
    let ctx = context(&[(
        "Dockerfile",
        &dockerfile(&[
            // What the RUN step's container was given: its /dev/shm size (1 KiB blocks).
            &format!("RUN echo {} && df -k /dev/shm", unique("limits")),
        ]),
    )]);
    let path = ctx.path().to_str().unwrap();
    let tag = format!("{}:1", unique("limits"));
    let out = cli_in(
        root.path(),
        &[
            "images",
            "build",
            path,
            "-t",
            &tag,
            "--memory",
            "3g",
            "--shm-size",
            "2.5g",
        ],
    );
    assert_success(&out);
    let log = String::from_utf8_lossy(&out.stderr);
    // 2.5 GiB = 2,621,440 KiB: sent as an i32 it could not have been asked for at all.
    assert!(log.contains("2621440"), "the shm size the step saw:\n{log}");
}

#[test]
fn extra_hosts_reach_the_build_and_bad_sizes_are_refused_naming_the_flag() {
    let root = tempfile::tempdir().unwrap();
    let ctx = context(&[(
        "Dockerfile",
        &dockerfile(&["RUN grep -q 'slipway-extra' /etc/hosts"]),
    )]);
    let path = ctx.path().to_str().unwrap();
    let tag = format!("{}:1", unique("hosts"));
    let without = cli_in(root.path(), &["images", "build", path, "-t", &tag]);
    assert!(!without.status.success(), "the step needs the extra host");
    let with = cli_in(
        root.path(),
        &[
            "images",
            "build",
            path,
            "-t",
            &tag,
            "--add-host",
            "slipway-extra:127.0.0.9",
        ],
    );
    assert_success(&with);

    let bad = cli_in(
        root.path(),
        &["--json", "images", "build", path, "--memory", "lots"],
    );
    let error = &json_of(&bad)["error"];
    assert_eq!(error["code"], 400, "{error}");
    assert!(
        error["message"]
            .as_str()
            .unwrap_or_default()
            .contains("--memory"),
        "{error}"
    );
}

/// The docker CLI's own BuildKit build (`DOCKER_BUILDKIT=1`, the 20.10 CLI's built-in client)
/// on the private engine: real cache records for builder-prune. RUN steps get no network
/// (the test engine has no bridge).
fn buildkit_build_with_docker_cli(context: &Path, tag: &str) {
    let context = context.to_str().expect("a UTF-8 temp path");
    let args = ["build", "--network", "none", "-t", tag, context];
    assert_success(&docker_cli_raw_with(&[("DOCKER_BUILDKIT", "1")], &args));
}

#[test]
fn builder_prune_frees_exactly_what_its_preview_listed_until_included() {
    let root = tempfile::tempdir().unwrap();
    let ctx = context(&[(
        "Dockerfile",
        &dockerfile(&[
            &format!("RUN echo {} > /made", unique("cache")),
            "RUN head -c 300000 /dev/zero > /filler",
        ]),
    )]);
    let tag = format!("{}:1", unique("buildkit-cache"));
    buildkit_build_with_docker_cli(ctx.path(), &tag);
    // No image holds the records then: each one is the cache's own bytes, none shared.
    docker_cli(&["rmi", &tag]);
    // The same command twice: with --dry-run (what it would free) and without (free it).
    let builder_prune = |dry_run: bool, extra: &[&str]| {
        let mut args = vec!["--json", "builder-prune", "--all"];
        args.extend(dry_run.then_some("--dry-run"));
        args.extend_from_slice(extra);
        ok_json(&cli_in(root.path(), &args))
    };
    let preview = |extra: &[&str]| builder_prune(true, extra);
    let prune = |extra: &[&str]| builder_prune(false, extra);

    // Every record was used by the build a moment ago: none is older than an hour.
    let recent = preview(&["--until", "1h"]);
    assert_eq!(recent["records"], serde_json::json!([]), "{recent}");
    assert_eq!(recent["space_to_reclaim"], 0);
    let kept = prune(&["--until", "1h"]);
    assert_eq!(
        kept["space_reclaimed"], 0,
        "the prune kept them too: {kept}"
    );

    let all = preview(&[]);
    let listed = all["records"].as_array().unwrap().len();
    let bytes = all["space_to_reclaim"].as_i64().unwrap();
    assert!(listed > 0 && bytes >= 300_000, "the build's records: {all}");
    let pruned = prune(&[]);
    assert_eq!(pruned["space_reclaimed"].as_i64(), Some(bytes), "{pruned}");
    let after = preview(&[]);
    assert_eq!(after["records"], serde_json::json!([]), "{after}");
}

#[test]
fn buildkit_keeps_a_cache_mount_between_builds_and_reports_a_rebuilt_step_as_cached() {
    let root = tempfile::tempdir().unwrap();
    // Each run adds a line to the cache mount and says how many it holds: the mount is
    // not in the image, so only BuildKit's cache can remember the first run.
    let run = format!(
        "RUN --mount=type=cache,id={},target=/cache sh -c 'echo run >> /cache/runs; echo \"cache holds $(wc -l < /cache/runs) runs\"'",
        unique("mount")
    );
    let first = context(&[("Dockerfile", &format!("FROM {}\n{run}\n", base_image()))]);
    let tag = format!("{}:1", unique("buildkit-cache"));
    let build = |ctx: &Path, tag: &str| {
        let path = ctx.to_str().unwrap();
        let args = [
            "images",
            "build",
            path,
            "--builder",
            "buildkit",
            "--network",
            "none",
            "-t",
            tag,
        ];
        let out = cli_in(root.path(), &args);
        assert_success(&out);
        String::from_utf8_lossy(&out.stderr).into_owned()
    };

    let log = build(first.path(), &tag);
    assert!(
        log.contains("cache holds 1 runs"),
        "the RUN step's output is shown: {log}"
    );
    assert!(log.contains("DONE"), "steps report their end: {log}");
    let id = docker_cli(&["image", "inspect", "--format", "{{.Id}}", &tag]);

    let again = build(first.path(), &tag);
    assert!(
        again.contains("CACHED"),
        "the unchanged step is reported as cached: {again}"
    );
    // The step's name holds the command; its output would be a line of its own.
    let ran = again
        .lines()
        .any(|l| l.contains("cache holds ") && !l.contains("wc -l"));
    assert!(!ran, "the cached step did not run: {again}");
    assert_eq!(
        docker_cli(&["image", "inspect", "--format", "{{.Id}}", &tag]),
        id
    );

    // A changed step before the RUN makes it run again, with the mount's contents kept.
    let second = context(&[(
        "Dockerfile",
        &format!("FROM {}\nENV SECOND=1\n{run}\n", base_image()),
    )]);
    let tag2 = format!("{}:2", unique("buildkit-cache"));
    let log = build(second.path(), &tag2);
    assert!(
        log.contains("cache holds 2 runs"),
        "the cache mount was kept: {log}"
    );
    docker_cli(&["rmi", &tag, &tag2]);
}

#[test]
fn a_failing_buildkit_step_is_named_with_the_engines_words_and_nothing_is_tagged() {
    let root = tempfile::tempdir().unwrap();
    let ctx = context(&[(
        "Dockerfile",
        &format!("FROM {}\nRUN echo about to fail && false\n", base_image()),
    )]);
    let path = ctx.path().to_str().unwrap();
    let tag = format!("{}:1", unique("buildkit-fails"));
    let args = [
        "--json",
        "images",
        "build",
        path,
        "--builder",
        "buildkit",
        "--network",
        "none",
        "-t",
        tag.as_str(),
    ];
    let out = cli_in(root.path(), &args);
    assert!(!out.status.success(), "a failed RUN is a failed build");
    let message = json_of(&out)["error"]["message"]
        .as_str()
        .unwrap_or_default()
        .to_owned();
    assert!(
        message.contains("RUN echo about to fail && false"),
        "names the step: {message}"
    );
    assert!(
        message.contains("exit code: 1"),
        "the engine's words: {message}"
    );
    assert!(
        docker_cli_raw(&["image", "inspect", &tag]).status.code() != Some(0),
        "nothing was tagged"
    );
}

/// Processes on this machine whose command line has `pattern` (BuildKit runs RUN steps
/// here, under the private dockerd).
fn processes_running(pattern: &str) -> bool {
    std::process::Command::new("pgrep")
        .args(["-f", pattern])
        .output()
        .map(|o| o.status.success())
        .unwrap_or(false)
}

#[tokio::test]
async fn cancelling_a_buildkit_build_stops_its_running_step_and_tags_nothing() {
    use slipway_core::build::{BuildOptions, Builder};
    use std::time::{Duration, Instant};
    let e = docker().await;
    let tag = format!("{}:1", unique("buildkit-cancel"));
    // A duration no other test sleeps, to find this step's process.
    let step = "sleep 43";
    let ctx = context(&[(
        "Dockerfile",
        &format!("FROM {}\nRUN {step}\n", base_image()),
    )]);
    let cancel = slipway_core::CancellationToken::new();
    let trigger = cancel.clone();
    // Cancel once the step really runs.
    let watcher = tokio::spawn(async move {
        let deadline = Instant::now() + Duration::from_secs(30);
        while !processes_running(step) && Instant::now() < deadline {
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        let seen = processes_running(step);
        trigger.cancel();
        seen
    });
    let options = BuildOptions {
        builder: Builder::Buildkit,
        network_mode: Some("none".into()),
        tags: vec![tag.clone()],
        ..Default::default()
    };
    let started = Instant::now();
    let err = e
        .build(
            ctx.path(),
            &options,
            &mut slipway_core::progress::ignore,
            &cancel,
        )
        .await
        .unwrap_err();
    assert!(
        watcher.await.unwrap(),
        "the step was running when cancelled"
    );
    assert_eq!(err.code, 499, "{err}");
    assert!(started.elapsed() < Duration::from_secs(40));
    // The engine ends the solve, and with it the step, once the request closes.
    let deadline = Instant::now() + Duration::from_secs(20);
    while processes_running(step) && Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
    assert!(!processes_running(step), "the step's process was stopped");
    assert!(e.get(&tag).await.is_err(), "nothing was tagged");
}
