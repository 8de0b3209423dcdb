import ArgumentParser

// Being built; see the issue that owns this command.
struct Coop: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "coop", abstract: "(not built yet)")
    func run() async throws { throw ValidationError("'coop' is not built yet") }
}
