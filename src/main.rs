use clap::Parser;

/// mimalloc instead of the system allocator: request handling allocates many small,
/// short-lived objects across threads, where glibc malloc showed up at a fifth of the CPU.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> std::process::ExitCode {
    roster::cli::run(roster::cli::Cli::parse())
}
