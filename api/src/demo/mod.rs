//! Demo mode (`api serve --demo`): fills an empty database with a small, realistic, invented
//! dataset built on the practitioners' four scenarios (DESIGN §0, §8), and prints a token for each
//! kind of user, so a newcomer sees real answers in their first minute.
//!
//! Everything after the first admin is written through the API's own GraphQL mutations, executed
//! in-process as the user each step belongs to: the council starts its partnerships, each member
//! signs for its own organisation, each provider records its own young people and evidence, the
//! commissioners review it. So every row obeys the same rules as a client's, and the audit trail
//! is the one real use would leave. The first admin is bootstrapped as `api admin create` does.
//!
//! Every organisation and user is invented; young people are pseudonymous codes whose outcomes
//! come from a fixed pseudo-random sequence, so every load holds the same data (only ids and
//! timestamps differ). It never writes to a database that already holds anything else.

mod load;
mod outcomes;
mod story;

use std::time::Duration;

use entity::enums::UserRole;
use sea_orm::{DatabaseConnection, DbErr, EntityTrait, PaginatorTrait};
use uuid::Uuid;

use crate::{
    access::auth::{MintError, TokenIssuer},
    directory::users::service as users,
    platform::{clock::Clock, config::Limits, error::ApiError},
    server::pages::{DemoSignIn, DemoUser},
};
use story::{ADMIN, PRINTED};

/// How long the printed tokens live: a working day and then some. Restarting `serve --demo`
/// prints fresh ones.
const TOKEN_TTL: Duration = Duration::from_secs(24 * 60 * 60);

/// Why the demo could not be loaded or found.
#[derive(Debug, thiserror::Error)]
pub enum DemoError {
    #[error(
        "the database already holds data that is not the demo dataset, and --demo only fills an \
         empty database: point DATABASE_URL at a new one (e.g. \
         DATABASE_URL='sqlite://outcomes-demo.db?mode=rwc') or run without --demo"
    )]
    NotEmpty,
    #[error("the demo user {0} is missing or inactive: load the demo again into an empty database")]
    MissingUser(&'static str),
    /// A step the API refused; the demo data itself is wrong, so this is a bug.
    #[error("loading the demo failed at {step}: {message} (start again with an empty database)")]
    Step { step: String, message: String },
    #[error("database: {0}")]
    Database(#[from] DbErr),
    #[error(transparent)]
    Api(#[from] ApiError),
}

/// The demo in a database: what was loaded (if this run loaded it) and whose tokens to print.
pub struct Demo {
    /// `None` when the database already held the demo.
    pub loaded: Option<Counts>,
    pub logins: Vec<Login>,
}

/// How much a fresh load wrote, for the start-up message.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Counts {
    pub partnerships: usize,
    pub interventions: usize,
    pub participants: usize,
    pub records: usize,
    pub submissions: usize,
    pub stories: usize,
}

/// A demo user whose token is printed.
#[derive(Debug, Clone)]
pub struct Login {
    /// The shell variable the printed `export` line sets, e.g. `COMMISSIONER_TOKEN`.
    pub variable: &'static str,
    pub role: UserRole,
    pub email: &'static str,
    pub organisation: &'static str,
    pub user_id: Uuid,
}

/// Loads the demo into an empty (migrated) database, or finds the demo loaded earlier; refuses
/// a database that holds anything else. Batches of outcome records stay within `limits`.
pub async fn prepare(
    db: &DatabaseConnection,
    limits: &Limits,
    clock: Clock,
) -> Result<Demo, DemoError> {
    let loaded = if entity::user::Entity::find().count(db).await? == 0 {
        Some(load::load(db, limits, clock).await?)
    } else if users::find_by_email(db, ADMIN.email).await?.is_some() {
        None
    } else {
        return Err(DemoError::NotEmpty);
    };
    let mut logins = Vec::new();
    for (variable, person) in PRINTED {
        let user = users::find_by_email(db, person.email)
            .await?
            .filter(|user| user.active)
            .ok_or(DemoError::MissingUser(person.email))?;
        logins.push(Login {
            variable,
            role: person.role,
            email: person.email,
            organisation: person.organisation,
            user_id: user.id,
        });
    }
    Ok(Demo { loaded, logins })
}

impl Demo {
    /// The printed users, for the dashboard's sign-in screen, their tokens minted by `issuer`.
    pub fn sign_in(&self, issuer: TokenIssuer) -> DemoSignIn {
        DemoSignIn {
            issuer,
            users: self
                .logins
                .iter()
                .map(|login| DemoUser {
                    label: login
                        .variable
                        .trim_end_matches("_TOKEN")
                        .replace('_', " ")
                        .to_lowercase(),
                    role: format!("{:?}", login.role).to_uppercase(),
                    email: login.email.to_owned(),
                    organisation: login.organisation.to_owned(),
                    user_id: login.user_id,
                })
                .collect(),
        }
    }

    /// What `serve --demo` prints once it listens on `graphql_url`: what was loaded, a token for
    /// each login (minted by `issuer`), and how to use them in GraphiQL and with curl.
    pub fn welcome(
        &self,
        issuer: &TokenIssuer,
        graphql_url: &str,
        graphiql: bool,
    ) -> Result<String, MintError> {
        let mut lines = vec![match self.loaded {
            Some(counts) => format!(
                "Demo dataset loaded: {} partnerships, {} services, {} young people, {} outcome \
                 records, {} evaluation submissions, {} stories.",
                counts.partnerships,
                counts.interventions,
                counts.participants,
                counts.records,
                counts.submissions,
                counts.stories
            ),
            None => "The demo dataset is already loaded.".to_owned(),
        }];
        if graphiql {
            lines.push(String::new());
            lines.push(format!("GraphiQL: {graphql_url}"));
            lines.push(
                "  Put a token in its Headers tab as {\"Authorization\": \"Bearer TOKEN\"} and \
                 paste a query from examples/."
                    .to_owned(),
            );
        }
        lines.push(String::new());
        lines.push(format!(
            "Demo users (tokens valid for {} hours; `api token --dev --user EMAIL` mints more):",
            TOKEN_TTL.min(issuer.max_ttl()).as_secs() / 3600
        ));
        for login in &self.logins {
            lines.push(format!(
                "  {:<21} {:<13} {} ({})",
                login.variable,
                format!("{:?}", login.role).to_lowercase(),
                login.email,
                login.organisation
            ));
        }
        lines.push(String::new());
        for login in &self.logins {
            let token = issuer.mint(login.user_id, TOKEN_TTL.min(issuer.max_ttl()))?;
            lines.push(format!("export {}={token}", login.variable));
        }
        lines.push(String::new());
        lines.push(format!(
            "Try it (after pasting the export lines into a shell): the commissioner's review queue\n  \
             curl -s {graphql_url} -H \"Authorization: Bearer $COMMISSIONER_TOKEN\" \\\n    \
             -H 'Content-Type: application/json' \\\n    \
             -d '{{\"query\":\"{{ submissions(filter: {{status: SUBMITTED}}) {{ nodes {{ \
             intervention {{ name }} periodStart periodEnd }} }} }}\"}}'"
        ));
        lines.push(String::new());
        Ok(lines.join("\n"))
    }
}
