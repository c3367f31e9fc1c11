//! Slipway in a real window (Xvfb + tauri-driver + WebKitWebDriver) on the private engine,
//! checked against what the docker CLI says. Each case leaves a screenshot.

use fantoccini::actions::{InputSource, KeyAction, KeyActions};
use fantoccini::key::Key;
use fantoccini::{Client, Locator};
use slipway_e2e::*;
use std::collections::BTreeSet;
use std::time::Duration;

async fn press(c: &Client, key: Key) -> TestResult {
    let actions = KeyActions::new("keyboard".into())
        .then(KeyAction::Down { value: key.into() })
        .then(KeyAction::Up { value: key.into() });
    c.perform_actions(actions).await?;
    Ok(())
}

fn ids(rows: &[Row]) -> BTreeSet<String> {
    rows.iter().map(|r| r.id.clone()).collect()
}

/// Click the grid row showing `repo:tag`.
async fn click_row(c: &Client, repo: &str, tag: &str) -> TestResult {
    let css = format!("[data-testid=image-row][data-repo=\"{repo}\"][data-tag=\"{tag}\"]");
    c.wait()
        .at_most(PATIENCE)
        .for_element(Locator::Css(&css))
        .await?
        .click()
        .await?;
    Ok(())
}

#[tokio::test]
async fn the_grid_shows_exactly_the_engines_images() -> TestResult {
    docker_build(&format!("{}:v1", unique("grid")), &[]);
    with_app(|c| async move {
        let shown = rows(&c).await?;
        let engine = engine_rows();
        let ui: BTreeSet<(String, String, String)> = shown
            .iter()
            .map(|r| (r.id.clone(), r.repo.clone(), r.tag.clone()))
            .collect();
        let cli: BTreeSet<(String, String, String)> = engine.into_iter().collect();
        assert_eq!(
            ui, cli,
            "one row per image and tag, as `docker images` lists them"
        );
        let count = by_testid(&c, "image-count").await?.text().await?;
        let distinct = ids(&shown).len().to_string();
        assert!(
            count.contains(&distinct),
            "header count {count:?} vs {distinct} images"
        );
        screenshot(&c, "grid").await?;
        Ok(())
    })
    .await
}

#[tokio::test]
async fn search_and_each_filter_narrow_the_grid() -> TestResult {
    let repo = unique("searchable");
    let kept = docker_build(&format!("{repo}:one"), &[]);
    let dangling = docker_build(&format!("{repo}:one"), &[]); // takes the name from `kept`
    let _ = dangling;
    let user = unique("ctr");
    let in_use_tag = format!("{}:used", unique("inuse"));
    let in_use = docker_build(&in_use_tag, &[]);
    docker_cli(&["create", "--name", &user, &in_use_tag]);
    with_app(|c| async move {
        type_into(&by_testid(&c, "search").await?, &repo).await?;
        let narrowed = eventually(Duration::from_secs(5), || async {
            let r = rows(&c).await?;
            Ok(!r.is_empty() && r.iter().all(|r| r.repo == repo))
        })
        .await?;
        assert!(narrowed, "searching for the repository shows only its rows");
        screenshot(&c, "search").await?;
        type_into(&by_testid(&c, "search").await?, "").await?;

        by_testid(&c, "filter-dangling").await?.click().await?;
        let r = rows(&c).await?;
        assert!(
            r.iter().any(|r| r.id == kept),
            "the untagged image is listed as dangling"
        );
        assert!(r.iter().all(|r| r.repo == "<none>"), "{r:?}");

        by_testid(&c, "filter-in-use").await?.click().await?;
        let r = rows(&c).await?;
        // Other cases may leave images with containers behind: judge this case's own images.
        let mine = BTreeSet::from([kept.clone(), in_use.clone()]);
        let shown: BTreeSet<String> = ids(&r).intersection(&mine).cloned().collect();
        assert_eq!(
            shown,
            BTreeSet::from([in_use.clone()]),
            "only the image a container uses"
        );

        by_testid(&c, "filter-unused").await?.click().await?;
        let r = rows(&c).await?;
        assert!(!r.is_empty() && r.iter().all(|r| r.id != in_use));
        screenshot(&c, "filter-unused").await?;

        by_testid(&c, "filter-all").await?.click().await?;
        assert_eq!(rows(&c).await?.len(), engine_rows().len());
        docker_cli(&["rm", &user]);
        Ok(())
    })
    .await
}

#[tokio::test]
async fn sorting_by_size_orders_the_rows() -> TestResult {
    // Two images of clearly different sizes.
    docker_build(&unique("small"), &[]);
    docker_build(
        &unique("big"),
        &["RUN head -c 3000000 /dev/urandom > /blob"],
    );
    with_app(|c| async move {
        by_testid(&c, "sort-size").await?.click().await?;
        let first: Vec<i64> = rows(&c).await?.iter().map(|r| r.size).collect();
        by_testid(&c, "sort-size").await?.click().await?;
        let second: Vec<i64> = rows(&c).await?.iter().map(|r| r.size).collect();
        let ascending = |v: &[i64]| v.windows(2).all(|w| w[0] <= w[1]);
        let descending = |v: &[i64]| v.windows(2).all(|w| w[0] >= w[1]);
        assert!(
            (ascending(&first) && descending(&second))
                || (descending(&first) && ascending(&second)),
            "{first:?} then {second:?}"
        );
        assert_ne!(
            first.first(),
            first.last(),
            "sizes differ, so the order means something"
        );
        screenshot(&c, "sorted-by-size").await?;
        Ok(())
    })
    .await
}

#[tokio::test]
async fn group_by_repository_totals_count_each_image_once() -> TestResult {
    let repo = unique("grouped");
    let a = docker_build(&format!("{repo}:a"), &[]);
    docker_cli(&["tag", &format!("{repo}:a"), &format!("{repo}:a-again")]);
    let b = docker_build(&format!("{repo}:b"), &[]);
    with_app(|c| async move {
        by_testid(&c, "group-by-repo").await?.click().await?;
        let css = format!("[data-testid=group-row][data-repo=\"{repo}\"]");
        let group = c
            .wait()
            .at_most(PATIENCE)
            .for_element(Locator::Css(&css))
            .await?;
        let total: i64 = group
            .attr("data-total-size")
            .await?
            .unwrap_or_default()
            .parse()?;
        let size = |id: &str| -> i64 {
            docker_cli(&["inspect", "--format", "{{.Size}}", id])
                .trim()
                .parse()
                .unwrap()
        };
        assert_eq!(total, size(&a) + size(&b), "a shared image ID counts once");
        assert_eq!(
            group.attr("data-count").await?.as_deref(),
            Some("3"),
            "three tags"
        );
        screenshot(&c, "grouped").await?;
        Ok(())
    })
    .await
}

#[tokio::test]
async fn details_show_as_many_history_rows_as_docker_history() -> TestResult {
    let repo = unique("detailed");
    docker_build(&format!("{repo}:1"), &["ENV A=1", "LABEL x=y"]);
    let expected = docker_cli(&["history", "-q", &format!("{repo}:1")])
        .lines()
        .count();
    with_app(|c| async move {
        click_row(&c, &repo, "1").await?;
        press(&c, Key::Enter).await?;
        by_testid(&c, "image-details").await?;
        by_testid(&c, "tab-history").await?.click().await?;
        let ok = eventually(Duration::from_secs(5), || async {
            Ok(c.find_all(Locator::Css("[data-testid=history-row]"))
                .await?
                .len()
                == expected)
        })
        .await?;
        assert!(ok, "expected {expected} history rows");
        screenshot(&c, "details-history").await?;
        Ok(())
    })
    .await
}

#[tokio::test]
async fn adding_a_tag_in_the_ui_creates_it_in_the_engine() -> TestResult {
    let repo = unique("retag");
    let id = docker_build(&format!("{repo}:1"), &[]);
    with_app(|c| async move {
        click_row(&c, &repo, "1").await?;
        press(&c, Key::Enter).await?;
        by_testid(&c, "tab-tags").await?.click().await?;
        let input = by_testid(&c, "new-tag").await?;
        type_into(&input, "Not Valid").await?;
        assert!(
            by_testid(&c, "tag-error").await?.is_displayed().await?,
            "bad names are refused as typed"
        );
        let target = format!("{repo}:from-ui");
        type_into(&input, &target).await?;
        by_testid(&c, "add-tag").await?.click().await?;
        let made = eventually(Duration::from_secs(5), || async {
            let out =
                slipway_engine_tests::docker_cli_raw(&["inspect", "--format", "{{.Id}}", &target]);
            Ok(out.status.success() && String::from_utf8_lossy(&out.stdout).trim() == id)
        })
        .await?;
        assert!(made, "the engine has the new tag on the same image");
        screenshot(&c, "tag-added").await?;
        Ok(())
    })
    .await
}

#[tokio::test]
async fn removing_through_the_ui_after_confirmation_removes_it_from_the_engine() -> TestResult {
    let repo = unique("doomed");
    let id = docker_build(&format!("{repo}:1"), &[]);
    with_app(|c| async move {
        let css = format!("[data-testid=image-row][data-repo=\"{repo}\"] [data-testid=row-select]");
        c.wait()
            .at_most(PATIENCE)
            .for_element(Locator::Css(&css))
            .await?
            .click()
            .await?;
        by_testid(&c, "remove-selected").await?.click().await?;
        by_testid(&c, "remove-dialog").await?;
        // What the dialog shows, as rendered text (innerText: what a person reads).
        let lists_it = eventually(Duration::from_secs(3), || {
            let c = c.clone();
            let repo = repo.clone();
            async move {
                let texts = c
                    .execute(
                        "return [...document.querySelectorAll('[data-testid=remove-item]')].map(e => e.innerText)",
                        vec![],
                    )
                    .await?;
                Ok(texts.as_array().into_iter().flatten().any(|t| t.as_str().is_some_and(|t| t.contains(&repo))))
            }
        })
        .await?;
        assert!(lists_it, "the dialog names what goes");
        screenshot(&c, "remove-dialog").await?;
        assert!(
            slipway_engine_tests::docker_cli_raw(&["inspect", &id])
                .status
                .success(),
            "nothing is removed before confirming"
        );
        by_testid(&c, "confirm-remove").await?.click().await?;
        let gone = eventually(Duration::from_secs(5), || async {
            Ok(!slipway_engine_tests::docker_cli_raw(&["inspect", &id])
                .status
                .success())
        })
        .await?;
        assert!(gone, "the image is gone from the engine");
        let still_shown = eventually(Duration::from_secs(3), || async {
            Ok(!rows(&c).await?.iter().any(|r| r.id == id))
        })
        .await?;
        assert!(still_shown, "and from the grid");
        Ok(())
    })
    .await
}

#[tokio::test]
async fn an_image_tagged_with_the_docker_cli_appears_within_two_seconds() -> TestResult {
    let src = unique("live-src");
    docker_build(&src, &[]);
    with_app(|c| async move {
        let target = unique("live-dst");
        docker_cli(&["tag", &src, &format!("{target}:now")]);
        let appeared = eventually(Duration::from_secs(2), || async {
            Ok(rows(&c)
                .await?
                .iter()
                .any(|r| r.repo == target && r.tag == "now"))
        })
        .await?;
        assert!(appeared, "no click, no reload: the grid follows the engine");
        screenshot(&c, "live-update").await?;
        Ok(())
    })
    .await
}

#[tokio::test]
async fn switching_to_chinese_changes_the_labels() -> TestResult {
    with_app(|c| async move {
        let label = |c: &Client| {
            let c = c.clone();
            async move {
                c.find(Locator::Css("[data-testid=sort-repository]"))
                    .await?
                    .text()
                    .await
            }
        };
        let english = label(&c).await?;
        let select = by_testid(&c, "language-select").await?;
        select.select_by_value("zh-CN").await?;
        let changed = eventually(Duration::from_secs(3), || async {
            let now = label(&c).await?;
            Ok(now != english
                && now
                    .chars()
                    .any(|ch| ('\u{4e00}'..='\u{9fff}').contains(&ch)))
        })
        .await?;
        assert!(changed, "the column label is now Chinese (was {english:?})");
        screenshot(&c, "zh-CN").await?;
        select.select_by_value("en").await?;
        Ok(())
    })
    .await
}

/// Whether the save dialog closed (it does once the tar is complete) within 30 s.
async fn save_dialog_closed(c: &Client) -> Result<bool, Box<dyn std::error::Error>> {
    eventually(Duration::from_secs(30), || async {
        Ok(c.find_all(Locator::Css("[data-testid=save-dialog]"))
            .await?
            .is_empty())
    })
    .await
}

/// Select the rows of these images (ctrl-click each).
async fn select_rows(c: &Client, names: &[(&str, &str)]) -> TestResult {
    for (repo, tag) in names {
        let css = format!(
            "[data-testid=image-row][data-repo=\"{repo}\"][data-tag=\"{tag}\"] [data-testid=row-select]"
        );
        c.wait()
            .at_most(PATIENCE)
            .for_element(Locator::Css(&css))
            .await?
            .click()
            .await?;
    }
    Ok(())
}

#[tokio::test]
async fn bulk_save_writes_one_tar_holding_the_selected_images() -> TestResult {
    let first = unique("save-a");
    let second = unique("save-b");
    let first_id = docker_build(&format!("{first}:1"), &[]);
    let second_id = docker_build(&format!("{second}:2"), &[]);
    let dir = std::env::temp_dir().join(unique("e2e-save"));
    std::fs::create_dir_all(&dir)?;
    let target = dir.join("two.tar");
    with_app(|c| {
        let target = target.clone();
        let (first, second) = (first.clone(), second.clone());
        async move {
            select_rows(&c, &[(&first, "1"), (&second, "2")]).await?;
            by_testid(&c, "save-selected").await?.click().await?;
            let listed = c
                .execute(
                    "return [...document.querySelectorAll('[data-testid=save-item]')].map(i => i.dataset.reference)",
                    vec![],
                )
                .await?;
            let listed: BTreeSet<String> = serde_json::from_value(listed)?;
            assert_eq!(
                listed,
                BTreeSet::from([format!("{first}:1"), format!("{second}:2")]),
                "the dialog lists what goes into the tar"
            );
            let path = by_testid(&c, "save-path").await?;
            type_into(&path, "relative.tar").await?;
            by_testid(&c, "confirm-save").await?.click().await?;
            let error = by_testid(&c, "save-error").await?.text().await?;
            assert!(error.contains("not a full path"), "{error}");
            type_into(&path, target.to_str().unwrap()).await?;
            screenshot(&c, "save-dialog").await?;
            by_testid(&c, "confirm-save").await?.click().await?;
            let closed = save_dialog_closed(&c).await?;
            assert!(closed, "the dialog closes when the save has finished");
            Ok(())
        }
    })
    .await?;
    // What the engine would load back: both images, under their names.
    let manifest = std::process::Command::new("tar")
        .args(["-xOf", target.to_str().unwrap(), "manifest.json"])
        .output()?;
    assert!(
        manifest.status.success(),
        "the tar is complete and readable"
    );
    let manifest: serde_json::Value = serde_json::from_slice(&manifest.stdout)?;
    let tags: BTreeSet<String> = manifest
        .as_array()
        .into_iter()
        .flatten()
        .flat_map(|m| m["RepoTags"].as_array().cloned().unwrap_or_default())
        .filter_map(|t| t.as_str().map(str::to_owned))
        .collect();
    assert_eq!(
        tags,
        BTreeSet::from([format!("{first}:1"), format!("{second}:2")])
    );
    let configs: BTreeSet<String> = manifest
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|m| m["Config"].as_str())
        .map(|c| c.trim_end_matches(".json").to_owned())
        .collect();
    for id in [&first_id, &second_id] {
        assert!(
            configs.contains(id.trim_start_matches("sha256:")),
            "{id} in {configs:?}"
        );
    }
    std::fs::remove_dir_all(&dir)?;
    Ok(())
}

/// "12.3MB" / "1.986MB" / "0B" as docker prints them (powers of 1000) → bytes.
fn docker_bytes(s: &str) -> f64 {
    let s = s.trim();
    let split = s
        .find(|ch: char| ch.is_ascii_alphabetic())
        .unwrap_or(s.len());
    let (num, unit) = s.split_at(split);
    let factor = match unit {
        "B" => 1.0,
        "kB" | "KB" => 1e3,
        "MB" => 1e6,
        "GB" => 1e9,
        "TB" => 1e12,
        other => panic!("unknown unit {other:?} in {s:?}"),
    };
    num.parse::<f64>().unwrap() * factor
}

#[tokio::test]
async fn unique_sizes_and_the_header_total_agree_with_the_engine() -> TestResult {
    let repo = unique("sharing");
    docker_build(&format!("{repo}:1"), &[]);
    docker_build(&format!("{repo}:2"), &["RUN echo more > /more"]);
    let engine = slipway_engine_tests::docker().await;
    let expected = engine.computed_image_usage().await?;
    let df_images = docker_cli(&["system", "df", "--format", "{{.Type}}\t{{.Size}}"])
        .lines()
        .find_map(|l| l.strip_prefix("Images\t").map(docker_bytes))
        .expect("docker system df has an Images row");
    with_app(|c| async move {
        let counted = eventually(Duration::from_secs(10), || async {
            let v = c
                .execute(
                    "return [...document.querySelectorAll('[data-testid=image-row]')].every(r => r.dataset.unique !== '')",
                    vec![],
                )
                .await?;
            Ok(v == serde_json::json!(true))
        })
        .await?;
        assert!(counted, "every row gets its unique size");
        let shown = c
            .execute(
                "return [...document.querySelectorAll('[data-testid=image-row]')].map(r => [r.dataset.id, Number(r.dataset.unique), Number(r.dataset.shared)])",
                vec![],
            )
            .await?;
        for row in shown.as_array().into_iter().flatten() {
            let id = row[0].as_str().unwrap_or_default();
            let u = expected
                .iter()
                .find(|u| u.id == id)
                .unwrap_or_else(|| panic!("{id} not in the engine"));
            // The grid's numbers come from the engine's df; these from each image's layers.
            assert_eq!(
                (row[1].as_i64(), row[2].as_i64()),
                (Some(u.unique_size), Some(u.shared_size)),
                "unique/shared bytes of {id}"
            );
        }
        let total = by_testid(&c, "total-size").await?;
        let exact = eventually(Duration::from_secs(10), || async {
            Ok(total.attr("data-exact").await?.as_deref() == Some("true"))
        })
        .await?;
        assert!(exact, "the header switches to the engine's layer total");
        let bytes: f64 = total.attr("data-bytes").await?.unwrap_or_default().parse()?;
        // docker rounds to 4 significant digits.
        assert!(
            (bytes - df_images).abs() <= df_images * 0.001 + 1.0,
            "header {bytes} vs docker system df {df_images}"
        );
        screenshot(&c, "unique-sizes").await?;
        Ok(())
    })
    .await
}

#[tokio::test]
async fn details_name_the_containers_made_from_the_image() -> TestResult {
    let repo = unique("used");
    docker_build(&format!("{repo}:1"), &[]);
    let name = unique("ctr");
    docker_cli(&["create", "--name", &name, &format!("{repo}:1")]);
    let result = with_app(|c| {
        let (repo, name) = (repo.clone(), name.clone());
        async move {
            click_row(&c, &repo, "1").await?;
            press(&c, Key::Enter).await?;
            let css = format!("[data-testid=details-container][data-name=\"{name}\"]");
            let item = c
                .wait()
                .at_most(PATIENCE)
                .for_element(Locator::Css(&css))
                .await?;
            assert_eq!(item.attr("data-state").await?.as_deref(), Some("created"));
            screenshot(&c, "details-containers").await?;
            Ok(())
        }
    })
    .await;
    docker_cli(&["rm", &name]);
    result
}

/// `make run` where no engine answers: tests/harness/run-app.sh starts the sandbox engine and
/// opens the app on it (here forced with --sandbox: the test must not probe the user's engine).
#[tokio::test]
async fn make_run_without_an_engine_opens_the_sandbox_with_its_sample_images() -> TestResult {
    let script = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../harness/run-app.sh")
        .canonicalize()?;
    let (c, _) = launch(
        script.to_str().unwrap(),
        &["--sandbox".into(), app_binary()],
    )
    .await?;
    let result = async {
        by_testid(&c, "sandbox-badge").await?;
        let shown: BTreeSet<String> = rows(&c)
            .await?
            .into_iter()
            .map(|r| format!("{}:{}", r.repo, r.tag))
            .collect();
        for sample in [
            "sandbox/web:1.0",
            "sandbox/web:latest",
            "sandbox/worker:2",
            "sandbox/old:1",
        ] {
            assert!(shown.contains(sample), "{sample} in {shown:?}");
        }
        let host = by_testid(&c, "engine-header").await?.text().await?;
        assert!(
            !host.contains(&docker_host()),
            "the sandbox is its own engine, not the test engine: {host}"
        );
        screenshot(&c, "sandbox").await?;
        Ok::<(), Box<dyn std::error::Error>>(())
    }
    .await;
    let _ = c.close().await;
    result
}

/// Put an image only in the harness registry: built, pushed, then removed locally.
fn image_only_in_registry(name: &str) -> String {
    let reference = format!("{}/{name}:1", slipway_engine_tests::registry());
    docker_build(&reference, &["RUN head -c 300000 /dev/urandom > /payload"]);
    docker_cli(&["push", &reference]);
    docker_cli(&["rmi", &reference]);
    reference
}

#[tokio::test]
async fn a_pull_shows_layer_rows_ends_in_the_grid_and_stays_in_the_drawer_after_a_restart()
-> TestResult {
    let name = unique("pulled");
    let reference = image_only_in_registry(&name);
    let repo = reference.rsplit_once(':').unwrap().0.to_owned();
    let title = format!("Pull {reference}");
    with_app(|c| {
        let (reference, repo) = (reference.clone(), repo.clone());
        async move {
            by_testid(&c, "pull-open").await?.click().await?;
            let input = by_testid(&c, "pull-reference").await?;
            type_into(&input, "Not/Valid").await?;
            assert!(by_testid(&c, "pull-error").await?.is_displayed().await?);
            type_into(&input, &reference).await?;
            by_testid(&c, "confirm-pull").await?.click().await?;
            let task = by_testid(&c, "task").await?;
            let done = eventually(Duration::from_secs(60), || async {
                Ok(task.attr("data-state").await?.as_deref() == Some("done"))
            })
            .await?;
            assert!(done, "the pull task finishes");
            let layers = c
                .find_all(Locator::Css("[data-testid=task-layer]"))
                .await?
                .len();
            assert!(layers >= 2, "one row per layer ({layers})");
            screenshot(&c, "pull-layers").await?;
            let css = format!("[data-testid=image-row][data-repo=\"{repo}\"][data-tag=\"1\"]");
            c.wait()
                .at_most(PATIENCE)
                .for_element(Locator::Css(&css))
                .await?;
            Ok(())
        }
    })
    .await?;
    assert!(
        docker_cli_ok(&["image", "inspect", &reference]),
        "the engine has the pulled image"
    );
    // A new app process: the finished task is still listed.
    with_app(|c| async move {
        by_testid(&c, "tasks-button").await?.click().await?;
        by_testid(&c, "task-drawer").await?;
        let kept = eventually(Duration::from_secs(5), || async {
            let v = c
                .execute(
                    "return [...document.querySelectorAll('[data-testid=task]')].map(t => [t.querySelector('.title').textContent, t.dataset.state])",
                    vec![],
                )
                .await?;
            Ok(v.as_array().into_iter().flatten().any(|t| {
                t[0].as_str() == Some(title.as_str()) && t[1].as_str() == Some("done")
            }))
        })
        .await?;
        assert!(kept, "the drawer lists the pull from before the restart");
        screenshot(&c, "task-drawer").await?;
        Ok(())
    })
    .await
}

#[tokio::test]
async fn pulling_a_missing_image_fails_with_the_cause_not_a_hang() -> TestResult {
    let reference = format!(
        "{}/{}:1",
        slipway_engine_tests::registry(),
        unique("absent")
    );
    with_app(|c| async move {
        by_testid(&c, "pull-open").await?.click().await?;
        type_into(&by_testid(&c, "pull-reference").await?, &reference).await?;
        by_testid(&c, "confirm-pull").await?.click().await?;
        // The newest task's error: the drawer also lists failures of earlier cases.
        let error = c
            .wait()
            .at_most(PATIENCE)
            .for_element(Locator::Css(
                "[data-testid=task]:first-child [data-testid=task-error]",
            ))
            .await?
            .text()
            .await?;
        assert!(
            error.to_lowercase().contains("not found") || error.contains("unknown"),
            "names the cause: {error}"
        );
        Ok(())
    })
    .await
}

fn docker_cli_ok(args: &[&str]) -> bool {
    slipway_engine_tests::docker_cli_raw(args).status.success()
}

/// Open the push dialog for `repo:tag` and push it with this login.
async fn push_with_login(
    c: &Client,
    repo: &str,
    tag: &str,
    user: &str,
    password: &str,
) -> TestResult {
    select_rows(c, &[(repo, tag)]).await?;
    by_testid(c, "push-open").await?.click().await?;
    by_testid(c, "push-use-login").await?.click().await?;
    type_into(&by_testid(c, "push-username").await?, user).await?;
    type_into(&by_testid(c, "push-password").await?, password).await?;
    by_testid(c, "confirm-push").await?.click().await?;
    Ok(())
}

#[tokio::test]
async fn push_to_the_auth_registry_fails_fast_with_a_bad_password_and_works_with_the_right_one()
-> TestResult {
    let repo = format!(
        "{}/{}",
        slipway_engine_tests::auth_registry(),
        unique("pushed")
    );
    docker_build(&format!("{repo}:1"), &[]);
    let user = slipway_engine_tests::env("SLIPWAY_TEST_AUTH_USER");
    let password = slipway_engine_tests::env("SLIPWAY_TEST_AUTH_PASSWORD");
    with_app(|c| {
        let (repo, user, password) = (repo.clone(), user.clone(), password.clone());
        async move {
            let started = std::time::Instant::now();
            push_with_login(&c, &repo, "1", &user, "wrong-password").await?;
            let (state, text) = finished_task(&c, Duration::from_secs(20)).await?;
            assert_eq!(state, "failed", "{text}");
            assert!(
                started.elapsed() < Duration::from_secs(15),
                "an auth failure is reported within seconds"
            );
            let lower = text.to_lowercase();
            assert!(
                lower.contains("unauthorized")
                    || lower.contains("401")
                    || lower.contains("password"),
                "names the cause: {text}"
            );
            screenshot(&c, "push-auth-failed").await?;
            by_testid(&c, "task-drawer-close").await?.click().await?;
            // The row is still selected from the first attempt: open the dialog again.
            by_testid(&c, "push-open").await?.click().await?;
            by_testid(&c, "push-use-login").await?.click().await?;
            type_into(&by_testid(&c, "push-username").await?, &user).await?;
            type_into(&by_testid(&c, "push-password").await?, &password).await?;
            by_testid(&c, "confirm-push").await?.click().await?;
            let (state, text) = finished_task(&c, Duration::from_secs(60)).await?;
            assert_eq!(state, "done", "{text}");
            assert!(
                text.contains("sha256:"),
                "the pushed digest is shown: {text}"
            );
            Ok(())
        }
    })
    .await?;
    // The registry has it: the engine can pull it back with the same credentials.
    let (host, name) = repo.split_once('/').unwrap();
    let out = std::process::Command::new("curl")
        .args([
            "-sf",
            "-u",
            &format!("{user}:{password}"),
            &format!("http://{host}/v2/{name}/tags/list"),
        ])
        .output()?;
    let listed = String::from_utf8_lossy(&out.stdout);
    assert!(listed.contains("\"1\""), "registry tags: {listed}");
    Ok(())
}

#[tokio::test]
async fn saved_images_removed_and_loaded_again_come_back_with_the_same_ids() -> TestResult {
    let first = unique("roundtrip-a");
    let second = unique("roundtrip-b");
    let first_id = docker_build(&format!("{first}:1"), &[]);
    let second_id = docker_build(&format!("{second}:1"), &["ENV B=1"]);
    let dir = std::env::temp_dir().join(unique("e2e-roundtrip"));
    std::fs::create_dir_all(&dir)?;
    let tar = dir.join("both.tar");
    let tar_path = tar.to_str().unwrap().to_owned();
    with_app(|c| {
        let (first, second, tar_path) = (first.clone(), second.clone(), tar_path.clone());
        async move {
            select_rows(&c, &[(&first, "1"), (&second, "1")]).await?;
            by_testid(&c, "save-selected").await?.click().await?;
            type_into(&by_testid(&c, "save-path").await?, &tar_path).await?;
            by_testid(&c, "confirm-save").await?.click().await?;
            let saved = save_dialog_closed(&c).await?;
            assert!(saved, "the save finished");
            Ok(())
        }
    })
    .await?;
    docker_cli(&["rmi", &format!("{first}:1"), &format!("{second}:1")]);
    with_app(|c| {
        let tar_path = tar_path.clone();
        async move {
            by_testid(&c, "load-open").await?.click().await?;
            type_into(&by_testid(&c, "load-path").await?, &tar_path).await?;
            by_testid(&c, "confirm-load").await?.click().await?;
            let (state, text) = finished_task(&c, Duration::from_secs(60)).await?;
            assert_eq!(state, "done", "{text}");
            screenshot(&c, "load-done").await?;
            Ok(())
        }
    })
    .await?;
    for (name, id) in [(&first, &first_id), (&second, &second_id)] {
        let now = docker_cli(&["inspect", "--format", "{{.Id}}", &format!("{name}:1")]);
        assert_eq!(now.trim(), id, "{name}:1 came back as the same image");
    }
    std::fs::remove_dir_all(&dir)?;
    Ok(())
}

#[tokio::test]
async fn cancelling_a_large_pull_leaves_no_image() -> TestResult {
    // 200 MB of random bytes: no compression helps, so the pull takes long enough to cancel.
    let reference = format!("{}/{}:1", slipway_engine_tests::registry(), unique("large"));
    docker_build(&reference, &["RUN head -c 200000000 /dev/urandom > /blob"]);
    docker_cli(&["push", &reference]);
    docker_cli(&["rmi", &reference]);
    with_app(|c| {
        let reference = reference.clone();
        async move {
            by_testid(&c, "pull-open").await?.click().await?;
            type_into(&by_testid(&c, "pull-reference").await?, &reference).await?;
            by_testid(&c, "confirm-pull").await?.click().await?;
            // Cancel once bytes are moving.
            let moving = eventually(Duration::from_secs(30), || async {
                let v = c
                    .execute(
                        "return [...document.querySelectorAll('[data-testid=task-layer]')].some(l => /Downloading|Extracting/.test(l.dataset.status))",
                        vec![],
                    )
                    .await?;
                Ok(v == serde_json::json!(true))
            })
            .await?;
            assert!(moving, "the pull got under way");
            by_testid(&c, "task-cancel").await?.click().await?;
            let (state, text) = finished_task(&c, Duration::from_secs(30)).await?;
            assert_eq!(state, "cancelled", "{text}");
            Ok(())
        }
    })
    .await?;
    assert!(
        !docker_cli_ok(&["image", "inspect", &reference]),
        "no half-pulled image remains"
    );
    Ok(())
}

#[tokio::test]
async fn the_pull_dialog_lists_a_private_repositorys_tags_from_the_registry() -> TestResult {
    let repo = format!("{}/{}", slipway_engine_tests::registry(), unique("listed"));
    docker_build(&format!("{repo}:1.0"), &[]);
    docker_cli(&["tag", &format!("{repo}:1.0"), &format!("{repo}:2.0")]);
    docker_cli(&["push", &format!("{repo}:1.0")]);
    docker_cli(&["push", &format!("{repo}:2.0")]);
    with_app(|c| {
        let repo = repo.clone();
        async move {
            by_testid(&c, "pull-open").await?.click().await?;
            let input = by_testid(&c, "pull-reference").await?;
            type_into(&input, &repo).await?;
            by_testid(&c, "pull-list-tags").await?.click().await?;
            by_testid(&c, "registry-tag").await?;
            let tags = c
                .execute(
                    "return [...document.querySelectorAll('[data-testid=registry-tag]')].map(t => t.dataset.tag)",
                    vec![],
                )
                .await?;
            assert_eq!(tags, serde_json::json!(["1.0", "2.0"]));
            c.find(Locator::Css("[data-testid=registry-tag][data-tag=\"2.0\"]"))
                .await?
                .click()
                .await?;
            assert_eq!(
                input.prop("value").await?.as_deref(),
                Some(format!("{repo}:2.0").as_str())
            );
            screenshot(&c, "pull-tags").await?;
            Ok(())
        }
    })
    .await
}

#[tokio::test]
async fn importing_a_root_filesystem_tarball_makes_a_named_image() -> TestResult {
    let dir = std::env::temp_dir().join(unique("e2e-rootfs"));
    let root = dir.join("root");
    std::fs::create_dir_all(root.join("etc"))?;
    std::fs::write(root.join("etc/imported-by"), "slipway\n")?;
    let tarball = dir.join("rootfs.tar");
    let made = std::process::Command::new("tar")
        .args([
            "-C",
            root.to_str().unwrap(),
            "-cf",
            tarball.to_str().unwrap(),
            ".",
        ])
        .status()?;
    assert!(made.success());
    let name = format!("{}:1", unique("imported"));
    with_app(|c| {
        let (name, tarball) = (name.clone(), tarball.to_str().unwrap().to_owned());
        async move {
            by_testid(&c, "load-open").await?.click().await?;
            type_into(&by_testid(&c, "load-path").await?, &tarball).await?;
            by_testid(&c, "load-mode-import").await?.click().await?;
            type_into(&by_testid(&c, "import-name").await?, &name).await?;
            by_testid(&c, "confirm-load").await?.click().await?;
            let (state, text) = finished_task(&c, Duration::from_secs(60)).await?;
            assert_eq!(state, "done", "{text}");
            Ok(())
        }
    })
    .await?;
    let layers = docker_cli(&["inspect", "--format", "{{len .RootFS.Layers}}", &name]);
    assert_eq!(layers.trim(), "1", "one layer, from the tarball");
    std::fs::remove_dir_all(&dir)?;
    Ok(())
}
