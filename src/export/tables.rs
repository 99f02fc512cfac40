//! The export tables, designed for HR-system imports.
//!
//! Two tables, each written as one CSV file and one XLSX sheet:
//!
//! - `roles`: one row per role (job profile), keyed by `role_id`.
//! - `items`: one row per responsibility or requirement of each role, keyed
//!   by (`role_id`, `kind`, `position`).
//!
//! Columns never change name or order without a note in `docs/exports.md`;
//! text is the role text as plain text (`markdown::to_plain`: markup
//! removed, links kept as `label (url)`), never trimmed or shortened.

use std::borrow::Cow;

use clap::ValueEnum;

use crate::load::Company;
use crate::markdown;
use crate::resolve::ResolvedRole;

/// The kind of value a column holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ColumnType {
    /// Free text (or an id). Neutralised against formula injection in the
    /// default CSV profile; always a string cell in XLSX.
    Text,
    /// A whole number (grades, positions, counts): digits only, never
    /// neutralised; a number cell in XLSX.
    Integer,
    /// `true` / `false`; a boolean cell in XLSX.
    Boolean,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Column {
    pub name: &'static str,
    pub ty: ColumnType,
}

const fn text(name: &'static str) -> Column {
    Column {
        name,
        ty: ColumnType::Text,
    }
}

const fn integer(name: &'static str) -> Column {
    Column {
        name,
        ty: ColumnType::Integer,
    }
}

const fn boolean(name: &'static str) -> Column {
    Column {
        name,
        ty: ColumnType::Boolean,
    }
}

/// One cell. `Empty` is an absent value (no grade, no `reports_to`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Cell {
    Text(String),
    Integer(u64),
    Boolean(bool),
    Empty,
}

impl Cell {
    /// The cell as raw text (what the import CSV profile writes).
    pub fn as_text(&self) -> Cow<'_, str> {
        match self {
            Cell::Text(s) => Cow::Borrowed(s),
            Cell::Integer(n) => Cow::Owned(n.to_string()),
            Cell::Boolean(b) => Cow::Borrowed(if *b { "true" } else { "false" }),
            Cell::Empty => Cow::Borrowed(""),
        }
    }

    fn opt_text(s: Option<String>) -> Cell {
        s.map_or(Cell::Empty, Cell::Text)
    }
}

/// A finished table: a name, its columns and its rows, sorted.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Table {
    pub name: &'static str,
    pub columns: &'static [Column],
    pub rows: Vec<Vec<Cell>>,
}

/// The tables, by name (`--table NAME`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, ValueEnum)]
pub enum TableName {
    /// One row per role.
    Roles,
    /// One row per responsibility or requirement.
    Items,
}

impl TableName {
    pub const ALL: [TableName; 2] = [TableName::Roles, TableName::Items];

    pub fn as_str(self) -> &'static str {
        match self {
            TableName::Roles => "roles",
            TableName::Items => "items",
        }
    }

    pub fn columns(self) -> &'static [Column] {
        match self {
            TableName::Roles => ROLE_COLUMNS,
            TableName::Items => ITEM_COLUMNS,
        }
    }
}

/// Columns of the `roles` table, in order (documented in docs/exports.md).
pub const ROLE_COLUMNS: &[Column] = &[
    text("role_id"),
    text("job_title"),
    text("family_id"),
    text("family_name"),
    text("level_id"),
    text("level_name"),
    integer("level_rank"),
    integer("job_grade"),
    text("reports_to"),
    text("summary"),
    text("description"),
    integer("responsibilities_count"),
    integer("requirements_count"),
    text("pdf_file"),
    text("source_file"),
    text("effective_date"),
    text("data_version"),
];

/// Columns of the `items` table, in order (documented in docs/exports.md).
pub const ITEM_COLUMNS: &[Column] = &[
    text("role_id"),
    text("kind"),
    integer("position"),
    text("group"),
    text("text"),
    text("source"),
    text("source_role_id"),
    boolean("inherited"),
];

/// Separator between paragraphs in multi-paragraph cells (`description`).
pub const PARAGRAPH_SEPARATOR: &str = "\n\n";

/// `responsibility` or `requirement`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum ItemKind {
    Responsibility,
    Requirement,
}

impl ItemKind {
    pub fn as_str(self) -> &'static str {
        match self {
            ItemKind::Responsibility => "responsibility",
            ItemKind::Requirement => "requirement",
        }
    }
}

/// Where an item row comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ItemSource {
    /// The family-wide list (`responsibilities:` / `requirements:` at the
    /// top of the family file), shared by every level of the family.
    Family,
    /// A level this role builds on (`builds_on`), directly or transitively.
    Inherited,
    /// The role's own list.
    Own,
}

impl ItemSource {
    pub fn as_str(self) -> &'static str {
        match self {
            ItemSource::Family => "family",
            ItemSource::Inherited => "inherited",
            ItemSource::Own => "own",
        }
    }
}

/// One row of the `items` table, typed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ItemRow {
    pub role_id: String,
    pub kind: ItemKind,
    /// 1-based, per role and kind, in document order.
    pub position: u64,
    /// The group heading as plain text.
    pub group: Option<String>,
    /// The item as plain text.
    pub text: String,
    pub source: ItemSource,
    /// The role (level) whose list states the item; `None` for family items.
    pub source_role_id: Option<String>,
}

impl ItemRow {
    pub fn inherited(&self) -> bool {
        self.source != ItemSource::Own
    }

    fn cells(self) -> Vec<Cell> {
        let inherited = self.inherited();
        vec![
            Cell::Text(self.role_id),
            Cell::Text(self.kind.as_str().into()),
            Cell::Integer(self.position),
            Cell::opt_text(self.group),
            Cell::Text(self.text),
            Cell::Text(self.source.as_str().into()),
            Cell::opt_text(self.source_role_id),
            Cell::Boolean(inherited),
        ]
    }
}

/// 1-based position of the role's level within its family (junior first).
pub fn level_rank(role: &ResolvedRole) -> u64 {
    role.family_data
        .data
        .levels
        .iter()
        .position(|l| l.id == role.id)
        .map_or(0, |i| i as u64 + 1)
}

/// The roles in table order: by family id, then level rank, then role id.
/// Every table, the JSON file and the ZIP use this order.
pub fn sort_roles(roles: &[ResolvedRole]) -> Vec<&ResolvedRole> {
    let mut sorted: Vec<&ResolvedRole> = roles.iter().collect();
    sorted.sort_by(|a, b| {
        (&a.family.id, level_rank(a), &a.id).cmp(&(&b.family.id, level_rank(b), &b.id))
    });
    sorted
}

/// The path of a role's PDF inside the ZIP bundle and a build folder.
/// Only valid role ids make paths (see `zip::check_entry_name`).
pub fn pdf_file(role_id: &str) -> String {
    format!("pdf/{role_id}.pdf")
}

/// Every item row of one role: the family-wide list first (source
/// `family`), then the role's resolved list (inherited items first), for
/// responsibilities then requirements.
pub fn role_items(company: &Company, role: &ResolvedRole) -> Vec<ItemRow> {
    let base = company.website.as_str();
    let plain = |md: &str| markdown::to_plain(md, base);
    let family = &role.family_data.data;
    let mut rows = Vec::new();
    for (kind, shared, resolved) in [
        (
            ItemKind::Responsibility,
            family.responsibilities.as_ref(),
            &role.responsibilities,
        ),
        (
            ItemKind::Requirement,
            family.requirements.as_ref(),
            &role.requirements,
        ),
    ] {
        let mut position = 0;
        let mut push = |group: Option<&String>, text: &str, source, from: Option<&String>| {
            position += 1;
            rows.push(ItemRow {
                role_id: role.id.clone(),
                kind,
                position,
                group: group.map(|g| plain(g)),
                text: plain(text),
                source,
                source_role_id: from.cloned(),
            });
        };
        for (group, item) in crate::resolve::shared_items(shared, resolved) {
            push(group, item, ItemSource::Family, None);
        }
        for item in &resolved.items {
            let source = if item.inherited {
                ItemSource::Inherited
            } else {
                ItemSource::Own
            };
            push(item.group.as_ref(), &item.text, source, Some(&item.from));
        }
    }
    rows
}

/// The `roles` table.
pub fn roles_table(company: &Company, roles: &[ResolvedRole]) -> Table {
    let base = company.website.as_str();
    let plain = |md: &str| markdown::to_plain(md, base);
    let rows = sort_roles(roles)
        .into_iter()
        .map(|role| {
            let items = role_items(company, role);
            let count = |k: ItemKind| items.iter().filter(|i| i.kind == k).count() as u64;
            let family = &role.family_data.data;
            let description = role
                .description
                .iter()
                .map(|p| plain(p))
                .collect::<Vec<_>>()
                .join(PARAGRAPH_SEPARATOR);
            let source_file = role
                .source
                .file_name()
                .map(|n| n.to_string_lossy().into_owned());
            vec![
                Cell::Text(role.id.clone()),
                Cell::Text(role.title.clone()),
                Cell::Text(role.family.id.clone()),
                Cell::Text(role.family.title.clone()),
                Cell::Text(role.level.id.clone()),
                Cell::Text(role.level.name.clone()),
                Cell::Integer(level_rank(role)),
                role.grade.map_or(Cell::Empty, |g| Cell::Integer(g.into())),
                Cell::opt_text(role.reports_to.as_deref().map(plain)),
                Cell::opt_text(family.summary.as_deref().map(plain)),
                if role.description.is_empty() {
                    Cell::Empty
                } else {
                    Cell::Text(description)
                },
                Cell::Integer(count(ItemKind::Responsibility)),
                Cell::Integer(count(ItemKind::Requirement)),
                Cell::Text(pdf_file(&role.id)),
                Cell::opt_text(source_file),
                Cell::opt_text(company.effective_date.clone()),
                Cell::Text(role.data_version.clone()),
            ]
        })
        .collect();
    Table {
        name: TableName::Roles.as_str(),
        columns: ROLE_COLUMNS,
        rows,
    }
}

/// The `items` table: rows in role order (as in `roles`), then
/// responsibilities before requirements, then position.
pub fn items_table(company: &Company, roles: &[ResolvedRole]) -> Table {
    let rows = sort_roles(roles)
        .into_iter()
        .flat_map(|role| role_items(company, role))
        .map(ItemRow::cells)
        .collect();
    Table {
        name: TableName::Items.as_str(),
        columns: ITEM_COLUMNS,
        rows,
    }
}

/// One table by name.
pub fn table(name: TableName, company: &Company, roles: &[ResolvedRole]) -> Table {
    match name {
        TableName::Roles => roles_table(company, roles),
        TableName::Items => items_table(company, roles),
    }
}

/// Every table, in `TableName::ALL` order.
/// A SHA-256 over every cell of `tables`: everything the CSV and XLSX
/// exports show, so the batch runner's export key changes whenever they
/// would (the columns are fixed by the jdgen version, which the key has).
pub fn digest(tables: &[Table]) -> Vec<u8> {
    use sha2::{Digest, Sha256};
    let mut h = Sha256::new();
    for t in tables {
        h.update(t.name.as_bytes());
        h.update((t.rows.len() as u64).to_le_bytes());
        for row in &t.rows {
            h.update((row.len() as u64).to_le_bytes());
            for cell in row {
                match cell {
                    Cell::Text(s) => {
                        h.update([1]);
                        h.update((s.len() as u64).to_le_bytes());
                        h.update(s.as_bytes());
                    }
                    Cell::Integer(n) => {
                        h.update([2]);
                        h.update(n.to_le_bytes());
                    }
                    Cell::Boolean(b) => h.update([3, u8::from(*b)]),
                    Cell::Empty => h.update([4]),
                }
            }
        }
    }
    h.finalize().to_vec()
}

pub fn build_tables(company: &Company, roles: &[ResolvedRole]) -> Vec<Table> {
    TableName::ALL
        .into_iter()
        .map(|name| table(name, company, roles))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::export::test_support::library;

    #[test]
    fn columns_are_unique_snake_case() {
        for name in TableName::ALL {
            let cols = name.columns();
            for (i, c) in cols.iter().enumerate() {
                assert!(
                    c.name
                        .chars()
                        .all(|ch| ch.is_ascii_lowercase() || ch == '_'),
                    "{}",
                    c.name
                );
                assert!(!cols[..i].iter().any(|d| d.name == c.name), "{}", c.name);
            }
        }
    }

    #[test]
    fn rows_match_columns_and_sort_stably() {
        let (lib, roles) = library();
        let tables = build_tables(&lib.company, &roles);
        for t in &tables {
            for row in &t.rows {
                assert_eq!(row.len(), t.columns.len());
                for (cell, col) in row.iter().zip(t.columns) {
                    match (cell, col.ty) {
                        (Cell::Empty, _)
                        | (Cell::Text(_), ColumnType::Text)
                        | (Cell::Integer(_), ColumnType::Integer)
                        | (Cell::Boolean(_), ColumnType::Boolean) => {}
                        _ => panic!("{} holds {cell:?}", col.name),
                    }
                }
            }
        }
        // Reversing the input changes nothing.
        let mut reversed = roles.clone();
        reversed.reverse();
        assert_eq!(build_tables(&lib.company, &reversed), tables);
        let ids: Vec<_> = tables[0].rows.iter().map(|r| r[0].as_text()).collect();
        assert_eq!(ids, ["a-junior", "a-senior", "b-only"]);
    }

    #[test]
    fn items_carry_family_inherited_and_own_sources() {
        let (lib, roles) = library();
        let senior = roles.iter().find(|r| r.id == "a-senior").unwrap();
        let rows = role_items(&lib.company, senior);
        let resp: Vec<_> = rows
            .iter()
            .filter(|r| r.kind == ItemKind::Responsibility)
            .map(|r| {
                (
                    r.position,
                    r.source.as_str(),
                    r.source_role_id.as_deref(),
                    r.text.as_str(),
                )
            })
            .collect();
        assert_eq!(
            resp,
            [
                (1, "family", None, "Shared duty"),
                (
                    2,
                    "inherited",
                    Some("a-junior"),
                    "Junior duty (https://x.test/j)"
                ),
                (3, "own", Some("a-senior"), "Senior duty"),
            ]
        );
        let req: Vec<_> = rows
            .iter()
            .filter(|r| r.kind == ItemKind::Requirement)
            .map(|r| (r.group.as_deref(), r.text.as_str()))
            .collect();
        assert_eq!(req, [(Some("Tools"), "Git")]);
    }
}
