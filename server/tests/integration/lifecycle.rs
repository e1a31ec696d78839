//! The complete invitation lifecycle: settings, magic links, login emails (one and many),
//! resend cooldown, lock and unlock, requests for a new link, notifications, the timeline.

use chrono::{Duration, Utc};
use portico_app::{
    client_access::{ContinueLink, RequestNewLink, VerifyCode},
    clients::LoadClient,
    dashboard::{ApproveLinkRequest, LoadDashboard},
    error::AppError,
    invitations::{LoadPortalAccess, ResendInvite, UnlockInvite},
    login_links::{GenerateMagicLink, SendLoginEmail},
    notifications::{LoadNotifications, MarkAllNotificationsRead, MarkNotificationRead, SetNotificationEmail},
    settings::SaveSettings,
};
use portico_core::{
    entities::{invitation, link_request, notification, sign_in_link},
    model::{AccessStatus, ClientPage, Dashboard, LoginEmailReport, MagicLink, Notifications},
};
use sea_orm::{ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter};

use crate::common::{Answer, Backend, TestApp, browser, error_of, link_in, sets_cookie, spawn_app};

fn settings(days: &str, minutes: &str, cooldown: &str, sign_in: &str) -> Vec<(&'static str, String)> {
    vec![
        ("invitation_expiry_days", days.into()),
        ("magic_link_minutes", minutes.into()),
        ("reinvite_cooldown", cooldown.into()),
        ("client_sign_in", sign_in.into()),
    ]
}

async fn save_settings(app: &TestApp, staff: &reqwest::Client, form: Vec<(&'static str, String)>) -> reqwest::Response {
    let pairs: Vec<(&str, &str)> = form.iter().map(|(k, v)| (*k, v.as_str())).collect();
    app.call::<SaveSettings>(staff, &pairs).await
}

async fn client_id(app: &TestApp, email: &str) -> i64 {
    app.invitation_of(email).await.client_id
}

async fn expire(app: &TestApp, inv: invitation::Model) {
    app.expire(inv).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_settings_change_applies_to_new_invitations_and_leaves_sent_ones_alone() {
    let app = spawn_app(Backend::Sqlite).await.unwrap();
    let staff = app.owner("Settings Co", "owner@settings.test").await;
    let project = app.create_project(&staff, "Audit").await;
    assert!(app.invite(&staff, project, "Early", "early@client.test").await.status().is_success());

    for (form, field) in [
        (settings("0", "15", "none", "code"), "invitation_expiry_days"),
        (settings("31", "15", "none", "code"), "invitation_expiry_days"),
        (settings("seven", "15", "none", "code"), "invitation_expiry_days"),
        (settings("7", "4", "none", "code"), "magic_link_minutes"),
        (settings("7", "61", "none", "code"), "magic_link_minutes"),
        (settings("7", "15", "2h", "code"), "reinvite_cooldown"),
        (settings("7", "15", "none", "sms"), "client_sign_in"),
    ] {
        let (status, e) = error_of(save_settings(&app, &staff, form).await).await;
        assert_eq!(status, 422);
        assert!(e.for_field(field).is_some(), "{field}: {e:?}");
    }
    assert!(save_settings(&app, &staff, settings("3", "20", "1h", "code")).await.status().is_success());
    assert!(app.invite(&staff, project, "Later", "later@client.test").await.status().is_success());

    let early = app.invitation_of("early@client.test").await;
    let later = app.invitation_of("later@client.test").await;
    let days = |inv: &invitation::Model| (inv.expires_at - inv.created_at).num_hours();
    assert_eq!(days(&early), 7 * 24, "the earlier invitation keeps its expiry");
    assert_eq!(days(&later), 3 * 24);
    let mail = app.wait_for_mail("later@client.test", 1).await;
    let expires_on = later.expires_at.format("%-d %B %Y").to_string();
    assert!(mail[0].body_text.contains(&expires_on), "the email names the new expiry");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_magic_link_shows_a_continue_page_signs_in_once_and_expires() {
    let app = spawn_app(Backend::Sqlite).await.unwrap();
    let staff = app.owner("Magic Co", "owner@magic.test").await;
    let project = app.create_project(&staff, "Garden").await;
    app.invite(&staff, project, "Mia", "mia@client.test").await;
    let id = client_id(&app, "mia@client.test").await.to_string();

    let res = app.call::<GenerateMagicLink>(&staff, &[("client_id", &id)]).await;
    assert!(res.status().is_success());
    let magic: MagicLink = res.decoded().await;
    assert_eq!(magic.minutes, 15);
    let path = magic.url.trim_start_matches("http://portal.test").to_string();
    let token = path.trim_start_matches("/sign-in-link/").to_string();
    assert_eq!(app.audit_events("magic_link.generated").await.len(), 1, "generating is logged");

    // Mail scanners: GET and HEAD change nothing and set no cookie.
    let client = browser();
    for _ in 0..3 {
        let page = client.get(app.url(&path)).send().await.unwrap();
        assert!(!sets_cookie(&page));
        let html = page.text().await.unwrap();
        assert!(html.contains("Sign in to Magic Co") && html.contains("Continue to sign in to your client portal"));
        assert!(!sets_cookie(&client.head(app.url(&path)).send().await.unwrap()));
    }
    let link = sign_in_link::Entity::find().one(&app.state.portico.db).await.unwrap().unwrap();
    assert!(link.used_at.is_none());

    let res = app.call::<ContinueLink>(&client, &[("kind", "SignIn"), ("token", &token)]).await;
    assert!(res.status().is_success() || res.status().is_redirection());
    let portal = client.get(app.url("/portal")).send().await.unwrap();
    assert_eq!(portal.status(), 200, "signed in without a code");
    assert!(portal.text().await.unwrap().contains("Welcome, Mia"));

    let (status, e) =
        error_of(app.call::<ContinueLink>(&browser(), &[("kind", "SignIn"), ("token", &token)]).await).await;
    assert_eq!((status, e), (404, AppError::NotFound), "single use");

    // A fresh link that outlived its minutes is dead.
    let res = app.call::<GenerateMagicLink>(&staff, &[("client_id", &id)]).await;
    let magic: MagicLink = res.decoded().await;
    let token = magic.url.rsplit('/').next().unwrap().to_string();
    sign_in_link::Entity::update_many()
        .col_expr(sign_in_link::Column::ExpiresAt, sea_orm::sea_query::Expr::value(Utc::now() - Duration::seconds(1)))
        .filter(sign_in_link::Column::UsedAt.is_null())
        .exec(&app.state.portico.db)
        .await
        .unwrap();
    let (status, _) =
        error_of(app.call::<ContinueLink>(&browser(), &[("kind", "SignIn"), ("token", &token)]).await).await;
    assert_eq!(status, 404);
}

/// An invitee holding invitations to two projects signs in with a magic link: both are
/// accepted in one transaction, and the organization counts them once, as Active.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_magic_link_accepting_two_invitations_counts_the_client_once() {
    let app = spawn_app(Backend::Sqlite).await.unwrap();
    let staff = app.owner("Twice Co", "owner@twice.test").await;
    for name in ["Garden", "Orchard"] {
        let project = app.create_project(&staff, name).await;
        assert!(app.invite(&staff, project, "Mia", "mia@twice.test").await.status().is_success());
    }
    let id = client_id(&app, "mia@twice.test").await.to_string();
    let magic: MagicLink = app.call::<GenerateMagicLink>(&staff, &[("client_id", &id)]).await.decoded().await;
    let token = magic.url.rsplit('/').next().unwrap().to_string();
    let res = app.call::<ContinueLink>(&browser(), &[("kind", "SignIn"), ("token", &token)]).await;
    assert!(res.status().is_success() || res.status().is_redirection(), "{}", res.status());
    let accepted = invitation::Entity::find()
        .filter(invitation::Column::Status.eq("accepted"))
        .count(&app.state.portico.db)
        .await
        .unwrap();
    assert_eq!(accepted, 2, "both invitations accepted");
    let org = app.state.portico.db.clone();
    let org_id = invitation::Entity::find().one(&org).await.unwrap().unwrap().org_id;
    let counts = portico_core::access::counts(&org, org_id, portico_core::access::ORGANIZATION).await.unwrap();
    assert_eq!(
        (counts.get(&AccessStatus::Active).copied(), counts.get(&AccessStatus::Invited).copied().unwrap_or(0)),
        (Some(1), 0),
        "one client, Active once: {counts:?}"
    );
    let drift = portico_core::access::check(&app.state.portico, false).await.unwrap();
    assert!(drift.is_empty(), "{drift:#?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn login_email_goes_to_many_selected_clients_and_each_signs_in_with_one_click() {
    let app = spawn_app(Backend::Sqlite).await.unwrap();
    let staff = app.owner("Bulk Co", "owner@bulk.test").await;
    let project = app.create_project(&staff, "Roof").await;
    let emails = ["ann@client.test", "ben@client.test", "cat@client.test"];
    for (i, email) in emails.iter().enumerate() {
        app.invite(&staff, project, &format!("Client {i}"), email).await;
    }
    let mut ids = Vec::new();
    for email in emails {
        ids.push(client_id(&app, email).await.to_string());
    }
    let form: Vec<(String, &str)> =
        ids.iter().enumerate().map(|(i, id)| (format!("client_ids[{i}]"), id.as_str())).collect();
    let pairs: Vec<(&str, &str)> = form.iter().map(|(k, v)| (k.as_str(), *v)).collect();
    let res = app.call::<SendLoginEmail>(&staff, &pairs).await;
    assert!(res.status().is_success(), "{}", res.status());
    let report: LoginEmailReport = res.decoded().await;
    assert_eq!(report.sent, 3);
    assert_eq!(report.summary(), "Login emails sent to 3 clients");

    for email in emails {
        let mail = app.wait_for_mail(email, 2).await;
        let login = mail.iter().find(|m| m.topic == "login_email").expect("a login email");
        assert!(login.body_html.contains("Sign in to the portal"));
        let path = link_in(&login.body_text, "/sign-in-link/");
        let client = browser();
        let token = path.trim_start_matches("/sign-in-link/");
        assert!(!sets_cookie(&client.get(app.url(&path)).send().await.unwrap()));
        app.call::<ContinueLink>(&client, &[("kind", "SignIn"), ("token", token)]).await;
        assert_eq!(client.get(app.url("/portal")).send().await.unwrap().status(), 200, "{email} is signed in");
    }

    // Another organization's client in the selection: nothing is sent at all.
    let other = app.owner("Other Co", "owner@other.test").await;
    let other_project = app.create_project(&other, "Theirs").await;
    app.invite(&other, other_project, "Zed", "zed@client.test").await;
    let zed = client_id(&app, "zed@client.test").await.to_string();
    let before = app.mail_to("ann@client.test").await.len();
    let res = app
        .call::<SendLoginEmail>(&staff, &[("client_ids[0]", ids[0].as_str()), ("client_ids[1]", zed.as_str())])
        .await;
    assert_eq!(res.status(), 404);
    assert_eq!(app.mail_to("ann@client.test").await.len(), before);
    assert_eq!(app.mail_to("zed@client.test").await.len(), 1, "only Zed's own invitation");

    // Per target address: a fourth login email within the hour is refused with a clear 429.
    for _ in 0..2 {
        assert!(app.call::<SendLoginEmail>(&staff, &[("client_ids[0]", ids[0].as_str())]).await.status().is_success());
    }
    let (status, e) = error_of(app.call::<SendLoginEmail>(&staff, &[("client_ids[0]", ids[0].as_str())]).await).await;
    assert_eq!(status, 429);
    assert!(e.to_string().contains("login emails in the last hour"), "{e}");

    let (status, e) = error_of(app.call::<SendLoginEmail>(&staff, &[]).await).await;
    assert_eq!(status, 422, "{e:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn resend_respects_the_cooldown_and_says_when_it_is_available() {
    let app = spawn_app(Backend::Sqlite).await.unwrap();
    let staff = app.owner("Cool Co", "owner@cool.test").await;
    assert!(save_settings(&app, &staff, settings("7", "15", "24h", "code")).await.status().is_success());
    let project = app.create_project(&staff, "Deck").await;
    app.invite(&staff, project, "Dee", "dee@client.test").await;
    let inv = app.invitation_of("dee@client.test").await;

    let (status, e) = error_of(app.call::<ResendInvite>(&staff, &[("invitation_id", &inv.id.to_string())]).await).await;
    assert_eq!(status, 429);
    assert!(e.to_string().starts_with("You can resend this invitation after"), "{e}");
    let access: portico_app::invitations::PortalAccess =
        app.call::<LoadPortalAccess>(&staff, &[("project_id", &project.to_string())]).await.decoded().await;
    let row = &access.page.rows[0];
    assert!(row.resend_available.as_deref().unwrap().starts_with("Resend available"), "{row:?}");

    // After expiry the cooldown no longer holds, and the resend carries a new link.
    let old_link = app.invitation_link("dee@client.test").await;
    expire(&app, inv.clone()).await;
    assert!(app.call::<ResendInvite>(&staff, &[("invitation_id", &inv.id.to_string())]).await.status().is_success());
    app.wait_for_mail("dee@client.test", 2).await;
    let new_link = app.invitation_link("dee@client.test").await;
    assert_ne!(old_link, new_link);
    assert_eq!(browser().get(app.url(&old_link)).send().await.unwrap().status(), 404, "the old link is dead");
    assert_eq!(browser().get(app.url(&new_link)).send().await.unwrap().status(), 200);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ten_failures_lock_the_invitation_notify_the_team_once_and_staff_can_unlock() {
    let app = spawn_app(Backend::Sqlite).await.unwrap();
    let staff = app.owner("Lock Co", "owner@lock.test").await;
    let project = app.create_project(&staff, "Vault").await;
    app.invite(&staff, project, "Lou", "lou@client.test").await;
    let link = app.invitation_link("lou@client.test").await;
    let token = link.trim_start_matches("/invite/");
    let client = browser();
    for round in 0..2 {
        app.call::<ContinueLink>(&client, &[("kind", "Invitation"), ("token", token)]).await;
        app.wait_for_mail("lou@client.test", 2 + round).await;
        let code = app.latest_code("lou@client.test").await;
        let wrong = if code == "000000" { "111111" } else { "000000" };
        for _ in 0..5 {
            app.call::<VerifyCode>(&client, &[("code", wrong)]).await;
        }
    }
    let inv = app.invitation_of("lou@client.test").await;
    assert!(inv.locked_at.is_some());
    let locked = notification::Entity::find()
        .filter(notification::Column::Kind.eq("verification.locked"))
        .count(&app.state.portico.db)
        .await
        .unwrap();
    assert_eq!(locked, 1, "the team is told exactly once");
    let team_mail = app.wait_for_mail("owner@lock.test", 1).await;
    assert_eq!(team_mail.iter().filter(|m| m.subject.contains("failed verification")).count(), 1);

    let access: portico_app::invitations::PortalAccess =
        app.call::<LoadPortalAccess>(&staff, &[("project_id", &project.to_string())]).await.decoded().await;
    assert_eq!(access.page.rows[0].status, AccessStatus::Locked);
    assert_eq!(AccessStatus::Locked.label(), "Locked");
    let locked_page = browser().get(app.url(&link)).send().await.unwrap().text().await.unwrap();
    assert!(locked_page.contains("This invitation is locked"), "a locked link says so");
    assert!(!locked_page.contains(">Continue<"), "and offers nothing that cannot work");

    assert!(app.call::<UnlockInvite>(&staff, &[("invitation_id", &inv.id.to_string())]).await.status().is_success());
    let client = app.accept(&link, "lou@client.test").await;
    assert_eq!(client.get(app.url("/portal")).send().await.unwrap().status(), 200);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_expired_link_can_request_a_new_one_which_staff_approve_in_one_click() {
    let app = spawn_app(Backend::Sqlite).await.unwrap();
    let staff = app.owner("Request Co", "owner@request.test").await;
    let project = app.create_project(&staff, "Pool").await;
    app.invite(&staff, project, "Rae", "rae@client.test").await;
    let link = app.invitation_link("rae@client.test").await;
    expire(&app, app.invitation_of("rae@client.test").await).await;

    let page = browser().get(app.url(&link)).send().await.unwrap().text().await.unwrap();
    assert!(page.contains("Request a new link"));
    let unknown_page =
        browser().get(app.url(&format!("/invite/{}", "B".repeat(43)))).send().await.unwrap().text().await.unwrap();
    assert!(unknown_page.contains("Request a new link"), "unknown links offer the same");

    let token = link.trim_start_matches("/invite/");
    let expired = app.call::<RequestNewLink>(&browser(), &[("kind", "Invitation"), ("token", token)]).await;
    let unknown = app.call::<RequestNewLink>(&browser(), &[("kind", "Invitation"), ("token", &"B".repeat(43))]).await;
    // The page says only what is true: the team was told for the expired invitation only. (Only
    // the holder of a 256-bit link sees the difference; the link pages themselves are one page.)
    assert!(expired.decoded::<bool>().await);
    assert!(!unknown.decoded::<bool>().await);
    // Asking again adds nothing.
    app.call::<RequestNewLink>(&browser(), &[("kind", "Invitation"), ("token", token)]).await;
    assert_eq!(link_request::Entity::find().count(&app.state.portico.db).await.unwrap(), 1);
    let bell: Notifications = app.call::<LoadNotifications>(&staff, &[]).await.decoded().await;
    assert_eq!(bell.unread, 1);
    assert!(bell.items[0].title.contains("asked for a new invitation link"));

    let dash: Dashboard = app.call::<LoadDashboard>(&staff, &[]).await.decoded().await;
    assert_eq!(dash.link_requests.len(), 1);
    let id = dash.link_requests[0].id.to_string();
    assert!(app.call::<ApproveLinkRequest>(&staff, &[("id", &id)]).await.status().is_success());
    let dash: Dashboard = app.call::<LoadDashboard>(&staff, &[]).await.decoded().await;
    assert!(dash.link_requests.is_empty());
    app.wait_for_mail("rae@client.test", 2).await;
    let new_link = app.invitation_link("rae@client.test").await;
    assert_ne!(new_link, link);
    app.accept(&new_link, "rae@client.test").await;
    let (status, _) = error_of(app.call::<ApproveLinkRequest>(&staff, &[("id", &id)]).await).await;
    assert_eq!(status, 409, "approving twice sends nothing more");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn acceptance_rings_the_bell_and_emails_the_inviter_unless_turned_off() {
    let app = spawn_app(Backend::Sqlite).await.unwrap();
    let staff = app.owner("Bell Co", "owner@bell.test").await;
    let project = app.create_project(&staff, "Porch").await;
    app.invite(&staff, project, "Bea", "bea@client.test").await;
    let link = app.invitation_link("bea@client.test").await;
    app.accept(&link, "bea@client.test").await;

    let bell: Notifications = app.call::<LoadNotifications>(&staff, &[]).await.decoded().await;
    assert_eq!(bell.unread, 1);
    assert_eq!(bell.items[0].title, "Bea accepted your invitation");
    let mail = app.wait_for_mail("owner@bell.test", 1).await;
    assert!(mail.iter().any(|m| m.subject == "Bea accepted your invitation"));

    let id = bell.items[0].id.to_string();
    assert!(app.call::<MarkNotificationRead>(&staff, &[("id", &id)]).await.status().is_success());
    let bell: Notifications = app.call::<LoadNotifications>(&staff, &[]).await.decoded().await;
    assert_eq!(bell.unread, 0);

    let res = app.call::<SetNotificationEmail>(&staff, &[("kind", "invitation.accepted"), ("email", "false")]).await;
    assert!(res.status().is_success(), "{}", res.status());
    app.invite(&staff, project, "Bob", "bob@client.test").await;
    let link = app.invitation_link("bob@client.test").await;
    app.accept(&link, "bob@client.test").await;
    let bell: Notifications = app.call::<LoadNotifications>(&staff, &[]).await.decoded().await;
    assert_eq!(bell.unread, 1, "still in the app");
    let mail = app.mail_to("owner@bell.test").await;
    assert!(!mail.iter().any(|m| m.subject.contains("Bob")), "but no email");
    assert!(app.call::<MarkAllNotificationsRead>(&staff, &[]).await.status().is_success());
    let bell: Notifications = app.call::<LoadNotifications>(&staff, &[]).await.decoded().await;
    assert_eq!(bell.unread, 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_client_page_shows_each_invitation_timeline_with_actor_time_and_ip() {
    let app = spawn_app(Backend::Sqlite).await.unwrap();
    let staff = app.owner("Time Co", "owner@time.test").await;
    let project = app.create_project(&staff, "Attic").await;
    app.invite(&staff, project, "Tim", "tim@client.test").await;
    let link = app.invitation_link("tim@client.test").await;
    browser().get(app.url(&link)).send().await.unwrap();
    let client = browser();
    let token = link.trim_start_matches("/invite/");
    app.call::<ContinueLink>(&client, &[("kind", "Invitation"), ("token", token)]).await;
    app.wait_for_mail("tim@client.test", 2).await;
    app.call::<VerifyCode>(&client, &[("code", "000000")]).await;
    let code = app.latest_code("tim@client.test").await;
    if code != "000000" {
        app.call::<VerifyCode>(&client, &[("code", &code)]).await;
    }
    let id = client_id(&app, "tim@client.test").await.to_string();
    let page: ClientPage = app.call::<LoadClient>(&staff, &[("client_id", &id)]).await.decoded().await;
    let timeline = &page.invitations[0].timeline;
    let whats: Vec<&str> = timeline.iter().map(|t| t.what.as_str()).collect();
    // Mail is captured here (no SMTP server): the timeline says so, never "delivered".
    for expected in
        ["Invitation created", "Email kept in the Mailbox (no mail server)", "Link opened", "Code sent", "Accepted"]
    {
        assert!(whats.contains(&expected), "{expected} missing from {whats:?}");
    }
    let created = timeline.iter().find(|t| t.what == "Invitation created").unwrap();
    assert_eq!(created.actor, "Olivia Owner");
    assert_eq!(created.ip.as_deref(), Some("127.0.0.1"));
    assert!(!whats.contains(&"Email delivered"), "{whats:?}");
    let delivered = timeline.iter().find(|t| t.what.starts_with("Email kept in the Mailbox")).unwrap();
    assert!(delivered.detail.contains("captured"), "{}", delivered.detail);
    assert_eq!(timeline.iter().find(|t| t.what == "Accepted").unwrap().actor, "Tim");
    assert_eq!(page.status, AccessStatus::Active);

    // Another organization's staff cannot see it.
    let other = app.owner("Nosy Co", "owner@nosy.test").await;
    let (status, _) = error_of(app.call::<LoadClient>(&other, &[("client_id", &id)]).await).await;
    assert_eq!(status, 404);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn owners_and_admins_build_the_team_and_the_organization_always_keeps_an_owner() {
    use portico_app::team::{ChangeStaffRole, InviteStaff, JoinTeam, LoadTeam, RemoveStaff};
    use portico_core::model::Team;
    let app = spawn_app(Backend::Sqlite).await.unwrap();
    let owner = app.owner("Team Co", "owner@team.test").await;
    for (name, email, role) in [("Ada Admin", "ada@team.test", "admin"), ("Max Member", "max@team.test", "member")] {
        let res = app.call::<InviteStaff>(&owner, &[("name", name), ("email", email), ("role", role)]).await;
        assert!(res.status().is_success(), "{}", res.status());
    }
    let (status, e) = error_of(
        app.call::<InviteStaff>(&owner, &[("name", "Oz"), ("email", "oz@team.test"), ("role", "owner")]).await,
    )
    .await;
    assert_eq!((status, e.for_field("role").is_some()), (422, true));
    let (status, _) = error_of(
        app.call::<InviteStaff>(&owner, &[("name", "Ada"), ("email", "ada@team.test"), ("role", "admin")]).await,
    )
    .await;
    assert_eq!(status, 409, "no second invitation to the same address");

    let mut joined = Vec::new();
    for email in ["ada@team.test", "max@team.test"] {
        let mail = app.wait_for_mail(email, 1).await;
        let path = link_in(&mail[0].body_text, "/join/");
        let token = path.trim_start_matches("/join/").to_string();
        let page = browser().get(app.url(&path)).send().await.unwrap().text().await.unwrap();
        assert!(page.contains("Join Team Co on Portico"));
        let staff = browser();
        let (status, e) =
            error_of(app.call::<JoinTeam>(&staff, &[("token", &token), ("name", "X"), ("password", "short")]).await)
                .await;
        assert_eq!((status, e.for_field("password").is_some()), (422, true));
        let res = app
            .call::<JoinTeam>(
                &staff,
                &[("token", &token), ("name", "New Person"), ("password", "a long enough password")],
            )
            .await;
        assert!(res.status().is_success() || res.status().is_redirection(), "{}", res.status());
        let (status, _) = error_of(
            app.call::<JoinTeam>(
                &browser(),
                &[("token", &token), ("name", "Again"), ("password", "a long enough password")],
            )
            .await,
        )
        .await;
        assert_eq!(status, 404, "a staff invitation joins once");
        joined.push(staff);
    }
    let (admin, member) = (&joined[0], &joined[1]);

    // Members cannot change settings or the team; admins can invite, not change roles.
    let (status, _) = error_of(save_settings(&app, member, settings("7", "15", "none", "code")).await).await;
    assert_eq!(status, 403);
    let (status, _) =
        error_of(app.call::<InviteStaff>(member, &[("name", "Y"), ("email", "y@team.test"), ("role", "member")]).await)
            .await;
    assert_eq!(status, 403);
    assert!(save_settings(&app, admin, settings("7", "15", "none", "code")).await.status().is_success());
    let team: Team = app.call::<LoadTeam>(&owner, &[]).await.decoded().await;
    assert_eq!(team.members.len(), 3);
    let id_of = |email: &str| team.members.iter().find(|m| m.email == email).unwrap().id.to_string();
    let (owner_id, max_id) = (id_of("owner@team.test"), id_of("max@team.test"));
    let (status, _) =
        error_of(app.call::<ChangeStaffRole>(admin, &[("staff_user_id", &max_id), ("role", "admin")]).await).await;
    assert_eq!(status, 403);

    // The last owner can be neither demoted nor removed.
    let (status, e) =
        error_of(app.call::<ChangeStaffRole>(&owner, &[("staff_user_id", &owner_id), ("role", "admin")]).await).await;
    assert_eq!(status, 409);
    assert!(e.to_string().contains("at least one owner"));
    let (status, _) = error_of(app.call::<RemoveStaff>(&owner, &[("staff_user_id", &owner_id)]).await).await;
    assert_eq!(status, 409);

    assert!(
        app.call::<ChangeStaffRole>(&owner, &[("staff_user_id", &max_id), ("role", "admin")])
            .await
            .status()
            .is_success()
    );
    assert!(
        save_settings(&app, member, settings("7", "15", "none", "code")).await.status().is_success(),
        "now an admin"
    );
    assert!(app.call::<RemoveStaff>(&owner, &[("staff_user_id", &max_id)]).await.status().is_success());
    let (status, _) = error_of(app.call::<LoadTeam>(member, &[]).await).await;
    assert_eq!(status, 401, "a removed member's session ends");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn with_passwords_on_the_invitation_leads_to_a_password_and_forgot_password_resets_it() {
    use portico_app::{
        accounts::SignOut,
        client_access::{RequestPasswordReset, SetClientPassword, SignInClient},
    };
    let app = spawn_app(Backend::Sqlite).await.unwrap();
    let staff = app.owner("Pass Co", "owner@pass.test").await;
    assert!(save_settings(&app, &staff, settings("7", "15", "none", "password")).await.status().is_success());
    let project = app.create_project(&staff, "Loft").await;
    app.invite(&staff, project, "Pat", "pat@client.test").await;
    let link = app.invitation_link("pat@client.test").await;

    let client = browser();
    app.call::<ContinueLink>(&client, &[("kind", "Invitation"), ("token", link.trim_start_matches("/invite/"))]).await;
    app.wait_for_mail("pat@client.test", 2).await;
    let code = app.latest_code("pat@client.test").await;
    let res = app.call::<VerifyCode>(&client, &[("code", &code)]).await;
    assert_eq!(res.headers().get("location").unwrap(), "/portal/password", "the set-password step comes first");
    let home = client.get(app.url("/portal")).header("accept", "text/html").send().await.unwrap();
    assert_eq!(home.headers().get("location").map(|l| l.to_str().unwrap()), Some("/portal/password"));

    let (status, e) = error_of(
        app.call::<SetClientPassword>(&client, &[("password", "one long password"), ("confirm", "another one")]).await,
    )
    .await;
    assert_eq!((status, e.for_field("confirm").is_some()), (422, true));
    let res = app
        .call::<SetClientPassword>(&client, &[("password", "one long password"), ("confirm", "one long password")])
        .await;
    assert!(res.status().is_success() || res.status().is_redirection());
    assert_eq!(client.get(app.url("/portal")).send().await.unwrap().status(), 200);
    app.call::<SignOut>(&client, &[]).await;

    let slug = "pass-co";
    let page = browser().get(app.url(&format!("/p/{slug}"))).send().await.unwrap().text().await.unwrap();
    assert!(page.contains("Forgot password") && page.contains("Password"));
    let (status, e) = error_of(
        app.call::<SignInClient>(
            &browser(),
            &[("slug", slug), ("email", "pat@client.test"), ("password", "wrong password here")],
        )
        .await,
    )
    .await;
    assert_eq!(status, 422);
    let (_, unknown) = error_of(
        app.call::<SignInClient>(
            &browser(),
            &[("slug", slug), ("email", "nobody@client.test"), ("password", "wrong password here")],
        )
        .await,
    )
    .await;
    assert_eq!(e, unknown, "the same answer for unknown addresses");
    let client = browser();
    let res = app
        .call::<SignInClient>(
            &client,
            &[("slug", slug), ("email", "pat@client.test"), ("password", "one long password")],
        )
        .await;
    assert_eq!(res.headers().get("location").unwrap(), "/portal");
    assert_eq!(client.get(app.url("/portal")).send().await.unwrap().status(), 200);
    let signed_in_with_old_password = client;

    // "Forgot password" is a link (it works before the wasm and without it) to the same page
    // showing the reset form, whose email field is then the one in view.
    assert!(page.contains(&format!(r#"href="/p/{slug}?forgot=1""#)), "{page}");
    let forgot = browser().get(app.url(&format!("/p/{slug}?forgot=1"))).send().await.unwrap().text().await.unwrap();
    let reset_form = forgot.find(r#"id="reset-email""#).expect("the reset form");
    let sign_in_form = forgot.find(r#"autocomplete="current-password""#).expect("the sign-in form");
    let wrapper = |html: &str, at: usize| html[..at].rfind("<div").map(|i| html[i..].starts_with("<div hidden"));
    assert_eq!(
        (forgot[..sign_in_form].matches("<div hidden").count(), wrapper(&forgot, reset_form)),
        (1, Some(false)),
        "with ?forgot=1 the sign-in form is hidden and the reset form is not"
    );
    assert_eq!(page[..page.find(r#"autocomplete="current-password""#).unwrap()].matches("<div hidden").count(), 0);

    // Forgot password: a reset link signs in and asks for a new password; the old one is gone.
    let before = app.mail_to("pat@client.test").await.len();
    assert!(
        app.call::<RequestPasswordReset>(&browser(), &[("slug", slug), ("email", "pat@client.test")])
            .await
            .status()
            .is_success()
    );
    assert!(
        app.call::<RequestPasswordReset>(&browser(), &[("slug", slug), ("email", "nobody@client.test")])
            .await
            .status()
            .is_success()
    );
    let mail = app.wait_for_mail("pat@client.test", before + 1).await;
    let reset = mail.iter().find(|m| m.topic == "password_reset").expect("a reset email");
    let path = link_in(&reset.body_text, "/sign-in-link/");
    let client = browser();
    let res = app
        .call::<ContinueLink>(&client, &[("kind", "SignIn"), ("token", path.trim_start_matches("/sign-in-link/"))])
        .await;
    assert_eq!(res.headers().get("location").unwrap(), "/portal/password");
    // Until the new password is chosen, the portal's data is not read either (not only the
    // page's redirect): no project, no update.
    let home: portico_core::model::PortalHome =
        app.call::<portico_app::portal::LoadPortalHome>(&client, &[]).await.decoded().await;
    assert!(home.needs_password && home.projects.is_empty() && home.latest_updates.is_empty(), "{home:?}");
    // The file and form routes send them to the same step (not a bare 409 page).
    let upload = client
        .post(app.url(&format!("/portal/projects/{project}/documents")))
        .multipart(
            reqwest::multipart::Form::new()
                .part("file", reqwest::multipart::Part::bytes(b"hello".to_vec()).file_name("a.txt")),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(
        (upload.status().as_u16(), upload.headers().get("location").map(|l| l.to_str().unwrap())),
        (303, Some("/portal/password"))
    );
    let (status, _) = error_of(
        app.call::<SignInClient>(
            &browser(),
            &[("slug", slug), ("email", "pat@client.test"), ("password", "one long password")],
        )
        .await,
    )
    .await;
    assert_eq!(status, 422, "the old password no longer works");
    assert_ne!(
        signed_in_with_old_password.get(app.url("/portal")).send().await.unwrap().status(),
        200,
        "whoever signed in with the old password is signed out"
    );

    // Switched to one-time codes: a password chosen before no longer opens the portal.
    let res = app
        .call::<SetClientPassword>(
            &client,
            &[("password", "a second long password"), ("confirm", "a second long password")],
        )
        .await;
    assert!(res.status().is_success() || res.status().is_redirection());
    let form = [("slug", slug), ("email", "pat@client.test"), ("password", "a second long password")];
    let sign_in = || async { app.call::<SignInClient>(&browser(), &form).await };
    assert_eq!(sign_in().await.headers().get("location").unwrap(), "/portal", "the new password works");
    assert!(save_settings(&app, &staff, settings("7", "15", "none", "code")).await.status().is_success());
    let (status, e) = error_of(sign_in().await).await;
    assert_eq!(status, 422);
    assert!(e.for_field("password").is_some_and(|m| m.contains("one-time code")), "{e:?}");
}
