//! A small element tree for one unit of a report (one `transaction`, one `report_party`).
//!
//! The reader streams the report and builds a tree only for the unit it is in, so memory is
//! bounded by the largest unit, never by the file. Mapping a unit to subjects needs look-ups
//! that a pure event stream cannot give (a party's `is_suspected` flag comes *after* the
//! party in `t_party`), which is why the unit is kept whole.

use std::collections::HashMap;

/// Most elements kept for one unit. A transaction with a dozen parties has a few hundred;
/// past this the unit is refused as a whole instead of exhausting memory.
pub const MAX_UNIT_ELEMENTS: usize = 100_000;

/// Longest text kept for one element. goAML's longest fields (comments) are 4,000
/// characters; a longer value is left out and reported.
pub const MAX_TEXT_BYTES: usize = 64 * 1024;

/// One element of a unit.
#[derive(Debug)]
struct Node {
    name: String,
    text: String,
    children: Vec<usize>,
    parent: Option<usize>,
    /// 1-based position among the parent's children of the same name.
    index: usize,
    /// Line of the start tag's end.
    line: u64,
    /// The text passed [`MAX_TEXT_BYTES`] and was cut off.
    overlong: bool,
}

/// The elements of one unit; node 0 is the unit's root element.
#[derive(Debug)]
pub(super) struct Tree {
    /// Path of the root's parent, e.g. `report` or `report/activity/report_parties`.
    base: String,
    nodes: Vec<Node>,
    /// More than [`MAX_UNIT_ELEMENTS`] elements: the tree is incomplete.
    overflow: bool,
}

/// Builds a [`Tree`] from start, text and end events.
#[derive(Debug)]
pub(super) struct TreeBuilder {
    tree: Tree,
    /// Open kept elements, with counts of their children by name.
    stack: Vec<(usize, HashMap<String, usize>)>,
    /// Depth of open elements dropped after an overflow.
    skipped: usize,
}

impl TreeBuilder {
    /// Starts a unit whose root element `name` is the `index`-th of its name under `base`.
    pub(super) fn new(base: String, name: String, index: usize, line: u64) -> Self {
        let root = Node {
            name,
            text: String::new(),
            children: Vec::new(),
            parent: None,
            index,
            line,
            overlong: false,
        };
        TreeBuilder {
            tree: Tree {
                base,
                nodes: vec![root],
                overflow: false,
            },
            stack: vec![(0, HashMap::new())],
            skipped: 0,
        }
    }

    /// Number of open elements in the unit, the root included.
    pub(super) fn depth(&self) -> usize {
        self.stack.len() + self.skipped
    }

    /// The path of the innermost open element, for error messages.
    pub(super) fn current_path(&self) -> String {
        match self.stack.last() {
            Some((id, _)) => self.tree.path(*id),
            None => self.tree.base.clone(),
        }
    }

    /// An element opens.
    pub(super) fn start(&mut self, name: String, line: u64) {
        if self.skipped > 0 || self.tree.nodes.len() >= MAX_UNIT_ELEMENTS {
            self.tree.overflow = true;
            self.skipped += 1;
            return;
        }
        let Some((parent, counts)) = self.stack.last_mut() else {
            // The root is closed; the reader never sends more events to a finished unit.
            return;
        };
        let parent = *parent;
        let count = counts.entry(name.clone()).or_insert(0);
        *count += 1;
        let index = *count;
        let id = self.tree.nodes.len();
        self.tree.nodes.push(Node {
            name,
            text: String::new(),
            children: Vec::new(),
            parent: Some(parent),
            index,
            line,
            overlong: false,
        });
        self.tree.nodes[parent].children.push(id);
        self.stack.push((id, HashMap::new()));
    }

    /// Character data inside the innermost open element.
    pub(super) fn text(&mut self, text: &str) {
        if self.skipped > 0 {
            return;
        }
        if let Some((id, _)) = self.stack.last() {
            let node = &mut self.tree.nodes[*id];
            if node.text.len() + text.len() > MAX_TEXT_BYTES {
                node.overlong = true;
            } else if !node.overlong {
                node.text.push_str(text);
            }
        }
    }

    /// The innermost element closes. Returns the finished tree when that was the root.
    pub(super) fn end(&mut self) -> Option<Tree> {
        if self.skipped > 0 {
            self.skipped -= 1;
            return None;
        }
        self.stack.pop();
        if self.stack.is_empty() {
            let tree = std::mem::replace(
                &mut self.tree,
                Tree {
                    base: String::new(),
                    nodes: Vec::new(),
                    overflow: false,
                },
            );
            Some(tree)
        } else {
            None
        }
    }
}

impl Tree {
    /// The unit's root element.
    pub(super) fn root(&self) -> NodeRef<'_> {
        NodeRef { tree: self, id: 0 }
    }

    /// True when the unit had more than [`MAX_UNIT_ELEMENTS`] elements.
    pub(super) fn overflowed(&self) -> bool {
        self.overflow
    }

    /// Fields (elements without children) whose text was too long to keep. Complex
    /// elements are left out: their text is only the whitespace between children.
    pub(super) fn overlong(&self) -> impl Iterator<Item = NodeRef<'_>> {
        (0..self.nodes.len())
            .filter(|&id| self.nodes[id].overlong && self.nodes[id].children.is_empty())
            .map(move |id| NodeRef { tree: self, id })
    }

    fn segment(&self, id: usize) -> String {
        let node = &self.nodes[id];
        if node.index > 1 {
            format!("{}[{}]", node.name, node.index)
        } else {
            node.name.clone()
        }
    }

    /// Path segments from `id` up to, not including, `stop` (or up to the root included when
    /// `stop` is `None`), outermost first.
    fn segments(&self, id: usize, stop: Option<usize>) -> Vec<String> {
        let mut out = Vec::new();
        let mut cur = Some(id);
        while let Some(c) = cur {
            if Some(c) == stop {
                break;
            }
            out.push(self.segment(c));
            cur = self.nodes[c].parent;
        }
        out.reverse();
        out
    }

    /// Full element path: `report/transaction[3]/t_from/from_person`.
    fn path(&self, id: usize) -> String {
        let mut path = self.base.clone();
        for s in self.segments(id, None) {
            path.push('/');
            path.push_str(&s);
        }
        path
    }
}

/// A borrowed element of a [`Tree`].
#[derive(Debug, Clone, Copy)]
pub(super) struct NodeRef<'a> {
    tree: &'a Tree,
    id: usize,
}

impl<'a> NodeRef<'a> {
    /// The element's local name.
    pub(super) fn name(&self) -> &'a str {
        &self.tree.nodes[self.id].name
    }

    /// The element's trimmed text, `None` when empty or too long to keep (the mapper
    /// reports those separately).
    pub(super) fn text(&self) -> Option<String> {
        let node = &self.tree.nodes[self.id];
        if node.overlong {
            return None;
        }
        super::super::non_empty(&node.text)
    }

    /// Line of the element's start tag.
    pub(super) fn line(&self) -> u64 {
        self.tree.nodes[self.id].line
    }

    /// The element's full path.
    pub(super) fn path(&self) -> String {
        self.tree.path(self.id)
    }

    /// The path below `ancestor`, e.g. `t_from_my_client/from_person`; empty for the
    /// ancestor itself.
    pub(super) fn path_below(&self, ancestor: NodeRef<'_>) -> String {
        self.tree.segments(self.id, Some(ancestor.id)).join("/")
    }

    /// Child elements in document order.
    pub(super) fn children(&self) -> impl Iterator<Item = NodeRef<'a>> + use<'a> {
        let tree = self.tree;
        tree.nodes[self.id]
            .children
            .iter()
            .map(move |&id| NodeRef { tree, id })
    }

    /// Child elements named `name`.
    pub(super) fn children_named(
        &self,
        name: &'a str,
    ) -> impl Iterator<Item = NodeRef<'a>> + use<'a> {
        self.children().filter(move |c| c.name() == name)
    }

    /// The first child named `name`.
    pub(super) fn child(&self, name: &str) -> Option<NodeRef<'a>> {
        self.children().find(|c| c.name() == name)
    }

    /// The text of the first child named `name`.
    pub(super) fn child_text(&self, name: &str) -> Option<String> {
        self.child(name).and_then(|c| c.text())
    }

    /// True when the element has child elements (a complex element, as opposed to a field).
    pub(super) fn has_children(&self) -> bool {
        !self.tree.nodes[self.id].children.is_empty()
    }

    /// Elements named `item` found directly under this element or under its `wrapper`
    /// child: goAML 5 allows both `<identification>` repeated and
    /// `<identifications><identification>`, and 4.x only the first form.
    pub(super) fn items(&self, wrapper: &'a str, item: &'a str) -> Vec<NodeRef<'a>> {
        let mut out: Vec<NodeRef<'a>> = self.children_named(item).collect();
        for w in self.children_named(wrapper) {
            out.extend(w.children_named(item));
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn build(events: &[(&str, &str)]) -> Tree {
        // ("start", name) / ("text", t) / ("end", "")
        let mut b: Option<TreeBuilder> = None;
        for (kind, v) in events {
            match (*kind, b.as_mut()) {
                ("start", None) => b = Some(TreeBuilder::new("report".into(), v.to_string(), 1, 1)),
                ("start", Some(b)) => b.start(v.to_string(), 1),
                ("text", Some(b)) => b.text(v),
                ("end", Some(b)) => {
                    if let Some(t) = b.end() {
                        return t;
                    }
                }
                _ => panic!("bad test script"),
            }
        }
        panic!("unit not closed");
    }

    #[test]
    fn paths_index_repeated_siblings_only() {
        let t = build(&[
            ("start", "transaction"),
            ("start", "party"),
            ("end", ""),
            ("start", "party"),
            ("start", "person"),
            ("text", " Ann "),
            ("end", ""),
            ("end", ""),
            ("end", ""),
        ]);
        let root = t.root();
        let second = root.children_named("party").nth(1).unwrap();
        let person = second.child("person").unwrap();
        assert_eq!(person.path(), "report/transaction/party[2]/person");
        assert_eq!(person.path_below(root), "party[2]/person");
        assert_eq!(person.text().as_deref(), Some("Ann"));
    }

    #[test]
    fn overlong_text_is_flagged_not_kept() {
        let big = "x".repeat(MAX_TEXT_BYTES + 1);
        let t = build(&[("start", "transaction"), ("text", &big), ("end", "")]);
        assert!(t.root().text().is_none());
        assert_eq!(t.overlong().count(), 1);
    }
}
