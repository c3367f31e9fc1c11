//! Paths the user typed, pasted or picked, checked before any engine call.

use slipway_core::Error;
use slipway_core::error::{ErrorKind, PathPurpose};
use std::path::PathBuf;

/// `~` is the user's home; anything else must be absolute (relative to what? the app has no
/// meaningful working directory).
pub(crate) fn user_path(typed: &str, what: &str) -> Result<PathBuf, Error> {
    let typed = typed.trim();
    if typed.is_empty() {
        return Err(Error::of(ErrorKind::ChoosePath {
            purpose: PathPurpose::from(what),
        }));
    }
    let path = match typed.strip_prefix("~/") {
        Some(rest) => std::env::var_os("HOME")
            .map(|home| PathBuf::from(home).join(rest))
            .ok_or_else(|| Error::of(ErrorKind::HomeNotSet))?,
        None => PathBuf::from(typed),
    };
    if !path.is_absolute() {
        return Err(Error::of(ErrorKind::NotAbsolute { path: typed.into() }));
    }
    Ok(path)
}

/// A file to write: not a folder, in a folder that exists.
pub(crate) fn save_target(typed: &str) -> Result<PathBuf, Error> {
    let path = user_path(typed, "a file to save to")?;
    if path.is_dir() {
        return Err(Error::of(ErrorKind::IsAFolder {
            path: path.display().to_string(),
        }));
    }
    match path.parent() {
        Some(dir) if dir.is_dir() => Ok(path),
        _ => Err(Error::of(ErrorKind::ParentMissing {
            path: path.display().to_string(),
        })),
    }
}

/// A folder to read (a build context).
pub(crate) fn existing_dir(typed: &str, what: &str) -> Result<PathBuf, Error> {
    let path = user_path(typed, what)?;
    if !path.is_dir() {
        return Err(Error::of(ErrorKind::NotAFolder {
            path: path.display().to_string(),
        }));
    }
    Ok(path)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn relative_paths_are_refused_because_the_app_has_no_working_directory() {
        assert_eq!(save_target("images.tar").unwrap_err().code, 400);
        assert_eq!(save_target("  ").unwrap_err().code, 400);
    }

    #[test]
    fn a_folder_or_a_missing_folder_is_a_clear_error_not_a_failed_save() {
        let dir = tempfile::tempdir().unwrap();
        let e = save_target(dir.path().to_str().unwrap()).unwrap_err();
        assert!(e.message.contains("is a folder"), "{}", e.message);
        let missing = dir.path().join("nope/out.tar");
        let e = save_target(missing.to_str().unwrap()).unwrap_err();
        assert!(e.message.contains("does not exist"), "{}", e.message);
        let ok = dir.path().join("out.tar");
        assert_eq!(save_target(ok.to_str().unwrap()).unwrap(), ok);
    }

    #[test]
    fn a_build_context_must_be_an_existing_folder() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("Dockerfile");
        std::fs::write(&file, "FROM scratch\n").unwrap();
        assert!(existing_dir(dir.path().to_str().unwrap(), "a context").is_ok());
        let e = existing_dir(file.to_str().unwrap(), "a context").unwrap_err();
        assert!(e.message.contains("is not a folder"), "{}", e.message);
    }

    #[test]
    fn tilde_means_home() {
        let Some(home) = std::env::var_os("HOME") else {
            return;
        };
        assert_eq!(
            user_path("~/x.tar", "a file").unwrap(),
            PathBuf::from(home).join("x.tar")
        );
    }
}
