//! Positions of keys and values in a YAML file, by path (`levels.2.grade`),
//! and the YAML features role files refuse, found before serde_yaml runs.
//!
//! serde_yaml reports a position only for the first error it meets; the
//! checks that run after parsing (unknown keys, empty titles, inheritance)
//! look their positions up here, so every problem in a file gets its own
//! file:line:col.
//!
//! This pass reads the file as a stream of events and never builds values,
//! so it is linear in the file's size. It finds what would make serde_yaml
//! slow or wrong ([`Hazard`]): aliases (a few hundred KB of `*a` expand to
//! gigabytes), tags (`!x null` would skip the text checks), nesting deeper
//! than any role file needs, and a `#` that silently cuts text short.

use std::collections::{HashMap, HashSet};

use yaml_rust2::parser::{Event, MarkedEventReceiver, Parser, Tag};
use yaml_rust2::scanner::{Marker, TScalarStyle};

use crate::lines::LineIndex;

/// A 1-based line and column.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Pos {
    pub line: usize,
    pub column: usize,
}

#[derive(Debug, Default)]
pub struct SourceMap {
    /// Where each key and value is, by path.
    paths: Paths,
    /// Refused or suspicious YAML, in file order.
    pub hazards: Vec<Hazard>,
    /// The YAML syntax error that stopped this pass, if any; the map then
    /// holds what came before it.
    pub syntax_error: Option<(Pos, String)>,
    /// The `levels[].id` values read (also from a file with a syntax error,
    /// up to the error), so failures can name the roles they affect.
    pub level_ids: Vec<String>,
    /// The same by the level's place in `levels` (`""` for a level
    /// without an id), to name a level in a message about it.
    pub level_id_at: Vec<String>,
    /// The top-level `family` value, read the same way.
    pub family_id: Option<String>,
    /// Every key's and value's position, in file order.
    starts: Vec<Pos>,
    /// The aliases (also in `hazards`) inside a flow collection (`[*a]`,
    /// `{k: *a}`): no text's start, whatever the line shows.
    pub flow_aliases: Vec<Pos>,
    /// The anchors (by yaml-rust2's id) an alias of the file names.
    pub aliased: Vec<usize>,
}

/// How deep a role file's YAML may nest. The deepest real structure
/// (nested sections or hiring steps) stays far below; deeper nesting would
/// exhaust the parser, the JSON reader and the template's call depth.
pub const MAX_DEPTH: usize = 32;

/// How many values (keys, texts, numbers, lists and mappings) one file may
/// hold, in all its documents. A family at the count caps (200 levels, 100
/// groups a list, 20,000 items) holds about 230,000; paragraphs, sections
/// and steps have no count cap of their own, and this bounds them. The cap
/// is checked by the first, cheapest pass, before serde_yaml: a 16 MiB
/// file of one-character items (`[a,a,…]`, 8 million values) took about a
/// minute and 3.4 GB to check; now 2 s and 236 MB.
pub const MAX_VALUES: usize = 500_000;

/// Levels beyond this place are not named by id in messages (a file has
/// at most 200 levels; the bound keeps a hostile index from allocating).
const MAX_INDEXED_LEVELS: usize = 10_000;

/// Something in the YAML a role file may not use, or should not.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Hazard {
    pub pos: Pos,
    pub kind: HazardKind,
}

/// How sure a [`HazardKind::HashComment`] is that the dropped text was
/// meant as part of the value.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Cut {
    /// `#word` on the value's line (`the #social channel`), or on the line
    /// after an empty value (`brand_color:` / `  #6B4FBB`).
    Sure,
    /// A `#word` comment line under a value, which may continue it
    /// (`#1 platform`) or be a note.
    CommentLine,
    /// A comment written as one, after words and a single space, as in
    /// running text (`Grow the # of leads`): it may be a note, but YAML
    /// keeps only `Grow the`.
    Spaced,
}

#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum HazardKind {
    /// `*name`: refused (expansion can be exponential).
    Alias,
    /// `&name`: refused, as it only serves aliases; written at a text's
    /// start (`&Co Partners`) it silently drops that word. `on_text`: it
    /// is a plain text value's (not a key's, a list's, a mapping's or a
    /// block of lines'). `id`: yaml-rust2's, as its aliases name it.
    Anchor { on_text: bool, id: usize },
    /// `!tag` or `!!type`: refused (the text checks do not see through it).
    Tag(String),
    /// Nested deeper than [`MAX_DEPTH`]: refused.
    TooDeep,
    /// `<<: *base`: refused (merge keys are aliases too).
    MergeKey,
    /// The [`MAX_VALUES`]th value and one more: the file is not read
    /// further (the map stops here too).
    TooManyValues,
    /// A key written twice in one mapping.
    DuplicateKey {
        key: String,
        /// The line of the first.
        first: usize,
        /// Whether that mapping is an entry of a list, where a missing `- `
        /// merges two entries into one.
        in_list: bool,
        /// The nearest list entry (a mapping in a list) holding the key, by
        /// node: what a missing `- ` merged, keys nested in it included.
        entry: Option<usize>,
    },
    /// ` #word` right after an unquoted value: YAML reads a comment there,
    /// so the rest of the line is dropped (`the #social channel` → `the`).
    /// The text (what was dropped) is kept for the message, with how sure
    /// it is that the text was meant as part of the value.
    /// `flow`: inside a `[…]` or `{…}`, where one entry is quoted, not
    /// the whole value.
    HashComment { text: String, cut: Cut, flow: bool },
    /// A continuation line of a plain text that starts with `- `: indented
    /// deeper than the item's own `-`, it joins the text above
    /// (`Maintain pipelines - Fix tests`) instead of starting an item.
    /// `column`: where the `-` of the item it continues is (1-based), when
    /// the text is a list item.
    DashContinuation { text: String, column: Option<usize> },
}

/// The first document's events, in order, to `builder`: what yaml-rust2's
/// `Parser::load` does, without its recursion. `load` calls itself once
/// per level of nesting, so `- - - …` or `? ? ? …` 20,000 deep (a 40 KB
/// file) overflowed the stack and aborted every command; here depth costs
/// the builder's own stack, on the heap, and the nesting check reports it.
/// The documents after the first are only counted: serde_yaml refuses a
/// second document, but loads all of its values first, so a file of a
/// short document and 8 million values after a `---` took 13 s and 1 GB.
fn feed(
    parser: &mut Parser<std::str::Chars<'_>>,
    builder: &mut Builder,
) -> Result<(), yaml_rust2::ScanError> {
    let mut first = true;
    loop {
        let (ev, mark) = parser.next_token()?;
        if matches!(ev, Event::StreamEnd) {
            if first {
                builder.on_event(ev, mark);
            }
            return Ok(());
        }
        if first {
            first = !matches!(ev, Event::DocumentEnd);
            builder.on_event(ev, mark);
        } else {
            builder.count(&ev, mark);
        }
        if builder.values > MAX_VALUES {
            return Ok(());
        }
    }
}

impl SourceMap {
    /// Indexes `text`. A file that does not parse yields an empty map; the
    /// parse error itself comes from serde_yaml.
    pub fn build(text: &str) -> SourceMap {
        let mut map = Self::try_build(text);
        if map.syntax_error.is_some() && text.contains('\t') {
            // yaml-rust2 refuses a tab after `key:` that libyaml (serde_yaml)
            // accepts; a space in its place keeps every position.
            let retry = Self::try_build(&text.replace('\t', " "));
            if retry.syntax_error.is_none() {
                return retry;
            }
        }
        if map.syntax_error.is_none() {
            return map;
        }
        // One libyaml pass serves both the retry and the hazards below.
        let scan = crate::libyaml_scan::scan(text);
        if let Some(retry) = Self::reindented(text, &map, &scan.flow_spans) {
            map = retry;
        }
        if let Some((at, _)) = map.syntax_error {
            // What yaml-rust2 could not read, serde_yaml's libyaml may: the
            // refused YAML past that point must not slip through.
            let after = |p: Pos| (p.line, p.column) >= (at.line, at.column);
            // A set for "already found": a search of the list per hazard was
            // quadratic (80,000 aliases on one line took 26 s).
            let mut known: HashSet<Hazard> = map.hazards.iter().cloned().collect();
            // Too deep nesting before the error too: yaml-rust2 may stop at
            // its own recursion limit (256 `[`) before its events reach
            // the depth check.
            let deep_known = map.hazards.iter().any(|h| h.kind == HazardKind::TooDeep);
            // Too many values counts the whole file: libyaml's count
            // stands wherever it stops.
            let many_known = map
                .hazards
                .iter()
                .any(|h| h.kind == HazardKind::TooManyValues);
            for h in scan.hazards {
                let deep = (h.kind == HazardKind::TooDeep && !deep_known)
                    || (h.kind == HazardKind::TooManyValues && !many_known);
                if (after(h.pos) || deep) && known.insert(h.clone()) {
                    map.hazards.push(h);
                }
            }
        }
        map
    }

    /// yaml-rust2 refuses a line of a quoted text or a flow collection
    /// (`[…]`) that is not indented past its key, which libyaml, serde_yaml's
    /// parser, reads: indentation means nothing there. The file with every
    /// such line indented one more space reads alike to both; the positions
    /// on those lines are then moved back. None when libyaml finds no such
    /// lines, or the indented file reads no further.
    fn reindented(text: &str, failed: &SourceMap, spans: &[(usize, usize)]) -> Option<SourceMap> {
        let mut shifted: HashSet<usize> = HashSet::new();
        for &(first, last) in spans {
            shifted.extend(first + 1..=last);
        }
        if shifted.is_empty() {
            return None;
        }
        let mut indented = String::with_capacity(text.len() + shifted.len());
        for (i, line) in text.split_inclusive('\n').enumerate() {
            if shifted.contains(&(i + 1)) {
                indented.push(' ');
            }
            indented.push_str(line);
        }
        let mut map = Self::try_build(&indented);
        let further = match (&map.syntax_error, &failed.syntax_error) {
            (None, _) => true,
            (Some((now, _)), Some((before, _))) => {
                (now.line, now.column) > (before.line, before.column)
            }
            (Some(_), None) => false,
        };
        if !further {
            return None;
        }
        let back = |p: &mut Pos| {
            if shifted.contains(&p.line) && p.column > 1 {
                p.column -= 1;
            }
        };
        for n in &mut map.paths.nodes {
            n.key.iter_mut().chain(n.value.iter_mut()).for_each(back);
        }
        map.starts.iter_mut().for_each(back);
        map.hazards.iter_mut().for_each(|h| back(&mut h.pos));
        map.flow_aliases.iter_mut().for_each(back);
        if let Some((p, _)) = &mut map.syntax_error {
            back(p);
        }
        Some(map)
    }

    /// One pass; on a syntax error, what came before it and the error.
    fn try_build(text: &str) -> SourceMap {
        let mut builder = Builder {
            text,
            lines: LineIndex::new(text),
            ..Builder::default()
        };
        let mut parser = Parser::new_from_str(text);
        let result = feed(&mut parser, &mut builder);
        let mut map = builder.map;
        if let Err(e) = result {
            map.syntax_error = Some((pos(*e.marker()), e.info().to_string()));
        }
        map.starts = map
            .paths
            .nodes
            .iter()
            .flat_map(|n| [n.key, n.value])
            .flatten()
            .collect();
        map.starts.sort_by_key(|p| (p.line, p.column));
        map.starts.dedup();
        map
    }

    /// Where the next key or value after `at` starts: the end of the text
    /// that starts at `at`, at the latest.
    pub fn next_start_after(&self, at: Pos) -> Option<Pos> {
        let i = self
            .starts
            .partition_point(|p| (p.line, p.column) <= (at.line, at.column));
        self.starts.get(i).copied()
    }

    /// Where the key at `path` is written (falls back to its value, then to
    /// the nearest ancestor, then to the top of the file).
    pub fn key(&self, path: &str) -> Pos {
        self.lookup(path, true)
    }

    /// Where the value at `path` starts.
    pub fn value(&self, path: &str) -> Pos {
        self.lookup(path, false)
    }

    /// Where the key at `segments` is written, each segment one key or
    /// index: exact where a dotted path is not (a key may hold dots, or be
    /// empty). `None` when the file does not write that key.
    pub fn key_of<S: AsRef<str>>(&self, segments: &[S]) -> Option<Pos> {
        let n = self.node_of(segments)?;
        n.key.or(n.value)
    }

    /// Where the value at `segments` starts (see [`Self::key_of`]).
    pub fn value_of<S: AsRef<str>>(&self, segments: &[S]) -> Option<Pos> {
        let n = self.node_of(segments)?;
        n.value.or(n.key)
    }

    fn node_of<S: AsRef<str>>(&self, segments: &[S]) -> Option<&Node> {
        let mut node = ROOT;
        for s in segments {
            node = *self.paths.children.get(&(node, s.as_ref().into()))?;
        }
        Some(&self.paths.nodes[node])
    }

    fn lookup(&self, path: &str, key_first: bool) -> Pos {
        for node in self.paths.chain(path).into_iter().rev() {
            let n = &self.paths.nodes[node];
            let (first, second) = if key_first {
                (n.key, n.value)
            } else {
                (n.value, n.key)
            };
            if let Some(pos) = first.or(second) {
                return pos;
            }
        }
        Pos { line: 1, column: 1 }
    }
}

/// Positions by path, as a tree of path segments: a node keeps only its
/// own key. Full path strings cost every node its ancestors' keys again:
/// long keys nested deep made 250 KB of YAML take 2 GB, and copying the
/// paths made the pass quadratic.
#[derive(Debug)]
struct Paths {
    /// (parent, segment) → child. Node 0 is the root, path "".
    children: HashMap<(usize, Box<str>), usize>,
    nodes: Vec<Node>,
}

#[derive(Debug, Clone, Copy, Default)]
struct Node {
    key: Option<Pos>,
    value: Option<Pos>,
    kind: NodeKind,
}

/// The few paths the pass itself needs to recognise.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
enum NodeKind {
    #[default]
    Other,
    /// `family`
    Family,
    /// `levels`
    Levels,
    /// `levels.<n>`
    Level(usize),
    /// `levels.<n>.id`
    LevelId(usize),
}

const ROOT: usize = 0;

/// How many dotted runs of a path are tried as one key (`a.b` is a key
/// as well as a path) before a lookup settles for the ancestor found.
const MAX_DOTTED_TRIES: usize = 8;

impl Default for Paths {
    fn default() -> Self {
        Paths {
            children: HashMap::new(),
            nodes: vec![Node::default()],
        }
    }
}

impl Paths {
    /// A node of its own, in no path: a collection used as a mapping key
    /// (`? [a, b]`), whose keys must not meet another mapping's.
    fn detached(&mut self) -> usize {
        self.nodes.push(Node::default());
        self.nodes.len() - 1
    }

    /// The child of `parent` at `segment`, made if new.
    fn child(&mut self, parent: usize, segment: &str) -> usize {
        let next = self.nodes.len();
        let id = *self
            .children
            .entry((parent, segment.into()))
            .or_insert(next);
        if id == next {
            let kind = match (self.nodes[parent].kind, segment) {
                (NodeKind::Other, "family") if parent == ROOT => NodeKind::Family,
                (NodeKind::Other, "levels") if parent == ROOT => NodeKind::Levels,
                (NodeKind::Levels, n) if !n.is_empty() && n.bytes().all(|b| b.is_ascii_digit()) => {
                    n.parse().map_or(NodeKind::Other, NodeKind::Level)
                }
                (NodeKind::Level(n), "id") => NodeKind::LevelId(n),
                _ => NodeKind::Other,
            };
            self.nodes.push(Node {
                kind,
                ..Node::default()
            });
        }
        id
    }

    /// The nodes along `path` (`levels.2.grade`), root first, as far as
    /// the tree has them. A key may hold dots itself (`b.c` as well as
    /// `b` then `c`): runs of up to [`MAX_DOTTED_TRIES`] segments are
    /// tried as one key, within a bounded number of probes, and the chain
    /// that matches the most of the path wins.
    fn chain(&self, path: &str) -> Vec<usize> {
        self.walk(path).1
    }

    /// How much of `path` the file holds (bytes), and by which nodes.
    fn walk(&self, path: &str) -> (usize, Vec<usize>) {
        let mut walk = Walk {
            paths: self,
            path,
            chain: vec![ROOT],
            best: (0, vec![ROOT]),
            budget: 64,
        };
        walk.from(0);
        walk.best
    }
}

/// A search of [`Paths::chain`].
struct Walk<'a> {
    paths: &'a Paths,
    path: &'a str,
    chain: Vec<usize>,
    /// The most of the path matched, and by which nodes.
    best: (usize, Vec<usize>),
    /// Probes left.
    budget: usize,
}

impl Walk<'_> {
    /// Matches the path from byte `at` on below the chain's last node;
    /// true once all of it is matched.
    fn from(&mut self, at: usize) -> bool {
        if at > self.best.0 {
            self.best = (at, self.chain.clone());
        }
        if at >= self.path.len() {
            return true;
        }
        let rest = &self.path[at..];
        let node = self.chain[self.chain.len() - 1];
        let ends = rest.match_indices('.').map(|(i, _)| i).chain([rest.len()]);
        for end in ends.take(MAX_DOTTED_TRIES) {
            if self.budget == 0 {
                break;
            }
            self.budget -= 1;
            if let Some(&child) = self.paths.children.get(&(node, rest[..end].into())) {
                self.chain.push(child);
                // Past the key and its dot.
                if self.from(at + end + 1) {
                    return true;
                }
                self.chain.pop();
            }
        }
        false
    }
}

enum Frame {
    /// `first`: no key seen yet. yaml-rust2 marks a block mapping's start
    /// at its first `:`, so the first key's position replaces it.
    Map {
        node: usize,
        /// The node of the key just read, for its value.
        key: Option<usize>,
        first: bool,
    },
    Seq {
        node: usize,
        index: usize,
        /// The column (0-based) of a block sequence's `-`.
        col: usize,
    },
}

#[derive(Default)]
struct Builder<'a> {
    map: SourceMap,
    stack: Vec<Frame>,
    /// Nodes opened beyond MAX_DEPTH (not tracked, only counted).
    overflow: usize,
    /// The file, and its lines (with character tables for long lines:
    /// finding a column by scanning the line for every event made a flow
    /// mapping of thousands of entries on one line quadratic).
    text: &'a str,
    lines: LineIndex,
    /// Where the last mapping key was written (line index, column).
    last_key: Option<Marker>,
    /// Open flow collections (`[…]`, `{…}`) around the current node.
    flow_depth: usize,
    /// Whether each open collection (as on `stack`) is a flow one.
    flow: Vec<bool>,
    /// Whether the scalar being read is plain (`<<` is a merge key only
    /// unquoted; `"<<"` is an ordinary, unknown key).
    plain: bool,
    /// Values (scalars, aliases, collections) met so far.
    values: usize,
}

fn pos(mark: Marker) -> Pos {
    // yaml-rust2 counts lines from 1 and columns from 0.
    Pos {
        line: mark.line(),
        column: mark.col() + 1,
    }
}

impl Builder<'_> {
    /// Where `text` (a tag, or `&` of an anchor), written before the value
    /// that starts at `mark`, is: usually on the same line.
    fn written_before(&self, mark: Marker, text: &str) -> Pos {
        // The event starts at the value; the tag or anchor is written
        // before it.
        let line = self.line(mark.line());
        let end = self.byte_at(mark.line(), mark.col()).min(line.len());
        // Just before the value (a search of the whole line before it,
        // for every tag, was quadratic on a long flow line).
        let mut start = end.saturating_sub(text.len() + 256);
        while !line.is_char_boundary(start) {
            start -= 1;
        }
        let before = &line[start..end];
        // A collection's tag ends the line before it (`levels: !!seq`,
        // `--- !!map`, `- !x` over a mapping's first key): the end of
        // the few lines above, when not on its own.
        let above = || {
            (mark.line().saturating_sub(3).max(1)..mark.line())
                .rev()
                .find_map(|n| {
                    let l = self.line(n);
                    let mut from = l.len().saturating_sub(text.len() + 256);
                    while !l.is_char_boundary(from) {
                        from -= 1;
                    }
                    l[from..].rfind(text).map(|b| (n, from + b))
                })
        };
        match before.rfind(text).map(|b| start + b) {
            Some(byte) => Pos {
                line: mark.line(),
                column: self.col_at(mark.line(), byte) + 1,
            },
            None => match above() {
                Some((n, byte)) => Pos {
                    line: n,
                    column: self.col_at(n, byte) + 1,
                },
                None => pos(mark),
            },
        }
    }

    /// The rest of the marked line, from the marker's column.
    fn rest_of_line(&self, mark: Marker) -> &str {
        let line = self.line(mark.line());
        let i = self.byte_at(mark.line(), mark.col());
        line.get(i..).unwrap_or("").trim_end_matches('\r')
    }

    /// Line `n` (1-based), or "" past the end.
    fn line(&self, n: usize) -> &str {
        self.lines.line(self.text, n)
    }

    /// The byte offset of character `col` (0-based) of line `n`; the
    /// line's length past its end.
    fn byte_at(&self, n: usize, col: usize) -> usize {
        self.lines.byte_in_line(self.text, n, col)
    }

    /// The character column (0-based) of byte `at` of line `n`.
    fn col_at(&self, n: usize, at: usize) -> usize {
        self.lines.col_in_line(self.text, n, at)
    }

    /// A `#` directly followed by a word, after whitespace, on the line of an
    /// unquoted value: `- Post in the #social channel` or `colour: #6B4FBB`.
    /// A deliberate comment is written `# like this` and is left alone.
    ///
    /// With `prose` (a value of several words), a comment written as one
    /// (`# of leads`) is noted too, as `spaced`: after one word (`level: A
    /// # first`, `grade: 5 # five`) it is nearly always meant.
    fn check_hash(&mut self, rest_of: impl Fn(&Self) -> Option<&str>, mark: Marker, prose: bool) {
        // The cut-off text, copied only when there is one (copying the rest
        // of a long flow line for every item was quadratic).
        let flow = self.flow_depth > 0;
        let found = rest_of(self).and_then(|rest| {
            hash_cut(rest, flow)
                .map(|text| (text, Cut::Sure))
                .or_else(|| {
                    prose
                        .then(|| spaced_comment(rest, flow))
                        .flatten()
                        .map(|text| (text, Cut::Spaced))
                })
        });
        if let Some((text, cut)) = found {
            self.map.hazards.push(Hazard {
                pos: pos(mark),
                kind: HazardKind::HashComment { text, cut, flow },
            });
        }
    }

    /// Where an empty value is: yaml-rust2 marks `key:` or `-` with nothing
    /// after it at the *next* token (after that token's own `- `), which
    /// may be lines further on, past blank lines and comments, or past the
    /// end of the file. This walks
    /// back from there to the `:` or `-` that introduced it; anything else
    /// before it (a flow collection, an odd layout) keeps the mark.
    fn empty_value_pos(&self, mark: Marker) -> Pos {
        let mut n = mark.line();
        let mut first = true;
        while n >= 1 {
            let text = self.line(n).trim_end_matches('\r');
            let mut before = if first {
                &text[..self.byte_at(n, mark.col()).min(text.len())]
            } else {
                // A comment starts at a `#` that begins the line or follows
                // a blank (on the mark's own line, none can come before it).
                let cut = text
                    .char_indices()
                    .find(|&(i, c)| {
                        c == '#'
                            && text[..i]
                                .chars()
                                .next_back()
                                .is_none_or(char::is_whitespace)
                    })
                    .map_or(text.len(), |(i, _)| i);
                &text[..cut]
            };
            // The next token's own `- ` indent on its line is not ours.
            if first && before.chars().all(|c| c.is_whitespace() || c == '-') {
                before = "";
            }
            if let Some((i, c)) = before
                .char_indices()
                .rev()
                .find(|(_, c)| !c.is_whitespace())
            {
                if matches!(c, ':' | '-' | '?') {
                    return Pos {
                        line: n,
                        column: self.col_at(n, i) + 1,
                    };
                }
                break;
            }
            n -= 1;
            first = false;
        }
        pos(mark)
    }

    fn scalar(&mut self, value: &str, style: TScalarStyle, mark: Marker) {
        self.plain = style == TScalarStyle::Plain;
        // An empty value reads as "" after `key:`, as "~" after `-`.
        let empty = value.is_empty() || (value == "~" && !self.rest_of_line(mark).starts_with('~'));
        let at = if empty && self.plain {
            self.empty_value_pos(mark)
        } else {
            pos(mark)
        };
        let path = self.node(at, Some(value));
        self.plain = false;
        match path.map(|n| self.map.paths.nodes[n].kind) {
            Some(NodeKind::LevelId(n)) => {
                self.map.level_ids.push(value.to_string());
                // Bounded by the levels written: a level's index is its
                // place in the file.
                if let Some(slot) = self.map.level_id_at.get_mut(n) {
                    *slot = value.to_string();
                } else if n == self.map.level_id_at.len() {
                    self.map.level_id_at.push(value.to_string());
                } else if n < MAX_INDEXED_LEVELS {
                    self.map.level_id_at.resize(n, String::new());
                    self.map.level_id_at.push(value.to_string());
                }
            }
            Some(NodeKind::Family) => self.map.family_id = Some(value.to_string()),
            _ => {}
        }
        if style != TScalarStyle::Plain {
            if path.is_some() {
                self.last_key = None;
            }
            return;
        }
        match &path {
            // A mapping key: remembered for an empty value that follows.
            None => self.last_key = Some(mark),
            Some(_) => {
                let key = self.last_key.take();
                let before = self.map.hazards.len();
                if value.is_empty() {
                    // `key: #word` leaves the value empty; the `#` is on the key's line.
                    if let Some(key) = key {
                        self.check_hash(
                            |b| {
                                let rest = b.rest_of_line(key);
                                rest.find(':').map(|colon| &rest[colon + 1..])
                            },
                            key,
                            false,
                        );
                    }
                } else if !value.contains('\n') {
                    self.check_hash(
                        |b| b.rest_of_line(mark).strip_prefix(value),
                        mark,
                        value.contains(' '),
                    );
                }
                if self.map.hazards.len() == before && self.flow_depth == 0 {
                    // The value's own line did not cut it; the lines that
                    // would continue it may.
                    let first = if value.is_empty() {
                        key.map(|k| k.line())
                    } else {
                        Some(mark.line())
                    };
                    let parent = match self.stack.last() {
                        Some(Frame::Map { .. }) => key.map(|k| k.col()),
                        Some(Frame::Seq { col, .. }) => Some(*col),
                        None => None,
                    };
                    if let (Some(first), Some(parent)) = (first, parent) {
                        self.check_continuation_lines(first, Some(parent), value.is_empty());
                    }
                } else if self.map.hazards.len() == before
                    && !value.is_empty()
                    && !value.contains('\n')
                    && match self.rest_of_line(mark).strip_prefix(value) {
                        Some(rest) => !rest.contains([',', ']', '}']),
                        // Not all on its line: it was folded from the next.
                        None => true,
                    }
                {
                    // In a flow collection, a text that does not end on its
                    // line continues on the next, wherever they start.
                    self.check_continuation_lines(mark.line(), None, false);
                }
            }
        }
    }

    /// A plain value's continuation lines, after its first line `first`,
    /// are those indented deeper than `parent` (its key's or `-`'s column;
    /// `None` in a flow collection, where they run to the next `,`, `]` or
    /// `}`). A ` #word` in such a line cuts the text there, as on the
    /// value's own line. A line that is a `#word` comment ends the value:
    /// `summary: We are the` / `  #1 platform` reads "We are the". Whether
    /// that line meant to continue it is `sure` only after an empty value
    /// (`brand_color:` / `  #6B4FBB`); a comment that reads as one (`#- an
    /// old item`, `#grade: 7`, a `# note`) is left alone. A continuation
    /// line that starts with `- ` is an item indented too far, joined to
    /// this text (block values only).
    fn check_continuation_lines(&mut self, first: usize, parent: Option<usize>, empty: bool) {
        let mut n = first + 1;
        while n <= self.lines.count() {
            let text = self.line(n).trim_end_matches('\r');
            let body = text.trim_start_matches([' ', '\t']);
            let indent = text.len() - body.len();
            if body.trim().is_empty() {
                n += 1;
                continue;
            }
            if parent.is_some_and(|p| indent <= p)
                || (parent.is_none() && body.starts_with([',', ']', '}']))
            {
                return;
            }
            if let Some(p) = parent
                && !empty
                && (body.starts_with("- ") || body.trim_end() == "-")
            {
                // The item this text belongs to starts with a `-` at `p`.
                let item = self.line(first).trim_end_matches('\r');
                let dash = item.get(p..).is_some_and(|r| r.starts_with('-'));
                self.map.hazards.push(Hazard {
                    pos: Pos {
                        line: n,
                        column: self.col_at(n, indent) + 1,
                    },
                    kind: HazardKind::DashContinuation {
                        text: body.trim_end().to_string(),
                        column: dash.then(|| self.col_at(first, p) + 1),
                    },
                });
                return;
            }
            let found = match body.strip_prefix('#') {
                Some(rest) => {
                    let note = rest.trim_start_matches('#');
                    let word = note.chars().next().is_some_and(|c| !c.is_whitespace());
                    let cut = if empty { Cut::Sure } else { Cut::CommentLine };
                    (word && (empty || !reads_as_comment(note))).then(|| (body.to_string(), cut))
                }
                None => hash_cut(body, parent.is_none())
                    .map(|text| (text, Cut::Sure))
                    // `grow the # of leads` on a line of its own, as on
                    // the value's first line.
                    .or_else(|| {
                        parent
                            .and_then(|_| spaced_comment_in_line(body))
                            .map(|text| (text, Cut::Spaced))
                    }),
            };
            if let Some((text, cut)) = found {
                // At the `#`.
                let column = self.col_at(n, indent + body.len() - text.len()) + 1;
                self.map.hazards.push(Hazard {
                    pos: Pos { line: n, column },
                    kind: HazardKind::HashComment {
                        text,
                        cut,
                        flow: self.flow_depth > 0,
                    },
                });
                return;
            }
            if body.starts_with('#') || (parent.is_none() && body.contains([',', ']', '}'])) {
                return;
            }
            n += 1;
        }
    }

    /// Notes whether the collection starting at `mark` is a flow one (its
    /// mark is on the `[` or `{`; a block one's is on `-` or its first `:`).
    fn open_collection(&mut self, mark: Marker) {
        let flow = self.rest_of_line(mark).starts_with(['[', '{']);
        self.flow.push(flow);
        if flow {
            self.flow_depth += 1;
        }
    }

    /// Counts `ev` if it is a value; true (and the hazard recorded) when
    /// it is the first past [`MAX_VALUES`].
    fn count(&mut self, ev: &Event, mark: Marker) -> bool {
        if !matches!(
            ev,
            Event::Scalar(..)
                | Event::Alias(_)
                | Event::SequenceStart(..)
                | Event::MappingStart(..)
        ) {
            return false;
        }
        self.values += 1;
        if self.values == MAX_VALUES + 1 {
            self.hazard(mark, HazardKind::TooManyValues);
        }
        self.values > MAX_VALUES
    }

    fn hazard(&mut self, mark: Marker, kind: HazardKind) {
        self.map.hazards.push(Hazard {
            pos: pos(mark),
            kind,
        });
    }

    /// The node that starts now, advancing the parent's cursor. `None`
    /// when it is a mapping key.
    fn next_node(&mut self) -> Option<usize> {
        match self.stack.last_mut() {
            None => Some(ROOT),
            Some(Frame::Seq { node, index, .. }) => {
                let parent = *node;
                let i = *index;
                *index += 1;
                Some(self.map.paths.child(parent, &i.to_string()))
            }
            Some(Frame::Map { key, .. }) => key.take(),
        }
    }

    fn node(&mut self, at: Pos, scalar: Option<&str>) -> Option<usize> {
        if let Some(node) = self.next_node() {
            self.map.paths.nodes[node].value.get_or_insert(at);
            return Some(node);
        }
        // A mapping key: remember it for the value that follows.
        let k = scalar.unwrap_or("?");
        let (parent, is_first) = match self.stack.last_mut() {
            Some(Frame::Map { node, first, .. }) => (*node, std::mem::replace(first, false)),
            _ => return None,
        };
        let child = self.map.paths.child(parent, k);
        // A key its mapping has already: reported at the repeat (serde_yaml
        // points at the mapping's start).
        let earlier = self.map.paths.nodes[child].key;
        if k == "<<" && self.plain {
            self.map.hazards.push(Hazard {
                pos: at,
                kind: HazardKind::MergeKey,
            });
        }
        // Only a text key: a list or mapping as a key (`[a]: x`, `{a: 1}:
        // y`) is an error of its own, which "`?` is written twice" hid.
        if let Some(earlier) = earlier
            && scalar.is_some()
        {
            // A `{…}` entry is written whole on its line: no `- ` can be
            // missing there.
            let in_list = self.flow_depth == 0
                && matches!(self.stack.iter().rev().nth(1), Some(Frame::Seq { .. }));
            let entry = self.stack.windows(2).rev().find_map(|w| match w {
                [Frame::Seq { .. }, Frame::Map { node, .. }] => Some(*node),
                _ => None,
            });
            self.map.hazards.push(Hazard {
                pos: at,
                kind: HazardKind::DuplicateKey {
                    key: k.to_string(),
                    first: earlier.line,
                    in_list,
                    entry,
                },
            });
        }
        if let Some(Frame::Map { key, .. }) = self.stack.last_mut() {
            *key = Some(child);
        }
        self.map.paths.nodes[child].key.get_or_insert(at);
        // A block mapping is where its first key is; a flow one (`{a: 1}`)
        // where its brace is.
        if is_first && self.flow.last() != Some(&true) {
            self.map.paths.nodes[parent].value = Some(at);
        }
        None
    }
}

/// Whether a comment's text (after its `#`s) reads as one on purpose: a
/// commented-out key (`#grade: 7`, `#TODO: …`) or list item (`#- old`).
fn reads_as_comment(note: &str) -> bool {
    if note.starts_with("- ") || note == "-" {
        return true;
    }
    let key_end = note
        .find(|c: char| !(c.is_alphanumeric() || c == '_' || c == '-'))
        .unwrap_or(note.len());
    key_end > 0
        && note[key_end..].starts_with(':')
        && note[key_end + 1..]
            .chars()
            .next()
            .is_none_or(char::is_whitespace)
}

/// The text a `#` cuts off in `rest` (what follows a value on its line),
/// if it does: a `#` after white space and directly before a word. In a
/// flow collection (`[a, "b #c"]`) only up to the next `,`, `]` or `}`:
/// what follows is another node's, checked (or quoted) on its own.
fn hash_cut(rest: &str, flow: bool) -> Option<String> {
    // `[a, #b` / `]`: after the `,` a `#word` starts a comment, not the next
    // entry, and the rest of the line is gone.
    if flow
        && let Some(after) = rest.trim_start().strip_prefix(',')
        && after.starts_with([' ', '\t'])
        && let Some(word) = after.trim_start().strip_prefix('#')
        && word
            .trim_start_matches('#')
            .chars()
            .next()
            .is_some_and(|c| !c.is_whitespace())
    {
        return Some(after.trim_start().to_string());
    }
    let entry = flow_entry(rest, flow);
    let i = entry.find(" #").or_else(|| entry.find("\t#"))?;
    // `##general` cuts as well; `## note` and a rule of `####` are comments.
    let c = entry[i + 2..].trim_start_matches('#').chars().next()?;
    if c.is_whitespace() {
        return None;
    }
    // In a flow collection, the cut text as far as the entry goes: past a
    // `,` inside brackets it opens (`#1 (a, b)`), as `check`'s fix quotes it.
    let cut = &rest[i + 1..];
    let end = if flow {
        crate::yaml_help::cut_end_in(cut.char_indices()).unwrap_or(cut.len())
    } else {
        cut.len()
    };
    Some(cut[..end].to_string())
}

/// In a flow collection (`[a, b]`), the rest of the line up to the entry's
/// end (the next `,`, `]` or `}`); else all of it.
fn flow_entry(rest: &str, flow: bool) -> &str {
    if flow {
        rest.find([',', ']', '}']).map_or(rest, |end| &rest[..end])
    } else {
        rest
    }
}

/// A comment written as one (` # words`) after an unquoted value on its
/// line, with what it drops; `hash_cut` has found none there. Only after a
/// single space, as in running text (`Grow the # of leads`): a comment set
/// apart by two spaces or a tab (`Lead design  # new`) is a note.
fn spaced_comment(rest: &str, flow: bool) -> Option<String> {
    let rest = flow_entry(rest, flow);
    // `rest` starts where the value ends: its comment, if any, follows
    // the spaces. Also a bare `#` (`Lead C #`, `F #`): it is dropped too.
    rest.strip_prefix(" #")
        .map(|after| format!("#{}", after.trim_end()))
}

/// [`spaced_comment`] inside a continuation line of a plain text: after
/// words and a single space, as in running text.
fn spaced_comment_in_line(line: &str) -> Option<String> {
    let i = match (line.find(" #"), line.find("\t#")) {
        (Some(a), Some(b)) => a.min(b),
        (a, b) => a.or(b)?,
    };
    let before = &line[..i];
    let prose = before.contains(' ') && !before.ends_with([' ', '\t']);
    (line[i..].starts_with(' ') && prose).then(|| line[i + 1..].trim_end().to_string())
}

fn tag_text(tag: &Tag) -> String {
    written_tag(&format!("{}{}", tag.handle, tag.suffix))
}

/// A tag as it is written in the file: parsers expand `!!str` to
/// `tag:yaml.org,2002:str`.
pub fn written_tag(tag: &str) -> String {
    match tag.strip_prefix("tag:yaml.org,2002:") {
        Some(rest) => format!("!!{rest}"),
        None => tag.to_string(),
    }
}

impl MarkedEventReceiver for Builder<'_> {
    fn on_event(&mut self, ev: Event, mark: Marker) {
        let tag = match &ev {
            Event::Scalar(_, _, _, t) | Event::SequenceStart(_, t) | Event::MappingStart(_, t) => {
                t.as_ref()
            }
            _ => None,
        };
        if let Some(t) = tag {
            let text = tag_text(t);
            let pos = self.written_before(mark, &text);
            self.map.hazards.push(Hazard {
                pos,
                kind: HazardKind::Tag(text),
            });
        }
        // `title: &Co Partners`: YAML reads `&Co` as an anchor and drops it
        // from the text. Anchors serve only aliases, which are refused.
        // (A key is what a mapping reads next when it holds no key.)
        let is_key = matches!(self.stack.last(), Some(Frame::Map { key: None, .. }));
        let anchor = match &ev {
            Event::Scalar(_, style, a, _) => Some((*a, *style == TScalarStyle::Plain && !is_key)),
            Event::SequenceStart(a, _) | Event::MappingStart(a, _) => Some((*a, false)),
            _ => None,
        };
        if let Some((id, on_text)) = anchor
            && id > 0
        {
            let pos = self.written_before(mark, "&");
            self.map.hazards.push(Hazard {
                pos,
                kind: HazardKind::Anchor { on_text, id },
            });
        }
        if self.count(&ev, mark) {
            // `feed` stops here: nothing after this is read.
            return;
        }
        if self.overflow > 0 {
            // Beyond MAX_DEPTH: only keep count, to know when it closes.
            match ev {
                Event::SequenceStart(..) | Event::MappingStart(..) => self.overflow += 1,
                Event::SequenceEnd | Event::MappingEnd => self.overflow -= 1,
                _ => {}
            }
            return;
        }
        if !matches!(ev, Event::Scalar(..)) {
            self.last_key = None;
        }
        match ev {
            Event::Scalar(value, style, ..) => self.scalar(&value, style, mark),
            Event::Alias(id) => {
                self.map.aliased.push(id);
                if self.flow_depth > 0 {
                    self.map.flow_aliases.push(pos(mark));
                }
                self.hazard(mark, HazardKind::Alias);
                self.node(pos(mark), None);
            }
            Event::SequenceStart(..) | Event::MappingStart(..) if self.stack.len() >= MAX_DEPTH => {
                self.hazard(mark, HazardKind::TooDeep);
                self.overflow = 1;
            }
            Event::SequenceStart(..) => {
                self.open_collection(mark);
                let node = self
                    .node(pos(mark), None)
                    .unwrap_or_else(|| self.map.paths.detached());
                self.stack.push(Frame::Seq {
                    node,
                    index: 0,
                    col: mark.col(),
                });
            }
            Event::MappingStart(..) => {
                self.open_collection(mark);
                let node = self
                    .node(pos(mark), None)
                    .unwrap_or_else(|| self.map.paths.detached());
                self.stack.push(Frame::Map {
                    node,
                    key: None,
                    first: true,
                });
            }
            Event::SequenceEnd | Event::MappingEnd => {
                self.stack.pop();
                if self.flow.pop() == Some(true) {
                    self.flow_depth -= 1;
                }
            }
            _ => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_keys_and_values_by_path() {
        let text = "family: x\nlevels:\n  - id: a\n    grade: 7\n  - id: b\n    title: \"\"\n";
        let map = SourceMap::build(text);
        assert_eq!(map.key("family"), Pos { line: 1, column: 1 });
        assert_eq!(map.key("levels.1.title"), Pos { line: 6, column: 5 });
        assert_eq!(
            map.value("levels.0.grade"),
            Pos {
                line: 4,
                column: 12
            }
        );
        assert_eq!(map.value("levels.1"), Pos { line: 5, column: 5 });
        // Unknown paths fall back to the nearest ancestor.
        assert_eq!(map.key("levels.1.nope.deeper"), Pos { line: 5, column: 5 });
    }

    #[test]
    fn the_map_stops_at_the_first_value_past_the_cap() {
        // Before the list's items: the top mapping, `a`, its list; after
        // them `b` and `c`.
        for (items, over) in [(MAX_VALUES - 5, false), (MAX_VALUES - 3, true)] {
            let text = format!("a: [{}x]\nb: c\n", "x,".repeat(items - 1));
            let map = SourceMap::build(&text);
            let capped: Vec<Pos> = map
                .hazards
                .iter()
                .filter(|h| h.kind == HazardKind::TooManyValues)
                .map(|h| h.pos)
                .collect();
            if over {
                // At `b`, the first value past the cap; nothing read after.
                assert_eq!(capped, [Pos { line: 2, column: 1 }], "{items}");
                assert_eq!(map.key_of(&["b"]), None);
            } else {
                assert!(capped.is_empty(), "{items}");
                assert_eq!(map.key_of(&["b"]), Some(Pos { line: 2, column: 1 }));
            }
        }
    }

    #[test]
    fn nesting_too_deep_is_found_past_yaml_rust2_s_own_limit() {
        // From 256 `[` yaml-rust2 stops at its recursion limit, before the
        // depth check sees the 33rd: the error was then placed at the
        // limit, past the line's middle.
        for n in [40, 255, 256, 1000] {
            let text = format!("a:\n  notes: {}\n", "[".repeat(n));
            let deep: Vec<Pos> = SourceMap::build(&text)
                .hazards
                .iter()
                .filter(|h| h.kind == HazardKind::TooDeep)
                .map(|h| h.pos)
                .collect();
            assert_eq!(
                deep,
                [Pos {
                    line: 2,
                    column: 40
                }],
                "{n}"
            );
        }
    }

    #[test]
    fn a_collection_s_tag_is_placed_where_it_is_written() {
        // The collection starts a line later: the tag was placed there, at
        // the first key or `-`.
        for (text, at) in [
            ("--- !!map\nfamily: f\n", Pos { line: 1, column: 5 }),
            ("levels: !!seq\n  - a\n", Pos { line: 1, column: 9 }),
            ("levels:\n  - !foo\n    id: a\n", Pos { line: 2, column: 5 }),
            ("a: !x [1]\n", Pos { line: 1, column: 4 }),
        ] {
            let map = SourceMap::build(text);
            let tags: Vec<Pos> = map
                .hazards
                .iter()
                .filter(|h| matches!(h.kind, HazardKind::Tag(_)))
                .map(|h| h.pos)
                .collect();
            assert_eq!(tags, [at], "{text:?}");
        }
    }

    #[test]
    fn a_flow_mapping_is_where_its_brace_is() {
        // It was at its first key (`grade: {a: 1}` at the `a`); a block
        // mapping stays at its first key.
        let map = SourceMap::build("grade: {a: 1}\nlevels:\n  - id: x\n");
        assert_eq!(map.value("grade"), Pos { line: 1, column: 8 });
        assert_eq!(
            map.value("grade.a"),
            Pos {
                line: 1,
                column: 12
            }
        );
        assert_eq!(map.value("levels.0"), Pos { line: 3, column: 5 });
    }

    #[test]
    fn layouts_only_libyaml_reads_are_mapped_whole() {
        // A quoted text continued at its key's indentation, and a flow
        // list whose lines are too: yaml-rust2 stopped there, and every
        // later path fell back to an ancestor (a grade read at `- id:`).
        let text = "title: \"A\nB\"\nlevels:\n  - id: a\n    title: \"X\n    Y\"\n    grade: 7\n    items: [p,\n    q\n    ]\n    more: z\n";
        let map = SourceMap::build(text);
        assert_eq!(map.syntax_error, None);
        assert_eq!(
            map.value("levels.0.grade"),
            Pos {
                line: 7,
                column: 12
            }
        );
        // On a line indented for the retry: the column as written.
        assert_eq!(map.value("levels.0.items.1"), Pos { line: 9, column: 5 });
        assert_eq!(
            map.key("levels.0.more"),
            Pos {
                line: 11,
                column: 5
            }
        );
        // Refused YAML on such a line is still found, where it is written.
        let map = SourceMap::build("a: \"x\ny\"\nb: [1,\n*q]\n");
        assert!(
            map.hazards
                .iter()
                .any(|h| h.kind == HazardKind::Alias && h.pos == Pos { line: 4, column: 1 }),
            "{:?}",
            map.hazards
        );
    }

    #[test]
    fn a_key_holding_dots_is_found_as_one_key() {
        let text = "a:\n  b.c:\n    d: 1\n  b:\n    e: 2\n";
        let map = SourceMap::build(text);
        assert_eq!(map.key("a.b.c.d"), Pos { line: 3, column: 5 });
        assert_eq!(map.key("a.b.e"), Pos { line: 5, column: 5 });
        assert_eq!(map.value("a.b.c"), Pos { line: 3, column: 5 });
        // Past what the tree has: the ancestor that matches the most.
        assert_eq!(map.key("a.b.c.zz.q"), Pos { line: 2, column: 3 });
        assert_eq!(map.key("a.b.zz"), Pos { line: 4, column: 3 });
    }

    #[test]
    fn a_key_is_found_exactly_by_its_segments() {
        // `"a.b": 1` beside `a: {b: 2}`, and an empty key: the dotted path
        // cannot tell them apart, the segments can.
        let text = "a:\n  b: 2\n\"a.b\": 1\n\"\": 3\n";
        let map = SourceMap::build(text);
        assert_eq!(map.key_of(&["a", "b"]), Some(Pos { line: 2, column: 3 }));
        assert_eq!(map.key_of(&["a.b"]), Some(Pos { line: 3, column: 1 }));
        assert_eq!(map.key_of(&[""]), Some(Pos { line: 4, column: 1 }));
        assert_eq!(map.value_of(&[""]), Some(Pos { line: 4, column: 5 }));
        assert_eq!(map.key_of(&["a", "c"]), None);
    }

    #[test]
    fn a_repeated_key_is_one_of_its_own_mapping() {
        let dups = |t: &str| -> Vec<(String, usize, usize)> {
            SourceMap::build(t)
                .hazards
                .into_iter()
                .filter_map(|h| match h.kind {
                    HazardKind::DuplicateKey { key, first, .. } => Some((key, first, h.pos.line)),
                    _ => None,
                })
                .collect()
        };
        assert_eq!(dups("a: 1\nb:\n  a: 2\na: 3\n"), [("a".to_string(), 1, 4)]);
        // The keys of a mapping used as a key are no one else's.
        assert!(dups("? {family: x}\n: 1\nfamily: y\n").is_empty());
        assert!(dups("- {a: 1}\n- {a: 2}\n").is_empty());
    }

    #[test]
    fn level_ids_and_the_family_are_read_by_place() {
        let text =
            "family: f\nx:\n  family: no\nlevels:\n  - id: one\n    x: {id: no}\n  - {id: two}\n";
        let map = SourceMap::build(text);
        assert_eq!(map.family_id.as_deref(), Some("f"));
        assert_eq!(map.level_ids, ["one", "two"]);
        assert_eq!(map.level_id_at, ["one", "two"]);
        let map = SourceMap::build("levels:\n  - level: A\n  - id: two\n  - {}\n  - id: four\n");
        assert_eq!(map.level_ids, ["two", "four"]);
        assert_eq!(map.level_id_at, ["", "two", "", "four"]);
    }

    #[test]
    fn an_empty_value_is_at_its_colon_or_dash_not_at_the_next_token() {
        let at = |text: &str, path: &str| {
            let p = SourceMap::build(text).value(path);
            (p.line, p.column)
        };
        // `-` with nothing after it, then a blank line and a comment.
        let list = "items:\n  - one\n  -\n\n  # note\n  - three\n";
        assert_eq!(at(list, "items.1"), (3, 3));
        assert_eq!(at(list, "items.2"), (6, 5));
        // `key:` with a comment, or nothing, before the next key.
        assert_eq!(at("title:   # later\n# more\nlevels: 1\n", "title"), (1, 6));
        assert_eq!(at("a: 1\ntitle:\n", "title"), (2, 6));
        // At the end of a nested list, and at the end of the file.
        assert_eq!(at("a:\n  - x\n  -\nb: 2\n", "a.1"), (3, 3));
        assert_eq!(at("a:\n  -\n", "a.0"), (2, 3));
        // On one line in a flow mapping; a real `~` stays where it is.
        assert_eq!(at("m: {a: , b: 1}\n", "m.a"), (1, 6));
        assert_eq!(at("a:\n  - ~\n", "a.0"), (2, 5));
    }

    fn cut_texts(text: &str) -> Vec<String> {
        SourceMap::build(text)
            .hazards
            .into_iter()
            .filter_map(|h| match h.kind {
                HazardKind::HashComment { text, .. } => Some(text),
                _ => None,
            })
            .collect()
    }

    #[test]
    fn a_hash_inside_another_flow_item_is_not_a_cut() {
        // The quoted item keeps its `#`; the plain one before it is whole.
        assert!(cut_texts("items: [Plan, \"Post in #social\"]\n").is_empty());
        assert!(cut_texts("m: {a: x, b: \"y #z\"}\n").is_empty());
        // `##word` cuts too; `## note` and `####` are comments.
        assert_eq!(
            cut_texts("a: Channel ##general\nb: x ## note\nc: y ####\n"),
            vec!["##general".to_string()]
        );
        // A real cut inside a flow item, and in block text, is still found.
        assert_eq!(
            cut_texts("items: [Post in #social\n  , b]\nx: the #channel\n"),
            vec!["#social".to_string(), "#channel".to_string()]
        );
        // In a flow item, the cut text keeps the `,` of brackets it opens.
        assert_eq!(
            cut_texts("items: [a, C #1 (a, b)\n  ]\n"),
            vec!["#1 (a, b)".to_string()]
        );
    }

    #[test]
    fn only_an_unquoted_double_angle_is_a_merge_key() {
        let merges = |t: &str| {
            SourceMap::build(t)
                .hazards
                .iter()
                .filter(|h| h.kind == HazardKind::MergeKey)
                .count()
        };
        assert_eq!(merges("a: 1\n<<: {b: 2}\n"), 1);
        assert_eq!(merges("a: 1\n\"<<\": x\n'<<': y\n"), 0);
    }
}
