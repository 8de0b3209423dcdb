import ArgumentParser

// Being built; see the issue that owns this command.
struct Sweep: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "sweep", abstract: "(not built yet)")
    func run() async throws { throw ValidationError("'sweep' is not built yet") }
}
