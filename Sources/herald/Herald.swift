import ArgumentParser

/// The `herald` command: the daemon and the tools operators use beside it (DESIGN §8).
@main
struct Herald: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "herald",
        abstract: "Lifecycle-message delivery daemon: spool in, channels out.",
        discussion: """
            Exit codes: 0 success; 1 runtime failure; 64 bad command line; 65 invalid message (enqueue);
            73 cannot create spool, state or log; 78 invalid configuration (EX_CONFIG: systemd does not restart).
            """,
        subcommands: [
            RunCommand.self, CheckCommand.self, EnqueueCommand.self, QueueCommand.self, RequeueCommand.self,
            StatsCommand.self, TailCommand.self, SuppressCommand.self, MigrateCommand.self,
        ])
}
