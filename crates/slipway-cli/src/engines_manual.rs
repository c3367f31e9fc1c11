//! `engines add` / `engines rm`: engines added by hand, in the file the app reads too
//! (`engines.json` beside the pins file). Checked before saving: the name is free, the URL a
//! scheme Slipway speaks, the TLS and identity files are there.

use crate::args::EngineAddArgs;
use crate::show;
use serde::Serialize;
use slipway_core::Result;
use slipway_core::engine::discovery::manual::{ManualEngine, ManualEngines};
use slipway_core::engine::discovery::{DiscoveryEnv, TlsFiles};

/// The engine the arguments describe (TLS settings only when one is given).
fn engine_of(a: EngineAddArgs) -> ManualEngine {
    let any_tls =
        a.tls_ca.is_some() || a.tls_cert.is_some() || a.tls_key.is_some() || a.tls_skip_verify;
    ManualEngine {
        name: a.name,
        host: a.url,
        tls: any_tls.then(|| TlsFiles {
            ca: a.tls_ca.map(absolute),
            cert: a.tls_cert.map(absolute),
            key: a.tls_key.map(absolute),
            skip_verify: a.tls_skip_verify,
        }),
        identity: a.identity.map(absolute),
    }
}

/// A relative file is kept as the absolute path it names now (the app runs elsewhere).
fn absolute(file: String) -> String {
    std::path::absolute(&file)
        .map(|p| p.display().to_string())
        .unwrap_or(file)
}

pub fn add(a: EngineAddArgs, json: bool) -> Result<()> {
    let file = ManualEngines::shared()?;
    let added = file.add(engine_of(a), &DiscoveryEnv::from_process())?;
    show(json, &added, |e| {
        println!("Added engine {} ({})", e.name, e.host)
    })
}

#[derive(Serialize)]
struct Removed {
    result: &'static str,
}

pub fn rm(name: &str, json: bool) -> Result<()> {
    ManualEngines::shared()?.remove(name)?;
    show(json, &Removed { result: "success" }, |_| {
        println!("Removed engine {name}")
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tls_settings_only_when_asked_and_files_made_absolute() {
        let args = |ca: Option<&str>, skip: bool| EngineAddArgs {
            name: "lab".into(),
            url: "tcp://127.0.0.1:2376".into(),
            tls_ca: ca.map(str::to_owned),
            tls_cert: None,
            tls_key: None,
            tls_skip_verify: skip,
            identity: None,
        };
        assert_eq!(engine_of(args(None, false)).tls, None);
        let tls = engine_of(args(None, true)).tls.unwrap();
        assert!(tls.skip_verify && tls.ca.is_none());
        let ca = engine_of(args(Some("certs/ca.pem"), false))
            .tls
            .unwrap()
            .ca
            .unwrap();
        assert!(std::path::Path::new(&ca).is_absolute(), "{ca}");
        assert!(ca.ends_with("certs/ca.pem"), "{ca}");
    }
}
