import HeraldPluginAPI
import XCTest

@testable import LiveChatPlugin

/// The built-in mode's hub and signatures: a message is written to every tab of its visitor and delivered on the
/// first ack, which dismisses it in the others; a tab that opens later gets what is still unacknowledged; an ack
/// timeout, a visitor without a tab and a full pending list each say so; signatures prove the visitor until `exp`.
final class ChatHubTests: XCTestCase {
    private func hub(ackTimeout: Duration = .seconds(30), maxPending: Int = 20, maxStreams: Int = 10) -> ChatHub {
        ChatHub(limits: .init(maxStreams: maxStreams, maxPending: maxPending, ackTimeout: ackTimeout, idleTimeout: .seconds(60)))
    }

    /// Reads frames from `stream` until one contains `needle`; everything read, as text.
    private func read(_ stream: AsyncStream<[UInt8]>, until needle: String) async -> String {
        var text = ""
        for await chunk in stream {
            text += String(decoding: chunk, as: UTF8.self)
            if text.contains(needle) { break }
        }
        return text
    }

    func testAMessageGoesToEveryTabAndTheFirstAckDeliversAndDismisses() async throws {
        let hub = hub()
        let tab1 = try XCTUnwrap(hub.open(visitor: "v-1"))
        let tab2 = try XCTUnwrap(hub.open(visitor: "v-1"))
        async let result = hub.deliver(visitor: "v-1", messageID: "m1", payload: Array(#"{"id":"m1"}"#.utf8))
        let first = await read(tab1.stream, until: "event: message")
        XCTAssertTrue(first.contains("retry: 3000"))
        XCTAssertTrue(first.contains("id: 1\nevent: message\ndata: {\"id\":\"m1\"}\n\n"), first)
        let second = await read(tab2.stream, until: "event: message")
        XCTAssertTrue(second.contains("data: {\"id\":\"m1\"}"))
        XCTAssertTrue(hub.ack(visitor: "v-1", messageID: "m1"))
        XCTAssertFalse(hub.ack(visitor: "v-1", messageID: "m1"), "one ack ends it")
        let (written, ack) = await result
        XCTAssertEqual(written, .written(seq: 1))
        XCTAssertEqual(ack, .acked)
        let dismissed = await read(tab2.stream, until: "event: dismiss")
        XCTAssertTrue(dismissed.contains(#"data: {"id":"m1"}"#))
        XCTAssertEqual(hub.pendingMessages, 0)
        tab1.close()
        tab2.close()
        XCTAssertEqual(hub.openStreams, 0)
    }

    func testATabOpenedLaterGetsWhatIsUnacknowledgedWithTheSameEventID() async throws {
        let hub = hub()
        let tab = try XCTUnwrap(hub.open(visitor: "v-2"))
        async let result = hub.deliver(visitor: "v-2", messageID: "m2", payload: Array(#"{"id":"m2"}"#.utf8))
        _ = await read(tab.stream, until: "event: message")
        tab.close()  // cut before the ack
        let again = try XCTUnwrap(hub.open(visitor: "v-2"))
        let replay = await read(again.stream, until: "event: message")
        XCTAssertTrue(replay.contains("id: 1\nevent: message"), replay)
        hub.ack(visitor: "v-2", messageID: "m2")
        let (_, ack) = await result
        XCTAssertEqual(ack, .acked)
    }

    func testNoTabATimeoutAndAFullPendingListEachSaySo() async throws {
        let hub = hub(ackTimeout: .milliseconds(50), maxPending: 1)
        let (offline, none) = await hub.deliver(visitor: "nobody", messageID: "m", payload: [])
        XCTAssertEqual(offline, .notConnected)
        XCTAssertNil(none)
        let tab = try XCTUnwrap(hub.open(visitor: "v-3"))
        async let slow = hub.deliver(visitor: "v-3", messageID: "a", payload: Array("{}".utf8))
        _ = await read(tab.stream, until: "event: message")
        let (full, _) = await hub.deliver(visitor: "v-3", messageID: "b", payload: Array("{}".utf8))
        XCTAssertEqual(full, .tooManyPending)
        let (_, ack) = await slow
        XCTAssertEqual(ack, .timedOut)
        XCTAssertEqual(hub.pendingMessages, 0, "a timed-out message is forgotten: the core parks it")
        tab.close()
    }

    func testMaxStreamsRefusesTheNextOne() throws {
        let hub = hub(maxStreams: 1)
        let open = try XCTUnwrap(hub.open(visitor: "a"))
        XCTAssertNil(hub.open(visitor: "b"))
        open.close()
        XCTAssertNotNil(hub.open(visitor: "b"))
    }

    func testSignaturesProveTheVisitorUntilExp() {
        let signature = VisitorSignature(secret: Array("0123456789abcdef-secret".utf8))
        let sig = signature.sign(visitor: "v-1", exp: 2_000)
        XCTAssertEqual(sig.count, 64)
        XCTAssertEqual(try signature.verify(visitor: "v-1", exp: "2000", sig: sig, now: 1_999_000).get(), "v-1")
        XCTAssertEqual(signature.verify(visitor: "v-1", exp: "2000", sig: sig, now: 2_000_000), .failure(.expired))
        XCTAssertEqual(signature.verify(visitor: "v-2", exp: "2000", sig: sig, now: 0), .failure(.bad))
        XCTAssertEqual(signature.verify(visitor: "v-1", exp: "2001", sig: sig, now: 0), .failure(.bad))
        XCTAssertEqual(signature.verify(visitor: "v-1", exp: nil, sig: sig, now: 0), .failure(.missing))
        XCTAssertEqual(signature.verify(visitor: "v 1", exp: "2000", sig: sig, now: 0), .failure(.badVisitor))
    }
}

extension ChatHubTests {
    func testAWebSocketStreamGetsEventsAsJSONTexts() async throws {
        let hub = ChatHub(limits: .init(maxStreams: 4, maxPending: 4, ackTimeout: .seconds(30), idleTimeout: .seconds(60)))
        let socket = try XCTUnwrap(hub.open(visitor: "v-ws", format: .webSocket))
        async let result = hub.deliver(visitor: "v-ws", messageID: "m9", payload: Array(#"{"id":"m9"}"#.utf8))
        var iterator = socket.stream.makeAsyncIterator()
        let next = await iterator.next()
        let first = try XCTUnwrap(next)
        XCTAssertEqual(String(decoding: first, as: UTF8.self), #"{"event":"message","id":1,"data":{"id":"m9"}}"#)
        hub.ack(visitor: "v-ws", messageID: "m9")
        let after = await iterator.next()
        let dismiss = try XCTUnwrap(after)
        XCTAssertEqual(String(decoding: dismiss, as: UTF8.self), #"{"event":"dismiss","data":{"id":"m9"}}"#)
        let (_, ack) = await result
        XCTAssertEqual(ack, .acked)
        socket.close()
    }
}
