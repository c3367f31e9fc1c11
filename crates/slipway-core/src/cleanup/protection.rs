//! Protected images: names, repository patterns or IDs the user pinned. Prune and bulk
//! delete never remove an image one of them matches, and say which pattern kept it.

use crate::error::{Error, ErrorKind, Result};
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct Protection {
    /// `myapp` (every tag of a repository), `myapp:1.*`, `team/*`, `*`, or an image ID
    /// (12 or more hex digits, with or without `sha256:`).
    pub patterns: Vec<String>,
}

impl Protection {
    /// Patterns checked for typos the user would not notice until something was deleted.
    pub fn new(patterns: impl IntoIterator<Item = String>) -> Result<Self> {
        let mut out: Vec<String> = Vec::new();
        for p in patterns {
            let p = p.trim().to_owned();
            validate_pattern(&p)?;
            if !out.contains(&p) {
                out.push(p);
            }
        }
        Ok(Self { patterns: out })
    }

    /// Saved pins, each checked on its own: one bad pattern (a hand-edited file) must not
    /// drop the protection of all the others.
    pub fn from_saved(patterns: impl IntoIterator<Item = String>) -> Self {
        let mut out = Self::default();
        for p in patterns {
            match Self::new([p.clone()]) {
                Ok(one) if !out.patterns.contains(&one.patterns[0]) => {
                    out.patterns.extend(one.patterns)
                }
                Ok(_) => {}
                Err(e) => tracing::warn!(pattern = %p, error = %e, "saved pin ignored"),
            }
        }
        out
    }

    pub fn is_empty(&self) -> bool {
        self.patterns.is_empty()
    }

    /// The first pattern that protects an image with this ID and these names.
    pub fn matching(&self, id: &str, tags: &[String]) -> Option<&str> {
        self.patterns
            .iter()
            .find(|p| pattern_matches(p, id, tags))
            .map(String::as_str)
    }
}

pub fn validate_pattern(p: &str) -> Result<()> {
    let ok = !p.is_empty()
        && p.len() <= 255
        && p.chars()
            .all(|c| c.is_ascii_alphanumeric() || "._-/:@*".contains(c));
    if ok {
        Ok(())
    } else {
        Err(Error::of(ErrorKind::NotAPin {
            pattern: p.to_owned(),
        }))
    }
}

fn pattern_matches(pattern: &str, id: &str, tags: &[String]) -> bool {
    let hex = pattern.strip_prefix("sha256:").unwrap_or(pattern);
    let id_hex = id.strip_prefix("sha256:").unwrap_or(id);
    // Twelve digits, as `docker images` shows IDs: shorter hex is more likely a name.
    if hex.len() >= 12 && hex.chars().all(|c| c.is_ascii_hexdigit()) && id_hex.starts_with(hex) {
        return true;
    }
    // No tag part: the pattern names repositories, and pins all their tags.
    let names_repository = !last_segment(pattern).contains(':');
    tags.iter().any(|t| {
        let full = qualified_name(t);
        [t.as_str(), short_name(t), full.as_str()]
            .into_iter()
            .any(|name| {
                let subject = if names_repository {
                    repository(name)
                } else {
                    name
                };
                glob(pattern, subject)
            })
    })
}

/// Docker's short names in full (`x` → `docker.io/library/x`, `team/x` → `docker.io/team/x`),
/// as Podman spells them; a name with a registry stays as it is.
pub fn qualified_name(tag: &str) -> String {
    match tag.split_once('/') {
        Some((first, _)) if first.contains(['.', ':']) || first == "localhost" => tag.to_owned(),
        Some(_) => format!("docker.io/{tag}"),
        None => format!("docker.io/library/{tag}"),
    }
}

fn last_segment(name: &str) -> &str {
    name.rsplit('/').next().unwrap_or(name)
}

/// `repo:tag` → `repo` (a `:` before the last `/` is a registry port, not a tag).
pub fn repository(tag: &str) -> &str {
    match tag.rfind(':') {
        Some(i) if !tag[i..].contains('/') => &tag[..i],
        _ => tag,
    }
}

/// Podman spells Docker Hub names in full (`docker.io/library/x`); users write `x`.
pub fn short_name(tag: &str) -> &str {
    ["docker.io/library/", "docker.io/", "localhost/"]
        .iter()
        .find_map(|p| tag.strip_prefix(p))
        .unwrap_or(tag)
}

/// `*` matches any run of characters, everything else itself.
fn glob(pattern: &str, text: &str) -> bool {
    let (p, t): (Vec<char>, Vec<char>) = (pattern.chars().collect(), text.chars().collect());
    let (mut pi, mut ti) = (0, 0);
    let mut star: Option<(usize, usize)> = None;
    while ti < t.len() {
        if pi < p.len() && p[pi] != '*' && p[pi] == t[ti] {
            pi += 1;
            ti += 1;
        } else if pi < p.len() && p[pi] == '*' {
            star = Some((pi, ti));
            pi += 1;
        } else if let Some((sp, st)) = star {
            pi = sp + 1;
            ti = st + 1;
            star = Some((sp, st + 1));
        } else {
            return false;
        }
    }
    p[pi..].iter().all(|c| *c == '*')
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pins(p: &[&str]) -> Protection {
        Protection::new(p.iter().map(|s| s.to_string())).unwrap()
    }

    fn tags(t: &[&str]) -> Vec<String> {
        t.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn a_bare_repository_pins_every_tag_of_it_but_not_lookalikes() {
        let p = pins(&["myapp"]);
        assert_eq!(p.matching("sha256:1", &tags(&["myapp:1"])), Some("myapp"));
        assert_eq!(
            p.matching("sha256:1", &tags(&["myapp:latest"])),
            Some("myapp")
        );
        assert_eq!(p.matching("sha256:1", &tags(&["myapp2:1"])), None);
        assert_eq!(p.matching("sha256:1", &tags(&["team/myapp:1"])), None);
        assert_eq!(
            p.matching("sha256:1", &[]),
            None,
            "untagged images have no name"
        );
    }

    #[test]
    fn globs_and_tag_patterns_pin_only_what_they_say() {
        let p = pins(&["team/*", "db:1.*"]);
        assert!(p.matching("x", &tags(&["team/api:2"])).is_some());
        assert!(p.matching("x", &tags(&["db:1.4"])).is_some());
        assert!(p.matching("x", &tags(&["db:2.0"])).is_none());
        assert!(
            p.matching("x", &tags(&["127.0.0.1:5000/team/api:2"]))
                .is_none(),
            "a registry prefix is part of the name"
        );
        assert!(
            pins(&["127.0.0.1:5000/*"])
                .matching("x", &tags(&["127.0.0.1:5000/a:1"]))
                .is_some(),
            "a registry port is not a tag"
        );
    }

    #[test]
    fn podman_full_names_match_the_short_names_users_write() {
        let p = pins(&["busybox"]);
        assert!(
            p.matching("x", &tags(&["docker.io/library/busybox:latest"]))
                .is_some()
        );
        assert!(
            pins(&["localhost/app:1"])
                .matching("x", &tags(&["localhost/app:1"]))
                .is_some()
        );
    }

    #[test]
    fn pins_written_in_podmans_full_form_hold_on_docker_too() {
        let p = pins(&["docker.io/library/busybox"]);
        assert!(p.matching("x", &tags(&["busybox:latest"])).is_some());
        assert!(
            pins(&["docker.io/team/app:1"])
                .matching("x", &tags(&["team/app:1"]))
                .is_some()
        );
        assert!(
            p.matching("x", &tags(&["localhost/busybox:1"])).is_none(),
            "an image built on Podman is not the Hub's"
        );
        assert!(
            pins(&["docker.io/*"])
                .matching("x", &tags(&["127.0.0.1:5000/a:1"]))
                .is_none(),
            "another registry's image is not the Hub's"
        );
    }

    #[test]
    fn ids_pin_by_prefix_only_when_long_enough_not_to_be_a_name() {
        let id = "sha256:4eae18d6b0541fda7dd801fc9bd514c9d5691bc62354a94e5efecc0808ae9589";
        assert!(pins(&["4eae18d6b054"]).matching(id, &[]).is_some());
        assert!(pins(&["sha256:4eae18d6b0541f"]).matching(id, &[]).is_some());
        assert!(pins(&["4eae"]).matching(id, &[]).is_none());
    }

    #[test]
    fn the_cases_shared_with_the_ui_hold() {
        let cases: Vec<serde_json::Value> =
            serde_json::from_str(include_str!("../../tests/fixtures/pin-cases.json")).unwrap();
        assert!(cases.len() > 20);
        for case in cases {
            let pin = case["pin"].as_str().unwrap();
            let tags: Vec<String> = serde_json::from_value(case["tags"].clone()).unwrap();
            let matched = pins(&[pin])
                .matching(case["id"].as_str().unwrap(), &tags)
                .is_some();
            assert_eq!(
                matched,
                case["matches"] == true,
                "{pin} on {tags:?}: {}",
                case["why"]
            );
        }
    }

    #[test]
    fn one_bad_saved_pin_does_not_unpin_the_others() {
        let saved = ["db".to_string(), "my app".to_string(), "team/*".to_string()];
        assert_eq!(
            Protection::from_saved(saved).patterns,
            vec!["db".to_string(), "team/*".to_string()]
        );
    }

    #[test]
    fn typos_in_pins_are_refused_and_duplicates_folded() {
        assert_eq!(
            Protection::new(["my app".to_string()]).unwrap_err().code,
            400
        );
        assert_eq!(Protection::new(["".to_string()]).unwrap_err().code, 400);
        assert_eq!(pins(&["a", " a "]).patterns, vec!["a".to_string()]);
    }

    mod properties {
        use super::*;
        use proptest::prelude::*;

        /// `name[/name…]` as engines report repositories, maybe with a registry.
        fn repository_name() -> impl Strategy<Value = String> {
            (
                prop::option::of(prop_oneof![
                    Just("localhost:5000/"),
                    Just("127.0.0.1:5000/"),
                    Just("quay.io/"),
                ]),
                "[a-z0-9]{1,6}([._-][a-z0-9]{1,4})?(/[a-z0-9]{1,6}){0,2}",
            )
                .prop_map(|(domain, path)| format!("{}{path}", domain.unwrap_or_default()))
        }

        fn tag() -> impl Strategy<Value = String> {
            "[a-z0-9_][a-z0-9_.-]{0,8}"
        }

        proptest! {
            #![proptest_config(ProptestConfig { cases: 1000, ..ProptestConfig::default() })]

            #[test]
            fn a_pin_made_from_a_tag_or_its_repository_pins_it(repo in repository_name(), t in tag()) {
                let name = format!("{repo}:{t}");
                prop_assert!(pins(&[&name]).matching("sha256:0", &tags(&[&name])).is_some());
                prop_assert!(pins(&[&repo]).matching("sha256:0", &tags(&[&name])).is_some());
            }

            #[test]
            fn x_never_pins_xy(
                x in repository_name(),
                y in "([._-]?[a-z0-9]{1,4}|/[a-z0-9]{1,4})",
                t in tag(),
            ) {
                let other = format!("{x}{y}:{t}");
                prop_assert!(
                    pins(&[&x]).matching("sha256:0", &tags(&[&other])).is_none(),
                    "{x} pins {other}"
                );
                let with_tag = format!("{x}:{t}");
                prop_assert!(
                    pins(&[&with_tag]).matching("sha256:0", &tags(&[&other])).is_none(),
                    "{} pins {}", with_tag, other
                );
            }

            #[test]
            fn podmans_docker_io_library_x_is_x_both_ways(
                x in "[a-z0-9]{1,8}(/[a-z0-9]{1,6})?",
                t in tag(),
            ) {
                let full = if x.contains('/') {
                    format!("docker.io/{x}")
                } else {
                    format!("docker.io/library/{x}")
                };
                for (pin, reported) in [
                    (x.clone(), format!("{full}:{t}")),
                    (full.clone(), format!("{x}:{t}")),
                    (format!("{x}:{t}"), format!("{full}:{t}")),
                    (format!("{full}:{t}"), format!("{x}:{t}")),
                ] {
                    prop_assert!(
                        pins(&[&pin]).matching("sha256:0", &tags(&[&reported])).is_some(),
                        "{pin} does not pin {reported}"
                    );
                }
            }

            #[test]
            fn ids_pin_by_a_prefix_of_twelve_hex_digits_or_more_only(
                id in "[0-9a-f]{64}",
                other in "[0-9a-f]{64}",
                n in 1usize..=64,
                algorithm in any::<bool>(),
            ) {
                let prefix = if algorithm {
                    format!("sha256:{}", &id[..n])
                } else {
                    id[..n].to_owned()
                };
                let full = format!("sha256:{id}");
                let p = pins(&[&prefix]);
                prop_assert_eq!(p.matching(&full, &[]).is_some(), n >= 12, "{}", prefix);
                if !other.starts_with(&id[..n]) {
                    let other = format!("sha256:{other}");
                    prop_assert!(p.matching(&other, &[]).is_none(), "{} pins {}", prefix, other);
                }
            }
        }
    }
}
