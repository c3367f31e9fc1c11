//! Damaged files of Slipway's own, in a real window: a truncated pins or settings file stops
//! the clean-up (the window says which file and where it is kept) until the user answers,
//! and pinned images survive; a truncated task history keeps its complete tasks.
//!
//! The app's files live in the suite's throw-away home (tests/e2e/run.sh sets XDG_*); each
//! test puts back what it changed, so the other window tests see a healthy home.

use fantoccini::{Client, Locator};
use slipway_e2e::*;
use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::time::Duration;

fn xdg(var: &str) -> PathBuf {
    PathBuf::from(std::env::var(var).unwrap_or_else(|_| {
        panic!("{var} is not set: run the window suite through tests/e2e/run.sh")
    }))
}

fn pins_file() -> PathBuf {
    xdg("XDG_CONFIG_HOME").join("slipway/pins.json")
}

fn settings_file() -> PathBuf {
    xdg("XDG_CONFIG_HOME").join("dev.slipway.app/settings.json")
}

fn history_file() -> PathBuf {
    xdg("XDG_DATA_HOME").join("dev.slipway.app/tasks.json")
}

/// Puts the given files back as they were (or removes them) when the test ends, pass or fail,
/// together with the copies the app kept aside meanwhile.
struct PutBack(Vec<(PathBuf, Option<Vec<u8>>)>);

impl PutBack {
    fn files(paths: &[PathBuf]) -> Self {
        Self(
            paths
                .iter()
                .map(|p| (p.clone(), std::fs::read(p).ok()))
                .collect(),
        )
    }
}

impl Drop for PutBack {
    fn drop(&mut self) {
        for (path, bytes) in &self.0 {
            match bytes {
                Some(b) => std::fs::write(path, b).unwrap(),
                None => {
                    let _ = std::fs::remove_file(path);
                }
            }
            for kept in kept_aside(path) {
                let _ = std::fs::remove_file(kept);
            }
        }
    }
}

/// The `NAME.broken-*` copies beside `file`.
fn kept_aside(file: &Path) -> Vec<PathBuf> {
    let name = format!("{}.broken-", file.file_name().unwrap().to_string_lossy());
    let Ok(entries) = std::fs::read_dir(file.parent().unwrap()) else {
        return vec![];
    };
    entries
        .map(|e| e.unwrap().path())
        .filter(|p| p.file_name().unwrap().to_string_lossy().starts_with(&name))
        .collect()
}

fn write(path: &Path, bytes: &[u8]) {
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(path, bytes).unwrap();
}

fn exists(id: &str) -> bool {
    slipway_engine_tests::docker_cli_raw(&["image", "inspect", id])
        .status
        .success()
}

/// Two labelled images: (repository, id) of the one to pin and of a spare one.
fn two_images(marker: &str) -> ((String, String), (String, String)) {
    let label = format!("LABEL slipway.e2e={marker}");
    let mut made: Vec<(String, String)> = ["keep", "spare"]
        .iter()
        .map(|n| {
            let repo = unique(&format!("files-{n}"));
            let id = docker_build(&format!("{repo}:1"), &[&label]);
            (repo, id)
        })
        .collect();
    let spare = made.pop().unwrap();
    (made.pop().unwrap(), spare)
}

async fn attr_list(
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

/// Call a backend command through the window's own IPC, as a script in the page could:
/// the refusal must not depend on the UI's buttons. Returns the error's code, if any.
async fn invoke_error_code(
    c: &Client,
    command: &str,
    args: serde_json::Value,
) -> Result<Option<u64>, Box<dyn std::error::Error>> {
    let v = c
        .execute_async(
            "const [cmd, args, done] = arguments; \
             window.__TAURI_INTERNALS__.invoke(cmd, args).then(() => done(null), e => done(e));",
            vec![command.into(), args],
        )
        .await?;
    Ok(v.get("code").and_then(|c| c.as_u64()))
}

/// Open the prune sheet on "all unused" images labelled `marker`; wait until it lists `going`.
async fn open_prune(c: &Client, marker: &str, going: &BTreeSet<String>) -> TestResult {
    by_testid(c, "nav-disk").await?.click().await?;
    by_testid(c, "disk-cleanup").await?.click().await?;
    by_testid(c, "prune-dialog").await?;
    by_testid(c, "prune-mode-all").await?.click().await?;
    type_into(
        &by_testid(c, "prune-labels").await?,
        &format!("slipway.e2e={marker}"),
    )
    .await?;
    let listed = eventually(PATIENCE, || async {
        let shown: BTreeSet<String> = attr_list(c, "[data-testid=prune-item]", "data-id")
            .await?
            .into_iter()
            .collect();
        Ok(&shown == going)
    })
    .await?;
    let shown = attr_list(c, "[data-testid=prune-item]", "data-id").await?;
    let kept = attr_list(c, "[data-testid=prune-kept]", "data-id").await?;
    assert!(
        listed,
        "the sheet lists {going:?}; it shows {shown:?}, kept {kept:?}"
    );
    Ok(())
}

async fn confirm_prune(c: &Client) -> TestResult {
    by_testid(c, "prune-confirm").await?.click().await?;
    c.wait()
        .at_most(Duration::from_secs(30))
        .for_element(Locator::Css("[data-testid=prune-freed]"))
        .await?;
    by_testid(c, "prune-close").await?.click().await?;
    Ok(())
}

#[tokio::test]
async fn a_truncated_pins_file_stops_the_clean_up_until_the_user_keeps_the_recovered_pins()
-> TestResult {
    let _put_back = PutBack::files(&[pins_file()]);
    let marker = unique("pins-cut");
    let ((keep_repo, keep), (_, spare)) = two_images(&marker);
    // A pins file cut off in its second pin, as a crash or a full disk leaves it.
    let cut = format!("{{\n  \"pins\": [\n    \"{keep_repo}\",\n    \"anoth");
    write(&pins_file(), cut.as_bytes());
    with_app(|c| {
        let (keep_repo, keep, spare, marker, cut) = (
            keep_repo.clone(),
            keep.clone(),
            spare.clone(),
            marker.clone(),
            cut.clone(),
        );
        async move {
            let banner = by_testid(&c, "pins-damaged").await?;
            let kept_at = banner.attr("data-kept-at").await?.unwrap_or_default();
            assert_eq!(
                std::fs::read(&kept_at)?,
                cut.as_bytes(),
                "the damaged file is kept aside byte for byte"
            );
            let text = banner.text().await?;
            assert!(text.contains(&kept_at), "the window says where: {text}");
            assert!(text.contains("Clean-up and delete are off"), "{text}");
            let recovered = attr_list(&c, "[data-testid=pins-recovered]", "data-pattern").await?;
            assert_eq!(recovered, [keep_repo.as_str()]);
            screenshot(&c, "pins-damaged").await?;

            // The backend refuses a delete on its own, whatever the buttons say.
            let code = invoke_error_code(
                &c,
                "images_remove",
                serde_json::json!({"references": [spare], "force": true, "acceptContainers": []}),
            )
            .await?;
            assert_eq!(code, Some(423));
            assert!(exists(&spare));

            // The sheet previews (the recovered pin keeps its image) but cannot delete.
            open_prune(&c, &marker, &BTreeSet::from([spare.clone()])).await?;
            let kept = attr_list(&c, "[data-testid=prune-kept]", "data-id").await?;
            assert_eq!(kept, [keep.as_str()], "the recovered pin still protects");
            assert!(!by_testid(&c, "prune-confirm").await?.is_enabled().await?);
            by_testid(&c, "prune-blocked").await?;
            screenshot(&c, "prune-blocked").await?;
            by_testid(&c, "prune-cancel").await?.click().await?;

            // The user keeps the recovered pins: the notice goes, clean-up works again.
            by_testid(&c, "pins-keep-recovered").await?.click().await?;
            let gone = eventually(Duration::from_secs(5), || async {
                Ok(c.find_all(Locator::Css("[data-testid=pins-damaged]"))
                    .await?
                    .is_empty())
            })
            .await?;
            assert!(gone, "the notice goes once answered");
            open_prune(&c, &marker, &BTreeSet::from([spare.clone()])).await?;
            confirm_prune(&c).await?;
            assert!(exists(&keep), "the pinned image survived the clean-up");
            assert!(!exists(&spare), "the rest was cleaned up");
            assert!(std::path::Path::new(&kept_at).exists(), "still kept aside");
            Ok(())
        }
    })
    .await?;
    // The answer lasts: the pins file is readable and holds the recovered pin.
    let saved: serde_json::Value = serde_json::from_slice(&std::fs::read(pins_file())?)?;
    assert_eq!(saved["pins"], serde_json::json!([keep_repo]));
    slipway_engine_tests::docker_cli(&["rmi", "-f", &keep]);
    Ok(())
}

#[tokio::test]
async fn truncated_old_settings_holding_pins_stop_the_clean_up_until_the_user_starts_over()
-> TestResult {
    let _put_back = PutBack::files(&[pins_file(), settings_file()]);
    let marker = unique("settings-cut");
    let ((keep_repo, keep), (_, spare)) = two_images(&marker);
    // Settings from before the shared pins file (they held the pins), cut off: as the old
    // app left them. No pins file yet, as after an upgrade.
    let _ = std::fs::remove_file(pins_file());
    let cut = format!("{{\n  \"engine_host\": null,\n  \"pins\": [\n    \"{keep_repo}\",\n    \"x");
    write(&settings_file(), cut.as_bytes());
    with_app(|c| {
        let (keep_repo, keep, spare, marker) = (
            keep_repo.clone(),
            keep.clone(),
            spare.clone(),
            marker.clone(),
        );
        async move {
            let banner = by_testid(&c, "pins-damaged").await?;
            let file = banner.attr("data-file").await?.unwrap_or_default();
            assert_eq!(file, settings_file().display().to_string());
            let kept_at = banner.attr("data-kept-at").await?.unwrap_or_default();
            assert_eq!(std::fs::read(&kept_at)?, cut.as_bytes());
            let notice = c
                .find(Locator::Css(
                    "[data-testid=file-kept-aside][data-kind=settings]",
                ))
                .await?;
            assert_eq!(notice.attr("data-kept-at").await?, Some(kept_at.clone()));
            let recovered = attr_list(&c, "[data-testid=pins-recovered]", "data-pattern").await?;
            assert_eq!(recovered, [keep_repo.as_str()]);

            // The user starts without the old pins, then pins the image again by hand.
            by_testid(&c, "pins-start-without").await?.click().await?;
            let gone = eventually(Duration::from_secs(5), || async {
                Ok(c.find_all(Locator::Css("[data-testid=pins-damaged]"))
                    .await?
                    .is_empty())
            })
            .await?;
            assert!(gone);
            open_prune(&c, &marker, &BTreeSet::from([keep.clone(), spare.clone()])).await?;
            type_into(&by_testid(&c, "pin-input").await?, &keep_repo).await?;
            by_testid(&c, "pin-add").await?.click().await?;
            let listed = eventually(Duration::from_secs(10), || async {
                Ok(attr_list(&c, "[data-testid=prune-item]", "data-id").await? == [spare.clone()])
            })
            .await?;
            assert!(listed, "the re-entered pin takes its image off the list");
            confirm_prune(&c).await?;
            assert!(exists(&keep), "the re-entered pin protected it");
            assert!(!exists(&spare));
            Ok(())
        }
    })
    .await?;
    slipway_engine_tests::docker_cli(&["rmi", "-f", &keep]);
    Ok(())
}

fn record(id: &str, title: &str) -> serde_json::Value {
    serde_json::json!({
        "id": id, "kind": "pull", "title": title, "engine": "Docker",
        "state": "done", "started_at": 1.0e12, "finished_at": 1.0e12 + 2000.0,
        "error": null, "result": "sha256:0 tagged x:1", "log": ["pulled"]
    })
}

#[tokio::test]
async fn a_truncated_history_keeps_its_complete_tasks_in_the_drawer() -> TestResult {
    let _put_back = PutBack::files(&[history_file()]);
    let titles: Vec<String> = (0..3).map(|n| unique(&format!("Kept task {n}"))).collect();
    let all: Vec<serde_json::Value> = titles
        .iter()
        .enumerate()
        .map(|(n, t)| record(&unique(&format!("h{n}")), t))
        .collect();
    let full = serde_json::to_string_pretty(&all)?;
    // Cut inside the last record.
    let cut = &full[..full.rfind(&titles[2]).unwrap()];
    write(&history_file(), cut.as_bytes());
    with_app(|c| {
        let titles = titles.clone();
        async move {
            let notice = c
                .wait()
                .at_most(PATIENCE)
                .for_element(Locator::Css("[data-testid=file-kept-aside][data-kind=history]"))
                .await?;
            let kept_at = notice.attr("data-kept-at").await?.unwrap_or_default();
            assert_eq!(std::fs::read(&kept_at)?, cut.as_bytes());
            assert!(notice.text().await?.contains("2 complete tasks were kept"));
            by_testid(&c, "tasks-button").await?.click().await?;
            by_testid(&c, "task-drawer").await?;
            let shown = eventually(Duration::from_secs(5), || async {
                let v = c
                    .execute(
                        "return [...document.querySelectorAll('[data-testid=task] .title')].map(t => t.textContent)",
                        vec![],
                    )
                    .await?;
                let shown: Vec<String> = v
                    .as_array()
                    .into_iter()
                    .flatten()
                    .filter_map(|t| t.as_str().map(str::to_owned))
                    .collect();
                Ok(shown.contains(&titles[0])
                    && shown.contains(&titles[1])
                    && !shown.contains(&titles[2]))
            })
            .await?;
            assert!(shown, "the two complete tasks are in the drawer, the cut one is not");
            screenshot(&c, "history-salvaged").await?;
            Ok(())
        }
    })
    .await
}

/// A private D-Bus session bus (the single-instance plugin finds the first window through
/// it), stopped with the test.
struct SessionBus {
    daemon: std::process::Child,
    address: String,
    _dir: tempfile::TempDir,
}

impl SessionBus {
    fn start() -> Self {
        let dir = tempfile::tempdir().unwrap();
        let address = format!("unix:path={}", dir.path().join("bus").display());
        let daemon = std::process::Command::new("dbus-daemon")
            .args(["--session", "--nofork", "--address", &address])
            // Quiet: it warns that it may not raise its file limit as root in a container, and
            // the accessibility services it starts for the app greet on its output.
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn()
            .expect("dbus-daemon runs (make deps installs it)");
        Self {
            daemon,
            address,
            _dir: dir,
        }
    }

    fn names(&self) -> String {
        std::process::Command::new("dbus-send")
            .arg(format!("--bus={}", self.address))
            .arg("--print-reply")
            .args(["--dest=org.freedesktop.DBus", "/org/freedesktop/DBus"])
            .arg("org.freedesktop.DBus.ListNames")
            .output()
            .map(|o| String::from_utf8_lossy(&o.stdout).into_owned())
            .unwrap_or_default()
    }
}

impl Drop for SessionBus {
    fn drop(&mut self) {
        let _ = self.daemon.kill();
        let _ = self.daemon.wait();
    }
}

/// Ends the app it holds when the test ends, pass or fail.
struct App(std::process::Child);

impl Drop for App {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

#[tokio::test]
async fn a_second_launch_hands_over_to_the_first_window_instead_of_racing_on_the_files()
-> TestResult {
    let bus = SessionBus::start();
    // Each launch's output is kept as an artifact (single-instance-N.log): when the first
    // window does not take the name, its log says why.
    let launches = std::cell::Cell::new(0);
    let launch = || -> std::io::Result<App> {
        launches.set(launches.get() + 1);
        std::fs::create_dir_all(artifacts_dir())?;
        let log = std::fs::File::create(
            artifacts_dir().join(format!("single-instance-{}.log", launches.get())),
        )?;
        std::process::Command::new(app_binary())
            .args(["--host", &docker_host()])
            .env("DBUS_SESSION_BUS_ADDRESS", &bus.address)
            .env("SLIPWAY_LOG", "info")
            .stdout(log.try_clone()?)
            .stderr(log)
            .spawn()
            .map(App)
    };
    let mut first = launch()?;
    let registered = eventually(Duration::from_secs(20), || async {
        Ok(bus.names().contains("dev.slipway.app.SingleInstance"))
    })
    .await?;
    assert!(registered, "the first window holds the instance name");
    let mut second = launch()?;
    let ended = eventually(Duration::from_secs(15), || {
        let done = second.0.try_wait().map(|s| s.map(|s| s.success()));
        async move { Ok(done?.is_some()) }
    })
    .await?;
    assert!(ended, "the second launch hands over and ends");
    assert!(second.0.wait()?.success(), "handing over is a success");
    assert!(
        first.0.try_wait()?.is_none(),
        "the first window is still open"
    );
    Ok(())
}
