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
        assert_eq!(
            ids(&r),
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
