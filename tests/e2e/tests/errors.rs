//! Slipway's own error sentences in the user's language, in the real window: the core sends
//! the error as data (kind, context, the engine's raw text) and the UI words it. The engine's
//! own text may stay English; Slipway's may not.

use fantoccini::Locator;
use slipway_e2e::*;
use std::time::Duration;

fn has_cjk(s: &str) -> bool {
    s.chars().any(|c| ('\u{4e00}'..='\u{9fff}').contains(&c))
}

#[tokio::test]
async fn in_chinese_a_pull_of_a_missing_image_fails_with_a_chinese_sentence() -> TestResult {
    let registry = slipway_engine_tests::registry();
    let reference = format!("{registry}/{}:1", unique("absent"));
    with_app(|c| async move {
        // WebKitGTK follows LANG only for a generated locale (there is none here): switch the
        // way a person does, with the language menu, as the other Chinese cases do.
        let select = by_testid(&c, "language-select").await?;
        select.select_by_value("zh-CN").await?;
        let seen = async {
            let chinese = eventually(Duration::from_secs(3), || async {
                let label = by_testid(&c, "pull-open").await?.text().await?;
                Ok(has_cjk(&label))
            })
            .await?;
            assert!(chinese, "the window speaks Chinese before the pull");
            by_testid(&c, "pull-open").await?.click().await?;
            type_into(&by_testid(&c, "pull-reference").await?, &reference).await?;
            by_testid(&c, "confirm-pull").await?.click().await?;
            // The pull's task is the newest, first in the drawer; the earlier tests' tasks
            // (a failed build among them) are below it, so read this one's words only.
            let (state, _) = finished_task(&c, Duration::from_secs(30)).await?;
            let task = c.find(Locator::Css("[data-testid=task]")).await?;
            let words = |id: &'static str| {
                let task = task.clone();
                async move {
                    let css = format!("[data-testid={id}]");
                    task.find(Locator::Css(&css)).await?.text().await
                }
            };
            let sentence = words("task-error-sentence").await?;
            let detail = words("task-error-detail").await?;
            let state = serde_json::Value::from(state);
            screenshot(&c, "pull-error-zh-CN").await?;
            Ok::<_, Box<dyn std::error::Error>>((sentence, detail, state))
        }
        .await;
        // Back to English whatever happened: the choice outlives the window.
        select.select_by_value("en").await?;
        let (sentence, detail, state) = seen?;

        assert_eq!(state.as_str(), Some("failed"), "{sentence}");
        assert!(
            has_cjk(&sentence),
            "Slipway's sentence is Chinese: {sentence}"
        );
        assert!(
            sentence.contains(&reference) && sentence.contains(&registry),
            "it names the image and the registry: {sentence}"
        );
        // Without the names it quotes, no Latin letter is left: no English of Slipway's.
        let ours = sentence.replace(&reference, "").replace(&registry, "");
        assert!(
            !ours.chars().any(|c| c.is_ascii_alphabetic()),
            "no English sentence of Slipway's: {sentence}"
        );
        // The engine's own words are kept, apart, under a Chinese label.
        assert!(detail.starts_with("详情"), "{detail}");
        assert!(
            detail.to_lowercase().contains("not found") || detail.contains("unknown"),
            "the engine's cause is there: {detail}"
        );
        Ok(())
    })
    .await
}
