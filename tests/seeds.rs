//! The shipped roles hold the five seed job families faithfully: every
//! level with its seed grade, line counts and resolved lists (what it
//! inherits, from whom), and every content line of every seed page
//! (tests/seeds/, copied from shared/seeds) as a whole text, in the seed's
//! order, with the seeds' broken encoding repaired.

use std::collections::BTreeMap;
use std::path::Path;

use jdgen::load;
use jdgen::schema::{ItemList, Step};
use regex::Regex;
use serde::Deserialize;

#[derive(Deserialize)]
struct Expectations {
    seeds: Vec<SeedExp>,
}

#[derive(Deserialize)]
struct SeedExp {
    seed: String,
    family_file: String,
    family: String,
    family_counts: BTreeMap<String, usize>,
    levels: Vec<LevelExp>,
}

#[derive(Deserialize)]
struct LevelExp {
    id: String,
    title: String,
    grade: Option<u32>,
    responsibilities: usize,
    requirements: usize,
    resolved: ResolvedExp,
}

#[derive(Deserialize)]
struct ResolvedExp {
    responsibilities: String,
    requirements: String,
}

/// A resolved list as runs of items by the level they come from:
/// `intermediate-mops 9, senior-mops 3`.
fn runs(list: &jdgen::resolve::ResolvedList) -> String {
    let mut runs: Vec<(&str, usize)> = Vec::new();
    for item in &list.items {
        match runs.last_mut() {
            Some((from, n)) if *from == item.from => *n += 1,
            _ => runs.push((&item.from, 1)),
        }
    }
    runs.iter()
        .map(|(from, n)| format!("{from} {n}"))
        .collect::<Vec<_>>()
        .join(", ")
}

fn expectations() -> Expectations {
    serde_yaml::from_str(&std::fs::read_to_string("tests/seed_expectations.yaml").unwrap()).unwrap()
}

fn own_count(list: Option<&ItemList>) -> usize {
    list.map_or(0, |l| {
        l.items.len() + l.groups.iter().map(|g| g.items.len()).sum::<usize>()
    })
}

fn count_steps(steps: &[Step]) -> usize {
    steps.iter().map(|s| 1 + count_steps(s.substeps())).sum()
}

#[test]
fn every_seed_level_is_present_with_its_grade_and_line_counts() {
    let lib = load::load(Path::new("roles")).expect("shipped roles load");
    assert!(lib.failed.is_empty(), "{:?}", lib.failed);
    let exp = expectations();
    assert_eq!(exp.seeds.len(), 5);
    let mut expected_ids = Vec::new();
    for seed in &exp.seeds {
        let fam = lib
            .families
            .iter()
            .find(|f| {
                f.file
                    .ends_with(Path::new(&seed.family_file).file_name().unwrap())
            })
            .unwrap_or_else(|| panic!("{} missing", seed.family_file));
        let f = &fam.data;
        assert_eq!(f.family, seed.family);
        assert_eq!(
            f.levels.len(),
            seed.levels.len(),
            "{}: level count",
            seed.seed
        );
        let counts = &seed.family_counts;
        assert_eq!(
            own_count(f.responsibilities.as_ref()),
            counts["responsibilities"],
            "{}",
            seed.seed
        );
        assert_eq!(
            own_count(f.requirements.as_ref()),
            counts["requirements"],
            "{}",
            seed.seed
        );
        assert_eq!(
            f.values.as_ref().map_or(0, |v| v.items.len()),
            counts["values"],
            "{}",
            seed.seed
        );
        assert_eq!(
            f.hiring_process
                .as_ref()
                .map_or(0, |h| count_steps(&h.steps)),
            counts["hiring_steps"],
            "{}",
            seed.seed
        );
        assert_eq!(
            f.performance_indicators.len(),
            counts["performance_indicators"],
            "{}",
            seed.seed
        );
        for (level, e) in f.levels.iter().zip(&seed.levels) {
            assert_eq!(level.id, e.id);
            assert_eq!(level.title, e.title, "{}", e.id);
            assert_eq!(
                level
                    .grade
                    .as_ref()
                    .and_then(|g| g.as_u64())
                    .map(|g| g as u32),
                e.grade,
                "{}",
                e.id
            );
            assert_eq!(
                own_count(level.responsibilities.as_ref()),
                e.responsibilities,
                "{} responsibilities",
                e.id
            );
            assert_eq!(
                own_count(level.requirements.as_ref()),
                e.requirements,
                "{} requirements",
                e.id
            );
            expected_ids.push(e.id.clone());
        }
    }
    // Inheritance as the seeds state it: whole lists, not only own counts.
    let resolved = jdgen::resolve::resolve_all(&lib).expect("shipped roles resolve");
    for seed in &exp.seeds {
        for e in &seed.levels {
            let role = resolved.iter().find(|r| r.id == e.id).unwrap();
            assert_eq!(
                runs(&role.responsibilities),
                e.resolved.responsibilities,
                "{} resolved responsibilities",
                e.id
            );
            assert_eq!(
                runs(&role.requirements),
                e.resolved.requirements,
                "{} resolved requirements",
                e.id
            );
        }
    }
    let mut ids: Vec<String> = lib.role_ids().into_iter().map(String::from).collect();
    ids.sort();
    expected_ids.sort();
    assert_eq!(ids, expected_ids);
    assert!(ids.contains(&"senior-social".to_string()));
}

/// Every text of a role file as written, in the file's order.
fn strings(v: &serde_yaml::Value, out: &mut Vec<String>) {
    match v {
        serde_yaml::Value::String(s) => out.push(s.clone()),
        serde_yaml::Value::Number(n) => out.push(n.to_string()),
        serde_yaml::Value::Sequence(s) => s.iter().for_each(|v| strings(v, out)),
        serde_yaml::Value::Mapping(m) => m.values().for_each(|v| strings(v, out)),
        _ => {}
    }
}

const MOJIBAKE: &str = "\u{201a}\u{00c4}\u{00f4}"; // ‚Äô

fn norm(s: &str) -> String {
    s.replace(MOJIBAKE, "’")
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
}

/// Every content line of a seed page appears in its family file; headings
/// that only structure the page (and the "is a grade N" sentences, which
/// become `title` + `grade`) are checked structurally instead.
#[test]
fn every_seed_line_is_in_the_roles() {
    let structural = Regex::new(
        r"(?i)^(responsibilities|requirements|job grade|levels|hiring process|career ladder|performance indicators|relevant links|justification|role requirements|requirements for applicants|on this page)$|.+ (responsibilities|requirements|job grade)$",
    )
    .unwrap();
    let grade_line = Regex::new(r"^The (.+) is a \[grade (\d+)\]\([^)]*\)( role)?\.$").unwrap();
    let mut problems = Vec::new();
    for seed in expectations().seeds {
        let text = std::fs::read_to_string(Path::new("tests/seeds").join(&seed.seed)).unwrap();
        let yaml: serde_yaml::Value =
            serde_yaml::from_str(&std::fs::read_to_string(&seed.family_file).unwrap()).unwrap();
        let mut raw = Vec::new();
        strings(&yaml, &mut raw);
        // The seeds' broken encoding (UTF-8 read as Mac Roman: `‚Äô` for
        // `’`, `ü§ù` for 🤝) leaves letters and signs no English page uses;
        // the repaired text holds only typographic quotes and dashes and
        // the values' emoji beyond ASCII.
        // (As written: `norm` repairs the seeds' `‚Äô`.) Mac Roman's
        // mathematical signs (`√`, `∂`, `≠`) stand for accented letters,
        // so only the emoji blocks are allowed beyond the quotes.
        for s in &raw {
            for c in s.chars().filter(|c| !c.is_ascii()) {
                let typographic = "‘’“”–—…".contains(c);
                let emoji = matches!(c, '\u{2300}'..='\u{23ff}' | '\u{2600}'..='\u{27bf}' | '\u{fe0f}' | '\u{200d}')
                    || c >= '\u{1f000}';
                assert!(
                    typographic || emoji,
                    "{}: {c:?} (U+{:04X}) in {s:?}: mojibake left?",
                    seed.seed,
                    c as u32
                );
            }
        }
        let levels: Vec<(String, String, Option<u64>)> = yaml["levels"]
            .as_sequence()
            .unwrap()
            .iter()
            .map(|l| {
                (
                    l["title"].as_str().unwrap().to_string(),
                    l["level"].as_str().unwrap().to_string(),
                    l["grade"].as_u64(),
                )
            })
            .collect();
        let hay: Vec<String> = raw.iter().map(|s| norm(s)).collect();
        // Each seed line is one whole text of the file (a line with words
        // added or cut is not found), and the lines come in the seed's
        // order: a line moved to another level or list is out of place.
        let mut used = vec![false; hay.len()];
        let mut last: Option<usize> = None;
        let mut front_matter = 0;
        for (n, raw) in text.lines().enumerate() {
            let line = raw.trim();
            if line == "---" && front_matter < 2 {
                front_matter += 1;
                continue;
            }
            let mut t = if front_matter == 1 {
                match line.split_once(':') {
                    Some((k, v)) if k == "title" || k == "summary" || k == "description" => {
                        v.trim().trim_matches('"').to_string()
                    }
                    _ => continue,
                }
            } else {
                if line.is_empty() || line.starts_with("{:") || line == "------" || line == "- TOC"
                {
                    continue;
                }
                let heading = line.starts_with('#');
                let t = line
                    .trim_start_matches(['-', '*'])
                    .trim_start()
                    .trim_start_matches('#')
                    .trim();
                let t = norm(t);
                if heading && structural.is_match(&t) {
                    continue;
                }
                if let Some(c) = grade_line.captures(&t) {
                    let grade: u64 = c[2].parse().unwrap();
                    if !levels
                        .iter()
                        .any(|(title, _, g)| *title == c[1] && *g == Some(grade))
                    {
                        problems.push(format!(
                            "{}:{}: no level `{}` with grade {grade}",
                            seed.seed,
                            n + 1,
                            &c[1]
                        ));
                    }
                    continue;
                }
                // Value headings: the emoji is in `emoji:`, the name in `name:`.
                if raw.starts_with("#####") {
                    t.trim_start_matches(|c: char| !c.is_ascii_alphabetic())
                        .to_string()
                } else if heading
                    && levels
                        .iter()
                        .any(|(title, level, _)| t == format!("{title} ({level})"))
                {
                    continue;
                } else {
                    t
                }
            };
            t = norm(&t);
            if t.is_empty() {
                continue;
            }
            let next = (last.map_or(0, |i| i + 1)..hay.len()).find(|&i| !used[i] && hay[i] == t);
            match next {
                Some(i) => {
                    used[i] = true;
                    last = Some(i);
                }
                None => problems.push(format!(
                    "{}:{}: {} {}: {t}",
                    seed.seed,
                    n + 1,
                    if hay.contains(&t) {
                        "out of the seed's order in"
                    } else {
                        "not a whole text of"
                    },
                    seed.family_file
                )),
            }
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

#[test]
fn values_carry_their_emoji() {
    let lib = load::load(Path::new("roles")).unwrap();
    let social = lib
        .families
        .iter()
        .find(|f| f.data.family == "social-marketing")
        .unwrap();
    let values: Vec<(String, String)> = social
        .data
        .values
        .as_ref()
        .unwrap()
        .items
        .iter()
        .map(|v| (v.emoji.clone().unwrap(), v.name.clone()))
        .collect();
    let want = [
        ("🤝", "Collaboration"),
        ("📈", "Results"),
        ("⏱️", "Efficiency"),
        ("🌐", "Diversity, Inclusion & Belonging"),
        ("👣", "Iteration"),
        ("👁️", "Transparency"),
    ];
    assert_eq!(
        values,
        want.map(|(e, n)| (e.to_string(), n.to_string())).to_vec()
    );
    assert!(
        social
            .source
            .contains("GitLab’s social media marketing strategy")
    );
}
