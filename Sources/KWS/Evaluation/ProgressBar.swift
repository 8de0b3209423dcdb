import Foundation

/// A one-line progress bar on stderr, drawn only when stderr is a terminal.
public final class ProgressBar {
    private let total: Int
    private let title: String
    private let enabled: Bool
    private var lastDrawn = -1

    public init(total: Int, title: String, enabled: Bool = isatty(2) != 0) {
        self.total = max(total, 1)
        self.title = title
        self.enabled = enabled
    }

    public func update(_ done: Int) {
        guard enabled else { return }
        let percent = done * 100 / total
        guard percent != lastDrawn else { return }
        lastDrawn = percent
        let width = 30, filled = done * width / total
        let bar = String(repeating: "█", count: filled) + String(repeating: "·", count: width - filled)
        FileHandle.standardError.write("\r\(title) [\(bar)] \(done)/\(total)".data(using: .utf8)!)
    }

    public func finish() {
        guard enabled else { return }
        FileHandle.standardError.write("\r\u{1B}[2K".data(using: .utf8)!)
    }
}
