# The console's sentences in English. Every key here exists in fr.ftl too (a test checks).
console = Console
playground = GraphQL playground
skip-to-content = Skip to content
sign-in-title = Sign in
sign-in-identifier = Login or email address
sign-in-password = Password
sign-in-submit = Sign in
sign-in-forgot = Forgot your password?
sign-in-failed = The login or the password is wrong.
sign-in-limited = Too many attempts: try again in { $minutes } minute(s).
sign-in-deactivated = This account is deactivated: ask the organization's admins.
sign-out = Sign out
signed-in-as = Signed in as { $name }
form-expired = This form has expired or did not come from this site. Nothing was changed: please try again.
required = required
nav-home = Home
nav-members = Members
nav-account = My account
home-title = Home
home-welcome = Welcome, { $name }.
home-active = { $count ->
    [one] active member
   *[other] active members
}
home-deactivated = { $count ->
    [one] deactivated member
   *[other] deactivated members
}
home-never-signed-in = { $count ->
    [one] member never signed in
   *[other] members never signed in
}
home-pending-invitations = { $count ->
    [one] pending invitation
   *[other] pending invitations
}
home-last-import = Last import
home-no-import = No import yet.
home-member-only = Your account gives access to your own profile only.
members-title = Members
members-search = Search
members-search-hint = Names, login or email; "dupo" finds Dupont.
members-from-import = Created by this import
members-from-import-see = see the import
search-too-long = A search holds at most { $max } characters: shorten it.
members-status = Status
members-status-any = Any
members-status-active = Active
members-status-deactivated = Deactivated
members-never-signed-in = Never signed in
members-filter = Filter
members-count = { $count ->
    [one] One member
   *[other] { $count } members
}
members-none = No member matches.
members-name = Name
members-login = Login
members-email = Email
members-last-sign-in = Last sign-in
members-never = never
members-next = Next page
members-first = First page
members-previous = Previous page
members-sort = Order
members-sort-name = By name
members-sort-login = By login
members-sort-newest = Newest first
members-sort-last-sign-in = Latest sign-in first
forbidden-title = Not allowed
forbidden = Your account may not see this page.
password-title = Change your password
password-required = Your password was set for you: choose your own before going on.
password-current = Current password
password-new = New password
password-hint = At least { $min } characters; a phrase of several words is easier to remember.
password-submit = Change password
password-changed = Your password is changed.
error-title = Something went wrong
error-generic = Something went wrong on our side. Please try again.
member-secondary-email = Second email
member-unconfirmed = not confirmed yet
member-phone = Phone
member-first-name = First name
member-last-name = Last name
member-origin = Came in by
member-roles = Roles
member-groups = Groups
member-created = Created
member-pending-invitation = Invitation pending until
member-deactivate = Deactivate
member-activate = Activate
member-send-reset = Send a password-reset link
member-reset-sent = A password-reset link is on its way to the member's address.
member-deactivated = The member is deactivated: their sessions have ended.
member-activated = The member is active again.
member-saved = Changes saved.
member-created-notice = The member is created.
member-edit = Edit
member-save = Save
member-history = History
member-history-when = When
member-history-what = What
member-history-who = By
member-new = New member
member-create = Create the member
member-send-invitation = Send the invitation now
member-login-optional = Login (made from the name when left empty)
not-found-title = Not found
not-found = There is no such member here, or it is out of your reach.
page-not-found = There is no such page here, or it is out of your reach.
page-bad-address = This address holds a value this page does not understand: it probably comes from an old link, or one copied by hand.
nav-invitations = Invitations
invitations-title = Invitations
invitations-status = Status
invitations-all = All
invitations-pending = Pending
invitations-accepted = Accepted
invitations-expired = Expired
invitations-revoked = Revoked
invitations-count = { $count ->
    [one] One invitation
   *[other] { $count } invitations
}
invitations-none = No invitation here.
invitations-select = Select
invitations-expires = Valid until
invitations-by = Invited by
invitations-resend = Resend the selected
invitations-revoke = Revoke the selected
invitations-resent = { $count ->
    [one] One invitation sent again.
   *[other] { $count } invitations sent again.
}
invitations-revoked-notice = { $count ->
    [one] One invitation revoked: its link no longer works.
   *[other] { $count } invitations revoked: their links no longer work.
}
invitations-none-selected = Select at least one invitation first.
invitations-copy-link = Link
invitations-link = Link to hand on
invitations-link-hint = For someone who cannot find the email: give them this link. Older links of this invitation stop working.
invite-title = Invite people
invite-addresses = Email addresses
invite-addresses-hint = Paste them as they come: separated by commas, semicolons, spaces or lines.
invite-language = Language of the email
invite-message = Personal message (optional)
invite-submit = Send the invitations
invite-invited = { $count ->
    [one] One person invited
   *[other] { $count } people invited
}
invite-added = { $count ->
    [one] One member already there, added to the groups
   *[other] { $count } members already there, added to the groups
}
invite-skipped = { $count ->
    [one] One address skipped
   *[other] { $count } addresses skipped
}
invite-skip-already_member = already a member
invite-skip-deactivated_member = a deactivated member: reactivate them instead
invite-already-sent = These invitations have already gone out: reloading the page does not send them again. They are in the invitations list.
nav-audit = Audit log
audit-title = Audit log
audit-action = Action
audit-since = From
audit-until = Until
audit-target = About
audit-details = Details
audit-count = { $count ->
    [one] One entry
   *[other] { $count } entries
}
audit-none = No entry matches.
activation-title = Invite them to set their password
activation-explain = { $count ->
    [one] One member of this list has never signed in: send them an email to choose their password.
   *[other] { $count } members of this list have never signed in: send each an email to choose their password.
}
activation-message = Personal message (optional)
activation-submit = { $count ->
    [one] Send the invitation
   *[other] Send the { $count } invitations
}
activation-sent = { $count ->
    [one] One invitation to set a password is on its way.
   *[other] { $count } invitations to set a password are on their way.
}
nav-groups = Groups
groups-title = Groups
groups-name = Name
groups-description = Description
groups-kind = Kind
groups-smart = smart (by rule)
groups-manual = manual
groups-members = Members
groups-rename = Rename
groups-delete = Delete
groups-none = No group yet.
groups-new = New group
groups-rule = Rule (leave empty for a manual group)
groups-rule-hint = A smart group holds whoever matches its rule, now and later.
groups-create = Create the group
groups-created = The group is created.
groups-renamed = The group is renamed.
groups-deleted = The group is deleted; its members are not.
account-title = My account
account-profile = Profile
account-language = Language
account-language-browser = My browser's
account-second-pending = Not counted until you open the link sent to it.
account-email = Email address
account-email-now = Your address now:
account-new-email = New address
account-email-submit = Change my address
account-email-sent = A link is on its way to the new address: your address changes when you open it.
account-saved = Your profile is saved.
account-sessions = Sessions
account-sign-out-everywhere = Sign out everywhere
bulk-title = With the selection
bulk-everyone = { $count ->
    [one] the one member matching this filter, not only those checked
   *[other] all { $count } members matching this filter, not only those checked
}
bulk-action = Action
bulk-add-to-group = Add to the group
bulk-remove-from-group = Remove from the group
bulk-export-csv = Export (CSV)
bulk-export-xlsx = Export (XLSX)
bulk-group = Group
bulk-go = Continue
bulk-confirm = Confirm
bulk-cancel = Cancel
bulk-group-named = { $action } "{ $group }"
bulk-question = { $count ->
    [one] { $action }: this touches one member. Go on?
   *[other] { $action }: this touches { $count } members. Go on?
}
bulk-nothing = Check members first, or choose all members matching the filter.
bulk-no-group = Choose a group first.
bulk-done = { $count ->
    [one] Done: one member changed.
   *[other] Done: { $count } members changed.
}
bulk-done-deactivate = { $count ->
    [one] Done: one member deactivated.
   *[other] Done: { $count } members deactivated.
}
bulk-done-activate = { $count ->
    [one] Done: one member active again.
   *[other] Done: { $count } members active again.
}
bulk-done-add-to-group = { $count ->
    [one] Done: one member added to the group.
   *[other] Done: { $count } members added to the group.
}
bulk-done-remove-from-group = { $count ->
    [one] Done: one member removed from the group.
   *[other] Done: { $count } members removed from the group.
}
roles-everywhere = Roles over the whole organization
roles-in-groups = Roles within a group (uncheck to take away)
roles-add-scoped = Add a role within a group
roles-save = Save the roles
member-roles-saved = Roles saved.
nav-imports = Imports
imports-title = Imports
imports-count = { $count ->
    [0] No import yet.
    [one] One import.
   *[other] { $count } imports.
}
import-title = Import
import-templates = Templates
import-templates-hint = Start from a template: it has the columns of its kind of import, in your language (in the Excel template, required ones are in bold and optional ones in italics).
import-template-xlsx = Excel (XLSX)
import-template-csv = CSV
import-new = Import a file
import-file = File
import-file-hint = CSV, Excel (XLSX or XLS) or OpenDocument (ODS). Nothing changes before you have seen the preview.
import-file-missing = Choose the file to import.
import-file-too-large = This file is larger than the server accepts.
import-upload-broken = The upload was cut off: please try again.
import-mode = Kind of import
import-mode-create = Add new members
import-mode-create-hint = each row becomes a member
import-mode-invite = Invite
import-mode-invite-hint = each row gets an invitation by email; members already here join the row's groups
import-mode-sync = Keep the list in step with the file
import-mode-sync-hint = adds new rows, updates the members it finds, and handles those missing from the file as chosen below
import-absent = Members missing from the file (keep in step only)
import-absent-deactivate = Deactivate them (the admins' accounts and protected roles excepted)
import-absent-keep = Leave them as they are
import-default-group = Group for rows that name none
import-send-invitations = Send an activation invitation to each member created
import-file-options = File options
import-sheet = Sheet
import-sheet-hint = Workbooks: the sheet to read, by its tab's name. Empty: the first visible sheet.
import-encoding = Text encoding
import-encoding-hint = CSV and text files: leave it to detection unless accents come out wrong in the preview.
import-encoding-detect = Detect
import-encoding-utf-8 = UTF-8 ("CSV UTF-8")
import-encoding-windows-1252 = Windows (Excel on Windows, windows-1252)
import-encoding-macintosh = Mac (Excel on a Mac, "CSV Macintosh")
import-encoding-iso-8859-15 = Latin-9 (ISO-8859-15)
import-encoding-utf-16le = UTF-16 ("Unicode text")
import-other-sheet = To read another sheet, send the file again with that sheet's name under "File options".
import-preview = Preview
import-history = History
import-status = Status
import-rows = Rows
import-started-at = Started
import-applied-at = Applied
import-by = By
import-status-validating = Reading the file
import-status-ready = Waiting for your decision
import-status-applying = Applying
import-status-done = Applied
import-status-failed = Failed
import-status-cancelled = Cancelled
import-status-undone = Undone
import-working-validating = Reading and checking the file:
import-working-applying = Applying the changes:
import-refresh = Refresh
import-again = Import a file again
import-unknown = There is no such import.
import-started = The file has been sent: its preview opens from the history below once it is read.
import-applied = The import is applied.
import-undone = The import is undone.
import-cancelled = The import is cancelled: nothing was changed.
import-header-row = header on row { $row }
import-summary = What it does
import-kind-create = { $count ->
    [one] new member
   *[other] new members
}
import-kind-update = { $count ->
    [one] member updated
   *[other] members updated
}
import-kind-deactivate = { $count ->
    [one] member deactivated
   *[other] members deactivated
}
import-kind-reactivate = { $count ->
    [one] member reactivated
   *[other] members reactivated
}
import-kind-invite = { $count ->
    [one] invitation
   *[other] invitations
}
import-kind-add-to-groups = { $count ->
    [one] member added to groups
   *[other] members added to groups
}
import-kind-unchanged = { $count ->
    [one] row without change
   *[other] rows without change
}
import-created-members = { $count ->
    [one] See the member created in the list, to add them to a group or invite them
   *[other] See the { $count } members created in the list, to add them to a group or invite them
}
import-created-members-undone = { $count ->
    [one] See the member the import had created, deactivated by the undo
   *[other] See the { $count } members the import had created, deactivated by the undo
}
import-kind-errors = { $count ->
    [one] row with errors
   *[other] rows with errors
}
import-skip-invalid = { $count ->
    [one] Leave out the row with errors and import the others
   *[other] Leave out the { $count } rows with errors and import the others
}
import-allow-mass = { $count ->
    [one] Yes, deactivate this member
   *[other] Yes, deactivate these { $count } members
}
import-allow-mass-hint = Deactivated members can no longer sign in. Check that the file is whole before you tick: a file cut short would close accounts that should stay open.
import-confirm-deactivation = { $count ->
    [one] Tick the box to deactivate this member, or choose to keep absent members in a new import.
   *[other] Tick the box to deactivate these { $count } members, or choose to keep absent members in a new import.
}
import-nothing-to-apply = { $errors ->
    [0] The list already matches this file: there is nothing to apply. Cancel this import to close it.
   *[other] This file changes nothing in the list: there is nothing to apply. Correct the rows in error and import it again, or cancel this import.
}
import-apply = Apply
import-cancel = Cancel this import
import-undo = Undo this import
import-undo-until = You can undo this import until { $until }.
import-undo-box = { $created ->
    [0] Yes, undo it: put every change of this import back as it was
    [one] Yes, undo it: put every change of this import back as it was (the member it created is deactivated)
   *[other] Yes, undo it: put every change of this import back as it was (the { $created } members it created are deactivated)
}
import-confirm-undo = Tick the box to undo this import: it puts back every change it made at once.
import-left-alone = Changed since the import, so left as they were
import-new-groups = Groups it creates
import-new-groups-done = Groups it created
import-new-groups-undone = Groups it had created (the undo deleted those nothing else used)
import-group-kept = kept: still used elsewhere
import-group-deleted = deleted
import-errors = { $count ->
    [one] One row problem
   *[other] { $count } row problems
}
import-error-report = Download the rows with errors (CSV, with an error column)
import-more-errors = More problems
import-warnings = { $count ->
    [one] One warning
   *[other] { $count } warnings
}
import-row = Row
import-column = Column
import-value = Value
import-problem = Problem
import-changes = { $count ->
    [0] Nothing to show line by line
   *[other] Line by line ({ $count })
}
import-all-changes = All lines
import-change = Change
import-who = Member
import-before-after = Before → after
change-field-login = Login
change-field-email = Email
change-field-secondaryEmail = Second email
change-field-phone = Phone
change-field-firstName = First name
change-field-lastName = Last name
change-field-locale = Language
change-field-password = Password
change-field-roles = Roles
change-field-groups = Groups
change-field-status = Status
change-status-ACTIVE = Active
change-status-DEACTIVATED = Deactivated
import-columns = Columns read
import-column-ignored = ignored
import-column-field-login = Login
import-column-field-email = Email
import-column-field-secondary_email = Second email
import-column-field-phone = Phone
import-column-field-first_name = First name
import-column-field-last_name = Last name
import-column-field-locale = Language
import-column-field-groups = Groups
import-column-field-roles = Roles
import-column-field-admin = Admin
import-column-field-password = Password
import-column-field-status = Status
import-sheets = Sheets
import-sheet-read = read
member-origin-bootstrap = the tenant's first admin
member-origin-import-undone = undone on { $when }: undoing deactivates the members it created
member-origin-manual = created by hand
member-origin-import = an import
member-origin-invitation = an invitation
member-origin-registration = registering themselves
merge-title = Merge two members
merge-start = Merge with another member…
merge-intro = Find the other record of { $name }: the two become one.
merge-find = The other member
merge-compare = Side by side
merge-keep = The one that stays
merge-explained = The one that stays keeps its own fields and fills its empty ones from the other; it takes over the other's roles, groups, invitations, imports and history. The other is deleted.
merge-confirm = Merge them
merge-back = Back to the member
merge-done = The two members are merged.
# The pages behind emailed links (invitation, password reset, address change).
link-accept-title = Join the organization
link-accept-intro = Choose your password to accept the invitation.
link-accept-submit = Accept the invitation
link-first-name = First name
link-last-name = Last name
link-new-password = Password
home-joined = Welcome! Your account is ready. Next time, sign in with your login { $login } or your email address.
link-link-invalid = This link is not valid: it is incomplete or unknown. Check that you opened the whole link from the email.
link-invitation-expired = This invitation has expired. You can ask for a new one.
link-ask-new = Ask for a new invitation
link-new-requested = Done: you will receive a new invitation by email.
link-reset-title = Choose a new password
link-reset-submit = Save
link-password-changed = Your password is changed. You can sign in.
link-email-title = Confirm your new address
link-email-submit = Confirm
link-email-changed = Done. Your address is now
link-second-email-confirmed = Done. Your second address is confirmed:
link-revert-title = Undo the address change
link-revert-submit = This wasn't me: put my address back
link-reverted = Your address is back, every session is signed out, and a link to choose a new password is on its way.
link-try-later = The service is temporarily unavailable. Try again in a moment.
link-sign-in = Sign in
link-forgot-password = Forgot your password?
link-form-refused = This form could not be checked: it is old, or your browser refused its cookie. Open the page again, then send the form once more.
link-already-accepted = This invitation was already accepted: you have an account. Sign in with your email address or login and your password.
link-invitation-revoked = This invitation was withdrawn: its link no longer works.
link-invitation-replaced = A newer link was sent to you for this invitation: only the one in the latest email works.
link-expired-ask-inviter = The button below asks { $inviter }, who invited you, for a new invitation.
link-expired-ask-admins = The button below asks the organization's administrators for a new invitation.
link-ask-inviter = To find out more or to get a new invitation, ask { $inviter }, who invited you, or the organization's administrators.
link-ask-admins = To find out more or to get a new invitation, ask the person who invited you or the organization's administrators.
link-link-replaced = A newer link was sent since this one: only the latest works.
link-reset-used = This link was already used to choose a new password.
link-reset-ended = This link no longer works: the account changed since it was sent (its password was chosen with another link, for example).
link-reset-expired = This link has expired: a link to choose a password works for one hour.
link-reset-ask-new = Ask for a new link here: enter your email address or login.
link-reset-request-title = Forgot your password
link-reset-request-intro = Enter your email address or login: we will send you a link to choose a new password.
link-identifier = Email address or login
link-send-reset-link = Send me a link
link-reset-requested = If an active account matches what you entered, an email with a link to choose a new password is on its way. The link works for one hour.
link-email-used = This address change was already confirmed.
link-email-ended = This address change was cancelled from the previous address, or the account changed since.
link-email-expired = This link has expired: a confirmation link works for one day. Sign in and ask for the change again.
link-revert-used = Your previous address was already put back, and a link to choose a new password was sent to it.
link-revert-ended = This link no longer works: the account changed since it was sent. If you did not ask for this change, tell the organization's administrators.
link-revert-expired = This link has expired: it worked for seven days. If you did not ask for this change, tell the organization's administrators.
link-download-title = Download
link-download-gone = This download link is not valid, or it has expired: a link to a file lasts 10 minutes. Ask for the file again from the page you got it on.
link-to-console = Go to the console
members-role = Role
members-must-change = Must change their password
bulk-send-activation = Send an activation invitation
members-count-more = More than 50 members.
members-count-them = Count them
bulk-everyone-uncounted = all members matching this filter, not only those checked (the confirmation counts them)
audit-action-group-created = Group created
audit-action-group-deleted = Group deleted
audit-action-group-members-added = Members added to the group
audit-action-group-members-removed = Members removed from the group
audit-action-group-updated = Group changed
audit-action-import-applied = Import applied
audit-action-import-undone = Import undone
audit-action-invitation-accepted = Invitation accepted
audit-action-invitation-expired = Invitation expired
audit-action-invitation-link-issued = Invitation link issued
audit-action-invitation-new-requested = New invitation asked for
audit-action-invitation-refreshed = Invitation renewed
audit-action-invitation-reminded = Invitation reminder sent
audit-action-invitation-revoked = Invitation revoked
audit-action-invitation-roles-dropped = Roles dropped from the invitation
audit-action-invitation-sent = Invitation sent
audit-action-invitation-settled = Invitation settled (already a member)
audit-action-member-activated = Member activated
audit-action-member-created = Member created
audit-action-member-deactivated = Member deactivated
audit-action-member-email-change-requested = Email change asked for
audit-action-member-email-change-reverted = Email change reverted
audit-action-member-merged = Members merged
audit-action-member-password-changed = Password changed
audit-action-member-password-reset = Password reset
audit-action-member-password-reset-sent = Password reset link sent
audit-action-member-registered = Registered
audit-action-member-roles-changed = Roles changed
audit-action-member-updated = Profile changed
audit-action-members-erased = Members erased
audit-action-privacy-retention-run = Old data erased
problem-about = { $value }: { $problem }
problem-required = This field is required.
problem-too-long = Too long: at most { $max } characters.
problem-markup = No control characters and no < >.
problem-phone = Digits, spaces and + . - ( ) / only.
problem-locale = Choose one of: { $list }.
problem-address-empty = The address is empty.
problem-address-too-long = The address is too long.
problem-address-mailto = Remove the "mailto:" in front of the address.
problem-address-surrounded = An address holds no spaces, names or punctuation around it.
problem-address-no-at = The address needs an @.
problem-address-invalid = This is not a valid email address (for example: first.last@example.org).
problem-login = Lower-case letters without accents, digits, ".", "-" and "_" only, at most { $max } characters.
problem-password-short = Too short: at least { $min } characters.
problem-password-blank = Not only spaces.
problem-current-password-wrong = This is not your current password.
problem-addresses-differ = The two addresses must differ.
problem-address-taken = Another member already uses this address.
problem-login-taken = This login is already taken.
problem-role-unknown = “{ $role }” is not a role here (roles: { $roles }).
problem-role-label-given = “{ $role }” is the label of the role “{ $key }”: give its key.
problem-taken-meanwhile = { $count ->
    [one] A login or an address was taken meanwhile by another member ({ $names })
   *[other] { $count } logins or addresses were taken meanwhile by other members ({ $names })
}: nothing was changed. Start the import again to see the list as it is now.
problem-changed-since-preview = { $count ->
    [one] A member changed since the preview ({ $names })
   *[other] { $count } members changed since the preview ({ $names })
}: nothing was changed. Start the import again to see the list as it is now.
problem-group-name-taken = A group already has this name.
problem-group-name-separators = No "," and no ";": they separate groups in a spreadsheet.
problem-no-address = Give at least one address.
problem-rows-with-errors = { $count ->
    [one] One row has errors: fix it and import the file again, or tick the box to leave it out.
   *[other] { $count } rows have errors: fix them and import the file again, or tick the box to leave them out.
}
problem-mass-deactivation = This import would deactivate { $count } of the { $active } active members, more than { $limit }%: tick the box if that is intended.
audit-yes = yes
audit-no = no
audit-detail-login = Login
audit-detail-email = Email
audit-detail-name = Name
audit-detail-reason = Reason
audit-detail-origin = Origin
audit-detail-status = Status
audit-detail-roles = Roles
audit-detail-kind = Kind
audit-detail-count = Count
audit-detail-mode = Import mode
audit-detail-file = File
audit-detail-created = Members created
audit-detail-updated = Members updated
audit-detail-deactivated = Members deactivated
audit-detail-reactivated = Members reactivated
audit-detail-invited = Invitations
audit-detail-addedToGroups = Added to groups
audit-detail-errorRows = Rows with errors
audit-detail-skippedInvalidRows = Rows with errors left out
audit-detail-newGroups = New groups
audit-detail-groupsDeleted = Groups deleted
audit-detail-restored = Members restored
audit-detail-invitationsRevoked = Invitations revoked
audit-detail-leftAlone = Left as they were
audit-detail-removedLogin = Removed login
audit-detail-removedEmail = Removed email
audit-detail-removedId = Removed member
audit-detail-description = Description
audit-detail-rule = Rule
audit-detail-member = Member
audit-detail-locale = Language
audit-detail-firstName = First name
audit-detail-lastName = Last name
audit-detail-message = Message
audit-detail-smart = Smart group
audit-detail-bulk = In bulk
audit-detail-groupIds = Groups
language-fr = Français
language-en = English
language-nl = Nederlands
language-de = Deutsch
language-es = Español
language-it = Italiano
language-pt = Português
language-ca = Català
language-eu = Euskara
language-br = Brezhoneg
language-oc = Occitan
language-ar = العربية
invite-language-default = Each person's own, else the organization's
audit-action-all = All
audit-narrowed = Only the entries of one member or item.
audit-narrowed-actor = Only the entries made by { $name }.
audit-narrowed-target = Only the entries about { $name }.
audit-unnarrow = See every entry
audit-action-import-cancelled = Import cancelled before applying
audit-detail-abandoned = Its run had stopped
