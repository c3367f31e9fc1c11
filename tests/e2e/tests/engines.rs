//! Every engine in one window: the app opened on two private dockerds (`--host A --host B`),
//! All engines shows both engines' images with the right engine on each row; when the second
//! engine dies, the switcher says it is unreachable and why, its rows go with a notice, and
//! the first engine's rows stay and keep following that engine.

use slipway_e2e::*;
use slipway_engine_tests::base_image;
use slipway_engine_tests::faults::PrivateDockerd;

/// The rows of `engine` named `repo:tag`.
fn has(rows: &[Row], engine: &str, name: &str) -> bool {
    rows.iter()
        .any(|r| r.engine == engine && format!("{}:{}", r.repo, r.tag) == name)
}

async fn engine_state(
    c: &fantoccini::Client,
    key: &str,
) -> Result<(String, String), Box<dyn std::error::Error>> {
    let v = c
        .execute(
            "const o = [...document.querySelectorAll('[data-testid=engine-option]')] \
               .find(e => e.dataset.key === arguments[0]); \
             if (!o) return ['', '']; \
             const r = o.querySelector('[data-testid=engine-reason]'); \
             return [o.dataset.state, r ? r.textContent : ''];",
            vec![serde_json::json!(key)],
        )
        .await?;
    Ok((
        v[0].as_str().unwrap_or_default().to_owned(),
        v[1].as_str().unwrap_or_default().to_owned(),
    ))
}

#[tokio::test]
async fn all_engines_shows_both_and_a_lost_engine_leaves_the_other_live() -> TestResult {
    let first = docker_host();
    let second = PrivateDockerd::start("");
    let second_host = second.host.clone();
    // A different image on each engine (and the base image on both: two rows, one per engine).
    let on_first = format!("e2e-engines/first:{}", unique("t"));
    let on_second = format!("e2e-engines/second:{}", unique("t"));
    docker_cli(&["tag", &base_image(), &on_first]);
    second.docker(&["tag", &base_image(), &on_second]);
    let later = format!("e2e-engines/later:{}", unique("t"));

    let args = vec![
        "--host".into(),
        first.clone(),
        "--host".into(),
        second_host.clone(),
    ];
    let outcome = with_app_args(&args, |c| {
        let (first, second_host) = (first.clone(), second_host.clone());
        let (on_first, on_second, later) = (on_first.clone(), on_second.clone(), later.clone());
        let second = &second;
        async move {
            // The first --host is the current engine: only its images, as before.
            let ready = eventually(PATIENCE, || async {
                Ok(has(&rows(&c).await?, &first, &on_first))
            })
            .await?;
            let shown = rows(&c).await?;
            assert!(ready, "{shown:?}");
            assert!(shown.iter().all(|r| r.engine == first), "{shown:?}");

            // The switcher lists both engines, connected.
            by_testid(&c, "engine-switcher").await?.click().await?;
            let both = eventually(PATIENCE, || async {
                Ok(engine_state(&c, &first).await?.0 == "connected"
                    && engine_state(&c, &second_host).await?.0 == "connected")
            })
            .await?;
            assert!(both, "both engines connected in the switcher");
            screenshot(&c, "engines-switcher").await?;
            by_testid(&c, "engine-option-all").await?.click().await?;

            // (a) All engines: each engine's images, each row naming its own engine.
            let all = eventually(PATIENCE, || async {
                let r = rows(&c).await?;
                Ok(has(&r, &first, &on_first) && has(&r, &second_host, &on_second))
            })
            .await?;
            let shown = rows(&c).await?;
            assert!(all, "both engines' images in one grid: {shown:?}");
            assert!(!has(&shown, &first, &on_second) && !has(&shown, &second_host, &on_first));
            let base = base_image();
            assert!(
                has(&shown, &first, &base) && has(&shown, &second_host, &base),
                "the same image on two engines is two rows: {shown:?}"
            );
            let name = by_testid(&c, "engine-name").await?.text().await?;
            assert_eq!(name, "All engines");
            // Sorted by engine: the first engine's rows, then the second's (keys sort so here).
            by_testid(&c, "sort-engine").await?.click().await?;
            let sorted: Vec<String> = rows(&c).await?.into_iter().map(|r| r.engine).collect();
            let mut expected = sorted.clone();
            expected.sort();
            assert_eq!(sorted, expected, "sorted by the Engine column");
            screenshot(&c, "engines-all").await?;

            // (b) The second engine dies: marked unreachable with its reason, its rows go.
            let _ = second.kill9();
            let lost = eventually(PATIENCE, || async {
                let r = rows(&c).await?;
                Ok(!r.iter().any(|x| x.engine == second_host)
                    && c.find(fantoccini::Locator::Css(&format!(
                        "[data-testid=engine-lost-notice][data-engine='{second_host}']"
                    )))
                    .await
                    .is_ok())
            })
            .await?;
            assert!(lost, "the lost engine's rows go, with a notice");
            let shown = rows(&c).await?;
            assert!(
                has(&shown, &first, &on_first),
                "the first engine's rows stay"
            );
            by_testid(&c, "engine-switcher").await?.click().await?;
            let (state, reason) = engine_state(&c, &second_host).await?;
            assert_eq!(state, "unreachable");
            assert!(!reason.trim().is_empty(), "the switcher says why");
            assert_eq!(engine_state(&c, &first).await?.0, "connected");
            screenshot(&c, "engines-one-lost").await?;
            by_testid(&c, "engine-switcher").await?.click().await?;

            // The first engine keeps updating: a tag made with the docker CLI appears.
            docker_cli(&["tag", &base_image(), &later]);
            let appeared = eventually(PATIENCE, || async {
                Ok(has(&rows(&c).await?, &first, &later))
            })
            .await?;
            assert!(appeared, "a new tag on the live engine shows up");
            Ok(())
        }
    })
    .await;
    // Leave the first engine as it was.
    for name in [&on_first, &later] {
        let _ = slipway_engine_tests::docker_cli_raw(&["rmi", name]);
    }
    drop(second);
    outcome
}
