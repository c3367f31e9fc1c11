//! `images build`: the command line's options, checked into the core's `BuildOptions` (the
//! same set the app's form sends), then the context summary and the build with its progress.

use crate::args::BuildArgs;
use crate::{output, progress_view, show};
use slipway_core::build::{BuildOptions, Builder};
use slipway_core::error::ErrorKind;
use slipway_core::{CancellationToken, Engine, Error, Result};
use std::collections::BTreeMap;

/// `KEY=VALUE` items; `bad` names the one that is not.
fn key_values(items: &[String], bad: fn(String) -> ErrorKind) -> Result<BTreeMap<String, String>> {
    items
        .iter()
        .map(|kv| {
            kv.split_once('=')
                .map(|(k, v)| (k.to_owned(), v.to_owned()))
                .ok_or_else(|| Error::of(bad(kv.clone())))
        })
        .collect()
}

/// A size as `docker build` reads `--memory` and `--shm-size`: a number with an optional
/// unit, b/k/m/g/t/p in powers of 1024 (`512m`, `2g`, `1.5GiB`); bytes without one.
fn ram_in_bytes(flag: &'static str, text: &str) -> Result<i64> {
    let bad = || {
        Error::of(ErrorKind::BadByteSize {
            flag: flag.to_owned(),
            value: text.to_owned(),
        })
    };
    let t = text.trim().to_ascii_lowercase();
    let number_end = t
        .find(|c: char| !(c.is_ascii_digit() || c == '.'))
        .unwrap_or(t.len());
    let (number, unit) = t.split_at(number_end);
    let unit = unit.trim_start();
    let unit = unit.strip_suffix('b').unwrap_or(unit);
    let unit = unit.strip_suffix('i').unwrap_or(unit);
    let power = match unit {
        "" => 0,
        "k" => 1,
        "m" => 2,
        "g" => 3,
        "t" => 4,
        "p" => 5,
        _ => return Err(bad()),
    };
    let value: f64 = number.parse().map_err(|_| bad())?;
    let bytes = value * 1024f64.powi(power);
    if !bytes.is_finite() || bytes < 1.0 || bytes > i64::MAX as f64 {
        return Err(bad());
    }
    Ok(bytes as i64)
}

/// The arguments as the core's options; every value checked (no engine is asked).
pub fn options(a: &BuildArgs) -> Result<BuildOptions> {
    let size = |flag, v: &Option<String>| v.as_deref().map(|v| ram_in_bytes(flag, v)).transpose();
    Ok(BuildOptions {
        // clap allows only these two.
        builder: match a.builder.as_str() {
            "buildkit" => Builder::Buildkit,
            _ => Builder::Classic,
        },
        dockerfile: a.dockerfile.clone(),
        tags: a.tags.clone(),
        build_args: key_values(&a.build_args, |item| ErrorKind::BadBuildArg { item })?,
        labels: key_values(&a.labels, |item| ErrorKind::BadLabel { item })?,
        target: a.target.clone(),
        no_cache: a.no_cache,
        pull: a.pull,
        platform: a.platform.clone(),
        network_mode: a.network.clone(),
        memory: size("--memory", &a.memory)?,
        cpu_shares: a.cpu_shares,
        cpuset_cpus: a.cpuset_cpus.clone(),
        shm_size: size("--shm-size", &a.shm_size)?,
        cache_from: a.cache_from.clone(),
        extra_hosts: a.add_hosts.clone(),
        squash: a.squash,
    })
}

pub async fn run(
    engine: &Engine,
    a: BuildArgs,
    json: bool,
    cancel: &CancellationToken,
) -> Result<()> {
    let summary = slipway_core::context::context_summary(&a.path, a.dockerfile.as_deref())?;
    if a.summary {
        return show(json, &summary, |s| {
            println!(
                "{} files, {} to send, {} ignored",
                s.files,
                output::size(s.bytes as i64),
                s.ignored
            )
        });
    }
    if !json {
        eprintln!(
            "Sending build context: {} files, {} ({} ignored by .dockerignore)",
            summary.files,
            output::size(summary.bytes as i64),
            summary.ignored
        );
    }
    let options = options(&a)?;
    let mut view = progress_view::ProgressView::new(json);
    let r = engine
        .build(&a.path, &options, &mut |p| view.update(p), cancel)
        .await;
    view.finish();
    show(json, &r?, |r| {
        // The engine's log (stderr) already said "Successfully built"; this line is the
        // result, with every tag, for whoever reads stdout.
        println!(
            "Image {} tagged {}",
            output::short_id(&r.id),
            r.tag.join(", ")
        );
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes_read_like_docker_build_reads_them() {
        assert_eq!(ram_in_bytes("--memory", "512m").unwrap(), 512 << 20);
        assert_eq!(ram_in_bytes("--memory", "3g").unwrap(), 3 << 30);
        assert_eq!(ram_in_bytes("--memory", "1.5GiB").unwrap(), 3 << 29);
        assert_eq!(ram_in_bytes("--memory", "4096").unwrap(), 4096);
        assert_eq!(ram_in_bytes("--shm-size", "64 MB").unwrap(), 64 << 20);
        for bad in ["", "g", "-1g", "0", "2x", "1..2m", "99999999p"] {
            let e = ram_in_bytes("--memory", bad).unwrap_err();
            assert_eq!(e.code, 400, "{bad}");
            assert!(e.message.contains("--memory"), "{}", e.message);
        }
    }
}
