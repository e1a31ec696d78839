//! Digital forms as the pages show them: what staff build (fields of six kinds, required or not,
//! in order), what a client is asked and answers, and the checks both sides share. The checks
//! live here, with the types, so the builder says what is wrong next to each field as staff type
//! and the server refuses the very same things.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::ProjectOption;

pub const FORM_NAME_MAX: usize = 120;
pub const FIELD_LABEL_MAX: usize = 200;
pub const FIELD_HELP_MAX: usize = 500;
pub const FIELDS_MAX: usize = 50;
pub const CHOICES_MAX: usize = 30;
pub const CHOICE_MAX: usize = 100;
/// The longest answers taken: a line, and a few paragraphs.
pub const SHORT_ANSWER_MAX: usize = 500;
pub const LONG_ANSWER_MAX: usize = 5_000;

/// What a field asks for.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum FieldKind {
    #[default]
    ShortText,
    LongText,
    SingleChoice,
    MultipleChoice,
    Date,
    YesNo,
}

impl FieldKind {
    pub const ALL: [FieldKind; 6] = [
        FieldKind::ShortText,
        FieldKind::LongText,
        FieldKind::SingleChoice,
        FieldKind::MultipleChoice,
        FieldKind::Date,
        FieldKind::YesNo,
    ];

    pub fn key(self) -> &'static str {
        match self {
            Self::ShortText => "short_text",
            Self::LongText => "long_text",
            Self::SingleChoice => "single_choice",
            Self::MultipleChoice => "multiple_choice",
            Self::Date => "date",
            Self::YesNo => "yes_no",
        }
    }

    pub fn from_key(key: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.key() == key)
    }

    pub fn label(self) -> &'static str {
        match self {
            Self::ShortText => "Short text",
            Self::LongText => "Long text",
            Self::SingleChoice => "Single choice",
            Self::MultipleChoice => "Multiple choice",
            Self::Date => "Date",
            Self::YesNo => "Yes / No",
        }
    }

    /// Whether staff list the choices.
    pub fn has_choices(self) -> bool {
        matches!(self, Self::SingleChoice | Self::MultipleChoice)
    }
}

/// One question of a form. `id` names it for good (answers refer to it; a removed field's id is
/// never given to another); 0 is a field not saved yet.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct FormField {
    pub id: u32,
    pub kind: FieldKind,
    pub label: String,
    /// A line under the question ("As on your passport").
    #[serde(default)]
    pub help: String,
    pub required: bool,
    /// The options of a choice field, in order; empty for the other kinds.
    #[serde(default)]
    pub choices: Vec<String>,
}

/// A form as the builder sends it: its name and fields in order.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct FormDraft {
    pub name: String,
    pub fields: Vec<FormField>,
}

/// Which part of the builder a problem belongs to.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DraftPart {
    Name,
    /// The form has no field, or too many.
    Fields,
    Label(usize),
    Help(usize),
    Choices(usize),
}

/// What is wrong with a draft, where.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DraftProblem {
    pub part: DraftPart,
    pub message: String,
}

/// Characters that would hide or reorder what a name shows: invisible formatting and bidi
/// controls (file names, invoice numbers and forms are all checked with it).
pub fn invisible(c: char) -> bool {
    matches!(c, '\u{200B}'..='\u{200F}' | '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}' | '\u{061C}' | '\u{FEFF}')
}

fn hidden_character(c: char) -> bool {
    c.is_control() || invisible(c)
}

fn squeeze(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

impl FormDraft {
    /// Every problem of the draft, in the builder's order; none means it can be saved.
    pub fn problems(&self) -> Vec<DraftProblem> {
        let mut problems = Vec::new();
        let mut note = |part, message: String| problems.push(DraftProblem { part, message });
        let name = squeeze(&self.name);
        if name.is_empty() {
            note(DraftPart::Name, "Enter the form's name.".into());
        } else if name.chars().count() > FORM_NAME_MAX {
            note(DraftPart::Name, format!("The name can be at most {FORM_NAME_MAX} characters."));
        } else if name.chars().any(hidden_character) {
            note(DraftPart::Name, "The name cannot contain invisible or control characters.".into());
        }
        if self.fields.is_empty() {
            note(DraftPart::Fields, "Add at least one field.".into());
        } else if self.fields.len() > FIELDS_MAX {
            note(DraftPart::Fields, format!("A form can have at most {FIELDS_MAX} fields."));
        }
        for (i, field) in self.fields.iter().enumerate() {
            let label = squeeze(&field.label);
            if label.is_empty() {
                note(DraftPart::Label(i), "Enter the question.".into());
            } else if label.chars().count() > FIELD_LABEL_MAX {
                note(DraftPart::Label(i), format!("The question can be at most {FIELD_LABEL_MAX} characters."));
            } else if label.chars().any(hidden_character) {
                note(DraftPart::Label(i), "The question cannot contain invisible or control characters.".into());
            }
            let help = squeeze(&field.help);
            if help.chars().count() > FIELD_HELP_MAX {
                note(DraftPart::Help(i), format!("The hint can be at most {FIELD_HELP_MAX} characters."));
            } else if help.chars().any(hidden_character) {
                note(DraftPart::Help(i), "The hint cannot contain invisible or control characters.".into());
            }
            if field.kind.has_choices() {
                let choices = clean_choices(&field.choices);
                let mut seen = std::collections::HashSet::new();
                if choices.len() < 2 {
                    note(DraftPart::Choices(i), "Give at least two choices, one per line.".into());
                } else if choices.len() > CHOICES_MAX {
                    note(DraftPart::Choices(i), format!("A field can have at most {CHOICES_MAX} choices."));
                } else if let Some(long) = choices.iter().find(|c| c.chars().count() > CHOICE_MAX) {
                    note(DraftPart::Choices(i), format!("“{long}” is longer than {CHOICE_MAX} characters."));
                } else if choices.iter().any(|c| c.chars().any(hidden_character)) {
                    note(DraftPart::Choices(i), "Choices cannot contain invisible or control characters.".into());
                } else if let Some(twice) = choices.iter().find(|c| !seen.insert(c.to_lowercase())) {
                    note(DraftPart::Choices(i), format!("“{twice}” is listed twice."));
                }
            }
        }
        problems
    }

    /// The draft as it is kept: names and labels with their spaces tidied, the choices of
    /// choice fields only. Call once `problems` is empty.
    pub fn tidy(&self) -> FormDraft {
        FormDraft {
            name: squeeze(&self.name),
            fields: self
                .fields
                .iter()
                .map(|f| FormField {
                    id: f.id,
                    kind: f.kind,
                    label: squeeze(&f.label),
                    help: squeeze(&f.help),
                    required: f.required,
                    choices: if f.kind.has_choices() { clean_choices(&f.choices) } else { Vec::new() },
                })
                .collect(),
        }
    }
}

/// Choices as typed: each trimmed, blank lines dropped.
pub fn clean_choices(choices: &[String]) -> Vec<String> {
    choices.iter().map(|c| squeeze(c)).filter(|c| !c.is_empty()).collect()
}

/// Where a form sent to a client stands, shown as a badge with exactly these labels.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum FormRequestStatus {
    /// Sent, not answered yet.
    Waiting,
    /// The client chose "Skip for now" (only offered when no field is required).
    Skipped,
    Answered,
}

impl FormRequestStatus {
    pub fn label(self) -> &'static str {
        match self {
            Self::Waiting => "Waiting",
            Self::Skipped => "Skipped",
            Self::Answered => "Answered",
        }
    }

    pub fn badge_class(self) -> &'static str {
        match self {
            Self::Waiting => "badge badge-info",
            Self::Skipped => "badge badge-muted",
            Self::Answered => "badge badge-success",
        }
    }
}

/// A form in the Forms list.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct FormSummary {
    pub id: i64,
    pub name: String,
    pub fields: u32,
    pub required: u32,
    /// Sent to this many clients, of whom this many answered.
    pub sent: u64,
    pub answered: u64,
    #[serde(with = "chrono::serde::ts_microseconds")]
    pub updated_at: DateTime<Utc>,
}

/// One question and what a client answered to it, as text ("Yes", "Email, Phone", "3 Mar 2027").
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct AnswerRow {
    pub label: String,
    pub value: String,
}

/// A form sent to one client: on the form's page and the client's page.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct FormResponse {
    pub request_id: i64,
    pub form_id: i64,
    pub form_name: String,
    pub client_id: i64,
    pub client_name: String,
    pub client_email: String,
    pub project_name: String,
    pub status: FormRequestStatus,
    /// Sent with an invitation (not later).
    pub with_invitation: bool,
    #[serde(with = "chrono::serde::ts_microseconds")]
    pub sent_at: DateTime<Utc>,
    #[serde(with = "chrono::serde::ts_microseconds_option")]
    pub answered_at: Option<DateTime<Utc>>,
    /// The questions as they were asked, with the answers (empty until answered).
    pub answers: Vec<AnswerRow>,
}

/// A form's page for staff: the builder's content, where it can be sent, and its answers.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct FormEditor {
    pub id: i64,
    pub draft: FormDraft,
    /// The organization's projects by name (first 500): "Send to a project's clients".
    pub projects: Vec<ProjectOption>,
    pub sent: u64,
    pub answered: u64,
    /// The latest responses, newest first (`forms::SHOWN`).
    pub responses: Vec<FormResponse>,
}

/// What "Save form" kept: the form's id and its fields with their ids, in order (the builder
/// takes the ids of the fields it added, so the next save keeps them).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct SavedForm {
    pub id: i64,
    pub fields: Vec<FormField>,
}

/// A form offered by "Send a digital form with the invitation".
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct FormChoice {
    pub id: i64,
    pub name: String,
}

/// What "Send form" did: to whom, and who was skipped and why.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct FormsSent {
    pub sent: u32,
    /// Of those sent, how many were emailed now (the others get it when they accept their
    /// invitation).
    pub emailed: u32,
    pub skipped: Vec<(String, String)>,
}

impl FormsSent {
    /// "Sent to 3 clients. Skipped 1: Ana Ruiz (already has this form to fill)."
    pub fn summary(&self) -> String {
        let clients = |n: u32| if n == 1 { "1 client".to_string() } else { format!("{n} clients") };
        let mut text =
            if self.sent == 0 { "Sent to nobody.".to_string() } else { format!("Sent to {}.", clients(self.sent)) };
        if !self.skipped.is_empty() {
            let shown: Vec<String> = self.skipped.iter().take(5).map(|(who, why)| format!("{who} ({why})")).collect();
            let more = self.skipped.len().saturating_sub(shown.len());
            text.push_str(&format!(" Skipped {}: {}", self.skipped.len(), shown.join(", ")));
            if more > 0 {
                text.push_str(&format!(" and {more} more"));
            }
            text.push('.');
        }
        text
    }
}

/// A form on a project's page in the portal.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct PortalFormRow {
    pub request_id: i64,
    pub name: String,
    pub status: FormRequestStatus,
    #[serde(with = "chrono::serde::ts_microseconds")]
    pub sent_at: DateTime<Utc>,
    #[serde(with = "chrono::serde::ts_microseconds_option")]
    pub answered_at: Option<DateTime<Utc>>,
}

/// A form to fill (or filled) in the portal.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct PortalFormPage {
    pub org_name: String,
    pub client_name: String,
    pub request_id: i64,
    pub project_id: i64,
    pub project_name: String,
    pub name: String,
    pub fields: Vec<FormField>,
    /// What the client gave, by field id: the answers once sent, else what they typed before
    /// (kept when a send was refused).
    pub values: Vec<(u32, Vec<String>)>,
    pub status: FormRequestStatus,
    #[serde(with = "chrono::serde::ts_microseconds_option")]
    pub answered_at: Option<DateTime<Utc>>,
    /// The organization wants a password and this client has none yet: that comes first.
    pub needs_password: bool,
    /// Sent with the invitation and still waiting: the portal's home leads back here until it
    /// is answered (or skipped), so the page does not offer the home as a way out.
    pub comes_first: bool,
}

impl PortalFormPage {
    /// "Skip for now" is offered only when no field is required.
    pub fn skippable(&self) -> bool {
        self.fields.iter().all(|f| !f.required)
    }
}

/// Why a field's answer was refused; travels in the address as `<field id>:<key>`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AnswerProblem {
    Required,
    TooLong,
    NotAChoice,
    NotADate,
    Characters,
}

impl AnswerProblem {
    pub const ALL: [AnswerProblem; 5] =
        [Self::Required, Self::TooLong, Self::NotAChoice, Self::NotADate, Self::Characters];

    pub fn key(self) -> &'static str {
        match self {
            Self::Required => "required",
            Self::TooLong => "long",
            Self::NotAChoice => "choice",
            Self::NotADate => "date",
            Self::Characters => "characters",
        }
    }

    pub fn from_key(key: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|p| p.key() == key)
    }

    pub fn message(self, field: &FormField) -> String {
        match self {
            Self::Required => match field.kind {
                FieldKind::SingleChoice | FieldKind::YesNo => "Choose an answer: this question is required.".into(),
                FieldKind::MultipleChoice => "Choose at least one answer: this question is required.".into(),
                FieldKind::Date => "Enter a date: this question is required.".into(),
                _ => "Answer this question: it is required.".into(),
            },
            Self::TooLong => {
                let max = if field.kind == FieldKind::LongText { LONG_ANSWER_MAX } else { SHORT_ANSWER_MAX };
                format!("The answer can be at most {max} characters.")
            }
            Self::NotAChoice => "Choose from the answers listed.".into(),
            Self::NotADate => "Enter a date like 2027-03-31.".into(),
            Self::Characters => "The answer cannot contain control characters.".into(),
        }
    }
}

/// Checks one field's answer; the values as the client gave them (several for a multiple
/// choice). Returns the answer as kept: trimmed, each choice once, in the form's order.
pub fn check_answer(field: &FormField, given: &[String]) -> Result<Vec<String>, AnswerProblem> {
    let given: Vec<String> = given.iter().map(|v| v.trim().replace("\r\n", "\n")).filter(|v| !v.is_empty()).collect();
    if given.is_empty() {
        return if field.required { Err(AnswerProblem::Required) } else { Ok(Vec::new()) };
    }
    let allowed_control = |c: char| field.kind == FieldKind::LongText && matches!(c, '\n' | '\t');
    if given.iter().any(|v| v.chars().any(|c| c.is_control() && !allowed_control(c))) {
        return Err(AnswerProblem::Characters);
    }
    match field.kind {
        FieldKind::ShortText | FieldKind::LongText => {
            let max = if field.kind == FieldKind::LongText { LONG_ANSWER_MAX } else { SHORT_ANSWER_MAX };
            let text = given.join(" ");
            if text.chars().count() > max { Err(AnswerProblem::TooLong) } else { Ok(vec![text]) }
        }
        FieldKind::SingleChoice => match given.as_slice() {
            [one] if field.choices.contains(one) => Ok(vec![one.clone()]),
            _ => Err(AnswerProblem::NotAChoice),
        },
        FieldKind::MultipleChoice => {
            if given.iter().any(|v| !field.choices.contains(v)) {
                return Err(AnswerProblem::NotAChoice);
            }
            Ok(field.choices.iter().filter(|c| given.contains(c)).cloned().collect())
        }
        FieldKind::Date => match given.as_slice() {
            [one] if iso_date(one).is_some() => Ok(vec![one.clone()]),
            _ => Err(AnswerProblem::NotADate),
        },
        FieldKind::YesNo => match given.as_slice() {
            [one] if one == "yes" || one == "no" => Ok(vec![one.clone()]),
            _ => Err(AnswerProblem::NotAChoice),
        },
    }
}

/// A date as a date input sends it (`2027-03-31`). Read by hand rather than with chrono's
/// format parser, which would weigh on the browser bundle (see `short_date`).
pub fn iso_date(text: &str) -> Option<chrono::NaiveDate> {
    let mut parts = text.splitn(3, '-');
    let (y, m, d) = (parts.next()?, parts.next()?, parts.next()?);
    if y.len() != 4
        || m.len() != 2
        || d.len() != 2
        || !(y.chars().chain(m.chars()).chain(d.chars())).all(|c| c.is_ascii_digit())
    {
        return None;
    }
    chrono::NaiveDate::from_ymd_opt(y.parse().ok()?, m.parse().ok()?, d.parse().ok()?)
}

/// An answer as people read it: "Yes"/"No", choices joined with commas, text as typed.
pub fn answer_text(field: &FormField, values: &[String]) -> String {
    match field.kind {
        FieldKind::YesNo => match values.first().map(String::as_str) {
            Some("yes") => "Yes".into(),
            Some("no") => "No".into(),
            _ => String::new(),
        },
        FieldKind::Date => values
            .first()
            .and_then(|v| iso_date(v))
            .map(|d| super::short_date(d.and_hms_opt(12, 0, 0).unwrap_or_default().and_utc()))
            .unwrap_or_default(),
        _ => values.join(", "),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn field(kind: FieldKind, required: bool, choices: &[&str]) -> FormField {
        FormField {
            id: 1,
            kind,
            label: "Q".into(),
            help: String::new(),
            required,
            choices: choices.iter().map(|c| c.to_string()).collect(),
        }
    }

    #[test]
    fn a_draft_names_each_problem_where_it_is() {
        let draft = FormDraft {
            name: " \u{202E}Intake ".into(),
            fields: vec![
                FormField { label: "  ".into(), ..field(FieldKind::ShortText, true, &[]) },
                field(FieldKind::SingleChoice, false, &["Yes", " ", "yes"]),
                field(FieldKind::MultipleChoice, false, &["Only one"]),
                // Choices of a kind without them are not checked (and not kept).
                field(FieldKind::Date, false, &["ignored"]),
            ],
        };
        let found: Vec<(DraftPart, String)> = draft.problems().into_iter().map(|p| (p.part, p.message)).collect();
        assert_eq!(
            found,
            [
                (DraftPart::Name, "The name cannot contain invisible or control characters.".to_string()),
                (DraftPart::Label(0), "Enter the question.".to_string()),
                (DraftPart::Choices(1), "“yes” is listed twice.".to_string()),
                (DraftPart::Choices(2), "Give at least two choices, one per line.".to_string()),
            ]
        );
        let fine = FormDraft { name: "  Intake   form ".into(), fields: vec![field(FieldKind::Date, true, &["x"])] };
        assert!(fine.problems().is_empty());
        let tidy = fine.tidy();
        assert_eq!((tidy.name.as_str(), tidy.fields[0].choices.len()), ("Intake form", 0));
        let none = FormDraft { name: "Empty".into(), fields: vec![] };
        assert_eq!(none.problems()[0].part, DraftPart::Fields);
    }

    #[test]
    fn answers_are_checked_by_their_kind() {
        let text = field(FieldKind::ShortText, true, &[]);
        assert_eq!(check_answer(&text, &["  ".into()]), Err(AnswerProblem::Required));
        assert_eq!(check_answer(&text, &[" Ana ".into()]), Ok(vec!["Ana".into()]));
        assert_eq!(check_answer(&text, &["a\u{0007}b".into()]), Err(AnswerProblem::Characters));
        assert_eq!(check_answer(&text, &["x".repeat(SHORT_ANSWER_MAX + 1)]), Err(AnswerProblem::TooLong));
        let long = field(FieldKind::LongText, false, &[]);
        assert_eq!(check_answer(&long, &["one\r\ntwo".into()]), Ok(vec!["one\ntwo".into()]));
        assert_eq!(check_answer(&long, &[]), Ok(vec![]));
        let one = field(FieldKind::SingleChoice, true, &["Email", "Phone"]);
        assert_eq!(check_answer(&one, &["Fax".into()]), Err(AnswerProblem::NotAChoice));
        assert_eq!(check_answer(&one, &["Email".into(), "Phone".into()]), Err(AnswerProblem::NotAChoice));
        let many = field(FieldKind::MultipleChoice, false, &["Tax", "Payroll", "Audit"]);
        // Kept in the form's order, each once.
        assert_eq!(
            check_answer(&many, &["Audit".into(), "Tax".into(), "Audit".into()]),
            Ok(vec!["Tax".into(), "Audit".into()])
        );
        let date = field(FieldKind::Date, false, &[]);
        assert_eq!(check_answer(&date, &["2027-02-29".into()]), Err(AnswerProblem::NotADate));
        assert_eq!(check_answer(&date, &["28/02/2027".into()]), Err(AnswerProblem::NotADate));
        assert_eq!(check_answer(&date, &["2028-02-29".into()]), Ok(vec!["2028-02-29".into()]));
        assert_eq!(answer_text(&date, &["2028-02-29".into()]), "29 Feb 2028");
        let yes = field(FieldKind::YesNo, true, &[]);
        assert_eq!(check_answer(&yes, &["maybe".into()]), Err(AnswerProblem::NotAChoice));
        assert_eq!(answer_text(&yes, &["no".into()]), "No");
        for p in AnswerProblem::ALL {
            assert_eq!(AnswerProblem::from_key(p.key()), Some(p));
        }
    }
}
