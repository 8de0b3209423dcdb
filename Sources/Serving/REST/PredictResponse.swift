/// The SenML answer of `POST /predict`:
///
///     [{"bn":"kws-native:big:","n":"label","vs":"yes"},{"n":"label_id","v":5},
///      {"n":"probability","u":"/","v":0.97},{"n":"score_margin","u":"/","v":0.95},
///      {"n":"p:down","u":"/","v":0.001}, … one `p:<label>` per class, in class-id order]
public enum PredictResponse {
    /// Throws `SenMLError.notEncodable` for a non-finite probability or margin (JSON has no NaN).
    public static func encode(_ verdict: Verdict, labels: [String], model: String) throws(SenMLError) -> [UInt8] {
        var records = [
            SenMLRecord(baseName: "kws-native:\(model):", name: "label", stringValue: verdict.labelName),
            SenMLRecord(name: "label_id", value: Double(verdict.label)),
            SenMLRecord(name: "probability", unit: "/", value: Double(verdict.probabilities[verdict.label])),
            SenMLRecord(name: "score_margin", unit: "/", value: Double(verdict.scoreMargin)),
        ]
        for (i, p) in verdict.probabilities.enumerated() {
            let name = i < labels.count ? labels[i] : "\(i)"
            records.append(SenMLRecord(name: "p:\(name)", unit: "/", value: Double(p)))
        }
        return try SenMLPack(records: records).encoded()
    }

    /// Reads an answer back; says what is missing if the body is not one.
    public static func decode(_ body: [UInt8]) throws(APIError) -> Verdict {
        func bad(_ why: String) -> APIError { APIError(502, "bad_response", "the server's answer \(why)") }
        let pack: SenMLPack
        do { pack = try SenMLPack.decode(body) } catch { throw bad("is not SenML: \(error)") }
        let names = pack.resolvedNames
        var label: Int?, labelName: String?, margin: Float?
        var classes: [(String, Float)] = []
        for (name, record) in zip(names, pack.records) {
            let local = name.split(separator: ":", omittingEmptySubsequences: false)
            guard let last = local.last else { continue }
            if local.count >= 2, local[local.count - 2] == "p", let v = record.value {
                classes.append((String(last), Float(v)))
            } else if last == "label_id", let v = record.value {
                label = Int(exactly: v)  // nil for NaN, fractions and out-of-range numbers
            } else if last == "label" {
                labelName = record.stringValue
            } else if last == "score_margin", let v = record.value {
                margin = Float(v)
            }
        }
        guard let label, !classes.isEmpty, label >= 0, label < classes.count else {
            throw bad("has no 'label_id' within its \(classes.count) class probabilities 'p:<label>'")
        }
        let probabilities = classes.map(\.1)
        return Verdict(label: label, labelName: labelName ?? classes[label].0, probabilities: probabilities,
                       scoreMargin: margin ?? Verdict(probabilities: probabilities, labels: []).scoreMargin)
    }
}
