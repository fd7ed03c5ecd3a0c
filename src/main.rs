fn main() -> std::process::ExitCode {
    consultpack::run(std::env::args_os())
}
