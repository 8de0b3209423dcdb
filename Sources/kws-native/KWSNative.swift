import ArgumentParser

@main
struct KWSNative: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "kws-native",
        abstract: "Keyword spotting for IoT devices, natively: Keras-trained networks run by Swift.",
        discussion: """
            Networks are read straight from the Keras HDF5 files in weights/ (see weights/manifest.json); \
            datasets are laid out like mini_speech_commands (DIR/<label>/<clip>.wav) and default to data/.
            """,
        subcommands: [
            Infer.self, Eval.self, Verify.self, Profile.self, Plan.self, Pack.self,
            Serve.self, Little.self, Sweep.self, CoopWorker.self, Coop.self, Listen.self, ListenEval.self,
        ]
    )
}
