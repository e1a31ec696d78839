//! Digital forms: staff build one, send it with an invitation, the client is taken to it after
//! accepting and answers it (refused answers come back with each problem and what was typed);
//! staff read the answers and download them as CSV; "Send form" reaches a project's clients.
//! Permissions and other organizations are refused.

use portico_app::{
    forms::{
        DeleteForm, LoadClientForms, LoadFormChoices, LoadFormEditor, LoadForms, LoadPortalForm, SaveForm, SendForm,
    },
    portal::{LoadPortalHome, LoadPortalProject},
};
use portico_core::{
    entities::{client, form_request},
    model::{
        FieldKind, FormChoice, FormDraft, FormEditor, FormField, FormRequestStatus, FormResponse, FormSummary,
        FormsSent, Notifications, Permission, Permissions, PortalFormPage, PortalHome, PortalProjectPage, SavedForm,
    },
};
use sea_orm::{ActiveModelTrait, ActiveValue::NotSet, ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter};

use crate::{
    common::{Answer, Backend, TestApp, error_of, spawn_app},
    documents::give_profile,
};

/// A server function whose arguments travel as Postcard (the builder's "Save form").
pub(crate) async fn call_postcard<F: leptos::server_fn::ServerFn + serde::Serialize>(
    app: &TestApp,
    who: &reqwest::Client,
    args: &F,
) -> reqwest::Response {
    who.post(app.url(F::PATH))
        .header("content-type", "application/x-postcard")
        .header("accept", "application/x-postcard")
        .body(postcard::to_allocvec(args).unwrap())
        .send()
        .await
        .unwrap()
}

fn field(kind: FieldKind, label: &str, required: bool, choices: &[&str]) -> FormField {
    FormField {
        id: 0,
        kind,
        label: label.into(),
        help: String::new(),
        required,
        choices: choices.iter().map(|c| c.to_string()).collect(),
    }
}

pub(crate) fn intake() -> FormDraft {
    FormDraft {
        name: "New client intake".into(),
        fields: vec![
            field(FieldKind::ShortText, "Full legal name", true, &[]),
            field(FieldKind::SingleChoice, "Preferred contact", true, &["Email", "Phone"]),
            field(FieldKind::MultipleChoice, "Services", false, &["Tax", "Payroll", "Audit"]),
            field(FieldKind::Date, "Date of birth", false, &[]),
            field(FieldKind::YesNo, "Do you have a VAT number?", false, &[]),
            field(FieldKind::LongText, "Anything else?", false, &[]),
        ],
    }
}

/// "Send answers" (or "Skip for now") as the browser posts the form.
async fn post_answers(app: &TestApp, who: &reqwest::Client, request: i64, pairs: &[(&str, &str)]) -> String {
    let res = who
        .post(app.url(&format!("/portal/forms/{request}")))
        .header("origin", app.url(""))
        .form(pairs)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 303, "answers to {request}");
    res.headers()["location"].to_str().unwrap().to_string()
}

async fn forms_end_to_end(backend: Backend) {
    let Some(app) = spawn_app(backend).await else {
        eprintln!("PORTICO_TEST_POSTGRES_URL not set: skipped");
        return;
    };
    let db = &app.state.portico.db;
    let staff = app.owner("Ledger & Co", "owner@ledger.test").await;
    let project = app.create_project(&staff, "Year end").await;
    let p = project.to_string();

    // Drafts the builder would refuse are refused by the server too, and nothing is kept.
    let mut nameless = intake();
    nameless.name = "  ".into();
    let (status, e) = error_of(call_postcard(&app, &staff, &SaveForm { form_id: None, draft: nameless }).await).await;
    assert_eq!((status, e.for_field("name").as_deref()), (422, Some("Enter the form's name.")));
    let mut one_choice = intake();
    one_choice.fields[1].choices = vec!["Email".into(), " ".into()];
    let (status, e) = error_of(call_postcard(&app, &staff, &SaveForm { form_id: None, draft: one_choice }).await).await;
    assert_eq!(
        (status, e.for_field("fields").as_deref()),
        (422, Some("Field 2: Give at least two choices, one per line."))
    );
    let empty = FormDraft { name: "Empty".into(), fields: vec![] };
    let (status, _) = error_of(call_postcard(&app, &staff, &SaveForm { form_id: None, draft: empty }).await).await;
    assert_eq!(status, 422);
    assert_eq!(app.audit_events("form.created").await.len(), 0);

    let saved: SavedForm =
        call_postcard(&app, &staff, &SaveForm { form_id: None, draft: intake() }).await.decoded().await;
    let form = saved.id;
    assert_eq!(saved.fields.iter().map(|f| f.id).collect::<Vec<_>>(), [1, 2, 3, 4, 5, 6]);
    let f = form.to_string();
    // The same name in another case is another form's.
    let mut same = intake();
    same.name = "NEW CLIENT INTAKE".into();
    let (status, e) = error_of(call_postcard(&app, &staff, &SaveForm { form_id: None, draft: same }).await).await;
    assert_eq!((status, e.for_field("name").as_deref()), (422, Some("Another form already has this name.")));
    let editor: FormEditor = app.call::<LoadFormEditor>(&staff, &[("form_id", &f)]).await.decoded().await;
    let ids: Vec<u32> = editor.draft.fields.iter().map(|f| f.id).collect();
    assert_eq!(ids, [1, 2, 3, 4, 5, 6]);
    let choices: Vec<FormChoice> = app.call::<LoadFormChoices>(&staff, &[]).await.decoded().await;
    assert_eq!(choices, [FormChoice { id: form, name: "New client intake".into() }]);

    // Invited with the form: one email, which names it.
    let res = app
        .call::<portico_app::invitations::InviteClient>(
            &staff,
            &[
                ("project_id", &p),
                ("existing", ""),
                ("name", "Ana Ruiz"),
                ("email", "ana@client.test"),
                ("phone", ""),
                ("form_id", &f),
            ],
        )
        .await;
    assert!(res.status().is_success(), "{}", res.status());
    let mail = app.wait_for_mail("ana@client.test", 1).await;
    assert_eq!(mail.len(), 1);
    assert!(mail[0].body_text.contains("fill in a short form first: New client intake."), "{}", mail[0].body_text);
    assert!(mail[0].body_html.contains("<strong>New client intake</strong>"));
    let request = form_request::Entity::find().one(db).await.unwrap().expect("the form sent with the invitation");
    assert!(request.invitation_id.is_some());
    let r = request.id.to_string();

    // After accepting, the portal home sends Ana to the form first.
    let ana = app.accept(&app.invitation_link("ana@client.test").await, "ana@client.test").await;
    let home: PortalHome = app.call::<LoadPortalHome>(&ana, &[]).await.decoded().await;
    assert_eq!(home.form_first, Some(request.id));
    let page: PortalFormPage = app.call::<LoadPortalForm>(&ana, &[("request_id", &r)]).await.decoded().await;
    assert_eq!((page.name.as_str(), page.fields.len(), page.skippable()), ("New client intake", 6, false));
    assert!(page.comes_first, "sent with the invitation, waiting: the home leads back here");

    // Required answers missing, a date that is not one, a choice not offered: each problem
    // comes back by field, what was typed is kept, nothing is answered.
    let to = post_answers(
        &app,
        &ana,
        request.id,
        &[
            ("action", "send"),
            ("f1", "  "),
            ("f2", "Fax"),
            ("f3", "Tax"),
            ("f4", "31/02/1990"),
            ("f6", "Keep this text </textarea><b>not markup</b>"),
        ],
    )
    .await;
    assert_eq!(to, format!("/portal/forms/{r}?problems=1:required,2:choice,4:date"));
    // The long answer comes back in its box as text, whatever it holds.
    let html = ana.get(app.url(&to)).header("accept", "text/html").send().await.unwrap().text().await.unwrap();
    assert!(html.contains("Keep this text &lt;/textarea&gt;&lt;b&gt;not markup&lt;/b&gt;</textarea>"), "{html}");
    let page: PortalFormPage = app.call::<LoadPortalForm>(&ana, &[("request_id", &r)]).await.decoded().await;
    assert_eq!(page.status, FormRequestStatus::Waiting);
    assert!(
        page.values.contains(&(6, vec!["Keep this text </textarea><b>not markup</b>".to_string()])),
        "{:?}",
        page.values
    );
    assert!(page.values.contains(&(3, vec!["Tax".to_string()])));
    // A form with required questions cannot be skipped.
    let to = post_answers(&app, &ana, request.id, &[("action", "skip")]).await;
    assert_eq!(to, format!("/portal/forms/{r}?problems=skip#form-title"));
    assert_eq!(app.audit_events("form.answered").await.len() + app.audit_events("form.skipped").await.len(), 0);

    let to = post_answers(
        &app,
        &ana,
        request.id,
        &[
            ("action", "send"),
            ("f1", " Ana María Ruiz "),
            ("f2", "Phone"),
            ("f3", "Audit"),
            ("f3", "Tax"),
            ("f4", "1990-02-28"),
            ("f5", "yes"),
            ("f6", "=HYPERLINK(\"http://evil.example\")"),
        ],
    )
    .await;
    assert_eq!(to, format!("/portal/projects/{p}?form_answered={r}#forms-title"));
    let home: PortalHome = app.call::<LoadPortalHome>(&ana, &[]).await.decoded().await;
    assert_eq!(home.form_first, None, "answered: the portal is next");
    let portal: PortalProjectPage = app.call::<LoadPortalProject>(&ana, &[("project_id", &p)]).await.decoded().await;
    assert_eq!(portal.forms.len(), 1);
    assert_eq!(portal.forms[0].status, FormRequestStatus::Answered);
    // Answered once: a second send changes nothing.
    post_answers(&app, &ana, request.id, &[("action", "send"), ("f1", "Someone else"), ("f2", "Email")]).await;
    assert_eq!(app.audit_events("form.answered").await.len(), 1);
    // Whoever sent it hears, once, in the bell and by email, with a way to the answers.
    let bell: Notifications =
        app.call::<portico_app::notifications::LoadNotifications>(&staff, &[]).await.decoded().await;
    let heard: Vec<_> = bell.items.iter().filter(|n| n.title == "Ana Ruiz answered New client intake").collect();
    assert_eq!(heard.len(), 1, "{:?}", bell.items);
    assert_eq!(heard[0].link.as_deref(), Some(format!("/forms/{form}").as_str()));
    assert_eq!(heard[0].body, "Ana Ruiz (ana@client.test) answered the form \"New client intake\" in Year end.");
    let mail = app.wait_for_mail("owner@ledger.test", 1).await;
    assert_eq!(mail.iter().filter(|m| m.subject.contains("Ana Ruiz answered New client intake")).count(), 1);

    // Staff read the answers, in the form's order, as people read them.
    let editor: FormEditor = app.call::<LoadFormEditor>(&staff, &[("form_id", &f)]).await.decoded().await;
    assert_eq!((editor.sent, editor.answered), (1, 1));
    let answers: Vec<(String, String)> =
        editor.responses[0].answers.iter().map(|a| (a.label.clone(), a.value.clone())).collect();
    assert_eq!(
        answers,
        [
            ("Full legal name", "Ana María Ruiz"),
            ("Preferred contact", "Phone"),
            ("Services", "Tax, Audit"),
            ("Date of birth", "28 Feb 1990"),
            ("Do you have a VAT number?", "Yes"),
            ("Anything else?", "=HYPERLINK(\"http://evil.example\")"),
        ]
        .map(|(l, v)| (l.to_string(), v.to_string()))
    );
    let ana_id =
        client::Entity::find().filter(client::Column::Email.eq("ana@client.test")).one(db).await.unwrap().unwrap().id;
    let on_client: Vec<FormResponse> =
        app.call::<LoadClientForms>(&staff, &[("client_id", &ana_id.to_string())]).await.decoded().await;
    assert_eq!(on_client.len(), 1);
    assert_eq!(on_client[0].answers, editor.responses[0].answers);
    let list: Vec<FormSummary> = app.call::<LoadForms>(&staff, &[]).await.decoded().await;
    assert_eq!((list[0].fields, list[0].required, list[0].sent, list[0].answered), (6, 2, 1, 1));

    // The CSV: a line per client, a column per question, formulas neutralised.
    let res = staff.get(app.url(&format!("/forms/{f}/answers.csv"))).send().await.unwrap();
    assert_eq!(res.status(), 200);
    assert_eq!(res.headers()["content-disposition"], "attachment; filename=\"new-client-intake-answers.csv\"");
    let body = res.text().await.unwrap();
    let mut reader = csv::Reader::from_reader(body.trim_start_matches('\u{feff}').as_bytes());
    let header: Vec<String> = reader.headers().unwrap().iter().map(String::from).collect();
    assert_eq!(header[..7], ["Client", "Email", "Project", "Status", "Sent", "Answered", "Full legal name"]);
    let rows: Vec<csv::StringRecord> = reader.records().map(Result::unwrap).collect();
    assert_eq!(rows.len(), 1);
    assert_eq!(&rows[0][0], "Ana Ruiz");
    assert_eq!(&rows[0][3], "Answered");
    assert_eq!(&rows[0][8], "Tax, Audit");
    assert_eq!(&rows[0][11], "'=HYPERLINK(\"http://evil.example\")");

    // A second client, invited without a form and joined; another who may not submit forms.
    for (name, email) in [("Bo Lind", "bo@client.test"), ("Cy Noor", "cy@client.test")] {
        assert!(app.invite(&staff, project, name, email).await.status().is_success());
    }
    let bo = app.accept(&app.invitation_link("bo@client.test").await, "bo@client.test").await;
    app.accept(&app.invitation_link("cy@client.test").await, "cy@client.test").await;
    give_profile(&app, "cy@client.test", "No forms", Permissions::default().with(Permission::ViewTasks)).await;
    let home: PortalHome = app.call::<LoadPortalHome>(&bo, &[]).await.decoded().await;
    assert_eq!(home.form_first, None);

    // A change to the form: sent-and-unanswered forms ask the new questions, answered ones
    // keep theirs; a field's id stays, a new field gets a new one.
    let mut changed = intake();
    changed.fields = editor.draft.fields.clone();
    changed.fields[0].label = "Legal name".into();
    changed.fields.remove(5);
    changed.fields.push(field(FieldKind::ShortText, "Tax number", false, &[]));
    let saved: SavedForm =
        call_postcard(&app, &staff, &SaveForm { form_id: Some(form), draft: changed.clone() }).await.decoded().await;
    assert_eq!(saved.id, form);
    // The builder takes the new field's id: saved again, nothing is renumbered.
    assert_eq!(saved.fields.iter().map(|f| f.id).collect::<Vec<_>>(), [1, 2, 3, 4, 5, 7]);
    changed.fields = saved.fields.clone();
    let again: SavedForm =
        call_postcard(&app, &staff, &SaveForm { form_id: Some(form), draft: changed }).await.decoded().await;
    assert_eq!(again.fields, saved.fields);

    // Send form to the project's clients: Bo gets it by email; Ana answered it; Cy may not.
    let sent: FormsSent =
        app.call::<SendForm>(&staff, &[("form_id", &f), ("project_id", &p), ("client_id", "")]).await.decoded().await;
    assert_eq!((sent.sent, sent.emailed), (1, 1), "{sent:?}");
    assert_eq!(
        sent.skipped,
        [
            ("Ana Ruiz".to_string(), "already answered it".to_string()),
            ("Cy Noor".to_string(), "their permissions do not include Submit forms".to_string())
        ]
    );
    assert_eq!(
        sent.summary(),
        "Sent to 1 client. Skipped 2: Ana Ruiz (already answered it), Cy Noor (their permissions do not include Submit forms)."
    );
    let mail = app.wait_for_mail("bo@client.test", 3).await;
    let form_mail = mail.iter().find(|m| m.topic == "form").expect("the form's email");
    assert_eq!(form_mail.subject, "Olivia Owner asked you to fill in New client intake");
    let bos = form_request::Entity::find()
        .filter(form_request::Column::FormId.eq(form))
        .filter(form_request::Column::InvitationId.is_null())
        .one(db)
        .await
        .unwrap()
        .unwrap();
    assert!(form_mail.body_text.contains(&format!("/portal/forms/{}", bos.id)));
    // Not sent with an invitation: not first thing, but counted on his home's project card.
    let home: PortalHome = app.call::<LoadPortalHome>(&bo, &[]).await.decoded().await;
    assert_eq!((home.form_first, home.projects[0].forms_to_fill), (None, 1));
    // Bo's asks the changed questions; Ana's answered one kept its own.
    let page: PortalFormPage =
        app.call::<LoadPortalForm>(&bo, &[("request_id", &bos.id.to_string())]).await.decoded().await;
    let labels: Vec<&str> = page.fields.iter().map(|f| f.label.as_str()).collect();
    assert_eq!(
        labels,
        ["Legal name", "Preferred contact", "Services", "Date of birth", "Do you have a VAT number?", "Tax number"]
    );
    assert_eq!(page.fields[5].id, 7, "a removed field's id is not given again");
    assert!(!page.comes_first, "sent later: the portal does not start with it");
    let editor: FormEditor = app.call::<LoadFormEditor>(&staff, &[("form_id", &f)]).await.decoded().await;
    let ana_answers = editor.responses.iter().find(|r| r.client_name == "Ana Ruiz").unwrap();
    assert_eq!(ana_answers.answers[0].label, "Full legal name");
    // Sent again: Bo holds it already.
    let again: FormsSent =
        app.call::<SendForm>(&staff, &[("form_id", &f), ("project_id", &p), ("client_id", "")]).await.decoded().await;
    assert_eq!(again.sent, 0);
    assert!(again.skipped.contains(&("Bo Lind".to_string(), "already has this form to fill".to_string())));
    // Two sends at the same moment (PostgreSQL does not serialise them) cannot both make one:
    // the database holds one waiting copy per client, form and project.
    let mut copy: form_request::ActiveModel = bos.clone().into();
    copy.id = NotSet;
    assert!(copy.insert(db).await.is_err(), "a second waiting copy of the form is refused");
    // The CSV after the change: today's questions, then the removed one Ana answered, so her
    // answer to it is not left out; each answer reads with the question it answered.
    let body = staff.get(app.url(&format!("/forms/{f}/answers.csv"))).send().await.unwrap().text().await.unwrap();
    let mut reader = csv::Reader::from_reader(body.trim_start_matches('\u{feff}').as_bytes());
    let header: Vec<String> = reader.headers().unwrap().iter().map(String::from).collect();
    assert_eq!(
        header[6..],
        [
            "Legal name",
            "Preferred contact",
            "Services",
            "Date of birth",
            "Do you have a VAT number?",
            "Tax number",
            "Anything else? (removed)"
        ]
    );
    let rows: Vec<csv::StringRecord> = reader.records().map(Result::unwrap).collect();
    let ana_row = rows.iter().find(|r| &r[0] == "Ana Ruiz").expect("Ana's line");
    assert_eq!((&ana_row[6], &ana_row[8], &ana_row[11]), ("Ana María Ruiz", "Tax, Audit", ""));
    assert_eq!(&ana_row[12], "'=HYPERLINK(\"http://evil.example\")");
    let bo_row = rows.iter().find(|r| &r[0] == "Bo Lind").expect("Bo's line");
    assert_eq!((&bo_row[3], &bo_row[12]), ("Waiting", ""));

    // Cy may not submit forms: not offered with an invitation either, and the route refuses.
    let cy_id =
        client::Entity::find().filter(client::Column::Email.eq("cy@client.test")).one(db).await.unwrap().unwrap().id;
    let other = app.create_project(&staff, "Payroll").await.to_string();
    let (status, e) = error_of(
        app.call::<portico_app::invitations::InviteClient>(
            &staff,
            &[
                ("project_id", &other),
                ("existing", &cy_id.to_string()),
                ("name", ""),
                ("email", ""),
                ("phone", ""),
                ("form_id", &f),
            ],
        )
        .await,
    )
    .await;
    assert_eq!(
        (status, e.for_field("form_id").as_deref()),
        (422, Some("Cy Noor's permissions in this project do not include Submit forms."))
    );
    assert_eq!(app.mail_to("cy@client.test").await.iter().filter(|m| m.topic == "invitation").count(), 1);

    // Bo skips nothing (required questions); another client's form is not found for Bo.
    let res = bo
        .post(app.url(&format!("/portal/forms/{r}")))
        .header("origin", app.url(""))
        .form(&[("action", "send"), ("f1", "Bo")])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 404);
    let (status, _) = error_of(app.call::<LoadPortalForm>(&bo, &[("request_id", &r)]).await).await;
    assert_eq!(status, 404);
    // Bo loses Submit forms: the form is refused, not shown on the project page.
    give_profile(&app, "bo@client.test", "Tasks only", Permissions::default().with(Permission::ViewTasks)).await;
    let (status, _) = error_of(app.call::<LoadPortalForm>(&bo, &[("request_id", &bos.id.to_string())]).await).await;
    assert_eq!(status, 403);
    let res = bo
        .post(app.url(&format!("/portal/forms/{}", bos.id)))
        .header("origin", app.url(""))
        .form(&[("action", "send"), ("f1", "Bo")])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 403);
    let portal: PortalProjectPage = app.call::<LoadPortalProject>(&bo, &[("project_id", &p)]).await.decoded().await;
    assert!(portal.forms.is_empty());

    // Delete form: its requests and answers go with it (the page says so first).
    let res = app.call::<DeleteForm>(&staff, &[("form_id", &f)]).await;
    assert!(res.status().is_success());
    assert_eq!(form_request::Entity::find().count(db).await.unwrap(), 0);
    assert_eq!(staff.get(app.url(&format!("/forms/{f}/answers.csv"))).send().await.unwrap().status(), 404);
    assert_eq!(app.audit_events("form.deleted").await.len(), 1);
    assert_eq!(app.audit_events("form.sent").await.len(), 2);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn forms_end_to_end_on_sqlite() {
    forms_end_to_end(Backend::Sqlite).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn forms_end_to_end_on_postgres() {
    forms_end_to_end(Backend::Postgres).await;
}

/// A form without required questions can be skipped; it stays in the project to fill later and
/// the portal no longer starts with it.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_optional_form_can_be_skipped_and_filled_later() {
    let app = spawn_app(Backend::Sqlite).await.unwrap();
    let staff = app.owner("Ledger & Co", "owner@ledger.test").await;
    let project = app.create_project(&staff, "Year end").await;
    let draft =
        FormDraft { name: "Feedback".into(), fields: vec![field(FieldKind::LongText, "Tell us more", false, &[])] };
    let saved: SavedForm = call_postcard(&app, &staff, &SaveForm { form_id: None, draft }).await.decoded().await;
    let form = saved.id;
    app.call::<portico_app::invitations::InviteClient>(
        &staff,
        &[
            ("project_id", &project.to_string()),
            ("existing", ""),
            ("name", "Ana"),
            ("email", "ana@client.test"),
            ("phone", ""),
            ("form_id", &form.to_string()),
        ],
    )
    .await;
    let ana = app.accept(&app.invitation_link("ana@client.test").await, "ana@client.test").await;
    let home: PortalHome = app.call::<LoadPortalHome>(&ana, &[]).await.decoded().await;
    let request = home.form_first.expect("taken to the form first");
    let to = post_answers(&app, &ana, request, &[("action", "skip"), ("f1", "ignored")]).await;
    assert_eq!(to, format!("/portal/projects/{project}?form_skipped={request}#forms-title"));
    let home: PortalHome = app.call::<LoadPortalHome>(&ana, &[]).await.decoded().await;
    assert_eq!(home.form_first, None);
    let page: PortalFormPage =
        app.call::<LoadPortalForm>(&ana, &[("request_id", &request.to_string())]).await.decoded().await;
    assert_eq!(page.status, FormRequestStatus::Skipped);
    // Filled later, from the project's Forms.
    let to = post_answers(&app, &ana, request, &[("action", "send"), ("f1", "All good")]).await;
    assert!(to.contains("form_answered="), "{to}");
    assert_eq!(app.audit_events("form.skipped").await.len(), 1);
    assert_eq!(app.audit_events("form.answered").await.len(), 1);
}

/// A new contact invited with a form while the default profile does not include Submit forms:
/// refused at the form, and nothing of the invite stays (the contact, their invitation and its
/// email, their place on the project and its counters are written first, in one transaction).
/// The same contact can then be invited without the form.
async fn a_new_contact_refused_a_form_leaves_nothing(backend: Backend) {
    use portico_core::entities::{client_profile, invitation, project_client};
    let Some(app) = spawn_app(backend).await else {
        eprintln!("PORTICO_TEST_POSTGRES_URL not set: skipped");
        return;
    };
    let db = &app.state.portico.db;
    let staff = app.owner("Ledger & Co", "owner@ledger.test").await;
    let project = app.create_project(&staff, "Year end").await;
    let saved: SavedForm =
        call_postcard(&app, &staff, &SaveForm { form_id: None, draft: intake() }).await.decoded().await;
    assert_eq!(client::Entity::find().count(db).await.unwrap(), 0, "no clients yet");
    let default = client_profile::Entity::find()
        .filter(client_profile::Column::IsDefault.eq(true))
        .one(db)
        .await
        .unwrap()
        .expect("the default profile");
    let org_id = default.org_id;
    let mut edit: client_profile::ActiveModel = default.into();
    edit.permissions = sea_orm::Set(Permissions::default().with(Permission::ViewTasks).keys());
    edit.update(db).await.unwrap();
    let counters = || async {
        let of = |scope| portico_core::access::counts(db, org_id, scope);
        (of(portico_core::access::ORGANIZATION).await.unwrap(), of(project).await.unwrap())
    };
    let counts_before = counters().await;
    let invite = |form: Option<String>| {
        let mut args = vec![
            ("project_id", project.to_string()),
            ("existing", String::new()),
            ("name", "Dana New".to_string()),
            ("email", "dana@client.test".to_string()),
            ("phone", String::new()),
        ];
        args.extend(form.map(|f| ("form_id", f)));
        let staff = staff.clone();
        let app = &app;
        async move {
            let args: Vec<(&str, &str)> = args.iter().map(|(k, v)| (*k, v.as_str())).collect();
            app.call::<portico_app::invitations::InviteClient>(&staff, &args).await
        }
    };
    let (status, e) = error_of(invite(Some(saved.id.to_string())).await).await;
    assert_eq!(
        (status, e.for_field("form_id").as_deref()),
        (422, Some("Dana New's permissions in this project do not include Submit forms."))
    );
    assert_eq!(client::Entity::find().count(db).await.unwrap(), 0, "no contact");
    assert_eq!(invitation::Entity::find().count(db).await.unwrap(), 0, "no invitation");
    assert_eq!(project_client::Entity::find().count(db).await.unwrap(), 0, "no place on the project");
    assert!(app.mail_to("dana@client.test").await.is_empty(), "no email");
    assert_eq!(counters().await, counts_before, "counters unmoved");
    let drift = portico_core::access::check(&app.state.portico, false).await.unwrap();
    assert!(drift.is_empty(), "{drift:?}");
    // Without the form, the same contact is invited.
    assert!(invite(None).await.status().is_success());
    assert_eq!(app.mail_to("dana@client.test").await.len(), 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_new_contact_refused_a_form_leaves_nothing_on_sqlite() {
    a_new_contact_refused_a_form_leaves_nothing(Backend::Sqlite).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_new_contact_refused_a_form_leaves_nothing_on_postgres() {
    a_new_contact_refused_a_form_leaves_nothing(Backend::Postgres).await;
}

/// Invited again with the same form after the first invitation expired: the waiting form goes
/// with the new invitation; the client is not asked to fill it twice.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_second_invitation_with_the_same_form_carries_the_waiting_one() {
    let app = spawn_app(Backend::Sqlite).await.unwrap();
    let db = &app.state.portico.db;
    let staff = app.owner("Ledger & Co", "owner@ledger.test").await;
    let project = app.create_project(&staff, "Year end").await.to_string();
    let saved: SavedForm =
        call_postcard(&app, &staff, &SaveForm { form_id: None, draft: intake() }).await.decoded().await;
    let form = saved.id.to_string();
    let invite = |existing: String| {
        let (staff, project, form) = (&staff, project.clone(), form.clone());
        let app = &app;
        async move {
            let email = if existing.is_empty() { "ana@client.test" } else { "" };
            let name = if existing.is_empty() { "Ana" } else { "" };
            let res = app
                .call::<portico_app::invitations::InviteClient>(
                    staff,
                    &[
                        ("project_id", &project),
                        ("existing", &existing),
                        ("name", name),
                        ("email", email),
                        ("phone", ""),
                        ("form_id", &form),
                    ],
                )
                .await;
            assert!(res.status().is_success(), "{}", res.status());
        }
    };
    invite(String::new()).await;
    let first = app.invitation_of("ana@client.test").await;
    app.expire(first.clone()).await;
    invite(first.client_id.to_string()).await;
    let second = app.invitation_of("ana@client.test").await;
    assert_ne!(first.id, second.id);
    let requests = form_request::Entity::find().all(db).await.unwrap();
    assert_eq!(requests.len(), 1, "one form to fill, not two");
    assert_eq!(requests[0].invitation_id, Some(second.id));
    let link = app.invitation_link("ana@client.test").await;
    let ana = app.accept(&link, "ana@client.test").await;
    let home: PortalHome = app.call::<LoadPortalHome>(&ana, &[]).await.decoded().await;
    assert_eq!(home.form_first, Some(requests[0].id));
}
