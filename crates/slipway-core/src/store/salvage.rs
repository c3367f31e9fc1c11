//! What is still whole in a damaged JSON file: the complete elements of its array, up to the
//! first one that is cut off or garbled. A truncated file keeps everything before the cut.

use serde::de::IgnoredAny;
use serde_json::Value;

/// The complete elements of the array at the top of `bytes` (`key: None`), or of the array
/// under the top-level object key `key`, in order.
pub fn array_elements(bytes: &[u8], key: Option<&str>) -> Vec<Value> {
    let mut c = Cursor { bytes, at: 0 };
    let mut out = Vec::new();
    match key {
        None => c.array(&mut out),
        Some(key) => c.keyed_array(key, &mut out),
    }
    out
}

/// The complete strings of the array under `key` (pins: `{"pins":["a","b",…`).
pub fn strings_under(bytes: &[u8], key: &str) -> Vec<String> {
    array_elements(bytes, Some(key))
        .into_iter()
        .filter_map(|v| match v {
            Value::String(s) => Some(s),
            _ => None,
        })
        .collect()
}

struct Cursor<'a> {
    bytes: &'a [u8],
    at: usize,
}

impl Cursor<'_> {
    fn skip_ws(&mut self) {
        while self.bytes.get(self.at).is_some_and(u8::is_ascii_whitespace) {
            self.at += 1;
        }
    }

    /// Skip whitespace and take `b` if it comes next.
    fn eat(&mut self, b: u8) -> bool {
        self.skip_ws();
        if self.bytes.get(self.at) == Some(&b) {
            self.at += 1;
            true
        } else {
            false
        }
    }

    fn at_end(&mut self) -> bool {
        self.skip_ws();
        self.at >= self.bytes.len()
    }

    /// One whole JSON value starting here.
    fn value<T: serde::de::DeserializeOwned>(&mut self) -> Option<T> {
        self.skip_ws();
        let mut stream =
            serde_json::Deserializer::from_slice(&self.bytes[self.at..]).into_iter::<T>();
        let v = stream.next()?.ok()?;
        self.at += stream.byte_offset();
        Some(v)
    }

    fn array(&mut self, out: &mut Vec<Value>) {
        if !self.eat(b'[') || self.eat(b']') {
            return;
        }
        loop {
            let Some(v) = self.value::<Value>() else {
                return;
            };
            if self.eat(b',') {
                out.push(v);
            } else if self.eat(b']') {
                out.push(v);
                return;
            } else {
                // Cut right after this element: a string or an object ends with its own
                // delimiter, so it is whole; a number may have lost digits.
                if self.at_end() && matches!(v, Value::String(_) | Value::Object(_)) {
                    out.push(v);
                }
                return;
            }
        }
    }

    fn keyed_array(&mut self, key: &str, out: &mut Vec<Value>) {
        if !self.eat(b'{') {
            return;
        }
        loop {
            let Some(k) = self.value::<String>() else {
                return;
            };
            if !self.eat(b':') {
                return;
            }
            if k == key {
                return self.array(out);
            }
            if self.value::<IgnoredAny>().is_none() || !self.eat(b',') {
                return;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn a_truncated_array_keeps_its_complete_elements() {
        let full = br#"[{"id":"a","n":1}, {"id":"b","n":2}, {"id":"c","n":3}]"#;
        let text = std::str::from_utf8(full).unwrap();
        let ends: Vec<usize> = ["\"n\":1}", "\"n\":2}", "\"n\":3}"]
            .iter()
            .map(|e| text.find(e).unwrap() + e.len())
            .collect();
        for cut in 0..=full.len() {
            let got = array_elements(&full[..cut], None);
            let whole = ends.iter().filter(|end| **end <= cut).count();
            assert_eq!(got.len(), whole, "cut at {cut}: {got:?}");
            for (i, v) in got.iter().enumerate() {
                assert_eq!(v["n"], json!(i + 1), "cut at {cut}: only whole records");
            }
        }
        assert_eq!(array_elements(full, None).len(), 3);
    }

    #[test]
    fn pins_are_found_under_their_key_after_other_fields() {
        let text = br#"{"engine_host": "unix:///x.sock", "other": {"a": [1, 2]}, "pins": ["db", "team/*", "we"#;
        assert_eq!(strings_under(text, "pins"), ["db", "team/*"]);
        let whole = br#"{"pins":["db","team/*"]"#;
        assert_eq!(strings_under(whole, "pins"), ["db", "team/*"]);
    }

    #[test]
    fn a_string_cut_before_its_closing_quote_is_dropped_and_values_of_other_keys_ignored() {
        assert!(strings_under(br#"{"engine_host":"unix:///run/do"#, "pins").is_empty());
        assert_eq!(strings_under(br#"{"pins":["db""#, "pins"), ["db"]);
        assert!(strings_under(br#"{"pins":["d"#, "pins").is_empty());
        assert!(strings_under(b"garbage", "pins").is_empty());
        assert!(strings_under(b"", "pins").is_empty());
    }

    #[test]
    fn a_number_at_the_cut_may_have_lost_digits_and_is_dropped() {
        assert_eq!(array_elements(b"[1, 22", None), [json!(1)]);
        assert_eq!(array_elements(b"[1, 22]", None), [json!(1), json!(22)]);
    }

    #[test]
    fn garbage_in_the_middle_keeps_what_came_before() {
        let text = br#"[{"id":"a"}, {"id": x}, {"id":"c"}]"#;
        assert_eq!(array_elements(text, None), [json!({"id":"a"})]);
    }
}
