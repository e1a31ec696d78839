//! Tasks in the client portal: staff create them on a project, the client sees theirs and the
//! project's unassigned ones and completes them; permissions from the client's profile decide
//! what the server hands out; other clients, projects and organizations get nothing.

use portico_app::{
    clients::DeleteClient,
    invitations::CancelInvite,
    portal::LoadPortalHome,
    portal::LoadPortalProject,
    tasks::{AssignAndSend, CompleteTask, CreateTask, LoadProjectTasks, LoadTaskAssignees},
};
use portico_core::{
    entities::{client, client_profile, task},
    model::{Permission, Permissions, PortalHome, PortalProjectPage, ProjectTasks, TasksSent},
};
use sea_orm::{ActiveModelTrait, ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter, Set};

use crate::common::{Answer, Backend, TestApp, error_of, spawn_app};

async fn create(app: &TestApp, staff: &reqwest::Client, project: i64, fields: &[(&str, &str)]) -> reqwest::Response {
    let p = project.to_string();
    let mut args = vec![("project_id", p.as_str())];
    args.extend_from_slice(fields);
    app.call::<CreateTask>(staff, &args).await
}

async fn portal_page(app: &TestApp, client: &reqwest::Client, project: i64) -> PortalProjectPage {
    let res = app.call::<LoadPortalProject>(client, &[("project_id", &project.to_string())]).await;
    assert!(res.status().is_success(), "{}", res.status());
    res.decoded().await
}

fn titles(page: &PortalProjectPage) -> Vec<&str> {
    page.tasks.iter().map(|t| t.title.as_str()).collect()
}

async fn tasks_end_to_end(backend: Backend) {
    let Some(app) = spawn_app(backend).await else {
        eprintln!("PORTICO_TEST_POSTGRES_URL not set: skipped");
        return;
    };
    let db = &app.state.portico.db;
    let staff = app.owner("Tasks & Co", "owner@tasks.test").await;
    let project = app.create_project(&staff, "Year end").await;
    let other_project = app.create_project(&staff, "Payroll").await;
    for (name, email) in [("Carl", "carl@client.test"), ("Cleo", "cleo@client.test")] {
        assert!(app.invite(&staff, project, name, email).await.status().is_success());
    }
    let carl = app.accept(&app.invitation_link("carl@client.test").await, "carl@client.test").await;
    let cleo = app.accept(&app.invitation_link("cleo@client.test").await, "cleo@client.test").await;

    // Bad input: a clear message per field, nothing saved.
    let res = create(
        &app,
        &staff,
        project,
        &[("title", "  "), ("due_on", "31/01/2027"), ("assignee", "nobody@elsewhere.test")],
    )
    .await;
    let (status, error) = error_of(res).await;
    assert_eq!(status, 422);
    assert_eq!(error.for_field("title").as_deref(), Some("Enter a title."));
    assert_eq!(error.for_field("due_on").as_deref(), Some("Enter the due date as a date, e.g. 2027-01-31."));
    let res = create(&app, &staff, project, &[("title", "Sign"), ("assignee", "nobody@elsewhere.test")]).await;
    let (status, error) = error_of(res).await;
    assert_eq!(status, 422);
    assert_eq!(
        error.for_field("assignee").as_deref(),
        Some("No client of this project has this email. Use Add new client to add them, or leave it empty.")
    );
    assert_eq!(task::Entity::find().count(db).await.unwrap(), 0);

    // One task for Carl, one for everyone, one on another project.
    let hostile = "Sign <script>alert(1)</script> the letter";
    for (p, title, assignee, due) in [
        (project, hostile, "CARL@client.test", "2020-01-31"),
        (project, "Upload your receipts", "", ""),
        (other_project, "Payroll only", "", ""),
    ] {
        let res = create(
            &app,
            &staff,
            p,
            &[("title", title), ("description", "Line one\nLine two"), ("assignee", assignee), ("due_on", due)],
        )
        .await;
        assert!(res.status().is_success(), "{title}: {}", res.status());
    }
    let list: ProjectTasks =
        app.call::<LoadProjectTasks>(&staff, &[("project_id", &project.to_string())]).await.decoded().await;
    assert_eq!((list.total, list.open), (2, 2));
    assert_eq!(list.tasks[0].title, hostile, "dated first");
    assert!(list.tasks[0].overdue);
    assert_eq!(list.tasks[0].assignee_name.as_deref(), Some("Carl"));
    assert_eq!(list.tasks[1].assignee_name, None);
    let suggested: Vec<portico_core::model::Contact> =
        app.call::<LoadTaskAssignees>(&staff, &[("project_id", &project.to_string())]).await.decoded().await;
    assert_eq!(
        suggested.iter().map(|c| c.email.as_str()).collect::<Vec<_>>(),
        ["carl@client.test", "cleo@client.test"]
    );

    // Carl sees his and the shared one; Cleo only the shared one; neither sees Payroll's.
    let carls = portal_page(&app, &carl, project).await;
    assert_eq!(titles(&carls), [hostile, "Upload your receipts"]);
    assert_eq!(carls.open, 2);
    let cleos = portal_page(&app, &cleo, project).await;
    assert_eq!(titles(&cleos), ["Upload your receipts"]);
    let home: PortalHome = app.call::<LoadPortalHome>(&cleo, &[]).await.decoded().await;
    assert_eq!(home.projects.iter().map(|p| (p.name.as_str(), p.open_tasks)).collect::<Vec<_>>(), [("Year end", 1)]);
    // A project Carl is not in: not found.
    let res = app.call::<LoadPortalProject>(&carl, &[("project_id", &other_project.to_string())]).await;
    assert_eq!(error_of(res).await.0, 404);

    // The page's HTML carries the hostile title escaped only.
    let html = carl.get(app.url(&format!("/portal/projects/{project}"))).send().await.unwrap().text().await.unwrap();
    assert!(html.contains("Sign &lt;script&gt;alert(1)&lt;/script&gt; the letter"), "{html}");
    assert!(!html.contains("<script>alert(1)"));

    // Cleo cannot complete Carl's task (not hers to see): not found, nothing changed.
    let carls_task = carls.tasks[0].id.to_string();
    let res = app.call::<CompleteTask>(&cleo, &[("task_id", &carls_task), ("comment", "")]).await;
    assert_eq!(error_of(res).await.0, 404);
    // Carl completes it with a comment; twice is refused, once recorded.
    let res = app.call::<CompleteTask>(&carl, &[("task_id", &carls_task), ("comment", "Signed and sent")]).await;
    assert!(res.status().is_success(), "{}", res.status());
    let res = app.call::<CompleteTask>(&carl, &[("task_id", &carls_task), ("comment", "")]).await;
    let (status, error) = error_of(res).await;
    assert_eq!(status, 409);
    assert_eq!(error.general(&[]).as_deref(), Some("This task is already complete."));
    let list: ProjectTasks =
        app.call::<LoadProjectTasks>(&staff, &[("project_id", &project.to_string())]).await.decoded().await;
    assert_eq!(list.open, 1);
    let done = list.tasks.iter().find(|t| t.title == hostile).unwrap();
    assert_eq!(done.completed_by_name.as_deref(), Some("Carl"));
    assert_eq!(done.completion_comment.as_deref(), Some("Signed and sent"));
    assert!(!done.overdue, "a completed task is not overdue");
    assert_eq!(app.audit_events("task.completed").await.len(), 1);

    // Permissions come from the client's profile: without Complete tasks, Cleo sees but cannot
    // complete; without View tasks she sees nothing and completing is not found.
    let org =
        client::Entity::find().filter(client::Column::Email.eq("cleo@client.test")).one(db).await.unwrap().unwrap();
    let view_only = client_profile::ActiveModel {
        org_id: Set(org.org_id),
        name: Set("View only".into()),
        permissions: Set(Permissions::default().with(Permission::ViewTasks).keys()),
        is_default: Set(false),
        created_at: Set(chrono::Utc::now()),
        ..Default::default()
    }
    .insert(db)
    .await
    .unwrap();
    let mut cleo_row: client::ActiveModel = org.clone().into();
    cleo_row.profile_id = Set(Some(view_only.id));
    cleo_row.update(db).await.unwrap();
    let shared = cleos.tasks[0].id.to_string();
    let page = portal_page(&app, &cleo, project).await;
    assert!(page.permissions.allows(Permission::ViewTasks) && !page.permissions.allows(Permission::CompleteTasks));
    assert_eq!(titles(&page), ["Upload your receipts"]);
    let res = app.call::<CompleteTask>(&cleo, &[("task_id", &shared), ("comment", "")]).await;
    assert_eq!(error_of(res).await.0, 403);
    let mut none = client_profile::ActiveModel::from(view_only);
    none.permissions = Set(String::new());
    none.update(db).await.unwrap();
    let page = portal_page(&app, &cleo, project).await;
    assert!(page.tasks.is_empty() && page.open == 0);
    let res = app.call::<CompleteTask>(&cleo, &[("task_id", &shared), ("comment", "")]).await;
    assert_eq!(error_of(res).await.0, 404);
    let home: PortalHome = app.call::<LoadPortalHome>(&cleo, &[]).await.decoded().await;
    assert_eq!(home.projects[0].open_tasks, 0);
    assert!(task::Entity::find().filter(task::Column::CompletedAt.is_not_null()).count(db).await.unwrap() == 1);

    // Another organization's staff: the project and its tasks are not found; its client cannot
    // complete ours.
    let bob = app.owner("Beta", "bob@beta.test").await;
    let res = app.call::<LoadProjectTasks>(&bob, &[("project_id", &project.to_string())]).await;
    assert_eq!(error_of(res).await.0, 404);
    let res = create(&app, &bob, project, &[("title", "Smuggled")]).await;
    assert_eq!(error_of(res).await.0, 404);
    let bobs = app.create_project(&bob, "Beta work").await;
    assert!(app.invite(&bob, bobs, "Bea", "bea@client.test").await.status().is_success());
    let bea = app.accept(&app.invitation_link("bea@client.test").await, "bea@client.test").await;
    let res = app.call::<CompleteTask>(&bea, &[("task_id", &shared), ("comment", "")]).await;
    assert_eq!(error_of(res).await.0, 404);
    let res = app.call::<LoadPortalProject>(&bea, &[("project_id", &project.to_string())]).await;
    assert_eq!(error_of(res).await.0, 404);
    // Staff calling the client's functions and clients calling staff's: refused.
    let res = app.call::<CompleteTask>(&staff, &[("task_id", &shared), ("comment", "")]).await;
    assert_eq!(error_of(res).await.0, 401);
    let res = app.call::<LoadProjectTasks>(&carl, &[("project_id", &project.to_string())]).await;
    assert_eq!(error_of(res).await.0, 401);
    assert_eq!(task::Entity::find().filter(task::Column::CompletedAt.is_not_null()).count(db).await.unwrap(), 1);

    // Deleting Carl takes his tasks with him: none becomes a task "for every client".
    let res = create(&app, &staff, project, &[("title", "Private to Carl"), ("assignee", "carl@client.test")]).await;
    assert!(res.status().is_success());
    let carl_id =
        client::Entity::find().filter(client::Column::Email.eq("carl@client.test")).one(db).await.unwrap().unwrap().id;
    let res = app.call::<DeleteClient>(&staff, &[("client_id", &carl_id.to_string())]).await;
    assert!(res.status().is_success(), "{}", res.status());
    let mut all = client_profile::ActiveModel::from(
        client_profile::Entity::find()
            .filter(client_profile::Column::Name.eq("View only"))
            .one(db)
            .await
            .unwrap()
            .unwrap(),
    );
    all.permissions = Set(Permissions::DEFAULT_PROFILE.keys());
    all.update(db).await.unwrap();
    let page = portal_page(&app, &cleo, project).await;
    assert_eq!(titles(&page), ["Upload your receipts"], "Carl's tasks are gone, not shared");
    assert_eq!(task::Entity::find().filter(task::Column::AssigneeId.is_null()).count(db).await.unwrap(), 2);
}

/// Assigning a task to a client who cannot get in yet invites them with one email that names
/// the task; "Add new client" creates the client on the project first; a client already
/// invited or active gets no second email.
async fn assigning_a_task_invites(backend: Backend) {
    let Some(app) = spawn_app(backend).await else {
        eprintln!("PORTICO_TEST_POSTGRES_URL not set: skipped");
        return;
    };
    let db = &app.state.portico.db;
    let staff = app.owner("Assign Co", "owner@assign.test").await;
    let project = app.create_project(&staff, "Audit").await;

    // A new email without a name: refused, nothing created.
    let res =
        create(&app, &staff, project, &[("title", "Send the bank letters"), ("assignee", "nia@client.test")]).await;
    let (status, error) = error_of(res).await;
    assert_eq!(status, 422);
    assert_eq!(
        error.for_field("assignee").as_deref(),
        Some("No client of this project has this email. Use Add new client to add them, or leave it empty.")
    );
    // A name without an email: refused.
    let res = create(&app, &staff, project, &[("title", "Send the bank letters"), ("new_client_name", "Nia")]).await;
    assert_eq!(error_of(res).await.1.for_field("assignee").as_deref(), Some("Enter the new client's email address."));
    assert_eq!(client::Entity::find().count(db).await.unwrap(), 0);
    assert_eq!(task::Entity::find().count(db).await.unwrap(), 0);

    // Add new client: created, on the project, assigned, and invited by exactly one email
    // that names the task and its due date.
    let res = create(
        &app,
        &staff,
        project,
        &[
            ("title", "Send the bank letters"),
            ("due_on", "2031-03-15"),
            ("assignee", "Nia@Client.test"),
            ("new_client_name", "Nia Novak"),
        ],
    )
    .await;
    assert!(res.status().is_success(), "{}", res.status());
    let mail = app.wait_for_mail("nia@client.test", 1).await;
    assert_eq!(mail.len(), 1, "one email");
    assert_eq!(mail[0].subject, "Olivia Owner invited you to Audit: Send the bank letters");
    let body = &mail[0].body_text;
    assert!(body.contains("asked you to:\n- Send the bank letters (due 15 March 2031)\nYou will find it"), "{body}");
    assert!(body.contains("/invite/"), "{body}");
    // A second task for Nia while her invitation is pending: no second email.
    let res = create(
        &app,
        &staff,
        project,
        &[("title", "Sign the letter of representation"), ("assignee", "nia@client.test")],
    )
    .await;
    assert!(res.status().is_success(), "{}", res.status());
    tokio::time::sleep(std::time::Duration::from_millis(300)).await;
    assert_eq!(app.mail_to("nia@client.test").await.len(), 1, "still one email");
    // She accepts and sees both tasks; a third task for an active client sends nothing.
    let nia = app.accept(&app.invitation_link("nia@client.test").await, "nia@client.test").await;
    let mails_after_accepting = app.mail_to("nia@client.test").await.len();
    let res = create(&app, &staff, project, &[("title", "Approve the draft"), ("assignee", "nia@client.test")]).await;
    assert!(res.status().is_success());
    tokio::time::sleep(std::time::Duration::from_millis(300)).await;
    assert_eq!(
        app.mail_to("nia@client.test").await.len(),
        mails_after_accepting,
        "an active client is not invited again"
    );
    let page = portal_page(&app, &nia, project).await;
    assert_eq!(titles(&page), ["Send the bank letters", "Approve the draft", "Sign the letter of representation"]);
    // Add new client with the email of a contact of another project: that contact, not a copy.
    let other = app.create_project(&staff, "Payroll").await;
    let res = create(
        &app,
        &staff,
        other,
        &[("title", "Payroll forms"), ("assignee", "nia@client.test"), ("new_client_name", "Someone Else")],
    )
    .await;
    assert!(res.status().is_success());
    assert_eq!(client::Entity::find().count(db).await.unwrap(), 1);
    let nia_row = client::Entity::find().one(db).await.unwrap().unwrap();
    assert_eq!(nia_row.email, "nia@client.test");
    assert_eq!(nia_row.name, "Nia Novak");
    assert_eq!(
        app.wait_for_mail("nia@client.test", mails_after_accepting + 1).await.len(),
        mails_after_accepting + 1,
        "invited to Payroll: one email"
    );
    // A client whose invitation staff cancelled is not invited again by a task.
    let res = create(
        &app,
        &staff,
        project,
        &[("title", "Call us"), ("assignee", "Zed@client.test"), ("new_client_name", "Zed")],
    )
    .await;
    assert!(res.status().is_success());
    assert_eq!(app.wait_for_mail("zed@client.test", 1).await.len(), 1);
    let zed_invitation = app.invitation_of("zed@client.test").await.id.to_string();
    let res = app.call::<CancelInvite>(&staff, &[("invitation_id", &zed_invitation)]).await;
    assert!(res.status().is_success(), "{}", res.status());
    let res = create(&app, &staff, project, &[("title", "Call us again"), ("assignee", "zed@client.test")]).await;
    assert!(res.status().is_success());
    tokio::time::sleep(std::time::Duration::from_millis(300)).await;
    let zed_mail: Vec<String> = app.mail_to("zed@client.test").await.into_iter().map(|m| m.subject).collect();
    assert_eq!(zed_mail.len(), 1, "a cancelled invitation stays cancelled: {zed_mail:?}");
    let events = app.audit_events("task.created").await;
    assert_eq!(events.len(), 6);
    assert_eq!(events.iter().filter(|e| e.detail.contains("who was invited by an email naming it")).count(), 3);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn assigning_a_task_invites_on_sqlite() {
    assigning_a_task_invites(Backend::Sqlite).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn assigning_a_task_invites_on_postgres() {
    assigning_a_task_invites(Backend::Postgres).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn tasks_end_to_end_on_sqlite() {
    tasks_end_to_end(Backend::Sqlite).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn tasks_end_to_end_on_postgres() {
    tasks_end_to_end(Backend::Postgres).await;
}

/// "Complete" posted as the project's page does: the comment and, when there is one, a file.
async fn complete_form(
    app: &TestApp,
    who: &reqwest::Client,
    task: i64,
    project: i64,
    comment: &str,
    file: Option<(&str, &[u8])>,
) -> reqwest::Response {
    let form =
        reqwest::multipart::Form::new().text("project_id", project.to_string()).text("comment", comment.to_string());
    let form = match file {
        Some((name, bytes)) => {
            form.part("file", reqwest::multipart::Part::bytes(bytes.to_vec()).file_name(name.to_string()))
        }
        // A browser sends the part empty when no file was chosen.
        None => form.part("file", reqwest::multipart::Part::bytes(Vec::new()).file_name("")),
    };
    who.post(app.url(&format!("/portal/tasks/{task}/complete")))
        .header("origin", app.url(""))
        .multipart(form)
        .send()
        .await
        .unwrap()
}

fn location(res: &reqwest::Response) -> String {
    assert_eq!(res.status(), 303, "{:?}", res.headers());
    res.headers()["location"].to_str().unwrap().to_string()
}

/// A client completes a task with a file: judged like a document, kept with the task, seen by
/// staff and by the client who sent it, by nobody else.
async fn completing_with_a_file(backend: Backend) {
    use crate::documents::PDF;
    let Some(app) = spawn_app(backend).await else {
        eprintln!("PORTICO_TEST_POSTGRES_URL not set: skipped");
        return;
    };
    let db = &app.state.portico.db;
    let staff = app.owner("Files & Tasks", "owner@ft.test").await;
    let project = app.create_project(&staff, "Year end").await;
    for (name, email) in [("Carl", "carl@client.test"), ("Cleo", "cleo@client.test")] {
        assert!(app.invite(&staff, project, name, email).await.status().is_success());
    }
    let carl = app.accept(&app.invitation_link("carl@client.test").await, "carl@client.test").await;
    let cleo = app.accept(&app.invitation_link("cleo@client.test").await, "cleo@client.test").await;
    for (title, assignee) in [("Sign the letter", "carl@client.test"), ("Send receipts", "")] {
        assert!(create(&app, &staff, project, &[("title", title), ("assignee", assignee)]).await.status().is_success());
    }
    let id_of = |title: &'static str| async move {
        task::Entity::find().filter(task::Column::Title.eq(title)).one(db).await.unwrap().unwrap().id
    };
    let (letter, receipts) = (id_of("Sign the letter").await, id_of("Send receipts").await);
    let tasks_dir = app.state.portico.files.join("tasks");

    // Refused: a program, a `.pdf` that is not one, a comment too long; the task stays open,
    // and the comment comes back as typed (cut to what the box holds), never lost.
    let long = "x".repeat(2_001);
    for (file, comment, key, typed) in [
        (
            Some(("setup.exe", b"MZ\x90\0".as_slice())),
            "Signé & sent?",
            "file_not_accepted",
            "&comment=Sign%C3%A9+%26+sent%3F".to_string(),
        ),
        (Some(("Signed.pdf", b"words".as_slice())), "", "file_not_pdf", String::new()),
        (None, &*long, "comment", format!("&comment={}", &long[..2_000])),
        // Too long for an address once encoded (6 KB): not carried, rather than a refused address.
        (Some(("setup.exe", b"MZ\x90\0".as_slice())), &*"ж".repeat(1_000), "file_not_accepted", String::new()),
    ] {
        let res = complete_form(&app, &carl, letter, project, comment, file).await;
        assert_eq!(
            location(&res),
            format!("/portal/projects/{project}?complete_problem={key}&task={letter}{typed}#task-{letter}-title")
        );
    }
    // The page puts it back in the comment box as text: a crafted address cannot close the box
    // and add markup (tachys leaves a textarea's children unescaped: `textarea_text`).
    let hostile = "</textarea><meta http-equiv=\"refresh\" content=\"0;url=https://evil.example\"><b>";
    let query: String = url::form_urlencoded::byte_serialize(hostile.as_bytes()).collect();
    let page = carl
        .get(
            app.url(&format!("/portal/projects/{project}?complete_problem=file_not_pdf&task={letter}&comment={query}")),
        )
        .header("accept", "text/html")
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(!page.contains("<meta http-equiv"), "no markup from the address");
    assert!(page.contains("&lt;/textarea&gt;&lt;meta http-equiv=\"refresh\""), "the comment is back, as text");
    assert!(task::Entity::find_by_id(letter).one(db).await.unwrap().unwrap().completed_at.is_none());
    assert!(!tasks_dir.exists() || std::fs::read_dir(&tasks_dir).unwrap().count() == 0, "nothing kept");

    // Completed with a comment and a PDF: back to the Tasks card and its confirmation, the file
    // kept by number.
    let res =
        complete_form(&app, &carl, letter, project, "Signed, see attached", Some(("Signed letter.pdf", PDF))).await;
    assert_eq!(location(&res), format!("/portal/projects/{project}?completed={letter}#tasks-title"));
    let row = task::Entity::find_by_id(letter).one(db).await.unwrap().unwrap();
    assert_eq!(row.completion_file_name.as_deref(), Some("Signed letter.pdf"));
    assert_eq!(
        (row.completion_file_type.as_deref(), row.completion_file_size),
        (Some("application/pdf"), Some(PDF.len() as i64))
    );
    assert_eq!(std::fs::read(tasks_dir.join(format!("{}/{letter}", row.org_id))).unwrap(), PDF);
    let res = complete_form(&app, &carl, letter, project, "", None).await;
    assert!(location(&res).contains("complete_problem=already_complete"));

    // Cleo completes the shared task with her receipts (no comment): Carl does not get her file.
    let res =
        complete_form(&app, &cleo, receipts, project, "", Some(("receipts.csv", b"item;amount\r\ntaxi;12\r\n"))).await;
    assert!(location(&res).contains(&format!("completed={receipts}")));

    // Staff see both files and download them.
    let list: ProjectTasks =
        app.call::<LoadProjectTasks>(&staff, &[("project_id", &project.to_string())]).await.decoded().await;
    let files: Vec<_> = list.tasks.iter().map(|t| (t.id, t.completion_file.clone())).collect();
    assert!(files.contains(&(letter, Some(("Signed letter.pdf".into(), PDF.len() as u64)))), "{files:?}");
    assert!(files.contains(&(receipts, Some(("receipts.csv".into(), 22)))), "{files:?}");
    let res = staff.get(app.url(&format!("/tasks/{letter}/file"))).send().await.unwrap();
    assert_eq!(res.status(), 200);
    assert_eq!(
        res.headers()["content-disposition"],
        "attachment; filename=\"Signed letter.pdf\"; filename*=UTF-8''Signed%20letter.pdf"
    );
    assert_eq!(res.bytes().await.unwrap().as_ref(), PDF);

    // Each client sees and downloads their own file only.
    let page = portal_page(&app, &carl, project).await;
    let seen: Vec<_> = page.tasks.iter().map(|t| (t.id, t.completion_file.is_some())).collect();
    assert!(seen.contains(&(letter, true)) && seen.contains(&(receipts, false)), "{seen:?}");
    assert_eq!(carl.get(app.url(&format!("/portal/tasks/{letter}/file"))).send().await.unwrap().status(), 200);
    assert_eq!(carl.get(app.url(&format!("/portal/tasks/{receipts}/file"))).send().await.unwrap().status(), 404);
    assert_eq!(cleo.get(app.url(&format!("/portal/tasks/{receipts}/file"))).send().await.unwrap().status(), 200);
    assert_eq!(cleo.get(app.url(&format!("/portal/tasks/{letter}/file"))).send().await.unwrap().status(), 404);

    // Another organization, a client at staff's route, nobody signed in.
    let bob = app.owner("Beta", "bob@beta.test").await;
    assert_eq!(bob.get(app.url(&format!("/tasks/{letter}/file"))).send().await.unwrap().status(), 404);
    assert_eq!(carl.get(app.url(&format!("/tasks/{letter}/file"))).send().await.unwrap().status(), 401);
    let nobody = crate::common::browser();
    let res = nobody.get(app.url(&format!("/portal/tasks/{letter}/file"))).send().await.unwrap();
    assert_eq!((res.status().as_u16(), res.headers()["location"].to_str().unwrap()), (303, "/portal"));
    let res = complete_form(&app, &nobody, receipts, project, "", None).await;
    assert_eq!(location(&res), "/portal");
    // Carl deleted: his task goes with him, and the file it was completed with.
    let carl_id =
        client::Entity::find().filter(client::Column::Email.eq("carl@client.test")).one(db).await.unwrap().unwrap().id;
    let carl_file = tasks_dir.join(format!("{}/{letter}", row.org_id));
    assert!(carl_file.exists());
    let res = app.call::<DeleteClient>(&staff, &[("client_id", &carl_id.to_string()), ("notify", "false")]).await;
    assert!(res.status().is_success(), "{}", res.status());
    assert!(!carl_file.exists(), "the completion file of a deleted client's task is removed");
    assert!(tasks_dir.join(format!("{}/{receipts}", row.org_id)).exists(), "Cleo's stays");
    let events = app.audit_events("task.completed").await;
    assert!(
        events.iter().any(|e| e.detail
            == "Carl completed \"Sign the letter\" in Year end with Signed letter.pdf: Signed, see attached"),
        "{events:?}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn completing_with_a_file_on_sqlite() {
    completing_with_a_file(Backend::Sqlite).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn completing_with_a_file_on_postgres() {
    completing_with_a_file(Backend::Postgres).await;
}

/// "Assign and send": several tasks at once, one email per client listing theirs; a client who
/// cannot get in yet is invited by that email; what cannot be sent is said, task by task.
async fn assign_and_send(backend: Backend) {
    let Some(app) = spawn_app(backend).await else {
        eprintln!("PORTICO_TEST_POSTGRES_URL not set: skipped");
        return;
    };
    let db = &app.state.portico.db;
    let staff = app.owner("Send Co", "owner@send.test").await;
    let project = app.create_project(&staff, "Audit").await;
    let other = app.create_project(&staff, "Payroll").await;
    let p = project.to_string();
    assert!(app.invite(&staff, project, "Carl", "carl@client.test").await.status().is_success());
    let _carl = app.accept(&app.invitation_link("carl@client.test").await, "carl@client.test").await;
    // Nia is on the project but never invited: created with a task, her invitation cancelled
    // by nothing; she gets her invitation from Assign and send.
    let res = create(
        &app,
        &staff,
        project,
        &[("title", "Intro call"), ("assignee", "nia@client.test"), ("new_client_name", "Nia")],
    )
    .await;
    assert!(res.status().is_success());
    let nia_invites = app.wait_for_mail("nia@client.test", 1).await.len();
    for (title, due) in [("Send the bank letters", "2031-03-15"), ("Sign the letter", ""), ("Upload receipts", "")] {
        assert!(create(&app, &staff, project, &[("title", title), ("due_on", due)]).await.status().is_success());
    }
    assert!(create(&app, &staff, other, &[("title", "Payroll only")]).await.status().is_success());
    let id = |title: &'static str| async move {
        task::Entity::find().filter(task::Column::Title.eq(title)).one(db).await.unwrap().unwrap().id.to_string()
    };
    let (bank, sign, receipts, payroll) = (
        id("Send the bank letters").await,
        id("Sign the letter").await,
        id("Upload receipts").await,
        id("Payroll only").await,
    );
    let send = |ids: Vec<String>, assignee: &'static str| {
        let (app, staff, p) = (&app, &staff, p.clone());
        async move {
            let mut args: Vec<(&str, String)> = vec![("project_id", p), ("assignee", assignee.to_string())];
            args.extend(ids.into_iter().map(|i| ("task_ids[]", i)));
            let args: Vec<(&str, &str)> = args.iter().map(|(k, v)| (*k, v.as_str())).collect();
            app.call::<AssignAndSend>(staff, &args).await
        }
    };

    // Nothing chosen, someone not on the project, another project's task: refused, nothing sent.
    let (status, error) = error_of(send(vec![], "").await).await;
    assert_eq!((status, error.for_field("task_ids").as_deref()), (422, Some("Choose the tasks to send.")));
    let (status, error) = error_of(send(vec![bank.clone()], "stranger@elsewhere.test").await).await;
    assert_eq!(status, 422);
    assert!(error.for_field("assignee").is_some());
    assert_eq!(error_of(send(vec![bank.clone(), payroll.clone()], "carl@client.test").await).await.0, 404);
    assert!(app.mail_to("carl@client.test").await.iter().all(|m| m.topic != "tasks"));

    // Two tasks to Carl (who can get in): one email listing both.
    let res = send(vec![bank.clone(), sign.clone()], "CARL@client.test").await;
    assert!(res.status().is_success(), "{}", res.status());
    let sent: TasksSent = res.decoded().await;
    assert_eq!(sent, TasksSent { tasks: 2, clients: 1, invited: 0, skipped: vec![] });
    assert_eq!(sent.summary(), "Sent 2 tasks to 1 client.");
    let mail = app.wait_for_mail("carl@client.test", 3).await;
    let tasks_mail: Vec<_> = mail.iter().filter(|m| m.topic == "tasks").collect();
    assert_eq!(tasks_mail.len(), 1, "one email for both tasks");
    assert_eq!(tasks_mail[0].subject, "Olivia Owner sent you 2 tasks in Audit");
    let body = &tasks_mail[0].body_text;
    assert!(body.contains("- Send the bank letters (due 15 March 2031)\n- Sign the letter\n"), "{body}");
    assert!(body.contains(&format!("/portal/projects/{project}")), "{body}");
    let page = portal_page(&app, &_carl, project).await;
    assert_eq!(page.tasks.iter().filter(|t| t.assignee_name.as_deref() == Some("Carl")).count(), 2);

    // Each keeps its assignee: Carl's task goes; Nia has not accepted her invitation yet (it
    // is not sent again, nor a link she cannot use yet); one for nobody: each left with why.
    let intro = id("Intro call").await;
    let res = send(vec![sign.clone(), receipts.clone(), intro.clone()], "").await;
    let sent: TasksSent = res.decoded().await;
    assert_eq!((sent.tasks, sent.clients), (1, 1));
    assert_eq!(
        sent.skipped,
        vec![
            ("Upload receipts".to_string(), "Not assigned to anyone: choose whom to assign it to.".to_string()),
            (
                "Intro call".to_string(),
                "Nia has not accepted their invitation yet: they will find it in the portal once they do.".to_string()
            ),
        ]
    );
    tokio::time::sleep(std::time::Duration::from_millis(300)).await;
    assert_eq!(app.mail_to("nia@client.test").await.len(), nia_invites, "nothing more for Nia");
    assert_eq!(app.wait_for_mail("carl@client.test", 4).await.len(), 4, "Carl's second tasks email");
    // A client whose permissions in the project hide tasks gets nothing either.
    let carl_id =
        client::Entity::find().filter(client::Column::Email.eq("carl@client.test")).one(db).await.unwrap().unwrap().id;
    {
        use portico_core::entities::project_client;
        project_client::Entity::update_many()
            .col_expr(project_client::Column::Permissions, sea_orm::sea_query::Expr::value(Some("view_updates")))
            .filter(project_client::Column::ClientId.eq(carl_id))
            .exec(db)
            .await
            .unwrap();
    }
    let sent: TasksSent = send(vec![sign.clone()], "").await.decoded().await;
    assert_eq!(
        sent.skipped,
        vec![("Sign the letter".to_string(), "Carl's permissions in this project do not show tasks.".to_string())]
    );
    // Nor can a new task be given to him: refused at the field, nothing made or sent.
    let tasks_before = task::Entity::find().count(db).await.unwrap();
    let mail_before = app.mail_to("carl@client.test").await.len();
    let (status, error) = error_of(
        create(&app, &staff, project, &[("title", "Hidden from Carl"), ("assignee", "carl@client.test")]).await,
    )
    .await;
    assert_eq!(status, 422);
    assert!(error.for_field("assignee").is_some_and(|m| m.contains("do not show tasks")), "{error:?}");
    assert_eq!(task::Entity::find().count(db).await.unwrap(), tasks_before);
    assert_eq!(app.mail_to("carl@client.test").await.len(), mail_before);

    // A completed task and a deactivated client's: left, each with its reason.
    task::Entity::update_many()
        .col_expr(task::Column::CompletedAt, sea_orm::sea_query::Expr::value(Some(chrono::Utc::now())))
        .filter(task::Column::Id.eq(bank.parse::<i64>().unwrap()))
        .exec(db)
        .await
        .unwrap();
    let res = send(vec![bank.clone()], "").await;
    let sent: TasksSent = res.decoded().await;
    assert_eq!(sent.summary(), "Nothing was sent. Not sent: “Send the bank letters”: Already completed.");

    // Another organization and a client: nothing.
    let bob = app.owner("Beta", "bob@beta.test").await;
    let args = [("project_id", p.as_str()), ("task_ids[]", sign.as_str()), ("assignee", "")];
    assert_eq!(error_of(app.call::<AssignAndSend>(&bob, &args).await).await.0, 404);
    assert_eq!(error_of(app.call::<AssignAndSend>(&_carl, &args).await).await.0, 401);
    assert_eq!(app.audit_events("tasks.sent").await.len(), 2);
    // Both tasks were for every client before they were Carl's: their reassignment is on the trail.
    let assigned = app.audit_events("task.assigned").await;
    assert_eq!(assigned.len(), 2);
    assert!(assigned[0].detail.ends_with("to Carl (was for every client of the project)"), "{}", assigned[0].detail);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn assign_and_send_on_sqlite() {
    assign_and_send(Backend::Sqlite).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn assign_and_send_on_postgres() {
    assign_and_send(Backend::Postgres).await;
}
