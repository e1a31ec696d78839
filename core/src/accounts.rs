//! Organizations and staff accounts: "Create your organization", staff sign-in, operators' CLI.

use argon2::{
    Argon2, PasswordHash, PasswordHasher, PasswordVerifier,
    password_hash::{SaltString, rand_core::OsRng},
};
use sea_orm::{ActiveModelTrait, ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter, Set};

use crate::{
    Error, Portico, Result,
    domain::{EmailAddress, Line, OrgId, Password, Role, StaffUserId, slugify},
    entities::{organization, staff_user},
    now,
};

/// What the "Create your organization" form sends, parsed.
pub struct NewOrganization {
    pub organization_name: Line,
    pub owner_name: Line,
    pub email: EmailAddress,
    pub password: Password,
}

impl NewOrganization {
    pub fn parse(organization_name: &str, owner_name: &str, email: &str, password: &str) -> Result<Self> {
        let mut errors = crate::error::FormErrors::default();
        let organization_name =
            errors.check(Line::parse("organization_name", "the organization name", organization_name, 200));
        let owner_name = errors.check(Line::parse("name", "your name", owner_name, 200));
        let email = errors.check(EmailAddress::parse(email));
        let password = errors.check(Password::parse(password));
        errors.finish()?;
        match (organization_name, owner_name, email, password) {
            (Some(organization_name), Some(owner_name), Some(email), Some(password)) => {
                Ok(Self { organization_name, owner_name, email, password })
            }
            _ => Err(Error::internal("form check", "a field without a value passed")),
        }
    }
}

/// A signed-in staff user, as every staff service sees them.
#[derive(Clone, Debug)]
pub struct Staff {
    pub org_id: OrgId,
    pub user_id: StaffUserId,
    pub role: Role,
    pub name: String,
    pub email: String,
    pub org_name: String,
    pub org_slug: String,
}

impl Staff {
    pub fn require_manager(&self) -> Result<()> {
        if self.role.manages_organization() { Ok(()) } else { Err(Error::Forbidden) }
    }
}

/// No organization exists yet: "Create your organization" is open whatever the operator
/// set (afterwards only with `PORTICO_OPEN_SIGNUP`), and the way in leads there.
pub async fn is_fresh_install(portico: &Portico) -> Result<bool> {
    Ok(organization::Entity::find().one(&portico.db).await?.is_none())
}

/// Creates an organization with its owner. Returns the owner's id.
pub async fn create_organization(portico: &Portico, new: NewOrganization) -> Result<StaffUserId> {
    let password_hash = hash_password(new.password).await?;
    let taken =
        staff_user::Entity::find().filter(staff_user::Column::Email.eq(new.email.as_str())).count(&portico.db).await?;
    if taken > 0 {
        return Err(Error::validation("email", "A staff account with this email already exists. Sign in instead."));
    }
    let base_slug = slugify(new.organization_name.as_str());
    let mut slug = base_slug.clone();
    for n in 2.. {
        let used = organization::Entity::find().filter(organization::Column::Slug.eq(&slug)).count(&portico.db).await?;
        if used == 0 {
            break;
        }
        slug = format!("{base_slug}-{n}");
    }
    let txn = portico.begin().await?;
    let org = organization::ActiveModel {
        name: Set(new.organization_name.into_string()),
        slug: Set(slug),
        invitation_expiry_days: Set(7),
        magic_link_minutes: Set(15),
        reinvite_cooldown_hours: Set(None),
        client_sign_in: Set("code".into()),
        accent_color: Set(None),
        created_at: Set(now()),
        ..Default::default()
    }
    .insert(&txn)
    .await?;
    let owner = staff_user::ActiveModel {
        org_id: Set(org.id),
        name: Set(new.owner_name.into_string()),
        email: Set(new.email.to_string()),
        password_hash: Set(password_hash),
        role: Set(Role::Owner.as_str().into()),
        created_at: Set(now()),
        last_sign_in_at: Set(None),
        ..Default::default()
    }
    .insert(&txn)
    .await
    // Two sign-ups with one email racing past the check above land here.
    .map_err(|_| Error::validation("email", "A staff account with this email already exists. Sign in instead."))?;
    crate::permissions::create_default_profile(&txn, org.id).await?;
    txn.commit().await?;
    tracing::info!(org_id = org.id, "organization created");
    Ok(StaffUserId(owner.id))
}

/// Checks a staff email and password. Unknown emails cost the same work as known ones.
pub async fn verify_staff_password(portico: &Portico, email: &str, password: &str) -> Result<StaffUserId> {
    let wrong = || Error::validation("password", "That email and password do not match.");
    let user = match EmailAddress::parse(email) {
        Ok(email) => {
            staff_user::Entity::find().filter(staff_user::Column::Email.eq(email.as_str())).one(&portico.db).await?
        }
        Err(_) => None,
    };
    let matches = password_matches(user.as_ref().map(|u| u.password_hash.clone()), password).await?;
    match user {
        Some(user) if matches => {
            let mut active: staff_user::ActiveModel = user.clone().into();
            active.last_sign_in_at = Set(Some(now()));
            let _turn = portico.write_turn().await;
            active.update(&portico.db).await?;
            Ok(StaffUserId(user.id))
        }
        _ => Err(wrong()),
    }
}

/// Loads a staff user with their organization, for a session.
pub async fn load_staff(portico: &Portico, user_id: StaffUserId) -> Result<Staff> {
    let (user, org) = staff_user::Entity::find_by_id(user_id.0)
        .find_also_related(organization::Entity)
        .one(&portico.db)
        .await?
        .ok_or(Error::Unauthorized)?;
    Ok(staff_of(user, org.ok_or(Error::Unauthorized)?))
}

/// The signed-in staff member from their row and their organization's.
pub(crate) fn staff_of(user: staff_user::Model, org: organization::Model) -> Staff {
    Staff {
        org_id: OrgId(org.id),
        user_id: StaffUserId(user.id),
        role: Role::parse(&user.role).unwrap_or(Role::Member),
        name: user.name,
        email: user.email,
        org_name: org.name,
        org_slug: org.slug,
    }
}

/// Checks a password against a stored argon2id hash, off the async runtime. Without a stored
/// hash (unknown account) it checks against a dummy one: the same work, the same time.
pub(crate) async fn password_matches(stored: Option<String>, password: &str) -> Result<bool> {
    let stored = stored.unwrap_or_else(|| DUMMY_HASH.clone());
    let password = password.to_string();
    on_hashing_pool(move || {
        PasswordHash::new(&stored).is_ok_and(|h| Argon2::default().verify_password(password.as_bytes(), &h).is_ok())
    })
    .await
    .map_err(|e| Error::internal("password check failed", e))
}

pub(crate) async fn hash_password(password: Password) -> Result<String> {
    on_hashing_pool(move || {
        let salt = SaltString::generate(&mut OsRng);
        Argon2::default().hash_password(password.expose().as_bytes(), &salt).map(|h| h.to_string())
    })
    .await
    .map_err(|e| Error::internal("password hashing failed", e))?
    .map_err(|e| Error::internal("password hashing failed", e))
}

/// Runs one argon2 computation on at most half the cores at a time. Each takes ~19 MiB and a
/// core for tens of milliseconds: unbounded, a burst of sign-in attempts (a password spray) would
/// take every core and starve page requests; bounded, the burst waits its turn instead.
async fn on_hashing_pool<T: Send + 'static>(
    work: impl FnOnce() -> T + Send + 'static,
) -> std::result::Result<T, tokio::task::JoinError> {
    static PERMITS: std::sync::LazyLock<std::sync::Arc<tokio::sync::Semaphore>> = std::sync::LazyLock::new(|| {
        std::sync::Arc::new(tokio::sync::Semaphore::new(
            std::thread::available_parallelism().map_or(1, |n| (n.get() / 2).max(1)),
        ))
    });
    // The semaphore is never closed, so acquiring cannot fail; without a permit, run anyway.
    // The permit goes with the work: a request given up half-way (a timeout, a closed
    // connection) does not free it while its hash still runs.
    let permit = PERMITS.clone().acquire_owned().await.ok();
    tokio::task::spawn_blocking(move || {
        let _permit = permit;
        work()
    })
    .await
}

/// A real argon2id hash of a random password, verified against for unknown emails so that
/// "no such account" takes as long as "wrong password".
static DUMMY_HASH: std::sync::LazyLock<String> = std::sync::LazyLock::new(|| {
    let salt = SaltString::generate(&mut OsRng);
    Argon2::default()
        .hash_password(crate::secrets::random_hex16().as_bytes(), &salt)
        .expect("hashing a random password")
        .to_string()
});
