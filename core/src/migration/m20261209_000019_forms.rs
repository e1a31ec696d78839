//! Digital forms: what staff build (`forms`: a name and its fields, kept as JSON because they are
//! always read and written whole) and each form sent to a client (`form_requests`: in one
//! project, maybe with an invitation). A request keeps the questions it asked (`fields`, a copy
//! made when sent and refreshed while it is unanswered), so answers always read with the words
//! they answered, whatever the form becomes. `draft` keeps what a client typed when their send
//! was refused (a required field left empty), so nothing typed is lost.

use sea_orm_migration::{prelude::*, schema::*};

use super::m20261121_000001_initial::{fk, index, t, tenant_table, ts, ts_null};

pub struct Migration;

impl MigrationName for Migration {
    fn name(&self) -> &str {
        "m20261209_000019_forms"
    }
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                tenant_table("forms")
                    .col(string_len(t("name"), 200))
                    // Lowercased: names are unique in an organization whatever their case.
                    .col(string_len(t("name_key"), 800))
                    .col(text(t("fields")))
                    // A removed field's id is never given to another (answers refer to ids).
                    .col(integer(t("next_field_id")))
                    .col(big_integer_null(t("created_by")))
                    .col(ts("created_at"))
                    .col(ts("updated_at"))
                    .foreign_key(&mut fk("forms", "created_by", "staff_users", ForeignKeyAction::SetNull))
                    .to_owned(),
            )
            .await?;
        manager.create_index(index("forms", "ux_forms_name", &["org_id", "name_key"], true)).await?;
        manager.create_index(index("forms", "ix_forms_created_by", &["created_by"], false)).await?;
        manager
            .create_table(
                tenant_table("form_requests")
                    .col(big_integer(t("form_id")))
                    .col(big_integer(t("project_id")))
                    .col(big_integer(t("client_id")))
                    .col(big_integer_null(t("invitation_id")))
                    .col(big_integer_null(t("sent_by")))
                    .col(string_len(t("form_name"), 200))
                    .col(text(t("fields")))
                    .col(text_null(t("answers")))
                    .col(text_null(t("draft")))
                    .col(ts("sent_at"))
                    .col(ts_null("answered_at"))
                    .col(ts_null("skipped_at"))
                    .foreign_key(&mut fk("form_requests", "form_id", "forms", ForeignKeyAction::Cascade))
                    .foreign_key(&mut fk("form_requests", "project_id", "projects", ForeignKeyAction::Cascade))
                    .foreign_key(&mut fk("form_requests", "client_id", "clients", ForeignKeyAction::Cascade))
                    .foreign_key(&mut fk("form_requests", "invitation_id", "invitations", ForeignKeyAction::SetNull))
                    .foreign_key(&mut fk("form_requests", "sent_by", "staff_users", ForeignKeyAction::SetNull))
                    .to_owned(),
            )
            .await?;
        // A client's forms (the portal, the client page), a form's responses, a project's.
        for (name, columns) in [
            ("ix_form_requests_client", &["org_id", "client_id", "id"][..]),
            ("ix_form_requests_form", &["org_id", "form_id", "id"][..]),
            ("ix_form_requests_project", &["org_id", "project_id", "client_id"][..]),
            ("ix_form_requests_invitation", &["invitation_id"][..]),
            ("ix_form_requests_sent_by", &["sent_by"][..]),
        ] {
            manager.create_index(index("form_requests", name, columns, false)).await?;
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager.drop_table(Table::drop().table(t("form_requests")).to_owned()).await?;
        manager.drop_table(Table::drop().table(t("forms")).to_owned()).await?;
        Ok(())
    }
}
