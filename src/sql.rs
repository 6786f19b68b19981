//! Pieces of SQL the query builder does not make: the rows of a long multi-row VALUES
//! list, with the placeholder style each database handles fast; conditions whose plan
//! does not depend on statistics.

use sea_orm::sea_query::{BinOper, Expr, SimpleExpr};
use sea_orm::{ColumnTrait, Condition, DbBackend, Value};
use uuid::Uuid;

/// `column || ''`: the column's value, which no index serves. A condition on it is
/// checked on the rows the other conditions found and never chooses the plan. SQLite
/// keeps no statistics: for `tenant = ? AND id IN (…)` it takes an index leading with the
/// tenant (or with a status) as the narrower match and reads every row the tenant has.
pub fn unindexed<C: ColumnTrait>(column: C) -> SimpleExpr {
    Expr::col((column.entity_name(), column)).binary(BinOper::Custom("||"), Expr::val(""))
}

/// The rows of `tenant` whose `key` (the primary key, or an indexed reference such as a
/// member id) is among `keys`, looked up by `key` whatever the statistics say, each row
/// found then checked for the tenant (see [`unindexed`]).
pub fn of_tenant_among<C: ColumnTrait>(
    tenant_column: C,
    key: C,
    tenant: &str,
    keys: impl IntoIterator<Item = Uuid>,
) -> Condition {
    Condition::all()
        .add(key.is_in(keys))
        .add(Expr::expr(unindexed(tenant_column)).eq(tenant))
}

/// Appends one row of a multi-row `VALUES` list to `sql` — preceded by a comma unless
/// `first` — and its parameters to `values`. PostgreSQL gets `$n` placeholders numbered
/// after the parameters already in `values`; SQLite anonymous `?`, since it looks up each
/// numbered one in a list of those seen so far, which makes a statement of thousands of
/// them quadratic. `shared`, when given, opens the row as written: a parameter bound once
/// for every row (`$1::varchar`), PostgreSQL only.
pub fn push_values_row(
    sql: &mut String,
    backend: DbBackend,
    values: &mut Vec<Value>,
    first: bool,
    shared: Option<&str>,
    row: impl IntoIterator<Item = Value>,
) {
    sql.push_str(if first { "(" } else { ", (" });
    let mut separator = "";
    if let Some(shared) = shared {
        sql.push_str(shared);
        separator = ", ";
    }
    for value in row {
        sql.push_str(separator);
        separator = ", ";
        match backend {
            DbBackend::Postgres => sql.push_str(&format!("${}", values.len() + 1)),
            _ => sql.push('?'),
        }
        values.push(value);
    }
    sql.push(')');
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rows_are_numbered_after_the_shared_parameter_on_postgres_and_anonymous_on_sqlite() {
        let (mut sql, mut values) = (String::new(), vec![Value::from("acme")]);
        for first in [true, false] {
            let row = [Value::from("dupont"), Value::from(7)];
            push_values_row(
                &mut sql,
                DbBackend::Postgres,
                &mut values,
                first,
                Some("$1::varchar"),
                row,
            );
        }
        assert_eq!(sql, "($1::varchar, $2, $3), ($1::varchar, $4, $5)");
        assert_eq!(values.len(), 5);

        let (mut sql, mut values) = (String::new(), Vec::new());
        for first in [true, false] {
            push_values_row(
                &mut sql,
                DbBackend::Sqlite,
                &mut values,
                first,
                None,
                [Value::from(1), Value::from(2)],
            );
        }
        assert_eq!(sql, "(?, ?), (?, ?)");
        assert_eq!(values.len(), 4);
    }
}
