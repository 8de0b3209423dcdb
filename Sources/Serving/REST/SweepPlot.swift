import Foundation
import KWS

/// CSV and SVG of a θ sweep: accuracy against cost (MB), one line per payload, the budget as a vertical
/// line and the seed's reported point (4.439 MB, 93.5 %) as a marker.
public enum SweepPlot {
    public static let seedPoint = (costMB: 4.439, accuracy: 0.935)

    public static func csv(_ points: [BigLittleSweep.Point]) -> String {
        var lines = ["payload,theta,requests,bytes_sent,cost_mb,accuracy"]
        for p in points {
            lines.append("\(p.payload.rawValue),\(String(format: "%.3f", p.theta)),\(p.requests),\(p.bytesSent),\(String(format: "%.6f", p.costMB)),\(String(format: "%.6f", p.accuracy))")
        }
        return lines.joined(separator: "\n") + "\n"
    }

    public static func svg(_ points: [BigLittleSweep.Point], budgetMB: Double, title: String) -> String {
        let colors: [PayloadKind: String] = [.wav16: "#1f77b4", .float32: "#d62728", .mfcc: "#2ca02c"]
        let series = PayloadKind.allCases.compactMap { kind -> LinePlot.Series? in
            guard let color = colors[kind] else { return nil }
            var line = points.filter { $0.payload == kind }.sorted { $0.theta < $1.theta }
            // Once the budget is spent, a larger θ cannot send more: it only changes which clips were sent
            // before the money ran out, at the same cost. Those points would draw a vertical drop at the
            // budget line; the curve ends where the cost first reaches its highest value.
            if let top = line.map(\.costMB).max(), let end = line.firstIndex(where: { $0.costMB >= top }) {
                line = Array(line[...end])
            }
            return LinePlot.Series(name: kind.rawValue, color: color, points: line.map { (x: $0.costMB, y: $0.accuracy) })
        }
        var plot = LinePlot(title: title, xLabel: "communication cost (MB = 2^20 bytes)", yLabel: "accuracy", series: series)
        plot.verticalLines = [.init(x: budgetMB, label: "budget \(budgetMB) MB")]
        plot.markers = [.init(x: seedPoint.costMB, y: seedPoint.accuracy, label: "seed (4.439 MB, 93.5 %)")]
        plot.minimumXMax = max(budgetMB * 1.1, seedPoint.costMB * 1.05)
        return plot.svg()
    }
}
