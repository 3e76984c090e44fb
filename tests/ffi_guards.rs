//! Proves, from the sources, that every exported function is guarded against panics, and that
//! the committed header declares exactly the exported functions with the crate's version.

use std::collections::BTreeSet;
use std::fs;
use std::path::Path;

/// (name, body) of every `extern "C" fn` in src/ffi.
fn exported_functions() -> Vec<(String, String)> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("src/ffi");
    let mut found = Vec::new();
    for entry in fs::read_dir(dir).unwrap() {
        let source = fs::read_to_string(entry.unwrap().path()).unwrap();
        let mut rest = source.as_str();
        while let Some(at) = rest.find("extern \"C\" fn ") {
            let after = &rest[at + "extern \"C\" fn ".len()..];
            let name: String = after
                .chars()
                .take_while(|c| c.is_alphanumeric() || *c == '_')
                .collect();
            let header_before = &rest[..at];
            let attribute_line = header_before
                .rfind("#[no_mangle]")
                .map(|i| &header_before[i..]);
            assert!(
                attribute_line.is_some_and(|text| !text.contains("fn ")),
                "{name} is extern \"C\" but not #[no_mangle]"
            );
            let body_start = after.find('{').unwrap();
            let body = after[body_start + 1..].trim_start().to_string();
            found.push((name, body));
            rest = &after[body_start..];
        }
    }
    found
}

#[test]
fn every_export_runs_inside_the_panic_guard() {
    let exports = exported_functions();
    assert!(exports.len() >= 18, "found only {} exports", exports.len());
    for (name, body) in &exports {
        assert!(
            body.starts_with("guard("),
            "{name} does not start its body with guard(...): {}",
            &body[..body.len().min(80)]
        );
    }
}

#[test]
fn the_header_declares_exactly_the_exports() {
    let header =
        fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("include/mindra.h")).unwrap();
    let declared: BTreeSet<String> = header
        .split(|c: char| !(c.is_alphanumeric() || c == '_'))
        .filter(|word| word.starts_with("mindra_"))
        .filter(|word| header.contains(&format!("{word}(")))
        .map(String::from)
        .collect();
    let exported: BTreeSet<String> = exported_functions().into_iter().map(|(n, _)| n).collect();
    assert_eq!(declared, exported);
    for name in &exported {
        assert!(
            name.starts_with("mindra_"),
            "{name} lacks the mindra_ prefix"
        );
    }
}

#[test]
fn the_header_version_macros_match_cargo_toml() {
    let header =
        fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("include/mindra.h")).unwrap();
    for (macro_name, value) in [
        ("MINDRA_VERSION_MAJOR", env!("CARGO_PKG_VERSION_MAJOR")),
        ("MINDRA_VERSION_MINOR", env!("CARGO_PKG_VERSION_MINOR")),
        ("MINDRA_VERSION_PATCH", env!("CARGO_PKG_VERSION_PATCH")),
    ] {
        assert!(
            header.contains(&format!("#define {macro_name} {value}\n")),
            "{macro_name} is not {value}"
        );
    }
    assert!(header.contains(&format!(
        "#define MINDRA_VERSION_STRING \"{}\"",
        env!("CARGO_PKG_VERSION")
    )));
}
