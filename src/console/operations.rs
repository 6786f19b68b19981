//! The GraphQL documents the pages run, from `operations/`.

pub(super) const SIGN_IN: &str = include_str!("operations/sign_in.graphql");
pub(super) const SIGN_OUT: &str = include_str!("operations/sign_out.graphql");
pub(super) const ME: &str = include_str!("operations/me.graphql");
pub(super) const HOME_MEMBERS: &str = include_str!("operations/home_members.graphql");
pub(super) const HOME_INVITATIONS: &str = include_str!("operations/home_invitations.graphql");
pub(super) const HOME_IMPORTS: &str = include_str!("operations/home_imports.graphql");
pub(super) const MEMBERS: &str = include_str!("operations/members.graphql");
pub(super) const CHANGE_PASSWORD: &str = include_str!("operations/change_password.graphql");
pub(super) const MEMBER: &str = concat!(
    include_str!("operations/member.graphql"),
    include_str!("operations/member_fields.graphql")
);
/// A member's page in one request: the member, and as the reader's rights allow
/// (`$history`, `$choices`), their history and the roles and groups to hand out.
pub(super) const MEMBER_PAGE: &str = concat!(
    include_str!("operations/member_page.graphql"),
    include_str!("operations/member_fields.graphql")
);
pub(super) const UPDATE_MEMBER: &str = include_str!("operations/update_member.graphql");
pub(super) const CREATE_MEMBER: &str = include_str!("operations/create_member.graphql");
pub(super) const DEACTIVATE: &str = include_str!("operations/deactivate.graphql");
pub(super) const ACTIVATE: &str = include_str!("operations/activate.graphql");
pub(super) const SEND_PASSWORD_RESET: &str = include_str!("operations/send_password_reset.graphql");
pub(super) const TENANT_ROLES: &str = include_str!("operations/tenant_roles.graphql");
pub(super) const INVITATIONS: &str = include_str!("operations/invitations.graphql");
pub(super) const INVITE: &str = include_str!("operations/invite.graphql");
pub(super) const RESEND_INVITATIONS: &str = include_str!("operations/resend_invitations.graphql");
pub(super) const REVOKE_INVITATIONS: &str = include_str!("operations/revoke_invitations.graphql");
pub(super) const INVITATION_LINK: &str = include_str!("operations/invitation_link.graphql");
pub(super) const AUDIT_LOG: &str = include_str!("operations/audit_log.graphql");
pub(super) const SEND_ACTIVATION: &str = include_str!("operations/send_activation.graphql");
pub(super) const GROUPS: &str = include_str!("operations/groups.graphql");
pub(super) const CREATE_GROUP: &str = include_str!("operations/create_group.graphql");
pub(super) const UPDATE_GROUP: &str = include_str!("operations/update_group.graphql");
pub(super) const DELETE_GROUP: &str = include_str!("operations/delete_group.graphql");
pub(super) const MY_PROFILE: &str = include_str!("operations/my_profile.graphql");
pub(super) const UPDATE_MY_PROFILE: &str = include_str!("operations/update_my_profile.graphql");
pub(super) const REQUEST_EMAIL_CHANGE: &str = include_str!("operations/request_email_change.graphql");
pub(super) const SIGN_OUT_EVERYWHERE: &str = include_str!("operations/sign_out_everywhere.graphql");
pub(super) const BULK_DEACTIVATE: &str = include_str!("operations/bulk_deactivate.graphql");
pub(super) const BULK_ACTIVATE: &str = include_str!("operations/bulk_activate.graphql");
pub(super) const BULK_ADD_TO_GROUP: &str = include_str!("operations/bulk_add_to_group.graphql");
pub(super) const BULK_SEND_ACTIVATION: &str = include_str!("operations/bulk_send_activation.graphql");
pub(super) const BULK_REMOVE_FROM_GROUP: &str = include_str!("operations/bulk_remove_from_group.graphql");
pub(super) const EXPORT_MEMBERS: &str = include_str!("operations/export_members.graphql");
pub(super) const COUNT_MEMBERS: &str = include_str!("operations/count_members.graphql");
pub(super) const SET_MEMBER_ROLES: &str = include_str!("operations/set_member_roles.graphql");
pub(super) const MERGE_MEMBERS: &str = include_str!("operations/merge_members.graphql");
pub(super) const IMPORTS: &str = include_str!("operations/imports.graphql");
pub(super) const IMPORT_JOB: &str = include_str!("operations/import_job.graphql");
pub(super) const START_IMPORT: &str = include_str!("operations/start_import.graphql");
pub(super) const APPLY_IMPORT: &str = include_str!("operations/apply_import.graphql");
pub(super) const CANCEL_IMPORT: &str = include_str!("operations/cancel_import.graphql");
pub(super) const UNDO_IMPORT: &str = include_str!("operations/undo_import.graphql");
pub(super) const IMPORT_TEMPLATE: &str = include_str!("operations/import_template.graphql");
pub(super) const IMPORT_ERROR_REPORT: &str = include_str!("operations/import_error_report.graphql");
