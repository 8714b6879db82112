package cur

import (
	"bytes"
	"math/rand/v2"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/parquet-go/parquet-go"
)

// FuzzParseUsageType: any usage type is read exactly or refused, never half-read: token usage
// always has a known kind and scope.
func FuzzParseUsageType(f *testing.F) {
	for _, s := range []string{"USE1-Claude4.6Sonnet-input-tokens", "USW2-MP:USW2_CacheWrite1hInputTokenCount_Global_Batch-Units",
		"USE1-MP:USE1_cache_write_tokens_1h_global_flex-Units", "USW2-anthropic.claude-opus-4-8-mantle-cache-write-tokens-standard",
		"USE1-Claude4Sonnet-input-tokens-cross-region-global", "USE1-MP:USE1_Reserved_1Month_InputTPM_Geo-Units", "", "-", "USE1-", "USE1-MP:"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, ut string) {
		u, ok := ParseUsageType(ut)
		if !ok || !u.Tokens {
			return
		}
		if !slices.Contains(Kinds, u.Kind) || (u.Scope != ScopeRegional && u.Scope != ScopeGlobal) {
			t.Errorf("ParseUsageType(%q) = %+v: token usage of unknown kind or scope", ut, u)
		}
	})
}

// FuzzReadParquet: a damaged export file is an error, never a panic or a hang.
func FuzzReadParquet(f *testing.F) {
	var good bytes.Buffer
	w := parquet.NewGenericWriter[LineItem](&good)
	if _, err := w.Write([]LineItem{{UsageType: "USE1-NovaLite-input-tokens", UsageStart: time.Date(2025, 11, 3, 0, 0, 0, 0, time.UTC), UsageAmount: 1.5,
		Product: map[string]string{"model": "Nova Lite"}}}); err != nil {
		f.Fatal(err)
	}
	if err := w.Close(); err != nil {
		f.Fatal(err)
	}
	f.Add(good.Bytes())
	b := good.Bytes()
	for _, i := range []int{4, len(b) / 2, len(b) - 9} {
		c := bytes.Clone(b)
		c[i] ^= 0xff
		f.Add(c)
	}
	f.Add([]byte("PAR1PAR1"))
	f.Fuzz(func(t *testing.T, data []byte) {
		_ = ReadParquet(bytes.NewReader(data), int64(len(data)), func(*LineItem) {})
	})
}

// TestReadParquetDamaged: a valid file with bytes overwritten at random, a thousand times, is
// read or refused with an error, never a panic.
func TestReadParquetDamaged(t *testing.T) {
	var good bytes.Buffer
	w := parquet.NewGenericWriter[LineItem](&good)
	items := make([]LineItem, 50)
	for i := range items {
		items[i] = LineItem{UsageType: "USE1-NovaLite-input-tokens", UsageStart: time.Date(2025, 11, 3, 0, 0, 0, 0, time.UTC), UsageAmount: float64(i),
			Product: map[string]string{"model": "Nova Lite"}, IAMPrincipal: "arn:aws:iam::123456789012:user/bob"}
	}
	if _, err := w.Write(items); err != nil {
		t.Fatal(err)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	r := rand.New(rand.NewPCG(1, 2))
	errs := 0
	for range 1000 {
		c := bytes.Clone(good.Bytes())
		for range 1 + r.IntN(4) {
			c[r.IntN(len(c))] = byte(r.IntN(256))
		}
		if err := ReadParquet(bytes.NewReader(c), int64(len(c)), func(*LineItem) {}); err != nil {
			errs++
		}
	}
	if errs == 0 {
		t.Error("no damaged file was refused: the damage is not reaching the reader")
	}
}

// TestWantFile: the billing-period folders of the range, and Parquet files only.
func TestWantFile(t *testing.T) {
	since, until := time.Date(2025, 11, 20, 0, 0, 0, 0, time.UTC), time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	for key, want := range map[string]bool{
		"cur/x/data/BILLING_PERIOD=2025-11/x-00001.snappy.parquet": true,
		"cur/x/data/BILLING_PERIOD=2025-12/x-00001.snappy.parquet": true,
		"cur/x/data/BILLING_PERIOD=2025-10/x-00001.snappy.parquet": false,
		"cur/x/data/BILLING_PERIOD=2026-01/x-00001.snappy.parquet": false,
		"cur/x/metadata/BILLING_PERIOD=2025-11/x-Manifest.json":    false,
		filepath.Join("downloads", "part-0.PARQUET"):               true,
	} {
		if got := WantFile(key, since, until); got != want {
			t.Errorf("WantFile(%q) = %v, want %v", key, got, want)
		}
	}
}
