//! Every console page, and the pages behind emailed links, through axe-core (vendored
//! under tests/fixtures/axe) in headless Chromium: no serious or critical finding. The
//! last page of each job is kept as a screenshot under target/console-screenshots
//! (a test artefact, never committed).

use crate::support;

use std::time::Duration;

use serde_json::json;
use support::browser::Session;
use support::{TestApp, ACME};

const AXE: &str = include_str!("../fixtures/axe/axe.min.js");

/// Runs axe-core on the open page; its serious and critical findings, one line each.
async fn serious_findings(session: &mut Session) -> Vec<String> {
    if session.evaluate("typeof axe").await != "object" {
        session.evaluate(AXE).await;
    }
    let found = session
        .evaluate(
            "axe.run(document, { resultTypes: ['violations'] }).then(r => r.violations
                .filter(v => v.impact === 'serious' || v.impact === 'critical')
                .map(v => v.id + ' (' + v.impact + '): ' + v.nodes.map(n => n.target.join(' ')).join(', ')))",
        )
        .await;
    found
        .as_array()
        .unwrap_or_else(|| panic!("axe ran: {found}"))
        .iter()
        .map(|v| v.as_str().unwrap_or_default().to_owned())
        .collect()
}

#[tokio::test]
async fn every_page_passes_axe_core_with_no_serious_or_critical_finding() {
    let Some(chromium) = support::browser::chromium() else {
        return;
    };
    let t = TestApp::with_tenants(&[("acme", ACME)]).await;
    let admin = t.admin_token("acme", "admin@acme.example").await;
    let group = t
        .ok(
            "acme",
            &admin,
            "mutation { createGroup(input: {name: \"Bénévoles\"}) { id } }",
            json!({}),
        )
        .await["createGroup"]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let mut ids = Vec::new();
    for (first, last, email) in [
        ("Jeanne", "Dupont", "jeanne@example.org"),
        ("Jeanne", "Dupont-Martin", "j.dupont@example.org"),
        ("Ali", "Benali", "ali@example.org"),
    ] {
        let id = t
            .create_member(
                "acme",
                &admin,
                json!({ "firstName": first, "lastName": last, "email": email, "groupIds": [group] }),
            )
            .await;
        ids.push(id);
    }
    t.ok(
        "acme",
        &admin,
        "mutation($ids: [ID!]!) { sendActivationInvitations(selection: {ids: $ids}) { invitations { id } } }",
        json!({ "ids": [ids[2]] }),
    )
    .await;
    let csv =
        "email,first_name,last_name\nnew@example.org,Nouveau,Membre\nbad,Bad,Row\njeanne@example.org,Jeanne,Dupond\n";
    let job = t
        .upload(
            "acme",
            &admin,
            "mutation($input: StartImportInput!) { startImport(input: $input) { id } }",
            json!({ "input": { "mode": "SYNC", "absentMembers": "KEEP", "file": null } }),
            ("adherents.csv", csv.as_bytes().to_vec()),
        )
        .await;
    let job = job["data"]["startImport"]["id"]
        .as_str()
        .unwrap_or_else(|| panic!("{job}"))
        .to_owned();

    // The sign-in page in the browser's French, the console in the admin's English
    // (the screenshots illustrate the README).
    t.ok(
        "acme",
        &admin,
        "mutation { updateMyProfile(input: {locale: \"en\"}) { id } }",
        json!({}),
    )
    .await;
    let base = t.url("/t/acme/admin");
    let mut session = Session::start(
        chromium,
        &format!("{base}/sign-in"),
        &["--accept-lang=fr", "--window-size=1024,900", "--hide-scrollbars"],
        Duration::from_secs(30),
    )
    .await;
    session.settle().await;
    // The check itself sees a fault: an image without text is critical.
    session
        .evaluate("document.body.insertAdjacentHTML('beforeend', '<img id=probe src=x.png>')")
        .await;
    let probe = serious_findings(&mut session).await;
    assert!(probe.iter().any(|f| f.starts_with("image-alt (critical)")), "{probe:?}");
    session.evaluate("document.getElementById('probe').remove()").await;

    let mut findings = Vec::new();
    let sign_in = serious_findings(&mut session).await;
    findings.extend(sign_in.into_iter().map(|f| format!("sign-in: {f}")));
    session
        .evaluate(
            "window.__left = true;
             const by = (s, text) => [...document.querySelectorAll(s)].find(e => e.textContent.includes(text));
             by('label', 'Identifiant').control.value = 'admin@acme.example';
             by('label', 'Mot de passe').control.value = 'correct-horse-battery';
             by('button', 'Se connecter').click();",
        )
        .await;
    session.settle().await;

    // Each page, and the name of the job whose last page it is (for the screenshots).
    let pages = [
        ("", Some("10-home")),
        ("/members", None),
        ("/members?never=1", Some("02-never-signed-in")),
        (
            &format!("/members?group={group}&status=ACTIVE") as &str,
            Some("05-members"),
        ),
        (&format!("/members/{}", ids[0]), Some("06-member")),
        (&format!("/members/{}/merge?other={}", ids[0], ids[1]), Some("06-merge")),
        ("/members/new", Some("01-new-member")),
        ("/invitations", Some("03-invitations")),
        ("/invitations/new", None),
        ("/imports", Some("04-imports")),
        (&format!("/imports/{job}"), Some("04-import-preview")),
        ("/groups", Some("07-groups")),
        ("/audit", Some("08-audit")),
        ("/account", Some("09-account")),
        ("/password", None),
    ];
    let shots = std::path::Path::new(env!("CARGO_TARGET_TMPDIR")).join("console-screenshots");
    std::fs::create_dir_all(&shots).unwrap();
    for (path, shot) in pages {
        session.open(&format!("{base}{path}")).await;
        let title = session.evaluate("document.title").await;
        assert!(!title.as_str().unwrap_or_default().is_empty(), "{path} has a title");
        let headings = session.evaluate("document.querySelectorAll('h1').length").await;
        assert_eq!(headings, 1, "{path}: one h1");
        findings.extend(
            serious_findings(&mut session)
                .await
                .into_iter()
                .map(|f| format!("{path}: {f}")),
        );
        if let Some(name) = shot {
            std::fs::write(shots.join(format!("{name}.png")), session.screenshot().await).unwrap();
        }
    }

    // The pages behind emailed links, signed out.
    session.open(&t.url("/t/acme/password-reset/request")).await;
    findings.extend(
        serious_findings(&mut session)
            .await
            .into_iter()
            .map(|f| format!("reset request: {f}")),
    );
    session.open(&t.url("/t/acme/invitations/accept?token=unknown")).await;
    findings.extend(
        serious_findings(&mut session)
            .await
            .into_iter()
            .map(|f| format!("invitation: {f}")),
    );

    assert!(findings.is_empty(), "axe-core findings:\n{}", findings.join("\n"));
}
