import Testing
import PaymentCore

/// One expected object of a vector: a tag with either a value or children.
struct TLVNode: Decodable, Sendable {
    var tag: String
    var value: String?
    var children: [TLVNode]?
}

struct TLVVector: Decodable, Sendable, CustomTestStringConvertible {
    var name: String
    var hex: String
    var canonical: String?
    var tree: [TLVNode]
    var testDescription: String { name }
}

struct TLVErrorVector: Decodable, Sendable, CustomTestStringConvertible {
    var name: String
    var hex: String
    var path: String
    var offset: Int
    var location: String
    var testDescription: String { name }
}

@Suite("BER-TLV")
struct BERTLVTests {
    static let vectors = (try? loadVectors("tlv-vectors", as: [TLVVector].self)) ?? []
    static let errorVectors = (try? loadVectors("tlv-errors", as: [TLVErrorVector].self)) ?? []

    @Test func vectorFilesLoad() {
        #expect(Self.vectors.count >= 12)
        #expect(Self.errorVectors.count >= 13)
    }

    /// Compares decoded objects with the expected tree, at every level.
    static func expectTree(_ items: [TLV], _ nodes: [TLVNode], path: String = "", sourceLocation: SourceLocation = #_sourceLocation) {
        #expect(items.map(\.tag.hex) == nodes.map(\.tag), "at \(path)", sourceLocation: sourceLocation)
        for (item, node) in zip(items, nodes) {
            if let value = node.value {
                #expect(item.hexValue == value, "\(path)/\(node.tag)", sourceLocation: sourceLocation)
                #expect(!item.tag.isConstructed)
            }
            if let children = node.children {
                #expect(item.tag.isConstructed)
                expectTree(item.children, children, path: "\(path)/\(node.tag)", sourceLocation: sourceLocation)
            }
        }
    }

    @Test(arguments: vectors)
    func decodesVector(_ vector: TLVVector) throws {
        let items = try BERTLV.decode(hex(vector.hex))
        Self.expectTree(items, vector.tree)
    }

    @Test(arguments: vectors)
    func roundTripsVector(_ vector: TLVVector) throws {
        let items = try BERTLV.decode(hex(vector.hex))
        let encoded = BERTLV.encode(items)
        #expect(hexString(encoded) == (vector.canonical ?? vector.hex))
        let again = try BERTLV.decode(encoded)
        #expect(again == items)
        #expect(BERTLV.encode(again) == encoded)
    }

    @Test(arguments: vectors)
    func shallowDecodeKeepsValues(_ vector: TLVVector) throws {
        let deep = try BERTLV.decode(hex(vector.hex))
        let shallow = try BERTLV.decode(hex(vector.hex), recursive: false)
        #expect(shallow == deep)
        #expect(shallow.allSatisfy { $0.children.isEmpty })
        for item in shallow where item.tag.isConstructed {
            #expect(try item.decodedChildren() == deep.first { $0.tag == item.tag }?.children)
        }
    }

    @Test(arguments: errorVectors)
    func rejectsVector(_ vector: TLVErrorVector) throws {
        let error = try #require(expectError(.invalidTLV) { try BERTLV.decode(hex(vector.hex)) })
        #expect(error.offset == vector.offset)
        #expect(error.tagPath.map(\.hex).joined(separator: "/") == vector.path)
        #expect(error.location == vector.location)
        #expect(error.description.hasSuffix("(\(vector.location))"))
    }

    @Test func ppseSelectResponse() throws {
        let fci = try #require(BERTLV.decode(hex(Self.vectors[0].hex)).first)
        #expect(fci.tag == .fciTemplate)
        #expect(fci.first(.applicationIdentifier)?.hexValue == "A0000000031010")
        #expect(fci.first(.applicationLabel).map { String(decoding: $0.value, as: UTF8.self) } == "VISA CREDIT")
        #expect(fci.first(.dedicatedFileName).map { String(decoding: $0.value, as: UTF8.self) } == "2PAY.SYS.DDF01")
        #expect(fci.first(.applicationPriorityIndicator)?.value == [0x01])
        #expect(fci.first(.applicationTemplate)?.children.count == 3)
        #expect(fci.first(.applicationCryptogram) == nil)
        #expect(fci.first(.fciTemplate) == nil)  // searches below self only
        #expect([fci].first(.fciTemplate) == fci)
    }

    @Test func buildsTheSameBytesFromChildren() throws {
        let application = TLV(tag: .applicationTemplate, children: [
            TLV(tag: .applicationIdentifier, value: hex("A0000000031010")),
            TLV(tag: .applicationLabel, value: Array("VISA CREDIT".utf8)),
            TLV(tag: .applicationPriorityIndicator, value: [0x01]),
        ])
        let fci = TLV(tag: .fciTemplate, children: [
            TLV(tag: .dedicatedFileName, value: Array("2PAY.SYS.DDF01".utf8)),
            TLV(tag: .fciProprietaryTemplate, children: [TLV(tag: .fciIssuerDiscretionaryData, children: [application])]),
        ])
        #expect(hexString(fci.encoded()) == Self.vectors[0].hex)
        #expect(try BERTLV.decode(fci.encoded()) == [fci])
    }

    @Test func constructedValueInitDecodesChildren() {
        let template = TLV(tag: .readRecordResponseTemplate, value: hex("9F36020001"))
        #expect(template.children == [TLV(tag: .applicationTransactionCounter, value: [0x00, 0x01])])
        let broken = TLV(tag: .readRecordResponseTemplate, value: hex("9F3605"))
        #expect(broken.children.isEmpty)
        let error = expectError(.invalidTLV) { try broken.decodedChildren() }
        #expect(error?.tagPath.map(\.hex) == ["70", "9F36"])
        #expect(error?.location == "70/9F36 at offset 3")
    }

    @Test func shallowObjectsStillSearchable() throws {
        let items = try BERTLV.decode(hex(Self.vectors[0].hex), recursive: false)
        #expect(items.first(.applicationIdentifier)?.hexValue == "A0000000031010")
    }

    @Test(arguments: [
        (0, "00"), (1, "01"), (127, "7F"), (128, "8180"), (255, "81FF"), (256, "820100"),
        (65535, "82FFFF"), (65536, "83010000"), (16_777_215, "83FFFFFF"), (16_777_216, "8401000000"), (Int(UInt32.max), "84FFFFFFFF"),
    ])
    func lengthEncoding(length: Int, expected: String) {
        #expect(hexString(BERTLV.encodeLength(length)) == expected)
    }

    @Test func valueOfEveryLengthRoundTrips() throws {
        for length in [0, 1, 127, 128, 129, 255, 256, 257, 1000, 70_000] {
            let item = TLV(tag: .issuerPublicKeyCertificate, value: (0..<length).map { UInt8(truncatingIfNeeded: $0) })
            #expect(try BERTLV.decode(item.encoded()) == [item], "\(length)")
        }
    }

    @Test func rejectsNestingBeyondTheLimit() throws {
        func nested(_ depth: Int) -> TLV {
            var item = TLV(tag: .applicationTransactionCounter, value: [0, 1])
            for _ in 0..<depth { item = TLV(tag: .readRecordResponseTemplate, children: [item]) }
            return item
        }
        let allowed = nested(BERTLV.maximumDepth).encoded()
        #expect(try BERTLV.decode(allowed).first(.applicationTransactionCounter) != nil)
        let tooDeep = nested(BERTLV.maximumDepth + 1).encoded()
        let error = expectError(.invalidTLV) { try BERTLV.decode(tooDeep) }
        #expect(error?.tagPath.count == BERTLV.maximumDepth + 1)
        #expect(error?.offset == 2 * BERTLV.maximumDepth)
        #expect(try BERTLV.decode(tooDeep, recursive: false).count == 1)
    }

    @Test func equalityIgnoresHowChildrenWereObtained() throws {
        let bytes = hex("70059F36020001")
        #expect(try BERTLV.decode(bytes) == BERTLV.decode(bytes, recursive: false))
        #expect(try Set(BERTLV.decode(bytes)).count == 1)
    }

    @Test func descriptions() throws {
        let items = try BERTLV.decode(hex("77 0B 82 02 19 80 9F 36 02 00 3A A5 00"))
        #expect(items[0].description == "77[82(2)=1980, 9F36(2)=003A, A5[]]")
        #expect(TLV(tag: .readRecordResponseTemplate, value: hex("9F3605")).description == "70(3)=<3 bytes, unparsed>")
    }
}
