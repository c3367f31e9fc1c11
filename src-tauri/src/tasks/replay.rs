//! What a running task's progress has added up to so far, for a web view that (re)attaches.
//!
//! Why a replay and not aggregated state: what progress *means* (layer rows, overall bytes,
//! build steps and their times, the ETA) is worked out in one place, the UI's
//! `ui/src/lib/tasks/progress.ts`. The backend keeps only the updates that still matter —
//! the latest per layer, each build step's first line, the latest overall and byte counts —
//! with the time each came, and a reloaded page replays them through the same
//! `applyProgress` the live stream goes through, so it rebuilds the same state.
//!
//! The log is the exception: it is what the history file keeps, and the backend writes that
//! file, so the backend decides what a log line is ([`Replay::apply`]) and sends each line
//! beside its update.

use crate::history::LOG_LINES;
use serde::Serialize;
use slipway_core::progress::Progress;
use std::collections::{HashMap, VecDeque};

/// One update and when it came (milliseconds since the epoch).
#[derive(Debug, Clone, PartialEq, Serialize, specta::Type)]
pub struct TimedProgress {
    pub at: f64,
    pub progress: Progress,
}

#[derive(Debug, Default)]
pub struct Replay {
    /// Layers (latest update each, in first-seen order) and build step starts, in order.
    items: Vec<TimedProgress>,
    layers: HashMap<String, usize>,
    /// Steps that have their first line kept (BuildKit's interleave: `#4 DONE` after `#5`).
    steps: std::collections::HashSet<u32>,
    overall: Option<TimedProgress>,
    bytes: Option<TimedProgress>,
    log: VecDeque<String>,
}

impl Replay {
    /// Fold in one update; returns the log line it makes, if any.
    pub fn apply(&mut self, progress: &Progress, at: f64) -> Option<String> {
        let timed = || TimedProgress {
            at,
            progress: progress.clone(),
        };
        let line = match progress {
            Progress::Layer(l) => {
                let changed = match self.layers.get(&l.layer) {
                    Some(&i) => {
                        let Progress::Layer(old) = &self.items[i].progress else {
                            unreachable!("layer index points at a layer")
                        };
                        let changed = old.status != l.status;
                        self.items[i] = timed();
                        changed
                    }
                    None => {
                        self.layers.insert(l.layer.clone(), self.items.len());
                        self.items.push(timed());
                        true
                    }
                };
                // Status changes are worth a log line; byte ticks are not.
                changed.then(|| format!("{}: {}", l.layer, l.status))
            }
            Progress::Build(b) => {
                if b.step > 0 && self.steps.insert(b.step) {
                    self.items.push(timed());
                }
                Some(b.line.clone())
            }
            Progress::Message { line } => Some(line.clone()),
            Progress::Overall(_) => {
                self.overall = Some(timed());
                None
            }
            Progress::Bytes { .. } => {
                self.bytes = Some(timed());
                None
            }
        };
        if let Some(line) = &line {
            self.log.push_back(line.clone());
            if self.log.len() > LOG_LINES {
                self.log.pop_front();
            }
        }
        line
    }

    /// The updates to replay, in an order that rebuilds the same state.
    pub fn updates(&self) -> Vec<TimedProgress> {
        let mut out = self.items.clone();
        out.extend(self.overall.iter().cloned());
        out.extend(self.bytes.iter().cloned());
        out
    }

    /// The last [`LOG_LINES`] lines.
    pub fn log(&self) -> Vec<String> {
        self.log.iter().cloned().collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use slipway_core::progress::{BuildStep, LayerProgress, Overall};

    fn layer(id: &str, status: &str, current: u64) -> Progress {
        Progress::Layer(LayerProgress {
            layer: id.into(),
            status: status.into(),
            current: Some(current),
            total: Some(100),
        })
    }

    fn step(step: u32, line: &str) -> Progress {
        Progress::Build(BuildStep {
            step,
            total_steps: 3,
            line: line.into(),
        })
    }

    #[test]
    fn a_pull_compacts_to_the_latest_state_of_each_layer_and_the_last_totals() {
        let mut r = Replay::default();
        let overall = |done| {
            Progress::Overall(Overall {
                bytes_done: done,
                bytes_total: 200,
                layers_done: 0,
                layers_total: 2,
            })
        };
        for i in 0..50 {
            r.apply(&layer("a", "Downloading", i), i as f64);
            r.apply(&overall(i), i as f64);
        }
        r.apply(&layer("b", "Waiting", 0), 60.0);
        r.apply(&layer("a", "Download complete", 100), 61.0);
        let updates = r.updates();
        assert_eq!(
            updates,
            vec![
                TimedProgress {
                    at: 61.0,
                    progress: layer("a", "Download complete", 100)
                },
                TimedProgress {
                    at: 60.0,
                    progress: layer("b", "Waiting", 0)
                },
                TimedProgress {
                    at: 49.0,
                    progress: overall(49)
                },
            ]
        );
        // One line per status change, not per byte tick.
        assert_eq!(
            r.log(),
            ["a: Downloading", "b: Waiting", "a: Download complete"]
        );
    }

    #[test]
    fn a_build_keeps_each_steps_start_with_its_time_and_every_line_in_the_log() {
        let mut r = Replay::default();
        r.apply(&step(1, "Step 1/3 : FROM scratch"), 1.0);
        r.apply(&step(1, " ---> abc"), 2.0);
        r.apply(&step(2, "Step 2/3 : COPY . /"), 5.0);
        r.apply(&step(0, "Successfully built abc"), 9.0);
        let at: Vec<f64> = r.updates().iter().map(|u| u.at).collect();
        assert_eq!(at, [1.0, 5.0]);
        assert_eq!(r.log().len(), 4);
        // BuildKit's steps interleave: a later line of step 1 is not a new step.
        r.apply(&step(1, "#1 DONE 0.1s"), 10.0);
        assert_eq!(r.updates().len(), 2);
        assert_eq!(r.log().len(), 5);
    }

    #[test]
    fn the_log_keeps_its_last_lines() {
        let mut r = Replay::default();
        for i in 0..LOG_LINES + 7 {
            r.apply(
                &Progress::Message {
                    line: format!("line {i}"),
                },
                0.0,
            );
        }
        let log = r.log();
        assert_eq!(log.len(), LOG_LINES);
        assert_eq!(log[0], "line 7");
        assert_eq!(log.last().unwrap(), &format!("line {}", LOG_LINES + 6));
    }
}
