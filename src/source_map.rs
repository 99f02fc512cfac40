//! Positions of keys and values in a YAML file, by path (`levels.2.grade`).
//!
//! serde_yaml reports a position only for the first error it meets; the
//! checks that run after parsing (unknown keys, empty titles, inheritance)
//! look their positions up here, so every problem in a file gets its own
//! file:line:col.

use std::collections::HashMap;

use yaml_rust2::parser::{Event, MarkedEventReceiver, Parser};
use yaml_rust2::scanner::Marker;

/// A 1-based line and column.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Pos {
    pub line: usize,
    pub column: usize,
}

#[derive(Debug, Default)]
pub struct SourceMap {
    keys: HashMap<String, Pos>,
    values: HashMap<String, Pos>,
}

impl SourceMap {
    /// Indexes `text`. A file that does not parse yields an empty map; the
    /// parse error itself comes from serde_yaml.
    pub fn build(text: &str) -> SourceMap {
        let mut builder = Builder::default();
        let mut parser = Parser::new_from_str(text);
        if parser.load(&mut builder, false).is_err() {
            return SourceMap::default();
        }
        builder.map
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

    fn lookup(&self, path: &str, key_first: bool) -> Pos {
        let mut p = path;
        loop {
            let (first, second) = if key_first {
                (&self.keys, &self.values)
            } else {
                (&self.values, &self.keys)
            };
            if let Some(pos) = first.get(p).or_else(|| second.get(p)) {
                return *pos;
            }
            match p.rfind('.') {
                Some(i) => p = &p[..i],
                None if !p.is_empty() => p = "",
                None => return Pos { line: 1, column: 1 },
            }
        }
    }
}

enum Frame {
    /// `first`: no key seen yet. yaml-rust2 marks a block mapping's start
    /// at its first `:`, so the first key's position replaces it.
    Map {
        path: String,
        key: Option<String>,
        first: bool,
    },
    Seq {
        path: String,
        index: usize,
    },
}

#[derive(Default)]
struct Builder {
    map: SourceMap,
    stack: Vec<Frame>,
}

fn join(parent: &str, child: &str) -> String {
    if parent.is_empty() {
        child.to_string()
    } else {
        format!("{parent}.{child}")
    }
}

fn pos(mark: Marker) -> Pos {
    // yaml-rust2 counts lines from 1 and columns from 0.
    Pos {
        line: mark.line(),
        column: mark.col() + 1,
    }
}

impl Builder {
    /// Path of the node that starts now, advancing the parent's cursor.
    /// Returns `None` when the node is a mapping key.
    fn next_node_path(&mut self) -> Option<String> {
        match self.stack.last_mut() {
            None => Some(String::new()),
            Some(Frame::Seq { path, index }) => {
                let p = join(path, &index.to_string());
                *index += 1;
                Some(p)
            }
            Some(Frame::Map { path, key, .. }) => key.take().map(|k| join(path, &k)),
        }
    }

    fn node(&mut self, mark: Marker, scalar: Option<&str>) -> Option<String> {
        match self.next_node_path() {
            Some(path) => {
                self.map.values.entry(path.clone()).or_insert(pos(mark));
                Some(path)
            }
            None => {
                // A mapping key: remember it for the value that follows.
                if let Some(Frame::Map { path, key, first }) = self.stack.last_mut() {
                    let k = scalar.unwrap_or("?").to_string();
                    self.map.keys.entry(join(path, &k)).or_insert(pos(mark));
                    if *first {
                        self.map.values.insert(path.clone(), pos(mark));
                        *first = false;
                    }
                    *key = Some(k);
                }
                None
            }
        }
    }
}

impl MarkedEventReceiver for Builder {
    fn on_event(&mut self, ev: Event, mark: Marker) {
        match ev {
            Event::Scalar(value, ..) => {
                self.node(mark, Some(&value));
            }
            Event::Alias(_) => {
                self.node(mark, None);
            }
            Event::SequenceStart(..) => {
                let path = self.node(mark, None).unwrap_or_default();
                self.stack.push(Frame::Seq { path, index: 0 });
            }
            Event::MappingStart(..) => {
                let path = self.node(mark, None).unwrap_or_default();
                self.stack.push(Frame::Map {
                    path,
                    key: None,
                    first: true,
                });
            }
            Event::SequenceEnd | Event::MappingEnd => {
                self.stack.pop();
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
}
