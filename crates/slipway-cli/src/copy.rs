//! `images cp SOURCE... DEST` — copy images between engines with Podman's `scp` syntax: each
//! source `ENGINE::IMAGE` (or a bare `IMAGE`), the destination `ENGINE::`; an empty ENGINE is
//! the current one (`--host`, else DOCKER_HOST, else the default sockets). ENGINE is an
//! address or a name from `engines ls` (a Docker context or a Podman connection).

use crate::args::CopyArgs;
use crate::progress_view::ProgressView;
use slipway_core::engine::discovery;
use slipway_core::error::ErrorKind;
use slipway_core::{CancellationToken, Engine, EngineSpec, Error, Result};
use std::time::Duration;

/// What the arguments say: one source engine, its images, one destination engine.
#[derive(Debug, PartialEq)]
pub struct CopyPlan {
    /// `None`: the current engine.
    pub source: Option<String>,
    pub images: Vec<String>,
    pub destination: Option<String>,
}

/// Split the arguments (checked before any engine is asked).
pub fn plan(a: &CopyArgs) -> Result<CopyPlan> {
    let (dest_arg, sources) = a
        .args
        .split_last()
        .ok_or_else(|| Error::of(ErrorKind::NothingToSave))?;
    let destination = match dest_arg.rsplit_once("::") {
        Some((engine, "")) => engine_of(engine),
        _ => {
            return Err(Error::of(ErrorKind::CopyDestinationNotUnderstood {
                argument: dest_arg.clone(),
            }));
        }
    };
    let mut source: Option<Option<String>> = None;
    let mut images = Vec::new();
    for s in sources {
        let (engine, image) = match s.rsplit_once("::") {
            Some((engine, image)) => (engine_of(engine), image),
            None => (None, s.as_str()),
        };
        if image.is_empty() {
            return Err(Error::of(ErrorKind::CopySourceNotUnderstood {
                argument: s.clone(),
            }));
        }
        slipway_core::reference::validate_image_ref(image)?;
        match &source {
            Some(first) if *first != engine => {
                let name =
                    |e: &Option<String>| e.clone().unwrap_or_else(|| "the current engine".into());
                return Err(Error::of(ErrorKind::CopyFromSeveralEngines {
                    first: name(first),
                    other: name(&engine),
                }));
            }
            _ => source = Some(engine),
        }
        images.push(image.to_owned());
    }
    if images.is_empty() {
        return Err(Error::of(ErrorKind::NothingToSave));
    }
    Ok(CopyPlan {
        source: source.flatten(),
        images,
        destination,
    })
}

/// ENGINE as written: an address (`unix://…`, `tcp://…`, a socket path) or a name from
/// `engines ls` (resolved when connecting).
fn engine_of(text: &str) -> Option<String> {
    let t = text.trim();
    (!t.is_empty()).then(|| t.to_owned())
}

/// An address stays as it is; anything else is a Docker context or Podman connection name
/// (reached with its own TLS files or ssh identity).
fn spec_of(engine: &str) -> Result<EngineSpec> {
    if engine.contains("://") || engine.starts_with('/') {
        // An address given here is the one meant: DOCKER_HOST does not replace it.
        return Ok(EngineSpec {
            host: Some(engine.to_owned()),
            ignore_env: true,
            ..EngineSpec::default()
        });
    }
    let found = discovery::discover(&discovery::DiscoveryEnv::from_process());
    Ok(EngineSpec::of(found.named(engine)?))
}

async fn connect(host: Option<&str>, current: Option<&str>, stall: Duration) -> Result<Engine> {
    let spec = match host {
        Some(h) => spec_of(h)?,
        None => EngineSpec {
            host: current.map(str::to_owned),
            ..EngineSpec::default()
        },
    };
    Ok(Engine::connect(spec).await?.with_stall_timeout(stall))
}

pub async fn run(
    a: &CopyArgs,
    current: Option<&str>,
    stall: Duration,
    json: bool,
    cancel: &CancellationToken,
) -> Result<()> {
    let plan = plan(a)?;
    let source = connect(plan.source.as_deref(), current, stall).await?;
    let dest = connect(plan.destination.as_deref(), current, stall).await?;
    let mut view = ProgressView::new(json);
    let r = source
        .copy_to(&dest, &plan.images, &mut |p| view.update(p), cancel)
        .await;
    view.finish();
    crate::show(json, &r?, |r| {
        for i in &r.images {
            let id = i.id.strip_prefix("sha256:").unwrap_or(&i.id);
            let short: String = id.chars().take(12).collect();
            println!("Copied {short} {} to {}", i.tags.join(", "), r.destination);
        }
        println!("{}", crate::output::size(r.bytes as i64));
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(list: &[&str]) -> CopyArgs {
        CopyArgs {
            args: list.iter().map(|s| s.to_string()).collect(),
        }
    }

    #[test]
    fn podman_scp_syntax_names_source_images_and_destination() {
        let p = plan(&args(&[
            "unix:///d.sock::a:1",
            "unix:///d.sock::b",
            "unix:///p.sock::",
        ]))
        .unwrap();
        assert_eq!(p.source.as_deref(), Some("unix:///d.sock"));
        assert_eq!(p.images, ["a:1", "b"]);
        assert_eq!(p.destination.as_deref(), Some("unix:///p.sock"));
        // Empty ENGINE (or none) is the current engine; IPv6 loopback keeps its colons.
        let p = plan(&args(&["::a", "b", "tcp://[::1]:2375::"])).unwrap();
        assert_eq!(p.source, None);
        assert_eq!(p.destination.as_deref(), Some("tcp://[::1]:2375"));
    }

    #[test]
    fn bad_arguments_are_400s_naming_them() {
        let e = plan(&args(&["a:1", "unix:///p.sock"])).unwrap_err();
        assert_eq!(e.code, 400);
        assert!(
            e.message.contains("unix:///p.sock is not a destination"),
            "{}",
            e.message
        );
        let e = plan(&args(&["unix:///d.sock::", "unix:///p.sock::"])).unwrap_err();
        assert!(
            e.message.contains("unix:///d.sock:: is not a source"),
            "{}",
            e.message
        );
        let e = plan(&args(&["unix:///a.sock::x", "unix:///b.sock::y", "::"])).unwrap_err();
        assert!(
            e.message.contains("unix:///a.sock and unix:///b.sock"),
            "{}",
            e.message
        );
        assert_eq!(plan(&args(&["unix:///p.sock::"])).unwrap_err().code, 400);
    }
}
