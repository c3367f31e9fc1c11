//! Copy to engine… in a real window: a second private dockerd is added by hand through the
//! engine dialog (Settings › Engines › Add engine…), an image is copied to it from the grid,
//! the task ends done, the copy shows in All engines on the second engine's row, and the
//! second engine has the image with the same ID (its own docker CLI says so).

use fantoccini::{Client, Locator};
use slipway_e2e::*;
use slipway_engine_tests::faults::PrivateDockerd;
use std::time::Duration;

async fn click(c: &Client, testid: &str) -> TestResult {
    by_testid(c, testid).await?.click().await?;
    Ok(())
}

async fn css(
    c: &Client,
    selector: &str,
) -> Result<fantoccini::elements::Element, Box<dyn std::error::Error>> {
    Ok(c.wait()
        .at_most(PATIENCE)
        .for_element(Locator::Css(selector))
        .await?)
}

/// The state of the newest copy task in the drawer.
async fn copy_state(c: &Client) -> Result<String, Box<dyn std::error::Error>> {
    let v = c
        .execute(
            "const t = document.querySelector('[data-testid=task][data-kind=copy]'); \
             return t ? t.dataset.state : '';",
            vec![],
        )
        .await?;
    Ok(v.as_str().unwrap_or_default().to_owned())
}

/// The engine added by hand goes again when the test ends, passed or not: the suite's apps
/// share one config folder, and a dead engine left there would be every later app's.
struct ForgetEngine(String);

impl Drop for ForgetEngine {
    fn drop(&mut self) {
        let out = std::process::Command::new(slipway_engine_tests::slipway_cli())
            .args(["engines", "rm", &self.0])
            .output();
        if let Ok(out) = out
            && !out.status.success()
        {
            eprintln!(
                "could not forget engine {}: {}",
                self.0,
                String::from_utf8_lossy(&out.stderr)
            );
        }
    }
}

#[tokio::test]
async fn an_image_is_copied_to_an_engine_added_by_hand_with_the_same_id() -> TestResult {
    let second = PrivateDockerd::start("");
    let repo = unique("copy-e2e");
    let id = docker_build(&format!("{repo}:1"), &[]);
    assert!(id.starts_with("sha256:"), "{id}");
    let name = unique("second");
    let _forget = ForgetEngine(name.clone());
    let host = second.host.clone();
    let row = repo.clone();
    let row_repo = repo.clone();
    let engine_key = name.clone();
    let second_engine = second.engine(Duration::from_secs(30)).await;
    with_app(|c| async move {
        // Add the second engine by hand, through the dialog.
        click(&c, "settings-open").await?;
        click(&c, "settings-add-engine").await?;
        by_testid(&c, "engine-edit-dialog").await?;
        for (field, text) in [("engine-edit-name", &name), ("engine-edit-url", &host)] {
            let input = by_testid(&c, field).await?;
            input.click().await?;
            type_into(&input, text).await?;
        }
        screenshot(&c, "copy-add-engine").await?;
        click(&c, "engine-edit-save").await?;
        let closed = eventually(PATIENCE, || async {
            Ok(c.find(Locator::Css("[data-testid=engine-edit-dialog]")).await.is_err())
        })
        .await?;
        assert!(closed, "the engine was accepted");

        // Select the image and copy it there.
        css(
            &c,
            &format!(
                "[data-testid=image-row][data-repo=\"{row}\"][data-tag=\"1\"] [data-testid=row-select]"
            ),
        )
        .await?
        .click()
        .await?;
        click(&c, "copy-selected").await?;
        by_testid(&c, "copy-dialog").await?;
        let radio = css(
            &c,
            &format!("[data-testid=copy-engine][data-name=\"{name}\"] input:not([disabled])"),
        )
        .await?;
        radio.click().await?;
        screenshot(&c, "copy-dialog").await?;
        click(&c, "copy-confirm").await?;

        // Starting a task opens the drawer, where its progress and Cancel are.
        by_testid(&c, "task-drawer").await?;
        let done = eventually(Duration::from_secs(30), || async {
            let s = copy_state(&c).await?;
            assert!(s != "failed" && s != "cancelled", "the copy ended {s}");
            Ok(s == "done")
        })
        .await?;
        assert!(done, "the copy task finished");
        screenshot(&c, "copy-done").await?;

        // The destination's rows show the copy: All engines, the row on the second engine.
        click(&c, "task-drawer-close").await?;
        click(&c, "engine-switcher").await?;
        let was = css(&c, "[data-testid=engine-option][aria-checked=true]")
            .await?
            .attr("data-key")
            .await?
            .expect("the current engine has a key");
        click(&c, "engine-option-all").await?;
        let shown = eventually(PATIENCE, || async {
            Ok(rows(&c).await?.iter().any(|r| {
                r.repo == row_repo && r.tag == "1" && r.engine == engine_key
            }))
        })
        .await?;
        assert!(shown, "the copied image is in the second engine's rows");
        screenshot(&c, "copy-in-all-engines").await?;
        // Back to the engine it was on (the choice is remembered for the suite's next apps).
        click(&c, "engine-switcher").await?;
        css(&c, &format!("[data-testid=engine-option][data-key=\"{was}\"]"))
            .await?
            .click()
            .await?;

        // The disk view's engine picker shows the second engine's own figures.
        let second_df = second_engine.df().await?;
        click(&c, "nav-disk").await?;
        let picker = by_testid(&c, "disk-engine").await?;
        picker
            .select_by_value(&name)
            .await?;
        let shown = eventually(PATIENCE, || async {
            let v = c
                .execute(
                    "return document.querySelector('[data-testid=disk-images-size]')?.dataset.bytes ?? ''",
                    vec![],
                )
                .await?;
            Ok(v.as_str() == Some(second_df.images.size.to_string().as_str()))
        })
        .await?;
        assert!(shown, "the second engine's image bytes ({})", second_df.images.size);
        screenshot(&c, "copy-disk-second-engine").await?;
        Ok(())
    })
    .await?;

    // The second engine's own CLI: the same ID, under the same name.
    let there = second.docker(&[
        "image",
        "inspect",
        "--format",
        "{{.Id}} {{json .RepoTags}}",
        &format!("{repo}:1"),
    ]);
    let (got_id, tags) = there.trim().split_once(' ').unwrap();
    assert_eq!(got_id, id, "the copy keeps the image ID");
    assert!(tags.contains(&format!("{repo}:1")), "{tags}");
    Ok(())
}
