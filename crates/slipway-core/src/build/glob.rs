//! `.dockerignore` patterns (Go `filepath.Match` syntax plus moby's `**`) in globset's syntax,
//! with the same meaning. A pattern moby refuses is refused here, with the reason.

use crate::error::IgnoreProblem;

/// Translate a cleaned Docker pattern (Go `filepath.Match` syntax plus moby's `**`) into
/// globset syntax with the same meaning.
pub(super) fn docker_to_glob(pattern: &str) -> std::result::Result<String, IgnoreProblem> {
    // moby matches `**` followed by plain text as "ends with that text" (its suffix fast
    // path), so `**.log` also matches `a.log`: keep that.
    if let Some(suffix) = pattern.strip_prefix("**")
        && !suffix.contains(['*', '?', '[', ']', '\\'])
    {
        return Ok(match suffix {
            "" => "**".into(),
            s if s.starts_with('/') => format!("**{}", escape_literal(s)),
            s => format!("**/*{}", escape_literal(s)),
        });
    }
    let chars: Vec<char> = pattern.chars().collect();
    let mut out = String::with_capacity(pattern.len() + 8);
    let mut i = 0;
    while i < chars.len() {
        match chars[i] {
            '\\' => {
                let escaped = chars.get(i + 1).ok_or(IgnoreProblem::TrailingBackslash)?;
                out.push_str(&escape_literal(&escaped.to_string()));
                i += 2;
            }
            '[' => i = translate_class(&chars, i, &mut out)?,
            '*' if chars.get(i + 1) == Some(&'*') => i = translate_double_star(&chars, i, &mut out),
            '*' => {
                out.push('*');
                i += 1;
            }
            '?' => {
                out.push('?');
                i += 1;
            }
            c => {
                out.push_str(&escape_literal(&c.to_string()));
                i += 1;
            }
        }
    }
    Ok(out)
}

/// `**` at `chars[start]`. moby turns it into `(.*/)?` (eating a following `/`), or `.*`
/// at the end of the pattern. globset only treats `**` specially as a whole path component,
/// so spell the other cases out.
fn translate_double_star(chars: &[char], start: usize, out: &mut String) -> usize {
    let whole_component_start = start == 0 || chars[start - 1] == '/';
    let mut next = start + 2;
    if chars.get(next) == Some(&'/') {
        next += 1;
    }
    let at_end = next >= chars.len();
    out.push_str(match (whole_component_start, at_end) {
        (true, true) => "**",
        (true, false) => "**/",
        // `a**` = `a.*`
        (false, true) => "{*,*/**}",
        // `a**b` = `a(.*/)?b`
        (false, false) => "{,*/**/}",
    });
    next
}

/// A Go `filepath.Match` character class starting at `chars[start]` (`[`), re-emitted in
/// globset's syntax. Returns the index after the closing `]`.
fn translate_class(
    chars: &[char],
    start: usize,
    out: &mut String,
) -> std::result::Result<usize, IgnoreProblem> {
    let mut i = start + 1;
    let negated = chars.get(i) == Some(&'^');
    if negated {
        i += 1;
    }
    let mut singles: Vec<char> = Vec::new();
    let mut ranges: Vec<(char, char)> = Vec::new();
    loop {
        match chars.get(i) {
            None => return Err(IgnoreProblem::UnclosedClass),
            Some(']') if !(singles.is_empty() && ranges.is_empty()) => break,
            Some(_) => {}
        }
        let lo = class_char(chars, &mut i)?;
        if chars.get(i) == Some(&'-') {
            i += 1;
            let hi = class_char(chars, &mut i)?;
            if lo > hi {
                return Err(IgnoreProblem::ReversedRange {
                    range: format!("{lo}-{hi}"),
                });
            }
            push_range(lo, hi, &mut singles, &mut ranges);
        } else {
            singles.push(lo);
        }
    }
    emit_class(negated, singles, ranges, out);
    Ok(i + 1)
}

/// One character inside a class (`\` escapes), rejecting what Go rejects.
fn class_char(chars: &[char], i: &mut usize) -> std::result::Result<char, IgnoreProblem> {
    let bad = || IgnoreProblem::BadClass;
    let mut c = *chars.get(*i).ok_or_else(bad)?;
    if c == '-' || c == ']' {
        return Err(bad());
    }
    if c == '\\' {
        *i += 1;
        c = *chars.get(*i).ok_or_else(bad)?;
    }
    *i += 1;
    Ok(c)
}

/// Chars that are syntax at some position of a globset class.
fn is_class_special(c: char) -> bool {
    matches!(c, ']' | '-' | '!' | '^')
}

/// globset classes have no escapes, so peel special characters off the ends of a range
/// and keep them as single characters that `emit_class` places safely.
fn push_range(mut lo: char, mut hi: char, singles: &mut Vec<char>, ranges: &mut Vec<(char, char)>) {
    while lo <= hi && is_class_special(lo) {
        singles.push(lo);
        lo = char::from_u32(lo as u32 + 1).unwrap_or(hi);
    }
    while lo < hi && is_class_special(hi) {
        singles.push(hi);
        hi = char::from_u32(hi as u32 - 1).unwrap_or(lo);
    }
    match lo.cmp(&hi) {
        std::cmp::Ordering::Less => ranges.push((lo, hi)),
        std::cmp::Ordering::Equal if !singles.contains(&lo) => singles.push(lo),
        _ => {}
    }
}

fn emit_class(negated: bool, mut singles: Vec<char>, ranges: Vec<(char, char)>, out: &mut String) {
    singles.sort_unstable();
    singles.dedup();
    // A one-character class is just that character.
    if !negated && ranges.is_empty() && singles.len() == 1 {
        out.push_str(&escape_literal(&singles[0].to_string()));
        return;
    }
    let has = |c: char| singles.contains(&c);
    let plain: String = singles.iter().filter(|c| !is_class_special(**c)).collect();
    let mut body = String::new();
    // `]` is literal first; `-` is literal last; `!`/`^` are literal anywhere but first.
    if has(']') {
        body.push(']');
    }
    for (lo, hi) in &ranges {
        body.push(*lo);
        body.push('-');
        body.push(*hi);
    }
    body.push_str(&plain);
    let carets: String = ['^', '!'].into_iter().filter(|c| has(*c)).collect();
    if !negated && body.is_empty() && !carets.is_empty() {
        // Only `!`/`^` (and maybe `-`): a class would read as negated; use alternation.
        let mut alts: Vec<String> = carets
            .chars()
            .map(|c| escape_literal(&c.to_string()))
            .collect();
        if has('-') {
            alts.push("-".into());
        }
        out.push('{');
        out.push_str(&alts.join(","));
        out.push('}');
        return;
    }
    body.push_str(&carets);
    if has('-') {
        body.push('-');
    }
    out.push('[');
    if negated {
        out.push('!');
    }
    out.push_str(&body);
    out.push(']');
}

/// Escape text so globset reads it literally.
fn escape_literal(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        if matches!(
            c,
            '*' | '?' | '[' | ']' | '{' | '}' | ',' | '\\' | '!' | '^'
        ) {
            out.push('\\');
        }
        out.push(c);
    }
    out
}
