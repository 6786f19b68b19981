//! schema.graphql is what `roster print-schema` prints, and it holds the contract
//! (tests/contract.graphql, a copy of shared/contract.graphql) for everything built.

use std::collections::{BTreeSet, HashMap, VecDeque};

use async_graphql::parser::parse_schema;
use async_graphql::parser::types::{
    BaseType, InputValueDefinition, Type, TypeDefinition, TypeKind, TypeSystemDefinition,
};
use async_graphql::parser::Positioned;

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
