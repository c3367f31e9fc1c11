//! `slipway-cli pins …` and the saved pins that `images prune` and `images rm` honour: the
//! same file the app uses (`slipway_core::pins_file`).

use crate::args::PinsCmd;
use crate::show;
use slipway_core::error::{ErrorKind, Hint};
use slipway_core::pins_file::{PinsFile, PinsState};
use slipway_core::protection::Protection;
use slipway_core::{Error, Result};

pub fn run(cmd: PinsCmd, json: bool) -> Result<()> {
    let file = PinsFile::shared()?;
    let state = match cmd {
        PinsCmd::Ls => file.state(),
        PinsCmd::Add { patterns } => file.add(patterns),
        PinsCmd::Rm { patterns } => file.remove(&patterns),
        PinsCmd::Recover => file.resolve_damage(true),
        PinsCmd::Reset => file.resolve_damage(false),
    }
    .map_err(with_way_out)?;
    warn_if_damaged(&state);
    show(json, &state, |s| {
        s.pins.iter().for_each(|p| println!("{p}"))
    })
}

/// The pins a delete must honour: the saved ones (unless `ignore`) and `extra` (`--protect`).
/// A damaged pins file refuses (423) with the way out.
pub fn for_deleting(ignore: bool, extra: &[String]) -> Result<Protection> {
    let mut patterns = Protection::new(extra.iter().cloned())?.patterns;
    if !ignore {
        let state = PinsFile::shared()?.state()?;
        let saved = state.for_deleting().map_err(with_way_out)?;
        patterns.extend(saved.patterns);
    }
    Protection::new(patterns)
}

/// The pins a preview shows (`--dry-run`): a damaged file is reported but not refused, since
/// nothing is deleted.
pub fn for_preview(ignore: bool, extra: &[String]) -> Result<Vec<String>> {
    let mut patterns = extra.to_vec();
    if !ignore {
        let state = PinsFile::shared()?.state()?;
        warn_if_damaged(&state);
        patterns.extend(state.protection().patterns);
    }
    Ok(patterns)
}

fn warn_if_damaged(state: &PinsState) {
    if let Some(e) = state.blocked() {
        eprintln!("Warning: {}", with_way_out(e).message);
    }
}

fn with_way_out(e: Error) -> Error {
    // How out of a damaged pins file, on the command line.
    if e.code == 423 {
        Error::of(ErrorKind::WithHint {
            cause: e,
            hint: Hint::PinsWayOut,
        })
    } else {
        e
    }
}
