//! The Linux package: what `make bundle` produces, installed the way a desktop sees it — its
//! menu entry found through XDG_DATA_DIRS and started with `gtk-launch`, as a menu would.
//! The .deb is unpacked into a temporary root rather than installed into the machine, so the
//! test leaves the system as it found it. tests/e2e/run.sh builds it (`tauri bundle --debug`)
//! and provides the X display.

use slipway_e2e::TestResult;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

fn deb() -> PathBuf {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../target/debug/bundle/deb");
    std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{}: {e} (run through tests/e2e/run.sh)", dir.display()))
        .filter_map(|e| e.ok().map(|e| e.path()))
        .find(|p| p.extension().is_some_and(|x| x == "deb"))
        .unwrap_or_else(|| panic!("no .deb in {}", dir.display()))
}

fn run(cmd: &mut Command) -> String {
    let out = cmd.output().unwrap_or_else(|e| panic!("{cmd:?}: {e}"));
    assert!(
        out.status.success(),
        "{cmd:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// Top-level windows whose title is exactly `title`.
fn windows_titled(title: &str) -> usize {
    let tree = run(Command::new("xwininfo").args(["-root", "-tree"]));
    tree.lines()
        .filter(|l| l.contains(&format!("\"{title}\"")))
        .count()
}

#[test]
fn the_deb_menu_entry_starts_the_app() -> TestResult {
    let deb = deb();
    let fields = run(Command::new("dpkg-deb").args(["-f", deb.to_str().unwrap()]));
    assert!(fields.contains("Package: slipway"), "{fields}");
    assert!(
        fields.contains("libwebkit2gtk-4.1-0"),
        "declares its WebKit dependency: {fields}"
    );

    let root = tempfile_dir("slipway-deb");
    run(Command::new("dpkg-deb").args(["-x", deb.to_str().unwrap(), root.to_str().unwrap()]));
    let share = root.join("usr/share");
    let entry = share.join("applications/Slipway.desktop");
    run(Command::new("desktop-file-validate").arg(&entry));
    let text = std::fs::read_to_string(&entry)?;
    assert!(text.contains("Exec=slipway"), "{text}");
    assert!(text.contains("Icon=slipway"), "{text}");
    for size in ["32x32", "128x128", "512x512"] {
        let icon = share.join(format!("icons/hicolor/{size}/apps/slipway.png"));
        assert!(icon.is_file(), "{} missing", icon.display());
    }

    let before = windows_titled("Slipway");
    let home = tempfile_dir("slipway-deb-home");
    let path = format!(
        "{}:{}",
        root.join("usr/bin").display(),
        std::env::var("PATH").unwrap_or_default()
    );
    // The menu: the package's share dir first, like /usr/share after installing it. The app
    // opens on the private engine (DOCKER_HOST from the harness), never the user's.
    let mut launch = Command::new("gtk-launch");
    launch
        .arg("Slipway")
        .env("XDG_DATA_DIRS", format!("{}:/usr/share", share.display()))
        .env("PATH", &path)
        .env("XDG_CONFIG_HOME", home.join("config"))
        .env("XDG_DATA_HOME", home.join("data"))
        .env("DOCKER_HOST", slipway_e2e::docker_host())
        // The app inherits these: a pipe would keep `output()` waiting for as long as it runs.
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null());
    let launched = launch.status()?;
    assert!(launched.success(), "gtk-launch Slipway: {launched}");

    let binary = root.join("usr/bin/slipway");
    let deadline = Instant::now() + Duration::from_secs(30);
    let mut opened = false;
    while Instant::now() < deadline {
        if windows_titled("Slipway") > before {
            opened = true;
            break;
        }
        std::thread::sleep(Duration::from_millis(200));
    }
    // Whatever happened, stop the app the menu started (found by its executable: the menu
    // ran it as plain `slipway`).
    for pid in processes_running(&binary) {
        let _ = Command::new("kill").arg(pid.to_string()).status();
    }
    let _ = std::fs::remove_dir_all(&root);
    let _ = std::fs::remove_dir_all(&home);
    assert!(
        opened,
        "a Slipway window appeared within 30 s of choosing the menu entry"
    );
    Ok(())
}

fn tempfile_dir(prefix: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(slipway_e2e::unique(prefix));
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

fn processes_running(binary: &Path) -> Vec<u32> {
    std::fs::read_dir("/proc")
        .into_iter()
        .flatten()
        .filter_map(|e| e.ok())
        .filter_map(|e| {
            let pid: u32 = e.file_name().to_str()?.parse().ok()?;
            (std::fs::read_link(e.path().join("exe")).ok()? == binary).then_some(pid)
        })
        .collect()
}
