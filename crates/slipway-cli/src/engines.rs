//! `engines ls` and the engine a command talks to (`--host`, `--context`, `DOCKER_CONTEXT`).

use crate::args::EnginesCmd;
use crate::{output, show};
use serde::Serialize;
use slipway_core::engine::discovery::{
    self, DiscoveredEngine, DiscoveryEnv, EngineSource, PROBE_TIMEOUT, TlsFiles,
};
use slipway_core::{EngineKind, EngineSpec, Error, Result};

/// One row of `engines ls --json`.
#[derive(Serialize)]
struct Row {
    name: String,
    url: String,
    kind: Option<EngineKind>,
    version: Option<String>,
    source: EngineSource,
    current: bool,
    reachable: bool,
    /// Why it is not reachable (the usual error object).
    error: Option<Error>,
    #[serde(skip_serializing_if = "Option::is_none")]
    tls: Option<TlsFiles>,
    #[serde(skip_serializing_if = "Option::is_none")]
    identity: Option<String>,
}

pub async fn run(cmd: EnginesCmd, json: bool) -> Result<()> {
    match cmd {
        EnginesCmd::Ls => ls(json).await,
        EnginesCmd::Add(a) => crate::engines_manual::add(a, json),
        EnginesCmd::Rm { name } => crate::engines_manual::rm(&name, json),
    }
}

async fn ls(json: bool) -> Result<()> {
    let found = discovery::engines();
    // Files that could not be used go to stderr: stdout stays the list.
    for s in &found.skipped {
        eprintln!("Skipped {}: {}", s.path, s.reason.message);
    }
    let probes = discovery::probe_all(&found.engines, PROBE_TIMEOUT).await;
    let rows: Vec<Row> = found
        .engines
        .into_iter()
        .zip(probes)
        .map(|(e, p)| Row {
            name: e.name,
            url: e.host,
            kind: p.kind,
            version: p.version,
            source: e.source,
            current: e.current,
            reachable: p.reachable,
            error: p.error,
            tls: e.tls,
            identity: e.identity,
        })
        .collect();
    show(json, &rows, |rows| {
        output::table(
            &["NAME", "URL", "KIND", "VERSION", "SOURCE", "REACHABLE"],
            rows.iter()
                .map(|r| {
                    vec![
                        if r.current {
                            format!("{} *", r.name)
                        } else {
                            r.name.clone()
                        },
                        r.url.clone(),
                        r.kind.map(kind_name).unwrap_or("-").to_owned(),
                        r.version.clone().unwrap_or_else(|| "-".into()),
                        source_name(r.source).to_owned(),
                        match &r.error {
                            None => "yes".to_owned(),
                            Some(e) => format!("no: {}", e.message),
                        },
                    ]
                })
                .collect(),
        )
    })
}

fn kind_name(k: EngineKind) -> &'static str {
    match k {
        EngineKind::Docker => "docker",
        EngineKind::Podman => "podman",
    }
}

fn source_name(s: EngineSource) -> &'static str {
    match s {
        EngineSource::Manual => "manual",
        EngineSource::DockerContext => "docker context",
        EngineSource::PodmanConnection => "podman connection",
        EngineSource::Socket => "socket",
        EngineSource::DockerHost => "DOCKER_HOST",
    }
}

/// Which engine a command talks to, as the docker CLI picks it: `--host`, then `--context`,
/// then `DOCKER_HOST`, then `DOCKER_CONTEXT`, then `config.json`'s `currentContext`; the
/// `default` context (or none) keeps Slipway's own search (DOCKER_HOST, the usual sockets).
pub fn spec(host: Option<String>, context: Option<String>) -> Result<EngineSpec> {
    if host.is_some() {
        return Ok(EngineSpec {
            host,
            ..EngineSpec::default()
        });
    }
    let env = DiscoveryEnv::from_process();
    // DOCKER_HOST outranks DOCKER_CONTEXT, as in the docker CLI; `--context` outranks both.
    let asked = match (context, &env.docker_host) {
        (Some(name), _) => Some(name),
        (None, None) => env.docker_context.clone(),
        (None, Some(_)) => return Ok(EngineSpec::default()),
    };
    let found = discovery::discover(&env);
    let chosen: Option<&DiscoveredEngine> = match &asked {
        Some(name) if name == "default" && found.named(name).is_err() => None,
        Some(name) => Some(found.named(name)?),
        // currentContext from config.json: only a context that is there (else the usual search).
        None => found.current().filter(|e| e.source != EngineSource::Socket),
    };
    Ok(match chosen {
        Some(e) if !(e.name == "default" && e.source == EngineSource::DockerContext) => {
            EngineSpec::of(e)
        }
        _ => EngineSpec::default(),
    })
}
