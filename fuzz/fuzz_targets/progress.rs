//! The pull/push progress decoder. Input: any bytes, cut into lines; each line that is JSON
//! is fed to a LayerTracker as the transfer streams feed it. After every line: no layer
//! shows more than 100 %, bytes done ≤ bytes total, layers done ≤ layers total, and a layer
//! once done stays done.
#![no_main]
use libfuzzer_sys::fuzz_target;
use slipway_core::progress::LayerTracker;

fuzz_target!(|data: &[u8]| {
    let mut tracker = LayerTracker::default();
    let mut layers_done = 0;
    for line in data.split(|b| *b == b'\n') {
        let Ok(value) = serde_json::from_slice::<serde_json::Value>(line) else {
            continue;
        };
        let Some((layer, overall)) = tracker.update_from_line(&value) else {
            continue;
        };
        if let (Some(c), Some(t)) = (layer.current, layer.total)
            && t > 0
        {
            assert!(c <= t, "layer {} at {c} of {t}", layer.layer);
        }
        assert!(overall.bytes_done <= overall.bytes_total, "{overall:?}");
        assert!(overall.layers_done <= overall.layers_total, "{overall:?}");
        assert!(
            overall.layers_done >= layers_done,
            "a done layer came undone: {overall:?}"
        );
        layers_done = overall.layers_done;
        assert_eq!(tracker.overall(), overall);
    }
});
