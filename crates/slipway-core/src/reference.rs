//! Image references (`name[:tag][@digest]`), checked the way the distribution spec does,
//! so bad input is refused with a clear sentence before any engine call.

use crate::error::{Error, ErrorKind, ReferenceProblem, Result};
use serde::Serialize;
use std::fmt;

pub const DEFAULT_REGISTRY: &str = "docker.io";
pub const DEFAULT_TAG: &str = "latest";

/// A parsed image reference.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct Reference {
    /// Registry host (and port) when one was written, e.g. `127.0.0.1:5000`.
    pub domain: Option<String>,
    /// Repository path without the domain, e.g. `library/busybox` or `me/app`.
    pub path: String,
    pub tag: Option<String>,
    pub digest: Option<String>,
}

impl Reference {
    /// Parse and validate a reference as a person typed it.
    pub fn parse(input: &str) -> Result<Self> {
        let s = input.trim();
        if s.is_empty() {
            return Err(Error::of(ErrorKind::EmptyReference));
        }
        let invalid = |problem: ReferenceProblem| {
            Error::of(ErrorKind::InvalidReference {
                input: input.to_owned(),
                problem,
            })
        };
        let (rest, digest) = match s.split_once('@') {
            Some((r, d)) => {
                validate_digest(d).map_err(invalid)?;
                (r, Some(d.to_owned()))
            }
            None => (s, None),
        };
        // A tag follows the last ':' that comes after the last '/' (a ':' before it is a port).
        let last_slash = rest.rfind('/').map_or(0, |i| i + 1);
        let (name, tag) = match rest[last_slash..].rfind(':') {
            Some(i) => {
                let at = last_slash + i;
                (&rest[..at], Some(rest[at + 1..].to_owned()))
            }
            None => (rest, None),
        };
        if let Some(t) = &tag {
            tag_problem(t).map_err(invalid)?;
        }
        if name.len() > 255 {
            return Err(invalid(ReferenceProblem::NameTooLong));
        }
        let mut parts: Vec<&str> = name.split('/').collect();
        let domain = if parts.len() > 1 && looks_like_domain(parts[0]) {
            let d = parts.remove(0);
            validate_domain(d).map_err(invalid)?;
            Some(d.to_owned())
        } else {
            None
        };
        for p in &parts {
            validate_component(p).map_err(invalid)?;
        }
        let parsed = Self {
            domain,
            path: parts.join("/"),
            tag,
            digest,
        };
        // The engine counts the name in full (`docker.io/library/x`): a short name that is
        // fine as written can still be too long for it.
        let full = parsed.qualified_repository();
        if full.len() > 255 {
            return Err(invalid(ReferenceProblem::FullNameTooLong {
                length: full.len() as u32,
                start: full[..full.len().min(40)].to_owned(),
            }));
        }
        Ok(parsed)
    }

    /// The registry these credentials belong to (`docker.io` when none was written).
    pub fn registry(&self) -> &str {
        self.domain.as_deref().unwrap_or(DEFAULT_REGISTRY)
    }

    /// Repository as written, without tag or digest (`busybox`, `127.0.0.1:5000/x/y`).
    pub fn repository(&self) -> String {
        match &self.domain {
            Some(d) => format!("{d}/{}", self.path),
            None => self.path.clone(),
        }
    }

    /// Fully qualified repository (`docker.io/library/busybox`), as Podman names images.
    pub fn qualified_repository(&self) -> String {
        let path = if self.domain.is_none() && !self.path.contains('/') {
            format!("library/{}", self.path)
        } else {
            self.path.clone()
        };
        format!("{}/{path}", self.registry())
    }

    /// The tag to use: the written one, else `latest` when there is no digest either.
    pub fn tag_or_default(&self) -> Option<&str> {
        match (&self.tag, &self.digest) {
            (Some(t), _) => Some(t),
            (None, None) => Some(DEFAULT_TAG),
            (None, Some(_)) => None,
        }
    }

    /// `repo:tag` or `repo@digest` with the default tag filled in.
    pub fn normalized(&self) -> String {
        let mut s = self.repository();
        if let Some(t) = self.tag_or_default() {
            s.push(':');
            s.push_str(t);
        }
        if let Some(d) = &self.digest {
            s.push('@');
            s.push_str(d);
        }
        s
    }

    /// Whether an engine-reported name (maybe fully qualified, as Podman reports) is this one.
    pub fn matches_name(&self, reported: &str) -> bool {
        let Ok(other) = Reference::parse(reported) else {
            return false;
        };
        self.qualified_repository() == other.qualified_repository()
            && self.tag_or_default() == other.tag_or_default()
    }
}

impl fmt::Display for Reference {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.repository())?;
        if let Some(t) = &self.tag {
            write!(f, ":{t}")?;
        }
        if let Some(d) = &self.digest {
            write!(f, "@{d}")?;
        }
        Ok(())
    }
}

/// Docker's rule: the first component is a registry when it has a `.` or `:` or is `localhost`.
fn looks_like_domain(s: &str) -> bool {
    s.contains('.')
        || s.contains(':')
        || s == "localhost"
        || s.chars().any(|c| c.is_ascii_uppercase())
}

fn validate_domain(d: &str) -> std::result::Result<(), ReferenceProblem> {
    let (host, port) = match d.rsplit_once(':') {
        Some((h, p)) if !h.ends_with(']') || h.starts_with('[') => (h, Some(p)),
        _ => (d, None),
    };
    if let Some(p) = port
        && (p.is_empty() || p.parse::<u16>().is_err())
    {
        return Err(ReferenceProblem::PortNotNumber { port: p.into() });
    }
    let ok_host = !host.is_empty()
        && host
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '[' | ']' | ':'));
    if ok_host {
        Ok(())
    } else {
        Err(ReferenceProblem::BadHost { host: d.into() })
    }
}

/// `[a-z0-9]+((\.|_|__|-+)[a-z0-9]+)*`
fn validate_component(c: &str) -> std::result::Result<(), ReferenceProblem> {
    let bad = || ReferenceProblem::BadNamePart { part: c.into() };
    if c.is_empty() {
        return Err(ReferenceProblem::EmptyNamePart);
    }
    let bytes = c.as_bytes();
    if !is_alnum_lower(bytes[0]) || !is_alnum_lower(bytes[bytes.len() - 1]) {
        return Err(bad());
    }
    let mut i = 0;
    while i < bytes.len() {
        let b = bytes[i];
        if is_alnum_lower(b) {
            i += 1;
            continue;
        }
        let start = i;
        while i < bytes.len() && !is_alnum_lower(bytes[i]) {
            i += 1;
        }
        let sep = &c[start..i];
        let valid = sep == "." || sep == "_" || sep == "__" || sep.bytes().all(|x| x == b'-');
        if !valid {
            return Err(bad());
        }
    }
    Ok(())
}

fn is_alnum_lower(b: u8) -> bool {
    b.is_ascii_lowercase() || b.is_ascii_digit()
}

/// `[\w][\w.-]{0,127}`
pub fn validate_tag(t: &str) -> std::result::Result<(), String> {
    tag_problem(t).map_err(|p| p.to_string())
}

fn tag_problem(t: &str) -> std::result::Result<(), ReferenceProblem> {
    let word = |c: char| c.is_ascii_alphanumeric() || c == '_';
    let mut chars = t.chars();
    match chars.next() {
        Some(c) if word(c) => {}
        _ => {
            return Err(ReferenceProblem::TagBadStart { tag: t.into() });
        }
    }
    if t.len() > 128 {
        return Err(ReferenceProblem::TagTooLong { tag: t.into() });
    }
    if !chars.all(|c| word(c) || c == '.' || c == '-') {
        return Err(ReferenceProblem::TagBadChars { tag: t.into() });
    }
    Ok(())
}

fn validate_digest(d: &str) -> std::result::Result<(), ReferenceProblem> {
    let bad = || ReferenceProblem::BadDigest { digest: d.into() };
    let Some((algo, hex)) = d.split_once(':') else {
        return Err(bad());
    };
    let algo_ok = !algo.is_empty()
        && algo
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || "+._-".contains(c));
    let hex_ok = hex.len() >= 32 && hex.chars().all(|c| c.is_ascii_hexdigit());
    let len_ok = algo != "sha256" || hex.len() == 64;
    if algo_ok && hex_ok && len_ok {
        Ok(())
    } else {
        Err(bad())
    }
}

/// Whether a string is an image ID (full or short hex, with or without `sha256:`).
pub fn looks_like_id(s: &str) -> bool {
    let hex = s.strip_prefix("sha256:").unwrap_or(s);
    hex.len() >= 12 && hex.len() <= 64 && hex.chars().all(|c| c.is_ascii_hexdigit())
}

/// Check a reference or an image ID that names a local image.
pub fn validate_image_ref(s: &str) -> Result<()> {
    if looks_like_id(s) {
        return Ok(());
    }
    Reference::parse(s).map(|_| ())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plain_name_gets_latest_and_docker_hub_like_the_docker_cli() {
        let r = Reference::parse("busybox").unwrap();
        assert_eq!(r.normalized(), "busybox:latest");
        assert_eq!(r.registry(), "docker.io");
        assert_eq!(r.qualified_repository(), "docker.io/library/busybox");
    }

    #[test]
    fn a_port_is_not_mistaken_for_a_tag() {
        let r = Reference::parse("127.0.0.1:5000/team/app").unwrap();
        assert_eq!(r.domain.as_deref(), Some("127.0.0.1:5000"));
        assert_eq!(r.path, "team/app");
        assert_eq!(r.tag, None);
        let r = Reference::parse("localhost:5000/app:1.2").unwrap();
        assert_eq!(r.tag.as_deref(), Some("1.2"));
        assert_eq!(r.registry(), "localhost:5000");
    }

    #[test]
    fn digests_are_kept_and_suppress_the_default_tag() {
        let d = format!("sha256:{}", "a".repeat(64));
        let r = Reference::parse(&format!("app@{d}")).unwrap();
        assert_eq!(r.digest.as_deref(), Some(d.as_str()));
        assert_eq!(r.normalized(), format!("app@{d}"));
    }

    #[test]
    fn bad_references_are_refused_with_the_reason() {
        for bad in [
            "",
            "App",
            "app:",
            "app:-x",
            "a//b",
            "app@sha256:123",
            "-app",
            "app:a b",
        ] {
            let e = Reference::parse(bad).unwrap_err();
            assert_eq!(e.code, 400, "{bad} should be refused");
        }
        let longest = "a".repeat(255 - "docker.io/library/".len());
        assert!(Reference::parse(&longest).is_ok());
        let e = Reference::parse(&format!("{longest}a")).unwrap_err();
        assert!(e.message.contains("in full"), "{}", e.message);
        let e = Reference::parse("app:has space").unwrap_err();
        assert!(e.message.contains("tag"), "{}", e.message);
    }

    #[test]
    fn podman_qualified_names_match_the_short_form() {
        let r = Reference::parse("busybox").unwrap();
        assert!(r.matches_name("docker.io/library/busybox:latest"));
        assert!(!r.matches_name("docker.io/library/busybox:1"));
        let r = Reference::parse("localhost/x:1").unwrap();
        assert!(r.matches_name("localhost/x:1"));
    }

    #[test]
    fn ids_are_recognised_short_or_long() {
        assert!(looks_like_id("0da47227e2aa"));
        assert!(looks_like_id(&format!("sha256:{}", "0".repeat(64))));
        assert!(!looks_like_id("busybox"));
    }
}
