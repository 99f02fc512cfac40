//! The on-disk format of role files and the company settings file, exactly as
//! serde reads them. Nothing here is validated beyond types; `load` checks the
//! rest (empty titles, grades, inheritance) so it can report every problem at
//! once, each with its position. See `docs/role-format.md`.
//!
//! Unknown keys are collected by `load` (through serde_ignored) and reported
//! as errors with a suggestion: a misspelt key is never silently dropped.

use serde::{Deserialize, Serialize};

/// Inline Markdown as written in the file (links, `_emphasis_`, `**bold**`).
/// Kept verbatim; links are resolved when rendering or exporting.
pub type Markdown = String;

/// `roles/company.yaml`: one per role folder.
#[derive(Debug, Clone, Deserialize, Serialize, PartialEq)]
pub struct CompanyFile {
    /// Company name, shown on the letterhead and used as the PDF author.
    pub name: String,
    /// Base URL that site-relative links (`/handbook/values/`) resolve against.
    pub website: String,
    /// Brand colour as `#rrggbb`.
    #[serde(default)]
    pub brand_color: Option<String>,
    /// Logo file (SVG or PNG), relative to the role folder.
    #[serde(default)]
    pub logo: Option<String>,
    /// Where "grade N" links to, if anywhere (Markdown link target).
    #[serde(default)]
    pub grades_url: Option<String>,
    /// Version of the role data, shown in every footer and export. When
    /// absent, a short hash of the role files is used.
    #[serde(default)]
    pub data_version: Option<String>,
    /// Date the data takes effect (`YYYY-MM-DD`); the documents' date (over
    /// `SOURCE_DATE_EPOCH`, which dates documents only without it).
    #[serde(default)]
    pub effective_date: Option<String>,
    /// Document language (BCP 47 primary tag, e.g. `en`).
    #[serde(default)]
    pub language: Option<String>,
}

/// One job family: one YAML file in `roles/`.
#[derive(Debug, Clone, Deserialize, Serialize, PartialEq)]
pub struct FamilyFile {
    /// Stable family id (kebab-case).
    pub family: String,
    /// Family title, e.g. "Social Marketing Manager".
    pub title: String,
    /// One-sentence summary of the family.
    #[serde(default)]
    pub summary: Option<Markdown>,
    /// Introductory paragraphs.
    #[serde(default)]
    pub intro: Vec<Markdown>,
    /// Free sections, in order, before the levels.
    #[serde(default)]
    pub sections: Vec<Section>,
    /// Responsibilities shared by every level of the family.
    #[serde(default)]
    pub responsibilities: Option<ItemList>,
    /// Requirements shared by every level of the family.
    #[serde(default)]
    pub requirements: Option<ItemList>,
    /// The company values as this family lives them.
    #[serde(default)]
    pub values: Option<Values>,
    /// The levels (roles) of the family, junior first.
    pub levels: Vec<Level>,
    /// Performance indicators (Markdown, usually links).
    #[serde(default)]
    pub performance_indicators: Vec<Markdown>,
    /// Career ladder paragraphs.
    #[serde(default)]
    pub career_ladder: Vec<Markdown>,
    #[serde(default)]
    pub hiring_process: Option<HiringProcess>,
    /// Relevant links (Markdown links).
    #[serde(default)]
    pub links: Vec<Markdown>,
}

/// A free section: a heading with paragraphs, an optional list and
/// optional nested sections.
#[derive(Debug, Clone, Deserialize, Serialize, PartialEq)]
pub struct Section {
    pub heading: Markdown,
    #[serde(default)]
    pub paragraphs: Vec<Markdown>,
    #[serde(default)]
    pub items: Vec<Markdown>,
    #[serde(default)]
    pub sections: Vec<Section>,
    /// Where a family's section prints in a role's PDF: `before_lists`
    /// (after the family's intro, before the role's notes and lists) or
    /// `after_lists` (the default). Only on a family's own sections, not
    /// nested ones. Checked by `load`, so that a wrong value gets a
    /// message of jdgen's own.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub place: Option<String>,
}

/// A list of responsibilities or requirements.
#[derive(Debug, Clone, Deserialize, Serialize, PartialEq, Default)]
pub struct ItemList {
    /// Heading to print instead of the default ("Role Requirements").
    #[serde(default)]
    pub heading: Option<Markdown>,
    /// Role id of the level whose resolved list this one builds on
    /// ("All of the above responsibilities and…").
    #[serde(default)]
    pub builds_on: Option<String>,
    /// Lead-in line, kept as written ("All of the above requirements and:").
    #[serde(default)]
    pub intro: Option<Markdown>,
    /// Ungrouped items.
    #[serde(default)]
    pub items: Vec<Markdown>,
    /// Items under sub-headings ("Marketing technology"), after `items`.
    #[serde(default)]
    pub groups: Vec<ItemGroup>,
}

#[derive(Debug, Clone, Deserialize, Serialize, PartialEq)]
pub struct ItemGroup {
    pub heading: Markdown,
    pub items: Vec<Markdown>,
}

#[derive(Debug, Clone, Deserialize, Serialize, PartialEq)]
pub struct Values {
    pub heading: Markdown,
    #[serde(default)]
    pub intro: Option<Markdown>,
    pub items: Vec<Value>,
}

#[derive(Debug, Clone, Deserialize, Serialize, PartialEq)]
pub struct Value {
    #[serde(default)]
    pub emoji: Option<String>,
    pub name: String,
    pub text: Markdown,
}

#[derive(Debug, Clone, Deserialize, Serialize, PartialEq)]
pub struct HiringProcess {
    /// Paragraphs before the steps.
    #[serde(default)]
    pub intro: Vec<Markdown>,
    /// Ordered steps, each with optional nested sub-steps.
    pub steps: Vec<Step>,
    /// Paragraphs after the steps.
    #[serde(default)]
    pub outro: Vec<Markdown>,
}

/// A hiring step: either a plain string or `{ text, steps }`.
#[derive(Debug, Clone, Serialize, PartialEq)]
#[serde(untagged)]
pub enum Step {
    Plain(Markdown),
    Nested(NestedStep),
}

impl Step {
    pub fn text(&self) -> &str {
        match self {
            Step::Plain(t) => t,
            Step::Nested(n) => &n.text,
        }
    }

    pub fn substeps(&self) -> &[Step] {
        match self {
            Step::Plain(_) => &[],
            Step::Nested(n) => &n.steps,
        }
    }
}

// Hand-written rather than `#[serde(untagged)]`: untagged enums buffer their
// input, which loses serde_yaml's positions and hides unknown keys in nested
// steps behind "data did not match any variant".
impl<'de> Deserialize<'de> for Step {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> serde::de::Visitor<'de> for V {
            type Value = Step;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("a step: text, or a mapping with `text` and `steps`")
            }
            fn visit_str<E: serde::de::Error>(self, v: &str) -> Result<Step, E> {
                Ok(Step::Plain(v.to_string()))
            }
            fn visit_map<A: serde::de::MapAccess<'de>>(self, map: A) -> Result<Step, A::Error> {
                NestedStep::deserialize(serde::de::value::MapAccessDeserializer::new(map))
                    .map(Step::Nested)
            }
        }
        d.deserialize_any(V)
    }
}

#[derive(Debug, Clone, Deserialize, Serialize, PartialEq)]
pub struct NestedStep {
    pub text: Markdown,
    #[serde(default)]
    pub steps: Vec<Step>,
}

/// One level of a family: one role with its own id.
#[derive(Debug, Clone, Deserialize, Serialize, PartialEq)]
pub struct Level {
    /// Stable role id, unique across all files (e.g. `senior-social`).
    pub id: String,
    /// Level name ("Associate", "Senior", "Manager"…); its kebab-case form
    /// is the level id in exports.
    pub level: String,
    /// Job title.
    pub title: String,
    /// Job grade: a positive integer, absent where the family has none.
    #[serde(default)]
    pub grade: Option<serde_yaml::Value>,
    /// Who the role reports to (Markdown).
    #[serde(default)]
    pub reports_to: Option<Markdown>,
    /// Notes shown above the description (e.g. what "Manager," means).
    #[serde(default)]
    pub notes: Vec<Markdown>,
    /// Description paragraphs.
    #[serde(default)]
    pub description: Vec<Markdown>,
    /// Why the level exists (Staff levels).
    #[serde(default)]
    pub justification: Vec<Markdown>,
    #[serde(default)]
    pub responsibilities: Option<ItemList>,
    #[serde(default)]
    pub requirements: Option<ItemList>,
    /// Level-specific career ladder; replaces the family's when present.
    #[serde(default)]
    pub career_ladder: Vec<Markdown>,
}
