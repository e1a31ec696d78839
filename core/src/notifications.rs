//! In-app notifications for staff ("Ada accepted your invitation").

use sea_orm::{ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect, Set};

use crate::{Portico, Result, accounts::Staff, entities::notification, now};

pub struct NewNotification<'a> {
    pub org_id: i64,
    pub staff_user_id: i64,
    pub kind: &'a str,
    pub title: String,
    pub body: String,
    pub link: Option<String>,
}

pub async fn notify<C: ConnectionTrait>(db: &C, n: NewNotification<'_>) -> Result<()> {
    notification::ActiveModel {
        org_id: Set(n.org_id),
        staff_user_id: Set(n.staff_user_id),
        kind: Set(n.kind.into()),
        title: Set(n.title),
        body: Set(n.body),
        link: Set(n.link),
        created_at: Set(now()),
        read_at: Set(None),
        ..Default::default()
    }
    .insert(db)
    .await?;
    Ok(())
}

/// The newest notifications of the signed-in staff user.
pub async fn recent(portico: &Portico, staff: &Staff) -> Result<Vec<notification::Model>> {
    Ok(notification::Entity::find()
        .filter(notification::Column::OrgId.eq(staff.org_id.0))
        .filter(notification::Column::StaffUserId.eq(staff.user_id.0))
        .order_by_desc(notification::Column::Id)
        .limit(20)
        .all(&portico.db)
        .await?)
}
