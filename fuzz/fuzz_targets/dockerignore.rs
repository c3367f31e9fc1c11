//! `.dockerignore` matching. Input: pattern lines, a NUL byte, then paths (one a line).
//! Besides never panicking: a folder the context walk skips unread (ignored, and no
//! exception may reach inside) holds nothing that is not ignored; a literal name ignores
//! itself and everything below it; `!name` after it takes it back; cleaning a path (`./`,
//! `//`, a trailing `/`) never changes the answer.
#![no_main]
use libfuzzer_sys::fuzz_target;
use slipway_core::context::DockerIgnore;

fn literal(p: &str) -> bool {
    !p.is_empty() && p.len() < 64 && p.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_')
}

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    let (patterns, paths) = text.split_once('\0').unwrap_or((&text, ""));
    let ignore = match DockerIgnore::parse(patterns) {
        Ok(i) => i,
        Err(e) => {
            assert_eq!(e.code, 400, "{e:?}");
            assert!(e.message.contains("line"), "{}", e.message);
            return;
        }
    };
    let paths: Vec<&str> = paths
        .lines()
        .map(|p| p.trim_matches('/'))
        .filter(|p| !p.is_empty() && !p.split('/').any(|c| c.is_empty() || c == "." || c == ".."))
        .take(16)
        .collect();
    for path in &paths {
        let ignored = ignore.is_ignored(path);
        assert_eq!(ignore.is_ignored(&format!("./{path}")), ignored, "{path:?}");
        assert_eq!(ignore.is_ignored(&format!("{path}/")), ignored, "{path:?}");
        assert_eq!(
            ignore.is_ignored(&path.replace('/', "//")),
            ignored,
            "{path:?}"
        );
        // Every folder above `path` that the walk would skip whole.
        for (i, _) in path.match_indices('/') {
            let dir = &path[..i];
            if ignore.is_ignored(dir) && !ignore.exception_may_match_below(dir) {
                assert!(
                    ignored,
                    "{dir:?} is skipped unread, yet {path:?} below it is not ignored by {patterns:?}"
                );
            }
        }
    }
    // The first path's first name, as a literal pattern added last: it and all below it go;
    // `!name` after it takes the name back.
    let Some(first) = paths
        .first()
        .and_then(|p| p.split('/').next())
        .filter(|f| literal(f))
    else {
        return;
    };
    let own = DockerIgnore::parse(&format!("{patterns}\n{first}")).unwrap();
    assert!(own.is_ignored(first), "{first:?}");
    assert!(
        own.is_ignored(paths[0]),
        "{:?} is below {first:?}",
        paths[0]
    );
    let back = DockerIgnore::parse(&format!("{patterns}\n{first}\n!{first}")).unwrap();
    assert!(!back.is_ignored(first), "!{first} takes {first} back");
});
