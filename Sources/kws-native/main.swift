import ArgumentParser
struct KWSNative: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "kws-native", abstract: "Keyword spotting, natively.")
}
KWSNative.main()
