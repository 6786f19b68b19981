//! The GraphQL playground is served by Roster itself: it loads with nothing from the
//! network, under a content-security policy, and reads the schema.

use crate::support;

use std::time::Duration;

use support::{TestApp, ACME};

#[tokio::test]
async fn the_playground_page_and_its_files_come_from_roster() {
    let t = TestApp::with_tenants(&[("acme", ACME)]).await;
    let page = t
        .client()
        .get(t.url("/t/acme/graphql"))
        .header("Accept", "text/html")
        .send()
        .await
        .unwrap();
    assert_eq!(page.status(), 200);
    let csp = page.headers()["content-security-policy"].to_str().unwrap().to_owned();
    assert!(
        csp.contains("default-src 'self'") && csp.contains("script-src 'self'"),
        "{csp}"
    );
    assert_eq!(page.headers()["x-frame-options"], "DENY");
    let html = page.text().await.unwrap();
    assert!(!html.contains("//"), "no URL of another host: {html}");
    assert!(
        html.contains("<a href=\"/t/acme/admin\">"),
        "a way back to the console: {html}"
    );
    for (file, kind) in [
        ("graphiql.min.js", "text/javascript"),
        ("graphiql.min.css", "text/css"),
        ("react.production.min.js", "text/javascript"),
        ("react-dom.production.min.js", "text/javascript"),
        ("playground.js", "text/javascript"),
    ] {
        let path = format!("/t/acme/assets/graphiql/{file}");
        assert!(html.contains(&path), "{file} is linked");
        let response = t.client().get(t.url(&path)).send().await.unwrap();
        assert_eq!(response.status(), 200, "{file}");
        let content_type = response.headers()["content-type"].to_str().unwrap();
        assert!(content_type.starts_with(kind), "{file}: {content_type}");
    }
    let missing = t
        .client()
        .get(t.url("/t/acme/assets/graphiql/nope.js"))
        .send()
        .await
        .unwrap();
    assert_eq!(missing.status(), 404);
}

#[tokio::test]
async fn the_playground_works_in_a_browser_cut_off_from_the_internet() {
    let Some(chromium) = support::browser::chromium() else {
        return;
    };
    let t = TestApp::with_tenants(&[("acme", ACME)]).await;
    // Every host name but this machine's fails to resolve: a CDN would never load.
    let offline = "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1";
    // Done once GraphiQL has drawn its editors and read the schema (its docs button
    // becomes usable and the query type shows in the explorer once opened).
    let state = r#"(() => {
        const editor = document.querySelector('.graphiql-container .graphiql-query-editor');
        if (!editor) return '';
        const docs = document.querySelector('button[aria-label="Show Documentation Explorer"]');
        if (docs && !document.querySelector('.graphiql-doc-explorer')) docs.click();
        const explorer = document.querySelector('.graphiql-doc-explorer');
        return explorer && explorer.textContent.includes('Query') ? 'done' : '';
    })()"#;
    let dom = support::browser::run_until(
        chromium,
        &t.url("/t/acme/graphql"),
        &[offline, "--accept-lang=en"],
        state,
        Duration::from_secs(30),
    )
    .await;
    assert!(
        dom.contains("graphiql-doc-explorer"),
        "GraphiQL drew its docs from the schema:\n{dom}"
    );
    assert!(
        dom.contains("mutation") || dom.contains("Mutation"),
        "the schema's root types are listed"
    );
}
