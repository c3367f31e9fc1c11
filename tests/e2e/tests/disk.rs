//! The disk view and the prune sheet in a real window, checked against the engine's own
//! numbers and against `slipway-cli images prune --dry-run`.

use fantoccini::{Client, Locator};
use slipway_e2e::*;
use std::collections::BTreeSet;
use std::time::Duration;

/// A `data-*` attribute of every element matching `css`, in document order.
async fn attrs(
    c: &Client,
    css: &str,
    attr: &str,
) -> Result<Vec<String>, Box<dyn std::error::Error>> {
    let v = c
        .execute(
            "return [...document.querySelectorAll(arguments[0])].map(e => e.getAttribute(arguments[1]) ?? '')",
            vec![css.into(), attr.into()],
        )
        .await?;
    Ok(v.as_array()
        .into_iter()
        .flatten()
        .map(|s| s.as_str().unwrap_or_default().to_owned())
        .collect())
}

async fn bytes_of(c: &Client, testid: &str) -> Result<Option<i64>, Box<dyn std::error::Error>> {
    let v = attrs(c, &format!("[data-testid={testid}]"), "data-bytes").await?;
    Ok(v.first().and_then(|s| s.parse().ok()))
}

async fn open_disk_view(c: &Client) -> TestResult {
    by_testid(c, "nav-disk").await?.click().await?;
    by_testid(c, "disk-view").await?;
    let loaded = eventually(Duration::from_secs(10), || async {
        Ok(bytes_of(c, "disk-images-size").await?.is_some())
    })
    .await?;
    assert!(loaded, "the disk view shows the engine's image bytes");
    Ok(())
}

#[tokio::test]
async fn the_disk_view_numbers_match_the_engines() -> TestResult {
    let repo = unique("disk-big");
    docker_build(
        &format!("{repo}:1"),
        &["RUN head -c 3000000 /dev/urandom > /blob"],
    );
    docker_build(
        &format!("{repo}:2"),
        &["RUN head -c 1000000 /dev/urandom > /blob"],
    );
    let engine = slipway_engine_tests::docker().await;
    with_app(|c| async move {
        open_disk_view(&c).await?;
        let df = engine.df().await?;
        for (name, row) in [
            ("images", &df.images),
            ("containers", &df.containers),
            ("volumes", &df.volumes),
            ("build_cache", &df.build_cache),
        ] {
            assert_eq!(
                bytes_of(&c, &format!("disk-{name}-size")).await?,
                Some(row.size),
                "{name} size"
            );
            assert_eq!(
                bytes_of(&c, &format!("disk-{name}-reclaimable")).await?,
                Some(row.reclaimable),
                "{name} reclaimable"
            );
        }
        // The repository table holds both tags of the repository, its bytes counted once
        // per image, the same the engine's per-image usage adds up to.
        let usage = engine.image_usage().await?;
        let ids: BTreeSet<String> = engine_rows()
            .into_iter()
            .filter(|(_, r, _)| *r == repo)
            .map(|(id, _, _)| id)
            .collect();
        assert_eq!(ids.len(), 2);
        let expected_unique: i64 = usage
            .iter()
            .filter(|u| ids.contains(&u.id))
            .map(|u| u.unique_size)
            .sum();
        let row_css = format!("[data-testid=disk-repo-row][data-repo=\"{repo}\"]");
        assert_eq!(
            attrs(&c, &row_css, "data-tags").await?,
            vec!["2".to_owned()]
        );
        let unique = attrs(
            &c,
            &format!("{row_css} [data-testid=disk-repo-unique]"),
            "data-bytes",
        )
        .await?;
        assert_eq!(unique, vec![expected_unique.to_string()]);
        // The largest repositories chart has it (3 MB + 1 MB of random bytes rank high).
        let names = attrs(&c, "[data-testid=disk-largest-item]", "data-name").await?;
        assert!(names.contains(&repo), "{names:?}");
        screenshot(&c, "disk-view").await?;
        // Both languages: the view and its chart labels in Chinese, numbers unchanged.
        let select = by_testid(&c, "language-select").await?;
        select.select_by_value("zh-CN").await?;
        let chinese = eventually(Duration::from_secs(3), || async {
            let v = c
                .execute(
                    "return document.querySelector('[data-testid=disk-view]').innerText",
                    vec![],
                )
                .await?;
            let text = v.as_str().unwrap_or_default().to_owned();
            Ok(text.contains("磁盘") && !text.contains("System usage"))
        })
        .await?;
        assert!(chinese, "the disk view speaks Chinese");
        assert_eq!(
            bytes_of(&c, "disk-images-size").await?,
            Some(df.images.size)
        );
        screenshot(&c, "disk-view-zh-CN").await?;
        select.select_by_value("en").await?;
        Ok(())
    })
    .await
}

#[tokio::test]
async fn the_prune_sheet_deletes_exactly_the_ticked_dry_run_set_and_the_view_follows() -> TestResult
{
    let marker = unique("e2e-prune");
    let label = format!("LABEL slipway.e2e={marker}");
    let repos: Vec<String> = (0..4).map(|n| unique(&format!("prune{n}"))).collect();
    let ids: Vec<String> = repos
        .iter()
        .enumerate()
        .map(|(n, r)| {
            let blob = format!("RUN head -c {} /dev/urandom > /blob", (n + 1) * 700_000);
            docker_build(&format!("{r}:1"), &[&blob, &label])
        })
        .collect();
    // The last one gets pinned (in the CLI by --protect, in the app through its pins editor).
    let pinned = repos[3].clone();
    let dry = std::process::Command::new(slipway_engine_tests::slipway_cli())
        .args(["--host", &slipway_engine_tests::docker_host(), "--json"])
        .args(["images", "prune", "--dry-run", "--all", "--filter"])
        .arg(format!("label=slipway.e2e={marker}"))
        .args(["--protect", &pinned])
        .env_remove("DOCKER_HOST")
        .output()?;
    assert!(
        dry.status.success(),
        "{}",
        String::from_utf8_lossy(&dry.stderr)
    );
    let plan: serde_json::Value = serde_json::from_slice(&dry.stdout)?;
    let cli_set: BTreeSet<String> = plan["images"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|i| i["id"].as_str().map(str::to_owned))
        .collect();
    assert_eq!(cli_set, ids[..3].iter().cloned().collect());
    with_app(|c| async move {
        open_disk_view(&c).await?;
        by_testid(&c, "disk-cleanup").await?.click().await?;
        by_testid(&c, "prune-dialog").await?;
        by_testid(&c, "prune-mode-all").await?.click().await?;
        type_into(
            &by_testid(&c, "prune-labels").await?,
            &format!("slipway.e2e={marker}"),
        )
        .await?;
        let listed_unpinned = eventually(Duration::from_secs(10), || async {
            Ok(attrs(&c, "[data-testid=prune-item]", "data-id")
                .await?
                .len()
                == 4)
        })
        .await?;
        assert!(listed_unpinned, "before the pin, all four match");
        type_into(&by_testid(&c, "pin-input").await?, &pinned).await?;
        by_testid(&c, "pin-add").await?.click().await?;
        c.wait()
            .at_most(Duration::from_secs(5))
            .for_element(Locator::Css(&format!(
                "[data-testid=pin][data-pattern=\"{pinned}\"]"
            )))
            .await?;
        let listed = eventually(Duration::from_secs(10), || async {
            let shown: BTreeSet<String> = attrs(&c, "[data-testid=prune-item]", "data-id")
                .await?
                .into_iter()
                .collect();
            Ok(shown == cli_set)
        })
        .await?;
        assert!(listed, "the sheet lists what --dry-run lists");
        let kept_ids = eventually(Duration::from_secs(5), || async {
            let reasons = attrs(&c, "[data-testid=prune-kept]", "data-reason").await?;
            let kept = attrs(&c, "[data-testid=prune-kept]", "data-id").await?;
            Ok(kept == vec![ids[3].clone()] && reasons == vec!["protected".to_owned()])
        })
        .await?;
        assert!(kept_ids, "the pinned image is listed as kept, and why");
        // Untick the first repository's image: it must survive the confirm.
        let kept = ids[0].clone();
        c.find(Locator::Css(&format!(
            "[data-testid=prune-item][data-id=\"{kept}\"] [data-testid=prune-tick]"
        )))
        .await?
        .click()
        .await?;
        let total_count = attrs(&c, "[data-testid=prune-total]", "data-count").await?;
        assert_eq!(total_count, vec!["2".to_owned()]);
        screenshot(&c, "prune-preview").await?;
        by_testid(&c, "prune-confirm").await?.click().await?;
        let freed = c
            .wait()
            .at_most(Duration::from_secs(30))
            .for_element(Locator::Css("[data-testid=prune-freed]"))
            .await?;
        let exists = |id: &str| {
            slipway_engine_tests::docker_cli_raw(&["image", "inspect", id])
                .status
                .success()
        };
        assert!(exists(&kept), "the unticked image stays");
        assert!(exists(&ids[3]), "the pinned image stays");
        assert!(
            !exists(&ids[1]) && !exists(&ids[2]),
            "the ticked ones are gone"
        );
        let freed_bytes: i64 = freed
            .attr("data-freed")
            .await?
            .unwrap_or_default()
            .parse()?;
        assert!(freed_bytes > 0);
        screenshot(&c, "prune-result").await?;
        by_testid(&c, "prune-close").await?.click().await?;
        // Without a reload: the repository table and the engine's numbers follow.
        let engine = slipway_engine_tests::docker().await;
        let followed = eventually(Duration::from_secs(10), || {
            let c = c.clone();
            let engine = engine.clone();
            let repos = repos.clone();
            async move {
                let shown = attrs(&c, "[data-testid=disk-repo-row]", "data-repo").await?;
                let df = engine.df().await?;
                Ok(shown.contains(&repos[0])
                    && shown.contains(&repos[3])
                    && !shown.contains(&repos[1])
                    && !shown.contains(&repos[2])
                    && bytes_of(&c, "disk-images-size").await? == Some(df.images.size))
            }
        })
        .await?;
        assert!(followed, "charts and table drop the deleted repositories");
        by_testid(&c, "nav-images").await?.click().await?;
        let grid_followed = eventually(Duration::from_secs(5), || async {
            let shown: BTreeSet<String> = rows(&c).await?.into_iter().map(|r| r.id).collect();
            Ok(shown.contains(&ids[0]) && !shown.contains(&ids[1]) && !shown.contains(&ids[2]))
        })
        .await?;
        assert!(grid_followed, "the grid drops them too");
        Ok(())
    })
    .await
}
