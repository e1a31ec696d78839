//! Documents: files staff and clients upload to a project.
//!
//! An upload is streamed into `documents/incoming/` of the data folder (never whole in memory),
//! its size capped as it arrives; its kind is then judged by its content, against what its
//! name says (`sniff`); only then is it recorded and moved to `documents/<org>/<id>`: a path
//! made of numbers, whatever the uploader called the file. The name is kept, cleaned, to show
//! in lists and to offer when downloading (`attachment`). Every download is checked against
//! who asks: staff of the organization; a client who has joined the project and may see its
//! documents (or uploaded this one).

use std::path::{Path, PathBuf};

use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, PaginatorTrait, QueryFilter, QueryOrder, QuerySelect, Set};
use tokio::io::AsyncWriteExt;

use crate::{
    Error, Portico, Result,
    accounts::Staff,
    audit,
    domain::ProjectId,
    entities::{document, project},
    model::{DocumentKind, DocumentProblem, DocumentRow, Permission, Permissions, ProjectDocuments},
    now, portal, projects,
    sessions::PortalClient,
};

/// The largest file an upload takes unless the server is configured otherwise.
pub const DEFAULT_MAX_BYTES: u64 = 25 * 1024 * 1024;
/// Documents a project's list shows, newest first.
pub const SHOWN: u64 = 100;
/// The longest name kept, in characters (the extension included).
const NAME_MAX: usize = 120;
/// The start of the file kept in memory to judge its kind by: enough for the zip directory
/// entries the Office formats are recognised by.
const HEAD: usize = 64 * 1024;

/// Who uploads.
#[derive(Clone, Copy)]
pub enum Uploader<'a> {
    Staff(&'a Staff),
    Client(&'a PortalClient),
}

impl Uploader<'_> {
    fn org(&self) -> i64 {
        match self {
            Uploader::Staff(s) => s.org_id.0,
            Uploader::Client(c) => c.org_id.0,
        }
    }
}

/// Why an upload was not kept: something about the file (said at the form), or an error.
#[derive(Debug)]
pub enum Refusal {
    File(DocumentProblem),
    Other(Error),
}

impl<E: Into<Error>> From<E> for Refusal {
    fn from(e: E) -> Self {
        Refusal::Other(e.into())
    }
}

/// A file's name as uploaded, made safe to show, to log and to offer back: no folders (`../`),
/// no control characters (NUL, line breaks), no bidirectional overrides that make `exe.pdf`
/// read as `fdp.exe`, no leading dots, at most `NAME_MAX` characters with its extension kept.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FileName {
    name: String,
    kind: Option<DocumentKind>,
}

impl FileName {
    pub fn clean(raw: &str) -> FileName {
        // Browsers send the last part only; older ones sent the whole path, in either style.
        let last = raw.rsplit(['/', '\\']).next().unwrap_or_default();
        let visible: String = last.chars().filter(|c| !c.is_control() && !invisible(*c)).collect();
        let spaced = visible.split_whitespace().collect::<Vec<_>>().join(" ");
        let trimmed = spaced.trim_start_matches(['.', ' ']).trim_end_matches(['.', ' ']);
        let (stem, ext) = match trimmed.rsplit_once('.') {
            Some((stem, ext)) if !ext.is_empty() && ext.chars().count() <= 10 && !ext.contains(' ') => {
                (stem.trim_end(), Some(ext))
            }
            _ => (trimmed, None),
        };
        let kind = ext.and_then(DocumentKind::of_extension);
        let room = NAME_MAX - ext.map_or(0, |e| e.chars().count() + 1);
        let stem: String = stem.chars().take(room).collect::<String>().trim_end().to_string();
        let stem = if stem.is_empty() { "document".to_string() } else { stem };
        let name = match ext {
            Some(ext) => format!("{stem}.{ext}"),
            None => stem,
        };
        FileName { name, kind }
    }

    pub fn as_str(&self) -> &str {
        &self.name
    }
}

/// Characters that change how a name reads without being seen: bidirectional marks,
/// embeddings, overrides and isolates, zero-width characters.
pub(crate) use crate::model::invisible;

/// Whether the content is what the name's kind says. The formats' own signatures, read by
/// `infer`; two kinds are checked here because `infer` cannot with the head alone: the Office
/// 97–2003 formats (`infer` walks the compound file's directory, which can lie past the head,
/// so the container's signature is what is checked) and text (checked as it streams).
fn sniff(kind: DocumentKind, head: &[u8], text: bool) -> bool {
    use infer::{archive, doc, image, odf};
    const COMPOUND_FILE: [u8; 8] = [0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1];
    match kind.extensions[0] {
        "pdf" => archive::is_pdf(head),
        "png" => image::is_png(head),
        "jpg" => image::is_jpeg(head),
        "gif" => image::is_gif(head),
        "webp" => image::is_webp(head),
        // A zip container is accepted for the zip-based office formats: `infer` recognises
        // them by the first entry's name, and valid files may begin with another entry.
        "docx" => doc::is_docx(head) || archive::is_zip(head),
        "xlsx" => doc::is_xlsx(head) || archive::is_zip(head),
        "pptx" => doc::is_pptx(head) || archive::is_zip(head),
        "odt" => odf::is_odt(head) || archive::is_zip(head),
        "ods" => odf::is_ods(head) || archive::is_zip(head),
        "odp" => odf::is_odp(head) || archive::is_zip(head),
        "doc" | "xls" | "ppt" => head.starts_with(&COMPOUND_FILE),
        "zip" => archive::is_zip(head),
        "txt" | "csv" | "md" => text,
        _ => false,
    }
}

/// Whether a stream is text, fed chunk by chunk: UTF-16 with its byte-order mark (Excel's
/// "Unicode text"), or bytes without NUL or other control characters (tabs, line breaks and
/// form feeds allowed) — UTF-8, and the 8-bit encodings a Windows spreadsheet saves CSV in.
/// Programs and other binary files have NUL and control bytes within their first bytes. In
/// UTF-16 the same test applies to each code unit, so two bytes put before a zip do not let it
/// pass as text.
#[derive(Default)]
struct TextCheck {
    started: bool,
    /// UTF-16, and in which byte order (`true`: big-endian).
    utf16: Option<bool>,
    /// The first byte of a UTF-16 code unit split across two chunks.
    half: Option<u8>,
    failed: bool,
}

impl TextCheck {
    fn feed(&mut self, chunk: &[u8]) {
        if self.failed || chunk.is_empty() {
            return;
        }
        if !self.started {
            self.started = true;
            self.utf16 = match chunk {
                [0xFF, 0xFE, ..] => Some(false),
                [0xFE, 0xFF, ..] => Some(true),
                _ => None,
            };
        }
        let control = |c: u32| (c < 0x20 && !matches!(c, 0x09 | 0x0A | 0x0D | 0x0C)) || c == 0x7F;
        match self.utf16 {
            None => self.failed = chunk.iter().any(|b| control(u32::from(*b))),
            Some(big_endian) => {
                let mut bytes = self.half.take().into_iter().chain(chunk.iter().copied());
                while let Some(first) = bytes.next() {
                    let Some(second) = bytes.next() else {
                        self.half = Some(first);
                        break;
                    };
                    let unit = if big_endian {
                        u16::from_be_bytes([first, second])
                    } else {
                        u16::from_le_bytes([first, second])
                    };
                    if control(u32::from(unit)) {
                        self.failed = true;
                        return;
                    }
                }
            }
        }
    }

    fn is_text(&self) -> bool {
        !self.failed
    }
}

/// An upload arriving: written to a file of its own in `documents/incoming/`, which is
/// removed unless the upload is kept (`store`), whatever ends the request.
pub struct Incoming {
    path: PathBuf,
    file: tokio::fs::File,
    size: u64,
    max: u64,
    head: Vec<u8>,
    text: TextCheck,
    kept: bool,
}

impl Incoming {
    pub async fn begin(portico: &Portico) -> Result<Incoming> {
        let dir = portico.files.join("documents").join("incoming");
        tokio::fs::create_dir_all(&dir).await.map_err(|e| Error::internal("the uploads folder", e))?;
        let path = dir.join(format!("{}.part", crate::secrets::random_hex16()));
        let file = tokio::fs::File::create_new(&path).await.map_err(|e| Error::internal("an upload's file", e))?;
        Ok(Incoming {
            path,
            file,
            size: 0,
            max: portico.document_max_bytes,
            head: Vec::new(),
            text: TextCheck::default(),
            kept: false,
        })
    }

    /// Adds the next part of the file; refused once it is larger than the limit.
    pub async fn write(&mut self, chunk: &[u8]) -> std::result::Result<(), Refusal> {
        self.size += chunk.len() as u64;
        if self.size > self.max {
            return Err(Refusal::File(DocumentProblem::TooLarge));
        }
        if self.head.len() < HEAD {
            let room = HEAD - self.head.len();
            self.head.extend_from_slice(&chunk[..chunk.len().min(room)]);
        }
        self.text.feed(chunk);
        self.file.write_all(chunk).await.map_err(|e| Error::internal("writing an upload", e))?;
        Ok(())
    }
}

impl Incoming {
    pub(crate) fn size(&self) -> u64 {
        self.size
    }

    /// Judges an upload that has fully arrived by its content, against the kind its name says.
    pub(crate) fn judge(&self, name: &FileName) -> std::result::Result<DocumentKind, DocumentProblem> {
        if self.size == 0 {
            return Err(DocumentProblem::Empty);
        }
        let Some(kind) = name.kind else { return Err(DocumentProblem::NotAccepted) };
        if !sniff(kind, &self.head, self.text.is_text()) {
            return Err(DocumentProblem::NotWhatItsNameSays(kind));
        }
        Ok(kind)
    }

    /// Puts the bytes on disk (`flush` returns the last write's error, which `sync_all` alone
    /// would not), before a row says they are there.
    pub(crate) async fn settle(&mut self) -> Result<()> {
        self.file.flush().await.map_err(|e| Error::internal("saving an upload", e))?;
        self.file.sync_all().await.map_err(|e| Error::internal("saving an upload", e))?;
        Ok(())
    }

    /// Moves the file to where it is kept, inside the caller's transaction: the returned guard
    /// removes it again unless `Placed::keep` is called once the row is committed (an error,
    /// or the request dropped when the browser goes away).
    pub(crate) async fn place(mut self, path: PathBuf) -> Result<Placed> {
        if let Some(dir) = path.parent() {
            tokio::fs::create_dir_all(dir).await.map_err(|e| Error::internal("the files folder", e))?;
        }
        // A rename within one folder tree is a quick metadata change: done here, not on a
        // blocking thread, so the request cannot be dropped while it is under way.
        std::fs::rename(&self.path, &path).map_err(|e| Error::internal("keeping an upload", e))?;
        self.kept = true;
        Ok(Placed(Some(path)))
    }
}

impl Drop for Incoming {
    fn drop(&mut self) {
        if !self.kept {
            // Best effort: a leftover `.part` holds nothing anyone can reach.
            let _ = std::fs::remove_file(&self.path);
        }
    }
}

/// A file moved into place for a row not yet committed: removed when dropped before `keep`.
pub(crate) struct Placed(Option<PathBuf>);

impl Placed {
    pub(crate) fn keep(mut self) {
        self.0 = None;
    }
}

impl Drop for Placed {
    fn drop(&mut self) {
        if let Some(path) = self.0.take() {
            let _ = std::fs::remove_file(path);
        }
    }
}

/// Commits the transaction that records a placed file, then keeps the file. On a task of its
/// own: a request dropped while the commit is under way (the browser went away) would drop the
/// guard after the database had committed, removing the file of a recorded row; the task
/// finishes the commit and keeps the file (or removes it if the commit fails) whatever the
/// request does.
pub(crate) async fn commit_keeping(txn: crate::WriteTransaction, placed: Placed) -> Result<()> {
    tokio::spawn(async move {
        txn.commit().await?;
        placed.keep();
        Ok::<(), Error>(())
    })
    .await
    .map_err(|e| Error::internal("committing an upload", e))?
}

/// Removes uploads left half-received by a process that stopped (`documents/incoming/*.part`
/// older than an hour: another process on the same data folder may be receiving one now).
pub async fn sweep_incoming(portico: &Portico) {
    let dir = portico.files.join("documents").join("incoming");
    let Ok(mut entries) = tokio::fs::read_dir(&dir).await else { return };
    let hour_ago = std::time::SystemTime::now() - std::time::Duration::from_secs(3600);
    while let Ok(Some(entry)) = entries.next_entry().await {
        let old = entry.metadata().await.and_then(|m| m.modified()).is_ok_and(|t| t < hour_ago);
        if old && entry.path().extension().is_some_and(|e| e == "part") {
            let _ = tokio::fs::remove_file(entry.path()).await;
        }
    }
}

/// Where a kept document's bytes are: numbers only.
fn stored_path(portico: &Portico, org: i64, id: i64) -> PathBuf {
    kept_at(portico, "documents", org, id)
}

/// Where a kept file of `folder` (documents, invoices) is: `<data>/<folder>/<org>/<id>`.
pub(crate) fn kept_at(portico: &Portico, folder: &str, org: i64, id: i64) -> PathBuf {
    portico.files.join(folder).join(org.to_string()).join(id.to_string())
}

/// The project an upload goes to, if this uploader may upload there: any staff member of its
/// organization; a client who has joined it and may upload documents. Checked before the file
/// is read and again when it is kept.
pub async fn may_upload<C: ConnectionTrait>(
    db: &C,
    who: Uploader<'_>,
    project_id: ProjectId,
) -> Result<project::Model> {
    match who {
        Uploader::Staff(staff) => projects::find(db, staff.org_id.0, project_id.0).await,
        Uploader::Client(client) => {
            let project = portal::joined_project(db, client, project_id.0).await?;
            let may = crate::permissions::in_project(db, client.org_id.0, client.client_id.0, project.id).await?;
            if !may.allows(Permission::UploadDocuments) {
                return Err(Error::Forbidden);
            }
            Ok(project)
        }
    }
}

/// Keeps an upload that has fully arrived as a document of the project: judged by its
/// content, recorded and moved into place in one transaction (a failure leaves neither a row
/// without a file nor a file anyone can reach).
pub async fn store(
    portico: &Portico,
    who: Uploader<'_>,
    project_id: ProjectId,
    name: &str,
    mut incoming: Incoming,
    ip: Option<String>,
) -> std::result::Result<DocumentRow, Refusal> {
    let name = FileName::clean(name);
    let kind = incoming.judge(&name).map_err(Refusal::File)?;
    incoming.settle().await?;
    let size = incoming.size;
    let org = who.org();
    let txn = portico.begin().await?;
    let project = may_upload(&*txn, who, project_id).await?;
    let (staff_id, client_id, actor) = match who {
        Uploader::Staff(s) => (Some(s.user_id.0), None, audit::Actor::Staff(s.user_id.0)),
        Uploader::Client(c) => (None, Some(c.client_id.0), audit::Actor::Client(c.client_id.0)),
    };
    let uploaded_at = now();
    let row = sea_orm::ActiveModelTrait::insert(
        document::ActiveModel {
            org_id: Set(org),
            project_id: Set(project.id),
            name: Set(name.as_str().to_string()),
            content_type: Set(kind.content_type.to_string()),
            size_bytes: Set(size as i64),
            uploaded_by_staff: Set(staff_id),
            uploaded_by_client: Set(client_id),
            uploaded_at: Set(uploaded_at),
            ..Default::default()
        },
        &*txn,
    )
    .await?;
    audit::record(
        &*txn,
        audit::Event {
            org_id: org,
            actor,
            subject_kind: "project",
            subject_id: project.id,
            event: "document.uploaded",
            detail: format!("Uploaded {} to {}", name.as_str(), project.name),
            ip,
        },
    )
    .await?;
    let placed = incoming.place(stored_path(portico, org, row.id)).await?;
    commit_keeping(txn, placed).await?;
    let uploaded_by = match who {
        Uploader::Staff(s) => Some(s.name.clone()),
        Uploader::Client(c) => Some(c.name.clone()),
    };
    Ok(DocumentRow {
        id: row.id,
        name: row.name,
        content_type: row.content_type,
        size_bytes: size,
        uploaded_by,
        by_client: client_id.is_some(),
        uploaded_at,
    })
}

/// A project's Documents as staff see them: the latest first.
pub async fn for_staff(portico: &Portico, staff: &Staff, project_id: ProjectId) -> Result<ProjectDocuments> {
    let org = staff.org_id.0;
    let project = projects::find(&portico.db, org, project_id.0).await?;
    let select = document::Entity::find()
        .filter(document::Column::OrgId.eq(org))
        .filter(document::Column::ProjectId.eq(project.id));
    let total = select.clone().count(&portico.db).await?;
    let documents = rows_of(&portico.db, org, latest(&portico.db, select).await?).await?;
    Ok(ProjectDocuments { project_id: project.id, documents, total, max_bytes: portico.document_max_bytes })
}

/// Which of a project's documents a client may see: all with View documents; their own
/// uploads with Upload documents alone; none otherwise. `None` when they may see none.
fn visible_to(client: &PortalClient, may: Permissions) -> Option<sea_orm::Condition> {
    if may.allows(Permission::ViewDocuments) {
        Some(sea_orm::Condition::all())
    } else if may.allows(Permission::UploadDocuments) {
        Some(sea_orm::Condition::all().add(document::Column::UploadedByClient.eq(client.client_id.0)))
    } else {
        None
    }
}

/// The documents of a project the client has joined, as far as `may` lets them see.
pub(crate) async fn for_client<C: ConnectionTrait>(
    db: &C,
    client: &PortalClient,
    project_id: i64,
    may: Permissions,
) -> Result<(Vec<DocumentRow>, u64)> {
    let Some(visible) = visible_to(client, may) else { return Ok((Vec::new(), 0)) };
    let org = client.org_id.0;
    let select = document::Entity::find()
        .filter(document::Column::OrgId.eq(org))
        .filter(document::Column::ProjectId.eq(project_id))
        .filter(visible);
    let total = select.clone().count(db).await?;
    Ok((rows_of(db, org, latest(db, select).await?).await?, total))
}

async fn latest<C: ConnectionTrait>(db: &C, select: sea_orm::Select<document::Entity>) -> Result<Vec<document::Model>> {
    Ok(select.order_by_desc(document::Column::Id).limit(SHOWN).all(db).await?)
}

/// Rows as a list shows them, with the names of who uploaded them (two reads whatever the
/// number of rows).
async fn rows_of<C: ConnectionTrait>(db: &C, org: i64, docs: Vec<document::Model>) -> Result<Vec<DocumentRow>> {
    let staff_names = crate::names::staff_names(db, org, docs.iter().filter_map(|d| d.uploaded_by_staff)).await?;
    let client_names = crate::names::client_names(db, org, docs.iter().filter_map(|d| d.uploaded_by_client)).await?;
    Ok(docs
        .into_iter()
        .map(|d| DocumentRow {
            id: d.id,
            uploaded_by: match (d.uploaded_by_staff, d.uploaded_by_client) {
                (Some(s), _) => staff_names.get(&s).cloned(),
                (None, Some(c)) => client_names.get(&c).cloned(),
                (None, None) => None,
            },
            by_client: d.uploaded_by_client.is_some(),
            name: d.name,
            content_type: d.content_type,
            size_bytes: d.size_bytes.max(0) as u64,
            uploaded_at: d.uploaded_at,
        })
        .collect())
}

/// A document to download: where its bytes are and how to name them.
#[derive(Debug)]
pub struct DocumentFile {
    pub path: PathBuf,
    pub name: String,
    pub content_type: String,
    pub size: u64,
}

impl DocumentFile {
    fn of(portico: &Portico, d: document::Model) -> Self {
        DocumentFile {
            path: stored_path(portico, d.org_id, d.id),
            name: d.name,
            content_type: d.content_type,
            size: d.size_bytes.max(0) as u64,
        }
    }
}

/// "Download" for staff: any document of their organization.
pub async fn open_for_staff(portico: &Portico, staff: &Staff, id: i64) -> Result<DocumentFile> {
    let d = document::Entity::find_by_id(id)
        .filter(document::Column::OrgId.eq(staff.org_id.0))
        .one(&portico.db)
        .await?
        .ok_or(Error::NotFound)?;
    Ok(DocumentFile::of(portico, d))
}

/// "Download" in the portal: a document of a project the client has joined, that they may
/// see. Anything else is "not found", the same answer as for an id that does not exist.
pub async fn open_for_client(portico: &Portico, client: &PortalClient, id: i64) -> Result<DocumentFile> {
    let org = client.org_id.0;
    let d = document::Entity::find_by_id(id)
        .filter(document::Column::OrgId.eq(org))
        .one(&portico.db)
        .await?
        .ok_or(Error::NotFound)?;
    portal::joined_project(&portico.db, client, d.project_id).await.map_err(|_| Error::NotFound)?;
    let may = crate::permissions::in_project(&portico.db, org, client.client_id.0, d.project_id).await?;
    let sees = may.allows(Permission::ViewDocuments)
        || (may.allows(Permission::UploadDocuments) && d.uploaded_by_client == Some(client.client_id.0));
    if !sees {
        return Err(Error::NotFound);
    }
    Ok(DocumentFile::of(portico, d))
}

/// "Delete document" (staff): the row and its audit line in one transaction, then the file.
pub async fn delete(portico: &Portico, staff: &Staff, id: i64, ip: Option<String>) -> Result<()> {
    let org = staff.org_id.0;
    let txn = portico.begin().await?;
    let d = document::Entity::find_by_id(id)
        .filter(document::Column::OrgId.eq(org))
        .one(&*txn)
        .await?
        .ok_or(Error::NotFound)?;
    let project = projects::find(&*txn, org, d.project_id).await?;
    document::Entity::delete_many()
        .filter(document::Column::OrgId.eq(org))
        .filter(document::Column::Id.eq(d.id))
        .exec(&*txn)
        .await?;
    audit::record(
        &*txn,
        audit::Event {
            org_id: org,
            actor: audit::Actor::Staff(staff.user_id.0),
            subject_kind: "project",
            subject_id: project.id,
            event: "document.deleted",
            detail: format!("Deleted {} from {}", d.name, project.name),
            ip,
        },
    )
    .await?;
    txn.commit().await?;
    remove_file(&stored_path(portico, org, d.id)).await;
    Ok(())
}

pub(crate) async fn remove_file(path: &Path) {
    if let Err(e) = tokio::fs::remove_file(path).await
        && e.kind() != std::io::ErrorKind::NotFound
    {
        tracing::warn!(error = %e, "a deleted row's file could not be removed");
    }
}

/// The `Content-Disposition` of a download: always an attachment (never shown in the page's
/// origin), named by RFC 6266: an ASCII fallback and the exact name percent-encoded.
pub fn attachment(name: &str) -> String {
    use percent_encoding::{AsciiSet, NON_ALPHANUMERIC, utf8_percent_encode};
    const KEEP: &AsciiSet = &NON_ALPHANUMERIC.remove(b'-').remove(b'.').remove(b'_').remove(b'~');
    let fallback: String =
        name.chars().map(|c| if c.is_ascii_graphic() && c != '"' && c != '\\' || c == ' ' { c } else { '_' }).collect();
    format!("attachment; filename=\"{fallback}\"; filename*=UTF-8''{}", utf8_percent_encode(name, KEEP))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_lose_folders_controls_and_direction_tricks() {
        let clean = |raw: &str| FileName::clean(raw).as_str().to_string();
        assert_eq!(clean("../../etc/passwd.txt"), "passwd.txt");
        assert_eq!(clean("C:\\Users\\ann\\report.pdf"), "report.pdf");
        assert_eq!(clean("a\0b\r\nc.pdf"), "abc.pdf");
        // "invoice[RLO]fdp.exe" reads "invoiceexe.pdf"; without the override it says what it is.
        let tricked = FileName::clean("invoice\u{202E}fdp.exe");
        assert_eq!((tricked.as_str(), tricked.kind), ("invoicefdp.exe", None));
        assert_eq!(clean("..."), "document");
        assert_eq!(clean(".htaccess"), "htaccess");
        assert_eq!(clean("  My   file . pdf"), "My file . pdf");
        let long = format!("{}.pdf", "é".repeat(500));
        let kept = FileName::clean(&long);
        assert_eq!(kept.as_str().chars().count(), NAME_MAX);
        assert!(kept.as_str().ends_with(".pdf"));
        assert_eq!(kept.kind.map(|k| k.label), Some("PDF"));
        assert_eq!(FileName::clean("Scan.PDF").kind.map(|k| k.label), Some("PDF"));
    }

    #[test]
    fn content_must_match_the_name() {
        let pdf = DocumentKind::of_extension("pdf").unwrap();
        assert!(sniff(pdf, b"%PDF-1.7\n...", false));
        assert!(!sniff(pdf, b"MZ\x90\x00 this is a program", false));
        assert!(!sniff(pdf, b"just words", true));
        let txt = DocumentKind::of_extension("txt").unwrap();
        let text = |chunks: &[&[u8]]| {
            let mut check = TextCheck::default();
            chunks.iter().for_each(|c| check.feed(c));
            check.is_text()
        };
        // UTF-8 ("é" split across two chunks), Windows-1252 ("é" is one byte), UTF-16 with its mark.
        assert!(sniff(txt, b"", text(&[b"caf\xC3", b"\xA9\r\n"])));
        assert!(text(&[b"caf\xE9;prix\r\n"]));
        assert!(text(&[b"\xFF\xFEc\0a\0f\0"]));
        assert!(text(&[b"\xFE\xFF\0c\0", b"a\0f\0\r\0\n"]), "big-endian, a unit split across chunks");
        // Two bytes of "UTF-16" before a binary file do not make it text.
        assert!(!text(&[b"\xFF\xFEPK\x03\x04\x14\0\0\0\x08\0"]));
        assert!(!text(&[b"\xFF\xFEa\0", b"\0\0"]), "a NUL code unit");
        // NUL and control bytes: a program or another binary file, wherever they are.
        assert!(!text(&[b"a\0b"]));
        assert!(!text(&[b"plain", b"then \x01 binary"]));
        assert!(!text(&[b"MZ\x90\x00"]));
    }

    #[test]
    fn downloads_are_attachments_named_safely() {
        assert_eq!(
            attachment("Q3 \"final\" ré.pdf"),
            "attachment; filename=\"Q3 _final_ r_.pdf\"; filename*=UTF-8''Q3%20%22final%22%20r%C3%A9.pdf"
        );
    }
}
