//! schema.graphql is what `roster print-schema` prints, and it holds the contract
//! (tests/api/contract.graphql, a copy of the shared contract.graphql) for everything built;
//! and the live schema describes every type, field, argument and enum value.

use crate::support;

use std::collections::{BTreeSet, HashMap, VecDeque};

use async_graphql::parser::parse_schema;
use async_graphql::parser::types::{
    BaseType, InputValueDefinition, Type, TypeDefinition, TypeKind, TypeSystemDefinition,
};
use async_graphql::parser::Positioned;
use serde_json::{json, Value};
use support::TestApp;

/// Contract operations not built yet; each later capability removes its own.
/// Empty: the whole contract is built (the check that it stays honest is kept).
const NOT_BUILT: &[&str] = &[];

const ROOTS: &[&str] = &["Query", "Mutation", "Subscription"];
const BUILTIN: &[&str] = &["String", "Int", "Float", "Boolean", "ID"];

fn types_of(sdl: &str) -> HashMap<String, TypeDefinition> {
    parse_schema(sdl)
        .expect("valid SDL")
        .definitions
        .into_iter()
        .filter_map(|d| match d {
            TypeSystemDefinition::Type(t) => Some((t.node.name.node.to_string(), t.node)),
            _ => None,
        })
        .collect()
}

fn base_name(ty: &Type) -> String {
    match &ty.base {
        BaseType::Named(name) => name.to_string(),
        BaseType::List(inner) => base_name(inner),
    }
}

fn built(owner: &str, field: &str) -> bool {
    !NOT_BUILT.contains(&format!("{owner}.{field}").as_str())
}

/// The contract types that the built operations reach.
fn reachable(contract: &HashMap<String, TypeDefinition>) -> BTreeSet<String> {
    let mut seen = BTreeSet::new();
    let mut queue: VecDeque<String> = ROOTS.iter().map(|r| r.to_string()).collect();
    let args = |list: &[Positioned<InputValueDefinition>]| -> Vec<String> {
        list.iter().map(|a| base_name(&a.node.ty.node)).collect()
    };
    while let Some(name) = queue.pop_front() {
        if BUILTIN.contains(&name.as_str()) || !seen.insert(name.clone()) {
            continue;
        }
        let Some(def) = contract.get(&name) else { continue };
        match &def.kind {
            TypeKind::Object(obj) => {
                for field in &obj.fields {
                    let field = &field.node;
                    if ROOTS.contains(&name.as_str()) && !built(&name, &field.name.node) {
                        continue;
                    }
                    queue.push_back(base_name(&field.ty.node));
                    queue.extend(args(&field.arguments));
                }
            }
            TypeKind::InputObject(input) => queue.extend(args(&input.fields)),
            _ => {}
        }
    }
    // A root type counts only when some of its operations are built.
    seen.retain(|name| {
        contract.contains_key(name) && (!ROOTS.contains(&name.as_str()) || has_built_field(contract, name))
    });
    seen
}

fn has_built_field(contract: &HashMap<String, TypeDefinition>, root: &str) -> bool {
    match contract.get(root).map(|d| &d.kind) {
        Some(TypeKind::Object(obj)) => obj.fields.iter().any(|f| built(root, &f.node.name.node)),
        _ => false,
    }
}

fn compare_inputs(
    problems: &mut Vec<String>,
    owner: &str,
    wanted: &[Positioned<InputValueDefinition>],
    have: &[Positioned<InputValueDefinition>],
) {
    for want in wanted {
        let name = &want.node.name.node;
        match have.iter().find(|h| &h.node.name.node == name) {
            None => problems.push(format!("{owner}: missing {name}")),
            Some(h) if h.node.ty.node.to_string() != want.node.ty.node.to_string() => problems.push(format!(
                "{owner}.{name}: type {} instead of {}",
                h.node.ty.node, want.node.ty.node
            )),
            _ => {}
        }
    }
}

fn contract_problems(
    contract: &HashMap<String, TypeDefinition>,
    schema: &HashMap<String, TypeDefinition>,
) -> Vec<String> {
    let mut problems = Vec::new();
    for name in reachable(contract) {
        let wanted = &contract[&name];
        let Some(have) = schema.get(&name) else {
            problems.push(format!("type {name} is missing"));
            continue;
        };
        match (&wanted.kind, &have.kind) {
            (TypeKind::Object(w), TypeKind::Object(h)) => {
                for field in &w.fields {
                    let field = &field.node;
                    let fname = &field.name.node;
                    if !built(&name, fname) {
                        continue;
                    }
                    match h.fields.iter().find(|f| &f.node.name.node == fname) {
                        None => problems.push(format!("{name}.{fname} is missing")),
                        Some(hf) => {
                            if hf.node.ty.node.to_string() != field.ty.node.to_string() {
                                problems.push(format!(
                                    "{name}.{fname}: type {} instead of {}",
                                    hf.node.ty.node, field.ty.node
                                ));
                            }
                            compare_inputs(
                                &mut problems,
                                &format!("{name}.{fname}"),
                                &field.arguments,
                                &hf.node.arguments,
                            );
                        }
                    }
                }
            }
            (TypeKind::InputObject(w), TypeKind::InputObject(h)) => {
                compare_inputs(&mut problems, &name, &w.fields, &h.fields)
            }
            (TypeKind::Enum(w), TypeKind::Enum(h)) => {
                for value in &w.values {
                    if !h.values.iter().any(|v| v.node.value.node == value.node.value.node) {
                        problems.push(format!("{name}.{} is missing", value.node.value.node));
                    }
                }
            }
            (TypeKind::Scalar, TypeKind::Scalar) => {}
            _ => problems.push(format!("{name} is not of the contract's kind")),
        }
    }
    // The list of unbuilt operations must not lie: a built one has to leave it.
    for entry in NOT_BUILT {
        let (owner, field) = entry.split_once('.').unwrap();
        if let Some(TypeKind::Object(obj)) = schema.get(owner).map(|d| &d.kind) {
            if obj.fields.iter().any(|f| f.node.name.node == field) {
                problems.push(format!("{entry} is built: remove it from NOT_BUILT"));
            }
        }
    }
    problems
}

#[test]
fn committed_schema_is_the_printed_schema() {
    let committed = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/schema.graphql"))
        .expect("schema.graphql at the project root");
    assert!(
        committed == roster::graphql::schema_sdl(),
        "schema.graphql is stale: run `cargo run -- print-schema > schema.graphql`"
    );
}

#[test]
fn schema_holds_the_contract_for_what_is_built() {
    let contract = types_of(include_str!("contract.graphql"));
    let schema = types_of(&roster::graphql::schema_sdl());
    let problems = contract_problems(&contract, &schema);
    assert!(
        problems.is_empty(),
        "schema differs from the contract:\n{}",
        problems.join("\n")
    );
}

#[test]
fn the_contract_check_catches_a_wrong_nullability() {
    let contract = types_of(include_str!("contract.graphql"));
    let broken = roster::graphql::schema_sdl().replace("slug: String!", "slug: String");
    let problems = contract_problems(&contract, &types_of(&broken));
    assert!(problems.iter().any(|p| p.contains("Tenant.slug")), "{problems:?}");
}

/// Introspection of every element's name and description. The whole graphql-js query
/// (`getIntrospectionQuery()`) nests `ofType` deeper than the endpoint's depth limit
/// allows, and type references say nothing about descriptions.
const DESCRIPTIONS: &str = r#"
{
  __schema {
    types {
      name description
      fields(includeDeprecated: true) { name description args { name description } }
      inputFields { name description }
      enumValues(includeDeprecated: true) { name description }
    }
  }
}
"#;

/// A description that says something: not empty, and not just the element's own name
/// (as in "`MemberFilter`.").
fn describes(description: &Value, name: &str) -> bool {
    let text = description.as_str().unwrap_or_default();
    let bare: String = text.chars().filter(|c| c.is_alphanumeric()).collect();
    let name: String = name.chars().filter(|c| c.is_alphanumeric()).collect();
    !bare.is_empty() && !bare.eq_ignore_ascii_case(&name)
}

/// Every element of an introspected schema without a description, as `Type`,
/// `Type.field`, `Type.field(argument)` or `Enum.VALUE`.
fn undescribed(schema: &Value) -> Vec<String> {
    let list = |value: &Value| value.as_array().cloned().unwrap_or_default();
    let mut missing = Vec::new();
    for ty in list(&schema["types"]) {
        let name = ty["name"].as_str().unwrap_or_default();
        if name.starts_with("__") || BUILTIN.contains(&name) {
            continue;
        }
        if !describes(&ty["description"], name) {
            missing.push(name.to_owned());
        }
        for field in list(&ty["fields"]).iter().chain(&list(&ty["inputFields"])) {
            let field_name = field["name"].as_str().unwrap_or_default();
            if !describes(&field["description"], field_name) {
                missing.push(format!("{name}.{field_name}"));
            }
            for arg in list(&field["args"]) {
                let arg_name = arg["name"].as_str().unwrap_or_default();
                if !describes(&arg["description"], arg_name) {
                    missing.push(format!("{name}.{field_name}({arg_name})"));
                }
            }
        }
        for value in list(&ty["enumValues"]) {
            let value_name = value["name"].as_str().unwrap_or_default();
            if !describes(&value["description"], value_name) {
                missing.push(format!("{name}.{value_name}"));
            }
        }
    }
    missing
}

#[tokio::test]
async fn every_schema_element_has_a_description() {
    let t = TestApp::start().await;
    let answer = t.gql("acme", None, DESCRIPTIONS, json!({})).await;
    assert!(answer["errors"].is_null(), "introspection refused: {answer}");
    let schema = &answer["data"]["__schema"];
    assert!(
        schema["types"].as_array().is_some_and(|types| types.len() > 50),
        "no schema in {answer}"
    );
    let missing = undescribed(schema);
    assert!(
        missing.is_empty(),
        "{} schema elements have no description:\n{}",
        missing.len(),
        missing.join("\n")
    );
}

#[test]
fn the_description_check_catches_missing_and_name_only_descriptions() {
    let schema = json!({ "types": [
        { "name": "Member", "description": "A person on the list.", "fields": [
            { "name": "phone", "description": null, "args": [] },
            { "name": "id", "description": "`id`.", "args": [] },
        ] },
        { "name": "Mutation", "description": "All mutations.", "fields": [
            { "name": "login", "description": "Signs in.", "args": [{ "name": "identifier", "description": "" }] },
        ] },
        { "name": "MemberStatus", "description": "`MemberStatus`.", "enumValues": [
            { "name": "ACTIVE", "description": null },
        ] },
        { "name": "String", "description": null },
        { "name": "__Type", "description": null },
    ] });
    assert_eq!(
        undescribed(&schema),
        [
            "Member.phone",
            "Member.id",
            "Mutation.login(identifier)",
            "MemberStatus",
            "MemberStatus.ACTIVE"
        ]
    );
}
