import HeraldPluginAPI
import XCTest

@testable import HeraldCore

/// The byte-level text rules against the character- and scalar-level rules they replaced, on texts chosen to
/// separate the two (combining marks after an allowed byte, CR LF, C1 controls, U+2028, multibyte at the limits).
final class MessageRulesTests: XCTestCase {
    let texts: [String] = [
        "", "a", "abc-_:@+=", "a.b", "a b", "é", "e\u{301}", "a\u{301}b", "\u{301}", "a\r\nb", "\r\n", "a\nb", "a\rb",
        "a\u{0}b", "a\u{7F}", "a\u{85}", "a\u{9F}", "a\u{A0}", "a\u{2028}", "a\u{2029}", "a\u{2027}", "😀",
        "🇲🇾",
        "\u{600}x", String(repeating: "a", count: 200), String(repeating: "a", count: 201),
        String(repeating: "é", count: 100), String(repeating: "é", count: 101),
        String(repeating: "e\u{301}", count: 150),
        String(repeating: "x", count: 100), String(repeating: "x", count: 101), "Ab0:@+=", "tmpl_1-x", "t:x", "t@x",
    ]

    /// The rules as they were written against characters and scalars.
    private func referenceID(_ id: String) -> Bool {
        !id.isEmpty && id.count <= 200 && id.allSatisfy(MessageRules.isIDCharacter)
    }

    private func referenceTemplate(_ name: String) -> Bool {
        !name.isEmpty && name.count <= 100
            && name.allSatisfy { MessageRules.isIDCharacter($0) && $0 != ":" && $0 != "@" }
    }

    private func referenceLineBreak(_ text: String) -> Bool {
        text.unicodeScalars.contains { $0.value < 32 || $0.value == 127 || $0 == "\u{2028}" || $0 == "\u{2029}" }
    }

    private func referenceControl(_ text: String) -> Bool {
        text.unicodeScalars.contains { $0.properties.generalCategory == .control }
    }

    private func referenceEmail(_ email: String) -> Bool {
        let forbidden: Set<UInt8> = [32, 60, 62, 44, 59, 34, 40, 41, 92]
        let parts = email.split(separator: "@", omittingEmptySubsequences: false)
        return parts.count == 2 && !parts[0].isEmpty && parts[0].utf8.count <= 64 && !parts[1].isEmpty
            && email.utf8.count <= 254 && !parts[1].hasPrefix(".") && !parts[1].hasSuffix(".")
            && !email.utf8.contains(where: { $0 < 32 || $0 == 127 || forbidden.contains($0) })
    }

    func testIDAndTemplateRulesMatchCharacterRules() {
        for text in texts {
            XCTAssertEqual((try? MessageRules.checkID(text)) != nil, referenceID(text), text.debugDescription)
            XCTAssertEqual(
                (try? MessageRules.checkTemplateName(text)) != nil, referenceTemplate(text), text.debugDescription)
        }
    }

    func testControlRulesMatchScalarRules() {
        for text in texts {
            XCTAssertEqual(MessageRules.hasLineBreakOrControl(text), referenceLineBreak(text), text.debugDescription)
            XCTAssertEqual(MessageRules.hasControlCharacter(text), referenceControl(text), text.debugDescription)
        }
        for value in 0...0x2FF {
            let text = String(Character(Unicode.Scalar(value)!))
            let name = "U+\(String(value, radix: 16))"
            XCTAssertEqual(MessageRules.hasControlCharacter(text), referenceControl(text), name)
            XCTAssertEqual(MessageRules.hasLineBreakOrControl(text), referenceLineBreak(text), name)
        }
    }

    func testEmailRuleMatchesCharacterRule() {
        let locals = [
            "a", "", "a b", "a.b", "ä", String(repeating: "x", count: 64), String(repeating: "x", count: 65), "a\r\n",
        ]
        let domains = [
            "b.example", "", ".b", "b.", "b..c", "b\u{301}.", ".\u{301}b", "b\u{600}.", "\u{301}b", "b@c", "b>c",
            "b\\c",
            "é.example", String(repeating: "b", count: 252), String(repeating: "b", count: 251), "b\u{85}", "b;c",
        ]
        var emails = ["", "@", "a@", "@b", "ab", "a@\u{301}b", "a\u{301}@b", "a@@b"]
        for local in locals { for domain in domains { emails.append(local + "@" + domain) } }
        for email in emails {
            XCTAssertEqual((try? MessageRules.checkEmail(email)) != nil, referenceEmail(email), email.debugDescription)
        }
    }

    func testARefusedAddressIsNotQuotedInTheReason() {
        XCTAssertThrowsError(try MessageRules.checkEmail(" Ana.Lee@Example.com")) { error in
            let intake = error as? IntakeError
            XCTAssertEqual(intake?.field, "to.email")
            XCTAssertFalse(intake.map { "\($0)".contains("Ana.Lee") } ?? true, "the address in clear: \(String(describing: intake))")
        }
    }

    /// `NameTable` compares lengths before text, which is exact only for names no other text is equivalent to.
    func testFieldNamesAreLowercaseASCII() {
        func check<Name: FieldName>(_ type: Name.Type) {
            for name in Name.allCases {
                XCTAssertTrue(name.rawValue.utf8.allSatisfy { (0x61...0x7A).contains($0) || $0 == 0x5F }, name.rawValue)
                XCTAssertEqual(Name.table.name(name.rawValue), name)
            }
            XCTAssertNil(Name.table.name("unknown"))
            XCTAssertNil(Name.table.name(""))
        }
        check(MessageDecoder.TopLevelName.self)
        check(MessageDecoder.PushDeviceName.self)
        check(Recipient.CodingKeys.self)
        check(ContentPartName.self)
        XCTAssertEqual(ContentPartName.allCases.map(\.rawValue), RenderedContent.partNames)
    }
}
