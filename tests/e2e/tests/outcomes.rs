//! What the window says will happen is what the engine then does: the remove dialog's
//! prediction for an in-use image with two names (with and without Force), a name moved from
//! another image only after asking, the leftovers of a cancelled build appearing on their own,
//! and the disk view's refresh button. Checked against the docker CLI.

use fantoccini::actions::{InputSource, KeyAction, KeyActions};
use fantoccini::{Client, Locator};
use slipway_e2e::*;
use std::collections::BTreeSet;
use std::time::Duration;

fn docker_ok(args: &[&str]) -> bool {
    slipway_engine_tests::docker_cli_raw(args).status.success()
}

/// Tick the row of `repo:tag` in the grid.
async fn select(c: &Client, repo: &str, tag: &str) -> TestResult {
    let css = format!(
        "[data-testid=image-row][data-repo=\"{repo}\"][data-tag=\"{tag}\"] [data-testid=row-select]"
    );
    c.wait()
        .at_most(PATIENCE)
        .for_element(Locator::Css(&css))
        .await?
        .click()
        .await?;
    Ok(())
}

/// Every element matching `css` as a map of its data attributes.
async fn datasets(
    c: &Client,
    css: &str,
) -> Result<Vec<serde_json::Value>, Box<dyn std::error::Error>> {
    let v = c
        .execute(
            "return [...document.querySelectorAll(arguments[0])].map(e => Object.assign({}, e.dataset))",
            vec![css.into()],
        )
        .await?;
    Ok(v.as_array().cloned().unwrap_or_default())
}

/// The plan items the dialog shows, once it has them.
async fn predicted(c: &Client) -> Result<Vec<serde_json::Value>, Box<dyn std::error::Error>> {
    c.wait()
        .at_most(PATIENCE)
        .for_element(Locator::Css("[data-testid=remove-item]"))
        .await?;
    datasets(c, "[data-testid=remove-item]").await
}

fn item<'a>(items: &'a [serde_json::Value], id: &str) -> &'a serde_json::Value {
    items
        .iter()
        .find(|i| i["id"] == id)
        .unwrap_or_else(|| panic!("no item for {id} in {items:?}"))
}

fn tags_of(id: &str) -> BTreeSet<String> {
    engine_rows()
        .into_iter()
        .filter(|(i, repo, _)| i == id && repo != "<none>")
        .map(|(_, repo, tag)| format!("{repo}:{tag}"))
        .collect()
}

fn words(v: &serde_json::Value) -> BTreeSet<String> {
    v.as_str()
        .unwrap_or_default()
        .split_whitespace()
        .map(str::to_owned)
        .collect()
}

#[tokio::test]
async fn the_remove_dialog_predicts_what_the_engine_does_for_an_in_use_image_with_two_names()
-> TestResult {
    let repo = unique("inuse");
    let used = docker_build(&format!("{repo}:1"), &[]);
    docker_cli(&["tag", &used, &format!("{repo}:2")]);
    let container = docker_cli(&["create", &used, "true"]).trim().to_owned();
    let free_repo = unique("free");
    let free = docker_build(&format!("{free_repo}:1"), &[]);
    with_app(|c| {
        let (repo, used, free, free_repo, container) = (
            repo.clone(),
            used.clone(),
            free.clone(),
            free_repo.clone(),
            container.clone(),
        );
        async move {
            for t in ["1", "2"] {
                select(&c, &repo, t).await?;
            }
            select(&c, &free_repo, "1").await?;
            by_testid(&c, "remove-selected").await?.click().await?;
            // Without force: the in-use image is kept whole (no name goes), the free one goes.
            let items = predicted(&c).await?;
            let a = item(&items, &used);
            assert_eq!(a["outcome"], "refused", "{a}");
            assert_eq!(a["refusal"], "in_use");
            assert_eq!(
                a["untag"], "",
                "no name of the in-use image is predicted to go"
            );
            assert_eq!(item(&items, &free)["delete"], "true");
            let explained = by_testid(&c, "force-explained").await?.text().await?;
            assert!(
                explained.contains("stay"),
                "what Force would do: {explained}"
            );
            screenshot(&c, "remove-predicted-in-use").await?;
            by_testid(&c, "confirm-remove").await?.click().await?;
            c.wait()
                .at_most(PATIENCE)
                .for_element(Locator::Css("[data-testid=remove-outcome]"))
                .await?;
            // What the engine did is what was predicted.
            assert_eq!(
                tags_of(&used),
                BTreeSet::from([format!("{repo}:1"), format!("{repo}:2")]),
                "both names are still on the in-use image"
            );
            assert!(
                !docker_ok(&["image", "inspect", &free]),
                "the free image is gone"
            );
            let outcomes = datasets(&c, "[data-testid=remove-outcome]").await?;
            let a = item(&outcomes, &used);
            assert_eq!(a["deleted"], "false");
            assert_eq!(a["untagged"], "");
            assert_eq!(item(&outcomes, &free)["deleted"], "true");
            screenshot(&c, "remove-partial").await?;
            // Retry what is left, with Force this time.
            by_testid(&c, "retry-remove").await?.click().await?;
            // Force can be ticked once the new plan is in (it is disabled while planning).
            c.wait()
                .at_most(PATIENCE)
                .for_element(Locator::Css("[data-testid=force-remove]:not([disabled])"))
                .await?
                .click()
                .await?;
            let items = predicted(&c).await?;
            let a = item(&items, &used);
            assert_eq!(a["outcome"], "delete", "{a}");
            assert_eq!(
                words(&a["untag"]),
                BTreeSet::from([format!("{repo}:1"), format!("{repo}:2")])
            );
            assert_eq!(
                a["containersDeleted"], "",
                "Docker's force deletes no container"
            );
            screenshot(&c, "remove-predicted-forced").await?;
            by_testid(&c, "confirm-remove").await?.click().await?;
            let closed = eventually(Duration::from_secs(10), || async {
                Ok(c.find_all(Locator::Css("[data-testid=remove-dialog]"))
                    .await?
                    .is_empty())
            })
            .await?;
            assert!(closed, "everything asked for happened");
            assert!(
                !docker_ok(&["image", "inspect", &used]),
                "the image is deleted"
            );
            assert!(
                docker_ok(&["container", "inspect", &container]),
                "and its container stays, as predicted"
            );
            let gone = eventually(Duration::from_secs(5), || async {
                Ok(!rows(&c).await?.iter().any(|r| r.id == used))
            })
            .await?;
            assert!(gone, "the grid follows");
            docker_cli(&["rm", &container]);
            Ok(())
        }
    })
    .await
}

#[tokio::test]
async fn a_name_another_image_holds_moves_only_after_asking() -> TestResult {
    let name_repo = unique("held");
    let name = format!("{name_repo}:1");
    let holder = docker_build(&name, &[]);
    let repo = unique("taker");
    let taker = docker_build(&format!("{repo}:1"), &[]);
    with_app(|c| {
        let (name, holder, taker, repo) =
            (name.clone(), holder.clone(), taker.clone(), repo.clone());
        async move {
            let css = format!("[data-testid=image-row][data-repo=\"{repo}\"][data-tag=\"1\"]");
            c.wait()
                .at_most(PATIENCE)
                .for_element(Locator::Css(&css))
                .await?
                .click()
                .await?;
            let enter = fantoccini::key::Key::Enter;
            let keys = KeyActions::new("keyboard".into())
                .then(KeyAction::Down {
                    value: enter.into(),
                })
                .then(KeyAction::Up {
                    value: enter.into(),
                });
            c.perform_actions(keys).await?;
            by_testid(&c, "tab-tags").await?.click().await?;
            type_into(&by_testid(&c, "new-tag").await?, &name).await?;
            by_testid(&c, "add-tag").await?.click().await?;
            let ask = by_testid(&c, "tag-conflict").await?;
            assert_eq!(
                ask.attr("data-holder").await?.as_deref(),
                Some(holder.as_str())
            );
            let text = ask.text().await?;
            assert!(
                text.contains(&name) && text.contains("without a name"),
                "{text}"
            );
            screenshot(&c, "tag-conflict").await?;
            let on = |id: &str| {
                let out = slipway_engine_tests::docker_cli_raw(&[
                    "inspect", "--format", "{{.Id}}", &name,
                ]);
                String::from_utf8_lossy(&out.stdout).trim() == id
            };
            assert!(on(&holder), "nothing moved before the answer");
            by_testid(&c, "tag-move-confirm").await?.click().await?;
            let moved = eventually(Duration::from_secs(5), || async { Ok(on(&taker)) }).await?;
            assert!(moved, "the name is on this image now");
            assert!(
                tags_of(&holder).is_empty(),
                "and the other image has no name left"
            );
            Ok(())
        }
    })
    .await
}

fn dangling_ids() -> BTreeSet<String> {
    docker_cli(&["images", "--filter", "dangling=true", "--no-trunc", "-q"])
        .lines()
        .map(str::to_owned)
        .collect()
}

#[tokio::test]
async fn a_cancelled_builds_leftover_appears_in_the_grid_without_a_click() -> TestResult {
    let dir = std::env::temp_dir().join(unique("e2e-cancel"));
    std::fs::create_dir_all(&dir)?;
    std::fs::write(
        dir.join("Dockerfile"),
        format!(
            "FROM {}\nRUN echo {} > /a\nRUN sleep 60\nRUN true\n",
            slipway_engine_tests::base_image(),
            unique("left")
        ),
    )?;
    let before = dangling_ids();
    let context = dir.to_str().unwrap().to_owned();
    with_app(|c| {
        let (context, before) = (context.clone(), before.clone());
        async move {
            by_testid(&c, "build-open").await?.click().await?;
            type_into(&by_testid(&c, "build-context").await?, &context).await?;
            type_into(&by_testid(&c, "build-tags").await?, &format!("{}:1", unique("never"))).await?;
            by_testid(&c, "confirm-build").await?.click().await?;
            // Cancel once the sleeping step runs: the step before it is committed by then.
            let sleeping = eventually(Duration::from_secs(30), || async {
                let steps = c
                    .execute(
                        "return [...document.querySelectorAll('[data-testid=task][data-state=running] [data-testid=task-step]')].map(s => s.dataset.step)",
                        vec![],
                    )
                    .await?;
                Ok(steps.as_array().is_some_and(|s| s.iter().any(|x| x == "3")))
            })
            .await?;
            assert!(sleeping, "the build reached its sleeping step");
            tokio::time::sleep(Duration::from_millis(500)).await;
            by_testid(&c, "task-cancel").await?.click().await?;
            assert_eq!(finished_task(&c, Duration::from_secs(30)).await?.0, "cancelled");
            // No click, no refresh: the engine's container events bring the leftover in.
            let shown = eventually(Duration::from_secs(10), || async {
                let grid: BTreeSet<String> = rows(&c)
                    .await?
                    .into_iter()
                    .filter(|r| r.repo == "<none>")
                    .map(|r| r.id)
                    .collect();
                let engine = dangling_ids();
                Ok(engine.len() > before.len() && grid == engine)
            })
            .await?;
            let new: Vec<_> = dangling_ids().difference(&before).cloned().collect();
            assert!(
                shown,
                "the grid's untagged images are `docker images --filter dangling=true` (new: {new:?})"
            );
            assert_eq!(new.len(), 1, "one leftover, the committed step: {new:?}");
            screenshot(&c, "cancelled-build-leftover").await?;
            Ok(())
        }
    })
    .await?;
    std::fs::remove_dir_all(&dir)?;
    Ok(())
}

#[tokio::test]
async fn the_disk_views_refresh_button_reads_an_out_of_band_change() -> TestResult {
    let engine = slipway_engine_tests::docker().await;
    with_app(|c| {
        let engine = engine.clone();
        async move {
            by_testid(&c, "nav-disk").await?.click().await?;
            let size = || async {
                let v = c
                    .execute(
                        "const e = document.querySelector('[data-testid=disk-volumes-size]'); return e ? e.dataset.bytes ?? null : null;",
                        vec![],
                    )
                    .await?;
                Ok::<_, Box<dyn std::error::Error>>(v.as_str().and_then(|s| s.parse::<i64>().ok()))
            };
            let loaded = eventually(Duration::from_secs(10), || async { Ok(size().await?.is_some()) })
                .await?;
            assert!(loaded, "the disk view shows volume bytes");
            let old = size().await?;
            // Out of band: a volume filled behind the engine's back sends no event at all.
            let volume = unique("vol");
            docker_cli(&["volume", "create", &volume]);
            let mountpoint = docker_cli(&["volume", "inspect", "-f", "{{.Mountpoint}}", &volume]);
            std::fs::write(
                std::path::Path::new(mountpoint.trim()).join("blob"),
                vec![7u8; 3_000_000],
            )?;
            let want = engine.df().await?.volumes.size;
            assert_ne!(Some(want), old, "the engine's number changed");
            tokio::time::sleep(Duration::from_millis(500)).await;
            assert_eq!(size().await?, old, "nothing told the view");
            by_testid(&c, "disk-refresh").await?.click().await?;
            let updated = eventually(Duration::from_secs(10), || async {
                Ok(size().await? == Some(want))
            })
            .await?;
            assert!(updated, "after the button the view shows the engine's {want} bytes");
            screenshot(&c, "disk-refreshed").await?;
            docker_cli(&["volume", "rm", &volume]);
            Ok(())
        }
    })
    .await
}

#[tokio::test]
async fn removing_the_last_name_of_an_in_use_image_in_details_says_why_it_cannot() -> TestResult {
    let repo = unique("lastname");
    let id = docker_build(&format!("{repo}:1"), &[]);
    let container = docker_cli(&["create", &id, "true"]).trim().to_owned();
    with_app(|c| {
        let repo = repo.clone();
        async move {
            let css = format!("[data-testid=image-row][data-repo=\"{repo}\"][data-tag=\"1\"]");
            c.wait()
                .at_most(PATIENCE)
                .for_element(Locator::Css(&css))
                .await?
                .click()
                .await?;
            let enter = fantoccini::key::Key::Enter;
            let keys = KeyActions::new("keyboard".into())
                .then(KeyAction::Down {
                    value: enter.into(),
                })
                .then(KeyAction::Up {
                    value: enter.into(),
                });
            c.perform_actions(keys).await?;
            by_testid(&c, "tab-tags").await?.click().await?;
            by_testid(&c, "untag").await?.click().await?;
            let why = by_testid(&c, "untag-refused").await?.text().await?;
            assert!(why.contains("remove that container first"), "{why}");
            screenshot(&c, "untag-refused").await?;
            Ok(())
        }
    })
    .await?;
    assert_eq!(
        tags_of(&id),
        BTreeSet::from([format!("{repo}:1")]),
        "the name is still there"
    );
    assert!(docker_ok(&["container", "inspect", &container]));
    docker_cli(&["rm", &container]);
    Ok(())
}
