//! What a finished task made: the core's own result, one line on it for the drawer and the
//! history, and the image it made ("Open image").

use serde::{Deserialize, Serialize};
use slipway_core::build::BuildResult;
use slipway_core::cleanup::PruneOutcome;
use slipway_core::transfer::{CopyResult, LoadResult, PullResult, PushResult};

/// Where a save went and how big it is.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, specta::Type)]
pub struct SaveResult {
    pub path: String,
    #[specta(type = f64)]
    pub bytes: u64,
}

/// The result of the core call that ended a task with success, as the core returned it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, specta::Type)]
#[serde(tag = "kind", content = "value", rename_all = "snake_case")]
pub enum TaskOutput {
    Pull(PullResult),
    Push(PushResult),
    Build(BuildResult),
    Save(SaveResult),
    Load(LoadResult),
    Import(PullResult),
    Prune(PruneOutcome),
    /// The images as the destination names them (Podman: `localhost/x:1`).
    Copy(CopyResult),
}

impl TaskOutput {
    /// One line on what came out. Names, IDs, paths and sizes only: it is kept in the
    /// history and shown in either language.
    pub fn result_line(&self) -> String {
        match self {
            Self::Pull(r) if !r.tag.is_empty() => r.tag.join(", "),
            Self::Pull(r) => r.id.clone(),
            Self::Push(r) => r.digest.clone().unwrap_or_else(|| r.response.clone()),
            Self::Build(r) => id_and_tags(&r.id, &r.tag),
            Self::Import(r) => id_and_tags(&r.id, &r.tag),
            Self::Save(r) => format!("{} · {}", r.path, size(r.bytes as f64)),
            Self::Load(r) => r.loaded.join(", "),
            Self::Copy(r) => format!(
                "{} → {} · {}",
                r.images
                    .iter()
                    .map(|i| match i.tags.is_empty() {
                        true => i.id.clone(),
                        false => i.tags.join(", "),
                    })
                    .collect::<Vec<_>>()
                    .join(", "),
                r.destination,
                size(r.bytes as f64)
            ),
            Self::Prune(r) => format!(
                "{}−{}",
                if r.measured { "" } else { "≈ " },
                size(r.space_reclaimed.max(0) as f64)
            ),
        }
    }

    /// The image a pull, build or import made.
    pub fn image(&self) -> Option<String> {
        match self {
            Self::Pull(r) | Self::Import(r) => Some(r.id.clone()),
            Self::Build(r) => Some(r.id.clone()),
            _ => None,
        }
        .filter(|id| !id.is_empty())
    }
}

fn id_and_tags(id: &str, tags: &[String]) -> String {
    std::iter::once(id)
        .chain(tags.iter().map(String::as_str))
        .collect::<Vec<_>>()
        .join(" · ")
}

/// Decimal units with three significant digits, like the UI's `formatSize`.
fn size(bytes: f64) -> String {
    const UNITS: [&str; 5] = ["B", "kB", "MB", "GB", "TB"];
    let mut value = bytes;
    let mut unit = 0;
    while value >= 999.5 && unit < UNITS.len() - 1 {
        value /= 1000.0;
        unit += 1;
    }
    if unit == 0 {
        return format!("{value} B");
    }
    let decimals = if value >= 100.0 {
        0
    } else if value >= 10.0 {
        1
    } else {
        2
    };
    format!("{value:.decimals$} {}", UNITS[unit])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes_read_like_the_ui_shows_them() {
        assert_eq!(size(0.0), "0 B");
        assert_eq!(size(999.0), "999 B");
        assert_eq!(size(1000.0), "1.00 kB");
        assert_eq!(size(12_345_678.0), "12.3 MB");
        assert_eq!(size(999_999.0), "1.00 MB");
    }

    #[test]
    fn a_build_names_its_image_and_a_push_its_digest() {
        let build = TaskOutput::Build(BuildResult {
            id: "sha256:abc".into(),
            tag: vec!["app:1".into()],
        });
        assert_eq!(build.result_line(), "sha256:abc · app:1");
        assert_eq!(build.image().as_deref(), Some("sha256:abc"));
        let push = TaskOutput::Push(PushResult {
            response: "pushed".into(),
            digest: Some("sha256:d".into()),
        });
        assert_eq!(push.result_line(), "sha256:d");
        assert_eq!(push.image(), None);
    }

    #[test]
    fn a_copy_names_the_images_as_the_destination_does_and_survives_the_history() {
        use slipway_core::transfer::CopiedImage;
        let copy = TaskOutput::Copy(CopyResult {
            images: vec![
                CopiedImage {
                    id: "sha256:a".into(),
                    tags: vec!["localhost/app:1".into()],
                },
                CopiedImage {
                    id: "sha256:b".into(),
                    tags: vec![],
                },
            ],
            bytes: 2_140_000,
            destination: "unix:///run/podman.sock".into(),
        });
        assert_eq!(
            copy.result_line(),
            "localhost/app:1, sha256:b → unix:///run/podman.sock · 2.14 MB"
        );
        assert_eq!(copy.image(), None, "the image is on another engine");
        let again: TaskOutput =
            serde_json::from_value(serde_json::to_value(&copy).unwrap()).unwrap();
        assert_eq!(again, copy);
        assert_eq!(
            super::super::TaskKind::parse("copy"),
            Some(super::super::TaskKind::Copy)
        );
    }
}
