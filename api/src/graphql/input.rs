//! The edge policy for the text a request carries: every string in its query text (arguments,
//! variable defaults, directive arguments, in operations and fragments alike) and in its
//! variables is checked before anything runs, so no resolver, service or database ever sees
//! text that breaks the rules below, whichever way the client wrote it.
//!
//! - **No control characters** but tab, line feed and carriage return
//!   ([`TextKind::LongText`]): PostgreSQL cannot store NUL and would fail with an internal error
//!   where SQLite stores it, so both databases now give the same BAD_USER_INPUT. Names are held
//!   to the stricter [`TextKind::Name`] where they are parsed
//!   ([`crate::platform::validation::name`]), since only the field knows it is a name.
//! - **No upload marker.** async-graphql marks a variable that stands for an uploaded file with a
//!   string starting `#__graphql_file__`, and its `Upload` input panics (an `unwrap` on the
//!   index) or reads out of bounds on a forged one. A marker is allowed only where the multipart
//!   map put one: exactly once per uploaded file, in the variables, never in the query text.
//!
//! This module must not look at what a string means beyond these characters: the rules of each
//! field are its service's.

use std::{convert::Infallible, sync::Arc};

use async_graphql::{
    Pos, Positioned, Request, ServerError, ServerResult, Value,
    extensions::{Extension, ExtensionContext, ExtensionFactory, NextPrepareRequest},
    parser::types::{Directive, ExecutableDocument, Selection, SelectionSet},
};

use crate::platform::validation::{TextKind, disallowed_char};

/// How async-graphql's multipart handling marks a variable that stands for an uploaded file:
/// `#__graphql_file__:N` for the request's N-th file.
const UPLOAD_MARKER: &str = "#__graphql_file__";

/// The extension that applies the policy to every request the schema executes.
pub struct InputPolicy;

impl ExtensionFactory for InputPolicy {
    fn create(&self) -> Arc<dyn Extension> {
        Arc::new(InputPolicy)
    }
}

#[async_graphql::async_trait::async_trait]
impl Extension for InputPolicy {
    async fn prepare_request(
        &self,
        ctx: &ExtensionContext<'_>,
        mut request: Request,
        next: NextPrepareRequest<'_>,
    ) -> ServerResult<Request> {
        check_request(&mut request)?;
        next.run(ctx, request).await
    }
}

/// Checks the variables and, if it parses (the engine reports a syntax error itself), the
/// document.
pub fn check_request(request: &mut Request) -> ServerResult<()> {
    let mut markers = Vec::new();
    for (name, value) in request.variables.iter() {
        check_variable(value, &mut format!("variables.{name}"), &mut markers)?;
    }
    // Exactly the markers the multipart map set: file N once, for each file sent.
    let uploads = request.uploads.len();
    let mut expected: Vec<String> = (0..uploads)
        .map(|index| format!("{UPLOAD_MARKER}:{index}"))
        .collect();
    for (path, marker) in &markers {
        match expected.iter().position(|wanted| wanted == marker) {
            Some(found) => {
                expected.swap_remove(found);
            }
            None => return Err(forged_upload(path, None)),
        }
    }
    match request.parsed_query() {
        Ok(document) => check_document(document),
        Err(_) => Ok(()),
    }
}

/// Walks one variable's value; `path` names it (`variables.input.name`, `variables.rows.3`).
fn check_variable(
    value: &Value,
    path: &mut String,
    markers: &mut Vec<(String, String)>,
) -> ServerResult<()> {
    match value {
        Value::String(text) if text.starts_with(UPLOAD_MARKER) => {
            markers.push((path.clone(), text.clone()));
            Ok(())
        }
        Value::String(text) => match disallowed_char(text, TextKind::LongText, path) {
            Some(message) => Err(refusal(message, path, None)),
            None => Ok(()),
        },
        Value::List(items) => items.iter().enumerate().try_for_each(|(index, item)| {
            with_segment(path, &index.to_string(), |path| {
                check_variable(item, path, markers)
            })
        }),
        Value::Object(fields) => fields.iter().try_for_each(|(name, field)| {
            with_segment(path, name, |path| check_variable(field, path, markers))
        }),
        _ => Ok(()),
    }
}

/// Runs `check` with `.segment` appended to `path`, then takes it off again.
fn with_segment<T>(path: &mut String, segment: &str, check: impl FnOnce(&mut String) -> T) -> T {
    let length = path.len();
    path.push('.');
    path.push_str(segment);
    let result = check(path);
    path.truncate(length);
    result
}

/// Every value written in the document, each fragment once where it is defined (not where it is
/// spread), so the walk is linear in the document's length.
fn check_document(document: &ExecutableDocument) -> ServerResult<()> {
    for (_, operation) in document.operations.iter() {
        let operation = &operation.node;
        for variable in &operation.variable_definitions {
            if let Some(default) = &variable.node.default_value {
                let path = format!("${}", variable.node.name.node);
                check_const(&default.node, &path, default.pos)?;
            }
        }
        check_directives(&operation.directives)?;
        check_selection_set(&operation.selection_set.node)?;
    }
    for fragment in document.fragments.values() {
        check_directives(&fragment.node.directives)?;
        check_selection_set(&fragment.node.selection_set.node)?;
    }
    Ok(())
}

fn check_selection_set(set: &SelectionSet) -> ServerResult<()> {
    set.items.iter().try_for_each(|item| match &item.node {
        Selection::Field(field) => {
            let field = &field.node;
            for (name, value) in &field.arguments {
                let path = format!("{}.{}", field.name.node, name.node);
                // Variables stand for values checked with the variables; here they are null.
                let Ok(written) = value
                    .node
                    .clone()
                    .into_const_with(|_| Ok::<_, Infallible>(Value::Null));
                check_const(&written, &path, value.pos)?;
            }
            check_directives(&field.directives)?;
            check_selection_set(&field.selection_set.node)
        }
        Selection::InlineFragment(fragment) => {
            check_directives(&fragment.node.directives)?;
            check_selection_set(&fragment.node.selection_set.node)
        }
        Selection::FragmentSpread(spread) => check_directives(&spread.node.directives),
    })
}

fn check_directives(directives: &[Positioned<Directive>]) -> ServerResult<()> {
    directives.iter().try_for_each(|directive| {
        let directive = &directive.node;
        directive.arguments.iter().try_for_each(|(name, value)| {
            let path = format!("@{}.{}", directive.name.node, name.node);
            let Ok(written) = value
                .node
                .clone()
                .into_const_with(|_| Ok::<_, Infallible>(Value::Null));
            check_const(&written, &path, value.pos)
        })
    })
}

/// A value written in the query text: an argument, or a variable's default.
fn check_const(value: &Value, path: &str, pos: Pos) -> ServerResult<()> {
    match value {
        Value::String(text) => check_written(text, path, pos),
        Value::List(items) => items
            .iter()
            .try_for_each(|item| check_const(item, path, pos)),
        Value::Object(fields) => fields
            .iter()
            .try_for_each(|(name, field)| check_const(field, &format!("{path}.{name}"), pos)),
        _ => Ok(()),
    }
}

/// A string of the query text: never an upload marker, and no forbidden character.
fn check_written(text: &str, path: &str, pos: Pos) -> ServerResult<()> {
    if text.starts_with(UPLOAD_MARKER) {
        return Err(forged_upload(path, Some(pos)));
    }
    match disallowed_char(text, TextKind::LongText, path) {
        Some(message) => Err(refusal(message, path, Some(pos))),
        None => Ok(()),
    }
}

fn forged_upload(path: &str, pos: Option<Pos>) -> ServerError {
    refusal(
        format!(
            "{path} holds `{UPLOAD_MARKER}`, which marks an uploaded file: send a file as a \
             multipart/form-data request (the GraphQL multipart request spec), one file per \
             request, never written into the query or its variables"
        ),
        path,
        pos,
    )
}

/// BAD_USER_INPUT naming `field`, at `pos` in the query text when the value was written there.
fn refusal(message: String, field: &str, pos: Option<Pos>) -> ServerError {
    let mut error = ServerError::new(message, pos);
    let extensions = error.extensions.get_or_insert_with(Default::default);
    extensions.set("code", "BAD_USER_INPUT");
    extensions.set("field", field);
    error
}

#[cfg(test)]
mod tests {
    use async_graphql::{UploadValue, Variables};

    use super::*;

    fn check(query: &str, variables: serde_json::Value, uploads: usize) -> Result<(), String> {
        let mut request = Request::new(query).variables(Variables::from_json(variables.clone()));
        for index in 0..uploads {
            request.set_upload(
                &format!("variables.file{index}"),
                UploadValue {
                    filename: "a.csv".into(),
                    content_type: None,
                    content: Default::default(),
                },
            );
        }
        check_request(&mut request).map_err(|error| error.message)
    }

    #[test]
    fn markers_are_refused_outside_the_multipart_map() {
        let query = "mutation($f: Upload) { a(file: $f) }";
        assert!(check(query, serde_json::json!({ "file0": null }), 1).is_ok());
        for forged in [
            "#__graphql_file__:x",
            "#__graphql_file__:-1",
            "#__graphql_file__:0",
        ] {
            let err = check(query, serde_json::json!({ "f": forged }), 0).unwrap_err();
            assert!(err.contains("variables.f holds"), "{err}");
            let written = format!("{{ a(input: {{ file: \"{forged}\" }}) }}");
            let err = check(&written, serde_json::json!({}), 0).unwrap_err();
            assert!(err.contains("a.input.file holds"), "{err}");
            let default = format!("query($f: Upload = \"{forged}\") {{ a(file: $f) }}");
            assert!(check(&default, serde_json::json!({}), 0).is_err());
        }
        // A second reference to the one file sent.
        let twice = serde_json::json!({ "file0": null, "copy": "#__graphql_file__:0" });
        assert!(check(query, twice, 1).is_err());
    }

    #[test]
    fn control_characters_are_refused_in_every_string() {
        let err = check(
            "{ a }",
            serde_json::json!({ "rows": [{ "n": "x\u{0}" }] }),
            0,
        )
        .unwrap_err();
        assert!(err.starts_with("variables.rows.0.n contains the control character U+0000"));
        let err = check("{ a(x: \"\\u0007\") }", serde_json::json!({}), 0).unwrap_err();
        assert!(err.contains("U+0007"), "{err}");
        let err = check(
            "{ ...F } fragment F on Q { b @include(if: true) c(s: [\"ok\", \"\\u001b\"]) }",
            serde_json::json!({}),
            0,
        )
        .unwrap_err();
        assert!(err.starts_with("c.s contains"), "{err}");
        assert!(
            check(
                "{ a(x: \"tab\\tand\\nlines\") }",
                serde_json::json!({ "y": "é\r\n" }),
                0
            )
            .is_ok()
        );
    }
}
