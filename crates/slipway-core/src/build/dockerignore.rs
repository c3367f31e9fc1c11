//! `.dockerignore` matching as moby's patternmatcher does it: last matching pattern wins, a
//! pattern matching a parent directory matches everything below it, `**` crosses directories.

use super::context::DOCKERIGNORE;
use super::glob::docker_to_glob;
use crate::error::{Error, ErrorKind, IgnoreProblem, Result};
use globset::{GlobBuilder, GlobMatcher};
use std::fs;
use std::io;
use std::path::Path;

/// A parsed `.dockerignore`, matching like Docker does.
#[derive(Debug, Clone, Default)]
pub struct DockerIgnore {
    patterns: Vec<Pattern>,
}

#[derive(Debug, Clone)]
struct Pattern {
    /// The cleaned pattern, without `!`; kept for logs and debugging.
    text: String,
    /// `!pattern`: re-includes what earlier patterns ignored.
    exception: bool,
    matcher: GlobMatcher,
    /// Per path component, for exceptions only: lets the walk prove that nothing inside an
    /// ignored directory can be re-included, so the directory can be skipped unread.
    segments: Vec<Segment>,
}

#[derive(Debug, Clone)]
enum Segment {
    Glob(GlobMatcher),
    /// `**` or something we cannot reason about per component: assume it may match.
    Unknown,
}

impl DockerIgnore {
    /// Parse `.dockerignore` text. A bad pattern is a 400 naming its line.
    pub fn parse(text: &str) -> Result<Self> {
        // Docker drops a UTF-8 byte order mark on the first line.
        let text = text.strip_prefix('\u{feff}').unwrap_or(text);
        let mut patterns = Vec::new();
        for (index, line) in text.lines().enumerate() {
            let parsed = Pattern::from_line(line).map_err(|issue| {
                Error::of(ErrorKind::BadIgnorePattern {
                    line: u32::try_from(index + 1).unwrap_or(u32::MAX),
                    pattern: line.trim().to_owned(),
                    issue,
                })
            })?;
            patterns.extend(parsed);
        }
        Ok(Self { patterns })
    }

    /// Read `<dir>/.dockerignore`; a missing file means nothing is ignored.
    #[tracing::instrument(level = "debug", skip_all, fields(dir = %dir.display()))]
    pub fn from_context(dir: &Path) -> Result<Self> {
        match read_dockerignore(dir)? {
            Some(raw) => Self::parse(&String::from_utf8_lossy(&raw)),
            None => Ok(Self::default()),
        }
    }

    /// How many patterns it holds (comments and blank lines are none).
    pub fn len(&self) -> usize {
        self.patterns.len()
    }

    pub fn is_empty(&self) -> bool {
        self.patterns.is_empty()
    }

    /// Whether `rel_path` (relative to the context, `/`-separated) is ignored, taking its
    /// parent directories into account like Docker does.
    pub fn is_ignored(&self, rel_path: &str) -> bool {
        let rel = clean(rel_path.trim_start_matches('/'));
        if self.patterns.is_empty() || rel == "." || rel.starts_with("../") || rel == ".." {
            return false;
        }
        let mut hits = Vec::new();
        let mut ignored = false;
        let ends = rel.match_indices('/').map(|(i, _)| i).chain([rel.len()]);
        for end in ends {
            (ignored, hits) = self.match_path(&rel[..end], &hits);
        }
        ignored
    }

    /// Match one path given, per pattern, whether it matched one of the path's parents.
    /// Returns whether the path is ignored and the per-pattern hits to hand to children;
    /// this keeps a walk at one glob test per pattern and entry.
    pub(super) fn match_path(&self, rel: &str, parent_hits: &[bool]) -> (bool, Vec<bool>) {
        let mut ignored = false;
        let mut hits = Vec::with_capacity(self.patterns.len());
        for (i, pattern) in self.patterns.iter().enumerate() {
            let hit = parent_hits.get(i).copied().unwrap_or(false) || pattern.matcher.is_match(rel);
            if hit {
                // Last match wins.
                ignored = !pattern.exception;
            }
            hits.push(hit);
        }
        (ignored, hits)
    }

    /// Whether some exception could re-include a path strictly inside the ignored
    /// directory `dir`. When none can, Docker skips the directory without reading it.
    pub fn exception_may_match_below(&self, dir: &str) -> bool {
        let reaching = self
            .patterns
            .iter()
            .find(|p| p.exception && p.may_match_below(dir));
        if let Some(pattern) = reaching {
            tracing::trace!(dir, exception = %pattern.text, "walking an ignored folder");
        }
        reaching.is_some()
    }
}

impl Pattern {
    /// One `.dockerignore` line → a pattern, following moby's `ignorefile.ReadAll` and
    /// `patternmatcher.New`. `Ok(None)` for comments and blank lines.
    fn from_line(line: &str) -> std::result::Result<Option<Self>, IgnoreProblem> {
        // Only a `#` in the first column starts a comment, as in Docker.
        if line.starts_with('#') {
            return Ok(None);
        }
        let line = line.trim();
        if line.is_empty() {
            return Ok(None);
        }
        let (exception, raw) = match line.strip_prefix('!') {
            Some(rest) => (true, rest.trim()),
            None => (false, line),
        };
        if raw.is_empty() {
            return Err(IgnoreProblem::ExceptionWithoutPattern);
        }
        let mut text = clean(raw);
        // Patterns are relative to the context: `/foo` means `foo`.
        if text.len() > 1 && text.starts_with('/') {
            text.remove(0);
        }
        let matcher = compile(&docker_to_glob(&text)?)?;
        let segments = if exception {
            segments_of(&text)
        } else {
            Vec::new()
        };
        Ok(Some(Self {
            text,
            exception,
            matcher,
            segments,
        }))
    }

    /// Whether this pattern could match a path strictly below `dir`. Conservative: it may
    /// say yes for a path it would not match, never no for one it would.
    fn may_match_below(&self, dir: &str) -> bool {
        let mut depth = 0;
        for part in dir.split('/') {
            match self.segments.get(depth) {
                // The pattern only matches paths no deeper than `dir`.
                None => return false,
                Some(Segment::Unknown) => return true,
                Some(Segment::Glob(glob)) if !glob.is_match(part) => return false,
                Some(Segment::Glob(_)) => {}
            }
            depth += 1;
        }
        self.segments.len() > depth
    }
}

fn segments_of(pattern: &str) -> Vec<Segment> {
    pattern
        .split('/')
        .map(|part| {
            if part.contains("**") {
                return Segment::Unknown;
            }
            docker_to_glob(part)
                .and_then(|glob| compile(&glob))
                .map_or(Segment::Unknown, Segment::Glob)
        })
        .collect()
}

fn compile(glob: &str) -> std::result::Result<GlobMatcher, IgnoreProblem> {
    GlobBuilder::new(glob)
        .literal_separator(true)
        .backslash_escape(true)
        // `docker_to_glob` emits `{,…}` for a `**` inside a name.
        .empty_alternates(true)
        .build()
        .map(|g| g.compile_matcher())
        .map_err(|e| IgnoreProblem::Glob {
            text: e.kind().to_string(),
        })
}

/// Go's `filepath.Clean` for `/`-separated paths: Docker cleans every pattern with it.
fn clean(path: &str) -> String {
    let rooted = path.starts_with('/');
    let mut parts: Vec<&str> = Vec::new();
    for part in path.split('/') {
        match part {
            "" | "." => {}
            ".." if parts.last().is_some_and(|last| *last != "..") => {
                parts.pop();
            }
            // `/..` is `/`; a relative path keeps leading `..`.
            ".." if rooted => {}
            other => parts.push(other),
        }
    }
    let body = parts.join("/");
    match (rooted, body.is_empty()) {
        (true, _) => format!("/{body}"),
        (false, true) => ".".into(),
        (false, false) => body,
    }
}

/// The raw bytes of `<dir>/.dockerignore`, `None` when there is none.
pub(super) fn read_dockerignore(dir: &Path) -> Result<Option<Vec<u8>>> {
    let path = dir.join(DOCKERIGNORE);
    match fs::read(&path) {
        Ok(raw) => Ok(Some(raw)),
        Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(Error::of(ErrorKind::CannotRead {
            path: path.display().to_string(),
        })
        .with_detail(e)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::build::test_support::*;
    // --- .dockerignore -----------------------------------------------------------------

    #[test]
    fn comments_and_blank_lines_are_not_patterns() {
        let di = ignore("# a comment\n\n   \n#*.txt\r\nsecret\n");
        assert_eq!(di.patterns.len(), 1);
        assert!(di.is_ignored("secret"));
        assert!(!di.is_ignored("notes.txt"));
    }

    #[test]
    fn whitespace_around_a_pattern_is_trimmed() {
        let di = ignore("  secret.txt  \n! keep \n");
        assert!(di.is_ignored("secret.txt"));
        assert_eq!(di.patterns[1].text, "keep");
        assert!(di.patterns[1].exception);
    }

    #[test]
    fn star_log_only_ignores_logs_at_the_root() {
        let di = ignore("*.log");
        assert!(di.is_ignored("app.log"));
        assert!(!di.is_ignored("logs/app.log"));
        assert!(!di.is_ignored("a/b/app.log"));
    }

    #[test]
    fn double_star_log_ignores_logs_at_any_depth() {
        let di = ignore("**/*.log");
        assert!(di.is_ignored("app.log"));
        assert!(di.is_ignored("logs/app.log"));
        assert!(di.is_ignored("a/b/c/app.log"));
        assert!(!di.is_ignored("a/b/app.txt"));
    }

    #[test]
    fn exception_after_wildcard_re_includes_the_file() {
        let di = ignore("*.log\n!keep.log");
        assert!(di.is_ignored("app.log"));
        assert!(!di.is_ignored("keep.log"));
    }

    #[test]
    fn last_matching_pattern_wins() {
        assert!(ignore("*.log\n!keep.log\nkeep.log").is_ignored("keep.log"));
        // An exception before the pattern it should override has no effect.
        assert!(ignore("!keep.log\n*.log").is_ignored("keep.log"));
        assert!(!ignore("*.log\n!*.log").is_ignored("a.log"));
    }

    #[test]
    fn leading_slash_is_relative_to_the_context() {
        let di = ignore("/secret\n/build/out");
        assert!(di.is_ignored("secret"));
        assert!(di.is_ignored("build/out/x.o"));
        assert!(!di.is_ignored("sub/secret"));
    }

    #[test]
    fn directory_pattern_ignores_everything_below_it() {
        let di = ignore("node_modules");
        assert!(di.is_ignored("node_modules"));
        assert!(di.is_ignored("node_modules/a/b/index.js"));
        assert!(!di.is_ignored("src/node_modules"));
        assert!(!di.is_ignored("node_modules_backup"));
    }

    #[test]
    fn dir_double_star_with_exception_keeps_only_the_exception() {
        let di = ignore("dir/**\n!dir/keep");
        assert!(di.is_ignored("dir/a"));
        assert!(di.is_ignored("dir/sub/b"));
        assert!(!di.is_ignored("dir/keep"));
        assert!(!di.is_ignored("dir/keep/inside"));
        // As in Docker, `dir/**` matches what is below `dir`, not `dir` itself.
        assert!(!di.is_ignored("dir"));
    }

    #[test]
    fn question_mark_and_classes_match_one_character() {
        let di = ignore("file?.txt\n[a-c].md\n[^x]y\n[\\]].txt");
        assert!(di.is_ignored("file1.txt"));
        assert!(!di.is_ignored("file10.txt"));
        assert!(!di.is_ignored("file/.txt"));
        assert!(di.is_ignored("b.md"));
        assert!(!di.is_ignored("d.md"));
        assert!(di.is_ignored("ay"));
        assert!(!di.is_ignored("xy"));
        assert!(di.is_ignored("].txt"));
    }

    #[test]
    fn go_class_syntax_is_kept_where_globset_differs() {
        // In Go `!` is not a negation inside a class, `{}` and `,` are literal.
        let di = ignore("[!a]\n{x,y}\n[\\-!]z\n[!^]q");
        assert!(di.is_ignored("!"));
        assert!(di.is_ignored("a"));
        assert!(!di.is_ignored("b"));
        assert!(di.is_ignored("{x,y}"));
        assert!(!di.is_ignored("x"));
        assert!(di.is_ignored("!z"));
        assert!(di.is_ignored("-z"));
        assert!(!di.is_ignored("az"));
        assert!(di.is_ignored("!q"));
        assert!(di.is_ignored("^q"));
        // An unescaped `-` first in a class is a bad pattern in Go.
        assert!(DockerIgnore::parse("[-a]").is_err());
    }

    #[test]
    fn patterns_are_cleaned_like_go_filepath_clean() {
        let di = ignore("./foo\nbar/\nbaz//qux/./x/../y\n");
        assert!(di.is_ignored("foo"));
        assert!(di.is_ignored("foo/inner"));
        assert!(di.is_ignored("bar"));
        assert!(di.is_ignored("bar/inner"));
        assert!(di.is_ignored("baz/qux/y"));
        assert_eq!(clean("a/../../b"), "../b");
        assert_eq!(clean("/../a"), "/a");
        assert_eq!(clean("./"), ".");
    }

    #[test]
    fn double_star_inside_a_name_behaves_like_moby() {
        // moby: `foo**` is a prefix match that crosses directories.
        let di = ignore("foo**");
        assert!(di.is_ignored("foobar"));
        assert!(di.is_ignored("foo/x/y"));
        // moby's suffix fast path: `**` then plain text means "ends with".
        let di = ignore("**.log");
        assert!(di.is_ignored("a.log"));
        assert!(di.is_ignored("x/y/a.log"));
        let di = ignore("a**b");
        assert!(di.is_ignored("ab"));
        assert!(di.is_ignored("a/x/b"));
        assert!(!di.is_ignored("axb"));
        let di = ignore("**/x/**");
        assert!(di.is_ignored("x/1"));
        assert!(di.is_ignored("a/b/x/1/2"));
        assert!(!di.is_ignored("ax/1"));
    }

    #[test]
    fn bad_pattern_is_a_400_naming_the_line() {
        let err = DockerIgnore::parse("ok\n# fine\nbad[abc\n").unwrap_err();
        assert_eq!(err.code, 400);
        assert!(err.message.contains("line 3"), "{}", err.message);
        assert!(err.message.contains("bad[abc"), "{}", err.message);
        assert_eq!(DockerIgnore::parse("!").unwrap_err().code, 400);
        assert_eq!(DockerIgnore::parse("trailing\\").unwrap_err().code, 400);
        assert_eq!(DockerIgnore::parse("[z-a]").unwrap_err().code, 400);
    }

    #[test]
    fn missing_dockerignore_ignores_nothing() {
        let dir = tempfile::tempdir().unwrap();
        assert!(
            !DockerIgnore::from_context(dir.path())
                .unwrap()
                .is_ignored("anything")
        );
        fs::write(dir.path().join(DOCKERIGNORE), "*.tmp\n").unwrap();
        assert!(
            DockerIgnore::from_context(dir.path())
                .unwrap()
                .is_ignored("x.tmp")
        );
    }

    #[test]
    fn ignored_dir_is_walked_only_when_an_exception_may_reach_inside() {
        assert!(!ignore("node_modules").exception_may_match_below("node_modules"));
        assert!(!ignore("node_modules\n!other/keep").exception_may_match_below("node_modules"));
        assert!(!ignore("a/b\n!a").exception_may_match_below("a/b"));
        assert!(
            ignore("node_modules\n!node_modules/keep").exception_may_match_below("node_modules")
        );
        assert!(ignore("a\n!a/*/keep").exception_may_match_below("a"));
        assert!(ignore("a\n!**/keep").exception_may_match_below("a"));
        assert!(ignore("a\n![a-c]/keep").exception_may_match_below("a"));
        assert!(!ignore("a\n![x-z]/keep").exception_may_match_below("a"));
    }
}
