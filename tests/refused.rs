//! Every policy under `tests/fixtures/refused/` must be refused: the exit code and the
//! diagnostics exactly as the user sees them are snapshotted, one snapshot per fixture.
//! A fixture is a `.kdl` file, or a directory of files built together (merge conflicts).

use std::path::Path;
use std::process::Command;

#[test]
fn refused_policies() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut fixtures: Vec<_> = std::fs::read_dir(root.join("tests/fixtures/refused"))
        .expect("fixtures folder")
        .map(|entry| entry.expect("readable entry").path())
        .collect();
    fixtures.sort();
    assert!(fixtures.len() >= 20, "fixtures went missing");
    for fixture in fixtures {
        let relative = fixture.strip_prefix(root).expect("inside the crate");
        let output = Command::new(env!("CARGO_BIN_EXE_egressc"))
            .current_dir(root)
            .args(["build", "--color", "never"])
            .arg(relative)
            .output()
            .expect("egressc runs");
        assert!(
            output.stdout.is_empty(),
            "{}: refused builds print nothing on stdout",
            relative.display()
        );
        let code = output.status.code().expect("exited");
        assert!(
            code == 1 || code == 2,
            "{}: exit {code}",
            relative.display()
        );
        let name = fixture.file_stem().unwrap().to_string_lossy().into_owned();
        let stderr = String::from_utf8(output.stderr).expect("UTF-8 diagnostics");
        insta::assert_snapshot!(name, format!("exit: {code}\n{stderr}"));
    }
}
