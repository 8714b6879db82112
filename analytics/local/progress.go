package local

import (
	"fmt"
	"io"
	"strings"
	"sync"
	"time"
)

// progressInterval throttles the progress line.
const progressInterval = 100 * time.Millisecond

// startProgress redraws one progress line on w until the returned stop is called, which
// draws it a last time and ends it with a newline.
func startProgress(w io.Writer, st *counters, start time.Time) (stop func()) {
	done := make(chan struct{})
	var wg sync.WaitGroup
	width := 0
	draw := func(now time.Time) {
		line := progressLine(st, now.Sub(start))
		pad := ""
		if n := width - len(line); n > 0 {
			pad = strings.Repeat(" ", n)
		}
		width = len(line)
		fmt.Fprintf(w, "\r%s%s", line, pad)
	}
	wg.Go(func() {
		t := time.NewTicker(progressInterval)
		defer t.Stop()
		for {
			select {
			case now := <-t.C:
				draw(now)
			case <-done:
				return
			}
		}
	})
	return func() {
		close(done)
		wg.Wait()
		draw(time.Now())
		fmt.Fprintln(w)
	}
}

// progressLine is e.g. "1234/5678+ files  2.1M records  512.3 MB  85.4 MB/s"; the "+"
// says listing is still going on.
func progressLine(st *counters, elapsed time.Duration) string {
	more := "+"
	if st.listed.Load() {
		more = ""
	}
	mb := float64(st.bytes.Load()) / 1e6
	rate := 0.0
	if s := elapsed.Seconds(); s > 0 {
		rate = mb / s
	}
	return fmt.Sprintf("reading logs: %d/%d%s files  %s records  %.1f MB  %.1f MB/s",
		st.done.Load(), st.found.Load(), more, humanCount(st.records.Load()), mb, rate)
}

// humanCount writes 950, 12.3k, 4.5M.
func humanCount(n int64) string {
	switch {
	case n >= 1e9:
		return fmt.Sprintf("%.2fG", float64(n)/1e9)
	case n >= 1e6:
		return fmt.Sprintf("%.2fM", float64(n)/1e6)
	case n >= 1e4:
		return fmt.Sprintf("%.1fk", float64(n)/1e3)
	}
	return fmt.Sprintf("%d", n)
}
