//! Search words: every member's login, names and emails folded to lower-case ASCII
//! words, stored in `member_search_tokens` and matched by prefix through an index,
//! so typing "dupo" finds "Dupont" among 100,000 members without a scan.

use std::collections::BTreeSet;

use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, Set};
use uuid::Uuid;

use crate::error::Result;
use entity::member_search_tokens;

/// Longest word kept; longer ones are cut (a prefix search still finds them).
const MAX_TOKEN: usize = 64;

/// Lower case, accents folded to ASCII.
pub fn fold(text: &str) -> String {
    deunicode::deunicode(text).to_lowercase()
}

/// The words a member is found by: each word of each field, plus the whole login and
/// emails (so "marie.dup" and "marie@exa" match too).
pub fn tokens(login: &str, first: &str, last: &str, email: Option<&str>, secondary: Option<&str>) -> BTreeSet<String> {
    let mut words = BTreeSet::new();
    let wholes = [Some(login), email, secondary];
    for whole in wholes.into_iter().flatten() {
        words.insert(cut(&fold(whole)));
    }
    for field in [Some(login), Some(first), Some(last), email, secondary]
        .into_iter()
        .flatten()
    {
        for word in fold(field).split(|c: char| !c.is_ascii_alphanumeric()) {
            if !word.is_empty() {
                words.insert(cut(word));
            }
        }
    }
    words.remove("");
    words
}

fn cut(word: &str) -> String {
    word.chars().take(MAX_TOKEN).collect()
}

/// The search words of a query: folded, split the same way as member fields.
pub fn query_terms(search: &str) -> Vec<String> {
    let folded = fold(search.trim());
    let mut terms: Vec<String> = folded
        .split(|c: char| c.is_whitespace() || c == ',')
        .filter(|t| !t.is_empty())
        .map(cut)
        .collect();
    terms.dedup();
    terms.truncate(8);
    terms
}

/// The first string after every string starting with `prefix` (for an index range scan).
pub fn prefix_end(prefix: &str) -> String {
    let mut chars: Vec<char> = prefix.chars().collect();
    while let Some(last) = chars.pop() {
        if let Some(next) = char::from_u32(last as u32 + 1) {
            chars.push(next);
            return chars.into_iter().collect();
        }
    }
    String::from('\u{10FFFF}')
}

/// Replaces a member's search words.
pub async fn store<C: ConnectionTrait>(
    conn: &C,
    tenant: &str,
    member_id: Uuid,
    sort_key: &str,
    words: BTreeSet<String>,
) -> Result<()> {
    member_search_tokens::Entity::delete_many()
        .filter(member_search_tokens::Column::MemberId.eq(member_id))
        .exec(conn)
        .await?;
    insert(
        conn,
        words
            .into_iter()
            .map(|w| (tenant.to_owned(), w, member_id, sort_key.to_owned())),
    )
    .await
}

/// Inserts search words of many members in multi-row statements.
pub async fn insert<C: ConnectionTrait>(
    conn: &C,
    rows: impl IntoIterator<Item = (String, String, Uuid, String)>,
) -> Result<()> {
    let models: Vec<member_search_tokens::ActiveModel> = rows
        .into_iter()
        .map(
            |(tenant, token, member_id, sort_key)| member_search_tokens::ActiveModel {
                tenant: Set(tenant),
                token: Set(token),
                member_id: Set(member_id),
                sort_key: Set(sort_key),
            },
        )
        .collect();
    for chunk in models.chunks(5_000) {
        member_search_tokens::Entity::insert_many(chunk.to_vec())
            .exec(conn)
            .await?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn words_are_folded_and_split() {
        let words = tokens(
            "marie.dupont",
            "Marie-Hélène",
            "Dupont",
            Some("M.Dupont@Exemple.fr"),
            None,
        );
        for expected in [
            "marie.dupont",
            "marie",
            "helene",
            "dupont",
            "m.dupont@exemple.fr",
            "exemple",
            "fr",
        ] {
            assert!(words.contains(expected), "{expected} in {words:?}");
        }
        assert_eq!(query_terms("  Hélène  DUPO "), ["helene", "dupo"]);
        assert_eq!(prefix_end("dupo"), "dupp");
        assert_eq!(prefix_end("az"), "a{");
    }
}
