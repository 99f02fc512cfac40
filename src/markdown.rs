//! The inline Markdown that role text may use: links, emphasis, bold.
//!
//! A deliberately small, predictable dialect instead of full CommonMark:
//! role text is HR prose, not documents, and it must survive hostile
//! characters unchanged. Only these forms are markup:
//!
//! - `[label](target)`: a link; a target starting with `/` resolves against
//!   the company website.
//! - `<https://…>`, `<mailto:…>`, `<name@example.com>`: a link that shows its
//!   address (CommonMark's autolinks, which pasted Markdown brings).
//! - `**bold**`, `*emphasis*`, `_emphasis_` (`_` only at word boundaries, so
//!   `snake_case_name` stays as written).
//! - `\*`, `\_`, `\[`, `\]`: the character itself; `\<` too before what
//!   would be an autolink (elsewhere, `C:\<dir>`, the `\` stays).
//!
//! Everything else (`#`, `$`, other `<…>`, `&amp;`, `\d`, unclosed `**`…) is
//! literal.
//!
//! Emphasis pairs as in CommonMark: a closer with the nearest open opener
//! of its marker, the markers between them then text.
//!
//! Hostile text cannot make parsing slow or deep: markup nests at most
//! [`MAX_NESTING`] levels (deeper markup prints as written), emphasis is
//! paired in linear time, and the search for a link's closing brackets has
//! a budget linear in the text's length (past it, the rest prints as
//! written). Ordinary prose never reaches either.

use serde::Serialize;

/// One piece of inline text, as templates receive it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "type", rename_all = "lowercase")]
pub enum Span {
    Text {
        text: String,
    },
    Emph {
        body: Vec<Span>,
    },
    Strong {
        body: Vec<Span>,
    },
    Link {
        /// As written (resolved against the website); serialised as its
        /// ASCII [`link_address`].
        #[serde(serialize_with = "serialize_link_address")]
        url: String,
        body: Vec<Span>,
    },
    /// A place a line may break, with nothing to print: where a long run
    /// no line may break inside crosses from one style to another (set by
    /// `data`, never by the parser).
    Break,
}

/// Parses `text` into spans, resolving site-relative link targets against
/// `base_url`.
pub fn parse(text: &str, base_url: &str) -> Vec<Span> {
    // A `|` block ends in a line break (YAML keeps one): it reached the
    // exports' cells and the PDF's last line as an empty one. So do the
    // spaces after it, and a line or paragraph separator (`\L`, `\P`).
    // (Spaces alone at the end are kept, as written.)
    let trimmed = text.trim_end();
    let text = if text[trimmed.len()..].contains(['\n', '\r', '\u{2028}', '\u{2029}']) {
        trimmed
    } else {
        text
    };
    let chars: Vec<char> = text.chars().collect();
    let mut out = Vec::new();
    let mut budget = Budget::for_text(chars.len());
    parse_into(&chars, base_url, &mut out, 0, false, &mut budget);
    out
}

/// How deep links, emphasis and bold may nest inside each other. Deeper
/// markup is printed as written: it cannot be meant, and unbounded nesting
/// would overflow the stack here, in the JSON and in the template.
pub const MAX_NESTING: usize = 8;

/// Characters the searches for a link's brackets may examine, per
/// character of text. Prose needs a handful; `[[[[…` without closers would
/// otherwise rescan to the end for every `[` (quadratic time).
const SCAN_PER_CHAR: usize = 64;

/// What is left of a text's scanning budget.
struct Budget(usize);

impl Budget {
    fn for_text(len: usize) -> Budget {
        Budget(len.saturating_mul(SCAN_PER_CHAR).max(4096))
    }

    /// Takes one step; false when the budget is spent.
    fn step(&mut self) -> bool {
        if self.0 == 0 {
            return false;
        }
        self.0 -= 1;
        true
    }
}

/// Plain text for exports: markup removed, links kept readable as
/// `label (url)` (or just the URL when the label is the URL).
///
/// ```
/// use jdgen::markdown::to_plain;
/// let base = "https://about.gitlab.com";
/// assert_eq!(
///     to_plain("You share our [values](/handbook/values/), _always_.", base),
///     "You share our values (https://about.gitlab.com/handbook/values/), always."
/// );
/// // Anything that is not this small dialect stays literal.
/// assert_eq!(to_plain("#set page(width: 1cm) $x$ a_b_c", base), "#set page(width: 1cm) $x$ a_b_c");
/// ```
pub fn to_plain(text: &str, base_url: &str) -> String {
    let mut s = String::new();
    plain_into(&parse(text, base_url), base_url, &mut s);
    s
}

/// The text of spans with all markup and URLs dropped.
pub fn spans_text(spans: &[Span]) -> String {
    let mut s = String::new();
    for span in spans {
        match span {
            Span::Text { text } => s.push_str(text),
            Span::Emph { body } | Span::Strong { body } | Span::Link { body, .. } => {
                s.push_str(&spans_text(body))
            }
            Span::Break => {}
        }
    }
    s
}

/// Every link in `spans`, as (its text with markup dropped, its URL).
pub fn links(spans: &[Span]) -> Vec<(String, String)> {
    let mut out = Vec::new();
    for span in spans {
        match span {
            Span::Text { .. } | Span::Break => {}
            Span::Emph { body } | Span::Strong { body } => out.extend(links(body)),
            Span::Link { url, body } => out.push((spans_text(body), url.clone())),
        }
    }
    out
}

fn plain_into(spans: &[Span], base_url: &str, s: &mut String) {
    for span in spans {
        match span {
            Span::Text { text } => s.push_str(text),
            Span::Break => {}
            Span::Emph { body } | Span::Strong { body } => plain_into(body, base_url, s),
            Span::Link { url, body } => {
                let label = spans_text(body);
                // `[/handbook/](/handbook/)`: the label is the address as
                // written, before it was resolved against the website.
                let written = |l: &str| {
                    l.starts_with('/') && !l.starts_with("//") && resolve_url(l, base_url) == *url
                };
                if label.trim() == url || label.is_empty() || written(label.trim()) {
                    s.push_str(url);
                } else if url.strip_prefix("mailto:") == Some(label.trim()) {
                    // An email address shown as itself (`<a@b.test>`).
                    s.push_str(label.trim());
                } else {
                    s.push_str(&label);
                    s.push_str(" (");
                    s.push_str(url);
                    s.push(')');
                }
            }
        }
    }
}

/// Whether a link target may become a link: `http(s)://…`, `mailto:…`, or
/// a site path `/…`. Anything else (`javascript:`, `file:`, `relative/x`)
/// stays literal text; `jdgen check` reports it.
pub fn is_allowed_target(target: &str) -> bool {
    target_problem(target).is_none()
}

/// Why `target` cannot be a link, if it cannot: not a web address, an
/// email address or a site path; a space or control character in it (the
/// PDF link would stop there, or not work at all); no host after `https://`.
pub fn target_problem(target: &str) -> Option<&'static str> {
    let t = target.trim();
    let lower = t.to_ascii_lowercase();
    let web = ["https://", "http://"]
        .iter()
        .find_map(|scheme| lower.starts_with(scheme).then(|| &t[scheme.len()..]));
    if lower == "mailto:" {
        return Some("write the email address after `mailto:`, e.g. `mailto:jobs@example.com`");
    }
    if t.starts_with("//") {
        return Some(
            "a link starting `//` takes the scheme of wherever it is opened: write `https://` before the host",
        );
    }
    if t.len() > 2 && t.starts_with('<') && t.ends_with('>') {
        // CommonMark's `[x](<https://…>)`, which this dialect does not read.
        return Some("remove the `<` and `>` around the address: `[text](https://…)`");
    }
    let mail = lower.starts_with("mailto:");
    let path = t.starts_with('/');
    if web.is_none() && !mail && !path {
        return Some(
            "links must start with https://, http://, mailto: or / (a page on the company website)",
        );
    }
    if t.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return Some(space_advice(t));
    }
    // Invisible, and not part of any address: a direction mark (which
    // editors of Hebrew and Arabic add), a zero-width space or joiner, a
    // soft hyphen. The link went to `…x%E2%80%8F`, a page that is not there.
    if t.chars().any(|c| {
        matches!(c, '\u{ad}' | '\u{61c}' | '\u{180e}' | '\u{200b}'..='\u{200f}' | '\u{202a}'..='\u{202e}' | '\u{2060}'..='\u{2064}' | '\u{2066}'..='\u{2069}' | '\u{feff}')
    }) {
        return Some(
            "the address holds an invisible character (a direction mark, a zero-width space or a \
             soft hyphen, which editors add): delete it",
        );
    }
    if web.is_some_and(|rest| rest.starts_with(['/', '?', '#']) || rest.is_empty()) {
        return Some("write the host name after `https://`, e.g. `https://example.com/page`");
    }
    // `https://x.test\y/`: a browser reads the `\` as `/` (host `x.test`),
    // the PDF's link held `x.test%5Cy`, no host at all.
    if let Some(rest) = web
        && rest
            .split(['/', '?', '#'])
            .next()
            .is_some_and(|a| a.contains('\\'))
    {
        return Some("a `\\` in the host name: write `/` if a path follows it");
    }
    // What a browser would refuse (a port over 65535, a host with
    // characters no host has) is a dead link.
    if web.is_some() && url::Url::parse(t).is_err() {
        return Some(
            "not an address a browser opens: check the host name and the port (at most 65535)",
        );
    }
    None
}

/// What to do about a space in link target `t`: `%20` stands for one in
/// a path, but a host name cannot hold one (`https://exa mple.com` with
/// `%20` is still no address).
pub fn space_advice(t: &str) -> &'static str {
    // Two forms CommonMark takes and this dialect does not: spaces around
    // the address, and an address in `<…>` (which may hold spaces).
    let trimmed = t.trim();
    if trimmed.starts_with('<') && trimmed.ends_with('>') {
        return "remove the `<` and `>` around the address, and write a space in it as `%20`";
    }
    if trimmed != t && !trimmed.is_empty() && !trimmed.contains(char::is_whitespace) {
        return "remove the spaces around the address";
    }
    let t = trimmed;
    // `https://x.test "Our site"`: CommonMark's link title, which this
    // dialect does not take (the space before it is no host's).
    if let Some((_, title)) = t.split_once(char::is_whitespace) {
        let title = title.trim_start();
        let closes = |open: char, close: char| {
            title.len() > 1 && title.starts_with(open) && title.ends_with(close)
        };
        if closes('"', '"') || closes('\'', '\'') || closes('(', ')') {
            return "a link takes no title (`\"…\"`): delete it";
        }
    }
    let lower = t.to_ascii_lowercase();
    let host = ["https://", "http://", "mailto:"]
        .iter()
        .find_map(|scheme| lower.starts_with(scheme).then(|| &t[scheme.len()..]))
        .unwrap_or(if t.starts_with('/') { "" } else { t });
    // An email address's host is after its `@`.
    let host = host.split(['/', '?', '#']).next().unwrap_or("");
    let host = host.rsplit_once('@').map_or(host, |(_, h)| h);
    if host.chars().any(char::is_whitespace) {
        "a host name cannot hold a space: remove it"
    } else {
        "a link cannot hold a space: write `%20` for one"
    }
}

/// Every link target written in `text`, as written (for validation).
pub fn link_targets(text: &str) -> Vec<String> {
    scan_links(text).targets
}

/// What [`scan_links`] finds in a text.
#[derive(Debug, Default, PartialEq)]
pub struct Scanned {
    /// Link targets as written: `[text](target)`'s, and the addresses of
    /// autolinks (`<https://…>`), which become links.
    pub targets: Vec<String>,
    /// What is written like a link but is none ([`near_links`]).
    pub near: Vec<String>,
    /// Addresses in angle brackets that look like autolinks but are no
    /// address a link may have (`<http://localhost:PORT>`): they print as
    /// written; as written, with why.
    pub not_autolinks: Vec<(String, &'static str)>,
    /// `[](target)`: written like a link, but with no text, so none (it
    /// prints as written, brackets and all).
    pub no_text: Vec<String>,
}

/// Links and near-links of `text`, in one pass, reading it as [`parse`]
/// does (escapes, a link's target, an autolink are each one piece).
pub fn scan_links(text: &str) -> Scanned {
    let mut found = Scanned::default();
    if !text.contains(['[', '<']) {
        return found;
    }
    let chars: Vec<char> = text.chars().collect();
    let mut budget = Budget::for_text(chars.len());
    // How far a `[](` looked for its `)` (see below).
    let mut stop = 0;
    let mut i = 0;
    while i < chars.len() {
        if chars[i] == '\\' && i + 1 < chars.len() && is_escape(&chars, i + 1) {
            i += 2;
            continue;
        }
        // An autolink is one piece: a `[…](…)` in its address is none.
        if chars[i] == '<' {
            match autolink_candidate(&chars, i) {
                Some((end, url)) => match target_problem(&url) {
                    None => {
                        found.targets.push(url);
                        i = end + 1;
                        continue;
                    }
                    // No link, so no piece: the parser reads what is inside
                    // (a `[text](target)` too), and so does this scan.
                    Some(why) => found
                        .not_autolinks
                        .push((chars[i..=end].iter().collect(), why)),
                },
                None => {
                    if let Some(end) = spaced_address(&chars, i) {
                        found.not_autolinks.push((
                            chars[i..=end].iter().collect(),
                            space_advice(&chars[i + 1..end].iter().collect::<String>()),
                        ));
                    }
                }
            }
        }
        if chars[i] == '[' {
            if chars.get(i + 1) == Some(&']') && chars.get(i + 2) == Some(&'(') {
                // Its `)` on the same line: `stop` only moves forward, so a
                // line of `[](` without one is scanned once, not once per
                // `[` (and not from the links' budget).
                let from = i + 3;
                if stop < from {
                    stop = from;
                    while stop < chars.len() && chars[stop] != ')' && chars[stop] != '\n' {
                        stop += 1;
                    }
                }
                // Not when a link may start inside: `[](see [a](/b))` holds
                // one, which `parse` finds reading on from this `[` as
                // text, and so does this scan.
                if chars.get(stop) == Some(&')') && !chars[from..stop].contains(&'[') {
                    found.no_text.push(chars[i..=stop].iter().collect());
                }
            }
            if let Some((label_end, target_end)) = find_link(&chars, i, &mut budget) {
                found
                    .targets
                    .push(unescape_target(&chars[label_end + 2..target_end]));
                // As `parse` reads it: the label is text, the target one
                // piece (an autolink written in it is part of it).
                i = target_end + 1;
                continue;
            }
            if let Some((_, target_end)) = find_link_with(&chars, i, &mut budget, true) {
                found.near.push(chars[i..=target_end].iter().collect());
            }
        }
        i += 1;
    }
    found
}

/// Resolves a link target: `/path` against the base URL; anything else as is.
pub fn resolve_url(target: &str, base_url: &str) -> String {
    if target.starts_with('/') && !target.starts_with("//") {
        format!("{}{}", base_url.trim_end_matches('/'), target)
    } else {
        target.to_string()
    }
}

/// A link address as a PDF link must hold it, 7-bit ASCII: one with other
/// characters (`https://bücher.de/ü`) gets its host in punycode and the
/// rest percent-encoded, as a browser's address bar does; an ASCII one is
/// kept exactly as written (a parser would add a `/`, lower-case the host,
/// drop `..`).
pub fn link_address(url: &str) -> String {
    if url.is_ascii() {
        return percent_encode_unsafe_ascii(url);
    }
    match url::Url::parse(url) {
        Ok(parsed) => percent_encode_unsafe_ascii(parsed.as_str()),
        // Not a URL the parser takes (a host it refuses): still ASCII.
        Err(_) => percent_encode_unsafe_ascii(&percent_encode_non_ascii(url)),
    }
}

/// The ASCII characters a URI may not hold (RFC 3986), percent-encoded:
/// `/a\b` would open `/a/b` in one viewer and `/a%5Cb` in another.
fn percent_encode_unsafe_ascii(url: &str) -> String {
    const UNSAFE: &[char] = &['\\', '"', '<', '>', '^', '`', '{', '|', '}'];
    if !url.contains(|c: char| UNSAFE.contains(&c) || c.is_ascii_control()) {
        return url.to_string();
    }
    let mut out = String::with_capacity(url.len() + 8);
    for c in url.chars() {
        if UNSAFE.contains(&c) || c.is_ascii_control() {
            out.push_str(&format!("%{:02X}", c as u32));
        } else {
            out.push(c);
        }
    }
    out
}

/// Spans give templates (and `roles.json`) the address a link holds.
fn serialize_link_address<S: serde::Serializer>(url: &str, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_str(&link_address(url))
}

fn percent_encode_non_ascii(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        if c.is_ascii() {
            out.push(c);
        } else {
            let mut buf = [0; 4];
            for b in c.encode_utf8(&mut buf).bytes() {
                out.push_str(&format!("%{b:02X}"));
            }
        }
    }
    out
}

const ESCAPABLE: &[char] = &['*', '_', '[', ']'];

/// Whether the character at `at`, after a `\\`, is escaped by it: one of
/// [`ESCAPABLE`], or the `<` of what would be an autolink, or one but for a
/// space (`\\<https://…>` prints as written, with no warning; a `\\<`
/// elsewhere, `C:\\<dir>`, keeps its `\\`).
fn is_escape(chars: &[char], at: usize) -> bool {
    ESCAPABLE.contains(&chars[at])
        || (chars[at] == '<'
            && (autolink_candidate(chars, at).is_some() || spaced_address(chars, at).is_some()))
}

fn push_text(out: &mut Vec<Span>, text: &str) {
    if text.is_empty() {
        return;
    }
    // A LINE or PARAGRAPH SEPARATOR (written `\L`, `\P` in a YAML string)
    // is a line break as a `\n` is: Typst took U+2028 for a justified break
    // and spread the line's words over the whole width.
    let normalised;
    let text = if text.contains(['\u{2028}', '\u{2029}']) {
        normalised = text.replace(['\u{2028}', '\u{2029}'], "\n");
        normalised.as_str()
    } else {
        text
    };
    if let Some(Span::Text { text: prev }) = out.last_mut() {
        prev.push_str(text);
    } else {
        out.push(Span::Text {
            text: text.to_string(),
        });
    }
}

/// `in_link`: inside a link's text, where `[a](/b)` is text (a link in a
/// link could not be followed, and exports would drop its address).
/// A piece of one level of inline text, before emphasis is paired.
enum Piece {
    Text(String),
    /// A link written `[label](target)`: the label's characters (parsed
    /// when its depth is known) and the URL.
    Link {
        label: std::ops::Range<usize>,
        url: String,
        written: std::ops::Range<usize>,
    },
    /// An autolink `<https://…>`, showing its address.
    Autolink {
        url: String,
        shown: String,
    },
    /// A run of `*`, `**` or `_` that may open or close emphasis, at
    /// character `at`.
    Delim {
        at: usize,
        mark: char,
        len: usize,
        open: bool,
        close: bool,
    },
}

fn parse_into(
    chars: &[char],
    base: &str,
    out: &mut Vec<Span>,
    depth: usize,
    in_link: bool,
    budget: &mut Budget,
) {
    if depth >= MAX_NESTING {
        // Too deep to be meant: as written, escapes and all.
        push_text(out, &chars.iter().collect::<String>());
        return;
    }
    let pieces = pieces(chars, in_link, budget);
    let pairs = pair_delimiters(&pieces);
    build(
        chars,
        &pieces,
        &pairs,
        0..pieces.len(),
        base,
        out,
        depth,
        budget,
    );
}

/// The text cut into [`Piece`]s: escapes resolved, links and autolinks
/// whole (a marker in them pairs with nothing outside), and every run of
/// `*` or `_` of a marker's length a delimiter (longer runs, `***` or
/// `__init__`, are text).
fn pieces(chars: &[char], in_link: bool, budget: &mut Budget) -> Vec<Piece> {
    let mut out = Vec::new();
    let mut buf = String::new();
    let flush = |buf: &mut String, out: &mut Vec<Piece>| {
        if !buf.is_empty() {
            out.push(Piece::Text(std::mem::take(buf)));
        }
    };
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        if c == '\\' && i + 1 < chars.len() && is_escape(chars, i + 1) {
            buf.push(chars[i + 1]);
            i += 2;
            continue;
        }
        // In a link's text, a link or an autolink is text, as written,
        // whole: no emphasis pairs inside it either.
        if in_link
            && let Some(end) = match c {
                '[' => find_link(chars, i, budget).map(|(_, end)| end),
                '<' => autolink(chars, i).map(|(end, _)| end),
                _ => None,
            }
        {
            buf.extend(&chars[i..=end]);
            i = end + 1;
            continue;
        }
        if c == '['
            && !in_link
            && let Some((label_end, target_end)) = find_link(chars, i, budget)
            && is_allowed_target(&unescape_target(&chars[label_end + 2..target_end]))
        {
            flush(&mut buf, &mut out);
            let target = unescape_target(&chars[label_end + 2..target_end]);
            out.push(Piece::Link {
                label: i + 1..label_end,
                url: target.trim().to_string(),
                written: i..target_end + 1,
            });
            i = target_end + 1;
            continue;
        }
        if c == '<'
            && !in_link
            && let Some((end, url)) = autolink(chars, i)
        {
            flush(&mut buf, &mut out);
            out.push(Piece::Autolink {
                url,
                shown: chars[i + 1..end].iter().collect(),
            });
            i = end + 1;
            continue;
        }
        if c == '*' || c == '_' {
            let run = chars[i..].iter().take_while(|&&x| x == c).count();
            let is_marker = run == 1 || (run == 2 && c == '*');
            if is_marker {
                let prev = i.checked_sub(1).map(|p| chars[p]);
                let next = chars.get(i + run).copied();
                // CommonMark's flanking rules. Left-flanking (may open):
                // followed by non-space, and if by punctuation, then
                // preceded by space or punctuation; right-flanking (may
                // close) the mirror image. So `tmp*.log`, `5*(3+4)*2` and
                // `**Note:**then` keep their markers. `_` opens or closes
                // inside a word only beside punctuation (`snake_case`).
                // The start and end of the text count as space.
                let space = |x: Option<char>| x.is_none_or(char::is_whitespace);
                let punct = |x: Option<char>| x.is_some_and(is_punctuation);
                let left = !space(next) && (!punct(next) || space(prev) || punct(prev));
                let right = !space(prev) && (!punct(prev) || space(next) || punct(next));
                let (open, close) = if c == '_' {
                    (
                        left && (!right || punct(prev)),
                        right && (!left || punct(next)),
                    )
                } else {
                    (left, right)
                };
                flush(&mut buf, &mut out);
                out.push(Piece::Delim {
                    at: i,
                    mark: c,
                    len: run,
                    open,
                    close,
                });
            } else {
                buf.extend(std::iter::repeat_n(c, run));
            }
            i += run;
            continue;
        }
        buf.push(c);
        i += 1;
    }
    flush(&mut buf, &mut out);
    out
}

/// A link target as its writer meant it: a `\` before ASCII punctuation
/// escapes it, as in CommonMark (`Scrum\_(software\_development)` is
/// `Scrum_(software_development)`; the `\` made the link a dead one).
fn unescape_target(chars: &[char]) -> String {
    let mut out = String::with_capacity(chars.len());
    let mut i = 0;
    while i < chars.len() {
        if chars[i] == '\\' && chars.get(i + 1).is_some_and(char::is_ascii_punctuation) {
            i += 1;
        }
        out.push(chars[i]);
        i += 1;
    }
    out
}

/// CommonMark's punctuation: ASCII punctuation, and any other character
/// that is neither a letter, a digit nor a space (the Unicode P and S
/// classes, near enough: `—`, `’`, `€`, emoji).
/// A combining mark or an invisible joiner is part of the character before
/// it (`é` written `e` + U+0301, `❤` + U+FE0F), not punctuation.
fn is_punctuation(c: char) -> bool {
    c.is_ascii_punctuation()
        || (!c.is_ascii()
            && !c.is_alphanumeric()
            && !c.is_whitespace()
            && !unicode_normalization::char::is_combining_mark(c)
            && !crate::chars::is_default_ignorable(c))
}

/// Pairs the delimiters as CommonMark does: each closer, left to right,
/// with the nearest open opener of its marker and length; the openers and
/// closers between them are then text (`_Keep *_draft* notes_`: the `_` of
/// `_draft` is inside `*…*`, and the last `_` closes the first). Linear:
/// a search that fails for a marker is not repeated below where it
/// stopped. Returns, for each piece, the index of its closer if it opens.
fn pair_delimiters(pieces: &[Piece]) -> Vec<Option<usize>> {
    let mut closer_of = vec![None; pieces.len()];
    // Open openers, in order (indices into `pieces`).
    let mut stack: Vec<usize> = Vec::new();
    // Per marker (`*`, `**`, `_`): no opener for it below this height.
    let mut bottom = [0usize; 3];
    let slot = |mark: char, len: usize| match (mark, len) {
        ('*', 1) => 0,
        ('*', _) => 1,
        _ => 2,
    };
    for (k, piece) in pieces.iter().enumerate() {
        let Piece::Delim {
            mark,
            len,
            open,
            close,
            ..
        } = *piece
        else {
            continue;
        };
        let s = slot(mark, len);
        if close {
            let found = (bottom[s]..stack.len()).rev().find(|&p| {
                matches!(pieces[stack[p]], Piece::Delim { mark: m, len: l, .. } if m == mark && l == len)
            });
            match found {
                Some(p) => {
                    closer_of[stack[p]] = Some(k);
                    stack.truncate(p);
                    for b in &mut bottom {
                        *b = (*b).min(stack.len());
                    }
                    continue;
                }
                None => bottom[s] = stack.len(),
            }
        }
        if open {
            stack.push(k);
        }
    }
    closer_of
}

/// The spans of `pieces[range]`, at `depth`.
#[allow(clippy::too_many_arguments)]
fn build(
    chars: &[char],
    pieces: &[Piece],
    closer_of: &[Option<usize>],
    range: std::ops::Range<usize>,
    base: &str,
    out: &mut Vec<Span>,
    depth: usize,
    budget: &mut Budget,
) {
    let mut k = range.start;
    while k < range.end {
        match &pieces[k] {
            Piece::Text(t) => push_text(out, t),
            Piece::Link {
                label,
                url,
                written,
            } => {
                if depth >= MAX_NESTING {
                    push_text(out, &chars[written.clone()].iter().collect::<String>());
                } else {
                    let mut body = Vec::new();
                    parse_into(
                        &chars[label.clone()],
                        base,
                        &mut body,
                        depth + 1,
                        true,
                        budget,
                    );
                    out.push(Span::Link {
                        url: resolve_url(url, base),
                        body,
                    });
                }
            }
            Piece::Autolink { url, shown } => {
                if depth >= MAX_NESTING {
                    push_text(out, &format!("<{shown}>"));
                } else {
                    out.push(Span::Link {
                        url: url.clone(),
                        body: vec![Span::Text {
                            text: shown.clone(),
                        }],
                    });
                }
            }
            Piece::Delim { mark, len, .. } => {
                let marker: String = std::iter::repeat_n(*mark, *len).collect();
                match closer_of[k] {
                    // Too deep to be meant: the markers print as written.
                    Some(end) if depth < MAX_NESTING => {
                        let mut body = Vec::new();
                        build(
                            chars,
                            pieces,
                            closer_of,
                            k + 1..end,
                            base,
                            &mut body,
                            depth + 1,
                            budget,
                        );
                        out.push(if *len == 2 {
                            Span::Strong { body }
                        } else {
                            Span::Emph { body }
                        });
                        k = end + 1;
                        continue;
                    }
                    _ => push_text(out, &marker),
                }
            }
        }
        k += 1;
    }
}

/// For a `<` at `start`, an autolink: `<https://…>`, `<http://…>`,
/// `<mailto:…>` or `<name@host.tld>` (no space or `<` inside) whose
/// address a link may have, as the index of its `>` and its URL.
fn autolink(chars: &[char], start: usize) -> Option<(usize, String)> {
    let (end, url) = autolink_candidate(chars, start)?;
    is_allowed_target(&url).then_some((end, url))
}

/// How far after a `<` an autolink's `>` is looked for.
const AUTOLINK_LONGEST: usize = 2048;

/// [`autolink`] before its address is judged: what `check` validates as a
/// link target (`<https://x.test:99999/>` is an error there, not text).
fn autolink_candidate(chars: &[char], start: usize) -> Option<(usize, String)> {
    let (end, inner) = angle_brackets(chars, start, |c| c.is_whitespace())?;
    if has_link_scheme(&inner) {
        return Some((end, inner));
    }
    // An email address: a name, one `@`, a host of two or more labels of
    // letters, digits and `-`.
    let (name, host) = inner.split_once('@')?;
    let name_ok = !name.is_empty() && !name.contains(['@', ':', '/', '\\', '>']);
    let labels: Vec<&str> = host.split('.').collect();
    let host_ok = labels.len() >= 2
        && labels
            .iter()
            .all(|l| !l.is_empty() && l.chars().all(|c| c.is_alphanumeric() || c == '-'));
    (name_ok && host_ok).then(|| (end, format!("mailto:{inner}")))
}

/// For a `<` at `start`, what would be an autolink but for a space in it
/// (`<https://x.test/my page>`): the index of its `>`. On one line, and no
/// further than an autolink's longest.
fn spaced_address(chars: &[char], start: usize) -> Option<usize> {
    let (end, inner) = angle_brackets(chars, start, |c| matches!(c, '\n' | '\r'))?;
    (has_link_scheme(&inner) && inner.contains(char::is_whitespace)).then_some(end)
}

/// For a `<` at `start`, the index of the `>` that closes it and the text
/// between: none if that text is empty, or if another `<` or a character
/// `stop` refuses comes first. Addresses are short: a `<` with no `>`
/// soon after is text.
fn angle_brackets(
    chars: &[char],
    start: usize,
    stop: impl Fn(char) -> bool,
) -> Option<(usize, String)> {
    let end = chars[start + 1..]
        .iter()
        .take(AUTOLINK_LONGEST)
        .position(|&c| c == '>' || c == '<' || stop(c))
        .map(|n| start + 1 + n)
        .filter(|&e| chars[e] == '>' && e > start + 1)?;
    Some((end, chars[start + 1..end].iter().collect()))
}

/// Whether `text` starts with a scheme an autolink may have.
fn has_link_scheme(text: &str) -> bool {
    let lower = text.get(..8).unwrap_or(text).to_ascii_lowercase();
    ["https://", "http://", "mailto:"]
        .iter()
        .any(|p| lower.starts_with(p))
}

/// For a `[` at `start`, finds `](`…`)` and returns (index of `]`, index of
/// the closing `)`). Brackets and parentheses may nest.
fn find_link(chars: &[char], start: usize, budget: &mut Budget) -> Option<(usize, usize)> {
    find_link_with(chars, start, budget, false)
}

/// [`find_link`]; with `spaces`, a target may hold blanks too (not a link,
/// but what its writer meant as one: see [`near_links`]).
fn find_link_with(
    chars: &[char],
    start: usize,
    budget: &mut Budget,
    spaces: bool,
) -> Option<(usize, usize)> {
    let mut depth = 0usize;
    let mut i = start;
    let label_end = loop {
        if !budget.step() {
            return None;
        }
        match chars.get(i)? {
            '\\' if chars.get(i + 1).is_some_and(|c| ESCAPABLE.contains(c)) => i += 1,
            '[' => depth += 1,
            ']' => {
                depth -= 1;
                if depth == 0 {
                    break i;
                }
            }
            _ => {}
        }
        i += 1;
    };
    if chars.get(label_end + 1) != Some(&'(') || label_end == start + 1 {
        return None;
    }
    let mut depth = 0usize;
    let mut j = label_end + 1;
    loop {
        if !budget.step() {
            return None;
        }
        match chars.get(j)? {
            // An escaped parenthesis is a character of the target (and
            // `\\` a backslash, which escapes nothing after it).
            '\\' if chars.get(j + 1).is_some_and(char::is_ascii_punctuation) => j += 1,
            '(' => depth += 1,
            ')' => {
                depth -= 1;
                if depth == 0 {
                    break;
                }
            }
            '\n' => return None,
            c if c.is_whitespace() && !spaces => return None,
            _ => {}
        }
        j += 1;
    }
    if j == label_end + 2 {
        return None;
    }
    Some((label_end, j))
}

/// Emphasis its writer most likely did not mean: one whose closer stands
/// right before a `.` and a letter or digit, as in a file name
/// (`Use *nix or tmp*.log` prints "nix or tmp" in italics, and neither
/// asterisk). As written, from its opener to its closer.
pub fn unmeant_emphasis(text: &str) -> Vec<String> {
    if !text.contains("*.") && !text.contains("_.") {
        return Vec::new();
    }
    let chars: Vec<char> = text.chars().collect();
    let mut budget = Budget::for_text(chars.len());
    let pieces = pieces(&chars, false, &mut budget);
    let pairs = pair_delimiters(&pieces);
    let mut found = Vec::new();
    for (k, closer) in pairs.iter().enumerate() {
        let (Some(end), Piece::Delim { at: from, .. }) = (closer, &pieces[k]) else {
            continue;
        };
        let Piece::Delim { at: to, len, .. } = pieces[*end] else {
            continue;
        };
        let after = to + len;
        if chars.get(after) == Some(&'.')
            && chars.get(after + 1).is_some_and(|c| c.is_alphanumeric())
        {
            found.push(chars[*from..after].iter().collect());
        }
    }
    found
}

/// What is written like a link but is none, because its target holds a
/// space (`[values](/handbook/my values/)`, `[x](https://a.test "Title")`):
/// it prints as written, brackets and all. As written, for a warning.
pub fn near_links(text: &str) -> Vec<String> {
    scan_links(text).near
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_block_s_final_line_break_is_no_part_of_the_text() {
        // `- |` keeps one line break at the end: it ended the items.csv
        // cell and printed an empty last line.
        assert_eq!(
            to_plain("First line\nsecond line\n", ""),
            "First line\nsecond line"
        );
        assert_eq!(parse("a\r\n\n", ""), [Span::Text { text: "a".into() }]);
        // Inside, line breaks stay.
        assert_eq!(to_plain("a\n\nb", ""), "a\n\nb");
        // Spaces after the last one, and the separators `\L` and `\P`.
        assert_eq!(to_plain("Text.\n  ", ""), "Text.");
        assert_eq!(to_plain("Text.\u{2028}", ""), "Text.");
        assert_eq!(to_plain("Text.\u{2029}\t", ""), "Text.");
        // Spaces alone are kept, as written.
        assert_eq!(to_plain("Text.  ", ""), "Text.  ");
    }

    #[test]
    fn a_backslash_in_a_link_s_host_is_refused_and_kept_in_its_path() {
        // A browser reads `https://x.test\y/` as host `x.test`, path `/y/`;
        // the PDF's link held `x.test%5Cy`, no host at all.
        assert!(
            target_problem("https://x.test\\y/")
                .unwrap()
                .contains("in the host name")
        );
        assert!(target_problem("https://x.test\\").is_some());
        // In a path it is percent-encoded, as written.
        assert_eq!(target_problem("https://x.test/a\\b"), None);
        assert_eq!(link_address("https://x.test/a\\b"), "https://x.test/a%5Cb");
    }

    #[test]
    fn emphasis_closed_before_a_file_extension_is_unmeant() {
        assert_eq!(unmeant_emphasis("Use *nix or tmp*.log"), ["*nix or tmp*"]);
        assert_eq!(
            unmeant_emphasis("see _config_.yml and **x**.y"),
            ["_config_", "**x**"]
        );
        // Emphasis before a sentence's end, an escaped closer, markers
        // that pair with nothing: meant, or not emphasis at all.
        for ok in [
            "Keep *this*. And *x*.",
            "Use *nix or tmp\\*.log",
            "tmp*.log alone",
            "*a*.",
        ] {
            assert!(unmeant_emphasis(ok).is_empty(), "{ok}");
        }
    }

    #[test]
    fn near_links_are_what_a_space_keeps_from_being_a_link() {
        assert_eq!(
            near_links("See [v](/my values/) and [ok](/fine), [t](https://a.test \"T\") [a] (b c)"),
            ["[v](/my values/)", "[t](https://a.test \"T\")"]
        );
        assert!(near_links("[ok](/fine) and [x](\n/y)").is_empty());
        assert!(near_links("no links at all").is_empty());
    }

    #[test]
    fn links_with_no_text_are_found_once_each() {
        let s = scan_links("[](/a) and [b](/b), [](/c\n) [](/d) [](</e>) [](/f g)");
        assert_eq!(s.no_text, ["[](/a)", "[](/d)", "[](</e>)", "[](/f g)"]);
        assert_eq!(s.targets, ["/b"]);
        // A long line of openers without a `)`: none, and the links after
        // it are still read (the scan spent the links' budget).
        let s = scan_links(&format!("{}\n\n[a](relative/path)", "[](".repeat(200_000)));
        assert!(s.no_text.is_empty());
        assert_eq!(s.targets, ["relative/path"]);
        // A link inside what follows `[](` is read, as `parse` reads it.
        let s = scan_links("[](see [a](relative/path))");
        assert!(s.no_text.is_empty());
        assert_eq!(s.targets, ["relative/path"]);
    }

    const BASE: &str = "https://example.com";

    #[test]
    fn link_addresses_become_ascii_and_ascii_ones_stay_as_written() {
        assert_eq!(
            link_address("https://bücher.de/ü?q=ä#frag"),
            "https://xn--bcher-kva.de/%C3%BC?q=%C3%A4#frag"
        );
        assert_eq!(
            link_address("https://e.test/🙂"),
            "https://e.test/%F0%9F%99%82"
        );
        assert_eq!(
            link_address(&resolve_url("/jobs/übersicht", BASE)),
            "https://example.com/jobs/%C3%BCbersicht"
        );
        assert_eq!(
            link_address("mailto:jöbs@example.com"),
            "mailto:j%C3%B6bs@example.com"
        );
        // Not normalised when there is nothing to encode (a parser would
        // add a `/`, lower-case the host, drop `..`).
        for ascii in [
            "https://Example.com",
            "https://a.test/x/../y",
            "mailto:a@b.test",
        ] {
            assert_eq!(link_address(ascii), ascii);
        }
        // A host the parser refuses is still made ASCII.
        assert_eq!(
            link_address("https://a b.test/ü"),
            "https://a b.test/%C3%BC"
        );
    }

    fn text(s: &str) -> Span {
        Span::Text { text: s.into() }
    }

    #[test]
    fn line_and_paragraph_separators_are_line_breaks() {
        assert_eq!(
            parse("a\u{2028}b *c\u{2029}d*", BASE),
            [
                text("a\nb "),
                Span::Emph {
                    body: vec![text("c\nd")]
                }
            ]
        );
        assert_eq!(to_plain("a\u{2028}b", BASE), "a\nb");
    }

    #[test]
    fn autolinks_show_their_address() {
        let link = |url: &str, shown: &str| Span::Link {
            url: url.into(),
            body: vec![text(shown)],
        };
        assert_eq!(
            parse("See <https://x.test/a_b> or <jobs@x.test>.", BASE),
            [
                text("See "),
                link("https://x.test/a_b", "https://x.test/a_b"),
                text(" or "),
                link("mailto:jobs@x.test", "jobs@x.test"),
                text("."),
            ]
        );
        assert_eq!(
            to_plain("<https://x.test/> and <jobs@x.test>", BASE),
            "https://x.test/ and jobs@x.test"
        );
        // A label that is the site path written as the target: the address
        // once, as for an absolute one (not `/jobs/ (https://…/jobs/)`).
        assert_eq!(
            to_plain("[/jobs/](/jobs/), [/jobs](/jobs/) and [jobs](/jobs/)", BASE),
            "https://example.com/jobs/, /jobs (https://example.com/jobs/) and jobs (https://example.com/jobs/)"
        );
        // A website with a path of its own: the same.
        assert_eq!(
            to_plain("[/jobs/](/jobs/)", "https://example.com/careers"),
            "https://example.com/careers/jobs/"
        );
        // Anything else in angle brackets is text: not an address, a
        // space inside, a scheme no link may have, unclosed, a link's label.
        for literal in [
            "a <b> c",
            "<https://x.test/a b>",
            "<javascript:alert(1)>",
            "<https://>",
            "<a@b>",
            "<https://x.test",
            "x < y > z",
            "<a@b.test@c.test>",
            "[see <https://x.test/>](/jobs)",
        ] {
            let spans = parse(literal, BASE);
            assert_eq!(
                spans_text(&spans),
                literal.replace("](/jobs)", "").replace('[', ""),
                "{literal}"
            );
            assert!(
                links(&spans)
                    .iter()
                    .all(|(_, url)| url.ends_with("example.com/jobs")),
                "{literal}: {spans:?}"
            );
        }
    }

    #[test]
    fn emphasis_cannot_close_inside_an_autolink() {
        let link = |url: &str| Span::Link {
            url: url.into(),
            body: vec![text(url)],
        };
        let scrum = "https://en.wikipedia.org/wiki/Scrum_(software_development)";
        assert_eq!(
            parse(&format!("_See <{scrum}>_"), BASE),
            [Span::Emph {
                body: vec![text("See "), link(scrum)]
            }]
        );
        assert_eq!(
            parse("*see <https://x.test/a*b> now*", BASE),
            [Span::Emph {
                body: vec![text("see "), link("https://x.test/a*b"), text(" now")]
            }]
        );
        // `\<` is an escape: the address prints as written, no link.
        assert_eq!(
            parse("\\<https://x.test/>", BASE),
            [text("<https://x.test/>")]
        );
        // What `check` validates: the autolink's address, not a bracket
        // link inside it; an address no link may have too.
        assert_eq!(
            scan_links("<https://x.test/?q=[1](2)> <https://x.test:99999/> <b>"),
            Scanned {
                targets: vec!["https://x.test/?q=[1](2)".into()],
                near: vec![],
                not_autolinks: vec![(
                    "<https://x.test:99999/>".into(),
                    target_problem("https://x.test:99999/").unwrap()
                )],
                no_text: vec![],
            }
        );
        // As `parse` reads them: `\\<` (a `\` that escapes nothing, then
        // an escaped `<`: text), an autolink inside a link's target, a `\<`
        // that escapes nothing.
        assert_eq!(
            link_targets("\\\\<https://x.test/> [d](https://a.test/?n=<https://b.test:99999/>)"),
            ["https://a.test/?n=<https://b.test:99999/>"]
        );
        assert_eq!(
            to_plain("C:\\<dir> and \\<https://x.test/>", BASE),
            "C:\\<dir> and <https://x.test/>"
        );
        assert_eq!(parse("<a@b.>", BASE), [text("<a@b.>")]);
        // An address with a space is no link either: said so.
        assert_eq!(
            scan_links("<https://x.test/my page> <b c> <https://x.test/a\nb>").not_autolinks,
            [(
                "<https://x.test/my page>".to_string(),
                "a link cannot hold a space: write `%20` for one"
            )]
        );
        // In a host name, `%20` mends nothing.
        assert_eq!(
            scan_links("<https://exa mple.com/>").not_autolinks[0].1,
            "a host name cannot hold a space: remove it"
        );
        for (target, host) in [
            ("https://exa mple.com", true),
            ("http://x.test/a b", false),
            ("mailto:jo bs@x.test", false),
            ("mailto:jobs@x .test", true),
            ("/my page", false),
            ("https://x.test?q=a b", false),
        ] {
            let said = target_problem(target).unwrap();
            assert_eq!(said.starts_with("a host name"), host, "{target}: {said}");
        }
        assert!(space_advice("jobs@x .test").starts_with("a host name"));
        // A title is no part of the host.
        assert_eq!(
            space_advice("https://example.com \"Our site\""),
            "a link takes no title (`\"…\"`): delete it"
        );
        // CommonMark's spaces around the target and `<…>` target: said so
        // (they were told "a link takes no title").
        assert_eq!(
            space_advice("  https://a.test/  "),
            "remove the spaces around the address"
        );
        assert!(space_advice("<https://a.test/x y>").starts_with("remove the `<` and `>`"));
        assert!(space_advice("https://a.test/x y").starts_with("a link cannot hold a space"));
        // ...unless escaped, as the warning's help says.
        assert_eq!(scan_links("\\<https://x.test/my page>").not_autolinks, []);
        assert_eq!(
            to_plain("\\<https://x.test/my page>", BASE),
            "<https://x.test/my page>"
        );
        // A bad address is no piece: a link inside it is one, and checked.
        let scanned = scan_links("<http://localhost:99999/[a](https://x.test:99999/)>");
        assert_eq!(scanned.targets, ["https://x.test:99999/"]);
        assert_eq!(scanned.not_autolinks.len(), 1);
    }

    #[test]
    fn links_resolve_site_relative_targets() {
        let spans = parse("You share our [values](/handbook/values/), ok", BASE);
        assert_eq!(
            spans,
            vec![
                text("You share our "),
                Span::Link {
                    url: "https://example.com/handbook/values/".into(),
                    body: vec![text("values")]
                },
                text(", ok"),
            ]
        );
        assert_eq!(
            to_plain("our [values](/handbook/values/).", BASE),
            "our values (https://example.com/handbook/values/)."
        );
    }

    #[test]
    fn a_link_in_a_links_text_is_text_with_no_markup() {
        // Emphasis paired inside it and dropped its markers.
        assert_eq!(
            to_plain("[See the guide <https://x.test/*new*> here](/guide)", BASE),
            "See the guide <https://x.test/*new*> here (https://example.com/guide)"
        );
        assert_eq!(
            to_plain("[a [b](https://x.test/p*q*) c](/e)", BASE),
            "a [b](https://x.test/p*q*) c (https://example.com/e)"
        );
        // Markup around it still is.
        assert_eq!(
            to_plain("[*a* [b](/c) d](/e)", BASE),
            "a [b](/c) d (https://example.com/e)"
        );
    }

    #[test]
    fn escapes_in_a_link_target_are_read() {
        // The `\` stayed in the address: a dead link, and `check` was
        // silent.
        let t = "[Scrum](https://en.wikipedia.org/wiki/Scrum\\_(software\\_development))";
        assert_eq!(
            links(&parse(t, BASE)),
            [(
                "Scrum".to_string(),
                "https://en.wikipedia.org/wiki/Scrum_(software_development)".to_string()
            )]
        );
        assert_eq!(
            link_targets(t),
            ["https://en.wikipedia.org/wiki/Scrum_(software_development)"]
        );
        assert_eq!(to_plain("[a](/x\\_y)", BASE), "a (https://example.com/x_y)");
        // A `\` before anything else stays, and a PDF link holds it
        // percent-encoded (a URI may not hold `\`; viewers differed).
        assert_eq!(link_targets("[a](/x\\y)"), ["/x\\y"]);
        assert_eq!(
            link_address("https://a.test/x\\y|z"),
            "https://a.test/x%5Cy%7Cz"
        );
        // An escaped parenthesis does not open or close the target.
        assert_eq!(link_targets("[a](/x\\(y)"), ["/x(y"]);
        assert_eq!(link_targets("[a](/x\\)y)"), ["/x)y"]);
        // `\\(` is a backslash, then a parenthesis that opens.
        assert!(link_targets("[a](/x\\\\(y)").is_empty());
        assert_eq!(
            links(&parse("[a](/x\\(y) b", BASE)),
            [("a".to_string(), "https://example.com/x(y".to_string())]
        );
    }

    #[test]
    fn link_with_parentheses_in_target_and_trailing_dot_in_label() {
        let plain = to_plain(
            "[Director, Marketing Operations.](https://x.test/a_(b)/).",
            BASE,
        );
        assert_eq!(
            plain,
            "Director, Marketing Operations. (https://x.test/a_(b)/)."
        );
    }

    #[test]
    fn emphasis_inside_emphasis_of_its_own_marker_nests() {
        // A closer closes the nearest opener: `_a _b_ c_` paired `_a` with
        // `b_` and printed `_` in the PDF and the exports.
        let plain = |t: &str| to_plain(t, BASE);
        assert_eq!(
            plain("_Read the [handbook](/h) and the _FAQ_ first_"),
            "Read the handbook (https://example.com/h) and the FAQ first"
        );
        assert_eq!(plain("*See *nested* here*"), "See nested here");
        assert_eq!(plain("**x **y** z**"), "x y z");
        assert_eq!(plain("_a *b _c_ b* a_"), "a b c b a");
        assert_eq!(plain("*a _b **c _d_ c** b_ a*"), "a b c d c b a");
        assert_eq!(
            parse("*See *nested* here*", BASE),
            vec![Span::Emph {
                body: vec![
                    text("See "),
                    Span::Emph {
                        body: vec![text("nested")]
                    },
                    text(" here"),
                ]
            }]
        );
        // An inner opener left open: the closer is its (CommonMark too).
        assert_eq!(
            parse("*a *b c*", BASE),
            vec![
                text("*a "),
                Span::Emph {
                    body: vec![text("b c")]
                }
            ]
        );
        // An opener inside another marker's span is text there: it
        // cannot take the closer of an opener outside that span.
        assert_eq!(
            parse("_Keep *_draft* notes_", BASE),
            vec![Span::Emph {
                body: vec![
                    text("Keep "),
                    Span::Emph {
                        body: vec![text("_draft")]
                    },
                    text(" notes"),
                ]
            }]
        );
        assert_eq!(
            parse("*Run **a *b** c*", BASE),
            vec![Span::Emph {
                body: vec![
                    text("Run "),
                    Span::Strong {
                        body: vec![text("a *b")]
                    },
                    text(" c"),
                ]
            }]
        );
        // Many openers, one closer, then markup: all of it read (a cache
        // of failed searches gave up on the later `_ok_` at 140 openers).
        for n in [140, 20_000] {
            let t = format!("{}b* and _ok_", "*a ".repeat(n));
            assert_eq!(
                plain(&t),
                format!("{}a b and ok", "*a ".repeat(n - 1)),
                "{n}"
            );
        }
        // Unchanged: different lengths do not pair, `_` inside words is
        // no marker, and a both-sided `*` closes.
        assert_eq!(plain("*a **b** c*"), "a b c");
        assert_eq!(plain("_snake_case and _x_ y_"), "snake_case and x y");
        // A combining mark or joiner belongs to the letter before it: a
        // decomposed `é` is no punctuation that lets `_` close.
        assert_eq!(plain("cafe\u{301}_menu_ x"), "cafe\u{301}_menu_ x");
        assert_eq!(plain("a\u{200d}_b_ c"), "a\u{200d}_b_ c");
        assert_eq!(plain("*a*b*"), "ab*");
        // A marker between a letter and punctuation neither opens nor
        // closes (CommonMark): these asterisks are text.
        for t in [
            "Clean up files matching tmp*.log and cache*.dat",
            "Multiply 5*(3+4)*2 here",
            "Use **Note:**then text",
        ] {
            assert_eq!(plain(t), t);
        }
        // ...while punctuation on both sides, or space, still allows it.
        assert_eq!(
            plain("(*quoted*), \"*this*\" and **Note:** then"),
            "(quoted), \"this\" and Note: then"
        );
    }

    #[test]
    fn emphasis_and_bold() {
        assert_eq!(
            parse("_Vary by job grade:_", BASE),
            vec![Span::Emph {
                body: vec![text("Vary by job grade:")]
            }]
        );
        assert_eq!(
            parse("Lead as _the_ expert and **bold** *it*", BASE),
            vec![
                text("Lead as "),
                Span::Emph {
                    body: vec![text("the")]
                },
                text(" expert and "),
                Span::Strong {
                    body: vec![text("bold")]
                },
                text(" "),
                Span::Emph {
                    body: vec![text("it")]
                },
            ]
        );
    }

    #[test]
    fn hostile_text_stays_literal() {
        for s in [
            "#set page(width: 1cm) $x^2$ <lbl> @ref // not a comment /* nor this */",
            "snake_case_name and 5 * 3 * 2",
            "unclosed **bold and [link](no-close and [x] alone",
            "C:\\path\\to & AT&amp;T",
            "a ** b ** c",
            "[](/empty-label) [label]() ",
            // Delimiter runs that pair with nothing of their own length.
            "Rated ***** by customers",
            "Use *args and **kwargs",
            "__init__.py and _private and __dunder__",
            "***both***",
        ] {
            assert_eq!(to_plain(s, BASE), s, "changed: {s}");
            assert_eq!(spans_text(&parse(s, BASE)), s);
        }
    }

    #[test]
    fn only_web_mail_and_site_links_become_links() {
        for s in [
            "[js](javascript:alert(1))",
            "[rel](relative/path)",
            "[f](file:///etc/passwd)",
            "[p](//evil.test/x)",
        ] {
            assert_eq!(to_plain(s, BASE), s);
            assert!(
                parse(s, BASE)
                    .iter()
                    .all(|sp| matches!(sp, Span::Text { .. }))
            );
        }
        assert_eq!(
            to_plain("[mail](mailto:hr@x.test)", BASE),
            "mail (mailto:hr@x.test)"
        );
        // Each refusal says what is wrong with that target.
        for (target, says) in [
            ("mailto:", "email address after `mailto:`"),
            ("//partner.example.com/", "`https://` before the host"),
            ("relative/path", "must start with"),
            ("https:///x", "host name after"),
        ] {
            let why = target_problem(target).unwrap_or_else(|| panic!("{target} allowed"));
            assert!(why.contains(says), "{target}: {why}");
        }
        assert_eq!(
            link_targets("a [x](/a) b [y](javascript:z) \\[no](/n)"),
            vec!["/a", "javascript:z"]
        );
    }

    #[test]
    fn escapes_produce_the_character() {
        assert_eq!(to_plain(r"\*not em\* and \[x\]", BASE), "*not em* and [x]");
    }

    #[test]
    fn link_label_equal_to_url_is_not_repeated() {
        assert_eq!(
            to_plain("[https://a.test/](https://a.test/)", BASE),
            "https://a.test/"
        );
    }

    fn depth(spans: &[Span]) -> usize {
        spans
            .iter()
            .map(|s| match s {
                Span::Text { .. } | Span::Break => 0,
                Span::Emph { body } | Span::Strong { body } | Span::Link { body, .. } => {
                    1 + depth(body)
                }
            })
            .max()
            .unwrap_or(0)
    }

    #[test]
    fn deep_nesting_is_capped_and_keeps_every_character() {
        // 5,000 nested links overflowed the stack (here, in the JSON and in
        // the template) before the cap; links no longer nest at all, and no
        // mix of markers gets past the cap.
        let n = 5000;
        for text in [
            format!("{}a{}", "**_".repeat(n), "_**".repeat(n)),
            format!("{}a{}", "*_**[".repeat(n), "](/x)**_*".repeat(n)),
            format!("{}a{}", "_ *".repeat(n), "* _".repeat(n)),
        ] {
            let spans = parse(&text, BASE);
            assert!(depth(&spans) <= MAX_NESTING);
            assert_eq!(spans_text(&spans).matches('a').count(), 1);
        }
        // A link inside a link's text is text.
        let text = format!("{}a{}", "[".repeat(n), "](/x)".repeat(n));
        let spans = parse(&text, BASE);
        assert_eq!(depth(&spans), 1);
        assert_eq!(spans_text(&spans).chars().filter(|&c| c == 'a').count(), 1);
        // Nesting within the cap is real markup.
        let ok = parse("**[_a_](/x)**", BASE);
        assert_eq!(depth(&ok), 3);
    }

    #[test]
    fn emphasis_does_not_close_inside_a_link() {
        let wiki = "https://en.wikipedia.org/wiki/Scrum_(software_development)";
        assert_eq!(
            parse(&format!("_Read about [Scrum]({wiki})_"), BASE),
            vec![Span::Emph {
                body: vec![
                    Span::Text {
                        text: "Read about ".into()
                    },
                    Span::Link {
                        url: wiki.into(),
                        body: vec![Span::Text {
                            text: "Scrum".into()
                        }],
                    },
                ],
            }]
        );
        assert_eq!(
            to_plain("_See [x](https://e.com/i?label=foo_&s=1) now_", BASE),
            "See x (https://e.com/i?label=foo_&s=1) now"
        );
        // Nor inside its text: `*[a*](/u)` is a `*` and a link.
        assert_eq!(to_plain("*[a*](/u)", BASE), format!("*a* ({BASE}/u)"));
    }

    #[test]
    fn a_link_inside_a_link_is_text() {
        // The PDF linked both, while the exports' plain text dropped the
        // inner address; and check did not see a `javascript:` inner target.
        let spans = parse("[a [b](/c) d](/e)", BASE);
        assert_eq!(
            spans,
            vec![Span::Link {
                url: format!("{BASE}/e"),
                body: vec![Span::Text {
                    text: "a [b](/c) d".into()
                }],
            }]
        );
        assert_eq!(
            to_plain("[see [x](javascript:alert(1)) here](/ok)", BASE),
            format!("see [x](javascript:alert(1)) here ({BASE}/ok)")
        );
        // Emphasis inside a link's text still is emphasis.
        assert_eq!(depth(&parse("[*a*](/e)", BASE)), 2);
    }

    #[test]
    fn unclosed_openers_print_as_written() {
        // Every `[` or `*` without a closer used to rescan to the end of the
        // text (quadratic); the budget bounds that, and the text survives.
        for text in [
            "[".repeat(32_000),
            "*a ".repeat(10_000),
            "_a ".repeat(10_000),
            format!("{}[b](/y)", "[a](".repeat(8_000)),
        ] {
            let plain = to_plain(&text, BASE);
            assert!(plain.len() >= text.len() - 8, "lost text: {}", plain.len());
            let _ = link_targets(&text);
        }
        // Budget exhaustion never drops characters.
        let text = format!("{} [ok](/x)", "[".repeat(40_000));
        assert!(to_plain(&text, BASE).starts_with(&"[".repeat(40_000)));
    }

    #[test]
    fn long_runs_of_markers_cost_linear_time_and_print_as_written() {
        // Every `*` of a 32,000-star run measured the whole run: 17 s for
        // one item, and 100,000 stars would take this test many minutes
        // (no time is asserted: that is for benchmarks).
        for c in ['*', '_'] {
            let run: String = std::iter::repeat_n(c, 100_000).collect();
            let text = format!("a {run} b {c}x{c}");
            assert_eq!(to_plain(&text, BASE), format!("a {run} b x"));
        }
    }

    #[test]
    fn pairing_many_markers_takes_linear_time() {
        // Every shape of many openers and closers, 100,000 markers each
        // (no time is asserted: a quadratic pairing would take this test
        // minutes, as the searches for closers once did).
        let n = 50_000;
        for t in [
            format!("{}{}", "*a ".repeat(n), "b* ".repeat(n)),
            format!("{}{}", "_a ".repeat(n), "b* ".repeat(n)),
            format!("{}{}", "*a **b ".repeat(n), "c_ ".repeat(n)),
            "*a _b ".repeat(n),
            "a* b_ ".repeat(n),
        ] {
            let plain = to_plain(&t, BASE);
            assert!(plain.len() <= t.len() && !plain.is_empty());
        }
    }

    #[test]
    fn many_unclosed_markers_leave_later_markup_working() {
        // 5,000 `_x` with no closer each scanned to the end, spending the
        // budget, so the bold and emphasis after them printed with their
        // asterisks.
        let input = format!("{}then **bold** and *this*", "see _note ".repeat(5_000));
        let spans = parse(&input, BASE);
        let tail = format!("{:?}", &spans[spans.len().saturating_sub(4)..]);
        assert!(
            spans.contains(&Span::Strong {
                body: vec![text("bold")]
            }),
            "{}",
            &tail[tail.len().saturating_sub(300)..]
        );
        assert!(spans.contains(&Span::Emph {
            body: vec![text("this")]
        }));
        assert_eq!(
            to_plain(&input, BASE),
            format!("{}then bold and this", "see _note ".repeat(5_000))
        );
    }
}
