//! Durable jobs: work over more rows than a request should touch (bulk actions now; imports and
//! exports later), done in chunks of short transactions that each record their own progress.
//! `job_items` is the job's selection, taken when it is created: one row per subject, with its
//! outcome written in the same transaction as the work on it, so a job resumed after a crash
//! neither repeats a subject that was done nor skips one that was not.

use sea_orm_migration::{prelude::*, schema::*};

use super::m20261121_000001_initial::{fk, index, t, tenant_table, ts, ts_null};

pub struct Migration;

impl MigrationName for Migration {
    fn name(&self) -> &str {
        "m20261203_000010_jobs"
    }
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        use ForeignKeyAction::{Cascade, SetNull};
        manager
            .create_table(
                tenant_table("jobs")
                    .col(string_len(t("kind"), 40))
                    .col(text(t("params")))
                    .col(string_len(t("status"), 20))
                    .col(big_integer(t("total")).default(0))
                    .col(big_integer(t("done")).default(0))
                    .col(big_integer(t("skipped")).default(0))
                    .col(big_integer(t("failed")).default(0))
                    .col(big_integer_null(t("created_by")))
                    .col(string_len_null(t("idempotency_key"), 64))
                    .col(ts_null("lease_until"))
                    .col(string_len_null(t("lease_owner"), 64))
                    .col(text_null(t("error")))
                    .col(ts("created_at"))
                    .col(ts_null("finished_at"))
                    .foreign_key(&mut fk("jobs", "created_by", "staff_users", SetNull))
                    .to_owned(),
            )
            .await?;
        // The same request twice (double click, retry, two tabs) finds the job the first made.
        manager.create_index(index("jobs", "ux_jobs_idempotency", &["org_id", "idempotency_key"], true)).await?;
        manager.create_index(index("jobs", "ix_jobs_page", &["org_id", "id"], false)).await?;
        manager.create_index(index("jobs", "ix_jobs_due", &["status", "lease_until"], false)).await?;
        manager
            .create_table(
                Table::create()
                    .table(t("job_items"))
                    .if_not_exists()
                    .col(big_integer(t("job_id")))
                    .col(big_integer(t("subject_id")))
                    .col(string_len_null(t("outcome"), 20))
                    .col(text_null(t("reason")))
                    .primary_key(Index::create().col(t("job_id")).col(t("subject_id")))
                    .foreign_key(&mut fk("job_items", "job_id", "jobs", Cascade))
                    .to_owned(),
            )
            .await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager.drop_table(Table::drop().table(t("job_items")).to_owned()).await?;
        manager.drop_table(Table::drop().table(t("jobs")).to_owned()).await?;
        Ok(())
    }
}
