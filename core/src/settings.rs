//! Organization settings: invitation expiry, magic-link lifetime, re-invite cooldown and how
//! clients sign in. Invitations keep the expiry they were sent with, so a change here only
//! affects what is sent afterwards.

use sea_orm::{ActiveModelTrait, EntityTrait, Set};

use crate::{
    Error, Portico, Result,
    accounts::Staff,
    audit,
    entities::organization,
    model::{ClientSignIn, OrganizationSettings, ReinviteCooldown},
};

pub const EXPIRY_DAYS: std::ops::RangeInclusive<i32> = 1..=30;
pub const MAGIC_LINK_MINUTES: std::ops::RangeInclusive<i32> = 5..=60;

/// The settings form, parsed and checked field by field.
pub fn parse(
    expiry_days: &str,
    magic_link_minutes: &str,
    cooldown: &str,
    sign_in: &str,
) -> Result<OrganizationSettings> {
    let whole = |field: &'static str, input: &str, range: std::ops::RangeInclusive<i32>, unit: &str| {
        input.trim().parse::<i32>().ok().filter(|n| range.contains(n)).ok_or_else(|| {
            Error::validation(
                field,
                format!("Enter a whole number of {unit} from {} to {}.", range.start(), range.end()),
            )
        })
    };
    let mut errors = crate::error::FormErrors::default();
    let days = errors.check(whole("invitation_expiry_days", expiry_days, EXPIRY_DAYS, "days"));
    let minutes = errors.check(whole("magic_link_minutes", magic_link_minutes, MAGIC_LINK_MINUTES, "minutes"));
    let cooldown = errors.check(
        ReinviteCooldown::from_key(cooldown)
            .ok_or_else(|| Error::validation("reinvite_cooldown", "Choose None, 1 hour or 24 hours.")),
    );
    let sign_in = errors.check(
        ClientSignIn::from_key(sign_in)
            .ok_or_else(|| Error::validation("client_sign_in", "Choose how clients sign in.")),
    );
    errors.finish()?;
    match (days, minutes, cooldown, sign_in) {
        (Some(days), Some(minutes), Some(cooldown), Some(sign_in)) => Ok(OrganizationSettings {
            invitation_expiry_days: days,
            magic_link_minutes: minutes,
            reinvite_cooldown: cooldown,
            client_sign_in: sign_in,
        }),
        _ => Err(Error::internal("form check", "a field without a value passed")),
    }
}

pub fn of(org: &organization::Model) -> OrganizationSettings {
    OrganizationSettings {
        invitation_expiry_days: org.invitation_expiry_days,
        magic_link_minutes: org.magic_link_minutes,
        reinvite_cooldown: ReinviteCooldown::from_hours(org.reinvite_cooldown_hours),
        client_sign_in: client_sign_in(org),
    }
}

pub fn client_sign_in(org: &organization::Model) -> ClientSignIn {
    ClientSignIn::from_key(&org.client_sign_in).unwrap_or(ClientSignIn::Code)
}

pub async fn load(portico: &Portico, staff: &Staff) -> Result<OrganizationSettings> {
    staff.require_manager()?;
    let org = organization::Entity::find_by_id(staff.org_id.0).one(&portico.db).await?.ok_or(Error::NotFound)?;
    Ok(of(&org))
}

/// "Save settings" (owners and admins).
pub async fn save(portico: &Portico, staff: &Staff, new: OrganizationSettings, ip: Option<String>) -> Result<()> {
    staff.require_manager()?;
    let txn = portico.begin().await?;
    let org = organization::Entity::find_by_id(staff.org_id.0).one(&txn).await?.ok_or(Error::NotFound)?;
    let before = of(&org);
    let mut active: organization::ActiveModel = org.into();
    active.invitation_expiry_days = Set(new.invitation_expiry_days);
    active.magic_link_minutes = Set(new.magic_link_minutes);
    active.reinvite_cooldown_hours = Set(new.reinvite_cooldown.hours());
    active.client_sign_in = Set(new.client_sign_in.key().into());
    active.update(&txn).await?;
    audit::by_staff(
        &txn,
        staff,
        ("organization", staff.org_id.0),
        "settings.changed",
        format!("Settings changed from {before:?} to {new:?}"),
        ip,
    )
    .await?;
    txn.commit().await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn settings_are_checked_field_by_field() {
        let ok = parse("14", "30", "24h", "password").unwrap();
        assert_eq!(ok.invitation_expiry_days, 14);
        assert_eq!(ok.reinvite_cooldown, ReinviteCooldown::OneDay);
        assert_eq!(ok.client_sign_in, ClientSignIn::Password);
        for (days, minutes, field) in [
            ("0", "15", "invitation_expiry_days"),
            ("31", "15", "invitation_expiry_days"),
            ("x", "15", "invitation_expiry_days"),
            ("7", "4", "magic_link_minutes"),
            ("7", "61", "magic_link_minutes"),
        ] {
            match parse(days, minutes, "none", "code") {
                Err(Error::Validation { field: f, .. }) => assert_eq!(f, field),
                other => panic!("{days}/{minutes}: {other:?}"),
            }
        }
        assert!(matches!(parse("7", "15", "2h", "code"), Err(Error::Validation { field: "reinvite_cooldown", .. })));
    }
}
