//! The HTML pages behind emailed links, through real HTTP requests (and once in
//! headless Chromium when it is installed): their forms, and what a link that no
//! longer works shows (accepted, revoked, expired, replaced, used, unknown).

use crate::support;

use sea_orm::sea_query::Expr;
use sea_orm::{ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter};
use serde_json::json;
use std::time::Duration;
use support::smtp::MailServer;
use support::{TestApp, COOP};

async fn invited(t: &TestApp, mail: &MailServer, admin: &str, address: &str) -> String {
    t.ok(
        "coop",
        admin,
        "mutation($e: String!) { inviteMembers(input: {emails: [$e]}) { invitations { id } } }",
        json!({ "e": address }),
    )
    .await;
    roster::jobs::run_once(&t.app).await.unwrap();
    mail.to(address)
        .last()
        .expect("invitation email")
        .link("invitations/accept")
}

async fn setup(tenant: &str) -> (TestApp, MailServer, String) {
    let mail = MailServer::start();
    let url = mail.url();
    let t = TestApp::with(&[("coop", tenant)], move |s| s.smtp_url = Some(url)).await;
    let admin = t.admin_token("coop", "admin@coop.example").await;
    (t, mail, admin)
}

/// The app's page for a link from an email (which names the public URL, not the test port).
fn local(t: &TestApp, link: &str) -> String {
    let path = link.split_once("/t/").map(|(_, rest)| format!("/t/{rest}")).unwrap();
    t.url(&path)
}

fn token(link: &str) -> String {
    link.split("token=").nth(1).unwrap().to_owned()
}

/// A page as a browser got it.
struct Shown {
    status: u16,
    html: String,
}

impl Shown {
    /// The value of the page's hidden CSRF field.
    fn csrf(&self) -> String {
        let start = self.html.find("name=\"csrf\" value=\"").expect("a CSRF field") + 19;
        let end = self.html[start..].find('"').unwrap();
        self.html[start..start + end].to_owned()
    }

    /// Whether the page holds this text (the escaped `/` and `'` read as themselves).
    fn has(&self, text: &str) -> bool {
        self.html.replace("&#x2f;", "/").replace("&#x27;", "'").contains(text)
    }
}

/// A browser: keeps the CSRF cookie the pages set, sends forms with their CSRF field.
struct Browser<'a> {
    t: &'a TestApp,
    language: &'static str,
    cookie: Option<String>,
}

impl<'a> Browser<'a> {
    fn new(t: &'a TestApp, language: &'static str) -> Self {
        Browser {
            t,
            language,
            cookie: None,
        }
    }

    async fn shown(&mut self, request: reqwest::RequestBuilder) -> Shown {
        let mut request = request.header("Accept-Language", self.language);
        if let Some(cookie) = &self.cookie {
            request = request.header("Cookie", cookie);
        }
        let response = request.send().await.unwrap();
        if let Some(set) = response.headers().get("set-cookie") {
            self.cookie = Some(set.to_str().unwrap().split(';').next().unwrap().to_owned());
        }
        Shown {
            status: response.status().as_u16(),
            html: response.text().await.unwrap(),
        }
    }

    /// Opens a page (a URL or a path of the app).
    async fn open(&mut self, url: &str) -> Shown {
        let url = if url.starts_with('/') {
            self.t.url(url)
        } else {
            url.to_owned()
        };
        self.shown(self.t.client().get(url)).await
    }

    /// Sends a form of `page` to `url` with these fields (and the page's CSRF field).
    async fn send(&mut self, page: &Shown, url: &str, fields: &[(&str, &str)]) -> Shown {
        let url = if url.starts_with('/') {
            self.t.url(url)
        } else {
            url.to_owned()
        };
        let csrf = page.csrf();
        let mut form: Vec<(&str, &str)> = vec![("csrf", csrf.as_str())];
        form.extend_from_slice(fields);
        self.shown(self.t.client().post(url).form(&form)).await
    }
}

const SIGN_IN: &str = "href=\"/t/coop/admin/sign-in\"";
const FORGOT: &str = "href=\"/t/coop/password-reset/request\"";
const RESET_FORM: &str = "action=\"/t/coop/password-reset/request\"";

#[tokio::test]
async fn accepting_an_invitation_with_the_form() {
    let (t, mail, admin) = setup(COOP).await;
    let link = invited(&t, &mail, &admin, "web@example.org").await;
    let mut fr = Browser::new(&t, "fr");
    let page = fr.open(&local(&t, &link)).await;
    assert_eq!(page.status, 200);
    assert!(
        page.has("<form method=\"post\"") && page.has("name=\"password\"") && page.has("Prénom"),
        "{}",
        page.html
    );
    assert!(page.has("Supercoop") && page.has("href=\"/t/coop/admin/console.css\""));

    let weak = fr
        .send(
            &page,
            &local(&t, &link),
            &[
                ("token", &token(&link)),
                ("first_name", "Web"),
                ("last_name", "User"),
                ("password", "short"),
            ],
        )
        .await;
    assert_eq!(weak.status, 422);
    assert!(
        weak.has("class=\"problem\"") && weak.has("value=\"Web\""),
        "kept what was typed: {}",
        weak.html
    );

    // Accepted: into the console, signed in, greeted with the login to remember.
    let mut en = Browser::new(&t, "en");
    let page = en.open(&local(&t, &link)).await;
    let no_redirects = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let form = [
        ("csrf", page.csrf()),
        ("token", token(&link)),
        ("first_name", "Web".to_owned()),
        ("last_name", "User".to_owned()),
        ("password", "web-password-1".to_owned()),
    ];
    let accepted = no_redirects
        .post(local(&t, &link))
        .header("Cookie", en.cookie.clone().unwrap())
        .header("Accept-Language", "en")
        .form(&form)
        .send()
        .await
        .unwrap();
    assert_eq!(accepted.status(), 303);
    assert_eq!(accepted.headers()["location"], "/t/coop/admin?welcome=1");
    let session = accepted.headers()["set-cookie"].to_str().unwrap().to_owned();
    assert!(
        session.starts_with("roster_console=") && session.contains("HttpOnly") && session.contains("Path=/t/coop/"),
        "{session}"
    );
    let home = no_redirects
        .get(t.url("/t/coop/admin?welcome=1"))
        .header("Cookie", session.split(';').next().unwrap())
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        home.contains("Welcome! Your account is ready") && home.contains("web.user"),
        "{home}"
    );
    t.login("coop", "web.user", "web-password-1").await;

    // Sent again (a double click): the account exists, sign in.
    let twice = en
        .send(
            &page,
            &local(&t, &link),
            &[("token", &token(&link)), ("password", "web-password-1")],
        )
        .await;
    assert_eq!(twice.status, 410);
    assert!(twice.has("already accepted") && twice.has(SIGN_IN), "{}", twice.html);
}

#[tokio::test]
async fn an_accepted_invitation_leads_to_sign_in() {
    let (t, mail, admin) = setup(COOP).await;
    let link = invited(&t, &mail, &admin, "done@example.org").await;
    t.ok_anon(
        "coop",
        "mutation($t: String!) { acceptInvitation(input: {token: $t, firstName: \"Do\", lastName: \"Ne\", password: \"done-password-1\"}) { token } }",
        json!({ "t": token(&link) }),
    )
    .await;
    for (language, words) in [("en", "you have an account"), ("fr", "vous avez un compte")] {
        let page = Browser::new(&t, language).open(&local(&t, &link)).await;
        assert_eq!(page.status, 410, "Gone, with a page that leads on");
        assert!(
            page.has(words) && page.has(SIGN_IN) && page.has(FORGOT),
            "{}",
            page.html
        );
        assert!(!page.has("name=\"password\""), "no form to accept it again");
    }
}

#[tokio::test]
async fn a_revoked_invitation_says_whom_to_ask() {
    let (t, mail, admin) = setup(COOP).await;
    // A name that slipped in before names were checked: shown, never run.
    entity::members::Entity::update_many()
        .col_expr(
            entity::members::Column::FirstName,
            Expr::value("Marc <script>x()</script>"),
        )
        .col_expr(entity::members::Column::LastName, Expr::value("& Co"))
        .filter(entity::members::Column::Email.eq("admin@coop.example"))
        .exec(&t.app.db)
        .await
        .unwrap();
    let link = invited(&t, &mail, &admin, "revoked@example.org").await;
    let listed = t
        .ok("coop", &admin, "{ invitations { nodes { id } } }", json!({}))
        .await;
    t.ok(
        "coop",
        &admin,
        "mutation($ids: [ID!]!) { revokeInvitations(ids: $ids) }",
        json!({ "ids": [listed["invitations"]["nodes"][0]["id"]] }),
    )
    .await;
    let page = Browser::new(&t, "en").open(&local(&t, &link)).await;
    assert_eq!(page.status, 410);
    assert!(page.has("withdrawn") && page.has("who invited you"), "{}", page.html);
    assert!(
        page.has("Marc &lt;script&gt;x()&lt;/script&gt; &amp; Co") && !page.html.contains("<script"),
        "the inviter's name, escaped: {}",
        page.html
    );
    assert!(page.has(SIGN_IN) && page.has(FORGOT));
}

const QUICK: &str = r#"
name = "Quick"
default_locale = "en"
[invitations]
lifetime = "1s"
reminders = []
[roles.admin]
permissions = ["*"]
"#;

#[tokio::test]
async fn an_expired_link_offers_to_ask_for_a_new_invitation() {
    let (t, mail, admin) = setup(QUICK).await;
    let link = invited(&t, &mail, &admin, "slow@example.org").await;
    tokio::time::sleep(std::time::Duration::from_millis(1_200)).await;
    let mut browser = Browser::new(&t, "en");
    let page = browser.open(&local(&t, &link)).await;
    assert_eq!(page.status, 410);
    assert!(
        page.has("expired") && page.has("action=\"request-new\"") && page.has("asks admin, who invited you"),
        "{}",
        page.html
    );
    let forged = t
        .client()
        .post(t.url("/t/coop/invitations/request-new"))
        .form(&[("token", token(&link).as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(forged.status().as_u16(), 403, "no CSRF field, nothing done");
    let asked = browser
        .send(&page, "/t/coop/invitations/request-new", &[("token", &token(&link))])
        .await;
    assert_eq!(asked.status, 200);
    roster::jobs::run_once(&t.app).await.unwrap();
    assert_eq!(mail.to("admin@coop.example").len(), 1, "the inviter is told");
}

/// Queues a reset link for `address` through the API and delivers it; returns the link.
async fn reset_link(t: &TestApp, mail: &MailServer, address: &str) -> String {
    t.ok_anon(
        "coop",
        "mutation($i: String!) { requestPasswordReset(identifier: $i) }",
        json!({ "i": address }),
    )
    .await;
    roster::jobs::run_once(&t.app).await.unwrap();
    mail.to(address)
        .into_iter()
        .rfind(|m| m.text.contains("password-reset"))
        .expect("reset email")
        .link("password-reset")
}

async fn resets_queued(t: &TestApp, address: &str) -> u64 {
    entity::outbox::Entity::find()
        .filter(entity::outbox::Column::Template.eq("password_reset"))
        .filter(entity::outbox::Column::Recipient.eq(address))
        .count(&t.app.db)
        .await
        .unwrap()
}

async fn member(t: &TestApp, admin: &str, first: &str, address: &str) -> String {
    t.create_member(
        "coop",
        admin,
        json!({ "firstName": first, "lastName": "Page", "email": address }),
    )
    .await
}

#[tokio::test]
async fn a_used_reset_link_asks_for_a_new_one_right_there() {
    let (t, mail, admin) = setup(COOP).await;
    let id = member(&t, &admin, "Pat", "pat@example.org").await;
    t.member_token("coop", &id, "pat-password-1").await;
    let link = reset_link(&t, &mail, "pat@example.org").await;
    let mut browser = Browser::new(&t, "en");
    let form = browser.open(&local(&t, &link)).await;
    let done = browser
        .send(
            &form,
            &local(&t, &link),
            &[("token", &token(&link)), ("password", "pat-password-2")],
        )
        .await;
    assert_eq!(done.status, 200);

    let used = browser.open(&local(&t, &link)).await;
    assert_eq!(used.status, 410);
    assert!(
        used.has("already used") && used.has(RESET_FORM) && used.has(SIGN_IN),
        "{}",
        used.html
    );

    let before = resets_queued(&t, "pat@example.org").await;
    let known = browser
        .send(
            &used,
            "/t/coop/password-reset/request",
            &[("identifier", "pat@example.org")],
        )
        .await;
    assert_eq!(resets_queued(&t, "pat@example.org").await, before + 1, "exactly one");
    let unknown = browser
        .send(
            &used,
            "/t/coop/password-reset/request",
            &[("identifier", "nobody@example.org")],
        )
        .await;
    assert_eq!(resets_queued(&t, "nobody@example.org").await, 0);
    assert_eq!(
        (known.status, &known.html),
        (unknown.status, &unknown.html),
        "the same answer"
    );
    assert!(known.status == 200 && known.has("If an active account matches"));

    let forged = t
        .client()
        .post(t.url("/t/coop/password-reset/request"))
        .form(&[("identifier", "pat@example.org")])
        .send()
        .await
        .unwrap();
    assert_eq!(forged.status().as_u16(), 403);
    assert_eq!(
        resets_queued(&t, "pat@example.org").await,
        before + 1,
        "a forged form sends nothing"
    );
}

#[tokio::test]
async fn a_replaced_or_expired_reset_link_says_so() {
    let (t, mail, admin) = setup(COOP).await;
    let id = member(&t, &admin, "Rex", "rex@example.org").await;
    let first = reset_link(&t, &mail, "rex@example.org").await;
    let second = reset_link(&t, &mail, "rex@example.org").await;
    let mut browser = Browser::new(&t, "fr");
    let replaced = browser.open(&local(&t, &first)).await;
    assert_eq!(replaced.status, 410);
    assert!(
        replaced.has("Un lien plus récent") && replaced.has(RESET_FORM),
        "{}",
        replaced.html
    );
    assert_eq!(browser.open(&local(&t, &second)).await.status, 200, "the latest works");

    entity::one_time_tokens::Entity::update_many()
        .col_expr(
            entity::one_time_tokens::Column::ExpiresAt,
            Expr::value(chrono::Utc::now() - chrono::Duration::minutes(1)),
        )
        .filter(entity::one_time_tokens::Column::MemberId.eq(uuid::Uuid::parse_str(&id).unwrap()))
        .exec(&t.app.db)
        .await
        .unwrap();
    let expired = browser.open(&local(&t, &second)).await;
    assert_eq!(expired.status, 410);
    assert!(expired.has("a expiré") && expired.has(RESET_FORM), "{}", expired.html);
    let refused = browser
        .send(
            &expired,
            &local(&t, &second),
            &[("token", &token(&second)), ("password", "rex-password-2")],
        )
        .await;
    assert_eq!(refused.status, 410, "posting it changes nothing and says why");
}

#[tokio::test]
async fn an_unknown_link_is_not_valid_and_still_leads_on() {
    let (t, _mail, _admin) = setup(COOP).await;
    let mut browser = Browser::new(&t, "en");
    let garbage = "x".repeat(43);
    let invitation = browser
        .open(&format!("/t/coop/invitations/accept?token={garbage}"))
        .await;
    assert_eq!(invitation.status, 404);
    assert!(invitation.has("not valid") && invitation.has(SIGN_IN) && invitation.has(FORGOT));
    let reset = browser.open("/t/coop/password-reset?token=nope").await;
    assert_eq!(reset.status, 404);
    assert!(reset.has("not valid") && reset.has(RESET_FORM) && reset.has(SIGN_IN));
    let other = browser
        .open(&format!("/t/coop/password-reset?token={}", "y".repeat(43)))
        .await;
    assert_eq!(other.html, reset.html, "nothing tells one unknown link from another");
    let email = browser.open(&format!("/t/coop/email-change?token={garbage}")).await;
    assert_eq!(email.status, 404);
    assert!(email.has(SIGN_IN) && email.has(FORGOT));
    let forgot = browser.open("/t/coop/password-reset/request").await;
    assert!(forgot.status == 200 && forgot.has(RESET_FORM));
    let unknown_tenant = t
        .client()
        .get(t.url("/t/nope/password-reset?token=x"))
        .send()
        .await
        .unwrap();
    assert_eq!(unknown_tenant.status().as_u16(), 404);
}

async fn email_of(t: &TestApp, admin: &str, id: &str) -> String {
    let answer = t
        .ok(
            "coop",
            admin,
            "query($id: ID!) { member(id: $id) { email } }",
            json!({ "id": id }),
        )
        .await;
    answer["member"]["email"].as_str().unwrap().to_owned()
}

#[tokio::test]
async fn reset_and_email_change_pages_act_only_on_post() {
    let (t, mail, admin) = setup(COOP).await;
    let id = member(&t, &admin, "Pat", "pat@example.org").await;
    let pat = t.member_token("coop", &id, "pat-password-1").await;
    t.ok(
        "coop",
        &pat,
        "mutation { requestEmailChange(newEmail: \"pat@new.example\", currentPassword: \"pat-password-1\") }",
        json!({}),
    )
    .await;
    roster::jobs::run_once(&t.app).await.unwrap();
    let confirm = mail.to("pat@new.example")[0].link("email-change");
    let mut browser = Browser::new(&t, "en");
    // Opening the link (as a mail scanner would) changes nothing.
    let shown = browser.open(&local(&t, &confirm)).await;
    assert_eq!(shown.status, 200);
    assert_eq!(email_of(&t, &admin, &id).await, "pat@example.org");
    let posted = browser
        .send(&shown, &local(&t, &confirm), &[("token", &token(&confirm))])
        .await;
    assert_eq!(posted.status, 200);
    assert_eq!(email_of(&t, &admin, &id).await, "pat@new.example");
    let again = browser.open(&local(&t, &confirm)).await;
    assert_eq!(again.status, 410);
    assert!(again.has("already confirmed") && again.has(SIGN_IN));

    let revert = mail.to("pat@example.org")[0].link("email-change/revert");
    let shown = browser.open(&local(&t, &revert)).await;
    assert_eq!(shown.status, 200);
    let posted = browser
        .send(&shown, &local(&t, &revert), &[("token", &token(&revert))])
        .await;
    assert_eq!(posted.status, 200);
    assert_eq!(email_of(&t, &admin, &id).await, "pat@example.org");
    let again = browser.open(&local(&t, &revert)).await;
    assert_eq!(again.status, 410);
    assert!(again.has("already put back") && again.has(FORGOT));
}

#[tokio::test]
async fn the_invitation_pages_render_in_headless_chromium() {
    let Some(chromium) = support::browser::chromium() else {
        return;
    };
    let (t, mail, admin) = setup(COOP).await;
    let link = invited(&t, &mail, &admin, "browser@example.org").await;
    let dump = |url: String| async move { support::browser::dump_dom(chromium, &url, Duration::from_secs(2)).await };
    let dom = dump(local(&t, &link)).await;
    assert!(dom.contains("name=\"password\"") && dom.contains("Supercoop"), "{dom}");

    t.ok_anon(
        "coop",
        "mutation($t: String!) { acceptInvitation(input: {token: $t, firstName: \"Bro\", lastName: \"Wser\", password: \"browser-password-1\"}) { token } }",
        json!({ "t": token(&link) }),
    )
    .await;
    let dom = dump(local(&t, &link)).await;
    assert!(
        dom.contains(SIGN_IN) && dom.contains(FORGOT) && !dom.contains("name=\"password\""),
        "{dom}"
    );
}
