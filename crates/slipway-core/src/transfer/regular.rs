//! Files the user names for Slipway to read (a tar to load or import, a Dockerfile): regular
//! files only. A folder, a named pipe, a socket or a device is refused with a sentence naming
//! the file and what it is — a FIFO would otherwise hang the read until someone writes to it.

use crate::error::{Error, ErrorKind, Result};
use std::fs::{File, Metadata};
use std::path::Path;

/// Open `path` for reading if it is a regular file (symlinks followed), with its metadata.
///
/// The file is opened without blocking and checked through the open handle, so it cannot be
/// swapped for a FIFO between the check and the read, and opening a FIFO does not wait.
pub fn open_regular(path: &Path) -> Result<(File, Metadata)> {
    let cannot = |e: std::io::Error| {
        Error::of(ErrorKind::CannotRead {
            path: path.display().to_string(),
        })
        .with_detail(e)
    };
    // Before opening: a folder or a device is named as such (opening a device can do things).
    let meta = std::fs::metadata(path).map_err(cannot)?;
    not_regular(path, &meta)?;
    let file = open_nonblocking(path).map_err(cannot)?;
    let meta = file.metadata().map_err(cannot)?;
    not_regular(path, &meta)?;
    Ok((file, meta))
}

#[cfg(unix)]
fn open_nonblocking(path: &Path) -> std::io::Result<File> {
    use std::os::unix::fs::OpenOptionsExt;
    // O_NONBLOCK only changes how a FIFO or device opens; reads of a regular file ignore it.
    File::options()
        .read(true)
        .custom_flags(libc::O_NONBLOCK)
        .open(path)
}

#[cfg(not(unix))]
fn open_nonblocking(path: &Path) -> std::io::Result<File> {
    File::open(path)
}

fn not_regular(path: &Path, meta: &Metadata) -> Result<()> {
    if meta.is_file() {
        return Ok(());
    }
    let path = path.display().to_string();
    Err(Error::of(kind_of(meta, path)))
}

/// What a non-regular file is, named.
fn kind_of(meta: &Metadata, path: String) -> ErrorKind {
    if meta.is_dir() {
        return ErrorKind::FolderNotFile { path };
    }
    #[cfg(unix)]
    {
        use std::os::unix::fs::FileTypeExt;
        let t = meta.file_type();
        if t.is_fifo() {
            return ErrorKind::NamedPipe { path };
        }
        if t.is_socket() {
            return ErrorKind::SocketFile { path };
        }
        if t.is_block_device() || t.is_char_device() {
            return ErrorKind::DeviceFile { path };
        }
    }
    ErrorKind::NotARegularFile { path }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::{Duration, Instant};

    fn refused(path: &Path) -> String {
        let e = open_regular(path).expect_err("refused");
        assert_eq!(e.code, 400);
        assert!(
            e.message.contains(&path.display().to_string()),
            "names the file: {}",
            e.message
        );
        e.message
    }

    #[test]
    fn a_regular_file_opens_and_a_symlink_to_one_too() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("a.tar");
        std::fs::write(&file, b"12345").unwrap();
        assert_eq!(open_regular(&file).unwrap().1.len(), 5);
        #[cfg(unix)]
        {
            let link = dir.path().join("link.tar");
            std::os::unix::fs::symlink(&file, &link).unwrap();
            assert_eq!(open_regular(&link).unwrap().1.len(), 5);
        }
    }

    #[test]
    fn a_folder_is_named_as_one() {
        let dir = tempfile::tempdir().unwrap();
        assert!(refused(dir.path()).contains("is a folder"));
    }

    #[cfg(unix)]
    #[test]
    fn a_fifo_is_refused_at_once_instead_of_hanging_the_read() {
        let dir = tempfile::tempdir().unwrap();
        let fifo = dir.path().join("images.tar");
        let made = std::process::Command::new("mkfifo")
            .arg(&fifo)
            .status()
            .unwrap();
        assert!(made.success());
        let started = Instant::now();
        assert!(refused(&fifo).contains("named pipe (FIFO)"));
        assert!(started.elapsed() < Duration::from_secs(2), "no wait");
        // A symlink to it too.
        let link = dir.path().join("Dockerfile");
        std::os::unix::fs::symlink(&fifo, &link).unwrap();
        assert!(refused(&link).contains("named pipe"));
    }

    #[cfg(unix)]
    #[test]
    fn a_socket_and_a_device_are_refused() {
        let dir = tempfile::tempdir().unwrap();
        let sock = dir.path().join("engine.sock");
        let _listener = std::os::unix::net::UnixListener::bind(&sock).unwrap();
        assert!(refused(&sock).contains("a socket"));
        assert!(refused(Path::new("/dev/null")).contains("a device"));
    }

    #[test]
    fn a_missing_file_says_so() {
        let dir = tempfile::tempdir().unwrap();
        assert!(refused(&dir.path().join("nope.tar")).contains("Cannot read"));
    }
}
