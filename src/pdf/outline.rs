//! The outline (bookmarks panel). Written with lopdf rather than printpdf, whose bookmarks are
//! flat and sorted by title within a page, and so that the records appended later can add
//! their entries after the summary's.

use std::collections::BTreeSet;

use lopdf::{Dictionary, Document, Object, ObjectId, dictionary};

use super::text_string;

/// An outline entry's object id and dictionary, before it is linked into the outline.
type Node = (ObjectId, Dictionary);

pub struct Bookmark {
    pub title: String,
    /// Shown under the closest earlier entry that is not nested.
    pub nested: bool,
    pub page: ObjectId,
    /// Where on the page to scroll to (PDF y); `None` keeps the reader's position.
    pub top: Option<f32>,
}

/// Adds `bookmarks` after the document's existing outline entries, creating the outline if
/// there is none, and opens the outline panel when the document is opened.
pub fn append(pdf: &mut Document, bookmarks: &[Bookmark]) {
    if bookmarks.is_empty() {
        return;
    }
    let existing = pdf
        .catalog()
        .and_then(|catalog| catalog.get(b"Outlines"))
        .and_then(Object::as_reference)
        .ok()
        .filter(|id| pdf.get_dictionary(*id).is_ok());
    let root = existing.unwrap_or_else(|| pdf.add_object(dictionary! { "Type" => "Outlines" }));
    if let Ok(catalog) = pdf.catalog_mut() {
        catalog.set("Outlines", root);
        catalog.set("PageMode", "UseOutlines");
    }

    // Top-level entries, each with its nested ones.
    let mut tree: Vec<(Node, Vec<Node>)> = Vec::new();
    for bookmark in bookmarks {
        let node = (pdf.new_object_id(), entry(bookmark));
        match tree.last_mut() {
            Some((_, children)) if bookmark.nested => children.push(node),
            _ => tree.push((node, Vec::new())),
        }
    }
    let mut visible = 0;
    let mut top_level = Vec::with_capacity(tree.len());
    let mut nested = Vec::with_capacity(tree.len());
    for ((id, mut dict), children) in tree {
        visible += 1 + children.len() as i64;
        if !children.is_empty() {
            // A positive count shows the entry open, its sections listed.
            dict.set("Count", children.len() as i64);
        }
        top_level.push((id, dict));
        nested.push((id, children));
    }
    attach(pdf, root, top_level);
    for (parent, children) in nested {
        attach(pdf, parent, children);
    }
    if let Ok(root) = pdf.get_dictionary_mut(root) {
        let before = root
            .get(b"Count")
            .and_then(Object::as_i64)
            .unwrap_or(0)
            .max(0);
        root.set("Count", before + visible);
    }
}

/// The outline's objects: its root and every entry, found through their `/First` and `/Next`
/// links. These are what [`append`] may change.
pub fn objects(pdf: &Document) -> BTreeSet<ObjectId> {
    let mut found = BTreeSet::new();
    let root = pdf
        .catalog()
        .and_then(|catalog| catalog.get(b"Outlines"))
        .and_then(Object::as_reference);
    let mut to_visit: Vec<ObjectId> = root.into_iter().collect();
    while let Some(id) = to_visit.pop() {
        // A link back to an entry already found (a damaged outline) is not followed again.
        if !found.insert(id) {
            continue;
        }
        if let Ok(dict) = pdf.get_dictionary(id) {
            for key in [&b"First"[..], b"Next"] {
                to_visit.extend(dict.get(key).and_then(Object::as_reference));
            }
        }
    }
    found
}

fn entry(bookmark: &Bookmark) -> Dictionary {
    let top = bookmark.top.map_or(Object::Null, Object::Real);
    dictionary! {
        "Title" => text_string(&bookmark.title),
        "Dest" => vec![bookmark.page.into(), "XYZ".into(), Object::Null, top, Object::Null],
    }
}

/// Links `children` as the last children of `parent`, after any it has.
fn attach(pdf: &mut Document, parent: ObjectId, children: Vec<Node>) {
    let ids: Vec<ObjectId> = children.iter().map(|(id, _)| *id).collect();
    let (Some(&first), Some(&last)) = (ids.first(), ids.last()) else {
        return;
    };
    let previous_last = pdf
        .get_dictionary(parent)
        .and_then(|dict| dict.get(b"Last"))
        .and_then(Object::as_reference)
        .ok();
    for (index, (id, mut dict)) in children.into_iter().enumerate() {
        dict.set("Parent", parent);
        let previous = if index == 0 {
            previous_last
        } else {
            Some(ids[index - 1])
        };
        if let Some(previous) = previous {
            dict.set("Prev", previous);
        }
        if let Some(&next) = ids.get(index + 1) {
            dict.set("Next", next);
        }
        pdf.objects.insert(id, Object::Dictionary(dict));
    }
    if let Some(previous_last) = previous_last
        && let Ok(dict) = pdf.get_dictionary_mut(previous_last)
    {
        dict.set("Next", first);
    }
    if let Ok(dict) = pdf.get_dictionary_mut(parent) {
        if previous_last.is_none() {
            dict.set("First", first);
        }
        dict.set("Last", last);
    }
}
