import ArgumentParser

// Being built; see the issue that owns this command.
struct Infer: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "infer", abstract: "(not built yet)")
    func run() async throws { throw ValidationError("'infer' is not built yet") }
}
