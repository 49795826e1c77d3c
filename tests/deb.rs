//! The Debian package for a clerk's PC (`cargo deb`, `[package.metadata.deb]` in
//! Cargo.toml): built from this test build's own binary, then read back: `dpkg-deb -c` for
//! what it installs and with which modes, `dpkg-deb -f` for its control fields, the menu
//! entry parsed, the editable schemas compared with the compiled-in ones, and the packaged
//! binary run on them.
//!
//! How the package is built. The metadata names `target/release/selfbuilt`, what a real
//! `cargo deb` builds. The test links (or copies) `CARGO_BIN_EXE_selfbuilt` to
//! `<tmp>/target/release/selfbuilt` and runs `cargo deb --no-build --fast` with
//! `CARGO_TARGET_DIR=<tmp>/target`: the metadata is the real one, unchanged; the binary is
//! the one this test was built with, whatever the profile, target dir or triple; and
//! cargo-deb's scratch files (its stripped copy of the binary, 97 MB for a dev build) land
//! in the temp dir. `cargo deb --no-build --profile dev` would instead write that copy into
//! the project's target dir and warns that the dev profile "will be a hard error in the
//! future" (cargo-deb 3.8, measured). `--fast` (gzip) takes 3.6 s here against 21 s for the
//! default xz, for a 14.9 MB package against 12.9 MB.
//!
//! Without cargo-deb or dpkg-deb the test is skipped, unless `CI` is set (`.ci/run` sets
//! it and installs cargo-deb): then it fails.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

use selfbuilt::schema::{DEFAULT_CAMPAIGN, SHIPPED};

const SCHEMAS: &str = "./usr/share/selfbuilt/schemas/";
const DESKTOP: &str = "./usr/share/applications/selfbuilt.desktop";
const ICON: &str = "./usr/share/icons/hicolor/scalable/apps/selfbuilt.svg";
const BIN: &str = "./usr/bin/selfbuilt";

#[test]
fn the_package_installs_the_binary_the_schemas_and_a_menu_entry_that_starts_serve() {
    let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    if !available(Command::new(&cargo).args(["deb", "--version"]), "cargo-deb")
        || !available(Command::new("dpkg-deb").arg("--version"), "dpkg-deb")
    {
        return;
    }
    let t = tempfile::tempdir().unwrap();
    let deb = build(&cargo, t.path());
    let size = std::fs::metadata(&deb).unwrap().len();
    eprintln!("{}: {size} bytes", deb.display());

    let listing = contents(&deb);
    check_listing(&listing);
    check_control(&deb);

    let root = t.path().join("root");
    let o = tool(Command::new("dpkg-deb").arg("-x").arg(&deb).arg(&root));
    assert!(o.status.success(), "dpkg-deb -x: {}", text(&o.stderr));
    check_menu_entry(&root, &listing);
    check_icon(&root);
    check_schemas(&root);
}

/// Whether a tool answers; when not, says so (skipped), or fails when `CI` is set.
fn available(cmd: &mut Command, what: &str) -> bool {
    let ok = cmd
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success());
    if !ok {
        assert!(
            std::env::var_os("CI").is_none(),
            "{what} is required in CI (cargo install cargo-deb --locked; apt-get install dpkg)"
        );
        eprintln!("skipped: {what} is not installed (cargo install cargo-deb --locked)");
    }
    ok
}

/// `cargo deb` on this test's binary (see the module's note); the package's path.
fn build(cargo: &std::ffi::OsStr, tmp: &Path) -> PathBuf {
    let exe = Path::new(env!("CARGO_BIN_EXE_selfbuilt"));
    let target = tmp.join("target");
    let release = target.join("release");
    std::fs::create_dir_all(&release).unwrap();
    let linked = release.join("selfbuilt");
    if std::fs::hard_link(exe, &linked).is_err() {
        std::fs::copy(exe, &linked).unwrap();
    }
    let deb = tmp.join("selfbuilt.deb");
    let manifest = Path::new(env!("CARGO_MANIFEST_DIR")).join("Cargo.toml");
    let o = tool(
        Command::new(cargo)
            .args(["deb", "--no-build", "--fast", "--manifest-path"])
            .arg(&manifest)
            .arg("--output")
            .arg(&deb)
            .env("CARGO_TARGET_DIR", &target),
    );
    assert!(
        o.status.success() && deb.is_file(),
        "cargo deb: {}{}",
        text(&o.stdout),
        text(&o.stderr)
    );
    deb
}

/// `dpkg-deb -c`: each path (`./usr/bin/selfbuilt`) with its mode and owner.
fn contents(deb: &Path) -> BTreeMap<String, (String, String)> {
    let o = tool(Command::new("dpkg-deb").arg("-c").arg(deb));
    assert!(o.status.success(), "dpkg-deb -c: {}", text(&o.stderr));
    let listing = text(&o.stdout);
    eprintln!("{listing}");
    listing
        .lines()
        .map(|line| {
            // -rwxr-xr-x 0/0  97276672 2026-12-06 00:00 ./usr/bin/selfbuilt
            let f: Vec<&str> = line.split_whitespace().collect();
            assert!(f.len() >= 6, "a line of dpkg-deb -c: {line}");
            (f[5].to_string(), (f[0].to_string(), f[1].to_string()))
        })
        .collect()
}

fn check_listing(listing: &BTreeMap<String, (String, String)>) {
    let mode = |path: &str| match listing.get(path) {
        Some((mode, _)) => mode.as_str(),
        None => panic!("{path} is not in the package"),
    };
    assert_eq!(mode(BIN), "-rwxr-xr-x");
    for path in [
        DESKTOP,
        ICON,
        "./usr/share/doc/selfbuilt/README.Debian",
        "./usr/share/doc/selfbuilt/copyright",
    ] {
        assert_eq!(mode(path), "-rw-r--r--", "{path}");
    }
    // The editable copy of the schemas: the default campaign's and every other shipped
    // campaign's campaign.toml, and exactly the files the binary has compiled in.
    assert_eq!(
        mode(&format!("{SCHEMAS}{DEFAULT_CAMPAIGN}/campaign.toml")),
        "-rw-r--r--"
    );
    let campaigns: Vec<&str> = SHIPPED
        .iter()
        .filter_map(|(rel, _)| rel.strip_suffix("/campaign.toml"))
        .collect();
    assert!(campaigns.len() >= 2, "{campaigns:?}");
    for c in &campaigns {
        assert_eq!(mode(&format!("{SCHEMAS}{c}/campaign.toml")), "-rw-r--r--");
    }
    let packaged: BTreeSet<&str> = listing
        .iter()
        .filter(|(_, (mode, _))| mode.starts_with('-'))
        .filter_map(|(path, _)| path.strip_prefix(SCHEMAS))
        .collect();
    let shipped: BTreeSet<&str> = SHIPPED.iter().map(|(rel, _)| *rel).collect();
    assert_eq!(
        packaged, shipped,
        "the packaged schemas are the shipped ones"
    );
    for (path, (mode, owner)) in listing {
        assert!(path.starts_with("./usr/"), "{path} outside /usr");
        assert!(owner == "0/0" || owner == "root/root", "{path}: {owner}");
        assert!(
            mode.starts_with('-') || mode.starts_with('d'),
            "{path}: {mode}"
        );
        assert_ne!(mode.as_bytes()[8], b'w', "{path} is world-writable: {mode}");
    }
}

/// `dpkg-deb -f`: the package's name, version and what it depends on.
fn check_control(deb: &Path) {
    let o = tool(Command::new("dpkg-deb").arg("-f").arg(deb).args([
        "Package",
        "Version",
        "Depends",
        "Architecture",
    ]));
    assert!(o.status.success(), "dpkg-deb -f: {}", text(&o.stderr));
    let fields: BTreeMap<String, String> = text(&o.stdout)
        .lines()
        .filter_map(|l| l.split_once(": "))
        .map(|(k, v)| (k.to_string(), v.trim().to_string()))
        .collect();
    eprintln!("{fields:?}");
    assert_eq!(fields["Package"], "selfbuilt");
    assert!(
        fields["Version"].starts_with(&format!("{}-", env!("CARGO_PKG_VERSION"))),
        "{fields:?}"
    );
    assert!(!fields["Architecture"].is_empty(), "{fields:?}");
    // xdg-open opens the browser (`serve --open`); `$auto` adds the libraries' packages.
    let depends: Vec<&str> = fields["Depends"]
        .split(',')
        .map(|d| d.split_whitespace().next().unwrap_or(""))
        .collect();
    assert!(depends.contains(&"xdg-utils"), "{depends:?}");
    assert!(depends.contains(&"libc6"), "{depends:?}");
}

/// The menu entry, as the desktop reads it: `[Desktop Entry]`, one `key=value` a line.
fn check_menu_entry(root: &Path, listing: &BTreeMap<String, (String, String)>) {
    let desktop = std::fs::read_to_string(root.join(&DESKTOP[2..])).unwrap();
    let mut lines = desktop
        .lines()
        .filter(|l| !l.trim().is_empty() && !l.starts_with('#'));
    assert_eq!(lines.next(), Some("[Desktop Entry]"), "{desktop}");
    let mut entry = BTreeMap::new();
    for line in lines {
        assert!(!line.starts_with('['), "one group only: {line}");
        let (key, value) = line.split_once('=').expect("key=value");
        assert!(
            entry.insert(key, value).is_none(),
            "{key} given twice in {desktop}"
        );
    }
    assert_eq!(entry["Type"], "Application");
    assert_eq!(entry["Name"], "自建房排查整治助手");
    assert!(entry.get("Name[en]").is_some_and(|n| !n.is_empty()));
    assert_eq!(entry["Terminal"], "false");
    assert_eq!(entry["StartupNotify"], "false");
    assert!(entry["Categories"].split(';').any(|c| c == "Office"));
    // Exec runs the packaged binary's `serve` and opens the browser.
    let exec: Vec<&str> = entry["Exec"].split_whitespace().collect();
    assert_eq!(exec.first(), Some(&"selfbuilt"), "{exec:?}");
    assert!(listing.contains_key(&format!("./usr/bin/{}", exec[0])));
    assert!(
        exec.contains(&"serve") && exec.contains(&"--open"),
        "{exec:?}"
    );
    // The packaged binary takes that command line: an option it did not know would be
    // refused (exit 2) before `--help` is reached.
    let o = tool(
        Command::new(root.join(&BIN[2..]))
            .args(&exec[1..])
            .arg("--help")
            .env("NO_COLOR", "1"),
    );
    assert!(
        o.status.success(),
        "{exec:?} --help: {}{}",
        text(&o.stdout),
        text(&o.stderr)
    );
    // The icon is found by its name in the hicolor theme.
    assert_eq!(entry["Icon"], "selfbuilt");
    assert!(listing.contains_key(ICON));
}

/// The icon: a plain SVG that draws without fetching anything.
fn check_icon(root: &Path) {
    let svg = std::fs::read_to_string(root.join(&ICON[2..])).unwrap();
    assert!(svg.trim_start().starts_with("<svg"), "{svg}");
    assert!(svg.contains("viewBox=") && svg.trim_end().ends_with("</svg>"));
    for external in ["href", "url(", "@import", "<image", "<script"] {
        assert!(!svg.contains(external), "{external} in the icon");
    }
    assert_eq!(
        svg.matches("http").count(),
        svg.matches("xmlns=\"http://www.w3.org/2000/svg\"").count(),
        "only the SVG namespace may name a URL"
    );
}

/// The editable schemas are the compiled-in ones byte for byte, and the packaged binary
/// reads them as a folder (`--schemas`), every campaign, as README.Debian says.
fn check_schemas(root: &Path) {
    let folder = root.join(&SCHEMAS[2..]);
    for (rel, shipped) in SHIPPED {
        let copy = std::fs::read_to_string(folder.join(rel)).unwrap();
        assert!(copy == *shipped, "{rel} differs from the compiled-in copy");
    }
    let readme = std::fs::read_to_string(root.join("usr/share/doc/selfbuilt/README.Debian"));
    let readme = readme.unwrap();
    assert!(readme.contains("/usr/share/selfbuilt/schemas") && readme.contains("--schemas"));
    let bin = root.join(&BIN[2..]);
    for (rel, _) in SHIPPED {
        let Some(campaign) = rel.strip_suffix("/campaign.toml") else {
            continue;
        };
        let o = tool(
            Command::new(&bin)
                .arg("--schemas")
                .arg(&folder)
                .args(["--campaign", campaign, "rules"])
                .env("NO_COLOR", "1"),
        );
        assert!(
            o.status.success() && !o.stdout.is_empty(),
            "{campaign}: {}",
            text(&o.stderr)
        );
    }
}

fn tool(cmd: &mut Command) -> Output {
    cmd.output()
        .unwrap_or_else(|e| panic!("{:?}: {e}", cmd.get_program()))
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}
