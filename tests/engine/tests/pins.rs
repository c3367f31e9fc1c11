//! Saved pins on the command line (`slipway-cli pins …`), honoured by `images prune` and
//! `images rm`, and what a damaged pins file does: refuse, keep it aside, offer the way out.
//! Each test has its own config home (XDG_CONFIG_HOME), never the user's.

use slipway_engine_tests::*;
use std::path::{Path, PathBuf};
use std::process::Output;

struct Home {
    dir: tempfile::TempDir,
}

impl Home {
    fn new() -> Self {
        Self {
            dir: tempfile::tempdir().unwrap(),
        }
    }

    fn cli(&self, args: &[&str]) -> Output {
        run_cli(
            slipway_cli_in(self.dir.path())
                .arg("--host")
                .arg(docker_host()),
            args,
        )
    }

    /// `--json` output of a command that must succeed.
    fn ok(&self, args: &[&str]) -> serde_json::Value {
        let out = self.cli(&[&["--json"], args].concat());
        assert!(
            out.status.success(),
            "{args:?}: {}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        json_of(&out)
    }

    /// `--json` error of a command that must fail.
    fn refused(&self, args: &[&str]) -> serde_json::Value {
        let out = self.cli(&[&["--json"], args].concat());
        assert!(!out.status.success(), "{args:?} must fail");
        json_of(&out)["error"].clone()
    }

    /// Where the app and the CLI keep the pins (XDG config home + slipway/pins.json).
    fn pins_file(&self) -> PathBuf {
        self.dir.path().join("slipway/pins.json")
    }

    fn kept_aside(&self) -> Vec<PathBuf> {
        let Ok(entries) = std::fs::read_dir(self.dir.path().join("slipway")) else {
            return vec![];
        };
        entries
            .map(|e| e.unwrap().path())
            .filter(|p| p.to_string_lossy().contains("pins.json.broken-"))
            .collect()
    }
}

fn exists(id: &str) -> bool {
    docker_cli_raw(&["image", "inspect", id]).status.success()
}

/// Two labelled images, `keep` (to be pinned) and `spare`, with their IDs.
async fn two_images(marker: &str) -> ((String, String), (String, String)) {
    let engine = docker().await;
    let mut out = Vec::new();
    for name in ["keep", "spare"] {
        let repo = unique(&format!("pins-{name}"));
        let id = build_lines(
            &engine,
            &[
                &format!("RUN echo {} > /m", unique("m")),
                &format!("LABEL slipway.pins={marker}"),
            ],
            &[&format!("{repo}:1")],
        )
        .await;
        out.push((repo, id));
    }
    let spare = out.pop().unwrap();
    (out.pop().unwrap(), spare)
}

fn strings(v: &serde_json::Value) -> Vec<String> {
    v.as_array()
        .unwrap()
        .iter()
        .map(|s| s.as_str().unwrap().to_owned())
        .collect()
}

/// Cut the pins file in the middle of its last pin, as a crash or a full disk would.
fn truncate_inside_last_pin(file: &Path, last: &str) {
    let text = std::fs::read_to_string(file).unwrap();
    let at = text.rfind(last).unwrap() + last.len() / 2;
    std::fs::write(file, &text[..at]).unwrap();
}

#[test]
fn pins_add_ls_rm_round_trip_through_the_shared_file() {
    let home = Home::new();
    assert!(strings(&home.ok(&["pins", "ls"])["pins"]).is_empty());
    let added = home.ok(&["pins", "add", "db", "team/*", "db"]);
    assert_eq!(strings(&added["pins"]), ["db", "team/*"]);
    assert_eq!(added["file"], home.pins_file().display().to_string());
    // Another process (the app reads the same file) sees them.
    let listed = home.ok(&["pins", "ls"]);
    assert_eq!(strings(&listed["pins"]), ["db", "team/*"]);
    assert!(listed["damaged"].is_null());
    let text = home.cli(&["pins", "ls"]);
    assert_eq!(String::from_utf8_lossy(&text.stdout), "db\nteam/*\n");
    assert_eq!(strings(&home.ok(&["pins", "rm", "db"])["pins"]), ["team/*"]);
    assert_eq!(home.refused(&["pins", "rm", "nope"])["code"], 404);
    assert_eq!(home.refused(&["pins", "add", "my app"])["code"], 400);
    assert_eq!(strings(&home.ok(&["pins", "ls"])["pins"]), ["team/*"]);
    assert_eq!(
        home.refused(&["pins", "recover"])["code"],
        409,
        "nothing to recover from a readable file"
    );
}

#[tokio::test]
async fn saved_pins_hold_in_prune_and_rm_unless_ignored() {
    let home = Home::new();
    let marker = unique("saved");
    let ((keep_repo, keep), (_, spare)) = two_images(&marker).await;
    home.ok(&["pins", "add", &keep_repo]);
    let label = format!("label=slipway.pins={marker}");
    let plan = home.ok(&["images", "prune", "--all", "--filter", &label, "--dry-run"]);
    assert_eq!(plan["kept"][0]["id"], keep.as_str(), "{plan}");
    assert_eq!(plan["kept"][0]["reason"]["pattern"], keep_repo.as_str());
    home.ok(&["images", "prune", "--all", "--filter", &label]);
    assert!(exists(&keep), "the saved pin kept it");
    assert!(!exists(&spare));
    let refused = home.refused(&["images", "rm", "-f", &keep]);
    assert_eq!(refused["code"], 409, "{refused}");
    assert!(refused["message"].as_str().unwrap().contains(&keep_repo));
    assert!(exists(&keep));
    // --ignore-pins skips the saved pins for this one command; --protect still holds.
    let still = home.refused(&[
        "images",
        "rm",
        "--ignore-pins",
        "--protect",
        &keep_repo,
        &keep,
    ]);
    assert_eq!(still["code"], 409);
    home.ok(&["images", "rm", "-f", "--ignore-pins", &keep]);
    assert!(!exists(&keep));
    assert_eq!(
        strings(&home.ok(&["pins", "ls"])["pins"]),
        [keep_repo],
        "ignoring is for one command, the pin stays saved"
    );
}

#[tokio::test]
async fn a_truncated_pins_file_refuses_prune_and_rm_until_the_user_confirms() {
    let home = Home::new();
    let marker = unique("broken");
    let ((keep_repo, keep), (_, spare)) = two_images(&marker).await;
    home.ok(&["pins", "add", &keep_repo, "some-other-pin"]);
    truncate_inside_last_pin(&home.pins_file(), "some-other-pin");
    let cut = std::fs::read(home.pins_file()).unwrap();
    let label = format!("label=slipway.pins={marker}");

    for _ in 0..2 {
        // Refused on every run, not only the one that found the damage.
        let e = home.refused(&["images", "prune", "--all", "--filter", &label]);
        assert_eq!(e["code"], 423, "{e}");
        let message = e["message"].as_str().unwrap();
        let kept = home.kept_aside();
        assert_eq!(kept.len(), 1, "kept aside once: {kept:?}");
        assert!(
            message.contains(&kept[0].display().to_string()),
            "{message}"
        );
        assert!(message.contains("slipway-cli pins recover"), "{message}");
        assert_eq!(home.refused(&["images", "rm", "-f", &spare])["code"], 423);
        assert!(exists(&keep) && exists(&spare), "nothing was deleted");
    }
    assert_eq!(
        std::fs::read(&home.kept_aside()[0]).unwrap(),
        cut,
        "the damaged file is kept byte for byte"
    );
    let human = home.cli(&["images", "prune", "--all", "--filter", &label]);
    assert!(!human.status.success());
    assert!(String::from_utf8_lossy(&human.stderr).contains("Clean-up and delete are off"));

    // The state says what happened; the complete pin is recovered, the cut one is not.
    let state = home.ok(&["pins", "ls"]);
    assert_eq!(
        strings(&state["damaged"]["recovered"]),
        [keep_repo.as_str()]
    );
    assert_eq!(
        state["damaged"]["kept_at"],
        home.kept_aside()[0].display().to_string()
    );
    // Editing the pins is refused too, with the way out.
    assert_eq!(home.refused(&["pins", "add", "x"])["code"], 423);
    // A dry run deletes nothing: it works, warns, and the recovered pin already protects.
    let dry = home.cli(&[
        "--json",
        "images",
        "prune",
        "--all",
        "--filter",
        &label,
        "--dry-run",
    ]);
    assert!(dry.status.success());
    assert!(String::from_utf8_lossy(&dry.stderr).contains("pins recover"));
    let plan = json_of(&dry);
    assert_eq!(plan["images"].as_array().unwrap().len(), 1, "{plan}");
    assert_eq!(plan["images"][0]["id"], spare.as_str());
    assert_eq!(plan["kept"][0]["id"], keep.as_str());

    // The user keeps the recovered pins: clean-up works again and the pin still holds.
    let recovered = home.ok(&["pins", "recover"]);
    assert!(recovered["damaged"].is_null());
    assert_eq!(strings(&recovered["pins"]), [keep_repo.as_str()]);
    home.ok(&["images", "prune", "--all", "--filter", &label]);
    assert!(exists(&keep), "the recovered pin protected it");
    assert!(!exists(&spare));
    docker_cli(&["rmi", "-f", &keep]);
}

#[tokio::test]
async fn ignore_pins_and_reset_are_the_explicit_ways_past_a_damaged_file() {
    let home = Home::new();
    let marker = unique("reset");
    let ((keep_repo, keep), (_, spare)) = two_images(&marker).await;
    std::fs::create_dir_all(home.pins_file().parent().unwrap()).unwrap();
    std::fs::write(home.pins_file(), format!("{{\"pins\": [\"{keep_repo}\"")).unwrap();
    // This command only, by the user's explicit flag: the saved (damaged) pins are not read.
    home.ok(&["images", "rm", "--ignore-pins", &spare]);
    assert!(!exists(&spare));
    assert_eq!(home.refused(&["images", "rm", &keep])["code"], 423);
    // `pins reset`: start without them.
    let reset = home.ok(&["pins", "reset"]);
    assert!(reset["damaged"].is_null() && strings(&reset["pins"]).is_empty());
    assert_eq!(
        home.kept_aside().len(),
        1,
        "the damaged file stays kept aside"
    );
    home.ok(&["images", "rm", &keep]);
    assert!(!exists(&keep));
}
