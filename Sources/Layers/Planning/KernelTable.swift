import Foundation
import Tensor

/// The instruction set a kernel is written for, the last part of its name before any variant
/// (`f32-gemm-6x16-avx512`): `avx512` kernels use 16-lane vectors, `avx2` ones 8-lane vectors, `scalar` ones
/// plain loops (left to LLVM), `openblas` ones call the library.
public enum ISA: String, Codable, Sendable, CaseIterable {
    case scalar, avx2, avx512, openblas

    /// The CPU flags it needs, as /proc/cpuinfo names them. (An `openblas` kernel needs none: without the
    /// library `GEMM.multiply` computes the same product in plain loops, after a warning.)
    public var needs: [String] {
        switch self {
        case .scalar, .openblas: return []
        case .avx2: return ["avx2", "fma"]
        case .avx512: return ["avx512f"]
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

/// What this process can run: the CPU's flags, and whether this build turns vector code into vector
/// instructions (`SIMDKernels.hasFastWideVectors`: a build without `-target-cpu` runs 16-lane code one
/// lane at a time).
public struct CPUFeatures: Sendable {
    public let flags: Set<String>
    public let fastVectors: Bool

    public init(flags: Set<String>, fastVectors: Bool) {
        self.flags = flags
        self.fastVectors = fastVectors
    }

    /// This machine's, read once (/proc/cpuinfo; elsewhere no flags, so only scalar and OpenBLAS kernels).
    public static let current: CPUFeatures = {
        var flags: Set<String> = []
        if let text = try? String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8),
           let line = text.split(separator: "\n").first(where: { $0.hasPrefix("flags") }),
           let colon = line.firstIndex(of: ":") {
            flags = Set(line[line.index(after: colon)...].split(separator: " ").map(String.init))
        }
        return CPUFeatures(flags: flags, fastVectors: SIMDKernels.hasFastWideVectors)
    }()

    /// Nil when `isa` runs here, else why not.
    public func missing(_ isa: ISA) -> String? {
        switch isa {
        case .scalar, .openblas: return nil
        case .avx2, .avx512:
            let absent = isa.needs.filter { !flags.contains($0) }
            if !absent.isEmpty { return "this CPU lacks \(absent.joined(separator: ", "))" }
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
