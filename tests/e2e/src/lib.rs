//! Driving the real Slipway window: one app per test, started by tauri-driver on the private
//! engine, with helpers that read what the user sees and save screenshots as artifacts.

use fantoccini::elements::Element;
use fantoccini::{Client, ClientBuilder, Locator};
use serde_json::json;
use std::path::PathBuf;
use std::time::{Duration, Instant};

pub use slipway_engine_tests::{docker_cli, docker_host, unique};

pub type TestResult = Result<(), Box<dyn std::error::Error>>;

/// How long a user would reasonably wait for something to show.
pub const PATIENCE: Duration = Duration::from_secs(15);

pub fn app_binary() -> String {
    std::env::var("SLIPWAY_APP_BIN").unwrap_or_else(|_| {
        panic!(
            "SLIPWAY_APP_BIN is not set: run the window suite through tests/e2e/run.sh (make test)"
        )
    })
}

/// Start Slipway on the private engine and wait until its image grid has loaded.
pub async fn open_app() -> Result<Client, Box<dyn std::error::Error>> {
    Ok(open_app_timed().await?.0)
}

/// `open_app`, also saying how long it took from the session request to the loaded grid.
pub async fn open_app_timed() -> Result<(Client, Duration), Box<dyn std::error::Error>> {
    launch(&app_binary(), &["--host".into(), docker_host()]).await
}

/// Start `application args` through tauri-driver (`WEBDRIVER_URL`, else port 4444).
pub async fn session(
    application: &str,
    args: &[String],
) -> Result<Client, Box<dyn std::error::Error>> {
    let mut caps = serde_json::Map::new();
    caps.insert(
        "tauri:options".into(),
        json!({ "application": application, "args": args }),
    );
    let url = std::env::var("WEBDRIVER_URL").unwrap_or_else(|_| "http://127.0.0.1:4444".into());
    Ok(ClientBuilder::native()
        .capabilities(caps)
        .connect(&url)
        .await?)
}

/// Start `application args` through tauri-driver and wait for the loaded grid.
pub async fn launch(
    application: &str,
    args: &[String],
) -> Result<(Client, Duration), Box<dyn std::error::Error>> {
    let started = Instant::now();
    let c = session(application, args).await?;
    c.wait()
        .at_most(PATIENCE)
        .for_element(Locator::Css("[data-testid=grid-ready]"))
        .await?;
    Ok((c, started.elapsed()))
}

/// Run `case` in a fresh app window and always close the session afterwards: the driver
/// allows one session at a time, so a failed case must not block the next.
pub async fn with_app<F, Fut>(case: F) -> TestResult
where
    F: FnOnce(Client) -> Fut,
    Fut: std::future::Future<Output = TestResult>,
{
    with_app_args(&["--host".into(), docker_host()], case).await
}

/// `with_app`, the app started with `args` (several `--host`, …).
pub async fn with_app_args<F, Fut>(args: &[String], case: F) -> TestResult
where
    F: FnOnce(Client) -> Fut,
    Fut: std::future::Future<Output = TestResult>,
{
    use futures_util::FutureExt;
    let c = launch(&app_binary(), args).await?.0;
    // A failed assertion panics: catch it, close the session, then let it fail the test.
    let outcome = std::panic::AssertUnwindSafe(case(c.clone()))
        .catch_unwind()
        .await;
    let failed = !matches!(outcome, Ok(Ok(())));
    if failed {
        let _ = screenshot(
            &c,
            &format!(
                "failed-{}",
                std::thread::current()
                    .name()
                    .unwrap_or("case")
                    .replace("::", "-")
            ),
        )
        .await;
    }
    let _ = c.close().await;
    match outcome {
        Ok(result) => result,
        Err(panic) => std::panic::resume_unwind(panic),
    }
}

/// The artifacts folder (`SLIPWAY_ARTIFACTS`, else target/e2e-artifacts).
pub fn artifacts_dir() -> PathBuf {
    std::env::var_os("SLIPWAY_ARTIFACTS")
        .map(PathBuf::from)
        .unwrap_or_else(|| {
            PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../target/e2e-artifacts")
        })
}

/// Save a screenshot under the artifacts folder.
pub async fn screenshot(c: &Client, name: &str) -> TestResult {
    let dir = artifacts_dir().join("screenshots");
    std::fs::create_dir_all(&dir)?;
    // WebKit hands out the last painted frame: let what just changed in the DOM be painted
    // (two animation frames, then a moment for the compositor), or the picture is stale.
    c.execute_async(
        "const done = arguments[arguments.length - 1]; \
         requestAnimationFrame(() => requestAnimationFrame(() => setTimeout(done, 150)));",
        vec![],
    )
    .await?;
    std::fs::write(dir.join(format!("{name}.png")), c.screenshot().await?)?;
    Ok(())
}

/// One visible grid row, as the grid's data attributes describe it.
#[derive(Debug, Clone, PartialEq)]
pub struct Row {
    pub id: String,
    pub repo: String,
    pub tag: String,
    pub size: i64,
    /// The engine's key (`--host` URL or discovered name).
    pub engine: String,
}

/// Every image row currently in the grid, top to bottom.
pub async fn rows(c: &Client) -> Result<Vec<Row>, Box<dyn std::error::Error>> {
    let v = c
        .execute(
            "return [...document.querySelectorAll('[data-testid=image-row]')].map(r => \
             ({id: r.dataset.id, repo: r.dataset.repo, tag: r.dataset.tag, size: Number(r.dataset.size), \
             engine: r.dataset.engine}))",
            vec![],
        )
        .await?;
    Ok(v.as_array()
        .into_iter()
        .flatten()
        .map(|r| Row {
            id: r["id"].as_str().unwrap_or_default().to_owned(),
            repo: r["repo"].as_str().unwrap_or_default().to_owned(),
            tag: r["tag"].as_str().unwrap_or_default().to_owned(),
            size: r["size"].as_i64().unwrap_or_default(),
            engine: r["engine"].as_str().unwrap_or_default().to_owned(),
        })
        .collect())
}

pub async fn by_testid(c: &Client, id: &str) -> Result<Element, Box<dyn std::error::Error>> {
    Ok(c.wait()
        .at_most(PATIENCE)
        .for_element(Locator::Css(&format!("[data-testid={id}]")))
        .await?)
}

/// Type into an input the way a person does. WebDriver's clear() fires no input event, so
/// the old text is erased with Backspaces.
pub async fn type_into(input: &Element, text: &str) -> TestResult {
    let old = input.prop("value").await?.unwrap_or_default();
    let backspaces: String = std::iter::repeat_n(
        char::from(fantoccini::key::Key::Backspace),
        old.chars().count(),
    )
    .collect();
    // WebKitWebDriver refuses an empty key sequence.
    for keys in [backspaces.as_str(), text] {
        if !keys.is_empty() {
            input.send_keys(keys).await?;
        }
    }
    Ok(())
}

/// Poll `check` until it holds or `within` passes; returns whether it held.
pub async fn eventually<F, Fut>(
    within: Duration,
    mut check: F,
) -> Result<bool, Box<dyn std::error::Error>>
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = Result<bool, Box<dyn std::error::Error>>>,
{
    let deadline = Instant::now() + within;
    loop {
        if check().await? {
            return Ok(true);
        }
        if Instant::now() >= deadline {
            return Ok(false);
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// `docker images` as (id, repo, tag) rows, dangling ones as `<none>`.
pub fn engine_rows() -> Vec<(String, String, String)> {
    docker_cli(&[
        "images",
        "--no-trunc",
        "--format",
        "{{.ID}}\t{{.Repository}}\t{{.Tag}}",
    ])
    .lines()
    .filter_map(|l| {
        let mut it = l.split('\t');
        Some((
            it.next()?.to_owned(),
            it.next()?.to_owned(),
            it.next()?.to_owned(),
        ))
    })
    .collect()
}

/// Build a small distinct image in the private engine with the docker CLI.
pub fn docker_build(tag: &str, extra: &[&str]) -> String {
    let dir = std::env::temp_dir().join(unique("e2e-ctx"));
    std::fs::create_dir_all(&dir).unwrap();
    let mut df = format!(
        "FROM {}\nRUN echo {} > /marker\n",
        slipway_engine_tests::base_image(),
        unique("m")
    );
    for l in extra {
        df.push_str(l);
        df.push('\n');
    }
    std::fs::write(dir.join("Dockerfile"), df).unwrap();
    docker_cli(&["build", "-q", "-t", tag, dir.to_str().unwrap()])
        .trim()
        .to_owned()
}

/// The newest task's state and text once it has finished, waiting up to `within`.
pub async fn finished_task(
    c: &Client,
    within: Duration,
) -> Result<(String, String), Box<dyn std::error::Error>> {
    let deadline = std::time::Instant::now() + within;
    loop {
        let v = c
            .execute(
                "const t = document.querySelector('[data-testid=task]'); \
                 return t ? [t.dataset.state, t.innerText] : ['', ''];",
                vec![],
            )
            .await?;
        let state = v[0].as_str().unwrap_or_default().to_owned();
        let text = v[1].as_str().unwrap_or_default().to_owned();
        if (!state.is_empty() && state != "running") || std::time::Instant::now() >= deadline {
            return Ok((state, text));
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

/// A folder of `tests/e2e/fixtures`, as an absolute path (what a user types or drops).
pub fn fixture(name: &str) -> String {
    std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("fixtures")
        .join(name)
        .canonicalize()
        .unwrap()
        .to_str()
        .unwrap()
        .to_owned()
}
