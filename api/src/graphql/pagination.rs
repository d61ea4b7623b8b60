//! Relay connections over keyset pagination.
//!
//! Rows are ordered by id (UUID v7, so creation order, oldest or newest first) and the cursor is
//! the last row's id:
//! paging stays fast at any depth and stable while rows are added. The filter that selects rows
//! (including the caller's access filter) is the same one `totalCount` counts, so hidden rows
//! are never counted.

use async_graphql::{
    Context, OutputType, SimpleObject,
    connection::{Connection, Edge},
};
use std::{collections::HashMap, hash::Hash};

use sea_orm::{
    ColumnTrait, ConnectionTrait, EntityTrait, FromQueryResult, IntoSimpleExpr, PaginatorTrait,
    QueryFilter, QueryOrder, QuerySelect, QueryTrait, Select,
    sea_query::{Alias, Asterisk, Expr, ExprTrait, Func, Iden, Query},
};
use uuid::Uuid;

use crate::platform::error::{ApiError, ApiResult};

pub const DEFAULT_PAGE_SIZE: u64 = 20;
pub const MAX_PAGE_SIZE: u64 = 100;

/// Fields every connection carries besides `edges`, `nodes` and `pageInfo`.
#[derive(SimpleObject)]
pub struct ConnectionFields {
    /// How many rows match the filter (only rows the caller may see).
    // Counted only when selected (`PageRequest`): 0 otherwise, and then never sent.
    pub total_count: u64,
}

pub type Page<T> = Connection<String, T, ConnectionFields>;

/// Which way a connection runs. Ids are UUID v7, so id order is creation order.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Order {
    OldestFirst,
    NewestFirst,
}

/// A validated `first`/`after` pair, and whether the client selected `totalCount`: counting
/// every matching row is a statement of its own, spent only when the answer is wanted.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct PageRequest {
    first: u64,
    after: Option<Uuid>,
    counts_total: bool,
}

impl PageRequest {
    /// The page the connection field of `ctx` asks for.
    pub fn parse(ctx: &Context<'_>, first: Option<i32>, after: Option<String>) -> ApiResult<Self> {
        let first = match first {
            None => DEFAULT_PAGE_SIZE,
            Some(first) => u64::try_from(first)
                .ok()
                .filter(|first| *first <= MAX_PAGE_SIZE)
                .ok_or_else(|| {
                    ApiError::bad_input(
                        "first",
                        format!("first must be between 0 and {MAX_PAGE_SIZE}"),
                    )
                })?,
        };
        let after = after
            .map(|cursor| {
                Uuid::parse_str(&cursor).map_err(|_| {
                    ApiError::bad_input("after", "after is not a cursor returned by this API")
                })
            })
            .transpose()?;
        let counts_total = ctx.look_ahead().field("totalCount").exists();
        Ok(Self {
            first,
            after,
            counts_total,
        })
    }
}

/// Fetches one page of `select` (already filtered) and, when the client asked, its total count.
pub async fn fetch_page<E, T>(
    db: &impl ConnectionTrait,
    select: Select<E>,
    id_column: E::Column,
    request: PageRequest,
    order: Order,
    cursor_of: impl Fn(&E::Model) -> Uuid,
    to_node: impl Fn(E::Model) -> T,
) -> ApiResult<Page<T>>
where
    E: EntityTrait,
    E::Model: Sync,
    T: OutputType,
{
    let total_count = if request.counts_total {
        select.clone().count(db).await?
    } else {
        0
    };
    let mut query = match order {
        Order::OldestFirst => select.order_by_asc(id_column),
        Order::NewestFirst => select.order_by_desc(id_column),
    };
    if let Some(after) = request.after {
        query = query.filter(match order {
            Order::OldestFirst => id_column.gt(after),
            Order::NewestFirst => id_column.lt(after),
        });
    }
    let mut rows = query.limit(request.first + 1).all(db).await?;
    let has_next_page = rows.len() as u64 > request.first;
    rows.truncate(request.first as usize);
    let mut page = Connection::with_additional_fields(
        request.after.is_some(),
        has_next_page,
        ConnectionFields { total_count },
    );
    page.edges.extend(
        rows.into_iter()
            .map(|row| Edge::new(cursor_of(&row).to_string(), to_node(row))),
    );
    Ok(page)
}

/// One parent's page of children, before it becomes a connection: what a per-parent
/// connection's DataLoader holds.
#[derive(Debug, Clone)]
pub struct ChildPage<M> {
    /// 0 when the client did not select `totalCount`, so it was not counted.
    total_count: u64,
    rows: Vec<M>,
    has_next_page: bool,
}

impl<M> Default for ChildPage<M> {
    fn default() -> Self {
        Self {
            total_count: 0,
            rows: Vec::new(),
            has_next_page: false,
        }
    }
}

impl<M> ChildPage<M> {
    pub fn into_connection<T: OutputType>(
        self,
        request: PageRequest,
        cursor_of: impl Fn(&M) -> Uuid,
        to_node: impl Fn(M) -> T,
    ) -> Page<T> {
        let mut page = Connection::with_additional_fields(
            request.after.is_some(),
            self.has_next_page,
            ConnectionFields {
                total_count: self.total_count,
            },
        );
        page.edges.extend(
            self.rows
                .into_iter()
                .map(|row| Edge::new(cursor_of(&row).to_string(), to_node(row))),
        );
        page
    }
}

/// One page of children for each of many parents, in one statement whatever the number of
/// parents (a `ROW_NUMBER()` window per parent), and a grouped count when `totalCount` is
/// selected. `select` is already filtered by the caller's rules and may join: `parent` is the
/// column that groups the children, of the children's table or of a joined one. Rows decode as `M` (the entity's model, or a
/// model with columns the select added). Parents without children are absent (an empty page).
pub async fn fetch_pages_by_parent<E, M, K>(
    db: &impl ConnectionTrait,
    select: Select<E>,
    (parent, id): (impl IntoSimpleExpr, E::Column),
    parents: &[K],
    request: PageRequest,
    order: Order,
) -> Result<HashMap<K, ChildPage<M>>, sea_orm::DbErr>
where
    E: EntityTrait,
    M: FromQueryResult,
    K: Into<sea_orm::Value> + sea_orm::TryGetable + Clone + Eq + Hash,
{
    let parent = parent.into_simple_expr();
    let select = select.filter(parent.clone().is_in(parents.iter().cloned()));
    let mut totals: HashMap<K, i64> = HashMap::new();
    if request.counts_total {
        totals = select
            .clone()
            .select_only()
            .expr(parent.clone())
            .expr(Func::count(id.into_simple_expr()))
            .group_by(parent.clone())
            .into_tuple::<(K, i64)>()
            .all(db)
            .await?
            .into_iter()
            .collect();
    }

    let mut matching = select.expr_as(parent, PAGE_PARENT);
    if let Some(after) = request.after {
        matching = matching.filter(match order {
            Order::OldestFirst => id.gt(after),
            Order::NewestFirst => id.lt(after),
        });
    }
    // Names are the entity's own identifiers and this module's, never input.
    let position = format!(
        r#"ROW_NUMBER() OVER (PARTITION BY "{PAGE_PARENT}" ORDER BY "{}" {})"#,
        Iden::to_string(&id),
        match order {
            Order::OldestFirst => "ASC",
            Order::NewestFirst => "DESC",
        }
    );
    let ranked = Query::select()
        .column(Asterisk)
        .expr_as(Expr::cust(position), Alias::new("page_position"))
        .from_subquery(matching.into_query(), Alias::new("matching"))
        .to_owned();
    let page_rows = Query::select()
        .column(Asterisk)
        .from_subquery(ranked, Alias::new("ranked"))
        .and_where(Expr::col(Alias::new("page_position")).lte(request.first + 1))
        .order_by(Alias::new("page_position"), sea_orm::sea_query::Order::Asc)
        .to_owned();
    let backend = db.get_database_backend();
    let mut rows: HashMap<K, Vec<M>> = HashMap::new();
    for row in db.query_all_raw(backend.build(&page_rows)).await? {
        let parent: K = row.try_get("", PAGE_PARENT)?;
        rows.entry(parent)
            .or_default()
            .push(M::from_query_result(&row, "")?);
    }

    Ok(parents
        .iter()
        .filter_map(|parent| {
            let total = totals.remove(parent);
            let children = rows.remove(parent);
            if total.is_none() && children.is_none() {
                return None;
            }
            let mut children = children.unwrap_or_default();
            let has_next_page = children.len() as u64 > request.first;
            children.truncate(request.first as usize);
            let page = ChildPage {
                total_count: total
                    .and_then(|total| u64::try_from(total).ok())
                    .unwrap_or(0),
                rows: children,
                has_next_page,
            };
            Some((parent.clone(), page))
        })
        .collect())
}

/// The column a paged child row carries its parent's key in.
const PAGE_PARENT: &str = "page_parent";

/// What a connection costs the complexity limit: every row it may return costs what its
/// selected fields cost, so a page of 100 rows each with a nested page of 100 is refused.
pub fn page_cost(first: Option<i32>, per_row: usize) -> usize {
    let rows = first.map_or(DEFAULT_PAGE_SIZE, |first| {
        Ord::min(u64::try_from(first).unwrap_or(0), MAX_PAGE_SIZE)
    });
    usize::try_from(rows)
        .unwrap_or(usize::MAX)
        .saturating_mul(per_row)
}
