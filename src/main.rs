use clap::Parser;

fn main() -> std::process::ExitCode {
    roster::cli::run(roster::cli::Cli::parse())
}
