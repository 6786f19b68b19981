//! The subcommands: serve, migrate, check-config, create-admin, print-schema.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};

use crate::app::{connect_database, extra_roots, App};
use crate::config::{self, ConfigError, EnvOverrides, Settings, TenantRegistry};

/// Command line of the `roster` binary.
#[derive(Debug, Parser)]
#[command(name = "roster", version, about = "Multi-tenant GraphQL server for member lists")]
pub struct Cli {
    /// Configuration folder (roster.toml and tenants/); default $ROSTER_CONFIG_DIR, else ./config.
    #[arg(long, global = true, value_name = "DIR")]
    pub config: Option<PathBuf>,
    #[command(subcommand)]
    pub command: Option<Command>,
}

/// What to do; `serve` when none is given.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run the server (migrations run first).
    Serve,
    /// Apply database migrations and exit.
    Migrate,
    /// Validate roster.toml and every tenant file; exit 1 listing every problem.
    CheckConfig,
    /// Create an admin in a tenant; prints a generated password when none is given.
    CreateAdmin {
        #[arg(long)]
        tenant: String,
        #[arg(long)]
        email: String,
        #[arg(long)]
        password: Option<String>,
    },
    /// Print the GraphQL schema (schema.graphql is this output).
    PrintSchema,
}

/// Runs the command line; the exit code says whether it worked.
pub fn run(cli: Cli) -> ExitCode {
    if let Some(Command::PrintSchema) = cli.command {
        print!("{}", crate::graphql::schema_sdl());
        return ExitCode::SUCCESS;
    }
    init_tracing();
    let dir = config::config_dir(cli.config);
    let loaded = Settings::load(&dir, EnvOverrides::Process).and_then(|settings| {
        let tenants = TenantRegistry::load(&dir, EnvOverrides::Process)?;
        Ok((settings, tenants))
    });
    let (settings, tenants) = match loaded {
        Ok(loaded) => loaded,
        Err(errors) => return config_failure(&errors),
    };
    let runtime = match tokio::runtime::Runtime::new() {
        Ok(runtime) => runtime,
        Err(err) => return failure(&format!("cannot start the async runtime: {err}")),
    };
    runtime.block_on(async move {
        match cli.command.unwrap_or(Command::Serve) {
            Command::Serve => crate::server::run(settings, tenants).await,
            Command::Migrate => migrate(&settings).await,
            Command::CheckConfig => {
                println!(
                    "Configuration is valid: {} tenant(s): {}.",
                    tenants.all().len(),
                    slugs(&tenants)
                );
                ExitCode::SUCCESS
            }
            Command::CreateAdmin {
                tenant,
                email,
                password,
            } => create_admin(settings, tenants, &tenant, &email, password).await,
            Command::PrintSchema => unreachable!("handled above"),
        }
    })
}

fn slugs(tenants: &TenantRegistry) -> String {
    tenants
        .all()
        .iter()
        .map(|t| t.slug.clone())
        .collect::<Vec<_>>()
        .join(", ")
}

async fn migrate(settings: &Settings) -> ExitCode {
    use migration::MigratorTrait;
    let opened = match extra_roots(settings) {
        Ok(roots) => connect_database(&settings.database_url, settings.database_pool_size(), roots.as_ref()).await,
        Err(err) => Err(err),
    };
    let db = match opened {
        Ok(db) => db,
        Err(err) => return failure(&format!("cannot open the database: {err:?}")),
    };
    match migration::Migrator::up(&db, None).await {
        Ok(()) => {
            println!("Migrations applied.");
            ExitCode::SUCCESS
        }
        Err(err) => failure(&format!("migration failed: {err}")),
    }
}

async fn create_admin(
    settings: Settings,
    tenants: TenantRegistry,
    slug: &str,
    email: &str,
    password: Option<String>,
) -> ExitCode {
    let Some(tenant) = tenants.get(slug) else {
        return failure(&format!("no tenant \"{slug}\" (known: {})", slugs(&tenants)));
    };
    let app = match App::start(settings, tenants).await {
        Ok(app) => app,
        Err(err) => return failure(&format!("cannot start: {err:?}")),
    };
    match crate::members::create_admin(&app.db, &tenant, email, password, crate::members::Origin::Manual).await {
        Ok(created) => {
            println!(
                "Created admin {} (login {}) in {slug}.",
                email.trim(),
                created.member.login
            );
            if let Some(generated) = created.generated_password {
                println!("Password: {generated}\nIt must be changed at first sign-in; it is not shown again.");
            }
            ExitCode::SUCCESS
        }
        Err(crate::error::Error::Validation(fields)) => {
            let text: Vec<String> = fields.iter().map(|f| format!("{}: {}", f.field, f.message)).collect();
            failure(&text.join("; "))
        }
        Err(err) => failure(&format!("{err} {err:?}")),
    }
}

fn config_failure(errors: &[ConfigError]) -> ExitCode {
    eprintln!("The configuration is not valid:");
    for error in errors {
        eprintln!("  {error}");
    }
    ExitCode::FAILURE
}

fn failure(message: &str) -> ExitCode {
    eprintln!("roster: {message}");
    ExitCode::FAILURE
}

fn init_tracing() {
    let filter = tracing_subscriber::EnvFilter::try_from_env("ROSTER_LOG")
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info"));
    // Colours only on a terminal: a log written to a file or a collector keeps no
    // escape codes.
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_target(false)
        .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stdout()))
        .try_init();
}
