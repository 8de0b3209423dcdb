import ArgumentParser

// Being built; see the issue that owns this command.
struct Profile: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "profile", abstract: "(not built yet)")
    func run() async throws { throw ValidationError("'profile' is not built yet") }
}
