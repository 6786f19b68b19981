//! Search-as-you-type's common case answered from the ordered word index.

use entity::member_search_tokens as words;
use sea_orm::sea_query::Expr;
use sea_orm::{ColumnTrait, Condition, EntityTrait, QueryFilter, QueryOrder, QuerySelect};

use uuid::Uuid;

use super::{list, search};
use crate::app::App;
use crate::auth::permissions::Scope;
use crate::auth::Caller;
use crate::config::Permission;
use crate::error::Result;
use entity::members;

/// Search-as-you-type's common case — one search word, no other filter but the status,
/// every member readable, by name, forward — answered from the ordered word index: the
/// ids of the next page (and one more, to know if there is a next). None when the case
/// does not apply.
pub(super) async fn search_page(
    app: &App,
    caller: &Caller,
    filter: &super::MemberFilter,
    order: list::MemberOrder,
    page: &list::PageRequest,
) -> Result<Option<list::Page<members::Model>>> {
    let Some(term) = one_word_case(app, caller, filter, order, page).await? else {
        return Ok(None);
    };
    let wanted = page
        .first
        .unwrap_or(list::DEFAULT_PAGE as i32)
        .clamp(0, list::MAX_PAGE as i32) as u64
        + 1;
    let after = page
        .after
        .as_deref()
        .map(|cursor| list::cursor_position("after", list::OrderField::LastName, cursor))
        .transpose()?
        .map(|(sort_key, id)| (sort_key.unwrap_or_default(), id));
    let read = WordRead {
        db: &app.db,
        tenant: caller.tenant.slug.as_str(),
        wanted,
        after,
    };
    // The words the prefix covers, found by index seeks. For a few of them, each word's
    // entries are already in name order in the index, so the page is a merge of short
    // ordered reads; for many, one query sorts the whole range.
    let words_in_range = distinct_words(&app.db, read.tenant, &term, MERGE_WORDS).await?;
    if let Some([word]) = words_in_range.as_deref() {
        let rows = read.one_word(word, filter.status).await?;
        let ids: Vec<Uuid> = rows.iter().map(|m| m.id).collect();
        return Ok(Some(list::page_from(rows, &ids, order, page)?));
    }
    if filter.status.is_some() {
        // The merged reads below see the words only, not the members' status.
        return Ok(None);
    }
    let ids = read.merged(&term, words_in_range).await?;
    Ok(Some(list::page_of(&app.db, read.tenant, &ids, order, page).await?))
}

/// The search word when the case applies: one word, no other filter but the status,
/// the default order forward, and every member readable.
async fn one_word_case(
    app: &App,
    caller: &Caller,
    filter: &super::MemberFilter,
    order: list::MemberOrder,
    page: &list::PageRequest,
) -> Result<Option<String>> {
    let only_search = super::MemberFilter {
        search: filter.search.clone(),
        ..super::MemberFilter::default()
    };
    // The console's list filters by status as a rule; the status is a column of the
    // members the one-word read joins to anyway.
    let with_status = super::MemberFilter {
        status: filter.status,
        ..only_search.clone()
    };
    let terms = filter.search.as_deref().map(search::query_terms).unwrap_or_default();
    let [search::QueryTerm::Word(word)] = terms.as_slice() else {
        return Ok(None);
    };
    let applies = (*filter == only_search || *filter == with_status)
        && order == list::MemberOrder::default()
        && page.last.is_none()
        && page.before.is_none()
        && caller.grants(&app.db).await?.scope(Permission::MembersRead) == Some(Scope::All);
    Ok(applies.then(|| word.clone()))
}

/// Reads of the word index for one page: `wanted` members after the keyset `after`.
struct WordRead<'a> {
    db: &'a sea_orm::DatabaseConnection,
    tenant: &'a str,
    wanted: u64,
    after: Option<(String, Uuid)>,
}

impl WordRead<'_> {
    /// Past the keyset, in the index's (sort key, member) order.
    fn past(&self) -> Option<sea_orm::sea_query::SimpleExpr> {
        self.after.as_ref().map(|(sort_key, id)| {
            Expr::tuple([
                Expr::col((words::Entity, words::Column::SortKey)).into(),
                Expr::col((words::Entity, words::Column::MemberId)).into(),
            ])
            .gt(Expr::tuple([sort_key.clone().into(), (*id).into()]))
        })
    }

    /// One word (the usual case): its index entries are in name order already, so the
    /// page is one ordered read joined to the members.
    async fn one_word(&self, word: &str, status: Option<super::Status>) -> Result<Vec<members::Model>> {
        let mut query = members::Entity::find()
            .inner_join(words::Entity)
            .filter(words::Column::Tenant.eq(self.tenant))
            .filter(words::Column::Token.eq(word));
        if let Some(status) = status {
            query = query.filter(members::Column::Status.eq(status));
        }
        if let Some(past) = self.past() {
            query = query.filter(past);
        }
        Ok(query
            .order_by_asc(words::Column::SortKey)
            .order_by_asc(words::Column::MemberId)
            .limit(self.wanted)
            .all(self.db)
            .await?)
    }

    /// A few words: a merge of short ordered reads, one per word; many (`words` None):
    /// one query sorting the whole range of the prefix. The ids of the page's members.
    async fn merged(&self, term: &str, words_found: Option<Vec<String>>) -> Result<Vec<Uuid>> {
        let groups: Vec<Condition> = match words_found {
            Some(words_found) => words_found
                .into_iter()
                .map(|w| {
                    Condition::all()
                        .add(words::Column::Tenant.eq(self.tenant))
                        .add(words::Column::Token.eq(w))
                })
                .collect(),
            None => vec![Condition::all()
                .add(words::Column::Tenant.eq(self.tenant))
                .add(words::Column::Token.gte(term))
                .add(words::Column::Token.lt(search::prefix_end(term)))],
        };
        let mut rows: Vec<(String, Uuid)> = Vec::new();
        for condition in groups {
            // Distinct: over a range of words a member has several entries (racer,
            // racer12, racer12@…), and the limit must count members, not entries.
            let mut query = words::Entity::find()
                .select_only()
                .column(words::Column::SortKey)
                .column(words::Column::MemberId)
                .distinct()
                .filter(condition);
            if let Some(past) = self.past() {
                query = query.filter(past);
            }
            let found: Vec<(String, Uuid)> = query
                .order_by_asc(words::Column::SortKey)
                .order_by_asc(words::Column::MemberId)
                .limit(self.wanted)
                .into_tuple()
                .all(self.db)
                .await?;
            rows.extend(found);
        }
        // A member found through two words (Dupont, dupont@…) counts once.
        rows.sort();
        rows.dedup_by(|a, b| a.1 == b.1);
        rows.truncate(self.wanted as usize);
        Ok(rows.into_iter().map(|(_, id)| id).collect())
    }
}

/// Most distinct words a prefix may cover for the merged read.
const MERGE_WORDS: usize = 16;

/// The distinct words starting with `prefix`, by one index seek each (a recursive query:
/// one round trip); None when more than `most`.
async fn distinct_words(
    db: &sea_orm::DatabaseConnection,
    tenant: &str,
    prefix: &str,
    most: usize,
) -> Result<Option<Vec<String>>> {
    use sea_orm::{ConnectionTrait, Statement};

    const WORDS: &str = "WITH RECURSIVE found(token, n) AS ( \
        SELECT (SELECT min(token) FROM member_search_tokens WHERE tenant = $1 AND token >= $2 AND token < $3), 1 \
        UNION ALL \
        SELECT (SELECT min(token) FROM member_search_tokens WHERE tenant = $1 AND token > found.token AND token < $3), n + 1 \
        FROM found WHERE found.token IS NOT NULL AND n <= $4) \
        SELECT token FROM found WHERE token IS NOT NULL ORDER BY n";
    let statement = Statement::from_sql_and_values(
        db.get_database_backend(),
        WORDS,
        [
            tenant.into(),
            prefix.into(),
            search::prefix_end(prefix).into(),
            (most as i64).into(),
        ],
    );
    let mut words = Vec::new();
    for row in db.query_all(statement).await? {
        words.push(row.try_get::<String>("", "token")?);
    }
    Ok((words.len() <= most).then_some(words))
}
