//! The handover journal: a message the SMTP server accepted is written down here the moment the
//! server says so, before its result reaches the database.
//!
//! Why: between the server's "250" and the commit of the result (about a millisecond on
//! PostgreSQL, ten or more on SQLite, whose one writer the import's chunks and the claims wait
//! for too) a process killed with SIGKILL leaves the message claimed and unrecorded, and the next
//! process of its instance sends it again: the same Message-ID, but a second copy at the
//! recipient's server. A line appended to a file outlives the process once `write` returns (it is
//! in the kernel's page cache), so the next process of the instance records those messages as
//! sent instead of sending them again (`outbox::record_handed`). The line does not outlive the
//! machine losing power (no fsync per message, which would cost more than the copy it saves):
//! then they go again, as before.
//!
//! One file per instance, `<data folder>/outbox/<instance>.handed`, a line per message: its id
//! and the token of the claim it was sent under. Only a line whose message is still queued under
//! that same claim is taken as sent, so a message recorded since, or claimed again by another
//! process after its lease ran out, stays as the database has it. After `LINES_PER_FILE` lines
//! the file starts afresh and the previous one is kept as `.old` until the next turn: a message
//! is recorded within a few hundred sends of its line (the senders run at most 256 results
//! ahead of the recorder, `outbox::unrecorded_at_most`), so the lines that matter are always in
//! one of the two.

use std::{
    fs::{File, OpenOptions},
    io::Write,
    path::{Path, PathBuf},
    sync::Mutex,
};

/// Lines written to one file before it is turned over.
const LINES_PER_FILE: usize = 20_000;

pub struct Journal {
    path: PathBuf,
    old: PathBuf,
    open: Mutex<Open>,
}

struct Open {
    /// Opened at the first line, so a process that sends nothing leaves no file.
    file: Option<File>,
    lines: usize,
    /// The file could not be opened or written: logged once, and the process goes on without it.
    broken: bool,
}

impl std::fmt::Debug for Journal {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Journal").field("path", &self.path).finish()
    }
}

/// `<folder>/outbox/<instance><suffix>`.
fn instance_file(folder: &Path, instance: &str, suffix: &str) -> PathBuf {
    // Instances are `i` or `r` and hex (`instance_of`); anything else never leaves the folder.
    let instance: String = instance.chars().filter(char::is_ascii_alphanumeric).collect();
    folder.join("outbox").join(format!("{instance}{suffix}"))
}

fn paths(folder: &Path, instance: &str) -> (PathBuf, PathBuf) {
    (instance_file(folder, instance, ".handed"), instance_file(folder, instance, ".handed.old"))
}

/// An instance held by its live process: an exclusive lock on `<instance>.lock` beside its
/// journal, taken before the predecessor's journal is read and claims taken back, and let go
/// when the process ends (by the kernel, on a kill too). A process stopping gracefully frees
/// its address before it has finished sending (up to 30 s): without the lock its successor
/// would clear a journal still being written and take back claims still being sent.
#[derive(Debug)]
pub struct Held {
    _file: File,
}

/// The lock file of an instance, opened once and tried until its previous process lets go.
#[derive(Debug)]
pub struct InstanceLock {
    file: File,
}

impl InstanceLock {
    /// Opens (creating) `<instance>.lock` in the data folder's outbox folder.
    pub fn open(folder: &Path, instance: &str) -> std::io::Result<InstanceLock> {
        let path = instance_file(folder, instance, ".lock");
        path.parent().map_or(Ok(()), std::fs::create_dir_all)?;
        let file = OpenOptions::new().create(true).truncate(false).write(true).open(&path)?;
        Ok(InstanceLock { file })
    }

    /// The instance, held, if no live process holds it; else the lock back, to try again.
    pub fn try_hold(self) -> std::io::Result<Result<Held, InstanceLock>> {
        match self.file.try_lock() {
            Ok(()) => Ok(Ok(Held { _file: self.file })),
            Err(std::fs::TryLockError::WouldBlock) => Ok(Err(self)),
            Err(std::fs::TryLockError::Error(e)) => Err(e),
        }
    }
}

fn append(path: &Path) -> std::io::Result<File> {
    OpenOptions::new().create(true).append(true).open(path)
}

impl Journal {
    /// The journal of `instance` in the data folder, for the process that now holds it (after
    /// `outbox::record_handed` has read what its predecessor wrote).
    pub fn new(folder: &Path, instance: &str) -> Journal {
        let (path, old) = paths(folder, instance);
        Journal { path, old, open: Mutex::new(Open { file: None, lines: 0, broken: false }) }
    }

    /// False once a line could not be opened or written: the process goes on without it.
    pub fn is_writing(&self) -> bool {
        !self.open.lock().unwrap_or_else(|p| p.into_inner()).broken
    }

    /// Writes down that message `id`, sent under the claim `lease`, was accepted by the server.
    /// A line that cannot be written is logged and skipped: the message is still recorded as
    /// usual, only a kill before that would send it again.
    pub fn handed(&self, id: i64, lease: &str) {
        let mut open = self.open.lock().unwrap_or_else(|p| p.into_inner());
        if open.broken {
            return;
        }
        if open.file.is_none() || open.lines >= LINES_PER_FILE {
            let turned = if open.file.take().is_some() {
                std::fs::rename(&self.path, &self.old)
            } else {
                self.path.parent().map_or(Ok(()), std::fs::create_dir_all)
            };
            open.lines = 0;
            match turned.and_then(|()| append(&self.path)) {
                Ok(file) => open.file = Some(file),
                Err(e) => {
                    open.broken = true;
                    tracing::warn!(error = %e, path = %self.path.display(), "no handover journal: mail accepted just before a kill would be sent again");
                    return;
                }
            }
        }
        let Some(file) = open.file.as_mut() else { return };
        // A line starts with a newline as well as ending with one: a line cut short (a kill
        // in the middle of the write, a full disk) is then never run together with the next
        // one into a line that names another message. The reader takes only whole lines.
        if let Err(e) = file.write_all(format!("\n{id} {lease}\n").as_bytes()) {
            open.broken = true;
            tracing::warn!(error = %e, message = id, "could not write to the handover journal; going on without it");
        }
        open.lines += 1;
    }
}

/// What the journals of `instance` hold: (message id, claim token) per whole line. A line
/// counts only with its closing newline and a claim token of the full form (`lease_token`: the
/// worker, `/`, 32 hex digits), so a line cut short is never read as another.
pub(crate) fn read(folder: &Path, instance: &str) -> Vec<(i64, String)> {
    let (path, old) = paths(folder, instance);
    let mut handed = Vec::new();
    for file in [old, path] {
        let text = match std::fs::read(&file) {
            Ok(bytes) => String::from_utf8_lossy(&bytes).into_owned(),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => continue,
            Err(e) => {
                tracing::warn!(error = %e, path = %file.display(), "could not read a handover journal");
                continue;
            }
        };
        // What follows the last newline was cut short.
        let whole = text.rsplit_once('\n').map_or("", |(whole, _)| whole);
        for line in whole.split('\n') {
            let Some((id, lease)) = line.split_once(' ') else { continue };
            if let Ok(id) = id.parse::<i64>()
                && super::is_lease_token(lease)
            {
                handed.push((id, lease.to_string()));
            }
        }
    }
    handed
}

/// Removes the journals of `instance` once what they hold is recorded.
pub(crate) fn remove(folder: &Path, instance: &str) -> std::io::Result<()> {
    let (path, old) = paths(folder, instance);
    for file in [old, path] {
        match std::fs::remove_file(&file) {
            Err(e) if e.kind() != std::io::ErrorKind::NotFound => return Err(e),
            _ => {}
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines_are_kept_across_a_turn_and_torn_ones_skipped() {
        let folder = std::env::temp_dir().join(format!("portico-journal-{}", crate::secrets::random_hex16()));
        let journal = Journal::new(&folder, "itest");
        assert!(read(&folder, "itest").is_empty(), "nothing written, nothing read");
        let lease = format!("bitest.1/{}", "0a".repeat(16));
        for id in 0..(LINES_PER_FILE as i64 + 5) {
            journal.handed(id, &lease);
        }
        let (path, old) = paths(&folder, "itest");
        assert!(old.exists(), "the first file was turned over");
        let mut file = std::fs::OpenOptions::new().append(true).open(&path).unwrap();
        // A line cut short in its id, then a whole one: never read as message 18.
        file.write_all(b"\n1").unwrap();
        drop(file);
        journal.handed(8, &lease);
        // Cut short in its token, short tokens, lines of nothing, and a last line with no end.
        let mut file = std::fs::OpenOptions::new().append(true).open(&path).unwrap();
        file.write_all(format!("\n9 {}\n\n7\n8 \nx y\n5 b/abc\n6 {lease}", &lease[..20]).as_bytes()).unwrap();
        let lines = read(&folder, "itest");
        assert_eq!(lines.len(), LINES_PER_FILE + 6);
        assert_eq!(lines.first(), Some(&(0, lease.clone())));
        assert_eq!(lines[LINES_PER_FILE + 4], (LINES_PER_FILE as i64 + 4, lease.clone()));
        assert_eq!(lines.last(), Some(&(8, lease.clone())));
        remove(&folder, "itest").unwrap();
        assert!(!path.exists() && !old.exists());
        remove(&folder, "itest").unwrap();
        let _ = std::fs::remove_dir_all(folder);
    }
}
