//! Relay connections over keyset pagination.
//!
//! Rows are ordered by id (UUID v7, so creation order, oldest or newest first) and the cursor is
//! the last row's id:
//! paging stays fast at any depth and stable while rows are added. The filter that selects rows
//! (including the caller's access filter) is the same one `totalCount` counts, so hidden rows
//! are never counted.

use async_graphql::{
    OutputType, SimpleObject,
    connection::{Connection, Edge},
};
use sea_orm::{
    ColumnTrait, ConnectionTrait, EntityTrait, PaginatorTrait, QueryFilter, QueryOrder,
    QuerySelect, Select,
};
use uuid::Uuid;

use crate::error::{ApiError, ApiResult};

pub const DEFAULT_PAGE_SIZE: u64 = 20;
pub const MAX_PAGE_SIZE: u64 = 100;

/// Fields every connection carries besides `edges`, `nodes` and `pageInfo`.
#[derive(SimpleObject)]
pub struct ConnectionFields {
    /// How many rows match the filter (only rows the caller may see).
    pub total_count: u64,
}

pub type Page<T> = Connection<String, T, ConnectionFields>;

/// Which way a connection runs. Ids are UUID v7, so id order is creation order.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Order {
    OldestFirst,
    NewestFirst,
}

/// A validated `first`/`after` pair.
#[derive(Debug, Clone, Copy)]
pub struct PageRequest {
    first: u64,
    after: Option<Uuid>,
}

impl PageRequest {
    pub fn parse(first: Option<i32>, after: Option<String>) -> ApiResult<Self> {
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
        Ok(Self { first, after })
    }
}

/// Fetches one page of `select` (already filtered) and its total count.
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
    let total_count = select.clone().count(db).await?;
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
