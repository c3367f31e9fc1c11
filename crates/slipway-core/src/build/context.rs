//! The Docker build context: `.dockerignore` matching, validation and a streamed tar.
//!
//! Everything here runs before the engine is called, so bad input becomes a 400 with a
//! sentence a person can act on instead of an opaque engine error halfway through an upload.
//!
//! Choices (kept in line with the docker CLI unless noted):
//! * `.dockerignore` follows moby's patternmatcher: last matching pattern wins, a pattern
//!   matching a parent directory matches everything below it, `**` crosses directories.
//! * The tar keeps file modes and mtimes (seconds) like the docker CLI; uid/gid are 0.
//! * Symlinks are stored as symlinks and never followed; sockets, fifos and devices are
//!   skipped; hard links are stored as separate regular files.
//! * The Dockerfile and `.dockerignore` are always sent, even when ignored, because the
//!   engine needs them (the daemon applies `.dockerignore` again on its side).
//! * A Dockerfile outside the context is shipped as `.slipway-dockerfile-<hex>`, and that
//!   name is appended to the shipped `.dockerignore` so `COPY . .` does not pick it up
//!   (the docker CLI does the same with `.dockerfile.<hex>`).
//! * [`ContextSummary::ignored`] counts ignored files and symlinks. For an ignored
//!   directory that is skipped, the files below it are counted with a cheap walk (directory
//!   listings only, nothing is opened or read); unreadable parts of it are not counted.

use crate::error::{Error, Result};
use bytes::Bytes;
use globset::{GlobBuilder, GlobMatcher};
use serde::{Deserialize, Serialize};
use std::fs::{self, File, Metadata};
use std::io::{self, Read, Write};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::thread::JoinHandle;
use std::time::{SystemTime, UNIX_EPOCH};
use tokio::sync::mpsc;

/// Size of the chunks sent to the engine.
pub const CHUNK_SIZE: usize = 64 * 1024;
/// Chunks buffered between the tar thread and the upload. With [`CHUNK_SIZE`] this bounds
/// the memory a build context can take, whatever its size.
const CHANNEL_CAPACITY: usize = 4;
const DOCKERIGNORE: &str = ".dockerignore";
const DEFAULT_DOCKERFILE: &str = "Dockerfile";

// ---------------------------------------------------------------------------------------
// .dockerignore
// ---------------------------------------------------------------------------------------

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
            let parsed = Pattern::from_line(line).map_err(|why| {
                Error::bad_request(format!(
                    "Invalid .dockerignore pattern on line {}: \"{}\": {why}.",
                    index + 1,
                    line.trim()
                ))
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
    fn match_path(&self, rel: &str, parent_hits: &[bool]) -> (bool, Vec<bool>) {
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
    fn exception_may_match_below(&self, dir: &str) -> bool {
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
    fn from_line(line: &str) -> std::result::Result<Option<Self>, String> {
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
            return Err("\"!\" must be followed by a pattern".into());
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

fn compile(glob: &str) -> std::result::Result<GlobMatcher, String> {
    GlobBuilder::new(glob)
        .literal_separator(true)
        .backslash_escape(true)
        // `docker_to_glob` emits `{,…}` for a `**` inside a name.
        .empty_alternates(true)
        .build()
        .map(|g| g.compile_matcher())
        .map_err(|e| e.kind().to_string())
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

/// Translate a cleaned Docker pattern (Go `filepath.Match` syntax plus moby's `**`) into
/// globset syntax with the same meaning.
fn docker_to_glob(pattern: &str) -> std::result::Result<String, String> {
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
                let escaped = chars
                    .get(i + 1)
                    .ok_or("a pattern cannot end with a backslash")?;
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
) -> std::result::Result<usize, String> {
    let mut i = start + 1;
    let negated = chars.get(i) == Some(&'^');
    if negated {
        i += 1;
    }
    let mut singles: Vec<char> = Vec::new();
    let mut ranges: Vec<(char, char)> = Vec::new();
    loop {
        match chars.get(i) {
            None => return Err("a character class is missing its closing \"]\"".into()),
            Some(']') if !(singles.is_empty() && ranges.is_empty()) => break,
            Some(_) => {}
        }
        let lo = class_char(chars, &mut i)?;
        if chars.get(i) == Some(&'-') {
            i += 1;
            let hi = class_char(chars, &mut i)?;
            if lo > hi {
                return Err(format!("the range \"{lo}-{hi}\" is reversed"));
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
fn class_char(chars: &[char], i: &mut usize) -> std::result::Result<char, String> {
    let bad = || "invalid character class".to_string();
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

/// The raw bytes of `<dir>/.dockerignore`, `None` when there is none.
fn read_dockerignore(dir: &Path) -> Result<Option<Vec<u8>>> {
    let path = dir.join(DOCKERIGNORE);
    match fs::read(&path) {
        Ok(raw) => Ok(Some(raw)),
        Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(Error::bad_request(format!(
            "Cannot read {}: {e}.",
            path.display()
        ))),
    }
}

// ---------------------------------------------------------------------------------------
// Validation
// ---------------------------------------------------------------------------------------

/// A validated build context, ready to be streamed with [`tar_stream`].
#[derive(Debug, Clone)]
pub struct PreparedContext {
    /// The context folder, with symlinks resolved.
    pub context_dir: PathBuf,
    /// The Dockerfile on disk, with symlinks resolved.
    pub dockerfile: PathBuf,
    /// The Dockerfile's name inside the tar: what the engine's `dockerfile` option needs.
    pub dockerfile_in_tar: String,
    ignore: DockerIgnore,
    /// Sent even when ignored: `.dockerignore` and an in-context Dockerfile.
    always_sent: Vec<String>,
    dockerignore_in_tar: DockerignoreInTar,
    external_dockerfile: Option<ExternalDockerfile>,
}

/// What to send as the root `.dockerignore`.
#[derive(Debug, Clone)]
enum DockerignoreInTar {
    /// Whatever is on disk (absent, or a symlink we do not follow).
    AsOnDisk,
    /// The root `.dockerignore` with these contents: the ones we matched with, so what we
    /// filtered and what the engine re-applies agree even if the file changes meanwhile.
    Replace(Arc<[u8]>),
    /// No `.dockerignore` on disk, but one is needed to hide an external Dockerfile.
    Add(Arc<[u8]>),
}

#[derive(Debug, Clone)]
struct ExternalDockerfile {
    contents: Arc<[u8]>,
    mtime: u64,
}

/// Check the context and Dockerfile and work out the Dockerfile's name in the tar.
///
/// A relative `dockerfile` is looked up like the docker CLI's `-f`: relative to the
/// current directory if it exists there, else relative to the context.
#[tracing::instrument(level = "debug", skip_all, fields(context = %context.display(), dockerfile = ?dockerfile), err(level = "debug", Display))]
pub fn prepare(context: &Path, dockerfile: Option<&Path>) -> Result<PreparedContext> {
    let context_dir = resolve_context(context)?;
    let dockerfile_on_disk = find_dockerfile(context, dockerfile)?;
    let dockerfile = fs::canonicalize(&dockerfile_on_disk).map_err(|e| {
        Error::bad_request(format!(
            "Cannot resolve the Dockerfile {}: {e}.",
            dockerfile_on_disk.display()
        ))
    })?;
    let raw_ignore = read_dockerignore(&context_dir)?;
    let ignore = match &raw_ignore {
        Some(raw) => DockerIgnore::parse(&String::from_utf8_lossy(raw))
            .map_err(|e| e.context(context_dir.join(DOCKERIGNORE).display()))?,
        None => DockerIgnore::default(),
    };

    let mut always_sent = vec![DOCKERIGNORE.to_owned()];
    let (dockerfile_in_tar, external_dockerfile) = match relative_inside(&context_dir, &dockerfile)
    {
        Some(rel) => {
            always_sent.push(rel.clone());
            (rel, None)
        }
        None => (
            unused_name(&context_dir),
            Some(read_external_dockerfile(&dockerfile)?),
        ),
    };
    let dockerignore_in_tar = dockerignore_in_tar(
        &context_dir,
        raw_ignore,
        external_dockerfile
            .is_some()
            .then_some(dockerfile_in_tar.as_str()),
    );
    tracing::debug!(
        dockerfile_in_tar,
        external = external_dockerfile.is_some(),
        patterns = ignore.patterns.len(),
        "build context prepared"
    );
    Ok(PreparedContext {
        context_dir,
        dockerfile,
        dockerfile_in_tar,
        ignore,
        always_sent,
        dockerignore_in_tar,
        external_dockerfile,
    })
}

fn resolve_context(context: &Path) -> Result<PathBuf> {
    let shown = context.display();
    let dir = fs::canonicalize(context).map_err(|e| match e.kind() {
        io::ErrorKind::NotFound => {
            Error::bad_request(format!("Build context {shown} does not exist."))
        }
        _ => Error::bad_request(format!("Cannot open the build context {shown}: {e}.")),
    })?;
    let meta = fs::metadata(&dir)
        .map_err(|e| Error::bad_request(format!("Cannot open the build context {shown}: {e}.")))?;
    if !meta.is_dir() {
        return Err(Error::bad_request(format!(
            "Build context {shown} is a file, not a folder. Pass the folder that holds the \
             files to build from, and the Dockerfile separately if needed."
        )));
    }
    // Fail now rather than mid-upload if the folder cannot even be listed.
    fs::read_dir(&dir)
        .map_err(|e| Error::bad_request(format!("Cannot read the build context {shown}: {e}.")))?;
    Ok(dir)
}

/// Where the Dockerfile is on disk (not yet canonical), checked to be a non-empty file.
fn find_dockerfile(context: &Path, dockerfile: Option<&Path>) -> Result<PathBuf> {
    let candidates: Vec<PathBuf> = match dockerfile {
        // Like the docker CLI, fall back to a lowercase `dockerfile`.
        None => vec![context.join(DEFAULT_DOCKERFILE), context.join("dockerfile")],
        Some(path) if path.is_absolute() => vec![path.to_path_buf()],
        Some(path) => std::env::current_dir()
            .map(|cwd| cwd.join(path))
            .into_iter()
            .chain([context.join(path)])
            .collect(),
    };
    let chosen = candidates
        .iter()
        .find(|c| c.is_file())
        .or_else(|| candidates.iter().find(|c| c.exists()));
    let Some(path) = chosen else {
        return Err(missing_dockerfile(dockerfile, &candidates));
    };
    check_dockerfile(path)?;
    Ok(path.clone())
}

fn missing_dockerfile(given: Option<&Path>, looked_at: &[PathBuf]) -> Error {
    match given {
        None => Error::bad_request(format!(
            "No Dockerfile in the build context: {} does not exist. Add one, or pass the \
             Dockerfile's path.",
            looked_at[0].display()
        )),
        Some(path) => {
            let places: Vec<String> = looked_at.iter().map(|p| p.display().to_string()).collect();
            Error::bad_request(format!(
                "Dockerfile {} does not exist (looked for {}).",
                path.display(),
                places.join(" and ")
            ))
        }
    }
}

fn check_dockerfile(path: &Path) -> Result<()> {
    let shown = path.display();
    let meta = fs::metadata(path)
        .map_err(|e| Error::bad_request(format!("Cannot read the Dockerfile {shown}: {e}.")))?;
    if meta.is_dir() {
        return Err(Error::bad_request(format!(
            "Dockerfile {shown} is a folder, not a file."
        )));
    }
    if !meta.is_file() {
        return Err(Error::bad_request(format!(
            "Dockerfile {shown} is not a regular file."
        )));
    }
    if meta.len() == 0 {
        return Err(Error::bad_request(format!("Dockerfile {shown} is empty.")));
    }
    File::open(path)
        .map_err(|e| Error::bad_request(format!("Cannot read the Dockerfile {shown}: {e}.")))?;
    Ok(())
}

/// The `/`-separated path of `file` inside `dir` (both canonical), if it is inside and
/// representable as UTF-8 (the engine takes the name as a string; otherwise we ship a copy).
fn relative_inside(dir: &Path, file: &Path) -> Option<String> {
    let rel = file.strip_prefix(dir).ok()?;
    let parts: Option<Vec<&str>> = rel.components().map(|c| c.as_os_str().to_str()).collect();
    let joined = parts?.join("/");
    (!joined.is_empty()).then_some(joined)
}

fn read_external_dockerfile(path: &Path) -> Result<ExternalDockerfile> {
    let contents = fs::read(path).map_err(|e| {
        Error::bad_request(format!(
            "Cannot read the Dockerfile {}: {e}.",
            path.display()
        ))
    })?;
    let mtime = fs::metadata(path).map(|m| mtime_of(&m)).unwrap_or(0);
    Ok(ExternalDockerfile {
        contents: contents.into(),
        mtime,
    })
}

/// A `.slipway-dockerfile-<hex>` name not already used in the context.
fn unused_name(dir: &Path) -> String {
    loop {
        let name = format!(".slipway-dockerfile-{}", random_hex());
        if fs::symlink_metadata(dir.join(&name)).is_err() {
            return name;
        }
    }
}

/// 64 random-enough bits without a `rand` dependency: std's `RandomState` is seeded from
/// the OS. This only has to avoid clashing with a file name, not to be secret.
fn random_hex() -> String {
    use std::hash::{BuildHasher, Hasher};
    let mut hasher = std::collections::hash_map::RandomState::new().build_hasher();
    hasher.write_u128(
        SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .unwrap_or_default()
            .as_nanos(),
    );
    hasher.write_u32(std::process::id());
    format!("{:016x}", hasher.finish())
}

fn dockerignore_in_tar(dir: &Path, raw: Option<Vec<u8>>, hide: Option<&str>) -> DockerignoreInTar {
    let is_regular = fs::symlink_metadata(dir.join(DOCKERIGNORE)).is_ok_and(|m| m.is_file());
    match (raw, is_regular, hide) {
        (Some(mut raw), true, hide) => {
            if let Some(name) = hide {
                if !raw.is_empty() && !raw.ends_with(b"\n") {
                    raw.push(b'\n');
                }
                raw.extend_from_slice(format!("{name}\n").as_bytes());
            }
            DockerignoreInTar::Replace(raw.into())
        }
        (None, _, Some(name)) => {
            DockerignoreInTar::Add(format!("{DOCKERIGNORE}\n{name}\n").into_bytes().into())
        }
        _ => DockerignoreInTar::AsOnDisk,
    }
}

// ---------------------------------------------------------------------------------------
// Walking
// ---------------------------------------------------------------------------------------

/// One thing the walk found.
enum Event {
    /// Goes into the tar.
    Send(Item),
    /// Left out by `.dockerignore`; `is_dir` for a directory skipped as a whole.
    Ignored { path: PathBuf, is_dir: bool },
}

struct Item {
    /// Path inside the tar (real OS name, so non-UTF-8 names survive).
    name: PathBuf,
    mode: u32,
    mtime: u64,
    source: Source,
}

enum Source {
    Dir,
    File { path: PathBuf, len: u64 },
    Symlink { path: PathBuf },
    Memory(Arc<[u8]>),
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Kind {
    Dir,
    File,
    Symlink,
}

impl Kind {
    /// `None` for sockets, fifos and devices: they are never sent.
    fn of(meta: &Metadata) -> Option<Self> {
        let t = meta.file_type();
        if t.is_symlink() {
            Some(Self::Symlink)
        } else if t.is_dir() {
            Some(Self::Dir)
        } else if t.is_file() {
            Some(Self::File)
        } else {
            None
        }
    }
}

type Sink<'a> = dyn FnMut(Event) -> io::Result<()> + 'a;

impl PreparedContext {
    /// Walk the context in tar order: sorted by name, depth first, each directory before
    /// its contents; then the generated files (`.dockerignore`, external Dockerfile).
    fn walk(&self, sink: &mut Sink<'_>) -> io::Result<()> {
        self.walk_dir(&self.context_dir, "", Path::new(""), &[], sink)?;
        if let DockerignoreInTar::Add(contents) = &self.dockerignore_in_tar {
            sink(Event::Send(memory_item(
                DOCKERIGNORE,
                0o644,
                now(),
                contents,
            )))?;
        }
        if let Some(external) = &self.external_dockerfile {
            let item = memory_item(
                &self.dockerfile_in_tar,
                0o600,
                external.mtime,
                &external.contents,
            );
            sink(Event::Send(item))?;
        }
        Ok(())
    }

    fn walk_dir(
        &self,
        dir: &Path,
        dir_rel: &str,
        dir_name: &Path,
        parent_hits: &[bool],
        sink: &mut Sink<'_>,
    ) -> io::Result<()> {
        for entry in sorted_entries(dir)? {
            let file_name = entry.file_name();
            let rel = match dir_rel {
                "" => file_name.to_string_lossy().into_owned(),
                _ => format!("{dir_rel}/{}", file_name.to_string_lossy()),
            };
            let path = entry.path();
            let meta =
                fs::symlink_metadata(&path).map_err(|e| annotate(e, "Cannot read", &path))?;
            let Some(kind) = Kind::of(&meta) else {
                tracing::debug!(path = %path.display(), "skipping special file");
                continue;
            };
            let (ignored, hits) = self.ignore.match_path(&rel, parent_hits);
            let send = !ignored || self.always_sent.contains(&rel);
            let name = dir_name.join(&file_name);
            if send {
                sink(Event::Send(self.item(
                    name.clone(),
                    &rel,
                    path.clone(),
                    &meta,
                    kind,
                )))?;
            }
            match kind {
                Kind::Dir if send || self.must_walk_ignored_dir(&rel) => {
                    self.walk_dir(&path, &rel, &name, &hits, sink)?;
                }
                Kind::Dir => sink(Event::Ignored { path, is_dir: true })?,
                _ if !send => sink(Event::Ignored {
                    path,
                    is_dir: false,
                })?,
                _ => {}
            }
        }
        Ok(())
    }

    /// An ignored directory is walked only if something inside may still be sent.
    fn must_walk_ignored_dir(&self, rel: &str) -> bool {
        self.ignore.exception_may_match_below(rel)
            || self.always_sent.iter().any(|p| {
                p.len() > rel.len() && p.starts_with(rel) && p.as_bytes()[rel.len()] == b'/'
            })
    }

    fn item(&self, name: PathBuf, rel: &str, path: PathBuf, meta: &Metadata, kind: Kind) -> Item {
        let source = match kind {
            Kind::Dir => Source::Dir,
            Kind::Symlink => Source::Symlink { path },
            Kind::File => match &self.dockerignore_in_tar {
                DockerignoreInTar::Replace(contents) if rel == DOCKERIGNORE => {
                    Source::Memory(contents.clone())
                }
                _ => Source::File {
                    path,
                    len: meta.len(),
                },
            },
        };
        Item {
            name,
            mode: mode_of(meta, kind),
            mtime: mtime_of(meta),
            source,
        }
    }
}

fn memory_item(name: &str, mode: u32, mtime: u64, contents: &Arc<[u8]>) -> Item {
    Item {
        name: PathBuf::from(name),
        mode,
        mtime,
        source: Source::Memory(contents.clone()),
    }
}

/// A directory's entries sorted by name, so the tar is deterministic.
fn sorted_entries(dir: &Path) -> io::Result<Vec<fs::DirEntry>> {
    let mut entries = fs::read_dir(dir)
        .and_then(|it| it.collect::<io::Result<Vec<_>>>())
        .map_err(|e| annotate(e, "Cannot list", dir))?;
    entries.sort_by_key(|e| e.file_name());
    Ok(entries)
}

/// Files and symlinks below `dir`, from directory listings only (no stat, no reads), for
/// the summary of an ignored directory. Unreadable parts are not counted.
fn count_files_below(dir: &Path) -> u64 {
    let mut count = 0;
    let mut pending = vec![dir.to_path_buf()];
    while let Some(dir) = pending.pop() {
        let Ok(entries) = fs::read_dir(&dir) else {
            continue;
        };
        for entry in entries.flatten() {
            match entry.file_type() {
                Ok(t) if t.is_dir() => pending.push(entry.path()),
                Ok(t) if t.is_file() || t.is_symlink() => count += 1,
                _ => {}
            }
        }
    }
    count
}

#[cfg(unix)]
fn mode_of(meta: &Metadata, _kind: Kind) -> u32 {
    use std::os::unix::fs::PermissionsExt;
    meta.permissions().mode() & 0o7777
}

/// Windows has no Unix modes; like the docker CLI, make everything executable so scripts
/// copied into Linux images still run.
#[cfg(not(unix))]
fn mode_of(_meta: &Metadata, kind: Kind) -> u32 {
    match kind {
        Kind::Symlink => 0o777,
        Kind::Dir | Kind::File => 0o755,
    }
}

fn mtime_of(meta: &Metadata) -> u64 {
    meta.modified().map_or(0, seconds_since_epoch)
}

fn now() -> u64 {
    seconds_since_epoch(SystemTime::now())
}

fn seconds_since_epoch(time: SystemTime) -> u64 {
    time.duration_since(UNIX_EPOCH).map_or(0, |d| d.as_secs())
}

/// Put the path into an I/O error, so "permission denied" says which file.
fn annotate(e: io::Error, what: &str, path: &Path) -> io::Error {
    io::Error::new(e.kind(), format!("{what} {}: {e}", path.display()))
}

// ---------------------------------------------------------------------------------------
// Summary
// ---------------------------------------------------------------------------------------

/// What a build would send.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct ContextSummary {
    /// Regular files and symlinks sent (directories not counted).
    #[cfg_attr(feature = "specta", specta(type = f64))]
    pub files: u64,
    /// Sum of the sent regular files' sizes (not the tar's size).
    #[cfg_attr(feature = "specta", specta(type = f64))]
    pub bytes: u64,
    /// Files and symlinks left out by `.dockerignore`.
    #[cfg_attr(feature = "specta", specta(type = f64))]
    pub ignored: u64,
}

/// Summarise what building `context` would send, validating like [`prepare`].
#[tracing::instrument(level = "debug", skip_all, fields(context = %context.display(), dockerfile = ?dockerfile), err(level = "debug", Display))]
pub fn context_summary(context: &Path, dockerfile: Option<&Path>) -> Result<ContextSummary> {
    prepare(context, dockerfile)?.summary()
}

impl PreparedContext {
    /// Count what [`tar_stream`] would send, without reading any file contents.
    #[tracing::instrument(level = "debug", skip_all, fields(context = %self.context_dir.display()), err(level = "debug", Display))]
    pub fn summary(&self) -> Result<ContextSummary> {
        let mut summary = ContextSummary::default();
        self.walk(&mut |event| {
            summary.add(event);
            Ok(())
        })
        .map_err(walk_error)?;
        tracing::debug!(?summary, "build context summarised");
        Ok(summary)
    }
}

impl ContextSummary {
    fn add(&mut self, event: Event) {
        match event {
            Event::Send(item) => match item.source {
                Source::Dir => {}
                Source::Symlink { .. } => self.files += 1,
                Source::File { len, .. } => {
                    self.files += 1;
                    self.bytes += len;
                }
                Source::Memory(contents) => {
                    self.files += 1;
                    self.bytes += contents.len() as u64;
                }
            },
            Event::Ignored { is_dir: false, .. } => self.ignored += 1,
            Event::Ignored { path, is_dir: true } => self.ignored += count_files_below(&path),
        }
    }
}

/// An unreadable or vanished file in the user's folder is their input to fix: 400.
fn walk_error(e: io::Error) -> Error {
    match e.kind() {
        io::ErrorKind::NotFound | io::ErrorKind::PermissionDenied => {
            Error::bad_request(e.to_string())
        }
        _ => Error::from(e),
    }
    .context("Reading the build context")
}

// ---------------------------------------------------------------------------------------
// Streaming tar
// ---------------------------------------------------------------------------------------

/// Stream the context as a tar, in chunks of at most [`CHUNK_SIZE`] bytes.
///
/// A thread walks the context and writes the tar into a small bounded channel, so memory
/// stays bounded whatever the context's size. Dropping the stream (a cancelled build)
/// makes the thread stop at its next write or entry. A file that cannot be read ends the
/// stream with an `io::Error` naming it.
#[tracing::instrument(level = "debug", skip_all, fields(context = %prepared.context_dir.display()))]
pub fn tar_stream(
    prepared: PreparedContext,
) -> impl futures_util::Stream<Item = io::Result<Bytes>> + Send + 'static {
    let (mut rx, _detached) = spawn_tar_producer(prepared);
    futures_util::stream::poll_fn(move |cx| rx.poll_recv(cx))
}

type Chunk = io::Result<Bytes>;

fn spawn_tar_producer(
    prepared: PreparedContext,
) -> (mpsc::Receiver<Chunk>, Option<JoinHandle<()>>) {
    let (tx, rx) = mpsc::channel(CHANNEL_CAPACITY);
    // Kept only to report a failure to start the thread; dropped when we return.
    let report = tx.clone();
    let span = tracing::debug_span!("context_tar");
    let spawned = std::thread::Builder::new()
        .name("slipway-context-tar".into())
        .spawn(move || span.in_scope(|| produce(&prepared, tx)));
    match spawned {
        Ok(handle) => (rx, Some(handle)),
        Err(e) => {
            let _ = report.try_send(Err(io::Error::new(
                e.kind(),
                format!("Cannot start packing the build context: {e}"),
            )));
            (rx, None)
        }
    }
}

/// The tar thread's body: write everything, then report how it ended.
fn produce(prepared: &PreparedContext, tx: mpsc::Sender<Chunk>) {
    // A panic must end the stream with an error, not look like a complete (short) tar.
    let on_panic = tx.clone();
    let outcome =
        std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| write_tar(prepared, tx)));
    if outcome.is_err() && !on_panic.is_closed() {
        let _ = on_panic.blocking_send(Err(io::Error::other(
            "Internal error while packing the build context.",
        )));
    }
}

fn write_tar(prepared: &PreparedContext, tx: mpsc::Sender<Chunk>) {
    let mut builder = tar::Builder::new(ChannelWriter::new(tx));
    // We never use the path-based appends, but make "never follow" explicit anyway.
    builder.follow_symlinks(false);
    let mut entries = 0u64;
    let result = prepared
        .walk(&mut |event| {
            // Checked per entry so a cancelled build stops even while skipping files.
            builder.get_ref().ensure_open()?;
            if let Event::Send(item) = event {
                append_item(&mut builder, item)?;
                entries += 1;
            }
            Ok(())
        })
        .and_then(|()| builder.finish())
        .and_then(|()| builder.get_mut().flush());
    let writer = builder.get_mut();
    match result {
        Ok(()) => tracing::debug!(entries, bytes = writer.sent, "build context sent"),
        Err(_) if writer.is_closed() => {
            tracing::debug!(
                entries,
                bytes = writer.sent,
                "build context receiver dropped; stopped"
            )
        }
        Err(e) => {
            tracing::warn!(error = %e, "packing the build context failed");
            writer.fail(e);
        }
    }
    // Dropping the builder writes a trailer into the (now closed) writer: discarded.
}

fn append_item<W: Write>(builder: &mut tar::Builder<W>, item: Item) -> io::Result<()> {
    // GNU headers: sizes over 8 GiB and long names/link targets are encoded properly.
    let mut header = tar::Header::new_gnu();
    header.set_mode(item.mode);
    header.set_mtime(item.mtime);
    header.set_uid(0);
    header.set_gid(0);
    match item.source {
        Source::Dir => {
            header.set_entry_type(tar::EntryType::Directory);
            header.set_size(0);
            builder.append_data(&mut header, &item.name, io::empty())
        }
        Source::File { path, len } => {
            header.set_entry_type(tar::EntryType::Regular);
            header.set_size(len);
            let file = File::open(&path).map_err(|e| annotate(e, "Cannot read", &path))?;
            builder.append_data(&mut header, &item.name, ExactReader::new(file, len, path))
        }
        Source::Symlink { path } => {
            let target =
                fs::read_link(&path).map_err(|e| annotate(e, "Cannot read the link", &path))?;
            header.set_entry_type(tar::EntryType::Symlink);
            header.set_size(0);
            builder.append_link(&mut header, &item.name, target)
        }
        Source::Memory(contents) => {
            header.set_entry_type(tar::EntryType::Regular);
            header.set_size(contents.len() as u64);
            builder.append_data(&mut header, &item.name, &contents[..])
        }
    }
}

/// Reads exactly the size written in the tar header: a file that grows is cut at that
/// size, one that shrinks is an error (padding it would send a silently corrupt file).
struct ExactReader {
    inner: io::Take<File>,
    remaining: u64,
    path: PathBuf,
}

impl ExactReader {
    fn new(file: File, len: u64, path: PathBuf) -> Self {
        Self {
            inner: file.take(len),
            remaining: len,
            path,
        }
    }
}

impl Read for ExactReader {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        if self.remaining == 0 || buf.is_empty() {
            return Ok(0);
        }
        let n = self
            .inner
            .read(buf)
            .map_err(|e| annotate(e, "Cannot read", &self.path))?;
        if n == 0 {
            return Err(io::Error::new(
                io::ErrorKind::UnexpectedEof,
                format!(
                    "{} got shorter while it was being sent; try the build again.",
                    self.path.display()
                ),
            ));
        }
        self.remaining -= n as u64;
        Ok(n)
    }
}

/// A `Write` that cuts the tar into chunks and hands them to the upload over a bounded
/// channel, blocking while the upload is behind (that is the back-pressure).
struct ChannelWriter {
    tx: Option<mpsc::Sender<Chunk>>,
    buf: Vec<u8>,
    sent: u64,
}

impl ChannelWriter {
    fn new(tx: mpsc::Sender<Chunk>) -> Self {
        Self {
            tx: Some(tx),
            buf: Vec::with_capacity(CHUNK_SIZE),
            sent: 0,
        }
    }

    fn is_closed(&self) -> bool {
        self.tx.as_ref().is_none_or(|tx| tx.is_closed())
    }

    fn ensure_open(&self) -> io::Result<()> {
        if self.is_closed() {
            return Err(io::Error::new(
                io::ErrorKind::BrokenPipe,
                "The build context is no longer wanted (the build was cancelled).",
            ));
        }
        Ok(())
    }

    fn send_buffer(&mut self) -> io::Result<()> {
        if self.buf.is_empty() {
            return Ok(());
        }
        self.ensure_open()?;
        let chunk = std::mem::replace(&mut self.buf, Vec::with_capacity(CHUNK_SIZE));
        let len = chunk.len() as u64;
        let tx = self.tx.as_ref().expect("checked by ensure_open");
        if tx.blocking_send(Ok(Bytes::from(chunk))).is_err() {
            return self.ensure_open();
        }
        self.sent += len;
        Ok(())
    }

    /// End the stream with `error`; later writes (e.g. the tar trailer) are discarded.
    fn fail(&mut self, error: io::Error) {
        self.buf.clear();
        if let Some(tx) = self.tx.take() {
            let _ = tx.blocking_send(Err(error));
        }
    }
}

impl Write for ChannelWriter {
    fn write(&mut self, data: &[u8]) -> io::Result<usize> {
        self.ensure_open()?;
        let n = data.len().min(CHUNK_SIZE - self.buf.len());
        self.buf.extend_from_slice(&data[..n]);
        if self.buf.len() == CHUNK_SIZE {
            self.send_buffer()?;
        }
        Ok(n)
    }

    fn flush(&mut self) -> io::Result<()> {
        self.send_buffer()
    }
}

// ---------------------------------------------------------------------------------------

#[cfg(test)]
mod tests {
    use super::*;
    use futures_util::StreamExt;
    use std::time::{Duration, Instant};

    fn ignore(text: &str) -> DockerIgnore {
        DockerIgnore::parse(text).expect("valid .dockerignore")
    }

    /// Build a tree: `("dir/file", Some("contents"))` is a file, `("dir", None)` a folder.
    fn tree(entries: &[(&str, Option<&str>)]) -> tempfile::TempDir {
        let dir = tempfile::tempdir().unwrap();
        for (path, contents) in entries {
            let full = dir.path().join(path);
            match contents {
                Some(text) => {
                    fs::create_dir_all(full.parent().unwrap()).unwrap();
                    fs::write(&full, text).unwrap();
                }
                None => fs::create_dir_all(&full).unwrap(),
            }
        }
        dir
    }

    struct TarEntry {
        path: String,
        kind: tar::EntryType,
        link: Option<String>,
        data: Vec<u8>,
        mode: u32,
        uid: u64,
        gid: u64,
    }

    async fn tar_bytes(prepared: PreparedContext) -> Vec<u8> {
        let mut stream = std::pin::pin!(tar_stream(prepared));
        let mut out = Vec::new();
        while let Some(chunk) = stream.next().await {
            out.extend_from_slice(&chunk.expect("tar chunk"));
        }
        out
    }

    fn read_tar(bytes: &[u8]) -> Vec<TarEntry> {
        let mut archive = tar::Archive::new(bytes);
        archive
            .entries()
            .unwrap()
            .map(|entry| {
                let mut entry = entry.unwrap();
                let header = entry.header().clone();
                let path = entry.path().unwrap().to_string_lossy().into_owned();
                let link = entry
                    .link_name()
                    .unwrap()
                    .map(|l| l.to_string_lossy().into_owned());
                let mut data = Vec::new();
                entry.read_to_end(&mut data).unwrap();
                TarEntry {
                    path,
                    kind: header.entry_type(),
                    link,
                    data,
                    mode: header.mode().unwrap(),
                    uid: header.uid().unwrap(),
                    gid: header.gid().unwrap(),
                }
            })
            .collect()
    }

    async fn tar_of(dir: &Path, dockerfile: Option<&Path>) -> Vec<TarEntry> {
        read_tar(&tar_bytes(prepare(dir, dockerfile).unwrap()).await)
    }

    fn paths(entries: &[TarEntry]) -> Vec<&str> {
        entries.iter().map(|e| e.path.as_str()).collect()
    }

    fn find<'a>(entries: &'a [TarEntry], path: &str) -> &'a TarEntry {
        entries
            .iter()
            .find(|e| e.path == path)
            .unwrap_or_else(|| panic!("{path} missing from the tar: {:?}", paths(entries)))
    }

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

    /// Ignored directories reported as skipped wholesale (the walk did not enter them).
    fn skipped_dirs(dir: &Path) -> Vec<String> {
        let prepared = prepare(dir, None).unwrap();
        let mut skipped = Vec::new();
        prepared
            .walk(&mut |event| {
                if let Event::Ignored { path, is_dir: true } = event {
                    let rel = path.strip_prefix(&prepared.context_dir).unwrap();
                    skipped.push(rel.to_string_lossy().into_owned());
                }
                Ok(())
            })
            .unwrap();
        skipped
    }

    #[test]
    fn ignored_dir_without_reachable_exceptions_is_not_entered() {
        let dir = tree(&[
            ("Dockerfile", Some("FROM scratch\n")),
            (".dockerignore", Some("node_modules\n!src/keep\n")),
            ("node_modules/a/index.js", Some("x")),
        ]);
        assert_eq!(skipped_dirs(dir.path()), ["node_modules"]);
        fs::write(
            dir.path().join(DOCKERIGNORE),
            "node_modules\n!node_modules/a/keep\n",
        )
        .unwrap();
        assert!(skipped_dirs(dir.path()).is_empty());
    }

    // --- validation ----------------------------------------------------------------------

    #[test]
    fn missing_context_is_a_400() {
        let dir = tempfile::tempdir().unwrap();
        let err = prepare(&dir.path().join("nope"), None).unwrap_err();
        assert_eq!(err.code, 400);
        assert!(err.message.contains("does not exist"), "{}", err.message);
    }

    #[test]
    fn context_that_is_a_file_is_a_400() {
        let dir = tree(&[("Dockerfile", Some("FROM scratch\n"))]);
        let err = prepare(&dir.path().join("Dockerfile"), None).unwrap_err();
        assert_eq!(err.code, 400);
        assert!(
            err.message.contains("is a file, not a folder"),
            "{}",
            err.message
        );
    }

    #[test]
    fn missing_dockerfile_is_a_400_naming_the_path_looked_for() {
        let dir = tree(&[("app.txt", Some("x"))]);
        let err = prepare(dir.path(), None).unwrap_err();
        assert_eq!(err.code, 400);
        assert!(
            err.message
                .contains(&dir.path().join("Dockerfile").display().to_string()),
            "{}",
            err.message
        );
        let err = prepare(dir.path(), Some(Path::new("nope.Dockerfile"))).unwrap_err();
        assert_eq!(err.code, 400);
        assert!(err.message.contains("nope.Dockerfile"), "{}", err.message);
    }

    #[test]
    fn empty_or_folder_dockerfile_is_a_400() {
        let dir = tree(&[("Dockerfile", Some("")), ("df", None)]);
        assert!(
            prepare(dir.path(), None)
                .unwrap_err()
                .message
                .contains("empty")
        );
        let err = prepare(dir.path(), Some(&dir.path().join("df"))).unwrap_err();
        assert!(err.message.contains("is a folder"), "{}", err.message);
    }

    #[test]
    fn relative_dockerfile_falls_back_to_the_context() {
        let dir = tree(&[("docker/app.Dockerfile", Some("FROM scratch\n"))]);
        let prepared = prepare(dir.path(), Some(Path::new("docker/app.Dockerfile"))).unwrap();
        assert_eq!(prepared.dockerfile_in_tar, "docker/app.Dockerfile");
        assert!(prepared.external_dockerfile.is_none());
    }

    #[test]
    fn lowercase_dockerfile_is_found_like_the_docker_cli_does() {
        let dir = tree(&[("dockerfile", Some("FROM scratch\n"))]);
        assert_eq!(
            prepare(dir.path(), None).unwrap().dockerfile_in_tar,
            "dockerfile"
        );
    }

    // --- summary ---------------------------------------------------------------------------

    #[test]
    fn summary_counts_sent_files_bytes_and_ignored_files() {
        let dir = tree(&[
            ("Dockerfile", Some("FROM scratch\n")),    // 13
            (".dockerignore", Some("*.log\nbuild\n")), // 12
            ("a.txt", Some("hello")),                  // 5
            ("app.log", Some("ignored")),
            ("sub/b.txt", Some("abc")),  // 3
            ("sub/c.log", Some("kept")), // 4: `*.log` is root-only
            ("build/x", Some("ignored")),
            ("build/deep/y", Some("ignored")),
            ("empty", None),
        ]);
        #[cfg(unix)]
        std::os::unix::fs::symlink("a.txt", dir.path().join("link")).unwrap();
        let summary = context_summary(dir.path(), None).unwrap();
        let links = if cfg!(unix) { 1 } else { 0 };
        assert_eq!(
            summary,
            ContextSummary {
                files: 5 + links,
                bytes: 13 + 12 + 5 + 3 + 4,
                ignored: 3,
            }
        );
    }

    #[test]
    fn summary_serialises_as_plain_numbers() {
        let s = ContextSummary {
            files: 1,
            bytes: 2,
            ignored: 3,
        };
        assert_eq!(
            serde_json::to_value(&s).unwrap(),
            serde_json::json!({"files": 1, "bytes": 2, "ignored": 3})
        );
    }

    // --- tar ---------------------------------------------------------------------------------

    #[tokio::test]
    async fn tar_leaves_out_ignored_files_but_always_has_dockerfile_and_dockerignore() {
        let dir = tree(&[
            ("Dockerfile", Some("FROM scratch\n")),
            (
                ".dockerignore",
                Some("Dockerfile\n.dockerignore\n*.secret\nbuild\n"),
            ),
            ("app.txt", Some("app")),
            ("key.secret", Some("shh")),
            ("build/out.o", Some("obj")),
            ("src/main.rs", Some("fn main() {}")),
        ]);
        let entries = tar_of(dir.path(), None).await;
        assert_eq!(
            paths(&entries),
            [
                ".dockerignore",
                "Dockerfile",
                "app.txt",
                "src",
                "src/main.rs"
            ]
        );
        assert_eq!(find(&entries, "Dockerfile").data, b"FROM scratch\n");
        assert_eq!(
            find(&entries, ".dockerignore").data,
            b"Dockerfile\n.dockerignore\n*.secret\nbuild\n"
        );
        assert_eq!(find(&entries, "src").kind, tar::EntryType::Directory);
        assert!(entries.iter().all(|e| e.uid == 0 && e.gid == 0));
    }

    #[cfg(unix)]
    #[tokio::test]
    async fn tar_keeps_file_modes() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tree(&[
            ("Dockerfile", Some("FROM scratch\n")),
            ("run.sh", Some("#!/bin/sh\n")),
        ]);
        fs::set_permissions(dir.path().join("run.sh"), fs::Permissions::from_mode(0o750)).unwrap();
        let entries = tar_of(dir.path(), None).await;
        assert_eq!(find(&entries, "run.sh").mode, 0o750);
    }

    #[tokio::test]
    async fn exception_inside_an_ignored_dir_sends_only_the_exception() {
        let dir = tree(&[
            ("Dockerfile", Some("FROM scratch\n")),
            (".dockerignore", Some("vendor\n!vendor/keep/me.txt\n")),
            ("vendor/drop.txt", Some("x")),
            ("vendor/keep/me.txt", Some("kept")),
            ("vendor/keep/not-me.txt", Some("x")),
        ]);
        let entries = tar_of(dir.path(), None).await;
        assert_eq!(
            paths(&entries),
            [".dockerignore", "Dockerfile", "vendor/keep/me.txt"]
        );
        assert_eq!(context_summary(dir.path(), None).unwrap().ignored, 2);
    }

    #[tokio::test]
    async fn dockerfile_inside_an_ignored_dir_is_still_sent() {
        let dir = tree(&[
            ("docker/Dockerfile", Some("FROM scratch\n")),
            ("docker/other", Some("x")),
            (".dockerignore", Some("docker\n")),
        ]);
        let dockerfile = dir.path().join("docker/Dockerfile");
        let prepared = prepare(dir.path(), Some(&dockerfile)).unwrap();
        assert_eq!(prepared.dockerfile_in_tar, "docker/Dockerfile");
        let entries = read_tar(&tar_bytes(prepared).await);
        assert_eq!(paths(&entries), [".dockerignore", "docker/Dockerfile"]);
    }

    #[cfg(unix)]
    #[tokio::test]
    async fn symlink_to_outside_is_stored_as_a_link_not_its_contents() {
        let outside = tree(&[("secret.txt", Some("do not ship"))]);
        let dir = tree(&[("Dockerfile", Some("FROM scratch\n"))]);
        let target = outside.path().join("secret.txt");
        std::os::unix::fs::symlink(&target, dir.path().join("link")).unwrap();
        std::os::unix::fs::symlink(outside.path(), dir.path().join("dirlink")).unwrap();
        let entries = tar_of(dir.path(), None).await;
        let link = find(&entries, "link");
        assert_eq!(link.kind, tar::EntryType::Symlink);
        assert_eq!(link.link.as_deref(), Some(target.to_str().unwrap()));
        assert!(link.data.is_empty());
        assert_eq!(find(&entries, "dirlink").kind, tar::EntryType::Symlink);
        assert!(!paths(&entries).iter().any(|p| p.contains("secret")));
    }

    #[tokio::test]
    async fn external_dockerfile_is_shipped_under_a_generated_name() {
        let elsewhere = tree(&[("build.Dockerfile", Some("FROM busybox\nRUN true\n"))]);
        let dir = tree(&[("app.txt", Some("app")), (".dockerignore", Some("*.tmp"))]);
        let prepared =
            prepare(dir.path(), Some(&elsewhere.path().join("build.Dockerfile"))).unwrap();
        let name = prepared.dockerfile_in_tar.clone();
        assert!(name.starts_with(".slipway-dockerfile-"), "{name}");
        assert_eq!(name.len(), ".slipway-dockerfile-".len() + 16);
        let entries = read_tar(&tar_bytes(prepared).await);
        assert_eq!(find(&entries, &name).data, b"FROM busybox\nRUN true\n");
        // Hidden from `COPY . .` the way the docker CLI hides its copy.
        assert_eq!(
            find(&entries, ".dockerignore").data,
            format!("*.tmp\n{name}\n").as_bytes()
        );
    }

    #[tokio::test]
    async fn external_dockerfile_without_dockerignore_adds_one_hiding_it() {
        let elsewhere = tree(&[("Dockerfile", Some("FROM scratch\n"))]);
        let dir = tree(&[("app.txt", Some("app"))]);
        let prepared = prepare(dir.path(), Some(&elsewhere.path().join("Dockerfile"))).unwrap();
        let name = prepared.dockerfile_in_tar.clone();
        let summary = prepared.summary().unwrap();
        let entries = read_tar(&tar_bytes(prepared).await);
        assert_eq!(paths(&entries), ["app.txt", ".dockerignore", name.as_str()]);
        let hidden = DockerIgnore::parse(&String::from_utf8_lossy(
            &find(&entries, ".dockerignore").data,
        ))
        .unwrap();
        assert!(hidden.is_ignored(&name));
        assert_eq!(summary.files, 3);
    }

    #[tokio::test]
    async fn long_paths_survive_the_tar() {
        let long = format!("{}/{}.txt", "d".repeat(120), "f".repeat(120));
        let dir = tree(&[
            ("Dockerfile", Some("FROM scratch\n")),
            (long.as_str(), Some("x")),
        ]);
        let entries = tar_of(dir.path(), None).await;
        assert_eq!(find(&entries, &long).data, b"x");
    }

    #[cfg(unix)]
    #[tokio::test]
    async fn sockets_are_skipped() {
        let dir = tree(&[("Dockerfile", Some("FROM scratch\n"))]);
        let _listener = std::os::unix::net::UnixListener::bind(dir.path().join("sock")).unwrap();
        let entries = tar_of(dir.path(), None).await;
        assert_eq!(paths(&entries), ["Dockerfile"]);
    }

    #[test]
    fn unreadable_file_error_names_the_file() {
        let dir = tempfile::tempdir().unwrap();
        let gone = dir.path().join("vanished.txt");
        let item = Item {
            name: "vanished.txt".into(),
            mode: 0o644,
            mtime: 0,
            source: Source::File {
                path: gone.clone(),
                len: 3,
            },
        };
        let err = append_item(&mut tar::Builder::new(Vec::new()), item).unwrap_err();
        assert!(
            err.to_string().contains(&gone.display().to_string()),
            "{err}"
        );
    }

    #[test]
    fn file_that_shrinks_while_sent_is_an_error_not_a_corrupt_tar() {
        let dir = tree(&[("short", Some("abc"))]);
        let path = dir.path().join("short");
        let item = Item {
            name: "short".into(),
            mode: 0o644,
            mtime: 0,
            source: Source::File {
                path: path.clone(),
                len: 10,
            },
        };
        let err = append_item(&mut tar::Builder::new(Vec::new()), item).unwrap_err();
        assert!(err.to_string().contains("got shorter"), "{err}");
    }

    #[cfg(unix)]
    #[tokio::test]
    async fn unreadable_file_ends_the_stream_with_an_error_naming_it() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tree(&[
            ("Dockerfile", Some("FROM scratch\n")),
            ("locked", Some("x")),
        ]);
        let locked = dir.path().join("locked");
        fs::set_permissions(&locked, fs::Permissions::from_mode(0o000)).unwrap();
        if File::open(&locked).is_ok() {
            eprintln!("skipped: running with privileges that read any file");
            return;
        }
        let mut stream = std::pin::pin!(tar_stream(prepare(dir.path(), None).unwrap()));
        let mut error = None;
        while let Some(chunk) = stream.next().await {
            if let Err(e) = chunk {
                error = Some(e);
            }
        }
        let error = error.expect("the stream should end with an error");
        assert!(error.to_string().contains("locked"), "{error}");
    }

    // --- streaming -------------------------------------------------------------------------

    const BIG: u64 = 50 * 1024 * 1024;

    fn context_with_big_file() -> tempfile::TempDir {
        let dir = tree(&[("Dockerfile", Some("FROM scratch\n"))]);
        // Sparse: 50 MiB of zeros on the tar side without writing them to disk.
        File::create(dir.path().join("big.bin"))
            .unwrap()
            .set_len(BIG)
            .unwrap();
        dir
    }

    #[tokio::test]
    async fn big_context_is_streamed_in_bounded_chunks() {
        let dir = context_with_big_file();
        let mut stream = std::pin::pin!(tar_stream(prepare(dir.path(), None).unwrap()));
        let (mut chunks, mut total) = (0u64, 0u64);
        while let Some(chunk) = stream.next().await {
            let chunk = chunk.unwrap();
            assert!(chunk.len() <= CHUNK_SIZE, "chunk of {} bytes", chunk.len());
            chunks += 1;
            total += chunk.len() as u64;
        }
        assert!(total > BIG);
        assert!(chunks >= BIG / CHUNK_SIZE as u64, "only {chunks} chunks");
    }

    #[tokio::test]
    async fn dropping_the_stream_stops_the_tar_thread() {
        let dir = context_with_big_file();
        let (mut rx, handle) = spawn_tar_producer(prepare(dir.path(), None).unwrap());
        let handle = handle.expect("thread started");
        let first = rx.recv().await.expect("a first chunk").unwrap();
        assert_eq!(first.len(), CHUNK_SIZE);
        drop(rx);
        let deadline = Instant::now() + Duration::from_secs(1);
        while !handle.is_finished() {
            assert!(
                Instant::now() < deadline,
                "tar thread still running after the stream was dropped"
            );
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
        handle.join().unwrap();
    }
}
