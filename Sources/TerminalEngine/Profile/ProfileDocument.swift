import Foundation
import Yams

/// A profile's YAML with its `extends:` chain resolved: the parent's fields, overridden by the child's (mappings
/// merge key by key, lists and values are replaced), and for every field the file and line it came from, so an
/// error in an inherited field names the parent's file.
struct ProfileDocument {
    /// The merged mapping, without `extends`.
    var root: Node
    /// The file the profile was read from.
    var source: String
    /// The files of the chain, the profile's own first.
    var chain: [String]
    /// Where each field (dot path) came from.
    private var origins: [String: String] = [:]

    /// Reads `url`, resolving `extends:` (an id in the profile folders, or a path relative to the file).
    static func load(_ url: URL, searching dirs: [URL], visiting: [String] = []) throws(ProfileError) -> ProfileDocument {
        let path = url.standardizedFileURL.path
        if visiting.contains(path) {
            throw ProfileError(file: visiting.last ?? path, line: nil,
                               message: "circular extends: \((visiting + [path]).map { URL(fileURLWithPath: $0).lastPathComponent }.joined(separator: " → "))")
        }
        let text: String
        do { text = try String(contentsOf: url, encoding: .utf8) } catch {
            throw ProfileError(file: url.path, line: nil, message: "cannot read the file (\(error.localizedDescription))")
        }
        return try parse(yaml: text, source: url.path, searching: dirs, visiting: visiting + [path])
    }

    static func parse(yaml: String, source: String, searching dirs: [URL], visiting: [String] = []) throws(ProfileError) -> ProfileDocument {
        let node: Node
        do {
            guard let n = try Yams.compose(yaml: yaml) else { throw ProfileError(file: source, line: nil, message: "the file is empty") }
            node = n
        } catch let e as ProfileError {
            throw e
        } catch let YamlError.scanner(_, problem, mark, _), let YamlError.parser(_, problem, mark, _) {
            throw ProfileError(file: source, line: mark.line, message: "not valid YAML: \(problem)")
        } catch {
            throw ProfileError(file: source, line: nil, message: "not valid YAML: \(error)")
        }
        guard let mapping = node.mapping else {
            throw ProfileError(file: source, line: node.mark?.line, message: "a profile is a mapping of fields (id: …, name: …), not a \(node.kindName)")
        }
        try ProfileSchema.check(node, file: source)
        guard mapping["id"] != nil else {
            throw ProfileError(file: source, line: node.mark?.line, message: "missing field 'id' (every profile names itself, also one that extends another)")
        }
        var own = ProfileDocument(root: node, source: source, chain: [source])
        own.record(node, path: [], file: source)
        guard let parentName = mapping["extends"] else { return own }
        guard let name = parentName.string, !name.isEmpty else {
            throw ProfileError(file: source, line: parentName.mark?.line, message: "extends must name a profile id or a file")
        }
        let parentURL = try Self.resolve(name, from: source, searching: dirs, line: parentName.mark?.line)
        var parent = try load(parentURL, searching: dirs, visiting: visiting.isEmpty ? [URL(fileURLWithPath: source).standardizedFileURL.path] : visiting)
        parent.root = Self.merge(parent.root, node, removing: "extends")
        parent.origins.merge(own.origins) { _, child in child }
        parent.source = source
        parent.chain = [source] + parent.chain
        return parent
    }

    /// The file and line of a field (or of its nearest ancestor that exists).
    func location(of path: [String]) -> (file: String, line: Int?) {
        var node = root
        var line = root.mark?.line
        var file = source
        var walked: [String] = []
        for key in path {
            let next: Node? = if let i = Int(key), let seq = node.sequence, seq.indices.contains(i) { seq[i] } else { node[key] }
            guard let next else { break }
            walked.append(key)
            node = next
            line = next.mark?.line ?? line
            file = origins[walked.joined(separator: ".")] ?? file
        }
        return (file, line)
    }

    private mutating func record(_ node: Node, path: [String], file: String) {
        guard let mapping = node.mapping else { return }
        for (key, value) in mapping {
            guard let k = key.string else { continue }
            let p = path + [k]
            origins[p.joined(separator: ".")] = file
            record(value, path: p, file: file)
        }
    }

    private static func resolve(_ name: String, from source: String, searching dirs: [URL], line: Int?) throws(ProfileError) -> URL {
        if name.hasSuffix(".yaml") || name.hasSuffix(".yml") || name.contains("/") {
            let url = URL(fileURLWithPath: name, relativeTo: URL(fileURLWithPath: source).deletingLastPathComponent())
            guard FileManager.default.fileExists(atPath: url.path) else {
                throw ProfileError(file: source, line: line, message: "extends: no file \(url.path)")
            }
            return url
        }
        let own = URL(fileURLWithPath: source).deletingLastPathComponent()
        for dir in [own] + dirs {
            let url = dir.appendingPathComponent(name + ".yaml")
            if FileManager.default.fileExists(atPath: url.path) { return url }
        }
        throw ProfileError(file: source, line: line, message: "extends: no firmware profile named '\(name)'")
    }

    /// The parent's mapping with the child's fields over it.
    static func merge(_ parent: Node, _ child: Node, removing: String? = nil) -> Node {
        guard let p = parent.mapping, let c = child.mapping else { return child }
        var pairs: [(Node, Node)] = p.filter { $0.key.string != removing }.map { ($0.key, $0.value) }
        for (key, value) in c where key.string != removing {
            if let i = pairs.firstIndex(where: { $0.0.string == key.string }) {
                pairs[i] = (pairs[i].0, merge(pairs[i].1, value))
            } else {
                pairs.append((key, value))
            }
        }
        return .mapping(Node.Mapping(pairs, p.tag, p.style, c.mark ?? p.mark))
    }
}

extension Node {
    var kindName: String {
        switch self {
        case .scalar: "single value"
        case .sequence: "list"
        case .mapping: "mapping"
        case .alias: "alias"
        }
    }
}
