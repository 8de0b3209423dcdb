import Foundation
import Tensor

/// The instruction set a kernel is written for, the last part of its name before any variant
/// (`f32-gemm-6x16-avx512`): `avx512` kernels use 16-lane vectors, `avx2` ones 8-lane vectors, `scalar` ones
/// plain loops (left to LLVM), `openblas` ones call the library.
public enum ISA: String, Codable, Sendable, CaseIterable {
    case scalar, avx2, avx512, openblas

    /// What it needs of a CPU, as /proc/cpuinfo names the flags: any one of these sets. The vector kernels are
    /// Swift SIMD types, which LLVM lowers to whatever vectors the target has: `avx2` kernels (8-lane vectors
    /// with fused multiply-add) run on x86 with AVX2 and FMA and on 64-bit ARM (NEON, `asimd`, two 4-lane
    /// registers a vector); `avx512` kernels (16-lane vectors) on x86 with AVX-512F and on 64-bit ARM (four
    /// registers a vector, 32 of them). An `openblas` kernel needs the library (`CPUFeatures.hasOpenBLAS`:
    /// without it `GEMM.multiply` computes the same product in plain loops, after a warning); a `scalar` one
    /// nothing.
    public var needs: [[String]] {
        switch self {
        case .scalar, .openblas: return [[]]
        case .avx2: return [["avx2", "fma"], ["asimd"]]
        case .avx512: return [["avx512f"], ["asimd"]]
        }
    }
}

/// How an op's output (or input) tensor is laid out in memory.
public enum Layout: String, Codable, Sendable {
    /// Row-major in the tensor's shape: for images H × W × C (what Keras computes).
    case nhwc
    /// Channels in blocks of 16, each block one contiguous H × W × 16 image (`PanelGEMM.multiply(blockedInto:)`);
    /// written by a 16-wide panel GEMM and read by the depthwise row kernels (`BlockedLayout.swift`).
    case blocked16
}

/// What a process can run: the CPU's flags, whether the build turns vector code into vector instructions
/// (`SIMDKernels.hasFastWideVectors`: a build without `-target-cpu` runs 16-lane code one lane at a time), and
/// whether OpenBLAS is there. `current` is this process; `target(_:)` a device or an instruction-set class that
/// `kws-native pack --target` and `KWS_ISA` plan for.
public struct CPUFeatures: Sendable {
    public let flags: Set<String>
    public let fastVectors: Bool
    public let hasOpenBLAS: Bool

    public init(flags: Set<String>, fastVectors: Bool, hasOpenBLAS: Bool = true) {
        self.flags = flags
        self.fastVectors = fastVectors
        self.hasOpenBLAS = hasOpenBLAS
    }

    /// The targets `target(_:)` knows, for help texts and errors.
    public static let targetNames = ["x86-64-avx2", "x86-64-avx512", "aarch64-linux", "cortex-m4", "scalar"]

    /// A class of CPU to plan for: `x86-64-avx2` (AVX2 + FMA), `x86-64-avx512`, `aarch64-linux` (NEON, a static
    /// device binary: no OpenBLAS), `cortex-m4` (an FPU, no vectors, no OpenBLAS), `scalar` (no vectors, with
    /// OpenBLAS: the plain-loop plan of the desktop). Nil for an unknown name.
    public static func target(_ name: String) -> CPUFeatures? {
        switch name {
        case "x86-64-avx2": return CPUFeatures(flags: ["avx2", "fma"], fastVectors: true)
        case "x86-64-avx512": return CPUFeatures(flags: ["avx2", "fma", "avx512f"], fastVectors: true)
        case "aarch64-linux": return CPUFeatures(flags: ["asimd"], fastVectors: true, hasOpenBLAS: false)
        case "cortex-m4": return CPUFeatures(flags: [], fastVectors: false, hasOpenBLAS: false)
        case "scalar": return CPUFeatures(flags: [], fastVectors: false)
        default: return nil
        }
    }

    /// These features with nothing beyond `target`'s: an AVX-512 host restricted to `x86-64-avx2` plans what an
    /// AVX2 host would (`KWS_ISA`).
    public func restricted(to target: CPUFeatures) -> CPUFeatures {
        CPUFeatures(flags: flags.intersection(target.flags), fastVectors: fastVectors && target.fastVectors,
                    hasOpenBLAS: hasOpenBLAS && target.hasOpenBLAS)
    }

    /// This machine's, read once (/proc/cpuinfo; elsewhere no flags, so only scalar and OpenBLAS kernels), and
    /// restricted to the class named by the environment variable `KWS_ISA` (`x86-64-avx2`, `scalar`, …; also
    /// `avx2` and `avx512`) when it is set: how a host times the plan of a lesser one.
    public static let current: CPUFeatures = {
        var flags: Set<String> = []
        if let text = try? String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8),
           let line = text.split(separator: "\n").first(where: { $0.hasPrefix("flags") || $0.hasPrefix("Features") }),
           let colon = line.firstIndex(of: ":") {
            flags = Set(line[line.index(after: colon)...].split(separator: " ").map(String.init))
        }
        let host = CPUFeatures(flags: flags, fastVectors: SIMDKernels.hasFastWideVectors)
        guard let isa = ProcessInfo.processInfo.environment["KWS_ISA"], !isa.isEmpty else { return host }
        guard let target = target(isa) ?? target("x86-64-" + isa) else {
            FileHandle.standardError.write(Data(("kws-native: KWS_ISA=\(isa) is not one of "
                + targetNames.joined(separator: ", ") + "; ignored\n").utf8))
            return host
        }
        return host.restricted(to: target)
    }()

    /// Nil when `isa` runs here, else why not.
    public func missing(_ isa: ISA) -> String? {
        switch isa {
        case .scalar: return nil
        case .openblas: return hasOpenBLAS ? nil : "no OpenBLAS on this target"
        case .avx2, .avx512:
            let sets = isa.needs
            if !sets.contains(where: { $0.allSatisfy(flags.contains) }) {
                return "this CPU lacks " + sets.map { $0.joined(separator: "+") }.joined(separator: " or ")
            }
            if !fastVectors { return "this build runs vector code lane by lane (built without -Xswiftc -target-cpu -Xswiftc native)" }
            return nil
        }
    }
}

/// One row of an op kind's kernel table: a kernel by its name, when it applies to an op, the scratch it
/// needs, and how to build it for an op. `make` is only called for an op the kernel applies to.
public struct KernelEntry<Op: Operation>: Sendable {
    /// op-type-tile-isa[-variant], e.g. `f32-gemm-6x16-avx512`; tiles are rows × columns (for depthwise
    /// kernels output pixels × channels).
    public let name: String
    public let isa: ISA
    public var input: Layout = .nhwc
    public var output: Layout = .nhwc
    /// A sparse kernel: the tuner tries it only on weights with enough zeros (`LoadOptions.allowSparse`).
    public var sparse = false
    public let applies: @Sendable (Op) -> Bool
    public let scratch: @Sendable (Op) -> Int
    public let make: @Sendable (Op) -> any Layer

    public init(_ name: String, _ isa: ISA, input: Layout = .nhwc, output: Layout = .nhwc, sparse: Bool = false,
                applies: @escaping @Sendable (Op) -> Bool = { _ in true }, scratch: @escaping @Sendable (Op) -> Int = { _ in 0 },
                make: @escaping @Sendable (Op) -> any Layer) {
        self.name = name
        self.isa = isa
        self.input = input
        self.output = output
        self.sparse = sparse
        self.applies = applies
        self.scratch = scratch
        self.make = make
    }

    var erased: AnyKernel {
        AnyKernel(name: name, isa: isa, input: input, output: output, sparse: sparse,
                  applies: { ($0 as? Op).map(applies) ?? false },
                  scratch: { ($0 as? Op).map(scratch) ?? 0 },
                  make: { make($0 as! Op) })
    }
}

/// A kernel table row with its op type erased (what the planner and the tuner handle).
public struct AnyKernel: Sendable {
    public let name: String
    public let isa: ISA
    public let input: Layout
    public let output: Layout
    public let sparse: Bool
    let applies: @Sendable (any Operation) -> Bool
    let scratch: @Sendable (any Operation) -> Int
    let make: @Sendable (any Operation) -> any Layer
}
