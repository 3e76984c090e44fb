//! Generates include/mindra.h from src/ffi with cbindgen. The header is committed; the test
//! command fails when a build changes it, so users always get the header of this source.

use std::env;
use std::path::PathBuf;

fn main() {
    println!("cargo:rerun-if-changed=src/ffi");
    println!("cargo:rerun-if-changed=cbindgen.toml");
    println!("cargo:rerun-if-changed=build.rs");

    set_soname();

    let crate_dir = PathBuf::from(env::var("CARGO_MANIFEST_DIR").expect("set by cargo"));
    let mut config = cbindgen::Config::from_file(crate_dir.join("cbindgen.toml"))
        .expect("cbindgen.toml is readable");
    let version = |name: &str| env::var(name).expect("set by cargo");
    config.after_includes = Some(format!(
        "\n/* The version of this header; compare with mindra_version() at run time. */\n\
         #define MINDRA_VERSION_MAJOR {}\n#define MINDRA_VERSION_MINOR {}\n#define MINDRA_VERSION_PATCH {}\n\
         #define MINDRA_VERSION_STRING \"{}\"\n",
        version("CARGO_PKG_VERSION_MAJOR"),
        version("CARGO_PKG_VERSION_MINOR"),
        version("CARGO_PKG_VERSION_PATCH"),
        version("CARGO_PKG_VERSION"),
    ));

    match cbindgen::Builder::new()
        .with_crate(&crate_dir)
        .with_config(config)
        .generate()
    {
        Ok(bindings) => {
            bindings.write_to_file(crate_dir.join("include/mindra.h"));
        }
        // A source that does not parse yet fails the compiler with a better message; keep
        // the committed header rather than fail here.
        Err(error) => {
            println!("cargo:warning=cbindgen could not generate include/mindra.h: {error}")
        }
    }
}

/// Gives libmindra.so its ELF soname. A 0.x minor release may break the ABI, so 0.x sonames
/// carry the minor version (`libmindra.so.0.1`); from 1.0 on, only the major
/// (`libmindra.so.1`).
fn set_soname() {
    if env::var("CARGO_CFG_TARGET_OS").as_deref() != Ok("linux") {
        return;
    }
    let major = env::var("CARGO_PKG_VERSION_MAJOR").expect("set by cargo");
    let minor = env::var("CARGO_PKG_VERSION_MINOR").expect("set by cargo");
    let soname = if major == "0" {
        format!("libmindra.so.0.{minor}")
    } else {
        format!("libmindra.so.{major}")
    };
    println!("cargo:rustc-cdylib-link-arg=-Wl,-soname,{soname}");
}
