// refinery embeds migrations/ at compile time; without this a new SQL file is not picked up.
fn main() {
    println!("cargo:rerun-if-changed=../migrations");
}
