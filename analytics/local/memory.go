package local

import (
	"context"
	"fmt"
	"runtime/metrics"
	"sync"
	"time"
)

// MemoryError is returned when the groups of a report outgrow the memory limit
// (WithMemoryLimit, --max-memory): the run stops and no report is made, rather than the
// process being killed by the kernel half-way or a partial report coming out.
type MemoryError struct {
	// Limit is the limit on the live heap, and Live what it reached, in bytes.
	Limit, Live int64
	// FilesDone of FilesListed files had been decoded when the run stopped.
	FilesDone, FilesListed int64
}

func (e *MemoryError) Error() string {
	return fmt.Sprintf("the report did not fit in memory: its groups reached %d MiB of live heap, over the limit of %d MiB (--max-memory), after %d of %d files listed so far; no report was made. Narrow the period (--since/--until) or the filters, raise --max-memory on a larger machine, or use --engine athena",
		e.Live>>20, e.Limit>>20, e.FilesDone, e.FilesListed)
}

// DefaultMemoryFraction is the share of the machine's memory (or its cgroup's limit) the
// live heap of a report may reach by default. The Go heap grows to about twice its live
// part between collections unless a soft limit holds it (the CLI sets one), so the rest is
// headroom for that and for the files being decoded.
const DefaultMemoryFraction = 0.6

// liveHeap is the live heap after the last garbage collection, in bytes.
func liveHeap() int64 {
	s := []metrics.Sample{{Name: "/gc/heap/live:bytes"}}
	metrics.Read(s)
	if s[0].Value.Kind() != metrics.KindUint64 {
		return 0
	}
	return int64(s[0].Value.Uint64())
}

// watchMemory cancels the run with a *MemoryError once the live heap passes limit,
// checking every interval; stop ends the watch. limit <= 0 watches nothing.
func watchMemory(cancel context.CancelCauseFunc, limit int64, interval time.Duration, st *counters) (stop func()) {
	if limit <= 0 {
		return func() {}
	}
	done := make(chan struct{})
	go func() {
		t := time.NewTicker(interval)
		defer t.Stop()
		for {
			if err := checkMemory(limit, st); err != nil {
				cancel(err)
				return
			}
			select {
			case <-done:
				return
			case <-t.C:
			}
		}
	}()
	return sync.OnceFunc(func() { close(done) })
}

// checkMemory is the *MemoryError of a live heap over limit, or nil.
func checkMemory(limit int64, st *counters) error {
	if limit <= 0 {
		return nil
	}
	if live := liveHeap(); live > limit {
		return &MemoryError{Limit: limit, Live: live, FilesDone: st.done.Load(), FilesListed: st.found.Load()}
	}
	return nil
}
