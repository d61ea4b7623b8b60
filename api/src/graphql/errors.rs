//! [`ApiError`] as a GraphQL client sees it: its `extensions.code` (and `field` or `rows`), and
//! INTERNAL errors reduced to a correlation id while their causes go to the log.

use std::sync::Arc;

use async_graphql::{
    ErrorExtensions, Response, ServerError,
    extensions::{Extension, ExtensionContext, ExtensionFactory, NextExecute},
};
use uuid::Uuid;

use crate::platform::{
    error::{ApiError, InternalCause},
    request_id::RequestId,
};

impl From<ApiError> for async_graphql::Error {
    fn from(err: ApiError) -> Self {
        let code = err.code();
        match err {
            ApiError::Internal(cause) => {
                let mut error = async_graphql::Error::new("internal error")
                    .extend_with(|_, ext| ext.set("code", code));
                error.source = Some(Arc::new(cause));
                error
            }
            ApiError::BadUserInput { ref field, .. } => {
                let field = field.clone();
                async_graphql::Error::new(err.to_string()).extend_with(|_, ext| {
                    ext.set("code", code);
                    ext.set("field", field.as_str());
                })
            }
            ApiError::Conflict {
                field: Some(ref field),
                ..
            } => {
                let field = field.clone();
                async_graphql::Error::new(err.to_string()).extend_with(|_, ext| {
                    ext.set("code", code);
                    ext.set("field", field.as_str());
                })
            }
            ApiError::BadUserInputRows(ref rows) => {
                let rows = async_graphql::to_value(rows).unwrap_or_default();
                async_graphql::Error::new(err.to_string()).extend_with(|_, ext| {
                    ext.set("code", code);
                    ext.set("rows", rows.clone());
                })
            }
            _ => async_graphql::Error::new(err.to_string())
                .extend_with(|_, ext| ext.set("code", code)),
        }
    }
}

/// Logs the cause of each INTERNAL error in `errors` under `correlation_id`, and gives the client
/// that id. A cause is logged once, however many fields share its error (a failed DataLoader
/// batch fails every field that waited on it).
pub fn report_internal_errors(errors: &mut [ServerError], correlation_id: &str) {
    let mut logged: Vec<Arc<dyn std::any::Any + Send + Sync>> = Vec::new();
    for error in errors {
        let extensions = error.extensions.get_or_insert_with(Default::default);
        let internal = matches!(
            extensions.get("code"),
            Some(async_graphql::Value::String(code)) if code == "INTERNAL"
        );
        if !internal {
            continue;
        }
        extensions.set("correlationId", correlation_id);
        let source = error.source.take();
        if let Some(source) = &source
            && logged.iter().any(|seen| Arc::ptr_eq(seen, source))
        {
            continue;
        }
        match source
            .as_deref()
            .and_then(|source| source.downcast_ref::<InternalCause>())
        {
            Some(cause) => tracing::error!(%correlation_id, ?cause, "internal error"),
            None => tracing::error!(%correlation_id, "internal error"),
        }
        logged.extend(source);
    }
}

/// Applies [`report_internal_errors`] to every executed operation, under the request's
/// [`RequestId`] or, outside HTTP (the demo loader), a new id.
pub struct InternalErrorReport;

impl ExtensionFactory for InternalErrorReport {
    fn create(&self) -> Arc<dyn Extension> {
        Arc::new(InternalErrorReport)
    }
}

#[async_graphql::async_trait::async_trait]
impl Extension for InternalErrorReport {
    async fn execute(
        &self,
        ctx: &ExtensionContext<'_>,
        operation_name: Option<&str>,
        next: NextExecute<'_>,
    ) -> Response {
        let mut response = next.run(ctx, operation_name).await;
        if !response.errors.is_empty() {
            let correlation_id = ctx
                .data_opt::<RequestId>()
                .map_or_else(|| Uuid::now_v7().to_string(), |id| id.as_str().to_owned());
            report_internal_errors(&mut response.errors, &correlation_id);
        }
        response
    }
}
