import ArgumentParser

/// sysexits(3) codes the unit file and scripts rely on.
enum ExitCodes {
    static let dataError = ExitCode(65)
    static let cannotCreate = ExitCode(73)
    static let config = ExitCode(78)
}
