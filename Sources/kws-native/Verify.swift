import ArgumentParser

// Being built; see the issue that owns this command.
struct Verify: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "verify", abstract: "(not built yet)")
    func run() async throws { throw ValidationError("'verify' is not built yet") }
}
