import Foundation

/// A fixed set of threads, each owning one worker (e.g. a network, which is not thread-safe), that run
/// jobs off the caller's thread: the HTTP event loops only await results and never run inference.
///
/// Bounded twice: at most `threads` jobs run at once (never more than the machine's cores), and at most
/// `maxQueued` wait; past that `run` fails fast with `InferencePoolError.busy` instead of queueing forever.
public final class InferencePool<Worker>: @unchecked Sendable {
    public let threads: Int
    public let maxQueued: Int
    // All state below is guarded by `condition`.
    private let condition = NSCondition()
    private var queue: [(Worker) -> Void] = []
    private var head = 0
    private var stopping = false

    /// Creates every worker up front on the calling thread (so a bad model fails here, with its error),
    /// then hands each to its own thread.
    public init(threads requested: Int, maxQueued: Int = 256, name: String = "inference",
                makeWorker: (Int) throws -> Worker) throws {
        let cores = max(1, ProcessInfo.processInfo.activeProcessorCount)
        threads = max(1, min(requested, cores))
        self.maxQueued = maxQueued
        var workers: [Worker] = []
        for i in 0..<threads { workers.append(try makeWorker(i)) }
        for (i, worker) in workers.enumerated() {
            let box = WorkerBox(worker)
            let thread = Thread { [self] in self.loop(box.worker) }
            thread.name = "\(name)-\(i)"
            thread.start()
        }
    }

    /// The usual pool size: every core.
    public static var defaultThreads: Int { max(1, ProcessInfo.processInfo.activeProcessorCount) }

    /// Runs `job` on one of the pool's threads with that thread's worker and returns its result.
    public func run<R: Sendable>(_ job: @escaping @Sendable (Worker) throws -> R) async throws -> R {
        try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<R, any Error>) in
            condition.lock()
            defer { condition.unlock() }
            if stopping {
                continuation.resume(throwing: InferencePoolError.stopped)
                return
            }
            if queue.count - head >= maxQueued {
                continuation.resume(throwing: InferencePoolError.busy(queued: queue.count - head))
                return
            }
            queue.append { worker in continuation.resume(with: Result { try job(worker) }) }
            condition.signal()
        }
    }

    /// Jobs waiting for a thread right now.
    public var queued: Int {
        condition.lock()
        defer { condition.unlock() }
        return queue.count - head
    }

    /// Lets queued jobs finish, then ends the threads; later `run` calls fail with `.stopped`.
    public func shutdown() {
        condition.lock()
        stopping = true
        condition.broadcast()
        condition.unlock()
    }

    deinit { shutdown() }

    private func loop(_ worker: Worker) {
        while true {
            condition.lock()
            while head == queue.count && !stopping { condition.wait() }
            if head == queue.count {  // stopping and drained
                condition.unlock()
                return
            }
            let job = queue[head]
            head += 1
            if head > 1024 && head * 2 > queue.count {  // compact now and then, not per job
                queue.removeFirst(head)
                head = 0
            }
            condition.unlock()
            job(worker)
        }
    }
}

public enum InferencePoolError: Error, CustomStringConvertible, Equatable {
    case busy(queued: Int)
    case stopped

    public var description: String {
        switch self {
        case .busy(let n): return "inference pool is busy (\(n) requests already queued); try again later"
        case .stopped: return "inference pool is shutting down"
        }
    }
}

/// Moves a non-Sendable worker to the one thread that will own it from then on.
private struct WorkerBox<Worker>: @unchecked Sendable {
    let worker: Worker
    init(_ worker: Worker) { self.worker = worker }
}
