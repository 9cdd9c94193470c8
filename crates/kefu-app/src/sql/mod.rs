//! The one read-only guard for user SQL and predicates, and SQL literal quoting.
//! The store changes only through ingest: user SQL is planned with
//! DataFusion's DDL, DML and statements switched off (`SQLOptions`), so a write is
//! refused by the engine itself, not by a keyword check.

use crate::session::Session;
use crate::{AppError, AppResult};
use arrow::array::RecordBatch;
use datafusion::execution::context::SQLOptions;
use datafusion::sql::sqlparser::dialect::GenericDialect;
use datafusion::sql::sqlparser::parser::Parser;
use datafusion::sql::sqlparser::tokenizer::Token;
use futures::StreamExt;
use std::time::{Duration, Instant};

mod bounds;
pub use bounds::{MAX_GROWN_BYTES, QueryLimits, SLOT_WAIT, SQL_SLOTS, bounded, bounded_context};

/// A SQL string literal.
pub fn lit(s: &str) -> String {
    format!("'{}'", s.replace('\'', "''"))
}

/// Planning options that allow only queries.
pub fn read_only() -> SQLOptions {
    SQLOptions::new()
        .with_allow_ddl(false)
        .with_allow_dml(false)
        .with_allow_statements(false)
}

/// The most bytes of user SQL or a predicate.
pub const MAX_SQL_BYTES: usize = 64 * 1024;
/// The most operators (AND, OR, comparisons, arithmetic) in user SQL: planning walks
/// expression trees recursively, and a chain of thousands of `OR`s overflowed a
/// worker's stack and killed the server. An `IN (…)` list is the way to many values.
pub const MAX_SQL_OPERATORS: usize = 1000;
/// The deepest nesting of parentheses.
pub const MAX_SQL_NESTING: usize = 64;

/// Bounds user SQL before it is parsed or planned: size, operators, nesting. Counted
/// on the token stream, which has no recursion of its own.
pub fn check_size(param: &str, sql: &str) -> AppResult<()> {
    if sql.len() > MAX_SQL_BYTES {
        return Err(AppError::bad(
            param,
            format!("{} bytes is over the limit of {MAX_SQL_BYTES}", sql.len()),
        ));
    }
    let tokens = datafusion::sql::sqlparser::tokenizer::Tokenizer::new(&GenericDialect {}, sql)
        .tokenize()
        .map_err(|e| AppError::bad(param, e.to_string()))?;
    let (mut ops, mut depth, mut deepest) = (0usize, 0usize, 0usize);
    for t in &tokens {
        match t {
            Token::LParen => {
                depth += 1;
                deepest = deepest.max(depth);
            }
            Token::RParen => depth = depth.saturating_sub(1),
            Token::Word(w)
                if w.quote_style.is_none()
                    && (w.value.eq_ignore_ascii_case("and")
                        || w.value.eq_ignore_ascii_case("or")) =>
            {
                ops += 1
            }
            Token::Eq
            | Token::Neq
            | Token::Lt
            | Token::Gt
            | Token::LtEq
            | Token::GtEq
            | Token::Plus
            | Token::Minus
            | Token::Mul
            | Token::Div
            | Token::Mod
            | Token::StringConcat => ops += 1,
            _ => {}
        }
    }
    if ops > MAX_SQL_OPERATORS {
        return Err(AppError::bad(
            param,
            format!(
                "{ops} operators is over the limit of {MAX_SQL_OPERATORS} (use IN (…) for many values)"
            ),
        ));
    }
    if deepest > MAX_SQL_NESTING {
        return Err(AppError::bad(
            param,
            format!("parentheses nested {deepest} deep, over the limit of {MAX_SQL_NESTING}"),
        ));
    }
    Ok(())
}

/// Checks that `p` is exactly one SQL expression (nothing after it: no `) OR (1=1`,
/// no second statement, no comment hiding the rest).
pub fn check_expression(param: &str, p: &str) -> AppResult<()> {
    check_size(param, p)?;
    let dialect = GenericDialect {};
    let mut parser = Parser::new(&dialect)
        .try_with_sql(p)
        .map_err(|e| AppError::bad(param, e.to_string()))?;
    parser
        .parse_expr()
        .map_err(|e| AppError::bad(param, e.to_string()))?;
    match parser.peek_token().token {
        Token::EOF => Ok(()),
        t => Err(AppError::bad(
            param,
            format!("one expression only; unexpected '{t}' after it"),
        )),
    }
}

/// What a user query returned: at most `limit` rows.
pub struct QueryResult {
    pub columns: Vec<String>,
    pub batches: Vec<RecordBatch>,
    pub truncated: bool,
    pub elapsed: Duration,
}

impl QueryResult {
    /// Rows as arrays in column order.
    pub fn rows(&self) -> AppResult<Vec<Vec<serde_json::Value>>> {
        Ok(crate::encode::batches_to_json(&self.batches)?
            .into_iter()
            .map(|o| {
                self.columns
                    .iter()
                    .map(|c| o.get(c).cloned().unwrap_or(serde_json::Value::Null))
                    .collect()
            })
            .collect())
    }
}

/// Checks that `sql` is exactly one query (SELECT, WITH, VALUES, EXPLAIN, DESCRIBE,
/// SHOW) before anything is planned: a write is refused as such even when it would
/// not plan (`INSERT … VALUES (1)` into a wider table).
pub fn check_query(param: &str, sql: &str) -> AppResult<()> {
    use datafusion::sql::parser::{DFParser, Statement as Df};
    use datafusion::sql::sqlparser::ast::Statement;
    check_size(param, sql)?;
    let stmts = DFParser::parse_sql(sql).map_err(|e| AppError::bad(param, e.to_string()))?;
    if stmts.len() != 1 {
        return Err(AppError::bad(
            param,
            format!("one statement only ({} given)", stmts.len()),
        ));
    }
    let ok = match &stmts[0] {
        Df::Statement(s) => matches!(
            **s,
            Statement::Query(_)
                | Statement::Explain { .. }
                | Statement::ExplainTable { .. }
                | Statement::ShowTables { .. }
                | Statement::ShowColumns { .. }
        ),
        Df::Explain(_) => true,
        _ => false,
    };
    if ok {
        Ok(())
    } else {
        Err(AppError::Forbidden(
            "only queries (SELECT, WITH, EXPLAIN, DESCRIBE, SHOW) are allowed; the store changes only through `kefu ingest`".into(),
        ))
    }
}

/// Plans user SQL read-only; a refused kind of statement is `Forbidden`, any other
/// planning error a bad `param`.
async fn plan_user_sql(
    s: &Session,
    param: &str,
    sql: &str,
) -> AppResult<datafusion::dataframe::DataFrame> {
    plan_user_sql_in(s.ctx(), param, sql).await
}

async fn plan_user_sql_in(
    ctx: &datafusion::prelude::SessionContext,
    param: &str,
    sql: &str,
) -> AppResult<datafusion::dataframe::DataFrame> {
    check_query(param, sql)?;
    ctx.sql_with_options(sql, read_only()).await.map_err(|e| {
        let m = e.to_string();
        // DataFusion names the refused kinds of statement in its message.
        if m.contains("not supported") || m.contains("not allowed") {
            AppError::Forbidden(format!(
                "only read-only queries are allowed (the store changes only through ingest): {m}"
            ))
        } else {
            AppError::bad(param, m)
        }
    })
}

/// Runs user SQL read-only under `limits` (rows kept, deadline, answer bytes,
/// memory; see [`QueryLimits`]).
pub async fn user_query(s: &Session, sql: &str, limits: QueryLimits) -> AppResult<QueryResult> {
    let t = Instant::now();
    let s = s.clone();
    let sql = sql.to_string();
    let (columns, batches, truncated) = bounded(limits, async move {
        let ctx = bounded_context(s.ctx(), limits)?;
        let df = plan_user_sql_in(&ctx, "sql", &sql).await?;
        let columns: Vec<String> = df
            .schema()
            .fields()
            .iter()
            .map(|f| f.name().clone())
            .collect();
        let mut stream = df.execute_stream().await?;
        let mut batches = Vec::new();
        let (mut n, mut bytes, mut truncated) = (0usize, 0usize, false);
        while let Some(b) = stream.next().await {
            let b = b?;
            let b = match limits.rows {
                Some(limit) if n + b.num_rows() > limit => {
                    truncated = true;
                    b.slice(0, limit - n)
                }
                _ => b,
            };
            n += b.num_rows();
            bytes += b.get_array_memory_size();
            if let Some(cap) = limits.result_bytes
                && bytes > cap
            {
                return Err(AppError::bad(
                    "sql",
                    format!(
                        "the answer is over {} MiB: select fewer columns or rows (LIMIT), or aggregate",
                        cap >> 20
                    ),
                ));
            }
            batches.push(b);
            if truncated {
                break;
            }
        }
        Ok::<_, AppError>((columns, batches, truncated))
    })
    .await?;
    Ok(QueryResult {
        columns,
        batches,
        truncated,
        elapsed: t.elapsed(),
    })
}

/// Checks a user predicate over the conversation facts: one complete expression
/// that plans read-only against the table.
pub async fn check_conversation_predicate(s: &Session, param: &str, p: &str) -> AppResult<()> {
    check_expression(param, p)?;
    let sql = format!("SELECT 1 FROM conversation_facts WHERE ({p}) LIMIT 0");
    plan_user_sql(s, param, &sql).await.map(|_| ())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_expression_only() {
        assert!(check_expression("where", "frt_secs > 600").is_ok());
        assert!(check_expression("where", "a = 'x' AND (b < 2 OR c IS NULL)").is_ok());
        for bad in [
            "1=1) OR (1=1",
            "frt_secs > 600) LIMIT 1 --",
            "1=1; DROP TABLE x",
            "1=1 LIMIT 5",
        ] {
            let e = check_expression("where", bad).unwrap_err();
            assert!(matches!(e, AppError::BadParam { .. }), "{bad}: {e}");
        }
        assert_eq!(lit("it's"), "'it''s'");
        assert!(check_query("sql", "SELECT 1").is_ok());
        assert!(check_query("sql", "WITH a AS (SELECT 1) SELECT * FROM a").is_ok());
        for w in [
            "INSERT INTO messages VALUES (1)",
            "DROP TABLE messages",
            "CREATE TABLE x (a INT)",
            "COPY messages TO 'x.csv'",
        ] {
            assert!(
                matches!(check_query("sql", w), Err(AppError::Forbidden(_))),
                "{w}"
            );
        }
        assert!(matches!(
            check_query("sql", "SELECT 1; SELECT 2"),
            Err(AppError::BadParam { .. })
        ));
    }
}
