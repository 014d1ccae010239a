import HeraldPluginAPI
import HeraldTransport
import Logging

/// What the two `bounce_imap` pollers share (IMAP by UID, POP3 by UIDL): the polling loop, the request every
/// command goes out as, and filing one fetched mail. How each finds new mail and remembers what it read is its own.
protocol BounceMailbox: Sendable {
    var settings: BounceMailboxSettings { get }
    var attribution: BounceAttribution { get }
    var facts: FactSink { get }
    var logger: Logger { get }
    /// One poll: how many new mails were filed, or why it stopped (what was filed stays filed).
    func poll() async -> Result<Int, BouncePollError>
    /// The command that proves the login and the mailbox without reading mail, and the URL it goes to.
    var probeCommand: (url: String, command: String) { get }
}

struct BouncePollError: Error {
    var message: String
}

extension BounceMailbox {
    func watch() async {
        while !Task.isCancelled {
            switch await poll() {
            case .success(let read): if read > 0 { logger.info("bounce_imap: read \(read) new mails") }
            case .failure(let error):
                logger.error("bounce_imap \(settings.url): \(error.message); trying again in \(settings.interval)")
            }
            try? await Task.sleep(for: settings.interval)
        }
    }

    /// For `herald check --probe`: logs in (TLS, credentials) and opens or lists the mailbox, filing nothing.
    func probe() async -> ProbeResult {
        let target = "bounce_imap " + settings.url
        let (url, command) = probeCommand
        let response = await MailboxClient.shared.perform(request(url: url, command: command))
        guard let error = response.error else {
            return ProbeResult(target: target, status: .ok, reason: "logged in, \(command.prefix { $0 != " " }) answered")
        }
        let step = ProbeResult.Step(rawValue: error.layer.rawValue) ?? .reply
        return ProbeResult(target: target, status: .failed, step: step, reason: "\(error.code) \(error.message)")
    }

    /// Reads one mail's report and has the core file its facts; returns once they are on disk.
    func file(_ bytes: [UInt8], name: String) async {
        let (made, source) = attribution.facts(BounceReport.read(ParsedMail(bytes)))
        await facts.report(made)
        if case .unattributed(let why) = source { logger.warning("bounce_imap: \(name) unattributed: \(why)") }
    }

    func request(url: String, command: String? = nil) -> MailboxRequest {
        MailboxRequest(
            url: url, command: command, username: settings.username, password: settings.password, caFile: settings.caFile,
            timeout: settings.timeout, ownSession: settings.kind == .pop3)
    }

    func run(command: String, url: String? = nil) async -> Result<String, BouncePollError> {
        let response = await MailboxClient.shared.perform(request(url: url ?? settings.url, command: command))
        if let error = response.error {
            return .failure(BouncePollError(message: "\(command.prefix { $0 != " " }): \(error.message)"))
        }
        return .success(String(decoding: response.body, as: UTF8.self))
    }
}
