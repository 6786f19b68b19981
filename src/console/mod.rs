//! The admin console, `/t/{tenant}/admin`: plain HTML pages for coordinators and
//! members, served by Roster. Every page runs operations of Roster's own GraphQL schema
//! in process (the documents in `operations/`) with the signed-in member's session and
//! renders the answer with minijinja (`templates/`); every form posts, runs a mutation
//! and redirects. No page reaches the domain layer or the database by itself, so the
//! console can do nothing the API cannot. Sessions are the API's, carried in an
//! HttpOnly, SameSite=Lax cookie bound to the tenant; forms carry a CSRF token and
//! their Origin is checked. Sentences come from one Fluent catalog per language.

mod account;
mod audit;
mod bulk;
mod catalog;
mod forms;
mod groups;
mod home_page;
mod imports;
mod invitations;
mod layout;
mod member;
mod member_filter;
mod member_list;
mod member_merge;
mod operations;
mod password;
mod responses;
mod session;
mod sign_in;
mod upload;
mod visit;

use fluent_bundle::FluentValue;

// What every page builds on, for the pages to import from `super`.
use self::forms::{form_fields, page_problem, posted, problem_for, problems_of, root_field, value_of, Field};
use self::responses::{not_found, plain_error, see_other};
use self::visit::Visit;

pub use self::account::{
    change_email as account_change_email, page as account_page, save as account_save,
    sign_out_everywhere as account_sign_out_everywhere,
};
pub use self::audit::page as audit_page;
pub use self::bulk::act as members_bulk;
pub use self::catalog::gaps as catalog_gaps;
pub use self::groups::{create as group_create, delete as group_delete, list as groups_list, rename as group_rename};
pub use self::home_page::{home, method_not_allowed_page, unknown_page as unknown_console_page};
pub use self::imports::{
    act as import_act, error_report as import_error_report, list as imports_list, page as import_page,
    start as import_start, template as import_template,
};
pub use self::invitations::{act as invitations_act, invite_get, invite_post, list as invitations_list};
pub(crate) use self::layout::{render_public, PublicPage};
pub use self::member::send_activation as members_send_activation;
pub use self::member::{
    new_get as member_new_get, new_post as member_new_post, page as member_page, send_reset as member_send_reset,
    set_roles as member_set_roles, set_status as member_set_status, update as member_update,
};
pub use self::member_list::members;
pub use self::member_merge::{merge_get as member_merge_get, merge_post as member_merge_post};
pub use self::password::{password_get, password_post};
pub use self::responses::stylesheet;
pub(crate) use self::session::session_cookie_for;
pub use self::sign_in::{sign_in_get, sign_in_post, sign_out_post};

/// The console's language for a reader of `locale`: its catalog, else English.
pub(crate) fn language_of(locale: &str) -> &'static str {
    catalog::language_for(locale).unwrap_or(catalog::FALLBACK)
}

/// A sentence of the console's catalog, in `lang`, with `args` (name, text).
pub(crate) fn sentence(lang: &str, key: &str, args: &[(&str, &str)]) -> String {
    let args: Vec<(&str, FluentValue<'_>)> = args
        .iter()
        .map(|(name, value)| (*name, FluentValue::from(*value)))
        .collect();
    catalog::text(lang, key, &args)
}

/// Whether the catalog of `lang` holds `key`.
#[cfg(test)]
pub(crate) fn catalog_has(lang: &str, key: &str) -> bool {
    catalog::has(lang, key)
}
