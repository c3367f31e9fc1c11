//! Least privilege in the real window: the window's IPC reaches only the commands granted
//! to it, a save never replaces a file the user was not asked about, build args stay out of
//! the web view's storage, and the app's settings outlive a restart.

use fantoccini::{Client, Locator};
use slipway_e2e::*;
use std::path::PathBuf;
use std::time::Duration;

/// Call `command` through the window's own IPC, as a script in the page could:
/// `Ok(answer)` or `Err(the rejection)`.
async fn invoke(
    c: &Client,
    command: &str,
    args: serde_json::Value,
) -> Result<Result<serde_json::Value, serde_json::Value>, Box<dyn std::error::Error>> {
    let v = c
        .execute_async(
            "const [cmd, args, done] = arguments; \
             window.__TAURI_INTERNALS__.invoke(cmd, args).then( \
               v => done({ok: v === undefined ? null : v}), e => done({err: e}));",
            vec![command.into(), args],
        )
        .await?;
    Ok(match v.get("err") {
        Some(e) => Err(e.clone()),
        None => Ok(v.get("ok").cloned().unwrap_or_default()),
    })
}

/// The app's folder under an XDG base folder run.sh gave the app (never the user's).
fn app_dir(xdg: &str) -> PathBuf {
    PathBuf::from(std::env::var(xdg).expect("run through tests/e2e/run.sh")).join("dev.slipway.app")
}

#[tokio::test]
async fn the_window_reaches_only_the_commands_granted_to_it() -> TestResult {
    with_app(|c| async move {
        // Granted: answers.
        let status = invoke(&c, "engine_status", serde_json::json!({})).await?;
        assert_eq!(status.expect("granted")["connected"], true);
        // Real commands of Tauri and its dialog plugin, not granted to this window: refused.
        for (command, args) in [
            (
                "plugin:dialog|message",
                serde_json::json!({"message": "hi"}),
            ),
            (
                "plugin:event|emit",
                serde_json::json!({"event": "x", "payload": null}),
            ),
            ("plugin:window|close", serde_json::json!({})),
        ] {
            let refused = invoke(&c, command, args).await?;
            let e = refused.expect_err(command);
            assert!(
                e.as_str().unwrap_or_default().contains("not allowed"),
                "{command}: {e}"
            );
        }
        // An app command name that is in no permission: the app manifest makes the ACL check
        // app commands too, so it is refused by the ACL before any handler runs.
        let e = invoke(&c, "disk_usage", serde_json::json!({}))
            .await?
            .expect_err("no such grant");
        assert!(
            e.as_str().unwrap_or_default().contains("not allowed"),
            "{e}"
        );
        // The window is still fine.
        by_testid(&c, "grid-ready").await?;
        Ok(())
    })
    .await
}

#[tokio::test]
async fn a_save_over_an_existing_file_asks_first_and_replaces_only_when_told() -> TestResult {
    let name = unique("save-over");
    docker_build(&format!("{name}:1"), &[]);
    let dir = std::env::temp_dir().join(unique("e2e-save-over"));
    std::fs::create_dir_all(&dir)?;
    let target = dir.join("mine.tar");
    std::fs::write(&target, b"my own file")?;
    with_app(|c| {
        let (name, target) = (name.clone(), target.clone());
        async move {
            let css = format!(
                "[data-testid=image-row][data-repo=\"{name}\"][data-tag=\"1\"] [data-testid=row-select]"
            );
            c.wait()
                .at_most(PATIENCE)
                .for_element(Locator::Css(&css))
                .await?
                .click()
                .await?;
            by_testid(&c, "save-selected").await?.click().await?;
            type_into(
                &by_testid(&c, "save-path").await?,
                target.to_str().unwrap(),
            )
            .await?;
            by_testid(&c, "confirm-save").await?.click().await?;
            let asked = by_testid(&c, "save-exists").await?.text().await?;
            assert!(
                asked.contains(&format!("{} exists. Replace it?", target.display())),
                "{asked}"
            );
            screenshot(&c, "save-replace-ask").await?;
            // Kept: nothing written.
            by_testid(&c, "save-keep").await?.click().await?;
            assert_eq!(std::fs::read(&target)?, b"my own file");
            // The window's own IPC without the flag cannot replace it either: the task fails.
            let started = invoke(
                &c,
                "images_save",
                serde_json::json!({"title": "Save over", "references": [format!("{name}:1")],
                                   "path": target.to_str().unwrap(), "replace": false}),
            )
            .await?
            .expect("the task starts");
            let id = started["id"].as_str().unwrap_or_default().to_owned();
            let failed = eventually(Duration::from_secs(20), || async {
                let list = invoke(&c, "tasks_list", serde_json::json!({})).await?;
                let list = list.unwrap_or_default();
                Ok(list.as_array().into_iter().flatten().any(|v| {
                    v["task"]["id"] == id.as_str()
                        && v["task"]["state"] == "failed"
                        && v["task"]["error"]["code"] == 409
                }))
            })
            .await?;
            assert!(failed, "the save without the flag fails");
            assert_eq!(std::fs::read(&target)?, b"my own file");
            // Asked again and told to replace: the tar replaces it.
            by_testid(&c, "confirm-save").await?.click().await?;
            by_testid(&c, "save-replace").await?.click().await?;
            let closed = eventually(Duration::from_secs(30), || async {
                Ok(c.find_all(Locator::Css("[data-testid=save-dialog]"))
                    .await?
                    .is_empty())
            })
            .await?;
            assert!(closed, "the dialog closes when the save has finished");
            Ok(())
        }
    })
    .await?;
    let manifest = std::process::Command::new("tar")
        .args(["-xOf", target.to_str().unwrap(), "manifest.json"])
        .output()?;
    assert!(
        manifest.status.success(),
        "a complete tar replaced the file"
    );
    std::fs::remove_dir_all(&dir)?;
    Ok(())
}

#[tokio::test]
async fn recent_builds_kept_by_an_older_window_move_to_the_backend_once() -> TestResult {
    let context = unique("/src/old-build");
    with_app(|c| {
        let context = context.clone();
        async move {
            // What an older version left in the web view's storage, build args and all.
            let old = serde_json::json!([{
                "form": {"context": context, "dockerfile": "", "tags": "old/app:1",
                         "args": {"TOKEN": "s3cret-e2e"}},
                "at": 1_700_000_000_000u64
            }]);
            c.execute(
                "localStorage.setItem('slipway.recentBuilds.v1', arguments[0]);",
                vec![old.to_string().into()],
            )
            .await?;
            c.refresh().await?;
            by_testid(&c, "grid-ready").await?;
            let moved = eventually(PATIENCE, || async {
                let left = c
                    .execute(
                        "return localStorage.getItem('slipway.recentBuilds.v1');",
                        vec![],
                    )
                    .await?;
                Ok(left.is_null())
            })
            .await?;
            assert!(moved, "the old copy leaves the web view's storage");
            let storage = c
                .execute("return JSON.stringify({...localStorage});", vec![])
                .await?;
            assert!(!storage.as_str().unwrap_or_default().contains("s3cret-e2e"));
            by_testid(&c, "build-open").await?.click().await?;
            by_testid(&c, "build-recent").await?;
            let text = c
                .execute(
                    "return document.querySelector('[data-testid=build-recent]').textContent",
                    vec![],
                )
                .await?;
            assert!(
                text.as_str().unwrap_or_default().contains(&context),
                "{text}"
            );
            Ok(())
        }
    })
    .await?;
    // The backend has it, in its own file (readable by the user only).
    let file = app_dir("XDG_DATA_HOME").join("recent-builds.json");
    let kept = std::fs::read_to_string(&file)?;
    assert!(kept.contains(&context) && kept.contains("s3cret-e2e"));
    use std::os::unix::fs::PermissionsExt;
    assert_eq!(std::fs::metadata(&file)?.permissions().mode() & 0o077, 0);
    // A restart shows it without any copy in the window.
    with_app(|c| {
        let context = context.clone();
        async move {
            by_testid(&c, "build-open").await?.click().await?;
            // The list is folded: open it, then forget the old build.
            by_testid(&c, "build-recent")
                .await?
                .find(Locator::Css("summary"))
                .await?
                .click()
                .await?;
            let forget = format!("Forget the build of {context}");
            let button = c
                .find(Locator::Css(&format!(
                    "[data-testid=build-forget][aria-label=\"{forget}\"]"
                )))
                .await?;
            button.click().await?;
            let gone = eventually(PATIENCE, || async {
                Ok(!std::fs::read_to_string(&file)?.contains(&context))
            })
            .await?;
            assert!(gone, "forgotten in the backend's file");
            Ok(())
        }
    })
    .await
}

#[tokio::test]
async fn the_stall_timeout_set_in_settings_is_kept_after_a_restart() -> TestResult {
    let settings = app_dir("XDG_CONFIG_HOME").join("settings.json");
    with_app(|c| async move {
        by_testid(&c, "settings-open").await?.click().await?;
        let field = by_testid(&c, "settings-stall-timeout").await?;
        let loaded = eventually(PATIENCE, || async {
            Ok(field.prop("value").await?.as_deref() == Some("120"))
        })
        .await?;
        assert!(loaded, "120 s until changed");
        type_into(&field, "0").await?;
        by_testid(&c, "settings-save").await?.click().await?;
        let problem = by_testid(&c, "settings-stall-problem")
            .await?
            .text()
            .await?;
        assert!(problem.contains("1 to 3600"), "{problem}");
        type_into(&field, "45").await?;
        by_testid(&c, "settings-save").await?.click().await?;
        by_testid(&c, "settings-saved").await?;
        screenshot(&c, "settings").await?;
        by_testid(&c, "settings-close").await?.click().await?;
        Ok(())
    })
    .await?;
    let kept: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(&settings)?)?;
    assert_eq!(kept["stall_timeout_secs"], 45);
    // A new app process shows it, and puts it back for the other cases.
    with_app(|c| async move {
        by_testid(&c, "settings-open").await?.click().await?;
        let field = by_testid(&c, "settings-stall-timeout").await?;
        let kept = eventually(PATIENCE, || async {
            Ok(field.prop("value").await?.as_deref() == Some("45"))
        })
        .await?;
        assert!(kept, "the stall timeout survived the restart");
        type_into(&field, "120").await?;
        by_testid(&c, "settings-save").await?.click().await?;
        by_testid(&c, "settings-saved").await?;
        Ok(())
    })
    .await
}
