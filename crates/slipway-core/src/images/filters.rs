//! Image filters (`images ls --filter`, prune's `until` and labels) checked before any engine
//! call: a pattern the engine would refuse, or read differently than it looks, gets a sentence
//! naming it instead of an engine error or a silently wrong match.

use crate::error::{Error, ErrorKind, PatternProblem, Result};
use crate::reference::validate_image_ref;

/// Filter keys `images ls` takes.
pub const LIST_FILTERS: [&str; 6] = ["dangling", "label", "before", "since", "reference", "until"];

/// The longest duration the engine can hold: Go keeps durations as i64 nanoseconds
/// (about 292 years). Longer ones are refused, not wrapped.
pub const MAX_DURATION_SECS: u64 = i64::MAX as u64 / 1_000_000_000;

/// Parse `key=value` into a filter pair, checking the value the way the engine will read it.
pub fn parse_filter(s: &str) -> Result<(String, String)> {
    let (k, v) = s
        .split_once('=')
        .ok_or_else(|| Error::of(ErrorKind::BadFilter { filter: s.into() }))?;
    check_filter(k, v)?;
    Ok((k.to_owned(), v.to_owned()))
}

/// One `key=value` list filter, as a front end may send it without [`parse_filter`].
pub fn check_filter(key: &str, value: &str) -> Result<()> {
    match key {
        "dangling" if value == "true" || value == "false" => Ok(()),
        "dangling" => Err(Error::of(ErrorKind::FilterTakesBool {
            filter: format!("dangling={value}"),
        })),
        "label" => check_label(value),
        "before" | "since" => validate_image_ref(value).map_err(|_| {
            Error::of(ErrorKind::FilterNeedsImage {
                filter: format!("{key}={value}"),
            })
        }),
        "reference" => check_reference_pattern(value),
        "until" => until_cutoff(value).map(|_| ()),
        _ => Err(Error::of(ErrorKind::UnknownFilter {
            key: key.into(),
            known: LIST_FILTERS.map(String::from).to_vec(),
        })),
    }
}

/// `key` or `key=value` (a prune's `!key=value` is checked without its `!`).
pub fn check_label(label: &str) -> Result<()> {
    let key = label.split_once('=').map_or(label, |(k, _)| k);
    if key.trim().is_empty() {
        return Err(Error::of(ErrorKind::LabelWithoutKey {
            label: label.into(),
        }));
    }
    Ok(())
}

/// `reference=` takes a glob in Go's `path.Match` syntax; a malformed one makes the engine
/// fail with "syntax error in pattern" (HTTP 500) and names nothing.
pub fn check_reference_pattern(pattern: &str) -> Result<()> {
    if pattern.is_empty() {
        return Err(Error::of(ErrorKind::ReferenceFilterEmpty));
    }
    go_match_syntax(pattern).map_err(|why| {
        Error::of(ErrorKind::BadPattern {
            pattern: pattern.into(),
            why,
        })
    })
}

/// Go's `path.Match` grammar: `*`, `?`, `[class]` (with `^`, ranges, `\` escapes), `\x`.
/// Not `.dockerignore`'s (`build/glob.rs`): moby turns those into regexps, which also refuse
/// a reversed range; `path.Match` reads one as matching nothing.
fn go_match_syntax(pattern: &str) -> std::result::Result<(), PatternProblem> {
    let mut chars = pattern.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\\' => {
                chars.next().ok_or(PatternProblem::LoneBackslash)?;
            }
            '[' => {
                if chars.peek() == Some(&'^') {
                    chars.next();
                }
                let mut ranges = 0;
                loop {
                    if chars.peek() == Some(&']') && ranges > 0 {
                        chars.next();
                        break;
                    }
                    class_char(&mut chars)?;
                    if chars.peek() == Some(&'-') {
                        chars.next();
                        class_char(&mut chars)?;
                    }
                    ranges += 1;
                }
            }
            _ => {}
        }
    }
    Ok(())
}

/// One (maybe escaped) character of a `[class]`; Go refuses `-` and `]` unescaped here,
/// and a class that never closes.
fn class_char(
    chars: &mut std::iter::Peekable<std::str::Chars<'_>>,
) -> std::result::Result<(), PatternProblem> {
    match chars.next() {
        None => Err(PatternProblem::UnclosedClass),
        Some('-') | Some(']') => Err(PatternProblem::BadClass),
        Some('\\') => chars
            .next()
            .map(|_| ())
            .ok_or(PatternProblem::UnclosedClass),
        Some(_) if chars.peek().is_none() => Err(PatternProblem::UnclosedClass),
        Some(_) => Ok(()),
    }
}

/// A registry search's `limit`: the engine takes 1 to 100; outside that it answers other than
/// asked (0 gives 25 results) or fails without naming the value.
pub fn check_search_limit(limit: Option<i32>) -> Result<()> {
    match limit {
        Some(l) if !(1..=100).contains(&l) => Err(Error::of(ErrorKind::SearchLimit { limit: l })),
        _ => Ok(()),
    }
}

fn now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or_default()
}

/// A Go duration (`24h`, `90m`, `1h30m`, `1.5h`, `500ms`) plus `d` for days, in whole
/// seconds. Refused when it is not one, or too long for the engine ([`MAX_DURATION_SECS`]).
pub fn parse_duration(text: &str) -> Result<u64> {
    let bad = || Error::of(ErrorKind::BadDuration { value: text.into() });
    let too_long = || {
        Error::of(ErrorKind::DurationTooLong {
            value: text.into(),
            hours: (MAX_DURATION_SECS / 3600) as u32,
        })
    };
    if text == "0" {
        return Ok(0);
    }
    if text.is_empty() {
        return Err(bad());
    }
    let max_nanos = u128::from(MAX_DURATION_SECS) * 1_000_000_000 + 999_999_999;
    let mut nanos: u128 = 0;
    let mut rest = text;
    while !rest.is_empty() {
        let digits = rest
            .find(|c: char| !c.is_ascii_digit() && c != '.')
            .ok_or_else(bad)?;
        let (number, after) = rest.split_at(digits);
        let unit_len = after
            .find(|c: char| c.is_ascii_digit() || c == '.')
            .unwrap_or(after.len());
        let (unit, next) = after.split_at(unit_len);
        let per_unit: u128 = match unit {
            "ns" => 1,
            "us" | "µs" | "μs" => 1_000,
            "ms" => 1_000_000,
            "s" => 1_000_000_000,
            "m" => 60_000_000_000,
            "h" => 3_600_000_000_000,
            "d" => 86_400_000_000_000,
            _ => return Err(bad()),
        };
        let (whole, fraction) = number.split_once('.').unwrap_or((number, ""));
        if (whole.is_empty() && fraction.is_empty()) || fraction.contains('.') {
            return Err(bad());
        }
        // Digits past these can only overflow: the checked sums below say so.
        let whole: u128 = if whole.is_empty() {
            0
        } else {
            whole.parse().map_err(|_| too_long())?
        };
        let mut part = whole.checked_mul(per_unit).ok_or_else(too_long)?;
        let mut scale = per_unit;
        for d in fraction.chars().take(30) {
            scale /= 10;
            part += u128::from(d.to_digit(10).ok_or_else(bad)?) * scale;
        }
        nanos = nanos.checked_add(part).ok_or_else(too_long)?;
        if nanos > max_nanos {
            return Err(too_long());
        }
        rest = next;
    }
    Ok((nanos / 1_000_000_000) as u64)
}

/// `until` as the engine takes it: a duration before now ([`parse_duration`]), unix seconds
/// (`1700000000`, `1700000000.5`) or an RFC 3339 time. Returns the unix time before which
/// images count.
pub fn until_cutoff(until: &str) -> Result<i64> {
    let bad = || {
        Error::of(ErrorKind::BadUntil {
            value: until.into(),
        })
    };
    if until.is_empty() {
        return Err(bad());
    }
    let (whole, fraction) = until.split_once('.').unwrap_or((until, ""));
    let digits = |s: &str| s.chars().all(|c| c.is_ascii_digit());
    if !whole.is_empty() && digits(whole) && digits(fraction) {
        return whole.parse::<i64>().map_err(|_| {
            Error::of(ErrorKind::UntilTooFar {
                value: until.into(),
            })
        });
    }
    if let Ok(t) = chrono::DateTime::parse_from_rfc3339(until) {
        return Ok(t.timestamp());
    }
    let seconds = match parse_duration(until) {
        Ok(s) => s,
        Err(e) if matches!(e.kind(), Some(ErrorKind::DurationTooLong { .. })) => return Err(e),
        Err(_) => return Err(bad()),
    };
    // At most ~292 years back from now: fits, and the checked form keeps it so.
    now().checked_sub(seconds as i64).ok_or_else(bad)
}

/// The build cache's `until` is a Go duration only (BuildKit refuses timestamps): whatever
/// [`until_cutoff`] accepts, as the duration back to it (`<seconds>s`).
pub fn build_cache_until(until: &str) -> Result<String> {
    let cutoff = until_cutoff(until)?;
    let back = now().saturating_sub(cutoff);
    if back < 0 {
        return Err(Error::of(ErrorKind::UntilInFuture {
            value: until.into(),
        }));
    }
    // Older than the longest duration the engine holds is older than any record: the same.
    Ok(format!("{}s", back.min(MAX_DURATION_SECS as i64)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unknown_filters_are_refused_before_the_engine_sees_them() {
        assert_eq!(parse_filter("colour=red").unwrap_err().code, 400);
        assert_eq!(parse_filter("dangling=maybe").unwrap_err().code, 400);
        assert_eq!(
            parse_filter("label=a=b").unwrap(),
            ("label".into(), "a=b".into())
        );
    }

    #[test]
    fn until_understands_go_durations_like_the_engine() {
        let now = until_cutoff("0s").unwrap();
        assert_eq!(now - until_cutoff("1h30m").unwrap(), 5400);
        assert_eq!(now - until_cutoff("1.5h").unwrap(), 5400);
        assert_eq!(now - until_cutoff("2d").unwrap(), 2 * 86400);
        assert_eq!(until_cutoff("1700000000").unwrap(), 1_700_000_000);
        assert_eq!(until_cutoff("1700000000.25").unwrap(), 1_700_000_000);
        assert_eq!(until_cutoff("2023-11-14T22:13:20Z").unwrap(), 1_700_000_000);
        assert_eq!(until_cutoff("soon").unwrap_err().code, 400);
        assert_eq!(until_cutoff("5").unwrap(), 5);
    }

    #[test]
    fn a_duration_too_long_for_the_engine_is_a_400_naming_it_not_an_overflow() {
        for huge in [
            "99999999999999999h",
            "9999999999999999999999999999999999999999s",
            "2562048h",
            "106752d",
            "2562047h60m",
        ] {
            let e = until_cutoff(huge).unwrap_err();
            assert_eq!(e.code, 400, "{huge}");
            assert!(e.message.contains(huge), "{}", e.message);
            assert!(e.message.contains("too long"), "{}", e.message);
        }
        // The longest Go duration itself is fine: nothing is that old.
        assert!(until_cutoff("2562047h").unwrap() < 0);
        assert_eq!(
            until_cutoff("99999999999999999999").unwrap_err().code,
            400,
            "a timestamp past i64 is refused too"
        );
    }

    #[test]
    fn durations_the_engine_would_misread_are_refused_with_the_value() {
        for bad in [
            "", "h", "1", "1x", "-1h", "1h-", ".h", "1..5h", "1.5.h", "h1", "1 h",
        ] {
            let e = parse_duration(bad).unwrap_err();
            assert_eq!(e.code, 400, "{bad:?}");
            assert!(e.message.contains(&format!("\"{bad}\"")), "{}", e.message);
        }
        assert_eq!(parse_duration("0").unwrap(), 0);
        assert_eq!(parse_duration("1500ms").unwrap(), 1);
        assert_eq!(parse_duration(".5m").unwrap(), 30);
    }

    #[test]
    fn malformed_reference_patterns_are_a_sentence_naming_them() {
        for bad in [
            "[",
            "a[",
            "a\\",
            "[]",
            "[a-]",
            "[-a]",
            "x[^]",
            "[a",
            "reference",
        ] {
            let r = check_reference_pattern(bad);
            if bad == "reference" {
                assert!(r.is_ok());
                continue;
            }
            let e = r.unwrap_err();
            assert_eq!(e.code, 400, "{bad}");
            assert!(e.message.contains(bad), "{}", e.message);
        }
        for good in [
            "busybox", "team/*", "app:1.?", "[ab]pp", "[^a]pp", "[a-c]*", "\\*",
        ] {
            assert!(check_reference_pattern(good).is_ok(), "{good}");
        }
        assert_eq!(parse_filter("reference=").unwrap_err().code, 400);
    }

    #[test]
    fn label_and_image_filters_need_something_to_match() {
        assert_eq!(parse_filter("label=").unwrap_err().code, 400);
        assert_eq!(parse_filter("label==x").unwrap_err().code, 400);
        assert!(parse_filter("label=team").is_ok());
        let e = parse_filter("since=").unwrap_err();
        assert!(e.message.contains("since="), "{}", e.message);
        assert_eq!(parse_filter("before=Not Valid").unwrap_err().code, 400);
        assert!(parse_filter("before=busybox:1").is_ok());
    }

    #[test]
    fn a_search_limit_outside_what_the_engine_takes_is_refused_naming_it() {
        for bad in [0, -5, 101] {
            let e = check_search_limit(Some(bad)).unwrap_err();
            assert!(e.message.contains(&bad.to_string()), "{}", e.message);
        }
        assert!(check_search_limit(Some(25)).is_ok() && check_search_limit(None).is_ok());
    }

    #[test]
    fn the_build_cache_gets_a_plain_duration_whatever_was_written() {
        assert_eq!(build_cache_until("1d").unwrap(), "86400s");
        assert_eq!(build_cache_until("90m").unwrap(), "5400s");
        let ts = (now() - 60).to_string();
        let d = build_cache_until(&ts).unwrap();
        assert!(d == "60s" || d == "61s", "{d}");
        assert_eq!(build_cache_until("99999999999").unwrap_err().code, 400);
        assert_eq!(
            build_cache_until("1011-11-14T22:13:20Z").unwrap(),
            format!("{MAX_DURATION_SECS}s"),
            "a date before the engine's longest duration is capped, not sent as one it refuses"
        );
    }
}
