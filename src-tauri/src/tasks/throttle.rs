//! Byte counters arrive per chunk (thousands per second); the UI needs a few per second.

use slipway_core::progress::Progress;
use std::time::{Duration, Instant};

/// How often byte counters reach the UI.
pub const EVERY: Duration = Duration::from_millis(100);

/// Everything but byte counts passes through, and the last byte count is never dropped.
pub struct Throttle {
    every: Duration,
    last: Option<Instant>,
}

impl Throttle {
    pub fn new(every: Duration) -> Self {
        Self { every, last: None }
    }

    pub fn admit(&mut self, p: &Progress) -> bool {
        let Progress::Bytes { done, total } = p else {
            return true;
        };
        let finished = total.is_some_and(|t| *done >= t);
        let now = Instant::now();
        if finished
            || self
                .last
                .is_none_or(|l| now.duration_since(l) >= self.every)
        {
            self.last = Some(now);
            return true;
        }
        false
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn byte_updates_are_thinned_but_the_last_one_gets_through() {
        let mut t = Throttle::new(Duration::from_secs(60));
        let bytes = |done| Progress::Bytes {
            done,
            total: Some(100),
        };
        assert!(t.admit(&bytes(1)));
        assert!(!t.admit(&bytes(2)));
        assert!(t.admit(&Progress::Message { line: "x".into() }));
        assert!(t.admit(&bytes(100)));
    }
}
