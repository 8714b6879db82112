// Command bedrock-usage reports who spends what on Amazon Bedrock, from the logs Bedrock
// Model Invocation Logging writes: per user, application, model, region, hour and day.
package main

import (
	"fmt"
	"os"
	"runtime"
	"runtime/debug"
	"runtime/pprof"
	_ "time/tzdata" // --timezone works where the system has no zone database (containers)

	"github.com/bedrock-usage/bedrock-usage/internal/sysmem"
)

func main() {
	softMemoryLimit()
	gcHeadroom()
	stop := profile(os.Getenv("BEDROCK_USAGE_CPUPROFILE"), os.Getenv("BEDROCK_USAGE_MEMPROFILE"))
	code := run(os.Args[1:], newFactory())
	stop()
	os.Exit(code)
}

// profile writes a CPU profile of the whole run to cpu, and a heap profile (live and
// allocated bytes, read with `go tool pprof -sample_index=…`) at its end to mem: how the
// figures in the closing notes and ARCHITECTURE.md were found. Empty names profile nothing.
func profile(cpu, mem string) (stop func()) {
	var cf *os.File
	if cpu != "" {
		f, err := os.Create(cpu)
		if err == nil {
			err = pprof.StartCPUProfile(f)
		}
		if err != nil {
			fmt.Fprintf(os.Stderr, "bedrock-usage: BEDROCK_USAGE_CPUPROFILE: %v\n", err)
		} else {
			cf = f
		}
	}
	if mem != "" {
		runtime.MemProfileRate = 64 << 10
	}
	return func() {
		if cf != nil {
			pprof.StopCPUProfile()
			cf.Close()
		}
		if mem != "" {
			f, err := os.Create(mem)
			if err == nil {
				err = pprof.Lookup("allocs").WriteTo(f, 0)
				f.Close()
			}
			if err != nil {
				fmt.Fprintf(os.Stderr, "bedrock-usage: BEDROCK_USAGE_MEMPROFILE: %v\n", err)
			}
		}
	}
}

// gcHeadroom lets the heap grow 25 % past its live part between collections rather than Go's
// default 100 %, unless GOGC says otherwise. A report's live heap is its groups and view
// lines, which only grow; the default headroom doubled the peak RSS of a month with a million
// session names for no speed: measured with make bench's corpora, GOGC=25 cut peak RSS by a
// fifth on both, at the same CPU time and a shorter wall time (fewer page faults).
func gcHeadroom() {
	if os.Getenv("GOGC") == "" {
		debug.SetGCPercent(25)
	}
}

// softMemoryLimit holds the Go heap under 90% of the machine's (or container's) memory when
// GOMEMLIMIT does not say otherwise. Without it the heap grows to twice its live part between
// collections, and a report whose groups approach the local engine's --max-memory would be
// killed by the kernel before the engine could stop it with a message.
func softMemoryLimit() {
	if os.Getenv("GOMEMLIMIT") != "" {
		return
	}
	if m := sysmem.Total(); m > 0 {
		debug.SetMemoryLimit(m / 10 * 9)
	}
}
