//! The command line: `serve` (default), `migrate`, `schema`, `token`, `admin create`,
//! `analytics rebuild` and `seed`.

use std::time::Duration;

use clap::{Parser, Subcommand};
use entity::enums::{OrganisationKind, Sector, UserRole};
use migration::{Migrator, MigratorTrait};
use sea_orm::{ColumnTrait, DatabaseConnection, EntityTrait, PaginatorTrait, QueryFilter};

use crate::{
    Application,
    access::auth::{TokenIssuer, parse_ttl},
    analytics::read_model,
    directory::{
        organisations::service::{self as organisations, NewOrganisation},
        users::service::{self as users, NewUser},
    },
    platform::{
        config::{Config, LogFormat},
        db,
    },
    seed::{self, Scale},
};

#[derive(Parser)]
#[command(
    name = "api",
    version,
    about = "Multi-agency outcomes API for children's services"
)]
pub struct Cli {
    /// Development mode: without JWT_SECRET use the well-known development secret; GraphiQL on.
    /// Never use it for real data.
    #[arg(long, global = true)]
    dev: bool,
    #[command(subcommand)]
    command: Option<Command>,
}

#[derive(Subcommand)]
enum Command {
    /// Apply pending migrations, then serve the API (the default).
    Serve {
        /// Fill an empty database with the invented demo dataset (or reuse the demo loaded
        /// there before) and print a token for each kind of user. Implies --dev, so without
        /// JWT_SECRET the tokens are signed with the public development secret.
        #[arg(long)]
        demo: bool,
    },
    /// Apply pending migrations and exit.
    Migrate,
    /// Print the GraphQL schema (SDL).
    Schema,
    /// Mint a token for an existing, active user (with the configured HS256 secret).
    Token {
        /// The user's e-mail address.
        #[arg(long)]
        user: String,
        /// How long the token lives: 30m, 1h, 7d, or seconds.
        #[arg(long, default_value = "1h", value_parser = parse_ttl)]
        ttl: Duration,
    },
    /// Bootstrap commands for operators.
    #[command(subcommand)]
    Admin(AdminCommand),
    /// The dashboards' outcome read model.
    #[command(subcommand)]
    Analytics(AnalyticsCommand),
    /// Fill an empty database with a generated, realistic dataset (the same scale always gives
    /// the same data), for benchmarks and trials. Prints progress.
    Seed {
        /// Size relative to national scale for Scotland: 1 is about 100 partnerships, 50,000
        /// young people and 1,000,000 outcome records; fractions such as 0.01 work.
        #[arg(long, required_unless_present = "demo", conflicts_with = "demo")]
        scale: Option<Scale>,
        /// Load the demo dataset instead, as `serve --demo` does without serving, and print its
        /// users' tokens. Implies --dev.
        #[arg(long)]
        demo: bool,
    },
}

#[derive(Subcommand)]
enum AdminCommand {
    /// Create the first organisation and admin user of an empty database, and print a token.
    Create {
        #[arg(long)]
        email: String,
        /// The admin's display name.
        #[arg(long)]
        name: String,
        /// The admin's organisation (created if it does not exist yet).
        #[arg(long)]
        organisation: String,
        /// Area code of a new organisation (default: City of Edinburgh; change it later).
        #[arg(long, default_value = "S12000036")]
        area: String,
        /// How long the printed token lives.
        #[arg(long, default_value = "1h", value_parser = parse_ttl)]
        ttl: Duration,
    },
}

#[derive(Subcommand)]
enum AnalyticsCommand {
    /// Recompute the outcome read model from the accepted records (after a restore, or to be
    /// sure). With --check, compare instead and write nothing: exits with an error if they
    /// differ.
    Rebuild {
        #[arg(long)]
        check: bool,
    },
}

/// A failure of a command, shown to the operator as one line.
pub type CliResult = Result<(), Box<dyn std::error::Error>>;

pub async fn run(cli: Cli) -> CliResult {
    let command = cli.command.unwrap_or(Command::Serve { demo: false });
    // The schema is a property of the code, so printing it needs no configuration.
    if let Command::Schema = command {
        print!("{}", crate::server::schema::sdl());
        return Ok(());
    }
    let demo = matches!(
        command,
        Command::Serve { demo: true } | Command::Seed { demo: true, .. }
    );
    let config = Config::from_env(cli.dev || demo)?;
    init_tracing(config.log_format);
    match command {
        Command::Schema => Ok(()),
        Command::Serve { demo } => serve(config, demo).await,
        Command::Migrate => {
            let db = db::connect(&config.database_url, config.database_max_connections).await?;
            Migrator::up(&db, None).await?;
            println!("migrations applied");
            Ok(())
        }
        Command::Token { user, ttl } => {
            // First, so that under an identity provider the operator hears why at once.
            let issuer = TokenIssuer::new(&config.jwt)?;
            issuer.check_ttl(ttl)?;
            let db = db::connect(&config.database_url, config.database_max_connections).await?;
            require_migrated(&db).await?;
            let user = users::find_by_email(&db, &user)
                .await?
                .filter(|user| user.active)
                .ok_or_else(|| format!("no active user with e-mail address {user}"))?;
            println!("{}", issuer.mint(user.id, ttl)?);
            Ok(())
        }
        Command::Admin(AdminCommand::Create {
            email,
            name,
            organisation,
            area,
            ttl,
        }) => create_first_admin(&config, &email, &name, &organisation, &area, ttl).await,
        Command::Analytics(AnalyticsCommand::Rebuild { check }) => {
            let db = db::connect(&config.database_url, config.database_max_connections).await?;
            Migrator::up(&db, None).await?;
            if check {
                let found = read_model::differences(&db).await?;
                if !found.none() {
                    return Err(format!(
                        "the outcome read model differs from the accepted records: {} rows \
                         missing or different, {} rows that should not be there; run \
                         `api analytics rebuild` to recompute it",
                        found.missing, found.stale
                    )
                    .into());
                }
                println!("the outcome read model matches the accepted records");
            } else {
                let written = read_model::rebuild(&db).await?;
                println!("the outcome read model was rebuilt: {written} rows");
            }
            Ok(())
        }
        Command::Seed { demo: true, .. } => {
            let db = db::connect(&config.database_url, config.database_max_connections).await?;
            let (demo, issuer) = prepare_demo(&config, &db).await?;
            // Not served yet: the URL is where `serve` will listen.
            let url = format!("http://{}/graphql", config.bind_addr);
            print!("{}", demo.welcome(&issuer, &url, false)?);
            Ok(())
        }
        Command::Seed { scale, .. } => {
            let scale = scale.ok_or("give --scale N or --demo")?;
            let db = db::connect(&config.database_url, config.database_max_connections).await?;
            Migrator::up(&db, None).await?;
            seed::run(&db, scale, &mut |line| println!("{line}")).await?;
            Ok(())
        }
    }
}

/// Refuses a command that reads the schema from a database without it (or with an older one),
/// saying what to do, rather than failing on a missing table.
pub async fn require_migrated(db: &DatabaseConnection) -> CliResult {
    let pending = Migrator::get_pending_migrations(db).await?.len();
    if pending > 0 {
        return Err(format!(
            "the database at DATABASE_URL lacks {pending} migration(s) of this version (a new \
             database has none): run `api migrate` (or start `api serve`, which applies them) first"
        )
        .into());
    }
    Ok(())
}

async fn serve(config: Config, demo: bool) -> CliResult {
    if config.uses_development_secret() {
        tracing::warn!(
            "JWT_SECRET is not set: using the public development secret, so anyone can forge \
             tokens. Never run like this with real data."
        );
    }
    let bind_addr = config.bind_addr;
    let graphiql = config.graphiql;
    let db = db::connect(&config.database_url, config.database_max_connections).await?;
    // The demo is in place before the listener opens, so nobody sees a half-filled database.
    let demo = if demo {
        Some(prepare_demo(&config, &db).await?)
    } else {
        None
    };
    let sign_in = match &demo {
        Some((demo, _)) => Some(demo.sign_in(TokenIssuer::new(&config.jwt)?)),
        None => None,
    };
    let app = Application::build_with_demo(config, db, sign_in).await?;
    tracing::info!(%bind_addr, port = app.port(), "serving /graphql");
    let base_url = format!("http://{}:{}", bind_addr.ip(), app.port());
    let url = format!("{base_url}/graphql");
    match demo {
        Some((demo, issuer)) => {
            print!("{}", demo.welcome(&issuer, &url, graphiql)?);
            println!("Dashboard: {base_url}/dashboard (sign in as any demo user there)");
        }
        None => {
            if graphiql {
                println!("GraphiQL: {url}");
            }
            println!("Dashboard: {base_url}/dashboard");
        }
    }
    app.run_until_stopped().await?;
    Ok(())
}

/// Loads the demo into `db` (or finds it there), with the issuer of its users' tokens. The issuer
/// comes first, so that under an identity provider's keys nothing is loaded in vain.
async fn prepare_demo(
    config: &Config,
    db: &DatabaseConnection,
) -> Result<(crate::demo::Demo, TokenIssuer), Box<dyn std::error::Error>> {
    let issuer = TokenIssuer::new(&config.jwt)?;
    Migrator::up(db, None).await?;
    Ok((
        crate::demo::prepare(db, &config.limits, config.clock).await?,
        issuer,
    ))
}

async fn create_first_admin(
    config: &Config,
    email: &str,
    name: &str,
    organisation_name: &str,
    area: &str,
    ttl: Duration,
) -> CliResult {
    // Before any write: with an identity provider's keys this fails, and must not leave an admin
    // behind whose token was never printed.
    let issuer = TokenIssuer::new(&config.jwt)?;
    issuer.check_ttl(ttl)?;
    let db = db::connect(&config.database_url, config.database_max_connections).await?;
    Migrator::up(&db, None).await?;
    if entity::user::Entity::find().count(&db).await? > 0 {
        return Err(
            "the database already has users: an admin creates further accounts with the \
                    createUser mutation"
                .into(),
        );
    }
    let existing = entity::organisation::Entity::find()
        .filter(entity::organisation::Column::Name.eq(organisation_name.trim()))
        .one(&db)
        .await?;
    let organisation = match existing {
        Some(organisation) => organisation,
        None => {
            let new = NewOrganisation {
                name: organisation_name.to_owned(),
                kind: OrganisationKind::LocalAuthority,
                sector: Sector::Statutory,
                area_code: area.to_owned(),
                charity_number: None,
            };
            organisations::create(&db, None, new).await?
        }
    };
    let new = NewUser {
        email: email.to_owned(),
        display_name: name.to_owned(),
        organisation_id: organisation.id,
        role: UserRole::Admin,
    };
    let admin = users::create(&db, None, new).await?;
    eprintln!(
        "Created admin {} in {}. Token (valid for {}s):",
        admin.email,
        organisation.name,
        ttl.as_secs()
    );
    println!("{}", issuer.mint(admin.id, ttl)?);
    Ok(())
}

fn init_tracing(format: LogFormat) {
    let filter = tracing_subscriber::EnvFilter::try_from_env("LOG_LEVEL")
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info"));
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr);
    // A second initialisation (in tests) is harmless, so its error is ignored.
    let _ = match format {
        LogFormat::Json => builder.json().try_init(),
        LogFormat::Text => builder.try_init(),
    };
}
