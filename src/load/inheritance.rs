//! `builds_on`: every target a level of the same family, no loops, and
//! inherited lists bounded.

use std::collections::BTreeMap;

use super::checker::{Checker, named};
use super::family::MAX_GRADE;
use super::text::is_blank;
use crate::diag::{clip, closest};
use crate::schema::{self, FamilyFile, ItemList};

/// The most levels a family may have. Real career ladders have a handful;
/// every role's document shows them all.
pub const MAX_LEVELS_PER_FAMILY: usize = 200;
/// The most groups one list may have.
pub const MAX_GROUPS_PER_LIST: usize = 100;

/// How many items one level's list may hold once inherited items are
/// counted in. The seeds' longest holds 30; inheritance multiplies a file
/// like YAML aliases do (a 170 KB chain of 1,000 levels made a 467 MB
/// `roles.json`), so it is bounded like them.
pub const MAX_ITEMS_PER_LIST: usize = 1_000;
/// How many items all levels of a family may list in all, inherited ones
/// counted at every level that shows them.
pub const MAX_ITEMS_PER_FAMILY: usize = 20_000;

/// `builds_on` must name a level of the same family and must not loop
/// (every loop is reported, once); a level's list, inherited items
/// included, holds at most [`MAX_ITEMS_PER_LIST`]. Linear in the number of
/// levels. Returns each level's item count with inheritance (an upper
/// bound: restated items are listed once), or `None` when a loop or an
/// unknown level leaves it undefined. Without `chains` (the family's ids
/// are not unique) only the targets are checked.
pub(super) fn check_inheritance(
    c: &mut Checker,
    f: &FamilyFile,
    kind: &str,
    list_of: impl Fn(&schema::Level) -> Option<&ItemList>,
    chains: bool,
) -> Option<Vec<usize>> {
    let index: BTreeMap<&str, usize> = f
        .levels
        .iter()
        .enumerate()
        .filter(|(_, l)| !is_blank(&l.id))
        .map(|(i, l)| (l.id.as_str(), i))
        .collect();
    let n = f.levels.len();
    let own: Vec<usize> = f
        .levels
        .iter()
        .map(|l| {
            list_of(l).map_or(0, |l| {
                l.items.len() + l.groups.iter().map(|g| g.items.len()).sum::<usize>()
            })
        })
        .collect();
    // The level each one builds on, when it names one of this family.
    let mut next: Vec<Option<usize>> = vec![None; n];
    let mut well_formed = true;
    for (i, level) in f.levels.iter().enumerate() {
        let Some(target) = list_of(level).and_then(|l| l.builds_on.as_deref()) else {
            continue;
        };
        match index.get(target) {
            Some(&j) => {
                next[i] = Some(j);
                // Levels are written junior first, and a list builds on the
                // level below: the PDF prints the base's items as "From"
                // a lower level, and the exports mark them inherited.
                // By grade when both have one (a base written below but
                // graded lower is fine), else by the order written.
                // Valid grades only: `six` or `"6"` is an error of its own,
                // and compared as YAML values it ranked above any number.
                let grade = |l: &schema::Level| {
                    l.grade
                        .as_ref()
                        .and_then(serde_yaml::Value::as_u64)
                        .filter(|g| (1..=MAX_GRADE).contains(g))
                };
                let (own_grade, base_grade) = (grade(level), grade(&f.levels[j]));
                let upward = match (own_grade, base_grade) {
                    (Some(own), Some(base)) => base > own,
                    _ => j > i,
                };
                let higher_grade = own_grade.is_some() && base_grade.is_some();
                // With duplicate ids (`!chains`) which level is meant is
                // unknown: no guess.
                if chains && upward && j != i {
                    c.warn(
                        &format!("levels.{i}.{kind}.builds_on"),
                        format!(
                            "{} builds on {}, a level {} it: its {kind} would be printed as \
                             inherited from a more senior level",
                            named("", &level.id, i).trim_start(),
                            named("", &f.levels[j].id, j).trim_start(),
                            if higher_grade {
                                "graded above"
                            } else {
                                "written after"
                            }
                        ),
                        Some("name the level below (levels are written junior first)".into()),
                    );
                }
            }
            None => {
                well_formed = false;
                // A suggestion compares the target with every level: for
                // the first hundred unknown targets only (8,000 of them in
                // 8,000 levels took minutes), and a list of at most ten.
                // Not the level itself: a list cannot build on its own level.
                let others = || index.keys().copied().filter(|id| *id != level.id);
                // Nor, as the one meant, an id refused for its form
                // (`People_Partner`): written, it was a second error.
                let valid = super::ids::is_valid_id;
                let suggestion = (c.unknown_targets.len() < 100)
                    .then(|| closest(target, others().filter(|id| valid(id))))
                    .flatten();
                // A level's name (`Senior`) for its role id: say which id
                // (also a scan of every level: for the first hundred only).
                let by_name = (c.unknown_targets.len() < 100)
                    .then(|| {
                        f.levels.iter().find(|l| {
                            l.id != level.id && l.level.trim().eq_ignore_ascii_case(target.trim())
                        })
                    })
                    .flatten();
                // (A level whose id is blank has none to name.)
                let help = by_name
                    .filter(|l| !is_blank(&l.id) && valid(&l.id))
                    .map(|l| {
                        format!(
                            "`builds_on` takes a role id: the {} level is `{}`",
                            clip(&l.level),
                            clip(&l.id)
                        )
                    })
                    .or_else(|| suggestion.map(|s| format!("did you mean `{s}`?")))
                    .unwrap_or_else(|| {
                        let shown: Vec<&str> = others().take(10).collect();
                        let more = others().count().saturating_sub(shown.len());
                        if shown.is_empty() {
                            return if index.is_empty() {
                                "give the levels ids, and name one of them".to_string()
                            } else {
                                "the family has no other level to build on: remove `builds_on`"
                                    .to_string()
                            };
                        }
                        format!(
                            "levels of this family: {}{}",
                            shown.join(", "),
                            if more > 0 {
                                format!(" and {more} more")
                            } else {
                                String::new()
                            }
                        )
                    });
                c.unknown_targets.push((c.errors.len(), target.to_string()));
                c.error(
                    &format!("levels.{i}.{kind}.builds_on"),
                    format!(
                        "{} names no level of family `{}`",
                        if target.trim().is_empty() {
                            "`builds_on:` with blank text".to_string()
                        } else {
                            format!("`builds_on: {}`", clip(target))
                        },
                        f.family
                    ),
                    Some(help),
                );
            }
        }
    }
    if !chains {
        // Only the targets: the ids are not unique, so no chain is certain.
        return None;
    }
    // Walk each chain once: 0 = not seen, 1 = on the walk in progress,
    // 2 = done (its count known, or it leads into a loop).
    let mut state = vec![0u8; n];
    let mut count: Vec<Option<usize>> = vec![None; n];
    for startpoint in 0..n {
        let mut walk = Vec::new();
        let mut cur = Some(startpoint);
        while let Some(i) = cur {
            match state[i] {
                0 => {
                    state[i] = 1;
                    walk.push(i);
                    cur = next[i];
                }
                1 => {
                    // A new loop: from `i` to the end of this walk.
                    well_formed = false;
                    let from = walk.iter().position(|&w| w == i).unwrap_or(0);
                    // (No blank id: such a level is no target.)
                    let name = |w: usize| format!("`{}`", clip(&f.levels[w].id));
                    let mut names: Vec<String> = walk[from..].iter().map(|&w| name(w)).collect();
                    names.push(name(i));
                    c.error(
                        &format!("levels.{i}.{kind}.builds_on"),
                        format!("{kind} inheritance loops: {}", names.join(" → ")),
                        Some("remove `builds_on` from one of these levels".into()),
                    );
                    break;
                }
                _ => break,
            }
        }
        // Unwind: each level's count is its own plus its base's; unknown
        // when the walk ran into a loop (its end is still in progress).
        let mut base = match cur {
            None => Some(0),
            Some(i) if state[i] == 2 => count[i],
            Some(_) => None,
        };
        for &i in walk.iter().rev() {
            count[i] = base.map(|b| own[i].saturating_add(b));
            state[i] = 2;
            base = count[i];
        }
    }
    // A list that builds on levels listing nothing prints nothing, its
    // heading and intro included (its own emptiness is checked with it).
    for i in 0..n {
        if count[i] == Some(0)
            && let Some(j) = next[i]
        {
            c.warn(
                &format!("levels.{i}.{kind}.builds_on"),
                format!(
                    "the {kind} build on {}, but no level of that chain lists any: they do not \
                     print, heading and intro included",
                    named("", &f.levels[j].id, j).trim_start()
                ),
                Some("add `items:`, or remove the list".into()),
            );
        }
    }
    // Report where a list first grows past the limit: a level over it whose
    // base is not (its own items, or its inheritance, are the cause).
    for i in 0..n {
        let Some(total) = count[i] else { continue };
        let base_total = next[i].and_then(|j| count[j]).unwrap_or(0);
        if total > MAX_ITEMS_PER_LIST && base_total <= MAX_ITEMS_PER_LIST {
            let (field, with) = if own[i] > MAX_ITEMS_PER_LIST {
                ("items", "")
            } else {
                ("builds_on", " with inherited ones")
            };
            c.error(
                &format!("levels.{i}.{kind}.{field}"),
                format!(
                    "{} lists {total} {kind}{with}; at most {MAX_ITEMS_PER_LIST}",
                    named("level", &f.levels[i].id, i)
                ),
                Some("shorten the list or its `builds_on` chain: a job description this long is not read".into()),
            );
        }
    }
    well_formed.then(|| count.into_iter().map(|c| c.unwrap_or(0)).collect())
}
