//! The data a template receives: a resolved role plus the company, the
//! family's shared content and document settings, with every text field
//! expanded into `{markdown, plain, spans}` so templates build real links
//! and emphasis from data, never from spliced markup.
//!
//! `jdgen show ROLE --format json` prints exactly this; `docs/templates.md`
//! documents it. Bump `SCHEMA` when its shape changes.

use serde::Serialize;
use serde_json::{Value, json};

use crate::load::Company;
use crate::markdown::{self, Span};
use crate::resolve::{ResolvedList, ResolvedRole};
use crate::schema::{ItemList, Section, Step};

/// Version of the data shape templates read.
pub const SCHEMA: u32 = 2;

/// Where the company logo is visible to templates (virtual paths), by its
/// format. The extension tells Typst the format, the one `check` read the
/// file as: detecting it from the bytes, Typst took an SVG whose `xmlns`
/// is missing or comes after its first 2 KB for no image at all, and
/// every PDF failed with "unknown image format".
/// (Names a template folder is unlikely to hold itself: the logo shadows
/// a file at the same path, as the data does a `role.json`.)
pub const LOGO_PATHS: [&str; 3] = [
    "/assets/company-logo.svg",
    "/assets/company-logo.png",
    "/assets/company-logo.jpg",
];

/// Document settings that are not part of the role data.
#[derive(Debug, Clone, Serialize, PartialEq, Eq, Hash)]
pub struct DocumentOptions {
    /// `YYYY-MM-DD`.
    pub date: String,
    /// Whether `date` was given (`effective_date` or `SOURCE_DATE_EPOCH`);
    /// without either it is 1980-01-01, a placeholder the pages leave out.
    pub dated: bool,
    /// `a4` or `us-letter`.
    pub paper: String,
    /// Print the acknowledgement/signature block.
    pub signature: bool,
}

/// Inline text in every form a template may want.
#[derive(Debug, Clone, Serialize)]
pub struct RichText {
    pub markdown: String,
    pub plain: String,
    pub spans: Vec<Span>,
}

impl RichText {
    pub fn new(md: &str, base: &str) -> RichText {
        // Typst prints a tab as nothing ("Salary\tBonus" read
        // "SalaryBonus"); in a document a tab is a space. The exports keep it.
        let untab = |s: String| {
            if s.contains('\t') {
                s.replace('\t', " ")
            } else {
                s
            }
        };
        let mut spans = markdown::parse(md, base);
        untab_spans(&mut spans, &untab);
        break_runs_across_spans(&mut spans);
        RichText {
            markdown: md.to_string(),
            plain: untab(markdown::to_plain(md, base)),
            spans,
        }
    }
}

fn untab_spans(spans: &mut [Span], untab: &impl Fn(String) -> String) {
    for span in spans {
        match span {
            Span::Text { text } => *text = untab(std::mem::take(text)),
            Span::Emph { body } | Span::Strong { body } | Span::Link { body, .. } => {
                untab_spans(body, untab)
            }
            Span::Break => {}
        }
    }
}

/// A run no line may break inside that crosses from one style to another
/// (`W…*W…*`, `[W…](/x)W…`) is two texts to Typst, and no regex rule sees
/// it whole: it ran off the page. Where such a run of [`LONG_WORD`] or
/// more characters crosses from one span's text to the next, a
/// [`Span::Break`] goes before the next: a place for the line to break
/// that prints nothing (a zero-width space there was copied with an email
/// address, `**name**@example.com`). Even where the run would fit a line:
/// how wide a place is (a 13 pt heading, a hiring step 14 deep) is the
/// template's, and an estimate let runs through that ran off the page.
fn break_runs_across_spans(spans: &mut Vec<Span>) {
    let shown = markdown::spans_text(spans);
    let runs: Vec<(usize, usize)> = long_runs(&shown)
        .into_iter()
        .map(|r| {
            let start = r.as_ptr() as usize - shown.as_ptr() as usize;
            (start, start + r.len())
        })
        .collect();
    if runs.is_empty() {
        return;
    }
    // One pass: a new list per level (an insert per break moved the rest
    // of the list each time), and the runs, in order like the text, by a
    // cursor (not a search of them all per span).
    fn mark(spans: &mut Vec<Span>, at: &mut usize, runs: &[(usize, usize)], next: &mut usize) {
        let old = std::mem::take(spans);
        spans.reserve(old.len());
        for mut span in old {
            let crossing = match &mut span {
                Span::Text { text } => {
                    while *next < runs.len() && runs[*next].1 <= *at {
                        *next += 1;
                    }
                    let inside = !text.is_empty()
                        && runs.get(*next).is_some_and(|&(a, b)| a < *at && *at < b);
                    *at += text.len();
                    inside
                }
                Span::Emph { body } | Span::Strong { body } | Span::Link { body, .. } => {
                    mark(body, at, runs, next);
                    false
                }
                Span::Break => false,
            };
            if crossing {
                spans.push(Span::Break);
            }
            spans.push(span);
        }
    }
    let (mut at, mut next) = (0, 0);
    mark(spans, &mut at, &runs, &mut next);
}

struct Ctx<'a> {
    base: &'a str,
}

impl Ctx<'_> {
    fn rich(&self, md: &str) -> Value {
        serde_json::to_value(RichText::new(md, self.base)).expect("plain data serialises")
    }

    fn opt(&self, md: Option<&String>) -> Value {
        md.map_or(Value::Null, |m| self.rich(m))
    }

    fn many(&self, mds: &[String]) -> Value {
        Value::Array(mds.iter().map(|m| self.rich(m)).collect())
    }

    /// A family's sections; `top`: its own, which have a `place` (nested
    /// ones print inside theirs).
    fn sections(&self, sections: &[Section], top: bool) -> Value {
        Value::Array(
            sections
                .iter()
                .map(|s| {
                    let mut section = json!({
                        "heading": self.rich(&s.heading),
                        "paragraphs": self.many(&s.paragraphs),
                        "items": self.many(&s.items),
                        "sections": self.sections(&s.sections, false),
                    });
                    if top {
                        // Checked by load: one of the two.
                        section["place"] = s.place.as_deref().unwrap_or("after_lists").into();
                    }
                    section
                })
                .collect(),
        )
    }

    fn steps(&self, steps: &[Step], depth: usize) -> Value {
        Value::Array(
            steps
                .iter()
                .map(|s| {
                    let text = RichText::new(s.text(), self.base);
                    json!({
                        "lines": most_lines(&text.plain, LINE_BYTES.saturating_sub(5 * depth).max(12)),
                        "text": text,
                        "steps": self.steps(s.substeps(), depth + 1),
                    })
                })
                .collect(),
        )
    }

    /// An item's text, and the lines it takes at most in a list.
    fn item_text(&self, md: &str) -> (Value, Value) {
        let text = RichText::new(md, self.base);
        let lines = most_lines(&text.plain, LINE_BYTES).into();
        (
            serde_json::to_value(text).expect("plain data serialises"),
            lines,
        )
    }

    /// A family-wide list, less what the role's own list restates (see
    /// [`crate::resolve::shared_items`]).
    fn shared_list(&self, list: Option<&ItemList>, resolved: &ResolvedList) -> Value {
        let Some(shared) = list else {
            return Value::Null;
        };
        let items: Vec<Value> = crate::resolve::shared_items(list, resolved)
            .into_iter()
            .map(|(group, t)| {
                let (text, lines) = self.item_text(t);
                json!({
                    "text": text,
                    "lines": lines,
                    "group": group.map_or(Value::Null, |g| self.rich(g)),
                })
            })
            .collect();
        json!({
            "heading": self.opt(shared.heading.as_ref()),
            "intro": self.opt(shared.intro.as_ref()),
            "items": items,
        })
    }

    fn list(&self, list: &ResolvedList) -> Value {
        json!({
            "heading": self.opt(list.heading.as_ref()),
            "intro": self.opt(list.intro.as_ref()),
            "items": list.items.iter().enumerate().map(|(i, it)| {
                let (text, lines) = self.item_text(&it.text);
                json!({
                    "position": i + 1,
                    "text": text,
                    "lines": lines,
                    "group": self.opt(it.group.as_ref()),
                    "from": { "id": it.from, "title": it.from_title },
                    "inherited": it.inherited,
                })
            }).collect::<Vec<_>>(),
        })
    }
}

/// Builds the template data for one role.
pub fn template_data(company: &Company, role: &ResolvedRole, doc: &DocumentOptions) -> Value {
    let cx = Ctx {
        base: &company.website,
    };
    let f = &role.family_data.data;
    let grades_url = company
        .grades_url
        .as_deref()
        .map(|u| markdown::link_address(&markdown::resolve_url(u, &company.website)));
    let mut data = json!({
        "schema": SCHEMA,
        "generator": format!("jdgen {}", env!("CARGO_PKG_VERSION")),
        "company": {
            "name": company.name,
            "running_name": running_name(&company.name),
            "website": company.website,
            // For `link`: a PDF link's address must be ASCII.
            "website_url": markdown::link_address(&company.website),
            "brand_color": company.brand_color,
            "logo": company.logo.as_ref().map(|l| l.path),
            "grades_url": grades_url,
        },
        "document": {
            "date": doc.date,
            "dated": doc.dated,
            "data_version": role.data_version,
            "language": company.language,
            "paper": doc.paper,
            "signature": doc.signature,
        },
        "role": {
            "id": role.id,
            "title": role.title,
            "running_title": running_title(&role.title, &company.name),
            "title_names_family": holds_words(&role.title, &role.family.title),
            "level": role.level,
            "grade": role.grade,
            "reports_to": cx.opt(role.reports_to.as_ref()),
            "notes": cx.many(&role.notes),
            "description": cx.many(&role.description),
            "justification": cx.many(&role.justification),
            "responsibilities": cx.list(&role.responsibilities),
            "requirements": cx.list(&role.requirements),
            "career_ladder": cx.many(&role.career_ladder),
        },
        "family": {
            "id": f.family,
            "title": role.family.title,
            "summary": cx.opt(f.summary.as_ref()),
            "intro": cx.many(&f.intro),
            "sections": cx.sections(&f.sections, true),
            "responsibilities": cx.shared_list(f.responsibilities.as_ref(), &role.responsibilities),
            "requirements": cx.shared_list(f.requirements.as_ref(), &role.requirements),
            "values": f.values.as_ref().map_or(Value::Null, |v| json!({
                "heading": cx.rich(&v.heading),
                "intro": cx.opt(v.intro.as_ref()),
                "items": v.items.iter().map(|it| json!({
                    "emoji": it.emoji,
                    "name": it.name,
                    "text": cx.rich(&it.text),
                })).collect::<Vec<_>>(),
            })),
            "performance_indicators": cx.many(&f.performance_indicators),
            "hiring_process": f.hiring_process.as_ref().map_or(Value::Null, |h| json!({
                "intro": cx.many(&h.intro),
                "steps": cx.steps(&h.steps, 0),
                "outro": cx.many(&h.outro),
            })),
            "links": cx.many(&f.links),
            "levels": f.levels.iter().map(|l| json!({
                "id": l.id,
                "title": l.title.trim(),
                "level": l.level.trim(),
                "grade": l.grade.as_ref().and_then(|g| g.as_u64()),
                "current": l.id == role.id,
            })).collect::<Vec<_>>(),
        },
    });
    let flags = text_flags(&data);
    data["document"]["simple_text"] = Value::Bool(flags.simple_text);
    data["document"]["long_words"] = Value::Bool(flags.long_words);
    data["document"]["long_runs"] = flags.long_runs.map_or(Value::Null, Value::String);
    data["document"]["rtl"] = Value::Bool(flags.rtl);
    data["document"]["emoji_sequences"] = Value::Bool(flags.emoji_sequences);
    data["document"]["symbol_sequences"] = Value::Bool(flags.symbol_sequences);
    data
}

/// What the built-in template needs to know about all of a role's text to
/// skip costly work, found in one walk over every string of the data.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TextFlags {
    /// No character needs glyph composition (see [`is_simple_str`]).
    pub simple_text: bool,
    /// Some string has a long unbroken run (see [`long_runs`]).
    pub long_words: bool,
    /// A regex matching exactly each long unbroken run that the template's
    /// rule by character class ([`is_unbreakable`]) would not find whole
    /// (`1000-1001-…`, `? ? ? …`), longest first, as many as fit in
    /// [`MAX_RUNS_PATTERN`] bytes; `None` when there are none. The template
    /// tries these, then that rule, which finds the rest (runs of letters,
    /// and what is left of a run that a listed one cut short).
    pub long_runs: Option<String>,
    /// Some string has right-to-left letters (Hebrew, Arabic…).
    pub rtl: bool,
    /// Some text (not a value's `emoji`, which the template always draws
    /// from the emoji font) may hold an emoji sequence: an emoji or
    /// keycap presentation selector, a joiner or a skin tone (see
    /// [`has_emoji_sequence_marks`]).
    pub emoji_sequences: bool,
    /// Some string holds what Inter's contextual alternates would draw as
    /// another symbol (see [`has_symbol_sequence`]).
    pub symbol_sequences: bool,
}

/// The longest `long_runs` pattern handed to the template: hostile text
/// may hold thousands of long runs, and the pattern is compiled for every
/// document.
pub const MAX_RUNS_PATTERN: usize = 64 * 1024;

/// A run is listed in `long_runs` in pieces of this many grapheme
/// clusters (the last piece takes the rest, up to twice as many): Typst
/// matches its show rules' regexes with captures, which costs each
/// position of a match as many steps as the listed runs that could start
/// there; a run of 24,000 `-` (each position a start of it) took 4 s to
/// render, 15 runs of 32,000 `/` 97 s (docs/performance.md). Each piece is long enough
/// (over [`LONG_WORD`]) not to match inside ordinary words, and the
/// template allows a break after each, so the run still breaks.
pub const RUN_PIECE: usize = 48;

/// `run` in pieces of [`RUN_PIECE`] grapheme clusters, the last with the
/// rest (a run shorter than twice that is one piece).
fn run_pieces(run: &str) -> Vec<&str> {
    use unicode_segmentation::UnicodeSegmentation;
    let clusters: Vec<usize> = run.grapheme_indices(true).map(|(i, _)| i).collect();
    // Whole pieces only: a shorter rest joins the last of them.
    let whole = (clusters.len() / RUN_PIECE).max(1);
    (0..whole)
        .map(|k| {
            let from = clusters[k * RUN_PIECE];
            let to = clusters.get((k + 1) * RUN_PIECE).filter(|_| k + 1 < whole);
            &run[from..to.copied().unwrap_or(run.len())]
        })
        .collect()
}

/// [`TextFlags`] of every string in `v`.
pub fn text_flags(v: &Value) -> TextFlags {
    fn visit<'a>(
        v: &'a Value,
        emoji_field: bool,
        flags: &mut TextFlags,
        runs: &mut std::collections::BTreeSet<&'a str>,
        seen: &mut std::collections::HashSet<&'a str>,
    ) {
        match v {
            Value::String(s) => {
                flags.simple_text = flags.simple_text && is_simple_str(s);
                // A text's `markdown` and `plain` are mostly the same string:
                // segmented once (480 KB of Thai took 1 s more to segment
                // three times).
                if seen.insert(s) {
                    runs.extend(long_runs(s));
                }
                let other = !s.is_ascii();
                flags.rtl = flags.rtl || (other && s.chars().any(is_rtl_letter));
                flags.emoji_sequences =
                    flags.emoji_sequences || (other && !emoji_field && has_emoji_sequence_marks(s));
                flags.symbol_sequences = flags.symbol_sequences || has_symbol_sequence(s);
            }
            Value::Array(items) => items
                .iter()
                .for_each(|v| visit(v, emoji_field, flags, runs, seen)),
            Value::Object(map) => map
                .iter()
                .for_each(|(k, v)| visit(v, emoji_field || k == "emoji", flags, runs, seen)),
            _ => {}
        }
    }
    let mut flags = TextFlags {
        simple_text: true,
        long_words: false,
        long_runs: None,
        rtl: false,
        emoji_sequences: false,
        symbol_sequences: false,
    };
    let mut runs = std::collections::BTreeSet::new();
    let mut seen = std::collections::HashSet::new();
    visit(v, false, &mut flags, &mut runs, &mut seen);
    flags.long_words = !runs.is_empty();
    if flags.long_words {
        // Only what the rule by character class would not find whole: in a
        // document of thousands of long tokens (letters and digits), the
        // list was too long to hand over, and the punctuation runs it held
        // ran off the page again.
        // Listed in pieces (see `run_pieces`), each piece once.
        let pieces: std::collections::BTreeSet<&str> = runs
            .into_iter()
            // (A run of wide characters may be long with fewer than
            // LONG_WORD of them, which the class rule needs.)
            .filter(|r| !r.chars().all(is_unbreakable) || r.chars().nth(LONG_WORD - 1).is_none())
            .flat_map(run_pieces)
            .collect();
        let mut pieces: Vec<&str> = pieces.into_iter().collect();
        // Longest first: of two pieces where one starts the other, the
        // regex's leftmost-first alternation must try the longer.
        pieces.sort_by_key(|r| std::cmp::Reverse(r.len()));
        let mut pattern = String::new();
        // The characters of the pieces past the budget: a class rule of
        // them finds those runs too (they ran off the page), if more
        // coarsely. Not a breaking space: prose would match.
        let mut left_out = std::collections::BTreeSet::new();
        for piece in pieces {
            let piece_pattern = regex::escape(piece);
            if pattern.len() + 1 + piece_pattern.len() > MAX_RUNS_PATTERN {
                left_out.extend(
                    piece
                        .chars()
                        .filter(|&c| !c.is_whitespace() || is_no_break_space(c)),
                );
                continue;
            }
            if !pattern.is_empty() {
                pattern.push('|');
            }
            pattern.push_str(&piece_pattern);
        }
        if !left_out.is_empty() {
            let class: String = left_out
                .iter()
                .map(|c| regex::escape(c.encode_utf8(&mut [0; 4])))
                .collect();
            pattern.push_str(&format!("|[{class}]{{{LONG_WORD},}}"));
        }
        flags.long_runs = (!pattern.is_empty()).then_some(pattern);
    }
    flags
}

/// The title as a running header prints it: one too wide for the room the
/// company name leaves on the header's line is cut to fit, and gets `…`,
/// so the header keeps to one line and never grows up over the page's top
/// edge. Widths are estimated per character (in em, on the wide side): 88
/// of `W` or of an emoji are twice as wide as 88 letters of a sentence,
/// and wrapped the header, as did a long company name. Made here, not in
/// the template, so that a long run in the cut title is among the data's
/// strings, and found (it ran off pages 2+, in no list).
pub fn running_title(title: &str, company: &str) -> String {
    use unicode_segmentation::UnicodeSegmentation;
    // The header's line on A4 (the narrower paper): 476pt at 7.8pt; the
    // name is semibold (some 8% wider), and 3em keep them apart. The
    // title keeps at least 20em whatever the name (which is cut so that
    // the two still fit: `running_name`).
    let name: f32 = running_name(company)
        .graphemes(true)
        .map(em_width)
        .sum::<f32>()
        * SEMIBOLD;
    cut_to_width(title, (HEADER_LINE - name - 3.0).clamp(20.0, 50.5))
}

/// The header's line, in em of its 7.8pt text (A4).
const HEADER_LINE: f32 = 61.0;
/// How much wider the header's semibold company name is than the estimate.
const SEMIBOLD: f32 = 1.08;

/// The company name as a running header prints it: one wider than 44em
/// by the estimate (some 78 letters of a sentence) is cut to fit, and gets
/// `…`; it wrapped the header, its last word under the name. (The
/// estimate runs wide: an 85-letter name, 47.6em by it, still fitted
/// beside a title of 17.5em; 44em leaves room for a cut title's 20em.
/// It runs low for wide capitals, 70 `W`: the built-in template measures
/// the header and shrinks it to fit.)
pub fn running_name(name: &str) -> String {
    cut_to_width(name, 44.0)
}

/// `text` cut, with `…`, to at most `room` em (estimated per character).
fn cut_to_width(text: &str, room: f32) -> String {
    use unicode_segmentation::UnicodeSegmentation;
    let total: f32 = text.graphemes(true).map(em_width).sum();
    if total <= room {
        return text.to_string();
    }
    let mut cut = String::new();
    let mut width = em_width("…");
    for g in text.graphemes(true) {
        width += em_width(g);
        if width > room {
            break;
        }
        cut.push_str(g);
    }
    // Not after a space: `Holding …`.
    let kept = cut.trim_end().len();
    cut.truncate(kept);
    cut.push('…');
    cut
}

/// A grapheme's width in the header's font, estimated in em (Inter's
/// advances, rounded up; wide East Asian characters and emoji as wide as
/// the emoji font draws them).
fn em_width(g: &str) -> f32 {
    let Some(c) = g.chars().next() else {
        return 0.0;
    };
    if unicode_width::UnicodeWidthStr::width(g) >= 2 {
        return 1.25;
    }
    match c {
        'W' | 'M' | '@' | '%' | '&' | '—' => 1.0,
        'm' | 'w' | 'O' | 'Q' | 'G' | 'D' | 'H' | 'N' | 'U' | 'C' => 0.85,
        'I' => 0.3,
        'A'..='Z' => 0.72,
        ' ' => 0.28,
        'i' | 'j' | 'l' | '.' | ',' | ':' | ';' | '\'' | '!' | '|' => 0.3,
        _ if c.is_ascii() => 0.6,
        _ => 0.8,
    }
}

/// The website as the letterhead prints it: without `https://`.
pub fn website_shown(url: &str) -> &str {
    url.strip_prefix("https://")
        .or_else(|| url.strip_prefix("http://"))
        .unwrap_or(url)
}

/// The fewest characters of a run that the built-in template lets break
/// anywhere (its `long_words` rule).
pub const LONG_WORD: usize = 36;

/// Whether a line may break only around `c`, never inside a run of such
/// characters, judged by the character alone: the class of the built-in
/// template's rule by character class (its `unbroken` regex), which finds
/// the long runs made of such characters. Not such characters: white space
/// (Unicode `White_Space`, the regex `\s`) other than the no-break spaces
/// U+00A0, U+2007 and U+202F; `/`, `|`, `!`, `?`, `}`, `-`, U+2010, U+2012,
/// U+2013, the em dash, the ellipsis, the hyphenation point, the Hebrew
/// maqaf, the Devanagari danda, the Tibetan tsheg, the zero-width space
/// and the soft hyphen; and the scripts whose lines break between
/// characters or at dictionary word boundaries (Han, Hiragana, Katakana,
/// Hangul, Thai, Lao, Khmer, Myanmar). A run of [`long_runs`] that holds
/// any of those is not found by that rule, and is listed in `long_runs`.
pub fn is_unbreakable(c: char) -> bool {
    use unicode_script::{Script, UnicodeScript};
    if c.is_ascii() {
        return !(c.is_whitespace() || matches!(c, '/' | '-' | '|' | '!' | '?' | '}'));
    }
    if is_no_break_space(c) {
        return true;
    }
    // The dashes, the ellipsis, the hyphenation point, the Hebrew maqaf,
    // the Devanagari danda and the Tibetan syllable mark, which a line may
    // break after (the class rule chopped `Grow—O|perate` and Tibetan
    // syllables, which Typst breaks at these).
    !(c.is_whitespace()
        || matches!(
            c,
            '\u{2010}'
                | '\u{2012}'
                | '\u{2013}'
                | '\u{2014}'
                | '\u{2026}'
                | '\u{2027}'
                | '\u{05be}'
                | '\u{0964}'
                | '\u{0f0b}'
                | '\u{200b}'
                | '\u{ad}'
        )
        || matches!(
            c.script(),
            Script::Han
                | Script::Hiragana
                | Script::Katakana
                | Script::Hangul
                | Script::Thai
                | Script::Lao
                | Script::Khmer
                | Script::Myanmar
        ))
}

/// Letters of the right-to-left scripts: a document with any of them gets
/// `document.rtl`, which makes the template break long runs with
/// zero-width spaces rather than boxes.
pub fn is_rtl_letter(c: char) -> bool {
    use unicode_script::{Script, UnicodeScript};
    matches!(
        c.script(),
        Script::Hebrew
            | Script::Arabic
            | Script::Syriac
            | Script::Thaana
            | Script::Nko
            | Script::Samaritan
            | Script::Mandaic
            | Script::Adlam
            | Script::Hanifi_Rohingya
    )
}

/// The runs of `s` of [`LONG_WORD`] or more characters that no line may
/// break inside, as Typst's default segmenter finds line breaks (Unicode's
/// line breaking algorithm, UAX #14, the same ICU4X segmenter; Typst uses
/// another for Chinese and Japanese text, and adds breaks of its own
/// after `://` in web addresses, so a run there may be listed that Typst
/// would break anyway, which costs only the rule): a pasted token,
/// words joined by no-break spaces, and what a rule by character class
/// misses, `1000-1001-…` (no break between a hyphen or `/` and a digit)
/// or `? ? ? …` (none before `?`, `!` or a closing bracket, nor after an
/// opening one, even at a space). Each run is as the text has it, without
/// the white space a line may break after. Every rich text's `plain`
/// rendition is among the data's strings, so runs that span several
/// emphasis or link spans are seen too. The built-in template applies its
/// costly regex show rule (~7% of layout) only when some string
/// has one.
pub fn long_runs(s: &str) -> Vec<&str> {
    // (A run's length is counted in [`width_weight`]s.)
    if !may_have_long_run(s) {
        return Vec::new();
    }
    segment_runs(s)
}

/// How many letters' width a character takes, roughly: arrows, number
/// forms and the Arabic ligatures are drawn two to seven em wide (U+1F852
/// 2.7 em, U+FDFD 7.2 em), so a short run of them counts as a long run of
/// letters (20 arrows, or 6 U+FDFD in a title, ran off the page).
pub fn width_weight(c: char) -> usize {
    match c as u32 {
        0xFDF0..=0xFDFF => 8,
        // The other Arabic ligatures and the number signs: 2 to 2.5 em.
        0xFB50..=0xFDCF | 0x0600..=0x0605 => 3,
        0x2150..=0x21FF | 0x27F0..=0x27FF | 0x2900..=0x297F | 0x2B00..=0x2BFF => 3,
        0x1F800..=0x1F8FF => 3,
        _ => 1,
    }
}

/// Whether `run` is [`LONG_WORD`] letters wide or more, by [`width_weight`].
fn is_long(run: &str) -> bool {
    let mut n = 0;
    run.chars().any(|c| {
        n += width_weight(c);
        n >= LONG_WORD
    })
}

/// [`long_runs`] without the quick test.
fn segment_runs(s: &str) -> Vec<&str> {
    use icu_segmenter::options::LineBreakOptions;
    use icu_segmenter::{LineSegmenter, LineSegmenterBorrowed};
    use std::sync::LazyLock;
    static SEGMENTER: LazyLock<LineSegmenterBorrowed<'static>> =
        LazyLock::new(|| LineSegmenter::new_lstm(LineBreakOptions::default()));
    let mut runs = Vec::new();
    let mut last = 0;
    for point in SEGMENTER.segment_str(s) {
        let run =
            s[last..point].trim_end_matches(|c: char| c.is_whitespace() && !is_no_break_space(c));
        if is_long(run) {
            runs.push(run);
        }
        last = point;
    }
    runs
}

/// False when `s` certainly has no run of [`LONG_WORD`] characters that a
/// line may not break inside: it is shorter, or it breaks more often than
/// that at spaces where UAX #14 always allows a break (spaces between an
/// ASCII letter, digit or closing mark `.,;:!?)]}%` and an ASCII letter or
/// digit). Ordinary text is all such spaces, so the segmenter (1.5% of a
/// role's instructions when it read every string) runs on few strings.
fn may_have_long_run(s: &str) -> bool {
    // Fewer bytes than LONG_WORD is fewer characters (nearly every
    // string), unless some are wide ones.
    if s.len() < LONG_WORD && (s.is_ascii() || s.chars().all(|c| width_weight(c) == 1)) {
        return false;
    }
    let bytes = s.as_bytes();
    let (mut chars, mut before) = (0, 0u8);
    let mut i = 0;
    while i < bytes.len() {
        let b = bytes[i];
        if b == b' ' {
            let mut j = i;
            while j < bytes.len() && bytes[j] == b' ' {
                j += 1;
            }
            let after = bytes.get(j).copied().unwrap_or(0);
            if after.is_ascii_alphanumeric()
                && (before.is_ascii_alphanumeric() || b".,;:!?)]}%".contains(&before))
            {
                chars = 0;
                before = 0;
                i = j;
                continue;
            }
            chars += j - i;
            i = j;
            continue;
        }
        // One per character: UTF-8 continuation bytes are 0b10xx_xxxx;
        // a character of three or four bytes may be a wide one.
        if b & 0xC0 != 0x80 {
            chars += if b >= 0xE2 {
                s[i..].chars().next().map_or(1, width_weight)
            } else {
                1
            };
            if chars >= LONG_WORD {
                return true;
            }
        }
        before = b;
        i += 1;
    }
    false
}

/// Whether `s` holds what Inter's contextual alternates (`calt`) draw as
/// another symbol: `->` as →, `=>` as ⇒, `!=` as ≠, `<3` as a heart, `|>`
/// as a triangle, `3x4` as 3×4 (found by rendering candidates with and
/// without `calt`; `<=` and digit-x-digit with spaces between are taken
/// too). The built-in template then turns `calt` off for the document, so
/// that it prints what the role file says; elsewhere `calt` only places
/// hyphens and colons between capitals and digits.
pub fn has_symbol_sequence(s: &str) -> bool {
    // The font's substitutions look through invisible characters (a zero-
    // width space or soft hyphen pasted into `->` still printed →): so
    // does this test.
    if !s.is_ascii() && s.chars().any(crate::chars::is_default_ignorable) {
        let seen: String = s
            .chars()
            .filter(|&c| !crate::chars::is_default_ignorable(c))
            .collect();
        return symbol_sequence_in(&seen);
    }
    symbol_sequence_in(s)
}

/// [`has_symbol_sequence`] of text without invisible characters.
fn symbol_sequence_in(s: &str) -> bool {
    const PAIRS: [&str; 8] = ["->", "<-", "=>", "<=", "!=", "<3", "|>", "<|"];
    if PAIRS.iter().any(|p| s.contains(p)) {
        return true;
    }
    // A digit, `x`, a digit, with a few spaces around the `x` (no-break and
    // thin ones too: `3\u{a0}x\u{a0}4` printed as 3 × 4).
    if !s.contains('x') {
        return false;
    }
    fn digit_near(chars: impl Iterator<Item = char>) -> bool {
        chars
            .take(4)
            .find(|c| !c.is_whitespace())
            .is_some_and(|c| c.is_ascii_digit())
    }
    s.char_indices().any(|(i, c)| {
        c == 'x' && digit_near(s[..i].chars().rev()) && digit_near(s[i + 1..].chars())
    })
}

/// How many bytes of text a list item's line holds at least: 42 W's, the
/// widest letter of the shipped fonts (per byte), fill one at 10pt; 14 CJK
/// characters (3 bytes each) fill less.
const LINE_BYTES: usize = 42;

/// The lines `plain` takes at most in a line of `cap` bytes, without
/// laying it out: its words put into lines first fit, as Typst breaks
/// lines (so a word just over half a line takes a line of its own; one
/// longer than a line breaks anywhere), and a line per line break. `None`
/// when it holds a character wider than a W per byte (the template's
/// `wide-chars`: arrows, Arabic ligatures, up to 7 em). The built-in
/// template keeps a list or hiring process whole on a page when its items
/// take at most 24 such lines; counting them there, in a loop over the
/// words, cost 4 % of a role's render.
pub fn most_lines(plain: &str, cap: usize) -> Option<usize> {
    // The template's `wide-chars` are those `width_weight` counts wider.
    if plain.chars().any(|c| width_weight(c) > 1) {
        return None;
    }
    let cap = cap.max(1);
    let mut n = 0;
    // (A CRLF counts two: more lines, never fewer.)
    for para in plain.split(crate::chars::LINE_BREAKS) {
        let (mut lines, mut used) = (1, 0);
        for w in para.split(' ').filter(|w| !w.is_empty()) {
            let l = w.len();
            if used > 0 && used + 1 + l <= cap {
                used += 1 + l;
                continue;
            }
            if used > 0 {
                lines += 1;
            }
            lines += (l - 1) / cap;
            used = l - (l - 1) / cap * cap;
        }
        n += lines;
    }
    Some(n)
}

/// Whether `text` holds `part` as whole words, case aside: not inside a
/// word of a script that spaces its words ("Security Lead" does not hold
/// "IT"); in one that does not (Chinese, Japanese, Thai…), anywhere
/// ("高级营销经理" holds "营销"). Spaces and punctuation between words
/// are one space ("Product Manager – Marketing" holds "Product Manager -
/// Marketing"). For the PDF subject, which names the family only when the
/// title does not (done here: the same test in the template, with its
/// Unicode-class regexes compiled for every document, cost 3 % of a
/// role's render).
pub fn holds_words(text: &str, part: &str) -> bool {
    use unicode_script::{Script, UnicodeScript};
    let words = |s: &str| -> Vec<char> {
        let mut out: Vec<char> = Vec::new();
        for c in s.chars().flat_map(char::to_lowercase) {
            let word = c.is_alphanumeric() || unicode_normalization::char::is_combining_mark(c);
            match (word, out.last()) {
                (true, _) => out.push(c),
                (false, Some(' ')) | (false, None) => {}
                (false, _) => out.push(' '),
            }
        }
        while out.last() == Some(&' ') {
            out.pop();
        }
        out
    };
    let (t, p) = (words(text), words(part));
    // A letter or digit of a script that spaces its words continues a word.
    let continues = |c: Option<&char>| {
        c.is_some_and(|&c| {
            c != ' '
                && !matches!(
                    c.script(),
                    Script::Han
                        | Script::Hiragana
                        | Script::Katakana
                        | Script::Thai
                        | Script::Lao
                        | Script::Myanmar
                        | Script::Khmer
                        | Script::Tibetan
                )
        })
    };
    !p.is_empty()
        && t.windows(p.len()).enumerate().any(|(i, w)| {
            w == p.as_slice()
                && !(continues(i.checked_sub(1).and_then(|j| t.get(j))) && continues(p.first()))
                && !(continues(t.get(i + p.len())) && continues(p.last()))
        })
}

/// Whether `s` has a character that only an emoji sequence needs: the
/// emoji presentation selector U+FE0F, the keycap U+20E3, the joiner
/// U+200D or a skin tone. In text such sequences print wrong from the body
/// font first, which has some of their parts (a black ❤ for `❤️`, only the
/// arrow of `🙂‍↔️`): the built-in template then draws them from the emoji
/// font first.
pub fn has_emoji_sequence_marks(s: &str) -> bool {
    s.chars().any(|c| {
        matches!(
            c,
            '\u{fe0f}' | '\u{20e3}' | '\u{200d}' | '\u{1f3fb}'..='\u{1f3ff}'
        )
    })
}

/// The no-break spaces, which join rather than separate words.
fn is_no_break_space(c: char) -> bool {
    matches!(c, '\u{a0}' | '\u{2007}' | '\u{202f}')
}

/// Whether every character in `s` is one that no font's glyph composition
/// feature (`ccmp`) acts on: letters, punctuation and symbols of Latin,
/// Greek and Cyrillic text and single-codepoint emoji (with or without the
/// emoji presentation selector U+FE0F), with no combining marks, joiners,
/// flags (regional indicators), skin tones, other variation selectors or
/// other scripts. The built-in template turns `ccmp` off when all of the
/// data's text is like this, where it changes nothing on the page but
/// costs about a fifth of the layout time (docs/performance.md). Anything
/// else keeps it: emoji sequences (🇩🇪, 👍🏽, 👩‍💻) and combining marks need it.
pub fn is_simple_str(s: &str) -> bool {
    // ASCII (nearly all text) is simple; a byte scan is ~10x cheaper than
    // decoding every char, and this runs over every role's whole data.
    s.is_ascii() || s.chars().all(is_simple_char)
}

fn is_simple_char(c: char) -> bool {
    let u = c as u32;
    // Below U+0300 (Basic Latin, Latin-1, Latin Extended, IPA) nothing
    // composes: the first combining marks start there.
    if u < 0x300 {
        return true;
    }
    // The emoji presentation selector is a mark, but emoji followed by it
    // (⏱️, 👁️) render the same with ccmp off: checked on 50 of them.
    if u == 0xFE0F {
        return true;
    }
    let simple_block = matches!(u,
        0x0000..=0x052F      // Latin, IPA, Greek, Cyrillic
        | 0x1E00..=0x1FFF    // Latin Extended Additional, Greek Extended
        | 0x2000..=0x2BFF    // punctuation, symbols, arrows, dingbats
        | 0x1F000..=0x1FAFF  // emoji
    );
    simple_block
        && !unicode_normalization::char::is_combining_mark(c)
        && !matches!(u,
            0x200C | 0x200D         // zero-width (non-)joiner
            | 0x1F1E6..=0x1F1FF     // regional indicators: flags
            | 0x1F3FB..=0x1F3FF     // skin-tone modifiers
        )
}

/// Date used when neither `effective_date` nor `SOURCE_DATE_EPOCH` is set:
/// a constant, so output stays reproducible (the ZIP format's epoch).
pub const FALLBACK_DATE: &str = "1980-01-01";

/// The documents' date: the company's `effective_date`, else
/// `SOURCE_DATE_EPOCH`'s day, else `FALLBACK_DATE`. Never the clock: the
/// same inputs must give the same bytes. A date written in the data wins
/// over the environment: the reproducible-builds convention has
/// `SOURCE_DATE_EPOCH` stand in for "now", and with it first a CI job
/// that set it printed its commit's day on every PDF, while the exports'
/// `effective_date` column said the company's date. (An invalid
/// `SOURCE_DATE_EPOCH` is an error either way: it also dates the exports.)
/// With it, whether the date was given (not the fallback).
pub fn document_dating(company: &Company) -> Result<(String, bool), crate::diag::Diagnostic> {
    let dated = company.effective_date.is_some() || source_date_epoch()?.is_some();
    Ok((document_date(company)?, dated))
}

fn document_date(company: &Company) -> Result<String, crate::diag::Diagnostic> {
    let epoch = source_date_epoch()?;
    if let Some(date) = &company.effective_date {
        return Ok(date.clone());
    }
    Ok(match epoch {
        Some(secs) => {
            let (y, m, d) = civil_from_days(secs.div_euclid(86_400));
            format!("{y:04}-{m:02}-{d:02}")
        }
        None => FALLBACK_DATE.to_string(),
    })
}

/// 9999-12-31T23:59:59Z.
const MAX_EPOCH: i64 = 253_402_300_799;

/// `SOURCE_DATE_EPOCH` (reproducible-builds convention) in Unix seconds,
/// if set. The one place that reads it: documents and exports agree.
pub fn source_date_epoch() -> Result<Option<i64>, crate::diag::Diagnostic> {
    match std::env::var("SOURCE_DATE_EPOCH") {
        Err(_) => Ok(None),
        // Set but empty counts as unset, as for JDGEN_ROLES: what a CI or
        // Kubernetes template leaves for a variable it had no value for.
        Ok(raw) if raw.trim().is_empty() => Ok(None),
        // Digits only: `+5` is no way to write seconds (Rust's parser
        // takes it). Spaces around them are what a shell may leave.
        Ok(raw) => match Some(raw.trim())
            .filter(|t| t.bytes().all(|b| b.is_ascii_digit()))
            .map(str::parse::<i64>)
        {
            // Dates before 1970 or after 9999 cannot be printed as YYYY-MM-DD.
            Some(Ok(secs)) if (0..=MAX_EPOCH).contains(&secs) => Ok(Some(secs)),
            _ => Err(crate::diag::Diagnostic::error(format!(
                "SOURCE_DATE_EPOCH must be a whole number of seconds from 0 (1970-01-01) to {MAX_EPOCH} (9999-12-31), found `{raw}`"
            ))
            .help("set it to the seconds since 1970-01-01 UTC (`date +%s`), or unset it")),
        },
    }
}

/// `YYYY-MM-DDTHH:MM:SSZ` for Unix seconds.
pub fn iso_utc(unix: i64) -> String {
    let (y, m, d) = civil_from_days(unix.div_euclid(86_400));
    let s = unix.rem_euclid(86_400);
    format!(
        "{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}Z",
        s / 3600,
        s / 60 % 60,
        s % 60
    )
}

/// Days since 1970-01-01 to (year, month, day), proleptic Gregorian
/// (Howard Hinnant's algorithm).
pub fn civil_from_days(z: i64) -> (i64, u32, u32) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let y = yoe + era * 400;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    (if m <= 2 { y + 1 } else { y }, m, d)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn most_lines_lays_words_first_fit() {
        assert_eq!(most_lines("", 42), Some(1));
        assert_eq!(most_lines("short words fit on one line", 42), Some(1));
        // Seven 24-letter words: a line each, not the 4 of their bytes.
        let w = "W".repeat(24);
        assert_eq!(most_lines(&[w.as_str(); 7].join(" "), 42), Some(7));
        // A word longer than a line breaks anywhere; line breaks count.
        assert_eq!(most_lines(&"x".repeat(100), 42), Some(3));
        assert_eq!(most_lines("a\nb\n\nc", 42), Some(4));
        assert_eq!(most_lines("a \u{FDFD} b", 42), None);
    }

    #[test]
    fn a_title_holds_a_family_as_whole_words() {
        for (title, family, holds) in [
            (
                "Product Manager - Marketing (Intermediate)",
                "Product Manager - Marketing",
                true,
            ),
            (
                "Product Manager \u{2013} Marketing, Senior",
                "Product Manager - Marketing",
                true,
            ),
            (
                "Senior Social Marketing Manager",
                "Social Marketing Manager",
                true,
            ),
            ("Marketing Associate", "marketing associate", true),
            ("Security Lead", "IT", false),
            ("Marketing Associate", "Market", false),
            ("Marketingleiter", "Marketing", false),
            (
                "Manager, Marketing Operations",
                "Marketing Operations Manager",
                false,
            ),
            ("高级营销经理", "营销", true),
            ("C++ Engineer", "C++", true),
            ("Lead, R&D (EU)", "R&D (EU)", true),
            ("Sales\u{301} Lead", "Sales", false),
            ("Anything", "", false),
        ] {
            assert_eq!(holds_words(title, family), holds, "{title} / {family}");
        }
    }

    #[test]
    fn civil_dates() {
        assert_eq!(civil_from_days(0), (1970, 1, 1));
        assert_eq!(civil_from_days(19_723), (2024, 1, 1));
        assert_eq!(civil_from_days(11_016), (2000, 2, 29));
        assert_eq!(iso_utc(86_400 + 3_661), "1970-01-02T01:01:01Z");
    }

    #[test]
    fn long_words_are_runs_of_36_characters_no_line_may_break_inside() {
        let long = |s: &str| text_flags(&json!({"a": [{"b": s}], "n": 3})).long_words;
        let run = "x".repeat(LONG_WORD);
        assert!(long(&run));
        assert!(long(&format!("see {run}!")));
        assert!(
            long(&"é".repeat(LONG_WORD)),
            "counted in characters, not bytes"
        );
        assert!(!long(&"x".repeat(LONG_WORD - 1)));
        assert!(!long(&format!("{} {}", &run[1..], &run[1..])));
        assert!(
            !long(&format!("{}/{}", &run[2..], &run[2..])),
            "paths break after /"
        );
        assert!(!long(&format!("{} {}", &run[..20], &run[..20])));
        for nbsp in ['\u{a0}', '\u{2007}', '\u{202f}'] {
            assert!(
                long(&format!("{}{nbsp}{}", &run[..20], &run[..20])),
                "a no-break space gives no line break: {nbsp:?}"
            );
        }
        assert!(!long("https://about.gitlab.com/handbook/marketing/"));
        // Lines break after hyphens and dashes, and inside CJK and Thai
        // text by themselves: no rule needed.
        assert!(!long(&["compound"; 8].join("-")));
        assert!(!long(&["compound"; 8].join("\u{2013}")));
        assert!(!long(&["compound"; 8].join("\u{200b}")));
        assert!(!long(&["compound"; 8].join("\u{ad}")));
        assert!(!long(&"漢字かなカナ한글".repeat(8)));
        assert!(!long(&"พัฒนาประสิทธิภาพและกระบวนการทำงาน".repeat(3)));
        // ...but Latin, Cyrillic or Hebrew letters do not.
        assert!(long(&"й".repeat(LONG_WORD)));
        assert!(long(&"א".repeat(LONG_WORD)));
        // Nor a hyphen or `/` before a digit, nor a space before `?`, `!`
        // or a closing bracket, after an opening one, or between dashes:
        // a rule by character class saw short runs here, and the text ran
        // off the page.
        let numbers: Vec<String> = (1000..1024).map(|n| n.to_string()).collect();
        assert!(long(&format!("Reconcile {}", numbers.join("-"))));
        assert!(long(&format!("Cost centres {}", numbers.join("/"))));
        for spaced in ["? ", "! ", ") ", "( ", "\u{2014} "] {
            assert!(long(&spaced.repeat(30)), "{spaced:?}");
        }
    }

    #[test]
    fn the_quick_test_never_misses_a_long_run() {
        // Every string the segmenter finds a long run in passes the quick
        // test; ordinary text does not, so it skips the segmenter.
        let numbers: Vec<String> = (1000..1024).map(|n| n.to_string()).collect();
        let long = [
            "x".repeat(LONG_WORD),
            format!("see {}!", "x".repeat(LONG_WORD)),
            numbers.join("-"),
            format!("a {}", numbers.join("/")),
            "? ".repeat(30),
            "( a ".repeat(12),
            "\u{2014} ".repeat(30),
            "\u{201c} a ".repeat(12),
            format!("word{}word", "\u{a0}word".repeat(8)),
            "é ".repeat(30),
        ];
        for s in &long {
            if !segment_runs(s).is_empty() {
                assert!(may_have_long_run(s), "{s:?}");
            }
        }
        // All but three: a space before an opening bracket or quote
        // allows a break, and so does one between `é`s, which the quick
        // test, ASCII only, does not know.
        let found = long.iter().filter(|s| !long_runs(s).is_empty()).count();
        assert_eq!(found, long.len() - 3);
        // And on strings of the characters that matter, at random (a
        // fixed-seed generator: the same strings every run).
        let alphabet: Vec<char> = "aZ09 .,;:!?()[]{}%-/\u{2014}\u{201c}\"'é\u{a0}#@&*+=_"
            .chars()
            .collect();
        let mut seed = 0x2545_f491_4f6c_dd1d_u64;
        let mut next = || {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            seed
        };
        let mut found = 0;
        for _ in 0..3000 {
            let len = 36 + (next() % 80) as usize;
            let s: String = (0..len)
                .map(|_| {
                    // Mostly letters and spaces, as text is.
                    match next() % 20 {
                        0..=9 => 'a',
                        10 => ' ',
                        _ => alphabet[(next() % alphabet.len() as u64) as usize],
                    }
                })
                .collect();
            if !segment_runs(&s).is_empty() {
                found += 1;
                assert!(may_have_long_run(&s), "{s:?}");
            }
        }
        assert!(found > 100, "{found} strings with long runs: a weak test");
        let ordinary = "Manage the social media calendar (with the team), report on \
            results: 12% growth; then plan the next quarter! Review it again.";
        assert!(!may_have_long_run(ordinary));
        assert!(long_runs(ordinary).is_empty());
    }

    #[test]
    fn long_runs_are_listed_as_a_pattern_that_matches_each() {
        // The pattern and the rule by character class the template appends
        // to it, as Typst's regex sees them.
        let class = format!("{}{{36,}}", template_class());
        let numbers: Vec<String> = (1000..1024).map(|n| n.to_string()).collect();
        let dashed = numbers.join("-");
        let spaced = "? ".repeat(20);
        let spaced = spaced.trim_end();
        let letters = format!("{}.x", "a".repeat(LONG_WORD));
        let text = format!("Reconcile {dashed} and {letters}; ask {spaced} and a{letters}");
        let flags = text_flags(&json!({"a": [text.clone()]}));
        let pattern = flags.long_runs.expect("a pattern");
        // Only the runs the class rule would not find whole are listed.
        assert!(pattern.contains("1000\\-1001"), "{pattern}");
        assert!(!pattern.contains("aaaa"), "{pattern}");
        let re = regex::Regex::new(&format!("{pattern}|{class}")).unwrap();
        let found: Vec<&str> = re.find_iter(&text).map(|m| m.as_str()).collect();
        // The run is what no line may break inside: `;` stays with it.
        let with_semicolon = format!("{letters};");
        // (No break before `?`, even after a space: `ask` is in its run.)
        let asked = format!("ask {spaced}");
        // The dashed run, 119 characters, in two pieces (see `run_pieces`).
        let (first, rest) = dashed.split_at(RUN_PIECE);
        assert_eq!(
            found,
            [first, rest, &with_semicolon, &asked, &format!("a{letters}")]
        );
        // A listed run that starts inside another text's longer run (the
        // quote and space of `“ W…`, in `x“ W…`) leaves the rest to the
        // class rule: it ran off the page when only the list was tried.
        let flags = text_flags(&json!({"a": [
            format!("a \u{201c} {} end", "W".repeat(36)),
            format!("x\u{201c} {} end", "W".repeat(100)),
        ]}));
        let re = regex::Regex::new(&format!("{}|{class}", flags.long_runs.unwrap())).unwrap();
        let second = format!("x\u{201c} {} end", "W".repeat(100));
        let covered: usize = re.find_iter(&second).map(|m| m.as_str().len()).sum();
        assert!(covered >= 100, "{covered} bytes of 100 W's matched");
        assert!(
            text_flags(&json!({"a": ["short words only"]}))
                .long_runs
                .is_none()
        );
        // Thousands of long tokens of letters and digits: none listed (the
        // class rule finds them), and the runs it misses still are.
        let mut many: Vec<String> = (0..3000).map(|i| format!("{i:0>40}")).collect();
        many.push(dashed.clone());
        let flags = text_flags(&json!({"a": many}));
        assert!(flags.long_words);
        assert_eq!(
            flags.long_runs.as_deref(),
            Some(format!("{}|{}", regex::escape(rest), regex::escape(first)).as_str())
        );
        // Past the limit, as many as fit are listed, and the rest are found
        // by a class of their characters (they ran off the page).
        let punctuated: Vec<String> = (0..3000).map(|i| format!("{i:0>20}-{i:0>20}")).collect();
        let flags = text_flags(&json!({"a": punctuated}));
        let pattern = flags.long_runs.unwrap();
        let (listed, class) = pattern.rsplit_once('|').unwrap();
        assert!(listed.len() <= MAX_RUNS_PATTERN && listed.len() > MAX_RUNS_PATTERN - 100);
        assert_eq!(class, "[\\-0123456789]{36,}");
        let re = regex::Regex::new(&pattern).unwrap();
        assert!(re.is_match(&format!("{:0>20}-{:0>20}", 2999, 2999)));
    }

    #[test]
    fn a_short_run_of_wide_characters_is_long() {
        // 6 × U+FDFD (7.2em each) and 20 arrows are wider than 36 letters.
        assert_eq!(long_runs(&"\u{FDFD}".repeat(6)), ["\u{FDFD}".repeat(6)]);
        assert_eq!(long_runs(&"\u{1F852}".repeat(20)).len(), 1);
        assert!(long_runs(&"\u{FDFD}".repeat(4)).is_empty());
        // The other Arabic ligatures, 2 to 2.5 em each.
        assert_eq!(long_runs(&"\u{FDC6}".repeat(12)).len(), 1);
        assert!(long_runs(&"W".repeat(35)).is_empty());
        // Listed, though the class rule (36 characters) would not find it.
        let flags = text_flags(&json!({"a": ["x ".to_string() + &"\u{FDFD}".repeat(6)]}));
        assert_eq!(
            flags.long_runs.as_deref(),
            Some("\u{FDFD}".repeat(6).as_str())
        );
    }

    #[test]
    fn a_run_is_listed_in_pieces_of_48_clusters_the_last_with_the_rest() {
        let pieces = |n: usize| -> Vec<usize> {
            let run = "-".repeat(n);
            run_pieces(&run).iter().map(|p| p.len()).collect()
        };
        assert_eq!(pieces(36), [36]);
        assert_eq!(pieces(95), [95]);
        assert_eq!(pieces(96), [48, 48]);
        assert_eq!(pieces(24_000), vec![48; 500]);
        assert_eq!(pieces(200), [48, 48, 48, 56]);
        // A cluster is never cut: 100 flags of two code points each.
        let flags = "\u{1F1E9}\u{1F1EA}".repeat(100);
        let pieces = run_pieces(&flags);
        assert_eq!(pieces.len(), 2);
        assert_eq!(pieces[0], "\u{1F1E9}\u{1F1EA}".repeat(48));
        // A run of one repeated character is one pattern piece, however long.
        let flags = text_flags(&json!({"a": ["x ".to_string() + &"-".repeat(24_000)]}));
        assert_eq!(flags.long_runs.as_deref(), Some("\\-".repeat(48).as_str()));
    }

    /// The character class of the built-in template's `unbroken` rule.
    fn template_class() -> String {
        let template = include_str!("../templates/job-description.typ");
        let line = template
            .lines()
            .find(|l| l.starts_with("#let unbroken-class = "))
            .expect("the template's class");
        line.trim_start_matches("#let unbroken-class = ")
            .trim_matches('"')
            .replace("\\\\", "\\")
    }

    #[test]
    fn a_long_run_across_styles_gets_a_break_where_it_crosses() {
        let w = "W".repeat(30);
        // The texts, with `|` for a break.
        let texts = |md: &str| -> Vec<String> {
            fn leaves(spans: &[Span], out: &mut Vec<String>) {
                for s in spans {
                    match s {
                        Span::Text { text } => out.push(text.clone()),
                        Span::Break => out.push("|".into()),
                        Span::Emph { body } | Span::Strong { body } | Span::Link { body, .. } => {
                            leaves(body, out)
                        }
                    }
                }
            }
            let mut out = Vec::new();
            leaves(&RichText::new(md, "https://x.test").spans, &mut out);
            out
        };
        assert_eq!(
            texts(&format!("Intro {w}*{w}* end")),
            [format!("Intro {w}"), "|".into(), w.clone(), " end".into()]
        );
        assert_eq!(
            texts(&format!("Intro [{w}](/x){w} end")),
            [
                "Intro ".to_string(),
                w.clone(),
                "|".into(),
                format!("{w} end")
            ]
        );
        // Only inside a long run: short ones and ones split by a space get
        // none. Nothing is added to the text: `plain` (the exports' form)
        // and the spans' texts read as written.
        assert_eq!(texts("a *b* c"), ["a ", "b", " c"]);
        assert_eq!(texts(&format!("{w} *{w}*")), [format!("{w} "), w.clone()]);
        assert_eq!(
            texts("Write to **recruiting.marketing.operations**@example.com today."),
            [
                "Write to ",
                "recruiting.marketing.operations",
                "|",
                "@example.com today."
            ]
        );
        let rich = RichText::new(&format!("Intro {w}*{w}* end"), "https://x.test");
        assert_eq!(rich.plain, format!("Intro {w}{w} end"));
        assert_eq!(
            markdown::spans_text(&rich.spans),
            format!("Intro {w}{w} end")
        );
    }

    #[test]
    fn the_template_class_is_is_unbreakable() {
        let class = regex::Regex::new(&format!("^{}$", template_class())).unwrap();
        let mut chars: Vec<char> = (0u32..0x3000).filter_map(char::from_u32).collect();
        chars.extend("漢かカ한ไทยລາວខ្មែរမြန်မာ\u{feff}\u{2060}🤝".chars());
        for c in chars {
            assert_eq!(
                class.is_match(&c.to_string()),
                is_unbreakable(c),
                "U+{:04X}",
                c as u32
            );
        }
    }

    #[test]
    fn documents_with_right_to_left_text_are_flagged() {
        let rtl = |s: &str| text_flags(&json!({"a": [s]})).rtl;
        assert!(rtl("Contact: יש לשלוח"));
        assert!(rtl("السيرة الذاتية"));
        assert!(!rtl("Café, Ελληνικά, Русский, 漢字, ไทย"));
    }

    #[test]
    fn a_running_title_is_cut_by_its_width_not_its_length() {
        let short = "Senior Manager, Social Marketing";
        assert_eq!(running_title(short, "GitLab"), short);
        let sentence = "Senior Marketing Operations Manager, ".repeat(4);
        let cut = running_title(&sentence, "GitLab");
        let kept = cut.trim_end_matches('…').chars().count();
        assert!(
            cut.ends_with('…') && (70..=90).contains(&kept),
            "{kept}: {cut}"
        );
        // 150 `W` wrapped the header when cut at 88 characters.
        let wide = running_title(&"W".repeat(150), "GitLab");
        assert!(wide.ends_with('…') && wide.len() <= 50 + 3, "{wide}");
        let emoji = running_title(&"👨‍👩‍👧‍👦".repeat(150), "GitLab");
        assert!(emoji.ends_with('…') && emoji.chars().filter(|&c| c == '👦').count() <= 40);
        // A longer company name leaves less room.
        let long_name = "Acme International Holdings Corporation Ltd.";
        let cut = running_title(&sentence, long_name);
        assert!(cut.chars().count() < 60, "{cut}");
        // A name too long to leave the title 20em is cut itself (a name of
        // 90 letters wrapped the header), and the title keeps its room.
        let giz = "Deutsche Gesellschaft für Internationale Zusammenarbeit (GIZ) GmbH";
        assert_eq!(running_name(giz), giz);
        let longer = format!("{giz} Holding Services International");
        let name = running_name(&longer);
        assert!(
            name.starts_with(giz) && name.ends_with('…') && !name.ends_with(" …"),
            "{name}"
        );
        let title = running_title(&sentence, &longer);
        let kept = title.trim_end_matches('…').chars().count();
        assert!((30..=40).contains(&kept), "{kept}: {title}");
        assert_eq!(running_name("GitLab"), "GitLab");
    }

    #[test]
    fn symbol_sequences_are_what_inter_would_draw_as_another_symbol() {
        for yes in [
            "a -> b",
            "a != b",
            "3x4",
            "3 x 4",
            "3\u{a0}x\u{2009}4",
            "0x1F",
            "<3",
            // Through invisible characters, as the font's lookups see them.
            "a -\u{200b}> b",
            "a -\u{ad}> b",
            "3\u{2060}x\u{2060}4",
            "a =\u{2060}> b",
            "a <\u{2060}- b",
        ] {
            assert!(has_symbol_sequence(yes), "{yes}");
        }
        for no in [
            "Q3 2026-11-01 12:30 A-B (R)",
            "x 10",
            "box",
            "2x",
            "a--b",
            "3    x 4",
        ] {
            assert!(!has_symbol_sequence(no), "{no}");
        }
    }

    #[test]
    fn simple_text_is_only_text_that_needs_no_glyph_composition() {
        let simple = |s: &str| text_flags(&json!({"a": [{"b": s}], "n": 3})).simple_text;
        for s in [
            "Senior Engineer, grade 7 — “quoted” · 50% → done",
            "Café déjà vu, Ελληνικά, Русский",
            "Values: 🤝 🙌 💡 🌐 👣 👁\u{fe0f} ⏱\u{fe0f}",
        ] {
            assert!(simple(s), "{s}");
        }
        for s in [
            "Cafe\u{301}",  // combining acute
            "👍🏽",           // skin tone
            "🇩🇪",           // flag
            "👩\u{200d}💻", // ZWJ sequence
            "❤\u{fe0e}",    // text presentation selector
            "مرحبا",        // Arabic
            "नमस्ते",         // Devanagari
            "中文",         // CJK
        ] {
            assert!(!simple(s), "{s:?}");
        }
    }
}
