//! Benchmark (make bench): cold start of the real app to a painted grid, and the idle memory
//! (PSS) of its whole process tree. Run by tests/bench/app-startup.sh inside the harness,
//! with tauri-driver up (tests/e2e/run.sh --bench).

use fantoccini::Locator;
use slipway_e2e::open_app_timed;
use std::time::Duration;

fn pss_kib(pid: u32) -> u64 {
    std::fs::read_to_string(format!("/proc/{pid}/smaps_rollup"))
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("Pss:"))
                .and_then(|l| l.split_whitespace().nth(1)?.parse().ok())
        })
        .unwrap_or(0)
}

/// The app and every process below it (WebKit's web and network processes).
fn tree(root: u32) -> Vec<(u32, String)> {
    let mut out = vec![];
    let mut todo = vec![root];
    while let Some(pid) = todo.pop() {
        let name = std::fs::read_to_string(format!("/proc/{pid}/comm")).unwrap_or_default();
        out.push((pid, name.trim().to_owned()));
        if let Ok(children) = std::fs::read_to_string(format!("/proc/{pid}/task/{pid}/children")) {
            todo.extend(
                children
                    .split_whitespace()
                    .filter_map(|c| c.parse::<u32>().ok()),
            );
        }
    }
    out
}

fn app_pid() -> Option<u32> {
    let bin = std::env::var("SLIPWAY_APP_BIN").ok()?;
    std::fs::read_dir("/proc")
        .ok()?
        .filter_map(|e| e.ok()?.file_name().to_str()?.parse::<u32>().ok())
        .find(|pid| {
            std::fs::read_link(format!("/proc/{pid}/exe")).is_ok_and(|p| p.to_string_lossy() == bin)
        })
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let (c, elapsed) = open_app_timed().await?;
    let rows = c
        .find_all(Locator::Css("[data-testid=image-row]"))
        .await?
        .len();
    let count = c
        .find(Locator::Css("[data-testid=image-count]"))
        .await?
        .text()
        .await?;
    println!(
        "cold start to painted grid: {:.2} s ({count}; {rows} rows in the DOM)",
        elapsed.as_secs_f64()
    );
    tokio::time::sleep(Duration::from_secs(10)).await;
    if let Some(pid) = app_pid() {
        let procs = tree(pid);
        let mut total = 0;
        for (p, name) in &procs {
            let kib = pss_kib(*p);
            total += kib;
            println!(
                "  {name:<24} pid {p:<7} PSS {:>6.1} MiB",
                kib as f64 / 1024.0
            );
        }
        println!(
            "idle PSS of the process tree: {:.1} MiB",
            total as f64 / 1024.0
        );
    }
    c.close().await?;
    Ok(())
}
