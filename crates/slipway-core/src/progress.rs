//! Typed progress for long operations, and the per-layer bookkeeping that turns an engine's
//! stream of status lines into numbers a progress bar can use.

use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// One progress update. Front ends get these in order, as they happen.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Progress {
    /// One layer of a pull or push changed.
    Layer(LayerProgress),
    /// Totals over all layers; sent after every layer update.
    Overall(Overall),
    /// A build log line, with the step it belongs to (`Step i/N`).
    Build(BuildStep),
    /// A status line that belongs to no layer ("Digest: …", "Loaded image: …").
    Message { line: String },
    /// Bytes moved by a save, load or import.
    Bytes {
        #[cfg_attr(feature = "specta", specta(type = f64))]
        done: u64,
        #[cfg_attr(feature = "specta", specta(type = Option<f64>))]
        total: Option<u64>,
    },
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct LayerProgress {
    pub layer: String,
    pub status: String,
    #[cfg_attr(feature = "specta", specta(type = Option<f64>))]
    pub current: Option<u64>,
    #[cfg_attr(feature = "specta", specta(type = Option<f64>))]
    pub total: Option<u64>,
}

/// Bytes where the engine reports them; layer counts always (Podman sends no byte counts).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct Overall {
    #[cfg_attr(feature = "specta", specta(type = f64))]
    pub bytes_done: u64,
    #[cfg_attr(feature = "specta", specta(type = f64))]
    pub bytes_total: u64,
    pub layers_done: u32,
    pub layers_total: u32,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct BuildStep {
    pub step: u32,
    pub total_steps: u32,
    pub line: String,
}

/// A sink for progress updates.
pub type ProgressFn<'a> = &'a mut (dyn FnMut(Progress) + Send);

/// Does nothing with progress: for callers that only want the result.
pub fn ignore(_: Progress) {}

#[derive(Debug, Default, Clone)]
struct LayerState {
    current: u64,
    total: u64,
    done: bool,
}

/// Tracks pull/push layers from the engine's status lines.
#[derive(Debug, Default)]
pub struct LayerTracker {
    layers: BTreeMap<String, LayerState>,
}

/// Statuses after which a layer needs no more work.
fn is_done_status(status: &str) -> bool {
    let s = status.to_ascii_lowercase();
    s.starts_with("pull complete")
        || s.starts_with("already exists")
        || s.starts_with("pushed")
        || s.starts_with("layer already exists")
        || s.starts_with("mounted from")
}

/// Statuses whose byte counts are the transfer (not extraction, which re-counts the bytes).
fn is_transfer_status(status: &str) -> bool {
    let s = status.to_ascii_lowercase();
    s.starts_with("downloading") || s.starts_with("pushing")
}

impl LayerTracker {
    /// Record one status line; returns the layer update and the new totals to forward.
    /// Lines without a layer id (e.g. "Digest: …") return `None`.
    pub fn update(
        &mut self,
        layer: Option<&str>,
        status: &str,
        current: Option<i64>,
        total: Option<i64>,
    ) -> Option<(LayerProgress, Overall)> {
        let id = layer.filter(|l| looks_like_layer_id(l))?;
        let state = self.layers.entry(id.to_owned()).or_default();
        let (current, total) = (
            current.map(|c| c.max(0) as u64),
            total.map(|t| t.max(0) as u64),
        );
        if is_transfer_status(status) {
            if let Some(t) = total.filter(|t| *t > 0) {
                state.total = t;
            }
            if let Some(c) = current {
                state.current = c.min(state.total.max(c));
            }
        }
        // "Download complete": the bytes are here. It is Podman's last word for a layer (it
        // never says "Pull complete"), so it counts the layer as done too; Docker front ends
        // go by bytes, which extraction does not change.
        if is_done_status(status) || status.eq_ignore_ascii_case("download complete") {
            state.current = state.total;
            state.done = true;
        }
        // A layer never shows more than 100 %, whatever the engine counted.
        let current = current.map(|c| total.filter(|t| *t > 0).map_or(c, |t| c.min(t)));
        let update = LayerProgress {
            layer: id.to_owned(),
            status: status.to_owned(),
            current,
            total,
        };
        Some((update, self.overall()))
    }

    /// One JSON line of a pull or push stream (`{"id","status","progressDetail":{..}}`), as
    /// the transfer streams forward it.
    pub fn update_from_line(
        &mut self,
        line: &serde_json::Value,
    ) -> Option<(LayerProgress, Overall)> {
        let detail = &line["progressDetail"];
        self.update(
            line["id"].as_str(),
            line["status"].as_str().unwrap_or_default(),
            detail["current"].as_i64(),
            detail["total"].as_i64(),
        )
    }

    pub fn overall(&self) -> Overall {
        let mut o = Overall {
            layers_total: u32::try_from(self.layers.len()).unwrap_or(u32::MAX),
            ..Default::default()
        };
        // Saturating: an engine may send any i64 as a size, and several near i64::MAX
        // must not wrap (or panic) the total.
        for s in self.layers.values() {
            o.bytes_total = o.bytes_total.saturating_add(s.total);
            o.bytes_done = o.bytes_done.saturating_add(s.current.min(s.total));
            o.layers_done = o.layers_done.saturating_add(u32::from(s.done));
        }
        o
    }
}

/// Layer ids in progress streams are short hex digests (Docker) or longer ones (Podman).
/// Tags like "latest" also arrive in the id field and are not layers.
fn looks_like_layer_id(s: &str) -> bool {
    s.len() >= 12 && s.chars().all(|c| c.is_ascii_hexdigit())
}

/// Reads `Step 3/7 : RUN …` lines of the classic builder into step numbers.
#[derive(Debug, Default)]
pub struct BuildTracker {
    step: u32,
    total: u32,
}

impl BuildTracker {
    pub fn line(&mut self, line: &str) -> BuildStep {
        if let Some((step, total)) = parse_step(line) {
            self.step = step;
            self.total = total;
        }
        BuildStep {
            step: self.step,
            total_steps: self.total,
            line: line.to_owned(),
        }
    }
}

/// `Step 3/7 : RUN x` (Docker) or `STEP 3/7: RUN x` (Podman/buildah).
fn parse_step(line: &str) -> Option<(u32, u32)> {
    let rest = line
        .strip_prefix("Step ")
        .or_else(|| line.strip_prefix("STEP "))?;
    let (nums, _) = rest.split_once(':')?;
    let (a, b) = nums.trim().split_once('/')?;
    Some((a.trim().parse().ok()?, b.trim().parse().ok()?))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bytes_and_layers_add_up_across_a_docker_pull() {
        let mut t = LayerTracker::default();
        t.update(Some("aaaaaaaaaaaa"), "Pulling fs layer", None, None);
        t.update(Some("bbbbbbbbbbbb"), "Pulling fs layer", None, None);
        t.update(Some("aaaaaaaaaaaa"), "Downloading", Some(50), Some(100));
        let (_, o) = t
            .update(Some("bbbbbbbbbbbb"), "Downloading", Some(10), Some(300))
            .unwrap();
        assert_eq!((o.bytes_done, o.bytes_total), (60, 400));
        t.update(Some("aaaaaaaaaaaa"), "Extracting", Some(1), Some(100));
        let (_, o) = t
            .update(Some("aaaaaaaaaaaa"), "Pull complete", None, None)
            .unwrap();
        assert_eq!((o.bytes_done, o.layers_done, o.layers_total), (110, 1, 2));
    }

    #[test]
    fn extraction_does_not_count_bytes_twice() {
        let mut t = LayerTracker::default();
        t.update(Some("aaaaaaaaaaaa"), "Downloading", Some(100), Some(100));
        let (_, o) = t
            .update(Some("aaaaaaaaaaaa"), "Extracting", Some(40), Some(100))
            .unwrap();
        assert_eq!(o.bytes_done, 100);
    }

    #[test]
    fn podman_streams_without_bytes_still_count_layers() {
        let mut t = LayerTracker::default();
        t.update(Some("0123456789abcdef0123"), "Copying blob", None, None);
        let (_, o) = t
            .update(Some("fedcba9876543210fedc"), "Already exists", None, None)
            .unwrap();
        assert_eq!((o.layers_done, o.layers_total, o.bytes_total), (1, 2, 0));
    }

    #[test]
    fn sizes_near_the_i64_limit_saturate_instead_of_wrapping() {
        let mut t = LayerTracker::default();
        for id in ["aaaaaaaaaaaa", "bbbbbbbbbbbb", "cccccccccccc"] {
            t.update(Some(id), "Downloading", Some(i64::MAX), Some(i64::MAX));
        }
        let o = t.overall();
        assert_eq!(o.bytes_total, u64::MAX);
        assert!(o.bytes_done <= o.bytes_total);
    }

    #[test]
    fn a_layer_that_overshoots_its_total_shows_100_percent() {
        let mut t = LayerTracker::default();
        let line = serde_json::json!({"id":"aaaaaaaaaaaa","status":"Pushing",
            "progressDetail":{"current":3_001_856,"total":3_000_000}});
        let (layer, o) = t.update_from_line(&line).unwrap();
        assert_eq!(layer.current, Some(3_000_000));
        assert_eq!((o.bytes_done, o.bytes_total), (3_000_000, 3_000_000));
    }

    #[test]
    fn tag_ids_and_plain_messages_are_not_layers() {
        let mut t = LayerTracker::default();
        assert!(
            t.update(Some("latest"), "Pulling from x", None, None)
                .is_none()
        );
        assert!(t.update(None, "Digest: sha256:00", None, None).is_none());
    }

    #[test]
    fn build_steps_are_read_from_docker_and_podman_lines() {
        let mut b = BuildTracker::default();
        assert_eq!(b.line("Step 2/5 : RUN true").step, 2);
        let s = b.line(" ---> Running in 123");
        assert_eq!((s.step, s.total_steps), (2, 5));
        assert_eq!(b.line("STEP 3/4: COPY a b").total_steps, 4);
    }
}
