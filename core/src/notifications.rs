//! Team notifications: in-app (the bell) and by email, to the inviter and the project's staff.
//! Each staff user can turn the email of each kind off; the in-app entry is always written.
//! Both are written in the transaction of the change that caused them.

use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, PaginatorTrait, QueryFilter, Set, sea_query::Expr,
};

use crate::{
    Error, Portico, Result,
    accounts::Staff,
    batch::Batch,
    entities::{invitation, notification, notification_opt_out, organization, project, staff_user},
    mail,
    model::{NotificationItem, NotificationPreference, Notifications},
    now, outbox,
};

/// The kinds of notification, with the label of their switch on the Notifications page.
pub mod kind {
    pub const INVITATION_ACCEPTED: &str = "invitation.accepted";
    pub const VERIFICATION_LOCKED: &str = "verification.locked";
    pub const LINK_REQUESTED: &str = "link.requested";
    pub const FORM_ANSWERED: &str = "form.answered";

    pub const ALL: [(&str, &str); 4] = [
        (INVITATION_ACCEPTED, "A client accepts an invitation"),
        (VERIFICATION_LOCKED, "A client fails verification repeatedly"),
        (LINK_REQUESTED, "A client requests a new link"),
        (FORM_ANSWERED, "A client answers a form"),
    ];
}

/// Something the team should hear about an invitation.
pub struct About<'a> {
    pub kind: &'static str,
    pub title: String,
    pub body: String,
    pub invitation: &'a invitation::Model,
    /// The invitation's project: `Concerning::of` it, or `Held` when the caller holds it and
    /// its organization (not read again).
    pub project: Concerning<'a>,
}

/// A project and its organization as the caller's transaction holds them.
pub type Held<'a> = (&'a project::Model, &'a organization::Model);

/// Notifies the inviter and the project's staff (its creator) about an invitation; the bell
/// entries and emails go into the caller's `batch`.
pub async fn notify_team<C: ConnectionTrait>(
    db: &C,
    batch: &mut Batch,
    portico: &Portico,
    about: About<'_>,
) -> Result<()> {
    let inv = about.invitation;
    let to = Recipients {
        org_id: inv.org_id,
        staff: vec![inv.invited_by],
        project: about.project,
        link: inv.project_id.map(|p| format!("/projects/{p}/portal")),
    };
    notify_later(db, batch, portico, to, about.kind, &about.title, &about.body).await
}

/// Who hears about something, and where the notification leads.
pub struct Recipients<'a> {
    pub org_id: i64,
    /// The staff it concerns first (the inviter, who sent a form); the project's creator is added.
    pub staff: Vec<i64>,
    /// The project it is about, whose creator hears of it too.
    pub project: Concerning<'a>,
    pub link: Option<String>,
}

/// The project a notice is about.
pub enum Concerning<'a> {
    /// None: the organization's staff named hear of it.
    Organization,
    /// This project, read with its organization.
    Project(i64),
    /// The project and its organization as the caller holds them: not read again.
    Held(Held<'a>),
}

impl Concerning<'_> {
    /// What an invitation concerns: its project, or the organization for a portal invitation.
    pub fn of(invitation: &invitation::Model) -> Self {
        invitation.project_id.map_or(Concerning::Organization, Concerning::Project)
    }
}

/// The creator of the project a notice is about (who hears of it too) and the organization:
/// as the caller holds them, else read.
async fn concerning<C: ConnectionTrait>(
    db: &C,
    org_id: i64,
    project: Concerning<'_>,
) -> Result<(Option<i64>, organization::Model)> {
    match project {
        Concerning::Held((project, org)) => return Ok((Some(project.created_by), org.clone())),
        Concerning::Project(pid) => match crate::projects::with_organization(db, org_id, pid).await {
            Ok((project, org)) => return Ok((Some(project.created_by), org)),
            // A notice about a project deleted meanwhile still reaches the organization's staff.
            Err(Error::NotFound) => {}
            Err(e) => return Err(e),
        },
        Concerning::Organization => {}
    }
    let org = organization::Entity::find_by_id(org_id).one(db).await?.ok_or(Error::NotFound)?;
    Ok((None, org))
}

/// Writes the bell entry of each recipient and emails those who have not switched `kind` off:
/// five statements whatever the number of recipients (the project or organization unless the
/// caller holds them, the staff, their opt-outs, the bell entries, the emails), all inside the
/// change's transaction.
pub async fn notify<C: ConnectionTrait>(
    db: &C,
    portico: &Portico,
    to: Recipients<'_>,
    kind: &'static str,
    title: &str,
    body: &str,
) -> Result<()> {
    let mut batch = Batch::new(db);
    notify_later(db, &mut batch, portico, to, kind, title, body).await?;
    batch.run(db).await
}

/// `notify`, its reads now and its two writes in the caller's `batch`.
async fn notify_later<C: ConnectionTrait>(
    db: &C,
    batch: &mut Batch,
    portico: &Portico,
    to: Recipients<'_>,
    kind: &'static str,
    title: &str,
    body: &str,
) -> Result<()> {
    let (creator, org) = concerning(db, to.org_id, to.project).await?;
    let mut recipients = to.staff;
    recipients.extend(creator);
    recipients.sort_unstable();
    recipients.dedup();
    let users = staff_user::Entity::find()
        .filter(staff_user::Column::Id.is_in(recipients))
        .filter(staff_user::Column::OrgId.eq(to.org_id))
        .all(db)
        .await?;
    if users.is_empty() {
        return Ok(());
    }
    let opted_out: std::collections::HashSet<i64> = notification_opt_out::Entity::find()
        .filter(notification_opt_out::Column::StaffUserId.is_in(users.iter().map(|u| u.id)))
        .filter(notification_opt_out::Column::Kind.eq(kind))
        .all(db)
        .await?
        .into_iter()
        .map(|o| o.staff_user_id)
        .collect();
    let link = to.link;
    batch.add(&notification::Entity::insert_many(users.iter().map(|user| notification::ActiveModel {
        org_id: Set(to.org_id),
        staff_user_id: Set(user.id),
        kind: Set(kind.into()),
        title: Set(title.to_string()),
        body: Set(body.to_string()),
        link: Set(link.clone()),
        created_at: Set(now()),
        read_at: Set(None),
        ..Default::default()
    })));
    let full_link = link.as_deref().map(|l| portico.link(l));
    // Every recipient gets the same words: render once.
    let rendered =
        mail::notification(&mail::Notification { org_name: &org.name, title, body, link: full_link.as_deref() })?;
    let mails = users
        .iter()
        .filter(|u| !opted_out.contains(&u.id))
        .map(|user| outbox::Outgoing {
            org_id: org.id,
            topic: crate::outbox::Topic::Notification,
            to: &user.email,
            from_name: "Portico",
            mail: rendered.clone(),
            invitation_id: None,
        })
        .collect();
    outbox::enqueue_later(batch, portico, mails);
    Ok(())
}

/// The cursor scope of a staff member's notifications.
pub const LIST: &str = "notifications";

/// The bell and the Notifications page: the unread count and a page (20, newest first) of the
/// signed-in staff user's notifications; `cursor` names the page (empty: the newest).
pub async fn list(portico: &Portico, staff: &Staff, cursor: &str) -> Result<Notifications> {
    use crate::paging::{Cursor, Order, PageSize, keyset, window};
    let list = format!("{LIST}:{}", staff.user_id.0);
    let cursor = Cursor::open(&portico.key, staff.org_id.0, &list, cursor)?;
    let mine = || {
        notification::Entity::find()
            .filter(notification::Column::OrgId.eq(staff.org_id.0))
            .filter(notification::Column::StaffUserId.eq(staff.user_id.0))
    };
    let unread = mine().filter(notification::Column::ReadAt.is_null()).count(&portico.db).await?;
    let size = PageSize::parse(Some(20))?;
    let fetched = keyset(mine(), notification::Column::Id, cursor, Order::Descending, size).all(&portico.db).await?;
    let page = window(fetched, size, cursor, |n| n.id, |c| c.seal(&portico.key, staff.org_id.0, &list));
    let items = page
        .rows
        .into_iter()
        .map(|n| NotificationItem {
            id: n.id,
            title: n.title,
            body: n.body,
            link: n.link,
            created_at: n.created_at,
            read: n.read_at.is_some(),
        })
        .collect();
    Ok(Notifications { unread, items, next: page.next, prev: page.prev })
}

/// "Mark read" on one notification (`Some(id)`) or "Mark all read" (`None`).
pub async fn mark_read(portico: &Portico, staff: &Staff, id: Option<i64>) -> Result<()> {
    let mut update = notification::Entity::update_many()
        .col_expr(notification::Column::ReadAt, Expr::value(now()))
        .filter(notification::Column::OrgId.eq(staff.org_id.0))
        .filter(notification::Column::StaffUserId.eq(staff.user_id.0))
        .filter(notification::Column::ReadAt.is_null());
    if let Some(id) = id {
        let exists = notification::Entity::find_by_id(id)
            .filter(notification::Column::StaffUserId.eq(staff.user_id.0))
            .count(&portico.db)
            .await?;
        if exists == 0 {
            return Err(Error::NotFound);
        }
        update = update.filter(notification::Column::Id.eq(id));
    }
    let _turn = portico.write_turn().await;
    update.exec(&portico.db).await?;
    Ok(())
}

/// The email switches of the signed-in staff user, one per kind.
pub async fn preferences(portico: &Portico, staff: &Staff) -> Result<Vec<NotificationPreference>> {
    let off: Vec<String> = notification_opt_out::Entity::find()
        .filter(notification_opt_out::Column::StaffUserId.eq(staff.user_id.0))
        .all(&portico.db)
        .await?
        .into_iter()
        .map(|o| o.kind)
        .collect();
    Ok(kind::ALL
        .iter()
        .map(|(k, label)| NotificationPreference {
            kind: k.to_string(),
            label: label.to_string(),
            email: !off.iter().any(|o| o == k),
        })
        .collect())
}

/// Turns the email of one kind on or off for the signed-in staff user.
pub async fn set_email(portico: &Portico, staff: &Staff, kind: &str, email: bool) -> Result<()> {
    let Some((kind, _)) = kind::ALL.iter().find(|(k, _)| *k == kind) else {
        return Err(Error::validation("kind", "Unknown kind of notification."));
    };
    let _turn = portico.write_turn().await;
    notification_opt_out::Entity::delete_many()
        .filter(notification_opt_out::Column::StaffUserId.eq(staff.user_id.0))
        .filter(notification_opt_out::Column::Kind.eq(*kind))
        .exec(&portico.db)
        .await?;
    if !email {
        notification_opt_out::ActiveModel {
            org_id: Set(staff.org_id.0),
            staff_user_id: Set(staff.user_id.0),
            kind: Set(kind.to_string()),
            ..Default::default()
        }
        .insert(&portico.db)
        .await?;
    }
    Ok(())
}
