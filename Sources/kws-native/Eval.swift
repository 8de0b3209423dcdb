import ArgumentParser

// Being built; see the issue that owns this command.
struct Eval: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "eval", abstract: "(not built yet)")
    func run() async throws { throw ValidationError("'eval' is not built yet") }
}
