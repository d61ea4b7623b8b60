//! The GraphQL floor shared by every context's face: the request context, errors as GraphQL
//! sees them, loaders, pagination, request limits, the text policy for inputs, and scalars. No
//! business rules live here.

pub mod context;
pub mod errors;
pub mod input;
pub mod limits;
pub mod live;
pub mod loaders;
pub mod pagination;
pub mod scalars;

pub use context::{
    RequestContext, add_missing_error_codes, clock, db, db_and_actor, disclosure, limits, parse_id,
    request,
};
