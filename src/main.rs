fn main() {
    std::process::exit(jdgen::cli::main());
}
