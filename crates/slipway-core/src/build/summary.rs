//! What a build would send: files, bytes and ignored files, counted without reading contents.

use super::context::{PreparedContext, prepare};
use super::walk::{Event, Source, count_files_below, read_error};
use crate::error::Result;
use serde::{Deserialize, Serialize};
use std::path::Path;

/// What a build would send.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct ContextSummary {
    /// Regular files and symlinks sent (directories not counted).
    #[cfg_attr(feature = "specta", specta(type = f64))]
    pub files: u64,
    /// Sum of the sent regular files' sizes (not the tar's size).
    #[cfg_attr(feature = "specta", specta(type = f64))]
    pub bytes: u64,
    /// Files and symlinks left out by `.dockerignore`.
    #[cfg_attr(feature = "specta", specta(type = f64))]
    pub ignored: u64,
}

/// Summarise what building `context` would send, validating like [`prepare`].
#[tracing::instrument(level = "debug", skip_all, fields(context = %context.display(), dockerfile = ?dockerfile), err(level = "debug", Display))]
pub fn context_summary(context: &Path, dockerfile: Option<&Path>) -> Result<ContextSummary> {
    prepare(context, dockerfile)?.summary()
}

impl PreparedContext {
    /// Count what [`tar_stream`] would send, without reading any file contents.
    #[tracing::instrument(level = "debug", skip_all, fields(context = %self.context_dir.display()), err(level = "debug", Display))]
    pub fn summary(&self) -> Result<ContextSummary> {
        let mut summary = ContextSummary::default();
        self.walk(&mut |event| {
            summary.add(event);
            Ok(())
        })
        .map_err(|e| read_error(&e))?;
        tracing::debug!(?summary, "build context summarised");
        Ok(summary)
    }
}

impl ContextSummary {
    fn add(&mut self, event: Event) {
        match event {
            Event::Send(item) => match item.source {
                Source::Dir => {}
                Source::Symlink { .. } => self.files += 1,
                Source::File { len, .. } => {
                    self.files += 1;
                    self.bytes += len;
                }
                Source::Memory(contents) => {
                    self.files += 1;
                    self.bytes += contents.len() as u64;
                }
            },
            Event::Ignored { is_dir: false, .. } => self.ignored += 1,
            Event::Ignored { path, is_dir: true } => self.ignored += count_files_below(&path),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::build::test_support::*;
    // --- summary ---------------------------------------------------------------------------

    #[test]
    fn summary_counts_sent_files_bytes_and_ignored_files() {
        let dir = tree(&[
            ("Dockerfile", Some("FROM scratch\n")),    // 13
            (".dockerignore", Some("*.log\nbuild\n")), // 12
            ("a.txt", Some("hello")),                  // 5
            ("app.log", Some("ignored")),
            ("sub/b.txt", Some("abc")),  // 3
            ("sub/c.log", Some("kept")), // 4: `*.log` is root-only
            ("build/x", Some("ignored")),
            ("build/deep/y", Some("ignored")),
            ("empty", None),
        ]);
        #[cfg(unix)]
        std::os::unix::fs::symlink("a.txt", dir.path().join("link")).unwrap();
        let summary = context_summary(dir.path(), None).unwrap();
        let links = if cfg!(unix) { 1 } else { 0 };
        assert_eq!(
            summary,
            ContextSummary {
                files: 5 + links,
                bytes: 13 + 12 + 5 + 3 + 4,
                ignored: 3,
            }
        );
    }

    #[test]
    fn summary_serialises_as_plain_numbers() {
        let s = ContextSummary {
            files: 1,
            bytes: 2,
            ignored: 3,
        };
        assert_eq!(
            serde_json::to_value(&s).unwrap(),
            serde_json::json!({"files": 1, "bytes": 2, "ignored": 3})
        );
    }
}
