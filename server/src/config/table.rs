//! The README's table of settings, written from their definitions here, so
//! that the two cannot drift: a test compares them, and rewrites the README
//! when asked (`UPDATE_README=1 cargo test -p server --lib settings_table`).

use clap::CommandFactory;

use super::Config;

/// One row per setting: its variable, its default and its help text.
pub fn markdown() -> String {
    let mut rows = vec![
        "| variable | default | meaning |".to_owned(),
        "|---|---|---|".to_owned(),
    ];
    for arg in Config::command().get_arguments() {
        let Some(variable) = arg.get_env().and_then(|env| env.to_str()) else {
            continue;
        };
        let defaults: Vec<String> = arg
            .get_default_values()
            .iter()
            .filter_map(|value| value.to_str())
            .map(|value| match value {
                "" => "empty".to_owned(),
                value => format!("`{value}`"),
            })
            .collect();
        let default = match (defaults.is_empty(), arg.is_required_set()) {
            (false, _) => defaults.join(", "),
            (true, true) => "required".to_owned(),
            (true, false) => "unset".to_owned(),
        };
        let help = arg
            .get_long_help()
            .or_else(|| arg.get_help())
            .map(|help| help.to_string())
            .unwrap_or_default();
        let help = help.split_whitespace().collect::<Vec<_>>().join(" ");
        rows.push(format!("| `{variable}` | {default} | {help} |"));
    }
    rows.join("\n") + "\n"
}

#[cfg(test)]
mod tests {
    use std::path::Path;

    const BEGIN: &str = "<!-- settings: written from server/src/config by `UPDATE_README=1 cargo test -p server --lib settings_table` -->\n";
    const END: &str = "<!-- end of settings -->";

    #[test]
    fn settings_table_in_the_readme_is_the_one_the_code_defines() {
        let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../README.md");
        let readme = std::fs::read_to_string(&path).unwrap();
        let start = readme
            .find(BEGIN)
            .expect("the README marks its table of settings")
            + BEGIN.len();
        let end = start
            + readme[start..]
                .find(END)
                .expect("the table's end is marked");
        let table = super::markdown();
        if readme[start..end] == table {
            return;
        }
        if std::env::var_os("UPDATE_README").is_some() {
            let updated = format!("{}{table}{}", &readme[..start], &readme[end..]);
            std::fs::write(&path, updated).unwrap();
            return;
        }
        panic!(
            "the README's table of settings differs from server/src/config; \
             rewrite it with `UPDATE_README=1 cargo test -p server --lib settings_table`:\n{table}"
        );
    }
}
