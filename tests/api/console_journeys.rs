//! The coordinator's jobs in headless Chromium, as a person does them: by visible
//! labels, links and button names, from sign-in to the expected result, each checked
//! through the API afterwards. (The import job has its own journey in
//! console_imports.rs.)

use crate::support;

use std::time::Duration;

use serde_json::{json, Value};
use support::browser::Session;
use support::{TestApp, ACME};

/// A person at the browser: finds things by what the page shows.
struct Person {
    session: Session,
}

/// Page helpers every step uses: an element by tag and visible text (the exact text
/// first), a field by its label's text.
const FIND: &str = "const by = (s, text) => { const all = [...document.querySelectorAll(s)];
       return all.find(e => e.textContent.trim() === text) || all.find(e => e.textContent.includes(text)); };
     const field = (label) => { const l = by('label', label); if (!l) throw new Error('no label ' + label); return l.control; };";

impl Person {
    /// Headless Chromium reading English, at `url`, loaded.
    async fn open(chromium: &str, url: &str) -> Person {
        let session = Session::start(chromium, url, &["--accept-lang=en"], Duration::from_secs(30)).await;
        let mut person = Person { session };
        person.session.settle().await;
        person
    }

    /// Signs in on the sign-in form as the admin of `english_admin`.
    async fn sign_in_as_admin(&mut self) {
        self.act(
            "field('Login or email address').value = 'admin@acme.example';
              field('Password').value = 'correct-horse-battery';
              by('button', 'Sign in').click();",
        )
        .await;
    }

    /// Runs `steps` (JavaScript with `by` and `field`) that lead to another page, and
    /// waits for it.
    async fn act(&mut self, steps: &str) {
        let script = format!("window.__left = true; try {{ {FIND} {steps} ''; }} catch (e) {{ e.message }}");
        let failed = self.session.evaluate(&script).await;
        assert_eq!(failed, "", "{steps}\non: {}", self.text().await);
        self.session.settle().await;
    }

    /// Whether the page's visible text holds `text`.
    async fn sees(&mut self, text: &str) -> bool {
        let script = format!("document.body.innerText.includes({})", json!(text));
        self.session.evaluate(&script).await == true
    }

    async fn path(&mut self) -> String {
        let found = self.session.evaluate("location.pathname + location.search").await;
        found.as_str().unwrap_or_default().to_owned()
    }

    /// The page's text, for a failing assertion.
    async fn text(&mut self) -> String {
        self.session.evaluate("document.body.innerText").await.to_string()
    }
}

async fn api(t: &TestApp, admin: &str, query: &str, variables: Value) -> Value {
    t.ok("acme", admin, query, variables).await
}

/// The admin of `acme`, reading the console in English: their API token.
async fn english_admin(t: &TestApp) -> String {
    let admin = t.admin_token("acme", "admin@acme.example").await;
    let english = "mutation { updateMyProfile(input: {locale: \"en\"}) { id } }";
    api(t, &admin, english, json!({})).await;
    admin
}

#[tokio::test]
async fn a_coordinator_does_the_jobs_in_a_real_browser() {
    let Some(chromium) = support::browser::chromium() else {
        return;
    };
    let t = TestApp::with_tenants(&[("acme", ACME)]).await;
    let admin = english_admin(&t).await;
    for (first, last, email) in [
        ("Nora", "Never", "nora@example.org"),
        ("Olga", "Twice", "olga@example.org"),
    ] {
        t.create_member(
            "acme",
            &admin,
            json!({ "firstName": first, "lastName": last, "email": email }),
        )
        .await;
    }
    let mut person = Person::open(chromium, &t.url("/t/acme/admin")).await;

    // Job 9 (sign in), then job 10: home and its counts.
    assert!(person.sees("Sign in").await, "{}", person.text().await);
    person.sign_in_as_admin().await;
    assert!(person.sees("active members").await, "{}", person.text().await);

    // Job 2: everyone who never signed in, invited with one button after a count.
    person.act("by('a', 'never signed in').click();").await;
    assert!(person.sees("Send the 2 invitations").await, "{}", person.text().await);
    person
        .act(
            "field('Personal message (optional)').value = 'See you Saturday';
              by('button', 'Send the 2 invitations').click();",
        )
        .await;
    assert!(
        person.sees("2 invitations to set a password are on their way.").await,
        "{}",
        person.text().await
    );

    // Job 1: a new member by hand, invited at once.
    person.act("by('nav a', 'Members').click();").await;
    person.act("by('a', 'New member').click();").await;
    person
        .act(
            "field('First name').value = 'Paula';
              field('Last name').value = 'Byhand';
              field('Email').value = 'paula@example.org';
              by('label', 'Send the invitation now').control.checked = true;
              by('button', 'Create the member').click();",
        )
        .await;
    assert!(person.sees("The member is created.").await, "{}", person.text().await);
    let paula_page = person.path().await;

    // Job 6: edit on the member's page, then merge a duplicate of her.
    person
        .act("field('Phone').value = '06 11 22 33 44'; by('button', 'Save').click();")
        .await;
    assert!(person.sees("Changes saved.").await, "{}", person.text().await);
    let twin = t
        .create_member(
            "acme",
            &admin,
            json!({ "firstName": "Paula", "lastName": "Byhand-Twin", "email": "p.byhand@example.org" }),
        )
        .await;
    person.act("location.reload();").await;
    person.act("by('a', 'Merge with another member').click();").await;
    person
        .act("field('The other member').value = 'byhand-twin'; by('button', 'Filter').click();")
        .await;
    person.act("by('li a', 'Paula Byhand-Twin').click();").await;
    assert!(
        person.sees("p.byhand@example.org").await,
        "side by side: {}",
        person.text().await
    );
    person.act("by('button', 'Merge them').click();").await;
    assert!(
        person.sees("The two members are merged.").await,
        "{}",
        person.text().await
    );
    assert_eq!(
        person.path().await,
        format!("{}?done=merged", paula_page.split('?').next().unwrap())
    );
    let query = "query($id: ID!) { member(id: $id) { id } }";
    assert!(api(&t, &admin, query, json!({ "id": twin })).await["member"].is_null());

    // Job 3: a pasted list; the result says who was invited and who was already here.
    person.act("by('nav a', 'Invitations').click();").await;
    person.act("by('a', 'Invite people').click();").await;
    person
        .act(
            "field('Email addresses').value = 'ana@example.org; ben@example.org\\nolga@example.org';
              by('button', 'Send the invitations').click();",
        )
        .await;
    assert!(person.sees("2 people invited").await, "{}", person.text().await);

    // Job 7: a group, then its members.
    person.act("by('nav a', 'Groups').click();").await;
    person
        .act("field('Name').value = 'Bakery'; by('button', 'Create the group').click();")
        .await;
    assert!(person.sees("The group is created.").await, "{}", person.text().await);

    // Job 5: check a member on the list, put them in the group after a confirmation.
    person.act("by('nav a', 'Members').click();").await;
    person
        .act("document.querySelector('input[aria-label$=\"Olga Twice\"]').checked = true;
              const selection = by('legend', 'With the selection').parentElement;
              const inSelection = (label) => [...selection.querySelectorAll('label')].find(l => l.textContent.trim() === label).control;
              inSelection('Action').value = 'add-to-group';
              const group = inSelection('Group');
              group.value = [...group.options].find(o => o.text === 'Bakery').value;
              by('button', 'Continue').click();")
        .await;
    assert!(person.sees("touches one member").await, "{}", person.text().await);
    person.act("by('button', 'Confirm').click();").await;
    assert!(
        person.sees("Done: one member added to the group.").await,
        "{}",
        person.text().await
    );
    let groups = api(&t, &admin, "{ groups { name memberCount } }", json!({})).await;
    assert_eq!(groups["groups"][0]["memberCount"], 1, "{groups}");

    // Job 8: the audit log, by action.
    person.act("by('nav a', 'Audit log').click();").await;
    person
        .act("field('Action').value = 'member.merged'; by('button', 'Filter').click();")
        .await;
    assert!(
        person.sees("Members merged").await && person.sees("One entry").await,
        "{}",
        person.text().await
    );

    // Job 9: my account.
    person.act("by('nav a', 'My account').click();").await;
    person
        .act("for (const [label, value] of [['First name', 'Ada'], ['Last name', 'Admin'], ['Phone', '01 02 03 04 05']]) {
                  const input = field(label);
                  if (!input.value) input.value = value;
                  if (label === 'Phone') input.value = value;
              }
              by('button', 'Save').click();")
        .await;
    assert!(person.sees("Your profile is saved.").await, "{}", person.text().await);
    let me = api(&t, &admin, "{ me { phone } }", json!({})).await;
    assert_eq!(me["me"]["phone"], "01 02 03 04 05");
    person.act("by('button', 'Sign out').click();").await;
    assert!(person.path().await.ends_with("/admin/sign-in"));
}

/// The member list in an order of the admin's choice, paged forward then back: the
/// order is kept from page to page and the way back lands on the same members.
#[tokio::test]
async fn an_admin_orders_the_member_list_and_pages_back_and_forth() {
    let Some(chromium) = support::browser::chromium() else {
        return;
    };
    let t = TestApp::with_tenants(&[("acme", ACME)]).await;
    let admin = english_admin(&t).await;
    // Created Vol00 first; last names in another order than the creation.
    for i in 0..60 {
        let member = json!({ "firstName": format!("Vol{i:02}"), "lastName": format!("Z{:02}", i * 7 % 60), "email": format!("vol{i:02}@example.org") });
        t.create_member("acme", &admin, member).await;
    }
    let mut person = Person::open(chromium, &t.url("/t/acme/admin/members")).await;
    person.sign_in_as_admin().await;
    if !person.path().await.ends_with("/admin/members") {
        person.act("by('nav a', 'Members').click();").await;
    }
    let first_row = "document.querySelector('tbody tr td:nth-child(2)').innerText";

    person
        .act("field('Order').value = 'newest'; by('button', 'Filter').click();")
        .await;
    assert_eq!(
        person.session.evaluate(first_row).await,
        "Vol59 Z53",
        "{}",
        person.text().await
    );
    person.act("by('a', 'Next page').click();").await;
    // The 50 newest fill the first page: the second starts at Vol09.
    assert_eq!(
        person.session.evaluate(first_row).await,
        "Vol09 Z03",
        "{}",
        person.text().await
    );
    assert!(person.path().await.contains("sort=newest"));
    person.act("by('a', 'Previous page').click();").await;
    assert_eq!(
        person.session.evaluate(first_row).await,
        "Vol59 Z53",
        "{}",
        person.text().await
    );
    assert_eq!(
        person.session.evaluate("document.getElementById('sort').value").await,
        "newest"
    );
    assert!(!person.sees("Previous page").await, "the first page has none before it");
}

/// After an import, the admin goes from its page to the members it created and puts
/// all of them in a group, confirming a question that names the group and counts them.
#[tokio::test]
async fn an_admin_puts_the_members_an_import_created_into_a_group() {
    use crate::support::imports::{Confirm, File};

    let Some(chromium) = support::browser::chromium() else {
        return;
    };
    let t = TestApp::with_tenants(&[("acme", ACME)]).await;
    let admin = english_admin(&t).await;
    let client = t.signed_in("acme", admin.clone());
    let file = File::new(
        "newcomers.csv",
        "Prénom;Nom;Email\nAna;Spring;ana@spring.example\nBo;Spring;bo@spring.example\n",
    );
    let job = client.start_import(file, "CREATE").await;
    let job_id = job["id"].as_str().unwrap().to_owned();
    client.apply_import(&job_id, Confirm::NOTHING).await;
    t.create_member(
        "acme",
        &admin,
        json!({ "firstName": "Cy", "lastName": "Spring", "email": "cy@spring.example" }),
    )
    .await;
    let created = "mutation { createGroup(input: {name: \"Newcomers\"}) { id } }";
    let group = api(&t, &admin, created, json!({})).await["createGroup"]["id"]
        .as_str()
        .unwrap()
        .to_owned();

    let mut person = Person::open(chromium, &t.url(&format!("/t/acme/admin/imports/{job_id}"))).await;
    person.sign_in_as_admin().await;
    if !person.path().await.contains(&job_id) {
        person
            .act(&format!("location.href = '/t/acme/admin/imports/{job_id}';"))
            .await;
    }
    person
        .act("by('a', 'See the 2 members created in the list').click();")
        .await;
    assert!(person.path().await.contains(&format!("import={job_id}")));
    assert!(person.sees("Created by this import").await, "{}", person.text().await);
    assert!(
        !person.sees("Cy Spring").await,
        "created by hand: {}",
        person.text().await
    );
    person
        .act(
            "by('label', 'all 2 members matching this filter').control.checked = true;
             field('Action').value = 'add-to-group';
             document.getElementById('bulk-group').value = document.querySelector('#bulk-group option:last-child').value;
             by('button', 'Continue').click();",
        )
        .await;
    assert!(
        person
            .sees("Add to the group \"Newcomers\": this touches 2 members. Go on?")
            .await,
        "{}",
        person.text().await
    );
    person.act("by('button', 'Confirm').click();").await;
    let count = "query($g: ID!) { group(id: $g) { memberCount } }";
    let members = api(&t, &admin, count, json!({ "g": group })).await;
    assert_eq!(members["group"]["memberCount"], 2, "Ana and Bo, not Cy");
}
