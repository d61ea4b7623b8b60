//! What a request may ask for beyond what async-graphql checks itself, decided before anything
//! runs: the number of aliases an operation holds, and introspection when it is turned off (the
//! engine would answer `null`, which reads like a bug). It also turns the engine's terse depth and
//! complexity refusals into messages that say what the limit is, which variable sets it, and what
//! to ask for instead.
//!
//! Depth and complexity themselves are the engine's (`limit_depth`, `limit_complexity`); the
//! request timeout is the HTTP layer's, since only it can cancel the whole request.

use std::{
    collections::{HashMap, HashSet},
    sync::Arc,
};

use async_graphql::{
    Name, Positioned, ServerError, ServerResult, ValidationResult, Variables,
    extensions::{Extension, ExtensionContext, ExtensionFactory, NextParseQuery, NextValidation},
    parser::types::{ExecutableDocument, FragmentDefinition, Selection, SelectionSet},
};

use crate::platform::config::Limits;

/// The extension that applies [`Limits::max_aliases`] and explains the engine's refusals.
pub struct RequestLimits {
    max_aliases: usize,
    max_depth: usize,
    max_complexity: usize,
}

impl RequestLimits {
    pub fn new(limits: &Limits) -> Self {
        Self {
            max_aliases: limits.max_aliases,
            max_depth: limits.max_depth,
            max_complexity: limits.max_complexity,
        }
    }
}

impl ExtensionFactory for RequestLimits {
    fn create(&self) -> Arc<dyn Extension> {
        Arc::new(Self {
            max_aliases: self.max_aliases,
            max_depth: self.max_depth,
            max_complexity: self.max_complexity,
        })
    }
}

#[async_graphql::async_trait::async_trait]
impl Extension for RequestLimits {
    async fn parse_query(
        &self,
        ctx: &ExtensionContext<'_>,
        query: &str,
        variables: &Variables,
        next: NextParseQuery<'_>,
    ) -> ServerResult<ExecutableDocument> {
        let document = next.run(ctx, query, variables).await?;
        let aliases = alias_count(&document);
        if aliases > self.max_aliases {
            return Err(bad_input(format!(
                "the query uses {aliases} aliases; at most {} are allowed (MAX_ALIASES), \
                 counting a fragment's aliases each time it is spread: send several requests, \
                 or use a list field instead of repeating a field under aliases",
                self.max_aliases
            )));
        }
        Ok(document)
    }

    async fn validation(
        &self,
        ctx: &ExtensionContext<'_>,
        next: NextValidation<'_>,
    ) -> Result<ValidationResult, Vec<ServerError>> {
        next.run(ctx).await.map_err(|errors| {
            errors
                .into_iter()
                .map(|error| match error.message.as_str() {
                    "Query is nested too deep." => bad_input(format!(
                        "the query is nested too deep: at most {} levels are allowed \
                         (MAX_QUERY_DEPTH); ask for fewer nested objects and fetch deeper ones \
                         by id in another request",
                        self.max_depth
                    )),
                    "Query is too complex." => bad_input(format!(
                        "the query is too complex: its cost is over {} (MAX_QUERY_COMPLEXITY), \
                         where a connection costs `first` times the cost of its fields; ask for \
                         smaller pages or fewer fields",
                        self.max_complexity
                    )),
                    _ => error,
                })
                .collect()
        })
    }
}

/// Refuses introspection with a clear error when `INTROSPECTION=false`.
pub struct IntrospectionOff;

impl ExtensionFactory for IntrospectionOff {
    fn create(&self) -> Arc<dyn Extension> {
        Arc::new(IntrospectionOff)
    }
}

#[async_graphql::async_trait::async_trait]
impl Extension for IntrospectionOff {
    async fn parse_query(
        &self,
        ctx: &ExtensionContext<'_>,
        query: &str,
        variables: &Variables,
        next: NextParseQuery<'_>,
    ) -> ServerResult<ExecutableDocument> {
        let document = next.run(ctx, query, variables).await?;
        if asks_for_introspection(&document) {
            return Err(bad_input(
                "introspection is turned off on this server (INTROSPECTION=false): use the \
                 published schema (`api schema` prints it)"
                    .into(),
            ));
        }
        Ok(document)
    }
}

/// Whether an operation selects `__schema` or `__type`, which exist only at the root.
/// `__typename` is not introspection of the schema and stays allowed.
fn asks_for_introspection(document: &ExecutableDocument) -> bool {
    fn at_root<'a>(
        set: &'a SelectionSet,
        fragments: &'a HashMap<Name, Positioned<FragmentDefinition>>,
        seen: &mut HashSet<&'a str>,
    ) -> bool {
        set.items.iter().any(|item| match &item.node {
            Selection::Field(field) => {
                matches!(field.node.name.node.as_str(), "__schema" | "__type")
            }
            Selection::InlineFragment(fragment) => {
                at_root(&fragment.node.selection_set.node, fragments, seen)
            }
            Selection::FragmentSpread(spread) => {
                let name = spread.node.fragment_name.node.as_str();
                // Each fragment once: a cycle (refused by validation later) must not loop here.
                seen.insert(name)
                    && fragments.get(name).is_some_and(|fragment| {
                        at_root(&fragment.node.selection_set.node, fragments, seen)
                    })
            }
        })
    }
    document.operations.iter().any(|(_, operation)| {
        at_root(
            &operation.node.selection_set.node,
            &document.fragments,
            &mut HashSet::new(),
        )
    })
}

fn bad_input(message: String) -> ServerError {
    let mut error = ServerError::new(message, None);
    error
        .extensions
        .get_or_insert_with(Default::default)
        .set("code", "BAD_USER_INPUT");
    error
}

/// The most aliases any operation of the document would execute. A fragment counts each time
/// it is spread, or a fragment of 30 aliases spread 30 times would slip through.
fn alias_count(document: &ExecutableDocument) -> usize {
    let mut counter = AliasCounter {
        fragments: &document.fragments,
        counted: HashMap::new(),
        visiting: HashSet::new(),
    };
    document
        .operations
        .iter()
        .map(|(_, operation)| counter.selection_set(&operation.node.selection_set.node))
        .max()
        .unwrap_or(0)
}

struct AliasCounter<'a> {
    fragments: &'a HashMap<Name, Positioned<FragmentDefinition>>,
    /// Each fragment's count, computed once however often it is spread.
    counted: HashMap<&'a str, usize>,
    /// Fragments being counted; meeting one again is a cycle, which validation refuses later.
    visiting: HashSet<&'a str>,
}

impl<'a> AliasCounter<'a> {
    fn selection_set(&mut self, set: &'a SelectionSet) -> usize {
        set.items
            .iter()
            .map(|item| match &item.node {
                Selection::Field(field) => usize::from(field.node.alias.is_some())
                    .saturating_add(self.selection_set(&field.node.selection_set.node)),
                Selection::InlineFragment(fragment) => {
                    self.selection_set(&fragment.node.selection_set.node)
                }
                Selection::FragmentSpread(spread) => {
                    self.fragment(spread.node.fragment_name.node.as_str())
                }
            })
            .fold(0, usize::saturating_add)
    }

    fn fragment(&mut self, name: &'a str) -> usize {
        if let Some(count) = self.counted.get(name) {
            return *count;
        }
        // An unknown fragment is refused by validation; a cycle counts once.
        let Some(fragment) = self.fragments.get(name) else {
            return 0;
        };
        if !self.visiting.insert(name) {
            return 0;
        }
        let count = self.selection_set(&fragment.node.selection_set.node);
        self.visiting.remove(name);
        self.counted.insert(name, count);
        count
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn count(query: &str) -> usize {
        alias_count(&async_graphql::parser::parse_query(query).unwrap())
    }

    #[test]
    fn aliases_are_counted_in_fields_inline_fragments_and_each_spread() {
        assert_eq!(count("{ me { id } areas { code } }"), 0);
        assert_eq!(count("{ a: me { id } b: me { x: id } }"), 3);
        assert_eq!(count("{ ... on Query { a: me { id } } }"), 1);
        let spread_twice =
            "{ ...F x: me { ...F } } fragment F on Query { a: me { id } b: me { id } }";
        assert_eq!(count(spread_twice), 5);
        let nested =
            "{ ...G ...G } fragment G on Query { ...F ...F } fragment F on Query { a: me { id } }";
        assert_eq!(count(nested), 4);
    }

    #[test]
    fn introspection_is_found_at_the_root_however_it_is_spelt() {
        let asks = |query: &str| {
            asks_for_introspection(&async_graphql::parser::parse_query(query).unwrap())
        };
        assert!(asks("{ __schema { types { name } } }"));
        assert!(asks("{ t: __type(name: \"User\") { name } }"));
        assert!(asks("{ ... on Query { __schema { queryType { name } } } }"));
        assert!(asks(
            "{ ...F } fragment F on Query { ...G } fragment G on Query { __type(name: \"X\") { name } }"
        ));
        assert!(!asks("{ __typename me { __typename id } }"));
        assert!(!asks("{ ...F } fragment F on Query { ...F me { id } }"));
    }

    #[test]
    fn the_busiest_operation_counts_and_cycles_end() {
        assert_eq!(count("query A { a: me { id } } query B { me { id } }"), 1);
        assert_eq!(
            count("{ ...F } fragment F on Query { a: me { id } ...F }"),
            1
        );
    }
}
