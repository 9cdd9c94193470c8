//! One writer at a time: an advisory lock on `kefu.lock` in the data directory.
//!
//! Delta commits are atomic each, but an ingest is several (sources, then facts)
//! and dedupes against the rows stored when it began; two at once lose facts or
//! write groups twice. Every writer holds this lock from before it reads the store
//! until its last commit. The operating system releases it when the holder exits,
//! however it exits, so a killed ingest never leaves the store locked.

use crate::{Result, StoreError};
use std::fs::{File, OpenOptions, TryLockError};
use std::io::{Read, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};

const LOCK_FILE: &str = "kefu.lock";

/// The writer lock, held until dropped.
#[derive(Debug)]
pub struct WriteLock {
    file: File,
    path: PathBuf,
}

impl WriteLock {
    pub fn path(&self) -> &Path {
        &self.path
    }
}

impl Drop for WriteLock {
    fn drop(&mut self) {
        // Who held it is of no interest once released; the lock itself goes with
        // the file handle.
        let _ = self.file.set_len(0);
        let _ = self.file.unlock();
    }
}

fn io_err(path: &Path) -> impl FnOnce(std::io::Error) -> StoreError + '_ {
    move |source| StoreError::Io {
        path: path.display().to_string(),
        source,
    }
}

fn open_lock_file(root: &Path) -> Result<(File, PathBuf)> {
    let path = root.join(LOCK_FILE);
    let file = OpenOptions::new()
        .read(true)
        .write(true)
        .create(true)
        .truncate(false)
        .open(&path)
        .map_err(io_err(&path))?;
    Ok((file, path))
}

/// Who holds the lock, as its holder wrote it ("pid 123, kefu ingest, since …").
fn holder(file: &mut File) -> String {
    let mut s = String::new();
    let _ = file.seek(SeekFrom::Start(0));
    let _ = file.read_to_string(&mut s);
    let s = s.trim();
    if s.is_empty() {
        "another process".into()
    } else {
        s.to_string()
    }
}

fn claim(mut file: File, path: PathBuf, what: &str) -> Result<WriteLock> {
    let line = format!(
        "pid {}, {what}, since {}",
        std::process::id(),
        chrono::Utc::now().format("%Y-%m-%d %H:%M:%S UTC")
    );
    file.set_len(0).map_err(io_err(&path))?;
    file.seek(SeekFrom::Start(0)).map_err(io_err(&path))?;
    file.write_all(line.as_bytes()).map_err(io_err(&path))?;
    Ok(WriteLock { file, path })
}

/// Takes the lock if it is free; `Err(holder)` names who holds it.
pub fn try_lock(root: &Path, what: &str) -> Result<std::result::Result<WriteLock, String>> {
    let (mut file, path) = open_lock_file(root)?;
    match file.try_lock() {
        Ok(()) => Ok(Ok(claim(file, path, what)?)),
        Err(TryLockError::WouldBlock) => Ok(Err(holder(&mut file))),
        Err(TryLockError::Error(e)) => Err(io_err(&path)(e)),
    }
}

/// Takes the lock, waiting for its holder to finish; `on_wait` is told once who
/// holds it, so a face can say why nothing happens.
pub async fn lock(root: &Path, what: &str, on_wait: &(dyn Fn(&str) + Sync)) -> Result<WriteLock> {
    match try_lock(root, what)? {
        Ok(l) => return Ok(l),
        Err(h) => on_wait(&h),
    }
    let root = root.to_path_buf();
    let what = what.to_string();
    tokio::task::spawn_blocking(move || {
        let (file, path) = open_lock_file(&root)?;
        file.lock().map_err(io_err(&path))?;
        claim(file, path, &what)
    })
    .await
    .map_err(|e| StoreError::Other(format!("waiting for the store lock: {e}")))?
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_second_writer_is_refused_while_the_first_holds_the_lock() {
        let dir = tempfile::tempdir().unwrap();
        let first = try_lock(dir.path(), "kefu ingest").unwrap().unwrap();
        let held = try_lock(dir.path(), "kefu store optimize").unwrap();
        let holder = held.expect_err("the lock is held");
        assert!(holder.contains(&format!("pid {}", std::process::id())));
        assert!(holder.contains("kefu ingest"), "{holder}");
        drop(first);
        assert!(try_lock(dir.path(), "again").unwrap().is_ok());
    }

    #[tokio::test]
    async fn a_waiting_writer_gets_the_lock_when_the_holder_lets_go() {
        let dir = tempfile::tempdir().unwrap();
        let first = try_lock(dir.path(), "first").unwrap().unwrap();
        let told = std::sync::Mutex::new(Vec::new());
        let root = dir.path().to_path_buf();
        let release = tokio::spawn(async move {
            tokio::time::sleep(std::time::Duration::from_millis(200)).await;
            drop(first);
        });
        let second = lock(&root, "second", &|h| {
            told.lock().unwrap().push(h.to_string())
        })
        .await
        .unwrap();
        release.await.unwrap();
        assert_eq!(told.lock().unwrap().len(), 1);
        assert!(told.lock().unwrap()[0].contains("first"));
        drop(second);
    }
}
