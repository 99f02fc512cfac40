//! PDF rendering: the shipped roles' text is all in their PDFs, hostile role
//! text prints literally, output is reproducible, and template problems
//! (syntax errors, files outside the template folder, packages, missing
//! glyphs) come back as diagnostics with file:line:col, through the library
//! and through the real binary.
//!
//! Text is extracted with `pdftotext` and page sizes read with `pdfinfo`
//! (poppler-utils, which CI installs).

use std::collections::BTreeMap;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command as StdCommand;
use std::sync::OnceLock;

use assert_cmd::Command;
use jdgen::data::DocumentOptions;
use jdgen::diag::Diagnostic;
use jdgen::load::{self, Company, Library};
use jdgen::markdown;
use jdgen::render::{RenderOptions, Rendered, Renderer};
use jdgen::resolve::{self, ResolvedRole};

mod common;

const DATE: &str = "2026-11-01";
const A4: (f64, f64) = (595.276, 841.89);
const LETTER: (f64, f64) = (612.0, 792.0);

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

fn fixture(name: &str) -> PathBuf {
    root().join("tests/fixtures/pdf").join(name)
}

fn library(dir: &Path) -> Library {
    let lib = load::load(dir).unwrap_or_else(|d| panic!("{}", jdgen::diag::render(&d)));
    lib.ensure_valid()
        .unwrap_or_else(|d| panic!("{}", jdgen::diag::render(&d)));
    lib
}

fn shipped() -> &'static (Library, Vec<ResolvedRole>) {
    static LIB: OnceLock<(Library, Vec<ResolvedRole>)> = OnceLock::new();
    LIB.get_or_init(|| {
        let lib = library(&root().join("roles"));
        let roles = resolve::resolve_all(&lib).unwrap();
        (lib, roles)
    })
}

fn role<'a>(roles: &'a [ResolvedRole], id: &str) -> &'a ResolvedRole {
    roles.iter().find(|r| r.id == id).unwrap()
}

fn doc() -> DocumentOptions {
    DocumentOptions {
        date: DATE.into(),
        dated: true,
        paper: "a4".into(),
        signature: false,
    }
}

fn default_renderer() -> &'static Renderer {
    static R: OnceLock<Renderer> = OnceLock::new();
    R.get_or_init(|| Renderer::new(&RenderOptions::default()).unwrap())
}

fn render_ok(
    r: &Renderer,
    company: &Company,
    role: &ResolvedRole,
    doc: &DocumentOptions,
) -> Rendered {
    r.render(company, role, doc)
        .unwrap_or_else(|d| panic!("{} failed:\n{}", role.id, jdgen::diag::render(&d)))
}

/// The built-in template with the system's DejaVu fonts, which have Hebrew
/// and Arabic (the shipped fonts do not).
fn dejavu_renderer() -> &'static Renderer {
    static R: OnceLock<Renderer> = OnceLock::new();
    R.get_or_init(|| {
        let dejavu = Path::new("/usr/share/fonts/truetype/dejavu");
        assert!(
            dejavu.join("DejaVuSans.ttf").exists(),
            "this test needs DejaVu fonts: apt-get install fonts-dejavu-core (.ci/run does)"
        );
        Renderer::new(&RenderOptions {
            font_paths: vec![dejavu.to_path_buf()],
            ..RenderOptions::default()
        })
        .unwrap()
    })
}

fn with_template(path: &Path) -> Result<Renderer, jdgen::Error> {
    Renderer::new(&RenderOptions {
        template: Some(path.to_path_buf()),
        ..RenderOptions::default()
    })
}

fn render_errors(r: &Renderer, company: &Company, role: &ResolvedRole) -> Vec<Diagnostic> {
    match r.render(company, role, &doc()) {
        Ok(_) => panic!("{} rendered, but an error was expected", role.id),
        Err(d) => d,
    }
}

/// The PDF of `role_id` from a folder holding the minimal fixture's company
/// and one family file, `yaml`.
fn render_family(yaml: &str, role_id: &str) -> Vec<u8> {
    render_family_whole(yaml, role_id).pdf
}

/// [`render_family`], with the render's warnings.
fn render_family_whole(yaml: &str, role_id: &str) -> Rendered {
    let dir = tempfile::tempdir().unwrap();
    fs::copy(
        root().join("tests/fixtures/minimal/company.yaml"),
        dir.path().join("company.yaml"),
    )
    .unwrap();
    fs::write(dir.path().join("family.yaml"), yaml).unwrap();
    let lib = library(dir.path());
    let roles = resolve::resolve_all(&lib).unwrap();
    render_ok(
        default_renderer(),
        &lib.company,
        role(&roles, role_id),
        &doc(),
    )
}

/// A company whose documents are in Hebrew, laid out right to left.
const HEBREW_COMPANY: &str = "name: חברה\nwebsite: https://example.com\nlanguage: he\n";

/// Renders role `role_id` of a folder holding `company` (company.yaml)
/// and `family` (one family file) with `r`.
fn render_files(
    r: &Renderer,
    company: &str,
    family: &str,
    role_id: &str,
    doc: &DocumentOptions,
) -> Vec<u8> {
    render_files_out(r, company, family, role_id, doc).pdf
}

/// [`render_files`], with the render's warnings.
fn render_files_out(
    r: &Renderer,
    company: &str,
    family: &str,
    role_id: &str,
    doc: &DocumentOptions,
) -> Rendered {
    let dir = tempfile::tempdir().unwrap();
    fs::write(dir.path().join("company.yaml"), company).unwrap();
    fs::write(dir.path().join("f.yaml"), family).unwrap();
    let lib = library(dir.path());
    let roles = resolve::resolve_all(&lib).unwrap();
    render_ok(r, &lib.company, role(&roles, role_id), doc)
}

/// Panics unless every needle is in `text`, in this order.
fn assert_in_order(text: &str, needles: &[&str]) {
    let at: Vec<usize> = needles
        .iter()
        .map(|n| {
            text.find(n)
                .unwrap_or_else(|| panic!("{n:?} missing: {text}"))
        })
        .collect();
    assert!(
        at.windows(2).all(|w| w[0] < w[1]),
        "{needles:?} at {at:?}: {text}"
    );
}

// ------------------------------------------------------------ poppler --

fn poppler(tool: &str, args: &[&str], pdf: &[u8]) -> String {
    String::from_utf8(poppler_bytes(tool, args, pdf)).unwrap()
}

fn poppler_bytes(tool: &str, args: &[&str], pdf: &[u8]) -> Vec<u8> {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("doc.pdf");
    fs::write(&file, pdf).unwrap();
    let out = StdCommand::new(tool)
        .args(args)
        .arg(&file)
        .args(if tool == "pdftotext" {
            &["-"][..]
        } else {
            &[][..]
        })
        .output()
        .unwrap_or_else(|e| panic!("cannot run {tool} (install poppler-utils): {e}"));
    assert!(
        out.status.success(),
        "{tool} failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    out.stdout
}

/// The body text of an A4 PDF: header and footer (the page margins) are
/// cropped away, so an item split over a page break reads as one.
fn body_text(pdf: &[u8]) -> String {
    poppler(
        "pdftotext",
        &["-x", "0", "-y", "60", "-W", "700", "-H", "714"],
        pdf,
    )
}

fn all_text(pdf: &[u8]) -> String {
    poppler("pdftotext", &[], pdf)
}

/// Every page's size in points.
fn page_sizes(pdf: &[u8]) -> Vec<(f64, f64)> {
    let info = poppler("pdfinfo", &["-f", "1", "-l", "9999"], pdf);
    let sizes: Vec<(f64, f64)> = info
        .lines()
        .filter(|l| l.starts_with("Page") && l.contains(" size: "))
        .map(|l| {
            let dims = l.split(" size: ").nth(1).unwrap();
            let mut it = dims.split_whitespace();
            let w: f64 = it.next().unwrap().parse().unwrap();
            assert_eq!(it.next(), Some("x"));
            let h: f64 = it.next().unwrap().parse().unwrap();
            (w, h)
        })
        .collect();
    assert!(!sizes.is_empty(), "no pages in:\n{info}");
    sizes
}

fn info(pdf: &[u8]) -> BTreeMap<String, String> {
    poppler("pdfinfo", &[], pdf)
        .lines()
        .filter_map(|l| l.split_once(':'))
        .map(|(k, v)| (k.trim().to_string(), v.trim().to_string()))
        .collect()
}

fn assert_pages(pdf: &[u8], size: (f64, f64)) {
    for (i, (w, h)) in page_sizes(pdf).into_iter().enumerate() {
        assert!(
            (w - size.0).abs() < 0.5 && (h - size.1).abs() < 0.5,
            "page {} is {w} x {h}, expected {size:?}",
            i + 1
        );
    }
}

/// Whitespace collapsed; direction marks and zero-width characters (which
/// extraction may add around RTL text) dropped.
fn normalize(s: &str) -> String {
    s.chars()
        .filter(|c| !matches!(c, '\u{200B}'..='\u{200F}' | '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}'))
        .collect::<String>()
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
}

fn squeeze(s: &str) -> String {
    s.split_whitespace().collect()
}

/// What a Markdown field looks like on the page: markup gone, link labels
/// kept, URLs not printed.
fn printed(md: &str, company: &Company) -> String {
    normalize(&markdown::spans_text(&markdown::parse(
        md,
        &company.website,
    )))
}

// --------------------------------------------------------------- tests --

#[test]
fn every_shipped_role_prints_its_title_grade_and_every_item() {
    let (lib, roles) = shipped();
    assert_eq!(roles.len(), 14);
    let r = default_renderer();
    for role in roles {
        let out = render_ok(r, &lib.company, role, &doc());
        assert!(
            out.warnings.is_empty(),
            "{}: {}",
            role.id,
            jdgen::diag::render(&out.warnings)
        );
        assert!(out.pdf.starts_with(b"%PDF-"));
        assert_pages(&out.pdf, A4);
        let text = normalize(&body_text(&out.pdf));
        assert!(
            text.contains(&normalize(&role.title)),
            "{}: title missing",
            role.id
        );
        if let Some(grade) = role.grade {
            assert!(text.contains("JOB GRADE"), "{}: no grade label", role.id);
            assert!(
                text.contains(&format!(" {grade} ")),
                "{}: grade {grade} missing",
                role.id
            );
        }
        for list in [&role.responsibilities, &role.requirements] {
            // Compared without whitespace: a line may break after `/`.
            let squeezed = squeeze(&text);
            for item in &list.items {
                let want = printed(&item.text, &lib.company);
                assert!(
                    squeezed.contains(&squeeze(&want)),
                    "{}: missing item “{want}”\n--- text:\n{text}",
                    role.id
                );
            }
        }
        // Footer on every page: role id, data version, date, page count.
        let full = all_text(&out.pdf);
        let pages = page_sizes(&out.pdf).len();
        for p in 1..=pages {
            assert!(
                full.contains(&format!("Page {p} of {pages}")),
                "{}: no page {p} footer",
                role.id
            );
        }
        let data = jdgen::data::template_data(&lib.company, role, &doc());
        let version = data["document"]["data_version"].as_str().unwrap();
        assert_eq!(
            normalize(&full)
                .matches(&format!("{} · Data version {version} · {DATE}", role.id))
                .count(),
            pages,
            "{}: footer not on every page",
            role.id
        );
    }
}

#[test]
fn an_undated_document_prints_no_date() {
    // Without `effective_date` or SOURCE_DATE_EPOCH the date is the
    // placeholder 1980-01-01: printed in every footer, it dated an offer
    // letter 1980.
    let (lib, roles) = shipped();
    let role = roles.iter().find(|r| r.id == "senior-social").unwrap();
    let undated = DocumentOptions {
        date: "1980-01-01".into(),
        dated: false,
        ..doc()
    };
    let out = render_ok(default_renderer(), &lib.company, role, &undated);
    let text = normalize(&all_text(&out.pdf));
    assert!(!text.contains("1980"), "{text}");
    let version =
        jdgen::data::template_data(&lib.company, role, &undated)["document"]["data_version"]
            .as_str()
            .unwrap()
            .to_owned();
    assert!(
        text.contains(&format!("senior-social · Data version {version} Page 1 of")),
        "{text}"
    );
}

#[test]
fn a_levels_own_list_heading_heads_its_own_part() {
    // associate-social's requirements say `heading: Role Requirements`; on
    // the seed page that heads the level's list, under the family-wide
    // "Requirements", and so it does in the PDF.
    let (lib, roles) = shipped();
    let out = render_ok(
        default_renderer(),
        &lib.company,
        role(roles, "associate-social"),
        &doc(),
    );
    let text = body_text(&out.pdf);
    let lines: Vec<&str> = text.lines().map(str::trim).collect();
    // Each line after the one before it.
    let mut from = 0;
    for line in [
        "Requirements",
        "Across the Social Marketing Manager family",
        "Role Requirements",
        "• Minimum of 1 year of overall professional experience",
    ] {
        from += lines[from..]
            .iter()
            .position(|l| *l == line)
            .unwrap_or_else(|| panic!("no line {line:?} after line {from}: {text}"));
    }
    // The responsibilities, which have no heading of their own, keep
    // "At the Associate level"; the requirements do not print it as well.
    let requirements = lines.iter().position(|l| *l == "Requirements").unwrap();
    assert!(lines[..requirements].contains(&"At the Associate level"));
    assert!(
        !lines[requirements..].contains(&"At the Associate level"),
        "{text}"
    );
}

#[test]
fn family_content_is_printed() {
    let (lib, roles) = shipped();
    let out = render_ok(
        default_renderer(),
        &lib.company,
        role(roles, "senior-social"),
        &doc(),
    );
    let text = normalize(&body_text(&out.pdf));
    for needle in [
        "Requirements for Social Media roles at GitLab", // summary
        "Across the Social Marketing Manager family",    // shared responsibilities
        "Design and execute our global social strategies",
        "At the Senior level",
        "From Social Marketing Manager · grade 6", // inherited, marked
        "From Social Marketing Associate · grade 5",
        "The \"Social\" in Social Media", // free sections
        "🤝",                             // values with emoji
        "Collaboration",
        "Career ladder",
        "Senior Social Marketing Manager THIS ROLE 7",
        "Hiring process",
        "1. Qualified candidates will be invited",
        "a. Our Head of Social Media", // nested sub-step
        "Additional details about our process",
    ] {
        assert!(
            text.contains(needle),
            "missing “{needle}”\n--- text:\n{text}"
        );
    }
    // In the seed's order: the section marked `place: before_lists` before
    // the responsibilities, the values after the requirements.
    let at = |needle: &str| text.find(needle).unwrap_or_else(|| panic!("no {needle}"));
    assert!(at("Social Marketing Jobs at GitLab") < at("Responsibilities"));
    assert!(at("Our perspective on the practice") < at("Responsibilities"));
    assert!(at("Requirements Across") < at("Collaboration"));
    // Performance indicators and links come from another family.
    let out = render_ok(
        default_renderer(),
        &lib.company,
        role(roles, "senior-pm-marketing"),
        &doc(),
    );
    let text = normalize(&body_text(&out.pdf));
    assert!(text.contains("Performance indicators"));
    assert!(
        text.contains("Reports to Director, Digital Experience")
            || text.contains("Director, Digital Experience")
    );
    let out = render_ok(
        default_renderer(),
        &lib.company,
        role(roles, "staff-mops"),
        &doc(),
    );
    let text = normalize(&body_text(&out.pdf));
    assert!(
        text.contains("Relevant links • Marketing Handbook"),
        "{text}"
    );
    // The seed's own heading.
    assert!(text.contains("Justification The business need"), "{text}");
    assert!(
        text.contains("MARKETING TECHNOLOGY"),
        "groups are sub-headings: {text}"
    );
}

#[test]
fn links_are_clickable() {
    let (lib, roles) = shipped();
    let out = render_ok(
        default_renderer(),
        &lib.company,
        role(roles, "senior-social"),
        &doc(),
    );
    let raw = String::from_utf8_lossy(&out.pdf);
    // Link annotations with their targets (the handbook values page and the
    // job-grade page from company.yaml).
    assert!(
        raw.contains("/Subtype /Link") || raw.contains("/Link"),
        "no link annotations"
    );
    assert!(
        raw.contains("https://about.gitlab.com/handbook/values/"),
        "values link missing"
    );
    assert!(raw.contains("#gitlab-job-grades"), "grades link missing");
}

#[test]
fn metadata_is_set_and_output_is_reproducible() {
    let (lib, roles) = shipped();
    let role = role(roles, "senior-social");
    let a = render_ok(default_renderer(), &lib.company, role, &doc()).pdf;
    let b = render_ok(default_renderer(), &lib.company, role, &doc()).pdf;
    assert!(a == b, "two renders differ");
    // A second renderer (fonts and template loaded again) gives the same bytes.
    let other = Renderer::new(&RenderOptions::default()).unwrap();
    assert!(
        render_ok(&other, &lib.company, role, &doc()).pdf == a,
        "renderers differ"
    );
    assert_eq!(other.fingerprint(), default_renderer().fingerprint());

    let meta = info(&a);
    assert_eq!(meta["Title"], "Senior Social Marketing Manager");
    assert_eq!(meta["Author"], "GitLab");
    // The family is named only when the title does not say it already
    // (titled as the family, or holding its name).
    assert_eq!(
        meta["Subject"],
        "Job description: Senior Social Marketing Manager, grade 7"
    );
    let subject = |id: &str| {
        let r = roles.iter().find(|r| r.id == id).unwrap();
        info(&render_ok(default_renderer(), &lib.company, r, &doc()).pdf)["Subject"].clone()
    };
    assert_eq!(
        subject("associate-marketing-ops"),
        "Job description: Marketing Operations Associate"
    );
    assert_eq!(
        subject("intermediate-pm-marketing"),
        "Job description: Product Manager - Marketing (Intermediate), grade 8"
    );
    assert_eq!(
        subject("manager-mops"),
        "Job description: Manager, Marketing Operations (Marketing Operations Manager), grade 8"
    );
    // Word for word: "Security Lead" holds the letters of "IT", not the word.
    let it = render_family(
        "family: it\ntitle: IT\nlevels:\n  - id: it-lead\n    level: Lead\n    title: Security Lead\n",
        "it-lead",
    );
    assert_eq!(info(&it)["Subject"], "Job description: Security Lead (IT)");
    // In a script that does not space its words, anywhere in the title.
    let zh = render_family(
        "family: yx\ntitle: 营销\nlevels:\n  - id: yx-a\n    level: 高级\n    title: 高级营销经理\n",
        "yx-a",
    );
    assert_eq!(info(&zh)["Subject"], "Job description: 高级营销经理");
    // Spaces and punctuation between the words do not count.
    let dash = render_family(
        "family: pm\ntitle: Product Manager - Marketing\nlevels:\n  - id: pm-a\n    level: Senior\n    title: Product Manager \u{2013} Marketing, Senior\n",
        "pm-a",
    );
    assert_eq!(
        info(&dash)["Subject"],
        "Job description: Product Manager \u{2013} Marketing, Senior"
    );
    // A family title or company name with commas stays one keyword (the
    // PDF joins them with ", ": "Sales", "Marketing" and "and
    // Partnerships" read as three).
    let commas = render_family(
        "family: sales\ntitle: Sales, Marketing, and Partnerships\nlevels:\n  - id: sales-a\n    level: Senior\n    title: Partner Lead\n",
        "sales-a",
    );
    let keywords = info(&commas)["Keywords"].clone();
    assert!(
        keywords.contains(", Sales Marketing and Partnerships, Senior, "),
        "{keywords}"
    );
    assert!(
        meta["Keywords"].contains("Social Marketing Manager"),
        "{meta:?}"
    );
    assert_eq!(meta["Creator"], "jdgen");
    assert_eq!(meta["Tagged"], "yes");
    assert!(meta["CreationDate"].contains("2026"), "{meta:?}");
    assert!(
        !a.windows(5).any(|w| w == b"Typst"),
        "the PDF names Typst (and so its version)"
    );
    // The document date, not the clock.
    let mut later = doc();
    later.date = "2027-03-04".into();
    let c = render_ok(default_renderer(), &lib.company, role, &later).pdf;
    assert!(info(&c)["CreationDate"].contains("2027"));
    assert!(all_text(&c).contains("2027-03-04"));
}

#[test]
fn parallel_renders_match_sequential_ones() {
    let (lib, roles) = shipped();
    let r = default_renderer();
    let sequential: Vec<Vec<u8>> = roles
        .iter()
        .map(|role| render_ok(r, &lib.company, role, &doc()).pdf)
        .collect();
    let parallel: Vec<Vec<u8>> = std::thread::scope(|s| {
        let handles: Vec<_> = roles
            .iter()
            .map(|role| {
                std::thread::Builder::new()
                    .stack_size(16 << 20)
                    .spawn_scoped(s, move || render_ok(r, &lib.company, role, &doc()).pdf)
                    .unwrap()
            })
            .collect();
        handles.into_iter().map(|h| h.join().unwrap()).collect()
    });
    for ((role, a), b) in roles.iter().zip(&sequential).zip(&parallel) {
        assert!(a == b, "{}: parallel render differs", role.id);
    }
}

#[test]
fn paper_and_signature_options() {
    let lib = library(&fixture("logo"));
    let roles = resolve::resolve_all(&lib).unwrap();
    let senior = role(&roles, "senior-widget-engineer");
    let r = default_renderer();
    let a4 = render_ok(r, &lib.company, senior, &doc());
    assert_pages(&a4.pdf, A4);
    assert!(!all_text(&a4.pdf).contains("Acknowledgement"));
    let letter = DocumentOptions {
        date: DATE.into(),
        dated: true,
        paper: "us-letter".into(),
        signature: true,
    };
    let out = render_ok(r, &lib.company, senior, &letter);
    assert_pages(&out.pdf, LETTER);
    let text = normalize(&all_text(&out.pdf));
    assert!(text.contains("Acknowledgement"), "{text}");
    assert!(text.contains("I have read this job description for the position of Senior Widget Engineer (grade 7) at Acme Widgets"), "{text}");
    // The letterhead has the configured logo, with its alt text.
    let raw = String::from_utf8_lossy(&out.pdf);
    assert!(raw.contains("Acme Widgets logo"), "no logo image");
    assert!(text.contains("Acme Widgets"));
    // Notes, description, own and inherited groups, values, ladder, steps.
    for needle in [
        // The note as written: no "Note:" label the file does not hold.
        "see the widget handbook. This level leads projects across teams. About the role",
        "About the role Senior widget engineers own the widget platform.",
        "At the Senior level All of the above, and: • Leads widget projects across teams OPERATIONS • Runs incident reviews",
        "From Widget Engineer · grade 6",
        "Speed Ship small, ship often.",
        "1. A screening call 2. Interviews with: a. The hiring manager b. Two widget engineers 3. An offer",
        "Relevant links • Widget handbook",
    ] {
        assert!(
            text.contains(needle),
            "missing “{needle}”\n--- text:\n{text}"
        );
    }
}

#[test]
fn hostile_text_prints_literally_and_leaves_the_page_alone() {
    let lib = library(&fixture("hostile"));
    let roles = resolve::resolve_all(&lib).unwrap();
    let hostile = role(&roles, "hostile-one");
    let out = render_ok(default_renderer(), &lib.company, hostile, &doc());
    assert_pages(&out.pdf, A4);
    assert_eq!(
        page_sizes(&out.pdf).len(),
        1,
        "#pagebreak() in data must not break pages"
    );
    let text = normalize(&body_text(&out.pdf));
    for needle in [
        "#set page(width: 1cm) Engineer $x$",
        "#set page(width: 1cm)",
        "$x$",
        "<l>",
        "@r",
        "[x]",
        "back\\slash",
        "// c",
        "/* c */",
        "#pagebreak() #pagebreak() #pagebreak()",
        // A tab is a space in the document (Typst prints it as nothing).
        "Salary Bonus Equity",
        "#{ panic(\"no\") }",
        "#import \"@preview/cetz:0.3.0\"",
        "#read(\"/etc/passwd\")",
        "Math $x$ and $ y $, markup a b <l> @r [x] \\ // c /* c */ ~ ` `raw` = h",
        "Hostile & Co #set page(width: 1cm)",
    ] {
        assert!(
            text.contains(needle),
            "missing “{needle}”\n--- text:\n{text}"
        );
    }
    // Markdown emphasis in the data is real emphasis, not markup text.
    for item in &hostile.responsibilities.items {
        let want = printed(&item.text, &lib.company);
        let squeezed = squeeze(&want);
        let text_squeezed = squeeze(&text);
        // The 300-character word wraps (so compare without whitespace);
        // CJK and Syriac have no glyph in the shipped fonts (see the glyph
        // test); Hebrew and Arabic do.
        if !want.chars().any(|c| {
            ('\u{3000}'..='\u{9FFF}').contains(&c) || ('\u{0700}'..='\u{074F}').contains(&c)
        }) {
            assert!(text_squeezed.contains(&squeezed), "missing item “{want}”");
        }
    }
    assert!(
        text.split_whitespace().all(|w| w.chars().count() < 150),
        "a 300-char word was not wrapped"
    );
    // The template breaks long words only when jdgen flags them.
    let data = jdgen::data::template_data(&lib.company, hostile, &doc());
    assert_eq!(data["document"]["long_words"], true);
}

#[test]
fn shipped_roles_take_the_templates_fast_paths() {
    // Neither `ccmp` nor the long-word rule is needed for the shipped roles'
    // text, so both are off (docs/templates.md); the fallbacks are covered
    // by the hostile and emoji-sequence tests.
    let (lib, roles) = shipped();
    for r in roles {
        let data = jdgen::data::template_data(&lib.company, r, &doc());
        assert_eq!(data["document"]["simple_text"], true, "{}", r.id);
        assert_eq!(data["document"]["long_words"], false, "{}", r.id);
        // Their values' emoji do not count: they are always drawn from the
        // emoji font.
        assert_eq!(data["document"]["emoji_sequences"], false, "{}", r.id);
        assert_eq!(
            data["document"]["long_runs"],
            serde_json::Value::Null,
            "{}",
            r.id
        );
    }
}

#[test]
fn rtl_text_renders_with_a_font_path() {
    let r = dejavu_renderer();
    assert_ne!(r.fingerprint(), default_renderer().fingerprint());
    let lib = library(&fixture("hostile"));
    let roles = resolve::resolve_all(&lib).unwrap();
    let out = render_ok(r, &lib.company, role(&roles, "hostile-one"), &doc());
    assert_pages(&out.pdf, A4);
    let text = normalize(&body_text(&out.pdf));
    assert!(text.contains("العربية نص"), "{text}");
    // Arabic is covered (by the shipped font, or DejaVu's); CJK and Syriac
    // still are not.
    let warnings = jdgen::diag::render(&out.warnings);
    assert!(!warnings.contains("U+0627"), "{warnings}");
    assert!(warnings.contains("U+4E2D"), "{warnings}");
}

#[test]
fn long_runs_break_in_reading_order_and_lose_nothing() {
    // Words joined by non-breaking spaces gave no line break and ran off
    // the page (the long-word rule counted U+00A0 as a space); a long
    // right-to-left word broken into boxes had its pieces laid out left to
    // right, so it read in the wrong order.
    let dir = tempfile::tempdir().unwrap();
    fs::copy(
        root().join("tests/fixtures/minimal/company.yaml"),
        dir.path().join("company.yaml"),
    )
    .unwrap();
    let hebrew = format!("{}{}{}", "א".repeat(12), "ב".repeat(12), "ג".repeat(12));
    let email = "recruiting.department.international@example.co.il";
    let items = [
        ["word"; 40].join("\\u00a0") + " END",
        ["narrow"; 30].join("\\u202f"),
        hebrew.clone(),
        format!("Before {hebrew} after"),
        format!("{} TAIL", "x".repeat(100)),
        // A long English address in Hebrew: the boxes of the long-word
        // rule, neutral to the bidi algorithm, printed its pieces reversed.
        format!("יש לשלוח קורות חיים לכתובת {email} עד סוף החודש"),
        // A phrase joined by no-break spaces that fits on a line breaks
        // between its words if at all, never inside one.
        "Le budget total\\u00a0sera\\u00a0de\\u00a012\\u00a0500\\u00a0000\\u00a0€\\u00a0HT\\u00a0par\\u00a0an\\u00a0(hors\\u00a0primes) pour toute l’équipe marketing du groupe.".to_string(),
    ];
    let list: String = items
        .iter()
        .map(|i| format!("        - \"{i}\"\n"))
        .collect();
    fs::write(
        dir.path().join("f.yaml"),
        format!(
            "family: fam\ntitle: T\nlevels:\n  - id: long-runs\n    level: A\n    title: Long runs\n    responsibilities:\n      items:\n{list}"
        ),
    )
    .unwrap();
    let lib = library(dir.path());
    let roles = resolve::resolve_all(&lib).unwrap();
    let dejavu = Path::new("/usr/share/fonts/truetype/dejavu");
    let r = Renderer::new(&RenderOptions {
        font_paths: vec![dejavu.to_path_buf()],
        ..RenderOptions::default()
    })
    .unwrap();
    let out = render_ok(&r, &lib.company, role(&roles, "long-runs"), &doc());
    let text = body_text(&out.pdf);
    // Without the zero-width spaces and the bidi marks pdftotext adds.
    let squeezed = squeeze(&normalize(&text));
    assert_eq!(text.matches("wor").count(), 40, "{text}");
    assert!(squeezed.contains(&"word".repeat(40)), "{text}");
    assert!(squeezed.contains("END"), "{text}");
    assert!(squeezed.contains(&"narrow".repeat(30)), "{text}");
    // Extracted in logical order: the first piece first.
    assert!(squeezed.contains(&hebrew), "{text}");
    assert!(squeezed.contains(&format!("Before{hebrew}after")), "{text}");
    assert!(
        squeezed.contains(&format!("{}TAIL", "x".repeat(100))),
        "{text}"
    );
    // Every line fits the page: nothing is cut at the right edge.
    assert!(text.lines().all(|l| l.chars().count() < 110), "{text}");
    assert!(squeezed.contains(email), "{text}");
    for word in ["primes)", "budget", "500", "000"] {
        assert!(
            text.split_whitespace().any(|w| normalize(w) == word),
            "`{word}` broken inside:\n{text}"
        );
    }
}

#[test]
fn the_logo_is_read_once_with_the_company_file() {
    // The build hashed the logo once per run while every PDF read the file
    // again: a logo replaced during a run went into PDFs recorded under the
    // old logo's key, and no later run (not even --verify) repaired them.
    let dir = tempfile::tempdir().unwrap();
    for e in fs::read_dir(fixture("logo")).unwrap().flatten() {
        fs::copy(e.path(), dir.path().join(e.file_name())).unwrap();
    }
    let lib = library(dir.path());
    let roles = resolve::resolve_all(&lib).unwrap();
    let first = render_ok(default_renderer(), &lib.company, &roles[0], &doc()).pdf;
    let logo = dir.path().join("logo.svg");
    let svg = fs::read_to_string(&logo).unwrap();
    fs::write(
        &logo,
        svg.replacen("fill=\"", "fill=\"#00aa00\" data-old-fill=\"", 1),
    )
    .unwrap();
    let again = render_ok(default_renderer(), &lib.company, &roles[0], &doc()).pdf;
    assert_eq!(first, again, "the render read the logo file again");
    // Loaded again, the new logo is used.
    let lib = library(dir.path());
    let roles = resolve::resolve_all(&lib).unwrap();
    let reloaded = render_ok(default_renderer(), &lib.company, &roles[0], &doc()).pdf;
    assert_ne!(first, reloaded);
}

#[test]
fn a_text_with_missing_glyphs_is_named_once() {
    // A window around each missing character listed a dozen growing pieces
    // of one Arabic sentence ("…لدينا…", "…لدينا،…", "…لدينا، …") and
    // crowded the other texts out of the list. (Arabic and Hebrew have
    // shipped fonts now: Syriac and Thaana, both right to left, do not.)
    let out = render_files_out(
        default_renderer(),
        "name: Acme\nwebsite: https://acme.example\n",
        "family: fam\ntitle: Fam\nlevels:\n  - id: fam-one\n    level: One\n    title: One\n    responsibilities:\n      items:\n        - \"Syriac: ܒܫܝܢܐ ܠܟܘܢ ܠܓܘܕܐ ܕܝܠܢ، ܚܢܢ ܒܥܝܢ ܠܡܕܒܪܢܐ\"\n        - \"Thaana: ދިވެހި ބަހުން ލިޔެވުނު ޖުމްލައެއް، އަޅުގަނޑުމެން ހޯދަނީ\"\n",
        "fam-one",
        &doc(),
    );
    let w = jdgen::diag::render(&out.warnings);
    let texts: Vec<&str> = w
        .split('“')
        .skip(1)
        .map(|t| t.split('”').next().unwrap())
        .collect();
    assert_eq!(texts.len(), 2, "{w}");
    assert!(
        texts[0].contains("ܒܫܝܢܐ") && texts[1].contains("ދިވެހި"),
        "{w}"
    );
}

#[test]
fn hebrew_arabic_and_devanagari_have_shipped_fonts() {
    // They printed as empty boxes unless a --font-path added a font, and the
    // template's right-to-left layout had nothing to show.
    let strict = Renderer::new(&RenderOptions {
        strict: true,
        ..RenderOptions::default()
    })
    .unwrap();
    let out = render_files_out(
        &strict,
        "name: Acme\nwebsite: https://acme.example\n",
        "family: fam\ntitle: Fam\nlevels:\n  - id: fam-one\n    level: One\n    title: \"מנהל שיווק\"\n    responsibilities:\n      items:\n        - \"**مدير** التسويق\"\n        - \"वरिष्ठ प्रबंधक\"\n",
        "fam-one",
        &doc(),
    );
    assert!(
        out.warnings.is_empty(),
        "{}",
        jdgen::diag::render(&out.warnings)
    );
    let fonts = poppler("pdffonts", &[], &out.pdf);
    for family in ["NotoSansHebrew", "NotoSansArabic", "NotoSansDevanagari"] {
        assert!(fonts.contains(family), "{family}: {fonts}");
    }
}

#[test]
fn missing_glyphs_warn_and_fail_under_strict() {
    let lib = library(&fixture("hostile"));
    let roles = resolve::resolve_all(&lib).unwrap();
    let hostile = role(&roles, "hostile-one");
    let out = render_ok(default_renderer(), &lib.company, hostile, &doc());
    assert_eq!(
        out.warnings.len(),
        1,
        "{}",
        jdgen::diag::render(&out.warnings)
    );
    let w = out.warnings[0].to_string();
    assert!(
        w.contains("warning: role `hostile-one`: 21 characters have no glyph in any font"),
        "{w}"
    );
    // In the order they are written (not drawn: a right-to-left run is
    // drawn from its last character), and at the first of them, as
    // `jdgen check` says it.
    assert!(
        w.contains("empty box: `ܠ` (U+0720), `ܫ` (U+072B), `ܢ` (U+0722), `ܐ` (U+0710), `ܣ`"),
        "{w}"
    );
    assert!(w.contains("hostile.yaml:29:12: warning:"), "{w}");
    assert!(
        w.contains("“ܠܫܢܐ ܣܘܪܝܝܐ ܘܡܠܐ ܒܣܘܪܝܝܐ”"),
        "names the text: {w}"
    );
    assert!(w.contains("中文文本和日本語"), "names the text: {w}");
    assert!(w.contains("hostile.yaml"), "names the role file: {w}");
    assert!(w.contains("--font-path"), "{w}");

    let strict = Renderer::new(&RenderOptions {
        strict: true,
        ..RenderOptions::default()
    })
    .unwrap();
    // Same PDFs, so the same key: a run that keeps a PDF judges --strict
    // from the glyphs its state recorded (tests/build.rs).
    assert_eq!(strict.fingerprint(), default_renderer().fingerprint());
    let errors = render_errors(&strict, &lib.company, hostile);
    assert!(
        errors
            .iter()
            .any(|d| d.is_error() && d.message.contains("U+0720")),
        "{errors:?}"
    );
    // The shipped roles, emoji included, have every glyph.
    let (lib, roles) = shipped();
    render_ok(&strict, &lib.company, role(roles, "senior-social"), &doc());
}

#[test]
fn pdf_standards() {
    let (lib, roles) = shipped();
    let role = role(roles, "senior-social");
    for standard in ["a-2b", "a-3b", "ua-1", "1.7", "a-2b,ua-1"] {
        let r = Renderer::new(&RenderOptions {
            pdf_standard: Some(standard.into()),
            ..RenderOptions::default()
        })
        .unwrap_or_else(|e| panic!("{standard}: {e}"));
        let out = render_ok(&r, &lib.company, role, &doc());
        assert_pages(&out.pdf, A4);
        if standard.starts_with("a-") {
            let raw = String::from_utf8_lossy(&out.pdf);
            assert!(
                raw.contains("pdfaid"),
                "{standard}: no PDF/A identification"
            );
            assert!(info(&out.pdf)["CreationDate"].contains("2026"));
        }
    }
    let err = Renderer::new(&RenderOptions {
        pdf_standard: Some("a-9".into()),
        ..RenderOptions::default()
    })
    .err()
    .unwrap()
    .to_string();
    assert!(err.contains("unknown PDF standard `a-9`"), "{err}");
    for valid in ["a-2b", "a-3b", "ua-1", "1.7"] {
        assert!(err.contains(valid), "{err}");
    }
}

#[test]
fn a_broken_template_gives_file_line_and_column() {
    // A syntax error is found before any document is rendered.
    let err = with_template(&fixture("templates/syntax-error.typ"))
        .err()
        .unwrap();
    let s = err.to_string();
    assert!(
        s.contains("syntax-error.typ:4:10: error: unclosed delimiter"),
        "{s}"
    );
    assert_eq!(err.exit_code(), 1);
    // An unclosed bracket early in the built-in template: the first error
    // and nine more, then a count (82 errors scrolled the first away).
    let dir = tempfile::tempdir().unwrap();
    let builtin = fs::read_to_string(root().join("templates/job-description.typ")).unwrap();
    let file = dir.path().join("job-description.typ");
    fs::write(&file, format!("#let broken = (1, 2\n{builtin}")).unwrap();
    let s = with_template(&file).err().unwrap().to_string();
    assert!(
        s.contains("job-description.typ:1:15: error: unclosed delimiter"),
        "{s}"
    );
    assert_eq!(s.matches("error:").count(), 11, "{s}");
    assert!(
        s.contains("more syntax errors in the template, not shown"),
        "{s}"
    );

    // A runtime error names the role, the template line and the call.
    let (lib, roles) = shipped();
    let r = with_template(&fixture("templates/runtime-error.typ")).unwrap();
    let d = render_errors(&r, &lib.company, role(roles, "senior-social"));
    let s = jdgen::diag::render(&d);
    assert!(
        s.contains("runtime-error.typ:4:23: error: role `senior-social`: dictionary does not contain key \"salary\""),
        "{s}"
    );
    assert!(s.contains("while calling `pay`"), "{s}");
    assert!(
        s.contains(" 4 | #let pay(role) = role.salary"),
        "shows the line: {s}"
    );
    // The same template with other line ends Typst counts: the line was
    // right, but no line was shown under it (jdgen counted only LF).
    let source = fs::read_to_string(fixture("templates/runtime-error.typ")).unwrap();
    for end in ["\r", "\r\n", "\u{2028}"] {
        let file = dir.path().join("runtime-error.typ");
        fs::write(&file, source.replace('\n', end)).unwrap();
        let r = with_template(&file).unwrap();
        let s = jdgen::diag::render(&render_errors(
            &r,
            &lib.company,
            role(roles, "senior-social"),
        ));
        assert!(s.contains("runtime-error.typ:4:23: error"), "{end:?}: {s}");
        assert!(
            s.contains(" 4 | #let pay(role) = role.salary\n"),
            "{end:?}: shows the line: {s}"
        );
    }
}

/// A template that shows nothing (empty, or only a page fill and a rule)
/// made a PDF of blank pages that passed as a job description.
#[test]
fn a_template_that_prints_nothing_fails_the_role() {
    let (lib, roles) = shipped();
    let dir = tempfile::tempdir().unwrap();
    for (name, body) in [
        ("empty.typ", ""),
        ("fill.typ", "#set page(fill: gray)\n"),
        ("spaces.typ", "#h(1cm) #v(2cm)\n#pagebreak()\n"),
    ] {
        let file = dir.path().join(name);
        fs::write(&file, body).unwrap();
        let r = with_template(&file).unwrap();
        let d = render_errors(&r, &lib.company, role(roles, "senior-social"));
        let s = jdgen::diag::render(&d);
        assert!(
            s.contains(&format!(
                "{name}: error: role `senior-social`: the template printed nothing: no page of the PDF holds text, an image or a drawing"
            )),
            "{s}"
        );
    }
    // One character is enough, also as a tiling's content, and so is a
    // drawing.
    for (name, body) in [
        ("dot.typ", "."),
        ("rect.typ", "#rect(width: 5cm, height: 5cm, fill: black)"),
        (
            "tiled.typ",
            "#rect(width: 4cm, height: 2cm, fill: tiling(size: (2cm, 1cm))[Title])",
        ),
    ] {
        let file = dir.path().join(name);
        fs::write(&file, body).unwrap();
        with_template(&file)
            .unwrap()
            .render(&lib.company, role(roles, "senior-social"), &doc())
            .unwrap();
    }
}

#[test]
fn templates_read_only_their_own_folder() {
    let (lib, roles) = shipped();
    let role = role(roles, "senior-social");
    let cases = [
        ("read-etc-passwd.typ", "file not found (searched at "),
        ("read-parent.typ", "would escape the project root"),
        (
            "import-package.typ",
            "cannot use packages such as @preview/cetz:0.3.0",
        ),
    ];
    for (file, want) in cases {
        let r = with_template(&fixture(&format!("templates/{file}"))).unwrap();
        let s = jdgen::diag::render(&render_errors(&r, &lib.company, role));
        assert!(s.contains(want), "{file}: {s}");
        // Typst's hint and jdgen's are a help line each.
        assert!(!s.contains("\\n"), "{file}: {s}");
        assert!(
            s.contains(&format!("{file}:2:")),
            "{file}: no location: {s}"
        );
    }
    // A file of the folder, the data and a helper module are fine.
    let r = with_template(&fixture("templates/reads-own-folder.typ")).unwrap();
    let out = render_ok(&r, &lib.company, role, &doc());
    let text = normalize(&all_text(&out.pdf));
    assert!(text.contains("helper says hello"), "{text}");
    assert!(
        text.contains("sample: sample text from the folder"),
        "{text}"
    );
    assert!(text.contains("role: senior-social"), "{text}");
    // A hidden file of the folder is there but not read: said so.
    let dir = tempfile::tempdir().unwrap();
    fs::write(dir.path().join(".secret"), "x").unwrap();
    fs::write(dir.path().join("main.typ"), "#read(\"/.secret\")\n").unwrap();
    let r = with_template(&dir.path().join("main.typ")).unwrap();
    let s = jdgen::diag::render(&render_errors(&r, &lib.company, role));
    assert!(
        s.contains("`/.secret` is in the template folder") && s.contains("do not start with `.`"),
        "{s}"
    );
}

#[test]
fn a_template_image_that_would_decode_to_gigabytes_is_refused_at_its_line() {
    // A 62-byte PNG declaring 100,000 × 100,000 pixels made Typst ask for
    // 40 GB: jdgen aborted with no diagnostic, and `build` lost the run.
    let dir = tempfile::tempdir().unwrap();
    let bomb = common::png_header(100_000, 100_000);
    fs::write(dir.path().join("b.png"), &bomb).unwrap();
    fn b64(bytes: &[u8]) -> String {
        const A: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
        let mut out = String::new();
        for c in bytes.chunks(3) {
            let n = c
                .iter()
                .enumerate()
                .fold(0u32, |n, (i, b)| n | u32::from(*b) << (16 - 8 * i));
            for i in 0..=c.len() {
                out.push(A[(n >> (18 - 6 * i) & 63) as usize] as char);
            }
            out.extend(std::iter::repeat_n('=', 3 - c.len()));
        }
        out
    }
    let svg = |href: &str| {
        format!(
            "<svg xmlns=\"http://www.w3.org/2000/svg\" xmlns:xlink=\"http://www.w3.org/1999/xlink\" width=\"10\" height=\"10\">\n<image xlink:href=\"{href}\" width=\"10\" height=\"10\"/>\n</svg>\n"
        )
    };
    let embedded = svg(&format!("data:image/png;base64,{}", b64(&bomb)));
    fs::write(dir.path().join("b.svg"), &embedded).unwrap();
    // The ways usvg also reads a data URL, each of which got past a first
    // version of the check and aborted the run.
    let percent: String = bomb.iter().map(|b| format!("%{b:02X}")).collect();
    for (name, href) in [
        (
            "nested.svg",
            format!("data:image/svg+xml;base64,{}", b64(embedded.as_bytes())),
        ),
        (
            "nopad.svg",
            format!("data:image/png;base64,{}", b64(&bomb).trim_end_matches('=')),
        ),
        ("upper.svg", format!("DATA:image/png;BASE64,{}", b64(&bomb))),
        ("percent.svg", format!("data:image/png,{percent}")),
    ] {
        fs::write(dir.path().join(name), svg(&href)).unwrap();
    }
    let b = b64(&bomb);
    // A DTD (Illustrator writes one) made the XML parser refuse the file,
    // which skipped the check; so did a prefixed `<s:svg>`; an `href` in a
    // foreign namespace, listed first, hid the one usvg reads.
    fs::write(
        dir.path().join("dtd.svg"),
        format!("<!DOCTYPE svg PUBLIC \"-//W3C//DTD SVG 1.1//EN\" \"http://www.w3.org/Graphics/SVG/1.1/DTD/svg11.dtd\">\n{}", svg(&format!("data:image/png;base64,{b}"))),
    )
    .unwrap();
    fs::write(
        dir.path().join("prefixed.svg"),
        format!("<s:svg xmlns:s=\"http://www.w3.org/2000/svg\" width=\"10\" height=\"10\">\n<s:image href=\"data:image/png;base64,{b}\" width=\"10\" height=\"10\"/>\n</s:svg>\n"),
    )
    .unwrap();
    fs::write(
        dir.path().join("foreign.svg"),
        format!("<svg xmlns=\"http://www.w3.org/2000/svg\" xmlns:foo=\"urn:foo\" width=\"10\" height=\"10\">\n<image foo:href=\"data:,x\" href=\"data:image/png;base64,{b}\" width=\"10\" height=\"10\"/>\n</svg>\n"),
    )
    .unwrap();
    fs::write(dir.path().join("c.svgz"), [0x1f, 0x8b, 8, 0, 0, 0, 0, 0]).unwrap();
    // A sane image beside them is read as ever.
    fs::write(dir.path().join("ok.png"), common::png_header(2_000, 1_000)).unwrap();
    let (lib, roles) = shipped();
    let role = role(roles, "senior-social");
    for (file, want) in [
        (
            "b.png",
            "`b.png` is 100000 × 100000 pixels; a template's image may have at most 16000",
        ),
        (
            "b.svg",
            "`b.svg` embeds an image (at line 2, column 1) that is 100000 × 100000 pixels",
        ),
        (
            "nested.svg",
            "`nested.svg` embeds an image (at line 2, column 1) that embeds an image (at line 2, column 1) that is 100000 × 100000",
        ),
        ("nopad.svg", "that is 100000 × 100000 pixels"),
        ("upper.svg", "that is 100000 × 100000 pixels"),
        ("percent.svg", "that is 100000 × 100000 pixels"),
        (
            "dtd.svg",
            "`dtd.svg` embeds an image (at line 3, column 1) that is 100000",
        ),
        ("prefixed.svg", "that is 100000 × 100000 pixels"),
        ("foreign.svg", "that is 100000 × 100000 pixels"),
        ("c.svgz", "`c.svgz` is gzip-compressed"),
    ] {
        fs::write(
            dir.path().join("t.typ"),
            format!(
                "#let data = json(sys.inputs.data)\n#image(\"{file}\", width: 2cm, alt: \"x\")\n"
            ),
        )
        .unwrap();
        let r = with_template(&dir.path().join("t.typ")).unwrap();
        let s = jdgen::diag::render(&render_errors(&r, &lib.company, role));
        assert!(
            s.contains("t.typ:2:8: error: role `senior-social`"),
            "{file}: {s}"
        );
        assert!(s.contains(want), "{file}: {s}");
    }
    // The sane one gets as far as decoding (it has no pixel data): Typst's
    // own message, not the size limit.
    fs::write(
        dir.path().join("t.typ"),
        "#let data = json(sys.inputs.data)\n#image(\"ok.png\", width: 2cm, alt: \"x\")\n",
    )
    .unwrap();
    let r = with_template(&dir.path().join("t.typ")).unwrap();
    let s = jdgen::diag::render(&render_errors(&r, &lib.company, role));
    assert!(!s.contains("pixels") && !s.contains("ok.png` is"), "{s}");
}

#[cfg(unix)]
#[test]
fn symlinks_out_of_the_template_folder_are_refused() {
    let dir = tempfile::tempdir().unwrap();
    fs::write(
        dir.path().join("t.typ"),
        "#let data = json(sys.inputs.data)\n#read(\"secret.txt\")\n",
    )
    .unwrap();
    let outside = tempfile::NamedTempFile::new().unwrap();
    fs::write(outside.path(), "secret").unwrap();
    std::os::unix::fs::symlink(outside.path(), dir.path().join("secret.txt")).unwrap();
    // A link that stays inside the folder is fine.
    fs::write(dir.path().join("inside.txt"), "inside").unwrap();
    std::os::unix::fs::symlink(dir.path().join("inside.txt"), dir.path().join("alias.txt"))
        .unwrap();

    let (lib, roles) = shipped();
    let role = role(roles, "senior-social");
    let r = with_template(&dir.path().join("t.typ")).unwrap();
    let s = jdgen::diag::render(&render_errors(&r, &lib.company, role));
    assert!(s.contains("`secret.txt` is a symlink to"), "{s}");
    assert!(s.contains("outside the template folder"), "{s}");
    assert!(s.contains("t.typ:2:7"), "{s}");

    fs::write(dir.path().join("t.typ"), "#read(\"alias.txt\")\n").unwrap();
    let r = with_template(&dir.path().join("t.typ")).unwrap();
    let out = render_ok(&r, &lib.company, role, &doc());
    assert!(all_text(&out.pdf).contains("inside"));

    // Through a link to a folder: out of the folder, refused as the link
    // is; inside it, not followed, with the folder's own path to use. Both
    // were "reads only its regular files whose names do not start with `.`".
    let away = tempfile::tempdir().unwrap();
    fs::write(away.path().join("a.txt"), "away").unwrap();
    std::os::unix::fs::symlink(away.path(), dir.path().join("out")).unwrap();
    fs::create_dir(dir.path().join("img")).unwrap();
    fs::write(dir.path().join("img/a.txt"), "HELLO").unwrap();
    std::os::unix::fs::symlink("img", dir.path().join("assets")).unwrap();
    for (read, want) in [
        ("out/a.txt", "`out` is a symlink to"),
        (
            "assets/a.txt",
            "`/assets/a.txt` is reached through `assets`, a symbolic link to a folder, which jdgen does not follow (it could loop): write the folder's own path, `/img/a.txt`",
        ),
    ] {
        fs::write(dir.path().join("t.typ"), format!("#read(\"{read}\")\n")).unwrap();
        let r = with_template(&dir.path().join("t.typ")).unwrap();
        let s = jdgen::diag::render(&render_errors(&r, &lib.company, role));
        assert!(s.contains(want), "{s}");
        assert!(!s.contains("regular files"), "{s}");
    }
    // A link to the folder itself, and one to a hidden folder.
    std::os::unix::fs::symlink(".", dir.path().join("self")).unwrap();
    fs::create_dir(dir.path().join(".hid")).unwrap();
    std::os::unix::fs::symlink(".hid", dir.path().join("hl")).unwrap();
    for (read, want) in [
        (
            "self/img/a.txt",
            "write the folder's own path, `/img/a.txt`",
        ),
        (
            "hl/a.txt",
            "it leads to `/.hid`, a hidden folder, which a template does not read",
        ),
    ] {
        fs::write(dir.path().join("t.typ"), format!("#read(\"{read}\")\n")).unwrap();
        let r = with_template(&dir.path().join("t.typ")).unwrap();
        let s = jdgen::diag::render(&render_errors(&r, &lib.company, role));
        assert!(s.contains(want), "{s}");
    }
    fs::write(dir.path().join("t.typ"), "#read(\"img/a.txt\")\n").unwrap();
    let r = with_template(&dir.path().join("t.typ")).unwrap();
    assert!(all_text(&render_ok(&r, &lib.company, role, &doc()).pdf).contains("HELLO"));
}

#[test]
fn a_preview_s_sample_data_and_a_font_folder_are_not_the_template_s() {
    // A `role.json` beside the template is shadowed by the role's data, so
    // it is never read: writing one (the preview steps do) re-rendered
    // every PDF. A `--font-path` folder inside the template folder counted
    // against the folder's limit, with advice to move the template.
    let dir = tempfile::tempdir().unwrap();
    let t = dir.path().join("t.typ");
    fs::write(&t, "#let data = json(sys.inputs.data)\n#data.role.title\n").unwrap();
    let fonts = dir.path().join("fonts");
    fs::create_dir(&fonts).unwrap();
    fs::copy(
        root().join("fonts/Inter-Regular.otf"),
        fonts.join("Inter-Regular.otf"),
    )
    .unwrap();
    let with_fonts = || {
        Renderer::new(&RenderOptions {
            template: Some(t.clone()),
            font_paths: vec![fonts.clone()],
            ..RenderOptions::default()
        })
        .unwrap()
    };
    let before = with_fonts().fingerprint();
    fs::write(dir.path().join("role.json"), "{\"sample\": true}").unwrap();
    assert_eq!(with_fonts().fingerprint(), before);
    // A large file in the font folder: past the template folder's 64 MiB.
    let big = fs::File::create(fonts.join("pad.bin")).unwrap();
    big.set_len(65 * 1024 * 1024).unwrap();
    let r = with_fonts();
    let (lib, roles) = shipped();
    let out = render_ok(&r, &lib.company, role(roles, "senior-social"), &doc());
    assert!(all_text(&out.pdf).contains("Senior"));
    // Any other file is the template's.
    fs::write(dir.path().join("notes.txt"), "x").unwrap();
    assert_ne!(with_fonts().fingerprint(), before);
}

#[test]
fn renderer_new_rejects_bad_inputs() {
    assert!(with_template(&fixture("templates/no-such-file.typ")).is_err());
    assert!(
        with_template(&fixture("templates")).is_err(),
        "a folder is not a template"
    );
    let err = Renderer::new(&RenderOptions {
        font_paths: vec![fixture("no-such-fonts")],
        ..RenderOptions::default()
    });
    assert!(err.is_err());
    // The template folder is part of the fingerprint.
    let a = with_template(&fixture("templates/reads-own-folder.typ")).unwrap();
    assert_ne!(a.fingerprint(), default_renderer().fingerprint());
    assert_eq!(a.fingerprint().len(), 64);
}

#[test]
fn the_default_template_is_the_shipped_file() {
    // `--template templates/job-description.typ` renders the same bytes as
    // the built-in copy, so editing the file is how the default changes.
    let (lib, roles) = shipped();
    let role = role(roles, "associate-social");
    let r = with_template(&root().join("templates/job-description.typ")).unwrap();
    let a = render_ok(&r, &lib.company, role, &doc()).pdf;
    let b = render_ok(default_renderer(), &lib.company, role, &doc()).pdf;
    assert!(
        a == b,
        "built-in template differs from templates/job-description.typ"
    );
}

// ------------------------------------------------------- the binary --

fn jdgen() -> Command {
    let mut c = Command::cargo_bin("jdgen").unwrap();
    c.env_remove("JDGEN_ROLES").env_remove("SOURCE_DATE_EPOCH");
    c.current_dir(root());
    c
}

/// A run that writes nothing (every role failed) leaves no empty folder
/// it made, so a first failed run does not look like one that wrote an
/// empty set; folders that were there stay.
#[test]
fn a_failed_run_takes_away_the_empty_folders_it_made() {
    let dir = tempfile::tempdir().unwrap();
    let blank = dir.path().join("blank.typ");
    fs::write(&blank, "#set page(fill: white)\n").unwrap();
    fs::create_dir(dir.path().join("there")).unwrap();
    for args in [
        vec!["pdf", "--all", "-o", "new/pdf"],
        vec!["pdf", "--all", "-o", "./dotted/./pdf"],
        vec!["pdf", "--role", "senior-social", "-o", "there/sub/one.pdf"],
        vec!["export", "--zip", "-o", "there/export"],
        // `made/..` does not exist while `made` does not: such a path is
        // left alone (`there` was never taken for a folder the run made).
        vec!["pdf", "--all", "-o", "made/../there"],
    ] {
        let res = jdgen()
            .args(&args)
            .arg("--template")
            .arg(&blank)
            .current_dir(dir.path())
            .arg("--roles")
            .arg(root().join("roles"))
            .output()
            .unwrap();
        let err = String::from_utf8_lossy(&res.stderr);
        assert_eq!(res.status.code(), Some(1), "{args:?}: {err}");
        assert!(err.contains("the template printed nothing"), "{err}");
    }
    let mut left: Vec<_> = fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .collect();
    left.sort();
    assert_eq!(left, ["blank.typ", "made", "there"]);
    assert_eq!(fs::read_dir(dir.path().join("there")).unwrap().count(), 0);
}

#[test]
fn cli_writes_a_pdf_and_reports_template_errors() {
    let out = tempfile::tempdir().unwrap();
    let file = out.path().join("senior-social.pdf");
    let res = jdgen()
        .args(["pdf", "--role", "senior-social", "-o"])
        .arg(&file)
        .output()
        .unwrap();
    assert!(
        res.status.success(),
        "{}",
        String::from_utf8_lossy(&res.stderr)
    );
    let pdf = fs::read(&file).unwrap();
    assert!(pdf.starts_with(b"%PDF-"));
    assert!(normalize(&all_text(&pdf)).contains("Senior Social Marketing Manager"));

    let res = jdgen()
        .args(["pdf", "--role", "senior-social", "-o"])
        .arg(out.path().join("broken.pdf"))
        .arg("--template")
        .arg(fixture("templates/runtime-error.typ"))
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&res.stderr);
    assert_eq!(res.status.code(), Some(1), "{err}");
    assert!(err.contains("runtime-error.typ:4:23: error:"), "{err}");
    assert!(!err.contains("panicked"), "{err}");
    assert!(
        !out.path().join("broken.pdf").exists(),
        "no PDF for a failed render"
    );

    let res = jdgen()
        .args(["pdf", "--role", "senior-social", "-o"])
        .arg(out.path().join("new/x.pdf"))
        .arg("--template")
        .arg(fixture("templates/syntax-error.typ"))
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&res.stderr);
    assert_eq!(res.status.code(), Some(1), "{err}");
    assert!(
        err.contains("syntax-error.typ:4:10: error: unclosed delimiter"),
        "{err}"
    );
    // The template fails before the output folder is made.
    assert!(!out.path().join("new").exists());
}

#[test]
fn cli_strict_fails_on_missing_glyphs() {
    let out = tempfile::tempdir().unwrap();
    let hostile = fixture("hostile");
    let run = |strict: bool| {
        let mut c = jdgen();
        c.arg("--roles")
            .arg(&hostile)
            .args(["pdf", "--role", "hostile-one", "-o"])
            .arg(out.path().join("h.pdf"));
        if strict {
            c.arg("--strict");
        }
        c.output().unwrap()
    };
    let res = run(false);
    let err = String::from_utf8_lossy(&res.stderr);
    assert_eq!(res.status.code(), Some(0), "{err}");
    assert!(err.contains("warning:") && err.contains("U+0720"), "{err}");
    fs::remove_file(out.path().join("h.pdf")).unwrap();
    let res = run(true);
    let err = String::from_utf8_lossy(&res.stderr);
    assert_eq!(res.status.code(), Some(1), "{err}");
    assert!(err.contains("error:") && err.contains("U+0720"), "{err}");
    assert!(!out.path().join("h.pdf").exists());
}

#[test]
fn cli_rejects_an_unknown_pdf_standard() {
    let res = jdgen()
        .args([
            "pdf",
            "--role",
            "senior-social",
            "--pdf-standard",
            "a-9",
            "-o",
        ])
        .arg(tempfile::tempdir().unwrap().path().join("x.pdf"))
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&res.stderr);
    assert_ne!(res.status.code(), Some(0), "{err}");
    assert!(
        err.contains("unknown PDF standard `a-9`") && err.contains("a-2b"),
        "{err}"
    );
}

/// Pixels of page `page` (1-based) at 60 dpi, as RGB triples (`pdftoppm`
/// writes a binary PPM to stdout).
fn page_pixels(pdf: &[u8], page: usize) -> Vec<[u8; 3]> {
    let p = page.to_string();
    let out = poppler_bytes("pdftoppm", &["-r", "60", "-f", &p, "-l", &p], pdf);
    // P6 header: magic, width, height, maxval, each followed by whitespace.
    let mut fields = 0;
    let mut start = 0;
    let mut in_field = false;
    for (i, b) in out.iter().enumerate() {
        if b.is_ascii_whitespace() {
            if in_field {
                fields += 1;
                in_field = false;
                if fields == 4 {
                    start = i + 1;
                    break;
                }
            }
        } else {
            in_field = true;
        }
    }
    out[start..]
        .chunks_exact(3)
        .map(|c| [c[0], c[1], c[2]])
        .collect()
}

#[test]
fn emoji_sequences_and_combining_marks_keep_glyph_composition() {
    // The template turns `ccmp` off only for text that needs no glyph
    // composition. A flag is a sequence of two regional indicators that
    // only `ccmp` turns into the flag: if it were off, the page would show
    // the letter tiles D and E instead of black, red and gold.
    let (data, out) = with_one_value("\u{1F1E9}\u{1F1EA}", "Berlin", "Our Cafe\u{301} office.");
    assert_eq!(data["document"]["simple_text"], false);
    assert!(normalize(&all_text(&out.pdf)).contains("Berlin"));
    let gold = pixels_where(&out.pdf, |[r, g, b]| {
        r > 230 && (180..235).contains(&g) && b < 80
    });
    assert!(
        gold > 20,
        "no gold pixels: the flag did not compose ({gold})"
    );
}

#[test]
fn a_value_emoji_is_drawn_from_the_emoji_font() {
    // Inter has a black ❤ (and ☀, ™…): with the body font first, `❤️`
    // printed as Inter's outline, not the red heart the value asks for.
    let (_, out) = with_one_value("\u{2764}\u{FE0F}", "Care", "We care.");
    let red = pixels_where(&out.pdf, |[r, g, b]| r > 200 && g < 90 && b < 90);
    assert!(
        red > 20,
        "no red pixels: the heart is not the emoji ({red})"
    );
}

#[test]
fn a_family_with_only_the_required_keys_of_each_part_renders() {
    // Every optional key left out, where role-format.md allows it: a value
    // without `emoji` failed every document of its family in the template
    // (`none` has no `len`) although `check` passed it.
    let yaml = "family: bare\ntitle: Bare\nsections:\n  - heading: Only a heading\nvalues:\n  heading: Values\n  items:\n    - name: Candour\n      text: We say what we think.\n    - emoji: \"\u{1F91D}\"\n      name: Together\n      text: We work together.\nhiring_process:\n  steps:\n    - First step\n    - text: Then interviews\n      steps: [With the team]\nlevels:\n  - id: bare-one\n    level: Associate\n    title: Bare One\n  - id: bare-two\n    level: Senior\n    title: Bare Two\n    responsibilities:\n      builds_on: bare-one\n      groups:\n        - heading: Grouped\n          items: [A grouped item]\n";
    for id in ["bare-one", "bare-two"] {
        let text = normalize(&body_text(&render_family(yaml, id)));
        assert_in_order(
            &text,
            &[
                "Only a heading",
                "Values",
                "Candour",
                "We say what we think.",
                "Together",
                "We work together.",
                "First step",
                "Then interviews",
                "With the team",
            ],
        );
    }
    let text = normalize(&body_text(&render_family(yaml, "bare-two")));
    assert_in_order(&text, &["GROUPED", "A grouped item"]);
}

#[test]
fn a_short_note_of_wide_words_breaks_rather_than_run_into_the_footer() {
    // Kept whole for its length (under 1,500 bytes), a note of 26-W words
    // set one word a line: 55 lines, past the page's foot into the footer.
    let word = "W".repeat(26);
    let note = vec![word.as_str(); 55].join(" ");
    assert!(note.len() < 1500);
    let pdf = render_family(
        &format!(
            "family: notes\ntitle: Notes\nlevels:\n  - id: notes-one\n    level: A\n    title: Notes\n    notes:\n      - \"{note}\"\n"
        ),
        "notes-one",
    );
    let words = words(&pdf);
    // A4's text area ends 24 mm above the foot, at 773.9 pt; the footer
    // is below it. A line of this text is 11.9 pt tall.
    for w in words.iter().filter(|w| w.1.starts_with("WWW")) {
        assert!(w.3 + 11.9 <= 774.0, "`{}` past the text area: {w:?}", w.1);
    }
    assert_eq!(words.iter().filter(|w| w.1 == word).count(), 55);
}

#[test]
fn emoji_in_text_are_drawn_from_the_emoji_font() {
    // From the body font first, `❤️` printed as Inter's black heart, and
    // `🙂‍↔️` (head shaking) as its arrow alone.
    let yaml = |text: &str| {
        format!(
            "family: em\ntitle: Em\nlevels:\n  - id: em-one\n    level: A\n    title: Emoji\n    responsibilities:\n      items:\n        - \"{text}\"\n"
        )
    };
    let red = |pdf: &[u8]| pixels_where(pdf, |[r, g, b]| r > 200 && g < 90 && b < 90);
    let heart = render_family(&yaml("We \u{2764}\u{FE0F} open source"), "em-one");
    assert!(red(&heart) > 20, "no red heart ({})", red(&heart));
    // A lone symbol stays the body font's: no colour.
    let plain = render_family(&yaml("We \u{2764} open source"), "em-one");
    assert_eq!(red(&plain), 0);
    // The face of a sequence is drawn (yellow), not only its arrow.
    let yellow = |pdf: &[u8]| pixels_where(pdf, |[r, g, b]| r > 200 && g > 150 && b < 90);
    let shake = render_family(
        &yaml("Say no \u{1F642}\u{200D}\u{2194}\u{FE0F} nicely"),
        "em-one",
    );
    assert!(yellow(&shake) > 20, "no face ({})", yellow(&shake));
}

#[test]
fn a_long_run_across_two_styles_wraps() {
    // Thirty W's, then thirty in italics (or behind a link): two texts to
    // Typst, which no regex rule saw whole; the run ran off the page.
    let w = "W".repeat(30);
    for text in [
        format!("Intro {w}*{w}* end"),
        format!("Intro [{w}](/x){w} end"),
    ] {
        let pdf = render_family(
            &format!(
                "family: st\ntitle: St\nlevels:\n  - id: st-one\n    level: A\n    title: Styles\n    description:\n      - \"{text}\"\n"
            ),
            "st-one",
        );
        assert_within_margins(&words(&pdf));
        let squeezed = squeeze(&normalize(&body_text(&pdf)));
        assert!(squeezed.contains(&format!("Intro{w}{w}end")), "{squeezed}");
    }
}

#[test]
fn a_run_that_fits_a_line_moves_whole_and_a_word_breaks_where_typst_can() {
    // Found as a long run, `1000-…-1007` (39 characters) was chopped at a
    // line's end rather than moved whole to the next line; a level name
    // `Associate/Intermediate`, too wide for its box, broke as
    // `Associate/In|termediate` rather than after the `/`.
    let run = (1000..1008)
        .map(|n| n.to_string())
        .collect::<Vec<_>>()
        .join("-");
    // The run at every position along a line: one of them is at its end.
    let text: Vec<String> = (0..30)
        .map(|i| format!("{} {run}", "ab".repeat(i)))
        .collect();
    let pdf = render_family(
        &format!(
            "family: mv\ntitle: Mv\nlevels:\n  - id: mv-one\n    level: Associate/Intermediate\n    title: Moves\n    responsibilities:\n      items:\n        - \"{}\"\n",
            text.join(" ")
        ),
        "mv-one",
    );
    let words = words(&pdf);
    assert_eq!(words.iter().filter(|w| w.1 == run).count(), 30, "{words:?}");
    assert!(words.iter().any(|w| w.1 == "Associate/"), "{words:?}");
    assert!(words.iter().any(|w| w.1 == "Intermediate"), "{words:?}");
}

/// A one-level family rendered with `svg` as the logo of a company whose
/// settings, but for `logo:`, are `company`.
fn with_logo(svg: &str, company: &str) -> Rendered {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    fs::write(d.join("logo.svg"), svg).unwrap();
    fs::write(d.join("company.yaml"), format!("{company}logo: logo.svg\n")).unwrap();
    fs::write(
        d.join("f.yaml"),
        "family: lg\ntitle: Lg\nlevels:\n  - id: lg-one\n    level: A\n    title: Logo\n",
    )
    .unwrap();
    let lib = library(d);
    let roles = resolve::resolve_all(&lib).unwrap();
    render_ok(
        default_renderer(),
        &lib.company,
        role(&roles, "lg-one"),
        &doc(),
    )
}

#[test]
fn a_wide_logo_and_a_long_address_leave_the_company_name_room() {
    // An 8:1 wordmark at full height and a 38-character address (under the
    // 40 characters that once earned the address a capped column) left the
    // name a sliver: its 4-character pieces printed on top of one another.
    let out = with_logo(
        r##"<svg xmlns="http://www.w3.org/2000/svg" width="800" height="100"><rect width="800" height="100" fill="#c33"/></svg>"##,
        &format!(
            "name: Wunderwerkzeugmaschinenbaugesellschaft International\nwebsite: https://{}.test/x\n",
            "W".repeat(31)
        ),
    );
    let words = words(&out.pdf);
    assert_within_margins(&words);
    assert_no_overlap(&words);
    let top: Vec<_> = words.iter().filter(|w| w.0 == 1 && w.3 < 120.0).collect();
    // The name takes no more than five lines (it took 14 of 4 letters).
    let name_lines: std::collections::BTreeSet<i64> = top
        .iter()
        .filter(|w| !w.1.contains("WWW") && !w.1.contains("test"))
        .map(|w| w.3 as i64)
        .collect();
    assert!(name_lines.len() <= 5, "{top:?}");
}

#[test]
fn an_svg_logo_is_an_svg_whatever_its_first_bytes() {
    // `check` reads a `.svg` logo as SVG; Typst, given the logo under a
    // path without extension, looked for `xmlns` in the first 2 KB and
    // failed every PDF ("unknown image format") when it was missing or
    // later. Each logo below is a red square beside the company name.
    let rect = r##"<rect width="40" height="40" fill="#e00"/>"##;
    let logos = [
        format!(r#"<svg width="40" height="40">{rect}</svg>"#),
        format!(
            r#"<!--{}--><svg xmlns="http://www.w3.org/2000/svg" width="40" height="40">{rect}</svg>"#,
            " ".repeat(3000)
        ),
    ];
    for svg in logos {
        let out = with_logo(&svg, "name: Acme\nwebsite: https://acme.example\n");
        let red = pixels_where(&out.pdf, |[r, g, b]| r > 200 && g < 60 && b < 60);
        assert!(red > 20, "no logo drawn ({red} red pixels): {}", &svg[..40]);
    }
}

#[test]
fn ids_and_addresses_copy_without_invisible_characters() {
    // A listed run kept whole was followed by a zero-width space, and a run
    // across styles got one where it crossed: a UUID or an email address
    // copied from the PDF carried it. The places to break are empty boxes.
    let pdf = render_family(
        "family: cp\ntitle: Cp\nlevels:\n  - id: cp-one\n    level: A\n    title: Copy\n    description:\n      - \"Ticket 12345678-1234-5678-9012-345678901234 and 20261101-000042-000017-000003-000099.\"\n      - \"Write to **recruiting.marketing.operations**@example.com or [recruiting.marketing.operations@example.com](mailto:recruiting.marketing.operations@example.com).\"\n",
        "cp-one",
    );
    let text = poppler("pdftotext", &[], &pdf);
    assert!(!text.contains('\u{200b}'), "{text:?}");
    for id in [
        "12345678-1234-5678-9012-345678901234",
        "20261101-000042-000017-000003-000099.",
        "recruiting.marketing.operations@example.com",
    ] {
        assert!(text.contains(id), "{id} not whole: {text}");
    }
}

#[test]
fn a_listed_run_inside_a_longer_one_leaves_no_rest_unbroken() {
    // `“ a…` is one text's run; in another text the same characters start a
    // longer run, `a…` then 35 W's. The listed run matched there, was kept
    // whole as it fitted, and the W's, too few for either rule, ran on
    // after it past the margin.
    let a = "a".repeat(34);
    let w = "W".repeat(35);
    let pdf = render_family(
        &format!(
            "family: pm\ntitle: Pm\nlevels:\n  - id: pm-one\n    level: A\n    title: Partial\n    description:\n      - \"a \u{201c} {a} end\"\n      - \"x\u{201c} {a}{w} end\"\n"
        ),
        "pm-one",
    );
    assert_within_margins(&words(&pdf));
}

#[test]
fn hiring_steps_are_numbered_by_their_depth() {
    // Every depth below the first was lettered a., b., so a sub-step's
    // own steps read like its siblings.
    let pdf = render_family(
        "family: dp\ntitle: Dp\nhiring_process:\n  steps:\n    - text: Screening\n      steps:\n        - text: Interviews\n          steps: [With the team, With the manager]\n    - Offer\nlevels:\n  - id: dp-one\n    level: A\n    title: Deep\n",
        "dp-one",
    );
    let text = normalize(&all_text(&pdf));
    assert_in_order(
        &text,
        &[
            "1. Screening",
            "a. Interviews",
            "i. With the team",
            "ii. With the manager",
            "2. Offer",
        ],
    );
}

#[test]
fn a_deep_hiring_step_with_sub_steps_keeps_its_text() {
    // From four deep, a step's text is fitted (`fit` lays out a block); one
    // with sub-steps was also wrapped in `par(…)`, which drops a block: the
    // text of "Technical interviews covering:" was gone, its "a." alone,
    // with no more than a template warning.
    let mut step = "{text: \"Leaf conversations\"}".to_string();
    for depth in (0..8).rev() {
        step = format!("{{text: \"Technical interviews {depth} covering:\", steps: [{step}]}}");
    }
    let out = render_family_whole(
        &format!(
            "family: dp\ntitle: Dp\nhiring_process:\n  steps: [{step}]\nlevels:\n  - id: dp-one\n    level: A\n    title: Deep\n"
        ),
        "dp-one",
    );
    assert!(
        out.warnings.is_empty(),
        "{}",
        jdgen::diag::render(&out.warnings)
    );
    let text = normalize(&all_text(&out.pdf));
    let expected: Vec<String> = (0..8)
        .map(|d| format!("Technical interviews {d} covering:"))
        .chain(["Leaf conversations".to_string()])
        .collect();
    let expected: Vec<&str> = expected.iter().map(String::as_str).collect();
    assert_in_order(&text, &expected);
}

#[test]
fn short_runs_of_very_wide_characters_stay_on_the_page() {
    // U+FDFD is drawn 7.2em wide for 3 bytes; the estimates took 1.25em a
    // byte and runs of 36 characters: 6 of them in the title ran off the
    // left edge, 8 in an item off the right, 4 in `reports_to` too.
    let bism = "\u{FDFD}";
    let yaml = format!(
        "family: w\ntitle: Wide\nlevels:\n  - id: w-one\n    level: A\n    title: \"Title {t}\"\n    reports_to: \"{r}\"\n    responsibilities:\n      items: [\"Read the {i} banner\"]\n",
        t = bism.repeat(6),
        r = bism.repeat(4),
        i = bism.repeat(8)
    );
    let pdf = render_family(&yaml, "w-one");
    let words = words(&pdf);
    assert!(words.iter().any(|w| w.1.contains('\u{FDFD}')), "{words:?}");
    assert_within_margins(&words);
}

#[test]
fn long_runs_in_the_deepest_hiring_step_stay_on_the_page() {
    // A family whose one hiring step, 14 deep, says `text`.
    let deep = |text: &str| {
        let mut step = format!("{{text: \"{text}\"}}");
        for depth in 0..13 {
            step = format!("{{text: \"Step {depth}\", steps: [{step}]}}");
        }
        format!(
            "family: dp\ntitle: Dp\nhiring_process:\n  steps: [{step}]\nlevels:\n  - id: dp-one\n    level: A\n    title: Deep\n"
        )
    };
    // A run left whole because it fitted 80% of the text area ran off the
    // page in a step 14 deep, whose lines are 57% of it.
    let pdf = render_family(
        &deep(&format!(
            "Deep {} and {} end",
            "W".repeat(36),
            "Q".repeat(38)
        )),
        "dp-one",
    );
    let words = words(&pdf);
    assert!(words.iter().any(|w| w.1.starts_with("WWW")), "{words:?}");
    assert_within_margins(&words);

    // Shorter than the long-word rule's 36 characters, and still wider
    // than the step's line (330pt against some 270pt).
    let pdf = render_family(&deep(&format!("{} deep", "W".repeat(35))), "dp-one");
    let words = self::words(&pdf);
    assert!(words.iter().any(|w| w.1.starts_with("WWW")), "{words:?}");
    assert_within_margins(&words);

    // Glyphs far wider than a letter: pieces of 12 arrows of 2.7em
    // (U+1F852, in DejaVu Sans) were wider than the step's line.
    let pdf = render_files(
        dejavu_renderer(),
        "name: Acme\nwebsite: https://example.com\n",
        &deep(&"\u{1F852}".repeat(60)),
        "dp-one",
        &doc(),
    );
    let words = self::words(&pdf);
    assert!(words.iter().any(|w| w.1.contains('\u{1F852}')), "{words:?}");
    assert_within_margins(&words);
}

#[test]
fn ordinary_words_beside_a_wide_one_are_left_whole() {
    // `fit` broke the pieces of a wide word that lay in separate texts by
    // looking for them inside it: `Engineering`, a word of its own that
    // fitted, was boxed too, and broke as `Engineer|ing` at a line's end.
    // The class rule chopped a phrase joined by em dashes mid-word.
    for pad in 0..8 {
        let title = format!(
            "{}Principal Engineering Engineering-2024-0701-0702-0703-0704-0705-0706-0707",
            "x ".repeat(pad * 2)
        );
        let parts = ["Plan", "Build", "Measure", "Learn", "Grow", "Operate"].repeat(3);
        // Joined by em dashes, and by `!` (the class took both for letters).
        let dashes = format!("{} {}", parts.join("\u{2014}"), parts.join("!"));
        let pdf = render_family(
            &format!(
                "family: ow\ntitle: Ow\nlevels:\n  - id: ow-one\n    level: A\n    title: \"{title}\"\n    description:\n      - \"{} {dashes}\"\n",
                "z".repeat(40)
            ),
            "ow-one",
        );
        let words = words(&pdf);
        assert!(
            words
                .iter()
                .filter(|w| w.0 == 1 && w.3 < 300.0)
                .any(|w| w.1 == "Engineering"),
            "pad {pad}: {:?}",
            words.iter().map(|w| &w.1).collect::<Vec<_>>()
        );
        for w in words.iter().filter(|w| w.1.contains(['\u{2014}', '!'])) {
            for part in w.1.split(['\u{2014}', '!']).filter(|p| !p.is_empty()) {
                assert!(
                    ["Plan", "Build", "Measure", "Learn", "Grow", "Operate"].contains(&part),
                    "`{part}` in `{}`: a word cut",
                    w.1
                );
            }
        }
    }
}

#[test]
fn a_value_measured_to_fit_keeps_its_spacing() {
    // A value of 600 to 1,500 bytes is measured in a `layout`, which
    // dropped the value's spacing above: it and all below sat 2 pt higher.
    let yaml = |second: &str| {
        format!(
            "family: va\ntitle: Va\nvalues:\n  heading: Values\n  items:\n    - {{emoji: \"\u{1F91D}\", name: First, text: We work together.}}\n    - {{emoji: \"\u{1F91D}\", name: Second, text: \"{second}\"}}\nlevels:\n  - id: va-one\n    level: A\n    title: Values\n"
        )
    };
    let second_y = |text: &str| {
        let pdf = render_family(&yaml(text), "va-one");
        words(&pdf)
            .into_iter()
            .find(|w| w.1 == "Second")
            .expect("the second value")
            .3
    };
    let long = "We say what we think, plainly. ".repeat(23);
    assert!(long.len() > 600 && long.len() < 1500);
    assert!((second_y(&long) - second_y("Short.")).abs() < 0.1);
}

#[test]
fn a_cut_title_in_the_running_header_stays_on_the_page() {
    // Pages 2+ print a title over 90 characters cut to 88 and `…`: that run
    // was in no `long_runs`, and ran off the page; the class rule the
    // header then got missed runs joined by a hyphen before a digit.
    let items: Vec<String> = (0..90)
        .map(|i| format!("\"Item {i} with enough words to fill the pages of the document\""))
        .collect();
    let joined: String = (0..37).map(|i| format!("WW-{}", i % 10)).collect();
    for title in ["W".repeat(150), joined] {
        let pdf = render_family(
            &format!(
                "family: hd\ntitle: Hd\nlevels:\n  - id: hd-one\n    level: A\n    title: \"{title}\"\n    responsibilities:\n      items: [{}]\n",
                items.join(", ")
            ),
            "hd-one",
        );
        let words = words(&pdf);
        assert!(words.iter().any(|w| w.0 > 1), "one page only");
        assert_within_margins(&words);
    }
}

#[test]
fn too_many_long_runs_to_list_still_wrap() {
    // Thousands of long tokens (2,000 of 40 digits), which once made the
    // list too long to hand over: none needs listing, as the rule by
    // character class finds them, so `long_runs` is none and they break.
    let items: Vec<String> = (0..50)
        .map(|i| {
            let tokens: Vec<String> = (0..40).map(|j| format!("{:0>40}", i * 40 + j)).collect();
            format!("\"{}\"", tokens.join(" "))
        })
        .collect();
    let yaml = format!(
        "family: many\ntitle: Many\nlevels:\n  - id: many-one\n    level: A\n    title: Many\n    responsibilities:\n      items: [{}]\n",
        items.join(", ")
    );
    let dir = tempfile::tempdir().unwrap();
    fs::copy(
        root().join("tests/fixtures/minimal/company.yaml"),
        dir.path().join("company.yaml"),
    )
    .unwrap();
    fs::write(dir.path().join("f.yaml"), &yaml).unwrap();
    let lib = library(dir.path());
    let roles = resolve::resolve_all(&lib).unwrap();
    let data = jdgen::data::template_data(&lib.company, role(&roles, "many-one"), &doc());
    assert_eq!(data["document"]["long_words"], true);
    assert_eq!(data["document"]["long_runs"], serde_json::Value::Null);
    let pdf = render_family(&yaml, "many-one");
    assert_within_margins(&words(&pdf));
}

#[test]
fn an_emoji_drawn_as_several_stays_in_its_column() {
    // A joiner sequence that is no standard emoji passes `check` as one
    // character, but the font draws its four emoji side by side: they
    // covered the value's name.
    let (_, out) = with_one_value(
        "\u{1F996}\u{200D}\u{1F995}\u{200D}\u{1F996}\u{200D}\u{1F995}",
        "Evolution",
        "We adapt.",
    );
    let name = words(&out.pdf)
        .into_iter()
        .find(|w| w.1 == "Evolution")
        .expect("the value's name");
    // Colour (the dinosaurs are green) beside the emoji column, on the
    // value's lines: the name and text are grey ink.
    let pixels = page_pixels(&out.pdf, name.0);
    let coloured = pixels_in(
        &pixels,
        name.2 - 2.0..name.2 + 120.0,
        name.3 - 4.0..name.3 + 30.0,
        |[r, g, b]| r.abs_diff(g).max(g.abs_diff(b)).max(r.abs_diff(b)) > 60,
    );
    assert_eq!(coloured, 0, "emoji drawn over the value's name");
    // What fits the column is drawn as it is: the heart of the test above.
}

#[test]
fn a_short_list_is_never_split_over_a_page() {
    // One item of a five-item list alone at a page's foot under its
    // heading, the rest over the page (the PDF review). Every place of the
    // list on the page is tried: more description above moves it down.
    let items: Vec<String> = (1..=4)
        .map(|i| format!("Item{i} of the short list, long enough to take two lines of the page when printed in the body text size of the template, twice over."))
        .collect();
    let items: String = items
        .iter()
        .map(|i| format!("        - \"{i}\"\n"))
        .collect();
    assert_kept_on_one_page(
        |para| {
            format!(
                "family: short\ntitle: Short\nlevels:\n  - id: short-a\n    level: A\n    title: A\n    description:\n      - \"{para}\"\n    requirements:\n      items:\n{items}"
            )
        },
        &["Item1", "Item2", "Item3", "Item4"],
    );
}

/// Renders `short-a` of `family(filler)` with more and more filler text
/// before what `words` are in (30 to 61 sentences of a line each, every
/// place on a page), and requires them on one page each time.
fn assert_kept_on_one_page(family: impl Fn(&str) -> String, words_kept: &[&str]) {
    for filler in 30..62 {
        let para = vec![
            "Filler text that takes a whole line of the page and then a little more of it.";
            filler
        ]
        .join(" ");
        let pdf = render_family(&family(&para), "short-a");
        let ws = words(&pdf);
        let pages: Vec<usize> = words_kept
            .iter()
            .map(|w| ws.iter().find(|x| x.1 == *w).expect("every word printed").0)
            .collect();
        assert!(
            pages.iter().all(|&p| p == pages[0]),
            "filler {filler}: {words_kept:?} on pages {pages:?}"
        );
    }
}

#[test]
fn a_list_of_few_items_with_many_lines_breaks_rather_than_run_off_the_page() {
    // Six items of a dozen lines each are few bytes but a page and more:
    // kept whole as a "short" list, they ran over the footer and off the
    // page, lines lost, with their heading alone on the page before.
    let items: String = (1..=6)
        .map(|i| {
            let lines: String = (1..=14).map(|j| format!("        L{i}x{j}\n")).collect();
            format!("      - |-\n        Languages{i}:\n{lines}")
        })
        .collect();
    let yaml = format!(
        "family: many\ntitle: Many\nlevels:\n  - id: many-a\n    level: A\n    title: A\n    description: [Some words about the role.]\n    requirements:\n      items:\n{items}"
    );
    let pdf = render_family(&yaml, "many-a");
    let ws = words(&pdf);
    for i in 1..=6 {
        for j in 1..=14 {
            let w = format!("L{i}x{j}");
            let at = ws
                .iter()
                .find(|x| x.1 == w)
                .unwrap_or_else(|| panic!("{w} not printed"));
            // Above the footer (A4: 841.9 pt high, the footer's rule at ~800).
            assert!(at.3 < 790.0, "{w} at y {}", at.3);
        }
    }
}

#[test]
fn a_list_of_long_words_is_not_judged_short_by_its_bytes() {
    // Six items of seven 24-letter words: 174 bytes each, "4 lines" by
    // bytes, but each word takes a line of its own, 42 lines in all. Kept
    // whole, the list left page 1 half blank and its heading and intro
    // alone on page 2, the list on page 3.
    let word = "W".repeat(24);
    let items: String = (1..=6)
        .map(|i| format!("        - \"Item{i} {}\"\n", [word.as_str(); 7].join(" ")))
        .collect();
    let intro = vec!["lorem ipsum dolor"; 60].join(" ");
    let yaml = format!(
        "family: wide\ntitle: Wide\nlevels:\n  - id: wide-a\n    level: A\n    title: A\n    description: [Short.]\n    responsibilities:\n      intro: \"{intro}\"\n      items:\n{items}"
    );
    let pdf = render_family(&yaml, "wide-a");
    let ws = words(&pdf);
    let item1 = ws.iter().find(|w| w.1 == "Item1").expect("printed");
    assert_eq!(item1.0, 1, "the list starts on page 1");
    assert_eq!(info(&pdf)["Pages"], "2");
}

#[test]
fn a_short_hiring_process_is_never_split_over_a_page() {
    // Its last step alone atop a page, with the closing sentence (the PDF
    // review, senior-mops): a short process is kept whole, sub-steps too.
    assert_kept_on_one_page(
        |para| {
            format!(
                "family: short\ntitle: Short\nhiring_process:\n  steps:\n    - Step1 is a screening call with one of our recruiters\n    - text: Step2 is a series of interviews\n      steps: [Sub1 with the manager, Sub2 with the team]\n    - Step3 is a final interview\n    - Step4 is the offer\n  outro:\n    - That is all.\nlevels:\n  - id: short-a\n    level: A\n    title: A\n    description:\n      - \"{para}\"\n"
            )
        },
        &["Step1", "Step2", "Sub1", "Sub2", "Step3", "Step4"],
    );
}

#[test]
fn with_no_one_to_report_to_family_and_level_keep_to_one_line() {
    // The empty "Reports to" box kept room that the family ("Marketing
    // Operations Manager") and the level ("Senior Manager") wrapped without.
    let (lib, roles) = shipped();
    for (id, family, level) in [
        (
            "senior-manager-social",
            "Social Marketing Manager",
            "Senior Manager",
        ),
        ("staff-mops", "Marketing Operations Manager", "Staff"),
        ("manager-mops", "Marketing Operations Manager", "Manager"),
    ] {
        let r = role(roles, id);
        assert!(r.reports_to.is_none(), "{id}");
        let pdf = render_ok(default_renderer(), &lib.company, r, &doc()).pdf;
        let ws = words(&pdf);
        let fam = ws
            .iter()
            .find(|w| w.0 == 1 && w.1 == "FAMILY")
            .unwrap()
            .clone();
        // The labels on the family's line (not the "JOB DESCRIPTION" kicker).
        let label = |l: &str| {
            ws.iter()
                .find(|w| w.0 == 1 && w.1 == l && (w.3 - fam.3).abs() < 2.0)
                .unwrap()
                .clone()
        };
        let (lvl, grade) = (label("LEVEL"), label("JOB"));
        // The words of a box: below its label, before the next box.
        let in_box = |from: f64, to: f64| -> Vec<(String, f64)> {
            ws.iter()
                .filter(|w| w.0 == 1 && w.2 >= from - 1.0 && w.2 < to - 1.0)
                .filter(|w| w.3 > fam.3 + 2.0 && w.3 < fam.3 + 30.0)
                .map(|w| (w.1.clone(), w.3))
                .collect()
        };
        for (words, want) in [
            (in_box(fam.2, lvl.2), family),
            (in_box(lvl.2, grade.2), level),
        ] {
            let text: Vec<&str> = words.iter().map(|w| w.0.as_str()).collect();
            assert_eq!(text.join(" "), want, "{id}");
            assert!(
                words.iter().all(|w| w.1 == words[0].1),
                "{id}: {want} wraps: {words:?}"
            );
        }
    }
}

#[test]
fn a_symbol_wider_than_the_emoji_column_is_scaled_to_it() {
    // `﷽` is one symbol, so `check` passes it as a value's emoji, but it
    // is some 7 em wide: it was drawn across the value's name.
    let (_, out) = with_one_value("\u{FDFD}", "Care", "We look after one another.");
    let name = words(&out.pdf)
        .into_iter()
        .find(|w| w.1 == "Care")
        .expect("the value's name");
    // Ink right of the name, on its line, where nothing else is.
    let pixels = page_pixels(&out.pdf, name.0);
    let ink = |p: [u8; 3]| p.iter().all(|&c| c < 200);
    let inked = pixels_in(
        &pixels,
        name.4 + 3.0..name.2 + 80.0,
        name.3 - 2.0..name.3 + 9.0,
        ink,
    );
    assert_eq!(inked, 0, "the symbol is drawn over the value's name");
    // It is still drawn, in the column left of the name.
    let column = pixels_in(
        &pixels,
        name.2 - 30.0..name.2 - 2.0,
        name.3 - 2.0..name.3 + 14.0,
        ink,
    );
    assert!(column > 0, "the symbol is not drawn at all");
}

#[test]
fn a_long_value_text_breaks_across_pages_instead_of_being_cut_off() {
    // A value was a block that could not break: past a page, the rest of
    // its text was cut off at the page's foot (check passed it).
    let words: Vec<String> = (0..1_000).map(|i| format!("w{i:04}")).collect();
    let (_, out) = with_one_value("\u{1F91D}", "Care", &format!("{} VALEND", words.join(" ")));
    let text = normalize(&all_text(&out.pdf));
    assert!(text.contains("w0999 VALEND"), "{text}");
}

/// `senior-engineer` of the minimal fixture with one value (emoji, name,
/// text): its template data and its PDF.
fn with_one_value(emoji: &str, name: &str, text: &str) -> (serde_json::Value, Rendered) {
    let dir = tempfile::tempdir().unwrap();
    let minimal = root().join("tests/fixtures/minimal");
    fs::copy(
        minimal.join("company.yaml"),
        dir.path().join("company.yaml"),
    )
    .unwrap();
    let family = fs::read_to_string(minimal.join("engineering.yaml")).unwrap();
    let values = format!(
        "values:\n  heading: Values\n  items:\n    - emoji: \"{emoji}\"\n      name: {name}\n      text: {text}\nlevels:"
    );
    fs::write(
        dir.path().join("engineering.yaml"),
        family.replacen("levels:", &values, 1),
    )
    .unwrap();
    let lib = library(dir.path());
    let roles = resolve::resolve_all(&lib).unwrap();
    let senior = role(&roles, "senior-engineer");
    let data = jdgen::data::template_data(&lib.company, senior, &doc());
    (
        data,
        render_ok(default_renderer(), &lib.company, senior, &doc()),
    )
}

/// How many pixels of an A4 page's `pixels` (at 60 dpi, see
/// [`page_pixels`]) in the area `xs` × `ys` (in points) `pick` takes.
fn pixels_in(
    pixels: &[[u8; 3]],
    xs: std::ops::Range<f64>,
    ys: std::ops::Range<f64>,
    pick: impl Fn([u8; 3]) -> bool,
) -> usize {
    let width = 496; // A4 at 60 dpi
    let px = |pt: f64| (pt * 60.0 / 72.0) as usize;
    (px(ys.start)..px(ys.end))
        .flat_map(|y| (px(xs.start)..px(xs.end)).map(move |x| (x, y)))
        .filter(|&(x, y)| pick(pixels[y * width + x]))
        .count()
}

/// How many pixels of all the PDF's pages (at 60 dpi) `pick` takes.
fn pixels_where(pdf: &[u8], pick: impl Fn([u8; 3]) -> bool) -> usize {
    (1..=page_sizes(pdf).len())
        .flat_map(|p| page_pixels(pdf, p))
        .filter(|px| pick(*px))
        .count()
}

#[test]
fn a_hostile_font_folder_cannot_loop_block_or_flood() {
    // Links back to the folder itself (which made the scan read one font
    // 2^17 times), a FIFO (blocked forever), /dev/zero (never ends) and a
    // second link to the same font: each is skipped, the font is read once.
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    std::fs::copy(
        "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf",
        d.join("DejaVuSans.ttf"),
    )
    .expect("this test needs DejaVu fonts: apt-get install fonts-dejavu-core (.ci/run does)");
    for name in ["a", "b", "c"] {
        std::os::unix::fs::symlink(".", d.join(name)).unwrap();
    }
    std::os::unix::fs::symlink(d.join("DejaVuSans.ttf"), d.join("again.ttf")).unwrap();
    std::os::unix::fs::symlink("/dev/zero", d.join("zero.ttf")).unwrap();
    common::mkfifo(&d.join("pipe.ttf"));
    let with_dejavu = Renderer::new(&RenderOptions {
        font_paths: vec![d.to_path_buf()],
        ..RenderOptions::default()
    })
    .unwrap();
    // Same fonts as a folder holding only that file: read once.
    let plain = tempfile::tempdir().unwrap();
    std::fs::copy(
        d.join("DejaVuSans.ttf"),
        plain.path().join("DejaVuSans.ttf"),
    )
    .unwrap();
    let reference = Renderer::new(&RenderOptions {
        font_paths: vec![plain.path().to_path_buf()],
        ..RenderOptions::default()
    })
    .unwrap();
    assert_eq!(with_dejavu.fingerprint(), reference.fingerprint());
    // The same folder named again (5,000 times loaded it 5,000 times,
    // until the process was killed), or through a link: read once.
    std::os::unix::fs::symlink(plain.path(), d.join("again-folder")).unwrap();
    let twice = Renderer::new(&RenderOptions {
        font_paths: vec![plain.path().to_path_buf(); 3]
            .into_iter()
            .chain([d.join("again-folder")])
            .collect(),
        ..RenderOptions::default()
    })
    .unwrap();
    assert_eq!(twice.fingerprint(), reference.fingerprint());
    let (lib, roles) = shipped();
    render_ok(
        &with_dejavu,
        &lib.company,
        role(roles, "senior-social"),
        &doc(),
    );
}

/// Words of a PDF with their boxes: (page, text, xMin, yMin, xMax).
fn words(pdf: &[u8]) -> Vec<(usize, String, f64, f64, f64)> {
    let html = poppler("pdftotext", &["-bbox"], pdf);
    let mut page = 0;
    let mut out = Vec::new();
    for line in html.lines() {
        if line.contains("<page ") {
            page += 1;
        }
        let Some(rest) = line.trim().strip_prefix("<word ") else {
            continue;
        };
        let attr = |name: &str| -> f64 {
            let start = rest.find(&format!("{name}=\"")).unwrap() + name.len() + 2;
            rest[start..].split('"').next().unwrap().parse().unwrap()
        };
        let text = rest.split('>').nth(1).unwrap().split('<').next().unwrap();
        out.push((
            page,
            text.to_string(),
            attr("xMin"),
            attr("yMin"),
            attr("xMax"),
        ));
    }
    out
}

/// Panics unless every word of an A4 PDF lies within the text area's
/// width (59.5–535.7 pt; Typst lets punctuation hang a little past it).
fn assert_within_margins(words: &[(usize, String, f64, f64, f64)]) {
    for w in words {
        assert!(
            w.2 >= 59.0 && w.4 <= 537.0,
            "`{}` on page {} runs past the margin: {w:?}",
            w.1,
            w.0
        );
    }
}

/// Panics if two words on one line of a page overlap (pdftotext's boxes;
/// not for emoji, whose boxes it makes far too tall).
fn assert_no_overlap(words: &[(usize, String, f64, f64, f64)]) {
    for (i, a) in words.iter().enumerate() {
        for b in &words[i + 1..] {
            let same_line = a.0 == b.0 && (a.3 - b.3).abs() < 2.0;
            assert!(
                !(same_line && a.2 < b.4 - 1.0 && b.2 < a.4 - 1.0),
                "`{}` and `{}` overlap: {a:?} {b:?}",
                a.1,
                b.1
            );
        }
    }
}

#[test]
fn long_names_stay_in_their_boxes() {
    // A German level name overprinted the grade beside it; a long website
    // squeezed the company name to a word per line; a long title grew the
    // running header over the top edge of pages 2+.
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    fs::write(
        d.join("company.yaml"),
        "name: Acme International Holdings\nwebsite: https://careers.acme-international-holdings.example.com/en-us/about-us/our-company/handbook/job-families/\n",
    )
    .unwrap();
    let title = "Principal Distinguished Senior Staff Privacy Engineering Officer ".repeat(2);
    let items: Vec<String> = (0..90)
        .map(|i| format!("\"Item {i} with enough words to fill the pages of the document\""))
        .collect();
    fs::write(
        d.join("f.yaml"),
        format!(
            "family: privacy\ntitle: Privacy\nlevels:\n  - id: privacy-one\n    level: Datenschutzbeauftragter\n    title: \"{}\"\n    grade: 999\n    responsibilities:\n      items: [{}]\n",
            title.trim(),
            items.join(", ")
        ),
    )
    .unwrap();
    let lib = library(d);
    let roles = resolve::resolve_all(&lib).unwrap();
    let out = render_ok(default_renderer(), &lib.company, &roles[0], &doc());
    let w = words(&out.pdf);
    let find = |p: usize, t: &str| {
        w.iter()
            .find(|x| x.0 == p && x.1 == t)
            .unwrap_or_else(|| panic!("no `{t}` on page {p}"))
    };
    let grade = find(1, "999");
    for part in w
        .iter()
        .filter(|x| x.0 == 1 && "Datenschutzbeauftragter".contains(x.1.as_str()) && x.1.len() > 3)
    {
        assert!(
            part.4 < grade.2,
            "level `{}` runs into the grade: {part:?} {grade:?}",
            part.1
        );
    }
    let acme = find(1, "Acme");
    let holdings = find(1, "Holdings");
    assert!(
        (acme.3 - holdings.3).abs() < 1.0,
        "company name wrapped: {acme:?} {holdings:?}"
    );
    assert!(
        w.iter().filter(|x| x.0 == 1).all(|x| x.4 <= 595.0),
        "a word runs off the page"
    );
    let pages = w.iter().map(|x| x.0).max().unwrap();
    assert!(pages >= 2);
    for p in 2..=pages {
        assert!(
            w.iter().filter(|x| x.0 == p).all(|x| x.3 >= 0.0),
            "page {p}: header above the page"
        );
    }
}

#[test]
fn a_word_too_wide_for_its_box_is_hyphenated_where_the_language_allows() {
    // Ordinary German job words overran the fact boxes and the career
    // ladder's cells and were chopped every 4 letters with no hyphen
    // (`Datenschutzb|eauftragter`, `…managemen|t` with a lone `t`). A word
    // the language's hyphenation fits is now hyphenated; only what it
    // cannot fit (`WWW…`) is still chopped.
    let family = "family: cmp\ntitle: \"Informationssicherheitsmanagement und Qualitätssicherung\"\nlevels:\n  - id: cmp-a\n    level: Datenschutzbeauftragter\n    title: \"Leitende:r Qualitätssicherungsingenieur:in Informationssicherheitsmanagement\"\n    grade: 5\n    reports_to: \"Bereichsleitung Informationssicherheitsmanagement\"\n  - id: cmp-b\n    level: Abteilungsleitungsstellvertretung\n    title: \"Abteilungsleitungsstellvertretung Informationssicherheit\"\n    grade: 6\n  - id: cmp-c\n    level: WWWWWWWWWWWWWWWWWWWWWWWW\n    title: W\n    grade: 7\n";
    let pdf = render_files(
        default_renderer(),
        "name: GitLab\nwebsite: https://about.gitlab.com\nlanguage: de\n",
        family,
        "cmp-a",
        &doc(),
    );
    // The hyphen Typst draws at a break is not in the extracted text, so
    // the breaks are told apart by where they fall: at a syllable, not
    // every 4 letters (the chops `Datenschutzb`, `Informationssicherheitsm`).
    // (A soft hyphen ends the line's text.)
    let text = all_text(&pdf).replace('\u{ad}', "");
    let tokens: Vec<&str> = text.split_whitespace().collect();
    for pair in [
        ["Datenschutz", "beauftragter"],
        ["Informationssicherheitsma", "nagement"],
    ] {
        assert!(
            tokens.windows(2).any(|w| w == pair),
            "no `{}|{}`:\n{text}",
            pair[0],
            pair[1]
        );
    }
    for chop in ["Datenschutzb", "Informationssicherheitsm", "Informat", "t"] {
        assert!(!tokens.contains(&chop), "chopped at `{chop}`:\n{text}");
    }
    // No hyphenation fits 24 W's into the ladder's level column: chopped.
    let ws: Vec<&&str> = tokens.iter().filter(|t| t.starts_with("WWW")).collect();
    assert!(
        ws.len() >= 2 && ws.iter().all(|t| !t.ends_with('-')),
        "{ws:?}"
    );
    // Inside the right margin (21 mm of A4's 595pt).
    let right = 595.28 - 21.0 / 25.4 * 72.0 + 0.5;
    let w = words(&pdf);
    assert!(
        w.iter().filter(|x| x.0 == 1).all(|x| x.4 <= right),
        "a word runs into the margin: {w:?}"
    );
    // A word in two styles: each piece fits alone, and no hyphenation
    // breaks between them; they are chopped as before (they ran one line
    // past the margin, nearly off the page).
    let two = family.replace(
        "    reports_to: \"Bereichsleitung Informationssicherheitsmanagement\"",
        "    reports_to: \"WWWWWWWWWW*WWWWWWWWWW*\"",
    );
    assert_ne!(two, family);
    // Page 1 of cmp-a in German, every word of it inside the margin.
    let inside = |company: &str, family: &str| {
        let pdf = render_files(default_renderer(), company, family, "cmp-a", &doc());
        let w = words(&pdf);
        assert!(
            w.iter().filter(|x| x.0 == 1).all(|x| x.4 <= right),
            "a word runs into the margin: {w:?}"
        );
        pdf
    };
    inside(
        "name: GitLab\nwebsite: https://about.gitlab.com\nlanguage: de\n",
        &two,
    );
    // Quotes around a word leave it a word (it was chopped,
    // `„Datenschutzb|eauftragter“`); German's reversed guillemets too.
    for (open, close) in [("„", "“"), ("»", "«")] {
        let quoted = family.replace(
            "    level: Datenschutzbeauftragter\n",
            &format!("    level: \"{open}Datenschutzbeauftragter{close}\"\n"),
        );
        assert_ne!(quoted, family);
        let pdf = inside(
            "name: GitLab\nwebsite: https://about.gitlab.com\nlanguage: de\n",
            &quoted,
        );
        let text = all_text(&pdf).replace('\u{ad}', "");
        let tokens: Vec<&str> = text.split_whitespace().collect();
        let pair = [format!("{open}Datenschutz"), format!("beauftragter{close}")];
        assert!(tokens.windows(2).any(|w| w == pair), "{text}");
    }
    // A web address is no word to hyphenate: its pieces are chopped, with
    // no hyphen, and none hangs past the margin (they did, by 2pt).
    let pdf = inside(
        "name: GitLab\nwebsite: https://example.com/Informationssicherheitsmanagementabteilungsleitung/Datenschutzbeauftragtenstelle\nlanguage: de\n",
        family,
    );
    let text = all_text(&pdf).replace('\u{ad}', "");
    let site: Vec<&str> = text
        .split_whitespace()
        .filter(|t| t.contains("Informations") || t.contains("Datenschutzbeauftragten"))
        .filter(|t| t.contains('/') || t.contains(".com"))
        .collect();
    assert!(!site.is_empty(), "{text}");
    assert!(site.iter().all(|t| !t.ends_with('-')), "{site:?}");
}

#[test]
fn a_long_company_name_keeps_the_running_header_to_one_line() {
    // From about 86 letters the name and a title wrapped the header of
    // pages 2+, the title's last word under the name. The name is now cut
    // with `…` (a name of up to some 78 letters is kept whole).
    let name = "Deutsche Gesellschaft für Internationale Zusammenarbeit (GIZ) GmbH Holding Services International";
    let items: Vec<String> = (0..90)
        .map(|i| format!("\"Item {i} with enough words to fill the pages of the document\""))
        .collect();
    let pdf = render_files(
        default_renderer(),
        &format!("name: \"{name}\"\nwebsite: https://giz.example\n"),
        &format!(
            "family: pm\ntitle: PM\nlevels:\n  - id: pm-one\n    level: Intermediate\n    title: \"Product Manager - Marketing (Intermediate)\"\n    responsibilities:\n      items: [{}]\n",
            items.join(", ")
        ),
        "pm-one",
        &doc(),
    );
    let w = words(&pdf);
    let header: Vec<_> = w.iter().filter(|x| x.0 == 2 && x.3 < 50.0).collect();
    assert!(header.len() > 5, "{header:?}");
    assert!(
        header.iter().all(|x| (x.3 - header[0].3).abs() < 1.0),
        "the header wrapped: {header:?}"
    );
    let line: Vec<&str> = header.iter().map(|x| x.1.as_str()).collect();
    let line = line.join(" ");
    assert!(
        line.starts_with("Deutsche Gesellschaft") && line.contains("…") && line.contains("Product"),
        "{line}"
    );
    // The letterhead of page 1 prints the whole name.
    let text = normalize(&all_text(&pdf));
    assert!(text.contains("International"), "{text}");
}

#[test]
fn a_name_and_title_of_wide_capitals_keep_the_running_header_to_one_line() {
    // jdgen cuts the running name and title by a per-character estimate,
    // which runs low for wide capitals: 70 `W` or `ЖЩЮШ` wrapped the
    // header. The template now shrinks the header's text to what fits.
    let items: Vec<String> = (0..90)
        .map(|i| format!("\"Item {i} with enough words to fill the pages of the document\""))
        .collect();
    for (name, title) in [
        ("W".repeat(70), "M".repeat(60)),
        ("ЖЩЮШ ".repeat(16), "ЖЩЮШ ".repeat(14)),
        (
            "WM ".repeat(30),
            "Product Manager - Marketing (Intermediate)".to_string(),
        ),
    ] {
        let pdf = render_files(
            default_renderer(),
            &format!("name: \"{}\"\nwebsite: https://wide.example\n", name.trim()),
            &format!(
                "family: pm\ntitle: PM\nlevels:\n  - id: pm-one\n    level: Intermediate\n    title: \"{}\"\n    responsibilities:\n      items: [{}]\n",
                title.trim(),
                items.join(", ")
            ),
            "pm-one",
            &doc(),
        );
        let w = words(&pdf);
        let header: Vec<_> = w.iter().filter(|x| x.0 == 2 && x.3 < 50.0).collect();
        assert!(header.len() >= 2, "{name}: {header:?}");
        assert!(
            header.iter().all(|x| (x.3 - header[0].3).abs() < 1.0),
            "{name}: the header wrapped: {header:?}"
        );
        assert!(
            header.iter().all(|x| x.2 >= 0.0 && x.4 <= 595.0),
            "{name}: the header runs off the page: {header:?}"
        );
    }
}

#[test]
fn wide_letters_break_where_they_would_overrun() {
    // Runs of W's shorter than the 36-character long-word rule ran off the
    // page in the title and the letterhead, past a fact box, over the
    // next column of the career ladder and past the signature's column.
    // Each run ends in its own two letters so that it can be found whole
    // in the text once its pieces are joined.
    let w = |n: usize, tag: &str| format!("{}{tag}", "W".repeat(n - 2));
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    // The website too: a piece between its `/`s wider than its 40% column
    // ran left over the company name.
    fs::write(
        d.join("company.yaml"),
        format!(
            "name: {}\nwebsite: https://example.com/{}/x\n",
            w(34, "co"),
            w(35, "ws")
        ),
    )
    .unwrap();
    fs::write(
        d.join("f.yaml"),
        format!(
            "family: wide\ntitle: {}\nlevels:\n  - id: wide-one\n    level: {}\n    title: Senior {}\n    grade: 3\n  - id: wide-two\n    level: {}\n    title: {}\n    grade: 4\n",
            w(20, "fa"),
            w(12, "lv"),
            w(30, "ti"),
            w(30, "lw"),
            w(35, "lt"),
        ),
    )
    .unwrap();
    let lib = library(d);
    let roles = resolve::resolve_all(&lib).unwrap();
    let options = DocumentOptions {
        signature: true,
        ..doc()
    };
    let out = render_ok(
        default_renderer(),
        &lib.company,
        role(&roles, "wide-one"),
        &options,
    );
    let words = words(&out.pdf);
    assert_within_margins(&words);
    assert_no_overlap(&words);
    let joined: String = poppler("pdftotext", &[], &out.pdf)
        .split_whitespace()
        .collect();
    for run in [
        w(34, "co"),
        w(20, "fa"),
        w(12, "lv"),
        format!("Senior{}", w(30, "ti")),
        w(30, "lw"),
        w(35, "lt"),
        format!("example.com/{}/x", w(35, "ws")),
    ] {
        assert!(joined.contains(&run), "{run} lost: {joined}");
    }
    // The website keeps to its 40% of the letterhead's line (its W's, at
    // 8 pt, are under 10 pt wide; the name's, at 15 pt, over).
    let site_column = 535.7 - 0.4 * (535.7 - 59.5) - 1.0;
    let small =
        |x: &(usize, String, f64, f64, f64)| (x.4 - x.2) / (x.1.chars().count() as f64) < 10.0;
    for x in words
        .iter()
        .filter(|x| x.0 == 1 && x.3 < 110.0 && x.1.starts_with("WWW") && small(x))
    {
        assert!(x.2 >= site_column, "the website runs over the name: {x:?}");
    }
    // What fits is left whole: the level name that breaks in its narrow
    // fact box is one word in the ladder's wider level column.
    assert!(
        words.iter().any(|x| x.1 == w(12, "lv")),
        "{:?}",
        words.iter().map(|x| &x.1).collect::<Vec<_>>()
    );
}

#[test]
fn runs_that_no_line_may_break_inside_wrap_whatever_their_characters() {
    // A rule by character class saw `-` and `/` as break points, but no
    // line may break between them and a digit, nor at a space before `?`
    // or between dashes: these items ran off the page and lost their
    // ends; the level name and the cost centre overran their boxes.
    let numbers: Vec<String> = (1000..1024).map(|n| n.to_string()).collect();
    let dashed = numbers.join("-");
    let slashed = numbers.join("/");
    let questions = "? ".repeat(40);
    let dashes = "\u{2014} ".repeat(40);
    let yaml = format!(
        "family: runs\ntitle: Runs\nlevels:\n  - id: runs-one\n    level: L5-2024-0701-0702\n    title: Analyst\n    reports_to: Cost centre 4000-1234-5678-9012-3456\n    responsibilities:\n      items:\n        - \"Reconcile {dashed} END\"\n        - \"Cost centres {slashed} END\"\n        - \"Asked {} END\"\n        - \"Dashes {} END\"\n",
        questions.trim(),
        dashes.trim()
    );
    let pdf = render_family(&yaml, "runs-one");
    assert_within_margins(&words(&pdf));
    let joined: String = poppler("pdftotext", &[], &pdf).split_whitespace().collect();
    for run in [
        format!("Reconcile{dashed}END"),
        format!("Costcentres{slashed}END"),
        format!("Asked{}END", questions.replace(' ', "")),
        format!("Dashes{}END", dashes.replace(' ', "")),
        "L5-2024-0701-0702".to_string(),
        "4000-1234-5678-9012-3456".to_string(),
    ] {
        assert!(joined.contains(&run), "{run} lost: {joined}");
    }
}

#[test]
fn long_level_names_leave_the_ladder_titles_room() {
    // A 58-character level name took the ladder's level column nearly to
    // the grade, squeezing every title to a few words per line.
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    fs::copy(
        "tests/fixtures/minimal/company.yaml",
        d.join("company.yaml"),
    )
    .unwrap();
    fs::write(
        d.join("f.yaml"),
        "family: lad\ntitle: Ladder\nlevels:\n  - id: lad-one\n    level: Principal Distinguished Senior Staff Engineering Leader XY\n    title: Zebra Keeper\n    grade: 5\n  - id: lad-two\n    level: Short\n    title: Quokka Keeper\n    grade: 6\n",
    )
    .unwrap();
    let lib = library(d);
    let roles = resolve::resolve_all(&lib).unwrap();
    let out = render_ok(default_renderer(), &lib.company, &roles[1], &doc());
    let w = words(&out.pdf);
    let zebra = w.iter().find(|x| x.1 == "Zebra").expect("ladder title");
    assert!(
        zebra.2 < 595.0 / 2.0,
        "the title column starts past the middle: {zebra:?}"
    );
    for part in w
        .iter()
        .filter(|x| (x.1 == "Distinguished" || x.1 == "Leader") && (x.3 - zebra.3).abs() < 30.0)
    {
        assert!(
            part.4 < zebra.2,
            "level runs into the title: {part:?} {zebra:?}"
        );
    }
}

#[test]
fn the_deepest_nesting_check_allows_still_renders() {
    // check refuses YAML nested over 32 levels; everything up to that must
    // render: 35 nested hiring steps once exceeded the template's call
    // depth and ~20 nested links Typst's JSON recursion limit.
    fn steps(n: usize) -> String {
        if n == 0 {
            "\"leaf step\"".into()
        } else {
            format!("{{text: \"step {n}\", steps: [{}]}}", steps(n - 1))
        }
    }
    fn sections(n: usize) -> String {
        if n == 0 {
            "{heading: \"leaf\", paragraphs: [\"x\"]}".into()
        } else {
            format!("{{heading: \"s{n}\", sections: [{}]}}", sections(n - 1))
        }
    }
    let links = format!("{}deep{}", "[**_".repeat(3), "_**](/x)".repeat(3));
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    fs::copy(fixture("../minimal/company.yaml"), d.join("company.yaml")).unwrap();
    fs::write(
        d.join("f.yaml"),
        format!(
            "family: f\ntitle: F\nhiring_process:\n  steps: [{}]\nsections: [{}]\nlevels:\n  - id: f-one\n    level: A\n    title: A\n    notes: [\"{links}\"]\n",
            steps(14),
            sections(14)
        ),
    )
    .unwrap();
    let lib = library(d);
    let roles = resolve::resolve_all(&lib).unwrap();
    let out = render_ok(default_renderer(), &lib.company, &roles[0], &doc());
    let text = all_text(&out.pdf);
    assert!(
        text.contains("leaf step") && text.contains("deep"),
        "{text}"
    );
}

#[test]
fn no_page_ends_on_a_heading_or_a_line_that_introduces_what_follows() {
    // A family whose junior level gets 0 to 29 extra items, so that page
    // breaks fall at every place in the levels' lists, values, ladder and
    // hiring process. A page used to end on "All of the above requirements
    // and:", "Career ladder" and its text, or a step's "… may include:",
    // with what they introduce overleaf.
    let base = fs::read_to_string(fixture("keep-together/data-engineering.yaml")).unwrap();
    let anchor = "        - Fix failing Airflow DAGs from the on-call queue\n";
    assert!(base.contains(anchor));
    let dir = tempfile::tempdir().unwrap();
    fs::copy(
        fixture("keep-together/company.yaml"),
        dir.path().join("company.yaml"),
    )
    .unwrap();
    for n in 0..30 {
        let extra: String = (0..n)
            .map(|i| format!("        - Extra item {i}, long enough to wrap onto a second line on some pages of the document\n"))
            .collect();
        let text = base
            .replace(anchor, &format!("{anchor}{extra}"))
            .replace("-data-eng", &format!("-data-eng-{n}"))
            .replace(
                "family: data-engineering",
                &format!("family: data-engineering-{n}"),
            );
        fs::write(dir.path().join(format!("de{n}.yaml")), text).unwrap();
    }
    let lib = library(dir.path());
    let roles = resolve::resolve_all(&lib).unwrap();
    assert_eq!(roles.len(), 90);
    let headings = [
        "Responsibilities",
        "Requirements",
        "Career ladder",
        "Hiring process",
        "Performance indicators",
        "Relevant links",
    ];
    let mut page_ends = std::collections::BTreeSet::new();
    for role in &roles {
        let pdf = render_ok(default_renderer(), &lib.company, role, &doc()).pdf;
        let text = body_text(&pdf);
        let pages: Vec<&str> = text
            .split('\u{c}')
            .filter(|p| !p.trim().is_empty())
            .collect();
        for page in &pages[..pages.len() - 1] {
            let last = page
                .lines()
                .rev()
                .map(str::trim)
                .find(|l| !l.is_empty())
                .unwrap();
            assert!(
                !last.ends_with(':') && !headings.contains(&last) && !last.starts_with("From "),
                "{}: a page ends on {last:?}",
                role.id
            );
            page_ends.insert(last.to_string());
        }
    }
    // The sweep did move the breaks through the document.
    assert!(page_ends.len() >= 20, "{page_ends:?}");
}

#[test]
fn pdf_a_1_names_the_built_in_template_and_what_is_transparent() {
    // The error named `templates/job-description.typ`, a file that need
    // not exist where jdgen runs, and typst's help said only to try
    // another standard.
    let r = Renderer::new(&RenderOptions {
        pdf_standard: Some("a-1b".into()),
        ..RenderOptions::default()
    })
    .unwrap();
    let (lib, roles) = shipped();
    let text = jdgen::diag::render(&render_errors(
        &r,
        &lib.company,
        role(roles, "senior-social"),
    ));
    assert!(
        text.contains("<built-in template>/job-description.typ: error: role `senior-social`: PDF/A-1b error: the PDF contains transparency"),
        "{text}"
    );
    assert!(text.contains("use `--pdf-standard a-2b`"), "{text}");
    // A family without values' emoji meets PDF/A-1b.
    render_ok(&r, &lib.company, role(roles, "senior-mops"), &doc());
    // A template of one's own: its own transparency, no word of emoji.
    let dir = tempfile::tempdir().unwrap();
    let tpl = dir.path().join("t.typ");
    fs::write(
        &tpl,
        "#box(fill: rgb(255, 0, 0, 50%), width: 2cm, height: 1cm)\n",
    )
    .unwrap();
    let r = Renderer::new(&RenderOptions {
        template: Some(tpl),
        pdf_standard: Some("a-1b".into()),
        ..RenderOptions::default()
    })
    .unwrap();
    let text = jdgen::diag::render(&render_errors(&r, &lib.company, role(roles, "senior-mops")));
    assert!(text.contains("t.typ:1:2: error:"), "{text}");
    assert!(!text.contains("emoji"), "{text}");
}

/// What the shell line `command` prints run on a pseudo-terminal
/// (util-linux `script`), from the repository root.
fn on_terminal(command: &str) -> String {
    let o = StdCommand::new("script")
        .args(["-qec", command, "/dev/null"])
        .current_dir(root())
        .env_remove("JDGEN_ROLES")
        .stdin(std::process::Stdio::null())
        .output()
        .expect("util-linux `script` runs");
    String::from_utf8_lossy(&o.stdout).into_owned()
}

#[test]
fn the_path_printed_on_a_terminal_is_escaped_and_raw_for_a_script() {
    // `pdf --role X` prints the path it wrote on stdout (for scripts); on a
    // terminal, an ESC, BEL or bidi override in `-o` reached it raw.
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out\u{1b}]0;x\u{7}\u{202e}d");
    let command = format!(
        "'{}' pdf --role senior-social -o '{}/' 2>/dev/null",
        assert_cmd::cargo::cargo_bin("jdgen").display(),
        out.display()
    );
    let shown = on_terminal(&command);
    assert!(
        shown.contains("out\\u{1b}]0;x\\u{7}\\u{202e}d/senior-social.pdf"),
        "{shown:?}"
    );
    assert!(
        !shown.contains('\u{1b}') && !shown.contains('\u{202e}'),
        "{shown:?}"
    );
    // To a pipe: the real path, for the script that reads it.
    let o = jdgen()
        .current_dir(root())
        .args(["pdf", "--role", "senior-social", "-o"])
        .arg(format!("{}/", out.display()))
        .output()
        .unwrap();
    assert_eq!(
        String::from_utf8_lossy(&o.stdout).trim_end(),
        out.join("senior-social.pdf").display().to_string()
    );
}

#[test]
fn every_path_written_goes_to_stdout_wherever_stderr_goes() {
    // With stderr on a terminal, or with two roles, the path went to stderr
    // as `wrote …`: `p=$(jdgen pdf --role x)` typed at a terminal
    // captured nothing.
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("o");
    let jd = assert_cmd::cargo::cargo_bin("jdgen");
    let command = format!(
        "p=$('{}' pdf --role senior-social --role staff-mops -o '{}/'); echo \"captured=[$p]\"",
        jd.display(),
        out.display()
    );
    let shown = on_terminal(&command).replace('\r', "");
    let expected = format!(
        "captured=[{}\n{}]",
        out.join("senior-social.pdf").display(),
        out.join("staff-mops.pdf").display()
    );
    assert!(shown.contains(&expected), "{shown:?}");
    assert!(!shown.contains("wrote "), "{shown:?}");
}

#[test]
fn all_of_the_above_follows_what_it_refers_to() {
    // The intro "All of the above responsibilities and:" printed first,
    // above the level's own items, with the inherited ones after them:
    // nothing was above. Now the seed page's order: the levels below,
    // lowest first, then this level's own items under their intro.
    let (lib, roles) = shipped();
    let out = render_ok(
        default_renderer(),
        &lib.company,
        role(roles, "staff-mops"),
        &doc(),
    );
    let text = normalize(&all_text(&out.pdf));
    assert_in_order(
        &text,
        &[
            "From Marketing Operations Manager · grade 6",
            "From Senior Marketing Operations Manager · grade 7",
            "At the Staff level",
            "All of the above responsibilities and:",
            "Provide technical and functional knowledge",
            // Restated from Senior, printed once, in Staff's own list.
            "Collaborate across functions",
            "Implement technical and strategic decisions",
        ],
    );
    assert_eq!(
        text.matches("Collaborate across functions").count(),
        1,
        "{text}"
    );
}

#[test]
fn an_intro_with_only_inherited_items_is_not_read_as_the_familys() {
    // With no own items, the intro ("All of the above, and:") printed right
    // under the family-wide list, as if it were that list's.
    let pdf = render_family(
        "family: f\ntitle: Fam\nresponsibilities:\n  items: [Shared duty]\nlevels:\n  - id: f-a\n    level: Junior\n    title: Junior F\n    responsibilities:\n      items: [Junior duty]\n  - id: f-b\n    level: Senior\n    title: Senior F\n    responsibilities:\n      builds_on: f-a\n      intro: \"All of the above, and:\"\n",
        "f-b",
    );
    assert_in_order(
        &normalize(&all_text(&pdf)),
        &[
            "Shared duty",
            "At the Senior level",
            "All of the above, and:",
            "From Junior F",
            "Junior duty",
        ],
    );
}

#[test]
fn tall_ladders_and_notes_break_across_pages_rather_than_run_off() {
    // A ladder of 15 levels was always kept whole: with 150-character
    // titles its last rows were drawn on one another, over the footer. A
    // note of 90 short lines (360 bytes) was kept whole too, and lost its
    // last 32 lines at the page's foot.
    let mut yaml = String::from(
        "family: tall\ntitle: Tall\ncareer_ladder: [The next step is in the table below.]\nlevels:\n",
    );
    for i in 0..15 {
        yaml.push_str(&format!(
            "  - id: tall-{i}\n    level: Senior Principal Individual Contributor {i:02}\n    title: \"Senior Principal Marketing Operations Manager, Demand Generation, Lifecycle Marketing, Marketing Technology and Revenue Operations, EMEA & APAC Row{i:02}\"\n    grade: {}\n",
            i + 1
        ));
    }
    // Two notes: one broken by `\n`, one by `\r` (a line break too).
    let lines = |word: &str, sep: &str| {
        (0..90)
            .map(|i| format!("{word}{i:02}"))
            .collect::<Vec<_>>()
            .join(sep)
    };
    yaml.push_str(&format!(
        "    notes: [\"{}\", \"{}\"]\n",
        lines("Line", "\\n"),
        lines("Cr", "\\r")
    ));
    let w = words(&render_family(&yaml, "tall-14"));
    // Every row once, each in a place of its own, above the footer.
    let mut places = Vec::new();
    for i in 0..15 {
        let token = format!("Row{i:02}");
        let at: Vec<(usize, i64)> = w
            .iter()
            .filter(|(_, t, ..)| *t == token)
            .map(|(p, _, _, y, _)| (*p, *y as i64))
            .collect();
        assert!(!at.is_empty(), "{token} missing");
        assert!(at.iter().all(|(_, y)| *y < 790), "{token} at {at:?}");
        places.extend(at);
    }
    let mut unique = places.clone();
    unique.sort();
    unique.dedup();
    assert_eq!(
        unique.len(),
        places.len(),
        "rows drawn on one another: {places:?}"
    );
    // Every line of the notes, above the footer.
    for token in (0..90).flat_map(|i| [format!("Line{i:02}"), format!("Cr{i:02}")]) {
        let at: Vec<_> = w.iter().filter(|(_, t, ..)| *t == token).collect();
        assert_eq!(at.len(), 1, "{token}: {at:?}");
        assert!(at[0].3 < 790.0, "{token} at {:?}", at[0]);
    }
    // A ladder of 12 ordinary rows (40-character titles) that fits a page
    // stays whole: a first fix, which estimated its height, split it.
    let mut yaml = String::from("family: short\ntitle: Short\nintro:\n");
    for i in 0..14 {
        yaml.push_str(&format!("  - \"Paragraph {i} of the family's introduction, long enough to take two lines of the page when it is laid out in the document.\"\n"));
    }
    yaml.push_str("levels:\n");
    for i in 0..12 {
        yaml.push_str(&format!(
            "  - {{id: short-{i}, level: Level {i}, title: \"Associate Marketing Operations Manager R{i:02}\", grade: {}}}\n",
            i + 1
        ));
    }
    let w = words(&render_family(&yaml, "short-0"));
    // (R00 is this role's title, in the heading and every page's header.)
    let pages: std::collections::BTreeSet<usize> = (1..12)
        .map(|i| {
            let token = format!("R{i:02}");
            w.iter()
                .find(|(_, t, ..)| *t == token)
                .unwrap_or_else(|| panic!("{token} missing"))
                .0
        })
        .collect();
    assert_eq!(pages.len(), 1, "the ladder was split over pages {pages:?}");
}

#[test]
fn a_ladder_stays_with_its_heading_and_text() {
    // A table of about 90% of the page was kept whole, so its heading and
    // two paragraphs of text went to a page of their own, the rest of it
    // blank, and the table to the next: read as a missing ladder.
    let lib = library(&fixture("ladder-with-text"));
    let roles = resolve::resolve_all(&lib).unwrap();
    let out = render_ok(
        default_renderer(),
        &lib.company,
        role(&roles, "role-1"),
        &doc(),
    );
    let w = words(&out.pdf);
    let (page, _, _, y, _) = w
        .iter()
        .find(|(_, t, ..)| t == "ladder")
        .expect("the Career ladder heading");
    // A row (level names start `Lv`) below the heading on its page.
    assert!(
        w.iter()
            .any(|(p, t, _, ry, _)| p == page && ry > y && t.starts_with("Lv")),
        "no ladder row on page {page} under its heading"
    );
}

#[test]
fn very_long_runs_that_typst_may_break_print_whole_inside_the_margins() {
    // 20,000 backslashes beside a run that turns the long-run rule on: the
    // rule measured the backslashes on one endless line, which costs the
    // square of the length where Typst may break inside a run (20,000
    // backslashes and 20,000 hyphens took 164 s, docs/performance.md; the
    // time is measured there, not here). Now a run that long is not
    // measured: it is broken as any run wider than half the line is.
    let yaml = format!(
        "family: fam\ntitle: Fam\nlevels:\n  - id: a\n    level: One\n    title: R\n    responsibilities:\n      items:\n        - \"{}\"\n        - \"{}\"\n        - \"{}\"\n        - \"{}\"\n",
        "q".repeat(500),
        "\\\\".repeat(20_000),
        "-".repeat(20_000),
        "[q]".repeat(5_000),
    );
    let pdf = render_family(&yaml, "a");
    // Every page's text but its footer line (whose date has hyphens).
    let text: String = poppler("pdftotext", &["-raw"], &pdf)
        .split('\u{c}')
        .flat_map(|page| page.lines().filter(|l| !l.contains("Page ")))
        .flat_map(|l| l.chars().filter(|c| !c.is_whitespace()))
        .collect();
    assert_eq!(text.matches('\\').count(), 20_000);
    assert_eq!(text.matches('-').count(), 20_000);
    assert_eq!(text.matches("[q]").count(), 5_000);
    assert_eq!(text.matches('q').count(), 500 + 5_000);
    assert_within_margins(&words(&pdf));
}

#[test]
fn autolinks_print_their_address_as_a_link() {
    // `<https://…>` (pasted Markdown) printed with its brackets, and was
    // no link.
    let pdf = render_family(
        "family: fam\ntitle: T\nlevels:\n  - id: a-b\n    level: A\n    title: X\n    responsibilities:\n      items:\n        - \"Read <https://x.test/guide> or write to <jobs@x.test>\"\n",
        "a-b",
    );
    let text = normalize(&all_text(&pdf));
    assert!(
        text.contains("Read https://x.test/guide or write to jobs@x.test"),
        "{text}"
    );
    let raw = String::from_utf8_lossy(&pdf);
    assert!(raw.contains("(https://x.test/guide)"), "no link annotation");
    assert!(raw.contains("(mailto:jobs@x.test)"), "no mail link");
}

#[test]
fn link_addresses_in_the_pdf_are_ascii() {
    // A PDF link's address must be 7-bit ASCII: `bücher.de/ü` went in as
    // raw UTF-8, which viewers mangle.
    let pdf = render_family(
        "family: fam\ntitle: T\nlevels:\n  - id: a-b\n    level: A\n    title: X\n    responsibilities:\n      items:\n        - \"[idn](https://bücher.de/ü?q=ä#frag), [smile](https://e.test/🙂) and [site](/jobs/übersicht)\"\n",
        "a-b",
    );
    let raw = String::from_utf8_lossy(&pdf);
    let uris: Vec<&str> = raw
        .split("/URI")
        .skip(1)
        .filter_map(|rest| rest.trim_start().strip_prefix('('))
        .map(|rest| rest.split(')').next().unwrap())
        .collect();
    for want in [
        "https://xn--bcher-kva.de/%C3%BC?q=%C3%A4#frag",
        "https://e.test/%F0%9F%99%82",
        "/jobs/%C3%BCbersicht",
    ] {
        assert!(uris.iter().any(|u| u.ends_with(want)), "{want}: {uris:?}");
    }
    // Three links and the letterhead's website, each as an ASCII string.
    assert_eq!(uris.len(), 4, "{uris:?}");
    assert!(uris.iter().all(|u| u.is_ascii()), "{uris:?}");
    // The text prints as written.
    let text = all_text(&pdf);
    assert!(text.contains("idn, smile and site"), "{text}");
}

#[test]
fn each_text_keeps_its_own_direction_and_the_templates_english_reads_left_to_right() {
    // In an Arabic document every paragraph was laid out right to left: an
    // English item printed its full stop at the left end, and the built-in
    // acknowledgement read "and understand the شركة at )grade 7( …".
    let r = dejavu_renderer();
    let family = "family: mkt\ntitle: التسويق\nlevels:\n  - id: a-b\n    level: Senior\n    title: مدير التسويق\n    grade: 7\n    responsibilities:\n      items:\n        - إدارة الحملات التسويقية.\n        - Plan campaigns for Q3 (English item).\n";
    for (language, arabic_document) in [("ar", true), ("en", false)] {
        let signed = DocumentOptions {
            signature: true,
            ..doc()
        };
        let company = format!("name: شركة\nwebsite: https://example.com\nlanguage: {language}\n");
        let pdf = render_files(r, &company, family, "a-b", &signed);
        let text = all_text(&pdf);
        let lines: Vec<&str> = text
            .lines()
            .map(|l| l.trim().trim_start_matches("• "))
            .collect();
        // (pdftotext writes what it reads in the order it is drawn.)
        assert!(
            lines
                .iter()
                .any(|l| l.starts_with("Plan campaigns for Q3 (English item).")),
            "{language}: {text}"
        );
        assert!(
            lines
                .iter()
                .any(|l| l.starts_with("I have read this job description for the position of")),
            "{language}: {text}"
        );
        assert!(
            lines
                .iter()
                .any(|l| l.starts_with("responsibilities and requirements of the role.")),
            "{language}: {text}"
        );
        assert!(text.contains("Employee — signature"), "{language}: {text}");
        // The Arabic item reads right to left in either document: its full
        // stop is drawn first.
        assert!(
            // (Not the word with the lam-alef ligature, which pdftotext
            // takes apart in the wrong order.)
            lines
                .iter()
                .any(|l| l.starts_with(".") && l.contains("التسويقية")),
            "{language} (Arabic document: {arabic_document}): {text}"
        );
    }
}

#[test]
fn ascii_arrows_and_times_print_as_written_not_as_symbols() {
    // Inter's contextual alternates drew `->` as the arrow `→` (the same
    // pixels), `!=` as `≠`, `3x4` as `3×4`: not what the role file says.
    let page = |item: &str| {
        let pdf = render_files(
            default_renderer(),
            "name: Acme\nwebsite: https://example.com\ndata_version: \"1\"\n",
            &format!(
                "family: fam\ntitle: T\nlevels:\n  - id: a-b\n    level: A\n    title: X\n    responsibilities:\n      items:\n        - \"{item}\"\n"
            ),
            "a-b",
            &doc(),
        );
        if item.is_ascii() {
            assert!(all_text(&pdf).contains(item), "{item}");
        }
        page_pixels(&pdf, 1)
    };
    for (written, symbol) in [
        ("Lead -> Won", "Lead → Won"),
        ("a != b", "a ≠ b"),
        ("a 3x4 grid", "a 3×4 grid"),
    ] {
        // (Not `assert_ne!`: it would print every pixel.)
        assert!(
            page(written) != page(symbol),
            "`{written}` printed as `{symbol}`"
        );
    }
    // Text without such sequences keeps them (hyphens and colons placed
    // between capitals and digits): the shipped roles are byte-identical.
    assert!(!jdgen::data::has_symbol_sequence(
        "Q3 2026-11-01 12:30 A-B (R) x 10"
    ));
    assert!(jdgen::data::has_symbol_sequence("2 x 3"));
}

#[test]
fn a_right_to_left_reports_to_sits_on_the_facts_row_line() {
    // In a left-to-right document a Hebrew `reports_to` printed 3.4pt lower
    // than the other facts: its alignment of its own split the fact's
    // paragraph, and the value took a paragraph's spacing.
    let pdf = render_family(
        "family: fam\ntitle: Marketing\nlevels:\n  - id: he-a\n    level: Senior\n    title: Senior Marketing Manager\n    grade: 7\n    reports_to: \"סמנכ\\\"ל שיווק (VP Marketing)\"\n",
        "he-a",
    );
    let w = words(&pdf);
    let top = |t: &str| {
        w.iter()
            // In the facts row, below the title (which has "Senior" too).
            .find(|x| x.0 == 1 && x.1 == t && x.3 > 170.0)
            .unwrap_or_else(|| panic!("no `{t}`: {w:?}"))
            .3
    };
    let level = top("Senior");
    let vp = top("VP");
    assert!(
        (level - vp).abs() < 0.5,
        "level at {level}, reports_to at {vp}"
    );
}

#[test]
fn a_cut_right_to_left_title_in_the_header_ends_with_its_ellipsis() {
    // The running header cuts a long title with `…` at its end; a Hebrew
    // or Arabic title in an English document got the `…` at its start
    // (the right), and its cut end (the left) had no mark.
    let r = dejavu_renderer();
    let title: String = "مرحبا بالعالم ".repeat(10).trim().to_string();
    let items: String = (0..80)
        .map(|i| format!("        - item {i} of a long list\n"))
        .collect();
    let dir = tempfile::tempdir().unwrap();
    fs::copy(
        root().join("tests/fixtures/minimal/company.yaml"),
        dir.path().join("company.yaml"),
    )
    .unwrap();
    fs::write(
        dir.path().join("f.yaml"),
        format!("family: fam\ntitle: T\nlevels:\n  - id: a-b\n    level: A\n    title: \"{title}\"\n    responsibilities:\n      items:\n{items}"),
    )
    .unwrap();
    let lib = library(dir.path());
    let roles = resolve::resolve_all(&lib).unwrap();
    let pdf = render_ok(r, &lib.company, role(&roles, "a-b"), &doc()).pdf;
    // The header of page 2: the company name, then the title's words.
    let head: Vec<_> = words(&pdf)
        .into_iter()
        .filter(|w| w.0 == 2 && w.3 < 50.0 && !w.1.is_ascii())
        .collect();
    let ellipsis = head
        .iter()
        .find(|w| w.1.contains('…'))
        .expect("a cut title");
    assert!(
        head.iter().all(|w| w.2 >= ellipsis.2),
        "the `…` is not at the title's left end: {head:?}"
    );
    // So is a cut company name: a Latin one in a Hebrew document got its
    // `…` at its start (the left).
    let name = "Deutsche Gesellschaft für Internationale Zusammenarbeit (GIZ) GmbH Holding Services International";
    let pdf = render_files(
        r,
        &format!("name: \"{name}\"\nwebsite: https://giz.example\nlanguage: he\n"),
        &format!(
            "family: fam\ntitle: T\nlevels:\n  - id: a-b\n    level: A\n    title: Senior\n    responsibilities:\n      items:\n{items}"
        ),
        "a-b",
        &doc(),
    );
    let head: Vec<_> = words(&pdf)
        .into_iter()
        .filter(|w| w.0 == 2 && w.3 < 50.0 && w.2 > 200.0)
        .collect();
    let last = head.iter().max_by(|a, b| a.4.total_cmp(&b.4)).unwrap();
    assert!(last.1.ends_with('…'), "{head:?}");
    assert!(head.iter().any(|w| w.1 == "Deutsche"), "{head:?}");
}

#[test]
fn the_templates_english_and_plain_names_keep_their_order_in_a_hebrew_document() {
    // "Across the הנדסת תוכנה family" read "family … Across the", a value
    // named `Results!` printed `!Results`, a title `Senior Engineer!` as
    // `!Senior Engineer`.
    let pdf = render_files(
        dejavu_renderer(),
        HEBREW_COMPANY,
        "family: eng\ntitle: הנדסת תוכנה\nresponsibilities:\n  items: [כתיבת קוד.]\nvalues:\n  heading: Values\n  items:\n    - name: Results!\n      text: We deliver.\nlevels:\n  - id: a-b\n    level: Junior\n    title: מהנדס תוכנה\n    grade: 5\n    responsibilities:\n      items: [לתקן באגים.]\n  - id: c-d\n    level: בכיר\n    title: Senior Engineer!\n    grade: 6\n    responsibilities:\n      builds_on: a-b\n      items: [Lead reviews.]\n",
        "c-d",
        &doc(),
    );
    let text = all_text(&pdf);
    let lines: Vec<&str> = text.lines().map(str::trim).collect();
    for start in [
        "Senior Engineer!",
        "Across the",
        "From",
        "At the",
        "Results!",
    ] {
        assert!(
            lines.iter().any(|l| l.starts_with(start)),
            "no line starts with {start:?}: {text}"
        );
    }
    assert!(
        !text.contains("!Results") && !text.contains("!Senior"),
        "{text}"
    );
}

#[test]
fn a_link_s_address_does_not_turn_a_hebrew_sentence_left_to_right() {
    // The direction was judged on the plain text, which spells out each
    // link's address (`(https://example.com/x)`): its pieces counted as
    // Latin words, and the sentence printed left to right, its clauses
    // reversed for a Hebrew reader. A bare address counted alike.
    for item in [
        "קראו את [המדריך](/x) של GitLab לפני העבודה.",
        "לפרטים נוספים ראו https://example.com/handbook/engineering/how-we-work בדף.",
    ] {
        let family = format!(
            "family: eng\ntitle: הנדסת תוכנה\nlevels:\n  - id: a-b\n    level: Junior\n    title: מנהל\n    responsibilities:\n      items:\n        - \"{item}\"\n"
        );
        let pdf = render_files(dejavu_renderer(), HEBREW_COMPANY, &family, "a-b", &doc());
        // Right to left: the sentence's first word is drawn right of its
        // last, and its full stop at the left end.
        // (pdftotext gives a Hebrew word's letters as drawn: reversed.)
        let w = words(&pdf);
        let at = |word: &str| {
            let drawn: String = word.chars().rev().collect();
            w.iter()
                .find(|x| x.1.contains(&drawn))
                .unwrap_or_else(|| panic!("{word}: {w:?}"))
        };
        let (first, last) = if item.starts_with("קראו") {
            (at("קראו"), at("העבודה"))
        } else {
            (at("לפרטים"), at("בדף"))
        };
        assert!(first.2 > last.2, "{item}: {first:?} is left of {last:?}");
    }
    // A text that is only an address is judged by it, not by the words
    // left once addresses are set aside (none: it took the document's
    // direction, and printed `/https://example.com/jobs`).
    let family = "family: eng\ntitle: הנדסת תוכנה\nlevels:\n  - id: a-b\n    level: Junior\n    title: מנהל\n    responsibilities:\n      items: [\"https://example.com/jobs/\", \"jobs@example.com.\"]\n";
    let pdf = render_files(dejavu_renderer(), HEBREW_COMPANY, family, "a-b", &doc());
    let w = words(&pdf);
    for address in ["https://example.com/jobs/", "jobs@example.com."] {
        assert!(w.iter().any(|x| x.1 == address), "{address}: {w:?}");
    }
}

#[test]
fn a_text_takes_the_direction_of_most_of_its_words() {
    // By its first letter alone, a Hebrew sentence that starts with a
    // product name was laid out left to right: "GitLab היא …" printed its
    // full stop at the right and read backwards; and a value whose name and
    // text went different ways got a blank line between them.
    let family = "family: eng\ntitle: הנדסת תוכנה\nvalues:\n  heading: Values\n  items:\n    - {emoji: \"📈\", name: תוצאות, text: Results matter to us.}\nlevels:\n  - id: a-b\n    level: Junior\n    title: מנהל\n    responsibilities:\n      items:\n        - \"GitLab היא פלטפורמה לפיתוח תוכנה.\"\n";
    let pdf = render_files(dejavu_renderer(), HEBREW_COMPANY, family, "a-b", &doc());
    let text = all_text(&pdf);
    // (pdftotext writes a line as drawn, left to right.)
    let line = text
        .lines()
        .find(|l| l.contains("GitLab"))
        .unwrap_or_else(|| panic!("{text}"));
    let line = line.trim().trim_end_matches('•').trim();
    assert!(
        line.starts_with('.') && line.ends_with("GitLab"),
        "{line:?}"
    );
    // A value's emoji hangs on the start side, right in a right-to-left
    // document, with the text indented from it (it was placed on the left,
    // over the end of the text's first line).
    let w = words(&pdf);
    let at = |word: &str| {
        w.iter()
            .find(|x| x.1.contains(word))
            .unwrap_or_else(|| panic!("{word}: {w:?}"))
    };
    let (emoji, results) = (at("📈"), at("Results"));
    assert!(emoji.2 > 500.0, "the emoji is not at the right: {emoji:?}");
    for word in w.iter().filter(|x| (x.3 - results.3).abs() < 1.0) {
        assert!(
            word.4 < emoji.2 - 5.0,
            "{word:?} runs into the emoji's column {emoji:?}"
        );
    }
    // The value's name and text are consecutive lines (in an English
    // document, where the Hebrew name took a direction of its own).
    let english = HEBREW_COMPANY.replace("language: he", "language: en");
    let pdf = render_files(dejavu_renderer(), &english, family, "a-b", &doc());
    let w = words(&pdf);
    let y = |word: &str| {
        w.iter()
            .find(|x| x.1.contains(word))
            .map(|x| x.3)
            .unwrap_or_else(|| panic!("{word}: {w:?}"))
    };
    // (pdftotext -bbox writes a Hebrew word's letters as drawn.)
    let name: String = "תוצאות".chars().rev().collect();
    let gap = y("Results") - y(&name);
    assert!(
        gap > 5.0 && gap < 16.0,
        "a line of {gap} pt between name and text"
    );
}
#[test]
fn a_template_failing_every_role_alike_is_reported_once() {
    // `pdf --all` printed the same error, with its excerpt, once per role.
    let tmp = tempfile::tempdir().unwrap();
    for args in [&["pdf", "--all"][..], &["export", "--zip"]] {
        let res = jdgen()
            .args(args)
            .arg("--template")
            .arg(fixture("templates/runtime-error.typ"))
            .arg("-o")
            .arg(tmp.path().join("out"))
            .output()
            .unwrap();
        let err = String::from_utf8_lossy(&res.stderr);
        assert_eq!(res.status.code(), Some(1), "{err}");
        assert_eq!(err.matches("error:").count(), 1, "{args:?}: {err}");
        assert!(
            err.contains("runtime-error.typ:4:23: error: 14 roles (`associate-marketing`, ")
                && err.contains(" and 4 more): dictionary does not contain key \"salary\""),
            "{args:?}: {err}"
        );
    }
}

#[test]
fn a_missing_glyph_is_shown_in_the_words_around_it() {
    // A character no font has is a text run of its own (its font differs
    // from its neighbours'), so the warning said only `in “𐀀”`. It quotes
    // the text as written in the role file, markup and all, in reading
    // order also when it runs right to left (with a font that has Hebrew,
    // whose runs Typst stores out of reading order).
    let items = [
        "Own the rollout of 𐀀 tooling across teams",
        "Use the **𐁀** tool daily",
        "A [link text](/x) 𐂀 after link",
        "ניהול 𐃀 מוצר",
        "Speak עברית 𐄀 fluently",
    ];
    let family = format!(
        "family: pm\ntitle: PM\nlevels:\n  - id: pm-one\n    level: One\n    title: PM\n    responsibilities:\n      items:\n{}",
        items
            .iter()
            .map(|i| format!("        - \"{i}\"\n"))
            .collect::<String>()
    );
    for r in [default_renderer(), dejavu_renderer()] {
        let out = render_files_out(
            r,
            "name: Acme\nwebsite: https://acme.example\n",
            &family,
            "pm-one",
            &doc(),
        );
        let w: Vec<String> = out.warnings.iter().map(|w| w.to_string()).collect();
        let glyphs: Vec<&String> = w.iter().filter(|w| w.contains("no glyph")).collect();
        assert_eq!(glyphs.len(), 1, "{w:?}");
        for item in items {
            assert!(glyphs[0].contains(&format!("“{item}”")), "{item}: {w:?}");
        }
    }
    // Text the template writes itself is quoted from the laid-out line:
    // its runs joined across bold, in reading order.
    let dir = tempfile::tempdir().unwrap();
    let tpl = dir.path().join("t.typ");
    fs::write(
        &tpl,
        "#set text(font: \"DejaVu Sans\")\n#text(dir: rtl)[אני \\u{10100} English word here]\n\n#text[Use the *\\u{10140}* tool]\n\n#text(dir: rtl)[שלום עולם \\u{10001} בעברית יפה]\n\n#text[Team ₪ שלום עולם \\u{10003} בעברית]\n\n- Write \\u{10005} more\n",
    )
    .unwrap();
    let r = Renderer::new(&RenderOptions {
        template: Some(tpl),
        font_paths: vec![Path::new("/usr/share/fonts/truetype/dejavu").to_path_buf()],
        ..RenderOptions::default()
    })
    .unwrap();
    let plain = "family: pm\ntitle: PM\nlevels:\n  - id: pm-one\n    level: One\n    title: PM\n";
    let out = render_files_out(
        &r,
        "name: Acme\nwebsite: https://acme.example\n",
        plain,
        "pm-one",
        &doc(),
    );
    let w: Vec<String> = out.warnings.iter().map(|w| w.to_string()).collect();
    for said in [
        "“אני \u{10100} English word here”",
        "“Use the \u{10140} tool”",
        "“שלום עולם \u{10001} בעברית יפה”",
        "“Team ₪ שלום עולם \u{10003} בעברית”",
        // Not the list's bullet.
        "“Write \u{10005} more”",
    ] {
        assert!(w.iter().any(|w| w.contains(said)), "{said}: {w:?}");
    }
}

#[test]
fn a_missing_glyph_is_placed_in_the_text_its_role_prints() {
    // Two levels hold the character; the warning for the second pointed
    // at, and quoted, the first level's item, which is not in its PDF.
    let family = "family: eng\ntitle: E\nlevels:\n  - id: eng-one\n    level: One\n    title: E1\n    responsibilities:\n      items:\n        - Ship \u{1D504} features fast\n  - id: eng-two\n    level: Two\n    title: E2\n    responsibilities:\n      items:\n        - Manage the \u{1D504} budget and the team\n";
    let w = warnings_of(
        "name: Acme\nwebsite: https://acme.example\n",
        family,
        "eng-two",
    );
    assert_eq!(w.len(), 1, "{w:?}");
    assert!(w[0].contains("f.yaml:15:22: warning:"), "{w:?}");
    assert!(
        w[0].contains("in “Manage the \u{1D504} budget and the team”"),
        "{w:?}"
    );
    assert!(!w[0].contains("Ship"), "{w:?}");

    // The same words after the character in both: the whole line finds
    // the one this role prints (the rest of it from the character found
    // the first level's).
    let family = family.replace(
        "Ship \u{1D504} features fast",
        "Plan the \u{1D504} budget and the team",
    );
    let w = warnings_of(
        "name: Acme\nwebsite: https://acme.example\n",
        &family,
        "eng-two",
    );
    assert!(w[0].contains("f.yaml:15:22: warning:"), "{w:?}");
}

/// The warnings of rendering `role` of a family file `f.yaml`, as printed.
fn warnings_of(company: &str, family: &str, role: &str) -> Vec<String> {
    render_files_out(default_renderer(), company, family, role, &doc())
        .warnings
        .iter()
        .map(|w| w.to_string())
        .collect()
}

#[test]
fn a_missing_glyph_in_the_company_name_is_placed_there() {
    // The name and an item both hold the character: the warning quoted
    // the name (printed first) and pointed at the item in the family file.
    let family = "family: eng\ntitle: E\nlevels:\n  - id: eng-one\n    level: One\n    title: E1\n    responsibilities:\n      items:\n        - Ship \u{1D504} features\n";
    let w = warnings_of(
        "name: Acme \u{1D504} Corp\nwebsite: https://acme.example\n",
        family,
        "eng-one",
    );
    assert_eq!(w.len(), 1, "{w:?}");
    assert!(w[0].contains("company.yaml:1:12: warning:"), "{w:?}");
    assert!(w[0].contains("in “Acme \u{1D504} Corp”"), "{w:?}");
}

#[test]
fn a_warning_every_role_of_a_family_shares_is_printed_once() {
    // A character no font has, in a family-wide text: `pdf --all` warned
    // once per role.
    let roles = common::family_missing_a_glyph();
    let out = tempfile::tempdir().unwrap();
    let res = jdgen()
        .arg("--roles")
        .arg(roles.path())
        .args(["pdf", "--all", "-o"])
        .arg(out.path())
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&res.stderr);
    assert!(res.status.success(), "{err}");
    assert_eq!(err.matches("warning:").count(), 1, "{err}");
    assert!(
        err.contains("f.yaml:3:20: warning: 2 roles (`a-b`, `c-d`): 1 character has no glyph"),
        "{err}"
    );
}

#[test]
fn a_template_that_names_no_font_prints_in_the_shipped_text_font() {
    // Typst's default font is not shipped: the fallback took Noto Color
    // Emoji for digits, `#`, `*` and spaces ("2 0 2 6", emoji-wide).
    let (lib, roles) = shipped();
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("plain.typ");
    fs::write(
        &file,
        "#let data = json(\"role.json\")\n= #data.role.title\nGrade #data.role.grade, 2026-11-01, \\#1 50% \\* x\n",
    )
    .unwrap();
    let pdf = with_template(&file)
        .unwrap()
        .render(&lib.company, role(roles, "senior-social"), &doc())
        .unwrap()
        .pdf;
    let fonts = poppler("pdffonts", &[], &pdf);
    assert!(fonts.contains("Inter-Regular"), "{fonts}");
    assert!(!fonts.contains("Type 3"), "{fonts}");
    let text = poppler("pdftotext", &[], &pdf);
    assert!(text.contains("Grade 7, 2026-11-01, #1 50% * x"), "{text}");
}
