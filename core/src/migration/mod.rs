//! Schema migrations; the same steps run on SQLite and PostgreSQL.

use sea_orm_migration::prelude::*;

mod m20261121_000001_initial;
mod m20261121_000002_lifecycle;
mod m20261201_000003_trust;
mod m20261201_000004_scale;
mod m20261202_000005_clients;
mod m20261202_000006_customers;
mod m20261202_000007_billing;
mod m20261202_000008_search;
mod m20261203_000009_lanes;
mod m20261203_000010_jobs;
mod m20261204_000011_exports;
mod m20261204_000012_job_todo;
mod m20261205_000013_tasks;
mod m20261206_000014_updates;
mod m20261207_000015_documents;
mod m20261207_000016_project_portal;
mod m20261208_000017_invoices;
mod m20261208_000018_task_files;
mod m20261209_000019_forms;
mod m20261210_000020_one_waiting_form;
mod m20261211_000021_sealed_bodies_uncompressed;
mod m20261212_000022_one_audit_subject_index;

pub struct Migrator;

#[async_trait::async_trait]
impl MigratorTrait for Migrator {
    fn migrations() -> Vec<Box<dyn MigrationTrait>> {
        vec![
            Box::new(m20261121_000001_initial::Migration),
            Box::new(m20261121_000002_lifecycle::Migration),
            Box::new(m20261201_000003_trust::Migration),
            Box::new(m20261201_000004_scale::Migration),
            Box::new(m20261202_000005_clients::Migration),
            Box::new(m20261202_000006_customers::Migration),
            Box::new(m20261202_000007_billing::Migration),
            Box::new(m20261202_000008_search::Migration),
            Box::new(m20261203_000009_lanes::Migration),
            Box::new(m20261203_000010_jobs::Migration),
            Box::new(m20261204_000011_exports::Migration),
            Box::new(m20261204_000012_job_todo::Migration),
            Box::new(m20261205_000013_tasks::Migration),
            Box::new(m20261206_000014_updates::Migration),
            Box::new(m20261207_000015_documents::Migration),
            Box::new(m20261207_000016_project_portal::Migration),
            Box::new(m20261208_000017_invoices::Migration),
            Box::new(m20261208_000018_task_files::Migration),
            Box::new(m20261209_000019_forms::Migration),
            Box::new(m20261210_000020_one_waiting_form::Migration),
            Box::new(m20261211_000021_sealed_bodies_uncompressed::Migration),
            Box::new(m20261212_000022_one_audit_subject_index::Migration),
        ]
    }
}
