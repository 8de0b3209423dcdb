import Foundation

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
        let (w, h) = (720.0, 460.0)
        let (left, right, top, bottom) = (70.0, 150.0, 40.0, 50.0)
        let maxX = max(budgetMB * 1.1, points.map(\.costMB).max() ?? 1, seedPoint.costMB * 1.05)
        let accs = points.map(\.accuracy) + [seedPoint.accuracy]
        var minY = (accs.min() ?? 0) - 0.01, maxY = min(1, (accs.max() ?? 1) + 0.01)
        if maxY - minY < 0.02 { minY -= 0.01; maxY += 0.01 }
        func x(_ v: Double) -> Double { left + v / maxX * (w - left - right) }
        func y(_ v: Double) -> Double { top + (maxY - v) / (maxY - minY) * (h - top - bottom) }
        func f(_ v: Double) -> String { String(format: "%.1f", v) }
        let colors: [PayloadKind: String] = [.wav16: "#1f77b4", .float32: "#d62728", .mfcc: "#2ca02c"]
        var s = """
        <svg xmlns="http://www.w3.org/2000/svg" width="\(Int(w))" height="\(Int(h))" font-family="sans-serif" font-size="12">
        <rect width="100%" height="100%" fill="white"/>
        <text x="\(f(w / 2))" y="20" text-anchor="middle" font-size="14">\(escape(title))</text>
        <line x1="\(f(left))" y1="\(f(h - bottom))" x2="\(f(w - right))" y2="\(f(h - bottom))" stroke="black"/>
        <line x1="\(f(left))" y1="\(f(top))" x2="\(f(left))" y2="\(f(h - bottom))" stroke="black"/>
        <text x="\(f((left + w - right) / 2))" y="\(f(h - 12))" text-anchor="middle">communication cost (MB = 2^20 bytes)</text>
        <text x="18" y="\(f((top + h - bottom) / 2))" text-anchor="middle" transform="rotate(-90 18 \(f((top + h - bottom) / 2)))">accuracy</text>

        """
        for i in 0...5 {
            let v = maxX * Double(i) / 5
            s += "<text x=\"\(f(x(v)))\" y=\"\(f(h - bottom + 16))\" text-anchor=\"middle\">\(String(format: "%.1f", v))</text>\n"
            let a = minY + (maxY - minY) * Double(i) / 5
            s += "<text x=\"\(f(left - 6))\" y=\"\(f(y(a) + 4))\" text-anchor=\"end\">\(String(format: "%.1f %%", a * 100))</text>\n"
            s += "<line x1=\"\(f(left))\" y1=\"\(f(y(a)))\" x2=\"\(f(w - right))\" y2=\"\(f(y(a)))\" stroke=\"#eee\"/>\n"
        }
        s += "<line x1=\"\(f(x(budgetMB)))\" y1=\"\(f(top))\" x2=\"\(f(x(budgetMB)))\" y2=\"\(f(h - bottom))\" stroke=\"gray\" stroke-dasharray=\"5,4\"/>\n"
        s += "<text x=\"\(f(x(budgetMB) + 4))\" y=\"\(f(top + 12))\" fill=\"gray\">budget \(budgetMB) MB</text>\n"
        var legendY = top + 10
        for kind in PayloadKind.allCases {
            let line = points.filter { $0.payload == kind }.sorted { $0.theta < $1.theta }
            guard !line.isEmpty, let color = colors[kind] else { continue }
            let path = line.map { "\(f(x($0.costMB))),\(f(y($0.accuracy)))" }.joined(separator: " ")
            s += "<polyline points=\"\(path)\" fill=\"none\" stroke=\"\(color)\" stroke-width=\"1.5\"/>\n"
            s += "<line x1=\"\(f(w - right + 12))\" y1=\"\(f(legendY))\" x2=\"\(f(w - right + 32))\" y2=\"\(f(legendY))\" stroke=\"\(color)\" stroke-width=\"2\"/>\n"
            s += "<text x=\"\(f(w - right + 36))\" y=\"\(f(legendY + 4))\">\(kind.rawValue)</text>\n"
            legendY += 18
        }
        s += "<circle cx=\"\(f(x(seedPoint.costMB)))\" cy=\"\(f(y(seedPoint.accuracy)))\" r=\"5\" fill=\"none\" stroke=\"black\" stroke-width=\"2\"/>\n"
        s += "<text x=\"\(f(w - right + 36))\" y=\"\(f(legendY + 4))\">seed (4.439 MB, 93.5 %)</text>\n"
        s += "<circle cx=\"\(f(w - right + 22))\" cy=\"\(f(legendY))\" r=\"5\" fill=\"none\" stroke=\"black\" stroke-width=\"2\"/>\n"
        s += "</svg>\n"
        return s
    }

    private static func escape(_ t: String) -> String {
        t.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;").replacingOccurrences(of: ">", with: "&gt;")
    }
}
