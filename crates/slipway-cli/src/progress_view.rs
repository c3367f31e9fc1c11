//! Progress on a terminal: one bar per layer (updated in place) or a build log.
//! Silent with `--json` and when stderr is not a terminal, so scripts get clean output.

use indicatif::{MultiProgress, ProgressBar, ProgressDrawTarget, ProgressStyle};
use slipway_core::progress::Progress;
use std::collections::HashMap;
use std::io::IsTerminal;

pub struct ProgressView {
    enabled: bool,
    bars: MultiProgress,
    layers: HashMap<String, ProgressBar>,
    bytes: Option<ProgressBar>,
}

impl ProgressView {
    pub fn new(json: bool) -> Self {
        let enabled = !json && std::io::stderr().is_terminal();
        let target = if enabled {
            ProgressDrawTarget::stderr()
        } else {
            ProgressDrawTarget::hidden()
        };
        Self {
            enabled,
            bars: MultiProgress::with_draw_target(target),
            layers: HashMap::new(),
            bytes: None,
        }
    }

    pub fn update(&mut self, p: Progress) {
        match p {
            // Build logs are useful in CI logs too, so they go to stderr unless --json.
            Progress::Build(step) if !self.enabled => eprintln!("{}", step.line),
            _ if !self.enabled => {}
            Progress::Build(step) => {
                let _ = self.bars.println(&step.line);
            }
            Progress::Layer(l) => {
                let bar = self.layers.entry(l.layer.clone()).or_insert_with(|| {
                    let b = self.bars.add(ProgressBar::new(0));
                    b.set_style(
                        ProgressStyle::with_template(
                            "{prefix:.bold} {msg:<20} [{bar:30}] {bytes}/{total_bytes}",
                        )
                        .unwrap_or_else(|_| ProgressStyle::default_bar())
                        .progress_chars("=> "),
                    );
                    b.set_prefix(l.layer.chars().take(12).collect::<String>());
                    b
                });
                if let Some(t) = l.total {
                    bar.set_length(t);
                }
                if let Some(c) = l.current {
                    bar.set_position(c);
                }
                bar.set_message(l.status);
            }
            Progress::Bytes { done, total } => {
                let bar = self
                    .bytes
                    .get_or_insert_with(|| self.bars.add(ProgressBar::new(0)));
                if let Some(t) = total {
                    bar.set_length(t);
                }
                bar.set_position(done);
            }
            Progress::Message { line } => {
                let _ = self.bars.println(line);
            }
            Progress::Overall(_) => {}
        }
    }

    pub fn finish(&mut self) {
        for b in self.layers.values() {
            b.finish();
        }
        if let Some(b) = &self.bytes {
            b.finish_and_clear();
        }
    }
}
