fn main() {
    selfbuilt::memory::settle();
    // Help and usage errors in the language the command line asks for (`cli_zh`).
    let cli = match selfbuilt::cli_zh::parse(std::env::args_os().collect()) {
        Ok(cli) => cli,
        Err(code) => std::process::exit(code),
    };
    std::process::exit(selfbuilt::cmd::dispatch(cli));
}
