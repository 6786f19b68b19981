//! Pieces of SQL the query builder does not make: the rows of a long multi-row VALUES
//! list, with the placeholder style each database handles fast; conditions whose plan
//! does not depend on statistics.

use sea_orm::sea_query::{BinOper, Expr, SimpleExpr};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, Condition, DbBackend, EntityTrait, IdenStatic, Iterable, Statement, Value,
};
use uuid::Uuid;

use crate::error::{Error, Result};

/// Most rows in one multi-row INSERT.
const ROWS_PER_INSERT: usize = 500;
/// Most parameters in one statement: under SQLite's 32,766 and PostgreSQL's 65,535.
const PARAMETERS_PER_STATEMENT: usize = 30_000;

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

/// Rows for a multi-row INSERT into one table: the values of each row, in the order of
/// `columns`, one after another.
pub struct InsertRows {
    table: String,
    columns: Vec<String>,
    values: Vec<Value>,
    /// Appended to each statement: `ON CONFLICT … DO NOTHING`, or nothing.
    on_conflict: &'static str,
    /// Most rows a statement (fewer when the parameters would pass the limit).
    rows_per_statement: usize,
}

impl InsertRows {
    /// No rows yet, into `table`'s `columns`.
    pub fn new(table: &str, columns: &[&str]) -> Self {
        InsertRows {
            table: table.to_owned(),
            columns: columns.iter().map(|c| (*c).to_owned()).collect(),
            values: Vec::new(),
            on_conflict: "",
            rows_per_statement: ROWS_PER_INSERT,
        }
    }

    /// No rows yet, into every column of entity `E`'s table.
    pub fn of_entity<E: EntityTrait>() -> Self {
        let columns: Vec<String> = E::Column::iter().map(|c| c.as_str().to_owned()).collect();
        InsertRows {
            columns,
            ..Self::new(E::default().table_name(), &[])
        }
    }

    /// Ends each statement with `clause` — `ON CONFLICT DO NOTHING`, or `ON CONFLICT
    /// (columns) DO NOTHING` for one unique index — so that rows which would break a
    /// unique index are skipped (the rows inserted say how many).
    pub fn skipping_conflicts(mut self, clause: &'static str) -> Self {
        self.on_conflict = clause;
        self
    }

    /// Up to `rows` rows a statement instead of a few hundred: a long run of sorted
    /// rows fills neighbouring pages of an index.
    pub fn rows_per_statement(mut self, rows: usize) -> Self {
        self.rows_per_statement = rows.max(1);
        self
    }

    /// Adds a row: its values in the order of the columns.
    pub fn push(&mut self, row: impl IntoIterator<Item = Value>) {
        let before = self.values.len();
        self.values.extend(row);
        debug_assert_eq!(self.values.len() - before, self.columns.len(), "one value a column");
    }

    /// Adds a row from an active model of the table, every column set (its values move
    /// into the row); INTERNAL when one is not.
    pub fn push_model<A: ActiveModelTrait>(&mut self, mut model: A) -> Result<()> {
        let mut row = Vec::with_capacity(self.columns.len());
        for column in <A::Entity as EntityTrait>::Column::iter() {
            let value = model.take(column).into_value().ok_or_else(|| {
                Error::Internal(format!("{}.{} is not set for an insert", self.table, column.as_str()))
            })?;
            row.push(value);
        }
        self.push(row);
        Ok(())
    }

    /// How many rows there are.
    pub fn len(&self) -> usize {
        self.values.len() / self.columns.len().max(1)
    }

    /// Whether there are no rows.
    pub fn is_empty(&self) -> bool {
        self.values.is_empty()
    }

    /// The INSERT statements of the rows, a few hundred rows each. A column whose value
    /// is the same in every row of a statement (the tenant, the time, a status) is bound
    /// once, in the SELECT list, and each row binds only the others:
    /// `INSERT INTO t (a, b) SELECT ?, column1 FROM (VALUES (?), (?)) WHERE true` — a
    /// first import binds half as many values, each of which is copied and freed on its
    /// way to the database. (`WHERE true` keeps SQLite from reading `ON CONFLICT` as a
    /// join's `ON`.)
    pub fn statements(self, backend: DbBackend) -> impl Iterator<Item = Statement> {
        let InsertRows {
            table,
            columns,
            values,
            on_conflict,
            rows_per_statement,
        } = self;
        let width = columns.len().max(1);
        let rows = rows_per_statement.min(PARAMETERS_PER_STATEMENT / width).max(1);
        let mut cells = values.into_iter();
        // Built one at a time as asked for: the values move from the rows into each
        // statement, never held twice.
        std::iter::from_fn(move || {
            let chunk: Vec<Value> = cells.by_ref().take(rows * width).collect();
            let some = !chunk.is_empty() && !columns.is_empty();
            some.then(|| insert_statement(backend, &table, &columns, chunk, on_conflict))
        })
    }
}

/// One statement of [`InsertRows::statements`]: `values` holds whole rows.
fn insert_statement(
    backend: DbBackend,
    table: &str,
    columns: &[String],
    values: Vec<Value>,
    on_conflict: &str,
) -> Statement {
    let width = columns.len();
    let rows = values.len() / width;
    // A column is shared when every row holds the first row's value; one row shares none.
    let mut shared: Vec<bool> = (0..width)
        .map(|c| rows > 1 && values.chunks(width).all(|row| row[c] == values[c]))
        .collect();
    if shared.iter().all(|s| *s) {
        shared.fill(false);
    }
    let ordered: Vec<&str> = (0..width)
        .filter(|c| shared[*c])
        .chain((0..width).filter(|c| !shared[*c]))
        .map(|c| columns[c].as_str())
        .collect();
    let quoted: Vec<String> = ordered.iter().map(|c| format!("\"{c}\"")).collect();
    let mut sql = String::with_capacity(64 + rows * width * 4);
    sql.push_str(&format!("INSERT INTO \"{table}\" ({}) SELECT ", quoted.join(", ")));
    let mut bound: Vec<Value> = Vec::with_capacity(values.len());
    for (value, _) in values.iter().zip(&shared).filter(|(_, s)| **s) {
        bound.push(value.clone());
        match backend {
            DbBackend::Postgres => sql.push_str(&format!("${}, ", bound.len())),
            _ => sql.push_str("?, "),
        }
    }
    let per_row = shared.iter().filter(|s| !**s).count();
    let names: Vec<String> = match backend {
        // SQLite names a VALUES list's columns column1, column2, …; PostgreSQL as the alias says.
        DbBackend::Postgres => (1..=per_row).map(|i| format!("v.c{i}")).collect(),
        _ => (1..=per_row).map(|i| format!("column{i}")).collect(),
    };
    sql.push_str(&names.join(", "));
    sql.push_str(" FROM (VALUES ");
    let mut cells = values.into_iter();
    for i in 0..rows {
        let row: Vec<Value> = cells.by_ref().take(width).collect();
        let own = row.into_iter().zip(&shared).filter(|(_, s)| !**s).map(|(v, _)| v);
        push_values_row(&mut sql, backend, &mut bound, i == 0, None, own);
    }
    sql.push(')');
    if backend == DbBackend::Postgres {
        let aliases: Vec<String> = (1..=per_row).map(|i| format!("c{i}")).collect();
        sql.push_str(&format!(" AS v({})", aliases.join(", ")));
    }
    sql.push_str(" WHERE true");
    if !on_conflict.is_empty() {
        sql.push(' ');
        sql.push_str(on_conflict);
    }
    Statement::from_sql_and_values(backend, sql, bound)
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

    #[test]
    fn a_column_the_same_in_every_row_is_bound_once() {
        let mut rows = InsertRows::new("t", &["tenant", "login", "active"]);
        for (login, active) in [("a", true), ("b", false), ("c", true)] {
            rows.push([Value::from("acme"), Value::from(login), Value::from(active)]);
        }
        let sqlite: Vec<Statement> = rows.statements(DbBackend::Sqlite).collect();
        assert_eq!(sqlite.len(), 1);
        assert_eq!(
            sqlite[0].sql,
            "INSERT INTO \"t\" (\"tenant\", \"login\", \"active\") SELECT ?, column1, column2 \
             FROM (VALUES (?, ?), (?, ?), (?, ?)) WHERE true"
        );
        let bound = &sqlite[0].values.as_ref().unwrap().0;
        assert_eq!(bound.len(), 7, "the tenant once, then two values a row");
        assert_eq!(bound[0], Value::from("acme"));
        assert_eq!(bound[1], Value::from("a"));

        let mut rows = InsertRows::new("t", &["tenant", "login"]).skipping_conflicts("ON CONFLICT DO NOTHING");
        rows.push([Value::from("acme"), Value::from("a")]);
        rows.push([Value::from("acme"), Value::from("b")]);
        let postgres: Vec<Statement> = rows.statements(DbBackend::Postgres).collect();
        assert_eq!(
            postgres[0].sql,
            "INSERT INTO \"t\" (\"tenant\", \"login\") SELECT $1, v.c1 FROM (VALUES ($2), ($3)) AS v(c1) \
             WHERE true ON CONFLICT DO NOTHING"
        );
    }

    #[test]
    fn one_row_or_identical_rows_bind_every_value_and_long_lists_are_split() {
        let mut one = InsertRows::new("t", &["a", "b"]);
        one.push([Value::from(1), Value::from(2)]);
        let statement = one.statements(DbBackend::Sqlite).next().unwrap();
        assert_eq!(
            statement.sql,
            "INSERT INTO \"t\" (\"a\", \"b\") SELECT column1, column2 FROM (VALUES (?, ?)) WHERE true"
        );

        let mut many = InsertRows::new("t", &["tenant", "n"]);
        for n in 0..1_201 {
            many.push([Value::from("acme"), Value::from(n)]);
        }
        assert_eq!(many.len(), 1_201);
        let statements: Vec<Statement> = many.statements(DbBackend::Sqlite).collect();
        let counts: Vec<usize> = statements.iter().map(|s| s.values.as_ref().unwrap().0.len()).collect();
        assert_eq!(
            counts,
            [501, 501, 202],
            "500 rows a statement, each binding the tenant once"
        );
        let last = &statements[2];
        assert!(last
            .sql
            .starts_with("INSERT INTO \"t\" (\"tenant\", \"n\") SELECT ?, column1 FROM (VALUES (?), (?), "));
    }
}
