//! `slipway-cli`: Slipway's image API on the command line. `--json` prints exactly the
//! core's JSON; otherwise tables and, on a terminal, progress bars.

mod args;
mod build;
mod checks;
mod copy;
mod disk;
mod engines;
mod engines_manual;
mod outcome;
mod output;
mod pins;
mod progress_view;
mod remove;
mod signals;
mod usage;

use args::{Cli, Command, ImagesCmd, PruneArgs};
use clap::Parser;
use futures_util::StreamExt;
use serde::Serialize;
use slipway_core::cleanup::{KeepReason, PruneOutcome};
use slipway_core::credentials::Credentials;
use slipway_core::error::ErrorKind;
use slipway_core::images::{ListOptions, PrunePlan, parse_filter};
use slipway_core::protection::Protection;
use slipway_core::{CancellationToken, Engine, Error, Result};
use std::io::Read;
use std::sync::atomic::{AtomicBool, Ordering};

/// Whether a result went to stdout already: an error after it (a prune that skipped some
/// images) then goes to stderr, so stdout stays one JSON document of the documented shape.
static RESULT_SHOWN: AtomicBool = AtomicBool::new(false);

#[tokio::main]
async fn main() {
    tracing_subscriber::fmt()
        // Quiet unless asked (SLIPWAY_LOG=debug): errors are already printed for the user.
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_env("SLIPWAY_LOG")
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("off")),
        )
        .with_writer(std::io::stderr)
        .init();
    let cli = Cli::parse();
    let json = cli.json;
    let cancel = CancellationToken::new();
    let signalled = signals::cancel_on_signal(&cancel);
    if let Err(e) = run(cli, &cancel).await {
        if json && !RESULT_SHOWN.load(Ordering::Relaxed) {
            println!("{}", e.to_json());
        } else {
            eprintln!("Error: {}", e.message);
        }
        std::process::exit(signals::exit_code(&e, &signalled));
    }
}

/// Print a result as JSON, or let `human` print it.
pub(crate) fn show<T: Serialize>(json: bool, value: &T, human: impl FnOnce(&T)) -> Result<()> {
    if json {
        let text = serde_json::to_string_pretty(value).map_err(Error::unexpected)?;
        println!("{text}");
    } else {
        human(value);
    }
    RESULT_SHOWN.store(true, Ordering::Relaxed);
    Ok(())
}

async fn run(cli: Cli, cancel: &CancellationToken) -> Result<()> {
    let json = cli.json;
    // Validate input before connecting: bad input is a 400 even with no engine around.
    checks::before_connecting(&cli.command)?;
    // The pins are a file of Slipway's own: no engine needed.
    let command = match cli.command {
        Command::Pins(cmd) => return pins::run(cmd, json),
        // Two engines, named by the arguments: connected there.
        Command::Images(ImagesCmd::Cp(a)) => {
            let stall = std::time::Duration::from_secs(cli.stall_timeout);
            // The current engine (an empty ENGINE) honours --context like every command.
            let current = engines::spec(cli.host.clone(), cli.context.clone())?.host;
            return copy::run(&a, current.as_deref(), stall, json, cancel).await;
        }
        Command::Engines(cmd) => return engines::run(cmd, json).await,
        other => other,
    };
    let engine = Engine::connect(engines::spec(cli.host.clone(), cli.context.clone())?)
        .await?
        .with_stall_timeout(std::time::Duration::from_secs(cli.stall_timeout));
    match command {
        Command::Pins(_) | Command::Engines(_) => unreachable!("answered before connecting"),
        Command::Images(cmd) => images(&engine, cmd, json, cancel).await,
        Command::Df { verbose } => disk::df(&engine, verbose, json).await,
        Command::Events => {
            let mut events = Box::pin(engine.image_events());
            loop {
                let next = tokio::select! {
                    _ = cancel.cancelled() => return Ok(()),
                    e = events.next() => e,
                };
                let Some(e) = next else { return Ok(()) };
                let e = e?;
                if json {
                    println!("{}", serde_json::to_string(&e).unwrap_or_default());
                } else {
                    println!(
                        "{} image {} {}",
                        e.time,
                        e.action,
                        e.name.as_deref().unwrap_or(&e.id)
                    );
                }
            }
        }
        Command::Login(a) => {
            if !a.password_stdin {
                return Err(Error::of(ErrorKind::PasswordNotOnStdin));
            }
            let mut password = String::new();
            std::io::stdin().read_to_string(&mut password)?;
            let creds = Credentials::basic(
                &a.registry,
                &a.username,
                password.trim_end_matches(['\n', '\r']),
            );
            let status = engine.login(&creds).await?;
            // A credential helper is a process: run it off the async threads.
            let to_save = creds.clone();
            let saved = tokio::task::spawn_blocking(move || {
                slipway_core::credentials::save_to_docker_config(&to_save)
            })
            .await
            .map_err(Error::unexpected)??;
            let result = serde_json::json!({ "status": status, "saved_to": saved });
            show(json, &result, |_| println!("{status}"))
        }
        Command::Engine => show(json, &engine.info, |i| {
            println!("Engine:      {:?} {}", i.kind, i.version);
            println!("API version: {}", i.api_version);
            println!("OS/Arch:     {}/{}", i.os, i.arch);
            println!("Address:     {}", i.host);
        }),
        Command::BuilderPrune(a) if a.dry_run => {
            let plan = engine
                .build_cache_plan(a.keep_storage, a.all, a.until.as_deref())
                .await?;
            show(json, &plan, |p| {
                output::table(
                    &["CACHE ID", "TYPE", "SIZE", "LAST USED", "DESCRIPTION"],
                    p.records
                        .iter()
                        .map(|r| {
                            vec![
                                output::short_id(&r.id),
                                r.kind.clone(),
                                output::size(r.size),
                                r.last_used.clone(),
                                r.description.clone(),
                            ]
                        })
                        .collect(),
                );
                println!(
                    "Would free {} of {} build cache. Nothing was removed.",
                    output::size(p.space_to_reclaim),
                    output::size(p.total)
                );
            })
        }
        Command::BuilderPrune(a) => {
            let r = engine
                .prune_build_cache(a.keep_storage, a.all, a.until.as_deref())
                .await?;
            show(json, &r, |r| {
                println!("Total reclaimed space: {}", output::size(r.space_reclaimed))
            })
        }
    }
}

async fn images(
    engine: &Engine,
    cmd: ImagesCmd,
    json: bool,
    cancel: &CancellationToken,
) -> Result<()> {
    match cmd {
        ImagesCmd::Ls(a) => {
            let filters = a
                .filters
                .iter()
                .map(|f| parse_filter(f))
                .collect::<Result<Vec<_>>>()?;
            let list = engine
                .list(&ListOptions {
                    all: a.all,
                    digests: a.digests,
                    filters,
                })
                .await?;
            if a.quiet && !json {
                list.iter()
                    .for_each(|i| println!("{}", output::short_id(&i.id)));
                return Ok(());
            }
            show(json, &list, |list| {
                let mut rows = Vec::new();
                for i in list {
                    let names = if i.tags.is_empty() {
                        vec!["<none>:<none>".to_owned()]
                    } else {
                        i.tags.clone()
                    };
                    for n in names {
                        let (repo, tag) = output::split_tag(&n);
                        let mut row = vec![repo, tag];
                        if a.digests {
                            row.push(
                                i.digests
                                    .first()
                                    .and_then(|d| d.split_once('@'))
                                    .map_or("<none>".into(), |(_, d)| d.to_owned()),
                            );
                        }
                        row.extend([
                            output::short_id(&i.id),
                            output::ago(i.created),
                            output::size(i.size),
                        ]);
                        rows.push(row);
                    }
                }
                let mut header = vec!["REPOSITORY", "TAG"];
                if a.digests {
                    header.push("DIGEST");
                }
                header.extend(["IMAGE ID", "CREATED", "SIZE"]);
                output::table(&header, rows);
            })
        }
        ImagesCmd::Get { reference } => show(json, &engine.get(&reference).await?, |d| {
            println!("ID:       {}", d.id);
            println!("Tags:     {}", d.tags.join(", "));
            println!("Created:  {}", d.created);
            println!("Size:     {}", output::size(d.size));
            println!("Platform: {}/{}", d.os, d.architecture);
        }),
        ImagesCmd::Inspect { reference } => {
            let v = engine.inspect(&reference).await?;
            println!("{}", serde_json::to_string_pretty(&v).unwrap_or_default());
            Ok(())
        }
        ImagesCmd::Usage => usage::show_image_usage(engine, json).await,
        ImagesCmd::History { reference } => {
            show(json, &engine.history(&reference).await?, |rows| {
                output::table(
                    &["IMAGE", "CREATED", "CREATED BY", "SIZE"],
                    rows.iter()
                        .map(|h| {
                            let id = if h.id.starts_with("sha256:") {
                                output::short_id(&h.id)
                            } else {
                                h.id.clone()
                            };
                            let by: String = h.created_by.chars().take(45).collect();
                            vec![id, output::ago(h.created), by, output::size(h.size)]
                        })
                        .collect(),
                )
            })
        }
        ImagesCmd::Build(a) => build::run(engine, *a, json, cancel).await,
        ImagesCmd::Pull(a) => {
            let options = slipway_core::transfer::PullOptions {
                platform: a.platform,
                all_tags: a.all_tags,
                credentials: None,
            };
            let mut view = progress_view::ProgressView::new(json);
            let r = engine
                .pull(&a.reference, &options, &mut |p| view.update(p), cancel)
                .await;
            view.finish();
            show(json, &r?, |r| {
                if let Some(d) = &r.digest {
                    println!("Digest: {d}");
                }
                println!("Image: {} ({})", r.tag.join(", "), output::short_id(&r.id));
            })
        }
        ImagesCmd::Push(a) => {
            let mut view = progress_view::ProgressView::new(json);
            let r = engine
                .push(&a.reference, None, &mut |p| view.update(p), cancel)
                .await;
            view.finish();
            show(json, &r?, |r| {
                println!("{}", r.response);
                if let Some(d) = &r.digest {
                    println!("digest: {d}");
                }
            })
        }
        ImagesCmd::Tag { source, target } => remove::tag(engine, &source, &target, json).await,
        ImagesCmd::Rm(a) => {
            // The saved pins and --protect; a damaged pins file refuses before anything goes.
            let protection = pins::for_deleting(a.ignore_pins, &a.protect)?;
            remove::rm(engine, &a, &protection, json).await
        }
        ImagesCmd::Prune(a) => prune(engine, &a, json, cancel).await,
        ImagesCmd::Save(a) => {
            let mut view = progress_view::ProgressView::new(json);
            let r = engine
                .save(&a.references, &a.output, &mut |p| view.update(p), cancel)
                .await;
            view.finish();
            let bytes = r?;
            show(
                json,
                &serde_json::json!({"file": a.output, "bytes": bytes}),
                |_| {
                    println!(
                        "Saved {} to {}",
                        output::size(bytes as i64),
                        a.output.display()
                    )
                },
            )
        }
        ImagesCmd::Load { input } => {
            let mut view = progress_view::ProgressView::new(json);
            let r = engine.load(&input, &mut |p| view.update(p), cancel).await;
            view.finish();
            show(json, &r?, |r| {
                r.loaded.iter().for_each(|l| println!("Loaded image: {l}"))
            })
        }
        ImagesCmd::Cp(_) => unreachable!("answered before connecting"),
        ImagesCmd::Import(a) => {
            let options = slipway_core::transfer::ImportOptions {
                reference: a.reference,
                changes: a.changes,
                message: a.message,
                platform: None,
            };
            let mut view = progress_view::ProgressView::new(json);
            let r = engine
                .import(&a.file, &options, &mut |p| view.update(p), cancel)
                .await;
            view.finish();
            show(json, &r?, |r| println!("{}", r.id))
        }
        ImagesCmd::Search(a) => {
            let options = checks::search_options(&a)?;
            show(json, &engine.search(&a.term, &options).await?, |rows| {
                output::table(
                    &["NAME", "DESCRIPTION", "STARS", "OFFICIAL"],
                    rows.iter()
                        .map(|r| {
                            vec![
                                r.name.clone(),
                                r.description.chars().take(50).collect(),
                                r.stars.to_string(),
                                if r.official {
                                    "[OK]".into()
                                } else {
                                    String::new()
                                },
                            ]
                        })
                        .collect(),
                )
            })
        }
        ImagesCmd::RegistryData { reference } => {
            show(json, &engine.registry_data(&reference, None).await?, |d| {
                println!("Digest:    {}", d.digest);
                println!("Type:      {}", d.media_type);
                println!("Platforms: {}", d.platforms.join(", "));
            })
        }
    }
}

/// `images prune`: always a preview first; without `--dry-run`, exactly the previewed set is
/// then removed (explicit removals, each re-checked), so `--keep` and `--protect` hold.
async fn prune(
    engine: &Engine,
    a: &PruneArgs,
    json: bool,
    cancel: &CancellationToken,
) -> Result<()> {
    let mut options = checks::prune_options(a)?;
    // The saved pins and --protect. Only a real prune refuses on a damaged pins file; a
    // dry run shows what the recovered pins keep.
    options.protect = if a.dry_run {
        pins::for_preview(a.ignore_pins, &a.protect)?
    } else {
        pins::for_deleting(a.ignore_pins, &a.protect)?.patterns
    };
    let plan = engine.prune_plan(&options).await?;
    if a.dry_run {
        return show(json, &plan, print_plan);
    }
    if plan.images.is_empty() {
        let nothing = PruneOutcome {
            images_deleted: vec![],
            space_reclaimed: 0,
            measured: true,
            predicted: 0,
            skipped: vec![],
            saved_to: None,
        };
        return show(json, &nothing, |_| println!("Nothing to prune."));
    }
    let protection = Protection::new(options.protect.iter().cloned())?;
    let mut view = progress_view::ProgressView::new(json);
    let r = engine
        .prune_exact(
            &plan.images,
            &protection,
            a.save_to.as_deref(),
            &mut |p| view.update(p),
            cancel,
        )
        .await;
    view.finish();
    let r = r?;
    show(json, &r, |r| {
        if let Some(p) = &r.saved_to {
            println!("Saved to {p} first.");
        }
        for i in &r.images_deleted {
            if let Some(u) = &i.untagged {
                println!("untagged: {u}");
            }
            if let Some(d) = &i.deleted {
                println!("deleted: {d}");
            }
        }
        for s in &r.skipped {
            println!("kept {}: {}", names(&s.id, &s.tags), s.reason);
        }
        println!(
            "Total reclaimed space: {} (predicted {})",
            output::size(r.space_reclaimed),
            output::size(r.predicted)
        );
    })?;
    outcome::all_deleted(&r, names)
}

fn names(id: &str, tags: &[String]) -> String {
    if tags.is_empty() {
        output::short_id(id)
    } else {
        tags.join(", ")
    }
}

fn print_plan(p: &PrunePlan) {
    output::table(
        &["IMAGE ID", "TAGS", "CREATED", "SIZE", "UNIQUE"],
        p.images
            .iter()
            .map(|i| {
                vec![
                    output::short_id(&i.id),
                    if i.tags.is_empty() {
                        "<none>".into()
                    } else {
                        i.tags.join(", ")
                    },
                    output::ago(i.created),
                    output::size(i.size),
                    output::size(i.unique_size),
                ]
            })
            .collect(),
    );
    for k in &p.kept {
        let why = match &k.reason {
            KeepReason::Protected { pattern } => format!("pinned by \"{pattern}\""),
            KeepReason::KeepNewest {
                repository,
                keep: 1,
                tags,
            } => {
                format!("{} is the newest tag of {repository}", tags.join(", "))
            }
            KeepReason::KeepNewest {
                repository,
                keep,
                tags,
            } => {
                let kept = tags.join(", ");
                if tags.len() == 1 {
                    format!("{kept} is one of the newest {keep} tags of {repository}")
                } else {
                    format!("{kept} are among the newest {keep} tags of {repository}")
                }
            }
            KeepReason::InUse { containers } => format!("used by {containers} container(s)"),
            KeepReason::NeededByKept => "an image that stays is built on it".into(),
        };
        println!("Keeps {}: {why}", names(&k.id, &k.tags));
    }
    println!(
        "Would delete {} image{} and free {}. Nothing was deleted.",
        p.images.len(),
        if p.images.len() == 1 { "" } else { "s" },
        output::size(p.space_to_reclaim)
    );
}
