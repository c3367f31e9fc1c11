//! Benchmark (make bench): the app lines, measured in the real window through tauri-driver
//! (tests/e2e/run.sh --bench ARGS, driven by tests/bench/app.sh).
//!
//!   startup-bench [--app BIN] [ARG..] [--idle SECS] [--keystrokes N]
//!                 [--requests LOG [--quiet SECS]] [--tag-events N --tag-cmd 'sh command with {n}']
//!
//! `--app` (default SLIPWAY_APP_BIN) is started with the ARGs (Slipway: `--host URL`); it is
//! launched → ready when `[data-testid=grid-ready]` is in the page (the empty reference app
//! has that element in its static page). Then, each only when asked: requests from launch
//! until quiet and per external tag event (lines of request-counter's LOG), filter keystroke →
//! repaint in the window, and the idle PSS of the whole process tree (WebKit's processes too).
//! Each figure is printed as `BENCH key=value` for app.sh, beside a sentence for people.

use fantoccini::{Client, Locator};
use std::time::{Duration, Instant};

/// Polling period while waiting for the painted grid: small, so the launch time is not
/// rounded up to fantoccini's default 250 ms.
const POLL: Duration = Duration::from_millis(20);
/// Requests are "quiet" once the log has not grown for this long (`--quiet SECS`): the log
/// names a request when it starts, so this must outlast the slowest single answer.
const QUIET: Duration = Duration::from_secs(3);

#[derive(Default)]
struct Opts {
    app: String,
    args: Vec<String>,
    idle: u64,
    keystrokes: usize,
    requests: Option<String>,
    tag_events: usize,
    tag_cmd: Option<String>,
    quiet: Duration,
}

fn opts() -> Opts {
    let mut o = Opts {
        app: std::env::var("SLIPWAY_APP_BIN").unwrap_or_default(),
        idle: 10,
        quiet: QUIET,
        ..Opts::default()
    };
    let mut it = std::env::args().skip(1);
    while let Some(a) = it.next() {
        let mut val = || it.next().unwrap_or_else(|| panic!("{a} needs a value"));
        match a.as_str() {
            "--app" => o.app = val(),
            "--idle" => o.idle = val().parse().expect("--idle SECS"),
            "--keystrokes" => o.keystrokes = val().parse().expect("--keystrokes N"),
            "--requests" => o.requests = Some(val()),
            "--tag-events" => o.tag_events = val().parse().expect("--tag-events N"),
            "--tag-cmd" => o.tag_cmd = Some(val()),
            "--quiet" => o.quiet = Duration::from_secs(val().parse().expect("--quiet SECS")),
            _ => o.args.push(a),
        }
    }
    assert!(
        !o.app.is_empty(),
        "no app: give --app BIN or SLIPWAY_APP_BIN"
    );
    o
}

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

fn app_pid(bin: &str) -> Option<u32> {
    let bin = std::fs::canonicalize(bin).ok()?;
    std::fs::read_dir("/proc")
        .ok()?
        .filter_map(|e| e.ok()?.file_name().to_str()?.parse::<u32>().ok())
        .find(|pid| std::fs::read_link(format!("/proc/{pid}/exe")).is_ok_and(|p| p == bin))
}

fn log_lines(log: &str) -> usize {
    std::fs::read_to_string(log).map_or(0, |s| s.lines().count())
}

/// Wait until the request log has not grown for QUIET with every request answered (the
/// counter's `LOG.answers`: a 10 s list is not silence) — at most `bound`; its line count then.
async fn quiet(log: &str, quiet_for: Duration, bound: Duration) -> usize {
    let deadline = Instant::now() + bound;
    let answers = format!("{log}.answers");
    let mut n = log_lines(log);
    let mut since = Instant::now();
    while (since.elapsed() < quiet_for || log_lines(&answers) < n) && Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(100)).await;
        let now = log_lines(log);
        if now != n {
            n = now;
            since = Instant::now();
        }
    }
    if Instant::now() >= deadline {
        println!(
            "  (still making requests after {} s: the count is a lower bound)",
            bound.as_secs()
        );
    }
    n
}

/// The requests of the log after line `from`, as "METHOD PATH ×N" for people.
fn summary(log: &str, from: usize) -> String {
    let text = std::fs::read_to_string(log).unwrap_or_default();
    let mut counts: Vec<(String, usize)> = vec![];
    for l in text.lines().skip(from) {
        // One image's requests read as one line per kind: `/images/{id}/json ×1000`.
        let key = l
            .split('?')
            .next()
            .unwrap_or(l)
            .split('/')
            .map(|part| {
                if part.starts_with("sha256:")
                    || part.len() >= 12 && part.bytes().all(|b| b.is_ascii_hexdigit())
                {
                    "{id}"
                } else {
                    part
                }
            })
            .collect::<Vec<_>>()
            .join("/");
        match counts.iter_mut().find(|(k, _)| *k == key) {
            Some((_, n)) => *n += 1,
            None => counts.push((key, 1)),
        }
    }
    counts
        .iter()
        .map(|(k, n)| format!("{k} ×{n}"))
        .collect::<Vec<_>>()
        .join(", ")
}

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(|a, b| a.total_cmp(b));
    v.get(v.len() / 2).copied().unwrap_or(f64::NAN)
}

/// From the input event of one key in the search box to the frame after the grid changed,
/// measured by the page's own clock: a MutationObserver on the grid sees the change, and a
/// task queued from the next animation frame runs once that frame's rendering is done.
async fn keystroke(c: &Client, key: &str) -> Result<f64, Box<dyn std::error::Error>> {
    c.execute(
        "const grid = document.querySelector('[data-testid=images-grid]'); \
         const input = document.querySelector('[data-testid=search]'); \
         const kb = (window.__slipwayKeystroke = { t0: null, ms: null }); \
         input.addEventListener('input', (e) => { kb.t0 = e.timeStamp; }, { capture: true, once: true }); \
         const mo = new MutationObserver(() => { \
           mo.disconnect(); \
           requestAnimationFrame(() => setTimeout(() => { kb.ms = performance.now() - kb.t0; })); \
         }); \
         mo.observe(grid, { childList: true, subtree: true, characterData: true, attributes: true });",
        vec![],
    )
    .await?;
    c.find(Locator::Css("[data-testid=search]"))
        .await?
        .send_keys(key)
        .await?;
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let ms = c
            .execute("return window.__slipwayKeystroke.ms", vec![])
            .await?;
        if let Some(ms) = ms.as_f64() {
            return Ok(ms);
        }
        if Instant::now() > deadline {
            return Err("the grid did not change within 10 s of a keystroke".into());
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let o = opts();
    let log_start = o.requests.as_deref().map_or(0, log_lines);
    let started = Instant::now();
    let c = slipway_e2e::session(&o.app, &o.args).await?;
    c.wait()
        .at_most(Duration::from_secs(120))
        .every(POLL)
        .for_element(Locator::Css("[data-testid=grid-ready]"))
        .await?;
    let launch = started.elapsed();
    let rows: u64 = c
        .execute(
            "const g = document.querySelector('[data-testid=images-grid]'); \
             return g ? Number(g.getAttribute('aria-rowcount')) - 1 : 0",
            vec![],
        )
        .await?
        .as_u64()
        .unwrap_or(0);
    println!(
        "launch to painted grid: {:.3} s ({rows} rows)",
        launch.as_secs_f64()
    );
    println!("BENCH launch_ms={:.0}", launch.as_secs_f64() * 1000.0);
    println!("BENCH rows={rows}");

    if let Some(log) = o.requests.as_deref() {
        let n = quiet(log, o.quiet, Duration::from_secs(180)).await;
        println!(
            "requests from launch until quiet: {} ({})",
            n - log_start,
            summary(log, log_start)
        );
        println!("BENCH requests_launch={}", n - log_start);
        let mut per_event = vec![];
        for i in 0..o.tag_events {
            let cmd = o.tag_cmd.as_deref().expect("--tag-events needs --tag-cmd");
            let before = log_lines(log);
            let status = std::process::Command::new("sh")
                .args(["-c", &cmd.replace("{n}", &i.to_string())])
                .status()?;
            assert!(status.success(), "the tag command failed: {cmd}");
            let after = quiet(log, o.quiet, Duration::from_secs(120)).await;
            println!(
                "  tag event {i}: {} requests ({})",
                after - before,
                summary(log, before)
            );
            per_event.push((after - before) as f64);
        }
        if !per_event.is_empty() {
            let worst = per_event.iter().copied().fold(0.0, f64::max);
            println!("BENCH requests_tag_median={}", median(per_event.clone()));
            println!("BENCH requests_tag_max={worst}");
        }
    }

    if o.keystrokes > 0 {
        // Narrow to the second tags ("-"), then back to every row: both repaint the grid.
        let mut times = vec![];
        for _ in 0..o.keystrokes {
            for key in [
                "-",
                &char::from(fantoccini::key::Key::Backspace).to_string(),
            ] {
                times.push(keystroke(&c, key).await?);
            }
        }
        println!(
            "filter keystroke to repaint at {rows} rows: median {:.1} ms, worst {:.1} ms ({} keys)",
            median(times.clone()),
            times.iter().copied().fold(0.0, f64::max),
            times.len()
        );
        println!("BENCH keystroke_ms={:.1}", median(times));
    }

    tokio::time::sleep(Duration::from_secs(o.idle)).await;
    if let Some(pid) = app_pid(&o.app) {
        let mut total = 0;
        for (p, name) in tree(pid) {
            let kib = pss_kib(p);
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
        println!("BENCH pss_kib={total}");
    }
    c.close().await?;
    Ok(())
}
