import XCTest

@testable import EmailPlugin

final class HTMLTextTests: XCTestCase {
    func testBlocksEntitiesAndLinks() {
        let html = """
            <!DOCTYPE html><html><head><title>Ignored</title>
            <style>p { color: red; }</style><script>var x = "<p>";</script></head>
            <body><!-- tracking --><!--[if mso]><p>Outlook only</p><![endif]-->
            <h1>Spring   sale</h1>
            <p>Tom &amp; Jerry&nbsp;say &lt;hi&gt; &quot;now&quot; &#39;ok&#39; &#x1F389; &#233;&bogus; a < b</p>
            <div>Line one<br>Line two<br/>Line three</div>


            <ul><li>First</li><li>Second</li></ul>
            <p><a href="https://shop.example/p?a=1&amp;b=2">Shop now</a>,
            <a href='https://shop.example/'>https://shop.example/</a>,
            <a href="#top">Top</a>, <a href="mailto:help@shop.example">help@shop.example</a>,
            <a href=https://bare.example/x>bare</a>,
            <A HREF="https://img.example/"><img src="x.png" alt="Logo"></A>,
            <a href="https://empty.example/"><img src="x.png"></a></p>
            </body></html>
            """
        XCTAssertEqual(
            HTMLText.plainText(html),
            """
            Spring sale

            Tom & Jerry say <hi> "now" 'ok' 🎉 é&bogus; a < b

            Line one
            Line two
            Line three
            - First
            - Second

            Shop now (https://shop.example/p?a=1&b=2), https://shop.example/, Top, help@shop.example, bare \
            (https://bare.example/x), Logo (https://img.example/), https://empty.example/
            """)
    }

    func testBlankLinesCollapseAndEdgesTrim() {
        XCTAssertEqual(HTMLText.plainText("<br><br><p>a</p><br><br><br><br><p>b</p><br>"), "a\n\nb")
        XCTAssertEqual(HTMLText.plainText("  plain  text  "), "plain text")
        XCTAssertEqual(HTMLText.plainText(""), "")
    }

    func testBrokenMarkupKeepsText() {
        XCTAssertEqual(HTMLText.plainText("<p>unclosed <b"), "unclosed")
        XCTAssertEqual(HTMLText.plainText("<style>never closed <p>text"), "never closed\n\ntext")
        XCTAssertEqual(HTMLText.plainText("a <3 b"), "a <3 b")
        XCTAssertEqual(HTMLText.plainText("&#0; &#13;x &#xZZ;"), "x &#xZZ;")
    }

    func testNonLatinTextPassesThrough() {
        XCTAssertEqual(HTMLText.plainText("<p>ข้อเสนอพิเศษ</p><p>تخفیف&nbsp;ویژه</p>"), "ข้อเสนอพิเศษ\n\nتخفیف ویژه")
    }
}
