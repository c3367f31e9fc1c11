//! Input checks that need no engine: bad input is a 400 naming the value, even with no
//! engine around, and nothing is sent that the engine would refuse or read differently.

use crate::args::{Command, ImagesCmd, PruneArgs, SearchArgs};
use slipway_core::error::ErrorKind;
use slipway_core::images::{PruneOptions, SearchOptions, parse_filter};
use slipway_core::protection::Protection;
use slipway_core::{Error, Result};

/// Every check that needs no engine, run before connecting to one.
pub fn before_connecting(command: &Command) -> Result<()> {
    match command {
        Command::Images(cmd) => precheck(cmd),
        Command::BuilderPrune(a) => {
            slipway_core::build_cache::check_keep_storage(a.keep_storage)?;
            if let Some(u) = &a.until {
                slipway_core::images::build_cache_until(u)?;
            }
            Ok(())
        }
        _ => Ok(()),
    }
}

/// Checks that need no engine.
fn precheck(cmd: &ImagesCmd) -> Result<()> {
    use slipway_core::reference::{Reference, validate_image_ref};
    match cmd {
        ImagesCmd::Pull(a) => Reference::parse(&a.reference).map(|_| ()),
        ImagesCmd::Push(a) => Reference::parse(&a.reference).map(|_| ()),
        ImagesCmd::Get { reference }
        | ImagesCmd::Inspect { reference }
        | ImagesCmd::History { reference } => validate_image_ref(reference),
        ImagesCmd::Tag { source, target } => {
            validate_image_ref(source).and(Reference::parse(target).map(|_| ()))
        }
        ImagesCmd::Build(a) => {
            crate::build::options(a)?;
            slipway_core::context::prepare(&a.path, a.dockerfile.as_deref()).map(|_| ())
        }
        // An empty or missing file is refused before any engine is asked.
        ImagesCmd::Load { input } => slipway_core::transfer::check_upload(input).map(|_| ()),
        ImagesCmd::Import(a) => slipway_core::transfer::check_upload(&a.file).map(|_| ()),
        // A damaged pins file refuses before the engine is even asked.
        ImagesCmd::Rm(a) => crate::pins::for_deleting(a.ignore_pins, &a.protect).map(|_| ()),
        ImagesCmd::Ls(a) => a
            .filters
            .iter()
            .try_for_each(|f| parse_filter(f).map(|_| ())),
        ImagesCmd::Prune(a) => {
            prune_options(a)?;
            if !a.dry_run {
                crate::pins::for_deleting(a.ignore_pins, &a.protect)?;
            }
            Ok(())
        }
        ImagesCmd::Search(a) => search_options(a).map(|_| ()),
        _ => Ok(()),
    }
}

/// `images search`'s filters as options, every value checked (the engine is not asked).
pub fn search_options(a: &SearchArgs) -> Result<SearchOptions> {
    slipway_core::images::check_search_limit(a.limit)?;
    let mut options = SearchOptions {
        limit: a.limit,
        ..Default::default()
    };
    for f in &a.filters {
        match f.split_once('=') {
            Some(("is-official", v)) => {
                options.official_only = match v {
                    "true" => true,
                    "false" => false,
                    _ => {
                        return Err(Error::of(ErrorKind::FilterTakesBool { filter: f.clone() }));
                    }
                }
            }
            Some(("stars", v)) => {
                options.min_stars = Some(
                    v.parse()
                        .map_err(|_| Error::of(ErrorKind::StarsNotNumber { value: v.into() }))?,
                )
            }
            _ => {
                return Err(Error::of(ErrorKind::BadSearchFilter { filter: f.clone() }));
            }
        }
    }
    Ok(options)
}

/// `images prune`'s filters as options, every value checked (the engine is not asked).
pub fn prune_options(a: &PruneArgs) -> Result<PruneOptions> {
    let mut options = PruneOptions {
        all: a.all,
        until: a.until.clone(),
        keep: a.keep,
        protect: a.protect.clone(),
        ..Default::default()
    };
    for f in &a.filters {
        match f.split_once('=') {
            Some(("until", v)) => options.until = Some(v.to_owned()),
            Some(("label", v)) => options.labels.push(v.to_owned()),
            Some(("label!", v)) => options.labels.push(format!("!{v}")),
            _ => {
                return Err(Error::of(ErrorKind::BadPruneFilter { filter: f.clone() }));
            }
        }
    }
    if let Some(u) = &options.until {
        slipway_core::images::until_cutoff(u)?;
    }
    for l in &options.labels {
        slipway_core::images::check_label(l.strip_prefix('!').unwrap_or(l))?;
    }
    Protection::new(options.protect.iter().cloned())?;
    Ok(options)
}
