//! `images usage`: each image's unique and shared bytes, the figures the app's grid shows.

use crate::{output, show};
use slipway_core::system::ImageUsage;
use slipway_core::{Engine, Result};

pub async fn show_image_usage(engine: &Engine, json: bool) -> Result<()> {
    let mut rows = engine.image_usage().await?;
    // Largest unique bytes first: what a clean-up would look at first.
    rows.sort_by(|a, b| b.unique_size.cmp(&a.unique_size).then(a.id.cmp(&b.id)));
    show(json, &rows, |rows| print_usage(rows))
}

/// Each image's ID, size, shared and unique bytes (`images usage`, `df --verbose`).
pub fn print_usage(rows: &[ImageUsage]) {
    output::table(
        &["IMAGE ID", "SIZE", "SHARED SIZE", "UNIQUE SIZE"],
        rows.iter()
            .map(|u| {
                vec![
                    output::short_id(&u.id),
                    output::size(u.size),
                    output::size(u.shared_size),
                    output::size(u.unique_size),
                ]
            })
            .collect(),
    )
}
