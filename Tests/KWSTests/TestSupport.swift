import Foundation
import Tensor

/// Paths relative to the package root, whatever directory the tests run from.
enum TestPaths {
    static let root: String = {
        var url = URL(fileURLWithPath: #filePath)
        for _ in 0..<3 { url.deleteLastPathComponent() }  // Tests/KWSTests/TestSupport.swift → root
        return url.path
    }()
    static func path(_ relative: String) -> String { root + "/" + relative }
    static let featureFixtures = path("fixtures/features.h5")
}

/// The largest |a − b| measured against the tolerance `rtol·(|b| + max|ref|·1e-2)` — relative to each
/// reference value, with a floor of 1 % of the array's largest magnitude so that values near zero (where a
/// relative error means nothing) are held to the array's scale. Returns the worst ratio error/tolerance
/// (≤ 1 passes) and its index.
func worstRelativeError(_ actual: [Float], _ expected: [Float], rtol: Float = 1e-4, atol: Float = 0) -> (ratio: Float, index: Int) {
    precondition(actual.count == expected.count, "sizes differ: \(actual.count) vs \(expected.count)")
    let scale = expected.map { abs($0) }.max() ?? 0
    var worst: Float = 0, at = -1
    for i in 0..<actual.count {
        let tolerance = rtol * (abs(expected[i]) + scale * 1e-2) + atol + Float.leastNormalMagnitude
        let ratio = abs(actual[i] - expected[i]) / tolerance
        if !(ratio <= worst) { worst = ratio; at = i }  // catches NaN too
    }
    return (worst, at)
}

/// A temporary directory removed by `cleanup()`.
struct TemporaryDirectory {
    let path: String
    init() {
        path = NSTemporaryDirectory() + "kws-tests-" + UUID().uuidString
        try! FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    }
    func cleanup() { try? FileManager.default.removeItem(atPath: path) }
}
