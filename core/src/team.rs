//! The staff team: owners and admins invite staff (admin or member) with an emailed link;
//! owners change roles and remove staff, but an organization always keeps an owner.

use chrono::Duration;
use sea_orm::{ActiveModelTrait, ColumnTrait, EntityTrait, ModelTrait, PaginatorTrait, QueryFilter, QueryOrder, Set};

use crate::{
    Error, Portico, Result,
    accounts::{self, Staff},
    audit::{self, Actor},
    domain::{EmailAddress, Line, OrgId, Password, Role, StaffUserId},
    entities::{organization, staff_invitation, staff_user},
    mail,
    model::{PendingStaffInvitation, StaffInvitationLanding, Team, TeamMember, role_label},
    now, outbox,
    secrets::SecretToken,
    sessions,
};

const PENDING: &str = "pending";
const ACCEPTED: &str = "accepted";
const CANCELLED: &str = "cancelled";
/// Staff invitations expire after a week.
const LIFETIME: Duration = Duration::days(7);

/// The Team page.
pub async fn team(portico: &Portico, staff: &Staff) -> Result<Team> {
    let members = staff_user::Entity::find()
        .filter(staff_user::Column::OrgId.eq(staff.org_id.0))
        .order_by_asc(staff_user::Column::Id)
        .all(&portico.db)
        .await?
        .into_iter()
        .map(|u| TeamMember {
            is_you: u.id == staff.user_id.0,
            id: u.id,
            name: u.name,
            email: u.email,
            role: u.role,
            last_sign_in_at: u.last_sign_in_at,
        })
        .collect();
    let pending = staff_invitation::Entity::find()
        .filter(staff_invitation::Column::OrgId.eq(staff.org_id.0))
        .filter(staff_invitation::Column::Status.eq(PENDING))
        .filter(staff_invitation::Column::ExpiresAt.gt(now()))
        .order_by_asc(staff_invitation::Column::Id)
        .all(&portico.db)
        .await?
        .into_iter()
        .map(|i| PendingStaffInvitation {
            id: i.id,
            name: i.name,
            email: i.email,
            role: i.role,
            expires_at: i.expires_at,
        })
        .collect();
    Ok(Team { members, pending, can_invite: staff.role.manages_organization(), can_manage: staff.role == Role::Owner })
}

/// A role that may be given by invitation: admin or member (owners are made, not invited).
fn invitable_role(role: &str) -> Result<Role> {
    match Role::parse(role) {
        Some(r @ (Role::Admin | Role::Member)) => Ok(r),
        _ => Err(Error::validation("role", "Choose Admin or Member.")),
    }
}

/// "Send invite" on the Team page (owners and admins).
pub async fn invite(
    portico: &Portico,
    staff: &Staff,
    name: &str,
    email: &str,
    role: &str,
    ip: Option<String>,
) -> Result<()> {
    staff.require_manager()?;
    let mut errors = crate::error::FormErrors::default();
    let name = errors.check(Line::parse("name", "their name", name, 200));
    let email = errors.check(EmailAddress::parse(email));
    let role = errors.check(invitable_role(role));
    errors.finish()?;
    let (Some(name), Some(email), Some(role)) = (name, email, role) else {
        return Err(Error::internal("form check", "a field without a value passed"));
    };
    let txn = portico.begin().await?;
    // Only this organization's team is consulted: whether the address has an account with
    // another organization must not show in the answer. (If it does, the person learns it on
    // the join page, in their own mailbox.)
    let on_team = staff_user::Entity::find()
        .filter(staff_user::Column::OrgId.eq(staff.org_id.0))
        .filter(staff_user::Column::Email.eq(email.as_str()))
        .count(&txn)
        .await?;
    if on_team > 0 {
        return Err(Error::validation("email", format!("{email} is already on your team.")));
    }
    let open = staff_invitation::Entity::find()
        .filter(staff_invitation::Column::OrgId.eq(staff.org_id.0))
        .filter(staff_invitation::Column::Email.eq(email.as_str()))
        .filter(staff_invitation::Column::Status.eq(PENDING))
        .filter(staff_invitation::Column::ExpiresAt.gt(now()))
        .count(&txn)
        .await?;
    if open > 0 {
        return Err(Error::Conflict(format!("{email} has already been invited to the team.")));
    }
    let org = organization::Entity::find_by_id(staff.org_id.0).one(&txn).await?.ok_or(Error::NotFound)?;
    let token = SecretToken::generate();
    let inv = staff_invitation::ActiveModel {
        org_id: Set(org.id),
        name: Set(name.as_str().to_string()),
        email: Set(email.to_string()),
        role: Set(role.as_str().into()),
        invited_by: Set(staff.user_id.0),
        token_hash: Set(token.hash()),
        status: Set(PENDING.into()),
        expires_at: Set(now() + LIFETIME),
        created_at: Set(now()),
        accepted_at: Set(None),
        cancelled_at: Set(None),
        ..Default::default()
    }
    .insert(&txn)
    .await?;
    let link = portico.link(&format!("{}{}", crate::secrets::JOIN_PAGE, token.expose()));
    let rendered = mail::staff_invitation(&mail::StaffInvitation {
        org_name: &org.name,
        inviter_name: &staff.name,
        name: name.as_str(),
        role: &role_label(role.as_str()).to_lowercase(),
        link: &link,
        expires_on: inv.expires_at.format("%-d %B %Y").to_string(),
    })?;
    outbox::enqueue(
        &txn,
        portico,
        outbox::Outgoing {
            org_id: org.id,
            topic: crate::outbox::Topic::StaffInvitation,
            to: email.as_str(),
            from_name: &org.name,
            mail: rendered,
            invitation_id: None,
        },
    )
    .await?;
    audit::by_staff(
        &txn,
        staff,
        ("staff", inv.id),
        "staff.invited",
        format!("Invited {email} to the team as {}", role.as_str()),
        ip,
    )
    .await?;
    txn.commit().await?;
    portico.outbox_wakeup.ring();
    Ok(())
}

/// "Cancel invite" on a pending staff invitation.
pub async fn cancel_invitation(portico: &Portico, staff: &Staff, id: i64, ip: Option<String>) -> Result<()> {
    staff.require_manager()?;
    let txn = portico.begin().await?;
    let inv = staff_invitation::Entity::find_by_id(id)
        .filter(staff_invitation::Column::OrgId.eq(staff.org_id.0))
        .one(&txn)
        .await?
        .ok_or(Error::NotFound)?;
    if inv.status != PENDING {
        return Err(Error::Conflict("This invitation was already used or cancelled.".into()));
    }
    let email = inv.email.clone();
    let mut active: staff_invitation::ActiveModel = inv.into();
    active.status = Set(CANCELLED.into());
    active.cancelled_at = Set(Some(now()));
    active.update(&txn).await?;
    audit::by_staff(
        &txn,
        staff,
        ("staff", id),
        "staff.invitation_cancelled",
        format!("Cancelled the team invitation to {email}"),
        ip,
    )
    .await?;
    txn.commit().await?;
    Ok(())
}

async fn usable(portico: &Portico, token: &str) -> Result<staff_invitation::Model> {
    let token = SecretToken::from_presented(token).ok_or(Error::NotFound)?;
    staff_invitation::Entity::find()
        .filter(staff_invitation::Column::TokenHash.eq(token.hash()))
        .filter(staff_invitation::Column::Status.eq(PENDING))
        .filter(staff_invitation::Column::ExpiresAt.gt(now()))
        .one(&portico.db)
        .await?
        .ok_or(Error::NotFound)
}

/// The join page. Reads only.
pub async fn open_invitation(portico: &Portico, token: &str) -> Result<StaffInvitationLanding> {
    let inv = usable(portico, token).await?;
    let org = organization::Entity::find_by_id(inv.org_id).one(&portico.db).await?.ok_or(Error::NotFound)?;
    let inviter =
        staff_user::Entity::find_by_id(inv.invited_by).one(&portico.db).await?.map(|u| u.name).unwrap_or_default();
    Ok(StaffInvitationLanding {
        org_name: org.name,
        inviter_name: inviter,
        name: inv.name,
        email: inv.email,
        role: inv.role,
    })
}

/// "Join the team": creates the staff account with the invited role and signs it in.
pub async fn join(
    portico: &Portico,
    token: &str,
    name: &str,
    password: &str,
    ip: Option<String>,
) -> Result<SecretToken> {
    let mut errors = crate::error::FormErrors::default();
    let name = errors.check(Line::parse("name", "your name", name, 200));
    let password = errors.check(Password::parse(password));
    errors.finish()?;
    let (Some(name), Some(password)) = (name, password) else {
        return Err(Error::internal("form check", "a field without a value passed"));
    };
    let inv = usable(portico, token).await?;
    let password_hash = accounts::hash_password(password).await?;
    let txn = portico.begin().await?;
    // Only one of two racing joins finds it still pending.
    let claimed = staff_invitation::Entity::update_many()
        .col_expr(staff_invitation::Column::Status, sea_orm::sea_query::Expr::value(ACCEPTED))
        .col_expr(staff_invitation::Column::AcceptedAt, sea_orm::sea_query::Expr::value(now()))
        .filter(staff_invitation::Column::Id.eq(inv.id))
        .filter(staff_invitation::Column::Status.eq(PENDING))
        .exec(&txn)
        .await?;
    if claimed.rows_affected != 1 {
        return Err(Error::NotFound);
    }
    let user = staff_user::ActiveModel {
        org_id: Set(inv.org_id),
        name: Set(name.into_string()),
        email: Set(inv.email.clone()),
        password_hash: Set(password_hash),
        role: Set(inv.role.clone()),
        created_at: Set(now()),
        last_sign_in_at: Set(Some(now())),
        ..Default::default()
    }
    .insert(&txn)
    .await
    .map_err(|_| Error::validation("name", "This email already has a Portico staff account. Sign in instead."))?;
    audit::record(
        &txn,
        audit::Event {
            org_id: inv.org_id,
            actor: Actor::Staff(user.id),
            subject_kind: "staff",
            subject_id: user.id,
            event: "staff.joined",
            detail: format!("{} joined the team as {}", user.email, user.role),
            ip: ip.clone(),
        },
    )
    .await?;
    let session = sessions::start(&txn, OrgId(inv.org_id), sessions::Holder::Staff(StaffUserId(user.id)), ip).await?;
    txn.commit().await?;
    Ok(session)
}

async fn member(txn: &sea_orm::DatabaseTransaction, staff: &Staff, id: i64) -> Result<staff_user::Model> {
    staff_user::Entity::find_by_id(id)
        .filter(staff_user::Column::OrgId.eq(staff.org_id.0))
        .one(txn)
        .await?
        .ok_or(Error::NotFound)
}

async fn owners(txn: &sea_orm::DatabaseTransaction, org: OrgId) -> Result<u64> {
    Ok(staff_user::Entity::find()
        .filter(staff_user::Column::OrgId.eq(org.0))
        .filter(staff_user::Column::Role.eq(Role::Owner.as_str()))
        .count(txn)
        .await?)
}

fn require_owner(staff: &Staff) -> Result<()> {
    if staff.role == Role::Owner { Ok(()) } else { Err(Error::Forbidden) }
}

/// "Change role" (owners). The last owner stays an owner.
pub async fn change_role(portico: &Portico, staff: &Staff, id: i64, role: &str, ip: Option<String>) -> Result<()> {
    require_owner(staff)?;
    let role = Role::parse(role).ok_or_else(|| Error::validation("role", "Choose Owner, Admin or Member."))?;
    let txn = portico.begin().await?;
    let user = member(&txn, staff, id).await?;
    if user.role == Role::Owner.as_str() && role != Role::Owner && owners(&txn, staff.org_id).await? <= 1 {
        return Err(Error::Conflict(
            "The organization needs at least one owner. Make someone else an owner first.".into(),
        ));
    }
    let detail = format!("Changed {} from {} to {}", user.email, user.role, role.as_str());
    let mut active: staff_user::ActiveModel = user.into();
    active.role = Set(role.as_str().into());
    active.update(&txn).await?;
    audit::by_staff(&txn, staff, ("staff", id), "staff.role_changed", detail, ip).await?;
    txn.commit().await?;
    Ok(())
}

/// "Remove from team" (owners). Their sessions end with them; what they did stays in the
/// audit trail. The last owner cannot be removed.
pub async fn remove(portico: &Portico, staff: &Staff, id: i64, ip: Option<String>) -> Result<()> {
    require_owner(staff)?;
    let txn = portico.begin().await?;
    let user = member(&txn, staff, id).await?;
    if user.role == Role::Owner.as_str() && owners(&txn, staff.org_id).await? <= 1 {
        return Err(Error::Conflict("The last owner cannot be removed.".into()));
    }
    let detail = format!("Removed {} from the team", user.email);
    user.delete(&txn).await?;
    audit::by_staff(&txn, staff, ("staff", id), "staff.removed", detail, ip).await?;
    txn.commit().await?;
    Ok(())
}
