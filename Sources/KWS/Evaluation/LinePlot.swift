import Foundation

/// The product's one plotting routine: an SVG line chart of a few series on linear axes, with optional
/// vertical reference lines and point markers, and a legend on the right. Big/Little's θ sweep
/// (`SweepPlot`) and the listening threshold sweep (`kws-native listen-eval`) both draw with it.
public struct LinePlot: Sendable {
    /// One line: its points in drawing order.
    public struct Series: Sendable {
        public var name: String
        public var color: String
        public var points: [(x: Double, y: Double)]
        public init(name: String, color: String, points: [(x: Double, y: Double)]) {
            self.name = name
            self.color = color
            self.points = points
        }
    }

    /// A vertical dashed line at `x` (a budget, a target).
    public struct VerticalLine: Sendable {
        public var x: Double
        public var label: String
        public init(x: Double, label: String) { self.x = x; self.label = label }
    }

    /// A circled point with a legend entry.
    public struct Marker: Sendable {
        public var x: Double, y: Double
        public var label: String
        public init(x: Double, y: Double, label: String) { self.x = x; self.y = y; self.label = label }
    }

    public var title: String
    public var xLabel: String
    public var yLabel: String
    public var series: [Series]
    public var verticalLines: [VerticalLine] = []
    public var markers: [Marker] = []
    /// The x axis runs from 0 to the largest of `minimumXMax`, the data's x and the reference lines'.
    public var minimumXMax: Double = 0
    /// Caps the x axis (lines are cut where they cross it), e.g. to keep a long tail from squashing the curve.
    public var xMaxCap: Double = .infinity
    /// Tick text for x and y values.
    public var xTick: @Sendable (Double) -> String = { String(format: "%.1f", $0) }
    public var yTick: @Sendable (Double) -> String = { String(format: "%.0f %%", $0 * 100) }
    /// y values are clamped to at most this (accuracy and recall: 1).
    public var yMaxCap: Double = 1

    public init(title: String, xLabel: String, yLabel: String, series: [Series]) {
        self.title = title
        self.xLabel = xLabel
        self.yLabel = yLabel
        self.series = series
    }

    public func svg() -> String {
        let (w, h) = (780.0, 460.0)
        let (left, right, top, bottom) = (70.0, 200.0, 40.0, 50.0)
        let xs = series.flatMap { $0.points.map(\.x) } + verticalLines.map(\.x) + markers.map(\.x)
        let maxX = max(min(xs.max() ?? 1, xMaxCap), minimumXMax, 1e-9)
        let ys = series.flatMap { $0.points.filter { $0.x <= maxX }.map(\.y) } + markers.map(\.y)
        let (minY, maxY, yStep) = Self.niceRange(low: ys.min() ?? 0, high: min(yMaxCap, ys.max() ?? 1), cap: yMaxCap)
        func x(_ v: Double) -> Double { left + min(v, maxX) / maxX * (w - left - right) }
        func y(_ v: Double) -> Double { top + (maxY - v) / (maxY - minY) * (h - top - bottom) }
        func f(_ v: Double) -> String { String(format: "%.1f", v) }
        var s = """
        <svg xmlns="http://www.w3.org/2000/svg" width="\(Int(w))" height="\(Int(h))" font-family="sans-serif" font-size="12">
        <rect width="100%" height="100%" fill="white"/>
        <text x="\(f(w / 2))" y="20" text-anchor="middle" font-size="14">\(Self.escape(title))</text>
        <line x1="\(f(left))" y1="\(f(h - bottom))" x2="\(f(w - right))" y2="\(f(h - bottom))" stroke="black"/>
        <line x1="\(f(left))" y1="\(f(top))" x2="\(f(left))" y2="\(f(h - bottom))" stroke="black"/>
        <text x="\(f((left + w - right) / 2))" y="\(f(h - 12))" text-anchor="middle">\(Self.escape(xLabel))</text>
        <text x="18" y="\(f((top + h - bottom) / 2))" text-anchor="middle" transform="rotate(-90 18 \(f((top + h - bottom) / 2)))">\(Self.escape(yLabel))</text>

        """
        for i in 0...5 {
            let v = maxX * Double(i) / 5
            s += "<text x=\"\(f(x(v)))\" y=\"\(f(h - bottom + 16))\" text-anchor=\"middle\">\(Self.escape(xTick(v)))</text>\n"
        }
        for i in 0...Int(((maxY - minY) / yStep).rounded()) {
            let a = minY + Double(i) * yStep
            s += "<text x=\"\(f(left - 6))\" y=\"\(f(y(a) + 4))\" text-anchor=\"end\">\(Self.escape(yTick(a)))</text>\n"
            s += "<line x1=\"\(f(left))\" y1=\"\(f(y(a)))\" x2=\"\(f(w - right))\" y2=\"\(f(y(a)))\" stroke=\"#eee\"/>\n"
        }
        for line in verticalLines {
            s += "<line x1=\"\(f(x(line.x)))\" y1=\"\(f(top))\" x2=\"\(f(x(line.x)))\" y2=\"\(f(h - bottom))\" stroke=\"gray\" stroke-dasharray=\"5,4\"/>\n"
            // Left of the line, so that it never runs into the legend on the right.
            s += "<text x=\"\(f(x(line.x) - 4))\" y=\"\(f(top + 12))\" fill=\"gray\" text-anchor=\"end\">\(Self.escape(line.label))</text>\n"
        }
        var legendY = top + 10
        for line in series where !line.points.isEmpty {
            for part in Self.clipped(line.points, maxX: maxX) {
                let path = part.map { "\(f(x($0.x))),\(f(y(min($0.y, maxY))))" }.joined(separator: " ")
                s += "<polyline points=\"\(path)\" fill=\"none\" stroke=\"\(line.color)\" stroke-width=\"1.5\"/>\n"
            }
            s += "<line x1=\"\(f(w - right + 12))\" y1=\"\(f(legendY))\" x2=\"\(f(w - right + 32))\" y2=\"\(f(legendY))\" stroke=\"\(line.color)\" stroke-width=\"2\"/>\n"
            s += "<text x=\"\(f(w - right + 36))\" y=\"\(f(legendY + 4))\">\(Self.escape(line.name))</text>\n"
            legendY += 18
        }
        for m in markers {
            s += "<circle cx=\"\(f(x(m.x)))\" cy=\"\(f(y(m.y)))\" r=\"5\" fill=\"none\" stroke=\"black\" stroke-width=\"2\"/>\n"
            s += "<text x=\"\(f(w - right + 36))\" y=\"\(f(legendY + 4))\">\(Self.escape(m.label))</text>\n"
            s += "<circle cx=\"\(f(w - right + 22))\" cy=\"\(f(legendY))\" r=\"5\" fill=\"none\" stroke=\"black\" stroke-width=\"2\"/>\n"
            legendY += 18
        }
        s += "</svg>\n"
        return s
    }

    /// Axis bounds on a round step (1, 2, 2.5 or 5 × a power of ten) giving at most 6 intervals: the low end
    /// at or below `low` but not below 0 when the data is not, the high end at or above `high` but not above
    /// `cap`.
    static func niceRange(low: Double, high: Double, cap: Double) -> (Double, Double, Double) {
        var (lo, hi) = (low, max(high, low))
        if hi - lo < 1e-9 { lo -= 0.01; hi += 0.01 }
        let raw = (hi - lo) / 6
        let power = pow(10, (log10(raw)).rounded(.down))
        let step = [1.0, 2, 2.5, 5, 10].map { $0 * power }.first { $0 >= raw } ?? 10 * power
        var a = (lo / step).rounded(.down) * step, b = (hi / step).rounded(.up) * step
        if low >= 0 { a = max(a, 0) }
        if b > cap { b = max(cap, a + step) }
        return (a, b, step)
    }

    /// The series cut at x = `maxX`: the parts inside, each ending (or starting) on the edge where the line
    /// crosses it, instead of points beyond it piled up on the edge.
    static func clipped(_ points: [(x: Double, y: Double)], maxX: Double) -> [[(x: Double, y: Double)]] {
        var parts: [[(x: Double, y: Double)]] = [], current: [(x: Double, y: Double)] = []
        for (i, p) in points.enumerated() {
            if let q = i > 0 ? points[i - 1] : nil, (q.x <= maxX) != (p.x <= maxX), p.x != q.x {
                let t = (maxX - q.x) / (p.x - q.x)
                current.append((x: maxX, y: q.y + t * (p.y - q.y)))
                if p.x > maxX { parts.append(current); current = [] }
            }
            if p.x <= maxX { current.append(p) }
        }
        if !current.isEmpty { parts.append(current) }
        return parts.filter { !$0.isEmpty }
    }

    static func escape(_ t: String) -> String {
        t.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;").replacingOccurrences(of: ">", with: "&gt;")
    }
}
