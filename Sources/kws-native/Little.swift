import ArgumentParser

// Being built; see the issue that owns this command.
struct Little: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "little", abstract: "(not built yet)")
    func run() async throws { throw ValidationError("'little' is not built yet") }
}
