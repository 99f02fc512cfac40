//! `company.yaml`: company name, brand colour, logo (raster or SVG, checked
//! before Typst sees it) and document date.

use std::fs;
use std::path::Path;
use std::sync::Arc;

use super::checker::{Checker, blank_or};
use super::scalars::{MAX_URL_BYTES, check_scalars};
use super::text::{
    MAX_COMPANY_NAME_CHARS, MAX_DATA_VERSION_CHARS, MAX_WEBSITE_CHARS, check_line_length, is_blank,
};
use super::unknown_keys::fields;
use super::{Company, DEFAULT_BRAND_COLOR, Logo};
use crate::diag::{Diagnostic, clip, quoted};
use crate::schema::CompanyFile;

pub(super) fn load_company(
    dir: &Path,
    path: &Path,
    source: Arc<str>,
) -> Result<Company, Vec<Diagnostic>> {
    let mut c = Checker::new(path, source.clone());
    if c.raw_line_breaks() || !c.yaml_hazards(true) {
        return Err(c.errors);
    }
    if c.empty_file("write the company settings: at least `name:` and `website:`") {
        return Err(c.errors);
    }
    // Keys at the top only: every value of company.yaml is a text.
    let known: fn(&[String]) -> &'static [&'static str] = |parent| {
        if parent.is_empty() {
            fields::<CompanyFile>()
        } else {
            &[]
        }
    };
    let Some(file) = c.parse::<CompanyFile>(known) else {
        c.unknown_keys_after_error(known);
        return Err(c.errors);
    };
    check_scalars(&mut c, false);
    if is_blank(&file.name) {
        c.error(
            "name",
            "the company name is empty",
            Some("write `name: Your Company`".into()),
        );
    }
    check_line_length(
        &mut c,
        "name",
        "company name",
        &file.name,
        MAX_COMPANY_NAME_CHARS,
        "shorten it: it heads every page",
    );
    let website = file.website.trim().to_string();
    check_line_length(
        &mut c,
        "website",
        "website",
        &website,
        MAX_WEBSITE_CHARS,
        "use the site's home page: role text links to pages below it with `/path`",
    );
    // Site paths (`/handbook/`) are appended to it: a query or fragment
    // would swallow them.
    let lower = website.to_ascii_lowercase();
    let problem = if !(lower.starts_with("https://") || lower.starts_with("http://")) {
        Some("write e.g. `website: https://example.com`".to_string())
    } else if website.contains(['?', '#']) {
        Some(
            "remove the `?…` or `#…` part: role text links append paths like `/handbook/` to it"
                .to_string(),
        )
    } else {
        // Also what a browser would refuse (a port over 65535, a host with
        // characters no host has): every link on every page was dead.
        crate::markdown::target_problem(&website).map(str::to_string)
    };
    if let Some(help) = problem {
        c.error(
            "website",
            format!(
                "expected an http(s) URL for `website`, found {}",
                quoted(&website)
            ),
            Some(help),
        );
    }
    let brand_color = match file.brand_color.as_deref().map(str::trim) {
        None => DEFAULT_BRAND_COLOR.to_string(),
        Some(col) if is_hex_color(col) => col.to_string(),
        Some(col) => {
            c.error(
                "brand_color",
                format!(
                    "expected a colour as `#rrggbb` (six hexadecimal digits), found {}",
                    quoted(col)
                ),
                Some("write e.g. `brand_color: \"#6B4FBB\"` (quoted: unquoted, `#` starts a YAML comment)".into()),
            );
            DEFAULT_BRAND_COLOR.to_string()
        }
    };
    let logo = file.logo.as_ref().and_then(|name| {
        let ok_ext = [".svg", ".png", ".jpg", ".jpeg"]
            .iter()
            .any(|ext| name.to_ascii_lowercase().ends_with(ext));
        let candidate = dir.join(name);
        use std::path::Component;
        // `./logo.svg` is inside too; `.` alone is the folder itself.
        let parts: Vec<Component> = Path::new(name).components().collect();
        let inside = parts
            .iter()
            .all(|comp| matches!(comp, Component::Normal(_) | Component::CurDir));
        let names_file = parts
            .iter()
            .any(|comp| matches!(comp, Component::Normal(_)));
        if inside && !names_file && !is_blank(name) {
            c.error(
                "logo",
                format!(
                    "the logo `{}` names the role folder itself, not a file",
                    clip(name)
                ),
                Some(
                    "name the logo file, relative to the role folder: e.g. `logo: logo.svg`".into(),
                ),
            );
            None
        } else if !inside {
            c.error(
                "logo",
                format!("the logo `{}` is outside the role folder", clip(name)),
                Some("put the logo file inside the role folder and name it relative to it".into()),
            );
            None
        } else if !ok_ext {
            c.error(
                "logo",
                format!(
                    "{} is not an SVG, PNG or JPEG file",
                    blank_or(name, "the logo is blank text, which", "the logo")
                ),
                None,
            );
            None
        } else if !candidate.is_file() {
            let what = match fs::metadata(&candidate) {
                Ok(m) if m.is_dir() => "is a folder, not a file",
                Ok(_) => "is not a regular file",
                Err(_) => "does not exist",
            };
            c.error(
                "logo",
                format!("the logo file `{}` {what}", candidate.display()),
                None,
            );
            None
        } else if !fs::canonicalize(&candidate)
            .ok()
            .zip(fs::canonicalize(dir).ok())
            .is_some_and(|(logo, dir)| logo.starts_with(dir))
        {
            c.error(
                "logo",
                format!(
                    "the logo `{}` links to a file outside the role folder",
                    clip(name)
                ),
                Some("copy the logo into the role folder instead of linking to it".into()),
            );
            None
        } else {
            // Read once, here: the build's content keys and every PDF use
            // these bytes, so a logo replaced during a run cannot end up in
            // PDFs recorded under the old one's key.
            match read_image(&candidate) {
                Ok((bytes, path)) => Some(Logo { bytes, path }),
                Err(problem) => {
                    let (why, help) = match problem {
                        LogoProblem::Unusable(why) => {
                            (why, Some("export the logo again as SVG or PNG".to_string()))
                        }
                        LogoProblem::Misnamed(why) => (why, None),
                    };
                    c.error(
                        "logo",
                        format!("the logo `{}` cannot be used: {why}", clip(name)),
                        help,
                    );
                    None
                }
            }
        }
    });
    if let Some(url) = &file.grades_url {
        if let Some(why) = crate::markdown::target_problem(url) {
            c.error(
                "grades_url",
                format!("`grades_url` is not a usable link: {}", quoted(url)),
                Some(why.into()),
            );
        } else if url.len() > MAX_URL_BYTES {
            c.error(
                "grades_url",
                format!(
                    "`grades_url` is {} bytes long; at most {MAX_URL_BYTES}",
                    url.len()
                ),
                None,
            );
        }
    }
    if let Some(date) = &file.effective_date
        && let Err(why) = check_date(date)
    {
        c.error(
            "effective_date",
            why,
            Some("write e.g. `effective_date: 2026-11-01`".into()),
        );
    }
    if let Some(v) = &file.data_version {
        // Blank as printed: a zero-width space would be an invisible
        // version in every footer and export.
        if is_blank(v) {
            c.error(
                "data_version",
                "`data_version` is blank",
                Some("remove it to use a hash of the role files".into()),
            );
        } else {
            check_line_length(
                &mut c,
                "data_version",
                "data version",
                v,
                MAX_DATA_VERSION_CHARS,
                "write a short label such as `2026.11` or a commit id",
            );
        }
    }
    let language = file.language.clone().unwrap_or_else(|| "en".into());
    // A language (ISO 639, two or three letters) and an optional region
    // (ISO 3166, two letters): what Typst's `lang` and `region` take.
    let (lang, region) = language.split_once('-').unwrap_or((&language, "GB"));
    let lang_ok = matches!(lang.len(), 2 | 3) && lang.bytes().all(|b| b.is_ascii_lowercase());
    let region_ok = region.len() == 2 && region.bytes().all(|b| b.is_ascii_alphabetic());
    if !(lang_ok && region_ok) {
        c.error(
            "language",
            format!(
                "expected a language code like `en` or `en-GB`, found {}",
                quoted(&language)
            ),
            Some("write the language in lower case, then an optional two-letter region: `de`, `pt-BR`".into()),
        );
    }
    if !c.errors.is_empty() {
        return Err(c.errors);
    }
    Ok(Company {
        name: file.name.trim().to_string(),
        website: website.trim_end_matches('/').to_string(),
        brand_color,
        logo,
        source,
        file: path.to_path_buf(),
        logo_name: file.logo.clone(),
        grades_url: file.grades_url.clone(),
        data_version: file.data_version.as_ref().map(|v| v.trim().to_string()),
        effective_date: file.effective_date.clone(),
        language,
    })
}

/// The largest raster logo, a side and in all: far beyond any print size,
/// small enough to decode in tens of megabytes.
const MAX_LOGO_SIDE: u32 = 8_000;
const MAX_LOGO_PIXELS: u64 = 16_000_000;
/// The largest logo file: it is embedded in every PDF (a thousand roles
/// would carry it a thousand times), and real logos weigh kilobytes.
const MAX_LOGO_BYTES: u64 = 4 * 1024 * 1024;

/// Decodes an image the way Typst will, so a broken logo is reported here
/// against company.yaml instead of failing every document later.
/// Reads the logo once (at most [`MAX_LOGO_BYTES`]) and checks those
/// bytes, which are then the ones every key and PDF uses: a file replaced
/// between a check and a second read could skip the checks.
fn read_image(path: &Path) -> std::result::Result<(Arc<[u8]>, &'static str), LogoProblem> {
    use std::io::Read;
    use typst::foundations::Bytes;
    use typst::visualize::{ExchangeFormat, RasterImage, SvgImage};
    let mut raw = Vec::new();
    fs::File::open(path)
        .and_then(|f| f.take(MAX_LOGO_BYTES + 1).read_to_end(&mut raw))
        .map_err(|e| e.to_string())?;
    if raw.len() as u64 > MAX_LOGO_BYTES {
        return Err(format!(
            "it is larger than {} MiB; it is embedded in every PDF (real logos weigh kilobytes)",
            MAX_LOGO_BYTES >> 20
        )
        .into());
    }
    let bytes: Arc<[u8]> = Arc::from(raw);
    misnamed(&bytes, path)?;
    let data = Bytes::new(bytes.clone());
    let name = path.to_string_lossy().to_ascii_lowercase();
    if name.ends_with(".svg") {
        check_svg_logo(&bytes)?;
        let image = SvgImage::new(data).map_err(|e| {
            // LoadError shows its message only through Debug.
            let debug = format!("{e:?}");
            let msg = debug
                .split("message: \"")
                .nth(1)
                .and_then(|m| m.split('"').next())
                .unwrap_or("it does not parse");
            format!("not a valid SVG image: {msg}")
        })?;
        // A logo of nothing left a blank space at the top of every PDF.
        // Text is dropped from this tree, for want of fonts, so it is
        // looked for apart: any text, also in `<defs>` (a `<use>` shows
        // it) or hidden, counts as drawn.
        if !svg_draws(image.tree().root()) && !svg_has_text(&bytes) {
            return Err("it draws nothing: no shape or text in it is visible"
                .to_string()
                .into());
        }
        Ok((bytes, crate::data::LOGO_PATHS[0]))
    } else {
        let (format, virtual_path) = if name.ends_with(".png") {
            (ExchangeFormat::Png, crate::data::LOGO_PATHS[1])
        } else {
            (ExchangeFormat::Jpg, crate::data::LOGO_PATHS[2])
        };
        // The size from the header first: a 1.5 MB PNG of 40,000 × 40,000
        // pixels took 1.6 GB to decode, and would be embedded in every PDF.
        let (w, h) = crate::render::raster_size(data.as_slice())
            .unwrap_or_else(|| Err("not a PNG or JPEG file".into()))
            .map_err(|e| format!("not a valid image ({e})"))?;
        if u64::from(w) * u64::from(h) > MAX_LOGO_PIXELS || w.max(h) > MAX_LOGO_SIDE {
            return Err(format!(
                "it is {w} × {h} pixels; a logo may have at most {MAX_LOGO_SIDE} pixels a side and \
                 {MAX_LOGO_PIXELS} in all (it prints a few centimetres wide: 1,000 pixels are plenty)"
            )
            .into());
        }
        RasterImage::plain(data, format).map_err(|e| format!("not a valid image ({e})"))?;
        Ok((bytes, virtual_path))
    }
}

/// Why a logo cannot be used: a file to fix, or one that needs only a new
/// name (its message says which; no advice to export it again).
enum LogoProblem {
    Unusable(String),
    Misnamed(String),
}

impl From<String> for LogoProblem {
    fn from(why: String) -> Self {
        LogoProblem::Unusable(why)
    }
}

/// A logo in another format than its name says (a JPEG named `.png` was
/// "Invalid PNG signature", with the advice to export it again): the name
/// it needs, or, for a format no PDF takes, what to export it as.
fn misnamed(bytes: &[u8], path: &Path) -> std::result::Result<(), LogoProblem> {
    let name = path.to_string_lossy().to_ascii_lowercase();
    let claimed = if name.ends_with(".svg") {
        "an SVG"
    } else if name.ends_with(".png") {
        "a PNG"
    } else {
        "a JPEG"
    };
    let text = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    let (actual, ext) = match image::guess_format(bytes) {
        Ok(image::ImageFormat::Png) => ("a PNG", "png"),
        Ok(image::ImageFormat::Jpeg) => ("a JPEG", "jpg"),
        Ok(other) => {
            let kind = format!("{other:?}").to_uppercase();
            return Err(
                format!("it is a {kind} image, not {claimed}: export it as PNG or JPEG").into(),
            );
        }
        Err(_)
            if text.trim_ascii_start().starts_with(b"<")
                && text.windows(4).any(|w| w == b"<svg") =>
        {
            ("an SVG", "svg")
        }
        // Not recognised: the format's own check says what is wrong.
        Err(_) => return Ok(()),
    };
    if actual == claimed {
        return Ok(());
    }
    let stem = path.file_stem().unwrap_or_default().to_string_lossy();
    Err(LogoProblem::Misnamed(format!(
        "it is {actual} image, not {claimed}: rename it to `{stem}.{ext}` (and `logo:` in company.yaml)"
    )))
}

/// An SVG parsed as usvg parses it: a DTD allowed (refusing one skipped
/// the logo's checks). `None` when it is not XML (Typst's message says so).
pub(crate) fn svg_document(text: &str) -> Option<roxmltree::Document<'_>> {
    let options = roxmltree::ParsingOptions {
        allow_dtd: true,
        ..roxmltree::ParsingOptions::default()
    };
    roxmltree::Document::parse_with_options(text, options).ok()
}

/// What an SVG logo may not hold, beyond what Typst refuses. Compressed
/// SVG (svgz) unpacks past every size limit (1 MB of gzip held 1 GB);
/// an `<image>` or `<feImage>` brings in a raster image that no pixel
/// limit checks (embedded), or a file Typst will not read (linked: every
/// PDF then failed with a message about the template).
fn check_svg_logo(bytes: &[u8]) -> std::result::Result<(), String> {
    if bytes.starts_with(&[0x1f, 0x8b]) {
        return Err("it is a compressed SVG (svgz); save it as plain SVG".into());
    }
    // Not UTF-8, or not XML: Typst's own message follows.
    let Ok(text) = std::str::from_utf8(bytes) else {
        return Ok(());
    };
    let Some(doc) = svg_document(text) else {
        return Ok(());
    };
    if let Some(node) = doc
        .descendants()
        .find(|n| matches!(n.tag_name().name(), "image" | "feImage"))
    {
        let pos = doc.text_pos_at(node.range().start);
        return Err(format!(
            "it holds an image (`<{}>` at line {}, column {}): an SVG logo may only draw shapes \
             and text; use that image itself (PNG or JPEG) as the logo, or an SVG without it",
            node.tag_name().name(),
            pos.row,
            pos.col
        ));
    }
    Ok(())
}

/// Whether anything in `group` can show: a shape with a fill or a stroke
/// that is not fully transparent, an image or text, in groups that are not
/// fully transparent either; a filter's result (`<feFlood>` draws on its
/// own) counts as shown.
fn svg_draws(group: &usvg::Group) -> bool {
    !group.filters().is_empty()
        || group.opacity().get() > 0.0
            && group.children().iter().any(|node| match node {
                usvg::Node::Group(g) => svg_draws(g),
                usvg::Node::Path(p) => {
                    p.is_visible()
                        && (p.fill().is_some_and(|f| f.opacity().get() > 0.0)
                            || p.stroke().is_some_and(|s| s.opacity().get() > 0.0))
                }
                usvg::Node::Image(_) | usvg::Node::Text(_) => true,
            })
}

/// Whether an SVG holds any `<text>` with something other than spaces in
/// it, wherever it is.
fn svg_has_text(bytes: &[u8]) -> bool {
    let Some(doc) = std::str::from_utf8(bytes).ok().and_then(svg_document) else {
        return true;
    };
    doc.descendants()
        .filter(|n| n.tag_name().name() == "text")
        .any(|t| {
            t.descendants()
                .filter_map(|n| n.text())
                .any(|s| !s.trim().is_empty())
        })
}

fn is_hex_color(s: &str) -> bool {
    s.len() == 7 && s.starts_with('#') && s[1..].chars().all(|c| c.is_ascii_hexdigit())
}

/// Parses `YYYY-MM-DD` into (year, month, day), checking the calendar.
pub fn parse_date(s: &str) -> Option<(i32, u8, u8)> {
    check_date(s).ok()
}

/// [`parse_date`], or why not, for the message: the shape, the year's
/// range, the month, or a day that the month does not have.
fn check_date(s: &str) -> std::result::Result<(i32, u8, u8), String> {
    const MONTHS: [(&str, u8); 12] = [
        ("January", 31),
        ("February", 28),
        ("March", 31),
        ("April", 30),
        ("May", 31),
        ("June", 30),
        ("July", 31),
        ("August", 31),
        ("September", 30),
        ("October", 31),
        ("November", 30),
        ("December", 31),
    ];
    // Exactly YYYY-MM-DD: `2026-2-3` or `+2026-02-03` would print as
    // written in every footer.
    let t = s.trim();
    let shaped = t.len() == 10
        && t.bytes().enumerate().all(|(i, c)| {
            if i == 4 || i == 7 {
                c == b'-'
            } else {
                c.is_ascii_digit()
            }
        });
    if !shaped {
        return Err(format!(
            "expected a date as YYYY-MM-DD, found {}",
            quoted(s)
        ));
    }
    // Digits only, so these parse.
    let (y, m, d): (i32, u8, u8) = (
        t[0..4].parse().unwrap_or(0),
        t[5..7].parse().unwrap_or(0),
        t[8..10].parse().unwrap_or(0),
    );
    if !(1970..=9999).contains(&y) {
        return Err(format!("`{t}`: the year must be from 1970 to 9999"));
    }
    let Some(&(month, days)) = MONTHS.get(usize::from(m).wrapping_sub(1)) else {
        return Err(format!("`{t}`: there is no month {m}"));
    };
    let leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
    let days = if m == 2 && leap { 29 } else { days };
    if d == 0 || d > days {
        return Err(format!(
            "`{t}` is not a real date: {month} {y} has {days} days, not {d}"
        ));
    }
    Ok((y, m, d))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_are_checked() {
        assert_eq!(parse_date("2024-02-29"), Some((2024, 2, 29)));
        assert_eq!(parse_date("2023-02-29"), None);
        assert_eq!(parse_date("2023-13-01"), None);
        assert_eq!(parse_date("yesterday"), None);
        assert_eq!(parse_date("2026-2-3"), None);
        assert_eq!(parse_date("+2026-02-03"), None);
        assert_eq!(parse_date(" 2026-02-03 "), Some((2026, 2, 3)));
    }
}
