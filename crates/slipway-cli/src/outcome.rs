//! Exit codes say whether everything asked for happened: a run that did part of it shows
//! what it did (the documented JSON shape on stdout) and then fails, naming what it did not do.

use slipway_core::Result;
use slipway_core::cleanup::PruneOutcome;
use slipway_core::error::{Error, ErrorKind};

/// A prune that kept some of what it was asked to delete (changed since the preview, gone,
/// refused by the engine) is an error naming each, with why.
pub fn all_deleted(r: &PruneOutcome, names: fn(&str, &[String]) -> String) -> Result<()> {
    if r.skipped.is_empty() {
        return Ok(());
    }
    let images = r
        .skipped
        .iter()
        .map(|s| {
            let why = s.reason.trim().trim_end_matches('.');
            format!("{} ({why})", names(&s.id, &s.tags))
        })
        .collect();
    Err(Error::of(ErrorKind::PruneIncomplete {
        count: r.skipped.len() as u32,
        images,
    }))
}

#[cfg(test)]
mod tests {
    use super::*;
    use slipway_core::cleanup::SkippedItem;

    fn outcome(skipped: Vec<SkippedItem>) -> PruneOutcome {
        PruneOutcome {
            images_deleted: vec![],
            space_reclaimed: 0,
            measured: true,
            predicted: 0,
            skipped,
            saved_to: None,
        }
    }

    fn tags(_: &str, tags: &[String]) -> String {
        tags.join(", ")
    }

    #[test]
    fn a_prune_that_deleted_everything_succeeds() {
        assert!(all_deleted(&outcome(vec![]), tags).is_ok());
    }

    #[test]
    fn a_prune_that_skipped_images_fails_naming_each_and_why() {
        let skipped = vec![SkippedItem {
            id: "sha256:aa".into(),
            tags: vec!["app:1".into()],
            reason: "Changed since the preview: it has a new tag.".into(),
            error: None,
        }];
        let e = all_deleted(&outcome(skipped), tags).unwrap_err();
        assert_ne!(e.code / 100, 2);
        assert_eq!(
            e.message,
            "1 of the previewed images was not deleted: app:1 (Changed since the preview: it has a new tag)."
        );
    }
}
