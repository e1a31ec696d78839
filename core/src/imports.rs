//! CSV import (PRODUCT.md "Bulk, import, export"): many projects and their clients at once,
//! and with "Send invitations now" an invitation to each client of a project.
//!
//! An upload is kept as a file under the data folder and a job in the `draft` state (so the
//! job's ownership, tenancy and expiry rules apply to it from the start). Its page shows the
//! **dry run**: the file read (`read`), each row checked (`check`) and judged against the data
//! as it is now (`judge`), which writes and sends nothing. "Import" turns the draft into a
//! queued job whose items are the rows to import; the jobs worker imports them in chunks, each
//! in one transaction (`apply_chunk`, set-based: a fixed number of statements a chunk), and
//! every step is a find-or-create, so a chunk redone after a crash, or the same file imported
//! twice, creates and sends nothing the second time.
//!
//! `read`, `check` and `judge` are pure: the fuzz target (`tests::fuzz_*`) drives them.

use std::collections::{BTreeSet, HashMap, HashSet};

use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseTransaction, EntityTrait, QueryFilter, QueryOrder,
    QuerySelect, Set,
    sea_query::{Expr, ExprTrait},
};
use serde::{Deserialize, Serialize};

use crate::{
    Error, Portico, Result, access,
    accounts::Staff,
    audit::{self, Actor},
    batch::Batch,
    domain::{EmailAddress, Line, PhoneNumber},
    entities::{client, customer, invitation, job, job_item, organization, project, project_client},
    invitations::{self, contact_status},
    model::{AccessStatus, ImportField, ImportPreview, ImportProblem, ImportProject, RowVerdict, UploadProblem},
    now,
};

pub const KIND: &str = "import";
/// The largest file accepted unless the server is configured otherwise
/// (`PORTICO_IMPORT_MAX_BYTES`).
pub const DEFAULT_MAX_BYTES: usize = crate::model::IMPORT_MAX_BYTES_DEFAULT as usize;
/// How long an upload that was never imported is kept.
const DRAFT_KEPT_FOR: chrono::Duration = chrono::Duration::hours(24);

/// The downloadable template: the headers and three example rows. The byte-order mark makes
/// spreadsheet programs read it as UTF-8.
pub const TEMPLATE: &str = "\u{feff}Project,Name,Email,Phone,Customer\r\n\
Kitchen renovation,Ada Lovelace,ada@example.com,+44 20 7946 0958,Lovelace Analytics\r\n\
Kitchen renovation,Charles Babbage,charles@example.com,,Lovelace Analytics\r\n\
Annual accounts,Grace Hopper,grace@example.com,+1 202 555 0143,\r\n";

/// What an import job holds (`jobs.params`).
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
pub struct Import {
    /// The name of the uploaded file, as the browser gave it.
    pub file_name: String,
    /// The column of each field (`ImportField::ALL` order); `None` until someone maps them:
    /// then they are matched by header.
    #[serde(default)]
    pub mapping: Option<Vec<Option<usize>>>,
    #[serde(default)]
    pub valid_only: bool,
    /// The projects (by name as in the file) whose clients are invited.
    #[serde(default)]
    pub send: Vec<String>,
}

/// A file as read: its headers and its records, each with the line it starts on.
#[derive(Debug)]
pub struct Sheet {
    pub headers: Vec<String>,
    pub records: Vec<Record>,
}

#[derive(Debug)]
pub struct Record {
    pub line: u64,
    pub cells: Vec<String>,
}

/// A refused file is a problem with the form's `file` field.
#[derive(Debug)]
pub struct Refused {
    pub problem: UploadProblem,
    pub max_bytes: usize,
}

impl From<Refused> for Error {
    fn from(r: Refused) -> Error {
        Error::validation("file", r.problem.message(r.max_bytes as u64))
    }
}

fn refused(problem: UploadProblem) -> Refused {
    Refused { problem, max_bytes: DEFAULT_MAX_BYTES }
}

/// Reads an uploaded file: UTF-8 with or without a byte-order mark, comma- or
/// semicolon-separated (whichever the header line uses), quoted cells with newlines allowed.
/// Blank lines are left out. A file that cannot be read as a whole is refused with the reason.
pub fn read(bytes: &[u8]) -> std::result::Result<Sheet, Refused> {
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    let text = std::str::from_utf8(bytes).map_err(|e| {
        let line = bytes[..e.valid_up_to()].iter().filter(|b| **b == b'\n').count() as u64 + 1;
        refused(UploadProblem::NotUtf8 { line })
    })?;
    if text.trim().is_empty() {
        return Err(refused(UploadProblem::Empty));
    }
    let mut reader = csv::ReaderBuilder::new()
        .delimiter(delimiter(text))
        .flexible(true)
        .has_headers(true)
        .from_reader(text.as_bytes());
    let headers: Vec<String> = reader
        .headers()
        .map_err(|_| refused(UploadProblem::NotCsv { line: 1 }))?
        .iter()
        .map(|h| h.trim().to_string())
        .collect();
    if headers.iter().all(String::is_empty) {
        return Err(refused(UploadProblem::NoHeader));
    }
    let mut records = Vec::new();
    // Rows as a spreadsheet numbers them: the header is row 1, a cell's line breaks don't count.
    for (row, record) in (2u64..).zip(reader.records()) {
        let record = record.map_err(|_| refused(UploadProblem::NotCsv { line: row }))?;
        if record.iter().all(|c| c.trim().is_empty()) {
            continue;
        }
        records.push(Record { line: row, cells: record.iter().map(str::to_string).collect() });
    }
    Ok(Sheet { headers, records })
}

/// `;` when the header line has more semicolons than commas outside quotes (spreadsheets in
/// locales with a decimal comma save that way), else `,`.
fn delimiter(text: &str) -> u8 {
    let (mut commas, mut semicolons, mut quoted) = (0, 0, false);
    for c in text.chars() {
        match c {
            '"' => quoted = !quoted,
            ',' if !quoted => commas += 1,
            ';' if !quoted => semicolons += 1,
            '\n' if !quoted => break,
            _ => {}
        }
    }
    if semicolons > commas { b';' } else { b',' }
}

/// The column each field is read from, by header: the template's names and the usual others
/// (case, spaces and punctuation ignored). The first matching column wins.
pub fn auto_mapping(headers: &[String]) -> Vec<Option<usize>> {
    let normal = |h: &str| h.chars().filter(|c| c.is_alphanumeric()).collect::<String>().to_lowercase();
    let names: &[(ImportField, &[&str])] = &[
        (ImportField::Project, &["project", "projectname", "projecttitle"]),
        (ImportField::Name, &["name", "clientname", "fullname", "contactname", "client", "contact"]),
        (ImportField::Email, &["email", "emailaddress", "clientemail", "mail"]),
        (ImportField::Phone, &["phone", "phonenumber", "mobile", "telephone", "clientphone", "tel"]),
        (
            ImportField::Customer,
            &["customer", "customername", "company", "companyname", "organisation", "organization"],
        ),
    ];
    ImportField::ALL
        .iter()
        .map(|field| {
            let wanted = names.iter().find(|(f, _)| f == field).map(|(_, n)| *n).unwrap_or_default();
            headers.iter().position(|h| wanted.contains(&normal(h).as_str()))
        })
        .collect()
}

/// A mapping as the form sends it: for each field, a column index or nothing. A required
/// field without a column, or an index past the file's columns, is refused.
pub fn check_mapping(columns: usize, mapping: &[Option<usize>]) -> Result<Vec<Option<usize>>> {
    let mut errors = crate::error::FormErrors::default();
    for (field, column) in ImportField::ALL.iter().zip(mapping) {
        let problem = match column {
            Some(c) if *c >= columns => Some("Choose one of the file's columns."),
            None if field.required() => Some("Choose the column this comes from."),
            _ => None,
        };
        if let Some(p) = problem {
            errors.check::<()>(Err(Error::validation(field.key(), p)));
        }
    }
    errors.finish()?;
    Ok(ImportField::ALL.iter().enumerate().map(|(i, _)| mapping.get(i).copied().flatten()).collect())
}

/// Every required field has a column: the rows can be checked.
fn is_mapped(mapping: &[Option<usize>]) -> bool {
    ImportField::ALL.iter().all(|f| !f.required() || mapping.get(*f as usize).copied().flatten().is_some())
}

/// A row that can be imported.
#[derive(Clone, Debug)]
pub struct Row {
    pub line: u64,
    pub project: Line,
    pub name: Line,
    pub email: EmailAddress,
    pub phone: Option<PhoneNumber>,
    pub customer: Option<Line>,
}

/// What is wrong with a row: for each cell at fault its column (an index into the headers),
/// or none for the row as a whole.
pub type RowProblems = Vec<(Option<usize>, String)>;

/// Checks one record against the mapping: every field's rules, every problem at once.
pub fn check(headers: &[String], mapping: &[Option<usize>], record: &Record) -> std::result::Result<Row, RowProblems> {
    let mut problems = RowProblems::new();
    if record.cells.len() > headers.len() && record.cells[headers.len()..].iter().any(|c| !c.trim().is_empty()) {
        problems.push((
            None,
            format!("This row has {} cells but the header names {} columns.", record.cells.len(), headers.len()),
        ));
    }
    let cell = |field: ImportField| {
        let column = mapping.get(field as usize).copied().flatten();
        (column, column.and_then(|c| record.cells.get(c)).map(String::as_str).unwrap_or(""))
    };
    let mut field = |field: ImportField, parsed: fn(&str) -> Result<FieldValue>| {
        let (column, text) = cell(field);
        match parsed(text) {
            Ok(value) => Some(value),
            Err(Error::Validation { message, .. }) => {
                problems.push((column, message));
                None
            }
            Err(other) => {
                problems.push((column, other.to_string()));
                None
            }
        }
    };
    let project =
        field(ImportField::Project, |t| Line::parse("project", "the project's name", t, 200).map(FieldValue::Line));
    let name = field(ImportField::Name, |t| Line::parse("name", "the client's name", t, 200).map(FieldValue::Line));
    let email = field(ImportField::Email, |t| EmailAddress::parse(t).map(FieldValue::Email));
    let phone = field(ImportField::Phone, |t| PhoneNumber::parse_optional(t).map(FieldValue::Phone));
    let customer = field(ImportField::Customer, |t| {
        Line::parse_optional("customer", "the customer's name", t, 200).map(FieldValue::Customer)
    });
    if !problems.is_empty() {
        return Err(problems);
    }
    match (project, name, email, phone, customer) {
        (
            Some(FieldValue::Line(project)),
            Some(FieldValue::Line(name)),
            Some(FieldValue::Email(email)),
            Some(FieldValue::Phone(phone)),
            Some(FieldValue::Customer(customer)),
        ) => Ok(Row { line: record.line, project, name, email, phone, customer }),
        _ => Err(vec![(None, "This row could not be read.".into())]),
    }
}

/// A checked cell (one type, so one closure checks every field).
enum FieldValue {
    Line(Line),
    Email(EmailAddress),
    Phone(Option<PhoneNumber>),
    Customer(Option<Line>),
}

/// A client who already exists, as the judgement needs them.
#[derive(Clone, Debug, Default)]
pub struct Known {
    pub id: i64,
    pub name: String,
    pub phone: Option<String>,
    pub customer: Option<String>,
    pub deactivated: bool,
}

/// The organization's data the rows touch, read in a few batched queries (`existing`).
#[derive(Clone, Debug, Default)]
pub struct Existing {
    /// By email.
    pub clients: HashMap<String, Known>,
    /// By name: the ids of the projects of that name.
    pub projects: HashMap<String, Vec<i64>>,
    /// The status of each (client, project) pair that exists.
    pub contacts: HashMap<(i64, i64), AccessStatus>,
}

/// One row judged.
#[derive(Clone, Debug)]
pub struct Judged {
    pub line: u64,
    pub verdict: RowVerdict,
    /// Its problems (Invalid), or the one reason (Skip, Duplicate), with the column at fault.
    pub reasons: RowProblems,
    /// The project it is for (empty when the project cell is invalid).
    pub project: String,
    /// With "Send invitations now", an invitation would go out for this row.
    pub invitable: bool,
}

/// Judges every checked row against `existing`, in file order: what the import would do with
/// it. The rules the import itself follows (`apply`), read ahead.
pub fn judge(
    rows: &[std::result::Result<Row, (u64, RowProblems)>],
    existing: &Existing,
    mapping: &[Option<usize>],
) -> Vec<Judged> {
    let column = |f: ImportField| mapping.get(f as usize).copied().flatten();
    let mut pairs: HashMap<(&str, &str), u64> = HashMap::new();
    let mut emails: HashMap<&str, &Row> = HashMap::new();
    let mut out = Vec::with_capacity(rows.len());
    for row in rows {
        let row = match row {
            Ok(row) => row,
            Err((line, problems)) => {
                out.push(Judged {
                    line: *line,
                    verdict: RowVerdict::Invalid,
                    reasons: problems.clone(),
                    project: String::new(),
                    invitable: false,
                });
                continue;
            }
        };
        let project = row.project.as_str();
        let email = row.email.as_str();
        let judged = |verdict, reasons: RowProblems, invitable| Judged {
            line: row.line,
            verdict,
            reasons,
            project: project.to_string(),
            invitable,
        };
        let same_name = existing.projects.get(project).map(Vec::as_slice).unwrap_or_default();
        if same_name.len() > 1 {
            let why = format!(
                "{} projects are named \u{201c}{project}\u{201d}. Rename one so the import knows which.",
                same_name.len()
            );
            out.push(judged(RowVerdict::Invalid, vec![(column(ImportField::Project), why)], false));
            continue;
        }
        if let Some(first) = pairs.get(&(email, project)) {
            let why = format!("The same client and project as row {first}.");
            out.push(judged(RowVerdict::Duplicate, vec![(column(ImportField::Email), why)], false));
            continue;
        }
        if let Some(first) = emails.get(email)
            && let Some((field, why)) = disagreement(first, row)
        {
            out.push(judged(RowVerdict::Invalid, vec![(column(field), why)], false));
            continue;
        }
        pairs.insert((email, project), row.line);
        let earlier = emails.contains_key(email);
        emails.entry(email).or_insert(row);
        let project_id = same_name.first().copied();
        let verdict = match existing.clients.get(email) {
            Some(known) if known.deactivated => {
                let why = format!("{} is deactivated. Activate them first.", known.name);
                judged(RowVerdict::Skip, vec![(column(ImportField::Email), why)], false)
            }
            Some(known) => {
                let status = project_id.and_then(|p| existing.contacts.get(&(known.id, p)).copied());
                let invitable =
                    !matches!(status, Some(AccessStatus::Invited | AccessStatus::Active | AccessStatus::Locked));
                if status.is_some() && changes(known, row).is_empty() {
                    let why = format!("Already a client of {project} with these details.");
                    judged(RowVerdict::Skip, vec![(None, why)], invitable)
                } else {
                    judged(RowVerdict::Update, vec![], invitable)
                }
            }
            None if earlier => judged(RowVerdict::Update, vec![], true),
            None => judged(RowVerdict::Create, vec![], true),
        };
        out.push(verdict);
    }
    out
}

/// Where a later row gives the same email other details than an earlier one.
fn disagreement(first: &Row, row: &Row) -> Option<(ImportField, String)> {
    if first.name.as_str() != row.name.as_str() {
        return Some((
            ImportField::Name,
            format!("Row {} gives this email the name {}.", first.line, first.name.as_str()),
        ));
    }
    if let (Some(a), Some(b)) = (&first.phone, &row.phone)
        && a.as_str() != b.as_str()
    {
        return Some((ImportField::Phone, format!("Row {} gives this email another phone number.", first.line)));
    }
    if let (Some(a), Some(b)) = (&first.customer, &row.customer)
        && a.as_str() != b.as_str()
    {
        return Some((ImportField::Customer, format!("Row {} gives this email another customer.", first.line)));
    }
    None
}

/// The details a row would change on a client who exists: an empty phone or customer cell
/// leaves what is there.
fn changes(known: &Known, row: &Row) -> Vec<&'static str> {
    let mut changed = Vec::new();
    if known.name != row.name.as_str() {
        changed.push("name");
    }
    if let Some(phone) = &row.phone
        && known.phone.as_deref() != Some(phone.as_str())
    {
        changed.push("phone");
    }
    if let Some(customer) = &row.customer
        && known.customer.as_deref() != Some(customer.as_str())
    {
        changed.push("customer");
    }
    changed
}

/// Rows per batched lookup.
const LOOKUP: usize = 500;

/// Reads what the rows touch: the clients with their emails, the projects with their names,
/// and the pairs of those. A few queries per 500 rows, whatever the organization's size.
pub async fn existing<C: ConnectionTrait>(db: &C, org: i64, rows: &[&Row]) -> Result<Existing> {
    let mut found = Existing::default();
    let emails: Vec<&str> = rows.iter().map(|r| r.email.as_str()).collect::<HashSet<_>>().into_iter().collect();
    let names: Vec<&str> = rows.iter().map(|r| r.project.as_str()).collect::<HashSet<_>>().into_iter().collect();
    let mut clients = Vec::new();
    for batch in emails.chunks(LOOKUP) {
        clients.extend(
            client::Entity::find()
                .filter(client::Column::OrgId.eq(org))
                .filter(client::Column::Email.is_in(batch.iter().copied()))
                .all(db)
                .await?,
        );
    }
    // Compared by name: the file names customers.
    let customer_ids: Vec<i64> =
        clients.iter().filter_map(|c| c.customer_id).collect::<HashSet<_>>().into_iter().collect();
    let mut customers: HashMap<i64, String> = HashMap::new();
    for batch in customer_ids.chunks(LOOKUP) {
        let named: Vec<(i64, String)> = customer::Entity::find()
            .select_only()
            .columns([customer::Column::Id, customer::Column::Name])
            .filter(customer::Column::OrgId.eq(org))
            .filter(customer::Column::Id.is_in(batch.iter().copied()))
            .into_tuple()
            .all(db)
            .await?;
        customers.extend(named);
    }
    for c in clients {
        let known = Known {
            id: c.id,
            name: c.name,
            phone: c.phone,
            customer: c.customer_id.and_then(|id| customers.get(&id).cloned()),
            deactivated: c.deactivated_at.is_some(),
        };
        found.clients.insert(c.email, known);
    }
    for batch in names.chunks(LOOKUP) {
        let projects: Vec<(i64, String)> = project::Entity::find()
            .select_only()
            .columns([project::Column::Id, project::Column::Name])
            .filter(project::Column::OrgId.eq(org))
            .filter(project::Column::Name.is_in(batch.iter().copied()))
            .into_tuple()
            .all(db)
            .await?;
        for (id, name) in projects {
            found.projects.entry(name).or_default().push(id);
        }
    }
    let client_ids: Vec<i64> = found.clients.values().map(|k| k.id).collect();
    let project_ids: Vec<i64> = found.projects.values().flatten().copied().collect();
    if !project_ids.is_empty() {
        let at = now();
        for batch in client_ids.chunks(LOOKUP) {
            let contacts = project_client::Entity::find()
                .filter(project_client::Column::OrgId.eq(org))
                .filter(project_client::Column::ClientId.is_in(batch.iter().copied()))
                .all(db)
                .await?;
            for pc in contacts.iter().filter(|pc| project_ids.contains(&pc.project_id)) {
                found.contacts.insert((pc.client_id, pc.project_id), contact_status(pc, at));
            }
        }
    }
    Ok(found)
}

/// The whole dry run of a file: read, checked, judged against the organization's data.
pub struct DryRun {
    pub sheet: Sheet,
    pub mapping: Vec<Option<usize>>,
    pub rows: Vec<std::result::Result<Row, (u64, RowProblems)>>,
    pub judged: Vec<Judged>,
    pub existing: Existing,
}

pub async fn dry_run<C: ConnectionTrait>(db: &C, org: i64, bytes: &[u8], import: &Import) -> Result<DryRun> {
    let sheet = read(bytes)?;
    let mapping = import.mapping.clone().unwrap_or_else(|| auto_mapping(&sheet.headers));
    let rows: Vec<_> = if is_mapped(&mapping) {
        sheet.records.iter().map(|r| check(&sheet.headers, &mapping, r).map_err(|p| (r.line, p))).collect()
    } else {
        Vec::new()
    };
    let valid: Vec<&Row> = rows.iter().filter_map(|r| r.as_ref().ok()).collect();
    let existing = existing(db, org, &valid).await?;
    let judged = judge(&rows, &existing, &mapping);
    Ok(DryRun { sheet, mapping, rows, judged, existing })
}

impl DryRun {
    fn count(&self, verdict: RowVerdict) -> u64 {
        self.judged.iter().filter(|j| j.verdict == verdict).count() as u64
    }

    /// The dry run as its page shows it.
    pub fn preview(&self, id: i64, file_name: &str, started: bool) -> ImportPreview {
        let headers = &self.sheet.headers;
        let header = |c: Option<usize>| c.and_then(|c| headers.get(c)).cloned();
        let mut projects: Vec<ImportProject> = Vec::new();
        for j in self.judged.iter().filter(|j| !j.project.is_empty() && j.verdict != RowVerdict::Invalid) {
            let at = match projects.iter().position(|p| p.name == j.project) {
                Some(at) => at,
                None => {
                    projects.push(ImportProject {
                        name: j.project.clone(),
                        new: !self.existing.projects.contains_key(&j.project),
                        create: 0,
                        update: 0,
                        skip: 0,
                        to_invite: 0,
                    });
                    projects.len() - 1
                }
            };
            let p = &mut projects[at];
            match j.verdict {
                RowVerdict::Create => p.create += 1,
                RowVerdict::Update => p.update += 1,
                RowVerdict::Skip => p.skip += 1,
                _ => {}
            }
            if j.invitable && j.verdict != RowVerdict::Duplicate {
                p.to_invite += 1;
            }
        }
        let problems: Vec<ImportProblem> = self
            .judged
            .iter()
            .filter(|j| !matches!(j.verdict, RowVerdict::Create | RowVerdict::Update))
            .flat_map(|j| {
                j.reasons.iter().map(move |(column, reason)| ImportProblem {
                    line: j.line,
                    verdict: j.verdict,
                    column: header(*column),
                    reason: reason.clone(),
                })
            })
            .collect();
        let used: HashSet<usize> = self.mapping.iter().flatten().copied().collect();
        ImportPreview {
            id,
            file_name: file_name.to_string(),
            columns: headers.clone(),
            mapping: ImportField::ALL.iter().map(|f| (*f, self.mapping.get(*f as usize).copied().flatten())).collect(),
            ignored: headers
                .iter()
                .enumerate()
                .filter(|(i, h)| !used.contains(i) && !h.is_empty())
                .map(|(_, h)| h.clone())
                .collect(),
            rows: self.sheet.records.len() as u64,
            create: self.count(RowVerdict::Create),
            update: self.count(RowVerdict::Update),
            skip: self.count(RowVerdict::Skip),
            duplicates: self.count(RowVerdict::Duplicate),
            invalid: self.count(RowVerdict::Invalid),
            problems_total: problems.len() as u64,
            problems: problems.into_iter().take(ImportPreview::PROBLEMS_SHOWN).collect(),
            projects,
            started,
        }
    }

    /// The error report: each row that will not be imported as it is, as in the file, with
    /// what happens to it and why in two first columns. Cells are neutralised: the file goes
    /// back into a spreadsheet.
    pub fn error_report(&self) -> Result<Vec<u8>> {
        let mut out = csv::Writer::from_writer(b"\xEF\xBB\xBF".to_vec());
        let mut header = vec!["Row".to_string(), "Result".to_string(), "Problem".to_string()];
        header.extend(self.sheet.headers.iter().cloned());
        let write = |out: &mut csv::Writer<Vec<u8>>, cells: Vec<String>| {
            out.write_record(cells.into_iter().map(crate::exports::neutralise))
                .map_err(|e| Error::internal("the error report", e))
        };
        write(&mut out, header)?;
        let records: HashMap<u64, &Record> = self.sheet.records.iter().map(|r| (r.line, r)).collect();
        for j in self.judged.iter().filter(|j| !matches!(j.verdict, RowVerdict::Create | RowVerdict::Update)) {
            let why = j
                .reasons
                .iter()
                .map(|(c, r)| match c.and_then(|c| self.sheet.headers.get(c)) {
                    Some(h) => format!("{h}: {r}"),
                    None => r.clone(),
                })
                .collect::<Vec<_>>()
                .join(" ");
            let mut cells = vec![j.line.to_string(), j.verdict.label().to_string(), why];
            cells.extend(records.get(&j.line).map(|r| r.cells.clone()).unwrap_or_default());
            write(&mut out, cells)?;
        }
        out.into_inner().map_err(|e| Error::internal("the error report", e.error()))
    }
}

pub(crate) fn folder(portico: &Portico) -> std::path::PathBuf {
    portico.files.join("imports")
}

/// "Upload CSV": keeps the file as a draft import and answers its id. The file is checked to
/// be readable CSV now, so the person who chose it hears about a wrong file at once.
pub async fn upload(
    portico: &Portico,
    staff: &Staff,
    file_name: &str,
    bytes: &[u8],
) -> std::result::Result<i64, UploadRefusal> {
    let max_bytes = portico.import_max_bytes;
    if bytes.is_empty() && file_name.is_empty() {
        return Err(UploadRefusal::File(Refused { problem: UploadProblem::NoFile, max_bytes }));
    }
    if bytes.len() > max_bytes {
        return Err(UploadRefusal::File(Refused { problem: UploadProblem::TooLarge, max_bytes }));
    }
    read(bytes).map_err(|r| UploadRefusal::File(Refused { max_bytes, ..r }))?;
    Ok(keep(portico, staff, file_name, bytes).await?)
}

/// An upload refused: the file (the person can choose another), or anything else.
pub enum UploadRefusal {
    File(Refused),
    Other(Error),
}

impl From<Error> for UploadRefusal {
    fn from(e: Error) -> Self {
        UploadRefusal::Other(e)
    }
}

impl From<sea_orm::DbErr> for UploadRefusal {
    fn from(e: sea_orm::DbErr) -> Self {
        UploadRefusal::Other(e.into())
    }
}

async fn keep(portico: &Portico, staff: &Staff, file_name: &str, bytes: &[u8]) -> Result<i64> {
    let dir = folder(portico);
    tokio::fs::create_dir_all(&dir).await.map_err(|e| Error::internal("the imports folder", e))?;
    let stored = format!("{}.csv", crate::secrets::random_hex16());
    // Until its job row exists nothing else knows the file (the sweep finds files through
    // rows): whatever ends this early — a failed insert, the browser gone while waiting for the
    // write turn — removes it, so a list of clients' names and emails is never left behind.
    let mut unclaimed = Unclaimed(Some(dir.join(&stored)));
    tokio::fs::write(dir.join(&stored), bytes).await.map_err(|e| Error::internal("keeping an upload", e))?;
    let name: String = file_name.chars().filter(|c| !c.is_control()).take(200).collect();
    let params =
        Import { file_name: if name.trim().is_empty() { "upload.csv".into() } else { name }, ..Default::default() };
    let params = serde_json::to_string(&params).map_err(|e| Error::internal("import parameters", e))?;
    let t = now();
    let _turn = portico.write_turn().await;
    let draft = job::ActiveModel {
        status: Set(crate::jobs::status::DRAFT.into()),
        created_at: Set(t),
        file_name: Set(Some(stored)),
        file_expires_at: Set(Some(t + DRAFT_KEPT_FOR)),
        ..crate::jobs::new_job(staff, KIND, params)
    }
    .insert(&portico.db)
    .await?;
    unclaimed.0 = None;
    Ok(draft.id)
}

/// A kept upload that no job row names yet: removed when dropped, unless claimed.
struct Unclaimed(Option<std::path::PathBuf>);

impl Drop for Unclaimed {
    fn drop(&mut self) {
        if let Some(path) = self.0.take() {
            let _ = std::fs::remove_file(path);
        }
    }
}

/// An import of the staff member's organization that they may see, with its parameters and
/// its file's contents.
async fn load(portico: &Portico, staff: &Staff, id: i64) -> Result<(job::Model, Import, Vec<u8>)> {
    let job = crate::jobs::find(portico, staff, id).await?;
    if job.kind != KIND {
        return Err(Error::NotFound);
    }
    let (import, bytes) = read_upload(portico, &job).await?;
    Ok((job, import, bytes))
}

/// An import job's parameters and file. A file that is gone (swept after its time ran out) is a
/// `Conflict` saying so, not an internal error: a worker gives the job up with that reason
/// instead of trying again forever.
async fn read_upload(portico: &Portico, job: &job::Model) -> Result<(Import, Vec<u8>)> {
    const GONE: &str = "This upload has expired. Upload the file again.";
    let import: Import = serde_json::from_str(&job.params).map_err(|e| Error::internal("import parameters", e))?;
    let Some(file) = job.file_name.clone() else { return Err(Error::Conflict(GONE.into())) };
    let bytes = tokio::fs::read(folder(portico).join(file)).await.map_err(|e| match e.kind() {
        std::io::ErrorKind::NotFound => Error::Conflict(GONE.into()),
        _ => Error::internal("reading an upload", e),
    })?;
    Ok((import, bytes))
}

/// The dry run of an upload, as its page shows it.
pub async fn preview(portico: &Portico, staff: &Staff, id: i64) -> Result<ImportPreview> {
    let (job, import, bytes) = load(portico, staff, id).await?;
    let run = dry_run(&portico.db, staff.org_id.0, &bytes, &import).await?;
    Ok(run.preview(job.id, &import.file_name, job.status != crate::jobs::status::DRAFT))
}

/// "Download the error report".
pub async fn error_report(portico: &Portico, staff: &Staff, id: i64) -> Result<(String, Vec<u8>)> {
    let (_, import, bytes) = load(portico, staff, id).await?;
    let run = dry_run(&portico.db, staff.org_id.0, &bytes, &import).await?;
    let stem = import.file_name.trim_end_matches(".csv").trim_end_matches(".CSV");
    let safe: String =
        stem.chars().take(60).map(|c| if c.is_alphanumeric() || c == '-' || c == '_' { c } else { '_' }).collect();
    Ok((format!("{safe}-problems.csv"), run.error_report()?))
}

/// "Save mapping": the columns each field is read from.
pub async fn set_mapping(portico: &Portico, staff: &Staff, id: i64, mapping: Vec<Option<usize>>) -> Result<()> {
    let (job, mut import, bytes) = load(portico, staff, id).await?;
    if job.status != crate::jobs::status::DRAFT {
        return Err(Error::Conflict("This import has already started.".into()));
    }
    let sheet = read(&bytes)?;
    import.mapping = Some(check_mapping(sheet.headers.len(), &mapping)?);
    save_params(portico, job.id, &import, None).await
}

async fn save_params(portico: &Portico, id: i64, import: &Import, total: Option<u64>) -> Result<()> {
    let params = serde_json::to_string(import).map_err(|e| Error::internal("import parameters", e))?;
    let _turn = portico.write_turn().await;
    let mut update = job::Entity::update_many().col_expr(job::Column::Params, Expr::value(params));
    if let Some(total) = total {
        update = update.col_expr(job::Column::Total, Expr::value(total as i64));
    }
    update
        .filter(job::Column::Id.eq(id))
        .filter(job::Column::Status.eq(crate::jobs::status::DRAFT))
        .exec(&portico.db)
        .await?;
    Ok(())
}

/// "Import" / "Import the valid rows only": the rows to import become the job's items and the
/// job is queued. With invalid rows and not `valid_only`, nothing is imported. `send`: the
/// projects (by name) whose clients are invited.
pub async fn start(portico: &Portico, staff: &Staff, id: i64, valid_only: bool, send: Vec<String>) -> Result<i64> {
    let (job, mut import, bytes) = load(portico, staff, id).await?;
    if job.status != crate::jobs::status::DRAFT {
        // The same request twice (a double click, a second tab): the first one started it.
        return Ok(job.id);
    }
    let run = dry_run(&portico.db, staff.org_id.0, &bytes, &import).await?;
    if !is_mapped(&run.mapping) {
        return Err(Error::validation("mapping", "Choose the column of each required field first."));
    }
    let invalid = run.count(RowVerdict::Invalid);
    if invalid > 0 && !valid_only {
        return Err(Error::validation(
            "valid_only",
            format!(
                "{} {} problems. Fix the file and upload it again, or import the valid rows only.",
                crate::model::thousands(invalid),
                if invalid == 1 { "row has" } else { "rows have" }
            ),
        ));
    }
    let lines: Vec<u64> = run
        .judged
        .iter()
        .filter(|j| matches!(j.verdict, RowVerdict::Create | RowVerdict::Update | RowVerdict::Skip))
        .map(|j| j.line)
        .collect();
    if lines.is_empty() {
        return Err(Error::validation("valid_only", "There is nothing to import in this file."));
    }
    let in_file: HashSet<&str> = run.judged.iter().map(|j| j.project.as_str()).collect();
    import.valid_only = valid_only;
    import.mapping = Some(run.mapping.clone());
    import.send = send.into_iter().filter(|p| in_file.contains(p.as_str())).collect();
    let params = serde_json::to_string(&import).map_err(|e| Error::internal("import parameters", e))?;
    let txn = portico.begin().await?;
    let queued = job::Entity::update_many()
        .col_expr(job::Column::Params, Expr::value(params))
        .col_expr(job::Column::Total, Expr::value(lines.len() as i64))
        .col_expr(job::Column::Status, Expr::value(crate::jobs::status::QUEUED))
        .col_expr(job::Column::CreatedAt, Expr::value(now()))
        // The upload is kept while the job runs and a day after (`finish` moves it on).
        .col_expr(job::Column::FileExpiresAt, Expr::value(now() + DRAFT_KEPT_FOR))
        .filter(job::Column::Id.eq(job.id))
        .filter(job::Column::Status.eq(crate::jobs::status::DRAFT))
        .exec(&*txn)
        .await?;
    if queued.rows_affected == 0 {
        return Ok(job.id);
    }
    for batch in lines.chunks(LOOKUP) {
        job_item::Entity::insert_many(batch.iter().map(|line| job_item::ActiveModel {
            job_id: Set(job.id),
            subject_id: Set(*line as i64),
            outcome: Set(None),
            reason: Set(None),
        }))
        .exec(&*txn)
        .await?;
    }
    txn.commit().await?;
    portico.jobs_wakeup.notify_one();
    Ok(job.id)
}

/// What a running import needs for its chunks: the checked rows by line, and its choices.
pub(crate) struct Loaded {
    pub rows: HashMap<u64, Row>,
    pub send: HashSet<String>,
    pub file_name: String,
    /// Projects and customers found or made by name, by `prepare` (committed before any chunk
    /// runs), so each name is looked up once. A chunk looks up, and may make, a project only for
    /// a name several projects shared when `prepare` ran; a chunk beside it may then see
    /// that id before it commits (its insert would fail, and the claim end). A chunk that fails
    /// or is rolled back ends the claim, and the next one starts with empty ones.
    known_projects: std::sync::Mutex<HashMap<String, project::Model>>,
    known_customers: std::sync::Mutex<HashMap<String, i64>>,
}

impl Loaded {
    /// The clients (by email) the rows at `lines` import: two chunks that share none can run
    /// side by side without either waiting on the other's new client.
    pub(crate) fn clients_of(&self, lines: &[i64]) -> HashSet<String> {
        lines.iter().filter_map(|l| self.rows.get(&(*l as u64))).map(|r| r.email.to_string()).collect()
    }
}

/// Reads an import job's file once per claim (a chunk then takes its rows from memory).
pub(crate) async fn load_for_job(portico: &Portico, job: &job::Model) -> Result<Loaded> {
    let (import, bytes) = read_upload(portico, job).await?;
    let sheet = read(&bytes)?;
    let mapping = import.mapping.clone().unwrap_or_else(|| auto_mapping(&sheet.headers));
    let rows =
        sheet.records.iter().filter_map(|r| check(&sheet.headers, &mapping, r).ok()).map(|r| (r.line, r)).collect();
    Ok(Loaded {
        rows,
        send: import.send.into_iter().collect(),
        file_name: import.file_name,
        known_projects: Default::default(),
        known_customers: Default::default(),
    })
}

/// Imports a chunk of rows (by line) inside a job's transaction: each row's project and customer
/// (by name, as `prepare` found or made them), client (found by email and updated, or
/// created), the client on the project, and with "Send invitations now" an invitation unless
/// one is live. Set-based: a fixed number of statements for the chunk plus one per client
/// changed, so 10,000 rows cost hundreds of statements, not hundreds of thousands. Each row's
/// outcome: `Ok(false)` nothing needed doing; a `Conflict` is the reason it was skipped; a
/// `Validation` why it failed.
pub(crate) async fn apply_chunk(
    txn: &DatabaseTransaction,
    portico: &Portico,
    staff: &Staff,
    org: &organization::Model,
    loaded: &Loaded,
    lines: &[i64],
) -> Result<Vec<(i64, Result<bool>)>> {
    let source = format!("Imported from {}", loaded.file_name);
    // One moment for the whole chunk: its rows are written together.
    let at = now();
    let mut events = Vec::new();
    let event =
        |kind: &'static str, id: i64, what: &'static str, detail: String| imported(staff, kind, id, what, detail);
    let rows: Vec<(i64, Option<&Row>)> = lines.iter().map(|l| (*l, loaded.rows.get(&(*l as u64)))).collect();
    let present = || rows.iter().filter_map(|(_, r)| *r);
    // Nearly always known already (`prepare`): then these read and write nothing.
    let (projects, mut created_projects) =
        projects_named(txn, staff, loaded, present().map(|r| r.project.as_str()), at, &mut events).await?;
    let customers =
        customers_named(txn, staff, loaded, present().filter_map(|r| r.customer.as_ref()), &mut events).await?;

    // Clients by email: one read; changed ones updated, new ones written in one statement.
    let emails = loaded.clients_of(lines);
    let mut clients: HashMap<String, client::Model> = client::Entity::find()
        .filter(client::Column::OrgId.eq(org.id))
        .filter(client::Column::Email.is_in(emails.clone()))
        .all(txn)
        .await?
        .into_iter()
        .map(|c| (c.email.clone(), c))
        .collect();
    let mut acted: HashMap<i64, bool> = HashMap::new();
    let mut outcome: HashMap<i64, Result<bool>> = HashMap::new();
    let mut new_clients: Vec<client::Model> = Vec::new();
    let mut creating = HashSet::new();
    // The projects this chunk invites each new client to (what their standing is derived from).
    let mut inviting_new: HashMap<String, BTreeSet<i64>> = HashMap::new();
    for (line, row) in &rows {
        let Some(row) = row else {
            outcome.insert(*line, Err(Error::validation("file", "This row can no longer be read.")));
            continue;
        };
        if let Some(Err(why)) = projects.get(row.project.as_str()) {
            outcome.insert(*line, Err(Error::validation("project", why.clone())));
            continue;
        }
        let customer_id = row.customer.as_ref().and_then(|n| customers.get(n.as_str()).copied());
        let email = row.email.to_string();
        let made_project = created_projects.remove(row.project.as_str());
        match clients.get(&email) {
            Some(c) if c.deactivated_at.is_some() => {
                outcome.insert(*line, Err(Error::Conflict(format!("{} is deactivated. Activate them first.", c.name))));
                continue;
            }
            Some(c) => {
                let mut changed = Vec::new();
                let mut edit: client::ActiveModel = c.clone().into();
                if c.name != row.name.as_str() {
                    changed.push("name");
                    edit.name = Set(row.name.as_str().to_string());
                }
                if let Some(phone) = &row.phone
                    && c.phone.as_deref() != Some(phone.as_str())
                {
                    changed.push("phone");
                    edit.phone = Set(Some(phone.as_str().to_string()));
                }
                if customer_id.is_some() && customer_id != c.customer_id {
                    changed.push("customer");
                    edit.customer_id = Set(customer_id);
                }
                if !changed.is_empty() {
                    edit.version = Set(c.version + 1);
                    let c = edit.update(txn).await?;
                    events.push(event(
                        "client",
                        c.id,
                        "client.edited",
                        format!("{source}: changed {}", changed.join(", ")),
                    ));
                    clients.insert(email, c);
                }
                acted.insert(*line, made_project || !changed.is_empty());
            }
            None => {
                if creating.insert(email.clone()) {
                    new_clients.push(client::Model::new(
                        org.id,
                        customer_id,
                        &row.name,
                        &row.email,
                        row.phone.as_ref(),
                        at,
                    ));
                }
                if row_invites(loaded, row, None)
                    && let Some(Ok(project)) = projects.get(row.project.as_str())
                {
                    inviting_new.entry(email).or_default().insert(project.id);
                }
                acted.insert(*line, true);
            }
        }
    }
    // New clients are written with the standing the invitations this chunk sends them give
    // (`access::derive` of those invitations as they will be written), and counted as born so.
    // The invitations are dated now, after the chunk's reads and edits, as they were when made
    // on their own.
    let sending = invitations::Sending::plain(staff, org);
    let mut born: Vec<(i64, AccessStatus)> = Vec::new();
    let mut fresh: HashSet<i64> = HashSet::new();
    if !new_clients.is_empty() {
        let rows: Vec<client::ActiveModel> = new_clients
            .into_iter()
            .map(|mut c| {
                let planned: Vec<invitation::Model> = inviting_new
                    .get(&c.email)
                    .into_iter()
                    .flatten()
                    .map(|project_id| sending.planned(&c.email, *project_id))
                    .collect();
                born.push(access::born_standing(&mut c, &planned, sending.at));
                c.into_insert()
            })
            .collect();
        for c in client::Entity::insert_many(rows).exec_with_returning(txn).await? {
            events.push(event("client", c.id, "client.created", source.clone()));
            fresh.insert(c.id);
            clients.insert(c.email.clone(), c);
        }
    }

    // Each client on its project: one read of the pairs, the missing ones in one statement.
    let pairs: Vec<(i64, &Row, &project::Model, &client::Model)> = rows
        .iter()
        .filter(|(line, _)| acted.contains_key(line))
        .filter_map(|(line, row)| {
            let row = (*row)?;
            let project = projects.get(row.project.as_str())?.as_ref().ok()?;
            Some((*line, row, project, clients.get(row.email.as_str())?))
        })
        .collect();
    let on_projects: HashMap<(i64, i64), project_client::Model> = if pairs.is_empty() {
        HashMap::new()
    } else {
        project_client::Entity::find()
            .filter(project_client::Column::OrgId.eq(org.id))
            .filter(
                project_client::Column::ProjectId.is_in(pairs.iter().map(|(_, _, p, _)| p.id).collect::<HashSet<_>>()),
            )
            .filter(
                project_client::Column::ClientId.is_in(pairs.iter().map(|(_, _, _, c)| c.id).collect::<HashSet<_>>()),
            )
            .all(txn)
            .await?
            .into_iter()
            .map(|pc| ((pc.project_id, pc.client_id), pc))
            .collect()
    };
    // The first contact a chunk adds to a project that has none becomes its primary.
    let mut has_contacts =
        with_contacts(txn, org.id, pairs.iter().map(|(_, _, p, _)| p.id).collect::<HashSet<_>>()).await?;
    let mut new_links: Vec<project_client::ActiveModel> = Vec::new();
    let mut linked = HashSet::new();
    let mut invites: Vec<(&client::Model, &project::Model)> = Vec::new();
    let mut refresh: Vec<(i64, Option<i64>)> = Vec::new();
    for (line, row, project, client) in &pairs {
        let key = (project.id, client.id);
        let status = on_projects.get(&key).map(|pc| contact_status(pc, at));
        let first_time = linked.insert(key);
        let invite = first_time && row_invites(loaded, row, status);
        let mut did = acted.get(line).copied().unwrap_or(false);
        if status.is_none() && first_time {
            did = true;
            let first = has_contacts.insert(project.id);
            new_links.push(project_client::ActiveModel {
                org_id: Set(org.id),
                project_id: Set(project.id),
                client_id: Set(client.id),
                is_primary: Set(first),
                created_at: Set(at),
                ..Default::default()
            });
            // Only this project's row is new; an invitation refreshes it anyway. A new
            // client's row is written with its state (below).
            if !invite && !fresh.contains(&client.id) {
                refresh.push((client.id, Some(project.id)));
            }
        }
        if invite {
            did = true;
            invites.push((client, project));
        }
        outcome.insert(*line, Ok(did));
    }
    // The invitations first, so a new client's contacts are written with the state they give
    // (the other contacts and clients are brought up to date from what is stored).
    let mut batch = Batch::new(txn);
    // The chunk's own events first (a client is created before they are invited), and the
    // counters last: on PostgreSQL a chunk beside this one waits for their rows until this
    // one commits.
    audit::record_later(&mut batch, events);
    let made = invitations::write_and_send_many(txn, &mut batch, portico, &sending, &invites).await?;
    let mut made_for: HashMap<i64, Vec<invitation::Model>> = HashMap::new();
    for inv in made {
        if fresh.contains(&inv.client_id) {
            made_for.entry(inv.client_id).or_default().push(inv);
        } else {
            refresh.push((inv.client_id, inv.project_id));
        }
    }
    let by_id: HashMap<i64, &client::Model> = clients.values().map(|c| (c.id, c)).collect();
    for link in &mut new_links {
        let (client_id, project_id) = (*link.client_id.as_ref(), *link.project_id.as_ref());
        let Some(client) = by_id.get(&client_id).filter(|_| fresh.contains(&client_id)) else { continue };
        let d = access::derive(made_for.get(&client_id).map_or(&[][..], Vec::as_slice), client, project_id, sending.at);
        for (column, value) in access::Derived::PLACE_COLUMNS.into_iter().zip(d.place_values()) {
            link.set(column, value);
        }
        born.push((project_id, d.access));
    }
    // A new client's standing as written, checked against the invitations as made (none, for
    // one the chunk did not invite after all): should they ever differ, the client is brought up
    // to date like any other.
    for client_id in &fresh {
        if let Some(client) = by_id.get(client_id)
            && !access::stands_as_born(client, made_for.get(client_id).map_or(&[][..], Vec::as_slice), sending.at)
        {
            refresh.push((*client_id, None));
        }
    }
    if !new_links.is_empty() {
        project_client::Entity::insert_many(new_links).exec_without_returning(txn).await?;
    }
    access::refresh_counting_born(txn, &mut batch, Some(org.id), &refresh, &born).await?;
    batch.run(txn).await?;
    Ok(lines.iter().map(|l| (*l, outcome.remove(l).unwrap_or(Ok(false)))).collect())
}

/// An import's audit event, by the staff member who started it.
fn imported(staff: &Staff, kind: &'static str, id: i64, what: &'static str, detail: String) -> audit::Event<'static> {
    audit::Event {
        org_id: staff.org_id.0,
        actor: Actor::Staff(staff.user_id.0),
        subject_kind: kind,
        subject_id: id,
        event: what,
        detail,
        ip: None,
    }
}

/// The projects and customers of the rows still to import, found or created (with their audit
/// events) in a transaction of their own before any of them is imported, and kept for the
/// claim's chunks: two chunks that run side by side (PostgreSQL) then never both create one,
/// which a name each chunk resolved for itself would. Fenced like a chunk: `false`, and nothing
/// written, when the job is no longer this worker's to run (cancelled, or its lease went) by
/// the time it commits.
pub(crate) async fn prepare(
    portico: &Portico,
    staff: &Staff,
    job_id: i64,
    lease: &str,
    loaded: &Loaded,
) -> Result<bool> {
    let txn = portico.begin().await?;
    // Only the job's items (the valid rows only, when so chosen) that have no outcome yet, in
    // the file's order.
    let lines = crate::jobs::pending(&*txn, job_id, i64::MIN, None).await?;
    let rows: Vec<&Row> = lines.iter().filter_map(|l| loaded.rows.get(&(*l as u64))).collect();
    let mut events = Vec::new();
    projects_named(&txn, staff, loaded, rows.iter().map(|r| r.project.as_str()), now(), &mut events).await?;
    customers_named(&txn, staff, loaded, rows.iter().filter_map(|r| r.customer.as_ref()), &mut events).await?;
    audit::record_many(&*txn, events).await?;
    // The update a chunk ends with, fenced the same way (cancelled, or the lease gone: all of
    // this is rolled back), which also renews the lease.
    if !crate::jobs::record_progress(&*txn, job_id, lease, [0, 0, 0]).await? {
        return Ok(false);
    }
    txn.commit().await?;
    Ok(true)
}

/// The projects of `names`: known to this claim, else read (a statement per `LOOKUP` names),
/// else created (likewise), each with its audit event added to `events`. A name two projects
/// share is an error for its rows. Returns them by name, with the names this call created.
async fn projects_named(
    txn: &DatabaseTransaction,
    staff: &Staff,
    loaded: &Loaded,
    names: impl Iterator<Item = &str>,
    at: chrono::DateTime<chrono::Utc>,
    events: &mut Vec<audit::Event<'static>>,
) -> Result<(HashMap<String, std::result::Result<project::Model, String>>, HashSet<String>)> {
    let (known, wanted) = split_known(&loaded.known_projects, names, |n| n);
    let mut projects: HashMap<String, std::result::Result<project::Model, String>> =
        known.into_iter().map(|(n, p)| (n, Ok(p))).collect();
    let wanted: Vec<String> = wanted.into_iter().map(str::to_string).collect();
    let mut created = HashSet::new();
    for wanted in wanted.chunks(LOOKUP) {
        let mut found: HashMap<String, Vec<project::Model>> = HashMap::new();
        for p in project::Entity::find()
            .filter(project::Column::OrgId.eq(staff.org_id.0))
            .filter(project::Column::Name.is_in(wanted.iter().cloned()))
            .all(txn)
            .await?
        {
            found.entry(p.name.clone()).or_default().push(p);
        }
        let mut new_projects = Vec::new();
        for name in wanted {
            let project = match found.remove(name).unwrap_or_default().as_slice() {
                [one] => Ok(one.clone()),
                [] => {
                    new_projects.push(project::ActiveModel {
                        org_id: Set(staff.org_id.0),
                        customer_id: Set(None),
                        name: Set(name.clone()),
                        billing: Set(crate::model::Billing::default().key().to_string()),
                        created_by: Set(staff.user_id.0),
                        created_at: Set(at),
                        ..Default::default()
                    });
                    continue;
                }
                many => Err(format!("{} projects are named {name}.", many.len())),
            };
            projects.insert(name.clone(), project);
        }
        // New projects in one statement (a round trip each cost a 10,000-row import 1,000).
        if !new_projects.is_empty() {
            let source = format!("Imported from {}", loaded.file_name);
            for p in project::Entity::insert_many(new_projects).exec_with_returning(txn).await? {
                events.push(imported(staff, "project", p.id, "project.created", source.clone()));
                created.insert(p.name.clone());
                projects.insert(p.name.clone(), Ok(p));
            }
        }
    }
    if !wanted.is_empty() {
        remember(
            &loaded.known_projects,
            projects.iter().filter_map(|(n, p)| Some((n.clone(), p.as_ref().ok()?.clone()))),
        );
    }
    Ok((projects, created))
}

/// The customers of `names` by name: known to this claim, else read (a statement per `LOOKUP`
/// names; of two with one name, the first made), else created (likewise), each with its audit
/// event added to `events`.
async fn customers_named(
    txn: &DatabaseTransaction,
    staff: &Staff,
    loaded: &Loaded,
    names: impl Iterator<Item = &Line>,
    events: &mut Vec<audit::Event<'static>>,
) -> Result<HashMap<String, i64>> {
    let org = staff.org_id.0;
    let (mut customers, wanted) = split_known(&loaded.known_customers, names, Line::as_str);
    for wanted in wanted.chunks(LOOKUP) {
        let mut found: HashMap<String, i64> = HashMap::new();
        for c in customer::Entity::find()
            .filter(customer::Column::OrgId.eq(org))
            .filter(customer::Column::Name.is_in(wanted.iter().map(|n| n.as_str())))
            .order_by_desc(customer::Column::Id)
            .all(txn)
            .await?
        {
            found.insert(c.name, c.id);
        }
        let missing: Vec<&&Line> = wanted.iter().filter(|n| !found.contains_key(n.as_str())).collect();
        if !missing.is_empty() {
            let at = now();
            let made =
                customer::Entity::insert_many(missing.iter().map(|n| crate::customers::named_business(org, n, at)))
                    .exec_with_returning(txn)
                    .await?;
            for c in made {
                events.push(imported(staff, "customer", c.id, "customer.created", c.name.clone()));
                found.insert(c.name, c.id);
            }
        }
        customers.extend(found);
    }
    remember(&loaded.known_customers, customers.iter().map(|(n, id)| (n.clone(), *id)));
    Ok(customers)
}

/// Of `names` (each taken once), those the claim already knows, with what it knows of them, and
/// those it does not, in order. Only the names asked for are copied out (a chunk's few), under
/// a lock held for no more than that.
fn split_known<'a, T: ?Sized, V: Clone>(
    known: &std::sync::Mutex<HashMap<String, V>>,
    names: impl Iterator<Item = &'a T>,
    name_of: impl Fn(&T) -> &str,
) -> (HashMap<String, V>, Vec<&'a T>) {
    let mut found = HashMap::new();
    let mut wanted = Vec::new();
    let mut seen = HashSet::new();
    let known = known.lock().ok();
    for item in names {
        let name = name_of(item);
        if !seen.insert(name) {
            continue;
        }
        match known.as_ref().and_then(|k| k.get(name)) {
            Some(v) => _ = found.insert(name.to_string(), v.clone()),
            None => wanted.push(item),
        }
    }
    (found, wanted)
}

/// Adds what a chunk found or made to what the claim knows (a poisoned lock only loses the
/// shortcut: the next chunk reads the names again).
fn remember<V>(known: &std::sync::Mutex<HashMap<String, V>>, found: impl Iterator<Item = (String, V)>) {
    if let Ok(mut known) = known.lock() {
        known.extend(found);
    }
}

/// Of `projects`, those that have contacts: one probe of the contacts index each (`EXISTS`),
/// however many they have. On PostgreSQL, where two chunks of an import run side by side, the
/// rows of those found without any are locked (`FOR NO KEY UPDATE`, which adding contacts does
/// not wait for) and probed again, so that of two chunks giving one project its first contacts
/// the second waits here for the first to commit, then finds them: one primary contact each.
async fn with_contacts(txn: &DatabaseTransaction, org: i64, projects: HashSet<i64>) -> Result<HashSet<i64>> {
    let probe = |ids: Vec<i64>| async move {
        if ids.is_empty() {
            return Ok(Vec::new());
        }
        let any_contact = sea_orm::sea_query::Query::select()
            .expr(Expr::val(1))
            .from(project_client::Entity)
            .and_where(
                Expr::col((project_client::Entity, project_client::Column::ProjectId))
                    .equals((project::Entity, project::Column::Id)),
            )
            .to_owned();
        project::Entity::find()
            .select_only()
            .column(project::Column::Id)
            .filter(project::Column::OrgId.eq(org))
            .filter(project::Column::Id.is_in(ids))
            .filter(Expr::exists(any_contact))
            .into_tuple::<i64>()
            .all(txn)
            .await
    };
    let mut found: HashSet<i64> = probe(projects.iter().copied().collect()).await?.into_iter().collect();
    let without: Vec<i64> = projects.difference(&found).copied().collect();
    if !without.is_empty() && txn.get_database_backend() == sea_orm::DbBackend::Postgres {
        project::Entity::find()
            .select_only()
            .column(project::Column::Id)
            .filter(project::Column::Id.is_in(without.clone()))
            // One order for every chunk, so two never wait on each other's rows.
            .order_by_asc(project::Column::Id)
            .lock(sea_orm::sea_query::LockType::NoKeyUpdate)
            .into_tuple::<i64>()
            .all(txn)
            .await?;
        found.extend(probe(without).await?);
    }
    Ok(found)
}

/// Whether a row invites its client to its project (the first time a chunk puts the two
/// together): when the file's project sends invitations and the client has no live invitation
/// there. `status` is that of their contact on the project; none for a client the chunk creates,
/// whose standing is derived from the invitations this rule plans.
fn row_invites(loaded: &Loaded, row: &Row, status: Option<AccessStatus>) -> bool {
    loaded.send.contains(row.project.as_str())
        && !matches!(status, Some(AccessStatus::Invited | AccessStatus::Active | AccessStatus::Locked))
}

/// The title of an import job.
pub fn title(params: &str) -> String {
    match serde_json::from_str::<Import>(params) {
        Ok(import) => format!("Import: {}", import.file_name),
        Err(_) => "Import".to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_upload_no_job_claimed_is_removed_and_a_claimed_one_stays() {
        let dir = std::env::temp_dir().join(format!("portico_unclaimed_{}", crate::secrets::random_hex16()));
        std::fs::create_dir_all(&dir).unwrap();
        let (lost, kept) = (dir.join("lost.csv"), dir.join("kept.csv"));
        std::fs::write(&lost, "a,b").unwrap();
        std::fs::write(&kept, "a,b").unwrap();
        drop(Unclaimed(Some(lost.clone())));
        let mut claimed = Unclaimed(Some(kept.clone()));
        claimed.0 = None;
        drop(claimed);
        assert!(!lost.exists() && kept.exists());
        std::fs::remove_dir_all(dir).unwrap();
    }

    fn rows_of(csv: &str) -> (Sheet, Vec<Option<usize>>, Vec<Judged>) {
        let sheet = read(csv.as_bytes()).unwrap();
        let mapping = auto_mapping(&sheet.headers);
        let rows: Vec<_> =
            sheet.records.iter().map(|r| check(&sheet.headers, &mapping, r).map_err(|p| (r.line, p))).collect();
        let judged = judge(&rows, &Existing::default(), &mapping);
        (sheet, mapping, judged)
    }

    #[test]
    fn the_template_reads_as_three_new_clients() {
        let (sheet, mapping, judged) = rows_of(TEMPLATE);
        assert_eq!(sheet.headers, ["Project", "Name", "Email", "Phone", "Customer"]);
        assert_eq!(mapping, [Some(0), Some(1), Some(2), Some(3), Some(4)]);
        assert_eq!(judged.iter().map(|j| j.verdict).collect::<Vec<_>>(), [RowVerdict::Create; 3]);
    }

    #[test]
    fn semicolons_bom_quoted_newlines_and_blank_lines() {
        let csv = "\u{feff}E-mail;Client name;Project\r\n\"a@example.com\";\"Ann\nSmith\";\"Roof; north\"\r\n;;\r\nb@example.com;Bob;Roof\r\n";
        let (sheet, mapping, judged) = rows_of(csv);
        assert_eq!(sheet.headers, ["E-mail", "Client name", "Project"]);
        assert_eq!(mapping, [Some(2), Some(1), Some(0), None, None]);
        assert_eq!(sheet.records.len(), 2);
        assert_eq!(sheet.records[1].line, 4, "rows as a spreadsheet numbers them");
        assert_eq!(judged.iter().map(|j| j.verdict).collect::<Vec<_>>(), [RowVerdict::Invalid, RowVerdict::Create]);
        assert_eq!(judged[0].reasons.len(), 1, "a name with a line break: {:?}", judged[0].reasons);
    }

    #[test]
    fn not_utf8_names_the_line() {
        let err = read(b"Project,Name,Email\nRoof,Ren\xe9,r@example.com\n").unwrap_err();
        assert_eq!(err.problem, UploadProblem::NotUtf8 { line: 2 });
    }

    #[test]
    fn duplicates_and_disagreements_inside_the_file() {
        let csv = "Project,Name,Email\nRoof,Ann,a@example.com\nRoof,Ann,A@example.com\nWalls,Ann,a@example.com\nDoors,Anne,a@example.com\n";
        let (_, _, judged) = rows_of(csv);
        let verdicts: Vec<_> = judged.iter().map(|j| j.verdict).collect();
        assert_eq!(verdicts, [RowVerdict::Create, RowVerdict::Duplicate, RowVerdict::Update, RowVerdict::Invalid]);
        assert_eq!(judged[1].reasons[0].1, "The same client and project as row 2.");
        assert_eq!(judged[3].reasons[0], (Some(1), "Row 2 gives this email the name Ann.".to_string()));
    }

    #[test]
    fn every_invalid_cell_is_reported_with_its_column() {
        let csv = "Project,Name,Email,Phone\n,,not-an-email,12\n";
        let (_, _, judged) = rows_of(csv);
        let columns: Vec<_> = judged[0].reasons.iter().map(|r| r.0).collect();
        assert_eq!(columns, [Some(0), Some(1), Some(2), Some(3)]);
    }

    #[test]
    fn a_row_longer_than_the_header_is_refused() {
        let (_, _, judged) = rows_of("Project,Name,Email\nRoof,Ann,a@example.com,extra\n");
        assert_eq!(judged[0].verdict, RowVerdict::Invalid);
        assert_eq!(judged[0].reasons[0], (None, "This row has 4 cells but the header names 3 columns.".to_string()));
    }

    #[test]
    fn existing_clients_are_skipped_or_updated() {
        let csv = "Project,Name,Email\nRoof,Ann,a@example.com\nRoof,Bob,b@example.com\nRoof,Cy,c@example.com\n";
        let sheet = read(csv.as_bytes()).unwrap();
        let mapping = auto_mapping(&sheet.headers);
        let rows: Vec<_> =
            sheet.records.iter().map(|r| check(&sheet.headers, &mapping, r).map_err(|p| (r.line, p))).collect();
        let mut existing = Existing::default();
        existing.projects.insert("Roof".into(), vec![7]);
        existing.clients.insert("a@example.com".into(), Known { id: 1, name: "Ann".into(), ..Default::default() });
        existing.clients.insert("b@example.com".into(), Known { id: 2, name: "Robert".into(), ..Default::default() });
        existing.clients.insert(
            "c@example.com".into(),
            Known { id: 3, name: "Cy".into(), deactivated: true, ..Default::default() },
        );
        existing.contacts.insert((1, 7), AccessStatus::Active);
        let judged = judge(&rows, &existing, &mapping);
        let verdicts: Vec<_> = judged.iter().map(|j| (j.verdict, j.invitable)).collect();
        assert_eq!(verdicts, [(RowVerdict::Skip, false), (RowVerdict::Update, true), (RowVerdict::Skip, false)]);
    }

    /// The fuzz target: any bytes, read, checked and judged, never panic. CI runs 2,000 inputs;
    /// `PORTICO_FUZZ_CASES=1000000 cargo test -p portico-core --release --lib imports::tests::fuzz`
    /// runs the million the issue asks for (README).
    #[test]
    fn fuzz_the_importer_never_panics() {
        use rand::{Rng, SeedableRng};
        let cases: u64 = std::env::var("PORTICO_FUZZ_CASES").ok().and_then(|n| n.parse().ok()).unwrap_or(2_000);
        let seed: u64 = std::env::var("PORTICO_FUZZ_SEED").ok().and_then(|n| n.parse().ok()).unwrap_or(11);
        let mut rng = rand::rngs::StdRng::seed_from_u64(seed);
        // Pieces that reach the parser's edges: quotes, both separators, line ends, a BOM,
        // invalid UTF-8, long cells, formulas, emails and phone numbers.
        let pieces: &[&[u8]] = &[
            b",",
            b";",
            b"\"",
            b"\"\"",
            b"\n",
            b"\r\n",
            b"\r",
            b"\xEF\xBB\xBF",
            b"\xff",
            b"\xc3",
            b"\xc3\xa9",
            b"Project",
            b"Name",
            b"Email",
            b"Phone",
            b"Customer",
            b"a@example.com",
            b"b@x.io",
            b"@",
            b"+44 20 7946 0958",
            b"=HYPERLINK(\"x\")",
            b"Roof",
            b" ",
            b"\t",
            b"\0",
            b"\xe2\x80\xae",
            b"1",
            b"-",
            b"x",
            b"\"a,b\"",
        ];
        let mut panics = 0;
        for case in 0..cases {
            let mut input = Vec::new();
            if rng.gen_bool(0.7) {
                input.extend_from_slice(b"Project,Name,Email,Phone,Customer\n");
            }
            for _ in 0..rng.gen_range(0..40) {
                if rng.gen_bool(0.1) {
                    input.push(rng.r#gen());
                } else {
                    input.extend_from_slice(pieces[rng.gen_range(0..pieces.len())]);
                }
            }
            let result = std::panic::catch_unwind(|| {
                if let Ok(sheet) = read(&input) {
                    let mapping = auto_mapping(&sheet.headers);
                    let _ = check_mapping(sheet.headers.len(), &mapping);
                    let rows: Vec<_> = sheet
                        .records
                        .iter()
                        .map(|r| check(&sheet.headers, &mapping, r).map_err(|p| (r.line, p)))
                        .collect();
                    let run = DryRun {
                        judged: judge(&rows, &Existing::default(), &mapping),
                        sheet,
                        mapping,
                        rows,
                        existing: Existing::default(),
                    };
                    let _ = run.preview(1, "f.csv", false);
                    let _ = run.error_report();
                }
            });
            if result.is_err() {
                panics += 1;
                eprintln!("case {case} panicked on {:?}", String::from_utf8_lossy(&input));
            }
        }
        assert_eq!(panics, 0, "{panics} of {cases} inputs panicked");
    }
}
