/// Element counts of shapes that came from outside (a message, a file): the product is checked, never
/// trapping. `dims.reduce(1, *)` traps on overflow (a 101-byte MQTT message with shape
/// `65536,65536,65536,65536` did); every untrusted shape goes through here instead.
public enum ElementCount {
    /// The product of `dims`, or nil if a size is negative, the product overflows `Int`, or it exceeds
    /// `limit`. An empty shape (a scalar) holds one element.
    public static func of(_ dims: [Int], limit: Int = Int.max) -> Int? {
        var product = 1
        for d in dims {
            guard d >= 0 else { return nil }
            let (p, overflow) = product.multipliedReportingOverflow(by: d)
            guard !overflow, p <= limit else { return nil }
            product = p
        }
        return product
    }
}
