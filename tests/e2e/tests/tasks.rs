//! Tasks belong to the backend: a web view that reloads in the middle of a pull finds the
//! same task still running, with its progress, and can still cancel it. Real window, real
//! private engine and registry, checked with the docker CLI.

use fantoccini::{Client, Locator};
use slipway_e2e::*;
use std::time::Duration;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

/// A TCP relay on 127.0.0.1 in front of `upstream` that sends the answers at about
/// `bytes_per_second` per connection: a registry slow enough for a pull to outlast a reload
/// (the engine treats 127.0.0.0/8 registries as plain HTTP, like the harness registry).
async fn slow_registry(upstream: String, bytes_per_second: f64) -> std::io::Result<String> {
    let listener = TcpListener::bind("127.0.0.1:0").await?;
    let addr = listener.local_addr()?.to_string();
    tokio::spawn(async move {
        while let Ok((client, _)) = listener.accept().await {
            let upstream = upstream.clone();
            tokio::spawn(async move {
                let Ok(server) = TcpStream::connect(&upstream).await else {
                    return;
                };
                let (mut from_client, mut to_client) = client.into_split();
                let (mut from_server, mut to_server) = server.into_split();
                tokio::spawn(async move {
                    let _ = tokio::io::copy(&mut from_client, &mut to_server).await;
                    let _ = to_server.shutdown().await;
                });
                let mut buf = vec![0u8; 16 * 1024];
                while let Ok(n) = from_server.read(&mut buf).await {
                    if n == 0 || to_client.write_all(&buf[..n]).await.is_err() {
                        break;
                    }
                    tokio::time::sleep(Duration::from_secs_f64(n as f64 / bytes_per_second)).await;
                }
                let _ = to_client.shutdown().await;
            });
        }
    });
    Ok(addr)
}

/// The drawer's tasks as (id, title, state).
async fn drawer_tasks(
    c: &Client,
) -> Result<Vec<(String, String, String)>, Box<dyn std::error::Error>> {
    let v = c
        .execute(
            "return [...document.querySelectorAll('[data-testid=task]')].map(t => \
             [t.dataset.id, t.querySelector('.title').textContent, t.dataset.state])",
            vec![],
        )
        .await?;
    Ok(v.as_array()
        .into_iter()
        .flatten()
        .map(|t| {
            let s = |i: usize| t[i].as_str().unwrap_or_default().to_owned();
            (s(0), s(1), s(2))
        })
        .collect())
}

async fn task_state(c: &Client, id: &str) -> Result<String, Box<dyn std::error::Error>> {
    Ok(drawer_tasks(c)
        .await?
        .into_iter()
        .find(|t| t.0 == id)
        .map(|t| t.2)
        .unwrap_or_default())
}

/// Layer rows of the expanded task `id` whose bytes are moving.
async fn moving_layers(c: &Client, id: &str) -> Result<bool, Box<dyn std::error::Error>> {
    let v = c
        .execute(
            "const t = document.querySelector(`[data-testid=task][data-id=\"${arguments[0]}\"]`); \
             return !!t && [...t.querySelectorAll('[data-testid=task-layer]')] \
               .some(l => /Downloading|Extracting|Verifying/.test(l.dataset.status));",
            vec![serde_json::json!(id)],
        )
        .await?;
    Ok(v == serde_json::json!(true))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_reload_during_a_pull_shows_the_same_task_running_and_cancel_still_works() -> TestResult {
    // 40 MB of random bytes (no compression helps) at 2 MB/s: about 20 s of pulling.
    let repo = unique("reload");
    let pushed = format!("{}/{repo}:1", slipway_engine_tests::registry());
    docker_build(&pushed, &["RUN head -c 40000000 /dev/urandom > /blob"]);
    docker_cli(&["push", &pushed]);
    docker_cli(&["rmi", &pushed]);
    let slow = slow_registry(slipway_engine_tests::registry(), 2_000_000.0).await?;
    let reference = format!("{slow}/{repo}:1");
    let title = format!("Pull {reference}");
    with_app(|c| {
        let (reference, title) = (reference.clone(), title.clone());
        async move {
            by_testid(&c, "pull-open").await?.click().await?;
            type_into(&by_testid(&c, "pull-reference").await?, &reference).await?;
            by_testid(&c, "confirm-pull").await?.click().await?;
            // The drawer opens on the new task, expanded: wait for bytes to move.
            let task = by_testid(&c, "task").await?;
            let id = task.attr("data-id").await?.unwrap_or_default();
            assert!(id.starts_with("pull-"), "the backend named the task: {id}");
            let moving = eventually(Duration::from_secs(30), || moving_layers(&c, &id)).await?;
            assert!(moving, "the pull got under way");

            // Reload the web view: the page and everything in it start again.
            c.refresh().await?;
            c.wait()
                .at_most(PATIENCE)
                .for_element(Locator::Css("[data-testid=grid-ready]"))
                .await?;
            let count = by_testid(&c, "tasks-running").await?.text().await?;
            assert_eq!(count, "1", "the header counts the running pull");
            by_testid(&c, "tasks-button").await?.click().await?;
            by_testid(&c, "task-drawer").await?;
            let listed = drawer_tasks(&c).await?;
            assert!(
                listed.contains(&(id.clone(), title.clone(), "running".into())),
                "the same task, still running, after the reload: {listed:?}"
            );
            // Its progress so far is there, and keeps coming.
            let css = format!("[data-testid=task][data-id=\"{id}\"] [data-testid=task-toggle]");
            c.find(Locator::Css(&css)).await?.click().await?;
            let moving = eventually(PATIENCE, || moving_layers(&c, &id)).await?;
            assert!(moving, "layer rows with their bytes after the reload");
            let meta = c
                .find(Locator::Css(&format!(
                    "[data-testid=task][data-id=\"{id}\"] [data-testid=task-meta]"
                )))
                .await?
                .text()
                .await?;
            assert!(meta.contains(" / "), "bytes done of total: {meta:?}");
            screenshot(&c, "task-after-reload").await?;

            let cancel = format!("[data-testid=task][data-id=\"{id}\"] [data-testid=task-cancel]");
            c.find(Locator::Css(&cancel)).await?.click().await?;
            let ended = eventually(Duration::from_secs(30), || async {
                Ok(task_state(&c, &id).await? != "running")
            })
            .await?;
            assert!(ended, "the cancel reached the backend's task");
            assert_eq!(task_state(&c, &id).await?, "cancelled");
            let notices = c.find_all(Locator::Css("[data-testid=toast]")).await?.len();
            assert!(notices <= 1, "one notice for the end, not {notices}");
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

fn docker_cli_ok(args: &[&str]) -> bool {
    slipway_engine_tests::docker_cli_raw(args).status.success()
}
