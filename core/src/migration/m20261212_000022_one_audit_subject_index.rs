//! The audit trail kept two indexes on a subject: `ix_audit_subject` (org, kind, id) from the
//! first schema, and `ix_audit_subject_event` (org, kind, id, event, created_at), added for the
//! resend limit and "link opened". The second serves every query the first did (the same
//! leading columns), so the first only cost each audit row one more index entry to write: an
//! import of 10,000 rows and its sending write about 30,000 of them.

use sea_orm_migration::prelude::*;

use super::m20261121_000001_initial::{index, t};

pub struct Migration;

impl MigrationName for Migration {
    fn name(&self) -> &str {
        "m20261212_000022_one_audit_subject_index"
    }
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager.drop_index(Index::drop().name("ix_audit_subject").table(t("audit_events")).to_owned()).await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_index(index("audit_events", "ix_audit_subject", &["org_id", "subject_kind", "subject_id"], false))
            .await
    }
}
