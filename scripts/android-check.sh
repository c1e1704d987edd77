#!/usr/bin/env bash
# Type-checks the app for Android (aarch64-linux-android): the mobile entry point, the cfg(mobile)
# paths and every dependency's Android code. Building an APK needs the Android NDK, which this
# project's machines cannot fetch (see README "Mobile"). `cargo check` still runs the C build
# scripts (ring, SQLCipher), so they get Debian's clang with the aarch64 glibc headers standing
# in for the NDK sysroot (the host's OpenSSL headers searched last, for SQLCipher): their objects
# are never linked, only the Rust is checked.
set -euo pipefail
cd "$(dirname "$0")/.."
rustup target list --installed | grep -qx aarch64-linux-android || rustup target add aarch64-linux-android
export CC_aarch64_linux_android=clang
export AR_aarch64_linux_android=llvm-ar
export CFLAGS_aarch64_linux_android="--target=aarch64-linux-gnu --sysroot=/usr/aarch64-linux-gnu -idirafter /usr/include -idirafter /usr/include/x86_64-linux-gnu -Wno-unused-command-line-argument"
export SQLCIPHER_NO_PKG_CONFIG=1
cargo check -p cairn-app --target aarch64-linux-android --locked
echo "android-check: cairn-app type-checks for aarch64-linux-android"
