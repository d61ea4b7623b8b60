//! The `api` binary: parses the command line and hands over to [`api::cli`].

// The release build computes the layout of the schema's mutation futures, nested deeper than
// the default limit of 128 allows.
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
