/// A decoding path as people write it in error messages: `profiles[3].cvm_list.rules[1]`.
public func codingPathDescription(_ codingPath: [any CodingKey]) -> String {
    codingPath.reduce("") { path, key in
        if let index = key.intValue { return "\(path)[\(index)]" }
        return path.isEmpty ? key.stringValue : "\(path).\(key.stringValue)"
    }
}
