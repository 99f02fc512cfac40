fn main() {
    // (By the stop signal, when one ended the run: see `interrupt`.)
    jdgen::interrupt::exit(jdgen::cli::main());
}
