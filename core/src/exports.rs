//! CSV export of client users (PRODUCT.md "Bulk, import, export"): every client of the
//! organization in one CSV, or a ZIP of one CSV per project. An export is a job: the jobs
//! worker reads the clients a page at a time and streams the rows through a bounded channel to
//! a writer thread (the CSV and ZIP writers are blocking), so neither the server's memory nor a
//! request grows with the organization. The file is written under the data folder as
//! `<job>-<random>.part` and renamed when complete; it can be downloaded for `KEPT_FOR`, then
//! `sweep` deletes it. An export only reads, so a process that dies mid-way leaves a `.part`
//! the next claim starts again from scratch.

use std::{
    io::{BufWriter, Write},
    path::PathBuf,
};

use chrono::{DateTime, Duration as Span, Utc};
use sea_orm::{ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter, QueryOrder, QuerySelect, sea_query::Expr};
use serde::{Deserialize, Serialize};
use tokio_util::sync::CancellationToken;

use crate::{
    Error, Portico, Result,
    accounts::Staff,
    entities::{client, job, project, project_client},
    model::{ClientRow, ExportKind},
    now,
};

/// How long a prepared export can be downloaded.
pub const KEPT_FOR: Span = Span::hours(24);
/// Clients read (and rows sent to the writer) at a time.
const PAGE: u64 = 500;
pub const KIND: &str = "export";

/// What an export job was asked for (`jobs.params`).
#[derive(Clone, Copy, Debug, Serialize, Deserialize)]
pub struct Export {
    pub kind: ExportKind,
}

/// The columns of the one-CSV export; a project's CSV has the same without Projects.
pub const COLUMNS: [&str; 10] = [
    "Name",
    "Email",
    "Phone",
    "Customer",
    "Projects",
    "Status",
    "Invited at (UTC)",
    "Activated at (UTC)",
    "Last sign-in (UTC)",
    "Assigned staff",
];

/// A cell that a spreadsheet would read as a formula (`= + - @`, a tab or a carriage return
/// first) gets a leading apostrophe, so it shows as the text it is (OWASP "CSV injection").
pub fn neutralise(cell: String) -> String {
    match cell.chars().next() {
        Some('=' | '+' | '-' | '@' | '\t' | '\r') => format!("'{cell}"),
        _ => cell,
    }
}

/// A moment in a CSV cell: minutes, UTC, blank when there is none.
pub(crate) fn moment(t: Option<DateTime<Utc>>) -> String {
    t.map(|t| t.format("%Y-%m-%d %H:%M").to_string()).unwrap_or_default()
}

/// One line of the CSV; `projects` is left out of a project's own CSV.
fn line(row: ClientRow, activated: Option<DateTime<Utc>>, with_projects: bool) -> Vec<String> {
    let mut cells = vec![row.name, row.email, row.phone.unwrap_or_default(), row.customer.unwrap_or_default()];
    if with_projects {
        cells.push(row.projects.join(", "));
    }
    cells.extend([
        row.status.label().to_string(),
        moment(row.invited_at),
        moment(activated),
        moment(row.last_sign_in_at),
        row.assigned_staff.unwrap_or_default(),
    ]);
    cells.into_iter().map(neutralise).collect()
}

fn header(with_projects: bool) -> Vec<String> {
    COLUMNS.iter().filter(|c| with_projects || **c != "Projects").map(|c| c.to_string()).collect()
}

/// Owners and admins export: the file holds every client's contact details.
fn may_export(staff: &Staff) -> Result<()> {
    if staff.role.manages_organization() { Ok(()) } else { Err(Error::Forbidden) }
}

/// "Export" in the Clients page's export dialog: starts the export as a job (or answers the
/// job an earlier submission with the same `key` started).
pub async fn start(portico: &Portico, staff: &Staff, kind: ExportKind, key: &str) -> Result<i64> {
    may_export(staff)?;
    let org = staff.org_id.0;
    let total = match kind {
        ExportKind::Portal => client::Entity::find().filter(client::Column::OrgId.eq(org)).count(&portico.db).await?,
        ExportKind::ByProject => {
            project_client::Entity::find().filter(project_client::Column::OrgId.eq(org)).count(&portico.db).await?
        }
    };
    let params = serde_json::to_string(&Export { kind }).map_err(|e| Error::internal("export parameters", e))?;
    crate::jobs::create(portico, staff, KIND, params, key, total).await
}

/// The title of an export job.
pub fn title(params: &str) -> String {
    match serde_json::from_str::<Export>(params) {
        Ok(export) => format!("Export: {}", export.kind.label()),
        Err(_) => "Export".to_string(),
    }
}

/// What the writer thread is sent.
enum Piece {
    /// The next CSV of a ZIP.
    File(String),
    Rows(Vec<Vec<String>>),
}

pub(crate) fn folder(portico: &Portico) -> PathBuf {
    portico.files.join("exports")
}

/// Prepares the export of job `job`, fenced on `lease`; called by the jobs worker.
pub(crate) async fn run(
    portico: &Portico,
    lease: &str,
    job: &job::Model,
    staff: &Staff,
    stop: &CancellationToken,
) -> Result<()> {
    let export: Export = serde_json::from_str(&job.params).map_err(|e| Error::internal("export parameters", e))?;
    let dir = folder(portico);
    tokio::fs::create_dir_all(&dir).await.map_err(|e| Error::internal("the exports folder", e))?;
    let ext = if export.kind == ExportKind::Portal { "csv" } else { "zip" };
    let name = format!("{}-{}.{ext}", job.id, crate::secrets::random_hex16());
    let part = dir.join(format!("{name}.part"));
    let (tx, rx) = tokio::sync::mpsc::channel::<Piece>(4);
    let writer = {
        let part = part.clone();
        tokio::task::spawn_blocking(move || write_file(&part, export.kind, rx))
    };
    let produced = produce(portico, lease, job.id, staff, export.kind, &tx, stop).await;
    drop(tx);
    let written = writer.await.map_err(|e| Error::internal("the export writer", e))?;
    let complete = match (produced, written) {
        (Ok(complete), Ok(())) => complete,
        (Err(e), _) => {
            let _ = tokio::fs::remove_file(&part).await;
            return Err(e);
        }
        (_, Err(e)) => {
            let _ = tokio::fs::remove_file(&part).await;
            return Err(Error::internal("writing the export", e));
        }
    };
    if !complete {
        // Cancelled, stopping, or the lease went elsewhere: the next claim starts afresh.
        let _ = tokio::fs::remove_file(&part).await;
        return Ok(());
    }
    tokio::fs::rename(&part, dir.join(&name)).await.map_err(|e| Error::internal("the export file", e))?;
    let _turn = portico.write_turn().await;
    if !crate::jobs::finish(&portico.db, job.id, lease, Some((name.clone(), now() + KEPT_FOR))).await? {
        let _ = tokio::fs::remove_file(dir.join(&name)).await;
    }
    Ok(())
}

/// Reads the clients page by page and sends their rows to the writer, counting progress on the
/// job (fenced on the lease and on the job still running). Whether it got to the end.
async fn produce(
    portico: &Portico,
    lease: &str,
    id: i64,
    staff: &Staff,
    kind: ExportKind,
    tx: &tokio::sync::mpsc::Sender<Piece>,
    stop: &CancellationToken,
) -> Result<bool> {
    let org = staff.org_id.0;
    let db = &portico.db;
    let send =
        |piece: Piece| async move { tx.send(piece).await.map_err(|_| Error::internal("the export writer", "stopped")) };
    let progress = |n: u64| async move {
        if stop.is_cancelled() {
            return Ok(false);
        }
        let _turn = portico.write_turn().await;
        crate::jobs::record_progress(db, id, lease, [n as i64, 0, 0]).await
    };
    // A restarted export counts again from nothing.
    job::Entity::update_many()
        .col_expr(job::Column::Done, Expr::value(0))
        .filter(job::Column::Id.eq(id))
        .filter(job::Column::LeaseOwner.eq(lease))
        .exec(db)
        .await?;
    match kind {
        ExportKind::Portal => {
            send(Piece::Rows(vec![header(true)])).await?;
            let mut after = 0i64;
            loop {
                let page = client::Entity::find()
                    .filter(client::Column::OrgId.eq(org))
                    .filter(client::Column::Id.gt(after))
                    .order_by_asc(client::Column::Id)
                    .limit(PAGE)
                    .all(db)
                    .await?;
                let Some(last) = page.last() else { break };
                after = last.id;
                let n = page.len() as u64;
                let activated: Vec<Option<DateTime<Utc>>> = page.iter().map(|c| c.first_accepted_at).collect();
                let rows = crate::clients::rows(portico, org, page).await?;
                let lines = rows.into_iter().zip(activated).map(|(row, at)| line(row, at, true)).collect();
                send(Piece::Rows(lines)).await?;
                if !progress(n).await? {
                    return Ok(false);
                }
            }
        }
        ExportKind::ByProject => {
            let projects: Vec<(i64, String)> = project::Entity::find()
                .select_only()
                .columns([project::Column::Id, project::Column::Name])
                .filter(project::Column::OrgId.eq(org))
                .order_by_asc(project::Column::Name)
                .order_by_asc(project::Column::Id)
                .into_tuple()
                .all(db)
                .await?;
            for (project_id, project_name) in projects {
                send(Piece::File(file_name_for(&project_name, project_id))).await?;
                send(Piece::Rows(vec![header(false)])).await?;
                let mut after = 0i64;
                loop {
                    let contacts = project_client::Entity::find()
                        .filter(project_client::Column::OrgId.eq(org))
                        .filter(project_client::Column::ProjectId.eq(project_id))
                        .filter(project_client::Column::Id.gt(after))
                        .order_by_asc(project_client::Column::Id)
                        .limit(PAGE)
                        .all(db)
                        .await?;
                    let Some(last) = contacts.last() else { break };
                    after = last.id;
                    let clients = client::Entity::find()
                        .filter(client::Column::OrgId.eq(org))
                        .filter(client::Column::Id.is_in(contacts.iter().map(|c| c.client_id)))
                        .all(db)
                        .await?;
                    let activated: std::collections::HashMap<i64, Option<DateTime<Utc>>> =
                        clients.iter().map(|c| (c.id, c.first_accepted_at)).collect();
                    let mut rows: std::collections::HashMap<i64, ClientRow> =
                        crate::clients::rows(portico, org, clients)
                            .await?
                            .into_iter()
                            .map(|r| (r.client_id, r))
                            .collect();
                    let at = now();
                    let lines = contacts
                        .iter()
                        .filter_map(|pc| {
                            let mut row = rows.remove(&pc.client_id)?;
                            // This project's status and invitation, not the client's overall.
                            row.status = crate::invitations::contact_status(pc, at);
                            row.invited_at = pc.last_sent_at;
                            Some(line(row, activated.get(&pc.client_id).copied().flatten(), false))
                        })
                        .collect();
                    send(Piece::Rows(lines)).await?;
                    if !progress(contacts.len() as u64).await? {
                        return Ok(false);
                    }
                }
            }
        }
    }
    Ok(true)
}

/// A project's CSV in the ZIP: its name with anything but letters, digits, spaces, `-` and `_`
/// replaced (no path can come out of a name), and its id, so two projects never share a file.
fn file_name_for(project: &str, id: i64) -> String {
    let safe: String = project
        .chars()
        .take(60)
        .map(|c| if c.is_alphanumeric() || c == ' ' || c == '-' || c == '_' { c } else { '_' })
        .collect();
    format!("{} ({id}).csv", safe.trim())
}

/// The writer thread: CSV rows into the file, or into the ZIP's current entry.
fn write_file(
    path: &std::path::Path,
    kind: ExportKind,
    mut rx: tokio::sync::mpsc::Receiver<Piece>,
) -> std::io::Result<()> {
    let file = BufWriter::new(std::fs::File::create(path)?);
    let encode = |rows: Vec<Vec<String>>| -> std::io::Result<Vec<u8>> {
        let mut csv = csv::Writer::from_writer(Vec::new());
        for row in rows {
            csv.write_record(&row)?;
        }
        csv.into_inner().map_err(|e| e.into_error())
    };
    match kind {
        ExportKind::Portal => {
            let mut file = file;
            while let Some(piece) = rx.blocking_recv() {
                if let Piece::Rows(rows) = piece {
                    file.write_all(&encode(rows)?)?;
                }
            }
            file.into_inner().map_err(|e| e.into_error())?.sync_all()
        }
        ExportKind::ByProject => {
            let mut zip = zip::ZipWriter::new(file);
            let options = zip::write::SimpleFileOptions::default().compression_method(zip::CompressionMethod::Deflated);
            while let Some(piece) = rx.blocking_recv() {
                match piece {
                    Piece::File(name) => zip.start_file(name, options).map_err(std::io::Error::other)?,
                    Piece::Rows(rows) => zip.write_all(&encode(rows)?)?,
                }
            }
            let file = zip.finish().map_err(std::io::Error::other)?;
            file.into_inner().map_err(|e| e.into_error())?.sync_all()
        }
    }
}

/// A prepared export to download: its path, the name the browser saves it as, its type.
pub struct Download {
    pub path: PathBuf,
    pub file_name: String,
    pub content_type: &'static str,
}

/// The file of export job `id`, for an owner or admin of its organization, while it is kept.
pub async fn download(portico: &Portico, staff: &Staff, id: i64) -> Result<Download> {
    may_export(staff)?;
    let job = crate::jobs::find(portico, staff, id).await?;
    if job.kind != KIND {
        return Err(Error::NotFound);
    }
    let Some(until) = job.file_expires_at else {
        return Err(Error::Conflict("This export is not ready yet.".into()));
    };
    let file = job.file_name.filter(|_| until > now());
    let Some(file) = file else {
        return Err(Error::Conflict("This download has expired. Export again.".into()));
    };
    let zip = file.ends_with(".zip");
    let day = job.created_at.format("%Y-%m-%d");
    Ok(Download {
        path: folder(portico).join(&file),
        file_name: if zip { format!("clients-by-project-{day}.zip") } else { format!("clients-{day}.csv") },
        content_type: if zip { "application/zip" } else { "text/csv; charset=utf-8" },
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formulas_are_neutralised_and_plain_text_is_not() {
        for hostile in ["=HYPERLINK(\"http://x\")", "+1+1", "-2", "@SUM(A1)", "\tx", "\rx"] {
            assert_eq!(neutralise(hostile.to_string()), format!("'{hostile}"));
        }
        for plain in ["Ann", "ann@example.com", "", "a=b", " =x"] {
            assert_eq!(neutralise(plain.to_string()), plain);
        }
    }

    #[test]
    fn project_file_names_cannot_leave_the_zip_or_collide() {
        assert_eq!(file_name_for("../../etc/passwd", 7), "______etc_passwd (7).csv");
        assert_eq!(file_name_for("Roof", 1), "Roof (1).csv");
        assert_ne!(file_name_for("Roof", 1), file_name_for("Roof", 2));
    }
}
