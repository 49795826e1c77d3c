use clap::Parser;

fn main() {
    let cli = selfbuilt::cli::Cli::parse();
    std::process::exit(selfbuilt::cmd::dispatch(cli));
}
