//! Filters and `until`. Input: one `key=value` or `until` text. What is accepted is what the
//! engine can hold: a duration fits Go's (≤ MAX_DURATION_SECS) and prints back to itself;
//! a cutoff from a duration lies that far before now (a bare `0` is a unix time, as
//! the engine reads it); a refusal is a 400 naming the value.
#![no_main]
use libfuzzer_sys::fuzz_target;
use slipway_core::images::{
    MAX_DURATION_SECS, build_cache_until, check_filter, parse_duration, parse_filter, until_cutoff,
};

fn now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs() as i64
}

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    match parse_filter(text) {
        Ok((k, v)) => {
            assert_eq!(format!("{k}={v}"), text);
            assert!(check_filter(&k, &v).is_ok());
        }
        Err(e) => assert_eq!(e.code, 400, "{text:?}: {e:?}"),
    }
    let before = now();
    match parse_duration(text) {
        Ok(secs) => {
            assert!(secs <= MAX_DURATION_SECS, "{text:?} → {secs}");
            assert_eq!(
                parse_duration(&format!("{secs}s")).ok(),
                Some(secs),
                "{text:?}"
            );
            if text == "0" {
                return; // The engine reads a bare "0" as the unix time 0, and so does until.
            }
            let cutoff = until_cutoff(text).expect("a duration is an until");
            let after = now();
            assert!(
                cutoff <= after - secs as i64 && cutoff >= before - secs as i64,
                "{text:?}"
            );
        }
        Err(e) => {
            assert_eq!(e.code, 400);
            assert!(e.message.contains(text), "{text:?}: {}", e.message);
        }
    }
    match until_cutoff(text) {
        Ok(cutoff) => {
            if let Ok(d) = build_cache_until(text) {
                let secs = parse_duration(&d).expect("the build cache gets a Go duration");
                let back = (now() - cutoff - 1).min(MAX_DURATION_SECS as i64);
                assert!(secs <= MAX_DURATION_SECS, "{text:?} → {d}");
                assert!(secs as i64 >= back, "{text:?} → {d}");
            }
        }
        Err(e) => {
            assert_eq!(e.code, 400);
            assert!(e.message.contains(text), "{text:?}: {}", e.message);
        }
    }
});
