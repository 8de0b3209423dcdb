import ArgumentParser

// Being built; see the issue that owns this command.
struct CoopWorker: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "coop-worker", abstract: "(not built yet)")
    func run() async throws { throw ValidationError("'coop-worker' is not built yet") }
}
