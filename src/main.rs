use clap::Parser;

/// See [`roster::allocator`].
#[global_allocator]
static ALLOCATOR: roster::allocator::Allocator = mimalloc::MiMalloc;

fn main() -> std::process::ExitCode {
    roster::allocator::configure();
    roster::cli::run(roster::cli::Cli::parse())
}
