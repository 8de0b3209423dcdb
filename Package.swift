// swift-tools-version: 6.0
import PackageDescription

// Build flags: the package itself carries no machine-specific flags, so a plain `swift build` runs on any
// x86-64. The README's commands add `-Xswiftc -target-cpu -Xswiftc native` (AVX2/FMA/AVX-512 on the
// building machine), which the SIMD kernels need to be fast; see README "Build flags".
let package = Package(
    name: "kws-native",
    platforms: [.macOS(.v14)],
    products: [
        .executable(name: "kws-native", targets: ["kws-native"]),
        .library(name: "Tensor", targets: ["Tensor"]),
        .library(name: "KerasIO", targets: ["KerasIO"]),
        .library(name: "DSP", targets: ["DSP"]),
        .library(name: "Runtime", targets: ["Runtime"]),
        .library(name: "Layers", targets: ["Layers"]),
        .library(name: "KWS", targets: ["KWS"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
        .package(url: "https://github.com/apple/swift-log", from: "1.6.0"),
        .package(url: "https://github.com/hummingbird-project/hummingbird", from: "2.0.0"),
        .package(url: "https://github.com/swift-server/async-http-client", from: "1.20.0"),
        // Imported by Serving beside Hummingbird and AsyncHTTPClient (ByteBuffer, deadlines, the service group).
        .package(url: "https://github.com/apple/swift-nio", from: "2.60.0"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle", from: "2.0.0"),
    ],
    targets: [
        .systemLibrary(name: "CFFTW", pkgConfig: "fftw3f", providers: [.apt(["libfftw3-dev"])]),
        .systemLibrary(name: "CMosquitto", pkgConfig: "libmosquitto", providers: [.apt(["libmosquitto-dev"])]),
        .systemLibrary(name: "CPrefetch"),   // header only: __builtin_prefetch for the streaming GEMM
        // Header only: libzip's types; KerasIO opens libzip (and libhdf5) with dlopen when it first needs it.
        .systemLibrary(name: "CZip", providers: [.apt(["libzip-dev"])]),

        // The inference core: these modules build for the desktop here and, from the same files, in Embedded
        // Swift for the devices (scripts/build-device.sh): no Foundation, no dlopen, no Codable.
        .target(name: "Tensor", dependencies: ["CPrefetch"]),
        .target(name: "DSP", dependencies: ["Tensor"]),
        .target(name: "Runtime", dependencies: ["Tensor", "DSP"]),

        // The desktop side: reading Keras files, planning and tuning, serving, the command line.
        .target(name: "KerasIO", dependencies: ["CZip"]),
        .target(name: "Layers", dependencies: ["Tensor", "Runtime", "KerasIO"]),
        .target(name: "KWS", dependencies: ["Tensor", "DSP", "Runtime", "Layers", "CFFTW"]),
        .target(
            name: "Serving",
            dependencies: [
                "KWS", "Tensor", "CMosquitto",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ]
        ),
        .executableTarget(
            name: "kws-native",
            dependencies: [
                "KerasIO", "Layers", "KWS", "Serving",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),
        .executableTarget(name: "load-rest", dependencies: ["KWS", "Serving", .product(name: "Logging", package: "swift-log")],
                          path: "bench/load_rest"),
        .executableTarget(name: "kws-bench", dependencies: ["KWS", "Layers"], path: "bench/kws_bench"),

        .testTarget(name: "TensorTests", dependencies: ["Tensor"]),
        .testTarget(name: "KerasIOTests", dependencies: ["KerasIO"]),
        .testTarget(name: "LayersTests", dependencies: ["Layers", "Runtime", "KerasIO", "Tensor"]),
        .testTarget(name: "DSPTests", dependencies: ["DSP", "Tensor", "CFFTW", "KerasIO"]),
        .testTarget(name: "KWSTests", dependencies: ["KWS", "DSP", "KerasIO", "Layers", "Tensor"]),
        .testTarget(name: "ServingTests", dependencies: [
            "Serving", "KWS",
            .product(name: "Logging", package: "swift-log"),
            .product(name: "Hummingbird", package: "hummingbird"),
            .product(name: "AsyncHTTPClient", package: "async-http-client"),
            .product(name: "NIOCore", package: "swift-nio"),
            .product(name: "NIOHTTP1", package: "swift-nio"),
        ]),
        // Runs the built kws-native binary (messages, exit statuses); Serving only to spawn children
        // with their signals unblocked.
        .testTarget(name: "CLITests", dependencies: ["Serving"]),
    ]
)
