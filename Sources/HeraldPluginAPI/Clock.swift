#if canImport(Glibc)
import Glibc
#endif

/// Wall-clock milliseconds since the epoch: the unit of every time stored in the queue and written to the log.
public enum Clock {
    public static func nowMillis() -> Int64 {
        var spec = timespec()
        clock_gettime(CLOCK_REALTIME, &spec)
        return Int64(spec.tv_sec) * 1000 + Int64(spec.tv_nsec) / 1_000_000
    }
}
