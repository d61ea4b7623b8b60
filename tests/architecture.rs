//! The floors of `api/src` stay floors (README, Layout; DESIGN §2): imports run down, from
//! `server` through the GraphQL faces and the services to `access`, `audit` and `platform`.
//! This reads every `crate::`, `super::` and `self::` path in the source, so a wrong import fails
//! here with its file and line instead of growing into a cycle nobody can untangle.

use std::{
    collections::{BTreeMap, BTreeSet},
    fs,
    path::{Path, PathBuf},
};

/// What a module is, which decides what it may import.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Floor {
    /// HTTP, telemetry, the application state and schema assembly.
    Server,
    /// The GraphQL floor every face shares: request context, loaders, pagination, limits.
    Graphql,
    /// GraphQL types, inputs and thin resolvers of a context.
    Face,
    /// Rules and SQL: plain domain commands in, entities out, no GraphQL.
    Service,
    Access,
    Audit,
    Platform,
    /// The command line, the demo and the seed: callers of everything, imported by nothing.
    Entry,
}

/// Domain modules that are rules only although their file is not called `service.rs`.
const SERVICE_MODULES: [&str; 5] = [
    "analytics::aggregate",
    "analytics::disclosure",
    "analytics::read_model",
    "analytics::scope",
    "directory::measures",
];

fn floor_of(module: &str) -> Floor {
    let first = module.split("::").next().unwrap_or_default();
    let is_service = module.ends_with("::service")
        || module.contains("::service::")
        || SERVICE_MODULES.contains(&module);
    match first {
        "server" => Floor::Server,
        "graphql" => Floor::Graphql,
        "platform" => Floor::Platform,
        "access" => Floor::Access,
        "audit" if module == "audit" => Floor::Audit,
        "" | "cli" | "demo" | "seed" => Floor::Entry,
        _ if is_service => Floor::Service,
        _ => Floor::Face,
    }
}

/// Why `from` may not import `to`, if it may not.
fn forbidden(from: Floor, to: Floor) -> Option<&'static str> {
    use Floor::*;
    match (from, to) {
        (Entry, _) => None,
        (_, Entry) => Some("nothing imports the command line, the demo or the seed"),
        (Server, _) => None,
        (_, Server) => Some("only the server imports the server"),
        (Graphql, Face) => Some("the GraphQL floor serves the faces and must not import them"),
        (Service, Face | Graphql) => {
            Some("a service takes plain commands and must not import GraphQL code")
        }
        (Access | Audit | Platform, Face | Graphql | Service) => {
            Some("access, audit and platform sit below every service")
        }
        (Access | Platform, Audit) => Some("audit sits above access and platform"),
        (Platform, Access) => Some("platform is the bottom floor"),
        _ => None,
    }
}

struct Module {
    path: String,
    file: PathBuf,
    source: String,
}

fn api_src() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../api/src")
}

fn modules() -> Vec<Module> {
    let root = api_src();
    let mut files = Vec::new();
    let mut dirs = vec![root.clone()];
    while let Some(dir) = dirs.pop() {
        for entry in fs::read_dir(&dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                dirs.push(path);
            } else if path.extension().is_some_and(|ext| ext == "rs") {
                files.push(path);
            }
        }
    }
    files.sort();
    files
        .into_iter()
        .filter(|file| !file.ends_with("main.rs"))
        .map(|file| {
            let relative = file.strip_prefix(&root).unwrap().with_extension("");
            let mut parts: Vec<String> = relative
                .components()
                .map(|part| part.as_os_str().to_string_lossy().into_owned())
                .collect();
            if matches!(parts.last().map(String::as_str), Some("mod" | "lib")) {
                parts.pop();
            }
            Module {
                path: parts.join("::"),
                source: fs::read_to_string(&file).unwrap(),
                file,
            }
        })
        .collect()
}

/// The source without comments, so doc links and prose do not count as imports, and without
/// its unit tests (by convention last in a file), whose `super` is the file's own module.
fn code_lines(source: &str) -> Vec<(usize, String)> {
    source
        .lines()
        .take_while(|line| !line.starts_with("#[cfg(test)]"))
        .enumerate()
        .map(|(index, line)| {
            let code = line.split("//").next().unwrap_or_default();
            (index + 1, code.to_owned())
        })
        .collect()
}

/// Expands a use tree (`a::{b, c::{d as e}}`) into full paths.
fn expand(prefix: &str, tree: &str, out: &mut Vec<String>) {
    let tree = tree.trim();
    let Some(open) = tree.find('{') else {
        let path = tree.split(" as ").next().unwrap_or_default().trim();
        match path {
            "" => {}
            "self" => out.push(prefix.trim_end_matches("::").to_owned()),
            _ => out.push(format!("{prefix}{path}")),
        }
        return;
    };
    let head = format!("{prefix}{}", &tree[..open]);
    let inner = &tree[open + 1..tree.rfind('}').unwrap_or(tree.len())];
    let (mut depth, mut start) = (0, 0);
    for (index, character) in inner.char_indices() {
        match character {
            '{' => depth += 1,
            '}' => depth -= 1,
            ',' if depth == 0 => {
                expand(&head, &inner[start..index], out);
                start = index + 1;
            }
            _ => {}
        }
    }
    expand(&head, &inner[start..], out);
}

/// Every path of `crate` a module names, absolute, with the line it starts on.
fn imports(module: &Module) -> Vec<(usize, String)> {
    // A file's module is its path (a folder's is its `mod.rs`): `self` is that module and
    // `super` its parent either way.
    let here = module.path.as_str();
    let parent_of_here = here.rsplit_once("::").map_or("", |(parent, _)| parent);
    let absolute = |path: &str| -> Option<String> {
        let join = |base: &str, rest: &str| {
            if base.is_empty() {
                rest.to_owned()
            } else {
                format!("{base}::{rest}")
            }
        };
        if let Some(rest) = path.strip_prefix("crate::") {
            Some(rest.to_owned())
        } else if let Some(rest) = path.strip_prefix("super::") {
            Some(join(parent_of_here, rest))
        } else {
            path.strip_prefix("self::").map(|rest| join(here, rest))
        }
    };

    let lines = code_lines(&module.source);
    let text: String = lines.iter().map(|(_, line)| format!("{line}\n")).collect();
    let line_of = |offset: usize| text[..offset].matches('\n').count() + 1;
    let mut found = Vec::new();
    let mut covered = 0;
    for (offset, _) in text.match_indices("use ") {
        let starts_path = text[offset + 4..].trim_start();
        if offset < covered
            || !["crate::", "super::", "self::"]
                .iter()
                .any(|root| starts_path.starts_with(root))
        {
            continue;
        }
        let end = offset + text[offset..].find(';').unwrap_or(text.len() - offset);
        covered = end;
        let mut paths = Vec::new();
        expand("", &text[offset + 4..end], &mut paths);
        let line = line_of(offset);
        found.extend(
            paths
                .iter()
                .filter_map(|path| absolute(path))
                .map(|path| (line, path)),
        );
    }
    // Paths written inline (`crate::x::Y` in code) count too.
    for (line, code) in &lines {
        if code.trim_start().starts_with("use ") {
            continue;
        }
        for (offset, _) in code.match_indices("crate::") {
            let preceded_by_word = code[..offset]
                .chars()
                .last()
                .is_some_and(|c| c.is_alphanumeric() || c == '_' || c == ':');
            if preceded_by_word {
                continue;
            }
            let path: String = code[offset..]
                .chars()
                .take_while(|c| c.is_alphanumeric() || *c == '_' || *c == ':')
                .collect();
            found.extend(absolute(path.trim_end_matches(':')).map(|path| (*line, path)));
        }
    }
    found
}

/// The module a path lands in: the longest module path that is a prefix of it.
fn target<'a>(path: &str, modules: &'a [Module]) -> Option<&'a Module> {
    modules
        .iter()
        .filter(|module| {
            !module.path.is_empty()
                && (path == module.path || path.starts_with(&format!("{}::", module.path)))
        })
        .max_by_key(|module| module.path.len())
}

fn relative(file: &Path) -> String {
    file.strip_prefix(api_src().join(".."))
        .unwrap_or(file)
        .display()
        .to_string()
}

/// The services' import graph has no cycle: returns one cycle if there is.
fn service_cycle(edges: &BTreeMap<String, BTreeSet<String>>) -> Option<Vec<String>> {
    fn visit(
        node: &str,
        edges: &BTreeMap<String, BTreeSet<String>>,
        stack: &mut Vec<String>,
        done: &mut BTreeSet<String>,
    ) -> Option<Vec<String>> {
        if let Some(position) = stack.iter().position(|seen| seen == node) {
            let mut cycle = stack[position..].to_vec();
            cycle.push(node.to_owned());
            return Some(cycle);
        }
        if done.contains(node) {
            return None;
        }
        stack.push(node.to_owned());
        for next in edges.get(node).into_iter().flatten() {
            if let Some(cycle) = visit(next, edges, stack, done) {
                return Some(cycle);
            }
        }
        stack.pop();
        done.insert(node.to_owned());
        None
    }
    let mut done = BTreeSet::new();
    edges
        .keys()
        .find_map(|node| visit(node, edges, &mut Vec::new(), &mut done))
}

#[test]
fn imports_run_down_the_floors_and_services_form_no_cycle() {
    let modules = modules();
    assert!(
        modules.len() > 40,
        "read {} modules: is api/src where this test looks?",
        modules.len()
    );
    let mut wrong = Vec::new();
    let mut service_edges: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for module in &modules {
        let from = floor_of(&module.path);
        let file = relative(&module.file);
        if matches!(
            from,
            Floor::Service | Floor::Access | Floor::Audit | Floor::Platform
        ) && let Some((line, _)) = code_lines(&module.source)
            .into_iter()
            .find(|(_, code)| code.contains("async_graphql"))
        {
            wrong.push(format!(
                "{file}:{line} uses async_graphql: a {from:?} module must not know GraphQL"
            ));
        }
        for (line, path) in imports(module) {
            let Some(to_module) = target(&path, &modules) else {
                continue;
            };
            if to_module.path == module.path {
                continue;
            }
            let to = floor_of(&to_module.path);
            if let Some(reason) = forbidden(from, to) {
                wrong.push(format!(
                    "{file}:{line} imports crate::{path} ({from:?} -> {to:?}): {reason}"
                ));
            }
            if from == Floor::Service && to == Floor::Service {
                service_edges
                    .entry(module.path.clone())
                    .or_default()
                    .insert(to_module.path.clone());
            }
        }
    }
    assert!(
        wrong.is_empty(),
        "imports that go the wrong way:\n{}",
        wrong.join("\n")
    );
    if let Some(cycle) = service_cycle(&service_edges) {
        panic!(
            "services import each other in a cycle: {}",
            cycle.join(" -> ")
        );
    }
}

#[test]
fn the_import_reader_understands_nested_use_trees() {
    let mut paths = Vec::new();
    expand(
        "",
        "crate::{a::{self, B}, c::d as e, f::{g::{H, I}}}",
        &mut paths,
    );
    assert_eq!(
        paths,
        [
            "crate::a",
            "crate::a::B",
            "crate::c::d",
            "crate::f::g::H",
            "crate::f::g::I"
        ]
    );
    assert_eq!(floor_of("evidence::submissions::service"), Floor::Service);
    assert_eq!(floor_of("evidence::submissions"), Floor::Face);
    assert_eq!(floor_of("audit::schema"), Floor::Face);
    assert_eq!(
        forbidden(Floor::Service, Floor::Face).map(|_| ()),
        Some(()),
        "a service importing a face is refused"
    );
}
