import ArgumentParser

// Being built; see the issue that owns this command.
struct Serve: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "serve", abstract: "(not built yet)")
    func run() async throws { throw ValidationError("'serve' is not built yet") }
}
