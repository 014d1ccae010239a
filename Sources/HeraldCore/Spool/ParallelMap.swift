import Dispatch

/// Maps an array on all cores with `DispatchQueue.concurrentPerform`, keeping order. For intake's per-file work
/// (open, read, parse, unlink), which is independent per file and mostly system calls.
enum ParallelMap {
    static func map<T: Sendable, R: Sendable>(_ items: [T], _ transform: @Sendable (T) -> R) -> [R] {
        guard items.count > 1 else { return items.map(transform) }
        let buffer = UnsafeMutableBufferPointer<R?>.allocate(capacity: items.count)
        buffer.initialize(repeating: nil)
        defer { buffer.deallocate() }
        let slots = Slots(buffer: buffer)
        let stripes = min(items.count, max(2, System.activeProcessors))
        DispatchQueue.concurrentPerform(iterations: stripes) { stripe in
            for index in stride(from: stripe, to: items.count, by: stripes) {
                slots.set(index, transform(items[index]))
            }
        }
        // Move the results out rather than copy them: every slot is left deinitialized, so freeing the buffer
        // leaks nothing and no message is retained and released once more.
        return buffer.indices.map { buffer.moveElement(from: $0)! }
    }

    /// `@unchecked Sendable` is sound: each index is written by exactly one stripe, and the buffer is read only
    /// after `concurrentPerform` has returned.
    private struct Slots<R>: @unchecked Sendable {
        let buffer: UnsafeMutableBufferPointer<R?>

        func set(_ index: Int, _ value: R) {
            buffer[index] = value
        }
    }
}

enum System {
    static var activeProcessors: Int {
        Int(sysconf(Int32(_SC_NPROCESSORS_ONLN)))
    }
}

#if canImport(Glibc)
import Glibc
#endif
