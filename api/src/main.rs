//! The `api` binary: parses the command line and hands over to [`api::cli`].

// The release build inlines the schema's resolver futures into this crate, and their layout
// (the merged Query, Mutation and Subscription roots) nests deeper than the default 128.
#![recursion_limit = "256"]

use clap::Parser;

#[actix_web::main]
async fn main() -> std::process::ExitCode {
    match api::cli::run(api::cli::Cli::parse()).await {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(err) => {
            eprintln!("error: {err}");
            std::process::ExitCode::FAILURE
        }
    }
}
