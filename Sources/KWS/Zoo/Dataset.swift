import Foundation

/// A dataset directory laid out like mini_speech_commands: `DIR/<label>/<clip>.wav`. Directories that
/// are not labels (e.g. `_background_noise_`) are ignored. Clips are sorted by relative path, or listed by
/// a split file (one path relative to DIR per line, in that order). A label directory may be a symbolic
/// link (it is followed); a split-file line may not leave DIR (no `..`, `.` or absolute paths).
public struct Dataset: Sendable {
    public struct Clip: Sendable {
        /// Full path to the WAV file.
        public var path: String
        /// Path relative to the dataset directory, e.g. `down/flite-awb__3.wav`.
        public var relativePath: String
        public var label: Int
        /// Who spoke it (`Dataset.voice(ofRelativePath:)`): Speech Commands' speaker id.
        public var voice: String
    }

    public let directory: String
    public let labels: [String]
    public let clips: [Clip]

    public init(directory: String, splitFile: String? = nil, labels: [String] = Labels.all) throws {
        self.directory = directory
        self.labels = labels
        var isDir: ObjCBool = false
        guard FileManager.default.fileExists(atPath: directory, isDirectory: &isDir), isDir.boolValue else {
            throw ZooError("\(directory): not a directory (expected DIR/<label>/<clip>.wav)")
        }
        let relatives: [String]
        if let splitFile {
            relatives = try Self.readSplit(splitFile, directory: directory, labels: labels)
        } else {
            relatives = Self.scan(directory, labels: labels)
        }
        guard !relatives.isEmpty else {
            throw ZooError("\(directory): no WAV files under any of \(labels.map { $0 + "/" }.joined(separator: " "))")
        }
        clips = try relatives.map { rel in
            let parts = rel.split(separator: "/").map(String.init)
            guard let first = parts.first, let label = labels.firstIndex(of: first) else {
                throw ZooError("\(directory): '\(rel)' is not under a label directory")
            }
            return Clip(path: (directory as NSString).appendingPathComponent(rel), relativePath: rel,
                        label: label, voice: Self.voice(ofRelativePath: rel))
        }
    }

    /// The speaker of a clip: Speech Commands' file-name prefix before `_nohash_`
    /// (`yes/0a7c2a8d_nohash_1.wav` → `0a7c2a8d`); for other names the part before `__` (the synthetic
    /// generator's voice tag, `yes/flite-awb__2.wav` → `flite-awb`), else the whole stem.
    public static func voice(ofRelativePath rel: String) -> String {
        let file = ((rel as NSString).lastPathComponent as NSString).deletingPathExtension
        for separator in ["_nohash_", "__"] {
            if let r = file.range(of: separator) { return String(file[..<r.lowerBound]) }
        }
        return file
    }

    private static func scan(_ directory: String, labels: [String]) -> [String] {
        var found: [String] = []
        for label in labels {
            // Resolved first: the enumerator does not descend into a label directory that is a symlink.
            let dir = URL(fileURLWithPath: (directory as NSString).appendingPathComponent(label)).resolvingSymlinksInPath().path
            guard let walker = FileManager.default.enumerator(atPath: dir) else { continue }
            while let item = walker.nextObject() as? String {
                if item.lowercased().hasSuffix(".wav") { found.append(label + "/" + item) }
            }
        }
        return found.sorted()
    }

    private static func readSplit(_ path: String, directory: String, labels: [String]) throws -> [String] {
        guard let text = try? String(contentsOfFile: path, encoding: .utf8) else {
            throw ZooError("\(path): cannot read the split file (one path relative to \(directory) per line)")
        }
        var out: [String] = []
        for (i, raw) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let line = raw.trimmingCharacters(in: .whitespaces)
            if line.isEmpty || line.hasPrefix("#") { continue }
            let components = line.split(separator: "/", omittingEmptySubsequences: false)
            guard !line.hasPrefix("/"), !components.contains(where: { $0 == ".." || $0 == "." || $0.isEmpty }) else {
                throw ZooError("\(path):\(i + 1): '\(line)' leaves \(directory) or is not a plain relative path (no '..', '.', '//' or leading '/')")
            }
            let first = String(components.first ?? "")
            guard labels.contains(first), line.contains("/") else {
                throw ZooError("\(path):\(i + 1): '\(line)' does not start with a label directory (\(labels.joined(separator: ", ")))")
            }
            guard FileManager.default.fileExists(atPath: (directory as NSString).appendingPathComponent(line)) else {
                throw ZooError("\(path):\(i + 1): '\(line)' does not exist under \(directory)")
            }
            out.append(line)
        }
        return out
    }
}
