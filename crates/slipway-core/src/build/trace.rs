//! BuildKit's solve status (`aux` of a `version=2` build) as build progress lines, in the
//! shape of `docker build --progress=plain`: `#3 [2/3] RUN make`, `#3 CACHED`, log lines
//! `#3 …`, `#3 DONE 0.4s`, `#3 ERROR: …`. The engine repeats a vertex in each update that
//! changes it: each line is emitted once.

use crate::progress::BuildStep;
use bollard::moby::buildkit::v1::StatusResponse;
// bollard re-exports the moby protos but not their google ones.
use bollard_buildkit_proto::google::protobuf::Timestamp;
use std::collections::{HashMap, HashSet};

#[derive(Default)]
pub(super) struct Trace {
    /// Vertex digest → its number (order of first appearance, from 1).
    numbers: HashMap<String, u32>,
    names: HashMap<String, String>,
    finished: HashSet<String>,
    /// The vertex that reported an error: the step a failed build names.
    failed: Option<String>,
}

fn seconds(t: &Timestamp) -> f64 {
    t.seconds as f64 + f64::from(t.nanos) / 1e9
}

impl Trace {
    pub fn update(&mut self, status: &StatusResponse) -> Vec<BuildStep> {
        let mut lines = Vec::new();
        for v in &status.vertexes {
            let next = self.numbers.len() as u32 + 1;
            let n = *self.numbers.entry(v.digest.clone()).or_insert(next);
            if !self.names.contains_key(&v.digest) {
                self.names.insert(v.digest.clone(), v.name.clone());
                lines.push((n, format!("#{n} {}", v.name)));
            }
            if self.finished.contains(&v.digest) {
                continue;
            }
            if v.cached {
                self.finished.insert(v.digest.clone());
                lines.push((n, format!("#{n} CACHED")));
            } else if !v.error.is_empty() {
                self.finished.insert(v.digest.clone());
                self.failed = Some(v.name.clone());
                lines.push((n, format!("#{n} ERROR: {}", v.error)));
            } else if let Some(done) = &v.completed {
                self.finished.insert(v.digest.clone());
                let took = v.started.as_ref().map(|s| seconds(done) - seconds(s));
                lines.push((n, format!("#{n} DONE {:.1}s", took.unwrap_or(0.0).max(0.0))));
            }
        }
        for log in &status.logs {
            let Some(&n) = self.numbers.get(&log.vertex) else {
                continue;
            };
            for line in String::from_utf8_lossy(&log.msg).lines() {
                if !line.trim().is_empty() {
                    lines.push((n, format!("#{n} {line}")));
                }
            }
        }
        let total = self.numbers.len() as u32;
        lines
            .into_iter()
            .map(|(step, line)| BuildStep {
                step,
                total_steps: total,
                line,
            })
            .collect()
    }

    /// The name of the step that failed (`[2/3] RUN make`), when one did.
    pub fn failed_step(&self) -> Option<&str> {
        self.failed.as_deref()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use bollard::moby::buildkit::v1::{Vertex, VertexLog};

    fn at(seconds: i64, nanos: i32) -> Option<Timestamp> {
        Some(Timestamp { seconds, nanos })
    }

    fn vertex(digest: &str, name: &str) -> Vertex {
        Vertex {
            digest: digest.into(),
            name: name.into(),
            ..Default::default()
        }
    }

    fn lines(steps: Vec<BuildStep>) -> Vec<String> {
        steps.into_iter().map(|s| s.line).collect()
    }

    #[test]
    fn each_step_is_named_once_then_finishes_once_with_its_duration() {
        let mut t = Trace::default();
        let run = vertex("sha256:b", "[2/2] RUN make");
        let first = t.update(&StatusResponse {
            vertexes: vec![vertex("sha256:a", "[1/2] FROM base"), run.clone()],
            ..Default::default()
        });
        assert_eq!(lines(first), ["#1 [1/2] FROM base", "#2 [2/2] RUN make"]);
        let started = Vertex {
            started: at(10, 0),
            ..run.clone()
        };
        let logs = t.update(&StatusResponse {
            vertexes: vec![started.clone()],
            logs: vec![VertexLog {
                vertex: "sha256:b".into(),
                msg: b"compiling\n\nlinked\n".to_vec(),
                ..Default::default()
            }],
            ..Default::default()
        });
        let steps: Vec<_> = logs.iter().map(|s| (s.step, s.total_steps)).collect();
        assert_eq!(steps, [(2, 2), (2, 2)]);
        assert_eq!(lines(logs), ["#2 compiling", "#2 linked"]);
        let done = Vertex {
            completed: at(11, 500_000_000),
            ..started
        };
        assert_eq!(
            lines(t.update(&StatusResponse {
                vertexes: vec![done.clone()],
                ..Default::default()
            })),
            ["#2 DONE 1.5s"]
        );
        // Repeated in a later update: nothing new to say.
        assert!(
            t.update(&StatusResponse {
                vertexes: vec![done],
                ..Default::default()
            })
            .is_empty()
        );
        assert_eq!(t.failed_step(), None);
    }

    #[test]
    fn cached_and_failed_steps_say_so_and_the_failed_one_is_named() {
        let mut t = Trace::default();
        let out = t.update(&StatusResponse {
            vertexes: vec![
                Vertex {
                    cached: true,
                    ..vertex("sha256:a", "[1/2] RUN --mount=type=cache,target=/c true")
                },
                Vertex {
                    error:
                        "process \"/bin/sh -c false\" did not complete successfully: exit code: 1"
                            .into(),
                    ..vertex("sha256:b", "[2/2] RUN false")
                },
            ],
            ..Default::default()
        });
        assert_eq!(
            lines(out),
            [
                "#1 [1/2] RUN --mount=type=cache,target=/c true",
                "#1 CACHED",
                "#2 [2/2] RUN false",
                "#2 ERROR: process \"/bin/sh -c false\" did not complete successfully: exit code: 1"
            ]
        );
        assert_eq!(t.failed_step(), Some("[2/2] RUN false"));
    }
}
