use super::*;
use crate::config::{load_tenant, EnvOverrides};
use crate::imports::columns::match_headers;
use crate::imports::text_file::read_csv;
use sea_orm::ActiveEnum;

const TENANT: &str = "name = \"T\"\ndefault_locale = \"fr\"\nlocales = [\"fr\", \"en\"]\n\
    [import]\nprotected_roles = [\"admin\"]\n\
    [roles.admin]\npermissions = [\"*\"]\n[roles.member]\npermissions = []\ndefault = true\n";

fn tenant() -> Tenant {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("t.toml");
    std::fs::write(&path, TENANT).unwrap();
    load_tenant(&path, EnvOverrides::None).unwrap()
}

fn known(login: &str, email: &str, status: &str) -> Existing {
    Existing {
        member: SnapshotMember {
            id: Uuid::now_v7(),
            login: login.into(),
            login_key: login.into(),
            email: Some(email.into()),
            secondary_email: None,
            phone: None,
            first_name: "A".into(),
            last_name: login.into(),
            locale: "fr".into(),
            status: crate::members::Status::try_from_value(&status.to_owned()).unwrap(),
            version: 3,
            has_password: false,
            uses_default_password: false,
            must_change_password: false,
        },
        roles: vec!["member".into()],
        protected: false,
        groups: Vec::new(),
    }
}

fn run(mode: Mode, csv: &str, snapshot: &Snapshot, caller: Uuid, keep_absent: bool) -> Plan {
    let tenant = tenant();
    let sheet = read_csv(csv.as_bytes(), 100, None).unwrap();
    let layout = Layout {
        fields: match_headers(&sheet.headers, &tenant.import.aliases),
        headers: sheet.headers.clone(),
    };
    let options = Options {
        keep_absent,
        locale: "en".into(),
        ..Options::default()
    };
    let grants = Grants {
        roles: vec![tenant.role("admin").unwrap().clone()],
        scoped: Vec::new(),
    };
    let ctx = Context {
        tenant: &tenant,
        mode,
        options: &options,
        caller_id: caller,
        grants: &grants,
        progress: &|_| {},
        flush: None,
    };
    plan(&ctx, &layout, &sheet, snapshot)
}

fn kinds(plan: &Plan) -> Vec<(Option<usize>, ChangeKind)> {
    plan.changes.iter().map(|c| (c.row, c.kind)).collect()
}

#[test]
fn sync_matches_by_login_then_email_and_spares_the_caller_and_protected_members() {
    let anne = known("anne", "anne@x.org", "active");
    let bob = known("bob", "bob@x.org", "active");
    let me = known("me", "me@x.org", "active");
    let mut boss = known("boss", "boss@x.org", "active");
    boss.protected = true;
    let gone = known("gone", "gone@x.org", "active");
    let caller = me.member.id;
    let snapshot = Snapshot::new(vec![anne, bob, me, boss, gone.clone()], Vec::new());
    let csv = "login,email,first name,last name,status\n\
               anne,anne@x.org,A,anne,active\n\
               ,BOB@X.ORG,A,Bobby,active\n\
               new,new@x.org,N,New,inactive\n";
    let plan = run(Mode::Sync, csv, &snapshot, caller, false);
    assert!(plan.errors.is_empty(), "{:?}", plan.errors);
    assert_eq!(
        kinds(&plan),
        [
            (Some(2), ChangeKind::Unchanged),
            (Some(3), ChangeKind::Update),
            (Some(4), ChangeKind::Create),
            (None, ChangeKind::Deactivate),
        ]
    );
    assert_eq!(
        plan.changes[1].field_changes()[0].after.as_deref(),
        Some("Bobby"),
        "bob found by email"
    );
    assert_eq!(
        plan.changes[3].member_id,
        Some(gone.member.id),
        "neither the caller nor the protected"
    );
    let Payload::Create(new) = plan.changes[2].payload() else {
        panic!()
    };
    assert!(!new.active, "created deactivated, as the status column says");

    let kept = run(Mode::Sync, csv, &snapshot, caller, true);
    assert_eq!(kept.changes.len(), 3, "KEEP: nobody deactivated for being absent");
}

#[test]
fn duplicates_and_others_addresses_are_row_errors_and_failed_rows_still_count_as_present() {
    let anne = known("anne", "anne@x.org", "active");
    let bob = known("bob", "bob@x.org", "active");
    let snapshot = Snapshot::new(vec![anne, bob], Vec::new());
    let csv = "login,email,first name,last name\n\
               anne,bob@x.org,A,anne\n\
               bob,bob@x.org,B,bob\n\
               carl,Carl@x.org,C,carl\n\
               carl2,carl@X.org,C,carl\n";
    let plan = run(Mode::Sync, csv, &snapshot, Uuid::nil(), false);
    let problems: Vec<(usize, &str)> = plan.errors.iter().map(|e| (e.row, e.problem.code())).collect();
    assert_eq!(
        problems,
        [(2, "EMAIL_TAKEN"), (3, "DUPLICATE_ROW"), (5, "DUPLICATE_ROW")],
        "anne's row names bob's address; bob's row repeats it; carl2 repeats carl's address"
    );
    assert!(
        plan.changes.iter().all(|c| c.kind != ChangeKind::Deactivate),
        "anne and bob are present even though their rows failed"
    );
    assert_eq!(plan.error_rows.len(), 3);
}

#[test]
fn generated_logins_take_the_next_free_number_across_the_file() {
    let existing = known("marie.dupont", "m@x.org", "active");
    let snapshot = Snapshot::new(vec![existing], Vec::new());
    let csv = "first name,last name,email\nMarie,Dupont,a@x.org\nMarie,Dupont,b@x.org\nMarie,Dupont,c@x.org\n";
    let plan = run(Mode::Create, csv, &snapshot, Uuid::nil(), false);
    let logins: Vec<&str> = plan.changes.iter().filter_map(|c| c.login.as_deref()).collect();
    assert_eq!(logins, ["marie.dupont2", "marie.dupont3", "marie.dupont4"]);
}
