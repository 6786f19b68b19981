//! Job 4 of the console: imports in the browser — templates, upload, preview, apply with
//! the confirmations the API asks for, undo, cancel, history, and who may do it.

use crate::support;

use std::time::Duration;

use serde_json::json;
use support::console::Browser;
use support::{TestApp, ACME};

const ADMIN: &str = "admin@acme.example";
const PASSWORD: &str = "correct-horse-battery";

/// The id in a redirect to `/admin/imports/{id}`.
fn job_of(location: &str) -> String {
    let id = location.rsplit('/').next().unwrap();
    assert!(uuid::Uuid::parse_str(id).is_ok(), "not an import page: {location}");
    id.to_owned()
}

/// Twelve members M0…M11 (m{i}@example.org, last name Sync) and an admin signed in to the
/// console, who uploads `file` as a SYNC deactivating the absent: the browser, the
/// admin's API token, the job's id and its preview page.
async fn sync_over_twelve<'a>(
    t: &'a TestApp,
    name: &str,
    file: Vec<u8>,
) -> (Browser<'a>, String, String, support::console::Page) {
    let admin = t.admin_token("acme", ADMIN).await;
    for i in 0..12 {
        t.create_member(
            "acme",
            &admin,
            json!({ "firstName": format!("M{i}"), "lastName": "Sync", "email": format!("m{i}@example.org") }),
        )
        .await;
    }
    let (mut browser, _csrf, id) = upload(t, &[("mode", "SYNC"), ("absent", "DEACTIVATE")], name, file).await;
    let preview = browser.get(&format!("/imports/{id}")).await;
    (browser, admin, id, preview)
}

/// The admin signed in to the console, who uploads `csv` as a CREATE: the browser, the
/// admin's API token, the page's CSRF token and the job's id.
async fn create_upload<'a>(t: &'a TestApp, csv: &str) -> (Browser<'a>, String, String, String) {
    let admin = t.admin_token("acme", ADMIN).await;
    let (browser, csrf, id) = upload(t, &[("mode", "CREATE")], "new.csv", csv.as_bytes().to_vec()).await;
    (browser, admin, csrf, id)
}

/// The admin signed in to the console, who uploads `file` with the form's `choices`
/// (mode, …): the browser, the page's CSRF token and the job's id.
async fn upload<'a>(
    t: &'a TestApp,
    choices: &[(&str, &str)],
    name: &str,
    file: Vec<u8>,
) -> (Browser<'a>, String, String) {
    let mut browser = Browser::new(t, "acme");
    browser.sign_in(ADMIN, PASSWORD).await;
    let csrf = Browser::csrf(&browser.get("/imports").await);
    let mut fields = vec![("csrf", csrf.as_str())];
    fields.extend_from_slice(choices);
    let started = browser.post_file("/imports", &fields, name, file).await;
    let id = job_of(&started.location);
    (browser, csrf, id)
}

/// The page of the import an upload's answer redirects to: its body.
async fn page_of_job(browser: &mut Browser<'_>, started: &support::console::Page) -> String {
    browser
        .get(&format!("/imports/{}", job_of(&started.location)))
        .await
        .body
}

async fn member_count(t: &TestApp, admin: &str, status: &str) -> i64 {
    let query = "query($f: MemberFilter) { members(filter: $f) { totalCount } }";
    t.ok("acme", admin, query, json!({ "f": { "status": status } })).await["members"]["totalCount"]
        .as_i64()
        .unwrap()
}

#[tokio::test]
async fn a_coordinator_previews_a_file_sees_its_errors_applies_the_rest_and_undoes_it() {
    let t = TestApp::with_tenants(&[("acme", ACME)]).await;
    let admin = t.admin_token("acme", ADMIN).await;
    let mut browser = Browser::new(&t, "acme");
    browser.sign_in(ADMIN, PASSWORD).await;

    let page = browser.get("/imports").await;
    assert_eq!(page.status, 200, "{}", page.body);
    assert!(page.body.contains("<h1>Imports</h1>"), "{}", page.body);
    assert!(page.body.contains("Aucun import pour l&#x27;instant."), "{}", page.body);
    let csrf = Browser::csrf(&page);

    // The template, in the admin's language, as a download.
    let template = browser.get("/imports/template?mode=CREATE&format=CSV").await;
    assert_eq!(template.status, 303);
    let (status, bytes) = browser.download(&template.location).await;
    assert_eq!(status, 200);
    let header = String::from_utf8_lossy(&bytes)
        .lines()
        .next()
        .unwrap_or_default()
        .to_owned();
    assert!(header.contains("Prénom") && header.contains("mail"), "{header}");

    // Two good rows, a bad address, a hostile name (refused, and shown escaped), a name
    // with quotes (taken as written): the preview says so.
    let file = "email,first_name,last_name\n\
                ana@example.org,Ana,Martin\n\
                not-an-address,Bob,Durand\n\
                cle@example.org,<script>alert(1)</script>,O'Hara\n\
                dan@example.org,Dan,Petit\n\
                eli@example.org,\"Eli \"\"Jo\"\"\",Petit\n";
    let started = browser
        .post_file(
            "/imports",
            &[("csrf", &csrf), ("mode", "CREATE"), ("absent", "DEACTIVATE")],
            "adherents.csv",
            file.as_bytes().to_vec(),
        )
        .await;
    assert_eq!(started.status, 303, "{}", started.body);
    let id = job_of(&started.location);
    let preview = browser.get(&format!("/imports/{id}")).await;
    assert_eq!(preview.status, 200);
    let body = &preview.body;
    assert!(body.contains("En attente de votre décision"), "{body}");
    assert!(body.contains("<strong>3</strong> nouveaux membres"), "{body}");
    assert!(body.contains("Eli &quot;Jo&quot;"), "{body}");
    assert!(body.contains("<strong>2</strong> lignes en erreur"), "{body}");
    assert!(
        body.contains("<td>3</td><td>email</td><td>not-an-address</td>"),
        "{body}"
    );
    assert!(body.contains("&lt;script&gt;alert(1)&lt;&#x2f;script&gt;"), "{body}");
    assert!(!body.contains("<script>"), "{body}");

    // The error report: the failed row with an error column.
    let report = browser.get(&format!("/imports/{id}/report")).await;
    assert_eq!(report.status, 303);
    let (status, bytes) = browser.download(&report.location).await;
    assert_eq!(status, 200);
    let report = String::from_utf8_lossy(&bytes);
    assert!(
        report.contains("not-an-address") && !report.contains("ana@example.org"),
        "{report}"
    );

    // Applying without leaving out the bad row is refused, next to its checkbox.
    let csrf = Browser::csrf(&preview);
    let refused = browser
        .post(&format!("/imports/{id}"), &[("csrf", &csrf), ("action", "apply")])
        .await;
    assert_eq!(refused.status, 422, "{}", refused.body);
    assert!(
        refused.body.contains(
            "id=\"skip-problem\" class=\"problem\">2 lignes sont en erreur : corrigez-les et importez le fichier à nouveau"
        ),
        "in the admin's words, not the API's: {}",
        refused.body
    );
    assert!(!refused.body.contains("skipInvalidRows to"), "{}", refused.body);
    assert_eq!(member_count(&t, &admin, "ACTIVE").await, 1);

    let applied = browser
        .post(
            &format!("/imports/{id}"),
            &[("csrf", &csrf), ("action", "apply"), ("skip_invalid_rows", "1")],
        )
        .await;
    assert_eq!(applied.status, 303, "{}", applied.body);
    assert!(applied.location.ends_with("?done=applied"), "{}", applied.location);
    assert_eq!(member_count(&t, &admin, "ACTIVE").await, 4);
    let seen = t
        .ok(
            "acme",
            &admin,
            "{ members(filter: {search: \"Eli\"}) { nodes { firstName } } }",
            json!({}),
        )
        .await;
    assert_eq!(seen["members"]["nodes"][0]["firstName"], "Eli \"Jo\"");
    let done = browser.get(&format!("/imports/{id}?done=applied")).await;
    assert!(done.body.contains("L&#x27;import est appliqué."), "{}", done.body);
    assert!(done.body.contains("Défaire cet import"), "{}", done.body);
    assert!(
        done.body.contains("membres qu&#x27;il a créés sont désactivés)"),
        "{}",
        done.body
    );

    // The history lists it, and home links to it.
    let history = browser.get("/imports").await;
    assert!(history.body.contains("adherents.csv") && history.body.contains("Appliqué"));
    let home = browser.get("").await;
    assert!(home.body.contains(&format!("/admin/imports/{id}")), "{}", home.body);

    // Undo asks for its yes, as a deactivation does: unticked, nothing is undone.
    let csrf = Browser::csrf(&done);
    let unticked = browser
        .post(&format!("/imports/{id}"), &[("csrf", &csrf), ("action", "undo")])
        .await;
    assert_eq!(unticked.status, 422, "{}", unticked.body);
    assert!(
        unticked
            .body
            .contains("id=\"undo-problem\" class=\"problem\">Cochez la case pour défaire cet import"),
        "{}",
        unticked.body
    );
    assert_eq!(member_count(&t, &admin, "ACTIVE").await, 4, "nothing undone");
    let undone = browser
        .post(
            &format!("/imports/{id}"),
            &[("csrf", &csrf), ("action", "undo"), ("confirm_undo", "1")],
        )
        .await;
    assert_eq!(undone.status, 303, "{}", undone.body);
    assert_eq!(member_count(&t, &admin, "ACTIVE").await, 1);
    let after = browser.get(&format!("/imports/{id}?done=undone")).await;
    assert!(after.body.contains("L&#x27;import est défait.") && !after.body.contains("Défaire cet import"));

    // A member it created says, on their page, why they are deactivated.
    let query = "{ members(filter: {origin: IMPORT}, first: 1) { nodes { id status } } }";
    let created = &t.ok("acme", &admin, query, json!({})).await["members"]["nodes"][0];
    assert_eq!(created["status"], "DEACTIVATED");
    let page = browser
        .get(&format!("/members/{}", created["id"].as_str().unwrap()))
        .await;
    assert!(
        page.body.contains("(défait le ") && page.body.contains("désactive les membres qu&#x27;il a créés)"),
        "{}",
        page.body
    );
}

#[tokio::test]
async fn a_sync_that_would_deactivate_most_members_asks_for_an_explicit_yes() {
    let t = TestApp::with_tenants(&[("acme", ACME)]).await;
    let file = b"email,first_name,last_name\nm0@example.org,M0,Sync\n".to_vec();
    let (mut browser, admin, id, preview) = sync_over_twelve(&t, "short.csv", file).await;
    assert!(
        preview.body.contains("<strong>11</strong> membres désactivés"),
        "{}",
        preview.body
    );
    assert!(
        preview.body.contains("Oui, désactiver ces 11 membres"),
        "{}",
        preview.body
    );
    assert!(
        preview
            .body
            .contains("<span class=\"field\">État</span>\u{a0}: <del>Actif</del> → <ins>Désactivé</ins>"),
        "changes in the reader's words, not the API's: {}",
        preview.body
    );

    let csrf = Browser::csrf(&preview);
    let refused = browser
        .post(&format!("/imports/{id}"), &[("csrf", &csrf), ("action", "apply")])
        .await;
    assert_eq!(refused.status, 422);
    assert!(refused.body.contains("id=\"mass-problem\""), "{}", refused.body);
    assert_eq!(member_count(&t, &admin, "ACTIVE").await, 13);

    let applied = browser
        .post(
            &format!("/imports/{id}"),
            &[("csrf", &csrf), ("action", "apply"), ("allow_mass_deactivation", "1")],
        )
        .await;
    assert_eq!(applied.status, 303, "{}", applied.body);
    assert_eq!(member_count(&t, &admin, "ACTIVE").await, 2);
    let applied_page = browser.get(&format!("/imports/{id}")).await;
    assert!(
        applied_page.body.contains("comme avant</label>") && !applied_page.body.contains("créés sont désactivés"),
        "it created nobody, so its undo deactivates nobody: {}",
        applied_page.body
    );
    let applied_id = id.clone();

    // SYNC keeping absent members deactivates nobody.
    let csrf = Browser::csrf(&browser.get("/imports").await);
    let kept = browser
        .post_file(
            "/imports",
            &[("csrf", &csrf), ("mode", "SYNC"), ("absent", "KEEP")],
            "again.csv",
            b"email,first_name,last_name\nm1@example.org,M1,Sync\n".to_vec(),
        )
        .await;
    let preview = browser.get(&format!("/imports/{}", job_of(&kept.location))).await;
    assert!(
        !preview.body.contains("membres désactivés") && !preview.body.contains("Oui, désactiver"),
        "{}",
        preview.body
    );
    // Without a status column, the deactivated member's row changes nothing, and the
    // page says why and how to reactivate them.
    assert!(
        preview.body.contains("<strong>1</strong> ligne sans changement")
            && preview.body.contains("Ce membre est désactivé et le reste"),
        "{}",
        preview.body
    );

    // Cancelled: nothing changes, and it can no longer be applied.
    let id = job_of(&kept.location);
    let csrf = Browser::csrf(&preview);
    let cancelled = browser
        .post(&format!("/imports/{id}"), &[("csrf", &csrf), ("action", "cancel")])
        .await;
    assert_eq!(cancelled.status, 303);
    let page = browser.get(&format!("/imports/{id}")).await;
    assert!(
        page.body.contains("Annulé") && !page.body.contains("value=\"apply\""),
        "{}",
        page.body
    );
    assert_eq!(member_count(&t, &admin, "ACTIVE").await, 2);
    let home = browser.get("").await;
    assert!(
        home.body.contains(&format!("/admin/imports/{applied_id}")),
        "home's last import is the applied one, not the preview given up: {}",
        home.body
    );
}

#[tokio::test]
async fn an_unticked_yes_deactivates_nobody_even_below_the_mass_threshold() {
    let t = TestApp::with_tenants(&[("acme", ACME)]).await;
    // One member left out: 1 of 13, far below the threshold the API asks a yes for.
    let mut file = String::from("email,first_name,last_name\n");
    for i in 1..12 {
        file.push_str(&format!("m{i}@example.org,M{i},Sync\n"));
    }
    let (mut browser, admin, id, preview) = sync_over_twelve(&t, "one-less.csv", file.into_bytes()).await;
    assert!(preview.body.contains("Oui, désactiver ce membre"), "{}", preview.body);
    assert!(
        preview.body.contains("name=\"deactivating\" value=\"1\""),
        "{}",
        preview.body
    );

    // The form as the browser sends it with the box left unticked.
    let csrf = Browser::csrf(&preview);
    let unticked = [("csrf", csrf.as_str()), ("action", "apply"), ("deactivating", "1")];
    let refused = browser.post(&format!("/imports/{id}"), &unticked).await;
    assert_eq!(refused.status, 422);
    assert!(
        refused.body.contains("Cochez la case pour désactiver ce membre"),
        "{}",
        refused.body
    );
    assert_eq!(member_count(&t, &admin, "ACTIVE").await, 13, "nobody deactivated");

    let ticked = [
        ("csrf", csrf.as_str()),
        ("action", "apply"),
        ("deactivating", "1"),
        ("allow_mass_deactivation", "1"),
    ];
    let applied = browser.post(&format!("/imports/{id}"), &ticked).await;
    assert_eq!(applied.status, 303, "{}", applied.body);
    assert_eq!(member_count(&t, &admin, "ACTIVE").await, 12);
}

#[tokio::test]
async fn the_preview_speaks_the_admins_words_for_columns_roles_and_its_line_by_line_list() {
    let t = TestApp::with_tenants(&[("acme", ACME)]).await;
    let mut file = String::from("email,first_name,last_name,roles,notes\n");
    for i in 0..12 {
        let roles = if i == 0 { "member, admin" } else { "member" };
        file.push_str(&format!("m{i}@example.org,M{i},Sync,\"{roles}\",\n"));
    }
    let (_browser, _admin, _id, preview) = sync_over_twelve(&t, "roles.csv", file.into_bytes()).await;
    let body = &preview.body;
    // Columns by the names the admin reads in the templates, not the API's keys.
    assert!(body.contains("first_name → Prénom"), "{body}");
    assert!(body.contains("roles → Rôles"), "{body}");
    assert!(body.contains("notes → ignorée"), "{body}");
    assert!(!body.contains("→ first_name"), "{body}");
    // Roles by their labels in the tenant.
    assert!(
        body.contains("<del>Adhérent</del> → <ins>Administrateur, Adhérent</ins>"),
        "{body}"
    );
    // Unchanged rows are listed too: the list is line by line, not "changes".
    assert!(body.contains("Le détail, ligne par ligne (12)"), "{body}");
}

#[tokio::test]
async fn a_file_that_changes_nothing_offers_no_apply_only_its_cancel() {
    let t = TestApp::with_tenants(&[("acme", ACME)]).await;
    let every_row_wrong = "email,first_name,last_name\nnot-an-address,Ana,Wrong\nalso@,Bo,Wrong\n";
    let (mut browser, _admin, _csrf, id) = create_upload(&t, every_row_wrong).await;
    let preview = browser.get(&format!("/imports/{id}")).await;
    let body = &preview.body;

    assert!(body.contains("lignes en erreur"), "{body}");
    assert!(!body.contains("value=\"apply\""), "nothing to apply, no Apply: {body}");
    assert!(
        !body.contains("skip_invalid_rows"),
        "no 'import the others' when there are none: {body}"
    );
    assert!(body.contains("rien à appliquer"), "{body}");
    assert!(body.contains("value=\"cancel\""), "{body}");
}

/// A file the list already matches (no errors, nothing to change) says so, and does
/// not ask to correct rows in error that do not exist.
#[tokio::test]
async fn a_file_the_list_already_matches_says_so_without_blaming_errors() {
    let t = TestApp::with_tenants(&[("acme", ACME)]).await;
    let admin = t.admin_token("acme", ADMIN).await;
    let mut file = String::from("email,first_name,last_name\n");
    for i in 0..3 {
        t.create_member(
            "acme",
            &admin,
            json!({ "firstName": format!("M{i}"), "lastName": "Same", "email": format!("m{i}@example.org") }),
        )
        .await;
        file.push_str(&format!("m{i}@example.org,M{i},Same\n"));
    }
    let choices = [("mode", "SYNC"), ("absent", "KEEP")];
    let (mut browser, _csrf, id) = upload(&t, &choices, "same.csv", file.into_bytes()).await;
    let body = browser.get(&format!("/imports/{id}")).await.body;

    assert!(body.contains("La liste correspond déjà à ce fichier"), "{body}");
    assert!(!body.contains("lignes en erreur"), "{body}");
    assert!(!body.contains("value=\"apply\""), "nothing to apply, no Apply: {body}");
    assert!(body.contains("value=\"cancel\""), "{body}");
}

/// The upload form's file options: a workbook's sheet by its tab's name, a text file's
/// encoding forced; an encoding no one knows is told beside its field, nothing started.
#[tokio::test]
async fn the_upload_form_chooses_a_workbooks_sheet_and_forces_a_texts_encoding() {
    let t = TestApp::with_tenants(&[("acme", ACME)]).await;
    let admin = t.admin_token("acme", ADMIN).await;
    let workbook = || support::fixture("hidden-first-sheet.xlsx");

    // The hidden first sheet holds the drop-downs' lists; the admin names the other,
    // in any case.
    let (mut browser, csrf, id) = upload(&t, &[("mode", "CREATE"), ("sheet", "ADHÉRENTS")], "a.xlsx", workbook()).await;
    let page = browser.get(&format!("/imports/{id}")).await.body;
    assert!(page.contains("Adhérents (lue)") && page.contains("Hana"), "{page}");
    assert!(page.contains("Pour lire une autre feuille"), "{page}");

    let started = browser
        .post_file(
            "/imports",
            &[("csrf", &csrf), ("mode", "CREATE"), ("sheet", "Bénévoles")],
            "a.xlsx",
            workbook(),
        )
        .await;
    let failed = page_of_job(&mut browser, &started).await;
    assert!(
        failed.contains("pas de feuille « Bénévoles » (ses feuilles : Listes, Adhérents)"),
        "{failed}"
    );

    // "Œ" is 0xBC in ISO-8859-15 and "¼" in Windows-1252: only the admin knows which.
    let latin9 = b"email;first_name;last_name\noedipe@example.org;\xbcdipe;Roi\n".to_vec();
    let forced = browser
        .post_file(
            "/imports",
            &[("csrf", &csrf), ("mode", "CREATE"), ("encoding", "iso-8859-15")],
            "l.csv",
            latin9.clone(),
        )
        .await;
    let page = page_of_job(&mut browser, &forced).await;
    assert!(
        page.contains("<ins>Œdipe</ins>") && page.contains("(CSV, iso-8859-15)"),
        "{page}"
    );

    let unknown = browser
        .post_file(
            "/imports",
            &[("csrf", &csrf), ("mode", "CREATE"), ("encoding", "klingon")],
            "l.csv",
            latin9,
        )
        .await;
    assert_eq!(unknown.status, 200, "the form again, with its problem");
    assert!(
        unknown.body.contains("id=\"encoding-problem\"")
            && unknown.body.contains("klingon")
            && unknown.body.contains("<details open>"),
        "{}",
        unknown.body
    );
    let jobs = t.ok("acme", &admin, "{ importJobs { totalCount } }", json!({})).await;
    assert_eq!(
        jobs["importJobs"]["totalCount"], 3,
        "the refused upload started nothing"
    );
}

/// After an undo, each group the import had created says whether it was deleted or kept
/// because something else uses it.
#[tokio::test]
async fn an_undone_imports_page_says_which_of_its_groups_were_deleted() {
    let t = TestApp::with_tenants(&[("acme", ACME)]).await;
    let file = "email;first_name;last_name;groups\nana@example.org;Ana;Vélo;Vélo\nbo@example.org;Bo;Jardin;Jardin\n";
    let (mut browser, admin, csrf, id) = create_upload(&t, file).await;
    let applied = browser
        .post(&format!("/imports/{id}"), &[("csrf", &csrf), ("action", "apply")])
        .await;
    assert_eq!(applied.status, 303, "{}", applied.body);
    // Someone the import did not bring joins Jardin: undoing must keep it.
    let client = t.signed_in("acme", admin.clone());
    let groups = client.gql("{ groups { id name } }", json!({})).await;
    let jardin = groups["groups"]
        .as_array()
        .unwrap()
        .iter()
        .find(|g| g["name"] == "Jardin")
        .unwrap()["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let me = client.gql("{ me { id } }", json!({})).await["me"]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    client.add_members_to_group(&jardin, json!({ "ids": [me] })).await;

    let page = browser.get(&format!("/imports/{id}")).await;
    let csrf = Browser::csrf(&page);
    let undone = browser
        .post(
            &format!("/imports/{id}"),
            &[("csrf", &csrf), ("action", "undo"), ("confirm_undo", "1")],
        )
        .await;
    assert_eq!(undone.status, 303, "{}", undone.body);
    let after = browser.get(&format!("/imports/{id}")).await.body;
    assert!(after.contains("<li>Vélo — supprimé</li>"), "{after}");
    assert!(
        after.contains("<li>Jardin — gardé : il sert encore ailleurs</li>"),
        "{after}"
    );
}

#[tokio::test]
async fn a_login_taken_before_apply_is_told_once_in_the_readers_language() {
    let t = TestApp::with_tenants(&[("acme", ACME)]).await;
    let file = "login,email,first_name,last_name\nleroux.emile,emile@example.org,Émile,Le Roux\n";
    let (mut browser, admin, csrf, id) = create_upload(&t, file).await;
    t.create_member(
        "acme",
        &admin,
        json!({ "login": "leroux.emile", "firstName": "Émile", "lastName": "Autre", "email": "autre@example.org" }),
    )
    .await;
    let refused = browser
        .post(&format!("/imports/{id}"), &[("csrf", &csrf), ("action", "apply")])
        .await;
    let body = &refused.body;

    let sentence = "Un identifiant ou une adresse a été pris entre-temps par un autre membre (leroux.emile)";
    assert_eq!(body.matches(sentence).count(), 1, "{body}");
    assert!(!body.contains("taken meanwhile"), "{body}");
}

#[tokio::test]
async fn a_member_changed_after_the_preview_is_told_in_the_readers_language_and_kept_so() {
    let t = TestApp::with_tenants(&[("acme", ACME)]).await;
    let admin = t.admin_token("acme", ADMIN).await;
    let id = t
        .create_member(
            "acme",
            &admin,
            json!({ "login": "leroux.emile", "firstName": "Émile", "lastName": "Le Roux", "email": "emile@example.org" }),
        )
        .await;
    let file = "login,email,first_name,last_name\nleroux.emile,emile@example.org,Émile,Le Roux-Martin\n";
    let choices = [("mode", "SYNC"), ("absent", "KEEP")];
    let (mut browser, csrf, job) = upload(&t, &choices, "sync.csv", file.as_bytes().to_vec()).await;
    t.ok(
        "acme",
        &admin,
        "mutation($id: ID!) { updateMember(id: $id, input: { phone: \"0700000000\" }) { id } }",
        json!({ "id": id }),
    )
    .await;
    let refused = browser
        .post(&format!("/imports/{job}"), &[("csrf", &csrf), ("action", "apply")])
        .await;

    // As the page writes it: apostrophes escaped.
    let sentence = "Un membre a changé depuis l&#x27;aperçu (leroux.emile) : rien n&#x27;a été changé.";
    assert_eq!(refused.body.matches(sentence).count(), 1, "{}", refused.body);
    assert!(!refused.body.contains("changed since the preview"), "{}", refused.body);
    let reopened = browser.get(&format!("/imports/{job}")).await;
    assert!(
        reopened.body.contains(sentence),
        "the job keeps it in French: {}",
        reopened.body
    );
}

#[tokio::test]
async fn uploads_without_a_csrf_token_a_file_or_the_right_are_refused_with_nothing_done() {
    let t = TestApp::with_tenants(&[("acme", ACME)]).await;
    let admin = t.admin_token("acme", ADMIN).await;
    let jobs = "{ importJobs { totalCount } }";
    let mut browser = Browser::new(&t, "acme");
    browser.sign_in(ADMIN, PASSWORD).await;
    let csrf = Browser::csrf(&browser.get("/imports").await);
    let file = b"email,first_name,last_name\nzed@example.org,Zed,Z\n".to_vec();

    let forged = browser
        .post_file("/imports", &[("mode", "CREATE")], "a.csv", file.clone())
        .await;
    assert_eq!(forged.status, 403);
    let wrong = browser
        .post_file("/imports", &[("csrf", "x"), ("mode", "CREATE")], "a.csv", file.clone())
        .await;
    assert_eq!(wrong.status, 403);
    assert_eq!(
        t.ok("acme", &admin, jobs, json!({})).await["importJobs"]["totalCount"],
        0
    );

    let empty = browser
        .post_file("/imports", &[("csrf", &csrf), ("mode", "CREATE")], "", Vec::new())
        .await;
    assert_eq!(empty.status, 200);
    assert!(empty.body.contains("id=\"file-problem\"") && empty.body.contains("Choisissez le fichier"));

    let unreadable = browser
        .post_file(
            "/imports",
            &[("csrf", &csrf), ("mode", "CREATE")],
            "notes.csv",
            b"hello\nworld\n".to_vec(),
        )
        .await;
    assert_eq!(unreadable.status, 303, "{}", unreadable.body);
    let failed = browser.get(&format!("/imports/{}", job_of(&unreadable.location))).await;
    assert!(
        failed.body.contains("Échoué") && failed.body.contains("role=\"alert\""),
        "{}",
        failed.body
    );

    // A member without imports.run: no link, the page refused, a forged apply refused.
    t.create_member(
        "acme",
        &admin,
        json!({ "firstName": "Plain", "lastName": "Member", "email": "plain@example.org", "password": "plain-member-pass-1" }),
    )
    .await;
    let started = browser
        .post_file("/imports", &[("csrf", &csrf), ("mode", "CREATE")], "b.csv", file)
        .await;
    let id = job_of(&started.location);
    let mut plain = Browser::new(&t, "acme");
    plain.sign_in("plain@example.org", "plain-member-pass-1").await;
    let password = plain.get("/password").await;
    if password.status == 200 && password.body.contains("name=\"new\"") {
        let csrf = Browser::csrf(&password);
        plain
            .post(
                "/password",
                &[
                    ("csrf", &csrf),
                    ("current", "plain-member-pass-1"),
                    ("new", "plain-member-pass-2"),
                ],
            )
            .await;
    }
    let home = plain.get("").await;
    assert!(!home.body.contains("/admin/imports"), "{}", home.body);
    assert_eq!(plain.get("/imports").await.status, 403);
    assert_eq!(plain.get(&format!("/imports/{id}")).await.status, 403);
    let csrf = Browser::csrf(&home);
    let forged = plain
        .post(
            &format!("/imports/{id}"),
            &[("csrf", &csrf), ("action", "apply"), ("skip_invalid_rows", "1")],
        )
        .await;
    assert_eq!(forged.status, 403);
    assert_eq!(member_count(&t, &admin, "ACTIVE").await, 2);

    // Another tenant's cookie opens nothing here.
    let mut stranger = Browser::new(&t, "acme");
    stranger.cookies = browser.cookies.clone();
    stranger.tenant = "nowhere";
    assert_eq!(stranger.get("/imports").await.status, 404);
}

#[tokio::test]
async fn a_coordinator_imports_a_file_in_a_real_browser() {
    let Some(chromium) = support::browser::chromium() else {
        return;
    };
    let t = TestApp::with_tenants(&[("acme", ACME)]).await;
    let admin = t.admin_token("acme", ADMIN).await;
    // Chooses the file as a person would (a File in the input), previews, ticks the
    // box about the bad row, applies.
    let journey = r#"(() => {
        const by = (selector, text) => [...document.querySelectorAll(selector)].find(e => e.textContent.includes(text));
        const field = (label) => by('label', label).control;
        const path = location.pathname;
        if (document.body.dataset.sent) return '';
        if (path.endsWith('/admin/sign-in')) {
            document.body.dataset.sent = '1';
            field('Identifiant').value = 'admin@acme.example';
            field('Mot de passe').value = 'correct-horse-battery';
            by('button', 'Se connecter').click();
            return '';
        }
        if (path.endsWith('/admin')) { by('nav a', 'Imports').click(); return ''; }
        if (path.endsWith('/admin/imports') && location.search) {
            const ready = by('a', 'navigateur.csv');
            if (ready) ready.click();
            return '';
        }
        if (path.endsWith('/admin/imports')) {
            document.body.dataset.sent = '1';
            const csv = 'email,first_name,last_name\neve@example.org,Eve,Navigateur\nbad,Bad,Row\n';
            const files = new DataTransfer();
            files.items.add(new File([csv], 'navigateur.csv', { type: 'text/csv' }));
            field('Fichier').files = files.files;
            by('label', 'Ajouter de nouveaux membres').control.checked = true;
            by('button', 'Aperçu').click();
            return '';
        }
        if (/\/admin\/imports\/[0-9a-f-]+$/.test(path)) {
            if (location.search.includes('done=applied')) {
                return by('p', "L'import est appliqué.") ? 'done' : 'failed';
            }
            document.body.dataset.sent = '1';
            by('label', 'Laisser de côté la ligne en erreur').control.checked = true;
            by('button', 'Appliquer').click();
            return '';
        }
        return '';
    })()"#;
    let dom = support::browser::run_until(
        chromium,
        &t.url("/t/acme/admin"),
        &["--accept-lang=fr"],
        journey,
        Duration::from_secs(40),
    )
    .await;
    assert!(dom.contains("L'import est appliqué."), "{dom}");
    let query = "{ members(filter: {search: \"Navigateur\"}) { totalCount } }";
    assert_eq!(t.ok("acme", &admin, query, json!({})).await["members"]["totalCount"], 1);
}
