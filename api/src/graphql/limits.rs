//! What a request may ask for beyond what async-graphql checks itself, decided before anything
//! runs: the length of operation names, the selections a document expands to (counted in one
//! pass, before the engine's own checks walk every expansion), its depth (with introspection
//! held to a budget of its own, [`MAX_INTROSPECTION_DEPTH`]), the number of aliases an operation
//! holds, and introspection when it is turned off (the engine would answer `null`, which reads
//! like a bug). It also turns the engine's terse complexity refusal into a message that says what
//! the limit is, which variable sets it, and what to ask for instead.
//!
//! Complexity itself is the engine's (`limit_complexity`); the request timeout is the HTTP
//! layer's, since only it can cancel the whole request.

use std::{
    collections::{HashMap, HashSet},
    sync::Arc,
};

use async_graphql::{
    Name, Positioned, Request, ServerError, ServerResult, ValidationResult, Variables,
    extensions::{
        Extension, ExtensionContext, ExtensionFactory, NextParseQuery, NextPrepareRequest,
        NextValidation,
    },
    parser::types::{ExecutableDocument, FragmentDefinition, Selection, SelectionSet},
};

use crate::platform::config::Limits;

/// The extension that applies [`Limits::max_operation_name_chars`], [`Limits::max_selections`],
/// [`Limits::max_depth`] and [`Limits::max_aliases`], and explains the engine's refusals.
#[derive(Clone, Copy)]
pub struct RequestLimits {
    max_aliases: usize,
    max_selections: usize,
    max_operation_name_chars: usize,
    max_depth: usize,
    max_complexity: usize,
}

impl RequestLimits {
    pub fn new(limits: &Limits) -> Self {
        Self {
            max_aliases: limits.max_aliases,
            max_selections: limits.max_selections,
            max_operation_name_chars: limits.max_operation_name_chars,
            max_depth: limits.max_depth,
            max_complexity: limits.max_complexity,
        }
    }

    /// Operation names, in `operationName` and in the document: a name is copied into logs,
    /// metrics and every access-log row the request writes.
    fn check_operation_names(&self, request: &mut Request) -> ServerResult<()> {
        let max = self.max_operation_name_chars;
        let too_long = |name: &str| name.chars().nth(max).is_some();
        let named_too_long = request.operation_name.as_deref().is_some_and(too_long)
            || request.parsed_query().is_ok_and(|document| {
                document
                    .operations
                    .iter()
                    .any(|(name, _)| name.is_some_and(|name| too_long(name)))
            });
        if named_too_long {
            return Err(bad_input(format!(
                "an operation name may be at most {max} characters (MAX_OPERATION_NAME_CHARS): \
                 name operations as you would name a function"
            )));
        }
        Ok(())
    }

    /// The selections, depth and aliases the document expands to. Depth is checked here rather
    /// than by the engine's `limit_depth`, which counts introspection against the same limit and
    /// so refused the standard introspection query of every GraphQL tool.
    fn check_counts(&self, document: &ExecutableDocument) -> ServerResult<()> {
        let counts = document_counts(document);
        if counts.selections > self.max_selections {
            return Err(bad_input(format!(
                "the document asks for {} selections once its fragments are expanded; at most \
                 {} are allowed (MAX_SELECTIONS), counting each fragment where it is defined and \
                 each time it is spread: select fewer fields, or spread fragments fewer times",
                counts.selections, self.max_selections
            )));
        }
        if counts.depth > self.max_depth {
            return Err(bad_input(format!(
                "the query is nested too deep: at most {} levels are allowed \
                 (MAX_QUERY_DEPTH); ask for fewer nested objects and fetch deeper ones by id in \
                 another request",
                self.max_depth
            )));
        }
        if counts.introspection_depth > MAX_INTROSPECTION_DEPTH {
            return Err(bad_input(format!(
                "introspection is nested too deep: at most {MAX_INTROSPECTION_DEPTH} levels are \
                 allowed, enough for the standard introspection query of GraphQL tools"
            )));
        }
        let aliases = counts.max_aliases;
        if aliases > self.max_aliases {
            return Err(bad_input(format!(
                "the query uses {aliases} aliases; at most {} are allowed (MAX_ALIASES), \
                 counting a fragment's aliases each time it is spread: send several requests, \
                 or use a list field instead of repeating a field under aliases",
                self.max_aliases
            )));
        }
        Ok(())
    }
}

impl ExtensionFactory for RequestLimits {
    fn create(&self) -> Arc<dyn Extension> {
        Arc::new(*self)
    }
}

#[async_graphql::async_trait::async_trait]
impl Extension for RequestLimits {
    /// Everything counted on the written document, before the engine sees it: its own first
    /// pass (the recursion check that comes with parsing) already walks every expansion of
    /// every fragment spread. The document parsed here is the one the engine then uses.
    async fn prepare_request(
        &self,
        ctx: &ExtensionContext<'_>,
        mut request: Request,
        next: NextPrepareRequest<'_>,
    ) -> ServerResult<Request> {
        self.check_operation_names(&mut request)?;
        // A document that does not parse is the engine's to report.
        if let Ok(document) = request.parsed_query() {
            self.check_counts(document)?;
        }
        next.run(ctx, request).await
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

pub(crate) fn bad_input(message: String) -> ServerError {
    let mut error = ServerError::new(message, None);
    error
        .extensions
        .get_or_insert_with(Default::default)
        .set("code", "BAD_USER_INPUT");
    error
}

/// What an aggregate over a scope of young people costs the complexity limit
/// (`MAX_QUERY_COMPLEXITY`, 5000 by default): a nationwide summary reads hundreds of thousands of
/// rows, as much work as thousands of plain fields. A dashboard's eight aggregates fit in one
/// request; thirty aliased copies of one do not.
pub const AGGREGATE_COST: usize = 500;

/// What an aggregate of one parent's young people costs (`Target.progress`,
/// `EvaluationSubmission.summary`, `Enrolment.journey`): computed with its siblings' in one
/// statement, so it is cheap alone but adds up per row of the page it sits in.
pub const BATCHED_AGGREGATE_COST: usize = 20;

/// The most levels an introspection query (`__schema`, `__type`) may nest: its own budget, since
/// the standard introspection queries walk type references seven `ofType` levels deep (13 levels
/// for the query of graphql-js 15) while describing a schema that is not deep at all, and the
/// schema is the same for every caller. A deeper introspection query is refused like any other.
pub const MAX_INTROSPECTION_DEPTH: usize = 15;

/// What a document would cost to check and run, counted with every fragment expanded where it
/// is spread: a fragment counts each time it is spread, or a fragment of 30 aliases spread 30
/// times would slip through. Each fragment is counted once and its count reused, so counting is
/// linear in the length of the document however many times its fragments expand.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
struct Counts {
    aliases: usize,
    selections: usize,
    /// Levels of nested fields, as the engine's depth limit counted them, outside introspection.
    depth: usize,
    /// Levels of nested fields from an introspection field down.
    introspection_depth: usize,
}

impl Counts {
    /// Selections side by side: their aliases and selections add up, their depths do not.
    fn beside(self, other: Counts) -> Counts {
        Counts {
            aliases: self.aliases.saturating_add(other.aliases),
            selections: self.selections.saturating_add(other.selections),
            depth: self.depth.max(other.depth),
            introspection_depth: self.introspection_depth.max(other.introspection_depth),
        }
    }
}

/// The document's bill: the most aliases one operation would execute, the selections the
/// engine would visit over every operation and every fragment definition (validation walks each
/// definition, and expands spreads inside it too), and the deepest nesting, with and without
/// introspection.
struct DocumentCounts {
    max_aliases: usize,
    selections: usize,
    depth: usize,
    introspection_depth: usize,
}

fn document_counts(document: &ExecutableDocument) -> DocumentCounts {
    let mut counter = Counter {
        fragments: &document.fragments,
        counted: HashMap::new(),
        visiting: HashSet::new(),
    };
    let operations: Vec<Counts> = document
        .operations
        .iter()
        .map(|(_, operation)| counter.selection_set(&operation.node.selection_set.node))
        .collect();
    let all = document
        .fragments
        .keys()
        .map(|name| counter.fragment(name.as_str()))
        .chain(operations.iter().copied())
        .fold(Counts::default(), Counts::beside);
    DocumentCounts {
        max_aliases: operations
            .iter()
            .map(|counts| counts.aliases)
            .max()
            .unwrap_or(0),
        selections: all.selections,
        depth: all.depth,
        introspection_depth: all.introspection_depth,
    }
}

#[cfg(test)]
fn alias_count(document: &ExecutableDocument) -> usize {
    document_counts(document).max_aliases
}

struct Counter<'a> {
    fragments: &'a HashMap<Name, Positioned<FragmentDefinition>>,
    /// Each fragment's counts, computed once however often it is spread.
    counted: HashMap<&'a str, Counts>,
    /// Fragments being counted; meeting one again is a cycle, which validation refuses later.
    visiting: HashSet<&'a str>,
}

impl<'a> Counter<'a> {
    fn selection_set(&mut self, set: &'a SelectionSet) -> Counts {
        set.items
            .iter()
            .map(|item| {
                let inner = match &item.node {
                    Selection::Field(field) => {
                        let field = &field.node;
                        let below = self.selection_set(&field.selection_set.node);
                        // `__schema` and `__type` exist only at the root, so everything below
                        // one is introspection.
                        let introspection =
                            matches!(field.name.node.as_str(), "__schema" | "__type");
                        Counts {
                            aliases: usize::from(field.alias.is_some())
                                .saturating_add(below.aliases),
                            selections: below.selections,
                            depth: if introspection {
                                1
                            } else {
                                below.depth.saturating_add(1)
                            },
                            introspection_depth: if introspection {
                                below.depth.saturating_add(1)
                            } else {
                                below.introspection_depth
                            },
                        }
                    }
                    Selection::InlineFragment(fragment) => {
                        self.selection_set(&fragment.node.selection_set.node)
                    }
                    Selection::FragmentSpread(spread) => {
                        self.fragment(spread.node.fragment_name.node.as_str())
                    }
                };
                Counts {
                    selections: inner.selections.saturating_add(1),
                    ..inner
                }
            })
            .fold(Counts::default(), Counts::beside)
    }

    fn fragment(&mut self, name: &'a str) -> Counts {
        if let Some(counts) = self.counted.get(name) {
            return *counts;
        }
        // An unknown fragment is refused by validation; a cycle counts once.
        let Some((name, fragment)) = self.fragments.get_key_value(name) else {
            return Counts::default();
        };
        let name = name.as_str();
        if !self.visiting.insert(name) {
            return Counts::default();
        }
        let counts = self.selection_set(&fragment.node.selection_set.node);
        self.visiting.remove(name);
        self.counted.insert(name, counts);
        counts
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
    fn depth_counts_fields_through_fragments_and_introspection_apart() {
        let counts = |query: &str| {
            let counts = document_counts(&async_graphql::parser::parse_query(query).unwrap());
            (counts.depth, counts.introspection_depth)
        };
        assert_eq!(counts("{ me { id } }"), (2, 0));
        assert_eq!(
            counts("{ ...F } fragment F on Query { me { ... on User { id } } }"),
            (2, 0)
        );
        assert_eq!(
            counts("{ __typename __schema { types { fields { type { name } } } } }"),
            (1, 5)
        );
        assert_eq!(
            counts("{ me { id } __type(name: \"User\") { name } }"),
            (2, 2)
        );
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
