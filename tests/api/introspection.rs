//! Introspection as the standard tools send it passes the limits; ordinary queries stay
//! limited, and nothing hides behind `__schema` to cost more.

use crate::support;

use serde_json::{json, Value};
use support::{error_code, TestApp, ACME};

fn query(name: &str) -> String {
    String::from_utf8(support::fixture(&format!("introspection/{name}.graphql"))).unwrap()
}

async fn run(t: &TestApp, query: &str) -> Value {
    t.gql("acme", None, query, json!({})).await
}

fn message(answer: &Value) -> &str {
    answer["errors"][0]["message"].as_str().unwrap_or_default()
}

/// `{kind name ofType {…}}` nested `levels` deep under a field's type.
fn type_ref(levels: usize) -> String {
    (0..levels).fold("kind name".to_owned(), |inner, _| {
        format!("kind name ofType {{ {inner} }}")
    })
}

#[tokio::test]
async fn the_standard_introspection_queries_pass_without_a_session() {
    let t = TestApp::with_tenants(&[("acme", ACME)]).await;
    for name in ["graphql-js-16-default", "graphql-js-16-all-options", "deeper-type-refs"] {
        let answer = run(&t, &query(name)).await;
        assert!(answer["errors"].is_null(), "{name}: {}", answer["errors"]);
        let types = answer["data"]["__schema"]["types"].as_array().unwrap();
        let member = types
            .iter()
            .find(|t| t["name"] == "Member")
            .expect("Member is described");
        let email = member["fields"]
            .as_array()
            .unwrap()
            .iter()
            .find(|f| f["name"] == "email")
            .unwrap();
        assert_eq!(email["type"]["kind"], "SCALAR", "{name}");
        assert_eq!(answer["data"]["__schema"]["queryType"]["name"], "Query");
    }
    // One type, as IDE plugins ask for it on hover.
    let one = run(
        &t,
        &format!(
            "{{ __type(name: \"Member\") {{ name fields {{ name type {{ {} }} }} }} }}",
            type_ref(8)
        ),
    )
    .await;
    assert!(one["errors"].is_null(), "{one}");
}

#[tokio::test]
async fn ordinary_queries_stay_limited_and_nothing_hides_behind_the_schema() {
    let t = TestApp::with_tenants(&[("acme", ACME)]).await;
    let deep = format!(
        "__schema {{ types {{ fields {{ args {{ type {{ {} }} }} }} }} }}",
        type_ref(7)
    );

    // The same introspection beside an ordinary field runs under the ordinary limits.
    let mixed = run(&t, &format!("{{ tenant {{ slug }} {deep} }}")).await;
    assert_eq!(error_code(&mixed), Some("VALIDATION"));
    assert!(message(&mixed).contains("nested too deep"), "{mixed}");

    // Introspection deeper than any client sends.
    let too_deep = run(
        &t,
        &format!(
            "{{ __schema {{ types {{ fields {{ type {{ {} }} }} }} }} }}",
            type_ref(30)
        ),
    )
    .await;
    assert_eq!(error_code(&too_deep), Some("VALIDATION"));
    assert!(message(&too_deep).contains("nested too deep"), "{too_deep}");

    // Padded with aliases so that the server walks the whole schema many times over.
    let full = query("graphql-js-16-all-options");
    let body = full.split_once("query IntrospectionQuery {").unwrap().1;
    let (selection, fragments) = body.split_once("fragment FullType").unwrap();
    let selection = selection.trim().trim_end_matches('}');
    let padded: String = (0..4).map(|i| format!("copy{i}: {selection}\n")).collect();
    let padded = format!("query Padded {{ {padded} }}\nfragment FullType{fragments}");
    let refused = run(&t, &padded).await;
    assert_eq!(error_code(&refused), Some("VALIDATION"), "{}", refused["errors"]);
    assert!(message(&refused).contains("too complex"), "{refused}");
    let once = format!("query Once {{ copy0: {selection} }}\nfragment FullType{fragments}");
    assert!(
        run(&t, &once).await["errors"].is_null(),
        "one alias is the standard query"
    );
}
