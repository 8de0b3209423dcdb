import KWS
/// The SenML answer of `POST /predict`:
///
///     [{"bn":"kws-native:big:","n":"label","vs":"yes"},{"n":"label_id","v":5},
///      {"n":"probability","u":"/","v":0.97},{"n":"score_margin","u":"/","v":0.95},
///      {"n":"p:down","u":"/","v":0.001}, … one `p:<label>` per class, in class-id order]
public enum PredictResponse {
    /// Throws `SenMLError.notEncodable` for a non-finite probability or margin (JSON has no NaN).
    public static func encode(_ scores: Scores, labels: [String], model: String) throws(SenMLError) -> [UInt8] {
        var records = [
            SenMLRecord(baseName: "kws-native:\(model):", name: "label", stringValue: scores.label(in: labels)),
            SenMLRecord(name: "label_id", value: Double(scores.top)),
            SenMLRecord(name: "probability", unit: "/", value: Double(scores.probability)),
            SenMLRecord(name: "score_margin", unit: "/", value: Double(scores.margin)),
        ]
        for (i, p) in scores.probabilities.enumerated() {
            let name = i < labels.count ? labels[i] : "\(i)"
            records.append(SenMLRecord(name: "p:\(name)", unit: "/", value: Double(p)))
        }
        return try SenMLPack(records: records).encoded()
    }

    /// Reads an answer back as the `Scores` it was written from; says what is missing or inconsistent if the
    /// body is not one. The class probabilities are the answer: `label_id` must name their top class (the
    /// `label`, `probability` and `score_margin` records are for people and other clients, and are derived
    /// again from the probabilities, never trusted apart from them).
    public static func decode(_ body: [UInt8]) throws(APIError) -> Scores {
        func bad(_ why: String) -> APIError { APIError(502, "bad_response", "the server's answer \(why)") }
        let pack: SenMLPack
        do { pack = try SenMLPack.decode(body) } catch { throw bad("is not SenML: \(error)") }
        let names = pack.resolvedNames
        var label: Int?
        var classes: [(String, Float)] = []
        for (name, record) in zip(names, pack.records) {
            let local = name.split(separator: ":", omittingEmptySubsequences: false)
            guard let last = local.last else { continue }
            if local.count >= 2, local[local.count - 2] == "p", let v = record.value {
                classes.append((String(last), Float(v)))
            } else if last == "label_id", let v = record.value {
                label = Int(exactly: v)  // nil for NaN, fractions and out-of-range numbers
            }
        }
        guard let label, !classes.isEmpty, label >= 0, label < classes.count else {
            throw bad("has no 'label_id' within its \(classes.count) class probabilities 'p:<label>'")
        }
        let scores = Scores(probabilities: classes.map(\.1))
        guard scores.top == label else {
            throw bad("names class \(label) but its probabilities put class \(scores.top) first")
        }
        return scores
    }
}
