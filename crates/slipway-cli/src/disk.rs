//! `df`: disk usage by kind, and with `--verbose` each image's unique and shared bytes.

use crate::{output, show};
use slipway_core::system::{DiskUsage, UsageSnapshot};
use slipway_core::{Engine, Result};

pub async fn df(engine: &Engine, verbose: bool, json: bool) -> Result<()> {
    if !verbose {
        let df = engine.df().await?;
        return show(json, &df, print_disk);
    }
    // One snapshot: on Docker disk usage and per-image bytes come from the same `/system/df`.
    let usage = engine.usage_snapshot().await?;
    show(json, &usage, |u: &UsageSnapshot| {
        print_disk(&u.disk);
        println!();
        crate::usage::print_usage(&u.images);
    })
}

fn print_disk(d: &DiskUsage) {
    output::table(
        &["TYPE", "TOTAL", "ACTIVE", "SIZE", "RECLAIMABLE"],
        [
            ("Images", &d.images),
            ("Containers", &d.containers),
            ("Local Volumes", &d.volumes),
            ("Build Cache", &d.build_cache),
        ]
        .into_iter()
        .map(|(n, r)| {
            vec![
                n.into(),
                r.count.to_string(),
                r.active.to_string(),
                output::size(r.size),
                output::size(r.reclaimable),
            ]
        })
        .collect(),
    )
}
