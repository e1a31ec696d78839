//! Customers as firms keep them: a postal address in its parts, a version for edits made at
//! the same time, and the index of the Customers page (by name within its organization).

use sea_orm_migration::{prelude::*, schema::*};

use super::m20261121_000001_initial::{index, t};

pub struct Migration;

impl MigrationName for Migration {
    fn name(&self) -> &str {
        "m20261202_000006_customers"
    }
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for column in [
            string_len_null(t("street"), 200),
            string_len_null(t("city"), 100),
            string_len_null(t("region"), 100),
            string_len_null(t("postal_code"), 20),
            string_len_null(t("country"), 100),
            big_integer(t("version")).default(1).to_owned(),
        ] {
            manager.alter_table(Table::alter().table(t("customers")).add_column(column).to_owned()).await?;
        }
        // The one-line address of before becomes the street line.
        manager
            .get_connection()
            .execute_unprepared("UPDATE customers SET street = postal_address WHERE postal_address IS NOT NULL")
            .await?;
        manager.create_index(index("customers", "ix_customers_by_name", &["org_id", "name", "id"], false)).await?;
        manager
            .create_index(index("clients", "ix_clients_by_customer", &["org_id", "customer_id", "name", "id"], false))
            .await?;
        manager.create_index(index("projects", "ix_projects_by_customer", &["org_id", "customer_id"], false)).await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for (table, name) in [
            ("customers", "ix_customers_by_name"),
            ("clients", "ix_clients_by_customer"),
            ("projects", "ix_projects_by_customer"),
        ] {
            manager.drop_index(Index::drop().name(name).table(t(table)).to_owned()).await?;
        }
        for column in ["street", "city", "region", "postal_code", "country", "version"] {
            manager.alter_table(Table::alter().table(t("customers")).drop_column(t(column)).to_owned()).await?;
        }
        Ok(())
    }
}
