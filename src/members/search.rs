//! Search words: every member's login, names and emails folded to lower-case ASCII
//! words, stored in `member_search_tokens` and matched by prefix through an index,
//! so typing "dupo" finds "Dupont" among 100,000 members without a scan.

use std::collections::BTreeSet;

use sea_orm::sea_query::Expr;
use sea_orm::{
    ColumnTrait, ConnectionTrait, DatabaseConnection, DbBackend, EntityTrait, QueryFilter, QueryOrder, QuerySelect,
    Statement, TransactionTrait,
};
use uuid::Uuid;

use crate::error::Result;
use crate::members::write::{Profile, ProfileField};
use crate::sql::InsertRows;
use entity::{member_search_tokens, members, roster_meta};

/// Longest word kept; longer ones are cut (a prefix search still finds them).
const MAX_TOKEN: usize = 64;

/// Lower case, accents folded to ASCII.
pub fn fold(text: &str) -> String {
    deunicode::deunicode(text).to_lowercase()
}

/// The words a member is found by: each word of each searchable profile field, an
/// address's domain as one word ("velo-asso.fr", so that "velo-asso" and "@velo" find
/// everyone there) and, for a subdomain, each domain it lies in ("mail.velo-asso.fr" is
/// "velo-asso.fr" too), plus the whole of the fields that identify them (login, addresses),
/// so that "marie.dup" and "marie@exa" match too. A whole login or address that begins
/// another of them ("marie" of "marie@exemple.fr") is left out: every prefix of it is a
/// prefix of the other, so it finds nobody the other does not.
pub fn profile_words(profile: &impl Profile) -> BTreeSet<String> {
    let mut words = BTreeSet::new();
    let mut wholes = Vec::new();
    for field in ProfileField::ALL.into_iter().filter(|f| f.is_searchable()) {
        let Some(value) = field.get(profile) else { continue };
        let folded = fold(value);
        if field.identifies() {
            wholes.push(cut(&folded));
        }
        let (text, domain) = match folded.rsplit_once('@') {
            // A login may be an address too ("marie@exemple.fr"): cut the same way.
            Some((local, domain)) if field.identifies() => (local, Some(domain)),
            _ => (folded.as_str(), None),
        };
        for word in split_words(text) {
            words.insert(cut(word));
        }
        for elided in elisions(text) {
            words.insert(cut(&elided));
        }
        // Down to two labels: "etu.univ-x.fr" is found by "univ-x" as "univ-x.fr" is.
        let mut domain = domain;
        while let Some(within) = domain {
            words.insert(cut(within));
            domain = within
                .split_once('.')
                .map(|(_, parent)| parent)
                .filter(|p| p.contains('.'));
        }
    }
    for whole in &wholes {
        let begins_another = wholes
            .iter()
            .any(|other| other.len() > whole.len() && other.starts_with(whole.as_str()));
        if !begins_another {
            words.insert(whole.clone());
        }
    }
    words.remove("");
    words
}

/// Names written with an apostrophe, as one word without it: "D'Aubigné" is found by
/// "daubigne" as well as by "aubigne" and "d'aubigne", "O'Neill" by "oneill".
fn elisions(folded: &str) -> impl Iterator<Item = String> + '_ {
    folded
        .split(|c: char| !c.is_ascii_alphanumeric() && c != '\'')
        .filter(|chunk| chunk.trim_matches('\'').contains('\''))
        .map(|chunk| chunk.replace('\'', ""))
}

/// Words of folded text: runs of letters, and runs of digits ("dupont2" is "dupont" and
/// "2"), so that a prefix such as "dupo" hits one word shared by every Dupont rather than
/// one word per numbered login.
fn split_words(folded: &str) -> impl Iterator<Item = &str> {
    let mut words = Vec::new();
    let mut start = None;
    let mut last_digit = false;
    for (i, c) in folded.char_indices() {
        let kind = c.is_ascii_alphanumeric().then(|| c.is_ascii_digit());
        match (start, kind) {
            (Some(s), Some(digit)) if digit != last_digit => {
                words.push(&folded[s..i]);
                start = Some(i);
            }
            (Some(s), None) => {
                words.push(&folded[s..i]);
                start = None;
            }
            (None, Some(_)) => start = Some(i),
            _ => {}
        }
        if let Some(digit) = kind {
            last_digit = digit;
        }
    }
    if let Some(s) = start {
        words.push(&folded[s..]);
    }
    words.into_iter()
}

fn cut(word: &str) -> String {
    word.chars().take(MAX_TOKEN).collect()
}

/// A term of a search, which every member found matches.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum QueryTerm {
    /// Begins one of the member's words.
    Word(String),
    /// A term joined by a hyphen or an apostrophe: the whole begins one of the member's
    /// words (a domain: "univ-lyon" of "univ-lyon.fr"), or each of its words does (a
    /// name: "dupont-martin" of Dupont-Martin, "o'hara" of O'Hara).
    WholeOrWords { whole: String, words: Vec<String> },
}

/// The terms of a search: folded, split on spaces and on the punctuation around a pasted
/// address or list (`, ; < > " ( ) [ ]`), each term rid of a `mailto:` and of the
/// punctuation at its ends ("J.", "dupont.", "'dupont'"; an `@` stays, it says what the
/// term is), and split between letters and digits as member words are ("dupont12" looks
/// for "dupont" and "12"). A term with a dot or an `@` inside stays whole ("marie.dup"
/// matches whole logins and addresses, and "velo-asso.fr" the addresses at that domain),
/// and so does a domain typed after an `@` ("@velo-asso"). A term of punctuation only
/// looks for nothing. At most 8 terms.
pub fn query_terms(search: &str) -> Vec<QueryTerm> {
    let folded = fold(search.trim());
    let mut terms: Vec<QueryTerm> = folded
        .split(|c: char| c.is_whitespace() || matches!(c, ',' | ';' | '<' | '>' | '"' | '(' | ')' | '[' | ']'))
        .map(|t| t.strip_prefix("mailto:").unwrap_or(t))
        .map(|t| t.trim_matches(|c: char| !c.is_ascii_alphanumeric() && c != '@'))
        .filter(|t| t.chars().any(|c| c.is_ascii_alphanumeric()))
        .flat_map(|t| {
            // A domain typed after an `@` ("@velo-asso") is the domain word's beginning.
            if let Some(domain) = t.strip_prefix('@') {
                return vec![QueryTerm::Word(cut(domain))];
            }
            // A login, an address or a domain being typed ("marie.dup", "m.dupont@ex",
            // "velo-asso.fr") is matched whole, by prefix.
            if t.contains(['.', '@']) {
                return vec![QueryTerm::Word(cut(t))];
            }
            let words: Vec<String> = split_words(t).map(cut).collect();
            let joined = t.contains(|c: char| !c.is_ascii_alphanumeric());
            if joined && words.len() > 1 {
                vec![QueryTerm::WholeOrWords { whole: cut(t), words }]
            } else {
                words.into_iter().map(QueryTerm::Word).collect()
            }
        })
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

/// A row of `member_search_tokens`: (tenant, word, member, the member's sort key).
pub type WordRow = (String, String, Uuid, String);

/// Search-word rows per statement: at 3 parameters a row (the tenant bound once), under
/// the parameter limit; rows of several tenants in one statement get fewer.
const WORDS_PER_STATEMENT: usize = 8_000;

/// Inserts search words of many members in multi-row statements, in the order of the
/// primary key: each statement then fills neighbouring pages of the index instead of
/// touching pages all over it (a first import of 100,000 members writes 700,000 words).
pub async fn insert<C: ConnectionTrait>(conn: &C, rows: impl IntoIterator<Item = WordRow>) -> Result<()> {
    for statement in insert_statements(conn.get_database_backend(), rows) {
        conn.execute(statement).await?;
    }
    Ok(())
}

/// The statements of [`insert`], one after another, built without a connection (ahead of
/// the database); each is built when asked for, so that the values of all of them are
/// never held at once.
pub fn insert_statements(
    backend: DbBackend,
    rows: impl IntoIterator<Item = WordRow>,
) -> impl Iterator<Item = Statement> {
    let mut rows: Vec<WordRow> = rows.into_iter().collect();
    in_index_order(&mut rows);
    let mut insert = InsertRows::new("member_search_tokens", &["tenant", "token", "sort_key", "member_id"])
        .rows_per_statement(WORDS_PER_STATEMENT);
    for (tenant, token, member_id, sort_key) in rows {
        insert.push([tenant.into(), token.into(), sort_key.into(), member_id.into()]);
    }
    insert.statements(backend)
}

/// Deletes the search words of members as their rows stand (the words are
/// [`profile_words`] of the row, under its sort key: the member writer keeps them so),
/// by primary key, in multi-row statements.
pub async fn delete_words<C: ConnectionTrait>(conn: &C, members: &[&members::Model]) -> Result<()> {
    for statement in delete_statements(conn.get_database_backend(), members) {
        conn.execute(statement).await?;
    }
    Ok(())
}

/// The statements of [`delete_words`]: each looks every key up by the primary key,
/// whatever the planner's statistics say.
pub fn delete_statements(backend: DbBackend, members: &[&members::Model]) -> Vec<Statement> {
    let mut keys: Vec<WordRow> = members
        .iter()
        .flat_map(|m| {
            profile_words(*m)
                .into_iter()
                .map(|word| (m.tenant.clone(), word, m.id, m.sort_key.clone()))
        })
        .collect();
    let (head, tail) = match backend {
        // As a plain join with the VALUES list, PostgreSQL may choose to read the whole
        // table for every statement (it did, with statistics from before an import), and
        // it flattens a LATERAL subquery into that same join: OFFSET 0 keeps the subquery
        // whole, so each key is one lookup in the primary key (a hash join over a full
        // scan had cost 200 ms a statement at 100,000 members).
        DbBackend::Postgres => (
            "DELETE FROM member_search_tokens WHERE ctid = ANY(ARRAY(SELECT found.ctid FROM (VALUES ",
            ") AS v(tenant, token, sort_key, member_id), LATERAL (SELECT w.ctid FROM member_search_tokens w \
             WHERE w.tenant = v.tenant AND w.token = v.token AND w.sort_key = v.sort_key \
             AND w.member_id = v.member_id OFFSET 0) AS found))",
        ),
        // `IN (SELECT … FROM (VALUES …))` (`column1…` are the names SQLite gives a VALUES
        // list's columns) looks each key up in every SQLite version tried; a bare
        // `IN (VALUES …)` does in the bundled 3.46 but reads the whole table in 3.40 (half
        // a second a statement at 700,000 words), should Roster be built against it.
        _ => (
            "DELETE FROM member_search_tokens WHERE (tenant, token, sort_key, member_id) IN \
             (SELECT column1, column2, column3, column4 FROM (VALUES ",
            "))",
        ),
    };
    in_index_order(&mut keys);
    of_one_tenant(&keys)
        .map(|chunk| {
            let (sql, values) = word_keys_statement(backend, head, chunk, tail);
            Statement::from_sql_and_values(backend, sql, values)
        })
        .collect()
}

/// Sorts word rows in the order of the primary key (tenant, word, sort key, member), so
/// that a statement's neighbouring rows fall on neighbouring pages of the index.
fn in_index_order(rows: &mut [WordRow]) {
    rows.sort_unstable_by(|a, b| (&a.0, &a.1, &a.3, a.2).cmp(&(&b.0, &b.1, &b.3, b.2)));
}

/// Statement-sized runs of rows of one tenant each (rows sorted by tenant).
fn of_one_tenant(rows: &[WordRow]) -> impl Iterator<Item = &[WordRow]> {
    rows.chunk_by(|a, b| a.0 == b.0)
        .flat_map(|tenant| tenant.chunks(WORDS_PER_STATEMENT))
}

/// `head`, then a VALUES list of the rows' keys — (tenant, token, sort key, member) —
/// then `tail`; the tenant is the same for all rows.
fn word_keys_statement(backend: DbBackend, head: &str, rows: &[WordRow], tail: &str) -> (String, Vec<sea_orm::Value>) {
    let mut sql = String::with_capacity(head.len() + tail.len() + rows.len() * 24);
    sql.push_str(head);
    let mut values: Vec<sea_orm::Value> = Vec::with_capacity(rows.len() * 4);
    let tenant = rows.first().map(|r| r.0.clone()).unwrap_or_default();
    if backend == DbBackend::Postgres {
        values.push(tenant.clone().into());
    }
    // PostgreSQL binds the tenant once; SQLite's `?` are anonymous, so it comes per row.
    let shared = (backend == DbBackend::Postgres).then_some("$1::varchar");
    for (i, (_, token, member_id, sort_key)) in rows.iter().enumerate() {
        let tenant_per_row = shared.is_none().then(|| tenant.clone().into());
        let row = tenant_per_row.into_iter().chain([
            token.clone().into(),
            sort_key.clone().into(),
            sea_orm::Value::from(*member_id),
        ]);
        crate::sql::push_values_row(&mut sql, backend, &mut values, i == 0, shared, row);
    }
    sql.push_str(tail);
    (sql, values)
}

/// The way words are cut; stored data older than this is rebuilt at start.
pub const WORDS_VERSION: &str = "5";
const WORDS_VERSION_KEY: &str = "search_words_version";

/// Rebuilds every member's search words when they were cut by an older version. The
/// version row is claimed first, so that of several instances starting at once one does
/// the work and the others wait for it and find nothing to do. Returns members reindexed.
pub async fn bring_up_to_date(db: &DatabaseConnection) -> Result<u64> {
    let txn = db.begin().await?;
    let claimed = roster_meta::Entity::update_many()
        .col_expr(roster_meta::Column::Value, Expr::value(WORDS_VERSION))
        .filter(roster_meta::Column::Key.eq(WORDS_VERSION_KEY))
        .filter(roster_meta::Column::Value.ne(WORDS_VERSION))
        .exec(&txn)
        .await?
        .rows_affected;
    if claimed == 0 {
        txn.commit().await?;
        return Ok(0);
    }
    member_search_tokens::Entity::delete_many().exec(&txn).await?;
    let mut done = 0;
    let mut after: Option<Uuid> = None;
    loop {
        let mut page = members::Entity::find().order_by_asc(members::Column::Id).limit(2_000);
        if let Some(after) = after {
            page = page.filter(members::Column::Id.gt(after));
        }
        let rows = page.all(&txn).await?;
        let Some(last) = rows.last() else { break };
        after = Some(last.id);
        done += rows.len() as u64;
        let words = rows.iter().flat_map(|member| {
            profile_words(member)
                .into_iter()
                .map(move |word| (member.tenant.clone(), word, member.id, member.sort_key.clone()))
        });
        insert(&txn, words.collect::<Vec<_>>()).await?;
    }
    txn.commit().await?;
    Ok(done)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A search's terms as text: a word, or "whole | word+word".
    fn read(search: &str) -> Vec<String> {
        query_terms(search)
            .into_iter()
            .map(|term| match term {
                QueryTerm::Word(word) => word,
                QueryTerm::WholeOrWords { whole, words } => format!("{whole} | {}", words.join("+")),
            })
            .collect()
    }

    fn tokens(login: &str, first: &str, last: &str, email: Option<&str>) -> BTreeSet<String> {
        let mut member = crate::members::write::new_member("t", login.into(), first.into(), last.into());
        member.email = email.map(str::to_owned);
        member.phone = Some("06 12 34 56 78".into());
        profile_words(&member)
    }

    #[test]
    fn words_are_folded_and_split() {
        let words = tokens("marie.dupont", "Marie-Hélène", "Dupont", Some("M.Dupont@Exemple.fr"));
        assert!(!words.contains("06"), "the phone is not searched: {words:?}");
        for expected in [
            "marie.dupont",
            "marie",
            "helene",
            "dupont",
            "m.dupont@exemple.fr",
            "m",
            "exemple.fr",
        ] {
            assert!(words.contains(expected), "{expected} in {words:?}");
        }
        assert!(
            !words.contains("exemple") && !words.contains("fr"),
            "a domain is one word, its parts are no member's words: {words:?}"
        );
        let own_address = tokens("marie.dupont", "Marie", "Dupont", Some("Marie.Dupont@velo-asso.fr"));
        assert_eq!(
            own_address.into_iter().collect::<Vec<_>>(),
            ["dupont", "marie", "marie.dupont@velo-asso.fr", "velo-asso.fr"],
            "a login that begins an address is found through the address"
        );
        let address_as_login = tokens("marie@exemple.fr", "Marie", "Dupont", Some("marie@exemple.fr"));
        assert_eq!(
            address_as_login.into_iter().collect::<Vec<_>>(),
            ["dupont", "exemple.fr", "marie", "marie@exemple.fr"],
            "a login that is an address is cut as one"
        );
        let same = tokens("dupont", "Marie", "Dupont", Some("dupont@exemple.fr"));
        assert!(
            same.contains("dupont"),
            "a name's word stays, though the login begins the address: {same:?}"
        );
        assert_eq!(read("  Hélène  DUPO "), ["helene", "dupo"]);
        assert_eq!(read("dupont12"), ["dupont", "12"]);
        assert_eq!(read("marie.dup"), ["marie.dup"]);
        assert_eq!(read("m.dupont@ex"), ["m.dupont@ex"]);
        assert_eq!(read("Dupont-Martin"), ["dupont-martin | dupont+martin"]);
        assert_eq!(read("O'Hara"), ["o'hara | o+hara"]);
        assert_eq!(read("univ-lyon"), ["univ-lyon | univ+lyon"], "a domain's name");
        assert_eq!(read("@Entreprise.com"), ["entreprise.com"]);
        assert_eq!(read("dupo @velo-asso"), ["dupo", "velo-asso"]);
        assert_eq!(read("velo-asso.fr"), ["velo-asso.fr"]);
        for nothing in ["@", ".", "%", "*", "-", "'", "<>"] {
            assert!(query_terms(nothing).is_empty(), "{nothing:?} looks for nothing");
        }
        for pasted in [
            "Hélène Dupré <helene.dupre@example.org>",
            "\"Hélène Dupré\" <helene.dupre@example.org>;",
            "(Hélène Dupré) mailto:helene.dupre@example.org.",
            "« Hélène » [Dupré], helene.dupre@example.org",
        ] {
            assert_eq!(
                read(pasted),
                ["helene", "dupre", "helene.dupre@example.org"],
                "{pasted:?}"
            );
        }
        assert_eq!(read("J. Müller"), ["j", "muller"], "an initial");
        assert_eq!(read("marc lefevre."), ["marc", "lefevre"], "a sentence's end");
        assert_eq!(read("'dupont'"), ["dupont"]);
        assert_eq!(read("marie@"), ["marie@"], "an address's start");
        assert_eq!(read("@velo-asso.fr."), ["velo-asso.fr"]);
        let subdomain = tokens("zoe.x", "Zoé", "X", Some("zoe@etu.univ-x.ac.fr"));
        for within in ["etu.univ-x.ac.fr", "univ-x.ac.fr", "ac.fr"] {
            assert!(subdomain.contains(within), "{within} in {subdomain:?}");
        }
        assert!(
            !subdomain.contains("fr") && !subdomain.contains("univ-x"),
            "a domain of one label, or a label alone, is no word: {subdomain:?}"
        );
        let elided = tokens("lea.x", "Léa", "D'Aubigné-L\u{2019}Hermitte", None);
        for expected in ["d", "aubigne", "daubigne", "l", "hermitte", "lhermitte"] {
            assert!(elided.contains(expected), "{expected} in {elided:?}");
        }
        assert!(!elided.contains("daubignelhermitte"), "{elided:?}");
        let quoted = tokens("q.x", "'Quoted'", "Name'", None);
        assert!(!quoted.contains("quoted'") && quoted.contains("quoted"), "{quoted:?}");
        let numbered = tokens("elodie.dupont123", "Élodie", "Dupont", None);
        assert!(numbered.contains("dupont") && numbered.contains("123"));
        assert!(
            !numbered.contains("dupont123"),
            "one shared word per surname: {numbered:?}"
        );
        assert!(
            numbered.contains("elodie.dupont123"),
            "the whole login stays when no address begins with it"
        );
        assert_eq!(split_words("a1b22-c").collect::<Vec<_>>(), ["a", "1", "b", "22", "c"]);
        assert_eq!(prefix_end("dupo"), "dupp");
        assert_eq!(prefix_end("az"), "a{");
    }
}
