//! Building in the real window (Xvfb + tauri-driver + WebKitWebDriver) on the private
//! engine, checked against what the docker CLI builds and says.

use fantoccini::{Client, Locator};
use slipway_e2e::*;
use std::time::Duration;

/// Waits for the build's task to end, which must be as done; its step rows' count.
async fn steps_of_a_done_build(c: &Client) -> Result<usize, Box<dyn std::error::Error>> {
    let (state, text) = finished_task(c, Duration::from_secs(60)).await?;
    assert_eq!(state, "done", "{text}");
    let steps = c.find_all(Locator::Css("[data-testid=task-step]")).await?;
    Ok(steps.len())
}

#[tokio::test]
async fn the_untouched_form_builds_what_docker_build_builds() -> TestResult {
    let context = fixture("multiarg");
    let cli_tag = format!("{}:cli", unique("multiarg"));
    let app_tag = format!("{}:app", unique("multiarg"));
    let cli_id = docker_cli(&["build", "-q", "-t", &cli_tag, &context])
        .trim()
        .to_owned();
    with_app(|c| {
        let (context, app_tag) = (context.clone(), app_tag.clone());
        async move {
            by_testid(&c, "build-open").await?.click().await?;
            type_into(&by_testid(&c, "build-context").await?, &context).await?;
            // Each ARG shows its default resolved the way the builder will, and stays empty.
            let img = by_testid(&c, "build-arg-IMG").await?;
            assert_eq!(
                img.attr("placeholder").await?.as_deref(),
                Some("slipway-test/busybox:latest")
            );
            assert_eq!(img.prop("value").await?.as_deref(), Some(""));
            type_into(&by_testid(&c, "build-tags").await?, &app_tag).await?;
            screenshot(&c, "build-untouched-args").await?;
            by_testid(&c, "confirm-build").await?.click().await?;
            let (state, text) = finished_task(&c, Duration::from_secs(60)).await?;
            assert_eq!(state, "done", "{text}");
            Ok(())
        }
    })
    .await?;
    let app_id = docker_cli(&["inspect", "--format", "{{.Id}}", &app_tag]);
    assert_eq!(app_id.trim(), cli_id, "the same image as docker build");
    let from = docker_cli(&[
        "inspect",
        "--format",
        "{{index .Config.Labels \"org.slipway.from\"}}",
        &app_tag,
    ]);
    assert_eq!(from.trim(), "slipway-test/busybox:latest");
    Ok(())
}

#[tokio::test]
async fn a_build_from_the_typed_path_honours_the_target_and_a_build_arg() -> TestResult {
    let tag = format!("{}:1", unique("built"));
    let context = fixture("multistage");
    with_app(|c| {
        let (tag, context) = (tag.clone(), context.clone());
        async move {
            by_testid(&c, "build-open").await?.click().await?;
            type_into(&by_testid(&c, "build-context").await?, &context).await?;
            // The Dockerfile is read: its ARG's default is the field's placeholder (never sent
            // unless typed), its stages are in the target list.
            let arg = by_testid(&c, "build-arg-GREETING").await?;
            assert_eq!(arg.prop("value").await?.as_deref(), Some(""));
            assert_eq!(arg.attr("placeholder").await?.as_deref(), Some("hello"));
            let summary = by_testid(&c, "build-context-summary").await?.text().await?;
            assert!(summary.contains("1 left out"), "{summary}");
            type_into(&arg, "bonjour").await?;
            by_testid(&c, "build-target")
                .await?
                .select_by_value("base")
                .await?;
            type_into(&by_testid(&c, "build-tags").await?, &tag).await?;
            // No cache: the sleeping step must really run, whatever ran on this engine before.
            by_testid(&c, "build-no-cache").await?.click().await?;
            screenshot(&c, "build-form").await?;
            by_testid(&c, "confirm-build").await?.click().await?;
            // Mid-build (the fixture sleeps in one step): the running step shows in the drawer.
            let running = eventually(Duration::from_secs(20), || async {
                Ok(!c
                    .find_all(Locator::Css(
                        "[data-testid=task][data-state=running] [data-testid=task-step]",
                    ))
                    .await?
                    .is_empty())
            })
            .await?;
            assert!(running, "steps show while the build runs");
            screenshot(&c, "build-running").await?;
            let steps = steps_of_a_done_build(&c).await?;
            assert!(steps >= 4, "Step i/N rows ({steps})");
            screenshot(&c, "build-done").await?;
            Ok(())
        }
    })
    .await?;
    let labels = docker_cli(&["inspect", "--format", "{{json .Config.Labels}}", &tag]);
    let labels: serde_json::Value = serde_json::from_str(labels.trim())?;
    assert_eq!(
        labels["org.slipway.stage"], "base",
        "the target stage was built"
    );
    assert_eq!(
        labels["org.slipway.greeting"], "bonjour",
        "the build arg took effect"
    );
    // After a restart the form offers this build again.
    with_app(|c| {
        let (tag, context) = (tag.clone(), context.clone());
        async move {
            by_testid(&c, "build-open").await?.click().await?;
            by_testid(&c, "build-recent").await?;
            let text = c
                .execute(
                    "return document.querySelector('[data-testid=build-recent]').textContent",
                    vec![],
                )
                .await?;
            let text = text.as_str().unwrap_or_default();
            assert!(text.contains(&context) && text.contains(&tag), "{text}");
            // Kept by the backend: the build arg is nowhere in the web view's storage.
            let storage = c
                .execute("return JSON.stringify({...localStorage});", vec![])
                .await?;
            assert!(!storage.as_str().unwrap_or_default().contains("bonjour"));
            Ok(())
        }
    })
    .await
}

#[tokio::test]
async fn a_failing_build_points_at_the_failing_step() -> TestResult {
    let context = fixture("failing");
    with_app(|c| async move {
        by_testid(&c, "build-open").await?.click().await?;
        type_into(&by_testid(&c, "build-context").await?, &context).await?;
        by_testid(&c, "confirm-build").await?.click().await?;
        let (state, text) = finished_task(&c, Duration::from_secs(60)).await?;
        assert_eq!(state, "failed", "{text}");
        let step = by_testid(&c, "task-failed-step").await?;
        assert_eq!(step.attr("data-step").await?.as_deref(), Some("2"));
        // innerText: WebDriver's element text leaves out this flex row's children.
        let line = c
            .execute(
                "return document.querySelector('[data-testid=task-failed-step]').innerText",
                vec![],
            )
            .await?;
        assert!(
            line.as_str().unwrap_or_default().contains("exit 3"),
            "the failing step's line: {line}"
        );
        let error = by_testid(&c, "task-error").await?.text().await?;
        assert!(error.contains("3"), "the engine's message: {error}");
        screenshot(&c, "build-failed").await?;
        Ok(())
    })
    .await
}

#[tokio::test]
async fn a_buildkit_build_lists_its_steps_and_reports_the_step_the_cli_built_as_cached()
-> TestResult {
    let context = fixture("buildkit-cache");
    // The docker CLI with BuildKit fills the engine's build cache first.
    let cli_tag = format!("{}:cli", unique("buildkit"));
    let cli = slipway_engine_tests::docker_cli_raw_with(
        &[("DOCKER_BUILDKIT", "1")],
        &["build", "--network", "none", "-t", &cli_tag, &context],
    );
    assert!(
        cli.status.success(),
        "{}",
        String::from_utf8_lossy(&cli.stderr)
    );
    let tag = format!("{}:app", unique("buildkit"));
    with_app(|c| {
        let (context, tag) = (context.clone(), tag.clone());
        async move {
            by_testid(&c, "build-open").await?.click().await?;
            type_into(&by_testid(&c, "build-context").await?, &context).await?;
            by_testid(&c, "build-builder")
                .await?
                .select_by_value("buildkit")
                .await?;
            // The test engine has no bridge network for RUN steps.
            by_testid(&c, "build-network")
                .await?
                .select_by_value("none")
                .await?;
            type_into(&by_testid(&c, "build-tags").await?, &tag).await?;
            screenshot(&c, "build-buildkit-form").await?;
            by_testid(&c, "confirm-build").await?.click().await?;
            let steps = steps_of_a_done_build(&c).await?;
            assert!(steps >= 3, "a row per BuildKit step ({steps})");
            let log = c
                .execute(
                    "return document.querySelector('[data-testid=task-log]')?.innerText ?? ''",
                    vec![],
                )
                .await?;
            let log = log.as_str().unwrap_or_default();
            assert!(log.contains("CACHED"), "the RUN step is cached: {log}");
            assert!(
                !log.contains("cache holds 2"),
                "it did not run again: {log}"
            );
            screenshot(&c, "build-buildkit-cached").await?;
            Ok(())
        }
    })
    .await?;
    let label = docker_cli(&[
        "inspect",
        "--format",
        "{{index .Config.Labels \"org.slipway.builder\"}}",
        &tag,
    ]);
    assert_eq!(label.trim(), "buildkit");
    let id = |t: &str| docker_cli(&["inspect", "--format", "{{.Id}}", t]);
    assert_eq!(
        id(&tag),
        id(&cli_tag),
        "the same image as the docker CLI's BuildKit build"
    );
    docker_cli(&["rmi", &tag, &cli_tag]);
    Ok(())
}
