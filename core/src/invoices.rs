//! Invoices: what a project's clients owe. Staff add one with its number, amount and currency,
//! due date, status and the PDF they made in their accounting tool; clients who may view
//! invoices see it in the portal once it is sent, and download the PDF. No payment runs through
//! Portico.
//!
//! The PDF arrives like a document (`documents::Incoming`: streamed to the data folder, its size
//! capped as it arrives, judged by its content) and is kept under `invoices/<org>/<id>`; the row
//! and the file are kept together or not at all. Amounts are integers in the currency's minor
//! unit (cents; yen for JPY), read from what staff type with the currency's ISO 4217 decimals.

use chrono::NaiveDate;
use iso_currency::{Currency, IntoEnumIterator};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, PaginatorTrait, QueryFilter, QueryOrder, QuerySelect,
    Set, SqlErr,
};

use crate::{
    Error, Portico, Result,
    accounts::Staff,
    audit,
    documents::{DocumentFile, FileName, Incoming, commit_keeping, invisible, kept_at, remove_file},
    domain::ProjectId,
    entities::invoice,
    model::{
        CurrencyChoice, DocumentProblem, INVOICE_NUMBER_MAX, InvoiceFormData, InvoiceProblem, InvoiceRow,
        InvoiceStatus, Permission, ProjectInvoices,
    },
    now, portal, projects,
    sessions::PortalClient,
};

/// Invoices a list shows, newest first.
pub const SHOWN: u64 = 100;
/// The largest amount taken, in the currency's main unit: more is a typing mistake.
const AMOUNT_MAX: i64 = 1_000_000_000_000;

/// "Add invoice" as the form sends it, before any check.
#[derive(Clone, Debug, Default)]
pub struct InvoiceForm {
    pub number: String,
    pub amount: String,
    pub currency: String,
    pub due_on: String,
    pub status: String,
}

/// An invoice's fields once every one of them is valid.
#[derive(Debug, PartialEq)]
pub struct NewInvoice {
    number: String,
    amount_minor: i64,
    currency: Currency,
    due_on: NaiveDate,
    status: InvoiceStatus,
}

impl InvoiceForm {
    /// The form's fields by name, as a multipart form brought them.
    pub fn of(fields: &[(String, String)]) -> InvoiceForm {
        let get = |name: &str| fields.iter().find(|(n, _)| n == name).map(|(_, v)| v.clone()).unwrap_or_default();
        InvoiceForm {
            number: get("number"),
            amount: get("amount"),
            currency: get("currency"),
            due_on: get("due_on"),
            status: get("status"),
        }
    }

    /// Checks every field and reports all the invalid ones at once.
    pub fn check(&self) -> std::result::Result<NewInvoice, Vec<InvoiceProblem>> {
        let mut problems = Vec::new();
        let mut note = |p: InvoiceProblem| problems.push(p);
        let number = self.number.split_whitespace().collect::<Vec<_>>().join(" ");
        if number.is_empty() {
            note(InvoiceProblem::NumberMissing);
        } else if number.chars().any(|c| c.is_control() || invisible(c)) {
            note(InvoiceProblem::NumberCharacters);
        } else if number.chars().count() > INVOICE_NUMBER_MAX {
            note(InvoiceProblem::NumberTooLong);
        }
        let currency = Currency::from_code(self.currency.trim()).filter(|c| offered(*c));
        if currency.is_none() {
            note(InvoiceProblem::CurrencyUnknown);
        }
        // Without a currency its decimals are unknown: the amount is read as if it had two,
        // so a mistake in it is said now rather than after the currency is fixed.
        let exponent = currency.map_or(2, decimals);
        let amount = parse_amount(&self.amount, exponent).map_err(&mut note).ok();
        let due_on = match self.due_on.trim() {
            "" => {
                note(InvoiceProblem::DueMissing);
                None
            }
            text => NaiveDate::parse_from_str(text, "%Y-%m-%d").map_err(|_| note(InvoiceProblem::DueNotADate)).ok(),
        };
        let status = InvoiceStatus::from_key(self.status.trim());
        if status.is_none() {
            note(InvoiceProblem::StatusUnknown);
        }
        match (currency, amount, due_on, status) {
            (Some(currency), Some(amount_minor), Some(due_on), Some(status)) if problems.is_empty() => {
                Ok(NewInvoice { number, amount_minor, currency, due_on, status })
            }
            _ => Err(problems),
        }
    }
}

/// The currencies offered: those in use today (no funds, precious metals or retired codes).
fn offered(c: Currency) -> bool {
    !c.is_fund() && !c.is_special() && c.is_superseded().is_none() && c.exponent().is_some()
}

fn decimals(c: Currency) -> u8 {
    c.exponent().map_or(2, |e| e.min(4) as u8)
}

/// An amount as staff type it, in the currency's minor unit: "1250", "1,250.50", "1 250,50",
/// "1.250,50" and "1'250.50" are all understood. Of `.` and `,`, the last one is the decimal
/// point when both appear; alone, either followed by exactly three digits after a number that
/// is not 0 groups thousands ("1,250" and "1.250" are 1250, as both halves of the world write
/// it; a currency with three decimals reads them as decimals) and otherwise marks the decimals
/// ("12,50", "0.125"); several of the same sign group. Groups must be groups: one to three
/// digits, then threes, all with one sign ("1.250.50" and "1,25,0" are refused, not guessed).
pub fn parse_amount(raw: &str, exponent: u8) -> std::result::Result<i64, InvoiceProblem> {
    let text: String = raw.chars().filter(|c| !c.is_whitespace() && !matches!(c, '\'' | '_' | '\u{2019}')).collect();
    if text.is_empty() {
        return Err(InvoiceProblem::AmountMissing);
    }
    if text.starts_with('-') || text.starts_with('\u{2212}') {
        return Err(InvoiceProblem::AmountNotPositive);
    }
    let text = text.strip_prefix('+').unwrap_or(&text);
    let (dots, commas) = (text.matches('.').count(), text.matches(',').count());
    let lone = |sign: char| {
        let (before, after) = text.rsplit_once(sign).unwrap_or_default();
        let groups = after.len() == 3 && exponent != 3 && before.trim_start_matches('0') != "";
        if groups { None } else { Some(sign) }
    };
    let point = match (dots, commas) {
        (0, 0) => None,
        (1, 0) => lone('.'),
        (0, 1) => lone(','),
        (_, 0) | (0, _) => None,
        _ => text.rfind(['.', ',']).and_then(|i| text[i..].chars().next()),
    };
    let (whole, fraction) = match point {
        Some(p) => text.rsplit_once(p).unwrap_or((text, "")),
        None => (text, ""),
    };
    let digits = |s: &str| !s.is_empty() && s.chars().all(|c| c.is_ascii_digit());
    let grouped_in_threes = |whole: &str| {
        let Some(sign) = whole.chars().find(|c| matches!(c, '.' | ',')) else { return digits(whole) };
        let mut groups = whole.split(sign);
        let first = groups.next().unwrap_or_default();
        (1..=3).contains(&first.len()) && digits(first) && groups.all(|g| g.len() == 3 && digits(g))
    };
    if !(grouped_in_threes(whole) || (whole.is_empty() && digits(fraction)))
        || !(fraction.is_empty() || digits(fraction))
    {
        return Err(InvoiceProblem::AmountNotANumber);
    }
    let whole: String = whole.chars().filter(|c| !matches!(c, '.' | ',')).collect();
    let fraction = fraction.trim_end_matches('0');
    if fraction.len() > usize::from(exponent) {
        return Err(InvoiceProblem::AmountDecimals(exponent));
    }
    let whole: i64 = match whole.trim_start_matches('0') {
        "" => 0,
        w if w.len() > 13 => return Err(InvoiceProblem::AmountTooLarge),
        w => w.parse().map_err(|_| InvoiceProblem::AmountNotANumber)?,
    };
    if whole > AMOUNT_MAX {
        return Err(InvoiceProblem::AmountTooLarge);
    }
    let scale = 10_i64.pow(u32::from(exponent));
    let cents: i64 = format!("{fraction:0<width$}", width = usize::from(exponent)).parse().unwrap_or(0);
    let minor = whole * scale + cents;
    if minor == 0 {
        return Err(InvoiceProblem::AmountNotPositive);
    }
    Ok(minor)
}

/// "1,250.00 EUR": an amount in a currency's minor unit, with its decimals and code.
pub fn format_amount(minor: i64, code: &str) -> String {
    let exponent = Currency::from_code(code).map_or(2, decimals);
    let scale = 10_i64.pow(u32::from(exponent));
    let (whole, cents) = (minor.abs() / scale, minor.abs() % scale);
    let digits = whole.to_string();
    let mut grouped = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i) % 3 == 0 {
            grouped.push(',');
        }
        grouped.push(c);
    }
    let sign = if minor < 0 { "-" } else { "" };
    match exponent {
        0 => format!("{sign}{grouped} {code}"),
        e => format!("{sign}{grouped}.{cents:0width$} {code}", width = usize::from(e)),
    }
}

/// The currencies the form offers, by code.
fn currency_choices() -> Vec<CurrencyChoice> {
    let mut all: Vec<CurrencyChoice> = Currency::iter()
        .filter(|c| offered(*c))
        .map(|c| CurrencyChoice { code: c.code().to_string(), name: c.name().to_string() })
        .collect();
    all.sort_by(|a, b| a.code.cmp(&b.code));
    all
}

/// Why "Add invoice" did not keep the invoice: what to say at the form, or an error.
#[derive(Debug)]
pub enum Refusal {
    Problems(Vec<InvoiceProblem>),
    Other(Error),
}

impl<E: Into<Error>> From<E> for Refusal {
    fn from(e: E) -> Self {
        Refusal::Other(e.into())
    }
}

/// Where a kept invoice's PDF is: numbers only.
fn pdf_path(portico: &Portico, org: i64, id: i64) -> std::path::PathBuf {
    kept_at(portico, "invoices", org, id)
}

/// The PDF part of the form, judged: it must be a PDF by its name and by its content.
fn judge_pdf(pdf: Option<&(String, Incoming)>) -> std::result::Result<FileName, DocumentProblem> {
    let Some((name, incoming)) = pdf else { return Err(DocumentProblem::NoFile) };
    let name = FileName::clean(name);
    let kind = incoming.judge(&name)?;
    if kind.extensions[0] != "pdf" {
        return Err(DocumentProblem::NotAccepted);
    }
    Ok(name)
}

/// "Add invoice" on a project's page: the fields and the PDF checked together (every problem
/// said at once), then the row, its audit line and the file kept in one transaction.
pub async fn add(
    portico: &Portico,
    staff: &Staff,
    project_id: ProjectId,
    form: &InvoiceForm,
    pdf: Option<(String, Incoming)>,
    ip: Option<String>,
) -> std::result::Result<i64, Refusal> {
    let org = staff.org_id.0;
    let checked = form.check();
    let judged = judge_pdf(pdf.as_ref());
    let (new, name) = match (checked, judged) {
        (Ok(new), Ok(name)) => (new, name),
        (checked, judged) => {
            let mut problems = checked.err().unwrap_or_default();
            problems.extend(judged.err().map(InvoiceProblem::Pdf));
            return Err(Refusal::Problems(problems));
        }
    };
    let Some((_, mut incoming)) = pdf else {
        return Err(Refusal::Problems(vec![InvoiceProblem::Pdf(DocumentProblem::NoFile)]));
    };
    incoming.settle().await?;
    let txn = portico.begin().await?;
    let project = projects::find(&*txn, org, project_id.0).await?;
    let number_key = new.number.to_lowercase();
    let taken = invoice::Entity::find()
        .filter(invoice::Column::OrgId.eq(org))
        .filter(invoice::Column::NumberKey.eq(number_key.clone()))
        .count(&*txn)
        .await?;
    if taken > 0 {
        return Err(Refusal::Problems(vec![InvoiceProblem::NumberTaken]));
    }
    let at = now();
    let sent_at = new.status.shown_to_clients().then_some(at);
    let inserted = invoice::ActiveModel {
        org_id: Set(org),
        project_id: Set(project.id),
        number: Set(new.number.clone()),
        number_key: Set(number_key),
        amount_minor: Set(new.amount_minor),
        currency: Set(new.currency.code().to_string()),
        due_on: Set(new.due_on),
        status: Set(new.status.key().to_string()),
        pdf_name: Set(name.as_str().to_string()),
        pdf_size: Set(incoming.size() as i64),
        created_by: Set(Some(staff.user_id.0)),
        created_at: Set(at),
        sent_at: Set(sent_at),
        paid_at: Set((new.status == InvoiceStatus::Paid).then_some(at)),
        ..Default::default()
    }
    .insert(&*txn)
    .await;
    let row = match inserted {
        Ok(row) => row,
        // The same number added at the same moment by someone else: the unique index decides.
        Err(e) if matches!(e.sql_err(), Some(SqlErr::UniqueConstraintViolation(_))) => {
            return Err(Refusal::Problems(vec![InvoiceProblem::NumberTaken]));
        }
        Err(e) => return Err(e.into()),
    };
    audit::record(
        &*txn,
        audit::Event {
            org_id: org,
            actor: audit::Actor::Staff(staff.user_id.0),
            subject_kind: "project",
            subject_id: project.id,
            event: "invoice.added",
            detail: format!(
                "Added invoice {} ({}, due {}, {}) to {}",
                row.number,
                format_amount(row.amount_minor, &row.currency),
                row.due_on.format("%Y-%m-%d"),
                new.status.label(),
                project.name
            ),
            ip,
        },
    )
    .await?;
    let placed = incoming.place(pdf_path(portico, org, row.id)).await?;
    commit_keeping(txn, placed).await?;
    Ok(row.id)
}

fn row_of(i: invoice::Model, today: NaiveDate) -> InvoiceRow {
    let status = InvoiceStatus::from_key(&i.status).unwrap_or_default();
    InvoiceRow {
        id: i.id,
        amount: format_amount(i.amount_minor, &i.currency),
        due: i.due_on.format("%-d %b %Y").to_string(),
        overdue: status == InvoiceStatus::Sent && i.due_on < today,
        status,
        pdf_size: i.pdf_size.max(0) as u64,
        pdf_name: i.pdf_name,
        number: i.number,
        sent_at: i.sent_at,
    }
}

/// A project's Invoices as staff see them: the latest first, with what the form needs.
pub async fn for_staff(portico: &Portico, staff: &Staff, project_id: ProjectId) -> Result<ProjectInvoices> {
    let org = staff.org_id.0;
    let project = projects::find(&portico.db, org, project_id.0).await?;
    let select = invoice::Entity::find()
        .filter(invoice::Column::OrgId.eq(org))
        .filter(invoice::Column::ProjectId.eq(project.id));
    let total = select.clone().count(&portico.db).await?;
    let today = now().date_naive();
    let invoices = select
        .order_by_desc(invoice::Column::Id)
        .limit(SHOWN)
        .all(&portico.db)
        .await?
        .into_iter()
        .map(|i| row_of(i, today))
        .collect();
    Ok(ProjectInvoices { project_id: project.id, invoices, total })
}

/// What the New invoice form offers on a project's page.
pub async fn form_for(portico: &Portico, staff: &Staff, project_id: ProjectId) -> Result<InvoiceFormData> {
    let org = staff.org_id.0;
    let project = projects::find(&portico.db, org, project_id.0).await?;
    // The firm's latest invoice's currency: the one it most likely bills in.
    let latest: Option<String> = invoice::Entity::find()
        .filter(invoice::Column::OrgId.eq(org))
        .order_by_desc(invoice::Column::Id)
        .select_only()
        .column(invoice::Column::Currency)
        .into_tuple()
        .one(&portico.db)
        .await?;
    Ok(InvoiceFormData {
        project_id: project.id,
        currencies: currency_choices(),
        default_currency: latest.unwrap_or_else(|| "USD".to_string()),
        default_due: (now().date_naive() + chrono::Days::new(30)).format("%Y-%m-%d").to_string(),
        max_bytes: portico.document_max_bytes,
    })
}

/// The invoices of a project the client has joined that they may see: sent and paid ones,
/// with View invoices; none without.
pub(crate) async fn for_client<C: ConnectionTrait>(
    db: &C,
    client: &PortalClient,
    project_id: i64,
) -> Result<(Vec<InvoiceRow>, u64)> {
    let today = now().date_naive();
    let select = shown_to_clients(client.org_id.0).filter(invoice::Column::ProjectId.eq(project_id));
    let total = select.clone().count(db).await?;
    let rows = select
        .order_by_desc(invoice::Column::Id)
        .limit(SHOWN)
        .all(db)
        .await?
        .into_iter()
        .map(|i| row_of(i, today))
        .collect();
    Ok((rows, total))
}

/// An organization's invoices that clients may see (sent or paid).
pub(crate) fn shown_to_clients(org: i64) -> sea_orm::Select<invoice::Entity> {
    invoice::Entity::find()
        .filter(invoice::Column::OrgId.eq(org))
        .filter(invoice::Column::Status.ne(InvoiceStatus::Draft.key()))
}

fn file_of(portico: &Portico, i: invoice::Model) -> DocumentFile {
    DocumentFile {
        path: pdf_path(portico, i.org_id, i.id),
        name: i.pdf_name,
        content_type: "application/pdf".to_string(),
        size: i.pdf_size.max(0) as u64,
    }
}

/// "Download PDF" for staff: any invoice of their organization, drafts included.
pub async fn open_for_staff(portico: &Portico, staff: &Staff, id: i64) -> Result<DocumentFile> {
    Ok(file_of(portico, find(&portico.db, staff.org_id.0, id).await?))
}

/// "Download PDF" in the portal: a sent or paid invoice of a project the client has joined and
/// may view invoices in. Anything else is "not found", the same as an id that does not exist.
pub async fn open_for_client(portico: &Portico, client: &PortalClient, id: i64) -> Result<DocumentFile> {
    let org = client.org_id.0;
    let i = shown_to_clients(org).filter(invoice::Column::Id.eq(id)).one(&portico.db).await?.ok_or(Error::NotFound)?;
    portal::joined_project(&portico.db, client, i.project_id).await.map_err(|_| Error::NotFound)?;
    let may = crate::permissions::in_project(&portico.db, org, client.client_id.0, i.project_id).await?;
    if !may.allows(Permission::ViewInvoices) {
        return Err(Error::NotFound);
    }
    Ok(file_of(portico, i))
}

async fn find<C: ConnectionTrait>(db: &C, org: i64, id: i64) -> Result<invoice::Model> {
    invoice::Entity::find_by_id(id).filter(invoice::Column::OrgId.eq(org)).one(db).await?.ok_or(Error::NotFound)
}

/// "Mark as sent", "Mark as paid", "Back to draft", "Mark as unpaid": the invoice's status.
/// The first time it is sent is kept (it is what "new since your last visit" counts).
pub async fn set_status(
    portico: &Portico,
    staff: &Staff,
    id: i64,
    status: InvoiceStatus,
    ip: Option<String>,
) -> Result<()> {
    let org = staff.org_id.0;
    let txn = portico.begin().await?;
    let i = find(&*txn, org, id).await?;
    let was = InvoiceStatus::from_key(&i.status).unwrap_or_default();
    if was == status {
        return Err(Error::Conflict(format!("Invoice {} is already {}.", i.number, status.label().to_lowercase())));
    }
    let project = projects::find(&*txn, org, i.project_id).await?;
    let at = now();
    let mut row: invoice::ActiveModel = i.clone().into();
    row.status = Set(status.key().to_string());
    if status.shown_to_clients() && i.sent_at.is_none() {
        row.sent_at = Set(Some(at));
    }
    row.paid_at = Set((status == InvoiceStatus::Paid).then_some(at));
    row.update(&*txn).await?;
    audit::record(
        &*txn,
        audit::Event {
            org_id: org,
            actor: audit::Actor::Staff(staff.user_id.0),
            subject_kind: "project",
            subject_id: project.id,
            event: "invoice.status_changed",
            detail: format!("Invoice {} in {}: {} → {}", i.number, project.name, was.label(), status.label()),
            ip,
        },
    )
    .await?;
    txn.commit().await?;
    Ok(())
}

/// "Delete invoice": the row and its audit line in one transaction, then the PDF.
pub async fn delete(portico: &Portico, staff: &Staff, id: i64, ip: Option<String>) -> Result<()> {
    let org = staff.org_id.0;
    let txn = portico.begin().await?;
    let i = find(&*txn, org, id).await?;
    let project = projects::find(&*txn, org, i.project_id).await?;
    invoice::Entity::delete_many()
        .filter(invoice::Column::OrgId.eq(org))
        .filter(invoice::Column::Id.eq(i.id))
        .exec(&*txn)
        .await?;
    audit::record(
        &*txn,
        audit::Event {
            org_id: org,
            actor: audit::Actor::Staff(staff.user_id.0),
            subject_kind: "project",
            subject_id: project.id,
            event: "invoice.deleted",
            detail: format!(
                "Deleted invoice {} ({}) from {}",
                i.number,
                format_amount(i.amount_minor, &i.currency),
                project.name
            ),
            ip,
        },
    )
    .await?;
    txn.commit().await?;
    remove_file(&pdf_path(portico, org, i.id)).await;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn amounts_are_read_as_people_type_them() {
        let eur = |s: &str| parse_amount(s, 2);
        assert_eq!(eur("1250"), Ok(125_000));
        assert_eq!(eur("1,250.50"), Ok(125_050));
        assert_eq!(eur("1.250,50"), Ok(125_050));
        assert_eq!(eur("1 250,5"), Ok(125_050));
        assert_eq!(eur("1'250.50"), Ok(125_050));
        assert_eq!(eur("1,250"), Ok(125_000));
        assert_eq!(eur("12,50"), Ok(1_250));
        assert_eq!(eur("1.000.000"), Ok(100_000_000));
        assert_eq!(eur("1,234,567.89"), Ok(123_456_789));
        assert_eq!(eur("1.250.50"), Err(InvoiceProblem::AmountNotANumber));
        assert_eq!(eur("1,250.5.0"), Err(InvoiceProblem::AmountNotANumber));
        assert_eq!(eur("1.2.3"), Err(InvoiceProblem::AmountNotANumber));
        assert_eq!(eur("1,25,000"), Err(InvoiceProblem::AmountNotANumber));
        assert_eq!(eur("1.250,5,0"), Err(InvoiceProblem::AmountNotANumber));
        assert_eq!(eur("1234,567.8"), Err(InvoiceProblem::AmountNotANumber));
        assert_eq!(eur(".5"), Ok(50));
        assert_eq!(eur("0.10"), Ok(10));
        assert_eq!(eur("1.250"), Ok(125_000));
        assert_eq!(eur("0.125"), Err(InvoiceProblem::AmountDecimals(2)));
        assert_eq!(eur("12.505"), Ok(1_250_500));
        assert_eq!(eur("1.2505"), Err(InvoiceProblem::AmountDecimals(2)));
        assert_eq!(eur(""), Err(InvoiceProblem::AmountMissing));
        assert_eq!(eur("-5"), Err(InvoiceProblem::AmountNotPositive));
        assert_eq!(eur("0.00"), Err(InvoiceProblem::AmountNotPositive));
        assert_eq!(eur("12abc"), Err(InvoiceProblem::AmountNotANumber));
        assert_eq!(eur("1e5"), Err(InvoiceProblem::AmountNotANumber));
        assert_eq!(eur("."), Err(InvoiceProblem::AmountNotANumber));
        assert_eq!(eur("99999999999999999999"), Err(InvoiceProblem::AmountTooLarge));
        assert_eq!(parse_amount("1500", 0), Ok(1_500));
        assert_eq!(parse_amount("1500.5", 0), Err(InvoiceProblem::AmountDecimals(0)));
        assert_eq!(parse_amount("1,250", 3), Ok(1_250));
        assert_eq!(parse_amount("1.250", 3), Ok(1_250));
    }

    #[test]
    fn amounts_show_with_the_currency_decimals() {
        assert_eq!(format_amount(125_050, "EUR"), "1,250.50 EUR");
        assert_eq!(format_amount(5, "USD"), "0.05 USD");
        assert_eq!(format_amount(1_500, "JPY"), "1,500 JPY");
        assert_eq!(format_amount(1_250, "KWD"), "1.250 KWD");
        assert_eq!(format_amount(100_000_000_000, "GBP"), "1,000,000,000.00 GBP");
    }

    #[test]
    fn every_problem_of_a_form_is_said_at_once() {
        let form = InvoiceForm {
            number: "  ".into(),
            amount: "ten".into(),
            currency: "XXX".into(),
            due_on: "31/01/2027".into(),
            status: "unpaid".into(),
        };
        assert_eq!(
            form.check(),
            Err(vec![
                InvoiceProblem::NumberMissing,
                InvoiceProblem::CurrencyUnknown,
                InvoiceProblem::AmountNotANumber,
                InvoiceProblem::DueNotADate,
                InvoiceProblem::StatusUnknown,
            ])
        );
        let good = InvoiceForm {
            number: " INV  2027-004 ".into(),
            amount: "1,250.50".into(),
            currency: "EUR".into(),
            due_on: "2027-01-31".into(),
            status: "sent".into(),
        };
        let tricked = InvoiceForm { number: "INV-1\u{202E}fdp".into(), ..good.clone() };
        assert_eq!(tricked.check(), Err(vec![InvoiceProblem::NumberCharacters]));
        let new = good.check().unwrap();
        assert_eq!((new.number.as_str(), new.amount_minor, new.status), ("INV 2027-004", 125_050, InvoiceStatus::Sent));
        for p in [InvoiceProblem::AmountDecimals(3), InvoiceProblem::Pdf(DocumentProblem::TooLarge)] {
            assert_eq!(InvoiceProblem::from_key(&p.key()), Some(p));
        }
        assert!(currency_choices().iter().any(|c| c.code == "EUR"));
        assert!(!currency_choices().iter().any(|c| c.code == "XAU"));
    }
}
