//! A response's keys in the order the query asks for them, as the GraphQL spec wants
//! ("Serialized Map Ordering"): async-graphql (7.1 on) inserts the fields of an object
//! as their resolvers finish, so `{ totalCount nodes }` came back in either order from
//! one request to the next.

use async_graphql::parser::types::{
    DocumentOperations, ExecutableDocument, OperationDefinition, Selection, SelectionSet,
};
use async_graphql::{Name, Value};

/// Puts the keys of every object of `data` in the order of `query`'s selection sets (its
/// operation `operation_name`, or its only one): fields, aliases, fragments and inline
/// fragments as they are written. Keys the query does not name stay after, as they were;
/// data of a query that does not parse is left alone (it has none: such a query fails
/// before execution).
pub fn in_query_order(data: &mut Value, query: &str, operation_name: Option<&str>) {
    let Ok(document) = async_graphql::parser::parse_query(query) else {
        return;
    };
    let Some(operation) = chosen(&document, operation_name) else {
        return;
    };
    order(data, &[&operation.selection_set.node], &document);
}

/// The operation a request runs: the one it names, or the document's only one.
fn chosen<'a>(document: &'a ExecutableDocument, name: Option<&str>) -> Option<&'a OperationDefinition> {
    match (&document.operations, name) {
        (DocumentOperations::Single(operation), _) => Some(&operation.node),
        (DocumentOperations::Multiple(operations), Some(name)) => operations.get(name).map(|o| &o.node),
        (DocumentOperations::Multiple(operations), None) if operations.len() == 1 => {
            operations.values().next().map(|o| &o.node)
        }
        (DocumentOperations::Multiple(_), None) => None,
    }
}

/// Orders `value` (an object, or a list of them, at any depth) by the selection sets that
/// produced it: several when a key is asked for more than once (`{ me { id } me { login } }`).
fn order(value: &mut Value, sets: &[&SelectionSet], document: &ExecutableDocument) {
    match value {
        Value::List(items) => {
            for item in items {
                order(item, sets, document);
            }
        }
        Value::Object(map) => {
            let mut keys = Vec::new();
            collect(sets, document, &mut keys, 0);
            let mut ordered = async_graphql::indexmap::IndexMap::with_capacity(map.len());
            for (key, subsets) in keys {
                if let Some(mut field) = map.shift_remove(&key) {
                    order(&mut field, &subsets, document);
                    ordered.insert(key, field);
                }
            }
            ordered.extend(map.drain(..));
            *map = ordered;
        }
        _ => {}
    }
}

/// Fragments within fragments deeper than this are not followed (validation refuses a
/// cycle before execution; this only bounds the walk).
const MAX_FRAGMENT_DEPTH: usize = 32;

/// The response keys of `sets` in order, each with the selection sets under it
/// (CollectFields of the spec, without the type conditions: a key an object lacks is
/// simply not there).
fn collect<'a>(
    sets: &[&'a SelectionSet],
    document: &'a ExecutableDocument,
    keys: &mut Vec<(Name, Vec<&'a SelectionSet>)>,
    depth: usize,
) {
    if depth > MAX_FRAGMENT_DEPTH {
        return;
    }
    for set in sets {
        for selection in &set.items {
            match &selection.node {
                Selection::Field(field) => {
                    let key = field.node.response_key().node.clone();
                    let under = &field.node.selection_set.node;
                    match keys.iter_mut().find(|(k, _)| *k == key) {
                        Some((_, subsets)) => subsets.push(under),
                        None => keys.push((key, vec![under])),
                    }
                }
                Selection::FragmentSpread(spread) => {
                    if let Some(fragment) = document.fragments.get(&spread.node.fragment_name.node) {
                        collect(&[&fragment.node.selection_set.node], document, keys, depth + 1);
                    }
                }
                Selection::InlineFragment(inline) => {
                    collect(&[&inline.node.selection_set.node], document, keys, depth + 1);
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn object(pairs: &[(&str, Value)]) -> Value {
        Value::Object(pairs.iter().map(|(k, v)| (Name::new(k), v.clone())).collect())
    }

    fn keys(value: &Value) -> Vec<String> {
        match value {
            Value::Object(map) => map.keys().map(|k| k.to_string()).collect(),
            _ => Vec::new(),
        }
    }

    #[test]
    fn keys_follow_fields_aliases_and_fragments_at_every_depth() {
        let node = |login: &str| object(&[("id", Value::from("1")), ("login", Value::from(login))]);
        let mut data = object(&[(
            "members",
            object(&[
                ("nodes", Value::List(vec![node("a"), node("b")])),
                ("extra", Value::from(true)),
                ("total", Value::from(2)),
            ]),
        )]);
        let query = "query Q { members { total: totalCount ...Page } } \
                     fragment Page on MemberConnection { ... on MemberConnection { nodes { login id } } }";
        in_query_order(&mut data, query, Some("Q"));
        let members = &data;
        let Value::Object(root) = members else { panic!() };
        let connection = &root["members"];
        assert_eq!(keys(connection), ["total", "nodes", "extra"], "unnamed keys last");
        let Value::Object(connection) = connection else {
            panic!()
        };
        let Value::List(nodes) = &connection["nodes"] else {
            panic!()
        };
        for node in nodes {
            assert_eq!(keys(node), ["login", "id"]);
        }
    }

    #[test]
    fn an_unknown_operation_or_a_broken_query_leaves_the_data_alone() {
        let original = object(&[("b", Value::from(1)), ("a", Value::from(2))]);
        for (query, name) in [
            ("query A { a b } query B { a }", None),
            ("{ a b", None),
            ("query A { a b }", Some("Z")),
        ] {
            let mut data = original.clone();
            in_query_order(&mut data, query, name);
            assert_eq!(keys(&data), ["b", "a"], "{query}");
        }
        let mut data = original.clone();
        in_query_order(&mut data, "{ a b }", None);
        assert_eq!(keys(&data), ["a", "b"]);
    }
}
