//! SeaORM entities: one module per table. Every tenant-owned table carries `org_id`.
pub mod audit_event;
pub mod client;
pub mod customer;
pub mod invitation;
pub mod link_request;
pub mod notification;
pub mod notification_opt_out;
pub mod one_time_code;
pub mod organization;
pub mod outbox_message;
pub mod project;
pub mod project_client;
pub mod session;
pub mod sign_in_link;
pub mod sign_in_request;
pub mod staff_invitation;
pub mod staff_user;
