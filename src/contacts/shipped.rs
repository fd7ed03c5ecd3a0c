//! The contact list shipped with consultpack, compiled into the binary from `contacts/`.

use crate::diagnostic::SourceFile;

const FILES: &[(&str, &str)] = &[
    (
        "contacts/zhongshan.toml",
        include_str!("../../contacts/zhongshan.toml"),
    ),
    (
        "contacts/zju-first.toml",
        include_str!("../../contacts/zju-first.toml"),
    ),
    (
        "contacts/ehbh.toml",
        include_str!("../../contacts/ehbh.toml"),
    ),
    (
        "contacts/huashan.toml",
        include_str!("../../contacts/huashan.toml"),
    ),
    (
        "contacts/fuscc.toml",
        include_str!("../../contacts/fuscc.toml"),
    ),
    (
        "contacts/pku-cancer.toml",
        include_str!("../../contacts/pku-cancer.toml"),
    ),
    (
        "contacts/uwmc.toml",
        include_str!("../../contacts/uwmc.toml"),
    ),
    (
        "contacts/fred-hutch.toml",
        include_str!("../../contacts/fred-hutch.toml"),
    ),
    (
        "contacts/virginia-mason.toml",
        include_str!("../../contacts/virginia-mason.toml"),
    ),
];

/// The shipped files, named as in the source tree (`<builtin>/contacts/...` in messages).
pub(super) fn files() -> Vec<SourceFile> {
    FILES
        .iter()
        .map(|(path, text)| SourceFile::new(format!("<builtin>/{path}"), *text))
        .collect()
}

#[cfg(test)]
mod tests {
    #[test]
    fn every_file_in_contacts_is_compiled_in() {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("contacts");
        let mut on_disk: Vec<String> = std::fs::read_dir(dir)
            .unwrap()
            .map(|e| format!("contacts/{}", e.unwrap().file_name().to_string_lossy()))
            .filter(|n| n.ends_with(".toml"))
            .collect();
        on_disk.sort();
        let mut compiled: Vec<String> =
            super::FILES.iter().map(|(p, _)| (*p).to_string()).collect();
        compiled.sort();
        assert_eq!(on_disk, compiled);
    }
}
