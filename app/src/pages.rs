//! Every page is a lazy route: its code is split out of the main wasm bundle into a chunk of
//! its own (cargo-leptos `--split`), fetched when the page is rendered or navigated to. The
//! main bundle keeps the framework, the shell, the navigation and the toasts, so a client
//! opening an invitation link does not download the staff pages, and the reverse.
//!
//! The pages load their own data (resources inside the component), so each route's data half
//! is empty and its view half is the page component.

use leptos::prelude::*;
use leptos_router::{LazyRoute, lazy_route};
use portico_core::model::LinkKind;

use crate::{
    accounts, client_access, clients, customers, dashboard, invitations, mailbox, notifications, portal, projects,
    settings, team,
};

/// `lazy_page!(Name => view)`: a route type whose view is `view`, compiled into its own chunk.
macro_rules! lazy_page {
    ($($name:ident => $page:expr;)*) => {$(
        pub struct $name;

        #[lazy_route]
        impl LazyRoute for $name {
            fn data() -> Self {
                Self
            }

            fn view(_this: Self) -> AnyView {
                $page.into_any()
            }
        }
    )*};
}

lazy_page! {
    Setup => view! { <accounts::SetupPage /> };
    SignIn => view! { <accounts::SignInPage /> };
    ForgotPassword => view! { <accounts::ForgotPasswordPage /> };
    ResetPassword => view! { <accounts::ResetPasswordPage /> };
    Dashboard => view! { <dashboard::DashboardPage /> };
    Projects => view! { <projects::ProjectsPage /> };
    NewProject => view! { <projects::NewProjectPage /> };
    Project => view! { <projects::ProjectPage /> };
    PortalAccess => view! { <invitations::PortalAccessPage /> };
    Mailbox => view! { <mailbox::MailboxPage /> };
    Message => view! { <mailbox::MessagePage /> };
    Clients => view! { <clients::ClientsPage /> };
    AddClient => view! { <clients::AddClientPage /> };
    Client => view! { <clients::ClientPage /> };
    EditClient => view! { <clients::EditClientPage /> };
    Customers => view! { <customers::CustomersListPage /> };
    CustomerForm => view! { <customers::CustomerFormPage /> };
    Customer => view! { <customers::CustomerDetailPage /> };
    Settings => view! { <settings::SettingsPage /> };
    Notifications => view! { <notifications::NotificationsPage /> };
    Team => view! { <team::TeamPage /> };
    Join => view! { <team::JoinPage /> };
    InvitationLink => view! { <client_access::LinkPage kind=LinkKind::Invitation /> };
    SignInLink => view! { <client_access::LinkPage kind=LinkKind::SignIn /> };
    Verify => view! { <client_access::VerifyPage /> };
    PortalSignIn => view! { <client_access::PortalSignInPage /> };
    PortalHome => view! { <portal::PortalHomePage /> };
    SetPassword => view! { <client_access::SetPasswordPage /> };
    PortalFinder => view! { <client_access::PortalFinderPage /> };
}
